import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/demo/random.js';
import { parseSession } from '../../src/core/session.js';
import { freePort } from '../support/net.js';
import { compileServer, type CompiledServer } from '../support/server.js';

/**
 * Crash-durability test: the real server runs as a child process on one DATA_DIR while staff
 * edits (flow publish, catalogue edit, alias add) and citizen chats are in flight, and is
 * SIGKILLed at seeded random moments (some during start-up, most under load). After each kill
 * every store file must parse, every edit that got a success response must be on disk, every
 * stored session must be valid, and the restarted server must take the stale lock and serve.
 *
 * KILL_SEED and KILLS override the seed and the number of kills; KILL_TIMING=1 logs where each
 * kill's time went (start-up, sign-in, load, checks).
 */

const SEED = (Number(process.env.KILL_SEED ?? 20261124) || 0) >>> 0;
const KILLS = Math.max(1, Math.floor(Number(process.env.KILLS ?? 50) || 50));
const ADMIN = 'admin';
const PASSWORD = 'durability-pass-42';
const FLOW = 'track-dossier';
const MARK = 'Chúc anh/chị sớm nhận kết quả!';
const CODE = '1.001193';
const SIDS = Array.from({ length: 6 }, (_, i) => `durability-citizen-${i}`);
const CHAT_TEXTS = ['xin chào', '1', 'tra cứu hồ sơ', 'lam lai cccd', 'menu', '000.00.01.H29-260310-0420', 'có', '2', 'đăng ký khai sinh', 'quay lại'];
const EDIT_WORKERS = 6;
/** Store files that exist once a server has finished one start-up. */
const REQUIRED = ['aliases.json', 'catalogue.json', 'flows.json', 'settings.json', 'users.json'];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


interface Running {
  child: ChildProcess;
  base: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

const children = new Set<ChildProcess>();

/**
 * Starts the server (src/ compiled once to JavaScript, see compileServer) in its own process
 * group, or `preload`, an ESM snippet run from the compiled root that imports ./src/main.js.
 */
function spawnServer(js: CompiledServer, dataDir: string, port: number, preload?: string): Running {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    TMPDIR: tmpdir(),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ADMIN_USERNAME: ADMIN,
    ADMIN_PASSWORD: PASSWORD,
    // The config caps these at 10 000 / 1 000.
    RATE_LIMIT_PER_MINUTE: '10000',
    RATE_LIMIT_BURST: '1000',
    // Every chat here comes from 127.0.0.1 without a session cookie: lift the per-address limits.
    WEB_CHAT_IP_PER_MINUTE: '100000',
    WEB_CHAT_SESSIONS_PER_IP_PER_HOUR: '100000',
    // NODE_ENV=test only allows the cheap scrypt cost below (nothing else reads it): each restart
    // signs in once, and at OWASP's cost that is half a second of CPU unrelated to durability.
    NODE_ENV: 'test',
    SCRYPT_LOG_N: '12',
  };
  const args = preload ? ['--input-type=module', '-e', preload] : [js.main];
  const child = spawn(process.execPath, args, { cwd: js.root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let tail = '';
  const keep = (b: Buffer) => {
    tail = (tail + b.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, base: `http://127.0.0.1:${port}`, exited, output: () => tail };
}

const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** SIGKILL to the whole process group, then wait until the child is reaped (no zombie keeps the pid alive). */
async function killHard(r: Running): Promise<void> {
  if (running(r.child)) {
    try {
      process.kill(-r.child.pid!, 'SIGKILL');
    } catch {
      r.child.kill('SIGKILL');
    }
  }
  await r.exited;
}

async function waitReady(r: Running, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  void r.exited.then(() => (exitedEarly = true));
  while (Date.now() < deadline) {
    if (exitedEarly || !running(r.child)) throw new Error(`server exited before it was ready:\n${r.output()}`);
    try {
      const res = await fetch(`${r.base}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`server not ready after ${timeoutMs} ms:\n${r.output()}`);
}

const WEB_COOKIE = 'dvc_chat';
const cookieOf = (res: Response, name: string): string => res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? '';
const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const form = (fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return body.toString();
};
const FORM = 'application/x-www-form-urlencoded';

interface Auth {
  cookie: string;
  csrf: string;
}

/** Signs in through the login form over real HTTP (sessions are in memory: once per start). */
async function login(base: string): Promise<Auth> {
  const page = await fetch(`${base}/admin/login`, { redirect: 'manual' });
  const loginCookie = cookieOf(page, 'dvc_login');
  const token = csrfIn(await page.text());
  const res = await fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: loginCookie, 'content-type': FORM },
    body: form({ _csrf: token, username: ADMIN, password: PASSWORD, next: '/admin' }),
  });
  await res.arrayBuffer();
  const cookie = cookieOf(res, 'dvc_admin');
  if (res.status !== 303 || !cookie) throw new Error(`login failed: HTTP ${res.status}`);
  const home = await fetch(`${base}/admin`, { headers: { cookie }, redirect: 'manual' });
  const csrf = csrfIn(await home.text());
  if (home.status !== 200 || !csrf) throw new Error(`admin home: HTTP ${home.status}`);
  return { cookie, csrf };
}

const adminPost = (base: string, auth: Auth, path: string, fields: Record<string, string | string[]>) =>
  fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: auth.cookie, 'content-type': FORM }, body: form({ _csrf: auth.csrf, ...fields }) });

/** One web-chat message; the server issues the chat id in a signed cookie (`id.signature`). */
async function chat(base: string, sid: string, text: string): Promise<{ status: number; replies: unknown[] | null; chatId: string | null }> {
  const res = await fetch(`${base}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sid, text }) });
  const body = (await res.json().catch(() => null)) as { replies?: unknown } | null;
  const signed = decodeURIComponent(cookieOf(res, WEB_COOKIE).replace(/^[^=]*=/, ''));
  const chatId = signed.includes('.') ? signed.slice(0, signed.lastIndexOf('.')) : null;
  return { status: res.status, replies: Array.isArray(body?.replies) ? body.replies : null, chatId };
}

interface ProcedureJson {
  code: string;
  name: string;
  field: string;
  level: string[];
  fee: string | null;
  online: string | null;
  boost?: number;
  [k: string]: unknown;
}

/** Everything the test sent and what the server acknowledged, across all kills. */
interface Ledger {
  seq: number;
  flowSent: number;
  flowAcked: Set<number>;
  aliasSent: number;
  aliasAcked: Set<number>;
  /** Catalogue fees in the order they were sent (catalogue edits are never concurrent). */
  catSent: string[];
  catAckedIdx: number;
  catAcks: number;
  catOriginal: string | null;
  catBusy: boolean;
  chats: number;
  interrupted: number;
  unexpected: string[];
}

describe('durability under kill -9', () => {
  let dataDir = '';
  let js: CompiledServer;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dvc-durability-'));
    js = await compileServer();
  }, 60_000);
  afterAll(async () => {
    for (const c of [...children]) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        c.kill('SIGKILL');
      }
    }
    await sleep(100);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await js?.dispose();
  });

  it(
    `keeps every acknowledged edit and valid state across ${KILLS} seeded SIGKILLs (seed ${SEED})`,
    async () => {
      const started = Date.now();
      const sched = seededRandom(SEED); // kill schedule: reproducible for a given seed
      const opRng = seededRandom(SEED ^ 0x9e3779b9); // op mix (its consumption depends on timing)
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(opRng() * xs.length)]!;
      const L: Ledger = {
        seq: 0,
        flowSent: 0,
        flowAcked: new Set(),
        aliasSent: 0,
        aliasAcked: new Set(),
        catSent: [],
        catAckedIdx: -1,
        catAcks: 0,
        catOriginal: null,
        catBusy: false,
        chats: 0,
        interrupted: 0,
        unexpected: [],
      };
      const problems: string[] = [];
      let lost = 0;
      let booted = false;
      let startupKills = 0;
      let loadKills = 0;
      let staleLocks = 0;
      let sessionsChecked = 0;
      let baseYaml = '';
      let baseProc: ProcedureJson | null = null;

      const readJson = async (name: string): Promise<unknown> => JSON.parse(await readFile(join(dataDir, name), 'utf8'));
      const storedSessions = (): { key: string; data: string }[] => {
        const db = new Database(join(dataDir, 'state.sqlite'));
        try {
          return db.prepare('SELECT key, data FROM sessions').all() as { key: string; data: string }[];
        } finally {
          db.close();
        }
      };

      /** The on-disk state a restart will load: every file parses and holds every acknowledged edit. */
      const verifyDisk = async (when: string) => {
        const files = (await readdir(dataDir)).filter((f) => f.endsWith('.json'));
        const parsed = new Map<string, unknown>();
        for (const f of files) {
          try {
            parsed.set(f, await readJson(f));
          } catch (err) {
            problems.push(`${when}: ${f} does not parse: ${(err as Error).message}`);
          }
        }
        if (booted) for (const f of REQUIRED) if (!files.includes(f)) problems.push(`${when}: ${f} missing`);

        const flows = parsed.get('flows.json') as { flows?: Record<string, { current: number; versions: { version: number; yaml: string }[] }> } | undefined;
        const rec = flows?.flows?.[FLOW];
        if (rec) {
          if (!(rec.current >= 1 && rec.current <= rec.versions.length)) problems.push(`${when}: ${FLOW} current=${rec.current} of ${rec.versions.length} versions`);
          rec.versions.forEach((v, i) => v.version !== i + 1 && problems.push(`${when}: ${FLOW} version #${i} numbered ${v.version}`));
        }
        for (const n of L.flowAcked) {
          if (!rec?.versions.some((v) => v.yaml.includes(`${MARK} #${n}"`))) {
            lost++;
            problems.push(`${when}: acknowledged flow publish #${n} missing`);
          }
        }

        const aliases = parsed.get('aliases.json') as { aliases?: { from: string }[] } | undefined;
        const froms = new Set((aliases?.aliases ?? []).map((a) => a.from));
        for (const n of L.aliasAcked) {
          if (!froms.has(`tu-thu-${n}`)) {
            lost++;
            problems.push(`${when}: acknowledged alias tu-thu-${n} missing`);
          }
        }

        const cat = parsed.get('catalogue.json') as { procedures?: ProcedureJson[] } | undefined;
        if (L.catSent.length) {
          const p = cat?.procedures?.find((x) => x.code === CODE);
          // An edit in flight at the kill may or may not have landed; the last acknowledged one (or a later one) must have.
          const allowed = L.catAckedIdx >= 0 ? L.catSent.slice(L.catAckedIdx) : [L.catOriginal, ...L.catSent];
          if (!p || !allowed.includes(p.fee)) {
            lost++;
            problems.push(`${when}: ${CODE} fee is ${JSON.stringify(p?.fee)}, expected one of ${JSON.stringify(allowed.slice(0, 5))}`);
          }
        }
        const catCount = cat?.procedures?.length ?? 0;
        if (booted && catCount < 2000) problems.push(`${when}: catalogue has only ${catCount} procedures`);

        // Sessions are rows in state.sqlite (WAL); opening it after a kill recovers the WAL as the server would.
        if (existsSync(join(dataDir, 'state.sqlite'))) {
          for (const row of storedSessions()) {
            sessionsChecked++;
            let value: unknown = null;
            try {
              value = JSON.parse(row.data);
            } catch {
              value = null;
            }
            if (!parseSession(value)) problems.push(`${when}: session ${row.key} is invalid`);
          }
        }

        const users = parsed.get('users.json') as { users?: { name: string }[] } | undefined;
        if (booted && !users?.users?.some((u) => u.name === ADMIN)) problems.push(`${when}: admin account missing from users.json`);
      };

      /** After a restart: ready, answers a citizen, accepts the admin, and serves the acknowledged edits. */
      const verifyServes = async (r: Running, when: string): Promise<Auth> => {
        const probe = await chat(r.base, `verify-${when.replace(/[^A-Za-z0-9]/g, '')}-probe`, 'xin chào');
        if (probe.status !== 200 || !probe.replies?.length) problems.push(`${when}: /api/chat answered ${probe.status} with ${probe.replies?.length ?? 'no'} replies`);
        const auth = await login(r.base);
        const lastAlias = Math.max(-1, ...L.aliasAcked);
        if (lastAlias >= 0) {
          const page = await fetch(`${r.base}/admin/aliases`, { headers: { cookie: auth.cookie }, redirect: 'manual' });
          if (!(await page.text()).includes(`tu-thu-${lastAlias}`)) problems.push(`${when}: /admin/aliases does not list tu-thu-${lastAlias}`);
        }
        return auth;
      };

      const loadBaseline = async () => {
        if (baseYaml) return;
        const flows = (await readJson('flows.json')) as { flows: Record<string, { versions: { yaml: string }[] }> };
        baseYaml = flows.flows[FLOW]!.versions[0]!.yaml;
        expect(baseYaml).toContain(MARK);
        const cat = (await readJson('catalogue.json')) as { procedures: ProcedureJson[] };
        baseProc = cat.procedures.find((p) => p.code === CODE)!;
        expect(baseProc).toBeTruthy();
        L.catOriginal = baseProc.fee;
      };

      const runLoad = async (r: Running, auth: Auth, killAfterMs: number) => {
        const ctx = { alive: true };
        const outcome = async (kind: string, send: () => Promise<Response>, onAck: () => void) => {
          try {
            const res = await send();
            await res.arrayBuffer().catch(() => undefined);
            const to = res.headers.get('location') ?? '';
            if (res.status === 303 && !to.startsWith('/admin/login')) onAck();
            else L.unexpected.push(`${kind}: HTTP ${res.status} ${to}`);
          } catch (err) {
            if (ctx.alive) L.unexpected.push(`${kind}: ${(err as Error).message}`);
            else L.interrupted++;
          }
        };
        const flowPublish = () => {
          const n = ++L.seq;
          L.flowSent++;
          const yaml = baseYaml.replace(MARK, `${MARK} #${n}`);
          return outcome('flow publish', () => adminPost(r.base, auth, `/admin/flows/${FLOW}/save`, { yaml, action: 'publish', note: `durability #${n}` }), () => L.flowAcked.add(n));
        };
        const aliasAdd = () => {
          const n = ++L.seq;
          L.aliasSent++;
          return outcome('alias add', () => adminPost(r.base, auth, '/admin/aliases/add', { table: 'aliases', from: `tu-thu-${n}`, to: 'đăng ký khai sinh' }), () => L.aliasAcked.add(n));
        };
        const catalogueEdit = async () => {
          const n = ++L.seq;
          const fee = `Lệ phí thử ${n}`;
          const idx = L.catSent.push(fee) - 1;
          const p = baseProc!;
          const text = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : '');
          L.catBusy = true;
          try {
            await outcome(
              'catalogue edit',
              () =>
                adminPost(r.base, auth, `/admin/catalogue/${CODE}`, {
                  code: CODE,
                  name: p.name,
                  field: p.field,
                  level: p.level,
                  agency: text('agency'),
                  fee,
                  duration: text('duration'),
                  url: text('url'),
                  ministry: text('ministry'),
                  subjects: text('subjects'),
                  result: text('result'),
                  online: p.online ?? '',
                  boost: String(p.boost ?? 0),
                }),
              () => {
                L.catAckedIdx = Math.max(L.catAckedIdx, idx);
                L.catAcks++;
              },
            );
          } finally {
            L.catBusy = false;
          }
        };
        const editWorker = async () => {
          while (ctx.alive) {
            const x = opRng();
            if (x < 0.45) await flowPublish();
            else if (x < 0.7 && !L.catBusy) await catalogueEdit();
            else await aliasAdd();
          }
        };
        const chatWorker = async () => {
          while (ctx.alive) {
            const sid = pick(SIDS);
            const text = pick(CHAT_TEXTS);
            try {
              const res = await chat(r.base, sid, text);
              if (res.status === 200 && res.replies) L.chats++;
              else if (ctx.alive) L.unexpected.push(`chat "${text}": HTTP ${res.status}`);
              else L.interrupted++;
            } catch (err) {
              if (ctx.alive) L.unexpected.push(`chat: ${(err as Error).message}`);
              else L.interrupted++;
            }
          }
        };
        // Several staff edits in flight at once: they queue behind each other on the same documents.
        const workers = [...Array.from({ length: EDIT_WORKERS }, editWorker), chatWorker(), chatWorker()];
        await sleep(killAfterMs);
        ctx.alive = false;
        await killHard(r);
        await Promise.all(workers);
      };

      for (let i = 0; i < KILLS; i++) {
        const when = `kill ${i + 1}/${KILLS}`;
        if (existsSync(join(dataDir, '.lock'))) staleLocks++;
        const r = spawnServer(js, dataDir, await freePort());
        const timing: Record<string, number> = {};
        let lap = Date.now();
        const mark = (phase: string) => {
          timing[phase] = Date.now() - lap;
          lap = Date.now();
        };
        try {
          if (sched() < 0.12) {
            // Kill somewhere in start-up: seeding, flow seeding, admin bootstrap, listen.
            await sleep(Math.floor(sched() * 1800));
            await killHard(r);
            startupKills++;
          } else {
            // A catalogue or alias edit rebuilds the search index (~0.5–0.8 s of CPU), so most
            // windows are long enough for some edits to be acknowledged and others to be cut.
            const killAfterMs = Math.floor(sched() < 0.25 ? 20 + sched() * 380 : 400 + sched() * 2800);
            await waitReady(r);
            mark('ready');
            booted = true;
            await loadBaseline();
            const auth = await verifyServes(r, `restart before ${when}`);
            mark('verifyServes');
            await runLoad(r, auth, killAfterMs);
            mark(`load ${killAfterMs} ms`);
            loadKills++;
          }
        } finally {
          await killHard(r);
        }
        const exit = await r.exited;
        if (exit.signal !== 'SIGKILL') problems.push(`${when}: server exited by itself (code ${exit.code}):\n${r.output()}`);
        mark('exit');
        await verifyDisk(`after ${when}`);
        mark('verifyDisk');
        if (process.env.KILL_TIMING) console.log(when, JSON.stringify(timing));
        if (problems.length > 20) break;
      }

      // Final restart: recovers the last stale lock, serves, then stops cleanly on SIGTERM.
      if (existsSync(join(dataDir, '.lock'))) staleLocks++;
      const last = spawnServer(js, dataDir, await freePort());
      const finalSid = 'durability-final-check';
      let finalChatId: string | null = null;
      try {
        await waitReady(last);
        booted = true;
        await loadBaseline();
        await verifyServes(last, 'final restart');
        const hello = await chat(last.base, finalSid, 'xin chào');
        expect(hello.status).toBe(200);
        finalChatId = hello.chatId;
        expect(finalChatId, 'web chat issues a chat id cookie').toBeTruthy();
        process.kill(last.child.pid!, 'SIGTERM');
        const exit = await Promise.race([last.exited, sleep(15_000).then(() => null)]);
        expect(exit, `graceful stop:\n${last.output()}`).toEqual({ code: 0, signal: null });
      } finally {
        await killHard(last);
      }
      await verifyDisk('after graceful stop');
      expect(existsSync(join(dataDir, '.lock')), 'lock released on graceful stop').toBe(false);
      const final = storedSessions().find((r) => r.key === `web:${finalChatId}`);
      expect(final && parseSession(JSON.parse(final.data)), 'session stored before the graceful stop').toBeTruthy();

      const orphanTmp = (await readdir(dataDir)).filter((f) => f.endsWith('.tmp')).length;
      const edits = { flow: L.flowAcked.size, catalogue: L.catAcks, alias: L.aliasAcked.size };
      const totalAcked = edits.flow + edits.catalogue + edits.alias;
      console.log(
        `durability: ${startupKills + loadKills} kills (${startupKills} during start-up, ${loadKills} under load), ` +
          `${totalAcked} edits acknowledged (flow ${edits.flow}, catalogue ${edits.catalogue}, alias ${edits.alias}; ` +
          `${L.flowSent + L.aliasSent + L.catSent.length} sent), ${lost} lost, ${L.chats} chat messages, ` +
          `${L.interrupted} requests cut by a kill, ${staleLocks} stale locks recovered, ${sessionsChecked} stored sessions checked, ` +
          `${orphanTmp} leftover *.tmp files, seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      expect(problems).toEqual([]);
      expect(L.unexpected).toEqual([]);
      expect(lost).toBe(0);
      expect(startupKills + loadKills).toBe(KILLS);
      expect(totalAcked).toBeGreaterThan(0);
      expect(L.chats).toBeGreaterThan(0);
    },
    8 * 60_000,
  );

  it('restarts after a kill -9 when the new process has the dead one\'s pid (PID 1 in a restarted container)', async () => {
    // A crashed container restarts with the same pid; the stale .lock then names the new
    // process itself. Simulate it: the new server writes its own pid into .lock before booting.
    const dir = await mkdtemp(join(tmpdir(), 'dvc-durability-pid-'));
    const preload = `import { writeFileSync } from 'node:fs';
writeFileSync(process.env.DATA_DIR + '/.lock', JSON.stringify({ pid: process.pid, at: new Date(0).toISOString() }));
await import('./src/main.js');`;
    const r = spawnServer(js, dir, await freePort(), preload);
    try {
      await waitReady(r);
      const res = await chat(r.base, 'durability-same-pid', 'xin chào');
      expect(res.status).toBe(200);
      expect(JSON.parse(await readFile(join(dir, '.lock'), 'utf8')).pid).toBe(r.child.pid);
    } finally {
      await killHard(r);
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
