import type { Redis } from 'ioredis';
import { TRANSCRIPT_LINES, type TranscriptLine, type TranscriptStore } from '../types.js';

/**
 * Transcripts as capped Redis lists (`<prefix>t:<conversation>`): an append is one RPUSH + LTRIM
 * + PEXPIRE in a MULTI, and a conversation silent for `ttlMs` disappears by itself.
 */
export function redisTranscripts(redis: Redis, opts: { prefix: string; ttlMs: number }): TranscriptStore {
  const key = (k: string) => `${opts.prefix}t:${k}`;
  return {
    async append(k, lines) {
      if (!lines.length) return;
      await redis
        .multi()
        .rpush(key(k), ...lines.map((l) => JSON.stringify(l)))
        .ltrim(key(k), -TRANSCRIPT_LINES, -1)
        .pexpire(key(k), opts.ttlMs)
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
    // Expiry does the evicting.
    evict: async () => 0,
  };
}
