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
// "đồng", "Đồng", "VNĐ", "Việt Nam Đồng", "50.000đ" — not "đơn", "đối", "đ/c"
const DONG_RE = new RegExp(String.raw`${NUM}\s*(?:Việt Nam Đồng|VNĐ|VND|đồng|Đồng|đ)(?![\p{L}])`, 'giu');
const TRIEU_RE = /(?<![\d.,/])(\d+(?:[.,]\d+)?)\s*triệu\s+đồng/giu;
const USD_RE = /(?<![\d.,/])(\d+(?:[.,]\d+)?)\s*USD\b/gu;
/** "(Hai triệu đồng)", "(bốn triệu năm trăm nghìn việt nam đồng)" — amounts spelled out in words. */
const SPELLED_RE = /\((?:[^()\d]*?(?:triệu|nghìn|ngàn|trăm|mươi)[^()\d]*)\)/giu;

function amountsIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(DONG_RE)) out.push(parseNumber(m[1]!));
  for (const m of text.matchAll(TRIEU_RE)) out.push(Math.round(parseNumber(m[1]!) * 1_000_000));
  return out.filter((n) => Number.isFinite(n));
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
  unit: string | null;
}

const UNITS = ['lần cấp', 'lần', 'hồ sơ', 'thẻ căn cước', 'thẻ', 'người', 'bản', 'trang', 'giấy phép', 'giấy chứng nhận', 'giấy', 'hộ chiếu', 'trường hợp', 'tem'];
const UNIT_RE = new RegExp(String.raw`(?:đồng|đ)\s*\/\s*(?:01\s+)?(${UNITS.join('|')})(?![\p{L}])`, 'iu');

const FREE_FIELD_RE = /^(?:miễn phí|(?:lệ )?phí\s*:\s*(?:0|không|o)\s*đồng)\s*$/iu;
const PROVINCE_RE = /(?:do|của|theo)\s+(?:(?:mức thu lệ phí|quyết định|quy định)\s+(?:do|của)\s+)?(?:Hội đồng nhân dân|HĐND)(?:\s+cấp)?\s+tỉnh|(?:lệ phí|phí)[^.]{0,30}:\s*(?:Hội đồng nhân dân|HĐND) cấp tỉnh quyết định/iu;
const EXEMPT_RE = /(?:miễn (?:lệ phí|phí)|không thu (?:lệ phí|phí))(?:[^()]{0,60}?)\s+(?:cho|đối với)\s+([^.;()]+)(\.|;|\)|$)/iu;
const EXEMPT_SOME_RE = /(?:trừ trường hợp được miễn|được miễn (?:lệ phí|phí)|miễn (?:lệ phí|phí) (?:cho|đối với)|không thu (?:lệ phí|phí) (?:đăng ký )?(?:cho|đối với))/iu;
/** A fee or price named by reference to a schedule, with no amount ("Phí kiểm dịch … theo Thông tư …"). */
const SCHEDULE_RE = /(?:^|[(\s-])(?:phí|lệ phí|mức thu|mức phí|giá)\b[^.]{0,200}?(?:Thông tư|Nghị định|Biểu (?:phí|mức thu)|quy định (?:cụ thể )?của Bộ Tài chính)/iu;
const ONLINE_RE = /trực tuy[ếể]n/iu;

function segments(note: string): string[] {
  return note
    .replace(SPELLED_RE, ' ')
    .split(/\n|;|\.\s+|\s[-–+*]\s|\s\(|\(-\s/u)
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
  const amounts = amountsIn(seg).filter((n) => n >= MIN_PLAUSIBLE);
  // "quy định mức thu, miễn một số khoản phí" is the title of a circular, not a waiver.
  const waiver = /\bmiễn\b/iu.test(seg.replace(/miễn một số khoản[^)]*/giu, ''));
  const kind: TempKind = waiver && !percentM ? 'exempt' : amounts.length ? 'amount' : percentM ? 'percent' : 'unspecified';
  return {
    kind,
    online: ONLINE_RE.test(seg),
    amounts,
    percent: percentM ? Number(percentM[1]) : null,
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
    unit: null,
  };
  const fields = [p.fee, ...p.channels.map((c) => c.fee)].filter((f): f is string => !!f);
  const tempAmounts = new Set<number>();
  const baseSet = new Set<number>();
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
    if (ex && !r.exemption && ex[2] && ex[1]!.trim().length <= 90 && !/\d/u.test(ex[1]!)) r.exemption = ex[1]!.trim();
    r.usd.push(...usdIn(note));
    if (!r.unit) r.unit = UNIT_RE.exec(note)?.[1]?.toLowerCase() ?? null;
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
      if (!found.length && SCHEDULE_RE.test(seg) && !/miễn|không thu/iu.test(seg)) r.unclear = true;
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
  exemptSome: {
    vi: 'Một số trường hợp được miễn lệ phí (xem trên Cổng).',
    en: 'Some applicants are exempt from the fee (see the portal).',
  },
} as const;

const CHANNEL_EN: Record<string, string> = { 'Trực tuyến': 'Online', 'Trực tiếp': 'In person', 'Dịch vụ bưu chính': 'By post' };
const CHANNEL_VI: Record<string, string> = { 'Trực tuyến': 'Nộp trực tuyến', 'Trực tiếp': 'Nộp trực tiếp', 'Dịch vụ bưu chính': 'Qua bưu chính' };

function money(list: number[], lang: Lang, unit: string | null): string {
  if (!list.length) return '';
  const u = unit && lang === 'vi' ? `/${unit}` : '';
  if (list.length === 1) return formatMoney(list[0]!, lang) + u;
  const nums = list.map((n) => formatMoney(n, lang).replace(lang === 'vi' ? ' đồng' : ' VND', ''));
  return `${nums.join(' / ')} ${lang === 'vi' ? 'đồng' : 'VND'}`;
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
  if (t.kind === 'amount') return money(t.amounts, lang, null);
  if (t.kind === 'percent' && t.percent !== null) {
    if (base.length === 1 && t.percent > 0 && t.percent < 100) {
      const v = Math.round((base[0]! * t.percent) / 100);
      if (v >= MIN_PLAUSIBLE) return formatMoney(v, lang);
    }
    return lang === 'vi' ? `bằng ${t.percent}% mức thu` : `${t.percent}% of the fee`;
  }
  return lang === 'vi' ? 'mức thu khác' : 'a different rate';
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
    r.base.length > 1 || r.unclear || temps.some((t) => status(t, now) === 'unknown') || current.length > 1 || current.some((t) => t.kind === 'unspecified');

  let summary: string;
  if (r.setByProvince) summary = T.province[lang];
  else if (free) summary = T.free[lang];
  else if (!r.base.length && !r.usd.length) {
    const only = current.length === 1 && current[0]!.kind === 'amount' && !messy ? current[0]! : null;
    const tail = r.implausible ? ` ${T.portalTail[lang]}` : '';
    summary = only ? fit(`${money(only.amounts, lang, r.unit)} (${range(only, lang)})${tail}`, T.portal[lang]) : T.portal[lang];
  } else {
    const parts: string[] = [];
    if (r.base.length) {
      parts.push(r.base.length > 3 ? (lang === 'vi' ? `Từ ${formatMoney(r.base[0]!, lang)} đến ${formatMoney(r.base.at(-1)!, lang)}` : `From ${formatMoney(r.base[0]!, lang)} to ${formatMoney(r.base.at(-1)!, lang)}`) : money(r.base, lang, r.unit));
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
    const key = money(list, lang, r.unit);
    channelLines.set(key, [...(channelLines.get(key) ?? []), ch]);
  }
  if (channelLines.size === 1 || (channelLines.size > 0 && channelLines.size > 3)) {
    const all = r.base.length > 3 ? `${formatMoney(r.base[0]!, lang)} – ${formatMoney(r.base.at(-1)!, lang)}` : money(r.base, lang, r.unit);
    details.push(lang === 'vi' ? `Lệ phí: ${all}${r.base.length > 1 ? ' (tùy trường hợp)' : ''}.` : `Fee: ${all}${r.base.length > 1 ? ' (depends on the case)' : ''}.`);
  } else {
    for (const [key, chs] of channelLines) {
      const who = chs.map((c) => (lang === 'vi' ? CHANNEL_VI[c] ?? c : CHANNEL_EN[c] ?? c)).join(', ');
      details.push(`${who}: ${key}.`);
    }
  }
  if (r.usd.length) details.push(lang === 'vi' ? `Mức thu bằng USD: ${r.usd.slice(0, 4).map((u) => formatUsd(u, lang)).join(', ')}.` : `In USD: ${r.usd.slice(0, 4).map((u) => formatUsd(u, lang)).join(', ')}.`);
  for (const t of temps) {
    const line = tempLine(t, r.base, now, lang);
    if (line && !details.includes(line)) details.push(line);
  }
  if (r.setByProvince) details.unshift(T.provinceLine[lang]);
  if (r.exemption && lang === 'vi') details.push(`Miễn lệ phí cho ${r.exemption}.`);
  else if (r.exemption || r.exemptSome) details.push(T.exemptSome[lang]);
  if (r.implausible) details.push(T.implausibleLine[lang]);
  if (messy && !r.setByProvince) details.push(T.unclearLine[lang]);
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
