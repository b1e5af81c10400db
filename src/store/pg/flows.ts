import type pg from 'pg';
import { VersionConflictError, type FlowRecord, type FlowStore, type FlowVersion } from '../types.js';
import { inTransaction, type Queryable } from './db.js';

interface FlowRow {
  id: string;
  current: number;
  disabled: boolean;
  draft_yaml: string | null;
  draft_updated_at: number | null;
  draft_updated_by: string | null;
}
interface VersionRow {
  flow_id: string;
  version: number;
  yaml: string;
  published_at: number;
  published_by: string;
  note: string | null;
}

/** Tells other instances a flow changed (queued inside the change's transaction). */
export type FlowChanged = (c: Queryable, id: string) => Promise<void>;

const toVersion = (v: VersionRow): FlowVersion => ({ version: v.version, yaml: v.yaml, publishedAt: v.published_at, publishedBy: v.published_by, ...(v.note !== null ? { note: v.note } : {}) });
const toDraft = (r: Pick<FlowRow, 'draft_yaml' | 'draft_updated_at' | 'draft_updated_by'>): FlowRecord['draft'] =>
  r.draft_yaml === null ? null : { yaml: r.draft_yaml, updatedAt: r.draft_updated_at ?? 0, updatedBy: r.draft_updated_by ?? '' };

const VERSION_COLUMNS = 'flow_id, version, yaml, published_at, published_by, note';

/**
 * Flows one row each, versions in their own table. Publishing locks the flow's row
 * (`SELECT … FOR UPDATE`), checks `expectedCurrent` and numbers the version inside that
 * transaction, so concurrent publishes from any number of instances get 1, 2, 3 … without a gap
 * or a duplicate, and exactly one of several made against the same version wins.
 */
export function pgFlows(pool: pg.Pool, changed: FlowChanged = async () => undefined): FlowStore {
  const records = async (where: string, params: unknown[]): Promise<FlowRecord[]> => {
    const flows = await pool.query<FlowRow>(`SELECT id, current, disabled, draft_yaml, draft_updated_at, draft_updated_by FROM flows ${where} ORDER BY id`, params);
    if (!flows.rows.length) return [];
    const versions = await pool.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM flow_versions WHERE flow_id = ANY($1::text[]) ORDER BY flow_id, version`, [flows.rows.map((f) => f.id)]);
    const byFlow = new Map<string, FlowVersion[]>();
    for (const v of versions.rows) {
      const list = byFlow.get(v.flow_id);
      if (list) list.push(toVersion(v));
      else byFlow.set(v.flow_id, [toVersion(v)]);
    }
    return flows.rows.map((r) => ({ id: r.id, current: r.current, versions: byFlow.get(r.id) ?? [], draft: toDraft(r), disabled: r.disabled }));
  };

  /** Numbers and inserts the next version, makes it current and drops the draft (caller holds the row lock). */
  const append = async (c: Queryable, id: string, yaml: string, by: string, at: number, note: string | undefined): Promise<FlowVersion> => {
    const { rows } = await c.query<VersionRow>(
      `INSERT INTO flow_versions (${VERSION_COLUMNS})
       SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5 FROM flow_versions WHERE flow_id = $1
       RETURNING ${VERSION_COLUMNS}`,
      [id, yaml, at, by, note ?? null],
    );
    const v = rows[0]!;
    await c.query('UPDATE flows SET current = $2, draft_yaml = NULL, draft_updated_at = NULL, draft_updated_by = NULL WHERE id = $1', [id, v.version]);
    await changed(c, id);
    return toVersion(v);
  };
  const lock = async (c: Queryable, id: string): Promise<number | undefined> => {
    const { rows } = await c.query<{ current: number }>('SELECT current FROM flows WHERE id = $1 FOR UPDATE', [id]);
    return rows[0]?.current;
  };
  const checkExpected = (id: string, current: number, expected: number | undefined) => {
    if (expected !== undefined && current !== expected) throw new VersionConflictError(id, expected, current);
  };

  return {
    list: () => records('', []),
    async get(id) {
      return (await records('WHERE id = $1', [id]))[0];
    },
    publish: (id, yaml, by, at, opts = {}) =>
      inTransaction(pool, async (c) => {
        // A new flow's row is created in the same transaction: a refused publish leaves no trace.
        await c.query('INSERT INTO flows (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [id]);
        checkExpected(id, (await lock(c, id))!, opts.expectedCurrent);
        return append(c, id, yaml, by, at, opts.note);
      }),
    rollback: (id, version, by, at, opts = {}) =>
      inTransaction(pool, async (c) => {
        const current = await lock(c, id);
        if (current === undefined) throw new Error(`Unknown flow "${id}"`);
        const { rows } = await c.query<{ yaml: string }>('SELECT yaml FROM flow_versions WHERE flow_id = $1 AND version = $2', [id, version]);
        if (!rows[0]) throw new Error(`Flow "${id}" has no version ${version}`);
        checkExpected(id, current, opts.expectedCurrent);
        return append(c, id, rows[0].yaml, by, at, `rollback to v${version}`);
      }),
    async saveDraft(id, yaml, by, at) {
      await inTransaction(pool, async (c) => {
        await c.query(
          `INSERT INTO flows (id, draft_yaml, draft_updated_at, draft_updated_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET draft_yaml = excluded.draft_yaml, draft_updated_at = excluded.draft_updated_at, draft_updated_by = excluded.draft_updated_by`,
          [id, yaml, at, by],
        );
        await changed(c, id);
      });
    },
    // The subquery reads the row as it was before the update (and locks it), so the dropped draft comes back.
    discardDraft: (id) =>
      inTransaction(pool, async (c) => {
        const { rows } = await c.query<FlowRow>(
          `UPDATE flows f SET draft_yaml = NULL, draft_updated_at = NULL, draft_updated_by = NULL
           FROM (SELECT id, draft_yaml, draft_updated_at, draft_updated_by FROM flows WHERE id = $1 FOR UPDATE) old
           WHERE f.id = old.id AND old.draft_yaml IS NOT NULL
           RETURNING old.draft_yaml, old.draft_updated_at, old.draft_updated_by`,
          [id],
        );
        if (!rows[0]) return null;
        await changed(c, id);
        return toDraft(rows[0]);
      }),
    setDisabled: (id, disabled) =>
      inTransaction(pool, async (c) => {
        const { rows } = await c.query<{ disabled: boolean }>(
          `UPDATE flows f SET disabled = $2 FROM (SELECT id, disabled FROM flows WHERE id = $1 FOR UPDATE) old
           WHERE f.id = old.id RETURNING old.disabled`,
          [id, disabled],
        );
        if (!rows[0]) throw new Error(`Unknown flow "${id}"`);
        if (rows[0].disabled !== disabled) await changed(c, id);
        return rows[0].disabled;
      }),
  };
}
