import type { Alt, Query, Slot } from './analyse.js';
import type { Doc, SearchIndex } from './index.js';
import { FEATURES, LONG_QUERY, NOMATCH_FEATURES, type Feature, type NoMatchModel, type RankerWeights } from './weights.js';

/**
 * Candidate generation → features → one linear score (weights in ./weights.ts). Features are
 * computed once per candidate; only `bm25f` depends on weights (field weights, k1), so the fitter
 * keeps the per-slot, per-field term frequencies and recomputes it cheaply.
 */

/** How many documents (by summed IDF of matched words) get full features. */
const CANDIDATES = 50;
/** The candidate list never grows past this, however long the message. */
const MAX_CANDIDATES = 120;
/** A rare word's weight is capped so one odd word does not outweigh the rest of the query. */
const WEIGHT_CAP = 4;

export interface SlotMatch {
  /** IDF × alternative factor of the matched term. */
  w: number;
  /** Length-normalised term frequencies per field (FIELDS order) at `at`. */
  tf: Float32Array;
  at: number;
}

export interface Candidate {
  doc: Doc;
  /** Feature values, FEATURES order; `bm25f` is filled by `scoreCandidate`. */
  x: Float64Array;
  matches: SlotMatch[];
  /** Sum of capped IDF of the query's meaningful slots (bm25f denominator). */
  qmass: number;
  /** The message is long (see LONG_QUERY): scored with the long adjustments. */
  long: boolean;
  matched: string[];
}

const FI = Object.fromEntries(FEATURES.map((f, i) => [f, i])) as Record<Feature, number>;

let scratch: { acc: Float64Array; last: Int32Array } | null = null;

export function candidates(q: Query, ix: SearchIndex, prior?: ReadonlyMap<string, number>): Candidate[] {
  const { docs, postings } = ix;
  const nameStop = ix.k.nameStopwords;
  // First stage: summed capped IDF of the matched words, on reusable typed arrays.
  const n = docs.length;
  if (!scratch || scratch.acc.length !== n) scratch = { acc: new Float64Array(n), last: new Int32Array(n).fill(-1) };
  const { acc, last } = scratch;
  const touched: number[] = [];
  // Words found in a quarter of the catalogue or more ("cấp", "thủ tục") choose nothing at this stage.
  const common = n / 4;
  const selective = q.slots.some((s) => s.alts.some((a) => (postings.get(a.t)?.length ?? Infinity) < common));
  q.slots.forEach((s, si) => {
    const w = Math.min(s.w, WEIGHT_CAP);
    for (const a of s.alts) {
      const list = postings.get(a.t);
      if (!list || (selective && list.length >= common)) continue;
      const add = w * a.f;
      for (let k = 0; k < list.length; k++) {
        const id = list[k]!;
        if (last[id] === si) continue;
        if (last[id] === -1) touched.push(id);
        last[id] = si;
        acc[id] = acc[id]! + add;
      }
    }
  });
  // A word found in the name, phrasings or lexicon of a procedure says more than one in its result or subjects.
  q.slots.forEach((s) => {
    const w = Math.min(s.w, WEIGHT_CAP);
    for (const a of s.alts) for (const id of ix.strongPostings.get(a.t) ?? []) if (last[id] !== -1) acc[id] = acc[id]! + w * a.f;
  });
  touched.sort((x, y) => acc[y]! - acc[x]!);
  // Long messages carry more words that match by chance: look at more candidates for them.
  const ids = touched.slice(0, Math.min(MAX_CANDIDATES, CANDIDATES + 4 * Math.max(0, q.slots.length - 8)));
  for (const id of touched) {
    acc[id] = 0;
    last[id] = -1;
  }
  const slots = q.slots;
  const meaningful = slots.filter((s) => !s.covered && s.w > 0);
  const qmass = meaningful.reduce((m, s) => m + Math.min(s.w, WEIGHT_CAP), 0) || 1;
  const wordSlots = slots.filter((s) => !s.phrase);
  const long = isLong(q);
  const askedActions = q.asked.actions;
  const askedQualifiers = q.asked.qualifiers;
  const nFeatures = FEATURES.length;
  const fi = FI;

  return ids.map((id) => {
    const d = docs[id]!;
    const x = new Float64Array(nFeatures);
    const matches: SlotMatch[] = [];
    const matched: string[] = [];
    let cov = 0;
    let covName = 0;
    let accent = 0;
    let nameHit = 0;
    const usedInName = new Set<string>();
    let inPhrasings = false;
    for (const s of slots) {
      let best: Alt | null = null;
      let at = -1;
      for (const a of s.alts) {
        const v = d.terms.get(a.t);
        if (v !== undefined && (!best || a.f > best.f)) {
          best = a;
          at = v;
        }
      }
      if (!best) continue;
      const w = Math.min(s.w, WEIGHT_CAP) * best.f;
      if (d.tf[at + 1]! > 0) inPhrasings = true;
      matches.push({ w: s.covered ? w / 2 : w, tf: d.tf, at });
      if (!matched.includes(s.origin)) matched.push(s.origin);
      if (!s.covered) {
        cov += w;
        if (d.head.has(best.t) || (s.phrase && d.tf[at]! > 0)) covName += w;
      }
      if (!usedInName.has(best.t) && d.namePos.has(best.t)) {
        usedInName.add(best.t);
        if (d.core.has(best.t) && !nameStop.has(best.t)) nameHit += ix.idf.get(best.t) ?? 0;
      }
      if (s.accented && d.accented.has(s.accented)) accent++;
    }
    // Best citizen phrasing: F1 of (query covered by the phrasing, phrasing covered by the query).
    let phr = 0;
    if (inPhrasings) {
      for (const ph of d.phrasings) {
        let qside = 0;
        let pside = 0;
        for (let i = 0; i < slots.length; i++) {
          const s = slots[i]!;
          for (const a of s.alts) {
            if (!ph.set.has(a.t)) continue;
            if (!s.covered && s.w > 0) qside += Math.min(s.w, WEIGHT_CAP);
            if (a.t[0] !== '~' && !nameStop.has(a.t)) pside += ix.idf.get(a.t) ?? 0;
            break;
          }
        }
        if (!qside) continue;
        const a = qside / qmass;
        const c = Math.min(1, pside / ph.mass);
        phr = Math.max(phr, (2 * a * c) / (a + c));
      }
    }
    // Neighbouring query words that are neighbours in the name.
    let pairs = 0;
    let adjacent = 0;
    for (let i = 0; i + 1 < wordSlots.length; i++) {
      pairs++;
      if (neighbours(d, wordSlots[i]!, wordSlots[i + 1]!)) adjacent++;
    }
    let extraActions = 0;
    for (const a of d.actions) if (!askedActions.has(a)) extraActions++;
    let missingActions = 0;
    for (const a of askedActions) {
      if (d.actions.includes(a) || (a === 'lost' && d.actions.includes('reissue')) || (a === 'reissue' && d.actions.includes('lost'))) continue;
      missingActions++;
    }
    let extraQualifiers = 0;
    for (const qq of d.qualifiers) if (!askedQualifiers.has(qq)) extraQualifiers++;
    let missingQualifiers = 0;
    for (const qq of askedQualifiers) if (!d.qualifiers.includes(qq)) missingQualifiers++;
    x[fi.qcov] = Math.min(1, cov / qmass);
    x[fi.qcovName] = Math.min(1, covName / qmass);
    x[fi.ncov] = Math.min(1, nameHit / d.coreMass);
    x[fi.phrasing] = phr;
    x[fi.adjacency] = pairs ? adjacent / pairs : 0;
    x[fi.extraAction] = Math.min(extraActions, 2) / 2;
    x[fi.missingAction] = Math.min(missingActions, 2) / 2;
    x[fi.extraQualifier] = Math.min(extraQualifiers, 2) / 2;
    x[fi.missingQualifier] = Math.min(missingQualifiers, 2) / 2;
    x[fi.district] = d.district ? 1 : 0;
    x[fi.fullOnline] = d.fullOnline ? 1 : 0;
    x[fi.citizen] = d.citizen ? 1 : 0;
    x[fi.commune] = d.commune ? 1 : 0;
    x[fi.accent] = Math.min(accent, 3) / 3;
    x[fi.common] = Math.min(1, d.phrasings.length / 6);
    x[fi.boost] = (d.p.boost ?? 0) / 5;
    x[fi.prior] = prior?.get(d.p.code) ?? 0;
    return { doc: d, x, matches, qmass, matched, long };
  });
}

function neighbours(d: Doc, a: Slot, b: Slot): boolean {
  for (const x of a.alts) {
    const pa = d.namePos.get(x.t);
    if (!pa) continue;
    for (const y of b.alts) {
      const pb = d.namePos.get(y.t);
      if (!pb) continue;
      for (const p of pa) if (pb.includes(p + 1) || pb.includes(p - 1)) return true;
    }
  }
  return false;
}

/** BM25F of one candidate under the given field weights and saturation, normalised to 0…1. */
export function bm25f(c: Candidate, w: RankerWeights): number {
  const f = w.field;
  let s = 0;
  for (const m of c.matches) {
    const v = m.tf;
    const i = m.at;
    const tf = f.name * v[i]! + f.phrasings * v[i + 1]! + f.lexicon * v[i + 2]! + f.result * v[i + 3]! + f.subjects * v[i + 4]! + f.field * v[i + 5]!;
    s += (m.w * tf) / (w.k1 + tf);
  }
  return s / c.qmass;
}

export function scoreCandidate(c: Candidate, w: RankerWeights): number {
  c.x[FI.bm25f] = bm25f(c, w);
  let s = 0;
  for (let i = 0; i < FEATURES.length; i++) {
    const f = FEATURES[i]!;
    s += (c.long ? w.feature[f] + w.long[f] : w.feature[f]) * c.x[i]!;
  }
  return s;
}

export interface GroupHit {
  group: number;
  score: number;
  best: Candidate;
}

/**
 * One result per service: level copies of a service ("(thực hiện tại cấp tỉnh)", "(cấp xã)") are
 * one group scored by its best copy. A group of district-level copies only never comes first.
 */
export function rankGroups(cands: Candidate[], w: RankerWeights): GroupHit[] {
  const byGroup = new Map<number, GroupHit>();
  for (const c of cands) {
    const s = scoreCandidate(c, w);
    const g = byGroup.get(c.doc.group);
    if (!g || s > g.score) byGroup.set(c.doc.group, { group: c.doc.group, score: s, best: c });
  }
  const list = [...byGroup.values()].sort((a, b) => b.score - a.score || a.best.doc.nameWords.length - b.best.doc.nameWords.length || a.best.doc.p.code.localeCompare(b.best.doc.p.code));
  const firstOk = list.findIndex((g) => !g.best.doc.district);
  if (firstOk > 0) list.unshift(...list.splice(firstOk, 1));
  return list;
}

/** The copy of a service to show a citizen: commune, then province, then central; never a district copy if another exists. */
export function representative(ix: SearchIndex, group: number): { doc: Doc; variants: Doc[] } {
  const members = ix.groups[group]!.map((id) => ix.docs[id]!);
  const rank = (d: Doc) => (d.district ? 100 : 0) + Math.min(...d.p.level.map((l) => { const i = ix.k.levelOrder.indexOf(l); return i < 0 ? 9 : i; }));
  const sorted = [...members].sort((a, b) => rank(a) - rank(b) || a.p.code.localeCompare(b.p.code));
  return { doc: sorted[0]!, variants: sorted.slice(1) };
}

export function noMatchInputs(q: Query, groups: GroupHit[]): Record<(typeof NOMATCH_FEATURES)[number], number> {
  const top = groups[0];
  const fi = (c: Candidate | undefined, f: Feature) => c?.x[FI[f]] ?? 0;
  return {
    score: top?.score ?? 0,
    margin: top ? top.score - (groups[1]?.score ?? 0) : 0,
    qcov: fi(top?.best, 'qcov'),
    ncov: fi(top?.best, 'ncov'),
    phrasing: fi(top?.best, 'phrasing'),
    accentKnown: q.accentKnown,
    domain: Math.min(q.domainPhrases, 2) / 2,
    matchedMass: top ? Math.min(1, top.best.matches.reduce((m, x) => m + x.w, 0) / 12) : 0,
    long: isLong(q) ? 1 : 0,
  };
}

/** Probability under one logistic model. */
export function probability(inputs: Record<(typeof NOMATCH_FEATURES)[number], number>, m: NoMatchModel): number {
  let z = m.bias;
  for (const f of NOMATCH_FEATURES) z += m.coef[f] * inputs[f];
  return 1 / (1 + Math.exp(-z));
}

/** Whether to answer at all. */
export function decide(q: Query, groups: GroupHit[], m: NoMatchModel): { confidence: number; answer: boolean } {
  if (!groups.length) return { confidence: 0, answer: false };
  const confidence = probability(noMatchInputs(q, groups), m);
  return { confidence, answer: confidence >= m.threshold };
}

export const isLong = (q: Query): boolean => q.meaningful > LONG_QUERY;
