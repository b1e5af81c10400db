import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/channels/channel.js';
import { startFakeZaloOa, type FakeZaloOa } from '../fakes/zalo-oa.js';
import { ADMIN_PW, client, login, STAFF_PW, startAdminServer, type AdminServer } from './harness.js';

/** The "Kết nối Zalo OA" page (issue 16): OAuth v4 + PKCE, token state, webhook settings, test message; the inbox's -230 notice; the quota on the stats page. */

const CITIZEN = '8123456789012345807';
let fake: FakeZaloOa;
let s: AdminServer;
let oa: Channel;
let admin: ReturnType<typeof client>;

beforeAll(async () => {
  fake = await startFakeZaloOa();
  s = await startAdminServer({
    PUBLIC_URL: 'https://bot.example.gov.vn',
    ZALO_OA_APP_ID: fake.appId,
    ZALO_OA_APP_SECRET: fake.appSecret,
    ZALO_OA_SECRET_KEY: fake.secretKey,
    ZALO_OA_API_BASE: fake.base,
    ZALO_OA_OAUTH_BASE: fake.base,
  });
  oa = s.assistant.channels.find((c) => c.name === 'zalo-oa')!;
  await oa.start();
  admin = client(s.app, await login(s.app, 'an', ADMIN_PW));
});
afterAll(async () => {
  await oa?.stop(Date.now() + 1000);
  await s?.close();
  await fake?.close();
});

const flashOf = async () => /class="flash (ok|error)"[^>]*>([^<]*)</.exec((await admin.get('/admin/zalo-oa')).body)?.slice(1, 3);

describe('Kết nối Zalo OA', () => {
  it('is for admins only', async () => {
    const staff = client(s.app, await login(s.app, 'binh', STAFF_PW, '10.0.0.9'));
    expect((await staff.get('/admin/zalo-oa')).statusCode).toBe(403);
    expect((await staff.post('/admin/zalo-oa/authorize', {})).statusCode).toBe(403);
  });

  it('shows the webhook URL, the redirect URL and the events to tick, and that the OA is not connected yet', async () => {
    const page = await admin.get('/admin/zalo-oa');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<code id="webhook-url">https://bot.example.gov.vn/zalo-oa/webhook</code>');
    expect(page.body).toContain('<code id="redirect-url">https://bot.example.gov.vn/zalo-oa/callback</code>');
    for (const e of ['user_send_text', 'follow', 'unfollow']) expect(page.body).toContain(`<code>${e}</code>`);
    expect(page.body).toContain('Chưa kết nối');
    expect(page.body).toContain('href="/admin/zalo-oa"');
    expect(oa.ready()).toBe(false);
  });

  it('connects through OAuth v4 with PKCE: authorise, come back through the callback, tokens stored', async () => {
    expect((await admin.post('/admin/zalo-oa/authorize', {}, { csrf: null })).statusCode).toBe(403);
    const start = await admin.post('/admin/zalo-oa/authorize', {});
    expect(start.statusCode).toBe(303);
    const to = new URL(String(start.headers.location));
    expect(`${to.origin}${to.pathname}`).toBe(`${fake.base}/v4/oa/permission`);
    expect(to.searchParams.get('app_id')).toBe(fake.appId);
    expect(to.searchParams.get('redirect_uri')).toBe('https://bot.example.gov.vn/zalo-oa/callback');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const back = await fake.authorize(String(start.headers.location));
    expect(back.redirect).toBe('https://bot.example.gov.vn/zalo-oa/callback');
    // Zalo's redirect lands outside the admin (no cookie) and hands over to the admin callback.
    const landing = await s.app.inject({ method: 'GET', url: `/zalo-oa/callback?code=${encodeURIComponent(back.code)}&state=${encodeURIComponent(back.state)}&oa_id=${fake.oaId}` });
    expect(landing.statusCode).toBe(200);
    const next = /url=([^"]+)"/.exec(landing.body)![1]!.replace(/&amp;/g, '&');
    expect(next.startsWith('/admin/zalo-oa/callback?')).toBe(true);
    const done = await admin.get(next);
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/admin/zalo-oa');
    expect(fake.oauthCalls.authorization_code).toBe(1);
    expect((await flashOf())?.[0]).toBe('ok');
    const page = (await admin.get('/admin/zalo-oa')).body;
    expect(page).toContain('<strong id="oa-state">Đang hoạt động</strong>');
    expect(oa.ready()).toBe(true);
    // The state is single use: the same callback again is refused without calling Zalo.
    await admin.get(next);
    expect(await flashOf()).toEqual(['error', expect.stringContaining('hết hạn hoặc không hợp lệ')]);
    expect(fake.oauthCalls.authorization_code).toBe(1);
  });

  it('refuses a callback with a state it did not issue', async () => {
    await admin.get('/admin/zalo-oa/callback?code=code-x&state=not-ours');
    expect((await flashOf())?.[0]).toBe('error');
  });

  it('sends a test message', async () => {
    const res = await admin.post('/admin/zalo-oa/test', { userId: CITIZEN, text: 'Tin nhắn thử' });
    expect(res.statusCode).toBe(303);
    expect(await flashOf()).toEqual(['ok', expect.stringContaining('Đã gửi tin nhắn thử')]);
    expect(fake.sent.at(-1)).toEqual({ userId: CITIZEN, message: { text: 'Tin nhắn thử' } });
  });

  it('tells staff replying from the inbox that the OA can no longer write to a citizen silent for 7 days', async () => {
    const h = await s.stores.handoffs.open({ sessionKey: `zalo-oa:${CITIZEN}`, channel: 'zalo-oa', chatId: CITIZEN, user: 'u-hash', summary: 'Hỏi về khai sinh', reason: 'citizen asked for a human', createdAt: s.clock.now, transcript: [] });
    fake.unreachable.add(CITIZEN);
    const sentBefore = fake.sent.length;
    const res = await admin.post(`/admin/inbox/${h.id}/reply`, { text: 'Chào anh/chị' });
    expect(res.statusCode).toBe(303);
    const page = (await admin.get(`/admin/inbox/${h.id}`)).body;
    expect(page).toContain('Zalo OA không thể nhắn cho công dân này nữa: công dân chưa tương tác với OA trong 7 ngày qua');
    expect(fake.sent.length).toBe(sentBefore);
    fake.unreachable.delete(CITIZEN);
  });

  it('shows the OA quota on the stats page', async () => {
    const page = (await admin.get('/admin/stats')).body;
    expect(page).toContain('Hạn mức tin Zalo OA');
    expect(page).toMatch(/<table class="zalo-oa-quota">/);
  });
});
