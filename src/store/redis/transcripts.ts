import type { Redis } from 'ioredis';
import { TRANSCRIPT_LINES, type TranscriptLine, type TranscriptStore } from '../types.js';

/** Conversations evicted per round trip. */
const EVICT_CHUNK = 500;

/**
 * Transcripts as capped Redis lists (`<prefix>t:<conversation>`): an append is one RPUSH + LTRIM
 * + PEXPIRE in a MULTI, so a conversation silent for `ttlMs` disappears by itself. A sorted set
 * (`<prefix>t-idx`, conversation → time of its last line) lets `evict` remove silent ones sooner.
 */
export function redisTranscripts(redis: Redis, opts: { prefix: string; ttlMs: number }): TranscriptStore {
  const key = (k: string) => `${opts.prefix}t:${k}`;
  const index = `${opts.prefix}t-idx`;
  return {
    async append(k, lines) {
      if (!lines.length) return;
      await redis
        .multi()
        .rpush(key(k), ...lines.map((l) => JSON.stringify(l)))
        .ltrim(key(k), -TRANSCRIPT_LINES, -1)
        .pexpire(key(k), opts.ttlMs)
        .zadd(index, lines.at(-1)!.at, k)
        .exec();
    },
    async of(k) {
      const raw = await redis.lrange(key(k), 0, -1);
      return raw.flatMap((r) => {
        try {
          return [JSON.parse(r) as TranscriptLine];
        } catch {
          return [];
        }
      });
    },
    async evict(olderThan) {
      let total = 0;
      for (;;) {
        const silent = await redis.zrangebyscore(index, '-inf', `(${olderThan}`, 'LIMIT', 0, EVICT_CHUNK);
        if (!silent.length) return total;
        await redis
          .multi()
          .del(...silent.map(key))
          .zrem(index, ...silent)
          .exec();
        total += silent.length;
      }
    },
  };
}
