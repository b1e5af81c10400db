import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fold, withoutMarks } from '../text/vi/fold.js';

/**
 * Places after the 2025 reform: 63 provinces became 34 on 1 July 2025 and the district level
 * was abolished. Citizens keep writing the old names ("bên Bắc Kạn", "ubnd huyện"); this module
 * recognises them so a reply can say which province's offices now handle the matter.
 * The data is data/places.json (sources in its `source` field).
 */

const name = z.string().trim().min(1).max(80);

const provinceSchema = z.object({
  /** Current name (the province or centrally-run city since 1 July 2025). */
  name,
  /** A centrally-run city ("thành phố"), not a province ("tỉnh"). */
  city: z.boolean().optional(),
  /** The pre-2025 provinces now part of it, its own former self included. */
  merged: z.array(name).min(1),
  /** Other spellings and abbreviations of the current name ("TPHCM", "Sài Gòn"). */
  aliases: z.array(name),
  /** Other spellings of a former province's name ("BR-VT" for "Bà Rịa - Vũng Tàu"). */
  formerAliases: z.record(z.string(), z.array(name)).optional(),
});

export const placesSchema = z
  .object({
    version: z.literal(1),
    source: z.string().min(1),
    /** Aliases that match only when written exactly so ("HN"; "hn" is also "hôm nay"). */
    exactCase: z.array(name).default([]),
    /** Folded one-word names that, typed without diacritics, need a cue before them ("ở hue"). */
    cueOnly: z.array(name).default([]),
    provinces: z.array(provinceSchema).min(1),
  })
  .superRefine((d, ctx) => {
    const seen = new Map<string, string>();
    d.provinces.forEach((p, i) => {
      if (!p.merged.includes(p.name)) ctx.addIssue({ code: 'custom', path: ['provinces', i, 'merged'], message: `${p.name}: merged must include the current name` });
      for (const k of Object.keys(p.formerAliases ?? {}))
        if (!p.merged.includes(k)) ctx.addIssue({ code: 'custom', path: ['provinces', i, 'formerAliases', k], message: `${p.name}: ${k} is not in merged` });
      for (const [said, text] of phrasesOf(p)) {
        const key = fold(text);
        const before = seen.get(key);
        if (before !== undefined && before !== said) ctx.addIssue({ code: 'custom', path: ['provinces', i], message: `"${text}" names both ${before} and ${said}` });
        seen.set(key, said);
      }
    });
  });

export type Places = z.output<typeof placesSchema>;
type Province = Places['provinces'][number];

/** A place the citizen named. */
export interface PlaceMention {
  /** The unit the citizen named, in its proper spelling ("Bà Rịa - Vũng Tàu" for "vung tau"). */
  said: string;
  /** The province or city it belongs to since 1 July 2025. */
  current: string;
  /** `said` is a former province now part of `current`. */
  merged: boolean;
  /** `current` is a centrally-run city (thành phố), for wording the note. */
  city?: boolean;
}

const DEFAULT_PATH = new URL('../../data/places.json', import.meta.url);

/** Reads and validates data/places.json (or `path`); throws a zod error naming the bad entry. */
export function loadPlaces(path: URL | string = DEFAULT_PATH): Places {
  return parsePlaces(JSON.parse(readFileSync(path, 'utf8')));
}

export function parsePlaces(data: unknown): Places {
  return placesSchema.parse(data);
}

/** [unit it names, text] for every name and alias of a province. */
function phrasesOf(p: Province): [string, string][] {
  const out: [string, string][] = [];
  for (const m of p.merged) {
    out.push([m, m]);
    for (const a of p.formerAliases?.[m] ?? []) out.push([m, a]);
  }
  for (const a of p.aliases) out.push([p.name, a]);
  return out;
}

interface Phrase {
  words: string[];
  /** The phrase's syllables as written in the data, aligned with `words`; null when not aligned. */
  syllables: string[] | null;
  /** The data's spelling has diacritics (then accented input must agree). */
  accented: boolean;
  exactCase: boolean;
  cueOnly: boolean;
  mention: PlaceMention;
}

interface Token {
  word: string;
  raw: string;
}

const MARKS = /[\u0300-\u036f]/g;

/** Diacritics of one syllable, order-free ("hoà" = "hòa"); đ counts as a mark. */
function marks(syllable: string): string {
  const nfd = syllable.normalize('NFD').toLowerCase();
  const m = (nfd.match(MARKS) ?? []).sort().join('');
  return nfd.includes('đ') ? `${m}đ` : m;
}

function rawTokens(text: string): Token[] {
  const out: Token[] = [];
  for (const raw of text.normalize('NFC').split(/[^\p{L}\p{N}]+/u)) {
    if (!raw) continue;
    const f = fold(raw);
    if (f) for (const word of f.split(' ')) out.push({ word, raw });
  }
  return out;
}

const compiled = new WeakMap<Places, Map<string, Phrase[]>>();

function index(places: Places): Map<string, Phrase[]> {
  const hit = compiled.get(places);
  if (hit) return hit;
  const exact = new Set(places.exactCase);
  const cue = new Set(places.cueOnly.map(fold));
  const byFirst = new Map<string, Phrase[]>();
  for (const p of places.provinces) {
    for (const [said, text] of phrasesOf(p)) {
      const syl = text.normalize('NFC').split(/[^\p{L}\p{N}]+/u).filter(Boolean);
      const words = fold(text).split(' ');
      const aligned = syl.length === words.length && syl.every((s, i) => fold(s) === words[i]);
      const phrase: Phrase = {
        words,
        syllables: aligned ? syl : null,
        accented: syl.some((s) => marks(s) !== ''),
        exactCase: exact.has(text),
        cueOnly: cue.has(words.join(' ')),
        mention: { said, current: p.name, merged: said !== p.name, ...(p.city ? { city: true } : {}) },
      };
      const list = byFirst.get(words[0]!) ?? [];
      list.push(phrase);
      byFirst.set(words[0]!, list);
    }
  }
  compiled.set(places, byFirst);
  return byFirst;
}

/**
 * Words that, right before a province's name, make it a street, ward or person instead
 * ("đường Hồ Chí Minh", "phường Hòa Bình", "xã Thái Bình", "Bác Hồ Chí Minh").
 * "phố" counts only when not part of "thành phố".
 */
const NOT_A_PROVINCE_AFTER = new Set([
  'xa', 'phuong', 'p', 'x', 'thon', 'ap', 'tt', 'tran', 'duong', 'dg', 'd', 'pho', 'ngo', 'hem', 'kiet',
  'bac', 'tich', 'san', 'lang', 'tuong',
]);

/** Words after which a cue-only name counts even without diacritics ("ở hue", "tp hue"). */
const PLACE_CUES = new Set(['tinh', 'tp', 'pho', 'o', 'tai', 've', 'den', 'que', 'thuoc', 'ra', 'vao']);

function matchesAt(tokens: Token[], i: number, ph: Phrase): boolean {
  if (i + ph.words.length > tokens.length) return false;
  for (let k = 0; k < ph.words.length; k++) {
    const t = tokens[i + k]!;
    if (t.word !== ph.words[k]) return false;
    if (ph.syllables) {
      const want = ph.syllables[k]!;
      if (ph.exactCase && t.raw !== want) return false;
      // Input with diacritics must carry this name's diacritics: "Huệ" is a person, "Huế" the city;
      // "đa năng" is not "Đà Nẵng". Unmarked input ("ha noi") is accepted.
      if (ph.accented && marks(t.raw) !== '' && marks(t.raw) !== marks(want)) return false;
    } else if (ph.exactCase) return false;
  }
  const prev = tokens[i - 1]?.word;
  if (prev !== undefined && NOT_A_PROVINCE_AFTER.has(prev) && !(prev === 'pho' && tokens[i - 2]?.word === 'thanh')) return false;
  if (ph.cueOnly) {
    const unmarked = tokens.slice(i, i + ph.words.length).every((t) => marks(t.raw) === '');
    if (unmarked && (prev === undefined || !PLACE_CUES.has(prev))) return false;
  }
  return true;
}

/**
 * Provinces and cities named in a message, old (pre-2025) or current, in order of appearance,
 * each once. Whole words only; where names overlap the longest wins ("nam dinh" is Nam Định,
 * not Hà Nam), and single common syllables ("nam", "binh") never match.
 */
export function findPlaces(text: string, places: Places): PlaceMention[] {
  const tokens = rawTokens(text);
  const byFirst = index(places);
  const found: { start: number; len: number; mention: PlaceMention }[] = [];
  tokens.forEach((t, i) => {
    for (const ph of byFirst.get(t.word) ?? []) if (matchesAt(tokens, i, ph)) found.push({ start: i, len: ph.words.length, mention: ph.mention });
  });
  found.sort((a, b) => b.len - a.len || a.start - b.start);
  const taken = new Set<number>();
  const chosen: typeof found = [];
  for (const f of found) {
    let free = true;
    for (let k = f.start; k < f.start + f.len; k++) if (taken.has(k)) free = false;
    if (!free) continue;
    for (let k = f.start; k < f.start + f.len; k++) taken.add(k);
    chosen.push(f);
  }
  chosen.sort((a, b) => a.start - b.start);
  const seen = new Set<string>();
  const out: PlaceMention[] = [];
  for (const c of chosen) {
    if (seen.has(c.mention.said)) continue;
    seen.add(c.mention.said);
    out.push({ ...c.mention });
  }
  return out;
}

/** Words (folded) before "huyen"/"quan"/"thi xa" that make them an administrative unit. */
const UNIT_CUES = new Set(['ubnd', 'dan', 'an', 'phap', 'cap', 'o', 'tai', 'thuoc', 'len', 've', 'ra']);
/** "quan" also means cơ quan, liên quan, quân, quần, quán: cues for it are narrower. */
const QUAN_CUES = new Set(['ubnd', 'dan', 'an', 'phap', 'cap']);
/** Words before "quan" that make it part of another word (cơ quan, liên quan, hải quan …). */
const QUAN_COMPOUND_BEFORE = new Set(['co', 'lien', 'chu', 'khach', 'tham', 'truc', 'hai', 'bi', 'lac', 'tuong', 'nhiem', 'si', 'ha']);
/** Words after "quan" that make it part of another word (quan tâm, quan trọng, quân đội …). */
const QUAN_COMPOUND_AFTER = new Set(['tam', 'trong', 'he', 'ly', 'sat', 'niem', 'diem', 'chuc', 'doi', 'su', 'ao', 'ngai', 'an', 'cafe', 'ca', 'com', 'nhau', 'lai', 'toan', 'thue', 'vien', 'ngu', 'nhan', 'tri', 'lon']);

const isNumber = (w: string | undefined) => w !== undefined && /^\d{1,2}$/.test(w);
const capitalised = (raw: string | undefined) => raw !== undefined && /^\p{Lu}/u.test(raw);

/**
 * The citizen names a district-level office or unit (abolished on 1 July 2025): "ubnd huyện",
 * "phòng tư pháp huyện", "quận 3", "thị xã Sơn Tây", "cấp huyện", "công an quận". With
 * diacritics "huyện"/"quận"/"thị xã" are unambiguous; without them "huyen" (also Huyền) and
 * "quan" (also cơ quan, quán, quân) count only next to a cue, a number or a capitalised name.
 */
export function mentionsDistrict(text: string): boolean {
  const t = rawTokens(text);
  for (let i = 0; i < t.length; i++) {
    const { word, raw } = t[i]!;
    const prev = t[i - 1]?.word;
    const next = t[i + 1];
    const lower = raw.normalize('NFC').toLowerCase();
    if (lower === 'huyện' || lower === 'quận') return true;
    if (/^q\d{1,2}$/.test(word) || (word === 'q' && isNumber(next?.word))) return true;
    if (word === 'tx' && next && capitalised(next.raw)) return true;
    if (word === 'thi' && next?.word === 'xa') {
      const both = `${lower} ${next.raw.normalize('NFC').toLowerCase()}`;
      if (both === 'thị xã') return true;
      if (marks(raw) === '' && marks(next.raw) === '') {
        const after = t[i + 2];
        if ((after && capitalised(after.raw)) || (prev !== undefined && UNIT_CUES.has(prev))) return true;
      }
      continue;
    }
    if (marks(raw) !== '') continue;
    if (word === 'huyen') {
      if (prev === 'cap') return true;
      if (prev !== undefined && UNIT_CUES.has(prev)) return true;
      if (raw === 'huyen' && next && capitalised(next.raw)) return true;
    } else if (word === 'quan') {
      if (prev === 'cap') return true;
      if (prev !== undefined && QUAN_COMPOUND_BEFORE.has(prev)) continue;
      if (isNumber(next?.word)) return true;
      if (next && QUAN_COMPOUND_AFTER.has(next.word)) continue;
      if (prev !== undefined && QUAN_CUES.has(prev)) return true;
      if (raw === 'quan' && next && capitalised(next.raw)) return true;
    }
  }
  return false;
}

/** "Bắc Kạn" → "Bac Kan" (case kept), for English text. */
const plain = withoutMarks;

/**
 * One-sentence note for a former province now part of another one; empty for a current name
 * (nothing changed in how the citizen names it).
 */
export function placeNote(m: PlaceMention, lang: 'vi' | 'en'): string {
  if (!m.merged) return '';
  if (lang === 'en') {
    const unit = m.city ? `${plain(m.current)} City` : `${plain(m.current)} province`;
    return `Since 1 July 2025, ${plain(m.said)} province has been part of ${unit}; please contact the offices of ${unit}.`;
  }
  const unit = m.city ? `thành phố ${m.current}` : `tỉnh ${m.current}`;
  return `Từ 01/7/2025, tỉnh ${m.said} đã hợp nhất vào ${unit}; anh/chị liên hệ cơ quan của ${unit}.`;
}

/** Note for a citizen who names a district-level office. */
export function districtNote(lang: 'vi' | 'en'): string {
  return lang === 'en'
    ? 'Since 1 July 2025 there is no district level: what districts handled is now received by the commune-level People’s Committee or police, or by provincial agencies.'
    : 'Từ 01/7/2025 không còn cấp huyện: việc của huyện nay do UBND/Công an cấp xã hoặc cơ quan cấp tỉnh tiếp nhận.';
}

/**
 * The message without the district office it names ("phòng tư pháp huyện Định Hóa", "quận 3"),
 * so that the procedure it asks about is searched on its own. Names are recognised by their
 * capitals or a number; the note about districts is said separately.
 */
export function withoutDistrict(text: string): string {
  return text
    .replace(/(?:\b(?:UBND|ubnd|phòng|phong|công an|cong an|chi cục|chi cuc|tòa án|toa an)\s+(?:[\p{L}]+\s+){0,3}?)?\b(?:huyện|huyen|quận|quan|thị xã|thi xa)\s+(?:\d+|(?:[A-ZĐ][\p{L}]*\s*){1,3})/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
