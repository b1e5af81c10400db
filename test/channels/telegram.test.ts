import { createMemoryCoordinator } from '../../src/coord/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createAssistant } from '../../src/assistant.js';
import { createTelegramChannel } from '../../src/channels/telegram/index.js';
import { testConfig } from '../../src/config.js';
import type { Inbound, Reply } from '../../src/core/message.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { createMemoryStores } from '../../src/store/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';

const SECRET = 'tg-secret_123456';
const BOT_INFO = { id: 42, is_bot: true as const, first_name: 'DVC', username: 'dvc_test_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false } as never;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function waitFor(cond: () => boolean, ms = 4000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
const sends = (f: FakeTelegram) => f.calls.filter((c) => c.method === 'sendMessage').map((c) => c.body as { text: string; reply_markup?: { inline_keyboard: { text: string; callback_data?: string; url?: string }[][] } });

async function setup(opts: { webhook: boolean; handle?: (i: Inbound) => Promise<Reply[]>; real?: boolean; botInfo?: boolean }) {
  const fake = await startFakeTelegram();
  cleanups.push(() => fake.close());
  const config = testConfig({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_WEBHOOK_SECRET: SECRET, ...(opts.webhook ? { PUBLIC_URL: 'https://bot.example.gov.vn' } : {}) });
  const log = createLogger('silent');
  const stores = await createMemoryStores();
  let inner = opts.handle ?? (async (i: Inbound) => [{ text: `echo ${i.text ?? i.kind}` }]);
  if (opts.real) inner = (await createAssistant({ config, log, stores, now: () => Date.UTC(2026, 10, 24, 2) })).handle;
  // How many replies (one sendMessage each) every handled update produced: a test waits for exactly those.
  const turns: number[] = [];
  const handle = async (i: Inbound) => {
    const replies = await inner(i);
    turns.push(replies.length);
    return replies;
  };
  const channel = createTelegramChannel({ config, handle, log, settings: stores.settings, now: () => 0, coord: createMemoryCoordinator() }, opts.botInfo === false ? {} : { botInfo: BOT_INFO });
  const app: FastifyInstance = await buildApp({ config, log, channels: [channel], storesReady: () => true });
  cleanups.push(() => app.close());
  await channel.start();
  cleanups.push(() => channel.stop(Date.now() + 1000));
  /** Delivers one update and resolves with every message sent for it. */
  const turn = async (deliver: () => Promise<unknown> | void) => {
    const sentBefore = sends(fake).length;
    const turnsBefore = turns.length;
    await deliver();
    await waitFor(() => turns.length > turnsBefore && sends(fake).length >= sentBefore + turns[turnsBefore]!);
    return sends(fake).slice(sentBefore);
  };
  return { fake, app, channel, turn };
}

let updateId = 1000;
const textUpdate = (text: string, chat = 7) => ({ update_id: ++updateId, message: { message_id: updateId, date: 1, chat: { id: chat, type: 'private', first_name: 'Lan' }, from: { id: chat, is_bot: false, first_name: 'Lan' }, text } });
const callbackUpdate = (data: string, chat = 7) => ({ update_id: ++updateId, callback_query: { id: `cb${updateId}`, chat_instance: 'x', data, from: { id: chat, is_bot: false, first_name: 'Lan' }, message: { message_id: 1, date: 1, chat: { id: chat, type: 'private', first_name: 'Lan' }, text: 'menu' } } });
const post = (app: FastifyInstance, body: unknown, secret: string | null = SECRET, raw?: string) =>
  app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, payload: raw ?? JSON.stringify(body) });

describe('Telegram webhook', () => {
  it('registers the webhook with its secret and the commands in Vietnamese and English', async () => {
    const { fake } = await setup({ webhook: true });
    expect(fake.calls.find((c) => c.method === 'setWebhook')?.body).toMatchObject({ url: 'https://bot.example.gov.vn/telegram/webhook', secret_token: SECRET });
    const langs = fake.calls.filter((c) => c.method === 'setMyCommands').map((c) => c.body.language_code ?? 'default');
    expect(langs).toEqual(['default', 'vi', 'en']);
  });

  it('refuses wrong secrets, rejects malformed and oversized bodies, and processes duplicates once', async () => {
    const { fake, app } = await setup({ webhook: true });
    expect((await post(app, textUpdate('x'), 'nope-nope-nope')).statusCode).toBe(401);
    expect((await post(app, null, SECRET, '{"update_id":')).statusCode).toBe(400);
    expect((await post(app, null, SECRET, JSON.stringify(textUpdate('y'.repeat(70_000))))).statusCode).toBe(413);
    const u = textUpdate('hello');
    await post(app, u);
    await post(app, u);
    // Same chat, so the duplicate was dealt with before this one is answered.
    await post(app, textUpdate('last'));
    await waitFor(() => sends(fake).some((s) => s.text === 'echo last'));
    expect(sends(fake).map((s) => s.text)).toEqual(['echo hello', 'echo last']);
  });

  it('keeps per-chat order, retries a 429, and answers stickers with the text-only path', async () => {
    const { fake, app } = await setup({
      webhook: true,
      handle: async (i) => {
        if (i.text === 'slow') await new Promise((r) => setTimeout(r, 80));
        return [{ text: `re ${i.text ?? i.kind}` }];
      },
    });
    fake.failNext.sendMessage = [429];
    await post(app, textUpdate('slow'));
    await post(app, textUpdate('fast'));
    await post(app, { update_id: ++updateId, message: { message_id: 9, date: 1, chat: { id: 7, type: 'private' }, from: { id: 7, is_bot: false, first_name: 'L' }, sticker: { file_id: 'f', file_unique_id: 'u', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } } });
    await waitFor(() => sends(fake).length === 3, 6000);
    expect(sends(fake).map((s) => s.text)).toEqual(['re slow', 're fast', 're sticker']);
  });

  it('walks register-vneid with inline keyboards and answers every callback', async () => {
    const { fake, app, turn } = await setup({ webhook: true, real: true });
    const send = (u: unknown) => turn(() => post(app, u));
    const first = await send(textUpdate('/start'));
    expect(first[0]!.text).toMatch(/^Xin chào anh\/chị!/);
    expect(first[0]!.reply_markup!.inline_keyboard.map((row) => row[0]!.text)).toContain('Đăng ký tài khoản VNeID');
    const intro = await send(callbackUpdate('o1'));
    expect(intro[0]!.text).toMatch(/có 2 mức/);
    expect(intro[1]!.reply_markup!.inline_keyboard.map((r) => r[0]!.callback_data)).toEqual(['o1', 'o2', 'o3', 'o4']);
    const level2 = await send(callbackUpdate('o1'));
    expect(level2[0]!.text).toContain('Điền tờ khai TK01');
    expect(level2[0]!.reply_markup!.inline_keyboard[0]![0]).toEqual({ text: 'Trang VNeID của Bộ Công an', url: 'https://vneid.gov.vn' });
    expect(fake.calls.filter((c) => c.method === 'answerCallbackQuery')).toHaveLength(2);
  });
});

describe('Telegram polling', () => {
  it('deletes the webhook first and answers updates from getUpdates', async () => {
    const { fake, channel } = await setup({ webhook: false });
    expect(channel.mode).toBe('polling');
    fake.updates.push(textUpdate('xin chao', 99));
    await waitFor(() => sends(fake).length === 1);
    expect(sends(fake)[0]!.text).toBe('echo xin chao');
    const order = fake.calls.map((c) => c.method);
    expect(order.indexOf('deleteWebhook')).toBeLessThan(order.indexOf('getUpdates'));
  });

  it('walks register-vneid in polling mode through the real router', async () => {
    const { fake, turn } = await setup({ webhook: false, real: true });
    const poll = (u: unknown) => turn(() => void fake.updates.push(u));
    const intro = await poll(textUpdate('đăng ký vneid', 55));
    expect(intro[1]!.reply_markup!.inline_keyboard.map((r) => r[0]!.text)).toEqual([
      'Đăng ký mức độ 2 (để làm dịch vụ công)',
      'Đăng ký mức độ 1 trên ứng dụng',
      'Kích hoạt tài khoản sau khi nhận SMS',
      'Gặp sự cố (OTP, mật khẩu, số điện thoại, mất máy)',
    ]);
    const level1 = await poll(callbackUpdate('o2', 55));
    expect(level1[0]!.text).toContain('Tải ứng dụng VNeID');
  });

  it('fails fast with a clear message on a bad token', async () => {
    const fake = await startFakeTelegram();
    cleanups.push(() => fake.close());
    const config = testConfig({ TELEGRAM_BOT_TOKEN: '999:' + 'B'.repeat(35), TELEGRAM_API_ROOT: fake.apiRoot });
    const stores = await createMemoryStores();
    const channel = createTelegramChannel({ config, handle: async () => [], log: createLogger('silent'), settings: stores.settings, now: () => 0, coord: createMemoryCoordinator() });
    const err = await channel.start().then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/Telegram rejected TELEGRAM_BOT_TOKEN \(401\)/);
    expect(err?.message).not.toContain('BBBB');
  });
});
