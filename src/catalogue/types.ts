import type { Procedure } from './procedure.js';

/** One search result. `score` is 0…1 (1 = certain); `matched` lists the query terms that hit. */
export interface SearchHit {
  procedure: Procedure;
  score: number;
  matched: string[];
}

export interface SearchOptions {
  /** Maximum results (default 5). */
  limit?: number;
}

/** Procedure search over the catalogue; returns [] when nothing matches well enough. */
export interface Searcher {
  search(query: string, options?: SearchOptions): SearchHit[];
  /** Exact lookup by procedure code. */
  get(code: string): Procedure | undefined;
}
