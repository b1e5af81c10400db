import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeZalo {
  base: string;
  token: string;
  sent: { method: string; body: Record<string, unknown> }[];
  /** Updates handed out by getUpdates, one per call. */
  queue: unknown[];
  /** Errors to return for the next calls of a method (e.g. {sendMessage: [429]}). */
  failNext: Record<string, number[]>;
  webhook: { url: string; secret: string } | null;
  close(): Promise<void>;
  /** Delays (ms) before answering the next calls of a method, to simulate a stalled API. */
  stallNext: Record<string, number[]>;
  /** Called for every recorded call (benchmarks measure delivery latency with it). */
  onCall?: (method: string, body: Record<string, unknown>) => void;
  /** Skip keeping calls in memory (long benchmarks). */
  record?: boolean;
}

/**
 * A fake Zalo Bot API on loopback (ZALO.md, last section): unknown token → 401, unknown
 * method → 400, text outside 1–2000 → 400, records every call, getUpdates holds then 408,
 * refuses getUpdates while a webhook is set, and injects errors on demand.
 */
export async function startFakeZalo(token = 'zalo-test-token-123456'): Promise<FakeZalo> {
  const fake: FakeZalo = { base: '', token, sent: [], queue: [], failNext: {}, stallNext: {}, webhook: null, close: async () => undefined };
  const methods = new Set(['getMe', 'getUpdates', 'setWebhook', 'deleteWebhook', 'getWebhookInfo', 'sendMessage', 'sendPhoto', 'sendSticker', 'sendChatAction']);
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      let stall = 0;
      const reply = (status: number, body: unknown) => {
        const send = () => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (stall) setTimeout(send, stall);
        else send();
      };
      const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
      if (!m || m[1] !== token) return reply(401, { ok: false, error_code: 401, description: 'Unauthorized' });
      const method = m[2]!;
      stall = fake.stallNext[method]?.shift() ?? 0;
      if (!methods.has(method)) return reply(400, { ok: false, error_code: 400, description: 'Unknown method' });
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      const fail = fake.failNext[method]?.shift();
      if (fail) return reply(fail === 429 ? 429 : 200, { ok: false, error_code: fail, description: 'injected' });
      if (fake.record !== false) fake.sent.push({ method, body });
      fake.onCall?.(method, body);
      switch (method) {
        case 'getMe':
          return reply(200, { ok: true, result: { id: 'bot1', account_name: 'dvc_bot', account_type: 'BASIC', can_join_groups: false } });
        case 'setWebhook':
          fake.webhook = { url: String(body.url), secret: String(body.secret_token) };
          return reply(200, { ok: true, result: { url: body.url, updated_at: Date.now() } });
        case 'deleteWebhook':
          fake.webhook = null;
          return reply(200, { ok: true, result: { url: '', updated_at: Date.now() } });
        case 'getWebhookInfo':
          return reply(200, { ok: true, result: { url: fake.webhook?.url ?? '', updated_at: Date.now() } });
        case 'getUpdates': {
          if (fake.webhook) return reply(200, { ok: false, error_code: 400, description: 'webhook is set' });
          const next = fake.queue.shift();
          if (next) return reply(200, { ok: true, result: next });
          // Hold briefly, then an empty poll.
          setTimeout(() => reply(200, { ok: false, error_code: 408, description: 'Request timeout' }), 50);
          return;
        }
        case 'sendMessage': {
          const text = String(body.text ?? '');
          if (text.length < 1 || text.length > 2000) return reply(400, { ok: false, error_code: 400, description: 'text must be 1-2000 characters' });
          return reply(200, { ok: true, result: { message_id: `m${fake.sent.length}`, date: Date.now() } });
        }
        default:
          return reply(200, { ok: true, result: { message_id: `m${fake.sent.length}`, date: Date.now() } });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return fake;
}
