import { LRUCache } from 'lru-cache';

/** Effectively "never": entries of a map without a TTL expire only by eviction. */
const FOREVER_MS = 100 * 365 * 86_400_000;

/**
 * A bounded map (lru-cache): at most `max` entries, the least recently used forgotten first.
 * With `ttlMs`, an entry also expires that long after it was set (`set(k, v, { ttl })` overrides
 * it per entry). `now` is the clock expiry is measured on (tests pass a fixed one).
 */
export function boundedMap<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(opts: { max: number; ttlMs?: number; now?: () => number }): LRUCache<K, V> {
  return new LRUCache<K, V>({
    max: opts.max,
    ttl: opts.ttlMs ?? FOREVER_MS,
    // Expiry is checked against the clock on every read, not a cached reading of it.
    ttlResolution: 0,
    ...(opts.now ? { perf: { now: opts.now } } : {}),
  });
}
