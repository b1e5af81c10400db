/**
 * The one place that knows what a secret looks like in a citizen's message or a flow: the words
 * that name one, a payment card number, a code or password typed after its keyword. Used by the
 * chat's secret guard, the masking of logs and events, and the flow validator.
 */

/** Words (folded, no diacritics) naming a secret the assistant must never collect. */
export const SECRET_WORDS = String.raw`(otp|password|passcode|pin|cvv|cvc|card ?number|mat ?khau|ma xac (thuc|nhan)|so the( ngan hang)?|ma pin|matkhau)`;

/** A run of 13–19 digits, spaces or dashes allowed between them (search with `cardNumbers`). */
const CARD_RUN = /(?<!\d)(?:\d[\s-]?){12,18}\d(?!\d)/g;
/** A tax code with its branch suffix ("0101234567-001") is not a card. */
const TAX_CODE = /^\d{10}-\d{3}$/;

/** The payment card numbers in `text` (13–19 digits, the ISO/IEC 7812 lengths), as typed. */
export function cardNumbers(text: string): string[] {
  return [...text.matchAll(CARD_RUN)].map((m) => m[0]).filter((m) => !TAX_CODE.test(m.trim()));
}

/** `text` with every card number replaced by `by`. */
export function replaceCardNumbers(text: string, by: string): string {
  return text.replace(CARD_RUN, (m) => (TAX_CODE.test(m.trim()) ? m : by));
}

/**
 * A code or password actually typed after its keyword in folded text ("ma otp la 123456", "mat
 * khau cua toi la abc123"), not a question that merely mentions one ("mat khau la gi").
 */
export const TYPED_SECRET = String.raw`\b(otp|ma pin|pin|cvv|cvc|ma xac thuc|ma xac nhan|ma kich hoat)\b\D{0,25}\d{4,8}\b|\b(mat khau|password|passcode|pass|mk)\b(?:\s+\S+){0,3}?\s*(?:\bla\b|\bis\b|=|:)\s*(?!(?:gi|sao|bao|the|nhu|what|how|ai|dau)\b)[^\s,;]*\d[^\s,;]*`;

/**
 * The word after a secret's keyword, with or without diacritics ("mật khẩu là abc", "OTP: 123"),
 * for masking: group 1 the keyword, group 2 what separates it from the secret, group 3 the secret.
 */
export const SECRET_AFTER_KEYWORD =
  /\b(otp|ma xac (?:thuc|nhan)|mã xác (?:thực|nhận)|mat khau|mật khẩu|password|passcode|pass|mã pin|ma pin|pin|cvv|cvc)(?![\p{L}\p{N}])(\s*(?:của\s+\S+\s+|cua\s+\S+\s+)?(?:là|la|is|:|=)?\s*)(\S+)/giu;
