import { describe, expect, it } from 'vitest';
import type { Inbound } from '../../src/core/message.js';
import { throttle } from '../../src/core/throttle.js';

const msg = (user: string, i: number): Inbound => ({ channel: 'web', chatId: user, userId: user, messageId: String(i), kind: 'text', text: 'hi', at: 0 });

describe('per-citizen throttle', () => {
  it('answers a flood of 50 messages in one second with a single "slow down" and keeps others unaffected', async () => {
    let t = 1_000_000;
    let handled = 0;
    let throttledEvents = 0;
    const h = throttle(async () => {
      handled++;
      return [{ text: 'ok' }];
    }, { perMinute: 30, burst: 8, now: () => t, onThrottle: () => throttledEvents++ });
    const replies = [];
    for (let i = 0; i < 50; i++) {
      t += 20;
      replies.push(await h(msg('flooder', i)));
    }
    const slowDowns = replies.filter((r) => r[0]?.text.includes('quá nhanh'));
    expect(slowDowns).toHaveLength(1);
    expect(throttledEvents).toBe(1);
    expect(handled).toBeLessThanOrEqual(9);
    expect(await h(msg('neighbour', 1))).toEqual([{ text: 'ok' }]);
  });

  it('lets the citizen talk again once the bucket refills', async () => {
    let t = 0;
    const h = throttle(async () => [{ text: 'ok' }], { perMinute: 60, burst: 2, now: () => t });
    await h(msg('a', 1));
    await h(msg('a', 2));
    expect((await h(msg('a', 3)))[0]?.text).toMatch(/quá nhanh/);
    t += 1_500;
    expect(await h(msg('a', 4))).toEqual([{ text: 'ok' }]);
  });

  it('tracks a bounded number of citizens', async () => {
    const h = throttle(async () => [{ text: 'ok' }], { perMinute: 1, burst: 1, now: () => 0, maxTracked: 10 });
    for (let i = 0; i < 100; i++) await h(msg(`u${i}`, i));
    // The first citizen was forgotten, so they get a fresh bucket again.
    expect(await h(msg('u0', 1))).toEqual([{ text: 'ok' }]);
  });
});
