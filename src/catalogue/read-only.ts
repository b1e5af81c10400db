import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { AliasTables } from './ports.js';
import { procedureSchema, type Procedure } from './procedure.js';
import { loadSeed } from './service.js';

/**
 * Loads the catalogue for read-only tools (the search CLI): from the store under `dataDir`
 * when one has been seeded there, otherwise from the shipped data/. Reads the files directly,
 * without the DATA_DIR lock, so it works next to a running server.
 */
export function loadCatalogueReadOnly(dataDir: string): { procedures: Procedure[]; tables: AliasTables; from: 'store' | 'seed' } {
  const cat = join(dataDir, 'catalogue.json');
  const ali = join(dataDir, 'aliases.json');
  if (existsSync(cat) && existsSync(ali)) {
    const doc = z
      .object({ seeded: z.boolean(), procedures: z.array(procedureSchema) })
      .parse(JSON.parse(readFileSync(cat, 'utf8')));
    if (doc.seeded) {
      const tables = z
        .object({ aliases: z.array(z.object({ from: z.string(), to: z.string() })), english: z.array(z.object({ from: z.string(), to: z.string() })) })
        .parse(JSON.parse(readFileSync(ali, 'utf8')));
      return { procedures: doc.procedures, tables, from: 'store' };
    }
  }
  return { ...loadSeed(), from: 'seed' };
}
