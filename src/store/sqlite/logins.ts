import { LOGINS_MAX, tokenHash, type LoginRow } from '../records.js';
import type { AdminLogin, LoginStore } from '../types.js';
import type { Db } from './db.js';


/** Prepared insert, shared with the JSON import (which already holds hashed keys). */
export function loginInsert(db: Db) {
  const insert = db.prepare<[string, string, string, string, number]>('INSERT OR REPLACE INTO logins (token_hash, user, role, csrf, expires) VALUES (?, ?, ?, ?, ?)');
  return (hash: string, s: Omit<AdminLogin, 'token'>) => insert.run(hash, s.user, s.role, s.csrf, s.expires);
}

/** Admin sign-ins: every change is committed with fsync, so a sign-out survives a power cut. */
export function sqliteLogins(db: Db): LoginStore {
  const insert = loginInsert(db);
  const trim = db.prepare<[number]>('DELETE FROM logins WHERE seq <= (SELECT seq FROM logins ORDER BY seq DESC LIMIT 1 OFFSET ?)');
  const get = db.prepare<[string], LoginRow>('SELECT user, role, csrf, expires FROM logins WHERE token_hash = ?');
  const destroy = db.prepare<[string]>('DELETE FROM logins WHERE token_hash = ?');
  const destroyUser = db.prepare<[string, string]>('DELETE FROM logins WHERE user = ? AND token_hash != ?');
  const purge = db.prepare<[number]>('DELETE FROM logins WHERE expires < ?');

  return {
    async create(s) {
      db.transaction(() => {
        insert(tokenHash(s.token), s);
        trim.run(LOGINS_MAX);
      })();
    },
    async get(token, now) {
      const hash = tokenHash(token);
      const r = get.get(hash);
      if (!r) return undefined;
      if (r.expires < now) {
        destroy.run(hash);
        return undefined;
      }
      return { token, user: r.user, role: r.role, csrf: r.csrf, expires: r.expires };
    },
    async destroy(token) {
      destroy.run(tokenHash(token));
    },
    // `keep` absent: no hash equals '' so every login of the user goes.
    destroyUser: async (name, keep) => destroyUser.run(name, keep === undefined ? '' : tokenHash(keep)).changes,
    purge: async (now) => purge.run(now).changes,
  };
}
