import type pg from 'pg';
import { parseSession } from '../../core/session.js';
import { decodeCursor, encodeCursor, pageLimit } from '../stores.js';
import type { SessionStore } from '../types.js';
import { DELETE_CHUNK } from './db.js';

/**
 * Sessions one row each (used when REDIS_URL is not set): a turn is one indexed read and one
 * UPSERT. Each `set` is committed at once (nothing to flush).
 */
export function pgSessions(pool: pg.Pool): SessionStore {
  return {
    async get(key) {
      const { rows } = await pool.query<{ data: unknown }>('SELECT data FROM sessions WHERE key = $1', [key]);
      // Parsed on every read: a row of an older or damaged shape reads as no session.
      return (rows[0] && parseSession(rows[0].data)) ?? undefined;
    },
    async set(key, session) {
      await pool.query(
        'INSERT INTO sessions (key, updated_at, data) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at, data = excluded.data',
        [key, session.updatedAt, JSON.stringify(session)],
      );
    },
    async delete(key) {
      await pool.query('DELETE FROM sessions WHERE key = $1', [key]);
    },
    // In chunks: evicting a day's idle citizens in one statement would hold its locks for long.
    async evict(olderThan) {
      let total = 0;
      for (;;) {
        const { rowCount } = await pool.query('DELETE FROM sessions WHERE key IN (SELECT key FROM sessions WHERE updated_at < $1 LIMIT $2)', [olderThan, DELETE_CHUNK]);
        total += rowCount ?? 0;
        if ((rowCount ?? 0) < DELETE_CHUNK) return total;
      }
    },
    async size() {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions');
      return rows[0]!.n;
    },
    async list(q) {
      const limit = pageLimit(q);
      // One row more than the page tells whether another page follows.
      const { rows } = q?.after
        ? await pool.query<{ key: string; data: unknown }>('SELECT key, data FROM sessions WHERE key > $1 ORDER BY key LIMIT $2', [decodeCursor<string>(q.after), limit + 1])
        : await pool.query<{ key: string; data: unknown }>('SELECT key, data FROM sessions ORDER BY key LIMIT $1', [limit + 1]);
      const items = rows.slice(0, limit).flatMap((r) => {
        const session = parseSession(r.data);
        return session ? [{ key: r.key, session }] : [];
      });
      return { items, next: rows.length > limit ? encodeCursor(rows[limit - 1]!.key) : null };
    },
    flush: async () => undefined,
  };
}
