import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class StoreLockedError extends Error {
  constructor(
    public readonly dataDir: string,
    public readonly pid: number,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by another dvc-assistant process (pid ${pid}). ` +
        `Stop that process, or start this one with a different DATA_DIR.`,
    );
    this.name = 'StoreLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Lock files this process holds. A lock naming our own pid that is not in this set was left by
 * an earlier process that happened to have the same pid — typically PID 1 in a container that
 * was killed and restarted — and is stale, not ours.
 */
const held = new Set<string>();

/**
 * Takes the DATA_DIR lock (a `.lock` file holding the owner's pid). A lock left by a dead
 * process (or by an earlier process with our pid) is recovered; a live owner, including this
 * process while it holds the lock, is refused.
 * Returns the release function.
 */
export function acquireLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(realpathSync(dataDir), '.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }), { flag: 'wx', mode: 0o600 });
      held.add(path);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.delete(path);
        rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let pid = NaN;
    try {
      pid = Number((JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid);
    } catch {
      // Unreadable or half-written lock: treat as stale.
    }
    const owned = pid === process.pid ? held.has(path) : isAlive(pid);
    if (Number.isInteger(pid) && pid > 0 && owned) throw new StoreLockedError(dataDir, pid);
    rmSync(path, { force: true });
  }
  throw new Error(`Could not take the lock ${path}; another process keeps creating it.`);
}
