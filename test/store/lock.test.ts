import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, StoreLockedError } from '../../src/store/lock.js';
import { seedSmallCatalogue } from '../support/catalogue.js';
import { freePort } from '../support/net.js';
import { compileServer, type CompiledServer } from '../support/server.js';

/**
 * The DATA_DIR lock against real processes: owners that were SIGKILLed, owners that are zombies
 * (dead, not reaped by their parent), pids now used by unrelated processes, a live second
 * server, and the real server restarted straight after `kill -9` of its process group.
 * Linux only: zombies and start times are read from /proc.
 */

// Child processes run src/ compiled once to JavaScript: a start costs no tsx loader thread or transform.
let js: CompiledServer;
beforeAll(async () => {
  js = await compileServer();
}, 60_000);
afterAll(() => js?.dispose());
const lockModule = () => js.moduleUrl('src/store/lock.ts');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dvc-lock-'));
  dirs.push(d);
  return d;
}

/** Every process group a test started (killed and reaped in afterEach). */
const groups = new Map<ChildProcess, Promise<void>>();
function track(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  groups.set(child, exited);
  return exited;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Servers that run in a process group of their own under a parent that never reaps them. */
const orphanGroups = new Set<number>();

afterEach(async () => {
  for (const pid of orphanGroups) killGroup(pid);
  orphanGroups.clear();
  for (const [child, exited] of groups) {
    killGroup(child.pid!);
    await exited;
  }
  groups.clear();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** State letter and start time (field 22, clock ticks after boot) of a pid, from /proc; undefined once it is gone. */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { state: fields[0]!, start: fields[19]! };
  } catch {
    return undefined;
  }
}

const bootId = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

/** What kill(pid, 0) — the old liveness check — says. */
function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const readLock = (dir: string) => JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')) as { pid: number; start?: string; boot?: string; at?: string };

/** Node code that takes the lock on $LOCK_DIR through the real acquireLock, then runs `after`. */
const takeLock = (after: string) =>
  `const { acquireLock } = await import(${JSON.stringify(lockModule())}); acquireLock(process.env.LOCK_DIR); console.log('locked'); ${after}`;

function lockEnv(dir: string, script: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), LOCK_DIR: dir, SCRIPT: script };
}

describe.runIf(process.platform === 'linux')('DATA_DIR lock', () => {
  it('refuses a live owner, then recovers the lock once that process is SIGKILLed', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['--input-type=module', '-e', takeLock('setInterval(() => {}, 60_000);')], {
      cwd: js.root,
      env: lockEnv(dir, ''),
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = track(child);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    await until('the child to take the lock', () => out.includes('locked'));
    const lock = readLock(dir);
    expect(lock).toMatchObject({ pid: child.pid, start: procStat(child.pid!)!.start, boot: bootId() });
    expect(() => acquireLock(dir)).toThrow(StoreLockedError);
    expect(() => acquireLock(dir)).toThrow(`in use by another dvc-assistant process (pid ${child.pid})`);

    killGroup(child.pid!);
    await exited;
    const release = acquireLock(dir);
    expect(readLock(dir)).toMatchObject({ pid: process.pid, boot: bootId() });
    release();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  }, 60_000);

  it('recovers a lock whose owner is a zombie its parent never reaped', async () => {
    const dir = tempDir();
    // sh starts the lock taker in the background, then becomes `sleep`, which never waits for
    // children: when the taker exits (without releasing), it stays a zombie with its pid.
    const script = takeLock('process.exit(0);');
    const parent = spawn('sh', ['-c', '"$0" --input-type=module -e "$SCRIPT" & echo "$!"; exec sleep 60', process.execPath], {
      cwd: js.root,
      env: lockEnv(dir, script),
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    track(parent);
    let out = '';
    parent.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    const ownerPid = Number(await until('the taker pid', () => /^(\d+)\n/.exec(out)?.[1]));
    await until('the taker to take the lock and exit', () => out.includes('locked'));
    const zombie = await until('the taker to be a zombie', () => (procStat(ownerPid)?.state === 'Z' ? procStat(ownerPid) : undefined));
    expect(zombie.state).toBe('Z');
    // The lock names the zombie with its true start time: only the zombie state shows it is dead.
    expect(readLock(dir)).toEqual(expect.objectContaining({ pid: ownerPid, start: zombie.start, boot: bootId() }));
    expect(signalable(ownerPid), 'kill(pid, 0) still succeeds for a zombie').toBe(true);

    const release = acquireLock(dir);
    expect(readLock(dir).pid).toBe(process.pid);
    expect(procStat(ownerPid)?.state, 'still a zombie while the lock was taken').toBe('Z');
    release();
  }, 60_000);

  it('recovers a lock whose pid now belongs to an unrelated live process, and refuses it while the start time matches', async () => {
    const dir = tempDir();
    const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    track(other);
    const pid = other.pid!;
    const { start, state } = await until('sleep to appear in /proc', () => procStat(pid));
    expect(state).not.toBe('Z');

    // Control: the same pid with its own start time is a live owner.
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid, start, boot: bootId() }));
    expect(() => acquireLock(dir)).toThrow(StoreLockedError);

    // The lock's owner started at another time: the pid was reused.
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid, start: String(Number(start) - 1), boot: bootId() }));
    const release = acquireLock(dir);
    expect(readLock(dir).pid).toBe(process.pid);
    release();

    // Same pid and start time, but written during an earlier boot.
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid, start, boot: '00000000-0000-0000-0000-000000000000' }));
    acquireLock(dir)();
    expect(signalable(pid), 'the unrelated process was left alone').toBe(true);
  }, 30_000);

  it('recovers a half-written lock and our own pid left by an earlier process, and refuses a second taker in this process', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.lock'), '{"pid":12');
    // A taker killed between writing its temp file and linking it leaves the temp file behind.
    writeFileSync(join(dir, '.lock.999999999.tmp'), '{"pid":999999999}');
    const release = acquireLock(dir);
    expect(readLock(dir).pid).toBe(process.pid);
    expect(readdirSync(dir)).toEqual(['.lock']);
    expect(() => acquireLock(dir)).toThrow(StoreLockedError);
    release();

    // PID 1 in a restarted container: the lock names this very process, which does not hold it.
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: process.pid, at: new Date(0).toISOString() }));
    const again = acquireLock(dir);
    expect(readLock(dir).at).not.toBe(new Date(0).toISOString());
    again();
  });

  it('lets exactly one of several processes racing for the same stale lock take it', async () => {
    // Each racer loads the lock module once, then tries every DATA_DIR it is sent, holding what it takes.
    const racer = `const { acquireLock } = await import(${JSON.stringify(lockModule())});
const { createInterface } = await import('node:readline');
console.log('ready');
for await (const dir of createInterface({ input: process.stdin })) {
  try { acquireLock(dir); console.log('locked ' + dir); }
  catch (e) { console.log((e.name === 'StoreLockedError' ? 'refused ' : 'error ' + e.message + ' ') + dir); }
}`;
    const racers = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', racer], {
        cwd: js.root,
        env: lockEnv('', ''),
        detached: true,
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      track(child);
      const r = { child, out: '' };
      child.stdout!.on('data', (b: Buffer) => (r.out += b.toString()));
      return r;
    });
    await until('the racers to load', () => racers.every((r) => r.out.includes('ready')));
    const ROUNDS = 30;
    for (let round = 0; round < ROUNDS; round++) {
      const dir = tempDir();
      // Stale locks of each kind: a pid that cannot exist, a half-written file, an earlier boot.
      const stale = [JSON.stringify({ pid: 999_999_999 }), '{"pid":', JSON.stringify({ pid: process.pid, start: '1', boot: 'earlier-boot' })][round % 3]!;
      writeFileSync(join(dir, '.lock'), stale);
      for (const r of racers) r.child.stdin!.write(dir + '\n');
      const results = await until(`round ${round}: every racer to answer`, () => {
        const rs = racers.map((r) => new RegExp(`^(\\w+) .*${dir}$`, 'm').exec(r.out)?.[1]);
        return rs.every(Boolean) ? rs : undefined;
      });
      expect(results.filter((x) => x === 'locked'), `round ${round}: ${results.join(', ')}`).toHaveLength(1);
      expect(results.filter((x) => x === 'refused')).toHaveLength(racers.length - 1);
      const winner = racers[results.indexOf('locked')]!.child.pid;
      expect(readLock(dir).pid).toBe(winner);
      expect(readdirSync(dir)).toEqual(['.lock']);
    }
    for (const r of racers) r.child.stdin!.end();
  }, 60_000);

  const canUnshare = process.platform === 'linux' && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
  it.runIf(canUnshare)('refuses a lock held by a live process in another pid namespace (a container sharing DATA_DIR)', async () => {
    const dir = tempDir();
    const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--input-type=module', '-e', takeLock('setInterval(() => {}, 60_000);')], {
      cwd: js.root,
      env: lockEnv(dir, ''),
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    track(child);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    await until('the contained process to take the lock', () => out.includes('locked'), 60_000);
    const lock = readLock(dir) as { pid: number; ns?: string };
    // Inside its namespace it is pid 1; here pid 1 is another process, with another start time.
    expect(lock.pid).toBe(1);
    expect(lock.ns).toMatch(/^pid:\[\d+\]$/);
    expect(lock.ns).not.toBe(readlinkSync('/proc/self/ns/pid'));
    expect(() => acquireLock(dir)).toThrow('in use by another dvc-assistant process (pid 1)');
  }, 90_000);

  it('does not delete a lock another process took after this one released', () => {
    const dir = tempDir();
    const release = acquireLock(dir);
    const theirs = JSON.stringify({ pid: 1, start: '1', boot: bootId() });
    writeFileSync(join(dir, '.lock'), theirs);
    release();
    expect(readFileSync(join(dir, '.lock'), 'utf8')).toBe(theirs);
  });
});

// --- The real server, restarted straight after kill -9 of its process group ---


interface Server {
  /** The server's own pid (leader of its process group). */
  pid: number;
  base: string;
  output: () => string;
  /** Exit code (direct children only). */
  exitCode: () => number | null;
  exited: () => boolean;
}

/** The settings kill.test.ts uses, minus the load-test limits. */
function serverEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    TMPDIR: tmpdir(),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  };
}

/**
 * Starts the compiled `src/main.js` in its own process group. With `unreapedParent`, the
 * server runs under a `sleep` that never waits for it, so after a kill it stays a zombie.
 */
async function startServer(dataDir: string, unreapedParent: boolean): Promise<Server> {
  const port = await freePort();
  const env = serverEnv(dataDir, port);
  const child = unreapedParent
    ? spawn('sh', ['-c', 'setsid "$0" "$1" & echo "pid=$!"; exec sleep 600', process.execPath, js.main], {
        cwd: js.root,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, [js.main], { cwd: js.root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let out = '';
  let done = false;
  let code: number | null = null;
  const keep = (b: Buffer) => (out = (out + b.toString('utf8')).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let pid = child.pid!;
  if (unreapedParent) {
    pid = Number(await until('the server pid', () => /pid=(\d+)/.exec(out)?.[1]));
    orphanGroups.add(pid);
  }
  const server: Server = { pid, base: `http://127.0.0.1:${port}`, output: () => out, exitCode: () => code, exited: () => (unreapedParent ? !procAlive(pid) : done) };
  if (!unreapedParent)
    child.once('exit', (c) => {
      done = true;
      code = c;
    });
  return server;
}

/** Running, not a zombie. */
function procAlive(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

async function waitReady(s: Server, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (s.exited()) throw new Error(`server exited before it was ready:\n${s.output()}`);
    try {
      const res = await fetch(`${s.base}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`server not ready after ${timeoutMs} ms:\n${s.output()}`);
}

/** Procedures in the restart test's catalogue. */
const SMALL_CATALOGUE = 150;

describe.runIf(process.platform === 'linux')('restart after kill -9', () => {
  it('starts every time when restarted at once after kill -9 of its process group, 20 times in a row, then refuses a second live server', async () => {
    const dataDir = tempDir();
    // This test is about the lock and start-up, not search: a small catalogue keeps each start
    // from spending a second indexing 2,849 procedures. Seeded once, as a first start would.
    await seedSmallCatalogue(dataDir, SMALL_CATALOGUE);
    const RESTARTS = 20;
    const started = Date.now();
    let zombieOwners = 0;
    let deadOwners = 0;
    let s = await startServer(dataDir, false);
    await waitReady(s);
    for (let i = 1; i <= RESTARTS; i++) {
      const old = s;
      const oldPid = old.pid;
      expect(readLock(dataDir).pid, `restart ${i}: the lock names the running server`).toBe(oldPid);
      killGroup(oldPid);
      // Every other server runs under a parent that never reaps it: its restart meets a zombie owner.
      s = await startServer(dataDir, i % 2 === 1);
      if (i % 2 === 0) {
        const state = await until(`restart ${i}: the killed server to be a zombie`, () => procStat(oldPid)?.state === 'Z' && 'Z');
        expect(state).toBe('Z');
        zombieOwners++;
      } else {
        deadOwners++;
      }
      await waitReady(s).catch((err: Error) => {
        throw new Error(`restart ${i} after kill -9 did not start: ${err.message}`);
      });
      if (i % 2 === 0) expect(procStat(oldPid)?.state, `restart ${i}: the old owner was still a zombie`).toBe('Z');
      expect(readLock(dataDir).pid).toBe(s.pid);
    }
    expect(zombieOwners + deadOwners).toBe(RESTARTS);
    console.log(
      `lock: ${RESTARTS} restarts straight after kill -9 of the process group, all started ` +
        `(${zombieOwners} over a zombie owner, ${deadOwners} over a reaped one), ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    // A second live server on the same DATA_DIR is refused, naming the first.
    const second = await startServer(dataDir, false);
    await until('the second server to give up', () => second.exited(), 120_000);
    expect(second.exitCode()).toBe(1);
    expect(second.output()).toContain(`DATA_DIR ${dataDir} is in use by another dvc-assistant process (pid ${s.pid})`);
    const res = await fetch(`${s.base}/readyz`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(readLock(dataDir).pid).toBe(s.pid);
  }, 15 * 60_000);
});
