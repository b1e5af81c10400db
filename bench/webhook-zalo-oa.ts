import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLoop, webhookPoster } from './load.js';
import type { AddressInfo } from 'node:net';
import { createAssistant } from '../src/assistant.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/log.js';
import { openLowdbStores } from '../src/store/index.js';
import { startFakeZaloOa } from '../test/fakes/zalo-oa.js';

const RATE = 1000;
const CHATS = 1000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * The Zalo OA channel under the same load as the Bot API channels in webhook.ts: signed webhook
 * deliveries at 1,000 messages/s from 1,000 citizens (ids beyond 2^53) for BENCH_OA_SECONDS (10),
 * through the real router and lowdb sessions, replies going to the fake OA Open API on loopback.
 * Latency = POST sent → first message/cs call for that citizen.
 */
export async function benchZaloOa(): Promise<Record<string, number>> {
  const seconds = Number(process.env.BENCH_OA_SECONDS ?? 10);
  const fake = await startFakeZaloOa();
  fake.record = false;
  const dir = mkdtempSync(join(tmpdir(), 'dvc-webhook-oa-'));
  const stores = await openLowdbStores(dir);
  const config = testConfig({
    PUBLIC_URL: 'https://bot.example.gov.vn',
    ZALO_OA_APP_ID: fake.appId,
    ZALO_OA_APP_SECRET: fake.appSecret,
    ZALO_OA_SECRET_KEY: fake.secretKey,
    ZALO_OA_REFRESH_TOKEN: fake.issueRefreshToken(),
    ZALO_OA_API_BASE: fake.base,
    ZALO_OA_OAUTH_BASE: fake.base,
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
  fake.onSend = (send) => {
    const t = pending.get(send.userId)?.shift();
    if (t !== undefined) {
      latencies.push(performance.now() - t);
      delivered++;
    }
  };

  const poster = webhookPoster(port, '/zalo-oa/webhook', (body) => ({ 'x-zevent-signature': fake.sign(body) }));

  const total = RATE * seconds;
  const start = await openLoop(total, RATE, (i) => {
    const user = String(8_100_000_000_000_000_000n + BigInt(i % CHATS));
    const body = `{"app_id":"${fake.appId}","user_id_by_app":"1","event_name":"user_send_text","timestamp":"${Date.now()}","sender":{"id":"${user}"},"recipient":{"id":"${fake.oaId}"},"message":{"msg_id":"${9_000_000_000_000_000_000n + BigInt(i)}","text":"menu"}}`;
    const q = pending.get(user) ?? [];
    q.push(performance.now());
    pending.set(user, q);
    return poster.post(body);
  });
  const end = Date.now() + 10_000;
  while (delivered < total && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const out = {
    'webhook.zalo_oa.msgs_per_s': delivered / elapsed,
    'webhook.zalo_oa.p99_ms': percentile(latencies, 99),
    'webhook.zalo_oa.delivered_once': delivered === total ? 1 : 0,
  };
  poster.close();
  for (const c of assistant.channels) await c.stop(Date.now() + 2000);
  await app.close();
  await stores.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  return out;
}
