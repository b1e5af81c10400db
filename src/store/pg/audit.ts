import type pg from 'pg';
import { decodeCursor, encodeCursor, pageLimit } from '../stores.js';
import { AUDIT_CAP, auditJson as json, toAuditEntry as toEntry, type AuditRow } from '../records.js';
import type { AuditStore } from '../types.js';




/**
 * The audit log, numbered by a sequence (newest first by id), so pages stay stable while new
 * entries arrive and old ones are trimmed.
 */
export function pgAudit(pool: pg.Pool): AuditStore {
  const COLUMNS = 'id, at, who, action, target, before::text AS before, after::text AS after';
  return {
    async add(e) {
      const { rows } = await pool.query<{ id: number }>('INSERT INTO audit (at, who, action, target, before, after) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id', [
        e.at,
        e.who,
        e.action,
        e.target,
        json(e.before),
        json(e.after),
      ]);
      // Trimmed now and then rather than on every insert; ids may have gaps, so the cap is approximate.
      const id = rows[0]!.id;
      if (id > AUDIT_CAP && id % 100 === 0) await pool.query('DELETE FROM audit WHERE id <= $1', [id - AUDIT_CAP]);
    },
    async list(q = {}) {
      const limit = pageLimit(q);
      const before = q.after ? decodeCursor<number>(q.after) : Number.MAX_SAFE_INTEGER;
      const { rows } =
        q.target === undefined
          ? await pool.query<AuditRow & { id: number }>(`SELECT ${COLUMNS} FROM audit WHERE id < $1 ORDER BY id DESC LIMIT $2`, [before, limit + 1])
          : await pool.query<AuditRow & { id: number }>(`SELECT ${COLUMNS} FROM audit WHERE target = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, [q.target, before, limit + 1]);
      const items = rows.slice(0, limit);
      return { items: items.map(toEntry), next: rows.length > limit ? encodeCursor(items.at(-1)!.id) : null };
    },
  };
}
