import type { Query } from './analyse.js';
import { FIELDS, NF, type Doc, type SearchIndex } from './index.js';
import { FEATURES, NOMATCH_FEATURES, type Feature, type NoMatchModel, type RankerWeights } from './weights.js';

/**
 * Candidate generation → features → one linear score (weights in ./weights.ts). Features are
 * computed once per candidate; only `bm25f` depends on weights (field weights, k1), so the fitter
 * keeps the per-slot, per-field term frequencies and recomputes it cheaply.
 */

/** How many documents (by summed IDF of matched words) get full features. */
const CANDIDATES = 120;
/** A rare word's weight is capped so one odd word does not outweigh the rest of the query. */
const WEIGHT_CAP = 4;

export interface SlotMatch {
  /** IDF × alternative factor of the matched term. */
  w: number;
  /** Length-normalised term frequency per field (FIELDS order). */
  ntf: Float64Array;
}

export interface Candidate {
  doc: Doc;
  /** Feature values, FEATURES order; `bm25f` is filled by `scoreCandidate`. */
  x: Float64Array;
  matches: SlotMatch[];
  /** Sum of capped IDF of the query's meaningful slots (bm25f denominator). */
  qmass: number;
  matched: string[];
}

const FI = Object.fromEntries(FEATURES.map((f, i) => [f, i])) as Record<Feature, number>;

export function candidates(q: Query, ix: SearchIndex, b: number, prior?: ReadonlyMap<string, number>): Candidate[] {
  const { docs, postings, avgLen } = ix;
  const acc = new Map<number, number>();
  for (const s of q.slots) {
    const seen = new Set<number>();
    for (const a of s.alts) {
      for (const id of postings.get(a.t) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        acc.set(id, (acc.get(id) ?? 0) + Math.min(s.w, WEIGHT_CAP) * a.f);
      }
    }
  }
  const ids = [...acc.entries()].sort((x, y) => y[1] - x[1]).slice(0, CANDIDATES).map(([id]) => id);
  const meaningful = q.slots.filter((s) => !s.covered && s.w > 0);
  const qmass = meaningful.reduce((m, s) => m + Math.min(s.w, WEIGHT_CAP), 0) || 1;
  const queryTerms = new Set(q.slots.flatMap((s) => s.alts.map((a) => a.t)));
  const wordSlots = q.slots.filter((s) => !s.phrase);

  return ids.map((id) => {
    const d = docs[id]!;
    const x = new Float64Array(FEATURES.length);
    const matches: SlotMatch[] = [];
    const matched: string[] = [];
    let cov = 0;
    let covName = 0;
    let accent = 0;
    const usedInName = new Set<string>();
    for (const s of q.slots) {
      let best: { t: string; f: number } | null = null;
      for (const a of s.alts) {
        if (d.tf.some((m) => m.has(a.t)) && (!best || a.f > best.f)) best = a;
      }
      if (!best) continue;
      const ntf = new Float64Array(NF);
      for (let f = 0; f < NF; f++) {
        const tf = d.tf[f]!.get(best.t) ?? 0;
        ntf[f] = tf ? tf / (1 - b + (b * d.len[f]!) / avgLen[f]!) : 0;
      }
      matches.push({ w: Math.min(s.w, WEIGHT_CAP) * best.f * (s.covered ? 0.5 : 1), ntf });
      if (!matched.includes(s.origin)) matched.push(s.origin);
      if (!s.covered) {
        cov += Math.min(s.w, WEIGHT_CAP) * best.f;
        if (d.head.has(best.t) || (s.phrase && d.tf[0]!.has(best.t))) covName += Math.min(s.w, WEIGHT_CAP) * best.f;
      }
      if (d.namePos.has(best.t)) usedInName.add(best.t);
      if (s.accented && d.accented.has(s.accented)) accent++;
    }
    let nameHit = 0;
    for (const t of usedInName) if (d.core.has(t) && !ix.k.nameStopwords.has(t)) nameHit += ix.idf.get(t) ?? 0;
    // Best citizen phrasing: F1 of (query covered by the phrasing, phrasing covered by the query).
    let phr = 0;
    for (const ph of d.phrasings) {
      let qside = 0;
      for (const s of meaningful) if (s.alts.some((a) => ph.set.has(a.t))) qside += Math.min(s.w, WEIGHT_CAP);
      let pside = 0;
      for (const t of ph.set) if (queryTerms.has(t) && !t.startsWith('~') && !ix.k.nameStopwords.has(t)) pside += ix.idf.get(t) ?? 0;
      const a = qside / qmass;
      const c = Math.min(1, pside / ph.mass);
      if (a + c > 0) phr = Math.max(phr, (2 * a * c) / (a + c));
    }
    // Neighbouring query words that are neighbours in the name.
    let pairs = 0;
    let adjacent = 0;
    for (let i = 0; i + 1 < wordSlots.length; i++) {
      pairs++;
      const pa = wordSlots[i]!.alts.flatMap((a) => d.namePos.get(a.t) ?? []);
      const pb = wordSlots[i + 1]!.alts.flatMap((a) => d.namePos.get(a.t) ?? []);
      if (pa.some((p) => pb.includes(p + 1) || pb.includes(p - 1))) adjacent++;
    }
    const extraActions = d.actions.filter((a) => !q.asked.actions.has(a)).length;
    const missingActions = [...q.asked.actions].filter((a) => !d.actions.includes(a) && !(a === 'lost' && d.actions.includes('reissue')) && !(a === 'reissue' && d.actions.includes('lost'))).length;
    const extraQualifiers = d.qualifiers.filter((qq) => !q.asked.qualifiers.has(qq)).length;
    const missingQualifiers = [...q.asked.qualifiers].filter((qq) => !d.qualifiers.includes(qq)).length;
    x[FI.qcov] = Math.min(1, cov / qmass);
    x[FI.qcovName] = Math.min(1, covName / qmass);
    x[FI.ncov] = Math.min(1, nameHit / d.coreMass);
    x[FI.phrasing] = phr;
    x[FI.adjacency] = pairs ? adjacent / pairs : 0;
    x[FI.extraAction] = Math.min(extraActions, 2) / 2;
    x[FI.missingAction] = Math.min(missingActions, 2) / 2;
    x[FI.extraQualifier] = Math.min(extraQualifiers, 2) / 2;
    x[FI.missingQualifier] = Math.min(missingQualifiers, 2) / 2;
    x[FI.district] = d.district ? 1 : 0;
    x[FI.fullOnline] = d.fullOnline ? 1 : 0;
    x[FI.citizen] = d.citizen ? 1 : 0;
    x[FI.commune] = d.commune ? 1 : 0;
    x[FI.accent] = Math.min(accent, 3) / 3;
    x[FI.boost] = (d.p.boost ?? 0) / 5;
    x[FI.prior] = prior?.get(d.p.code) ?? 0;
    return { doc: d, x, matches, qmass, matched };
  });
}

/** BM25F of one candidate under the given field weights and saturation, normalised to 0…1. */
export function bm25f(c: Candidate, w: RankerWeights): number {
  const fw = FIELDS.map((f) => w.field[f]);
  let s = 0;
  for (const m of c.matches) {
    let tf = 0;
    for (let f = 0; f < NF; f++) tf += fw[f]! * m.ntf[f]!;
    s += (m.w * tf) / (w.k1 + tf);
  }
  return s / c.qmass;
}

export function scoreCandidate(c: Candidate, w: RankerWeights): number {
  c.x[FI.bm25f] = bm25f(c, w);
  let s = 0;
  for (let i = 0; i < FEATURES.length; i++) s += w.feature[FEATURES[i]!] * c.x[i]!;
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
  const matchedWords = top ? top.best.matches.length : 0;
  return {
    score: top?.score ?? 0,
    margin: top ? top.score - (groups[1]?.score ?? 0) : 0,
    qcov: fi(top?.best, 'qcov'),
    ncov: fi(top?.best, 'ncov'),
    phrasing: fi(top?.best, 'phrasing'),
    known: q.meaningful + q.unknown ? 1 - q.unknown / (q.meaningful + q.unknown) : 0,
    matchedWords: Math.min(matchedWords, 4) / 4,
  };
}

/** Probability that the message asks for a procedure in the catalogue. */
export function answerProbability(inputs: Record<(typeof NOMATCH_FEATURES)[number], number>, m: NoMatchModel): number {
  let z = m.bias;
  for (const f of NOMATCH_FEATURES) z += m.coef[f] * inputs[f];
  return 1 / (1 + Math.exp(-z));
}
