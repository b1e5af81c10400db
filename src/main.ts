import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { createServer } from './server.js';
import { openBackends, watchHealth, type Backends } from './backends.js';
import { SqliteSchemaError, StoreFileError, StoreLockedError } from './store/index.js';
import { PgSchemaError, PgStoreError } from './store/pg/index.js';

/** How long start-up keeps trying a PostgreSQL that does not answer yet (a database starting alongside). */
const BACKEND_WAIT_MS = 60_000;

/** Boot: config → store → catalogue → channels → http; graceful shutdown on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let backends: Backends | undefined;
  for (const giveUp = Date.now() + BACKEND_WAIT_MS; !backends; ) {
    try {
      backends = await openBackends(config, log, {
        onImport: (i) => log.info({ component: 'store', backupDir: i.backupDir, files: i.files }, 'records moved from JSON files into state.sqlite (originals kept in the backup folder)'),
      });
    } catch (err) {
      if (err instanceof StoreLockedError || err instanceof StoreFileError || err instanceof SqliteSchemaError || err instanceof PgSchemaError) {
        log.fatal({ dataDir: config.dataDir }, err.message);
        process.exit(1);
      }
      if (err instanceof PgStoreError && Date.now() < giveUp) {
        log.warn(err.message + ' Retrying in 2 s.');
        await new Promise((r) => setTimeout(r, 2000));
        continue;
      }
      if (err instanceof PgStoreError) {
        log.fatal(err.message);
        process.exit(1);
      }
      throw err;
    }
  }
  const { stores } = backends;
  log.info(backends.layout, 'stores open');
  const health = watchHealth(backends, log);
  await health.ready;
  const now = () => Date.now();
  const server = await createServer({ config, log, stores, now, coord: backends.coord, health, ...(backends.events ? { events: backends.events } : {}) });
  backends.onRemoteChange((what) => {
    void (what === 'flow' ? server.assistant.flows.reload() : server.assistant.catalogue.refresh()).catch((err: Error) => log.error({ err: err.message, what }, 'reload after another instance’s change failed'));
  });
  const { app } = server;
  const { channels } = server.assistant;
  const admins = (await stores.users.list()).length;
  log.info({ procedures: await stores.catalogue.count(), admins }, 'catalogue ready');
  if (!admins) log.warn('no admin account yet: run `npm run cli -- users add <name> --role admin` or set ADMIN_USERNAME/ADMIN_PASSWORD');
  // A channel that cannot start (bad token) is reported; the web chat keeps serving.
  for (const c of channels) {
    try {
      await c.start();
    } catch (err) {
      log.error({ channel: c.name, mode: c.mode }, (err as Error).message);
    }
  }
  await server.assistant.warmUp();
  await app.listen({ port: config.port, host: config.host });
  log.info({ port: config.port, channels: channels.map((c) => `${c.name}:${c.mode}`) }, `dvc-assistant listening on http://localhost:${config.port}`);

  const evict = setInterval(() => {
    const t = now();
    Promise.all([stores.sessions.evict(t - config.sessionTtlMs), stores.transcripts.evict(t - config.sessionTtlMs), stores.logins.purge(t)]).catch((err: Error) => log.error({ err: err.message }, 'eviction failed'));
  }, 60_000);
  evict.unref();
  const retention = () => server.applyRetention().catch((err: Error) => log.error({ err: err.message }, 'retention failed'));
  void retention();
  const retain = setInterval(retention, 6 * 3_600_000);
  retain.unref();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadline = Date.now() + config.shutdownTimeoutMs;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 1000);
    timer.unref();
    clearInterval(evict);
    clearInterval(retain);
    await Promise.all(channels.map((c) => c.stop(deadline)));
    await app.close();
    health.stop();
    await backends.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

await main();
