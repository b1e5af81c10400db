import { TRANSCRIPT_LINES, type TranscriptLine, type TranscriptStore } from '../types.js';
import { deleteInChunks, type Db } from './db.js';

/** Transcripts, one row per conversation holding its last lines: an append is one short transaction. */
export function sqliteTranscripts(db: Db): TranscriptStore {
  const get = db.prepare<[string], { lines: string }>('SELECT lines FROM transcripts WHERE key = ?');
  const upsert = db.prepare<[string, number, string]>(
    'INSERT INTO transcripts (key, updated_at, lines) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at, lines = excluded.lines',
  );
  const evict = db.prepare<[number, number]>('DELETE FROM transcripts WHERE key IN (SELECT key FROM transcripts WHERE updated_at < ? LIMIT ?)');
  const read = (key: string): TranscriptLine[] => {
    const row = get.get(key);
    if (!row) return [];
    try {
      const lines: unknown = JSON.parse(row.lines);
      return Array.isArray(lines) ? (lines as TranscriptLine[]) : [];
    } catch {
      return [];
    }
  };
  const append = db.transaction((key: string, lines: TranscriptLine[]) => {
    const kept = [...read(key), ...lines].slice(-TRANSCRIPT_LINES);
    upsert.run(key, kept.at(-1)?.at ?? 0, JSON.stringify(kept));
  });
  return {
    async append(key, lines) {
      if (lines.length) append(key, lines);
    },
    of: async (key) => read(key),
    async evict(olderThan) {
      return deleteInChunks(evict, olderThan);
    },
  };
}
