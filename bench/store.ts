import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSession, type Session } from '../src/core/session.js';
import { fileDocs } from '../src/store/doc.js';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import { createStores } from '../src/store/stores.js';
import type { Handoff, HandoffStore, SessionStore } from '../src/store/types.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectRedis, untilReady } from '../src/coord/index.js';
import { openPgStores } from '../src/store/pg/index.js';
import { RedisSessionStore } from '../src/store/redis/index.js';

const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Turns per measurement, sent open-loop at a fixed rate so background stalls (whole-file writes) count. */
const TURNS = 1500;
/** Turns sent first and not measured (JIT warm-up, the SQLite checkpointer thread starting). */
const WARM_UP = 250;
const PER_SECOND = 500;
/** One stored citizen in a hundred has a handoff (open or kept for retention), six messages each. */
const HANDOFF_EVERY = 100;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Deterministic pseudo-random numbers (mulberry32), so both backends get the same turns. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const key = (i: number) => `telegram:${100000000 + i}`;

/** A DATA_DIR as the lowdb store keeps it: `n` sessions mid-flow and n/100 handoffs. */
function writeDataDir(dir: string, n: number, now: number): string[] {
  const sessions: Record<string, Session> = {};
  for (let i = 0; i < n; i++) {
    sessions[key(i)] = { ...newSession(now - i), flowId: 'register-vneid', flowVersion: 3, stepId: 'ask_phone', vars: { fullName: 'Nguyễn Văn A', cccd: '0010******45' }, history: ['intro', 'ask_name'] };
  }
  const handoffs: Handoff[] = [];
  for (let i = 0; i < n; i += HANDOFF_EVERY) {
    const at = now - i * 1000;
    handoffs.push({
      id: `h-${i}`,
      sessionKey: key(i),
      channel: 'telegram',
      chatId: String(100000000 + i),
      user: `p-${i}`,
      status: 'waiting',
      summary: 'Đăng ký tài khoản định danh điện tử mức 2: cần hỗ trợ',
      reason: 'human',
      createdAt: at,
      claimedBy: null,
      claimedAt: null,
      firstReplyAt: null,
      closedAt: null,
      transcript: Array.from({ length: 6 }, (_, j) => ({ from: j % 2 ? 'bot' : 'citizen', text: 'Tôi đã làm theo hướng dẫn nhưng ứng dụng báo lỗi, anh chị giúp với', at: at + j }) as const),
    });
  }
  writeFileSync(join(dir, 'sessions.json'), JSON.stringify({ version: 1, sessions }));
  writeFileSync(join(dir, 'handoffs.json'), JSON.stringify({ version: 1, handoffs }));
  return handoffs.map((h) => h.id);
}

/**
 * One chat turn as the router does it: read the citizen's session, save it back, and for one
 * turn in ten relay the message into that citizen's open handoff.
 */
async function turns(sessions: SessionStore, handoffs: HandoffStore, n: number, handoffIds: string[]): Promise<{ latency: number[]; service: number[] }> {
  const rnd = random(15);
  const plan = Array.from({ length: WARM_UP + TURNS }, () => ({ key: key(Math.floor(rnd() * n)), handoff: rnd() < 0.1 ? handoffIds[Math.floor(rnd() * handoffIds.length)] : undefined }));
  const latency: number[] = [];
  const service: number[] = [];
  const running: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < plan.length; i++) {
    const due = start + (i * 1000) / PER_SECOND;
    // A timer to within a millisecond of the due time, then yields until it: timers are whole milliseconds.
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, Math.floor(wait - 1)));
    while (performance.now() < due) await new Promise((r) => setImmediate(r));
    const { key: k, handoff } = plan[i]!;
    running.push(
      (async () => {
        const began = performance.now();
        const s = (await sessions.get(k)) ?? newSession(Date.now());
        await sessions.set(k, { ...s, retries: (s.retries + 1) % 3, updatedAt: Date.now() });
        if (handoff) await handoffs.append(handoff, { from: 'citizen', text: 'Em gửi ảnh chụp màn hình lỗi ạ', at: Date.now() });
        // Latency counts from when the message was due, so time queued behind a stall counts;
        // service time is the turn's own work, a figure the machine's other load disturbs less.
        const end = performance.now();
        if (i >= WARM_UP) {
          latency.push(end - due);
          service.push(end - began);
        }
      })(),
    );
  }
  await Promise.all(running);
  return { latency: latency.sort((a, b) => a - b), service: service.sort((a, b) => a - b) };
}

interface Figures {
  p50: number;
  p99: number;
  serviceP99: number;
  openMs: number;
}
const figures = (t: { latency: number[]; service: number[] }, openMs: number): Figures => ({
  p50: percentile(t.latency, 50),
  p99: percentile(t.latency, 99),
  serviceP99: percentile(t.service, 99),
  openMs,
});

async function measure(backend: 'embedded' | 'lowdb', n: number): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), `dvc-bench-store-${backend}-`));
  try {
    const ids = writeDataDir(dir, n, Date.now());
    const t = performance.now();
    if (backend === 'embedded') {
      // The first open imports the lowdb files (the migration an existing DATA_DIR goes through).
      const s = openSqliteStores(dir);
      const openMs = performance.now() - t;
      try {
        return figures(await turns(s.sessions, s.handoffs, n, ids), openMs);
      } finally {
        await s.close();
      }
    }
    // Today's store: sessions in one JSON file written in 1 s batches, handoffs rewritten and fsynced per message.
    const s = await createStores(fileDocs(dir, 1000));
    const openMs = performance.now() - t;
    try {
      return figures(await turns(s.sessions, s.handoffs, n, ids), openMs);
    } finally {
      await s.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same turns on the scale-out backends: sessions in Redis, handoffs in PostgreSQL (a fresh
 * database, dropped afterwards; a random Redis key prefix, deleted afterwards).
 */
export async function measurePgRedis(n: number): Promise<Figures> {
  const name = `dvc_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const prefix = `bench${randomBytes(3).toString('hex')}:`;
  const redis = connectRedis(REDIS_URL, { name: 'bench' });
  await untilReady(redis, 2000);
  const t = performance.now();
  const stores = await openPgStores(url.toString());
  const sessions = new RedisSessionStore(redis, { ttlMs: 3 * 86_400_000, prefix });
  try {
    const now = Date.now();
    for (let i = 0; i < n; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, n - i) }, (_, j) =>
          sessions.set(key(i + j), { ...newSession(now - i - j), flowId: 'register-vneid', flowVersion: 3, stepId: 'ask_phone', vars: { fullName: 'Nguyễn Văn A', cccd: '0010******45' }, history: ['intro', 'ask_name'] }),
        ),
      );
    }
    const ids: string[] = [];
    for (let i = 0; i < n; i += HANDOFF_EVERY) {
      const h = await stores.handoffs.open({ sessionKey: key(i), channel: 'telegram', chatId: String(100000000 + i), user: `p-${i}`, summary: 'Đăng ký tài khoản định danh điện tử mức 2: cần hỗ trợ', reason: 'human', createdAt: now - i * 1000, transcript: [] });
      ids.push(h.id);
    }
    const openMs = performance.now() - t;
    return figures(await turns(sessions, stores.handoffs, n, ids), openMs);
  } finally {
    await stores.close();
    for (let cursor = '0'; ; ) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    redis.disconnect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** Per-turn cost of the embedded SQLite store with 1,000 and 100,000 stored citizens, against today's lowdb files. */
export async function benchStore(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const backend of ['embedded', 'lowdb'] as const) {
    for (const [n, tag] of [
      [1_000, '1k'],
      [100_000, '100k'],
    ] as const) {
      const r = await measure(backend, n);
      out[`store.${backend}.turn_p99_ms_${tag}`] = r.p99;
      out[`store.${backend}.turn_p50_ms_${tag}`] = r.p50;
      out[`store.${backend}.turn_service_p99_ms_${tag}`] = r.serviceP99;
      out[`store.${backend}.open_ms_${tag}`] = r.openMs;
    }
  }
  // PostgreSQL + Redis: the same turns, with 1,000 and 100,000 stored citizens.
  for (const [n, tag] of [
    [1_000, '1k'],
    [100_000, '100k'],
  ] as const) {
    const r = await measurePgRedis(n);
    out[`store.pg_redis.turn_p50_ms_${tag}`] = r.p50;
    out[`store.pg_redis.turn_p99_ms_${tag}`] = r.p99;
    out[`store.pg_redis.turn_service_p99_ms_${tag}`] = r.serviceP99;
    if (tag === '1k') {
      out['store.pg_redis.turn_p50_ms'] = r.p50;
      out['store.pg_redis.turn_p99_ms'] = r.p99;
    }
  }
  out['store.embedded.turn_p99_ratio_100k_1k'] = out['store.embedded.turn_p99_ms_100k']! / out['store.embedded.turn_p99_ms_1k']!;
  out['store.lowdb.turn_p99_ratio_100k_1k'] = out['store.lowdb.turn_p99_ms_100k']! / out['store.lowdb.turn_p99_ms_1k']!;
  return out;
}
