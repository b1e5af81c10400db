import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openBackends } from '../../src/backends.js';
import { testConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { runStoreContract } from './contract.js';

/**
 * The store contract on the scale-out layout exactly as the server opens it (`openBackends` with
 * DATABASE_URL and REDIS_URL): documents, handoffs and audit in PostgreSQL; sessions, sign-ins
 * and transcripts in Redis. Each run has its own schema and key prefix, removed afterwards.
 */
const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';

const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
const redis = new Redis(REDIS_URL);
afterAll(async () => {
  await admin.end();
  redis.disconnect();
});

async function dropKeys(prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

runStoreContract('postgres + redis (as openBackends wires them)', async () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const prefix = `contract-${randomBytes(4).toString('hex')}:`;
  const config = testConfig({ DATABASE_URL, REDIS_URL, REDIS_PREFIX: prefix });
  const backends = await openBackends(config, createLogger('silent'), { pgSchema: schema });
  return {
    stores: backends.stores,
    async close() {
      await backends.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await dropKeys(prefix);
    },
  };
});
