import { TRANSCRIPT_LINES, type TranscriptLine, type TranscriptStore } from './types.js';

const copy = (l: TranscriptLine): TranscriptLine => ({ ...l, ...(l.options ? { options: l.options.map((o) => ({ ...o })) } : {}) });

/**
 * Transcripts in process memory (tests, the chat CLI, the lowdb-only store): bounded, the least
 * recently active conversations forgotten first.
 */
export function memoryTranscripts(maxConversations = 20_000): TranscriptStore {
  const all = new Map<string, TranscriptLine[]>();
  return {
    async append(key, lines) {
      const kept = [...(all.get(key) ?? []), ...lines.map(copy)].slice(-TRANSCRIPT_LINES);
      all.delete(key);
      all.set(key, kept);
      if (all.size > maxConversations) all.delete(all.keys().next().value as string);
    },
    of: async (key) => (all.get(key) ?? []).map(copy),
    async evict(olderThan) {
      let n = 0;
      for (const [key, lines] of all) {
        if ((lines.at(-1)?.at ?? 0) < olderThan) {
          all.delete(key);
          n++;
        }
      }
      return n;
    },
  };
}
