import type pg from 'pg';
import { TRANSCRIPT_LINES, type TranscriptLine, type TranscriptStore } from '../types.js';
import { DELETE_CHUNK } from './db.js';

/** jsonb cannot hold U+0000: a stray NUL in a citizen's text is dropped. */
const noNul = (s: string) => (s.includes('\u0000') ? s.replace(/\u0000/g, '') : s);

/**
 * Transcripts, one row per conversation holding its last lines. An append is one statement:
 * the new lines are concatenated to the stored ones and the array trimmed to the last
 * TRANSCRIPT_LINES under the row's lock, so concurrent appends (two instances) lose nothing.
 */
export function pgTranscripts(pool: pg.Pool): TranscriptStore {
  return {
    async append(key, lines) {
      if (!lines.length) return;
      const kept = lines.slice(-TRANSCRIPT_LINES).map((l) => ({ ...l, text: noNul(l.text) }));
      await pool.query(
        `INSERT INTO transcripts AS t (key, updated_at, lines) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (key) DO UPDATE SET
           updated_at = excluded.updated_at,
           lines = (SELECT coalesce(jsonb_agg(a.e ORDER BY a.i), '[]'::jsonb)
                    FROM jsonb_array_elements(t.lines || excluded.lines) WITH ORDINALITY AS a(e, i)
                    WHERE a.i > jsonb_array_length(t.lines || excluded.lines) - $4)`,
        [key, kept.at(-1)!.at, JSON.stringify(kept), TRANSCRIPT_LINES],
      );
    },
    async of(key) {
      const { rows } = await pool.query<{ lines: unknown }>('SELECT lines FROM transcripts WHERE key = $1', [key]);
      const lines = rows[0]?.lines;
      return Array.isArray(lines) ? (lines as TranscriptLine[]) : [];
    },
    async evict(olderThan) {
      let total = 0;
      for (;;) {
        const { rowCount } = await pool.query('DELETE FROM transcripts WHERE key IN (SELECT key FROM transcripts WHERE updated_at < $1 LIMIT $2)', [olderThan, DELETE_CHUNK]);
        total += rowCount ?? 0;
        if ((rowCount ?? 0) < DELETE_CHUNK) return total;
      }
    },
  };
}
