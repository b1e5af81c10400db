import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger } from '../log.js';
import { createLease, type LeaseBackend } from './lease.js';
import { consumeWith } from './limit.js';
import { CoordinatorUnavailableError, type Coordinator } from './types.js';

/** Longest wait for a connection attempt already under way before a command fails. */
const READY_WAIT_MS = 1000;
/** `ping()` answers false after this long. */
const PING_MS = 1000;

/** host:port/db of a Redis URL, without user name or password (what logs may show). */
export function redisTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return '<invalid redis url>';
  }
}

/**
 * An ioredis client that fails fast while Redis is down (no offline queue, one retry, ~1 s
 * timeouts), so a citizen gets an apology instead of a hung request, and reconnects by itself
 * with backoff (100 ms doubling to 2 s). An outage is logged once when it starts and once when
 * it ends; the URL's password never reaches a log line.
 */
export function connectRedis(url: string, opts: { log?: Logger; name?: string } = {}): Redis {
  const client = new Redis(url, {
    connectionName: opts.name ? `dvc-${opts.name}` : undefined,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    commandTimeout: 1000,
    autoResubscribe: false,
    retryStrategy: (times) => Math.min(2000, 100 * 2 ** Math.min(times - 1, 5)),
  });
  const password = (() => {
    try {
      return decodeURIComponent(new URL(url).password);
    } catch {
      return '';
    }
  })();
  const scrub = (text: string) => (password ? text.split(password).join('[redacted]') : text);
  const where = { redis: redisTarget(url), conn: opts.name ?? 'default' };
  let down = false;
  let connected = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    opts.log?.error({ ...where, err: scrub(err.message) }, 'redis unavailable; reconnecting with backoff');
  });
  client.on('ready', () => {
    if (!connected) opts.log?.info(where, 'redis connected');
    connected = true;
    if (!down) return;
    down = false;
    opts.log?.info(where, 'redis available again');
  });
  return client;
}

/** Waits (at most `ms`) for a connection attempt under way; returns at once otherwise. */
export function untilReady(client: Redis, ms: number): Promise<void> {
  if (client.status !== 'connecting' && client.status !== 'connect') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.once('ready', done);
    client.once('close', done);
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((resolve) => (timer = setTimeout(resolve, ms, fallback)))]).finally(() => clearTimeout(timer));
}

async function quit(client: Redis): Promise<void> {
  if (client.status === 'ready') await withTimeout(client.quit().catch(() => 'error'), 1000, 'timeout');
  client.disconnect();
}

const json = (v: unknown): string => JSON.stringify(v ?? null);
function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const LEASE_ACQUIRE = `
local v = redis.call('GET', KEYS[1])
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
const LEASE_RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
const LEASE_RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * The coordinator shared by every instance through Redis. All keys live under `prefix`
 * (default `dvc:`): `seen:`, `n:` (counters), `rl:`, `mb:`, `lease:` and the pub/sub channels `ps:<topic>`.
 * Standalone Redis (or Sentinel), not Cluster: scripts touch keys they build themselves.
 */
export function createRedisCoordinator(url: string, opts: { prefix?: string; log?: Logger } = {}): Coordinator {
  const prefix = opts.prefix ?? 'dvc:';
  const log = opts.log;
  const client = connectRedis(url, { log, name: 'commands' });
  // Subscribing puts a connection into a mode where it can do nothing else: a dedicated one.
  const sub = connectRedis(url, { log, name: 'pubsub' });
  const channelPrefix = `${prefix}ps:`;
  const topics = new Map<string, Set<(message: unknown) => void>>();
  const keepers = new Set<() => Promise<void>>();
  let slow = false;

  /** Runs one store operation; a failure other than a Redis error reply means Redis is unreachable. */
  const run = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    await untilReady(client, READY_WAIT_MS);
    try {
      const result = await fn();
      slow = false;
      return result;
    } catch (err) {
      if ((err as Error).name === 'ReplyError') throw err;
      const failure = err instanceof CoordinatorUnavailableError ? err : new CoordinatorUnavailableError(op, err);
      // Connection errors are logged by the connection; this covers timeouts while connected.
      if (!slow && client.status === 'ready') {
        slow = true;
        log?.error({ redis: redisTarget(url), op, err: failure.message }, 'redis command failed');
      }
      throw failure;
    }
  };
  const exec = async (op: string, multi: ReturnType<Redis['multi']>): Promise<unknown[]> => {
    const res = await multi.exec();
    if (!res) throw new CoordinatorUnavailableError(op, 'transaction aborted');
    return res.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
  };

  const subscribeAll = () => {
    if (!topics.size) return;
    sub.subscribe(...[...topics.keys()].map((t) => channelPrefix + t)).catch((err: Error) => log?.warn({ err: err.message }, 'redis subscribe failed; retried on reconnect'));
  };
  // After every (re)connection: the subscriptions of a dropped connection are gone.
  sub.on('ready', subscribeAll);
  sub.on('message', (channel: string, text: string) => {
    if (!channel.startsWith(channelPrefix)) return;
    const topic = channel.slice(channelPrefix.length);
    const handlers = topics.get(topic);
    if (!handlers) return;
    const message = parse(text);
    if (message === undefined) {
      log?.warn({ topic }, 'pub/sub message is not JSON; dropped');
      return;
    }
    for (const h of [...handlers]) {
      try {
        // Each handler gets its own copy, as in memory.
        h(handlers.size > 1 ? structuredClone(message) : message);
      } catch (err) {
        log?.error({ topic, err: (err as Error).message }, 'pub/sub handler failed');
      }
    }
  });

  const leaseBackend = (name: string): LeaseBackend => {
    const key = `${prefix}lease:${name}`;
    const ms = (ttlMs: number) => String(Math.max(1, Math.ceil(ttlMs)));
    return {
      acquire: (owner, ttlMs) => run(`lease ${name}`, async () => (await client.eval(LEASE_ACQUIRE, 1, key, owner, ms(ttlMs))) === 1),
      renew: (owner, ttlMs) => run(`lease ${name}`, async () => (await client.eval(LEASE_RENEW, 1, key, owner, ms(ttlMs))) === 1),
      release: (owner) => run(`lease ${name}`, async () => void (await client.eval(LEASE_RELEASE, 1, key, owner))),
    };
  };

  return {
    kind: 'redis',
    seen: (key, ttlSec) =>
      run('seen', async () => (await client.set(`${prefix}seen:${key}`, '1', 'EX', Math.max(1, Math.ceil(ttlSec)), 'NX')) === null),
    async incr(key, ttlSec, by = 1) {
      const k = `${prefix}n:${key}`;
      if (by === 0) return run('incr', async () => Number((await client.get(k)) ?? 0));
      const [value] = await run('incr', () => exec('incr', client.multi().incrby(k, by).expire(k, Math.max(1, Math.ceil(ttlSec)))));
      return Number(value);
    },
    limiter(name, o) {
      const rl = new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${prefix}rl:${name}`,
        points: o.points,
        duration: o.durationSec,
        // Reject at once while disconnected instead of waiting for a command timeout.
        rejectIfRedisNotReady: true,
      });
      const op = `limiter ${name}`;
      return { consume: (key, points) => run(op, () => consumeWith(rl, op, key, points)) };
    },
    publish: (topic, message) => run('publish', async () => void (await client.publish(channelPrefix + topic, json(message)))),
    subscribe(topic, handler) {
      let handlers = topics.get(topic);
      if (!handlers) {
        handlers = new Set();
        topics.set(topic, handlers);
        if (sub.status === 'ready') sub.subscribe(channelPrefix + topic).catch((err: Error) => log?.warn({ topic, err: err.message }, 'redis subscribe failed; retried on reconnect'));
      }
      const own = (m: unknown) => handler(m);
      handlers.add(own);
      return () => {
        const set = topics.get(topic);
        if (!set?.delete(own) || set.size) return;
        topics.delete(topic);
        if (sub.status === 'ready') sub.unsubscribe(channelPrefix + topic).catch(() => undefined);
      };
    },
    mailbox: {
      async push(box, items, o) {
        if (!items.length) return;
        const key = `${prefix}mb:${box}`;
        await run('mailbox push', () =>
          exec(
            'mailbox push',
            client
              .multi()
              .rpush(key, ...items.map(json))
              .ltrim(key, -Math.max(1, o.max), -1)
              .expire(key, Math.max(1, Math.ceil(o.ttlSec))),
          ),
        );
      },
      async take(box) {
        const key = `${prefix}mb:${box}`;
        const [items] = await run('mailbox take', () => exec('mailbox take', client.multi().lrange(key, 0, -1).del(key)));
        return (items as string[]).map(parse).filter((m) => m !== undefined);
      },
    },
    lease(name, ttlMs) {
      return createLease(leaseBackend(name), ttlMs, {
        now: Date.now,
        onError: (err) => {
          // Outages are logged by the connection; only log what is not one.
          if (!(err instanceof CoordinatorUnavailableError)) log?.error({ lease: name, err: (err as Error).message }, 'lease keeper failed');
        },
        track(stop) {
          keepers.add(stop);
          return () => keepers.delete(stop);
        },
      });
    },
    async ping() {
      const answer = (async () => {
        await untilReady(client, PING_MS);
        return (await client.ping()) === 'PONG';
      })().catch(() => false);
      return withTimeout(answer, PING_MS, false);
    },
    async close() {
      await Promise.all([...keepers].map((stop) => stop()));
      topics.clear();
      await Promise.all([quit(client), quit(sub)]);
    },
  };
}
