import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openLoop, webhookPoster } from './load.js';
import type { AddressInfo } from 'node:net';
import { createAssistant } from '../src/assistant.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/log.js';
import { openLowdbStores } from '../src/store/index.js';
import { startFakeTelegram } from '../test/fakes/telegram.js';
import { startFakeZalo } from '../test/fakes/zalo.js';

const RATE = 1000;
const SECONDS = 10;
const CHATS = 1000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * Loopback load of real webhook deliveries at a fixed 1,000 messages/s from 1,000 chats for
 * 10 s per channel, through the real router and lowdb sessions, replies going to fake Bot API
 * servers. Latency = POST sent → reply received by the fake API.
 */
export async function benchWebhook(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of (process.env.BENCH_CHANNELS?.split(',') ?? ['telegram', 'zalo']) as ('telegram' | 'zalo')[]) {
    const tg = await startFakeTelegram();
    const za = await startFakeZalo();
    tg.record = false;
    za.record = false;
    const dir = mkdtempSync(join(tmpdir(), 'dvc-webhook-'));
    const stores = await openLowdbStores(dir);
    const config = testConfig({
      PUBLIC_URL: 'https://bot.example.gov.vn',
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_WEBHOOK_SECRET: 'bench-secret-123',
      ZALO_BOT_TOKEN: za.token,
      ZALO_API_BASE: za.base,
      ZALO_WEBHOOK_SECRET: 'bench-secret-123',
      RATE_LIMIT_PER_MINUTE: '600',
      RATE_LIMIT_BURST: '20',
    });
    const log = createLogger('silent');
    const assistant = await createAssistant({ config, log, stores, now: () => Date.now(), events: { emit: () => undefined } });
    const app = await buildApp({ config, log, channels: assistant.channels, storesReady: () => true });
    for (const c of assistant.channels) await c.start();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;

    const pending = new Map<string, number[]>();
    const latencies: number[] = [];
    let delivered = 0;
    const onSend = (method: string, body: Record<string, unknown>) => {
      if (method !== 'sendMessage') return;
      const q = pending.get(String(body.chat_id));
      const t = q?.shift();
      if (t !== undefined) {
        latencies.push(performance.now() - t);
        delivered++;
      }
    };
    tg.onCall = onSend;
    za.onCall = onSend;

    const path = name === 'telegram' ? '/telegram/webhook' : '/zalo/webhook';
    const header = name === 'telegram' ? 'x-telegram-bot-api-secret-token' : 'x-bot-api-secret-token';
    const poster = webhookPoster(port, path, () => ({ [header]: 'bench-secret-123' }));

    const total = RATE * SECONDS;
    const start = await openLoop(total, RATE, (i) => {
      const chat = 100_000 + (i % CHATS);
      const text = 'menu';
      const body =
        name === 'telegram'
          ? JSON.stringify({ update_id: i + 1, message: { message_id: i + 1, date: 1, chat: { id: chat, type: 'private', first_name: 'A' }, from: { id: chat, is_bot: false, first_name: 'A' }, text } })
          : JSON.stringify({ event_name: 'message.text.received', message: { from: { id: String(chat) }, chat: { id: String(chat), chat_type: 'PRIVATE' }, text, message_id: `z${i}`, date: Date.now() } });
      const q = pending.get(String(chat)) ?? [];
      q.push(performance.now());
      pending.set(String(chat), q);
      return poster.post(body);
    });
    const end = Date.now() + 10_000;
    while (delivered < total && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    out[`webhook.${name}.msgs_per_s`] = delivered / elapsed;
    out[`webhook.${name}.p99_ms`] = percentile(latencies, 99);
    out[`webhook.${name}.delivered_once`] = delivered === total ? 1 : 0;
    poster.close();
    for (const c of assistant.channels) await c.stop(Date.now() + 2000);
    await app.close();
    await stores.close();
    await tg.close();
    await za.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** Menu, flow steps and small talk: what most webhook messages are. */
const STEP_TEXTS = ['/start', 'menu', 'xin chào', '1', '2', '3', 'quay lại', 'cảm ơn', 'hi', 'help', 'ok', 'không', 'có', 'tra cứu hồ sơ', '000.00.01.H29-260310-0420'];
/** Searches (with and without diacritics, short forms, English): each chat sends one in ten. */
const SEARCH_TEXTS = [
  'làm lại căn cước', 'lam lai cccd', 'đăng ký khai sinh', 'dang ky kết hôn', 'cấp đổi giấy phép lái xe', 'gplx bị mất',
  'nộp phạt vi phạm giao thông', 'đăng ký thường trú', 'tạm trú cho người thuê trọ', 'xin giấy xác nhận tình trạng hôn nhân',
  'đăng ký kinh doanh hộ cá thể', 'thành lập công ty tnhh', 'cap ho chieu', 'hộ chiếu cho con', 'chứng thực bản sao', 'lý lịch tư pháp',
  'trợ cấp thất nghiệp', 'bảo hiểm y tế cho trẻ em', 'đăng ký xe máy', 'sang tên xe', 'cấp sổ đỏ', 'xin giấy phép xây dựng nhà ở', 'khai tử',
  'nhận con nuôi', 'đổi tên cho con', 'vneid mức 2', 'lệ phí làm hộ chiếu bao nhiêu', 'I need a birth certificate', 'how to renew passport',
  'nói chuyện với cán bộ',
];

/** BENCH_MIX=menu sends only "menu" (as benchWebhook does); the default mixes steps with one search in ten. */
function startText(i: number, chat: number): string {
  const turn = Math.floor(i / CHATS);
  if (process.env.BENCH_MIX === 'menu') return 'menu';
  // Each chat starts at its own offset: every text is in use from the first seconds.
  if ((turn + chat) % 10 === 9) return SEARCH_TEXTS[(turn + chat * 7) % SEARCH_TEXTS.length]!;
  return STEP_TEXTS[(turn + chat * 3) % STEP_TEXTS.length]!;
}

/**
 * The first minute of a fresh embedded server (createServer over lowdb + SQLite, as `npm start`
 * runs it): webhook deliveries start the moment it listens, at BENCH_RATE (600) messages/s from
 * 1,000 chats for BENCH_SECONDS (60), mixing menu, flow steps and searches (see startText). Latency = POST sent
 * → first sendMessage for that chat at the fake Bot API. Reports p99 overall, over the first
 * 10 s and per 10 s window, so work left for the first requests shows up.
 */
export async function benchWebhookStart(): Promise<Record<string, number>> {
  const rate = Number(process.env.BENCH_RATE ?? 600);
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  const secret = 'bench-secret-123';
  const { createServer } = await import('../src/server.js');
  // Every chat's texts for the whole run, computed here so both threads agree.
  const turns = Math.ceil((rate * seconds) / CHATS) + 1;
  const texts = Array.from({ length: CHATS }, (_, c) => Array.from({ length: turns }, (_, t) => startText(t * CHATS + c, 200_000 + c)));
  // The load generator and the fake Bot API run in a worker thread: the server's event loop is its own.
  const worker = new Worker(new URL('./webhook-load.mjs', import.meta.url), { workerData: { rate, seconds, chats: CHATS, secret, texts } });
  const fromWorker = <T>() => new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const { apiRoot, token } = await fromWorker<{ apiRoot: string; token: string }>();
  const dir = mkdtempSync(join(tmpdir(), 'dvc-webhook-start-'));
  // Seeding a fresh DATA_DIR is a first start; later starts are the common case: seed, then restart.
  const seedStores = await openLowdbStores(dir);
  const config = testConfig({
    DATA_DIR: dir,
    PUBLIC_URL: 'https://bot.example.gov.vn',
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_API_ROOT: apiRoot,
    TELEGRAM_WEBHOOK_SECRET: secret,
    RATE_LIMIT_PER_MINUTE: '600',
    RATE_LIMIT_BURST: '20',
  });
  const log = createLogger('silent');
  const seeded = await createServer({ config, log, stores: seedStores, now: () => Date.now() });
  await seeded.app.close();
  await seedStores.close();

  const t0 = performance.now();
  const stores = await openLowdbStores(dir);
  const server = await createServer({ config, log, stores, now: () => Date.now() });
  for (const c of server.assistant.channels) await c.start();
  await server.assistant.warmUp();
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const startMs = performance.now() - t0;
  const port = (server.app.server.address() as AddressInfo).port;

  const cpuAtStart = process.cpuUsage();
  const result = fromWorker<{ samples: { at: number; ms: number }[]; total: number; elapsedS: number }>();
  worker.postMessage({ port });
  const { samples, total, elapsedS } = await result;
  // CPU of the server thread only (process.cpuUsage counts every thread: the worker's share is estimated out by
  // the main thread's event-loop utilisation instead).
  const cpu = process.cpuUsage(cpuAtStart);
  await worker.terminate();

  const p99 = (from: number, to: number) =>
    percentile(
      samples.filter((s) => s.at >= from * 1000 && s.at < to * 1000).map((s) => s.ms).sort((a, b) => a - b),
      99,
    );
  const out: Record<string, number> = {
    'webhook_start.start_ms': startMs,
    'webhook_start.msgs_per_s': samples.length / elapsedS,
    'webhook_start.answered': samples.length / total,
    'webhook_start.p99_ms': p99(0, Infinity),
    'webhook_start.p99_first_10s_ms': p99(0, 10),
    'webhook_start.p99_first_minute_ms': p99(0, 60),
    'webhook_start.max_ms': Math.max(0, ...samples.map((s) => s.ms)),
    // Both threads (server and load generator), per answered message.
    'webhook_start.cpu_ms_per_msg': (cpu.user + cpu.system) / 1000 / Math.max(1, samples.length),
  };
  for (let w = 0; w < Math.min(seconds, 5); w++) out[`webhook_start.p99_${w}-${w + 1}s_ms`] = p99(w, w + 1);
  for (let w = 0; w < Math.min(seconds, 60); w += 10) out[`webhook_start.p99_${w}-${w + 10}s_ms`] = p99(w, w + 10);
  for (const c of server.assistant.channels) await c.stop(Date.now() + 2000);
  await server.app.close();
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
  return out;
}
