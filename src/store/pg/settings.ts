import type pg from 'pg';
import type { SettingsStore } from '../types.js';

/** Small generated secrets, one row per key. */
export function pgSettings(pool: pg.Pool): SettingsStore {
  return {
    async get(key) {
      const { rows } = await pool.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
      return rows[0]?.value;
    },
    async all() {
      const { rows } = await pool.query<{ key: string; value: string }>('SELECT key, value FROM settings ORDER BY key');
      return Object.fromEntries(rows.map((r) => [r.key, r.value]));
    },
    async set(key, value) {
      await pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },
  };
}
