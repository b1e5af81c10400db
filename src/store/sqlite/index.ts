import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Stores } from '../types.js';
import { sqliteAudit } from './audit.js';
import { openConnections, startCheckpointer } from './db.js';
import { sqliteHandoffs } from './handoffs.js';
import { importJsonFiles, type JsonImport } from './import-json.js';
import { sqliteLogins } from './logins.js';
import { sqliteSessions } from './sessions.js';
import { sqliteTranscripts } from './transcripts.js';

export { SqliteSchemaError, SCHEMA_VERSION } from './db.js';
export type { JsonImport } from './import-json.js';

/** The high-churn stores of the embedded backend. */
export interface SqliteStores extends Pick<Stores, 'sessions' | 'handoffs' | 'audit' | 'logins' | 'transcripts'> {
  /** What this start imported from an older DATA_DIR's JSON files; null when there were none. */
  imported: JsonImport | null;
  /** Stops the checkpointer thread and closes the database (the last close checkpoints the WAL into the file). */
  close(): Promise<void>;
}

/**
 * The full set of stores with the high-churn ones from SQLite and the staff-edited documents
 * from `docs` (lowdb files, or memory). Closing closes the database first, then `docs` (which
 * releases the DATA_DIR lock).
 */
export function withSqliteStores(docs: Stores, sql: SqliteStores): Stores {
  return {
    ...docs,
    sessions: sql.sessions,
    handoffs: sql.handoffs,
    audit: sql.audit,
    logins: sql.logins,
    transcripts: sql.transcripts,
    async close() {
      try {
        await sql.close();
      } finally {
        await docs.close();
      }
    },
  };
}

/**
 * Sessions, handoffs with their messages, audit and admin sign-ins in `DATA_DIR/state.sqlite`
 * (WAL), so a chat message writes a row, not a file. The caller holds the DATA_DIR lock.
 * On first open of a DATA_DIR kept by the lowdb store, its JSON records are imported once
 * and the files moved into a backup folder.
 */
export function openSqliteStores(dataDir: string, opts: { now?: () => number } = {}): SqliteStores {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'state.sqlite');
  const db = openConnections(path);
  try {
    const imported = importJsonFiles(db.durable, dataDir, (opts.now ?? Date.now)());
    // An import leaves a large WAL: fold it into the file now, not during the first chat turns.
    if (imported) db.durable.pragma('wal_checkpoint(TRUNCATE)');
    const stores = {
      sessions: sqliteSessions(db.fast),
      handoffs: sqliteHandoffs(db.durable),
      audit: sqliteAudit(db.durable),
      logins: sqliteLogins(db.durable),
      transcripts: sqliteTranscripts(db.fast),
    };
    const checkpointer = startCheckpointer(path);
    let closing: Promise<void> | undefined;
    return {
      ...stores,
      imported,
      close: () => (closing ??= checkpointer.stop().then(() => db.close())),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
