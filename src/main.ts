import { createAssistant } from './assistant.js';
import { ConfigError, loadConfig } from './config.js';
import { buildApp } from './http/app.js';
import { createLogger } from './log.js';
import { openLowdbStores, StoreFileError, StoreLockedError } from './store/index.js';

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
  const now = () => Date.now();
  const { channels } = await createAssistant({ config, log, stores, now });
  log.info({ procedures: stores.catalogue.all().length }, 'catalogue ready');
  let storesReady = true;
  const app = await buildApp({ config, log, channels, storesReady: () => storesReady });
  // A channel that cannot start (bad token) is reported; the web chat keeps serving.
  for (const c of channels) {
    try {
      await c.start();
    } catch (err) {
      log.error({ channel: c.name, mode: c.mode }, (err as Error).message);
    }
  }
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
