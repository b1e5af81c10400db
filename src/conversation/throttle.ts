import { boundedMap } from '../core/lru.js';
import type { Inbound, Reply } from '../core/message.js';
import type { HandleInbound } from '../core/router-types.js';

export interface ThrottleOptions {
  /** Sustained messages per minute per citizen. */
  perMinute: number;
  /** Extra messages allowed in a burst. */
  burst: number;
  now: () => number;
  /** Called once per flood (first throttled message), e.g. to emit a `throttled` event. */
  onThrottle?: (inbound: Inbound) => void;
  /** Most citizens tracked at once; the least recently seen are forgotten first. */
  maxTracked?: number;
  /**
   * Limits shared by several instances (Redis). When given, the per-citizen limit is two shared
   * windows instead of the in-process bucket: `burst` messages per the time the bucket takes to
   * refill, and `perMinute` per minute; the notice is sent once per refill time.
   */
  shared?: SharedLimits;
}

export interface SharedLimits {
  /** Resolves to null when allowed, else the ms to wait (rejects when the shared store is down). */
  consume(window: 'burst' | 'minute', key: string): Promise<number | null>;
  /** True when the notice was already sent in this flood (records it otherwise). */
  warned(key: string, ttlSec: number): Promise<boolean>;
}

interface Bucket {
  tokens: number;
  at: number;
  warned: boolean;
}

const SLOW_DOWN: Reply = {
  text:
    'Anh/chị đang gửi tin nhắn quá nhanh. Vui lòng chờ một chút rồi gửi lại nhé.\n' +
    'You are sending messages too quickly. Please wait a moment and try again.',
};

/**
 * Per-citizen token bucket in front of the router. A flooding citizen gets one polite
 * "please slow down" and then silence until the bucket refills; their messages never reach
 * the router, so other citizens are not slowed down.
 */
export function throttle(handle: HandleInbound, opts: ThrottleOptions): HandleInbound {
  const capacity = opts.burst;
  const perMs = opts.perMinute / 60_000;
  const max = opts.maxTracked ?? 50_000;
  const buckets = boundedMap<string, Bucket>({ max });

  if (opts.shared) {
    const shared = opts.shared;
    const refillSec = Math.max(1, Math.ceil(capacity / (perMs * 1000)));
    return async (inbound) => {
      const key = `${inbound.channel}:${inbound.userId}`;
      const [burst, minute] = await Promise.all([shared.consume('burst', key), shared.consume('minute', key)]);
      if (burst === null && minute === null) return handle(inbound);
      if (await shared.warned(key, refillSec)) return [];
      opts.onThrottle?.(inbound);
      return [SLOW_DOWN];
    };
  }

  return async (inbound) => {
    const key = `${inbound.channel}:${inbound.userId}`;
    const now = opts.now();
    let b = buckets.get(key);
    if (!b) b = { tokens: capacity, at: now, warned: false };
    b.tokens = Math.min(capacity, b.tokens + Math.max(0, now - b.at) * perMs);
    b.at = now;
    buckets.set(key, b);

    if (b.tokens < 1) {
      if (b.warned) return [];
      b.warned = true;
      opts.onThrottle?.(inbound);
      return [SLOW_DOWN];
    }
    // The flood is over once the bucket has refilled to half: the next flood gets a new notice.
    // A citizen who keeps flooding gets their trickle of messages through, but no more notices.
    if (b.tokens >= capacity / 2) b.warned = false;
    b.tokens -= 1;
    return handle(inbound);
  };
}
