import { createHmac } from 'node:crypto';
import { replaceCardNumbers, SECRET_AFTER_KEYWORD } from '../text/vi/secrets.js';

/**
 * Masking of personal data (Decree 13/2023): ID numbers, phone numbers, card numbers and
 * secrets a citizen may type. Used before anything reaches a log, an event or the store.
 */

const ID_12 = /(?<![\d])\d{12}(?![\d])/g;
const ID_9 = /(?<![\d])\d{9}(?![\d])/g;
// Vietnamese mobile numbers: 0xxxxxxxxx or +84/84 forms, optionally with spaces/dots/dashes.
const PHONE = /(?<![\d+])(?:\+?84|0)(?:[\s.-]?\d){9}(?![\d])/g;

/** Replaces ID, phone and card numbers and keyword-introduced secrets with placeholders. */
export function maskPII(text: string): string {
  return replaceCardNumbers(text.replace(SECRET_AFTER_KEYWORD, (_m, k: string, sep: string) => `${k}${sep}[bí mật]`), '[số thẻ]')
    .replace(ID_12, '[số định danh]')
    .replace(PHONE, '[số điện thoại]')
    .replace(ID_9, '[số CMND]');
}

// Dates: 15/03/1990, 15-3-1990, 15.03.1990, 1990-03-15, "ngày 15 tháng 3 năm 1990".
const DATE_DMY = /(?<![\d/.-])\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?![\d/.-])/g;
const DATE_YMD = /(?<![\d/.-])\d{4}-\d{1,2}-\d{1,2}(?![\d/.-])/g;
const DATE_WORDS = /\b(?:ngày|ngay)\s+\d{1,2}\s+(?:tháng|thang)\s+\d{1,2}\s+(?:năm|nam)\s+\d{4}\b/giu;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
// A name the citizen introduces ("tên tôi là …", "my name is …"): up to four words after the
// phrase, stopping at a word that starts the rest of the sentence ("… ở Hà Nội", "… cần hỏi").
const NAME_WORD = String.raw`(?!(?:là|la|ở|o|tại|tai|sinh|cần|can|muốn|muon|hỏi|hoi|làm|lam|đăng|dang|xin|và|va|số|so|cho|thì|thi|ạ|nhé|nhe|from|and|i)(?![\p{L}]))\p{L}+`;
const NAME_INTRO = String.raw`(?:tên|ten)\s+(?:tôi|toi|em|mình|minh|con|cháu|chau|anh|chị|chi)(?:\s+(?:là|la))?|(?:tôi|toi|em|mình|minh|con|cháu|chau)\s+(?:tên|ten)(?:\s+(?:là|la))?|(?:họ\s+(?:và\s+)?tên|ho\s+(?:va\s+)?ten)(?:\s+(?:là|la))?|my\s+name\s+is|i\s+am\s+called`;
const NAME_AFTER_PHRASE = new RegExp(String.raw`(?<![\p{L}])(${NAME_INTRO})(\s*:?\s*)${NAME_WORD}(?:\s+${NAME_WORD}){0,3}`, 'giu');
// A capitalised Vietnamese full name: a common family name and one to three capitalised words.
const SURNAMES = 'Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Đào|Đinh|Trương|Lâm|Trịnh|Đoàn|Lương|Mai|Cao|Tô|Lưu|Chu|Tạ|Quách|Kiều|Triệu|Vương|Hứa|Phùng|Mạc|Tôn|Khúc|Thái|Hà|Châu|Giang|Tăng|La';
const FULL_NAME = new RegExp(`(?<![\\p{L}\\p{N}])(?:${SURNAMES})(?:\\s+\\p{Lu}\\p{Ll}*){1,3}(?![\\p{L}\\p{N}])`, 'gu');
/** Place names that look like a family name and a given name (left as they are). */
const PLACES = /^(?:Hà (?:Nội|Tĩnh|Nam|Giang|Khẩu|Đông)|Hồ Chí Minh|Thái (?:Bình|Nguyên|Lan)|Lâm Đồng|Cao Bằng|Phan (?:Thiết|Rang)|Mai Châu|Châu (?:Đốc|Phi|Âu|Á|Mỹ)|Giang (?:Nam|Bắc)|Hồ Gươm|Lê Lợi)\b/u;

/**
 * Masks everything maskPII masks plus dates, e-mail addresses and names, for texts kept for
 * analytics (unmatched questions, searches). Dates and names stay readable in transcripts staff
 * read, where a deadline or the citizen's name is part of the help.
 */
export function maskForAnalytics(text: string): string {
  return maskPII(text)
    .replace(EMAIL, '[email]')
    .replace(DATE_WORDS, '[ngày]')
    .replace(DATE_YMD, '[ngày]')
    .replace(DATE_DMY, '[ngày]')
    .replace(NAME_AFTER_PHRASE, (_m, intro: string, sep: string) => `${intro}${sep || ' '}[họ tên]`)
    .replace(FULL_NAME, (m) => (PLACES.test(m) ? m : '[họ tên]'));
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
