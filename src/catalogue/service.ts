import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AliasTables, CatalogueStore } from '../store/types.js';
import { procedureSchema, type Procedure } from './procedure.js';
import { createSearcher } from './searcher.js';
import type { Searcher } from './types.js';

/** Shipped seed data (data/ at the repository root). */
export const SEED_DIR = new URL('../../data/', import.meta.url);

const termTable = z.object({ from: z.string().min(1), to: z.string().min(1) }).passthrough();

/** Reads data/procedures.json, data/aliases.json and data/en-terms.json, validating every row. */
export function loadSeed(dir: URL | string = SEED_DIR): { procedures: Procedure[]; tables: AliasTables } {
  const base = typeof dir === 'string' ? new URL(`file://${dir.endsWith('/') ? dir : dir + '/'}`) : dir;
  const read = (name: string) => JSON.parse(readFileSync(new URL(name, base), 'utf8')) as unknown;
  const procedures = z.array(procedureSchema).parse(read('procedures.json'));
  const aliases = z.object({ aliases: z.array(termTable) }).parse(read('aliases.json')).aliases;
  const english = z.object({ english: z.array(termTable) }).parse(read('en-terms.json')).english;
  return { procedures, tables: { aliases, english } };
}

export interface CatalogueService {
  /** The current searcher; rebuilt lazily after the catalogue or alias tables change. */
  searcher(): Searcher;
  /** Rebuilds now (staff edits call this so the change is live at once). */
  refresh(): void;
}

/** Seeds the store on first start, then keeps a searcher in step with the store. */
export async function createCatalogueService(store: CatalogueStore, seedDir?: URL | string): Promise<CatalogueService> {
  if (!store.isSeeded()) {
    const seed = loadSeed(seedDir);
    await store.seed(seed.procedures, seed.tables);
  }
  let built = -1;
  let current: Searcher | null = null;
  const build = (): Searcher => {
    const next = createSearcher(store.all(), store.getAliases());
    current = next;
    built = store.revision();
    return next;
  };
  return {
    searcher: () => (current !== null && built === store.revision() ? current : build()),
    refresh: () => void build(),
  };
}
