import type { Page, PageQuery } from '../core/page.js';
import type { Procedure } from './procedure.js';

/**
 * What the catalogue needs from a store (implemented in src/store/ for each backend): the
 * catalogue defines its own storage port, so it never depends on the store folder.
 */

/** Alias and English-term tables, as edited by staff (shape owned by src/catalogue/aliases.ts). */
export interface AliasTables {
  aliases: { from: string; to: string; note?: string }[];
  english: { from: string; to: string; note?: string }[];
  /** Concept lexicon, everyday ↔ official words (shape owned by src/catalogue/lexicon.ts). */
  lexicon?: { official: string[]; colloquial: string[]; field?: string; note?: string }[];
}

export interface CatalogueStore {
  /** Every procedure (for building the search index: never per chat message). */
  all(): Promise<Procedure[]>;
  get(code: string): Promise<Procedure | undefined>;
  /** Procedures ordered by code. */
  list(q?: PageQuery): Promise<Page<Procedure>>;
  count(): Promise<number>;
  /** Adds or replaces one procedure. */
  upsert(p: Procedure): Promise<void>;
  remove(code: string): Promise<boolean>;
  /** Replaces the whole catalogue (import with --replace) or merges by code. */
  importAll(list: Procedure[], mode: 'replace' | 'merge'): Promise<{ added: number; updated: number; total: number }>;
  /** Increments on every change, so searchers know when to rebuild. */
  revision(): Promise<number>;
  getAliases(): Promise<AliasTables>;
  setAliases(t: AliasTables): Promise<void>;
  /**
   * Changes the alias tables in one step inside the store (a transaction): `change` gets the
   * current tables and returns the new ones, or null to change nothing. Two staff members
   * editing at once both keep their edit. Resolves to the tables before and after (null when unchanged).
   */
  updateAliases(change: (current: AliasTables) => AliasTables | null): Promise<{ before: AliasTables; after: AliasTables } | null>;
  /** True once the store was seeded from data/ (first start); later starts keep staff edits. */
  isSeeded(): Promise<boolean>;
  /** Seeds catalogue and alias tables once; returns false when already seeded. */
  seed(list: Procedure[], tables: AliasTables): Promise<boolean>;
}

/** Small keyed values kept across restarts (the learned search prior). */
export interface KeyValues {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}
