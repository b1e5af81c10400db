import { createAssistant } from '../assistant.js';
import type { Config } from '../config.js';
import type { ChannelName, Reply } from '../core/message.js';
import type { Logger } from '../log.js';
import { createMemoryStores } from '../store/index.js';
import type { EventSink } from '../stats/event.js';
import { seededRandom } from './random.js';

/**
 * Demo traffic for a fresh install: simulated citizens talk to the real router (real flows,
 * real catalogue search) on a simulated clock over the last N days, so the dashboard has
 * something to show. Conversations run on throw-away memory stores; only the events are kept.
 */

const OPENERS = [
  'menu',
  'đăng ký tài khoản định danh điện tử',
  'dang ky vneid',
  'nộp hồ sơ trực tuyến',
  'nop le phi online',
  'thanh toán lệ phí',
  'tra cứu hồ sơ',
  'lam lai cccd',
  'đăng ký khai sinh cho con',
  'dang ky ket hon',
  'xin giấy phép xây dựng nhà ở',
  'đổi bằng lái xe',
  'cấp lại sổ đỏ bị mất',
  'đăng ký hộ kinh doanh',
  'đăng ký thường trú',
  'trích lục khai tử',
  'cho mình hỏi làm hộ chiếu ở đâu ạ',
  'giấy xác nhận tình trạng hôn nhân',
  'hưởng bảo hiểm xã hội một lần',
  'thời tiết hôm nay thế nào',
  'mua vé tàu tết',
  'đăng ký xe máy điện',
  'xin chào',
  'gặp cán bộ',
  'góp ý',
];
const FREE_ANSWERS = ['có', 'không', '15/03/1990', 'Nguyễn Văn An', '0912345678', 'Thái Nguyên', 'em chưa hiểu', 'abc', 'ok', '2'];
const CHANNELS: ChannelName[] = ['web', 'web', 'zalo', 'zalo', 'telegram'];

export interface DemoOptions {
  config: Config;
  log: Logger;
  events: EventSink;
  /** Real "now"; traffic is spread over the `days` before it. */
  now: number;
  days: number;
  citizensPerDay: number;
  seed: number;
}

export async function runDemoTraffic(o: DemoOptions): Promise<{ citizens: number; messages: number }> {
  const r = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  let clock = 0;
  const stores = await createMemoryStores();
  const config = { ...o.config, rateLimit: { perMinute: 1_000_000, burst: 1_000_000 } };
  const assistant = await createAssistant({ config, log: o.log, stores, now: () => clock, events: o.events });
  let citizens = 0;
  let messages = 0;
  const dayMs = 86_400_000;
  const today = Math.floor(o.now / dayMs) * dayMs;
  for (let d = o.days - 1; d >= 0; d--) {
    const weekday = new Date(today - d * dayMs).getUTCDay();
    const n = Math.round(o.citizensPerDay * (weekday === 0 || weekday === 6 ? 0.4 : 1) * (0.7 + r() * 0.6));
    for (let c = 0; c < n; c++) {
      // 07:00–21:00 Vietnam time (00:00–14:00 UTC).
      clock = today - d * dayMs + Math.floor(r() * 14 * 3_600_000);
      if (clock > o.now) continue;
      citizens++;
      const channel = pick(CHANNELS);
      const user = `demo-${o.seed}-${d}-${c}`;
      const say = async (text: string): Promise<Reply[]> => {
        messages++;
        clock += 5_000 + Math.floor(r() * 40_000);
        return assistant.handle({ channel, chatId: user, userId: user, messageId: String(messages), kind: 'text', text, at: clock });
      };
      let replies = await say(pick(OPENERS));
      // Walk the conversation: mostly pick an offered option, sometimes type, sometimes give up.
      for (let turn = 0; turn < 10; turn++) {
        if (r() < 0.12) break;
        const options = replies.flatMap((x) => x.options ?? []);
        if (!options.length && !replies.length) break;
        const text = options.length && r() < 0.85 ? String(1 + Math.floor(r() * options.length)) : pick(FREE_ANSWERS);
        replies = await say(text);
      }
    }
  }
  return { citizens, messages };
}
