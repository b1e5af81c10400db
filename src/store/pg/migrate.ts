import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';
import { PgStoreError } from './db.js';

/** Where the numbered SQL files live: read from the source tree at run time (tsx runs the .ts). */
const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;
/** First key of the two-key advisory lock; the second is a hash of the schema name. */
const LOCK_CLASS = 0x64766301;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The database was migrated by a newer build: refuse to start rather than misread it. */
export class PgSchemaError extends Error {
  constructor(schema: string, found: number, known: number) {
    super(`PostgreSQL schema "${schema}" is at migration ${found}, newer than this build knows (${known}). Run the newer build, or restore a backup.`);
    this.name = 'PgSchemaError';
  }
}

/** The shipped migrations, in order. Numbers must run 1, 2, 3 … without gaps. */
export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const list: Migration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const m = FILE.exec(file);
    if (!m) continue;
    list.push({ version: Number(m[1]), name: m[2]!, sql: await readFile(new URL(file, dir), 'utf8') });
  }
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new PgStoreError(`Migration files must be numbered 001, 002, … without gaps; found ${String(m.version).padStart(3, '0')}_${m.name}.sql at position ${i + 1}.`);
  });
  return list;
}

/**
 * Creates the schema if missing and applies the migrations not yet recorded in
 * `schema_migrations`, in order, each in its own transaction, on `client` (connected; the
 * caller ends it). A session advisory lock (per schema) makes instances that start together wait
 * for each other: the first migrates, the others find nothing left to do. Statement and lock
 * timeouts are lifted for this session: a long migration, or the wait for another instance's,
 * must not fail the start. Returns the versions this call applied.
 */
export async function migrate(client: pg.ClientBase, schema: string, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await loadMigrations());
  await client.query('SET statement_timeout = 0');
  await client.query('SET lock_timeout = 0');
  await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
  try {
    // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (!exists.rowCount) await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const applied = new Set(rows.map((r) => r.version));
    const newest = rows.at(-1)?.version ?? 0;
    if (newest > all.length) throw new PgSchemaError(schema, newest, all.length);
    const done: number[] = [];
    for (const m of all) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new PgStoreError(`Migration ${String(m.version).padStart(3, '0')}_${m.name}.sql failed: ${(err as Error).message}`, { cause: err });
      }
      done.push(m.version);
    }
    return done;
  } finally {
    // Ending the session releases the lock too, should this fail.
    await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, schema]).catch(() => undefined);
  }
}
