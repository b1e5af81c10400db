import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createStatsAggregator, vnDayRange } from '../../src/stats/aggregate.js';
import type { AppEvent } from '../../src/stats/event.js';
import { createPgEventLog, createPgPool, loadMigrations, migrate, openPgStores, pgEventSource, pingPool, PgStoreError, type PgStores, type StoreChange } from '../../src/store/pg/index.js';
import { VersionConflictError, type HandoffChange } from '../../src/store/types.js';
import { runStoreContract } from './contract.js';

/** Real PostgreSQL (see COMMON setup); every test works in its own random schema and drops it. */
const URL = 'postgres://postgres@127.0.0.1:5432/test';

const admin = new pg.Pool({ connectionString: URL, max: 2 });
const schemas: string[] = [];
const opened: PgStores[] = [];
const newSchema = () => {
  const s = `t_${randomBytes(6).toString('hex')}`;
  schemas.push(s);
  return s;
};
const open = async (schema: string, opts: Parameters<typeof openPgStores>[1] = {}) => {
  const s = await openPgStores(URL, { schema, poolMax: 4, ...opts });
  opened.push(s);
  return s;
};
const dropSchema = (schema: string) => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const s of schemas.splice(0)) await dropSchema(s);
});
afterAll(async () => {
  await admin.end();
});

/** Resolves when `check` holds, polling every 10 ms; fails after `ms`. */
async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

runStoreContract('postgres', async () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const stores = await openPgStores(URL, { schema, poolMax: 4 });
  return {
    stores,
    async close() {
      await stores.close();
      await dropSchema(schema);
    },
  };
});

describe('PostgreSQL stores', () => {
  it('migrates once when three instances start together on one schema', async () => {
    const schema = newSchema();
    const three = await Promise.all([open(schema), open(schema), open(schema)]);
    const migrations = await loadMigrations();
    const { rows } = await admin.query<{ version: number; name: string }>(`SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`);
    expect(rows).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
    // Nothing left for a later start; all three work on the same tables.
    const client = await three[0]!.pool.connect();
    try {
      expect(await migrate(client, schema)).toEqual([]);
    } finally {
      client.release(true);
    }
    await three[0]!.settings.set('k', 'one');
    expect(await three[2]!.settings.get('k')).toBe('one');
    expect(await three[1]!.catalogue.revision()).toBe(0);
  });

  it('gives one winner when two instances publish the same flow against the same version, and numbers versions without gaps', async () => {
    const schema = newSchema();
    const a = await open(schema);
    const b = await open(schema);
    await a.flows.publish('register-vneid', 'v1', 'lan', 1);
    for (let round = 0; round < 5; round++) {
      const expected = 1 + round;
      const raced = await Promise.allSettled([
        a.flows.publish('register-vneid', `a${round}`, 'lan', 10 + round, { expectedCurrent: expected }),
        b.flows.publish('register-vneid', `b${round}`, 'binh', 10 + round, { expectedCurrent: expected }),
      ]);
      expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = raced.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(VersionConflictError);
      expect(lost.reason).toMatchObject({ expected, actual: expected + 1 });
    }
    // Unconditional publishes from both instances at once: distinct numbers, none lost.
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).flows.publish('register-vneid', `free${i}`, 'an', 100 + i)));
    const flow = (await b.flows.get('register-vneid'))!;
    expect(flow.versions.map((v) => v.version)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(flow.current).toBe(12);
  });

  it('delivers a handoff change made by another instance to watchers here within a second, once', async () => {
    const schema = newSchema();
    const here = await open(schema);
    const there = await open(schema);
    const seen: HandoffChange[] = [];
    here.handoffs.watch((c) => seen.push(c));
    const h = await there.handoffs.open({ sessionKey: 'zalo:1', channel: 'zalo', chatId: '1', user: 'p1', summary: 'Cần hỗ trợ', reason: 'human', createdAt: 1, transcript: [] });
    const started = Date.now();
    await until(() => seen.length === 1, 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(seen).toEqual([{ kind: 'opened', id: h.id, waiting: 1 }]);
    // A change made here is heard here once (right after its commit), not again when its note comes back.
    await here.handoffs.claim(h.id, 'lan', 2);
    expect(seen.map((c) => c.kind)).toEqual(['opened', 'claimed']);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([
      { kind: 'opened', id: h.id, waiting: 1 },
      { kind: 'claimed', id: h.id, waiting: 0 },
    ]);
  });

  it('keeps delivering handoff changes after its LISTEN connection is cut, and survives its pool connections being killed', async () => {
    const schema = newSchema();
    // A real pino logger, captured: the lines must say what happened and never carry the URL or its password.
    const lines: string[] = [];
    const log = createLogger('info', { write: (line: string) => void lines.push(line) });
    const warnings = { some: (f: (w: string) => boolean) => lines.some(f) };
    // Its own connection name: other test files running at the same time keep theirs.
    const name = `dvc-test-${schema}`;
    const pids = async () => new Set((await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [name])).rows.map((r) => r.pid));
    // Trust auth ignores the password: it is here to prove it never reaches a log line.
    const here = await openPgStores(URL.replace('postgres@', 'postgres:s3cret-pw@'), { schema, poolMax: 4, log, applicationName: name });
    opened.push(here);
    await here.ping(); // at least one idle pooled connection besides the LISTEN one
    const mine = [...(await pids())];
    expect(mine.length).toBeGreaterThanOrEqual(2);
    const there = await open(schema);
    const seen: HandoffChange[] = [];
    here.handoffs.watch((c) => seen.push(c));
    // Kill every connection of `here` (its pool and its LISTEN client), as a server restart would.
    await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [mine]);
    await until(() => warnings.some((w) => w.includes('LISTEN connection lost')), 2000);
    expect(await here.ping()).toBe(true);
    // The reconnected listener hears the other instance again (retry after a 250 ms backoff).
    const deadline = Date.now() + 3000;
    let h;
    while (!seen.length && Date.now() < deadline) {
      h = await there.handoffs.open({ sessionKey: `web:${Date.now()}`, channel: 'web', chatId: 'x', user: 'p', summary: 's', reason: 'r', createdAt: 1, transcript: [] });
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen.at(-1)).toMatchObject({ kind: 'opened', id: h!.id });
    const logged = lines.join('');
    expect(logged).toContain('LISTEN connection lost');
    expect(logged).not.toContain('s3cret-pw');
    expect(logged).not.toContain('postgres://');
  });

  it('tells every instance about catalogue, flow and user changes', async () => {
    const schema = newSchema();
    const heard: StoreChange[] = [];
    const here = await open(schema, { onChange: (c) => heard.push(c) });
    const there = await open(schema);
    await there.flows.publish('pay-fees', 'v1', 'lan', 1);
    await there.catalogue.setAliases({ aliases: [{ from: 'gplx', to: 'giấy phép lái xe' }], english: [] });
    await here.users.put({ name: 'lan', role: 'staff', passwordHash: 'scrypt$x', createdAt: 1, disabled: false });
    await until(() => heard.length === 3, 1000);
    expect(heard).toEqual([
      { store: 'flows', id: 'pay-fees', local: false },
      { store: 'catalogue', local: false },
      { store: 'users', name: 'lan', local: true },
    ]);
    expect(await here.catalogue.revision()).toBe(1);
  });

  it('keeps the key order of stored documents (a summary lists session vars in the order they were collected)', async () => {
    const s = await open(newSchema());
    const session = { ...(await import('../../src/core/session.js')).newSession(1), vars: { zFullName: 'Nguyễn Văn A', aPhone: '09xx', mDob: '1990' } };
    await s.sessions.set('web:k', session);
    expect(Object.keys((await s.sessions.get('web:k'))!.vars)).toEqual(['zFullName', 'aPhone', 'mDob']);
  });

  it('keeps the last lines of each conversation transcript, across concurrent appends', async () => {
    const s = await open(newSchema());
    await Promise.all(Array.from({ length: 30 }, (_, i) => s.transcripts.append('web:t', [{ from: 'citizen', text: `m${i}`, at: 100 + i }])));
    const lines = await s.transcripts.of('web:t');
    expect(lines).toHaveLength(20);
    expect(new Set(lines.map((l) => l.text)).size).toBe(20);
    await s.transcripts.append('web:u', [{ from: 'bot', text: 'Anh/chị chọn:', at: 5, options: [{ id: '1', label: 'Đăng ký' }] }]);
    expect(await s.transcripts.of('web:u')).toEqual([{ from: 'bot', text: 'Anh/chị chọn:', at: 5, options: [{ id: '1', label: 'Đăng ký' }] }]);
    expect(await s.transcripts.evict(50)).toBe(1);
    expect(await s.transcripts.of('web:u')).toEqual([]);
    expect(await s.transcripts.of('nobody')).toEqual([]);
  });

  it('round-trips events through the event table into the dashboard figures, and prunes old days', async () => {
    const s = await open(newSchema());
    const now = Date.parse('2026-03-10T05:00:00Z');
    const log = createPgEventLog(s.pool, { key: 'k', now: () => now });
    const ev = (type: AppEvent['type'], user: string, extra: Partial<AppEvent> = {}): AppEvent => ({ type, at: now, channel: 'zalo', user, ...extra });
    log.emit(ev('message_in', 'u1'));
    log.emit(ev('message_in', 'u2'));
    log.emit(ev('message_in', 'u1', { channel: 'web' }));
    log.emit(ev('search', 'u1', { text: 'làm lại CCCD 012345678901' }));
    log.emit(ev('message_in', 'old', { at: now - 40 * 86_400_000 }));
    await log.flush();

    const stored = await s.pool.query<{ data: AppEvent }>(`SELECT data FROM events WHERE type = 'search'`);
    expect(stored.rows[0]!.data.user).not.toBe('u1');
    expect(stored.rows[0]!.data.text).not.toContain('012345678901');

    const agg = createStatsAggregator(pgEventSource(s.pool));
    await agg.refresh();
    const today = vnDayRange('2026-03-10', '2026-03-10');
    expect(agg.query(today).messagesPerDay).toEqual([
      { day: '2026-03-10', channel: 'web', count: 1 },
      { day: '2026-03-10', channel: 'zalo', count: 2 },
    ]);
    expect(agg.query(today).uniqueCitizens).toBe(2);
    const everything = { from: now - 60 * 86_400_000, to: now };
    expect(agg.query(everything).uniqueCitizens).toBe(3);

    // Only what arrived since the last refresh is read; nothing is counted twice.
    log.emit(ev('message_in', 'u3'));
    await log.close();
    await agg.refresh();
    await agg.refresh();
    expect(agg.query(today).uniqueCitizens).toBe(3);

    // Pruning drops the old day's rows, and the aggregator forgets that day.
    expect(await log.prune(30)).toBe(1);
    await agg.refresh();
    expect(agg.query(everything).uniqueCitizens).toBe(3);
    expect(agg.query(everything).messagesPerDay.map((d) => d.day)).toEqual(['2026-03-10', '2026-03-10']);
  });

  it('reports PostgreSQL unreachable quickly: ping is false and opening fails with the host, never the password', async () => {
    const down = 'postgres://postgres:s3cret-pw@127.0.0.1:1/test';
    const pool = createPgPool(down, { log: { warn: () => undefined } });
    try {
      const started = Date.now();
      expect(await pingPool(pool)).toBe(false);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await pool.end();
    }
    const started = Date.now();
    const err = await openPgStores(down, { schema: newSchema() }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err).toBeInstanceOf(PgStoreError);
    expect((err as Error).message).toContain('127.0.0.1:1/test');
    expect((err as Error).message).not.toContain('s3cret-pw');
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(openPgStores(URL, { schema: 'x; DROP TABLE users' })).rejects.toThrow(PgStoreError);
  });
});
