import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssistant, type Assistant } from '../../src/assistant.js';
import { testConfig } from '../../src/config.js';
import type { ChannelName, Inbound, InboundKind } from '../../src/core/message.js';
import { parseSession } from '../../src/core/session.js';
import { createLogger } from '../../src/log.js';
import { createMemoryStores } from '../../src/store/index.js';
import type { Stores } from '../../src/store/types.js';
import { seededRandom } from '../../src/demo/random.js';

/**
 * Seeded fuzz of the router itself: 10,000 citizen messages of every shape, spread over ~200
 * chats so flows advance, straight into assistant.handle (rate limit → router → flows → search).
 */

const N = 10_000;
const CHATS = 200;

const EMOJI = ['😀', '🙏', '👨‍👩‍👧‍👦', '🇻🇳', '❤️', '👍🏽', '\ud83d', '\ude00'];
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\ufeff', '\u2060', '\u00ad', '\u180e'];
const RTL = ['\u202e', '\u202d', '\u200f', '\u061c', 'مرحبا بك', 'שלום עולם', 'العربية', '\u202eđăng ký\u202c'];
const CONTROL = ['\u0000', '\u0001', '\u0007', '\u0008', '\u001b', '\u001b[2J', '\u007f', '\u0085', '\r', '\r\n', '\t', '\v', '\f', '\u2028', '\u2029'];
const SCRIPTS = ['中文', '日本語', '한국어', 'русский', 'ελληνικά', 'ไทย', 'हिन्दी', 'ꦗꦮ', '𝕯𝖁𝕮', 'ｆｕｌｌｗｉｄｔｈ'];
const VIET = ['đăng ký khai sinh', 'làm lại căn cước', 'cấp đổi giấy phép lái xe', 'đăng ký thường trú', 'tra cứu hồ sơ', 'đăng ký vneid', 'nộp lệ phí', 'hộ chiếu', 'kết hôn', 'Đăng Ký Khai Tử', 'dang ky khai sinh', 'ddawng kys', 'lam lai cccd'];
const COMMANDS = ['menu', 'Menu', '/menu', '/start', 'quay lại', 'quay lai', 'hủy', 'huỷ', 'huy', 'gặp cán bộ', 'gap can bo', 'English', 'english', 'Tiếng Việt', '/lang', '/help', 'trợ giúp', 'back', 'cancel', 'human'];
const PICKS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', ' 1 ', '01', '0', '10', '11', '99', '-1', '1.5', 'o1', 'o2', 'p:1.001193', 'p:9.999999', 'có', 'không', 'Có', 'yes', 'no'];
const NUMBERS = ['079203001234', '0912345678', '+84 912 345 678', '4111 1111 1111 1111', '123456789', '000.00.01.H29-260310-0420', '1e308', 'NaN', '-0', '٣', '１２３'];
const WHITESPACE = ['', ' ', '   ', '\n\n', '\t \t', '\u00a0', '\u3000', '\u2003\u2009'];

/** Vietnamese text in NFC, NFD or a mix of both within one message. */
function mixedForms(r: () => number, text: string): string {
  const mode = Math.floor(r() * 3);
  if (mode === 0) return text.normalize('NFC');
  if (mode === 1) return text.normalize('NFD');
  return [...text.normalize('NFC')].map((ch) => (r() < 0.5 ? ch.normalize('NFD') : ch)).join('');
}

let stores: Stores;
let assistant: Assistant;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
const errorLines: string[] = [];
const clock = { now: Date.UTC(2026, 10, 24, 2, 0, 0) };

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  stores = await createMemoryStores();
  const config = testConfig({ RATE_LIMIT_PER_MINUTE: '10000', RATE_LIMIT_BURST: '1000' });
  // Errors the router swallowed (it answers "sorry" instead of throwing) are failures too.
  const log = createLogger('error', { write: (line: string) => void errorLines.push(line) });
  assistant = await createAssistant({ config, log, stores, now: () => clock.now, events: { emit: () => undefined } });
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('router under 10,000 generated citizen messages', () => {
  it('never throws, replies well-formed and keeps every session valid', async () => {
    const r = seededRandom(20261124);
    const int = (n: number) => Math.floor(r() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const chats = Array.from({ length: CHATS }, (_, i) => `fuzz-${i}`);
    const channels: ChannelName[] = ['web', 'telegram', 'zalo', 'cli'];
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    let replies = 0;
    let silent = 0;
    const t0 = Date.now();

    for (let i = 0; i < N; i++) {
      let text: string | undefined;
      let kind: InboundKind = 'text';
      const shape = i % 20;
      switch (shape) {
        case 0:
          text = Array.from({ length: 1 + int(8) }, () => pick(EMOJI)).join(pick(['', ' ']));
          break;
        case 1:
          text = pick(VIET).split('').map((ch) => ch + (r() < 0.3 ? pick(INVISIBLE) : '')).join('');
          break;
        case 2:
          text = pick(RTL) + ' ' + pick(VIET) + pick(RTL);
          break;
        case 3:
          text = Array.from({ length: 1 + int(10) }, () => pick(CONTROL) + pick(['a', 'menu', '1', 'đ'])).join('');
          break;
        case 4:
          // 100 KB of text: mostly words, sometimes one unbroken run.
          text = r() < 0.9 ? (pick(VIET) + ' ').repeat(Math.ceil(100_000 / 18)).slice(0, 100_000) : pick(['x', 'đ', '😀']).repeat(int(3) === 0 ? 50_000 : 200);
          break;
        case 5:
          text = Array.from({ length: 2 + int(6) }, () => pick([...SCRIPTS, ...VIET, ...EMOJI])).join(' ');
          break;
        case 6:
          text = pick(WHITESPACE);
          break;
        case 7:
        case 8:
          text = mixedForms(r, pick([...VIET, ...COMMANDS]));
          break;
        case 9:
          text = pick(NUMBERS) + (r() < 0.5 ? '' : ' ' + pick(['số điện thoại của tôi', 'cccd', 'otp', 'mật khẩu là', '']));
          break;
        case 10:
        case 11:
        case 12:
        case 13:
          text = pick(PICKS);
          break;
        case 14:
        case 15:
          text = mixedForms(r, pick(COMMANDS));
          kind = text.startsWith('/') ? 'command' : 'text';
          break;
        case 16:
          kind = 'command';
          text = pick(['/start', '/menu', '/lang', '/help', '/', '//', '/unknown', '/start@dvc_bot', '/' + 'x'.repeat(300)]);
          break;
        case 17:
          kind = pick(['image', 'unsupported', 'sticker', 'voice'] as const);
          text = r() < 0.3 ? pick(VIET) : undefined;
          break;
        case 18:
          text = Array.from({ length: 1 + int(12) }, () => pick([...VIET, ...PICKS, ...COMMANDS, ...EMOJI, ...INVISIBLE, ...RTL, ...CONTROL, ...SCRIPTS, ...NUMBERS])).join(pick(['', ' ', '\n']));
          break;
        default:
          text = mixedForms(r, pick(VIET)) + pick(['', '?', ' ạ', ' cho em hỏi', ' như thế nào']);
      }
      const chat = pick(chats);
      const inbound: Inbound = { channel: channels[chats.indexOf(chat) % channels.length]!, chatId: chat, userId: chat, messageId: `m${i}`, kind, ...(text !== undefined ? { text } : {}), at: clock.now };
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      let out: Awaited<ReturnType<Assistant['handle']>>;
      try {
        out = await assistant.handle(inbound);
      } catch (err) {
        failures.push(`#${i} threw ${(err as Error).message}`);
        continue;
      }
      if (!Array.isArray(out)) {
        failures.push(`#${i} returned ${typeof out}`);
        continue;
      }
      if (!out.length) silent++;
      for (const rep of out) {
        replies++;
        if (typeof rep.text !== 'string' || rep.text.length === 0 || rep.text.length > 4096) failures.push(`#${i} reply text length ${String(rep.text?.length)} for ${JSON.stringify(text?.slice(0, 40))}`);
        if (rep.options) {
          if (rep.options.length > 10) failures.push(`#${i} ${rep.options.length} options`);
          for (const o of rep.options) if (typeof o.label !== 'string' || !o.label.trim() || typeof o.id !== 'string' || !o.id) failures.push(`#${i} bad option ${JSON.stringify(o)}`);
        }
        if (rep.link && (!rep.link.label.trim() || !/^https?:\/\//.test(rep.link.url))) failures.push(`#${i} bad link ${JSON.stringify(rep.link)}`);
      }
      // Time moves on a little, and now and then far enough for flows to go idle.
      clock.now += i % 997 === 0 ? 31 * 60_000 : 1_000;
    }

    let sessions = 0;
    for (const key of (await stores.sessions.list({ limit: 1000 })).items.map((e) => e.key)) {
      sessions++;
      if (!parseSession(JSON.parse(JSON.stringify(await stores.sessions.get(key))))) failures.push(`session ${key} does not parse`);
    }
    for (const line of errorLines) failures.push(`logged error: ${line.slice(0, 300)}`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(sessions).toBe(CHATS);
    // Flows really advanced: most chats were inside some flow at some point and many replies went out.
    expect(replies).toBeGreaterThan(N);
    expect(silent).toBeLessThan(N / 4);
    expect(kinds.get('command')).toBeGreaterThan(500);
    expect((await stores.handoffs.list()).items.length).toBeGreaterThan(0);
    console.log(`fuzz router: ${N} messages, ${failures.length} failures`);
    console.log(`fuzz router detail: ${replies} replies, ${silent} silent turns, ${sessions} sessions, ${(await stores.handoffs.list()).items.length} handoffs, ${Date.now() - t0} ms`);
  }, 120_000);
});
