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

    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const path = name === 'telegram' ? '/telegram/webhook' : '/zalo/webhook';
    const header = name === 'telegram' ? 'x-telegram-bot-api-secret-token' : 'x-bot-api-secret-token';
    const post = (body: string) =>
      new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', [header]: 'bench-secret-123', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', () => resolve());
        req.end(body);
      });

    const total = RATE * SECONDS;
    const start = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const chat = 100_000 + (i % CHATS);
      const text = 'menu';
      const body =
        name === 'telegram'
          ? JSON.stringify({ update_id: i + 1, message: { message_id: i + 1, date: 1, chat: { id: chat, type: 'private', first_name: 'A' }, from: { id: chat, is_bot: false, first_name: 'A' }, text } })
          : JSON.stringify({ event_name: 'message.text.received', message: { from: { id: String(chat) }, chat: { id: String(chat), chat_type: 'PRIVATE' }, text, message_id: `z${i}`, date: Date.now() } });
      const q = pending.get(String(chat)) ?? [];
      q.push(performance.now());
      pending.set(String(chat), q);
      inflight.push(post(body));
    }
    await Promise.all(inflight);
    const end = Date.now() + 10_000;
    while (delivered < total && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    out[`webhook.${name}.msgs_per_s`] = delivered / elapsed;
    out[`webhook.${name}.p99_ms`] = percentile(latencies, 99);
    out[`webhook.${name}.delivered_once`] = delivered === total ? 1 : 0;
    agent.destroy();
    for (const c of assistant.channels) await c.stop(Date.now() + 2000);
    await app.close();
    await stores.close();
    await tg.close();
    await za.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
