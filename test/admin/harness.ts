import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { addUser } from '../../src/accounts/index.js';
import { testConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createServer, type Server } from '../../src/server.js';
import { createMemoryStores } from '../../src/store/index.js';
import type { Stores } from '../../src/store/types.js';
import type { Coordinator } from '../../src/coord/index.js';

export const ADMIN_PW = 'correct-horse-42';
export const STAFF_PW = 'staff-password-7';

/** A full server (assistant + admin + event log) on memory stores, a temp events dir and a settable clock. */
export async function startAdminServer(overrides: Record<string, string> = {}, extra: { coord?: Coordinator } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'dvc-admin-'));
  // Cheap scrypt so sign-ins stay fast; production uses OWASP's cost (SCRYPT_LOG_N=17).
  const config = testConfig({ DATA_DIR: dir, SCRYPT_LOG_N: '12', ...overrides });
  const clock = { now: Date.UTC(2026, 10, 24, 2, 0, 0) };
  const stores: Stores = await createMemoryStores();
  await addUser(stores.users, 'an', 'admin', ADMIN_PW, clock.now, config.passwordHash);
  await addUser(stores.users, 'binh', 'staff', STAFF_PW, clock.now, config.passwordHash);
  const server: Server = await createServer({ config, log: createLogger('silent'), stores, now: () => clock.now, ...extra });
  return {
    ...server,
    stores,
    clock,
    dir,
    async close() {
      await server.app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type AdminServer = Awaited<ReturnType<typeof startAdminServer>>;

const cookieOf = (setCookie: string | string[] | undefined, name: string): string | undefined => {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = list.find((x) => x.startsWith(`${name}=`));
  return c?.split(';')[0];
};

export const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** Signs in through the login form; returns the cookie header and the CSRF token of the session. */
export async function login(app: FastifyInstance, username: string, password: string, ip = '10.0.0.1') {
  const form = await app.inject({ method: 'GET', url: '/admin/login', remoteAddress: ip });
  const loginCookie = cookieOf(form.headers['set-cookie'], 'dvc_login')!;
  const res = await app.inject({
    method: 'POST',
    url: '/admin/login',
    remoteAddress: ip,
    headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrfIn(form.body), username, password, next: '/admin' }).toString(),
  });
  const session = cookieOf(res.headers['set-cookie'], 'dvc_admin');
  if (!session) return { res, cookie: '', csrf: '' };
  const home = await app.inject({ method: 'GET', url: '/admin', headers: { cookie: session } });
  return { res, cookie: session, csrf: csrfIn(home.body) };
}

/** A signed-in client: GET pages and POST forms with the session's CSRF token. */
export function client(app: FastifyInstance, auth: { cookie: string; csrf: string }) {
  return {
    get: (url: string) => app.inject({ method: 'GET', url, headers: { cookie: auth.cookie } }),
    post: (url: string, fields: Record<string, string | string[]>, opts: { csrf?: string | null } = {}) => {
      const body = new URLSearchParams();
      const token = opts.csrf === undefined ? auth.csrf : opts.csrf;
      if (token !== null) body.append('_csrf', token);
      for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
      return app.inject({ method: 'POST', url, headers: { cookie: auth.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
    },
  };
}

/**
 * Talks to the web chat as one citizen, keeping the session cookie the server issues. `label`
 * only names the citizen in the test; `id()` is the chat id the server gave (after the first message).
 */
export function citizen(app: FastifyInstance, _label: string, ip = '127.0.0.1') {
  let jar = '';
  const keep = (res: { headers: Record<string, unknown> }) => {
    const c = cookieOf(res.headers['set-cookie'] as string | string[] | undefined, 'dvc_chat');
    if (c) jar = c;
  };
  return {
    say: async (text: string) => {
      const res = await app.inject({ method: 'POST', url: '/api/chat', remoteAddress: ip, headers: jar ? { cookie: jar } : {}, payload: { text } });
      keep(res);
      return (res.json() as { replies: { text: string; options?: { label: string }[] }[] }).replies;
    },
    poll: async () => ((await app.inject({ method: 'GET', url: '/api/chat/poll', remoteAddress: ip, headers: jar ? { cookie: jar } : {} })).json() as { replies: { text: string }[] }).replies,
    /** The server-issued chat id (the signed cookie's value). */
    id: () => decodeURIComponent(jar.slice('dvc_chat='.length)).split('.')[0]!,
  };
}
