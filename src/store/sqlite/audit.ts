import { decodeCursor, encodeCursor, pageLimit } from '../stores.js';
import { AUDIT_CAP, auditJson as json, toAuditEntry as toEntry, type AuditRow } from '../records.js';
import type { AuditEntry, AuditStore } from '../types.js';
import type { Db } from './db.js';


interface SqliteAuditRow extends AuditRow {
  seq: number;
}


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
    all: db.prepare<[number, number], SqliteAuditRow>(`SELECT ${COLUMNS} FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT ?`),
    target: db.prepare<[string, number, number], SqliteAuditRow>(`SELECT ${COLUMNS} FROM audit WHERE target = ? AND seq < ? ORDER BY seq DESC LIMIT ?`),
  };

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
