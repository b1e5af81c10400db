import type { Config } from './config.js';
import { connectRedis, createMemoryCoordinator, createRedisCoordinator, untilReady, type Coordinator } from './coord/index.js';
import type { Logger } from './log.js';
import type { EventRowSource } from './stats/aggregate.js';
import type { EventLog } from './stats/event-log.js';
import { openLowdbStores, type Stores } from './store/index.js';
import { createPgEventLog, openPgStores, pgEventSource, type PgStores, type StoreChange } from './store/pg/index.js';
import { RedisLoginStore, RedisSessionStore } from './store/redis/index.js';
import { redisTranscripts } from './store/redis/transcripts.js';
import type { JsonImport } from './store/sqlite/index.js';

/** A backend /readyz reports on. */
export type BackendName = 'embedded' | 'postgres' | 'redis';

/**
 * Where everything lives, decided by the settings:
 * - nothing set: embedded (lowdb documents + SQLite records in DATA_DIR), one instance;
 * - DATABASE_URL: PostgreSQL holds every store and the stats events;
 * - REDIS_URL: Redis holds sessions, transcripts and admin sign-ins, and coordinates instances
 *   (webhook dedupe, rate limits, the web chat outbox, pub/sub, the Telegram polling lease).
 */
export interface Backends {
  stores: Stores;
  coord: Coordinator;
  /** Which backend keeps what (logged at start, shown by /readyz). */
  layout: { documents: 'embedded' | 'postgres'; sessions: BackendName; coordination: 'memory' | 'redis' };
  /** The stats events, when they live in PostgreSQL (the event files in DATA_DIR otherwise). */
  events?: { log(opts: { key: string; now: () => number; log: Logger }): EventLog; source: EventRowSource };
  /** Asks each backend in use whether it answers; never throws. */
  check(): Promise<Partial<Record<BackendName, boolean>>>;
  /** Called for a change staff made on another instance (PostgreSQL without Redis carries these). */
  onRemoteChange(listener: (what: 'flow' | 'catalogue') => void): void;
  close(): Promise<void>;
}

export interface BackendOptions {
  now?: () => number;
  onImport?: (i: JsonImport) => void;
  /** Schema for the PostgreSQL tables (tests); `public` by default. */
  pgSchema?: string;
}

/** Opens the backends the settings ask for. Fails with a clear message when one cannot be opened. */
export async function openBackends(config: Config, log: Logger, opts: BackendOptions = {}): Promise<Backends> {
  const { databaseUrl, redisUrl, redisPrefix, poolMax } = config.scale;
  const now = opts.now ?? Date.now;
  let remote: ((what: 'flow' | 'catalogue') => void) | undefined;
  const onChange = (c: StoreChange) => {
    if (c.local || c.store === 'users') return;
    remote?.(c.store === 'flows' ? 'flow' : 'catalogue');
  };

  let pg: PgStores | undefined;
  let stores: Stores;
  if (databaseUrl) {
    pg = await openPgStores(databaseUrl, { poolMax, log: log.child({ component: 'postgres' }), ...(opts.pgSchema ? { schema: opts.pgSchema } : {}), onChange });
    stores = pg;
  } else {
    stores = await openLowdbStores(config.dataDir, opts.onImport ? { onImport: opts.onImport } : {});
  }

  let coord: Coordinator = createMemoryCoordinator(now, log);
  let closeRedis = async () => undefined as void;
  if (redisUrl) {
    const redisLog = log.child({ component: 'redis' });
    coord = createRedisCoordinator(redisUrl, { prefix: redisPrefix, log: redisLog });
    const client = connectRedis(redisUrl, { log: redisLog, name: 'stores' });
    // Without an offline queue a command before the first connection would fail: wait for it (bounded).
    await untilReady(client, 2000);
    const inner = stores;
    stores = {
      ...inner,
      sessions: new RedisSessionStore(client, { ttlMs: config.sessionTtlMs, prefix: redisPrefix }),
      logins: new RedisLoginStore(client, { prefix: redisPrefix }),
      transcripts: redisTranscripts(client, { prefix: redisPrefix, ttlMs: config.sessionTtlMs }),
      close: () => inner.close(),
    };
    closeRedis = async () => {
      await client.quit().catch(() => client.disconnect());
    };
  }

  const layout: Backends['layout'] = {
    documents: pg ? 'postgres' : 'embedded',
    sessions: redisUrl ? 'redis' : pg ? 'postgres' : 'embedded',
    coordination: coord.kind,
  };
  const pool = pg?.pool;
  return {
    stores,
    coord,
    layout,
    ...(pool ? { events: { log: (o: { key: string; now: () => number; log: Logger }) => createPgEventLog(pool, o), source: pgEventSource(pool) } } : {}),
    async check() {
      const out: Partial<Record<BackendName, boolean>> = {};
      const [p, r] = await Promise.all([pg ? pg.ping() : Promise.resolve(undefined), redisUrl ? coord.ping() : Promise.resolve(undefined)]);
      if (p !== undefined) out.postgres = p;
      if (r !== undefined) out.redis = r;
      if (!pg) out.embedded = true;
      return out;
    },
    onRemoteChange(listener) {
      // With Redis, pub/sub carries reloads (one path); PostgreSQL's notifications are for a setup without it.
      if (!redisUrl) remote = listener;
    },
    async close() {
      await coord.close().catch((err: Error) => log.warn({ err: err.message }, 'coordinator did not close cleanly'));
      await closeRedis();
      await stores.close();
    },
  };
}

/**
 * Keeps asking the backends whether they answer (every `everyMs`), so a request never waits to
 * find out: while one is down the instance is not ready and citizens get a short apology; it
 * recovers by itself when the service returns.
 */
export function watchHealth(backends: Pick<Backends, 'check'>, log: Logger, everyMs = 1000) {
  let state: Partial<Record<BackendName, boolean>> = {};
  let healthy = true;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const next = await backends.check().catch(() => ({}) as Partial<Record<BackendName, boolean>>);
    for (const [name, up] of Object.entries(next)) {
      if (state[name as BackendName] !== undefined && state[name as BackendName] !== up) {
        if (up) log.info({ backend: name }, 'backend available again; ready');
        else log.error({ backend: name }, 'backend unavailable; answering citizens with an apology until it returns');
      }
    }
    state = next;
    healthy = Object.values(next).every(Boolean);
    if (!stopped) {
      timer = setTimeout(() => void tick(), everyMs);
      timer.unref();
    }
  };
  const first = tick();
  return {
    /** Resolves after the first check. */
    ready: first,
    healthy: () => healthy,
    state: () => ({ ...state }),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
