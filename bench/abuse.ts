import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAssistant } from '../src/assistant.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/log.js';
import { openLowdbStores } from '../src/store/index.js';

const SECONDS = 5;
const CITIZENS = 20;
const MESSAGES = ['xin chào', '1', 'lam lai cccd', 'menu', 'dang ky khai sinh', '2', 'quay lại', 'tra cứu hồ sơ'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * Per-citizen rate limit under a flood, over real HTTP (web chat API, lowdb sessions, default
 * limits): 20 ordinary citizens send one message every 500 ms for 5 s; their latency p99 is
 * measured alone, next to one citizen sending 50 messages/s, and next to one sending 500/s.
 */
export async function benchAbuse(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'dvc-abuse-'));
  const stores = await openLowdbStores(dir);
  const config = testConfig();
  const log = createLogger('silent');
  const assistant = await createAssistant({ config, log, stores, now: () => Date.now(), events: { emit: () => undefined } });
  const app = await buildApp({ config, log, channels: assistant.channels, storesReady: () => true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const post = (sid: string, text: string) =>
    new Promise<{ ms: number; body: string }>((resolve, reject) => {
      const t0 = performance.now();
      const req = request({ host: '127.0.0.1', port, path: '/api/chat', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ ms: performance.now() - t0, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ sid, text }));
    });

  const phase = async (label: string, floodPerSecond: number) => {
    const latencies: number[] = [];
    const jobs: Promise<unknown>[] = [];
    let slowDowns = 0;
    let floodAnswered = 0;
    const start = performance.now();
    for (let c = 0; c < CITIZENS; c++) {
      jobs.push(
        (async () => {
          for (let i = 0; i < SECONDS * 2; i++) {
            const due = start + i * 500 + c * 25;
            await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
            latencies.push((await post(`${label}-citizen-${c}`, MESSAGES[i % MESSAGES.length]!)).ms);
          }
        })(),
      );
    }
    if (floodPerSecond) {
      jobs.push(
        (async () => {
          const sends: Promise<void>[] = [];
          for (let i = 0; i < SECONDS * floodPerSecond; i++) {
            const due = start + (i * 1000) / floodPerSecond;
            await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
            sends.push(
              post(`${label}-flooder`, `tin nhắn ${i}`).then(({ body }) => {
                if (body.includes('quá nhanh')) slowDowns++;
                if (body.includes('"text"')) floodAnswered++;
              }),
            );
          }
          await Promise.all(sends);
        })(),
      );
    }
    await Promise.all(jobs);
    latencies.sort((a, b) => a - b);
    return { p99: percentile(latencies, 99), slowDowns, floodAnswered };
  };

  await phase('warmup', 0);
  const base = await phase('base', 0);
  const f50 = await phase('f50', 50);
  const f500 = await phase('f500', 500);
  agent.destroy();
  await app.close();
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    'abuse.others_p99_ms': base.p99,
    'abuse.flood50_others_p99_ms': f50.p99,
    'abuse.flood50_slowdowns': f50.slowDowns,
    'abuse.flood50_answered': f50.floodAnswered,
    'abuse.flood500_others_p99_ms': f500.p99,
    'abuse.flood500_slowdowns': f500.slowDowns,
    'abuse.flood500_answered': f500.floodAnswered,
  };
}
