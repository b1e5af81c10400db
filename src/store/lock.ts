import { linkSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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

/**
 * Who wrote a lock file. `start` (field 22 of /proc/<pid>/stat: clock ticks after boot) and
 * `boot` (/proc/sys/kernel/random/boot_id) tell the owner apart from a later process that was
 * given the same pid; `ns` (the pid namespace) says whether its pid means the same process
 * here. All three are absent where there is no /proc.
 */
interface LockOwner {
  pid: number;
  start?: string;
  boot?: string;
  ns?: string;
}

/** A process as /proc shows it: its state letter (R, S, D, Z, X, …) and its start time. */
interface ProcEntry {
  state: string;
  start: string;
}

/**
 * Reads /proc/<pid>/stat. `gone`: no such entry. `undefined`: it could not be read for another
 * reason (no /proc, no permission), so the caller must fall back to kill(pid, 0).
 */
function readProcStat(pid: number): ProcEntry | 'gone' | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ESRCH' ? 'gone' : undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19];
  return state && start && /^\d+$/.test(start) ? { state, start } : undefined;
}

/** True where /proc describes processes (Linux); elsewhere liveness falls back to kill(pid, 0). */
let procWorks: boolean | undefined;
function hasProc(): boolean {
  if (procWorks === undefined) procWorks = typeof readProcStat(process.pid) === 'object';
  return procWorks;
}

/** A /proc file or link read once (it does not change while we run); undefined where it cannot be read. */
function procOnce(read: () => string): () => string | undefined {
  let value: string | null | undefined;
  return () => {
    if (value === undefined) {
      try {
        value = read().trim() || null;
      } catch {
        value = null;
      }
    }
    return value ?? undefined;
  };
}
const bootId = procOnce(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
const pidNamespace = procOnce(() => readlinkSync('/proc/self/ns/pid'));

/** kill(pid, 0): true if some process has this pid (EPERM: it exists but belongs to another user). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process that wrote a lock is still running. kill(pid, 0) alone is not enough: it
 * succeeds for a zombie (killed, not yet reaped by its parent) and for an unrelated process
 * that was later given the same pid. So where /proc exists the owner is live only if its pid
 * is there, is not a zombie, and started at the recorded time during this boot.
 */
function ownerIsLive(owner: LockOwner): boolean {
  const boot = bootId();
  if (owner.boot && boot && owner.boot !== boot) return false;
  if (!hasProc()) return pidExists(owner.pid);
  // Written in another pid namespace (a container sharing DATA_DIR): its pid names some other
  // process here, so /proc cannot judge it; only the old check is left.
  const ns = pidNamespace();
  if (owner.ns && ns && owner.ns !== ns) return pidExists(owner.pid);
  const entry = readProcStat(owner.pid);
  // Unreadable, or missing yet signalable (hidden by hidepid): we cannot tell, so kill(pid, 0) decides.
  if (entry === 'gone' || entry === undefined) return pidExists(owner.pid);
  if (entry.state === 'Z' || entry.state === 'X' || entry.state === 'x') return false;
  // A lock written without a start time (older version, or no /proc then) is judged by the pid alone.
  return owner.start === undefined || owner.start === entry.start;
}

/** This process as a lock owner. */
function self(): LockOwner {
  const entry = readProcStat(process.pid);
  return { pid: process.pid, start: typeof entry === 'object' ? entry.start : undefined, boot: bootId(), ns: pidNamespace() };
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    const pid = Number(o.pid);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return { pid, start: str(o.start), boot: str(o.boot), ns: str(o.ns) };
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Creates the lock file only if none exists, complete from its first byte: the content goes to
 * a private temp file that is then hard-linked into place (link fails if the name is taken), so
 * no reader ever sees a half-written lock of ours. Filesystems without hard links get `wx`.
 * Returns false if a lock already exists.
 */
function createLock(path: string, content: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EMLINK') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  try {
    writeFileSync(path, content, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Removes a lock file judged stale unless it changed since it was read: it is renamed aside
 * (atomic) and put back if what was moved is not the stale content.
 */
function removeStale(path: string, staleText: string): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (readText(aside) !== staleText) {
    try {
      linkSync(aside, path);
    } catch {
      // Another process took the name meanwhile; it holds it now.
    }
  }
  rmSync(aside, { force: true });
}

/**
 * Lock files this process holds. A lock naming our own pid that is not in this set was left by
 * an earlier process that happened to have the same pid — typically PID 1 in a container that
 * was killed and restarted — and is stale, not ours.
 */
const held = new Set<string>();

/** A lock file as found: its text and whether the process it names still holds it. */
function inspect(path: string): { text: string; pid?: number; live: boolean } | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  // Unparsable or half-written (only a `wx` writer can leave one): stale.
  const owner = parseOwner(text);
  if (!owner) return { text, live: false };
  return { text, pid: owner.pid, live: owner.pid === process.pid ? held.has(path) : ownerIsLive(owner) };
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Deletes the stale lock `staleText` at `path`. Two processes that both found it stale must not
 * both delete it (the second would delete the first one's fresh lock), so deleting takes a
 * short-lived guard file, created like the lock; a guard whose owner was killed mid-way is
 * itself removed as stale.
 */
function breakStale(path: string, staleText: string, content: string): void {
  const guard = `${path}.takeover`;
  if (createLock(guard, content)) {
    try {
      if (readText(path) === staleText) rmSync(path, { force: true });
    } finally {
      if (readText(guard) === content) rmSync(guard, { force: true });
    }
    return;
  }
  const other = inspect(guard);
  if (!other) return;
  if (other.live) pause(5); // another process is deleting the stale lock right now
  else removeStale(guard, other.text);
}

/** Temp files that lock-takers killed mid-way left behind (`.lock.<pid>.tmp`, `.lock.<pid>.stale`, …). */
function removeLeftovers(path: string): void {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  for (const f of readdirSync(dir)) {
    const m = f.startsWith(prefix) ? /^(?:takeover\.)?(\d+)\.(?:tmp|stale)$/.exec(f.slice(prefix.length)) : null;
    if (m && Number(m[1]) !== process.pid && !pidExists(Number(m[1]))) rmSync(join(dir, f), { force: true });
  }
}

/**
 * Takes the DATA_DIR lock (a `.lock` file naming the owner's pid, start time and boot). A lock
 * whose owner is gone — dead, a zombie, a pid now used by another process, an earlier boot, or
 * an earlier process with our pid — is recovered; a live owner, including this process while it
 * holds the lock, is refused with StoreLockedError.
 * Returns the release function.
 */
export function acquireLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(realpathSync(dataDir), '.lock');
  const content = JSON.stringify({ ...self(), at: new Date().toISOString() });
  for (let attempt = 0; attempt < 200; attempt++) {
    if (createLock(path, content)) {
      held.add(path);
      removeLeftovers(path);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.delete(path);
        // Only our own lock: never delete one that another process has rightly taken since.
        if (readText(path) === content) rmSync(path, { force: true });
      };
    }
    const found = inspect(path);
    if (!found) continue;
    if (found.live) throw new StoreLockedError(dataDir, found.pid!);
    breakStale(path, found.text, content);
  }
  throw new Error(`Could not take the lock ${path}; another process keeps creating it.`);
}
