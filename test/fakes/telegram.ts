import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTelegram {
  apiRoot: string;
  token: string;
  calls: { method: string; body: Record<string, unknown> }[];
  /** Updates returned by the next getUpdates. */
  updates: unknown[];
  /** Errors for the next calls of a method, e.g. {sendMessage: [429]}. */
  failNext: Record<string, number[]>;
  close(): Promise<void>;
  /** Delays (ms) before answering the next calls of a method, to simulate a stalled API. */
  stallNext: Record<string, number[]>;
  /** Called for every recorded call (benchmarks measure delivery latency with it). */
  onCall?: (method: string, body: Record<string, unknown>) => void;
  /** Skip keeping calls in memory (long benchmarks). */
  record?: boolean;
}

/** A fake Telegram Bot API on loopback: records calls, serves getUpdates, injects 429/5xx. */
export async function startFakeTelegram(token = '123456:' + 'A'.repeat(35)): Promise<FakeTelegram> {
  const fake: FakeTelegram = { apiRoot: '', token, calls: [], updates: [], failNext: {}, stallNext: {}, close: async () => undefined };
  let messageId = 1;
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
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      const fail = fake.failNext[method]?.shift();
      if (fail === 429) return reply(429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
      if (fail) return reply(fail, { ok: false, error_code: fail, description: 'injected' });
      if (fake.record !== false) fake.calls.push({ method, body });
      fake.onCall?.(method, body);
      switch (method) {
        case 'getMe':
          return reply(200, { ok: true, result: { id: 42, is_bot: true, first_name: 'DVC', username: 'dvc_test_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false } });
        case 'getUpdates': {
          const list = fake.updates.splice(0);
          if (list.length) return reply(200, { ok: true, result: list });
          setTimeout(() => reply(200, { ok: true, result: [] }), 50);
          return;
        }
        case 'sendMessage':
          return reply(200, { ok: true, result: { message_id: messageId++, date: 0, chat: { id: body.chat_id, type: 'private' }, text: body.text } });
        default:
          return reply(200, { ok: true, result: true });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return fake;
}
