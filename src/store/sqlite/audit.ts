import { decodeCursor, encodeCursor, pageLimit } from '../stores.js';
import type { AuditEntry, AuditStore } from '../types.js';
import type { Db } from './db.js';

/** Entries kept; older ones are dropped (the log is for recent changes), as in the lowdb store. */
export const AUDIT_CAP = 20_000;

interface AuditRow {
  seq: number;
  at: number;
  who: string;
  action: string;
  target: string;
  before: string | null;
  after: string | null;
}

/** `before`/`after` are JSON text; absent stays absent (SQL NULL), `null` is stored as 'null'. */
const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/** Prepared insert, shared with the JSON import. */
export function auditInsert(db: Db) {
  const insert = db.prepare<[number, string, string, string, string | null, string | null]>('INSERT INTO audit (at, who, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)');
  return (e: AuditEntry) => insert.run(e.at, e.who, e.action, e.target, json(e.before), json(e.after));
}

/** The audit log, numbered by an AUTOINCREMENT sequence so pages stay stable while old entries go. */
export function sqliteAudit(db: Db): AuditStore {
  const insert = auditInsert(db);
  const trim = db.prepare<[number]>('DELETE FROM audit WHERE seq <= ?');
  const COLUMNS = 'seq, at, who, action, target, before, after';
  const pages = {
    all: db.prepare<[number, number], AuditRow>(`SELECT ${COLUMNS} FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT ?`),
    target: db.prepare<[string, number, number], AuditRow>(`SELECT ${COLUMNS} FROM audit WHERE target = ? AND seq < ? ORDER BY seq DESC LIMIT ?`),
  };
  const toEntry = (r: AuditRow): AuditEntry => ({
    at: r.at,
    who: r.who,
    action: r.action,
    target: r.target,
    ...(r.before !== null ? { before: JSON.parse(r.before) as unknown } : {}),
    ...(r.after !== null ? { after: JSON.parse(r.after) as unknown } : {}),
  });

  return {
    async add(e) {
      db.transaction(() => {
        const seq = Number(insert(e).lastInsertRowid);
        if (seq > AUDIT_CAP) trim.run(seq - AUDIT_CAP);
      })();
    },
    async list(q = {}) {
      const limit = pageLimit(q);
      const before = q.after ? decodeCursor<number>(q.after) : Number.MAX_SAFE_INTEGER;
      const rows = q.target === undefined ? pages.all.all(before, limit + 1) : pages.target.all(q.target, before, limit + 1);
      const items = rows.slice(0, limit);
      return { items: items.map(toEntry), next: rows.length > limit ? encodeCursor(items.at(-1)!.seq) : null };
    },
  };
}
