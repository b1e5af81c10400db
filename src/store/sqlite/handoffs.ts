import { randomUUID } from 'node:crypto';
import { fold } from '../../text/vi/fold.js';
import { decodeCursor, encodeCursor, pageLimit } from '../stores.js';
import { handoffFolded, messageFolded, toHandoff as rowToHandoff, type HandoffRow } from '../records.js';
import type { Handoff, HandoffChange, HandoffMessage, HandoffStore } from '../types.js';
import { deleteInChunks, type Db } from './db.js';

interface MessageRow {
  from: HandoffMessage['from'];
  text: string;
  at: number;
  staff: string | null;
}

const COLUMNS = 'seq, id, session_key, channel, chat_id, user, status, summary, reason, created_at, claimed_by, claimed_at, first_reply_at, closed_at';


/** Prepared inserts, shared with the JSON import. */
export function handoffInserts(db: Db) {
  const head = db.prepare<[string, string, string, string, string, string, string, string, number, string | null, number | null, number | null, number | null, string]>(
    `INSERT INTO handoffs (id, session_key, channel, chat_id, user, status, summary, reason, created_at, claimed_by, claimed_at, first_reply_at, closed_at, folded)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const message = db.prepare<[number | bigint, string, string, number, string | null, string | null]>(
    'INSERT INTO handoff_messages (handoff, sender, text, at, staff, folded) VALUES (?, ?, ?, ?, ?, ?)',
  );
  return {
    /** Inserts a whole handoff with its transcript (inside the caller's transaction). */
    insert(h: Handoff) {
      const { lastInsertRowid } = head.run(
        h.id,
        h.sessionKey,
        h.channel,
        h.chatId,
        h.user,
        h.status,
        h.summary,
        h.reason,
        h.createdAt,
        h.claimedBy,
        h.claimedAt,
        h.firstReplyAt,
        h.closedAt,
        handoffFolded(h),
      );
      for (const m of h.transcript) message.run(lastInsertRowid, m.from, m.text, m.at, m.staff ?? null, messageFolded(m));
    },
    message,
  };
}

/**
 * Handoffs in one table and their messages in another: a citizen's message to an open handoff
 * is one INSERT (plus a one-row UPDATE on the first staff reply), never a rewrite.
 */
export function sqliteHandoffs(db: Db): HandoffStore {
  const inserts = handoffInserts(db);
  const byId = db.prepare<[string], HandoffRow>(`SELECT ${COLUMNS} FROM handoffs WHERE id = ?`);
  const openFor = db.prepare<[string], HandoffRow>(`SELECT ${COLUMNS} FROM handoffs WHERE session_key = ? AND status != 'closed' ORDER BY seq LIMIT 1`);
  const messages = db.prepare<[number], MessageRow>('SELECT sender AS "from", text, at, staff FROM handoff_messages WHERE handoff = ? ORDER BY id');
  const count = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM handoffs WHERE status = ?');
  const firstReply = db.prepare<[number, number]>('UPDATE handoffs SET first_reply_at = ? WHERE seq = ? AND first_reply_at IS NULL');
  const assign = db.prepare<[string, number, number]>("UPDATE handoffs SET status = 'claimed', claimed_by = ?, claimed_at = ? WHERE seq = ?");
  const close = db.prepare<[number, number]>("UPDATE handoffs SET status = 'closed', closed_at = ? WHERE seq = ?");
  const purge = db.prepare<[number, number]>("DELETE FROM handoffs WHERE seq IN (SELECT seq FROM handoffs WHERE status = 'closed' AND coalesce(closed_at, 0) < ? LIMIT ?)");

  const toHandoff = (r: HandoffRow): Handoff => rowToHandoff(r, messages.all(r.seq));
  const row = (id: string): HandoffRow => {
    const r = byId.get(id);
    if (!r) throw new Error(`Unknown handoff "${id}"`);
    return r;
  };

  const watchers = new Set<(change: HandoffChange) => void>();
  const changed = (kind: HandoffChange['kind'], id: string) => {
    if (!watchers.size) return;
    const waiting = count.get('waiting')!.n;
    for (const listener of watchers) {
      try {
        listener({ kind, id, waiting });
      } catch {
        // A watcher that fails (a closed page) must not fail the citizen's message.
      }
    }
  };

  // List queries differ by filter; each shape is prepared once.
  const listQueries = new Map<string, ReturnType<Db['prepare']>>();
  const listQuery = (status: 'any' | 'open' | 'one', text: boolean, after: boolean) => {
    const shape = `${status}${text}${after}`;
    let q = listQueries.get(shape);
    if (!q) {
      const where = [
        status === 'open' ? "status != 'closed'" : status === 'one' ? 'status = @status' : '',
        text ? '(instr(folded, @text) > 0 OR EXISTS (SELECT 1 FROM handoff_messages m WHERE m.handoff = handoffs.seq AND instr(m.folded, @text) > 0))' : '',
        after ? '(created_at, id) > (@afterAt, @afterId)' : '',
      ].filter(Boolean);
      q = db.prepare(`SELECT ${COLUMNS} FROM handoffs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT @limit`);
      listQueries.set(shape, q);
    }
    return q;
  };

  const assignTo = (id: string, staff: string, at: number): Handoff =>
    db.transaction(() => {
      const r = row(id);
      if (r.status === 'closed') throw new Error('Handoff is already closed');
      assign.run(staff, at, r.seq);
      return toHandoff(row(id));
    })();

  return {
    async open(h) {
      const full: Handoff = { ...h, id: randomUUID(), status: 'waiting', claimedBy: null, claimedAt: null, firstReplyAt: null, closedAt: null };
      db.transaction(() => inserts.insert(full))();
      changed('opened', full.id);
      return toHandoff(row(full.id));
    },
    async get(id) {
      const r = byId.get(id);
      return r && toHandoff(r);
    },
    async restore(h) {
      if (byId.get(h.id)) return false;
      db.transaction(() => inserts.insert(h))();
      return true;
    },
    async openFor(key) {
      const r = openFor.get(key);
      return r && toHandoff(r);
    },
    async list(q = {}) {
      const limit = pageLimit(q);
      const needle = q.text ? fold(q.text) : '';
      const [afterAt, afterId] = q.after ? decodeCursor<[number, string]>(q.after) : [0, ''];
      const status = !q.status ? 'any' : q.status === 'open' ? 'open' : 'one';
      const rows = listQuery(status, Boolean(needle), Boolean(q.after)).all({
        ...(status === 'one' ? { status: q.status } : {}),
        ...(needle ? { text: needle } : {}),
        ...(q.after ? { afterAt, afterId } : {}),
        limit: limit + 1,
      }) as HandoffRow[];
      const items = rows.slice(0, limit).map(toHandoff);
      const last = items.at(-1);
      return { items, next: rows.length > limit && last ? encodeCursor([last.createdAt, last.id]) : null };
    },
    count: async (status) => count.get(status)!.n,
    async append(id, msg) {
      db.transaction(() => {
        const r = row(id);
        inserts.message.run(r.seq, msg.from, msg.text, msg.at, msg.staff ?? null, messageFolded(msg));
        if (msg.from === 'staff' && r.first_reply_at === null) firstReply.run(msg.at, r.seq);
      })();
      changed('message', id);
    },
    async claim(id, staff, at) {
      const h = assignTo(id, staff, at);
      changed('claimed', id);
      return h;
    },
    async transfer(id, to, at) {
      const h = assignTo(id, to, at);
      changed('transferred', id);
      return h;
    },
    async close(id, at) {
      const h = db.transaction(() => {
        close.run(at, row(id).seq);
        return toHandoff(row(id));
      })();
      changed('closed', id);
      return h;
    },
    // Messages go with their handoff (ON DELETE CASCADE); in chunks, letting chat turns run in between.
    async purgeClosed(before) {
      return deleteInChunks(purge, before);
    },
    watch(listener) {
      watchers.add(listener);
      return () => void watchers.delete(listener);
    },
  };
}
