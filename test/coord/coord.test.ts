import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryCoordinator, createRedisCoordinator, CoordinatorUnavailableError, type Coordinator } from '../../src/coord/index.js';
import { createLogger } from '../../src/log.js';
import { freePort } from '../support/net.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it is true; fails after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Deletes every key under `prefix` (a test's own keys). */
async function dropKeys(prefix: string): Promise<void> {
  const r = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await r.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/** Three "instances" of the app: one coordinator in memory mode, three sharing a prefix in Redis. */
interface Instances {
  a: Coordinator;
  b: Coordinator;
  c: Coordinator;
  close(): Promise<void>;
}

const backends: [string, () => Promise<Instances>][] = [
  [
    'memory',
    async () => {
      const m = createMemoryCoordinator();
      return { a: m, b: m, c: m, close: () => m.close() };
    },
  ],
  [
    'redis',
    async () => {
      const prefix = `test-coord-${randomBytes(6).toString('hex')}:`;
      const [a, b, c] = [0, 1, 2].map(() => createRedisCoordinator(REDIS_URL, { prefix })) as [Coordinator, Coordinator, Coordinator];
      return {
        a,
        b,
        c,
        async close() {
          await Promise.all([a.close(), b.close(), c.close()]);
          await dropKeys(prefix);
        },
      };
    },
  ],
];

/** Subscribes a recorder on each coordinator and waits until a probe from `from` reached all of them. */
async function recorders(topic: string, from: Coordinator, on: Coordinator[]) {
  const got = on.map(() => [] as unknown[]);
  const offs = on.map((c, i) => c.subscribe(topic, (m) => got[i]!.push(m)));
  await until(async () => {
    await from.publish(topic, 'probe');
    return got.every((g) => g.includes('probe'));
  }, 3000, `subscriptions to ${topic}`);
  await sleep(50);
  const real = () => got.map((g) => g.filter((m) => m !== 'probe'));
  return { real, offs };
}

describe.each(backends)('coordinator: %s', (_name, open) => {
  let i: Instances;
  beforeEach(async () => {
    i = await open();
  });
  afterEach(async () => {
    await i.close();
  });

  it('answers a ping', async () => {
    expect(await i.a.ping()).toBe(true);
  });

  it('tells a second instance that a webhook update was already seen, and forgets it after its time', async () => {
    expect(await i.a.seen('tg:1001', 1)).toBe(false);
    expect(await i.b.seen('tg:1001', 1)).toBe(true);
    expect(await i.a.seen('tg:1001', 1)).toBe(true);
    expect(await i.b.seen('tg:1002', 1)).toBe(false);
    await sleep(1100);
    expect(await i.c.seen('tg:1001', 1)).toBe(false);
  });

  it('shares a rate limit between instances and says how long to wait', async () => {
    const la = i.a.limiter('web-msg', { points: 3, durationSec: 60 });
    const lb = i.b.limiter('web-msg', { points: 3, durationSec: 60 });
    expect(await la.consume('10.0.0.0/24')).toBeNull();
    expect(await lb.consume('10.0.0.0/24')).toBeNull();
    expect(await la.consume('10.0.0.0/24')).toBeNull();
    const wait = await lb.consume('10.0.0.0/24');
    expect(wait).toBeGreaterThan(50_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await la.consume('10.0.1.0/24')).toBeNull();
    // Another policy name is another budget.
    expect(await i.c.limiter('web-new', { points: 1, durationSec: 60 }).consume('10.0.0.0/24')).toBeNull();
    // Spending several points at once.
    const heavy = i.c.limiter('heavy', { points: 5, durationSec: 10 });
    expect(await heavy.consume('k', 5)).toBeNull();
    expect(await heavy.consume('k')).toBeGreaterThan(0);
  });

  it('delivers a published message to subscribers on every instance, the publisher included, until they unsubscribe', async () => {
    const { real, offs } = await recorders('reload', i.a, [i.a, i.b, i.c]);
    await i.a.publish('reload', { what: 'flow', id: 'pay-fees' });
    await until(() => real().every((g) => g.length === 1), 3000, 'the reload message');
    expect(real()).toEqual([[{ what: 'flow', id: 'pay-fees' }], [{ what: 'flow', id: 'pay-fees' }], [{ what: 'flow', id: 'pay-fees' }]]);

    // Each subscriber gets its own copy.
    const copies: unknown[] = [];
    const offCopy = i.b.subscribe('deliver', (m) => copies.push(m));
    const offMutate = i.b.subscribe('deliver', (m) => ((m as { chatId: string }).chatId = 'changed'));
    await until(async () => {
      await i.c.publish('deliver', { channel: 'web', chatId: 'abc', replies: [{ text: 'Dạ' }] });
      return copies.length > 0;
    }, 3000, 'a deliver message');
    expect(copies[0]).toEqual({ channel: 'web', chatId: 'abc', replies: [{ text: 'Dạ' }] });
    offCopy();
    offMutate();

    offs[1]!();
    await i.c.publish('reload', { what: 'catalogue' });
    await until(() => real()[0]!.length === 2 && real()[2]!.length === 2, 3000, 'the second reload message');
    await sleep(100);
    expect(real()[1]).toHaveLength(1);
    offs[0]!();
    offs[2]!();
  });

  it('keeps a handler that throws from stopping the others', async () => {
    const got: unknown[] = [];
    const offBad = i.a.subscribe('reload', () => {
      throw new Error('handler bug');
    });
    const offGood = i.a.subscribe('reload', (m) => got.push(m));
    await until(async () => {
      await i.b.publish('reload', { what: 'aliases' });
      return got.length > 0;
    }, 3000, 'a reload message');
    offBad();
    offGood();
  });

  it('hands a mailbox pushed on one instance to the one that takes it, once, keeping the newest items', async () => {
    await i.a.mailbox.push('web:s1', [{ text: 'một' }, { text: 'hai' }], { max: 3, ttlSec: 60 });
    await i.b.mailbox.push('web:s1', [{ text: 'ba' }, { text: 'bốn' }], { max: 3, ttlSec: 60 });
    await i.a.mailbox.push('web:s2', [], { max: 3, ttlSec: 60 });
    expect(await i.c.mailbox.take('web:s1')).toEqual([{ text: 'hai' }, { text: 'ba' }, { text: 'bốn' }]);
    expect(await i.a.mailbox.take('web:s1')).toEqual([]);
    expect(await i.a.mailbox.take('web:s2')).toEqual([]);
  });

  it('gives each item of a mailbox to exactly one of several concurrent takes', async () => {
    const items = Array.from({ length: 40 }, (_, n) => ({ n }));
    for (let k = 0; k < items.length; k += 4) await i.a.mailbox.push('web:busy', items.slice(k, k + 4), { max: 100, ttlSec: 60 });
    const takes = await Promise.all([i.a, i.b, i.c, i.a, i.b, i.c].map((c) => c.mailbox.take('web:busy')));
    const all = takes.flat() as { n: number }[];
    expect(all.map((x) => x.n).sort((x, y) => x - y)).toEqual(items.map((x) => x.n));
    expect(takes.filter((t) => t.length > 0)).toHaveLength(1);
  });

  it('drops a mailbox nobody took within its time to live', async () => {
    await i.a.mailbox.push('web:gone', [{ text: 'x' }], { max: 5, ttlSec: 1 });
    await sleep(1100);
    expect(await i.b.mailbox.take('web:gone')).toEqual([]);
  });

  it('counts across instances, reads a counter without changing it, and forgets it after its time', async () => {
    expect(await i.a.incr('zalo-oa:out:u1', 1)).toBe(1);
    expect(await i.b.incr('zalo-oa:out:u1', 1)).toBe(2);
    expect(await Promise.all([i.a.incr('zalo-oa:out:u1', 1), i.b.incr('zalo-oa:out:u1', 1), i.c.incr('zalo-oa:out:u1', 1)])).toEqual(expect.arrayContaining([3, 4, 5]));
    expect(await i.c.incr('zalo-oa:out:u1', 1, 0)).toBe(5);
    expect(await i.c.incr('zalo-oa:out:none', 1, 0)).toBe(0);
    expect(await i.a.incr('zalo-oa:out:none', 1, 0)).toBe(0);
    await sleep(1100);
    expect(await i.b.incr('zalo-oa:out:u1', 1, 0)).toBe(0);
    expect(await i.b.incr('zalo-oa:out:u1', 1)).toBe(1);
  });

  it('lets exactly one of three instances hold a lease; only the holder renews or releases it', async () => {
    const leases = [i.a.lease('telegram-polling', 5000), i.b.lease('telegram-polling', 5000), i.c.lease('telegram-polling', 5000)];
    const won = await Promise.all(leases.map((l) => l.acquire()));
    expect(won.filter(Boolean)).toHaveLength(1);
    const holder = leases[won.indexOf(true)]!;
    const others = leases.filter((l) => l !== holder);
    expect(holder.held()).toBe(true);
    expect(others.map((l) => l.held())).toEqual([false, false]);
    expect(await holder.acquire()).toBe(true);
    expect(await holder.renew()).toBe(true);
    expect(await others[0]!.renew()).toBe(false);
    await others[0]!.release();
    expect(await others[1]!.acquire()).toBe(false);

    await holder.release();
    expect(holder.held()).toBe(false);
    expect(await holder.renew()).toBe(false);
    expect(await others[1]!.acquire()).toBe(true);
    expect(await others[0]!.acquire()).toBe(false);
    await others[1]!.release();
  });

  it('lets another instance take a lease its holder stopped renewing, once it expires', async () => {
    const first = i.a.lease('poll', 300);
    const second = i.b.lease('poll', 300);
    expect(await first.acquire()).toBe(true);
    expect(await second.acquire()).toBe(false);
    await sleep(350);
    expect(first.held()).toBe(false);
    expect(await second.acquire()).toBe(true);
    expect(await first.renew()).toBe(false);
    await second.release();
  });

  it('keeps a lease in one instance at a time and hands it over when the holder stops', async () => {
    const state = ['a', 'b', 'c'].map(() => ({ gains: 0, losses: 0, holding: false }));
    const stops = [i.a, i.b, i.c].map((c, n) =>
      c.lease('keep', 300).keep(
        () => {
          state[n]!.gains++;
          state[n]!.holding = true;
        },
        () => {
          state[n]!.losses++;
          state[n]!.holding = false;
        },
      ),
    );
    await until(() => state.some((s) => s.holding), 1000, 'a first holder');
    // Renewed every 100 ms: still the same single holder well past the TTL.
    await sleep(700);
    expect(state.filter((s) => s.holding)).toHaveLength(1);
    expect(state.reduce((n, s) => n + s.gains, 0)).toBe(1);
    const first = state.findIndex((s) => s.holding);
    await stops[first]!();
    expect(state[first]).toMatchObject({ holding: false, gains: 1, losses: 1 });
    await until(() => state.filter((s) => s.holding).length === 1, 600, 'a second holder');
    expect(state.filter((s) => s.holding)).toHaveLength(1);
    await Promise.all(stops.map((stop) => stop()));
    expect(state.every((s) => !s.holding)).toBe(true);
  });
});

describe('redis coordinator without redis', () => {
  it('fails fast and logs the outage once, never the password, when Redis cannot be reached', async () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (s: string) => void lines.push(s) });
    const c = createRedisCoordinator('redis://dvc:s3cret-pw@127.0.0.1:1/0', { prefix: 'test-down:', log });
    try {
      const t0 = Date.now();
      expect(await c.ping()).toBe(false);
      await expect(c.seen('tg:1', 60)).rejects.toBeInstanceOf(CoordinatorUnavailableError);
      await expect(c.limiter('web-msg', { points: 5, durationSec: 60 }).consume('ip')).rejects.toMatchObject({ code: 'COORD_UNAVAILABLE', op: 'limiter web-msg' });
      await expect(c.mailbox.take('web:x')).rejects.toBeInstanceOf(CoordinatorUnavailableError);
      await expect(c.publish('reload', { what: 'flow' })).rejects.toBeInstanceOf(CoordinatorUnavailableError);
      expect(await c.lease('poll', 1000).acquire().catch((e: unknown) => e)).toBeInstanceOf(CoordinatorUnavailableError);
      expect(Date.now() - t0).toBeLessThan(1500);
      // Several reconnection attempts later, still one line per connection.
      await sleep(800);
      const outage = lines.filter((l) => l.includes('redis unavailable'));
      expect(outage).toHaveLength(2);
      expect(JSON.parse(outage[0]!)).toMatchObject({ level: 50, redis: '127.0.0.1:1/0' });
      expect(lines.join('\n')).not.toContain('s3cret-pw');
    } finally {
      await c.close();
    }
  });
});

describe('redis coordinator when its redis stops and comes back', () => {
  let port = 0;
  let server: ChildProcess | null = null;
  const startRedis = async () => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()], { stdio: 'ignore' });
  };
  const stopRedis = async () => {
    const s = server;
    server = null;
    if (!s || s.exitCode !== null || s.signalCode !== null) return;
    await new Promise((r) => {
      s.once('exit', r);
      s.kill('SIGKILL');
    });
  };
  afterAll(stopRedis);

  it('answers again, and delivers pub/sub again, once Redis is back', async () => {
    port = await freePort();
    await startRedis();
    const lines: string[] = [];
    const log = createLogger('info', { write: (s: string) => void lines.push(s) });
    const c = createRedisCoordinator(`redis://127.0.0.1:${port}`, { prefix: 'test-back:', log });
    try {
      await until(() => c.ping(), 5000, 'the first connection');
      const { real } = await recorders('reload', c, [c]);
      expect(await c.seen('k', 60)).toBe(false);

      await stopRedis();
      await until(async () => !(await c.ping()), 2000, 'the outage to show');
      const t0 = Date.now();
      await expect(c.seen('k', 60)).rejects.toBeInstanceOf(CoordinatorUnavailableError);
      await expect(c.limiter('l', { points: 1, durationSec: 60 }).consume('x')).rejects.toBeInstanceOf(CoordinatorUnavailableError);
      expect(Date.now() - t0).toBeLessThan(1500);

      await startRedis();
      await until(() => c.ping(), 6000, 'the reconnection');
      // The restarted Redis kept nothing (--save ""): the key is new again.
      expect(await c.seen('k', 60)).toBe(false);
      expect(await c.limiter('l', { points: 1, durationSec: 60 }).consume('x')).toBeNull();
      // The subscription was made again on the new connection.
      await until(async () => {
        await c.publish('reload', { what: 'flow', id: 'after' });
        return real()[0]!.length > 0;
      }, 5000, 'a message after the reconnection');
      expect(real()[0]![0]).toEqual({ what: 'flow', id: 'after' });
      expect(lines.filter((l) => l.includes('redis available again')).length).toBeGreaterThanOrEqual(1);
    } finally {
      await c.close();
    }
  });
});
