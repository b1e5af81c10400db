import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { compileServer, type CompiledServer } from './server.js';
import { freePort } from './net.js';

/**
 * Real instances of the server sharing PostgreSQL and Redis, each a child process on its own
 * port (src/ compiled once). Every cluster gets its own database and Redis key prefix, dropped
 * at the end.
 */

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN = { username: 'quantri', password: 'mat-khau-quan-tri-42' };

/** Deletes every key under `prefix` (what a cluster's instances wrote). */
async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A fresh database on the shared server; `drop()` removes it (after every connection to it is gone). */
export async function freshDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `dvc_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface Instance {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** Everything the process wrote (pino JSON lines). */
  output(): string;
  exited: Promise<number | null>;
}

export interface Cluster {
  instances: Instance[];
  databaseUrl: string;
  redisPrefix: string;
  env: Record<string, string>;
  start(name: string, extra?: Record<string, string>): Promise<Instance>;
  /** SIGKILL of the instance's whole process group. */
  kill(i: Instance): Promise<void>;
  close(): Promise<void>;
}

/** Polls `get` until `ok` holds; fails after `ms`, naming what it waited for and the last value. */
export async function until<T>(what: string, get: () => T | Promise<T>, ok: (v: T) => boolean, ms = 10_000, everyMs = 25): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function waitReady(url: string, child: ChildProcess, ms: number, out: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`instance exited (${child.exitCode}) before ready:\n${out().slice(-3000)}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance not ready after ${ms} ms:\n${out().slice(-3000)}`);
}

export async function startCluster(opts: { env?: Record<string, string>; databaseUrl?: string; redisUrl?: string; js?: CompiledServer } = {}): Promise<Cluster> {
  const js = opts.js ?? (await compileServer());
  const db = opts.databaseUrl ? null : await freshDatabase();
  const databaseUrl = opts.databaseUrl ?? db!.url;
  const redisPrefix = `t${randomBytes(4).toString('hex')}:`;
  const dirs: string[] = [];
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    SCRYPT_LOG_N: '12',
    DATABASE_URL: databaseUrl,
    REDIS_URL: opts.redisUrl ?? REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '10000',
    RATE_LIMIT_BURST: '1000',
    WEB_CHAT_IP_PER_MINUTE: '100000',
    WEB_CHAT_SESSIONS_PER_IP_PER_HOUR: '100000',
    WEB_SESSION_SECRET: 'w'.repeat(40),
    PSEUDONYM_KEY: 'p'.repeat(32),
    ...opts.env,
  };
  const instances: Instance[] = [];
  const cluster: Cluster = {
    instances,
    databaseUrl,
    redisPrefix,
    env,
    async start(name, extra = {}) {
      const port = await freePort();
      const dataDir = await mkdtemp(join(tmpdir(), `dvc-${name}-`));
      dirs.push(dataDir);
      let out = '';
      const child = spawn(process.execPath, [js.main], {
        cwd: js.root,
        env: { PATH: process.env.PATH ?? '', ...env, ...extra, PORT: String(port), DATA_DIR: dataDir },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const instance: Instance = { name, port, url: `http://127.0.0.1:${port}`, child, output: () => out, exited };
      instances.push(instance);
      await waitReady(instance.url, child, 90_000, () => out);
      return instance;
    },
    async kill(i) {
      if (i.child.exitCode === null && i.child.pid) {
        try {
          process.kill(-i.child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await i.exited;
    },
    async close() {
      await Promise.all(instances.map((i) => cluster.kill(i)));
      await db?.drop().catch(() => undefined);
      await dropRedisKeys(opts.redisUrl ?? REDIS_URL, redisPrefix).catch(() => undefined);
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
      if (!opts.js) await js.dispose();
    },
  };
  return cluster;
}

/** A web-chat citizen over real HTTP, keeping the server-issued cookie; may talk to any instance. */
export function webCitizen() {
  let cookie = '';
  const keep = (res: Response) => {
    const set = res.headers.getSetCookie().find((c) => c.startsWith('dvc_chat='));
    if (set) cookie = set.split(';')[0]!;
  };
  return {
    async say(base: string, text: string) {
      const res = await fetch(`${base}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ text }) });
      keep(res);
      if (res.status !== 200) throw new Error(`chat answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { replies: { text: string; options?: { id: string; label: string }[] }[] }).replies;
    },
    async poll(base: string) {
      const res = await fetch(`${base}/api/chat/poll`, { headers: cookie ? { cookie } : {} });
      return ((await res.json()) as { replies: { text: string }[] }).replies;
    },
  };
}

const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const cookieFrom = (res: Response, name: string) => res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`))?.split(';')[0];

/** A staff member signed in on one instance (the sign-in is shared: it works on every instance). */
export async function signIn(base: string, username = ADMIN.username, password = ADMIN.password) {
  const form = await fetch(`${base}/admin/login`);
  const loginCookie = cookieFrom(form, 'dvc_login')!;
  const res = await fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfIn(await form.text()), username, password, next: '/admin' }).toString(),
  });
  const cookie = cookieFrom(res, 'dvc_admin');
  if (!cookie) throw new Error(`sign-in failed (${res.status})`);
  const home = await fetch(`${base}/admin`, { headers: { cookie } });
  const csrf = csrfIn(await home.text());
  return {
    cookie,
    get: (b: string, path: string) => fetch(`${b}${path}`, { headers: { cookie } }),
    post: (b: string, path: string, fields: Record<string, string>) =>
      fetch(`${b}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      }),
  };
}

/**
 * A TCP relay in front of a service (PostgreSQL, Redis): `cut()` drops every connection and
 * refuses new ones, as if the service went away; `restore()` lets them through again.
 */
export async function startRelay(target: { host: string; port: number }): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const port = await freePort();
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = createConnection(target);
        sockets.add(client).add(upstream);
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const cut = async () => {
    const closed = new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
    for (const s of sockets) s.destroy();
    sockets.clear();
    await closed;
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}
