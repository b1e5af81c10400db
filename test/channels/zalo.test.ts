import { createMemoryCoordinator } from '../../src/coord/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createAssistant } from '../../src/assistant.js';
import { createZaloChannel, renderReply, splitText } from '../../src/channels/zalo/index.js';
import { testConfig } from '../../src/config.js';
import type { Inbound, Reply } from '../../src/core/message.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { createMemoryStores } from '../../src/store/index.js';
import { startFakeZalo, type FakeZalo } from '../fakes/zalo.js';

const SECRET = 'zalo-secret-abcdef-123';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitFor(cond: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup(opts: { webhook: boolean; handle?: (i: Inbound) => Promise<Reply[]>; real?: boolean }) {
  const fake = await startFakeZalo();
  cleanups.push(() => fake.close());
  const config = testConfig({ ZALO_BOT_TOKEN: fake.token, ZALO_API_BASE: fake.base, ZALO_WEBHOOK_SECRET: SECRET, ...(opts.webhook ? { PUBLIC_URL: 'https://bot.example.gov.vn' } : {}) });
  const log = createLogger('silent');
  const stores = await createMemoryStores();
  let inner = opts.handle ?? (async (i: Inbound) => [{ text: `echo ${i.text ?? i.kind}` }]);
  if (opts.real) inner = (await createAssistant({ config, log, stores, now: () => Date.UTC(2026, 10, 24, 2) })).handle;
  // How many Zalo messages each handled update turns into: a test waits for exactly those to be sent.
  const turns: number[] = [];
  const handle = async (i: Inbound) => {
    const replies = await inner(i);
    turns.push(replies.reduce((n, r) => n + renderReply(r).texts.length, 0));
    return replies;
  };
  const channel = createZaloChannel({ config, handle, log, settings: stores.settings, now: () => 0, coord: createMemoryCoordinator() });
  const app: FastifyInstance = await buildApp({ config, log, channels: [channel], storesReady: () => true });
  cleanups.push(() => app.close());
  await channel.start();
  cleanups.push(() => channel.stop(Date.now() + 1000));
  /** Delivers one citizen message and resolves with everything the channel sent for it. */
  const turn = async (deliver: () => Promise<unknown> | void) => {
    const sentBefore = texts(fake).length;
    const turnsBefore = turns.length;
    await deliver();
    await waitFor(() => turns.length > turnsBefore && texts(fake).length >= sentBefore + turns[turnsBefore]!);
    return texts(fake).slice(sentBefore).join('\n');
  };
  return { fake, app, channel, turn };
}

const update = (text: string, id: string, chat = 'chat-1', event = 'message.text.received') => ({
  event_name: event,
  message: { from: { id: chat, display_name: 'Lan', is_bot: false }, chat: { id: chat, chat_type: 'PRIVATE' }, text, message_id: id, date: 1750316131602 },
});
const post = (app: FastifyInstance, body: unknown, secret: string | null = SECRET, raw?: string) =>
  app.inject({ method: 'POST', url: '/zalo/webhook', headers: { 'content-type': 'application/json', ...(secret ? { 'x-bot-api-secret-token': secret } : {}) }, payload: raw ?? JSON.stringify(body) });
const texts = (f: FakeZalo) => f.sent.filter((s) => s.method === 'sendMessage').map((s) => String(s.body.text));

describe('Zalo webhook', () => {
  it('registers PUBLIC_URL/zalo/webhook with its secret at start-up', async () => {
    const { fake } = await setup({ webhook: true });
    expect(fake.webhook).toEqual({ url: 'https://bot.example.gov.vn/zalo/webhook', secret: SECRET });
  });

  it('refuses a wrong or missing secret and processes nothing', async () => {
    const { fake, app } = await setup({ webhook: true });
    expect((await post(app, update('hi', 'm1'), 'wrong-secret-xx')).statusCode).toBe(401);
    expect((await post(app, update('hi', 'm2'), null)).statusCode).toBe(401);
    // Same chat, so processed after anything the refused requests could have queued.
    await post(app, update('accepted', 'm3'));
    await waitFor(() => texts(fake).length >= 1);
    expect(texts(fake)).toEqual(['echo accepted']);
  });

  it('accepts wrapped and bare bodies, and processes a duplicate once', async () => {
    const { fake, app } = await setup({ webhook: true });
    expect((await post(app, update('bare', 'm1'))).statusCode).toBe(200);
    expect((await post(app, { ok: true, result: update('wrapped', 'm2') })).statusCode).toBe(200);
    await post(app, update('bare', 'm1'));
    // Same chat, so the duplicate was dealt with before this one is answered.
    await post(app, update('last', 'm3'));
    await waitFor(() => texts(fake).includes('echo last'));
    expect(texts(fake)).toEqual(['echo bare', 'echo wrapped', 'echo last']);
  });

  it('keeps the order of one chat even when the first message is slow', async () => {
    const { fake, app } = await setup({
      webhook: true,
      handle: async (i) => {
        if (i.text === 'first') await new Promise((r) => setTimeout(r, 80));
        return [{ text: `re ${i.text}` }];
      },
    });
    await post(app, update('first', 'a1'));
    await post(app, update('second', 'a2'));
    await waitFor(() => texts(fake).length === 2);
    expect(texts(fake)).toEqual(['re first', 're second']);
  });

  it('answers photos (photo or photo_url), stickers and unsupported messages, and acknowledges unknown events', async () => {
    const { fake, app } = await setup({ webhook: true });
    await post(app, { event_name: 'message.image.received', message: { chat: { id: 'c2' }, from: { id: 'c2' }, photo_url: 'https://x/y.jpg', message_id: 'p1' } });
    await post(app, { event_name: 'message.image.received', message: { chat: { id: 'c2' }, from: { id: 'c2' }, photo: 'https://x/z.jpg', message_id: 'p2' } });
    await post(app, { event_name: 'message.unsupported.received', message: { chat: { id: 'c2' }, from: { id: 'c2' }, message_id: 'u1' } });
    expect((await post(app, { event_name: 'message.reaction.received', message: { chat: { id: 'c2' }, message_id: 'r1' } })).statusCode).toBe(200);
    await waitFor(() => texts(fake).length === 3);
    expect(texts(fake)).toEqual(['echo image', 'echo image', 'echo unsupported']);
  });

  it('answers malformed JSON with 400, oversized bodies with 413 and an empty probe with 200', async () => {
    const { app } = await setup({ webhook: true });
    expect((await post(app, null, SECRET, '{"event_name":')).statusCode).toBe(400);
    expect((await post(app, null, SECRET, JSON.stringify(update('x'.repeat(70_000), 'big')))).statusCode).toBe(413);
    expect((await post(app, null, SECRET, '')).statusCode).toBe(200);
  });

  it('retries a 429 and then sends once', async () => {
    const { fake, app } = await setup({ webhook: true });
    fake.failNext.sendMessage = [429];
    await post(app, update('hi', 'r1'));
    await waitFor(() => texts(fake).length === 1);
    expect(texts(fake)).toEqual(['echo hi']);
  });

  it('a stalled send for one chat does not hold up another chat', async () => {
    const { fake, app } = await setup({ webhook: true });
    fake.stallNext.sendMessage = [1500];
    const t0 = Date.now();
    await post(app, update('slow chat', 's1', 'chat-a'));
    // The fake records a call when it arrives and answers it 1.5 s later.
    await waitFor(() => texts(fake).includes('echo slow chat'));
    await post(app, update('other chat', 's2', 'chat-b'));
    await waitFor(() => texts(fake).includes('echo other chat'));
    // chat-b was answered while chat-a's send was still stalled.
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('splits replies over 2,000 characters on line boundaries', async () => {
    const long = Array.from({ length: 60 }, (_, i) => (`Dòng ${i + 1}: ` + 'nội dung hướng dẫn '.repeat(3)).trimEnd()).join('\n');
    const { fake, app } = await setup({ webhook: true, handle: async () => [{ text: long }] });
    await post(app, update('dai', 'l1'));
    await waitFor(() => texts(fake).length >= 2);
    const parts = texts(fake);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(2000);
    expect(parts.join('\n')).toBe(long);
    expect(splitText('a'.repeat(4500), 2000).map((s) => s.length)).toEqual([2000, 2000, 500]);
  });

  it('walks register-vneid with numbered menus through the real router', async () => {
    const { app, turn } = await setup({ webhook: true, real: true });
    let n = 0;
    const say = (text: string) => turn(() => post(app, update(text, `v${++n}`, 'citizen-9')));
    const first = await say('đăng ký vneid');
    expect(first).toContain('Tài khoản định danh điện tử (ứng dụng VNeID) có 2 mức');
    expect(first).toContain('1. Đăng ký mức độ 2 (để làm dịch vụ công)\n2. Đăng ký mức độ 1 trên ứng dụng');
    expect(first).toContain('(Gõ số thứ tự để chọn)');
    const level2 = await say('1');
    expect(level2).toContain('Điền tờ khai TK01');
    expect(level2).toContain('Trang VNeID của Bộ Công an: https://vneid.gov.vn');
    expect(level2).toContain('1. Có, hướng dẫn nộp hồ sơ\n2. Không, cảm ơn');
    const done = await say('2');
    expect(done).toContain('1. 1\n2. 2\n3. 3\n4. 4\n5. 5');
    expect(await say('5')).toContain('1. Có\n2. Không');
    expect(await say('1')).toContain('Cảm ơn anh/chị đã phản hồi');
  });
});

describe('Zalo polling', () => {
  it('deletes the webhook first, then answers updates from getUpdates', async () => {
    const fake = await startFakeZalo();
    cleanups.push(() => fake.close());
    fake.webhook = { url: 'https://old', secret: 'x'.repeat(10) };
    fake.queue.push(update('xin chao', 'g1', 'poll-chat'));
    const config = testConfig({ ZALO_BOT_TOKEN: fake.token, ZALO_API_BASE: fake.base });
    const stores = await createMemoryStores();
    const channel = createZaloChannel({ config, handle: async (i) => [{ text: `echo ${i.text}` }], log: createLogger('silent'), settings: stores.settings, now: () => 0, coord: createMemoryCoordinator() });
    await channel.start();
    cleanups.push(() => channel.stop(Date.now() + 1000));
    expect(channel.mode).toBe('polling');
    await waitFor(() => texts(fake).length === 1);
    expect(texts(fake)).toEqual(['echo xin chao']);
    expect(fake.sent.findIndex((s) => s.method === 'deleteWebhook')).toBeLessThan(fake.sent.findIndex((s) => s.method === 'getUpdates'));
  });

  it('walks register-vneid in polling mode through the real router', async () => {
    const { fake, turn } = await setup({ webhook: false, real: true });
    let n = 0;
    const say = (text: string) => turn(() => void fake.queue.push(update(text, `q${++n}`, 'poll-citizen')));
    expect(await say('vneid')).toContain('1. Đăng ký mức độ 2 (để làm dịch vụ công)');
    expect(await say('2')).toContain('Tải ứng dụng VNeID');
    expect(await say('1')).toContain('Anh/chị cần nộp hồ sơ cho thủ tục nào?');
  });

  it('fails fast with a clear message on a bad token', async () => {
    const fake = await startFakeZalo();
    cleanups.push(() => fake.close());
    const config = testConfig({ ZALO_BOT_TOKEN: 'wrong-token-12345', ZALO_API_BASE: fake.base });
    const stores = await createMemoryStores();
    const channel = createZaloChannel({ config, handle: async () => [], log: createLogger('silent'), settings: stores.settings, now: () => 0, coord: createMemoryCoordinator() });
    await expect(channel.start()).rejects.toThrow(/Zalo rejected ZALO_BOT_TOKEN \(401\)/);
    await expect(channel.start()).rejects.not.toThrow(/wrong-token/);
  });
});
