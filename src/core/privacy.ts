import { createHmac } from 'node:crypto';

/**
 * Masking of personal data (Decree 13/2023): ID numbers, phone numbers, card numbers and
 * secrets a citizen may type. Used before anything reaches a log, an event or the store.
 */

const ID_12 = /(?<![\d])\d{12}(?![\d])/g;
const ID_9 = /(?<![\d])\d{9}(?![\d])/g;
// Vietnamese mobile numbers: 0xxxxxxxxx or +84/84 forms, optionally with spaces/dots/dashes.
const PHONE = /(?<![\d+])(?:\+?84|0)(?:[\s.-]?\d){9}(?![\d])/g;
// Payment card numbers: 13–19 digits, optionally grouped by 4 with spaces or dashes.
const CARD = /(?<![\d])(?:\d[\s-]?){12,18}\d(?![\d])/g;
// An OTP / password / passcode typed after its keyword.
const SECRET_AFTER_KEYWORD =
  /\b(otp|ma xac (?:thuc|nhan)|mã xác (?:thực|nhận)|mat khau|mật khẩu|password|passcode|pass|mã pin|ma pin|pin|cvv|cvc)(\s*(?:của\s+\S+\s+|cua\s+\S+\s+)?(?:là|la|is|:|=)?\s*)(\S+)/giu;

/** Replaces ID, phone and card numbers and keyword-introduced secrets with placeholders. */
export function maskPII(text: string): string {
  return text
    .replace(SECRET_AFTER_KEYWORD, (_m, k: string, sep: string) => `${k}${sep}[bí mật]`)
    .replace(CARD, (m) => (m.replace(/\D/g, '').length >= 13 ? '[số thẻ]' : m))
    .replace(ID_12, '[số định danh]')
    .replace(PHONE, '[số điện thoại]')
    .replace(ID_9, '[số CMND]');
}

/** Shows only the last 3 digits of an identifier ("*********123"). */
export function maskDigits(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 3) return '***';
  return '*'.repeat(digits.length - 3) + digits.slice(-3);
}

/** Keyed hash of a citizen id for analytics; stable for one key, not reversible. */
export function pseudonymise(userId: string, key: string): string {
  return createHmac('sha256', key).update(userId).digest('base64url').slice(0, 16);
}
