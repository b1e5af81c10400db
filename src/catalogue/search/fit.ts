import type { FullSearcher } from '../searcher.js';
import type { LabelledQuery } from './evaluate.js';
import { bm25f, decide, noMatchInputs, probability, type Candidate, type GroupHit } from './ranker.js';
import { FEATURES, NOMATCH_EMPTY_TARGET, NOMATCH_FEATURES, type NoMatchModel, type RankerWeights } from './weights.js';

/**
 * Fitting the ranker's few weights on labelled queries: coordinate ascent on mean reciprocal
 * rank, then a logistic "is there an answer" model on the best candidate, and k-fold
 * cross-validation that reports what the weights do on queries they were not fitted on.
 */

interface Case {
  q: LabelledQuery;
  cands: Candidate[];
  /** Candidate → local group number (0…groups-1). */
  local: Int32Array;
  groups: number[];
  /** Per local group: the label counts it as correct. */
  correct: Uint8Array;
  /** bm25f per candidate under `bmKey` weights (recomputed only when field weights or k1 change). */
  bm: Float64Array;
  bmKey: string;
  query: ReturnType<FullSearcher['rank']>['query'];
}

export function prepare(searcher: FullSearcher, set: readonly LabelledQuery[]): Case[] {
  const ix = searcher.index;
  return set.map((q) => {
    const r = searcher.rank(q.q);
    const cands = r.groups.length ? searcher.candidatesOf(q.q) : [];
    const ok = new Set(q.codes);
    const groups: number[] = [];
    const local = Int32Array.from(cands, (c) => {
      let i = groups.indexOf(c.doc.group);
      if (i < 0) i = groups.push(c.doc.group) - 1;
      return i;
    });
    const correct = Uint8Array.from(groups, (g) => (ix.groups[g]!.some((id) => ok.has(ix.docs[id]!.p.code)) ? 1 : 0));
    return { q, cands, local, groups, correct, bm: new Float64Array(cands.length), bmKey: '', query: r.query };
  });
}

const fwKey = (w: RankerWeights) => `${w.k1}|${w.field.name}|${w.field.phrasings}|${w.field.lexicon}|${w.field.result}|${w.field.subjects}|${w.field.field}`;

function groupScores(c: Case, w: RankerWeights): Float64Array {
  const key = fwKey(w);
  if (c.bmKey !== key) {
    c.cands.forEach((cand, i) => (c.bm[i] = bm25f(cand, w)));
    c.bmKey = key;
  }
  const g = new Float64Array(c.groups.length).fill(-Infinity);
  const fw = FEATURES.map((f) => w.feature[f] + (c.cands[0]?.long ? w.long[f] : 0));
  c.cands.forEach((cand, i) => {
    let s = fw[0]! * c.bm[i]!;
    for (let k = 1; k < fw.length; k++) s += fw[k]! * cand.x[k]!;
    const j = c.local[i]!;
    if (s > g[j]!) g[j] = s;
  });
  return g;
}

/** Rank (0-based) of the first correct service, or -1. */
function rankOnly(c: Case, w: RankerWeights): number {
  const g = groupScores(c, w);
  let best = -Infinity;
  for (let j = 0; j < g.length; j++) if (c.correct[j] && g[j]! > best) best = g[j]!;
  if (best === -Infinity) return -1;
  let rank = 0;
  for (let j = 0; j < g.length; j++) if (g[j]! > best) rank++;
  return rank;
}

function rankOf(c: Case, w: RankerWeights): { rank: number; groups: GroupHit[] } {
  const g = groupScores(c, w);
  const bestCand = new Map<number, Candidate>();
  c.cands.forEach((cand, i) => {
    const j = c.local[i]!;
    const prev = bestCand.get(j);
    if (!prev) bestCand.set(j, cand);
  });
  // Features of the group's best candidate: the one with the top score in that group.
  c.cands.forEach((cand, i) => {
    const j = c.local[i]!;
    const wf = (f: (typeof FEATURES)[number]) => w.feature[f] + (cand.long ? w.long[f] : 0);
    let s = wf('bm25f') * c.bm[i]!;
    for (let k = 1; k < FEATURES.length; k++) s += wf(FEATURES[k]!) * cand.x[k]!;
    if (Math.abs(s - g[j]!) < 1e-12) bestCand.set(j, cand);
  });
  const order = [...g.keys()].sort((a, b) => g[b]! - g[a]!);
  const rank = order.findIndex((j) => c.correct[j]);
  return { rank, groups: order.map((j) => ({ group: c.groups[j]!, score: g[j]!, best: bestCand.get(j)! })) };
}

function mrr(cases: readonly Case[], w: RankerWeights): number {
  let s = 0;
  let n = 0;
  for (const c of cases) {
    if (!c.q.codes.length) continue;
    n++;
    const rank = rankOnly(c, w);
    if (rank >= 0) s += 1 / (rank + 1);
  }
  return s / Math.max(1, n);
}

type Param = { get: (w: RankerWeights) => number; set: (w: RankerWeights, v: number) => void; min: number; max: number; longOnly?: boolean };

function params(): Param[] {
  const out: Param[] = [];
  for (const f of ['name', 'phrasings', 'lexicon', 'result', 'subjects', 'field'] as const)
    out.push({ get: (w) => w.field[f], set: (w, v) => (w.field[f] = v), min: 0, max: 10 });
  out.push({ get: (w) => w.k1, set: (w, v) => (w.k1 = v), min: 0.1, max: 5 });
  // The prior and the staff boost are not learned from queries; bm25f anchors the scale.
  for (const f of FEATURES) if (f !== 'prior' && f !== 'boost' && f !== 'bm25f') out.push({ get: (w) => w.feature[f], set: (w, v) => (w.feature[f] = v), min: -2, max: 2 });
  // Adjustments for long messages: only cases with long messages move them.
  for (const f of FEATURES) if (f !== 'prior' && f !== 'boost') out.push({ get: (w) => w.long[f], set: (w, v) => (w.long[f] = v), min: -2, max: 2, longOnly: true });
  return out;
}

const clone = (w: RankerWeights): RankerWeights => JSON.parse(JSON.stringify(w)) as RankerWeights;

/** Coordinate ascent on MRR: try steps on one weight at a time, keep what helps. */
export function fitRanker(cases: readonly Case[], start: RankerWeights, passes = 3): { weights: RankerWeights; mrr: number } {
  let w = clone(start);
  // A long-message adjustment only moves long cases: score just those when trying one.
  const longCases = cases.filter((c) => c.cands[0]?.long);
  const n = Math.max(1, cases.filter((c) => c.q.codes.length).length);
  const sum = (set: readonly Case[], weights: RankerWeights) => mrr(set, weights) * Math.max(1, set.filter((c) => c.q.codes.length).length);
  let best = sum(cases, w);
  const steps = [0.3, 0.1, 0.03];
  for (let pass = 0; pass < passes; pass++) {
    let improved = false;
    for (const p of params()) {
      for (const step of steps) {
        for (const dir of [1, -1]) {
          const v = p.get(w) + dir * step * (Math.abs(p.get(w)) > 1 ? Math.abs(p.get(w)) : 1);
          if (v < p.min || v > p.max) continue;
          const trial = clone(w);
          p.set(trial, Math.round(v * 1000) / 1000);
          const m = p.longOnly ? best - sum(longCases, w) + sum(longCases, trial) : sum(cases, trial);
          if (m > best + 1e-6) {
            best = m;
            w = trial;
            improved = true;
          }
        }
      }
    }
    if (!improved) break;
  }
  return { weights: w, mrr: best / n };
}

/**
 * Logistic regression of "answerable" on the no-match inputs (balanced classes, L2, coefficients
 * kept ≥ 0), then the lowest threshold that leaves at least `emptyTarget` of the training no-match
 * messages empty.
 */
export function fitNoMatch(cases: readonly Case[], w: RankerWeights, emptyTarget = NOMATCH_EMPTY_TARGET): NoMatchModel {
  const rows = cases.map((c) => {
    const { groups } = rankOf(c, w);
    const inputs = noMatchInputs(c.query, groups);
    return { x: NOMATCH_FEATURES.map((f) => inputs[f]), y: c.q.codes.length ? 1 : 0, has: groups.length > 0 };
  });
  const model = fitLogistic(rows);
  // The lowest threshold that leaves `emptyTarget` of the training no-match messages empty.
  const negatives = rows.filter((r) => r.y === 0);
  const negP = negatives
    .filter((r) => r.has)
    .map((r) => probability(Object.fromEntries(NOMATCH_FEATURES.map((f, i) => [f, r.x[i]!])) as never, model))
    .sort((a, b) => a - b);
  const need = Math.ceil(emptyTarget * negatives.length) - (negatives.length - negP.length);
  const t = need <= 0 ? 0.05 : (negP[Math.min(negP.length - 1, need - 1)] ?? 0.5) + 1e-4;
  return { ...model, threshold: round(Math.min(0.95, Math.max(0.05, t))) };
}

function fitLogistic(rows: { x: number[]; y: number; has: boolean }[]): NoMatchModel {
  const pos = rows.filter((r) => r.y === 1).length || 1;
  const neg = rows.filter((r) => r.y === 0).length || 1;
  const coef = NOMATCH_FEATURES.map(() => 0);
  let bias = 0;
  const lr = 0.5;
  const l2 = 1e-3;
  for (let epoch = 0; epoch < 600; epoch++) {
    const g = coef.map(() => 0);
    let gb = 0;
    for (const r of rows) {
      const z = bias + r.x.reduce((s, v, i) => s + v * coef[i]!, 0);
      const p = 1 / (1 + Math.exp(-z));
      const weight = r.y ? 0.5 / pos : 0.5 / neg;
      const e = (p - r.y) * weight;
      r.x.forEach((v, i) => (g[i]! += e * v));
      gb += e;
    }
    // Projected gradient step: coefficients stay ≥ 0 (more evidence never lowers the probability).
    coef.forEach((c, i) => (coef[i] = Math.max(0, c - lr * (g[i]! * 2 + l2 * c))));
    bias -= lr * gb * 2;
  }
  return { bias: round(bias), coef: Object.fromEntries(NOMATCH_FEATURES.map((f, i) => [f, round(coef[i]!)])) as NoMatchModel['coef'], threshold: 0.5 };
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** Top-1/top-3 with the answer decision (a rejected answerable query is a miss), and no-match empties. */
export function score(cases: readonly Case[], w: RankerWeights, m: NoMatchModel): { top1: number; top3: number; mrr: number; nomatchEmpty: number; n: number } {
  let top1 = 0;
  let top3 = 0;
  let rr = 0;
  let n = 0;
  let neg = 0;
  let negEmpty = 0;
  for (const c of cases) {
    const { rank, groups } = rankOf(c, w);
    const answered = decide(c.query, groups, m).answer;
    if (!c.q.codes.length) {
      neg++;
      if (!answered) negEmpty++;
      continue;
    }
    n++;
    if (!answered || rank < 0) continue;
    if (rank === 0) top1++;
    if (rank < 3) top3++;
    rr += 1 / (rank + 1);
  }
  return { top1: top1 / Math.max(1, n), top3: top3 / Math.max(1, n), mrr: rr / Math.max(1, n), nomatchEmpty: negEmpty / Math.max(1, neg), n };
}

/** k-fold cross-validation: fit on k-1 folds, score the held-out fold; mean over folds. */
export function crossValidate(cases: readonly Case[], start: RankerWeights, k = 5, passes = 2): { top1: number; top3: number; mrr: number; nomatchEmpty: number } {
  const folds: Case[][] = Array.from({ length: k }, () => []);
  cases.forEach((c, i) => folds[(i * 7919) % k]!.push(c));
  const sum = { top1: 0, top3: 0, mrr: 0, nomatchEmpty: 0 };
  for (let f = 0; f < k; f++) {
    const train = folds.flatMap((x, i) => (i === f ? [] : x));
    const { weights } = fitRanker(train, start, passes);
    const model = fitNoMatch(train, weights);
    const s = score(folds[f]!, weights, model);
    sum.top1 += s.top1 / k;
    sum.top3 += s.top3 / k;
    sum.mrr += s.mrr / k;
    sum.nomatchEmpty += s.nomatchEmpty / k;
  }
  return sum;
}
