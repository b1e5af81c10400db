import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileDocs } from './doc.js';
import { acquireLock } from './lock.js';
import { createStores } from './stores.js';
import type { Stores } from './types.js';

/**
 * The default store: lowdb JSON files under `dataDir`, one per concern, written through the
 * fsyncing adapter. Takes the DATA_DIR lock; a second process is refused with a clear message.
 */
export async function openLowdbStores(dataDir: string, opts: { sessionBatchMs?: number } = {}): Promise<Stores> {
  mkdirSync(dataDir, { recursive: true });
  const release = acquireLock(dataDir);
  // A process killed mid-write leaves its temp file behind; holding the lock, nobody else is writing.
  for (const f of readdirSync(dataDir)) if (/\.json\.\d+\.tmp$/.test(f)) unlinkSync(join(dataDir, f));
  try {
    return await createStores(fileDocs(dataDir, opts.sessionBatchMs ?? 1000), release);
  } catch (err) {
    release();
    throw err;
  }
}
