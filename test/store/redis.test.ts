import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newSession } from '../../src/core/session.js';
import { createMemoryStores } from '../../src/store/index.js';
import { RedisLoginStore, RedisSessionStore } from '../../src/store/redis/index.js';
import { runStoreContract } from './contract.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const clients: Redis[] = [];
const prefixes: string[] = [];
const client = () => {
  const r = new Redis(REDIS_URL);
  clients.push(r);
  return r;
};
const newPrefix = () => {
  const p = `test-store-${randomBytes(6).toString('hex')}:`;
  prefixes.push(p);
  return p;
};

/** Every key under `prefix`. */
async function keysOf(r: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

const shared = client();

afterAll(async () => {
  for (const p of prefixes) {
    const keys = await keysOf(shared, p);
    if (keys.length) await shared.del(...keys);
  }
  await Promise.all(clients.map((r) => r.quit()));
});

runStoreContract('redis sessions+logins', async () => {
  const base = await createMemoryStores();
  const prefix = newPrefix();
  return {
    stores: { ...base, sessions: new RedisSessionStore(shared, { prefix, ttlMs: 3_600_000 }), logins: new RedisLoginStore(shared, { prefix }) },
    close: () => base.close(),
  };
});

describe('redis sessions', () => {
  let prefix: string;
  beforeEach(() => {
    prefix = newPrefix();
  });

  it('shares sessions between instances, each read a fresh copy', async () => {
    const a = new RedisSessionStore(client(), { prefix, ttlMs: 60_000 });
    const b = new RedisSessionStore(client(), { prefix, ttlMs: 60_000 });
    await a.set('telegram:7', { ...newSession(5), flowId: 'pay-fees', vars: { fullName: 'Trần Thị B' } });
    expect(await b.get('telegram:7')).toMatchObject({ flowId: 'pay-fees', vars: { fullName: 'Trần Thị B' }, updatedAt: 5 });
    expect(await b.get('telegram:7')).not.toBe(await b.get('telegram:7'));
    await b.delete('telegram:7');
    expect(await a.get('telegram:7')).toBeUndefined();
  });

  it('lets Redis drop a session idle for its TTL, from reads, counts, lists and the indexes', async () => {
    const r = client();
    const s = new RedisSessionStore(r, { prefix, ttlMs: 300 });
    await s.set('web:idle', newSession(1));
    await s.set('web:busy', newSession(1));
    await sleep(200);
    // A write starts the TTL again.
    await s.set('web:busy', newSession(2));
    await sleep(200);
    expect(await s.get('web:idle')).toBeUndefined();
    expect(await s.get('web:busy')).toMatchObject({ updatedAt: 2 });
    expect(await s.size()).toBe(1);
    expect((await s.list()).items.map((e) => e.key)).toEqual(['web:busy']);
    await sleep(350);
    expect(await s.size()).toBe(0);
    expect((await s.list()).items).toEqual([]);
    expect(await keysOf(r, prefix)).toEqual([]);
  });

  it('reads a value of an older or damaged shape as no session', async () => {
    const r = client();
    const s = new RedisSessionStore(r, { prefix, ttlMs: 60_000 });
    await s.set('web:a', newSession(1));
    await s.set('web:b', newSession(1));
    await r.set(`${prefix}s:web:a`, '{"v":0}');
    await r.set(`${prefix}s:web:b`, 'not json');
    expect(await s.get('web:a')).toBeUndefined();
    expect(await s.get('web:b')).toBeUndefined();
    expect((await s.list()).items).toEqual([]);
  });

  it('evicts more idle sessions than one script call handles, keeping the recent ones', async () => {
    const s = new RedisSessionStore(client(), { prefix, ttlMs: 60_000 });
    const pipeline = [];
    for (let n = 0; n < 1200; n++) pipeline.push(s.set(`zalo:${n}`, newSession(n)));
    await Promise.all(pipeline);
    expect(await s.evict(1100)).toBe(1100);
    expect(await s.size()).toBe(100);
    expect((await s.list({ limit: 1000 })).items.map((e) => e.session.updatedAt).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, n) => 1100 + n));
  });

  it('refuses a TTL below one millisecond', () => {
    expect(() => new RedisSessionStore(shared, { prefix, ttlMs: 0 })).toThrow(/ttlMs/);
  });
});

describe('redis admin logins', () => {
  let prefix: string;
  let r: Redis;
  beforeEach(() => {
    prefix = newPrefix();
    r = client();
  });
  afterEach(async () => {
    const keys = await keysOf(r, prefix);
    if (keys.length) await r.del(...keys);
  });

  it('keeps no usable cookie in Redis, only its hash', async () => {
    const s = new RedisLoginStore(r, { prefix });
    await s.create({ token: 'cookie-token-XYZ', user: 'lan', role: 'admin', csrf: 'c', expires: Date.now() + 60_000 });
    const keys = await keysOf(r, prefix);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k).not.toContain('cookie-token-XYZ');
      const type = await r.type(k);
      const body = type === 'string' ? await r.get(k) : type === 'set' ? (await r.smembers(k)).join() : (await r.zrange(k, '0', '-1')).join();
      expect(body).not.toContain('cookie-token-XYZ');
    }
  });

  it('lets Redis drop a login when it expires, with its index entries', async () => {
    const s = new RedisLoginStore(r, { prefix });
    await s.create({ token: 't', user: 'lan', role: 'staff', csrf: 'c', expires: Date.now() + 250 });
    expect(await s.get('t', Date.now())).toMatchObject({ user: 'lan' });
    await sleep(350);
    // Even for a caller whose clock says it is still valid.
    expect(await s.get('t', 0)).toBeUndefined();
    // The next sign-in of the user tidies what Redis dropped.
    await s.create({ token: 't2', user: 'lan', role: 'staff', csrf: 'c', expires: Date.now() + 60_000 });
    expect(await r.zcard(`${prefix}l-idx:exp`)).toBe(1);
    expect(await r.smembers(`${prefix}l-user:lan`)).toHaveLength(1);
    expect(await r.pttl(`${prefix}l-user:lan`)).toBeGreaterThan(50_000);
  });

  it('signs a user out on every instance, and moves a re-used token to its new user', async () => {
    const a = new RedisLoginStore(r, { prefix });
    const b = new RedisLoginStore(client(), { prefix });
    const later = Date.now() + 60_000;
    await a.create({ token: 'x1', user: 'lan', role: 'staff', csrf: 'c', expires: later });
    await b.create({ token: 'x2', user: 'lan', role: 'staff', csrf: 'c', expires: later });
    await a.create({ token: 'x3', user: 'lan', role: 'staff', csrf: 'c', expires: later });
    await a.create({ token: 'x3', user: 'binh', role: 'admin', csrf: 'c', expires: later });
    expect(await b.destroyUser('lan')).toBe(2);
    expect(await a.get('x1', Date.now())).toBeUndefined();
    expect(await a.get('x3', Date.now())).toMatchObject({ user: 'binh', role: 'admin' });
    expect(await b.destroyUser('binh', 'x3')).toBe(0);
    expect(await b.destroyUser('binh')).toBe(1);
    expect(await keysOf(r, prefix)).toEqual([]);
  });
});
