import { describe, expect, it } from 'vitest';
import type { Inbound } from '../../src/core/message.js';
import { throttle } from '../../src/conversation/throttle.js';

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

  it('sends one notice for a sustained 10-second flood, and a new one only after the citizen calmed down', async () => {
    let t = 0;
    const h = throttle(async () => [{ text: 'ok' }], { perMinute: 30, burst: 8, now: () => t });
    let notices = 0;
    let passed = 0;
    for (let i = 0; i < 500; i++) {
      t += 20;
      const r = await h(msg('flood', i));
      if (r[0]?.text.includes('quá nhanh')) notices++;
      else if (r.length) passed++;
    }
    expect(notices).toBe(1);
    // The burst plus the sustained rate (30/min over 10 s) got through.
    expect(passed).toBeGreaterThanOrEqual(8);
    expect(passed).toBeLessThanOrEqual(14);
    t += 60_000;
    for (let i = 0; i < 8; i++) expect(await h(msg('flood', 1000 + i))).toEqual([{ text: 'ok' }]);
    expect((await h(msg('flood', 2000)))[0]?.text).toMatch(/quá nhanh/);
  });

  it('tracks a bounded number of citizens', async () => {
    const h = throttle(async () => [{ text: 'ok' }], { perMinute: 1, burst: 1, now: () => 0, maxTracked: 10 });
    for (let i = 0; i < 100; i++) await h(msg(`u${i}`, i));
    // The first citizen was forgotten, so they get a fresh bucket again.
    expect(await h(msg('u0', 1))).toEqual([{ text: 'ok' }]);
  });
});
