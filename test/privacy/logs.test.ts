import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createServer, type Server } from '../../src/server.js';
import { createMemoryStores } from '../../src/store/index.js';
import type { Stores } from '../../src/store/types.js';
import { citizen, client, login } from '../admin/harness.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { startFakeZalo, type FakeZalo } from '../fakes/zalo.js';

/**
 * Captures every log line (level trace) of a full server run — web chat, Telegram and Zalo
 * webhooks, admin work, errors — and checks that no token, secret, password, session cookie or
 * citizen ID/phone number/password reaches the log, and none of them (nor raw chat ids) reaches
 * the analytics events on disk.
 */

const TG_TOKEN = '7312985540:AAHk3vQ9zT_privacyTgTokenPart-x9Q';
const ZALO_TOKEN = '2718281828:zaloPrivacyTokenSecretPart77';
const TG_SECRET = 'tgHookSecret_Privacy-4471';
const ZALO_SECRET = 'zaloHookSecret-Privacy-9932';
const ADMIN_USER = 'chief';
const ADMIN_PASSWORD = 'Adm1n-Passw0rd-Privacy!';

const ID_NUMBER = '079203001234';
const PHONE = '0912345678';
const PHONE_INTL = '+84 912 345 678';
const PASSWORD_TYPED = 'Abc@12345';

const TG_CHAT = 5550001234;
const ZALO_CHAT = 'zalo-user-8f3a9c2e7d';
const WEB_SID = 'privacy-web-sid-0001';
// Second citizens on each messenger (the first ones are waiting for staff by then).
const TG_CHAT_2 = 5550009876;
const ZALO_CHAT_2 = 'zalo-user-31c6b0a4e2';

/** What citizens type on every channel. */
const CITIZEN_TEXTS = [
  'xin chào',
  `số căn cước của tôi là ${ID_NUMBER}`,
  ID_NUMBER,
  `cccd ${ID_NUMBER} làm lại`,
  `số điện thoại ${PHONE}`,
  PHONE,
  `gọi cho tôi ${PHONE_INTL}`,
  `mật khẩu là ${PASSWORD_TYPED}`,
  'otp 123456',
  'đăng ký khai sinh',
  `khai sinh cho con, bố ${PHONE}, mẹ ${ID_NUMBER}`,
  'gặp cán bộ',
  `em để lại số ${PHONE} và căn cước ${ID_NUMBER}`,
  `mật khẩu của tôi là ${PASSWORD_TYPED}`,
];

const lines: string[] = [];
const capture = { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };

let fakeTg: FakeTelegram;
let fakeZalo: FakeZalo;
let server: Server;
let stores: Stores;
let app: FastifyInstance;
let dir: string;
let closed = false;
const clock = { now: Date.UTC(2026, 10, 24, 2, 0, 0) };
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  fakeTg = await startFakeTelegram(TG_TOKEN);
  fakeZalo = await startFakeZalo(ZALO_TOKEN);
  dir = await mkdtemp(join(tmpdir(), 'dvc-privacy-'));
  const config = testConfig({
    DATA_DIR: dir,
    LOG_LEVEL: 'trace',
    PUBLIC_URL: 'https://bot.example.gov.vn',
    TELEGRAM_BOT_TOKEN: TG_TOKEN,
    TELEGRAM_API_ROOT: fakeTg.apiRoot,
    TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
    ZALO_BOT_TOKEN: ZALO_TOKEN,
    ZALO_API_BASE: fakeZalo.base,
    ZALO_WEBHOOK_SECRET: ZALO_SECRET,
    ADMIN_USERNAME: ADMIN_USER,
    ADMIN_PASSWORD,
  });
  stores = await createMemoryStores();
  server = await createServer({ config, log: createLogger('trace', capture), stores, now: () => clock.now });
  app = server.app;
  for (const c of server.assistant.channels) await c.start();
});

afterAll(async () => {
  if (!closed) {
    for (const c of server?.assistant.channels ?? []) await c.stop(Date.now() + 2000);
    await app?.close();
  }
  await fakeTg?.close();
  await fakeZalo?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  process.off('unhandledRejection', onUnhandled);
});

let updateId = 9000;
const tgPost = (body: unknown, secret: string | null = TG_SECRET, raw?: string) =>
  app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, payload: raw ?? JSON.stringify(body) });
const tgText = (text: string, chat = TG_CHAT) => ({ update_id: ++updateId, message: { message_id: updateId, date: 1_790_000_000, chat: { id: chat, type: 'private', first_name: 'Lan' }, from: { id: chat, is_bot: false, first_name: 'Lan' }, text } });
let zaloId = 0;
const zaloPost = (body: unknown, secret: string | null = ZALO_SECRET, raw?: string) =>
  app.inject({ method: 'POST', url: '/zalo/webhook', headers: { 'content-type': 'application/json', ...(secret ? { 'x-bot-api-secret-token': secret } : {}) }, payload: raw ?? JSON.stringify(body) });
const zaloText = (text: string, chat = ZALO_CHAT) => ({ event_name: 'message.text.received', message: { from: { id: chat, display_name: 'Lan', is_bot: false }, chat: { id: chat, chat_type: 'PRIVATE' }, text, message_id: `zm${++zaloId}`, date: 1_790_000_000_000 } });
const tgSends = () => fakeTg.calls.filter((c) => c.method === 'sendMessage').length;
const zaloSends = () => fakeZalo.sent.filter((c) => c.method === 'sendMessage').length;

describe('privacy of logs and events over a full run', () => {
  it('logs no token, secret, password, session cookie or citizen ID/phone number', async () => {
    // --- Web chat.
    const web = citizen(app, WEB_SID);
    // Citizens type at a human pace (the rate limit allows a burst of 8, then 30 a minute).
    const webAnswers: string[] = [];
    for (const [i, text] of CITIZEN_TEXTS.entries()) {
      clock.now += 5_000;
      const replies = await web.say(text);
      // Every message is answered, also after the hand-over to staff (which acknowledges it).
      expect(replies.length, `web message ${i + 1}`).toBeGreaterThan(0);
      webAnswers.push(replies.map((r) => r.text).join('\n'));
    }
    // The typed passwords and the OTP got the warning instead of an ordinary answer.
    expect(webAnswers.map((a) => a.includes('tuyệt đối không chia sẻ'))).toEqual(CITIZEN_TEXTS.map((t) => t.includes(PASSWORD_TYPED) || t.startsWith('otp')));

    // --- Telegram webhook, one message at a time so the conversation advances.
    for (const text of CITIZEN_TEXTS) {
      clock.now += 5_000;
      const before = tgSends();
      expect((await tgPost(tgText(text))).statusCode).toBe(200);
      // While waiting for staff the bot stays silent; otherwise wait for its answer.
      await waitFor(async () => tgSends() > before || (await stores.handoffs.openFor(`telegram:${TG_CHAT}`)) !== undefined).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 20));
    }
    // --- Zalo webhook.
    for (const text of CITIZEN_TEXTS) {
      clock.now += 5_000;
      const before = zaloSends();
      expect((await zaloPost(zaloText(text))).statusCode).toBe(200);
      await waitFor(async () => zaloSends() > before || (await stores.handoffs.openFor(`zalo:${ZALO_CHAT}`)) !== undefined).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Secret warnings were shown on every channel (the assistant saw the password and OTP).
    expect(fakeTg.calls.some((c) => String(c.body.text).includes('tuyệt đối không chia sẻ'))).toBe(true);
    expect(fakeZalo.sent.some((c) => String(c.body.text).includes('tuyệt đối không chia sẻ'))).toBe(true);

    // --- Admin: wrong then right password, flow publish, alias, catalogue edit, inbox.
    const wrong = await login(app, ADMIN_USER, 'Wrong-Password-123', '10.9.0.1');
    expect(wrong.res.statusCode).toBe(401);
    const auth = await login(app, ADMIN_USER, ADMIN_PASSWORD, '10.9.0.2');
    expect(auth.cookie).toMatch(/^dvc_admin=.{16,}/);
    const cookieValue = auth.cookie.slice('dvc_admin='.length);
    const admin = client(app, auth);
    const v1 = (await stores.flows.get('track-dossier'))!.versions.at(-1)!.yaml;
    const publish = await admin.post('/admin/flows/track-dossier/save', { yaml: v1.replace('Chúc anh/chị sớm nhận kết quả!', 'Chúc anh/chị sớm nhận kết quả! (bản mới)'), action: 'publish', note: 'privacy run' });
    expect(publish.statusCode).toBe(303);
    expect((await stores.flows.get('track-dossier'))!.current).toBe(2);
    expect((await admin.post('/admin/aliases/add', { table: 'aliases', from: 'gpnk', to: 'giấy phép nuôi chim yến' })).statusCode).toBe(303);
    const p = (await stores.catalogue.get('1.001193'))!;
    expect((await admin.post('/admin/catalogue/1.001193', { code: p.code, name: p.name, field: p.field, level: p.level, fee: 'Miễn lệ phí', online: 'full', boost: '1' })).statusCode).toBe(303);
    // Staff answer the Telegram citizen who asked for a human.
    const h = (await stores.handoffs.list({ status: 'waiting' })).items.find((x) => x.channel === 'telegram')!;
    expect(h).toBeDefined();
    expect((await admin.post(`/admin/inbox/${h.id}/claim`, {})).statusCode).toBe(303);
    const beforeStaff = tgSends();
    expect((await admin.post(`/admin/inbox/${h.id}/reply`, { text: `Cán bộ đã ghi nhận số ${PHONE} của anh/chị.` })).statusCode).toBe(303);
    expect(tgSends()).toBe(beforeStaff + 1);
    expect((await admin.post(`/admin/inbox/${h.id}/close`, {})).statusCode).toBe(303);

    // --- Errors: malformed JSON, wrong secrets, oversized bodies, failing messenger APIs.
    expect((await app.inject({ method: 'POST', url: '/api/chat', headers: { 'content-type': 'application/json' }, payload: `{"sid":"${WEB_SID}","text":"${ID_NUMBER}` })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/api/chat', payload: { sid: WEB_SID, text: `${PHONE} `.repeat(3000) } })).statusCode).toBe(413);
    expect((await tgPost(null, TG_SECRET, `{"update_id":1,"message":{"text":"${ID_NUMBER}"`)).statusCode).toBe(400);
    expect((await zaloPost(null, ZALO_SECRET, `{"event_name":"${PHONE}"`)).statusCode).toBe(400);
    expect((await tgPost(tgText(ID_NUMBER), ZALO_SECRET)).statusCode).toBe(401);
    expect((await tgPost(tgText(ID_NUMBER), null)).statusCode).toBe(401);
    expect((await zaloPost(zaloText(PHONE), TG_SECRET)).statusCode).toBe(401);
    expect((await zaloPost(zaloText(PHONE), `${ZALO_SECRET}x`)).statusCode).toBe(401);
    expect((await tgPost(null, TG_SECRET, JSON.stringify(tgText(`${ID_NUMBER} `.repeat(6000))))).statusCode).toBe(413);
    expect((await zaloPost(null, ZALO_SECRET, JSON.stringify(zaloText(`${PHONE} `.repeat(7000))))).statusCode).toBe(413);
    // A citizen message whose answer the Telegram and Zalo APIs refuse.
    fakeTg.failNext.sendMessage = [500, 500, 500, 500, 500, 500];
    fakeZalo.failNext.sendMessage = [400, 400, 400, 400, 400, 400];
    expect((await tgPost(tgText(`cccd ${ID_NUMBER}`, TG_CHAT_2))).statusCode).toBe(200);
    expect((await zaloPost(zaloText(`sđt ${PHONE}`, ZALO_CHAT_2))).statusCode).toBe(200);
    await waitFor(() => lines.some((l) => l.includes('telegram send failed')) && lines.some((l) => l.includes('zalo call failed')));
    fakeTg.failNext.sendMessage = [];
    fakeZalo.failNext.sendMessage = [];
    // Updates the channels drop: a Telegram message whose text is not a string, an unknown Zalo event.
    expect((await tgPost({ update_id: ++updateId, message: { ...tgText('x', TG_CHAT_2).message, text: Number(ID_NUMBER) } })).statusCode).toBe(200);
    expect((await zaloPost({ ...zaloText(PHONE, ZALO_CHAT_2), event_name: 'message.reaction.received' })).statusCode).toBe(200);
    await waitFor(() => lines.some((l) => l.includes('telegram update failed')) && lines.some((l) => l.includes('zalo update ignored')));
    // A form posted with a wrong CSRF token, an unknown page, then a locked-out sign-in.
    expect((await admin.post('/admin/aliases/add', { table: 'aliases', from: PHONE, to: 'x' }, { csrf: 'forged-csrf-token' })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: `/tra-cuu/${ID_NUMBER}?phone=${PHONE}` })).statusCode).toBe(404);
    for (let i = 0; i < 6; i++) await login(app, ADMIN_USER, `${ADMIN_PASSWORD}-${i}`, '10.9.0.3');
    expect((await login(app, ADMIN_USER, ADMIN_PASSWORD, '10.9.0.3')).res.statusCode).toBe(429);
    // Shutdown, as main.ts does it: channels stop, then the app closes (and flushes the event log).
    for (const c of server.assistant.channels) await c.stop(Date.now() + 2000);
    await app.close();
    closed = true;

    // --- The log.
    const log = lines.join('\n');
    // The capture really saw the run (at trace level, from every part).
    expect(lines.length).toBeGreaterThan(10);
    for (const msg of ['telegram channel live', 'zalo channel live', 'first admin account created from ADMIN_USERNAME', 'login failed', 'signed in', 'admin change', 'telegram send failed', 'zalo call failed', 'telegram update failed', 'zalo update ignored', 'CSRF token missing or wrong', 'login locked out']) {
      expect(log, msg).toContain(msg);
    }
    const forbidden: [string, string][] = [
      ['Telegram bot token', TG_TOKEN],
      ['Telegram token secret part', TG_TOKEN.split(':')[1]!],
      ['Zalo bot token', ZALO_TOKEN],
      ['Zalo token secret part', ZALO_TOKEN.split(':')[1]!],
      ['Telegram webhook secret', TG_SECRET],
      ['Zalo webhook secret', ZALO_SECRET],
      ['admin password', ADMIN_PASSWORD],
      ['admin session cookie', cookieValue],
      ['admin CSRF token', auth.csrf],
      ['ID number', ID_NUMBER],
      ['phone number', PHONE],
      ['phone number without 0', '912345678'],
      ['phone number, international', PHONE_INTL],
      ['typed password', PASSWORD_TYPED],
      ['typed OTP', 'otp 123456'],
      ['Telegram chat id', String(TG_CHAT)],
      ['second Telegram chat id', String(TG_CHAT_2)],
      ['Zalo chat id', ZALO_CHAT],
      ['second Zalo chat id', ZALO_CHAT_2],
      ['web session id', web.id()],
    ];
    const found = forbidden.filter(([, value]) => log.includes(value)).map(([what]) => what);
    expect(found).toEqual([]);

    // --- The analytics events on disk (closing the app flushed them; flushing again is harmless).
    await server.events.flush();
    const eventDir = join(dir, 'events');
    const files = (await readdir(eventDir)).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThan(0);
    const events = (await Promise.all(files.map((f) => readFile(join(eventDir, f), 'utf8')))).join('');
    const eventLines = events.split('\n').filter(Boolean);
    const types = new Set(eventLines.map((l) => (JSON.parse(l) as { type: string }).type));
    for (const t of ['message_in', 'secret_warning', 'handoff', 'staff_reply']) expect(types, t).toContain(t);
    const channels = new Set(eventLines.map((l) => (JSON.parse(l) as { channel: string }).channel));
    expect([...channels].sort()).toEqual(['telegram', 'web', 'zalo']);
    const inEvents = [
      ['ID number', ID_NUMBER],
      ['phone number', PHONE],
      ['phone number without 0', '912345678'],
      ['phone number, international', PHONE_INTL],
      ['typed password', PASSWORD_TYPED],
      ['Telegram chat id', String(TG_CHAT)],
      ['Zalo chat id', ZALO_CHAT],
      ['second Telegram chat id', String(TG_CHAT_2)],
      ['second Zalo chat id', ZALO_CHAT_2],
      ['web session id', web.id()],
    ].filter(([, value]) => events.includes(value!)).map(([what]) => what);
    expect(inEvents).toEqual([]);
    expect(unhandled).toEqual([]);
    console.log(`privacy: ${lines.length} log lines, ${found.length} secrets/PII found`);
    console.log(`privacy: ${eventLines.length} events in ${files.length} file(s), ${inEvents.length} ID/phone numbers or raw chat ids found`);
  }, 60_000);
});
