import { randomBytes } from 'node:crypto';
import { boundedMap } from '../core/lru.js';
import type { Coordinator } from '../coord/index.js';
import type { Logger } from '../log.js';
import type { AdminLogin, LoginStore, User } from '../store/types.js';

/**
 * Admin sign-ins (kept in the store, with a CSRF token each) and a login limiter that locks an
 * account (and an address) after repeated failures. The accounts themselves are in src/accounts.
 */

export type AdminSession = AdminLogin;

/**
 * Sign-ins on top of the login store: kept in the store (a restart does not sign staff out),
 * with the admin's clock deciding expiry. The store keeps only a hash of each cookie token.
 */
export function adminSessions(logins: LoginStore, now: () => number, ttlMs = 8 * 3_600_000) {
  return {
    async create(user: User): Promise<AdminSession> {
      const s: AdminSession = { token: randomBytes(32).toString('base64url'), user: user.name, role: user.role, csrf: randomBytes(24).toString('base64url'), expires: now() + ttlMs };
      await logins.create(s);
      return s;
    },
    async get(token: string | undefined): Promise<AdminSession | undefined> {
      return token ? logins.get(token, now()) : undefined;
    },
    async destroy(token: string | undefined): Promise<void> {
      if (token) await logins.destroy(token);
    },
    /** Signs a user out everywhere (disabled account, password reset), except the session `keep`. */
    async destroyUser(name: string, keep?: string): Promise<number> {
      return logins.destroyUser(name, keep);
    },
  };
}
export type AdminSessions = ReturnType<typeof adminSessions>;

interface Failures {
  count: number;
  first: number;
  lockedUntil: number;
}

/** The failure counts of accounts (a Map, never trimmed) or of strangers (bounded). */
interface Table {
  get(key: string): Failures | undefined;
  set(key: string, value: Failures): unknown;
  delete(key: string): boolean;
}

/**
 * Failed sign-ins per account and per address. After `maxFailures` within `windowMs` an account
 * is locked for `lockMs` (an address after four times as many: an office may share one NAT).
 *
 * Existing accounts are counted in their own table, which holds at most one entry per account
 * and is never trimmed, so no amount of junk traffic can unlock a locked account. Addresses and
 * unknown usernames share a bounded table; trimming it forgets only strangers.
 */
function memoryLoginLimiter(now: () => number, opts: LimiterOptions) {
  const { maxFailures = 5, windowMs = 15 * 60_000, lockMs = 15 * 60_000, maxStrangers = 10_000 } = opts;
  const accounts: Table = new Map<string, Failures>();
  const strangers: Table = boundedMap<string, Failures>({ max: maxStrangers });
  const live = (table: Table, key: string) => {
    const e = table.get(key);
    if (e && now() - e.first > windowMs && e.lockedUntil < now()) {
      table.delete(key);
      return undefined;
    }
    return e;
  };
  const keysOf = (who: LoginAttempt) =>
    [
      [who.exists ? accounts : strangers, `user:${who.name}`, maxFailures],
      [strangers, `ip:${who.ip}`, maxFailures * 4],
    ] as const;
  return {
    /** Milliseconds until this account and address may try again (0 = allowed). */
    lockedFor(who: LoginAttempt): number {
      return Math.max(0, ...keysOf(who).map(([table, key]) => (live(table, key)?.lockedUntil ?? 0) - now()));
    },
    fail(who: LoginAttempt): void {
      for (const [table, key, limit] of keysOf(who)) {
        const e = live(table, key) ?? { count: 0, first: now(), lockedUntil: 0 };
        e.count++;
        if (e.count >= limit) e.lockedUntil = now() + lockMs;
        table.set(key, e);
      }
    },
    /** A successful sign-in clears the account's count and takes back the address's last failure. */
    succeed(who: LoginAttempt): void {
      accounts.delete(`user:${who.name}`);
      const e = live(strangers, `ip:${who.ip}`);
      if (!e || e.count <= 0) return;
      e.count--;
      if (e.count < maxFailures * 4) e.lockedUntil = 0;
    },
  };
}
interface LimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  lockMs?: number;
  maxStrangers?: number;
}

export interface LoginLimiter {
  /** Milliseconds until this account and address may try again (0 = allowed). */
  lockedFor(who: LoginAttempt): Promise<number>;
  fail(who: LoginAttempt): Promise<void>;
  /** A successful sign-in clears the account's count and takes back the address's last failure. */
  succeed(who: LoginAttempt): Promise<void>;
}

/**
 * The sign-in limiter. One instance counts in memory; several count in the shared coordinator
 * (Redis), so spreading guesses over the instances buys nothing. If the coordinator cannot be
 * reached, this instance's own counts decide (and the outage is logged), so sign-in still works.
 */
export function createLoginLimiter(now: () => number, opts: LimiterOptions = {}, coord?: Coordinator, log?: Logger): LoginLimiter {
  const local = memoryLoginLimiter(now, opts);
  const mem: LoginLimiter = {
    lockedFor: async (who) => local.lockedFor(who),
    fail: async (who) => local.fail(who),
    succeed: async (who) => local.succeed(who),
  };
  if (!coord || coord.kind === 'memory') return mem;
  const { maxFailures = 5, windowMs = 15 * 60_000, lockMs = 15 * 60_000 } = opts;
  const windowS = Math.ceil(windowMs / 1000);
  const lockS = Math.ceil(lockMs / 1000);
  const keys = (who: LoginAttempt) =>
    [
      [`user:${who.name}`, maxFailures],
      [`ip:${who.ip}`, maxFailures * 4],
    ] as const;
  const shared = async <T>(op: () => Promise<T>, fallback: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (err) {
      log?.warn({ component: 'admin', err: (err as Error).message }, 'shared sign-in limits unavailable; this instance\'s counts decide');
      return fallback();
    }
  };
  return {
    lockedFor: async (who) =>
      (await mem.lockedFor(who)) ||
      shared(
        async () => {
          const locks = await Promise.all(keys(who).map(([key]) => coord.incr(`login-lock:${key}`, lockS, 0)));
          return locks.some((n) => n > 0) ? lockMs : 0;
        },
        () => mem.lockedFor(who),
      ),
    fail: async (who) => {
      await mem.fail(who);
      await shared(
        async () => {
          for (const [key, limit] of keys(who)) {
            if ((await coord.incr(`login-fail:${key}`, windowS)) >= limit) await coord.incr(`login-lock:${key}`, lockS);
          }
        },
        async () => undefined,
      );
    },
    succeed: async (who) => {
      await mem.succeed(who);
      await shared(
        async () => {
          const [user, ip] = keys(who);
          // The account starts afresh (its count was taken before the hash: the lock it set goes too).
          const account = await coord.incr(`login-fail:${user[0]}`, windowS, 0);
          if (account > 0) await coord.incr(`login-fail:${user[0]}`, windowS, -account);
          const accountLock = await coord.incr(`login-lock:${user[0]}`, lockS, 0);
          if (accountLock > 0) await coord.incr(`login-lock:${user[0]}`, lockS, -accountLock);
          const address = await coord.incr(`login-fail:${ip[0]}`, windowS, 0);
          if (address <= 0) return;
          await coord.incr(`login-fail:${ip[0]}`, windowS, -1);
          if (address - 1 < ip[1]) {
            const lock = await coord.incr(`login-lock:${ip[0]}`, lockS, 0);
            if (lock > 0) await coord.incr(`login-lock:${ip[0]}`, lockS, -lock);
          }
        },
        async () => undefined,
      );
    },
  };
}

export interface LoginAttempt {
  /** Lower-cased username as typed. */
  name: string;
  ip: string;
  /** Whether the account exists (only existing accounts get a slot that is never trimmed). */
  exists: boolean;
}
