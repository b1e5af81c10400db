import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { adminPlugin } from './admin/index.js';
import { addUser } from './accounts/index.js';
import { createAssistant, type Assistant } from './assistant.js';
import type { Config } from './config.js';
import { FLOWS_DIR } from './flow/index.js';
import { buildApp } from './http/app.js';
import type { Logger } from './log.js';
import { createStatsAggregator, type StatsAggregator } from './stats/aggregate.js';
import { createEventLog, type EventLog } from './stats/event-log.js';
import type { Stores } from './store/types.js';
import type { Backends } from './backends.js';
import type { Coordinator } from './coord/index.js';

export interface Server {
  app: FastifyInstance;
  assistant: Assistant;
  events: EventLog;
  stats: StatsAggregator;
  /** Deletes events and closed handoff transcripts older than RETENTION_DAYS. */
  applyRetention(): Promise<{ eventFiles: number; handoffs: number }>;
}

export interface ServerDeps {
  config: Config;
  log: Logger;
  stores: Stores;
  now: () => number;
  /** Default DATA_DIR/events. */
  eventsDir?: string;
  flowsDir?: string;
  /** Shared with the other instances (Redis); memory when absent. */
  coord?: Coordinator;
  /** Backend health (scale-out mode): /readyz reports it, and citizens get an apology while one is down. */
  health?: { healthy(): boolean; state(): Record<string, boolean> };
  /** Stats events in PostgreSQL instead of DATA_DIR/events. */
  events?: Backends['events'];
}

/** The key that pseudonymises citizen ids in events: PSEUDONYM_KEY, or one generated once and kept in the store. */
async function pseudonymKey(config: Config, stores: Stores): Promise<string> {
  if (config.pseudonymKey) return config.pseudonymKey;
  const kept = await stores.settings.get('pseudonymKey');
  if (kept) return kept;
  const key = randomBytes(32).toString('base64url');
  await stores.settings.set('pseudonymKey', key);
  return key;
}

/** Creates the first admin from ADMIN_USERNAME/ADMIN_PASSWORD when no account exists yet. */
async function bootstrapAdmin(config: Config, stores: Stores, now: number, log: Logger): Promise<void> {
  const { username, password } = config.admin;
  if (!username || !password || (await stores.users.list()).length > 0) return;
  try {
    await addUser(stores.users, username.toLowerCase(), 'admin', password, now, config.passwordHash);
    log.info({ user: username.toLowerCase() }, 'first admin account created from ADMIN_USERNAME');
  } catch (err) {
    log.error({ user: username }, `ADMIN_USERNAME/ADMIN_PASSWORD not used: ${(err as Error).message}`);
  }
}

/** Everything the HTTP server runs: assistant + event log + stats + admin UI on one fastify app. */
export async function createServer(deps: ServerDeps): Promise<Server> {
  const { config, log, stores, now } = deps;
  const eventsDir = deps.eventsDir ?? join(config.dataDir, 'events');
  const key = await pseudonymKey(config, stores);
  const events = deps.events ? deps.events.log({ key, now, log }) : createEventLog({ dir: eventsDir, key, now, log });
  const stats = createStatsAggregator(deps.events ? deps.events.source : eventsDir);
  const flowsDir = deps.flowsDir ?? FLOWS_DIR;
  const assistant = await createAssistant({
    config,
    log,
    stores,
    now,
    events,
    flowsDir,
    pseudonymKey: key,
    ...(deps.coord ? { coord: deps.coord } : {}),
    ...(deps.health ? { healthy: deps.health.healthy } : {}),
  });
  await bootstrapAdmin(config, stores, now(), log);
  let ready = true;
  const app = await buildApp({
    config,
    log,
    channels: assistant.channels,
    storesReady: () => ready,
    ...(deps.health ? { backends: deps.health.state } : {}),
  });
  await app.register(adminPlugin, { config, log, stores, assistant, now, events, stats, flowTestsDir: join(flowsDir, 'tests'), ...(deps.coord ? { coord: deps.coord } : {}) });
  app.addHook('onClose', async () => {
    ready = false;
    assistant.close();
    await events.close();
  });
  return {
    app,
    assistant,
    events,
    stats,
    async applyRetention() {
      const eventFiles = await events.prune(config.retentionDays);
      const handoffs = await stores.handoffs.purgeClosed(now() - config.retentionDays * 86_400_000);
      if (eventFiles || handoffs) log.info({ eventFiles, handoffs, retentionDays: config.retentionDays }, 'retention: old data deleted');
      return { eventFiles, handoffs };
    },
  };
}
