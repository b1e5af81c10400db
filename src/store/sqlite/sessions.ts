import { parseSession } from '../../core/session.js';
import { decodeCursor, encodeCursor, pageLimit } from '../stores.js';
import type { SessionStore } from '../types.js';
import { deleteInChunks, type Db } from './db.js';

/**
 * Sessions, one row each: a turn is one indexed read and one UPSERT, whatever the number of
 * citizens. Each `set` is committed at once (no coalescing, nothing to flush).
 */
export function sqliteSessions(db: Db): SessionStore {
  const get = db.prepare<[string], { data: string }>('SELECT data FROM sessions WHERE key = ?');
  const upsert = db.prepare<[string, number, string]>(
    'INSERT INTO sessions (key, updated_at, data) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at, data = excluded.data',
  );
  const remove = db.prepare<[string]>('DELETE FROM sessions WHERE key = ?');
  const evict = db.prepare<[number, number]>('DELETE FROM sessions WHERE key IN (SELECT key FROM sessions WHERE updated_at < ? LIMIT ?)');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sessions');
  const first = db.prepare<[number], { key: string; data: string }>('SELECT key, data FROM sessions ORDER BY key LIMIT ?');
  const after = db.prepare<[string, number], { key: string; data: string }>('SELECT key, data FROM sessions WHERE key > ? ORDER BY key LIMIT ?');

  return {
    async get(key) {
      const row = get.get(key);
      // Parsed on every read: a row of an older or damaged shape reads as no session.
      return (row && parseSession(JSON.parse(row.data))) ?? undefined;
    },
    async set(key, session) {
      upsert.run(key, session.updatedAt, JSON.stringify(session));
    },
    async delete(key) {
      remove.run(key);
    },
    evict: (olderThan) => deleteInChunks(evict, olderThan),
    size: async () => count.get()!.n,
    async list(q) {
      const limit = pageLimit(q);
      // One row more than the page tells whether another page follows.
      const rows = q?.after ? after.all(decodeCursor<string>(q.after), limit + 1) : first.all(limit + 1);
      const items = rows.slice(0, limit).flatMap((r) => {
        const session = parseSession(JSON.parse(r.data));
        return session ? [{ key: r.key, session }] : [];
      });
      return { items, next: rows.length > limit ? encodeCursor(rows[limit - 1]!.key) : null };
    },
    flush: async () => undefined,
  };
}
