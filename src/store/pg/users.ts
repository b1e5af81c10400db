import type pg from 'pg';
import type { User, UserStore } from '../types.js';
import { inTransaction, type Queryable } from './db.js';

interface UserRow {
  name: string;
  role: User['role'];
  password_hash: string;
  created_at: number;
  disabled: boolean;
  display_name: string | null;
}

/** Tells other instances a user changed (a disabled account must stop working everywhere). */
export type UserChanged = (c: Queryable, name: string) => Promise<void>;

const COLUMNS = 'name, role, password_hash, created_at, disabled, display_name';
const toUser = (r: UserRow): User => ({
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  disabled: r.disabled,
  ...(r.display_name !== null ? { displayName: r.display_name } : {}),
});

/** Staff accounts, one row each. */
export function pgUsers(pool: pg.Pool, changed: UserChanged = async () => undefined): UserStore {
  return {
    async list() {
      const { rows } = await pool.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY name`);
      return rows.map(toUser);
    },
    async get(name) {
      const { rows } = await pool.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE name = $1`, [name]);
      return rows[0] && toUser(rows[0]);
    },
    async put(u) {
      await inTransaction(pool, async (c) => {
        await c.query(
          `INSERT INTO users (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash, created_at = excluded.created_at,
             disabled = excluded.disabled, display_name = excluded.display_name`,
          [u.name, u.role, u.passwordHash, u.createdAt, u.disabled, u.displayName ?? null],
        );
        await changed(c, u.name);
      });
    },
    remove: (name) =>
      inTransaction(pool, async (c) => {
        const { rowCount } = await c.query('DELETE FROM users WHERE name = $1', [name]);
        if (!rowCount) return false;
        await changed(c, name);
        return true;
      }),
  };
}
