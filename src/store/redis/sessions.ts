import type { Redis } from 'ioredis';
import { parseSession, type Session } from '../../core/session.js';
import { decodeCursor, encodeCursor, pageLimit } from '../stores.js';
import type { Page, PageQuery, SessionStore } from '../types.js';

/** Index entries handled per script call, so one call never blocks Redis for long. */
const CHUNK = 500;

/** Current Redis time in ms, inside a script (the same clock as key expiry). */
const NOW_MS = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS: data, byTime, byKey, byExpiry. ARGV: key, json, updatedAt, ttlMs.
const SET = `${NOW_MS}
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[4]), ARGV[1])`;

// KEYS: byTime, byKey, byExpiry. ARGV: data key prefix, olderThan, chunk. Returns {examined, deleted}.
const EVICT = `
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local n = 0
for _, k in ipairs(keys) do
  n = n + redis.call('DEL', ARGV[1] .. k)
  redis.call('ZREM', KEYS[1], k) redis.call('ZREM', KEYS[2], k) redis.call('ZREM', KEYS[3], k)
end
return {#keys, n}`;

// Drops index entries of sessions Redis already expired. Same KEYS; ARGV: data key prefix, chunk.
const PRUNE = `${NOW_MS}
local keys = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local n = 0
for _, k in ipairs(keys) do
  if redis.call('EXISTS', ARGV[1] .. k) == 0 then
    n = n + 1
    redis.call('ZREM', KEYS[1], k) redis.call('ZREM', KEYS[2], k) redis.call('ZREM', KEYS[3], k)
  end
end
return {#keys, n}`;

export interface RedisSessionStoreOptions {
  /** Idle time after which Redis drops a session by itself (the session TTL of the config). */
  ttlMs: number;
  /** Key prefix shared with the coordinator (default `dvc:`). */
  prefix?: string;
}

/**
 * Sessions in Redis, shared by every instance: one key per session (`<prefix>s:<key>`, JSON)
 * that expires `ttlMs` after its last write. Three sorted sets index them (`<prefix>s-idx:time`
 * by updatedAt for `evict`, `s-idx:key` by key for paging, `s-idx:exp` by expiry so that
 * sessions Redis expired leave the indexes). Every `set` is written at once: nothing to flush.
 */
export class RedisSessionStore implements SessionStore {
  private readonly data: string;
  private readonly idx: [byTime: string, byKey: string, byExpiry: string];
  private readonly ttlMs: string;

  constructor(
    private readonly redis: Redis,
    opts: RedisSessionStoreOptions,
  ) {
    const prefix = opts.prefix ?? 'dvc:';
    if (!(opts.ttlMs >= 1)) throw new Error(`RedisSessionStore: ttlMs must be at least 1 ms, got ${opts.ttlMs}`);
    this.data = `${prefix}s:`;
    this.idx = [`${prefix}s-idx:time`, `${prefix}s-idx:key`, `${prefix}s-idx:exp`];
    this.ttlMs = String(Math.ceil(opts.ttlMs));
  }

  async get(key: string): Promise<Session | undefined> {
    const text = await this.redis.get(this.data + key);
    return (text !== null && this.parse(text)) || undefined;
  }

  async set(key: string, session: Session): Promise<void> {
    await this.redis.eval(SET, 4, this.data + key, ...this.idx, key, JSON.stringify(session), String(session.updatedAt), this.ttlMs);
  }

  async delete(key: string): Promise<void> {
    const [byTime, byKey, byExpiry] = this.idx;
    await this.redis.multi().del(this.data + key).zrem(byTime, key).zrem(byKey, key).zrem(byExpiry, key).exec();
  }

  async evict(olderThan: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [examined, deleted] = (await this.redis.eval(EVICT, 3, ...this.idx, this.data, String(olderThan), String(CHUNK))) as [number, number];
      total += deleted;
      if (examined < CHUNK) return total;
    }
  }

  async size(): Promise<number> {
    await this.prune();
    return this.redis.zcard(this.idx[1]);
  }

  async list(q?: PageQuery): Promise<Page<{ key: string; session: Session }>> {
    await this.prune();
    const limit = pageLimit(q);
    // One key more than the page tells whether another page follows.
    const from = q?.after ? `(${decodeCursor<string>(q.after)}` : '-';
    const keys = await this.redis.zrangebylex(this.idx[1], from, '+', 'LIMIT', 0, limit + 1);
    const page = keys.slice(0, limit);
    const texts = page.length ? await this.redis.mget(...page.map((k) => this.data + k)) : [];
    const items = page.flatMap((key, i) => {
      const session = texts[i] ? this.parse(texts[i]) : null;
      return session ? [{ key, session }] : [];
    });
    return { items, next: keys.length > limit ? encodeCursor(page.at(-1)) : null };
  }

  async flush(): Promise<void> {}

  /** A value of an older or damaged shape reads as no session. */
  private parse(text: string): Session | null {
    try {
      return parseSession(JSON.parse(text));
    } catch {
      return null;
    }
  }

  private async prune(): Promise<void> {
    for (;;) {
      const [examined, removed] = (await this.redis.eval(PRUNE, 3, ...this.idx, this.data, String(CHUNK))) as [number, number];
      // Entries whose key Redis has not dropped yet (the same millisecond) stay for the next call.
      if (examined < CHUNK || removed === 0) return;
    }
  }
}
