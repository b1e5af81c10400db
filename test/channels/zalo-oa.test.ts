import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/channels/channel.js';
import { createZaloOaChannel } from '../../src/channels/zalo-oa/index.js';
import { renderTurn } from '../../src/channels/zalo-oa/render.js';
import { ConfigError, loadConfig, testConfig } from '../../src/config.js';
import { createMemoryCoordinator, createRedisCoordinator, type Coordinator } from '../../src/coord/index.js';
import type { ChannelName, Inbound, Reply } from '../../src/core/message.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { createMemoryStores } from '../../src/store/index.js';
import type { SettingsStore } from '../../src/store/types.js';
import { startFakeZaloOa, type FakeZaloOa } from '../fakes/zalo-oa.js';

/** Zalo OA ids exceed 2^53 (this one rounds to …808 as a double). */
const CITIZEN = '8123456789012345807';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitFor(cond: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
const settle = () => new Promise((r) => setTimeout(r, 40));

interface SetupOpts {
  handle?: (i: Inbound) => Promise<Reply[]>;
  fake?: FakeZaloOa;
  refreshToken?: string | null;
  coord?: Coordinator;
  settings?: SettingsStore;
  forget?: (channel: ChannelName, chatId: string) => Promise<void>;
  logs?: string[];
  now?: () => number;
}

async function setup(opts: SetupOpts = {}) {
  const fake = opts.fake ?? (await startFakeZaloOa());
  if (!opts.fake) cleanups.push(() => fake.close());
  const refreshToken = opts.refreshToken === undefined ? fake.issueRefreshToken() : opts.refreshToken;
  const config = testConfig({
    PUBLIC_URL: 'https://bot.example.gov.vn',
    ZALO_OA_APP_ID: fake.appId,
    ZALO_OA_APP_SECRET: fake.appSecret,
    ZALO_OA_SECRET_KEY: fake.secretKey,
    ZALO_OA_API_BASE: fake.base,
    ZALO_OA_OAUTH_BASE: fake.base,
    ...(refreshToken ? { ZALO_OA_REFRESH_TOKEN: refreshToken } : {}),
  });
  const logs = opts.logs;
  const log = logs
    ? createLogger(
        'info',
        new Writable({
          write(chunk: Buffer, _enc, done) {
            logs.push(chunk.toString());
            done();
          },
        }),
      )
    : createLogger('silent');
  const settings = opts.settings ?? (await createMemoryStores()).settings;
  const inbound: Inbound[] = [];
  const handle = opts.handle ?? (async (i: Inbound) => [{ text: `echo ${i.text ?? i.kind}` }]);
  const channel: Channel = createZaloOaChannel({
    config,
    log,
    settings,
    now: opts.now ?? Date.now,
    coord: opts.coord ?? createMemoryCoordinator(),
    handle: async (i) => {
      inbound.push(i);
      return handle(i);
    },
    ...(opts.forget ? { forget: opts.forget } : {}),
  });
  const app: FastifyInstance = await buildApp({ config, log, channels: [channel], storesReady: () => true });
  cleanups.push(() => app.close());
  await channel.start();
  cleanups.push(() => channel.stop(Date.now() + 1000));
  return { fake, app, channel, inbound, settings };
}

let seq = 0;
const textEvent = (fake: FakeZaloOa, text: string, msgId = `m${++seq}`, user = CITIZEN) =>
  JSON.stringify({
    app_id: fake.appId,
    user_id_by_app: '5522117720443317101',
    event_name: 'user_send_text',
    timestamp: String(Date.now() + ++seq),
    sender: { id: user },
    recipient: { id: fake.oaId },
    message: { msg_id: msgId, text },
  });
const post = (app: FastifyInstance, raw: string, signature: string | null) =>
  app.inject({ method: 'POST', url: '/zalo-oa/webhook', headers: { 'content-type': 'application/json', ...(signature !== null ? { 'x-zevent-signature': signature } : {}) }, payload: raw });
const say = (s: { app: FastifyInstance; fake: FakeZaloOa }, raw: string) => post(s.app, raw, s.fake.sign(raw));
const texts = (f: FakeZaloOa) => f.sent.map((m) => m.message.text);

describe('Zalo OA webhook', () => {
  it('refuses a wrong or missing signature with 401 and processes nothing', async () => {
    const s = await setup();
    const raw = textEvent(s.fake, 'xin chào');
    expect((await post(s.app, raw, null)).statusCode).toBe(401);
    expect((await post(s.app, raw, 'mac=' + '0'.repeat(64))).statusCode).toBe(401);
    // Signed for another body, or with the App Secret instead of the OA secret key.
    expect((await post(s.app, raw, s.fake.sign(raw.replace('xin chào', 'xin chao')))).statusCode).toBe(401);
    const { signZaloOa } = await import('../fakes/zalo-oa.js');
    expect((await post(s.app, raw, signZaloOa(s.fake.appId, s.fake.appSecret, raw))).statusCode).toBe(401);
    await settle();
    expect(s.inbound).toEqual([]);
    expect(s.fake.sent).toEqual([]);
    expect((await say(s, raw)).statusCode).toBe(200);
    await waitFor(() => s.fake.sent.length === 1);
  });

  it('answers 200 before the reply is processed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = await setup({
      handle: async () => {
        await gate;
        return [{ text: 'xong' }];
      },
    });
    expect((await say(s, textEvent(s.fake, 'chậm'))).statusCode).toBe(200);
    expect(s.fake.sent).toEqual([]);
    release();
    await waitFor(() => s.fake.sent.length === 1);
  });

  it('keeps ids beyond 2^53 exact, whether sent as strings or bare numbers', async () => {
    const s = await setup();
    const raw = `{"app_id":${s.fake.appId},"event_name":"user_send_text","timestamp":1764480000000,"sender":{"id":${CITIZEN}},"recipient":{"id":${s.fake.oaId}},"message":{"msg_id":9007199254740993123,"text":"so lon"}}`;
    expect((await say(s, raw)).statusCode).toBe(200);
    await waitFor(() => s.fake.sent.length === 1);
    expect(s.inbound[0]).toMatchObject({ channel: 'zalo-oa', chatId: CITIZEN, userId: CITIZEN, messageId: '9007199254740993123', text: 'so lon' });
    expect(s.fake.sent[0]!.userId).toBe(CITIZEN);
  });

  it('answers a duplicate delivery once', async () => {
    const s = await setup();
    const raw = textEvent(s.fake, 'một lần', 'dup-1');
    for (let i = 0; i < 3; i++) expect((await say(s, raw)).statusCode).toBe(200);
    await waitFor(() => s.fake.sent.length >= 1);
    await settle();
    expect(texts(s.fake)).toEqual(['echo một lần']);
  });

  it("ignores the OA's own echoes and delivery or seen receipts", async () => {
    const s = await setup();
    const oa = { id: s.fake.oaId };
    for (const event_name of ['oa_send_text', 'oa_send_image', 'user_received_message', 'user_seen_message']) {
      const raw = JSON.stringify({ app_id: s.fake.appId, event_name, timestamp: String(Date.now()), sender: oa, recipient: { id: CITIZEN }, message: { msg_id: `e-${event_name}`, text: 'echo' } });
      expect((await say(s, raw)).statusCode).toBe(200);
    }
    await settle();
    expect(s.inbound).toEqual([]);
    expect(s.fake.sent).toEqual([]);
  });

  it('keeps the order of one citizen even when the first answer is slow', async () => {
    const s = await setup({
      handle: async (i) => {
        if (i.text === 'một') await new Promise((r) => setTimeout(r, 60));
        return [{ text: `re ${i.text}` }];
      },
    });
    await say(s, textEvent(s.fake, 'một'));
    await say(s, textEvent(s.fake, 'hai'));
    await waitFor(() => s.fake.sent.length === 2);
    expect(texts(s.fake)).toEqual(['re một', 're hai']);
  });

  it('welcomes a new follower with /start and ends the session on unfollow', async () => {
    const forgotten: string[] = [];
    const s = await setup({ forget: async (channel, chat) => void forgotten.push(`${channel}:${chat}`) });
    const follow = (event_name: string) =>
      JSON.stringify({ oa_id: s.fake.oaId, follower: { id: CITIZEN }, user_id_by_app: '1', event_name, source: 'oa_profile', app_id: s.fake.appId, timestamp: String(Date.now()) });
    expect((await say(s, follow('follow'))).statusCode).toBe(200);
    await waitFor(() => s.fake.sent.length === 1);
    expect(s.inbound[0]).toMatchObject({ kind: 'command', text: '/start', chatId: CITIZEN });
    expect((await say(s, follow('unfollow'))).statusCode).toBe(200);
    await waitFor(() => forgotten.length === 1);
    expect(forgotten).toEqual([`zalo-oa:${CITIZEN}`]);
    expect(s.fake.sent).toHaveLength(1);
  });

  it('passes images, stickers, audio and files on as kinds the router answers with the text-only notice', async () => {
    const s = await setup();
    for (const [event, type] of [
      ['user_send_image', 'image'],
      ['user_send_sticker', 'sticker'],
      ['user_send_audio', 'audio'],
      ['user_send_file', 'file'],
      ['user_send_location', 'location'],
    ]) {
      const raw = JSON.stringify({ app_id: s.fake.appId, event_name: event, timestamp: String(Date.now()), sender: { id: CITIZEN }, recipient: { id: s.fake.oaId }, message: { msg_id: `k-${event}`, attachments: [{ type, payload: { url: 'https://zalo.example/x' } }] } });
      await say(s, raw);
    }
    await waitFor(() => s.fake.sent.length === 5);
    expect(s.inbound.map((i) => i.kind)).toEqual(['image', 'sticker', 'voice', 'unsupported', 'unsupported']);
  });

  it('survives 10,000 fuzzed bodies without a 5xx', async () => {
    const s = await setup({ handle: async () => [] });
    const base = textEvent(s.fake, 'fuzz');
    let rnd = 12345;
    // High bits of the LCG: its low bits repeat with a short period.
    const next = () => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) >>> 12;
    const pieces = ['{', '}', '[', ']', '"', ':', ',', '\\', '\\u00', 'null', '-', '1e999', '12345678901234567890', 'event_name', 'user_send_text', 'follow', 'sender', 'message', '\u0000', 'đ', '\ud800', ' '];
    const mutate = (): string => {
      const kind = next() % 4;
      if (kind === 0) return Array.from({ length: next() % 30 }, () => pieces[next() % pieces.length]).join('');
      const chars = [...base];
      for (let k = 0; k < 1 + (next() % 6); k++) chars.splice(next() % (chars.length + 1), next() % 3, pieces[next() % pieces.length]!);
      if (kind === 1) return chars.join('');
      const obj: Record<string, unknown> = { app_id: s.fake.appId, event_name: ['user_send_text', 'follow', 'unfollow', 'user_send_image', 'oa_send_text', 'x'][next() % 6], timestamp: next() % 2 ? String(next()) : next() };
      if (next() % 2) obj.sender = next() % 3 ? { id: String(next()) } : [next()];
      if (next() % 2) obj.follower = { id: next() % 2 ? String(next()) : null };
      if (next() % 2) obj.message = next() % 3 ? { msg_id: String(next()), text: chars.join('').slice(0, 50) } : 'text';
      return kind === 2 ? JSON.stringify(obj) : JSON.stringify([obj]);
    };
    const statuses = new Map<number, number>();
    for (let n = 0; n < 10_000; n++) {
      const raw = mutate();
      // Most bodies are signed (so parsing is exercised); some are not, some carry a garbled header.
      const sig = n % 10 === 0 ? null : n % 10 === 1 ? `mac=${'z'.repeat(next() % 80)}` : s.fake.sign(raw);
      const res = await post(s.app, raw, sig);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    }
    expect([...statuses.keys()].filter((c) => c >= 500)).toEqual([]);
    expect(statuses.get(200)).toBeGreaterThan(1000);
    expect(statuses.get(401)).toBeGreaterThan(1000);
    expect(statuses.get(400)).toBeGreaterThan(100);
  });
});

describe('Zalo OA replies', () => {
  it('renders options as oa.query.show buttons and a link as oa.open.url, and maps a click back to the option', async () => {
    const s = await setup({
      handle: async (i) =>
        i.text === 'vneid'
          ? [{ text: 'Anh/chị muốn đăng ký mức nào?', options: [{ id: 'lvl2', label: 'Mức độ 2 (để làm dịch vụ công)' }, { id: 'lvl1', label: 'Mức độ 1 trên ứng dụng' }], link: { label: 'Trang VNeID', url: 'https://vneid.gov.vn' } }]
          : [{ text: `chọn ${i.text}` }],
    });
    await say(s, textEvent(s.fake, 'vneid'));
    await waitFor(() => s.fake.sent.length === 1);
    expect(s.fake.sent[0]!.message).toEqual({
      text: 'Anh/chị muốn đăng ký mức nào?',
      attachment: {
        type: 'template',
        payload: {
          buttons: [
            { title: 'Mức độ 2 (để làm dịch vụ công)', type: 'oa.query.show', payload: 'Mức độ 2 (để làm dịch vụ công)' },
            { title: 'Mức độ 1 trên ứng dụng', type: 'oa.query.show', payload: 'Mức độ 1 trên ứng dụng' },
            { title: 'Trang VNeID', type: 'oa.open.url', payload: { url: 'https://vneid.gov.vn' } },
          ],
        },
      },
    });
    // The click comes back as the citizen's message carrying the payload.
    await say(s, textEvent(s.fake, 'Mức độ 1 trên ứng dụng'));
    await waitFor(() => s.fake.sent.length === 2);
    expect(s.inbound[1]!.text).toBe('lvl1');
  });

  it('sends a turn of three replies as one message when it fits, and splits text over 2,000 characters', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `Dòng ${i + 1}: nội dung hướng dẫn nội dung hướng dẫn nội dung hướng dẫn`).join('\n');
    const s = await setup({
      handle: async (i) =>
        i.text === 'ba'
          ? [{ text: 'Thủ tục: Đăng ký khai sinh' }, { text: 'Lệ phí: miễn phí' }, { text: 'Anh/chị cần gì thêm?', options: [{ id: 'yes', label: 'Có' }, { id: 'no', label: 'Không' }] }]
          : [{ text: long }],
    });
    await say(s, textEvent(s.fake, 'ba'));
    await waitFor(() => s.fake.sent.length === 1);
    await settle();
    expect(s.fake.sent).toHaveLength(1);
    expect(s.fake.sent[0]!.message.text).toBe('Thủ tục: Đăng ký khai sinh\n\nLệ phí: miễn phí\n\nAnh/chị cần gì thêm?');
    expect(s.fake.sent[0]!.message.attachment?.payload.buttons.map((b) => b.payload)).toEqual(['Có', 'Không']);
    await say(s, textEvent(s.fake, 'dài'));
    await waitFor(() => s.fake.sent.length >= 3);
    const parts = texts(s.fake).slice(1) as string[];
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(2000);
    expect(parts.join('\n')).toBe(long);
  });

  it('puts buttons beyond five in a follow-up message, and never lets text read below buttons', () => {
    const options = Array.from({ length: 7 }, (_, i) => ({ id: `o${i}`, label: `Lựa chọn ${i + 1}` }));
    const out = renderTurn([{ text: 'Chọn một:', options }, { text: 'Sau nút' }, { text: '', link: { label: 'Cổng DVC', url: 'https://dichvucong.gov.vn' } }]);
    expect(out.map((m) => [m.text, m.attachment?.payload.buttons.length ?? 0])).toEqual([
      ['Chọn một:', 5],
      ['Các lựa chọn khác / More options:', 2],
      ['Sau nút', 1],
    ]);
    expect(renderTurn([{ text: 'x'.repeat(1990) }, { text: 'y'.repeat(20) }]).map((m) => m.text.length)).toEqual([1990, 20]);
  });

  it('does not retry a -230 refusal: send rejects with RECIPIENT_UNREACHABLE and the quota page counts it', async () => {
    const s = await setup();
    s.fake.unreachable.add(CITIZEN);
    const err = await s.channel.send(CITIZEN, [{ text: 'Cán bộ An: chào anh/chị' }]).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('RECIPIENT_UNREACHABLE');
    expect(s.fake.sent).toEqual([]);
    const q = await s.channel.connect!.quota();
    expect(q.days[0]).toMatchObject({ unreachable: 1, replies: 0 });
  });

  it('counts free replies and proactive sends for the stats page', async () => {
    const s = await setup({ handle: async () => [{ text: 'một' }] });
    await say(s, textEvent(s.fake, 'hỏi'));
    await waitFor(() => s.fake.sent.length === 1);
    s.fake.userWrote(CITIZEN);
    for (let i = 0; i < 9; i++) await s.channel.send(CITIZEN, [{ text: `tin ${i}` }]);
    const q = await s.channel.connect!.quota();
    expect(q).toMatchObject({ repliesPerWindow: 8, windowHours: 48 });
    expect(q.days[0]).toMatchObject({ replies: 9, proactive: 1, unreachable: 0 });
  });
});

describe('Zalo OA tokens', () => {
  it('stores the new refresh token before using the new access token, and never logs a token', async () => {
    const logs: string[] = [];
    const fake = await startFakeZaloOa();
    cleanups.push(() => fake.close());
    const first = fake.issueRefreshToken();
    const s = await setup({ fake, refreshToken: first, logs });
    const stored = JSON.parse((await s.settings.get('zalo_oa.tokens'))!) as { refreshToken: string; accessToken: string; accessExpiresAt: number };
    expect(stored.refreshToken).not.toBe(first);
    expect(stored.accessExpiresAt).toBeGreaterThan(Date.now() + 24 * 3_600_000);
    await say(s, textEvent(fake, 'xin chào'));
    await waitFor(() => fake.sent.length === 1);
    expect(s.channel.ready()).toBe(true);
    const all = logs.join('');
    expect(all).toContain('zalo oa tokens refreshed');
    expect(all).not.toContain(first);
    expect(all).not.toContain(stored.refreshToken);
    expect(all).not.toContain(stored.accessToken);
  });

  it('refreshes ahead of expiry, an hour before (a quarter of the lifetime for short-lived tokens)', async () => {
    const fake = await startFakeZaloOa();
    cleanups.push(() => fake.close());
    let skew = 0;
    const s = await setup({ fake, now: () => Date.now() + skew });
    expect(fake.oauthCalls.refresh_token).toBe(1);
    skew = 23.5 * 3_600_000;
    await s.channel.send(CITIZEN, [{ text: 'còn 1,5 giờ' }]);
    expect(fake.oauthCalls.refresh_token).toBe(1);
    skew = 24.5 * 3_600_000;
    await s.channel.send(CITIZEN, [{ text: 'còn nửa giờ' }]);
    expect(fake.oauthCalls.refresh_token).toBe(2);
    // A 1-hour token (the older policy) is refreshed after 45 minutes, not on every call.
    fake.expiresIn = 3600;
    skew = 50 * 3_600_000;
    await s.channel.send(CITIZEN, [{ text: 'một' }]);
    for (let i = 0; i < 5; i++) await s.channel.send(CITIZEN, [{ text: `tin ${i}` }]);
    expect(fake.oauthCalls.refresh_token).toBe(3);
    expect(fake.sent).toHaveLength(8);
  });

  it('refreshes once under load when the token expired (-216), then every send goes through', async () => {
    const fake = await startFakeZaloOa();
    cleanups.push(() => fake.close());
    const s = await setup({ fake });
    expect(fake.oauthCalls.refresh_token).toBe(1);
    fake.expireAccessTokens();
    fake.refreshDelayMs = 50;
    const users = Array.from({ length: 40 }, (_, i) => String(7_000_000_000_000_000_000n + BigInt(i)));
    await Promise.all(users.map((u) => s.channel.send(u, [{ text: `xin chào ${u}` }])));
    expect(fake.oauthCalls.refresh_token).toBe(2);
    expect(fake.sent).toHaveLength(40);
  });

  it('lets one of two instances sharing a coordinator and settings refresh, the other re-reads the stored tokens', async () => {
    const fake = await startFakeZaloOa();
    cleanups.push(() => fake.close());
    const coord = createMemoryCoordinator();
    const settings = (await createMemoryStores()).settings;
    const rt = fake.issueRefreshToken();
    const a = await setup({ fake, coord, settings, refreshToken: rt });
    const b = await setup({ fake, coord, settings, refreshToken: rt });
    expect(fake.oauthCalls.refresh_token).toBe(1);
    expect(b.channel.ready()).toBe(true);
    fake.expireAccessTokens();
    fake.refreshDelayMs = 80;
    const users = Array.from({ length: 30 }, (_, i) => String(6_000_000_000_000_000_000n + BigInt(i)));
    await Promise.all(users.flatMap((u, i) => [(i % 2 ? a : b).channel.send(u, [{ text: 'một' }]), (i % 2 ? b : a).channel.send(u, [{ text: 'hai' }])]));
    expect(fake.oauthCalls.refresh_token).toBe(2);
    expect(fake.sent).toHaveLength(60);
  });

  it('lets one of two instances refresh when they share Redis and a settings store', async () => {
    const fake = await startFakeZaloOa();
    cleanups.push(() => fake.close());
    const prefix = `test-zalo-oa-${randomBytes(6).toString('hex')}:`;
    const [ca, cb] = [createRedisCoordinator('redis://127.0.0.1:6379', { prefix }), createRedisCoordinator('redis://127.0.0.1:6379', { prefix })];
    cleanups.push(async () => {
      await Promise.all([ca.close(), cb.close()]);
      const r = new Redis('redis://127.0.0.1:6379');
      const keys = await r.keys(`${prefix}*`);
      if (keys.length) await r.del(...keys);
      r.disconnect();
    });
    const settings = (await createMemoryStores()).settings;
    const rt = fake.issueRefreshToken();
    const a = await setup({ fake, coord: ca, settings, refreshToken: rt });
    const b = await setup({ fake, coord: cb, settings, refreshToken: rt });
    fake.expireAccessTokens();
    fake.refreshDelayMs = 80;
    const users = Array.from({ length: 20 }, (_, i) => String(5_000_000_000_000_000_000n + BigInt(i)));
    await Promise.all(users.map((u, i) => (i % 2 ? a : b).channel.send(u, [{ text: 'một' }])));
    expect(fake.oauthCalls.refresh_token).toBe(2);
    expect(fake.sent).toHaveLength(20);
  });

  it('reports a reused refresh token clearly, stops sending and never retries it', async () => {
    const logs: string[] = [];
    const fake = await startFakeZaloOa();
    cleanups.push(() => fake.close());
    const rt = fake.issueRefreshToken();
    // Someone else (another deployment, a script) already traded it.
    await fetch(`${fake.base}/v4/oa/access_token`, { method: 'POST', headers: { secret_key: fake.appSecret, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ app_id: fake.appId, grant_type: 'refresh_token', refresh_token: rt }) });
    const s = await setup({ fake, refreshToken: rt, logs });
    expect(s.channel.ready()).toBe(false);
    for (let i = 0; i < 5; i++) await say(s, textEvent(fake, `tin ${i}`));
    await settle();
    await expect(s.channel.send(CITIZEN, [{ text: 'x' }])).rejects.toThrow(/refused the OA refresh token/);
    expect(fake.oauthCalls.refresh_token).toBe(2);
    expect(fake.sent).toEqual([]);
    const status = await s.channel.connect!.status();
    expect(status).toMatchObject({ connected: true, ready: false });
    expect(status.problem).toMatch(/Reconnect the OA at \/admin\/zalo-oa/);
    const errors = logs.filter((l) => l.includes('"level":50'));
    expect(errors.join('')).toContain('Zalo refused the OA refresh token');
    expect(logs.join('')).not.toContain(rt);
  });

  it('starts without tokens (not ready) and is told how to connect', async () => {
    const s = await setup({ refreshToken: null });
    expect(s.channel.ready()).toBe(false);
    expect((await s.channel.connect!.status()).problem).toMatch(/Chưa kết nối/);
  });
});

describe('Zalo OA settings', () => {
  const env = { NODE_ENV: 'test', PUBLIC_URL: 'https://bot.example.gov.vn' };
  it('refuses a half set at boot, naming what is missing and never showing a secret', () => {
    const attempt = () => loadConfig({ ...env, ZALO_OA_APP_ID: '4318846502917165322', ZALO_OA_APP_SECRET: 'app-secret-value-123' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/ZALO_OA_SECRET_KEY is missing/);
    expect(attempt).not.toThrow(/app-secret-value-123/);
    expect(() => loadConfig({ ...env, ZALO_OA_REFRESH_TOKEN: 'refresh-token-value-1234567' })).toThrow(/ZALO_OA_APP_ID, ZALO_OA_APP_SECRET, ZALO_OA_SECRET_KEY are missing/);
    expect(() => loadConfig({ ...env, ZALO_OA_APP_ID: 'abc', ZALO_OA_APP_SECRET: 'short', ZALO_OA_SECRET_KEY: 'oa-secret-key-1' })).toThrow(/ZALO_OA_APP_SECRET="\*\*\*"/);
  });

  it('needs PUBLIC_URL for the webhook, and is off when nothing is set', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', ZALO_OA_APP_ID: '4318846502917165322', ZALO_OA_APP_SECRET: 'app-secret-value-123', ZALO_OA_SECRET_KEY: 'oa-secret-key-1' })).toThrow(/ZALO_OA_APP_ID needs PUBLIC_URL/);
    expect(loadConfig(env).zaloOa).toMatchObject({ appId: undefined, apiBase: 'https://openapi.zalo.me', oauthBase: 'https://oauth.zaloapp.com' });
  });
});
