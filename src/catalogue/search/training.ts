import { readFileSync, writeFileSync } from 'node:fs';
import { loadSeed } from '../service.js';
import { createSearcher, type FullSearcher } from '../searcher.js';
import { loadLabelled, type LabelledQuery } from './evaluate.js';
import { crossValidate, fitNoMatch, fitRanker, prepare, score } from './fit.js';
import { RANKER_WEIGHTS, type NoMatchModel, type RankerWeights } from './weights.js';

/**
 * The labelled data the ranker is fitted on, and the fitting run behind `cli search-fit`.
 * Training data: the regression set, the training set and the no-match list. The holdout
 * (test/fixtures/search-holdout.jsonl) is only ever scored, never fitted on.
 */
const FIXTURES = new URL('../../../test/fixtures/', import.meta.url);

export function fixture(name: string): URL {
  return new URL(name, FIXTURES);
}

/** Labels widened with the level copies of each labelled service (they count as correct). */
export function withLevelCopies(set: readonly LabelledQuery[], searcher: FullSearcher): LabelledQuery[] {
  return set.map((x) => ({ ...x, codes: [...new Set(x.codes.flatMap((c) => [c, ...searcher.variantsOf(c)]))] }));
}

export function trainingSet(searcher: FullSearcher): LabelledQuery[] {
  const nomatch = readFileSync(fixture('search-nomatch.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((q) => ({ q, codes: [] as string[], style: 'nomatch' }));
  return withLevelCopies([...loadLabelled(fixture('search-queries.jsonl')), ...loadLabelled(fixture('search-train.jsonl')), ...nomatch], searcher);
}

export function holdoutSet(searcher: FullSearcher): LabelledQuery[] {
  return withLevelCopies(loadLabelled(fixture('search-holdout.jsonl')), searcher);
}

export interface FitReport {
  cv: { top1: number; top3: number; mrr: number; nomatchEmpty: number };
  train: { top1: number; top3: number; mrr: number; nomatchEmpty: number; n: number };
  weights: RankerWeights;
  model: NoMatchModel;
}

/** Cross-validates, then fits on all training data. */
export function runFit(opts: { folds?: number; passes?: number; searcher?: FullSearcher } = {}): FitReport {
  const searcher = opts.searcher ?? (() => {
    const seed = loadSeed();
    return createSearcher(seed.procedures, seed.tables);
  })();
  const cases = prepare(searcher, trainingSet(searcher));
  const cv = crossValidate(cases, RANKER_WEIGHTS, opts.folds ?? 5, opts.passes ?? 2);
  const { weights } = fitRanker(cases, RANKER_WEIGHTS, opts.passes ?? 2);
  const model = fitNoMatch(cases, weights);
  return { cv, train: score(cases, weights, model), weights, model };
}

/** Writes fitted values into weights.ts between its `fitted:begin` and `fitted:end` markers. */
export function writeWeights(weights: RankerWeights, model: NoMatchModel): void {
  const file = new URL('./weights.ts', import.meta.url);
  const text = readFileSync(file, 'utf8');
  const begin = text.indexOf('// fitted:begin');
  const end = text.indexOf('// fitted:end');
  if (begin < 0 || end < 0) throw new Error('weights.ts lost its fitted:begin/fitted:end markers');
  const header = text.slice(begin, text.indexOf('\n', begin) + 1);
  const body = `export const RANKER_WEIGHTS: RankerWeights = ${JSON.stringify(weights, null, 2)};\n\nexport const NOMATCH_MODEL: NoMatchModel = ${JSON.stringify(model, null, 2)};\n`;
  writeFileSync(file, text.slice(0, begin) + header + body + text.slice(end));
}
