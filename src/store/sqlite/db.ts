import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export type Db = Database.Database;

/** Rows one statement of a bulk delete (evict, purge) removes before letting other work run. */
export const DELETE_CHUNK = 1000;

/**
 * Runs a bulk delete in chunks (`stmt` takes the cut-off and a LIMIT), letting chat turns run in
 * between: a day's idle citizens are otherwise one long delete. Returns how many rows went.
 */
export async function deleteInChunks(stmt: { run(cutoff: number, limit: number): { changes: number } }, cutoff: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = stmt.run(cutoff, DELETE_CHUNK).changes;
    total += n;
    if (n < DELETE_CHUNK) return total;
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Numbered schema migrations: entry i takes the database from version i to i + 1 (stored in
 * `PRAGMA user_version`). Append new entries; never edit a shipped one.
 */
const MIGRATIONS: readonly string[] = [
  /* 1: sessions, handoffs and their messages, audit, admin logins, the JSON import record */ `
  CREATE TABLE sessions (
    key TEXT PRIMARY KEY,
    updated_at INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX sessions_updated ON sessions(updated_at);

  CREATE TABLE handoffs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    session_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    user TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'claimed', 'closed')),
    summary TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    claimed_by TEXT,
    claimed_at INTEGER,
    first_reply_at INTEGER,
    closed_at INTEGER,
    folded TEXT NOT NULL
  );
  CREATE INDEX handoffs_session ON handoffs(session_key);
  CREATE INDEX handoffs_created ON handoffs(created_at, id);
  CREATE INDEX handoffs_status ON handoffs(status, created_at, id);

  CREATE TABLE handoff_messages (
    id INTEGER PRIMARY KEY,
    handoff INTEGER NOT NULL REFERENCES handoffs(seq) ON DELETE CASCADE,
    sender TEXT NOT NULL,
    text TEXT NOT NULL,
    at INTEGER NOT NULL,
    staff TEXT,
    folded TEXT
  );
  CREATE INDEX handoff_messages_handoff ON handoff_messages(handoff, id);

  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after TEXT
  );
  CREATE INDEX audit_target ON audit(target, seq);

  CREATE TABLE logins (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires INTEGER NOT NULL
  );
  CREATE INDEX logins_user ON logins(user);
  CREATE INDEX logins_expires ON logins(expires);

  CREATE TABLE json_imports (
    name TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    imported INTEGER NOT NULL,
    skipped INTEGER NOT NULL
  );
  `,
  /* 2: the last lines of each conversation (handoff summaries, drop-off texts) */ `
  CREATE TABLE transcripts (
    key TEXT PRIMARY KEY,
    updated_at INTEGER NOT NULL,
    lines TEXT NOT NULL
  );
  CREATE INDEX transcripts_updated ON transcripts(updated_at);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The database was written by a newer build: refuse to start rather than misread it. */
export class SqliteSchemaError extends Error {
  constructor(path: string, found: number) {
    super(`${path} has schema version ${found}, newer than this build understands (${SCHEMA_VERSION}). Run the newer build, or restore a backup.`);
    this.name = 'SqliteSchemaError';
  }
}

/**
 * Two connections to one WAL database. Under WAL every acknowledged commit survives `kill -9`
 * (it is in the OS's page cache); they differ on a power cut. `durable` (synchronous=FULL:
 * each commit fsyncs the WAL) carries what staff and citizens must not lose even then: handoffs
 * and their messages, audit, sign-ins and sign-outs. `fast` (synchronous=NORMAL) carries
 * sessions: a power cut can lose the commits since the checkpointer's last pass (about a
 * quarter second), which costs a citizen at most repeating a step, and no chat turn waits on
 * an fsync.
 */
export interface Connections {
  durable: Db;
  fast: Db;
  close(): void;
}

/** How often the checkpointer thread copies the WAL into the database file. */
const CHECKPOINT_EVERY_MS = 250;
/** Pages of WAL after which a commit checkpoints by itself: only if the checkpointer thread falls behind. */
const FALLBACK_AUTOCHECKPOINT = 10_000;

export function openConnections(path: string): Connections {
  const durable = connect(path, 'FULL');
  let fast: Db | undefined;
  try {
    migrate(durable, path);
    fast = connect(path, 'NORMAL');
    return {
      durable,
      fast,
      close() {
        fast!.close();
        durable.close();
      },
    };
  } catch (err) {
    fast?.close();
    durable.close();
    throw err;
  }
}

/**
 * Checkpoints (copying WAL pages into the database file, with its fsyncs) run on a worker
 * thread with its own connection, so they never stall the event loop; a commit only appends
 * to the WAL. PASSIVE checkpoints never block writers.
 */
export function startCheckpointer(path: string): { stop(): Promise<void> } {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const Database = require(workerData.module);
    const db = new Database(workerData.path);
    const timer = setInterval(() => {
      try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick retries */ }
    }, workerData.everyMs);
  `;
  const worker = new Worker(code, { eval: true, workerData: { path, module: createRequire(import.meta.url).resolve('better-sqlite3'), everyMs: CHECKPOINT_EVERY_MS } });
  worker.unref();
  // A checkpointer that fails leaves commits to checkpoint by themselves (FALLBACK_AUTOCHECKPOINT).
  worker.on('error', () => undefined);
  return {
    async stop() {
      // A worker stops between checkpoints (a checkpoint in progress completes first); its
      // connection is closed as the thread ends.
      await worker.terminate();
    },
  };
}

function connect(path: string, synchronous: 'FULL' | 'NORMAL'): Db {
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('foreign_keys = ON');
    db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function migrate(db: Db, path: string): void {
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found > SCHEMA_VERSION) throw new SqliteSchemaError(path, found);
  for (let v = found; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
