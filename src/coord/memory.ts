import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Logger } from '../log.js';
import { boundedMap } from '../core/lru.js';
import { createLease, type LeaseBackend } from './lease.js';
import { consumeWith } from './limit.js';
import type { Coordinator, Limiter } from './types.js';

/** Dedupe keys remembered at once; the oldest are forgotten first. */
const SEEN_MAX = 100_000;
/** Counters kept at once; the least recently increased go first. */
const COUNTERS_MAX = 100_000;
/** Mailboxes kept at once; the least recently pushed go first. */
const MAILBOXES_MAX = 10_000;

/** JSON in and out, as through Redis: a subscriber or reader never shares an object with the sender. */
const viaJson = (v: unknown): unknown => (v === undefined ? null : JSON.parse(JSON.stringify(v)));

/**
 * The coordinator of a single instance: everything in this process, bounded. `now` drives the
 * dedupe, mailbox and lease clocks (rate limits use the real clock).
 */
export function createMemoryCoordinator(now: () => number = Date.now, log?: Logger): Coordinator {
  const seenKeys = boundedMap<string, true>({ max: SEEN_MAX, now });
  const counters = boundedMap<string, number>({ max: COUNTERS_MAX, now });
  const limiters = new Map<string, Limiter>();
  const topics = new Map<string, Set<(message: unknown) => void>>();
  const boxes = boundedMap<string, unknown[]>({ max: MAILBOXES_MAX, now });
  const leases = new Map<string, { owner: string; until: number }>();
  const keepers = new Set<() => Promise<void>>();

  const leaseBackend = (name: string): LeaseBackend => {
    const holds = (owner: string) => {
      const l = leases.get(name);
      return l !== undefined && l.owner === owner && l.until > now();
    };
    return {
      async acquire(owner, ttlMs) {
        const l = leases.get(name);
        if (l && l.owner !== owner && l.until > now()) return false;
        leases.set(name, { owner, until: now() + ttlMs });
        return true;
      },
      async renew(owner, ttlMs) {
        if (!holds(owner)) return false;
        leases.set(name, { owner, until: now() + ttlMs });
        return true;
      },
      async release(owner) {
        if (leases.get(name)?.owner === owner) leases.delete(name);
      },
    };
  };

  return {
    kind: 'memory',
    async seen(key, ttlSec) {
      if (seenKeys.get(key)) return true;
      seenKeys.set(key, true, { ttl: ttlSec * 1000 });
      return false;
    },
    async incr(key, ttlSec, by = 1) {
      const value = (counters.get(key) ?? 0) + by;
      if (by === 0) return value;
      counters.set(key, value, { ttl: ttlSec * 1000 });
      return value;
    },
    limiter(name, opts) {
      // One limiter per policy, so every caller of the same name spends from the same points.
      const id = `${name}|${opts.points}|${opts.durationSec}`;
      let limiter = limiters.get(id);
      if (!limiter) {
        const rl = new RateLimiterMemory({ keyPrefix: name, points: opts.points, duration: opts.durationSec });
        limiter = { consume: (key, points) => consumeWith(rl, `limiter ${name}`, key, points) };
        limiters.set(id, limiter);
      }
      return limiter;
    },
    async publish(topic, message) {
      const handlers = topics.get(topic);
      if (!handlers?.size) return;
      const text = JSON.stringify(message ?? null);
      // Delivered after publish resolves, as over Redis; each handler gets its own copy.
      for (const h of [...handlers]) {
        setImmediate(() => {
          try {
            h(JSON.parse(text));
          } catch (err) {
            // A failing handler must not stop the others.
            log?.error({ topic, err: (err as Error).message }, 'pub/sub handler failed');
          }
        });
      }
    },
    subscribe(topic, handler) {
      const handlers = topics.get(topic) ?? new Set();
      topics.set(topic, handlers);
      const own = (m: unknown) => handler(m);
      handlers.add(own);
      return () => {
        handlers.delete(own);
        if (!handlers.size && topics.get(topic) === handlers) topics.delete(topic);
      };
    },
    mailbox: {
      async push(box, items, opts) {
        if (!items.length) return;
        const list = [...(boxes.get(box) ?? []), ...items.map(viaJson)].slice(-opts.max);
        boxes.set(box, list, { ttl: opts.ttlSec * 1000 });
      },
      async take(box) {
        const items = boxes.get(box) ?? [];
        boxes.delete(box);
        return items;
      },
    },
    lease(name, ttlMs) {
      return createLease(leaseBackend(name), ttlMs, {
        now,
        onError: (err) => log?.error({ lease: name, err: (err as Error).message }, 'lease keeper failed'),
        track(stop) {
          keepers.add(stop);
          return () => keepers.delete(stop);
        },
      });
    },
    ping: async () => true,
    async close() {
      await Promise.all([...keepers].map((stop) => stop()));
      topics.clear();
    },
  };
}
