import { boundedMap } from '../core/lru.js';
import { TRANSCRIPT_LINES, type TranscriptLine, type TranscriptStore } from './types.js';

const copy = (l: TranscriptLine): TranscriptLine => ({ ...l, ...(l.options ? { options: l.options.map((o) => ({ ...o })) } : {}) });

/**
 * Transcripts in process memory (tests, the chat CLI, the lowdb-only store): bounded, the least
 * recently active conversations forgotten first.
 */
export function memoryTranscripts(maxConversations = 20_000): TranscriptStore {
  const all = boundedMap<string, TranscriptLine[]>({ max: maxConversations });
  return {
    async append(key, lines) {
      const kept = [...(all.get(key) ?? []), ...lines.map(copy)].slice(-TRANSCRIPT_LINES);
      all.set(key, kept);
    },
    of: async (key) => (all.get(key) ?? []).map(copy),
    async evict(olderThan) {
      let n = 0;
      for (const [key, lines] of [...all.entries()]) {
        if ((lines.at(-1)?.at ?? 0) < olderThan) {
          all.delete(key);
          n++;
        }
      }
      return n;
    },
  };
}
