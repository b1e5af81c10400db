import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addUser } from '../../src/accounts/index.js';
import { testConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createServer } from '../../src/server.js';
import { openLowdbStores } from '../../src/store/index.js';
import { ADMIN_PW, client, login } from './harness.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A server on lowdb stores in `dir`, as `npm start` runs it (closing it closes its stores). */
async function start(dir: string, clock: { now: number }) {
  const config = testConfig({ DATA_DIR: dir, SCRYPT_LOG_N: '12' });
  const stores = await openLowdbStores(join(dir, 'store'));
  if (!(await stores.users.get('an'))) await addUser(stores.users, 'an', 'admin', ADMIN_PW, clock.now, config.passwordHash);
  const server = await createServer({ config, log: createLogger('silent'), stores, now: () => clock.now });
  return {
    app: server.app,
    stores,
    async close() {
      await server.app.close();
      await stores.close();
    },
  };
}

describe('admin sign-ins kept in the store', () => {
  it('survive a restart: the cookie from before still opens the admin, and signing out there ends it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dvc-logins-'));
    dirs.push(dir);
    const clock = { now: Date.UTC(2026, 10, 24, 2, 0, 0) };
    const first = await start(dir, clock);
    const auth = await login(first.app, 'an', ADMIN_PW);
    expect(auth.cookie).not.toBe('');
    expect((await client(first.app, auth).get('/admin')).body).toContain('Xin chào an');
    await first.close();

    clock.now += 60_000;
    const second = await start(dir, clock);
    try {
      const again = client(second.app, auth);
      const home = await again.get('/admin');
      expect(home.statusCode).toBe(200);
      expect(home.body).toContain('Xin chào an');
      // The CSRF token of the session survived too: a form posted with it is accepted.
      expect((await again.post('/admin/logout', {})).statusCode).toBe(303);
      expect((await again.get('/admin')).statusCode).toBe(302);
    } finally {
      await second.close();
    }
  });

  it('expire after eight hours, restart or not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dvc-logins-'));
    dirs.push(dir);
    const clock = { now: Date.UTC(2026, 10, 24, 2, 0, 0) };
    const first = await start(dir, clock);
    const auth = await login(first.app, 'an', ADMIN_PW);
    await first.close();
    clock.now += 8 * 3_600_000 + 1;
    const second = await start(dir, clock);
    try {
      const res = await client(second.app, auth).get('/admin');
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toMatch(/^\/admin\/login/);
    } finally {
      await second.close();
    }
  });
});
