import pg from 'pg';

/** The subset of a pino logger this backend writes to. */
export interface PgLog {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

/** Rows one statement of a bulk delete (evict, purge, prune) removes before the next. */
export const DELETE_CHUNK = 1000;

/** A schema name used unquoted-safe in SQL and in the `search_path` option. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A connection or configuration problem at start-up, with the URL's password left out. */
export class PgStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PgStoreError';
  }
}

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new PgStoreError(`Invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _ (at most 63), starting with a letter or _.`);
  return schema;
}

/** The URL as it may appear in a log or an error: host, port and database, never the user's password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

/** An error's code and message only: a pg error never carries the password, but objects with config might. */
export const errInfo = (err: unknown) => ({ code: (err as { code?: unknown })?.code, message: (err as Error)?.message });

/**
 * int8 (bigint, count(*), bigserial) parsed as a JavaScript number instead of a string: epoch
 * milliseconds and row ids stay far below 2^53. Set per pool, not globally, so other users of
 * `pg` in the process keep the default.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => (oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PoolOptions {
  schema?: string;
  max?: number;
  log?: PgLog;
  /** Per-statement limit on the server (ms). */
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** What the server's pg_stat_activity shows for these connections (default dvc-assistant). */
  applicationName?: string;
}

/** Connection settings shared by the pool and the LISTEN client. */
export function clientConfig(url: string, opts: PoolOptions): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: opts.applicationName ?? 'dvc-assistant',
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 2000,
    statement_timeout: opts.statementTimeoutMs ?? 5000,
    // A stalled server must not hang a chat turn past the statement timeout plus a margin.
    query_timeout: (opts.statementTimeoutMs ?? 5000) + 2000,
    keepAlive: true,
    types,
    ...(opts.schema ? { options: `-c search_path=${checkSchemaName(opts.schema)}` } : {}),
  };
}

/**
 * A pool with short timeouts: a connection attempt gives up after 2 s, a statement after 5 s.
 * An idle client that breaks (server restart, network) emits `error` on the pool: it is logged
 * without the URL and the pool replaces the client on next use, so the process never crashes.
 */
export function createPgPool(url: string, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(url, opts), max: opts.max ?? 10, idleTimeoutMillis: 30_000 });
  pool.on('error', (err) => {
    try {
      opts.log?.warn({ err: errInfo(err) }, 'postgres: idle connection failed');
    } catch {
      // a broken logger must not crash the process
    }
  });
  return pool;
}

/** True when `SELECT 1` answers within `timeoutMs`; never throws, never waits longer. */
export async function pingPool(pool: pg.Pool, timeoutMs = 1500): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  // A pooled connection the server dropped (a restart) fails once and leaves the pool: one more try
  // on a fresh connection tells a dead server from a dead connection.
  const once = () => pool.query('SELECT 1').then(
    () => true,
    () => false,
  );
  const probe = once().then((ok) => ok || once());
  try {
    return await Promise.race([probe, late]);
  } finally {
    clearTimeout(timer);
  }
}

export type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * Runs `fn` in a transaction on one client: COMMIT when it resolves, ROLLBACK when it throws
 * (the error is rethrown). A client whose ROLLBACK failed is discarded, not reused.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}
