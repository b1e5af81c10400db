import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createAssistant } from '../src/assistant.js';
import { testConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/log.js';
import { createMemoryStores } from '../src/store/index.js';
import type { AppEvent } from '../src/stats/event.js';
import type { Channel } from '../src/channels/channel.js';
import { networkOf } from '../src/channels/web/web.js';
import type { Stores } from '../src/store/types.js';

let app: FastifyInstance;
let stores: Stores;
let web: Channel;
const events: AppEvent[] = [];

async function start(env: Record<string, string> = {}, kept?: Stores) {
  const config = testConfig(env);
  const log = createLogger('silent');
  const stores = kept ?? (await createMemoryStores());
  const assistant = await createAssistant({ config, log, stores, now: () => 1_700_000_000_000, events: { emit: (e) => events.push(e) } });
  const app = await buildApp({ config, log, channels: assistant.channels, storesReady: () => true });
  return { app, stores, web: assistant.channels.find((c) => c.name === 'web')! };
}

beforeAll(async () => {
  ({ app, stores, web } = await start());
});
afterAll(() => app.close());

const cookieOf = (set: string | string[] | undefined) => (Array.isArray(set) ? set : set ? [set] : []).find((c) => c.startsWith('dvc_chat='));
/** The chat id inside a signed `dvc_chat=<id>.<signature>` cookie. */
const idOf = (cookie: string) => decodeURIComponent(cookie.split(';')[0]!.slice('dvc_chat='.length)).split('.')[0]!;

/** One browser: keeps the cookie the server sets, as a browser would. */
function browser(on?: FastifyInstance, ip = '127.0.0.1') {
  let jar = '';
  const a = { inject: (opts: InjectOptions) => (on ?? app).inject(opts) };
  const keep = <T extends { headers: Record<string, unknown> }>(res: T): T => {
    const c = cookieOf(res.headers['set-cookie'] as string[] | string | undefined);
    if (c) jar = c.split(';')[0]!;
    return res;
  };
  const headers = () => (jar ? { cookie: jar } : {});
  return {
    chat: async (text: string, extra: object = {}) => keep(await a.inject({ method: 'POST', url: '/api/chat', remoteAddress: ip, headers: headers(), payload: { text, ...extra } })),
    poll: async () => (await a.inject({ method: 'GET', url: '/api/chat/poll', remoteAddress: ip, headers: headers() })).json().replies as { text: string }[],
    id: () => idOf(jar),
  };
}
const first = browser();
const chat = (text: string) => first.chat(text);

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
    const res = await browser().chat('giá vàng hôm nay');
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
    const bad = await app.inject({ method: 'POST', url: '/api/chat', headers: { 'content-type': 'application/json' }, payload: '{"text":' });
    expect(bad.statusCode).toBe(400);
    const noText = await app.inject({ method: 'POST', url: '/api/chat', payload: { sid: 'sid-test-0001' } });
    expect(noText.statusCode).toBe(400);
    expect(noText.json().error).toBe('Yêu cầu không hợp lệ.');
    const huge = await chat('x'.repeat(20_000));
    expect(huge.statusCode).toBe(413);
  });

  it('issues the session itself: a signed HttpOnly SameSite=Lax cookie, never the id the browser names', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/chat', payload: { sid: 'chosen-by-browser-01', text: 'xin chào' } });
    const set = cookieOf(res.headers['set-cookie'] as string[] | string)!;
    expect(set).toMatch(/^dvc_chat=[\w-]{22}\.[^;]+;/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Lax');
    expect(set).toContain('Path=/api/chat');
    expect(await stores.sessions.get('web:chosen-by-browser-01')).toBeUndefined();
    expect(await stores.sessions.get(`web:${idOf(set)}`)).toBeDefined();
    // A forged or tampered cookie is not an identity: the server starts a new session.
    const forged = await app.inject({ method: 'POST', url: '/api/chat', headers: { cookie: `dvc_chat=${idOf(set)}.forged-signature` }, payload: { text: 'xin chào' } });
    expect(idOf(cookieOf(forged.headers['set-cookie'] as string[] | string)!)).not.toBe(idOf(set));
  });

  it('keeps web chat sessions across a restart: the signing key is generated once and stored', async () => {
    const kept = await createMemoryStores();
    const one = await start({}, kept);
    const res = await one.app.inject({ method: 'POST', url: '/api/chat', payload: { text: 'xin chào' } });
    const cookie = cookieOf(res.headers['set-cookie'] as string[] | string)!.split(';')[0]!;
    await one.app.close();
    expect(await kept.settings.get('webSessionSecret')).toMatch(/^[\w-]{43}$/);
    const two = await start({}, kept);
    try {
      const again = await two.app.inject({ method: 'POST', url: '/api/chat', headers: { cookie }, payload: { text: 'menu' } });
      expect(idOf(cookieOf(again.headers['set-cookie'] as string[] | string)!)).toBe(idOf(cookie));
    } finally {
      await two.app.close();
    }
    // WEB_SESSION_SECRET, when set, is used instead (and nothing is stored).
    const fresh = await createMemoryStores();
    const three = await start({ WEB_SESSION_SECRET: 'x'.repeat(40) }, fresh);
    await three.app.inject({ method: 'POST', url: '/api/chat', payload: { text: 'xin chào' } });
    await three.app.close();
    expect(await fresh.settings.get('webSessionSecret')).toBeUndefined();
  });

  it('delivers staff replies to the browser holding the cookie, and to no one else', async () => {
    const citizen = browser();
    await citizen.chat('xin chào');
    await web.send(citizen.id(), [{ text: 'Chào anh/chị, em là cán bộ xã.' }]);
    expect(await browser().poll()).toEqual([]);
    expect((await app.inject({ url: `/api/chat/poll?sid=${citizen.id()}` })).json().replies).toEqual([]);
    expect((await citizen.poll()).map((r) => r.text)).toEqual(['Chào anh/chị, em là cán bộ xã.']);
    expect(await citizen.poll()).toEqual([]);
  });

  it('starts a new session when the citizen presses "Làm mới"', async () => {
    const citizen = browser();
    await citizen.chat('xin chào');
    const before = citizen.id();
    await citizen.chat('menu', { restart: true });
    expect(citizen.id()).not.toBe(before);
  });

  it('reports health and readiness', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().channels.web.ready).toBe(true);
  });
});

describe('web chat limits per network address', () => {
  it('throttles one address rotating session ids and cookies: most of 200 messages refused politely, few sessions stored', async () => {
    const t = await start();
    try {
      let refused = 0;
      for (let i = 0; i < 200; i++) {
        const headers = i % 2 ? { cookie: `dvc_chat=invented-session-${i}` } : {};
        const res = await t.app.inject({ method: 'POST', url: '/api/chat', remoteAddress: '203.0.113.9', headers, payload: { sid: `rotating-sid-${String(i).padStart(4, '0')}`, text: 'xin chào' } });
        if (res.statusCode === 429) {
          refused++;
          expect(res.json().error).toMatch(/Anh\/chị vui lòng chờ khoảng \d+ phút/);
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        } else expect(res.statusCode).toBe(200);
      }
      expect(refused).toBeGreaterThan(150);
      expect(await t.stores.sessions.size()).toBeLessThanOrEqual(30);
      // Another address is not affected.
      expect((await browser(t.app, '203.0.113.10').chat('xin chào')).statusCode).toBe(200);
    } finally {
      await t.app.close();
    }
  });

  it('counts an IPv6 /64 as one address', async () => {
    expect(networkOf('2001:db8:85a3:12::8a2e:370:7334')).toBe('2001:db8:85a3:12::/64');
    expect(networkOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(networkOf('2001:0db8:0000:0000:ffff::2')).toBe('2001:db8:0:0::/64');
    expect(networkOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(networkOf('203.0.113.7')).toBe('203.0.113.7');
    const t = await start({ WEB_CHAT_SESSIONS_PER_IP_PER_HOUR: '3' });
    try {
      const codes: number[] = [];
      for (let i = 1; i <= 4; i++) codes.push((await browser(t.app, `2001:db8:1:2::${i.toString(16)}`).chat('xin chào')).statusCode);
      expect(codes).toEqual([200, 200, 200, 429]);
      expect((await browser(t.app, '2001:db8:1:3::1').chat('xin chào')).statusCode).toBe(200);
    } finally {
      await t.app.close();
    }
  });

  it('caps messages per address even when each comes with a valid session', async () => {
    const t = await start({ WEB_CHAT_IP_PER_MINUTE: '5' });
    try {
      const office = [browser(t.app, '198.51.100.1'), browser(t.app, '198.51.100.1'), browser(t.app, '198.51.100.1')];
      const codes: number[] = [];
      for (const b of office) for (let i = 0; i < 2; i++) codes.push((await b.chat('xin chào')).statusCode);
      expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await t.app.close();
    }
  });
});
