import type { Procedure } from './procedure.js';

/**
 * Fee texts read from the catalogue. The portal's `fee` field is taken from one channel and is
 * often wrong ("Miễn phí" while the note names 135.000 đồng), notes are truncated mid-sentence and
 * carry time-limited discounts. A wrong fee told to a citizen is worse than none, so every rule
 * here leans towards "xem trên Cổng" when the text is not plain.
 */
export interface FeeInfo {
  /** One line for the procedure card, e.g. "135.000 đồng/lần", "Miễn phí", "Xem trên Cổng". */
  summary: string;
  /** Longer answer to "lệ phí bao nhiêu": at most 6 short lines. */
  details: string[];
  /** Amounts (đồng, ≥ 1.000) named by the fee fields or notes, ascending. */
  amounts: number[];
  /** The catalogue plainly says free and no field or note names an amount. */
  free: boolean;
  /** A fee field reads an implausible amount (< 1.000 đồng, e.g. "1 VNĐ"): shown as "xem trên Cổng". */
  implausible: boolean;
  /** The amount is set by the provincial People's Council (HĐND). */
  setByProvince: boolean;
}

export type Lang = 'vi' | 'en';

/** Below this an amount in đồng is a data error (the portal lost digits or the unit). */
const MIN_PLAUSIBLE = 1000;
const MAX_SUMMARY = 160;
const MAX_DETAILS = 6;
const VN_OFFSET_MS = 7 * 3600_000;

/** "70.000 đồng" / "70,000 VND". */
export function formatMoney(amount: number, lang: Lang): string {
  const digits = String(Math.round(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, lang === 'vi' ? '.' : ',');
  return lang === 'vi' ? `${digits} đồng` : `${digits} VND`;
}

function formatUsd(amount: number, lang: Lang): string {
  const s = Number.isInteger(amount) ? String(amount) : String(amount).replace('.', lang === 'vi' ? ',' : '.');
  return `${s} USD`;
}

// ---------------------------------------------------------------------------------------------
// Reading numbers, dates and amounts

/** "1.500.000", "70,000", "20000", "01" → integer; "1,5" / "1.5" → 1.5. */
function parseNumber(s: string): number {
  if (/^\d{1,3}([.,]\d{3})+$/.test(s)) return Number(s.replace(/[.,]/g, ''));
  if (/^\d+$/.test(s)) return Number(s);
  return Number(s.replace(',', '.'));
}

const NUM = String.raw`(?<![\d.,/])(?<!năm\s)(?<!số\s)(\d{1,3}(?:[.,]\d{3})+|\d+)(?![.,]?\d)`;
const TRIEU_RE = /(?<![\d.,/])(\d+(?:[.,]\d+)?)\s*triệu\s+đồng/giu;
const USD_RE = /(?<![\d.,/])(\d+(?:[.,]\d+)?)\s*USD\b/gu;
/** "(Hai triệu đồng)", "(bốn triệu năm trăm nghìn việt nam đồng)" — amounts spelled out in words. */
const SPELLED_RE = /\((?:[^()\d]*?(?:triệu|nghìn|ngàn|trăm|mươi)[^()\d]*)\)/giu;

const UNITS = [
  'lần cấp', 'lần đăng ký', 'lần', 'bộ hồ sơ', 'hồ sơ', 'thẻ căn cước', 'thẻ ABTC', 'thẻ', 'người', 'bản', 'trang', 'giấy phép', 'giấy chứng nhận', 'giấy thông hành',
  'giấy', 'hộ chiếu', 'trường hợp', 'tem', 'tờ khai', 'loại thuốc', 'loại', 'cơ sở', 'đơn hàng', 'chứng chỉ', 'môn thi', 'môn', 'phương tiện', 'sổ', 'văn bản', 'lô hàng',
];
const UNIT_ALT = UNITS.join('|');
/** What follows "đồng/": a known unit ("lần", "bản") or any short token ("GT-lần", "tấn"), which makes the amount a rate. */
const UNIT_TAIL = String.raw`(?:\s*\/\s*(?:0?1\s+)?(?:(${UNIT_ALT})(?![\p{L}])|([\p{L}\p{N}][\p{L}\p{N}-]{0,11})))?`;
// "đồng", "Đồng", "VNĐ", "Việt Nam Đồng", "50.000đ" — not "đơn", "đối", "đ/c"
const DONG_UNIT_RE = new RegExp(String.raw`${NUM}\s*(?:Việt Nam Đồng|VNĐ|VND|đồng|Đồng|đ)(?![\p{L}])${UNIT_TAIL}`, 'giu');
/** "15000000/lần Đồng": the portal's "amount/unit currency" export. */
const SLASH_DONG_RE = new RegExp(String.raw`${NUM}\s*\/\s*([\p{L}]+(?:\s[\p{L}]+)?)\s+(?:Việt Nam Đồng|VNĐ|đồng|Đồng)(?![\p{L}])`, 'giu');
/** "8.000.000/lần", "160.000/hộ chiếu": a grouped amount per a known unit that lost its currency. */
const BARE_SLASH_RE = new RegExp(String.raw`(?<![\d.,/])(\d{1,3}(?:[.,]\d{3})+)\s*\/\s*(?:01\s+)?(${UNIT_ALT})(?![\p{L}])`, 'giu');
/** "Lệ phí: 1,500,000 (Giấy chứng nhận …)", "Phí: 1,700,000 Sát hạch …": a labelled amount that lost "Đồng". */
const LABEL_RE = /(?:lệ phí|phí)\s*:\s*(\d{1,3}(?:[.,]\d{3})+|\d{4,})(?![.,]?\d)(?!\s*(?:USD|%|\/|[.,]\d))/giu;
/** Units per item; any other unit ("GT", "tấn", "m2") makes the amount a rate per quantity. */
const ITEM_UNITS = new Set(UNITS.map((u) => u.toLowerCase()));

interface Amount {
  n: number;
  /** "lần", "bản"; a rate unit such as "gt-lần" when `rate`. */
  unit: string | null;
  rate: boolean;
}

/** Units of measure: "2.500 đồng/GT-lần", "đồng/tấn", "đồng/m2" make the amount a rate. */
const MEASURE_RE = /^(?:gt|tấn|kg|m2|m3|m²|m³|km|ha|lít|kw|kwh|mw|năm|tháng|ngày|giờ)(?:-lần|-chuyến)?$/iu;
const EXTRA_ITEMS = /^(?:khẩu-chiếc|chiếc|khẩu|cchn|xe|tàu|phương tiện|lô giống|vườn giống)$/iu;

function withUnit(n: number, known: string | undefined, other: string | undefined): Amount {
  if (known) return { n, unit: known.toLowerCase(), rate: false };
  if (!other) return { n, unit: null, rate: false };
  if (MEASURE_RE.test(other)) return { n, unit: other, rate: true };
  // An unknown word after "đồng/" ("lầng", a typo) is dropped rather than shown.
  return { n, unit: EXTRA_ITEMS.test(other) ? other.toLowerCase() : null, rate: false };
}

function amountsWithUnits(text: string): Amount[] {
  const out: Amount[] = [];
  for (const m of text.matchAll(DONG_UNIT_RE)) out.push(withUnit(parseNumber(m[1]!), m[2], m[3]));
  for (const m of text.matchAll(SLASH_DONG_RE)) out.push(withUnit(parseNumber(m[1]!), m[2], undefined));
  for (const m of text.matchAll(BARE_SLASH_RE)) out.push(withUnit(parseNumber(m[1]!), m[2], undefined));
  for (const m of text.matchAll(LABEL_RE)) out.push({ n: parseNumber(m[1]!), unit: null, rate: false });
  for (const m of text.matchAll(TRIEU_RE)) out.push({ n: Math.round(parseNumber(m[1]!) * 1_000_000), unit: null, rate: false });
  return out.filter((a) => Number.isFinite(a.n));
}

function amountsIn(text: string): number[] {
  return [...new Set(amountsWithUnits(text).map((a) => a.n))];
}

function usdIn(text: string): number[] {
  return [...text.matchAll(USD_RE)].map((m) => parseNumber(m[1]!)).filter((n) => Number.isFinite(n) && n > 0);
}

const DATE = String.raw`(\d{1,2}(?:\/|\s+tháng\s+)\d{1,2}(?:\/|\s+năm\s+)\d{4})`;
const FROM_RE = new RegExp(String.raw`từ\s+(?:ngày\s+)?${DATE}`, 'iu');
const TO_RE = new RegExp(String.raw`đến\s+(?:hết\s+)?(?:ngày\s+)?${DATE}`, 'iu');

interface Day {
  d: number;
  m: number;
  y: number;
}

function parseDay(s: string): Day | null {
  const m = /(\d{1,2})\D+(\d{1,2})\D+(\d{4})/.exec(s);
  if (!m) return null;
  const day = { d: Number(m[1]), m: Number(m[2]), y: Number(m[3]) };
  return day.d >= 1 && day.d <= 31 && day.m >= 1 && day.m <= 12 ? day : null;
}

/** The instant a day ends in Vietnam (UTC+7). */
function endOfDay(day: Day): number {
  return Date.UTC(day.y, day.m - 1, day.d + 1) - VN_OFFSET_MS;
}

function startOfDay(day: Day): number {
  return Date.UTC(day.y, day.m - 1, day.d) - VN_OFFSET_MS;
}

const dd = (n: number) => String(n).padStart(2, '0');
const showDay = (day: Day) => `${dd(day.d)}/${dd(day.m)}/${day.y}`;

// ---------------------------------------------------------------------------------------------
// Reading one procedure

type TempKind = 'amount' | 'exempt' | 'percent' | 'unspecified';

/** A time-limited rate: "Kể từ ngày 01/12/2023 đến hết ngày 31/12/2025 … 115.000 đồng". */
interface TempRate {
  kind: TempKind;
  online: boolean;
  amounts: number[];
  percent: number | null;
  from: Day | null;
  to: Day | null;
}

interface Reading {
  /** Plausible base amounts by channel label (merged rows). */
  byChannel: Map<string, number[]>;
  base: number[];
  temps: TempRate[];
  usd: number[];
  /** Some field or note says free ("Miễn phí", "Phí : 0 Đồng"). */
  saysFree: boolean;
  implausible: boolean;
  /** Fee fields below MIN_PLAUSIBLE, for the staff report. */
  tiny: number[];
  setByProvince: boolean;
  exemption: string | null;
  exemptSome: boolean;
  /** A percentage rate or a fee schedule named without an amount: the text cannot be trusted alone. */
  unclear: boolean;
  /** The unit each amount is charged per ("lần", "bản"), when the text gives one. */
  units: Map<number, string>;
  /** Some amount is a rate per quantity ("2.500 đồng/GT-lần", "đồng/tấn"), not a price for the procedure. */
  rate: boolean;
  /** A note ends in the middle of another time-limited rule ("… - Kể từ"): its content is lost. */
  truncatedTemp: boolean;
  /** "Phí cấp bản sao trích lục (nếu có yêu cầu)": an optional copy fee next to a free registration. */
  optionalCopy: boolean;
  /** The online channel's own note names its amount as the online rate ("nộp … trực tuyến thu 10.000 đồng"). */
  onlineEvidence: boolean;
}


const FREE_FIELD_RE = /^(?:miễn phí|(?:lệ )?phí\s*:\s*(?:0|không|o)\s*đồng)\s*$/iu;
const PROVINCE_RE = /(?:do|của|theo)\s+(?:(?:mức thu lệ phí|quyết định|quy định)\s+(?:do|của)\s+)?(?:Hội đồng nhân dân|HĐND)(?:\s+cấp)?\s+tỉnh|(?:lệ phí|phí)[^.]{0,30}:\s*(?:Hội đồng nhân dân|HĐND) cấp tỉnh quyết định/iu;
const EXEMPT_RE = /(?:miễn (?:lệ phí|phí)|không thu (?:lệ phí|phí))(?:[^()]{0,60}?)\s+(?:cho|đối với)\s+([^.()]+)(\.|\)|$)/iu;
const EXEMPT_SOME_RE = /(?:trừ trường hợp được miễn|được miễn (?:lệ phí|phí)|miễn (?:lệ phí|phí) (?:cho|đối với)|không thu (?:lệ phí|phí) (?:đăng ký )?(?:cho|đối với))/iu;
/** A fee or price named by reference to a schedule, with no amount ("Phí kiểm dịch … theo Thông tư …"). */
const SCHEDULE_RE = /(?:^|[(\s-])(?:phí|lệ phí|mức thu|mức phí|giá)(?![\p{L}])[^.]{0,200}?(?:Thông tư|Nghị định|Biểu (?:phí|mức thu)|quy định (?:cụ thể )?của Bộ Tài chính)/iu;
const ONLINE_RE = /trực tuy[ếể]n/iu;

/** A fee, price or charge word ("phí thẩm định", "lệ phí", "giá dịch vụ", "mức thu"). */
const FEE_WORD = /(?:^|[^\p{L}])(?:lệ phí|phí|giá dịch vụ|biểu giá|khung giá|mức thu|mức phí|chi phí)(?![\p{L}])/iu;
/** What sets an amount elsewhere: a circular, decree, the fee law, a schedule, the province, a bank. */
const SET_ELSEWHERE = /Thông tư|Nghị định|Luật phí|Luật Giá|pháp luật về (?:phí|giá)|Biểu|quy định của Bộ|Bộ Tài chính|TT-BTC|(?:Ủy|Uỷ) ban nhân dân|UBND|Hội đồng nhân dân|HĐND|chính quyền địa phương|theo thông báo|Ngân hàng/iu;
/** "Miễn lệ phí", "Không thu phí", "Không được quy định tại Biểu phí …": the sentence says there is no fee. */
const NO_FEE = /miễn|không thu|không (?:được )?quy định|không có|chưa quy định/iu;
/** A note that is only the name of a fee: "(Phí thẩm định)", "(Lệ phí cấp giấy chứng nhận)". */
const FEE_NAME_ONLY = /^[(\s+-]*(?:lệ phí|phí)\s+[\p{L}\s,]{2,80}[).\s]*$/iu;
/** "(do Ủy ban nhân dân cấp tỉnh quy định.)" standing alone in the fee column; "(Thông tư số 94/2021/TT-BTC)". */
const SET_BY_ONLY = /^[(\s-]*(?:do|theo)\s+(?:(?:Ủy|Uỷ) ban nhân dân|UBND|Hội đồng nhân dân|HĐND)[^)]*quy định|^[(\s-]*(?:Thực hiện theo\s+)?Thông tư(?: liên tịch)? số \d+\/\d{4}\/TTL?T?-BTC[^)]*\)?\.?\s*$/iu;
/** A time-limited rule cut off by the export: "… - Kể từ", "… Từ ngày 01/7/2025 đến hết ngày". */
const TRUNCATED_TEMP_RE = /(?:(?:kể\s+)?từ(?:\s+ngày)?(?:\s+\d{1,2}(?:\/\d{1,2})?)?|đến(?:\s+hết)?(?:\s+ngày)?)\s*$/iu;

/**
 * Sentences that name a fee without an amount ("Theo quy định của Luật phí và lệ phí", "Phí kiểm dịch …
 * theo Thông tư 101/2020/TT-BTC", "(Phí thẩm định)"): there is a fee, the catalogue does not say how much.
 */
function readReferences(note: string, r: Reading): void {
  const sentences = note.replace(/^Miễn phí(?=[\p{Lu}(-])/u, '').split(/\n|;|\.\s+|\)\s*(?=[-+(\p{Lu}])/u).map((x) => x.trim()).filter(Boolean);
  for (const sentence of sentences) {
    if (NO_FEE.test(sentence)) continue;
    if (amountsIn(sentence).some((n) => n >= MIN_PLAUSIBLE) || usdIn(sentence).length) continue;
    // "Phí cấp bản sao Trích lục kết hôn (nếu có yêu cầu) …": an extra, optional fee.
    if (/bản sao/iu.test(sentence) && /nếu có yêu cầu/iu.test(sentence)) {
      r.optionalCopy = true;
      continue;
    }
    if ((FEE_WORD.test(sentence) && SET_ELSEWHERE.test(sentence)) || FEE_NAME_ONLY.test(sentence) || SET_BY_ONLY.test(sentence)) r.unclear = true;
  }
}

function segments(note: string): string[] {
  return note
    .replace(SPELLED_RE, ' ')
    // A parenthesis that says how long a rate applies belongs to the rate before it:
    // "160.000/hộ chiếu … 320.000đ/hộ chiếu (áp dụng đến hết ngày 31/12/2023 …)".
    .split(/\n|;|\.\s+|\s[-–+*]\s|\s\((?!\s*(?:áp dụng|kể từ|từ ngày|đến hết|đến ngày))|\(-\s/iu)
    .map((s) => s.trim())
    .filter(Boolean);
}

function readTemp(seg: string): TempRate | null {
  const fromM = FROM_RE.exec(seg);
  const toM = TO_RE.exec(seg);
  // "áp dụng đến hết ngày …" alone, or a start that lost its end to truncation.
  if (!toM && !(fromM && /đến/iu.test(seg.slice(fromM.index)))) {
    if (!fromM) return null;
  }
  const percentM = /(\d{1,3})\s*%/u.exec(seg);
  // "giảm 20%" is 80% of the fee; "bằng 50%" is 50%.
  const cut = /giảm\s*(\d{1,3})\s*%/iu.exec(seg);
  const amounts = amountsIn(seg).filter((n) => n >= MIN_PLAUSIBLE);
  // "quy định mức thu, miễn một số khoản phí" is the title of a circular, not a waiver.
  const waiver = /\bmiễn\b/iu.test(seg.replace(/miễn một số khoản[^)]*/giu, ''));
  const kind: TempKind = waiver && !percentM ? 'exempt' : amounts.length ? 'amount' : percentM ? 'percent' : 'unspecified';
  return {
    kind,
    online: ONLINE_RE.test(seg),
    amounts,
    percent: cut ? 100 - Number(cut[1]) : percentM ? Number(percentM[1]) : null,
    from: fromM ? parseDay(fromM[1]!) : null,
    to: toM ? parseDay(toM[1]!) : null,
  };
}

function read(p: Pick<Procedure, 'fee' | 'channels'>): Reading {
  const r: Reading = {
    byChannel: new Map(),
    base: [],
    temps: [],
    usd: [],
    saysFree: false,
    implausible: false,
    tiny: [],
    setByProvince: false,
    exemption: null,
    exemptSome: false,
    unclear: false,
    units: new Map(),
    rate: false,
    truncatedTemp: false,
    optionalCopy: false,
    onlineEvidence: false,
  };
  const fields = [p.fee, ...p.channels.map((c) => c.fee)].filter((f): f is string => !!f);
  const tempAmounts = new Set<number>();
  const baseSet = new Set<number>();
  const noteUnits = (text: string) => {
    for (const a of amountsWithUnits(text)) {
      if (a.n < MIN_PLAUSIBLE) continue;
      if (a.rate) r.rate = true;
      if (a.unit && !r.units.has(a.n)) r.units.set(a.n, a.unit);
    }
  };
  const add = (channel: string, n: number) => {
    baseSet.add(n);
    const list = r.byChannel.get(channel) ?? [];
    if (!list.includes(n)) list.push(n);
    r.byChannel.set(channel, list);
  };

  for (const f of fields) {
    if (FREE_FIELD_RE.test(f.trim())) r.saysFree = true;
    if (/%/u.test(f)) r.unclear = true;
    for (const n of amountsIn(f)) {
      if (n === 0) r.saysFree = true;
      else if (n < MIN_PLAUSIBLE) {
        r.implausible = true;
        if (!r.tiny.includes(n)) r.tiny.push(n);
      }
    }
    r.usd.push(...usdIn(f));
    noteUnits(f);
  }
  if (p.fee) for (const n of amountsIn(p.fee)) if (n >= MIN_PLAUSIBLE) baseSet.add(n);

  for (const c of p.channels) {
    const label = c.channel || '?';
    if (c.fee) for (const n of amountsIn(c.fee)) if (n >= MIN_PLAUSIBLE) add(label, n);
    const note = c.note;
    if (!note) continue;
    if (/^miễn phí/iu.test(note) && !amountsIn(note).some((n) => n >= MIN_PLAUSIBLE)) r.saysFree = true;
    if (PROVINCE_RE.test(note)) r.setByProvince = true;
    if (EXEMPT_SOME_RE.test(note)) r.exemptSome = true;
    const ex = EXEMPT_RE.exec(note);
    // Only a whole clause (ends with . ; or ")") is quoted; a truncated one becomes the generic line.
    if (ex && !r.exemption && ex[2] && ex[1]!.trim().length <= 140 && !/\d/u.test(ex[1]!)) r.exemption = ex[1]!.trim().replace(/\s*;\s*/gu, ', ');
    r.usd.push(...usdIn(note));
    noteUnits(note);
    readReferences(note, r);
    if (TRUNCATED_TEMP_RE.test(note)) r.truncatedTemp = true;
    for (const seg of segments(note)) {
      const temp = readTemp(seg);
      if (temp) {
        r.temps.push(temp);
        for (const n of temp.kind === 'amount' ? temp.amounts : []) tempAmounts.add(n);
        if (temp.kind === 'exempt') for (const n of amountsIn(seg)) if (n >= MIN_PLAUSIBLE) add(label, n);
        continue;
      }
      if (/\d\s*%/u.test(seg) && /phí|mức thu/iu.test(seg)) r.unclear = true;
      const found = amountsIn(seg).filter((n) => n >= MIN_PLAUSIBLE);
      // "3000.000 đồng", "10.000.0000 đồng": an amount is named but cannot be read safely.
      if (!found.length && /\d[\d.,]{2,}\s*(?:đồng|Đồng|VNĐ)/u.test(seg)) r.unclear = true;
      for (const n of found) add(label, n);
      if (found.length && label === 'Trực tuyến' && ONLINE_RE.test(seg)) r.onlineEvidence = true;
      if (!found.length && SCHEDULE_RE.test(seg) && !NO_FEE.test(seg)) r.unclear = true;
      // "Mức phí giảm 20%: 1.600.000": a grouped amount with no currency and no unit.
      if (!found.length && /(?<![\d.,/])\d{1,3}(?:[.,]\d{3}){1,3}(?![.,]?\d)(?!\s*(?:[\p{L}\/%]|-\s*\p{L}))/u.test(seg) && /phí|mức thu/iu.test(seg)) r.unclear = true;
    }
  }
  // A fee field may hold the discounted amount: keep it out of the base when a note names it as temporary.
  const base = [...baseSet].filter((n) => !tempAmounts.has(n));
  r.base = (base.length ? base : [...baseSet]).sort((a, b) => a - b);
  for (const [k, list] of r.byChannel) {
    const kept = list.filter((n) => !tempAmounts.has(n));
    r.byChannel.set(k, (kept.length ? kept : list).sort((a, b) => a - b));
  }
  r.usd = [...new Set(r.usd)].sort((a, b) => a - b);
  r.temps = dedupeTemps(r.temps);
  // One unit named throughout ("đồng/hồ sơ"): the amounts written without it are charged the same way.
  const named = new Set(r.units.values());
  if (named.size === 1 && !r.rate) {
    const [only] = named;
    for (const n of [...r.base, ...r.temps.flatMap((t) => t.amounts)]) if (!r.units.has(n)) r.units.set(n, only!);
  }
  return r;
}

function dedupeTemps(temps: TempRate[]): TempRate[] {
  const seen = new Set<string>();
  return temps.filter((t) => {
    const key = JSON.stringify(t);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Writing

const T = {
  free: { vi: 'Miễn phí', en: 'Free' },
  portal: { vi: 'Xem trên Cổng', en: 'See the portal' },
  portalTail: { vi: '(chi tiết xem trên Cổng)', en: '(details on the portal)' },
  province: { vi: 'Theo mức do HĐND tỉnh quy định, xem trên Cổng', en: "Set by the provincial People's Council; see the portal" },
  provinceLine: {
    vi: 'Mức thu cụ thể do HĐND tỉnh, thành phố quy định; anh/chị xem trên Cổng hoặc hỏi nơi nộp hồ sơ.',
    en: "The exact amount is set by the provincial People's Council; please check the portal or the office.",
  },
  implausibleLine: {
    vi: 'Mức phí ghi trong danh mục chưa rõ ràng; anh/chị vui lòng xem trên Cổng.',
    en: 'The fee listed in the catalogue looks wrong; please check the portal.',
  },
  unclearLine: {
    vi: 'Mức thu tùy trường hợp hoặc theo biểu phí; chi tiết xem trên Cổng.',
    en: 'The amount depends on the case or a fee schedule; details on the portal.',
  },
  rateLine: {
    vi: 'Một phần mức thu tính theo đơn vị (ví dụ theo trọng tải, khối lượng); chi tiết xem trên Cổng.',
    en: 'Part of the fee is charged per unit (e.g. per tonne); details on the portal.',
  },
  truncatedLine: {
    vi: 'Danh mục còn ghi một mức thu theo thời hạn nhưng bị cắt; anh/chị xem mức thu hiện hành trên Cổng.',
    en: 'The catalogue mentions another time-limited rate but the text is cut off; please check the current rate on the portal.',
  },
  copyLine: {
    vi: 'Nếu cần thêm bản sao trích lục thì có thu phí cấp bản sao (xem trên Cổng).',
    en: 'Extra certified copies of the extract, if requested, are charged (see the portal).',
  },
  exemptSome: {
    vi: 'Một số trường hợp được miễn lệ phí (xem trên Cổng).',
    en: 'Some applicants are exempt from the fee (see the portal).',
  },
} as const;

const CHANNEL_EN: Record<string, string> = { 'Trực tuyến': 'Online', 'Trực tiếp': 'In person', 'Dịch vụ bưu chính': 'By post' };
const CHANNEL_VI: Record<string, string> = { 'Trực tuyến': 'Nộp trực tuyến', 'Trực tiếp': 'Nộp trực tiếp', 'Dịch vụ bưu chính': 'Qua bưu chính' };

const UNIT_EN: Record<string, string> = {
  lần: 'per application',
  'lần cấp': 'per issue',
  'lần đăng ký': 'per registration',
  'hồ sơ': 'per application',
  'bộ hồ sơ': 'per application',
  'thẻ căn cước': 'per card',
  thẻ: 'per card',
  'thẻ abtc': 'per card',
  người: 'per person',
  bản: 'per copy',
  trang: 'per page',
  'giấy phép': 'per licence',
  'giấy chứng nhận': 'per certificate',
  'giấy thông hành': 'per pass',
  giấy: 'per certificate',
  'hộ chiếu': 'per passport',
  'trường hợp': 'per case',
  tem: 'per stamp',
  'tờ khai': 'per declaration',
  'chứng chỉ': 'per certificate',
  cchn: 'per certificate',
  'loại thuốc': 'per product',
  loại: 'per type',
  'cơ sở': 'per facility',
  'đơn hàng': 'per order',
  'môn thi': 'per subject',
  môn: 'per subject',
  'phương tiện': 'per vehicle',
  xe: 'per vehicle',
  tàu: 'per vessel',
  sổ: 'per book',
  'văn bản': 'per document',
  'lô hàng': 'per consignment',
  'lô giống': 'per lot',
  'vườn giống': 'per nursery',
  'khẩu-chiếc': 'per weapon',
  khẩu: 'per weapon',
  chiếc: 'per item',
};

function unitText(unit: string | undefined, lang: Lang): string {
  if (!unit) return '';
  if (lang === 'vi') return `/${unit}`;
  const en = UNIT_EN[unit];
  // A Vietnamese word is never shown in English; a unit of measure ("GT", "tấn") is kept as written.
  if (en) return ` ${en}`;
  if (!MEASURE_RE.test(unit)) return '';
  const base = unit.replace(/-(?:lần|chuyến)$/iu, '').toLowerCase();
  const words: Record<string, string> = { tấn: 'tonne', lít: 'litre', năm: 'year', tháng: 'month', ngày: 'day', giờ: 'hour', gt: 'GT' };
  return ` per ${words[base] ?? base}`;
}

/** "135.000 đồng/lần"; "10.000 / 20.000 đồng/lần" when every amount has the same unit. */
function money(list: number[], lang: Lang, units: Map<number, string>): string {
  if (!list.length) return '';
  if (list.length === 1) return formatMoney(list[0]!, lang) + unitText(units.get(list[0]!), lang);
  const shared = units.get(list[0]!);
  const same = shared !== undefined && list.every((n) => units.get(n) === shared);
  // "2.000 đồng/trang; 200.000 đồng/bản": mixed units are kept next to each amount.
  if (!same && list.some((n) => units.has(n))) return list.map((n) => formatMoney(n, lang) + unitText(units.get(n), lang)).join('; ');
  const nums = list.map((n) => formatMoney(n, lang).replace(lang === 'vi' ? ' đồng' : ' VND', ''));
  return `${nums.join(' / ')} ${lang === 'vi' ? 'đồng' : 'VND'}${same ? unitText(shared, lang) : ''}`;
}

function range(t: TempRate, lang: Lang): string {
  if (t.from && t.to) return lang === 'vi' ? `từ ${showDay(t.from)} đến hết ${showDay(t.to)}` : `from ${showDay(t.from)} to ${showDay(t.to)}`;
  if (t.to) return lang === 'vi' ? `đến hết ${showDay(t.to)}` : `until ${showDay(t.to)}`;
  if (t.from) return lang === 'vi' ? `từ ${showDay(t.from)}` : `from ${showDay(t.from)}`;
  return '';
}

type Status = 'current' | 'expired' | 'upcoming' | 'unknown';

function status(t: TempRate, now: number): Status {
  if (!t.to) return 'unknown';
  if (now >= endOfDay(t.to)) return 'expired';
  if (t.from && now < startOfDay(t.from)) return 'upcoming';
  return 'current';
}

/** What the temporary rate is, in a few words ("35.000 đồng", "miễn phí", "giảm 50%"). */
function tempValue(t: TempRate, base: number[], lang: Lang): string {
  // Never the words "Miễn phí" next to an amount: a waiver is temporary.
  if (t.kind === 'exempt') return lang === 'vi' ? 'tạm miễn' : 'waived';
  if (t.kind === 'amount') return money([...t.amounts].sort((a, b) => a - b), lang, new Map());
  if (t.kind === 'percent' && t.percent !== null) {
    if (base.length === 1 && t.percent > 0 && t.percent < 100) {
      const v = Math.round((base[0]! * t.percent) / 100);
      if (v >= MIN_PLAUSIBLE) return formatMoney(v, lang);
    }
    return lang === 'vi' ? `bằng ${t.percent}% mức thu` : `${t.percent}% of the fee`;
  }
  return lang === 'vi' ? 'mức thu khác' : 'a different rate';
}

/** "Từ 01/07/2025 đến hết 31/12/2026 áp dụng mức thu khác …": the catalogue names a period but not its rate. */
function unspecifiedLine(t: TempRate, st: Status, lang: Lang): string {
  const when = range(t, lang);
  const who = t.online ? (lang === 'vi' ? ' khi nộp trực tuyến' : ' online') : '';
  if (lang === 'vi') return `${when.charAt(0).toUpperCase() + when.slice(1)}${who} áp dụng mức thu khác${st === 'upcoming' ? ' (chưa áp dụng)' : ''}; danh mục không ghi rõ, anh/chị xem trên Cổng.`;
  return `${when.charAt(0).toUpperCase() + when.slice(1)}, a different rate applies${who}${st === 'upcoming' ? ' (not yet in force)' : ''}; the catalogue does not say which, please check the portal.`;
}

function tempLine(t: TempRate, base: number[], now: number, lang: Lang): string | null {
  const st = status(t, now);
  const who = t.online ? (lang === 'vi' ? 'khi nộp trực tuyến' : 'when applying online') : '';
  const value = tempValue(t, base, lang);
  if (st === 'expired') {
    const to = showDay(t.to!);
    if (t.kind === 'exempt') return lang === 'vi' ? `Đợt miễn phí ${range(t, lang)} đã kết thúc.` : `The fee waiver ${range(t, lang)} has ended.`;
    if (lang === 'vi') return `Ưu đãi ${who ? who + ' ' : ''}(${value}) đã hết hạn ngày ${to}.`;
    return `The reduced rate ${who ? who + ' ' : ''}(${value}) ended on ${to}.`;
  }
  if (st === 'unknown') {
    return lang === 'vi'
      ? `Có mức thu ưu đãi có thời hạn${who ? ' ' + who : ''} (${value}${t.from ? ', ' + range(t, lang) : ''}); anh/chị xem trên Cổng.`
      : `A time-limited rate applies${who ? ' ' + who : ''} (${value}${t.from ? ', ' + range(t, lang) : ''}); please check the portal.`;
  }
  const when = range(t, lang);
  if (t.kind === 'unspecified' && when) return unspecifiedLine(t, st, lang);
  if (lang === 'vi') return `${who ? 'Nộp trực tuyến' : 'Mức thu'} ${when}: ${value}${st === 'upcoming' ? ' (chưa áp dụng)' : ''}.`;
  return `${who ? 'Online' : 'Rate'} ${when}: ${value}${st === 'upcoming' ? ' (not yet in force)' : ''}.`;
}

/** The short note in the summary for a current temporary rate, e.g. "nộp trực tuyến: 35.000 đồng đến hết 31/12/2025". */
function tempShort(t: TempRate, base: number[], lang: Lang): string {
  const value = tempValue(t, base, lang);
  const to = showDay(t.to!);
  if (lang === 'vi') return t.online ? `nộp trực tuyến: ${value} đến hết ${to}` : `${value} đến hết ${to}`;
  return t.online ? `online: ${value} until ${to}` : `${value} until ${to}`;
}

function fit(text: string, fallback: string): string {
  return text.length <= MAX_SUMMARY ? text : fallback;
}

/** The fee of a procedure for the card (summary) and for "lệ phí bao nhiêu" (details). */
export function describeFees(p: Pick<Procedure, 'fee' | 'channels'>, opts: { now: number; lang: Lang }): FeeInfo {
  const { now, lang } = opts;
  const r = read(p);
  const tempAll = r.temps.flatMap((t) => t.amounts);
  const amounts = [...new Set([...r.base, ...tempAll])].sort((a, b) => a - b);
  const named = amounts.length > 0 || r.usd.length > 0;
  // A time-limited waiver means there is a fee outside it: never "free".
  const free = r.saysFree && !named && !r.setByProvince && !r.unclear && !r.implausible && r.temps.length === 0;

  const details: string[] = [];
  const temps = r.temps.filter((t) => !(t.kind === 'unspecified' && status(t, now) === 'expired'));
  const current = temps.filter((t) => status(t, now) === 'current');
  const messy =
    r.base.length > 1 ||
    r.unclear ||
    r.rate ||
    r.truncatedTemp ||
    r.usd.length > 1 ||
    (r.usd.length > 0 && r.base.length > 0) ||
    temps.some((t) => status(t, now) === 'unknown') ||
    current.length > 1 ||
    current.some((t) => t.kind === 'unspecified');

  let summary: string;
  if (r.setByProvince) summary = T.province[lang];
  else if (free) summary = T.free[lang];
  // "2.500 đồng/GT-lần": a rate per quantity is not the price of the procedure.
  else if (r.rate) summary = T.portal[lang];
  else if (!r.base.length && !r.usd.length) {
    const only = current.length === 1 && current[0]!.kind === 'amount' && !messy ? current[0]! : null;
    const tail = r.implausible ? ` ${T.portalTail[lang]}` : '';
    summary = only ? fit(`${money(only.amounts, lang, r.units)} (${range(only, lang)})${tail}`, T.portal[lang]) : T.portal[lang];
  } else {
    const parts: string[] = [];
    if (r.base.length) {
      parts.push(r.base.length > 3 ? (lang === 'vi' ? `Từ ${formatMoney(r.base[0]!, lang)} đến ${formatMoney(r.base.at(-1)!, lang)}` : `From ${formatMoney(r.base[0]!, lang)} to ${formatMoney(r.base.at(-1)!, lang)}`) : money(r.base, lang, r.units));
    }
    if (r.usd.length) parts.push(r.usd.slice(0, 3).map((u) => formatUsd(u, lang)).join(' / '));
    let text = parts.join(lang === 'vi' ? ' hoặc ' : ' or ');
    if (messy || r.base.length > 3 || r.usd.length > 3 || r.implausible) text += ` ${T.portalTail[lang]}`;
    else if (current.length === 1) text += ` (${tempShort(current[0]!, r.base, lang)})`;
    summary = fit(text, fit(`${parts[0]} ${T.portalTail[lang]}`, T.portal[lang]));
  }

  // Details: one line per distinct channel fee, then temporary rates, exemptions, caveats.
  const channelLines = new Map<string, string[]>();
  for (const [ch, list] of r.byChannel) {
    const key = money(list, lang, r.units);
    channelLines.set(key, [...(channelLines.get(key) ?? []), ch]);
  }
  // Channel fee fields often hold one sub-case each (by weight, first issue or reissue): a line per
  // channel only when the online note itself names its amount as the online rate.
  if (channelLines.size === 1 || (channelLines.size > 0 && (channelLines.size > 3 || !r.onlineEvidence))) {
    const all = r.base.length > 3 ? `${formatMoney(r.base[0]!, lang)} – ${formatMoney(r.base.at(-1)!, lang)}` : money(r.base, lang, r.units);
    details.push(lang === 'vi' ? `Lệ phí: ${all}${r.base.length > 1 ? ' (tùy trường hợp)' : ''}.` : `Fee: ${all}${r.base.length > 1 ? ' (depends on the case)' : ''}.`);
  } else {
    for (const [key, chs] of channelLines) {
      const who = chs.map((c, i) => {
        const label = lang === 'vi' ? CHANNEL_VI[c] ?? c : CHANNEL_EN[c] ?? c;
        return i === 0 ? label : label.charAt(0).toLowerCase() + label.slice(1);
      }).join(', ');
      details.push(`${who}: ${key}.`);
    }
  }
  if (r.usd.length) details.push(lang === 'vi' ? `Mức thu bằng USD: ${r.usd.slice(0, 4).map((u) => formatUsd(u, lang)).join(', ')}.` : `In USD: ${r.usd.slice(0, 4).map((u) => formatUsd(u, lang)).join(', ')}.`);
  for (const t of temps) {
    const line = tempLine(t, r.base, now, lang);
    if (line && !details.includes(line)) details.push(line);
  }
  if (r.rate) details.push(T.rateLine[lang]);
  if (r.truncatedTemp && !temps.some((t) => t.kind === 'unspecified' && status(t, now) !== 'expired')) details.push(T.truncatedLine[lang]);
  if (r.setByProvince) details.unshift(T.provinceLine[lang]);
  if (r.exemption && lang === 'vi') details.push(`Miễn lệ phí cho ${r.exemption}.`);
  else if (r.exemption || r.exemptSome) details.push(T.exemptSome[lang]);
  if (r.implausible) details.push(T.implausibleLine[lang]);
  if (messy && !r.setByProvince) details.push(T.unclearLine[lang]);
  if (free && r.optionalCopy) details.unshift(T.copyLine[lang]);
  if (free) details.unshift(lang === 'vi' ? 'Thủ tục này không thu lệ phí.' : 'There is no fee for this procedure.');
  if (!details.length) details.push(lang === 'vi' ? 'Danh mục chưa ghi mức phí; anh/chị vui lòng xem trên Cổng.' : 'The catalogue lists no fee; please check the portal.');
  const trimmed = details.slice(0, MAX_DETAILS).map((l) => (l.length > 200 ? l.slice(0, l.lastIndexOf(' ', 196)) + ' …' : l));

  return { summary, details: trimmed, amounts, free, implausible: r.implausible, setByProvince: r.setByProvince };
}

/** Procedures whose fee fields name an amount below 1.000 đồng: for staff to correct. */
export function implausibleFees(procs: Procedure[]): { code: string; name: string; fee: string }[] {
  const out: { code: string; name: string; fee: string }[] = [];
  for (const p of procs) {
    const fields = [p.fee, ...p.channels.map((c) => c.fee)].filter((f): f is string => !!f);
    const bad = fields.find((f) => amountsIn(f).some((n) => n > 0 && n < MIN_PLAUSIBLE));
    if (bad) out.push({ code: p.code, name: p.name, fee: bad });
  }
  return out;
}
