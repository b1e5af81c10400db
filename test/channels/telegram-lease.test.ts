import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTelegramChannel } from '../../src/channels/telegram/index.js';
import { testConfig } from '../../src/config.js';
import { createRedisCoordinator, type Coordinator } from '../../src/coord/index.js';
import type { Inbound } from '../../src/core/message.js';
import { createLogger } from '../../src/log.js';
import { createMemoryStores } from '../../src/store/index.js';
import { startFakeTelegram } from '../fakes/telegram.js';

/** Telegram allows one long poller per bot: with several instances, only the holder of a Redis lease polls. */
const BOT_INFO = { id: 42, is_bot: true as const, first_name: 'DVC', username: 'dvc_test_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false } as never;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Telegram long polling across instances', () => {
  it('polls in exactly one of three instances and hands over when that one stops', async () => {
    const fake = await startFakeTelegram();
    cleanups.push(() => fake.close());
    const config = testConfig({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot });
    const prefix = `lease-${randomBytes(4).toString('hex')}:`;
    const handledBy: string[] = [];
    const channels = [];
    for (const name of ['a', 'b', 'c']) {
      const coord: Coordinator = createRedisCoordinator('redis://127.0.0.1:6379', { prefix });
      cleanups.push(() => coord.close());
      const stores = await createMemoryStores();
      const handle = async (i: Inbound) => {
        handledBy.push(name);
        return [{ text: `${name}: ${i.text}` }];
      };
      const channel = createTelegramChannel({ config, handle, log: createLogger('silent'), settings: stores.settings, now: () => 0, coord }, { botInfo: BOT_INFO, pollLeaseMs: 600 });
      await channel.start();
      cleanups.push(() => channel.stop(Date.now() + 1000));
      channels.push({ name, channel });
    }
    const update = (id: number, text: string) => ({ update_id: id, message: { message_id: id, date: 0, chat: { id: 9, type: 'private' }, from: { id: 9, is_bot: false, first_name: 'Lan' }, text } });
    for (let i = 1; i <= 5; i++) {
      fake.updates.push(update(i, `tin ${i}`));
      await until(() => handledBy.length === i, 5000, `update ${i}`);
    }
    // One instance polled every update.
    expect(new Set(handledBy).size).toBe(1);
    const poller = channels.find((c) => c.name === handledBy[0])!;

    await poller.channel.stop(Date.now() + 1000);
    fake.updates.push(update(6, 'tin 6'));
    await until(() => handledBy.length === 6, 5000, 'the update after the hand-over');
    expect(handledBy[5]).not.toBe(poller.name);
  }, 20_000);
});
