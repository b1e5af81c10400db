import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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
      // Sign-ins live in state.sqlite (and its WAL); no file under DATA_DIR holds the token itself.
      for (const f of readdirSync(dir).filter((n) => !statSync(join(dir, n)).isDirectory())) expect(readFileSync(join(dir, f), 'latin1'), f).not.toContain('cookie-token-value');
      expect(readdirSync(dir)).toContain('state.sqlite');
      const b = await openLowdbStores(dir);
      expect(await b.logins.get('cookie-token-value', 1000)).toEqual({ token: 'cookie-token-value', user: 'lan', role: 'admin', csrf: 'csrf-1', expires: 5000 });
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
