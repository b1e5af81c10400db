import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createAssistant } from '../src/assistant.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/log.js';
import { createMemoryStores } from '../src/store/index.js';
import type { AppEvent } from '../src/stats/event.js';

let app: FastifyInstance;
const events: AppEvent[] = [];

beforeAll(async () => {
  const config = testConfig();
  const log = createLogger('silent');
  const stores = await createMemoryStores();
  const assistant = await createAssistant({ config, log, stores, now: () => 1_700_000_000_000, events: { emit: (e) => events.push(e) } });
  app = await buildApp({ config, log, channels: assistant.channels, storesReady: () => true });
});
afterAll(() => app.close());

const chat = (text: string, sid = 'sid-test-0001') => app.inject({ method: 'POST', url: '/api/chat', payload: { sid, text } });

describe('web chat', () => {
  it('serves a Vietnamese chat page and an embeddable widget script', async () => {
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html lang="vi">');
    expect(page.body).toContain('/chat.js');
    const widget = await app.inject({ url: '/widget.js' });
    expect(widget.headers['content-type']).toMatch(/javascript/);
    expect(widget.body).toContain('iframe');
  });

  it('answers a question typed without diacritics with procedure options', async () => {
    const res = await chat('lam lai cccd');
    expect(res.statusCode).toBe(200);
    const { replies } = res.json() as { replies: { text: string; options?: { id: string; label: string }[] }[] };
    expect(replies[0]!.options?.[0]?.label).toMatch(/^Cấp lại thẻ căn cước/);
    const id = replies[0]!.options![0]!.id;
    const card = (await chat(id)).json().replies[0];
    expect(card.text).toContain('Mã thủ tục: 1.014064');
    expect(card.text).toContain('Lệ phí');
    expect(card.link.url).toMatch(/^https:\/\/dichvucong\.gov\.vn/);
  });

  it('says honestly when nothing matches and records the miss', async () => {
    const res = await chat('giá vàng hôm nay', 'sid-test-0002');
    expect(res.json().replies[0].text).toMatch(/ngoài phạm vi trợ lý dịch vụ công/);
    expect(res.json().replies[1].options.length).toBeGreaterThan(3);
    expect(events.some((e) => e.type === 'search_miss' && e.text === 'giá vàng hôm nay')).toBe(true);
  });

  it('warns about secrets and does not record them', async () => {
    const res = await chat('mã OTP của tôi là 123456');
    expect(res.json().replies[0].text).toMatch(/không chia sẻ mã OTP/);
    expect(JSON.stringify(events)).not.toContain('123456');
  });

  it('rejects malformed, invalid and oversized bodies with a clear status', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/chat', headers: { 'content-type': 'application/json' }, payload: '{"sid":' });
    expect(bad.statusCode).toBe(400);
    const noSid = await app.inject({ method: 'POST', url: '/api/chat', payload: { text: 'hi' } });
    expect(noSid.statusCode).toBe(400);
    expect(noSid.json().error).toBe('Yêu cầu không hợp lệ.');
    const huge = await chat('x'.repeat(20_000));
    expect(huge.statusCode).toBe(413);
  });

  it('reports health and readiness', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().channels.web.ready).toBe(true);
  });
});
