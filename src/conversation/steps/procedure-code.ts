import { t, type Middleware, type RouterContext } from '../turn.js';
import { answerAbout } from '../answers.js';
import { cardFor } from '../../flow/offer.js';
import { showProcedure } from './offered-pick.js';

/** A national procedure code ("1.001193"), optionally with a provincial suffix ("1.012753.H19"). */
const CODE = /(?<![\d.])(\d{1,2}\.\d{6})((?:\.[A-Za-z0-9]+)*)(?![\d])/;

/**
 * The citizen typed a procedure code (copied from a receipt or the portal): that procedure, with
 * the answer to what they asked about it. An unknown code is said to be unknown, never guessed.
 */
export function procedureCode(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    const searcher = ctx.deps.searcher();
    // A portal page pasted into the chat names its procedure.
    const link = /https?:\/\/\S+/.exec(turn.text)?.[0];
    const linked = link ? searcher.byUrl?.(link) : undefined;
    const m = CODE.exec(turn.text);
    if (!m && !linked) return next();
    const p = linked ?? searcher.get(`${m![1]}${m![2]}`) ?? searcher.get(m![1]!);
    const lang = turn.lang();
    if (!p && m) {
      return [
        {
          text: t(
            lang,
            `Mã thủ tục ${m[0]} không có trong danh mục của trợ lý. Anh/chị kiểm tra lại mã, hoặc gõ tên thủ tục (ví dụ "đăng ký khai sinh") để tôi tìm giúp.`,
            `Procedure code ${m[0]} is not in the assistant's catalogue. Please check the code, or type the procedure's name (e.g. "birth registration").`,
          ),
        },
      ];
    }
    if (!p) return next();
    const kinds = ctx.understanding.question(turn.folded).kinds;
    if (!kinds.length) return showProcedure(ctx, turn, p.code);
    turn.save({ ...turn.session, topic: p.code });
    return [answerAbout(p, kinds, lang, turn.now, ctx.profile), cardFor(p, lang, searcher, turn.now)];
  };
}
