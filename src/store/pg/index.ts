import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Stores } from '../types.js';
import { pgAudit } from './audit.js';
import { pgCatalogue } from './catalogue.js';
import { checkSchemaName, clientConfig, createPgPool, describeUrl, errInfo, pingPool, PgStoreError, type PgLog, type Queryable } from './db.js';
import { pgFlows } from './flows.js';
import { HANDOFF_CHANNEL, pgHandoffs } from './handoffs.js';
import { createPgListener } from './listener.js';
import { pgLogins } from './logins.js';
import { migrate, PgSchemaError } from './migrate.js';
import { pgSessions } from './sessions.js';
import { pgSettings } from './settings.js';
import { pgTranscripts } from './transcripts.js';
import { pgUsers } from './users.js';

export { createPgPool, pingPool, PgStoreError, type PgLog } from './db.js';
export { PgSchemaError, migrate, loadMigrations } from './migrate.js';
export { createPgEventLog, insertEvents, pgEventSource, type PgEventLogOptions } from './events.js';

/** The NOTIFY channel of changes to staff-edited data. */
export const CHANGE_CHANNEL = 'dvc_changes';

/**
 * A change to staff-edited data, heard by every instance (this one included, once), so each can
 * reload what it caches: the search index (catalogue and aliases), a flow, a user's access.
 * `local` is true when this store set made the change.
 */
export type StoreChange = ({ store: 'catalogue' } | { store: 'flows'; id: string } | { store: 'users'; name: string }) & { local: boolean };

export interface PgStoreOptions {
  /** Schema holding the tables (created if missing); default `public`. Tests use a random one. */
  schema?: string;
  /** Pool size per instance (default 10). */
  poolMax?: number;
  log?: PgLog;
  /** Called for every change to the catalogue, a flow or a user, from any instance. */
  onChange?: (change: StoreChange) => void;
  /** Connection name shown by the server (default dvc-assistant; tests tell their connections apart). */
  applicationName?: string;
}

export interface PgStores extends Stores {
  pool: pg.Pool;
  /** True when PostgreSQL answers `SELECT 1` within a second and a half; never throws. */
  ping(): Promise<boolean>;
  /** Stops the LISTEN connection and ends the pool. */
  close(): Promise<void>;
}

/**
 * Every store in PostgreSQL: migrates the schema (once, whichever of several instances starts
 * first), then opens a pool and one LISTEN connection that carries handoff changes and
 * staff-edit changes between instances. Fails fast with a PgStoreError naming the host (never
 * the password) when the database cannot be reached.
 */
export async function openPgStores(url: string, opts: PgStoreOptions = {}): Promise<PgStores> {
  const schema = opts.schema ?? 'public';
  const config = { schema, ...(opts.poolMax !== undefined ? { max: opts.poolMax } : {}), ...(opts.log ? { log: opts.log } : {}), ...(opts.applicationName ? { applicationName: opts.applicationName } : {}) };
  checkSchemaName(schema);
  // Migrations run on their own connection, without the pool's statement and query timeouts.
  const migrator = new pg.Client({ ...clientConfig(url, config), query_timeout: undefined });
  migrator.on('error', () => undefined); // a failure surfaces as the rejected query below
  try {
    await migrator.connect();
    await migrate(migrator, schema);
  } catch (err) {
    if (err instanceof PgStoreError || err instanceof PgSchemaError) throw err;
    const e = err as Error & { code?: string };
    throw new PgStoreError(`Cannot open PostgreSQL at ${describeUrl(url)} (schema "${schema}"): ${e.code ? `${e.code} ` : ''}${e.message}. Check DATABASE_URL and that the server is running.`, { cause: err });
  } finally {
    await migrator.end().catch(() => undefined);
  }
  const pool = createPgPool(url, config);

  const origin = randomUUID();
  // NOTIFY channels are per database: named after the schema too, so deployments (or tests)
  // sharing a database in different schemas never hear each other.
  const changeChannel = `${CHANGE_CHANNEL}__${schema}`.slice(0, 63);
  const handoffChannel = `${HANDOFF_CHANNEL}__${schema}`.slice(0, 63);
  const notify = (c: Queryable, change: Record<string, string>) => c.query('SELECT pg_notify($1, $2)', [changeChannel, JSON.stringify({ ...change, origin })]).then(() => undefined);
  const handoffs = pgHandoffs(pool, origin, handoffChannel);
  const onChange = (payload: string) => {
    if (!opts.onChange) return;
    const { origin: from, ...change } = JSON.parse(payload) as StoreChange & { origin: string };
    opts.onChange({ ...change, local: from === origin });
  };
  const listener = createPgListener(clientConfig(url, config), { [handoffChannel]: handoffs.receive, [changeChannel]: onChange }, opts.log);
  await listener.ready;

  let closing: Promise<void> | undefined;
  return {
    pool,
    sessions: pgSessions(pool),
    catalogue: pgCatalogue(pool, (c) => notify(c, { store: 'catalogue' })),
    flows: pgFlows(pool, (c, id) => notify(c, { store: 'flows', id })),
    handoffs,
    users: pgUsers(pool, (c, name) => notify(c, { store: 'users', name })),
    audit: pgAudit(pool),
    settings: pgSettings(pool),
    logins: pgLogins(pool),
    transcripts: pgTranscripts(pool),
    ping: () => pingPool(pool),
    close: () =>
      (closing ??= (async () => {
        await listener.close();
        await pool.end().catch((err: unknown) => opts.log?.warn({ err: errInfo(err) }, 'postgres: pool did not end cleanly'));
      })()),
  };
}
