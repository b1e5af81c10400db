import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAssistant } from '../src/assistant.js';
import { testConfig } from '../src/config.js';
import { newSession } from '../src/core/session.js';
import { createLogger } from '../src/log.js';
import { openLowdbStores } from '../src/store/index.js';

/** A scripted mix of flows and free questions, as citizens would send them. */
const SCRIPTS = [
  ['xin chào', '1', '1', '2', '5', 'có'],
  ['lam lai cccd', '1', '1', '3', '4', 'không'],
  ['tra cứu hồ sơ', '@@', '000.00.01.H29-260310-0420', 'có'],
  ['thanh toán phí', '1', '5', 'có'],
  ['đăng ký khai sinh cho con', '1', '2', '1', 'menu'],
  ['doi bang lai', 'quay lại', 'hủy'],
  ['giá vàng hôm nay', 'menu', '6', '1', 'trợ lý tốt', '5', 'có'],
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function heap(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/** Router + engine throughput in-process, with sessions through the lowdb store; heap per idle session. */
export async function benchEngine(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'dvc-bench-'));
  const stores = await openLowdbStores(dir);
  try {
    const config = testConfig({ RATE_LIMIT_PER_MINUTE: '10000', RATE_LIMIT_BURST: '1000' });
    const assistant = await createAssistant({ config, log: createLogger('silent'), stores, now: () => Date.now(), events: { emit: () => undefined } });
    const citizens = 500;
    const times: number[] = [];
    // Warm-up.
    for (let c = 0; c < 20; c++) for (const text of SCRIPTS[c % SCRIPTS.length]!) await assistant.handle({ channel: 'web', chatId: `w${c}`, userId: `w${c}`, messageId: '0', kind: 'text', text, at: Date.now() });
    const start = performance.now();
    let n = 0;
    for (let round = 0; round < 2; round++) {
      for (let c = 0; c < citizens; c++) {
        for (const text of SCRIPTS[c % SCRIPTS.length]!) {
          const t = performance.now();
          await assistant.handle({ channel: 'web', chatId: `c${c}`, userId: `c${c}`, messageId: String(n), kind: 'text', text, at: Date.now() });
          times.push(performance.now() - t);
          n++;
        }
      }
    }
    const seconds = (performance.now() - start) / 1000;
    await stores.sessions.flush();
    times.sort((a, b) => a - b);

    // Idle sessions resident: a session back at the menu after a conversation.
    const idle = await openLowdbStores(join(dir, 'idle'));
    const before = heap();
    const N = 100_000;
    const now = Date.now();
    for (let i = 0; i < N; i++) await idle.sessions.set(`telegram:${100000000 + i}`, { ...newSession(now - i), lang: i % 7 === 0 ? 'en' : 'vi' });
    const bytes = (heap() - before) / N;
    await idle.close();
    return { 'engine.msgs_per_s': n / seconds, 'engine.p99_ms': percentile(times, 99), 'engine.p50_ms': percentile(times, 50), 'session.bytes': bytes };
  } finally {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
