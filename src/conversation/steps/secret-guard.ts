import { fold, stripMarks } from '../../text/vi/fold.js';
import { cardNumbers, replaceCardNumbers, TYPED_SECRET } from '../../text/vi/secrets.js';
import { readable } from '../transcripts.js';
import { t, type Middleware, type RouterContext } from '../turn.js';

// What a secret looks like is decided in text/vi/secrets.ts; folded with punctuation kept
// ("Hanoi@2024" stays one word).
const SECRET = new RegExp(TYPED_SECRET);
const SECRET_CUT = new RegExp(TYPED_SECRET, 'g');
/** A bare short code: an OTP when the conversation was just about one. */
const BARE_CODE = /^\s*\d{4,8}\s*$/;
 /** Someone asks the citizen to read out or send a code: the scam, asked about. */
const SCAM = /\b(nguoi goi|co nguoi|ai do|goi dien|nhan tin|cuoc goi|tu xung|someone|caller|called me)\b.*\b(otp|ma xac thuc|ma xac nhan|mat khau|ma pin|password)\b|\b(otp|ma xac thuc|mat khau|ma pin)\b.*\b(co nen|cho ho|cho nguoi|should i)\b/;
const OTP_TALK = /\b(otp|ma xac thuc|ma xac nhan|ma kich hoat|tin nhan ma)\b/;

/**
 * Secrets never travel further than this step: an OTP, password, PIN or card number gets a
 * warning, is cut out of the message, and whatever else the citizen asked is still answered.
 */
export function secretGuard(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    const recent = readable(turn.recent)
      .slice(-4)
      .map((m) => fold(m.text))
      .join(' ');
    // A flow step that asks for digits (an ID number, a code) may get digits.
    const s = turn.session;
    const stepType = s.flowId && s.flowVersion && s.stepId ? ctx.deps.flows.get(s.flowId, s.flowVersion)?.steps[s.stepId]?.type : undefined;
    const bareOtp = BARE_CODE.test(turn.text) && OTP_TALK.test(recent) && stepType !== 'ask';
    const card = cardNumbers(turn.text).length > 0;
    const text = stripMarks(turn.text);
    // "Có người gọi bảo tôi đọc mã OTP": no code typed, but the classic scam: warn before anything else.
    if (SCAM.test(turn.folded) && !SECRET.test(text) && !card) {
      turn.emit({ type: 'secret_warning' });
      return [
        {
          text: t(
            turn.lang(),
            '⚠️ Đây là dấu hiệu lừa đảo. Anh/chị tuyệt đối không đọc, không gửi mã OTP, mật khẩu hay mã PIN cho bất kỳ ai, kể cả người xưng là cán bộ, công an hay ngân hàng. Cơ quan nhà nước không bao giờ hỏi mã OTP. Nếu đã lỡ cung cấp, anh/chị đổi mật khẩu ngay và báo ngân hàng, Công an cấp xã.',
            '⚠️ This is a scam pattern. Never read out or send an OTP, password or PIN to anyone, even someone claiming to be an official, the police or a bank. Government agencies never ask for an OTP. If you already shared it, change your password at once and tell your bank and the commune police.',
          ),
        },
      ];
    }
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
    const rest = fold(replaceCardNumbers(text.replace(SECRET_CUT, ' '), ' '));
    if (ctx.understanding.content(rest).split(' ').filter(Boolean).length < 2) return [];
    turn.narrow(rest);
    return next();
  };
}
