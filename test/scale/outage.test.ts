import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, startCluster, startRelay, until, webCitizen, type Cluster, type Instance } from '../support/cluster.js';

/**
 * PostgreSQL or Redis going away: the instance says not-ready, answers citizens with a short
 * apology instead of hanging, and recovers by itself when the service returns (issue 15).
 * Each service is reached through a TCP relay the test can cut.
 */

type Relay = Awaited<ReturnType<typeof startRelay>>;
let pgRelay: Relay;
let redisRelay: Relay;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let cluster: Cluster;
let one: Instance;

/** Replies as one text, buttons included. */
const shown = (replies: { text: string; options?: { label: string }[] }[]) => replies.map((r) => [r.text, ...(r.options ?? []).map((o) => o.label)].join('\n')).join('\n');

const readyz = async () => {
  const res = await fetch(`${one.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; backends: Record<string, string> } };
};

beforeAll(async () => {
  db = await freshDatabase();
  pgRelay = await startRelay({ host: '127.0.0.1', port: 5432 });
  redisRelay = await startRelay({ host: '127.0.0.1', port: 6379 });
  const viaRelay = new URL(db.url);
  viaRelay.port = String(pgRelay.port);
  cluster = await startCluster({ databaseUrl: viaRelay.toString(), redisUrl: `redis://127.0.0.1:${redisRelay.port}` });
  one = await cluster.start('one');
}, 120_000);

afterAll(async () => {
  await cluster?.close();
  await Promise.all([pgRelay?.close(), redisRelay?.close()]);
  await db?.drop();
}, 60_000);

describe.each([
  ['Redis', () => redisRelay, 'redis'],
  ['PostgreSQL', () => pgRelay, 'postgres'],
] as const)('when %s goes away', (_name, relay, backend) => {
  it('says not-ready, apologises at once, and recovers by itself', async () => {
    const citizen = webCitizen();
    expect(shown(await citizen.say(one.url, 'lam lai cccd'))).toContain('căn cước');
    expect((await readyz()).status).toBe(200);

    await relay().cut();
    const down = await until('not-ready', readyz, (r) => r.status === 503, 5000);
    expect(down.body.backends[backend]).toBe('down');
    // A citizen is answered quickly with an apology, not left waiting.
    const t0 = Date.now();
    const res = await fetch(`${one.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'đổi bằng lái xe' }) });
    const body = (await res.json()) as { replies?: { text: string }[]; error?: string };
    expect(Date.now() - t0).toBeLessThan(3000);
    // The page shows `error` (503) or the replies (200): either way the apology.
    expect(body.error ?? shown(body.replies ?? [])).toMatch(/tạm gián đoạn/);

    await relay().restore();
    await until('ready again', readyz, (r) => r.status === 200, 15_000);
    const after = await until('a real answer again', () => citizen.say(one.url, 'lam lai cccd'), (r) => shown(r).includes('căn cước'), 10_000);
    expect(after.length).toBeGreaterThan(0);
    // One line when it went away and one when it came back: the log says what happened.
    expect(one.output()).toMatch(new RegExp(`"backend":"${backend}".*unavailable`));
    expect(one.output()).toMatch(new RegExp(`"backend":"${backend}".*available again`));
  }, 60_000);
});
