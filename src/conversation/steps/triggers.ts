import { fold } from '../../text/vi/fold.js';
import { procedureVar } from '../../flow/offer.js';
import { startFlow } from '../flow-runner.js';
import type { Middleware, RouterContext } from '../turn.js';

const SUBMIT = 'submit-dossier';

// Words every trigger shares with many procedure names: they say nothing about the flow's subject.
const GENERIC = new Set(['dang', 'ky', 'nop', 'lam', 'cach', 'thu', 'tuc', 'ho', 'so', 'online', 'truc', 'tuyen', 'cong', 'dich', 'vu', 'tra', 'cuu', 'phi', 'le', 'thanh', 'toan', 'kiem']);

/**
 * A flow's trigger phrase starts the flow, unless the message is really about a procedure the
 * flow is not about: "đăng ký khai sinh trên VNeID" names the VNeID app but asks for birth
 * registration; "nộp lệ phí đổi bằng lái bao nhiêu" asks a fee. Those go on to the catalogue.
 */
export function triggers(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    const hit = ctx.deps.flows.matchTrigger(turn.text);
    if (!hit) return next();
    const phrase = new Set(hit.phrase);
    const question = ctx.understanding.question(turn.folded);
    // "Nộp online được không?" right after a procedure's card: the submit guide for that procedure.
    const topic = turn.session.topic ? ctx.deps.searcher().get(turn.session.topic) : undefined;
    if (hit.id === SUBMIT && topic && !turn.session.flowId) {
      turn.save({ ...turn.session, vars: { procedure: procedureVar(topic, turn.now) } });
      return startFlow(ctx, turn, SUBMIT, true).replies;
    }
    // "đăng ký vneid có mất tiền không": a fee, papers, place or time question is answered from the catalogue.
    if (question.kinds.some((k) => k !== 'online') && (ctx.deps.searcher().ask(question.rest, { limit: 1 }).hits[0]?.score ?? 0) >= 0.35) return next();
    const outside = ctx.understanding.content(question.rest).split(' ').filter((w) => w && !phrase.has(w));
    // "Làm trên VNeID được không?" about the procedure on screen: a question, not the VNeID account flow.
    if (question.kinds.length && topic && !outside.length) return next();
    if (outside.length >= 2) {
      // What the words around the trigger ask for, on their own.
      const top = ctx.deps.searcher().ask(outside.join(' '), { limit: 1 }).hits[0];
      const subject = hit.phrase.filter((w) => !GENERIC.has(w));
      const name = ` ${fold(top?.procedure.name ?? '')} `;
      if (top && top.score >= 0.4 && subject.length && !subject.some((w) => name.includes(` ${w} `))) return next();
    }
    return startFlow(ctx, turn, hit.id).replies;
  };
}
