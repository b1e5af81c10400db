import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createAssistant, type Assistant } from '../../src/assistant.js';
import type { Channel } from '../../src/channels/channel.js';
import { testConfig } from '../../src/config.js';
import { parseSession } from '../../src/core/session.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { createMemoryStores } from '../../src/store/index.js';
import type { Stores } from '../../src/store/types.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { startFakeZalo, type FakeZalo } from '../fakes/zalo.js';
import { seededRandom } from '../../src/demo/random.js';

/**
 * Seeded fuzz of both webhooks through the real router: every generated body gets a defined
 * status (the exact one where it is deterministic), nothing crashes, every stored session still
 * parses, and nothing the channels send is over the messenger's length limit.
 */

const N = 10_000;
const TG_SECRET = 'tg-fuzz_secret_0123456789';
const ZALO_SECRET = 'zalo-fuzz-secret-abcdef-987';
const BODY_LIMIT = 64 * 1024;

const PIECES = [
  'đăng ký', 'khai sinh', 'cccd', 'vneid', 'làm lại căn cước', 'menu', 'quay lại', 'hủy', 'gặp cán bộ', 'English', 'Tiếng Việt', '/start', '/lang', '/help',
  '😀', '👨‍👩‍👧', '\u200b', '\u200d', '\ufeff', '\u202e', '\u0000', '\u0007', '\u001b[31m', '\r\n', '\t', 'Đ', 'a\u0301', 'e\u0323\u0302', '<b>', '</script>', '"', '\\', '{', '}',
  ' ', '\n', 'lam lai', '中文', 'العربية', 'עברית', '1', '2', '9', '0', '10', '99', 'o1', 'p:1.001193', 'k:abc', 'otp 123456', '079203001234', '0912345678', '\ud800', '\udfff',
];
/** Values of the wrong type for any field, including objects whose toString/valueOf are not functions. */
const WRONG = (r: () => number): unknown[] => [
  null, true, false, 0, -1, 1.5, 1e308, -9007199254740993, '', 'x', '🙂'.repeat(3), [], [1, 'a'], {}, { id: 1 },
  { toString: 0 }, { valueOf: 1, toString: 'x' }, JSON.parse('{"__proto__":{"polluted":1}}'), { constructor: { prototype: 1 } }, { constructor: 'x', hasOwnProperty: 1 }, nested(50 + Math.floor(r() * 20)), 'x'.repeat(Math.floor(r() * 5000)),
];
/** Long text: words (the common case), or one long word (slow to search, so used sparingly). */
function longText(len: number, oneWord: boolean): string {
  return oneWord ? 'y'.repeat(len) : 'giấy tờ '.repeat(Math.ceil(len / 8)).slice(0, len);
}
function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

function gen(seed: number) {
  const r = seededRandom(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const garbage = (max = 40) => Array.from({ length: 1 + int(max) }, () => pick(PIECES)).join('');
  const randomBytes = (max = 300) => Buffer.from(Array.from({ length: int(max) }, () => int(256))).toString('latin1');
  /** Replaces or deletes a random field somewhere inside a JSON-like value. */
  const mutate = (v: unknown, del: boolean): unknown => {
    const clone = JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
    let node: Record<string, unknown> = clone;
    for (let d = 0; d < 4; d++) {
      const keys = Object.keys(node);
      if (!keys.length) break;
      const k = pick(keys);
      const child = node[k];
      if (child && typeof child === 'object' && r() < 0.6) {
        node = child as Record<string, unknown>;
        continue;
      }
      if (del) delete node[k];
      else node[k] = pick(WRONG(r));
      return clone;
    }
    if (del) delete node[pick(Object.keys(node).concat('x'))];
    else node[pick(Object.keys(node).concat('x'))] = pick(WRONG(r));
    return clone;
  };
  /** A JSON body whose UTF-8 size is exactly `size` bytes, built by padding a string field. */
  const sized = (template: (pad: string) => unknown, size: number) => {
    const base = Buffer.byteLength(JSON.stringify(template('')));
    const body = JSON.stringify(template('a'.repeat(Math.max(0, size - base))));
    return body;
  };
  return { r, int, pick, garbage, randomBytes, mutate, sized };
}

/**
 * Which class of body each slot of 32 sends. Bodies that reach the router (valid updates) cost
 * a few ms each, those refused early well under one, so the mix keeps 10,000 bodies fast:
 * 0 random bytes, 1 truncated JSON, 2 wrong types, 3 missing fields, 4 sizes around the body
 * limit, 5 deep nesting, 6 unknown kinds/events, 7 odd shapes, 8 wrong/missing secret,
 * 9 duplicate, 10 edge-case bodies and content types, 11 buttons/media, 12 valid text.
 */
const MIX = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 8, 9, 10, 10, 11, 12, 12, 12, 12];

type Case = { cls?: number; payload: string; secret: 'ok' | 'wrong' | 'missing' | 'other-header'; contentType?: string | null; valid?: { chat: string } };

/**
 * Cases every webhook gets, built around one valid update: random bytes (0), truncated JSON (1),
 * updates with wrong types (2) or missing fields (3), bodies just under, at and over the limit (4).
 */
function sharedCase(g: ReturnType<typeof gen>, kind: number, valid: (text: string) => Record<string, unknown>, mutable = valid): Case {
  switch (kind) {
    case 0:
      return { payload: g.randomBytes(), secret: 'ok' };
    case 1:
      return { payload: JSON.stringify(valid(g.garbage())).slice(0, g.int(200)), secret: 'ok' };
    case 2:
    case 3:
      return { payload: JSON.stringify(g.mutate(mutable(g.garbage()), kind === 3)), secret: 'ok' };
    default: {
      const size = BODY_LIMIT + g.pick([-2000, -200, -1, 0, 1, 2, 500, 4000]);
      const inText = g.r() < 0.2;
      return { payload: g.sized((pad) => (inText ? valid(g.garbage(3) + longText(pad.length, false)) : { ...valid(g.garbage(3)), padding: pad }), size), secret: 'ok' };
    }
  }
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** True when fastify's JSON parser (secure-json-parse) refuses the body: "__proto__" or constructor.prototype keys. */
function poisoned(text: string): boolean {
  const walk = (v: unknown): boolean => {
    if (!v || typeof v !== 'object') return false;
    if (Object.hasOwn(v, '__proto__')) return true;
    const ctor = (v as Record<string, unknown>).constructor;
    if (Object.hasOwn(v, 'constructor') && ctor && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return true;
    return Object.values(v).some(walk);
  };
  try {
    return walk(JSON.parse(text));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------

let fakeTg: FakeTelegram;
let fakeZalo: FakeZalo;
let app: FastifyInstance;
let assistant: Assistant;
let stores: Stores;
const unhandled: unknown[] = [];
const logLines: string[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
const channel = (name: string) => assistant.channels.find((c) => c.name === name) as Channel;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  fakeTg = await startFakeTelegram();
  fakeZalo = await startFakeZalo();
  const config = testConfig({
    TELEGRAM_BOT_TOKEN: fakeTg.token,
    TELEGRAM_API_ROOT: fakeTg.apiRoot,
    TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
    ZALO_BOT_TOKEN: fakeZalo.token,
    ZALO_API_BASE: fakeZalo.base,
    ZALO_WEBHOOK_SECRET: ZALO_SECRET,
    PUBLIC_URL: 'https://bot.example.gov.vn',
    // Highest limits the config accepts; chats are spread so no citizen reaches them.
    RATE_LIMIT_PER_MINUTE: '10000',
    RATE_LIMIT_BURST: '1000',
    BODY_LIMIT_BYTES: String(BODY_LIMIT),
  });
  const log = createLogger('warn', { write: (line: string) => void logLines.push(line) });
  stores = await createMemoryStores();
  assistant = await createAssistant({ config, log, stores, now: () => Date.UTC(2026, 10, 24, 2), events: { emit: () => undefined } });
  app = await buildApp({ config, log, channels: assistant.channels, storesReady: () => true });
  for (const c of assistant.channels) await c.start();
});

afterAll(async () => {
  for (const c of assistant?.channels ?? []) await c.stop(Date.now() + 2000);
  await app?.close();
  await fakeTg?.close();
  await fakeZalo?.close();
  process.off('unhandledRejection', onUnhandled);
});

/** Sends all cases, asserting the status of each; returns a count per status. */
async function run(url: string, header: string, secret: string, cases: Case[], expected: (c: Case) => number) {
  const statuses = new Map<number, number>();
  for (const [i, c] of cases.entries()) {
    const headers: Record<string, string> = {};
    if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
    if (c.secret === 'ok') headers[header] = secret;
    else if (c.secret === 'wrong') headers[header] = i % 3 === 0 ? secret + 'x' : i % 3 === 1 ? secret.toUpperCase() : secret.slice(0, -1);
    else if (c.secret === 'other-header') headers[header === 'x-bot-api-secret-token' ? 'x-telegram-bot-api-secret-token' : 'x-bot-api-secret-token'] = secret;
    const res = await app.inject({ method: 'POST', url, headers, payload: c.payload });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    const want = expected(c);
    if (res.statusCode !== want) throw new Error(`case ${i}: expected ${want}, got ${res.statusCode} ${res.body.slice(0, 200)} for ${JSON.stringify(c).slice(0, 300)}`);
  }
  return statuses;
}

/** Checks that every stored session parses; returns how many belong to `channel`. */
async function checkSessions(channel: string) {
  let n = 0;
  for (const key of (await stores.sessions.list({ limit: 1000 })).items.map((e) => e.key)) {
    const s = await stores.sessions.get(key);
    expect(parseSession(JSON.parse(JSON.stringify(s))), key).not.toBeNull();
    if (key.startsWith(`${channel}:`)) n++;
  }
  return n;
}

describe('Telegram webhook under 10,000 generated bodies', () => {
  it('answers each with its defined status, never 500, and sends nothing over 4,096 characters', async () => {
    const g = gen(7001);
    const chats = Array.from({ length: 300 }, (_, i) => 100_000 + i * 7);
    let updateId = 1;
    const message = (chat: number, extra: Record<string, unknown>) => ({ message_id: updateId, date: 1_750_000_000, chat: { id: chat, type: 'private', first_name: 'Lan' }, from: { id: chat, is_bot: false, first_name: 'Lan', language_code: 'vi' }, ...extra });
    const textUpdate = (chat: number, text: string) => ({ update_id: ++updateId, message: message(chat, { text }) });
    const callback = (chat: number, data: string) => ({ update_id: ++updateId, callback_query: { id: `cb${updateId}`, chat_instance: 'ci', data, from: { id: chat, is_bot: false, first_name: 'Lan' }, message: message(chat, { text: 'menu' }) } });
    const cases: Case[] = [];
    let lastValid: unknown = textUpdate(chats[0]!, 'hi');
    for (let i = 0; i < N; i++) {
      const kind = MIX[i % MIX.length]!;
      const chat = g.pick(chats);
      let c: Case;
      switch (kind) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
          c = sharedCase(g, kind, (text) => textUpdate(chat, text), (text) => (g.r() < 0.5 ? textUpdate(chat, text) : callback(chat, g.garbage(5))));
          break;
        case 5: {
          const depth = 1 + g.int(10_000);
          c = { payload: g.r() < 0.5 ? '['.repeat(depth) + ']'.repeat(g.r() < 0.5 ? depth : g.int(depth)) : JSON.stringify({ update_id: ++updateId, message: { ...message(chat, { text: 'x' }), chat: { id: nested(depth % 2000), type: 'private' } } }), secret: 'ok' };
          break;
        }
        case 6: {
          // Unknown or unsupported update kinds and chat types.
          const kinds = [
            { update_id: ++updateId, poll: { id: 'p', question: 'q', options: [] } },
            { update_id: ++updateId, edited_channel_post: message(chat, { text: 'x' }) },
            { update_id: ++updateId, my_chat_member: { chat: { id: chat, type: 'private' } } },
            { update_id: ++updateId, totally_new_kind: { foo: g.garbage() } },
            { update_id: ++updateId, message: { ...message(chat, { text: g.garbage() }), chat: { id: chat, type: g.pick(['group', 'supergroup', 'channel', 'weird']) } } },
            { update_id: ++updateId, message: message(chat, { sticker: { file_id: 'f', file_unique_id: 'u', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } }) },
            { update_id: ++updateId, message: message(chat, { photo: [{ file_id: 'f', file_unique_id: 'u', width: 1, height: 1 }] }) },
            { update_id: ++updateId, message: message(chat, { location: { latitude: 10.7, longitude: 106.6 } }) },
            { update_id: ++updateId, message: message(chat, { voice: { file_id: 'v', file_unique_id: 'u', duration: 1 } }) },
          ];
          c = { payload: JSON.stringify(g.pick(kinds)), secret: 'ok' };
          break;
        }
        case 7:
          c = { payload: JSON.stringify(g.pick([null, 0, 'update', [], [textUpdate(chat, 'hi')], {}, { update_id: 'x' }, { update_id: null, message: {} }, { message: message(chat, { text: 'no id' }) }, { update_id: ++updateId }, { update_id: ++updateId, message: null }, { update_id: ++updateId, message: {} }, { update_id: ++updateId, callback_query: {} }, { update_id: ++updateId, message: { chat: {} } }, { update_id: ++updateId, edited_message: {} }])), secret: 'ok' };
          break;
        case 8:
          // Wrong, missing or misplaced secret, with any body: always refused before parsing.
          c = { payload: g.r() < 0.5 ? JSON.stringify(textUpdate(chat, 'hi')) : g.r() < 0.5 ? g.randomBytes() : 'x'.repeat(BODY_LIMIT + 10), secret: g.pick(['wrong', 'missing', 'other-header'] as const), valid: undefined };
          break;
        case 9:
          // The same update again (a Telegram retry).
          c = { payload: JSON.stringify(lastValid), secret: 'ok' };
          break;
        case 10:
          c = { payload: g.pick(['', ' ', '\n', 'null', 'true', '"x"', '{}', '[]', '{"update_id":', '{"update_id":1,}', '\ufeff{}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']), secret: 'ok', contentType: g.pick(['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', null]) };
          break;
        case 11: {
          const u = callback(chat, g.pick(['o1', 'o2', 'o3', 'o9', 'p:1.001193', 'k:missing', g.garbage(3), 'x'.repeat(300)]));
          lastValid = u;
          c = { payload: JSON.stringify(u), secret: 'ok', valid: { chat: String(chat) } };
          break;
        }
        default: {
          const text = g.r() < 0.3 ? g.pick(['1', '2', '3', 'menu', '/start', 'quay lại', 'hủy', 'gặp cán bộ', 'English', '/lang', 'đăng ký khai sinh', 'vneid']) : g.r() < 0.05 ? g.garbage(3) + longText(g.int(50_000), g.r() < 0.03) : g.garbage(20);
          const u = textUpdate(chat, text);
          lastValid = u;
          c = { payload: JSON.stringify(u), secret: 'ok', valid: { chat: String(chat) } };
        }
      }
      cases.push({ ...c, cls: kind });
    }

    const expected = (c: Case): number => {
      if (c.secret !== 'ok') return 401;
      if (Buffer.byteLength(c.payload) > BODY_LIMIT) return 413;
      // Only JSON (and fastify's built-in text/plain, which the channel then ignores) is parsed.
      if (c.contentType === 'text/plain' || (c.contentType === null && c.payload === '')) return 200;
      if (c.contentType !== undefined && !c.contentType?.startsWith('application/json')) return 415;
      // fastify's JSON parser refuses an empty body and prototype-poisoning keys, and skips a BOM.
      const text = c.payload.replace(/^\ufeff/, '');
      if (c.payload === '' || poisoned(text)) return 400;
      return parsesAsJson(text) ? 200 : 400;
    };
    const t0 = Date.now();
    const statuses = await run('/telegram/webhook', 'x-telegram-bot-api-secret-token', TG_SECRET, cases, expected);
    // Drain: stop() waits for every queued update of every chat.
    await channel('telegram').stop(Date.now() + 30_000);
    const sends = fakeTg.calls.filter((c) => c.method === 'sendMessage').map((c) => c.body as { chat_id: unknown; text: unknown; reply_markup?: { inline_keyboard: { text: string; callback_data?: string }[][] } });
    const settled = sends.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(fakeTg.calls.filter((c) => c.method === 'sendMessage').length).toBe(settled);

    for (const s of sends) {
      expect(typeof s.text).toBe('string');
      expect((s.text as string).length).toBeGreaterThan(0);
      expect((s.text as string).length).toBeLessThanOrEqual(4096);
      for (const row of s.reply_markup?.inline_keyboard ?? []) for (const b of row) {
        expect(b.text.length).toBeGreaterThan(0);
        expect(b.text.length).toBeLessThanOrEqual(64);
        if (b.callback_data !== undefined) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
      }
    }
    // Every chat that sent a valid private text or button press got an answer.
    const validChats = new Set(cases.filter((c) => c.valid && expected(c) === 200).map((c) => c.valid!.chat));
    const answered = new Set(sends.map((s) => String(s.chat_id)));
    for (const chat of validChats) expect(answered.has(chat), `chat ${chat} answered`).toBe(true);
    expect(validChats.size).toBeGreaterThan(290);

    const sessions = await checkSessions('telegram');
    expect(sessions).toBeGreaterThanOrEqual(validChats.size);
    expect(statuses.get(500)).toBeUndefined();
    expect(statuses.get(200)).toBeGreaterThan(N / 2);
    expect(statuses.get(401)).toBe(cases.filter((c) => c.secret !== 'ok').length);
    expect(statuses.get(413)).toBeGreaterThan(50);
    expect(statuses.get(400)).toBeGreaterThan(500);
    expect(unhandled).toEqual([]);
    // Updates with wrong-typed fields (text: 5, chat.id: {}) are dropped with one error line each;
    // nothing else is logged at warn or above: no failed request, no router failure, no failed send.
    const lines = logLines.splice(0).map((l) => JSON.parse(l) as { msg: string; err?: string });
    for (const l of lines) {
      expect(l.msg).toBe('telegram update failed');
      expect(l.err).toMatch(/^TypeError in middleware: /);
    }
    // Only bodies with wrong-typed, missing or deeply nested fields can be dropped this way.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(cases.filter((c) => c.cls === 2 || c.cls === 3 || c.cls === 5).length);
    console.log(`fuzz telegram: ${N} bodies in ${Date.now() - t0} ms, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, ${sends.length} sends, ${sessions} sessions, ${lines.length} malformed updates dropped, 0 failures`);
  }, 120_000);
});

describe('Zalo webhook under 10,000 generated bodies', () => {
  it('answers each with its defined status, never 500, ignores unknown events and sends nothing over 2,000 characters', async () => {
    const g = gen(7002);
    const chats = Array.from({ length: 300 }, (_, i) => `zchat-${i.toString(36)}-${'abcdef'[i % 6]}`);
    // Chats that only ever send unknown events: they must never get a message.
    const silentChats = Array.from({ length: 20 }, (_, i) => `zsilent-${i}`);
    let msgId = 1;
    const update = (chat: string, text: string, event = 'message.text.received') => ({
      event_name: event,
      message: { from: { id: chat, display_name: 'Lan', is_bot: false }, chat: { id: chat, chat_type: 'PRIVATE' }, text, message_id: `m${++msgId}`, date: 1_750_316_131_602 },
    });
    const cases: Case[] = [];
    let lastValid: unknown = update(chats[0]!, 'hi');
    const UNKNOWN_EVENTS = ['message.reaction.received', 'message.link.received', 'user.follow', '', 'MESSAGE.TEXT.RECEIVED', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'message.text.received ', 'x'.repeat(500)];
    for (let i = 0; i < N; i++) {
      const kind = MIX[i % MIX.length]!;
      const chat = g.pick(chats);
      let c: Case;
      switch (kind) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
          c = sharedCase(g, kind, (text) => update(chat, text));
          break;
        case 5: {
          const depth = 1 + g.int(10_000);
          c = { payload: g.r() < 0.5 ? '['.repeat(depth) + ']'.repeat(g.r() < 0.5 ? depth : g.int(depth)) : JSON.stringify({ event_name: nested(depth % 2000), message: { chat: { id: nested(depth % 3000) }, message_id: nested(depth % 1000) } }), secret: 'ok' };
          break;
        }
        case 6: {
          const silent = g.pick(silentChats);
          c = { payload: JSON.stringify(g.r() < 0.5 ? update(silent, g.garbage(), g.pick(UNKNOWN_EVENTS)) : { ok: true, result: update(silent, g.garbage(), g.pick(UNKNOWN_EVENTS)) }), secret: 'ok' };
          break;
        }
        case 7:
          c = { payload: JSON.stringify(g.pick([null, 0, 'update', [], [update(chat, 'hi')], {}, { ok: true }, { ok: true, result: null }, { ok: false, result: update(chat, 'x') }, { event_name: 'message.text.received' }, { event_name: 'message.text.received', message: null }, { event_name: 'message.text.received', message: {} }, { event_name: 'message.text.received', message: { chat: {} } }, { event_name: 'message.text.received', message: { chat: { id: '' }, text: 'x' } }, { event_name: 'message.text.received', message: { chat: { id: 5 }, from: { id: 5 }, text: 'x' } }])), secret: 'ok' };
          break;
        case 8:
          c = { payload: g.r() < 0.5 ? JSON.stringify(update(chat, 'hi')) : g.r() < 0.5 ? g.randomBytes() : 'x'.repeat(BODY_LIMIT + 10), secret: g.pick(['wrong', 'missing', 'other-header'] as const) };
          break;
        case 9:
          c = { payload: JSON.stringify(lastValid), secret: 'ok' };
          break;
        case 10:
          c = { payload: g.pick(['', ' ', '\n', 'null', 'true', '"x"', '{}', '[]', '{"event_name":', '{"a":1,}', '{"__proto__":{"x":1}}']), secret: 'ok', contentType: g.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', null]) };
          break;
        case 11: {
          const event = g.pick(['message.image.received', 'message.sticker.received', 'message.voice.received', 'message.unsupported.received']);
          const u = { event_name: event, message: { chat: { id: chat }, from: { id: chat }, photo_url: 'https://x/y.jpg', message_id: `m${++msgId}`, date: g.pick([1, 'x', null, 1e20]) } };
          lastValid = u;
          c = { payload: JSON.stringify(g.r() < 0.5 ? u : { ok: true, result: u }), secret: 'ok', valid: { chat } };
          break;
        }
        default: {
          const text = g.r() < 0.35 ? g.pick(['1', '2', '3', ' 4 ', '9', '10', '0', 'menu', 'quay lại', 'hủy', 'gặp cán bộ', 'English', 'đăng ký khai sinh', 'vneid', '/start']) : g.r() < 0.05 ? g.garbage(3) + longText(g.int(50_000), g.r() < 0.03) : g.garbage(20);
          const u = update(chat, text);
          lastValid = u;
          c = { payload: JSON.stringify(g.r() < 0.8 ? u : { ok: true, result: u }), secret: 'ok', valid: { chat } };
        }
      }
      cases.push({ ...c, cls: kind });
    }

    const expected = (c: Case): number => {
      if (c.secret !== 'ok') return 401;
      if (Buffer.byteLength(c.payload) > BODY_LIMIT) return 413;
      // Zalo's own parser takes any content type, answers an empty probe with 200 and bad JSON with 400.
      const text = c.payload.trim();
      if (!text) return 200;
      return parsesAsJson(text) ? 200 : 400;
    };
    const t0 = Date.now();
    const statuses = await run('/zalo/webhook', 'x-bot-api-secret-token', ZALO_SECRET, cases, expected);
    await channel('zalo').stop(Date.now() + 30_000);
    const sends = fakeZalo.sent.filter((s) => s.method === 'sendMessage').map((s) => s.body as { chat_id: unknown; text: unknown });
    const settled = sends.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(fakeZalo.sent.filter((s) => s.method === 'sendMessage').length).toBe(settled);

    for (const s of sends) {
      expect(typeof s.text).toBe('string');
      expect((s.text as string).length).toBeGreaterThan(0);
      expect((s.text as string).length).toBeLessThanOrEqual(2000);
    }
    const answered = new Set(sends.map((s) => String(s.chat_id)));
    const validChats = new Set(cases.filter((c) => c.valid && expected(c) === 200).map((c) => c.valid!.chat));
    for (const chat of validChats) expect(answered.has(chat), `chat ${chat} answered`).toBe(true);
    expect(validChats.size).toBeGreaterThan(290);
    // Unknown events (including names like "toString" or "__proto__") are acknowledged, never answered.
    for (const chat of silentChats) expect(answered.has(chat), `unknown events of ${chat} answered`).toBe(false);
    for (const key of (await stores.sessions.list({ limit: 1000 })).items.map((e) => e.key)) expect(key.startsWith('zalo:zsilent-'), key).toBe(false);

    const sessions = await checkSessions('zalo');
    expect(sessions).toBeGreaterThanOrEqual(validChats.size);
    expect(statuses.get(500)).toBeUndefined();
    expect(statuses.get(200)).toBeGreaterThan(N / 2);
    expect(statuses.get(401)).toBe(cases.filter((c) => c.secret !== 'ok').length);
    expect(statuses.get(413)).toBeGreaterThan(50);
    expect(statuses.get(400)).toBeGreaterThan(500);
    expect(unhandled).toEqual([]);
    // Nothing logged at warn or above: no failed request, no router failure, no failed send.
    expect(logLines.splice(0)).toEqual([]);
    console.log(`fuzz zalo: ${N} bodies in ${Date.now() - t0} ms, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, ${sends.length} sends, ${sessions} sessions, 0 failures`);
  }, 120_000);
});
