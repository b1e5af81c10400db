import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisCoordinator, type Coordinator } from '../../src/coord/index.js';
import { ADMIN_PW, login, startAdminServer, type AdminServer } from './harness.js';

/** Several instances behind a load balancer: wrong passwords counted on one lock the account on all (issue 15). */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function instance(prefix: string): Promise<AdminServer> {
  const coord: Coordinator = createRedisCoordinator('redis://127.0.0.1:6379', { prefix });
  const s = await startAdminServer({}, { coord });
  cleanups.push(() => coord.close(), () => s.close());
  return s;
}

describe('sign-in limits across instances', () => {
  it('locks an account on instance B after five wrong passwords sent to instance A', async () => {
    const prefix = `signin-${randomBytes(4).toString('hex')}:`;
    const a = await instance(prefix);
    const b = await instance(prefix);
    // Different addresses: only the account's count can lock it.
    for (let i = 0; i < 5; i++) expect((await login(a.app, 'an', `sai-mat-khau-${i}`, `10.0.1.${i + 1}`)).res.statusCode).toBe(401);
    const locked = await login(b.app, 'an', ADMIN_PW, '10.0.2.1');
    expect(locked.res.statusCode).toBe(429);
    expect(locked.res.body).toContain('thử lại sau');
    expect(locked.cookie).toBe('');
  });

  it('clears the shared count when the right password is given on another instance', async () => {
    const prefix = `signin-${randomBytes(4).toString('hex')}:`;
    const a = await instance(prefix);
    const b = await instance(prefix);
    for (let i = 0; i < 4; i++) expect((await login(a.app, 'an', `sai-${i}`, '10.0.3.1')).res.statusCode).toBe(401);
    // Four failures: not locked yet; a correct password on B succeeds and clears the shared count.
    expect((await login(b.app, 'an', ADMIN_PW, '10.0.3.2')).cookie).not.toBe('');
    for (let i = 0; i < 4; i++) expect((await login(b.app, 'an', `sai-lai-${i}`, '10.0.3.3')).res.statusCode).toBe(401);
    expect((await login(a.app, 'an', ADMIN_PW, '10.0.3.4')).cookie).not.toBe('');
  });
});
