import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createAssistant } from '../src/assistant.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/log.js';
import { createMemoryStores } from '../src/store/index.js';
import { seededRandom } from '../src/demo/random.js';

const PIECES = ['đăng ký', 'khai sinh', 'cccd', '😀', '\u200b', '\u202e', '\u0000', '\u0007', 'Đ', 'a\u0301', '<b>', '"', '\\', '{', '}', ' ', '\n', 'lam lai', '中文', 'العربية', '1'];

let app: FastifyInstance;
beforeAll(async () => {
  // Per-address limits out of the way: this is about bodies, not about floods (see web.test.ts).
  const config = testConfig({ WEB_CHAT_IP_PER_MINUTE: '100000', WEB_CHAT_SESSIONS_PER_IP_PER_HOUR: '100000' });
  const log = createLogger('silent');
  const stores = await createMemoryStores();
  const assistant = await createAssistant({ config, log, stores, now: () => 0, events: { emit: () => undefined } });
  app = await buildApp({ config, log, channels: assistant.channels, storesReady: () => true });
});
afterAll(() => app.close());

describe('web chat under garbage input', () => {
  it('answers 2,000 generated bodies with a defined status and a well-formed reply, never a 500', async () => {
    const r = seededRandom(42);
    const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
    const statuses = new Map<number, number>();
    // One browser: the session cookie the server issues comes back with every request.
    let cookie = '';
    for (let i = 0; i < 2000; i++) {
      const kind = i % 5;
      let payload: string;
      if (kind === 0) payload = Buffer.from(Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256))).toString('latin1');
      else if (kind === 1) payload = JSON.stringify({ sid: 'fuzz-session-01', text: Array.from({ length: 1 + Math.floor(r() * 30) }, () => pick(PIECES)).join('') }).slice(0, Math.floor(r() * 80));
      else if (kind === 2) payload = JSON.stringify({ sid: pick(['x', 'fuzz-session-02', 12, null, 'a'.repeat(80)]), text: pick(['hi', 5, null, [], {}, 'x'.repeat(5000)]) });
      else if (kind === 3) payload = '['.repeat(Math.floor(r() * 3000)) + ']'.repeat(Math.floor(r() * 3000));
      else payload = JSON.stringify({ sid: 'fuzz-session-03', text: Array.from({ length: 1 + Math.floor(r() * 60) }, () => pick(PIECES)).join('') });
      const res = await app.inject({ method: 'POST', url: '/api/chat', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, payload });
      const set = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('dvc_chat='));
      if (set) cookie = set.split(';')[0]!;
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect([200, 400, 413]).toContain(res.statusCode);
      const body = res.json() as { replies?: { text: string }[]; error?: string };
      if (res.statusCode === 200) {
        // Empty = deliberately silent (rate limit, or waiting for staff).
        expect(Array.isArray(body.replies)).toBe(true);
        for (const rep of body.replies!) expect(rep.text.length).toBeGreaterThan(0);
      } else expect(typeof body.error).toBe('string');
    }
    expect(statuses.get(200)).toBeGreaterThan(300);
  });
});
