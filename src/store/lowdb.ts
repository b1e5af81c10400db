import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileDocs } from './doc.js';
import { acquireLock } from './lock.js';
import { openSqliteStores, withSqliteStores, type JsonImport, type SqliteStores } from './sqlite/index.js';
import { createStores } from './stores.js';
import type { Stores } from './types.js';

/**
 * The default (embedded) store: staff-edited documents (catalogue, flows, aliases, users,
 * settings) in lowdb JSON files under `dataDir`, written through the fsyncing adapter; the
 * high-churn records (sessions, handoffs and their messages, audit, admin sign-ins) in
 * `dataDir/state.sqlite`, so a chat message writes a row, not a file. An older DATA_DIR's JSON
 * records are imported once (`onImport` says what, and where the backup went). Takes the
 * DATA_DIR lock; a second process is refused with a clear message.
 */
export async function openLowdbStores(dataDir: string, opts: { sessionBatchMs?: number; onImport?: (i: JsonImport) => void } = {}): Promise<Stores> {
  mkdirSync(dataDir, { recursive: true });
  const release = acquireLock(dataDir);
  // A process killed mid-write leaves its temp file behind; holding the lock, nobody else is writing.
  for (const f of readdirSync(dataDir)) if (/\.json\.\d+\.tmp$/.test(f)) unlinkSync(join(dataDir, f));
  let sql: SqliteStores | undefined;
  try {
    sql = openSqliteStores(dataDir);
    if (sql.imported) opts.onImport?.(sql.imported);
    return withSqliteStores(await createStores(fileDocs(dataDir, opts.sessionBatchMs ?? 1000), release), sql);
  } catch (err) {
    await sql?.close();
    release();
    throw err;
  }
}
