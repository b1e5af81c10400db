import { matchLifeEvent } from '../../catalogue/life-events.js';
import { offerProcedures } from '../../flow/offer.js';
import { focus } from './procedure-question.js';
import type { Middleware, RouterContext } from '../turn.js';

/**
 * "Có con mới sinh", "người nhà mất", "mở quán", "mua xe": the bundle of procedures the situation
 * needs, each one a numbered option that opens its card.
 */
export function lifeEvent(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    const event = matchLifeEvent(turn.folded, ctx.lifeEvents);
    if (!event) return next();
    const searcher = ctx.deps.searcher();
    // "Làm khai tử cho ông nội cần những giấy gì": a question about a named procedure is answered as such.
    const q = focus(ctx, turn.text, turn.folded);
    if (q.kinds.length && (searcher.ask(q.rest, { limit: 1 }).hits[0]?.score ?? 0) >= 0.5) return next();
    const items = event.procedures.map((x) => ({ p: searcher.get(x.code), why: x.why })).filter((x) => x.p !== undefined);
    if (!items.length) return next();
    const lang = turn.lang();
    const lines = items.map((x, i) => `${i + 1}. ${x.p!.name}: ${x.why[lang]}`);
    const more = lang === 'vi' ? 'Anh/chị chọn một thủ tục để xem lệ phí, giấy tờ và cách nộp.' : 'Choose one to see its fee, documents and how to apply.';
    const vars = { ...turn.session.vars };
    const reply = offerProcedures(vars, items.map((x) => x.p!), `${event.intro[lang]}\n${lines.join('\n')}\n${more}`);
    turn.save({ ...turn.session, vars, topic: null });
    turn.emit({ type: 'search', text: turn.masked.slice(0, 300), data: { results: items.length, top: items[0]!.p!.code, lifeEvent: event.id } });
    return [reply];
  };
}
