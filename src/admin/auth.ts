import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { User, UserStore } from '../store/types.js';

/**
 * Staff accounts: scrypt password hashes, in-memory login sessions with a CSRF token each,
 * and a login limiter that locks an account (and an address) after repeated failures.
 */

const N = 16384;
const R = 8;
const P = 1;
const KEY_LEN = 32;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  const opts: ScryptOptions = { N: n, r, p, maxmem: 64 * 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export const PASSWORD_RULE = 'Mật khẩu cần ít nhất 10 ký tự. / Password needs at least 10 characters.';
export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,31}$/;

export function passwordProblem(password: string): string | null {
  return password.length >= 10 && password.length <= 200 ? null : PASSWORD_RULE;
}

export async function addUser(users: UserStore, name: string, role: User['role'], password: string, now: number): Promise<User> {
  if (!USERNAME_RE.test(name)) throw new Error('Tên đăng nhập: 2–32 ký tự a-z, 0-9, . _ - / Username: 2–32 characters a-z, 0-9, . _ -');
  const problem = passwordProblem(password);
  if (problem) throw new Error(problem);
  if (users.get(name)) throw new Error(`Tài khoản "${name}" đã tồn tại. / User "${name}" already exists.`);
  const user: User = { name, role, passwordHash: await hashPassword(password), createdAt: now, disabled: false };
  await users.put(user);
  return user;
}

export interface AdminSession {
  token: string;
  user: string;
  role: User['role'];
  csrf: string;
  expires: number;
}

/** Login sessions live in memory: a restart signs staff out, nothing secret is written to disk. */
export function createSessionTable(now: () => number, ttlMs = 8 * 3_600_000, max = 1000) {
  const sessions = new Map<string, AdminSession>();
  return {
    create(user: User): AdminSession {
      const s: AdminSession = { token: randomBytes(32).toString('base64url'), user: user.name, role: user.role, csrf: randomBytes(24).toString('base64url'), expires: now() + ttlMs };
      sessions.set(s.token, s);
      if (sessions.size > max) sessions.delete(sessions.keys().next().value as string);
      return s;
    },
    get(token: string | undefined): AdminSession | undefined {
      if (!token) return undefined;
      const s = sessions.get(token);
      if (!s) return undefined;
      if (s.expires < now()) {
        sessions.delete(token);
        return undefined;
      }
      return s;
    },
    destroy(token: string | undefined): void {
      if (token) sessions.delete(token);
    },
    /** Signs a user out everywhere (disabled account, password reset). */
    destroyUser(name: string): void {
      for (const [k, s] of sessions) if (s.user === name) sessions.delete(k);
    },
  };
}
export type SessionTable = ReturnType<typeof createSessionTable>;

/**
 * Failed logins per account and per address. After `maxFailures` within `windowMs` the key is
 * locked for `lockMs`; a success clears the account's count.
 */
export function createLoginLimiter(now: () => number, maxFailures = 5, windowMs = 15 * 60_000, lockMs = 15 * 60_000) {
  const failures = new Map<string, { count: number; first: number; lockedUntil: number }>();
  const entry = (key: string) => {
    const e = failures.get(key);
    if (e && now() - e.first > windowMs && e.lockedUntil < now()) {
      failures.delete(key);
      return undefined;
    }
    return e;
  };
  return {
    /** Milliseconds until the key may try again (0 = allowed). */
    lockedFor(...keys: string[]): number {
      return Math.max(0, ...keys.map((k) => (entry(k)?.lockedUntil ?? 0) - now()));
    },
    fail(...keys: string[]): void {
      for (const k of keys) {
        const e = entry(k) ?? { count: 0, first: now(), lockedUntil: 0 };
        e.count++;
        // An address gets more tries than an account: several staff may share an office NAT.
        const limit = k.startsWith('ip:') ? maxFailures * 4 : maxFailures;
        if (e.count >= limit) e.lockedUntil = now() + lockMs;
        failures.set(k, e);
        if (failures.size > 10_000) failures.delete(failures.keys().next().value as string);
      }
    },
    succeed(key: string): void {
      failures.delete(key);
    },
  };
}
export type LoginLimiter = ReturnType<typeof createLoginLimiter>;
