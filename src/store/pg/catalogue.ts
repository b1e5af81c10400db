import type pg from 'pg';
import type { Procedure } from '../../catalogue/procedure.js';
import { decodeCursor, encodeCursor, pageLimit } from '../stores.js';
import type { AliasTables, CatalogueStore } from '../types.js';
import { inTransaction, type Queryable } from './db.js';

/** Rows per INSERT of a bulk import (a procedure is a few kilobytes of JSON). */
const IMPORT_CHUNK = 500;
const ALIAS_KINDS = ['aliases', 'english', 'lexicon'] as const;
type AliasKind = (typeof ALIAS_KINDS)[number];

/** What changed, for the store set's change notes (other instances reload their search index). */
export type CatalogueChanged = (c: Queryable) => Promise<void>;

/** The alias tables as callers get them: `lexicon` only when stored. */
const aliasTables = (rows: { kind: AliasKind; data: unknown }[]): AliasTables => {
  const by = new Map(rows.map((r) => [r.kind, r.data]));
  const lexicon = by.get('lexicon') as AliasTables['lexicon'];
  return { aliases: (by.get('aliases') ?? []) as AliasTables['aliases'], english: (by.get('english') ?? []) as AliasTables['english'], ...(lexicon ? { lexicon } : {}) };
};

/** Last one wins per code, as a Map would keep it. */
const byCode = (list: Procedure[]) => [...new Map(list.map((p) => [p.code, p])).values()];

/**
 * Procedures one row each (JSON as written), the alias tables one row per kind, and one state
 * row with the revision and the seeded flag. Every change bumps the revision in its own
 * transaction, so a searcher polling `revision()` (one primary-key read) never misses one.
 */
export function pgCatalogue(pool: pg.Pool, changed: CatalogueChanged = async () => undefined): CatalogueStore {
  const bump = async (c: Queryable) => {
    await c.query('UPDATE catalogue_state SET revision = revision + 1');
    await changed(c);
  };
  const insertAll = async (c: Queryable, list: Procedure[]) => {
    for (let i = 0; i < list.length; i += IMPORT_CHUNK) {
      const chunk = list.slice(i, i + IMPORT_CHUNK);
      await c.query(
        `INSERT INTO procedures (code, data) SELECT * FROM unnest($1::text[], $2::json[])
         ON CONFLICT (code) DO UPDATE SET data = excluded.data`,
        [chunk.map((p) => p.code), chunk.map((p) => JSON.stringify(p))],
      );
    }
  };
  const writeAliases = async (c: Queryable, t: AliasTables) => {
    const present = ALIAS_KINDS.filter((k) => t[k] !== undefined);
    await c.query('DELETE FROM alias_tables WHERE NOT (kind = ANY($1::text[]))', [present]);
    await c.query(
      `INSERT INTO alias_tables (kind, data) SELECT * FROM unnest($1::text[], $2::json[])
       ON CONFLICT (kind) DO UPDATE SET data = excluded.data`,
      [present, present.map((k) => JSON.stringify(t[k]))],
    );
  };

  return {
    async all() {
      const { rows } = await pool.query<{ data: Procedure }>('SELECT data FROM procedures ORDER BY code');
      return rows.map((r) => r.data);
    },
    async get(code) {
      const { rows } = await pool.query<{ data: Procedure }>('SELECT data FROM procedures WHERE code = $1', [code]);
      return rows[0]?.data;
    },
    async list(q) {
      const limit = pageLimit(q);
      const { rows } = q?.after
        ? await pool.query<{ data: Procedure }>('SELECT data FROM procedures WHERE code > $1 ORDER BY code LIMIT $2', [decodeCursor<string>(q.after), limit + 1])
        : await pool.query<{ data: Procedure }>('SELECT data FROM procedures ORDER BY code LIMIT $1', [limit + 1]);
      const items = rows.slice(0, limit).map((r) => r.data);
      return { items, next: rows.length > limit ? encodeCursor(items.at(-1)!.code) : null };
    },
    async count() {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM procedures');
      return rows[0]!.n;
    },
    async upsert(p) {
      await inTransaction(pool, async (c) => {
        await insertAll(c, [p]);
        await bump(c);
      });
    },
    remove: (code) =>
      inTransaction(pool, async (c) => {
        const { rowCount } = await c.query('DELETE FROM procedures WHERE code = $1', [code]);
        if (!rowCount) return false;
        await bump(c);
        return true;
      }),
    importAll: (list, mode) =>
      inTransaction(pool, async (c) => {
        // The state row's lock serialises imports, so `added`/`updated` describe what this one changed.
        await c.query('SELECT revision FROM catalogue_state FOR UPDATE');
        const { rows } = await c.query<{ code: string }>('SELECT code FROM procedures WHERE code = ANY($1::text[])', [list.map((p) => p.code)]);
        const existing = new Set(rows.map((r) => r.code));
        const updated = list.filter((p) => existing.has(p.code)).length;
        if (mode === 'replace') await c.query('DELETE FROM procedures');
        await insertAll(c, byCode(list));
        await bump(c);
        const total = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM procedures');
        return { added: list.length - updated, updated, total: total.rows[0]!.n };
      }),
    async revision() {
      const { rows } = await pool.query<{ revision: number }>('SELECT revision FROM catalogue_state');
      return rows[0]?.revision ?? 0;
    },
    async getAliases() {
      const { rows } = await pool.query<{ kind: AliasKind; data: unknown }>('SELECT kind, data FROM alias_tables');
      return aliasTables(rows);
    },
    async setAliases(t) {
      await inTransaction(pool, async (c) => {
        await writeAliases(c, t);
        await bump(c);
      });
    },
    updateAliases: (change) =>
      inTransaction(pool, async (c) => {
        // The state row's lock serialises alias edits across instances.
        await c.query('SELECT revision FROM catalogue_state FOR UPDATE');
        const { rows } = await c.query<{ kind: AliasKind; data: unknown }>('SELECT kind, data FROM alias_tables');
        const before = aliasTables(rows);
        const after = change(aliasTables(structuredClone(rows)));
        if (!after) return null;
        await writeAliases(c, after);
        await bump(c);
        return { before, after: structuredClone(after) };
      }),
    async isSeeded() {
      const { rows } = await pool.query<{ seeded: boolean }>('SELECT seeded FROM catalogue_state');
      return rows[0]?.seeded ?? false;
    },
    // The flag is set first under the row's lock: a second seed (another instance) waits, then finds it set.
    seed: (list, tables) =>
      inTransaction(pool, async (c) => {
        const { rowCount } = await c.query('UPDATE catalogue_state SET seeded = true WHERE NOT seeded');
        if (!rowCount) return false;
        await writeAliases(c, tables);
        await c.query('DELETE FROM procedures');
        await insertAll(c, byCode(list));
        await bump(c);
        return true;
      }),
  };
}
