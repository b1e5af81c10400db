import type { Reply } from '../../core/message.js';
import { matchOption } from '../../flow/options.js';
import { answerAbout } from '../answers.js';
import { startFlow } from '../flow-runner.js';
import { cardFor, pickOffered, procedureVar, takeOffer } from '../../flow/offer.js';
import type { Middleware, RouterContext, Turn } from '../turn.js';
import type { QuestionKind } from '../understanding.js';

/** Session var: choices offered for an ambiguous abbreviation ("tt": tạm trú / thường trú / thanh toán). */
export const CHOICES = '_choices';

/**
 * A number or a name picks one of the procedures offered last: the card (with the answer to
 * what was asked, when the citizen asked "how much" or "what papers"), then the submit guide.
 */
export function offeredPick(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    const vars = { ...turn.session.vars };
    // An ambiguous abbreviation was asked back: the choice becomes the question.
    const choices = Array.isArray(vars[CHOICES]) ? (vars[CHOICES] as { vi: string; en: string; query: string }[]) : null;
    if (choices) {
      const k = matchOption(turn.text, choices.map((_, i) => `c${i + 1}`), choices.map((c) => c[turn.lang()]));
      delete vars[CHOICES];
      turn.save({ ...turn.session, vars });
      if (k >= 0) turn.narrow(choices[k]!.query);
    }
    const searcher = ctx.deps.searcher();
    // A new question ("đăng ký khai tử ở đâu") is not a pick, even if it resembles an offered name.
    if (!/^\s*\d{1,2}\s*$/.test(turn.text) && ctx.understanding.question(turn.folded).kinds.length) return next();
    const p = pickOffered(vars, turn.text, searcher);
    if (!p) return next();
    const wasOffered = Array.isArray(vars._offered) && (vars._offered as string[]).includes(p.code);
    if (wasOffered) ctx.deps.onPick?.(p.code);
    const asked = takeOffer(vars) as QuestionKind[];
    return showProcedure(ctx, turn, p.code, asked);
  };
}

/** The chosen procedure: the answer to what was asked (if anything), its card, then the submit guide. */
export function showProcedure(ctx: RouterContext, turn: Turn, code: string, asked: readonly QuestionKind[] = []): Reply[] {
  const searcher = ctx.deps.searcher();
  const p = searcher.get(code)!;
  const lang = turn.lang();
  const card = cardFor(p, lang, searcher, turn.now);
  turn.save({ ...turn.session, topic: p.code, vars: { procedure: procedureVar(p, turn.now) } });
  if (asked.length) return [answerAbout(p, asked, lang, turn.now, ctx.profile), card];
  return [card, ...startFlow(ctx, turn, 'submit-dossier', true).replies];
}
