import type pg from 'pg';
import { LOGINS_MAX, tokenHash, type LoginRow } from '../records.js';
import type { AdminLogin, LoginStore } from '../types.js';


/** Admin sign-ins (used when REDIS_URL is not set). */
export function pgLogins(pool: pg.Pool): LoginStore {
  return {
    async create(s) {
      // A re-created token takes a new sequence number, so it counts as the newest.
      await pool.query(
        `WITH ins AS (
           INSERT INTO logins (token_hash, "user", role, csrf, expires) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (token_hash) DO UPDATE SET seq = excluded.seq, "user" = excluded."user", role = excluded.role, csrf = excluded.csrf, expires = excluded.expires
         )
         DELETE FROM logins WHERE seq <= (SELECT seq FROM logins ORDER BY seq DESC OFFSET $6 LIMIT 1)`,
        [tokenHash(s.token), s.user, s.role, s.csrf, s.expires, LOGINS_MAX - 1],
      );
    },
    async get(token, now) {
      const hash = tokenHash(token);
      const { rows } = await pool.query<LoginRow>('SELECT "user", role, csrf, expires FROM logins WHERE token_hash = $1', [hash]);
      const r = rows[0];
      if (!r) return undefined;
      if (r.expires < now) {
        await pool.query('DELETE FROM logins WHERE token_hash = $1', [hash]);
        return undefined;
      }
      return { token, user: r.user, role: r.role, csrf: r.csrf, expires: r.expires };
    },
    async destroy(token) {
      await pool.query('DELETE FROM logins WHERE token_hash = $1', [tokenHash(token)]);
    },
    // `keep` absent: no hash equals '' so every login of the user goes.
    async destroyUser(name, keep) {
      const { rowCount } = await pool.query('DELETE FROM logins WHERE "user" = $1 AND token_hash <> $2', [name, keep === undefined ? '' : tokenHash(keep)]);
      return rowCount ?? 0;
    },
    async purge(now) {
      const { rowCount } = await pool.query('DELETE FROM logins WHERE expires < $1', [now]);
      return rowCount ?? 0;
    },
  };
}
