import pg from 'pg';
import { errInfo, type PgLog } from './db.js';

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 10_000;

/** One LISTEN connection per store set, delivering the payloads of some channels to handlers. */
export interface PgListener {
  /** Resolves once the first LISTEN is in place (or the first attempt failed: it keeps retrying). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps one dedicated client LISTENing on `channels` (a pooled client cannot: the pool would
 * hand it to someone else). When the connection drops it reconnects with a doubling backoff
 * (250 ms … 10 s); notifications sent while it was down are lost, which the caller accepts
 * (the inbox reloads its counts on the next change).
 */
export function createPgListener(config: pg.ClientConfig, handlers: Record<string, (payload: string) => void>, log?: PgLog): PgListener {
  let client: pg.Client | undefined;
  let closed = false;
  let backoff = BACKOFF_MIN_MS;
  let retry: NodeJS.Timeout | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const warn = (obj: object, msg: string) => {
    try {
      log?.warn(obj, msg);
    } catch {
      // a broken logger must not stop the listener
    }
  };

  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, backoff);
    retry.unref();
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
  };

  async function connect(): Promise<void> {
    // statement_timeout does not apply to an idle LISTEN session, but keep LISTEN itself bounded.
    const c = new pg.Client(config);
    client = c;
    let lost = false;
    const drop = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (client === c) client = undefined;
      c.removeAllListeners('notification');
      void c.end().catch(() => undefined);
      if (!closed) {
        if (err) warn({ err: errInfo(err), retryMs: backoff }, 'postgres: LISTEN connection lost, reconnecting');
        schedule();
      }
    };
    c.on('error', drop);
    c.on('end', () => drop());
    c.on('notification', (n) => {
      const handler = handlers[n.channel];
      if (!handler || n.payload === undefined) return;
      try {
        handler(n.payload);
      } catch (err) {
        warn({ err: errInfo(err), channel: n.channel }, 'postgres: notification handler failed');
      }
    });
    try {
      await c.connect();
      for (const channel of Object.keys(handlers)) await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      if (closed) {
        await c.end().catch(() => undefined);
        return;
      }
      backoff = BACKOFF_MIN_MS;
    } catch (err) {
      drop(err as Error);
    } finally {
      markReady();
    }
  }

  void connect();
  return {
    ready,
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      if (c) {
        c.removeAllListeners('end');
        await c.end().catch(() => undefined);
      }
    },
  };
}
