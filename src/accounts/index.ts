import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { User, UserStore } from '../store/types.js';

/**
 * Staff accounts, wherever they are managed (admin UI, command line, first start): scrypt
 * password hashes, the password and user-name rules, adding an account.
 */

/** scrypt cost. OWASP's minimum is N = 2^17, r = 8, p = 1; tests lower logN through SCRYPT_LOG_N. */
export interface HashParams {
  logN: number;
}
export const OWASP_HASH: HashParams = { logN: 17 };
const R = 8;
const P = 1;
const KEY_LEN = 32;
/** Most memory a stored hash may ask for (a tampered users file must not make a login eat gigabytes). */
const MAX_MEMORY = 2 ** 30;

/**
 * scrypt needs 128·N·r bytes (128 MiB at OWASP's cost), so at most two run at once; further
 * logins wait their turn. That bounds memory and, with the limiter, how fast anyone can guess.
 */
const MAX_CONCURRENT = 2;
let running = 0;
const waiting: (() => void)[] = [];
async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  // Node refuses anything above maxmem (default 32 MiB); allow twice what this cost needs.
  const opts: ScryptOptions = { N: n, r, p, maxmem: 2 * 128 * n * r };
  return inTurn(() => new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key)))));
}

/** `scrypt$N$r$p$salt$hash` (base64url parts): the cost travels with the hash. */
export async function hashPassword(password: string, params: HashParams = OWASP_HASH): Promise<string> {
  const n = 2 ** params.logN;
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, n, R, P);
  return ['scrypt', n, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parseHash(stored: string) {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  const cost = { n: Number(n), r: Number(r), p: Number(p) };
  const sane = Number.isInteger(Math.log2(cost.n)) && cost.n >= 2 && cost.r >= 1 && 128 * cost.n * cost.r <= MAX_MEMORY && cost.p >= 1 && cost.p <= 16;
  if (kind !== 'scrypt' || !salt || !hash || !sane) return null;
  return { ...cost, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h) return false;
  const key = await scrypt(password, h.salt, h.n, h.r, h.p);
  return key.length === h.hash.length && timingSafeEqual(key, h.hash);
}

/** True when a stored hash is cheaper than `params` (it is replaced on the next sign-in). */
export function needsRehash(stored: string, params: HashParams = OWASP_HASH): boolean {
  const h = parseHash(stored);
  return !h || h.n < 2 ** params.logN || h.r < R || h.p < P;
}

/** A hash of nothing anyone knows, at the current cost: unknown users are checked against it. */
const dummies = new Map<number, Promise<string>>();
function dummyHash(params: HashParams): Promise<string> {
  let d = dummies.get(params.logN);
  if (!d) dummies.set(params.logN, (d = hashPassword(randomBytes(18).toString('base64url'), params)));
  return d;
}

/**
 * Checks a sign-in. An unknown or disabled account costs the same scrypt work as a real one,
 * so the answer time does not tell which accounts exist.
 */
export async function checkCredentials(user: User | undefined, password: string, params: HashParams = OWASP_HASH): Promise<boolean> {
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash(params)));
  return ok && !!user && !user.disabled;
}

export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,31}$/;

/** Passwords seen first in every leaked list (compared lower-cased); a guesser tries these first. */
const COMMON = new Set([
  '1234567890', '0123456789', '12345678910', '123456789a', 'a123456789', '1234567890a', '0987654321', '1111111111', '1234512345',
  'password', 'password1', 'password12', 'password123', 'password1234', 'password@123', 'p@ssw0rd123', 'passw0rd123',
  'qwertyuiop', 'qwerty1234', 'qwerty123456', '1qaz2wsx3edc', 'zaq12wsxcde', 'abc1234567', 'abcd123456', 'abcdefghij', 'iloveyou123',
  'admin12345', 'admin123456', 'administrator', 'admin@1234', 'welcome123', 'letmein123', 'changeme123', 'trustno1234',
  'matkhau123', 'matkhau1234', 'matkhau@123', 'matkhaumoi', 'matkhaucuatoi', 'khongbiet123', 'anhyeuem123', 'emyeuanh123',
  'vietnam123', 'vietnam1234', 'hanoi12345', 'saigon12345', 'dichvucong', 'dichvucong123', 'ubndxa12345', 'motcua12345',
]);

/** Why a password is too weak (Vietnamese first), or null when it will do. */
export function passwordProblem(password: string, username = ''): string | null {
  if (password.length < 10) return 'Mật khẩu cần ít nhất 10 ký tự. / Password needs at least 10 characters.';
  if (password.length > 200) return 'Mật khẩu dài quá 200 ký tự. / Password is longer than 200 characters.';
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || new Set(lower).size < 4) return 'Mật khẩu này quá phổ biến, dễ bị đoán. Vui lòng chọn mật khẩu khác, ví dụ một câu ngắn dễ nhớ. / This password is too common.';
  if (username.length >= 3 && lower.includes(username.toLowerCase())) return 'Mật khẩu không được chứa tên đăng nhập. / The password must not contain the username.';
  return null;
}
/** The rule above in one line, for form hints. */
export const PASSWORD_RULE = 'Ít nhất 10 ký tự, không phải mật khẩu phổ biến, không chứa tên đăng nhập';

export async function addUser(users: UserStore, name: string, role: User['role'], password: string, now: number, params: HashParams = OWASP_HASH): Promise<User> {
  if (!USERNAME_RE.test(name)) throw new Error('Tên đăng nhập: 2–32 ký tự a-z, 0-9, . _ - / Username: 2–32 characters a-z, 0-9, . _ -');
  const problem = passwordProblem(password, name);
  if (problem) throw new Error(problem);
  if (await users.get(name)) throw new Error(`Tài khoản "${name}" đã tồn tại. / User "${name}" already exists.`);
  const user: User = { name, role, passwordHash: await hashPassword(password, params), createdAt: now, disabled: false };
  await users.put(user);
  return user;
}
