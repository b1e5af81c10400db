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
  /** A service citizens use often: it is among those seeded with citizen phrasings (share of 6). */
  'common',
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
  /** Linear weights of the features above. */
  feature: Record<Feature, number>;
  /** Added to `feature` for long messages (more than LONG_QUERY meaningful words): letters with a story. */
  long: Record<Feature, number>;
}

/** A message with more meaningful words than this is scored with the `long` adjustments. */
export const LONG_QUERY = 8;

// fitted:begin — written by `npm run -s cli -- search-fit --write`; edit by refitting, not by hand.
export const RANKER_WEIGHTS: RankerWeights = {
  "field": {
    "name": 0.678,
    "phrasings": 1.967,
    "lexicon": 7.877,
    "result": 0.01,
    "subjects": 0.1,
    "field": 0.96
  },
  "k1": 0.91,
  "feature": {
    "bm25f": 0.5,
    "qcov": 0.34,
    "qcovName": -0.06,
    "ncov": 0.17,
    "phrasing": 0.3,
    "adjacency": 0.36,
    "extraAction": -0.14,
    "missingAction": -0.08,
    "extraQualifier": -0.12,
    "missingQualifier": 0.04,
    "district": -0.25,
    "fullOnline": 0.03,
    "citizen": 0.02,
    "commune": 0.01,
    "accent": 0.08,
    "common": 0.02,
    "boost": 0.35,
    "prior": 1
  },
  "long": {
    "bm25f": 0.3,
    "qcov": 0,
    "qcovName": -0.03,
    "ncov": 0,
    "phrasing": 0.06,
    "adjacency": 0,
    "extraAction": -0.03,
    "missingAction": 0,
    "extraQualifier": 0.03,
    "missingQualifier": -0.03,
    "district": 0,
    "fullOnline": -0.1,
    "citizen": 0,
    "commune": 0,
    "accent": 0,
    "common": 0,
    "boost": 0,
    "prior": 0
  }
};

export const NOMATCH_MODEL: NoMatchModel = {
  "bias": -7.268,
  "coef": {
    "score": 3.138,
    "margin": 0.864,
    "qcov": 0,
    "ncov": 2.898,
    "phrasing": 1.736,
    "accentKnown": 0.215,
    "domain": 1.732,
    "matchedMass": 1.562,
    "long": 1.792
  },
  "threshold": 0.335
};
// fitted:end


/** Inputs of the "is there an answer at all?" decision, computed on the best candidate. */
/** Each one can only raise the probability (coefficients ≥ 0), so the decision stays monotone and explainable. */
export const NOMATCH_FEATURES = ['score', 'margin', 'qcov', 'ncov', 'phrasing', 'accentKnown', 'domain', 'matchedMass', 'long'] as const;
export type NoMatchFeature = (typeof NOMATCH_FEATURES)[number];

/**
 * Logistic model of "the message asks for a procedure in the catalogue", fitted on the labelled
 * answerable and no-match messages (coefficients ≥ 0); results are shown when its probability
 * reaches `threshold`.
 */
export interface NoMatchModel {
  bias: number;
  coef: Record<NoMatchFeature, number>;
  threshold: number;
}



/** BM25 length normalisation (0 = none, 1 = full), applied when the index is built. */
export const BM25_B = 0.5;

/**
 * Share of the training no-match messages that must get no result; the threshold is the lowest
 * that reaches it, so answerable questions lose as little as possible (each one rejected is a
 * citizen not helped).
 */
export const NOMATCH_EMPTY_TARGET = 0.9;

/** Offer a choice instead of picking when the two best services score within this margin. */
export const CLARIFY_MARGIN = 0.03;

/** Learned prior: a procedure picked n times after a search gets `max * n / (n + halfAt)`. */
export const PRIOR = { max: 0.05, halfAt: 20 };
