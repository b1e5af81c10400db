import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { fold } from '../../text/vi/fold.js';
import { decodeCursor, encodeCursor, pageLimit } from '../stores.js';
import { handoffFolded, messageFolded, toHandoff as rowToHandoff, type HandoffRow } from '../records.js';
import type { Handoff, HandoffChange, HandoffMessage, HandoffStore } from '../types.js';
import { DELETE_CHUNK, inTransaction, type Queryable } from './db.js';

/** The NOTIFY channel carrying every handoff change to every instance. */
export const HANDOFF_CHANNEL = 'dvc_handoffs';

interface HandoffWithMessages extends HandoffRow {
  transcript: { from: HandoffMessage['from']; text: string; at: number; staff: string | null }[];
}

/** A change as sent over NOTIFY: `origin` names the store set that made it. */
interface ChangeNote extends HandoffChange {
  origin: string;
}

/** A handoff with its transcript in one query (the messages aggregated in order). */
const SELECT = `SELECT h.seq, h.id, h.session_key, h.channel, h.chat_id, h."user", h.status, h.summary, h.reason, h.created_at,
  h.claimed_by, h.claimed_at, h.first_reply_at, h.closed_at,
  coalesce((SELECT json_agg(json_build_object('from', m.sender, 'text', m.text, 'at', m.at, 'staff', m.staff) ORDER BY m.id)
            FROM handoff_messages m WHERE m.handoff = h.seq), '[]') AS transcript
  FROM handoffs h`;

/** PostgreSQL text cannot hold U+0000; a citizen's stray NUL is dropped rather than failing the message. */
const clean = (s: string) => (s.includes('\u0000') ? s.replace(/\u0000/g, '') : s);
/** `%`, `_` and the escape character itself, escaped for LIKE … ESCAPE '\'. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const toHandoff = (r: HandoffWithMessages): Handoff => rowToHandoff(r, r.transcript);

export interface PgHandoffs extends HandoffStore {
  /** Delivers a change received over LISTEN (from any instance) to this process's watchers. */
  receive(payload: string): void;
}

/**
 * Handoffs in one table and their messages in another. Every change sends `pg_notify` inside
 * its own transaction (so the note goes out only if the change commits), carrying the waiting
 * count as the transaction saw it. Watchers in this process hear their own changes right after
 * the commit; changes from other instances arrive over the store set's LISTEN connection, and a
 * note that comes back from this store set is ignored, so each change is heard exactly once.
 */
export function pgHandoffs(pool: pg.Pool, origin: string = randomUUID(), channel: string = HANDOFF_CHANNEL): PgHandoffs {
  const watchers = new Set<(change: HandoffChange) => void>();
  const deliver = (change: HandoffChange) => {
    for (const listener of watchers) {
      try {
        listener({ ...change });
      } catch {
        // A watcher that fails (a closed page) must not fail the citizen's message.
      }
    }
  };

  /** Counts the waiting handoffs and queues the note; both inside the caller's transaction. */
  const notify = async (c: Queryable, kind: HandoffChange['kind'], id: string): Promise<HandoffChange> => {
    const { rows } = await c.query<{ waiting: number }>(
      `WITH w AS (SELECT count(*)::int AS n FROM handoffs WHERE status = 'waiting')
       SELECT n AS waiting, pg_notify($1, json_build_object('kind', $2::text, 'id', $3::text, 'waiting', n, 'origin', $4::text)::text) FROM w`,
      [channel, kind, id, origin],
    );
    return { kind, id, waiting: rows[0]!.waiting };
  };

  const one = async (c: Queryable, id: string): Promise<HandoffWithMessages> => {
    const { rows } = await c.query<HandoffWithMessages>(`${SELECT} WHERE h.id = $1`, [id]);
    if (!rows[0]) throw new Error(`Unknown handoff "${id}"`);
    return rows[0];
  };
  /** Locks the handoff's row for the rest of the transaction (claims and closes do not interleave). */
  const lock = async (c: Queryable, id: string): Promise<{ seq: number; status: Handoff['status'] }> => {
    const { rows } = await c.query<{ seq: number; status: Handoff['status'] }>('SELECT seq, status FROM handoffs WHERE id = $1 FOR UPDATE', [id]);
    if (!rows[0]) throw new Error(`Unknown handoff "${id}"`);
    return rows[0];
  };

  /** Runs one change and its note in a transaction; watchers here hear it once it committed. */
  const change = async <T>(kind: HandoffChange['kind'], id: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    let note: HandoffChange | undefined;
    const result = await inTransaction(pool, async (c) => {
      const r = await fn(c);
      note = await notify(c, kind, id);
      return r;
    });
    deliver(note!);
    return result;
  };

  const assign = (id: string, staff: string, at: number, kind: 'claimed' | 'transferred') =>
    change(kind, id, async (c) => {
      const r = await lock(c, id);
      if (r.status === 'closed') throw new Error('Handoff is already closed');
      await c.query(`UPDATE handoffs SET status = 'claimed', claimed_by = $1, claimed_at = $2 WHERE seq = $3`, [clean(staff), at, r.seq]);
      return toHandoff(await one(c, id));
    });

  return {
    receive(payload) {
      let note: ChangeNote;
      try {
        note = JSON.parse(payload) as ChangeNote;
      } catch {
        return;
      }
      if (note.origin === origin) return;
      deliver({ kind: note.kind, id: note.id, waiting: note.waiting });
    },
    open(h) {
      const id = randomUUID();
      return change('opened', id, async (c) => {
        const { rows } = await c.query<{ seq: number }>(
          `INSERT INTO handoffs (id, session_key, channel, chat_id, "user", status, summary, reason, created_at, folded)
           VALUES ($1, $2, $3, $4, $5, 'waiting', $6, $7, $8, $9) RETURNING seq`,
          [id, clean(h.sessionKey), h.channel, clean(h.chatId), clean(h.user), clean(h.summary), clean(h.reason), h.createdAt, handoffFolded(h)],
        );
        const seq = rows[0]!.seq;
        if (h.transcript.length) {
          await c.query(
            `INSERT INTO handoff_messages (handoff, sender, text, at, staff, folded)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[])`,
            [
              seq,
              h.transcript.map((m) => m.from),
              h.transcript.map((m) => clean(m.text)),
              h.transcript.map((m) => m.at),
              h.transcript.map((m) => (m.staff === undefined ? null : clean(m.staff))),
              h.transcript.map(messageFolded),
            ],
          );
        }
        return toHandoff(await one(c, id));
      });
    },
    async restore(h) {
      return inTransaction(pool, async (c) => {
        const { rows } = await c.query<{ seq: number }>(
          `INSERT INTO handoffs (id, session_key, channel, chat_id, "user", status, summary, reason, created_at, claimed_by, claimed_at, first_reply_at, closed_at, folded)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING RETURNING seq`,
          [h.id, clean(h.sessionKey), h.channel, clean(h.chatId), clean(h.user), h.status, clean(h.summary), clean(h.reason), h.createdAt, h.claimedBy, h.claimedAt, h.firstReplyAt, h.closedAt, handoffFolded(h)],
        );
        if (!rows[0]) return false;
        if (h.transcript.length) {
          await c.query(
            `INSERT INTO handoff_messages (handoff, sender, text, at, staff, folded)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[])`,
            [
              rows[0].seq,
              h.transcript.map((m) => m.from),
              h.transcript.map((m) => clean(m.text)),
              h.transcript.map((m) => m.at),
              h.transcript.map((m) => (m.staff === undefined ? null : clean(m.staff))),
              h.transcript.map(messageFolded),
            ],
          );
        }
        return true;
      });
    },
    async get(id) {
      const { rows } = await pool.query<HandoffWithMessages>(`${SELECT} WHERE h.id = $1`, [id]);
      return rows[0] && toHandoff(rows[0]);
    },
    async openFor(key) {
      const { rows } = await pool.query<HandoffWithMessages>(`${SELECT} WHERE h.session_key = $1 AND h.status <> 'closed' ORDER BY h.seq LIMIT 1`, [key]);
      return rows[0] && toHandoff(rows[0]);
    },
    async list(q = {}) {
      const limit = pageLimit(q);
      const where: string[] = [];
      const params: unknown[] = [];
      const param = (v: unknown) => `$${params.push(v)}`;
      if (q.status === 'open') where.push(`h.status <> 'closed'`);
      else if (q.status) where.push(`h.status = ${param(q.status)}`);
      const needle = q.text ? fold(q.text) : '';
      if (needle) {
        const like = param(`%${likeEscape(needle)}%`);
        where.push(`(h.folded LIKE ${like} ESCAPE '\\' OR EXISTS (SELECT 1 FROM handoff_messages m WHERE m.handoff = h.seq AND m.folded LIKE ${like} ESCAPE '\\'))`);
      }
      if (q.after) {
        const [afterAt, afterId] = decodeCursor<[number, string]>(q.after);
        where.push(`(h.created_at, h.id) > (${param(afterAt)}, ${param(afterId)})`);
      }
      const { rows } = await pool.query<HandoffWithMessages>(
        `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY h.created_at, h.id LIMIT ${param(limit + 1)}`,
        params,
      );
      const items = rows.slice(0, limit).map(toHandoff);
      const last = items.at(-1);
      return { items, next: rows.length > limit && last ? encodeCursor([last.createdAt, last.id]) : null };
    },
    async count(status) {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM handoffs WHERE status = $1', [status]);
      return rows[0]!.n;
    },
    async append(id, msg) {
      await change('message', id, async (c) => {
        const { rows } = await c.query<{ seq: number }>(
          `INSERT INTO handoff_messages (handoff, sender, text, at, staff, folded)
           SELECT seq, $2, $3, $4, $5, $6 FROM handoffs WHERE id = $1 RETURNING handoff AS seq`,
          [id, msg.from, clean(msg.text), msg.at, msg.staff === undefined ? null : clean(msg.staff), messageFolded(msg)],
        );
        if (!rows[0]) throw new Error(`Unknown handoff "${id}"`);
        if (msg.from === 'staff') await c.query('UPDATE handoffs SET first_reply_at = $1 WHERE seq = $2 AND first_reply_at IS NULL', [msg.at, rows[0].seq]);
      });
    },
    claim: (id, staff, at) => assign(id, staff, at, 'claimed'),
    transfer: (id, to, at) => assign(id, to, at, 'transferred'),
    close: (id, at) =>
      change('closed', id, async (c) => {
        const r = await lock(c, id);
        await c.query(`UPDATE handoffs SET status = 'closed', closed_at = $1 WHERE seq = $2`, [at, r.seq]);
        return toHandoff(await one(c, id));
      }),
    // Messages go with their handoff (ON DELETE CASCADE); in chunks, so no statement holds locks for long.
    async purgeClosed(before) {
      let total = 0;
      for (;;) {
        const { rowCount } = await pool.query(
          `DELETE FROM handoffs WHERE seq IN (SELECT seq FROM handoffs WHERE status = 'closed' AND (closed_at < $1 OR closed_at IS NULL) LIMIT $2)`,
          [before, DELETE_CHUNK],
        );
        total += rowCount ?? 0;
        if ((rowCount ?? 0) < DELETE_CHUNK) return total;
      }
    },
    watch(listener) {
      watchers.add(listener);
      return () => void watchers.delete(listener);
    },
  };
}
