import type { Redis } from 'ioredis';
import { tokenHash } from '../records.js';
import type { AdminLogin, LoginStore } from '../types.js';

/** Entries handled per purge script call. */
const CHUNK = 500;

// KEYS: data, byExpiry, user set. ARGV: hash, json, expires, data prefix, user set prefix.
const CREATE = `
local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = tonumber(ARGV[3])
local old = redis.call('GET', KEYS[1])
if old then redis.call('SREM', ARGV[5] .. cjson.decode(old).user, ARGV[1]) end
-- The key expires with the login on Redis's clock; one already past it (a test clock) waits for purge.
if expires > now then redis.call('SET', KEYS[1], ARGV[2], 'PX', expires - now) else redis.call('SET', KEYS[1], ARGV[2]) end
redis.call('ZADD', KEYS[2], expires, ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
-- The user's set lives as long as its longest-lived login, and forgets logins Redis expired.
local latest = 0
for _, h in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local p = redis.call('PTTL', ARGV[4] .. h)
  if p == -2 then redis.call('SREM', KEYS[3], h) redis.call('ZREM', KEYS[2], h)
  elseif p == -1 then latest = -1
  elseif latest ~= -1 and p > latest then latest = p end
end
if latest == -1 then redis.call('PERSIST', KEYS[3]) else redis.call('PEXPIRE', KEYS[3], latest) end
-- A few index entries of logins Redis already dropped (their user's set may be gone too).
for _, h in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)) do
  if redis.call('EXISTS', ARGV[4] .. h) == 0 then redis.call('ZREM', KEYS[2], h) end
end`;

// KEYS: data, byExpiry. ARGV: hash, user set prefix. Returns 1 when a login was deleted.
const DESTROY = `
local old = redis.call('GET', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if not old then return 0 end
redis.call('SREM', ARGV[2] .. cjson.decode(old).user, ARGV[1])
return redis.call('DEL', KEYS[1])`;

// KEYS: user set, byExpiry. ARGV: data prefix, hash to keep ('' for none).
const DESTROY_USER = `
local n = 0
for _, h in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if h ~= ARGV[2] then
    n = n + redis.call('DEL', ARGV[1] .. h)
    redis.call('SREM', KEYS[1], h) redis.call('ZREM', KEYS[2], h)
  end
end
return n`;

// KEYS: byExpiry. ARGV: data prefix, user set prefix, now, chunk. Returns {examined, deleted}.
const PURGE = `
local hashes = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
local n = 0
for _, h in ipairs(hashes) do
  local old = redis.call('GET', ARGV[1] .. h)
  if old then
    redis.call('SREM', ARGV[2] .. cjson.decode(old).user, h)
    n = n + redis.call('DEL', ARGV[1] .. h)
  end
  redis.call('ZREM', KEYS[1], h)
end
return {#hashes, n}`;

/**
 * Admin sign-ins in Redis, shared by every instance. One key per login, named by a hash of the
 * cookie token (as in SQLite: Redis holds no usable cookie), expiring with the login; a sorted
 * set by expiry for `purge` and one set per user for `destroyUser`. Whether a login is still
 * valid is decided by the caller's clock (`get`, `purge`), the key's TTL only cleans up.
 */
export class RedisLoginStore implements LoginStore {
  private readonly data: string;
  private readonly byExpiry: string;
  private readonly users: string;

  constructor(
    private readonly redis: Redis,
    opts: { prefix?: string } = {},
  ) {
    const prefix = opts.prefix ?? 'dvc:';
    this.data = `${prefix}l:`;
    this.byExpiry = `${prefix}l-idx:exp`;
    this.users = `${prefix}l-user:`;
  }

  async create(s: AdminLogin): Promise<void> {
    const hash = tokenHash(s.token);
    const stored = { user: s.user, role: s.role, csrf: s.csrf, expires: s.expires };
    await this.redis.eval(CREATE, 3, this.data + hash, this.byExpiry, this.users + s.user, hash, JSON.stringify(stored), String(s.expires), this.data, this.users);
  }

  async get(token: string, now: number): Promise<AdminLogin | undefined> {
    const text = await this.redis.get(this.data + tokenHash(token));
    if (text === null) return undefined;
    const r = JSON.parse(text) as Omit<AdminLogin, 'token'>;
    if (r.expires < now) {
      await this.destroy(token);
      return undefined;
    }
    return { token, user: r.user, role: r.role, csrf: r.csrf, expires: r.expires };
  }

  async destroy(token: string): Promise<void> {
    const hash = tokenHash(token);
    await this.redis.eval(DESTROY, 2, this.data + hash, this.byExpiry, hash, this.users);
  }

  async destroyUser(name: string, keep?: string): Promise<number> {
    // `keep` absent: no hash equals '' so every login of the user goes.
    return (await this.redis.eval(DESTROY_USER, 2, this.users + name, this.byExpiry, this.data, keep === undefined ? '' : tokenHash(keep))) as number;
  }

  async purge(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [examined, deleted] = (await this.redis.eval(PURGE, 1, this.byExpiry, this.data, this.users, String(now), String(CHUNK))) as [number, number];
      total += deleted;
      if (examined < CHUNK) return total;
    }
  }
}
