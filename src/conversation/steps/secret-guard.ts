import { fold } from '../../catalogue/fold.js';
import { t, type Middleware, type RouterContext } from '../turn.js';

// A code or password actually typed after its keyword ("mã OTP là 123456", "mật khẩu của tôi là …"),
// not a question that merely mentions OTP.
// A password counts when its value is typed ("mật khẩu vneid của tôi là Hoa1975@"): a word with a digit,
// not "là gì".
const SECRET_SOURCE = String.raw`\b(otp|ma pin|pin|cvv|cvc|ma xac thuc|ma xac nhan|ma kich hoat)\b\D{0,25}\d{4,8}\b|\b(mat khau|password|passcode|pass|mk)\b(?:\s+\S+){0,3}?\s*(?:\bla\b|\bis\b|=|:)\s*(?!(?:gi|sao|bao|the|nhu|what|how|ai|dau)\b)[^\s,;]*\d[^\s,;]*`;
/** Lower case without tone marks, punctuation kept ("Hanoi@2024" stays one word). */
const plain = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
const SECRET = new RegExp(SECRET_SOURCE);
const SECRET_CUT = new RegExp(SECRET_SOURCE, 'g');
const CARD = /(?<!\d)(?:\d[\s-]?){15,18}\d(?!\d)/g;
/** A bare short code: an OTP when the conversation was just about one. */
const BARE_CODE = /^\s*\d{4,8}\s*$/;
const OTP_TALK = /\b(otp|ma xac thuc|ma xac nhan|ma kich hoat|tin nhan ma)\b/;

/**
 * Secrets never travel further than this step: an OTP, password, PIN or card number gets a
 * warning, is cut out of the message, and whatever else the citizen asked is still answered.
 */
export function secretGuard(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    const recent = ctx.transcripts
      .of(turn.key)
      .slice(-5, -1)
      .map((m) => fold(m.text))
      .join(' ');
    // A flow step that asks for digits (an ID number, a code) may get digits.
    const s = turn.session;
    const stepType = s.flowId && s.flowVersion && s.stepId ? ctx.deps.flows.get(s.flowId, s.flowVersion)?.steps[s.stepId]?.type : undefined;
    const bareOtp = BARE_CODE.test(turn.text) && OTP_TALK.test(recent) && stepType !== 'ask';
    const card = CARD.test(turn.text);
    CARD.lastIndex = 0;
    const text = plain(turn.text);
    if (!SECRET.test(text) && !card && !bareOtp) return next();
    turn.emit({ type: 'secret_warning' });
    turn.before.push({
      text: t(
        turn.lang(),
        '⚠️ Anh/chị tuyệt đối không chia sẻ mã OTP, mật khẩu, mã PIN hay số thẻ ngân hàng với bất kỳ ai, kể cả trợ lý này và cán bộ. Tôi không lưu nội dung đó.',
        '⚠️ Never share OTP codes, passwords, PINs or card numbers with anyone, including this assistant and staff. I have not kept it.',
      ),
    });
    if (bareOtp) return [];
    const rest = fold(text.replace(SECRET_CUT, ' ').replace(CARD, ' '));
    if (ctx.understanding.content(rest).split(' ').filter(Boolean).length < 2) return [];
    turn.narrow(rest);
    return next();
  };
}
