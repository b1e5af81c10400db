import type { AliasTables } from '../store/types.js';
import { compileAliases, expandAliases } from './aliases.js';
import { accentedTokens, fold, tokens, untypeToken } from './fold.js';
import type { Procedure } from './procedure.js';
import type { SearchHit, Searcher } from './types.js';

/**
 * Procedure search for the chat hot path. An inverted index over folded name tokens generates
 * candidates; a small candidate set is scored by IDF-weighted coverage of the query, adjacency
 * of query word pairs in the name, and how much of the name the query explains (so the general
 * procedure beats its "… có yếu tố nước ngoài" variants when the query names no qualifier).
 */

export interface SearcherOptions {
  /** Extra score per procedure code (e.g. learned from what citizens pick), -0.1 … 0.1. */
  prior?: ReadonlyMap<string, number>;
}

/** Words citizens add that say nothing about the procedure (matched as whole phrases first). */
const FILLER_PHRASES = [
  'cho minh hoi', 'cho toi hoi', 'cho em hoi', 'cho hoi', 'xin hoi', 'nhu the nao', 'the nao', 'lam the nao', 'lam sao',
  'o dau', 'bao lau', 'bao nhieu', 'mat bao lau', 'mat bao nhieu', 'can nhung gi', 'can giay to gi', 'giay to gi',
  'thu tuc', 'huong dan', 'cam on', 'xin chao', 'chao ban', 'can lam gi', 'phai lam gi', 'lam gi', 'di dau',
  'tai sao', 'vi sao', 'how to', 'how do i', 'i want to', 'i need to', 'i need', 'i want', 'where can i', 'how can i',
  'procedure for', 'procedure', 'apply for', 'please', 'help me', 'duoc khong', 'the nao', 'nhu nao', 'hom nay', 'toi can',
  'minh can', 'em can', 'can phai', 'thi can', 'ngay mai', 'toi qua',
  // Who it is for, said in passing ("làm khai sinh cho con", "cho bé"): not part of any name.
  'cho con', 'cho be', 'cho chau', 'cho vo', 'cho chong', 'cho me', 'cho bo', 'cua con', 'cua be',
];
const STOP = new Set(
  ('a ah a oi nhe nha nhi voi giup minh toi tui em anh chi ban muon gi nao dau sao duoc khong ko k co phai la thi ma de ve ' +
    'cho hoi xin nay vay u di roi nhung cac mot nhieu ra vao len nua sap vua biet lam ' +
    'how do i want to an of for my in get where what is are please me need with on at by from it').split(' '),
);
/** Name words that carry no meaning for ranking. */
const NAME_STOP = new Set('thu tuc cua va cho doi voi cac ve tai theo trong hoac la o bang'.split(' '));
/**
 * Action words: a name doing something the query did not ask for ("Cấp đổi", "Cấp lại") ranks
 * lower. Matched on the accented name ("đổi" is not "đối với", "trình báo" is not "công trình");
 * the value is the folded word the query must contain to have asked for it.
 */
const ACTION_PHRASES: [RegExp, string][] = (
  [
    ['đổi', 'doi'], ['cấp lại', 'lai'], ['gia hạn', 'han'], ['thu hồi', 'hoi'], ['xóa', 'xoa'], ['xoá', 'xoa'], ['điều chỉnh', 'chinh'],
    ['cải chính', 'chinh'], ['ngừng', 'ngung'], ['chấm dứt', 'dut'], ['hủy', 'huy'], ['huỷ', 'huy'], ['bổ sung', 'sung'], ['mất', 'mat'],
    ['trình báo', 'trinh'], ['khóa', 'khoa'], ['khoá', 'khoa'], ['tạm dừng', 'dung'], ['giải thể', 'the'],
  ] as const
).map(([phrase, key]) => [new RegExp(`(?<!\\p{L})${phrase}(?!\\p{L})`, 'u'), key]);

/**
 * Qualifiers that make a procedure a special case of a general one (a foreign element, a border
 * area, a mobile service, a child, a combined procedure). Names with one the query does not
 * mention rank after the general procedure. Value: the folded word that mentions it.
 */
const QUALIFIERS: [RegExp, string][] = [
  [/(?<!\p{L})biên giới(?!\p{L})/u, 'bien'],
  [/(?<!\p{L})lưu động(?!\p{L})/u, 'luu'],
  [/(?<!\p{L})dưới \d+ tuổi(?!\p{L})/u, 'duoi'],
  [/(?<!\p{L})chưa thành niên(?!\p{L})/u, 'nien'],
  [/(?<!\p{L})kết hợp(?!\p{L})/u, 'hop'],
];

/** Weight of a query word the catalogue does not know (counts against the match). */
const UNKNOWN_WEIGHT = 2.2;
const WEIGHT_CAP = 3.5;
const MAX_QUERY_TOKENS = 60;
/** Longer "words" (a pasted hash, a held-down key) are unknown words: no typo or Telex repair. */
const MAX_WORD = 24;
const CANDIDATES = 80;
/** Below this a result is more likely a coincidence of shared words than an answer. */
const MIN_SCORE = 0.59;

interface Doc {
  p: Procedure;
  toks: string[];
  set: Set<string>;
  accented: Set<string>;
  /** Positions of each token, for adjacency checks. */
  pos: Map<string, number[]>;
  /** Sum of IDF of meaningful tokens outside parentheses (denominator of name coverage). */
  mass: number;
  /** Tokens outside parentheses: the core of the name (denominator of name coverage). */
  core: Set<string>;
  /** Tokens without the level qualifier "(thực hiện tại cấp tỉnh)": words found only there count half. */
  head: Set<string>;
  /** Folded keys of the actions the name does (see ACTION_PHRASES). */
  actions: string[];
  /** Folded keys of the special-case qualifiers in the name (see QUALIFIERS). */
  qualifiers: string[];
}

interface Alt {
  t: string;
  f: number;
}
interface Slot {
  alts: Alt[];
  w: number;
  origin: string;
  accented: string | null;
}

function damerau1(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // transposition
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

function deletes(t: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < t.length; i++) out.push(t.slice(0, i) + t.slice(i + 1));
  return out;
}

export function createSearcher(procedures: Procedure[], tables: AliasTables, opts: SearcherOptions = {}): Searcher {
  const docs: Doc[] = [];
  const postings = new Map<string, number[]>();
  const byCode = new Map<string, Procedure>();
  for (const p of procedures) {
    byCode.set(p.code, p);
    const toks = tokens(p.name);
    const pos = new Map<string, number[]>();
    toks.forEach((t, i) => {
      const list = pos.get(t);
      if (list) list.push(i);
      else pos.set(t, [i]);
    });
    const id = docs.length;
    for (const t of pos.keys()) {
      const list = postings.get(t);
      if (list) list.push(id);
      else postings.set(t, [id]);
    }
    const coreToks = tokens(p.name.replace(/\([^)]*\)?/g, ' '));
    const headToks = tokens(p.name.replace(/\((?:thực hiện|cấp )[^)]*\)?/giu, ' '));
    docs.push({
      p,
      toks,
      set: new Set(toks),
      accented: new Set(accentedTokens(p.name)),
      pos,
      mass: 0,
      core: new Set(coreToks.length ? coreToks : toks),
      head: new Set(headToks.length ? headToks : toks),
      // Only the first clause: "Đăng ký kinh doanh lần đầu, đăng ký thay đổi …" lists variants it also covers.
      actions: [...new Set(ACTION_PHRASES.filter(([re]) => re.test(p.name.normalize('NFC').toLowerCase().split(/[,;]/)[0]!)).map(([, key]) => key))],
      qualifiers: QUALIFIERS.filter(([re]) => re.test(p.name.normalize('NFC').toLowerCase())).map(([, key]) => key),
    });
  }
  const n = Math.max(1, docs.length);
  const idf = new Map<string, number>();
  for (const [t, list] of postings) idf.set(t, Math.log(1 + n / list.length));
  for (const d of docs) {
    let m = 0;
    for (const t of d.core) if (!NAME_STOP.has(t)) m += idf.get(t) ?? 0;
    d.mass = m || 1;
  }

  // Citizens ask about what citizens do: when names tie, prefer procedures for individuals
  // carried out at the commune, over ones for companies or officials.
  // District level ("cấp huyện") was abolished on 1 July 2025: such names are the older copy of a
  // procedure now done at province or commune level. Fully online ("toàn trình") variants are the
  // ones the portals push, so they come first when the query does not ask for the other way.
  const citizenPrior = Float64Array.from(docs, (d) =>
    (/Công dân|Người nước ngoài|cá nhân/i.test(d.p.subjects ?? '') ? 0.02 : 0) +
    (d.p.level.includes('xa') ? 0.008 : 0) -
    (/cấp huyện/i.test(d.p.name) ? 0.03 : 0) +
    (/toàn trình/i.test(d.p.name) ? 0.02 : 0),
  );
  const aliases = compileAliases(tables);
  // Words the search understands: catalogue words plus the first words of alias phrases.
  const known = new Set<string>(postings.keys());
  for (const phrase of aliases.map.keys()) for (const t of phrase.split(' ')) known.add(t);
  // Symmetric-delete index for one-typo lookups (SymSpell idea), built once.
  const deleteIndex = new Map<string, string[]>();
  for (const t of known) {
    if (t.length < 3 || /^\d+$/.test(t)) continue;
    for (const d of [t, ...deletes(t)]) {
      const list = deleteIndex.get(d);
      if (list) list.push(t);
      else deleteIndex.set(d, [t]);
    }
  }
  const fillers = FILLER_PHRASES.map((p) => p.split(' ')).sort((a, b) => b.length - a.length);

  function correct(t: string): string[] {
    if (t.length < 3 || t.length > MAX_WORD || /\d/.test(t)) return [];
    const found = new Set<string>();
    for (const d of [t, ...deletes(t)]) for (const c of deleteIndex.get(d) ?? []) if (damerau1(t, c)) found.add(c);
    // Prefer the most common corrections (a typo of a frequent word is likelier).
    return [...found].sort((a, b) => (postings.get(b)?.length ?? 0) - (postings.get(a)?.length ?? 0)).slice(0, 3);
  }

  function repair(t: string): string {
    if (known.has(t) || t.length > MAX_WORD) return t;
    for (const c of untypeToken(t)) if (known.has(c)) return c;
    return t;
  }

  function removeFillers(toks: string[]): string[] {
    const out: string[] = [];
    let i = 0;
    outer: while (i < toks.length) {
      for (const f of fillers) {
        if (f.length > 1 && f.every((w, k) => toks[i + k] === w)) {
          i += f.length;
          continue outer;
        }
      }
      out.push(toks[i]!);
      i++;
    }
    return out;
  }

  function analyse(query: string): Slot[] {
    const raw = tokens(query.slice(0, 4000)).slice(0, MAX_QUERY_TOKENS);
    const accentedRaw = accentedTokens(query.slice(0, 4000));
    const accentOf = new Map<string, string>();
    for (const a of accentedRaw) if (fold(a) !== a) accentOf.set(fold(a), a);
    const repaired = removeFillers(raw.map(repair));
    // Fix one-typo words only when that makes an alias phrase or a known word.
    const fixed = repaired.map((t, i) => {
      if (known.has(t)) return t;
      const options = correct(t);
      const prev = repaired[i - 1];
      const next = repaired[i + 1];
      // Prefer a correction that completes an abbreviation/colloquial phrase ("cong cuhng" → "cong chung").
      const phrase = options.find((c) => (prev && aliases.map.has(`${prev} ${c}`)) || (next && aliases.map.has(`${c} ${next}`)));
      return phrase ?? options.find((c) => !postings.has(c)) ?? t;
    });
    const expanded = expandAliases(removeFillers(fixed), aliases);
    const slots: Slot[] = [];
    expanded.tokens.forEach((t, i) => {
      if (STOP.has(t) && expanded.origin[i] === t) return;
      const origin = expanded.origin[i]!;
      if (postings.has(t)) {
        slots.push({ alts: [{ t, f: 1 }], w: idf.get(t)!, origin, accented: accentOf.get(t) ?? null });
        return;
      }
      const alts = correct(t).filter((c) => postings.has(c)).map((c) => ({ t: c, f: 0.8 }));
      const w = alts.length ? Math.max(...alts.map((a) => idf.get(a.t)!)) : UNKNOWN_WEIGHT;
      slots.push({ alts, w, origin, accented: null });
    });
    // A word said twice counts a little more, not twice.
    const seen = new Map<string, Slot>();
    return slots.filter((s) => {
      const key = s.alts[0]?.t ?? `?${s.origin}`;
      const first = seen.get(key);
      if (first) {
        first.w *= 1.25;
        return false;
      }
      seen.set(key, s);
      return true;
    });
  }

  const acc = new Float64Array(docs.length);
  const lastSlot = new Int32Array(docs.length).fill(-1);

  function search(query: string, options: { limit?: number } = {}): SearchHit[] {
    const limit = Math.max(1, Math.min(50, options.limit ?? 5));
    if (typeof query !== 'string' || !query.trim()) return [];
    const slots = analyse(query);
    if (!slots.length) return [];
    // One rare extra word ("cho vợ") must not outweigh the words that did match.
    const capped = (w: number) => Math.min(w, WEIGHT_CAP);
    const total = slots.reduce((s, x) => s + capped(x.w), 0);
    const long = slots.length > 8;
    const denom = long ? Math.min(total, 14) : total;

    const touched: number[] = [];
    slots.forEach((s, si) => {
      for (const a of s.alts) {
        for (const id of postings.get(a.t) ?? []) {
          if (lastSlot[id] === si) continue;
          if (lastSlot[id] === -1 && acc[id] === 0) touched.push(id);
          lastSlot[id] = si;
          acc[id] = acc[id]! + s.w * a.f;
        }
      }
    });
    const candidates = touched.sort((a, b) => acc[b]! - acc[a]!).slice(0, CANDIDATES);
    const hits: (SearchHit & { raw: number; len: number })[] = [];
    for (const id of candidates) {
      const d = docs[id]!;
      let matched = 0;
      let nameMatched = 0;
      let accentBonus = 0;
      const matchedTerms: string[] = [];
      const where: (number[] | null)[] = [];
      const usedTokens = new Set<string>();
      for (const s of slots) {
        const hit = s.alts.find((a) => d.set.has(a.t));
        if (!hit) {
          where.push(null);
          continue;
        }
        // A word found only inside "(thực hiện tại cấp tỉnh)"-style detail counts half.
        matched += capped(s.w) * hit.f * (d.head.has(hit.t) ? 1 : 0.5);
        if (!usedTokens.has(hit.t)) {
          usedTokens.add(hit.t);
          if (!NAME_STOP.has(hit.t) && d.core.has(hit.t)) nameMatched += idf.get(hit.t) ?? 0;
        }
        if (s.accented && d.accented.has(s.accented)) accentBonus += 1;
        if (!matchedTerms.includes(s.origin)) matchedTerms.push(s.origin);
        where.push(d.pos.get(hit.t) ?? null);
      }
      let pairs = 0;
      let adjacent = 0;
      // Longest run of query words found in the name in the same order, side by side.
      let run = 0;
      let best = 0;
      for (let i = 0; i + 1 < where.length; i++) {
        pairs++;
        const a = where[i];
        const b = where[i + 1];
        if (a && b && a.some((x) => b.includes(x + 1) || b.includes(x - 1))) adjacent++;
        run = a && b && a.some((x) => b.includes(x + 1)) ? run + 1 : 0;
        best = Math.max(best, run);
      }
      const qcov = Math.min(1, matched / denom);
      const ncov = Math.min(1, nameMatched / d.mass);
      const bigram = pairs ? adjacent / pairs : qcov;
      // Acceptance: enough of the query explained, and (for several words) some of it as a phrase.
      // A single generic word ("tên", "khỏe") is never enough; nor are words scattered over a name.
      const matchedSlots = where.filter(Boolean).length;
      const distinctive = matched >= (long ? 5 : 2.2) && matchedSlots >= 2;
      const phraseOk = adjacent >= (long ? 2 : 1);
      if (qcov < (long ? 0.45 : slots.length >= 6 ? 0.5 : 0.6) || !distinctive || !phraseOk) continue;
      let extraActions = 0;
      for (const t of d.actions) if (!usedTokens.has(t)) extraActions++;
      let extraQualifiers = 0;
      for (const t of d.qualifiers) if (!usedTokens.has(t)) extraQualifiers++;
      const prior = (opts.prior?.get(d.p.code) ?? 0) + citizenPrior[id]! - 0.08 * Math.min(extraActions, 2) - 0.03 * Math.min(extraQualifiers, 2);
      const raw = long
        ? 0.5 * qcov + 0.2 * bigram + 0.3 * ncov
        : 0.6 * qcov + 0.2 * bigram + 0.2 * ncov;
      const phrase = best >= 2 ? 0.012 * Math.min(best, 5) : 0;
      const total = raw + phrase + 0.02 * Math.min(accentBonus, 3) + 0.03 * (d.p.boost ?? 0) + prior;
      hits.push({ procedure: d.p, score: 0, matched: matchedTerms, raw: total, len: d.toks.length });
    }
    for (const id of touched) {
      acc[id] = 0;
      lastSlot[id] = -1;
    }
    const kept = hits.filter((h) => h.raw >= MIN_SCORE);
    kept.sort((a, b) => b.raw - a.raw || a.len - b.len || a.procedure.code.localeCompare(b.procedure.code));
    return kept.slice(0, limit).map(({ procedure, raw, matched }) => ({
      procedure,
      score: Math.max(0, Math.min(1, Math.round(raw * 1000) / 1000)),
      matched,
    }));
  }

  return {
    search(query, options) {
      try {
        return search(query, options);
      } catch {
        // Never let a strange query break a conversation.
        return [];
      }
    },
    get: (code) => byCode.get(code.trim()),
  };
}
