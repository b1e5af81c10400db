import { offerIntro, offerProcedures } from '../../flow/offer.js';
import { CHOICES } from './offered-pick.js';
import { withoutDistrict } from '../../places/index.js';
import { isNotAQuestion } from '../../stats/unmatched.js';
import { t, type Middleware, type RouterContext } from '../turn.js';

/**
 * Catalogue search: an abbreviation that means several things is asked back; otherwise the best
 * procedures are offered as options.
 */
export function search(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    const lang = turn.lang();
    const ambiguity = ctx.understanding.ambiguity(turn.folded);
    if (ambiguity) {
      turn.save({ ...turn.session, vars: { ...turn.session.vars, [CHOICES]: ambiguity.choices } });
      return [
        {
          text: t(lang, `"${ambiguity.token}" có thể là nhiều việc. Anh/chị muốn hỏi việc nào?`, `"${ambiguity.token}" can mean several things. Which one do you mean?`),
          options: ambiguity.choices.map((c, i) => ({ id: `c${i + 1}`, label: c[lang] })),
        },
      ];
    }
    const outcome = ctx.deps.searcher().ask(withoutDistrict(turn.text), { limit: 5 });
    // A topic the assistant does not cover, worded like a procedure: only a sure match is offered.
    const hits = ctx.understanding.outOfScope(turn.folded) ? outcome.hits.filter((h) => h.score >= 0.8) : outcome.hits;
    const query = turn.masked.slice(0, 300);
    if (!hits.length) {
      // "1", "ok", "có" left over from a menu are not questions the catalogue missed.
      if (!isNotAQuestion(turn.text)) turn.emit({ type: 'search_miss', text: query });
      return next();
    }
    turn.emit({ type: 'search', text: query, data: { results: hits.length, top: hits[0]!.procedure.code, ...(outcome.clarify ? { clarify: outcome.clarify.kind } : {}) } });
    const vars = { ...turn.session.vars };
    const intro = offerIntro(outcome, lang, {
      vi: 'Tôi tìm thấy các thủ tục sau. Anh/chị chọn thủ tục đúng với nhu cầu để xem thông tin và cách nộp hồ sơ:',
      en: 'I found these procedures. Choose the one you need to see its details and how to apply:',
    });
    const reply = offerProcedures(vars, hits.map((h) => h.procedure), intro);
    // The conversation moved on: "bao nhiêu tiền?" now means the new list, not the last card.
    turn.save({ ...turn.session, vars, topic: null });
    return [reply];
  };
}
