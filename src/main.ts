import { createWebChannel } from './channels/web/index.js';
import { createCatalogueService } from './catalogue/service.js';
import { ConfigError, loadConfig } from './config.js';
import { createAnswerer } from './core/answer.js';
import { throttle } from './core/throttle.js';
import { buildApp } from './http/app.js';
import { createLogger } from './log.js';
import { openLowdbStores, StoreFileError, StoreLockedError } from './store/index.js';
import type { EventSink } from './stats/event.js';

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
  let stores;
  try {
    stores = await openLowdbStores(config.dataDir);
  } catch (err) {
    if (err instanceof StoreLockedError || err instanceof StoreFileError) {
      log.fatal({ dataDir: config.dataDir }, err.message);
      process.exit(1);
    }
    throw err;
  }
  const catalogue = await createCatalogueService(stores.catalogue);
  log.info({ procedures: stores.catalogue.all().length }, 'catalogue ready');

  // Analytics events are logged for now; the JSONL event log comes with the stats feature.
  const events: EventSink = { emit: (e) => log.debug({ event: e.type, channel: e.channel }, 'event') };
  const now = () => Date.now();
  const handle = throttle(createAnswerer({ searcher: catalogue.searcher, events, log }), {
    ...config.rateLimit,
    now,
    onThrottle: (i) => events.emit({ type: 'throttled', at: now(), channel: i.channel, user: i.userId }),
  });
  const channels = [createWebChannel({ config, handle, log, settings: stores.settings, now })];
  let storesReady = true;
  const app = await buildApp({ config, log, channels, storesReady: () => storesReady });
  for (const c of channels) await c.start();
  await app.listen({ port: config.port, host: config.host });
  log.info({ port: config.port, channels: channels.map((c) => `${c.name}:${c.mode}`) }, `dvc-assistant listening on http://localhost:${config.port}`);

  const evict = setInterval(() => stores.sessions.evict(now() - config.sessionTtlMs), 60_000);
  evict.unref();

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
    await Promise.all(channels.map((c) => c.stop(deadline)));
    await app.close();
    storesReady = false;
    await stores.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

await main();
