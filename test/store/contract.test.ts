import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryStores, openLowdbStores } from '../../src/store/index.js';
import { runStoreContract } from './contract.js';

runStoreContract('memory', async () => {
  const stores = await createMemoryStores();
  return { stores, close: () => stores.close() };
});

runStoreContract('lowdb', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvc-contract-'));
  const stores = await openLowdbStores(dir, { sessionBatchMs: 5 });
  return {
    stores,
    async close() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('lowdb logins', () => {
  it('keep admin sign-ins across a restart, storing only a hash of each cookie token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvc-logins-'));
    try {
      const a = await openLowdbStores(dir);
      await a.logins.create({ token: 'cookie-token-value', user: 'lan', role: 'admin', csrf: 'csrf-1', expires: 5000 });
      await a.close();
      expect(readFileSync(join(dir, 'logins.json'), 'utf8')).not.toContain('cookie-token-value');
      const b = await openLowdbStores(dir);
      expect(await b.logins.get('cookie-token-value', 1000)).toEqual({ token: 'cookie-token-value', user: 'lan', role: 'admin', csrf: 'csrf-1', expires: 5000 });
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
