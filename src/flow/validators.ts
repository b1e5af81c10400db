import type { Text } from './schema.js';

/** Result of checking a citizen's answer: the normalised value, or a hint saying what to type. */
export type Checked = { ok: true; value: string } | { ok: false; hint: Text };

export interface ValidatorOptions {
  min?: number;
  max?: number;
  pattern?: string;
  notFuture?: boolean;
  /** Epoch ms, for not-in-future checks. */
  now: number;
}

/** Province codes of the 12-digit personal ID number (FACTS.md: 63 pre-2025 provinces). */
const PROVINCES = new Set(
  '001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096'.split(' '),
);
// Vietnamese mobile prefixes (after 0): 3x, 5x, 7x, 8x, 9x.
const MOBILE = /^0(3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7}$/;

function cccd(input: string): Checked {
  const digits = input.replace(/[\s.-]/g, '');
  if (!/^\d+$/.test(digits)) return { ok: false, hint: { vi: 'Số định danh cá nhân chỉ gồm chữ số (12 số).', en: 'The personal ID number has digits only (12 digits).' } };
  if (digits.length !== 12) return { ok: false, hint: { vi: `Số định danh cá nhân có 12 chữ số; anh/chị vừa nhập ${digits.length} số.`, en: `The personal ID number has 12 digits; you typed ${digits.length}.` } };
  if (!PROVINCES.has(digits.slice(0, 3))) return { ok: false, hint: { vi: '3 số đầu phải là mã tỉnh nơi đăng ký khai sinh (ví dụ 001 Hà Nội, 079 TP. Hồ Chí Minh). Anh/chị kiểm tra lại trên thẻ.', en: 'The first 3 digits must be a province code (e.g. 001 Hanoi, 079 Ho Chi Minh City). Please check your card.' } };
  return { ok: true, value: digits };
}

function phone(input: string): Checked {
  let d = input.replace(/[\s.()-]/g, '');
  if (d.startsWith('+84')) d = '0' + d.slice(3);
  else if (d.startsWith('84') && d.length === 11) d = '0' + d.slice(2);
  if (!MOBILE.test(d)) return { ok: false, hint: { vi: 'Số di động gồm 10 số, bắt đầu bằng 0 (ví dụ 0912 345 678) hoặc +84.', en: 'A mobile number has 10 digits starting with 0 (e.g. 0912 345 678) or +84.' } };
  return { ok: true, value: d };
}

function date(input: string, o: ValidatorOptions): Checked {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(input.trim());
  const bad: Checked = { ok: false, hint: { vi: 'Anh/chị nhập ngày theo dạng ngày/tháng/năm, ví dụ 05/09/1990.', en: 'Please type the date as day/month/year, e.g. 05/09/1990.' } };
  if (!m) return bad;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d || y < 1900) return { ok: false, hint: { vi: 'Ngày này không có trên lịch. Anh/chị kiểm tra lại ngày/tháng/năm.', en: 'That date does not exist. Please check day/month/year.' } };
  // Vietnam time (UTC+7) decides what "today" is.
  if (o.notFuture && dt.getTime() > o.now + 7 * 3_600_000) return { ok: false, hint: { vi: 'Ngày này ở tương lai. Anh/chị kiểm tra lại.', en: 'That date is in the future. Please check.' } };
  return { ok: true, value: `${String(d).padStart(2, '0')}/${String(mo).padStart(2, '0')}/${y}` };
}

function email(input: string): Checked {
  const v = input.trim();
  if (v.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(v)) return { ok: false, hint: { vi: 'Địa chỉ email có dạng ten@vidu.vn.', en: 'An email address looks like name@example.com.' } };
  return { ok: true, value: v.toLowerCase() };
}

function number(input: string, o: ValidatorOptions): Checked {
  const v = Number(input.trim().replace(',', '.'));
  const range = `${o.min ?? '-∞'}–${o.max ?? '∞'}`;
  if (!Number.isFinite(v) || (o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max)) return { ok: false, hint: { vi: `Anh/chị nhập một số trong khoảng ${range}.`, en: `Please type a number in the range ${range}.` } };
  return { ok: true, value: String(v) };
}

function pattern(input: string, o: ValidatorOptions): Checked {
  const v = input.trim();
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${o.pattern ?? '.*'})$`, 'u');
  } catch {
    return { ok: false, hint: { vi: 'Không kiểm tra được câu trả lời.', en: 'The answer cannot be checked.' } };
  }
  if (v.length > 200 || !re.test(v)) return { ok: false, hint: { vi: 'Câu trả lời chưa đúng định dạng.', en: 'The answer is not in the expected format.' } };
  return { ok: true, value: v };
}

function text(input: string, o: ValidatorOptions): Checked {
  const v = input.trim();
  const min = o.min ?? 1;
  const max = o.max ?? 500;
  if (v.length < min || v.length > max) return { ok: false, hint: { vi: `Anh/chị nhập từ ${min} đến ${max} ký tự.`, en: `Please type ${min} to ${max} characters.` } };
  return { ok: true, value: v };
}

/**
 * A dossier code ("mã hồ sơ") as one-stop systems issue them: an agency code, a date and a number
 * joined by dots, dashes or slashes (e.g. 000.00.01.H29-260310-0420, G22.99-231234-0001). A personal
 * ID number or a phone number typed by mistake is named as such and never repeated back.
 */
function dossier(input: string): Checked {
  const v = input.trim().replace(/\s+/g, '');
  const digits = v.replace(/\D/g, '');
  if (/^\+?\d+$/.test(v)) {
    if (digits.length === 12)
      return { ok: false, hint: { vi: 'Đây có vẻ là số định danh cá nhân (số căn cước), không phải mã hồ sơ. Anh/chị không cần gửi số định danh ở đây. Mã hồ sơ có dạng 000.00.01.H29-260310-0420, in trên giấy biên nhận hoặc trong thư/tin nhắn báo đã nộp.', en: 'That looks like a personal ID number, not a dossier code; please do not send your ID number here. A dossier code looks like 000.00.01.H29-260310-0420 and is on your receipt or submission message.' } };
    if (/^(0|84)\d{9}$/.test(digits))
      return { ok: false, hint: { vi: 'Đây có vẻ là số điện thoại, không phải mã hồ sơ. Mã hồ sơ có dạng 000.00.01.H29-260310-0420, in trên giấy biên nhận hoặc trong thư/tin nhắn báo đã nộp.', en: 'That looks like a phone number, not a dossier code. A dossier code looks like 000.00.01.H29-260310-0420 and is on your receipt or submission message.' } };
    return { ok: false, hint: { vi: 'Mã hồ sơ không chỉ gồm chữ số: nó có dạng 000.00.01.H29-260310-0420 (chữ, số, dấu chấm, gạch ngang). Anh/chị chép đúng mã trên giấy biên nhận.', en: 'A dossier code is not just digits: it looks like 000.00.01.H29-260310-0420 (letters, digits, dots, dashes). Copy it from your receipt.' } };
  }
  if (v.length < 8 || v.length > 40 || !/^[A-Za-z0-9][A-Za-z0-9.\-/_]+$/.test(v) || !/[.\-/]/.test(v) || digits.length < 4)
    return { ok: false, hint: { vi: 'Mã hồ sơ có dạng 000.00.01.H29-260310-0420: chữ, số, dấu chấm và gạch ngang, dài 8–40 ký tự. Anh/chị chép đúng mã trên giấy biên nhận.', en: 'A dossier code looks like 000.00.01.H29-260310-0420: letters, digits, dots and dashes, 8–40 characters. Copy it from your receipt.' } };
  return { ok: true, value: v.toUpperCase() };
}

/** Validators by name; flows refer to them by these names and are checked at load. */
export const VALIDATOR_REGISTRY: Record<string, (input: string, o: ValidatorOptions) => Checked> = { cccd, phone, date, email, number, pattern, text, dossier };
