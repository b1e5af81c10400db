import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseSession } from '../../core/session.js';
import { StoreFileError } from '../file-adapter.js';
import { auditInsert } from './audit.js';
import type { Db } from './db.js';
import { handoffInserts } from './handoffs.js';
import { loginInsert } from './logins.js';

/** The lowdb JSON documents whose records now live in SQLite. */
export const IMPORTED_FILES = ['sessions', 'handoffs', 'audit', 'logins'] as const;
type FileName = (typeof IMPORTED_FILES)[number];

/** What the first start on an older DATA_DIR copied into the database (for the caller to log). */
export interface JsonImport {
  /** Where the JSON files went (`DATA_DIR/backup-<timestamp>`). */
  backupDir: string;
  /** Per file imported by this start; a file imported by an earlier start is only moved. */
  files: { name: FileName; imported: number; skipped: number }[];
}

const message = z.object({ from: z.enum(['citizen', 'bot', 'staff', 'note']), text: z.string(), at: z.number(), staff: z.string().optional() });
const handoff = z.object({
  id: z.string().min(1),
  sessionKey: z.string(),
  channel: z.enum(['web', 'telegram', 'zalo', 'cli']),
  chatId: z.string(),
  user: z.string(),
  status: z.enum(['waiting', 'claimed', 'closed']),
  summary: z.string(),
  reason: z.string(),
  createdAt: z.number(),
  claimedBy: z.string().nullable(),
  claimedAt: z.number().nullable(),
  firstReplyAt: z.number().nullable(),
  closedAt: z.number().nullable(),
  transcript: z.array(message),
});
const auditEntry = z.object({ at: z.number(), who: z.string(), action: z.string(), target: z.string(), before: z.unknown().optional(), after: z.unknown().optional() });
const login = z.object({ user: z.string(), role: z.enum(['staff', 'admin']), csrf: z.string(), expires: z.number() });

/** The record collections of each document, as lowdb stored them (`{ version: 1, … }`). */
function records(name: FileName, doc: Record<string, unknown>): [string, unknown][] {
  const field = { sessions: 'sessions', handoffs: 'handoffs', audit: 'entries', logins: 'logins' }[name];
  const v = doc[field];
  if (Array.isArray(v)) return v.map((r, i) => [String(i), r]);
  if (v && typeof v === 'object') return Object.entries(v);
  return [];
}

/**
 * First start on a DATA_DIR written by the lowdb store: copies sessions.json, handoffs.json,
 * audit.json and logins.json into the database in one transaction, records each import (so a
 * file is never imported twice, even if moving it failed), then moves the files into
 * `DATA_DIR/backup-<timestamp>/`. Invalid records are skipped and counted. A file that is not
 * valid JSON stops the start (StoreFileError) and is left where it is.
 */
export function importJsonFiles(db: Db, dataDir: string, now: number): JsonImport | null {
  const present = IMPORTED_FILES.filter((n) => existsSync(join(dataDir, `${n}.json`)));
  if (!present.length) return null;
  const done = db.prepare<[string], { name: string }>('SELECT name FROM json_imports WHERE name = ?');
  const pending = present.filter((n) => !done.get(n));
  const docs = pending.map((name) => ({ name, doc: readDoc(join(dataDir, `${name}.json`)) }));

  const files: JsonImport['files'] = [];
  db.transaction(() => {
    const insert = {
      sessions: (() => {
        const upsert = db.prepare<[string, number, string]>('INSERT OR REPLACE INTO sessions (key, updated_at, data) VALUES (?, ?, ?)');
        return (key: string, raw: unknown) => {
          const s = parseSession(raw);
          if (s) upsert.run(key, s.updatedAt, JSON.stringify(s));
          return Boolean(s);
        };
      })(),
      handoffs: (() => {
        const { insert: put } = handoffInserts(db);
        const seen = new Set<string>();
        return (_: string, raw: unknown) => {
          const h = handoff.safeParse(raw);
          if (!h.success || seen.has(h.data.id)) return false;
          seen.add(h.data.id);
          put(h.data);
          return true;
        };
      })(),
      audit: (() => {
        const put = auditInsert(db);
        return (_: string, raw: unknown) => {
          const e = auditEntry.safeParse(raw);
          if (e.success) put(e.data);
          return e.success;
        };
      })(),
      logins: (() => {
        const put = loginInsert(db);
        return (hash: string, raw: unknown) => {
          const l = login.safeParse(raw);
          if (l.success) put(hash, l.data);
          return l.success;
        };
      })(),
    };
    const record = db.prepare<[string, number, number, number]>('INSERT INTO json_imports (name, at, imported, skipped) VALUES (?, ?, ?, ?)');
    for (const { name, doc } of docs) {
      let imported = 0;
      let skipped = 0;
      for (const [key, raw] of records(name, doc)) {
        if (insert[name](key, raw)) imported++;
        else skipped++;
      }
      record.run(name, now, imported, skipped);
      files.push({ name, imported, skipped });
    }
  })();

  const backupDir = join(dataDir, `backup-${new Date(now).toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(backupDir, { recursive: true });
  for (const name of present) renameSync(join(dataDir, `${name}.json`), join(backupDir, `${name}.json`));
  syncDir(backupDir);
  syncDir(dataDir);
  return { backupDir, files };
}

function readDoc(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new StoreFileError(path, `invalid JSON: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || (doc as { version?: unknown }).version !== 1) throw new StoreFileError(path, 'not a version 1 store document');
  return doc as Record<string, unknown>;
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the renames are still atomic.
  }
}
