import type { Procedure } from './procedure.js';

/** One search result. `score` is 0…1 (1 = certain); `matched` lists the query terms that hit. */
export interface SearchHit {
  procedure: Procedure;
  score: number;
  matched: string[];
  /** The same service listed at other levels ("(thực hiện tại cấp tỉnh)", "(cấp xã)"). */
  variants: Procedure[];
}

export interface SearchOptions {
  /** Maximum results (default 5). */
  limit?: number;
}

/** When the best services are close and differ in what matters, a short question to ask. */
export interface Clarify {
  kind: 'foreign' | 'reissue' | 'audience';
  question: { vi: string; en: string };
}

export interface SearchOutcome {
  hits: SearchHit[];
  /** Set when the citizen should choose between the first hits rather than get one. */
  clarify: Clarify | null;
  /** Probability that the message asks for a procedure in the catalogue (0…1). */
  confidence: number;
}

/** Procedure search over the catalogue; returns [] when nothing matches well enough. */
export interface Searcher {
  search(query: string, options?: SearchOptions): SearchHit[];
  /** Results plus the decisions around them (ask instead of guessing). */
  ask(query: string, options?: SearchOptions): SearchOutcome;
  /** Exact lookup by procedure code. */
  get(code: string): Procedure | undefined;
  /** Codes of the other level copies of the same service. */
  variantsOf(code: string): string[];
  /** The procedure whose portal page this is (a link pasted by a citizen). */
  byUrl?(url: string): import('./procedure.js').Procedure | undefined;
}
