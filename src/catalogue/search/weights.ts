/**
 * Every number the procedure ranker uses, in one place. The values are fitted, not hand-set:
 * `npm run -s cli -- search-fit` runs coordinate ascent on mean reciprocal rank over the labelled
 * training queries (test/fixtures/search-queries.jsonl and search-train.jsonl), reports 5-fold
 * cross-validated top-1/top-3, and prints this object. The holdout set is never used here.
 */

export const FEATURES = [
  /** BM25F over the six index fields (normalised by the query's IDF mass): 0…1. */
  'bm25f',
  /** Share of the query's meaningful words (IDF-weighted) found in any field of the procedure. */
  'qcov',
  /** Same, found in the procedure's name (without the level suffix). */
  'qcovName',
  /** Share of the procedure name's words (IDF-weighted) the query mentions: general beats special. */
  'ncov',
  /** Best match with one of the procedure's citizen phrasings (F1 of the two coverages). */
  'phrasing',
  /** Share of neighbouring query words that are also neighbours in the name. */
  'adjacency',
  /** Actions the name does that the query did not ask for ("cấp lại", "gia hạn"): 0, ½, 1. */
  'extraAction',
  /** Actions the query asked for that the name does not do: 0, ½, 1. */
  'missingAction',
  /** Special-case qualifiers in the name the query did not mention (foreign, border, mobile…). */
  'extraQualifier',
  /** Qualifiers the query mentions that the name lacks. */
  'missingQualifier',
  /** Name speaks of the abolished district level (facts: data/search-facets.json). */
  'district',
  /** Fully online ("toàn trình") variant. */
  'fullOnline',
  /** Subjects include individuals (citizens, foreigners). */
  'citizen',
  /** Carried out at commune level. */
  'commune',
  /** Query words typed with the same diacritics as in the name (share of up to 3). */
  'accent',
  /** Staff ranking boost / 5. */
  'boost',
  /** What citizens picked after similar searches (bounded, see `PRIOR`). */
  'prior',
] as const;
export type Feature = (typeof FEATURES)[number];

export interface RankerWeights {
  /** BM25F field weights. */
  field: { name: number; phrasings: number; lexicon: number; result: number; subjects: number; field: number };
  /** BM25 term-frequency saturation. */
  k1: number;
  /** BM25 length normalisation (0 = none, 1 = full). */
  b: number;
  /** Linear weights of the features above. */
  feature: Record<Feature, number>;
}

export const RANKER_WEIGHTS: RankerWeights = {
  field: { name: 3, phrasings: 2, lexicon: 1.5, result: 0.7, subjects: 0.2, field: 0.5 },
  k1: 1.2,
  b: 0.5,
  feature: {
    bm25f: 0.5,
    qcov: 0.4,
    qcovName: 0.2,
    ncov: 0.2,
    phrasing: 0.3,
    adjacency: 0.1,
    extraAction: -0.08,
    missingAction: -0.05,
    extraQualifier: -0.06,
    missingQualifier: -0.1,
    district: -0.05,
    fullOnline: 0.02,
    citizen: 0.02,
    commune: 0.01,
    accent: 0.02,
    boost: 0.15,
    prior: 1,
  },
};

/** Inputs of the "is there an answer at all?" decision, computed on the best candidate. */
export const NOMATCH_FEATURES = ['score', 'margin', 'qcov', 'ncov', 'phrasing', 'known', 'matchedWords'] as const;
export type NoMatchFeature = (typeof NOMATCH_FEATURES)[number];

/**
 * Logistic model of "the message asks for a procedure in the catalogue", fitted on the labelled
 * answerable and no-match messages; results are shown when its probability reaches `threshold`.
 */
export interface NoMatchModel {
  bias: number;
  coef: Record<NoMatchFeature, number>;
  threshold: number;
}

export const NOMATCH_MODEL: NoMatchModel = {
  bias: -4,
  coef: { score: 4, margin: 1, qcov: 3, ncov: 1, phrasing: 1, known: 2, matchedWords: 0.5 },
  threshold: 0.5,
};

/** Offer a choice instead of picking when the two best services score within this margin. */
export const CLARIFY_MARGIN = 0.03;

/** Learned prior: a procedure picked n times after a search gets `max * n / (n + halfAt)`. */
export const PRIOR = { max: 0.05, halfAt: 20 };
