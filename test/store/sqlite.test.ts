import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newSession, type Session } from '../../src/core/session.js';
import { createMemoryStores, StoreFileError } from '../../src/store/index.js';
import { openSqliteStores, SCHEMA_VERSION, SqliteSchemaError, withSqliteStores, type SqliteStores } from '../../src/store/sqlite/index.js';
import { tokenHash } from '../../src/store/records.js';
import type { Handoff } from '../../src/store/types.js';
import { runStoreContract } from './contract.js';

const dirs: string[] = [];
const opened: SqliteStores[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dvc-sqlite-'));
  dirs.push(d);
  return d;
}
function open(dir: string, now = 1_700_000_000_000): SqliteStores {
  const s = openSqliteStores(dir, { now: () => now });
  opened.push(s);
  return s;
}
async function closeAll() {
  for (const s of opened.splice(0)) await s.close();
}
afterEach(async () => {
  await closeAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A second connection, to look at the file the way another tool would. */
function inspect<T>(dir: string, look: (db: Database.Database) => T): T {
  const db = new Database(join(dir, 'state.sqlite'));
  try {
    return look(db);
  } finally {
    db.close();
  }
}
/** Moves everything into the main file and empties the WAL, so the next write's WAL frames can be counted. */
const checkpoint = (dir: string) => expect(inspect(dir, (db) => db.pragma('wal_checkpoint(TRUNCATE)'))).toEqual([{ busy: 0, log: 0, checkpointed: 0 }]);
const walBytes = (dir: string) => statSync(join(dir, 'state.sqlite-wal')).size;

const session = (at: number, vars: Record<string, unknown> = {}): Session => ({ ...newSession(at), flowId: 'register-vneid', flowVersion: 2, stepId: 'ask_name', vars });
const newHandoff = (key: string, at: number): Parameters<SqliteStores['handoffs']['open']>[0] => ({
  sessionKey: key,
  channel: 'web',
  chatId: key.slice(4),
  user: `u-${key}`,
  summary: 'Cần hỗ trợ làm lại căn cước',
  reason: 'human',
  createdAt: at,
  transcript: [{ from: 'citizen', text: 'Tôi muốn gặp cán bộ', at }],
});

// Staff-edited documents come from the memory store: SQLite holds only the high-churn records.
runStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvc-contract-sqlite-'));
  const stores = withSqliteStores(await createMemoryStores(), openSqliteStores(dir));
  return {
    stores,
    async close() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite stores (sessions, handoffs, audit, sign-ins)', () => {
  it('gives back everything after close and reopen', async () => {
    const dir = tempDir();
    const a = open(dir);
    await a.sessions.set('web:abc', session(42, { fullName: 'Nguyễn Văn A' }));
    const h = await a.handoffs.open(newHandoff('web:abc', 5));
    await a.handoffs.append(h.id, { from: 'staff', text: 'Chào anh, em là Lan', at: 9, staff: 'lan' });
    await a.handoffs.append(h.id, { from: 'note', text: 'Hỏi lại số CCCD', at: 10, staff: 'lan' });
    await a.handoffs.claim(h.id, 'lan', 8);
    await a.audit.add({ at: 1, who: 'lan', action: 'flow.publish', target: 'feedback', before: null, after: { version: 1 } });
    await a.logins.create({ token: 'cookie-token', user: 'lan', role: 'admin', csrf: 'csrf-1', expires: 5000 });
    const before = {
      session: await a.sessions.get('web:abc'),
      handoffs: await a.handoffs.list(),
      audit: await a.audit.list(),
      login: await a.logins.get('cookie-token', 1000),
    };
    expect(before.handoffs.items[0]).toMatchObject({ status: 'claimed', claimedBy: 'lan', firstReplyAt: 9 });
    expect(before.handoffs.items[0]!.transcript).toHaveLength(3);
    expect(before.audit.items[0]).toEqual({ at: 1, who: 'lan', action: 'flow.publish', target: 'feedback', before: null, after: { version: 1 } });
    await closeAll();

    const b = open(dir);
    expect(b.imported).toBeNull();
    expect({
      session: await b.sessions.get('web:abc'),
      handoffs: await b.handoffs.list(),
      audit: await b.audit.list(),
      login: await b.logins.get('cookie-token', 1000),
    }).toEqual(before);
  });

  it('runs the database in WAL mode with its schema version recorded', () => {
    const dir = tempDir();
    open(dir);
    expect(inspect(dir, (db) => [db.pragma('journal_mode', { simple: true }), db.pragma('user_version', { simple: true })])).toEqual(['wal', SCHEMA_VERSION]);
    expect(existsSync(join(dir, 'state.sqlite-wal'))).toBe(true);
  });

  it('refuses a database written by a newer schema and leaves it untouched', async () => {
    const dir = tempDir();
    open(dir);
    await closeAll();
    inspect(dir, (db) => db.pragma(`user_version = ${SCHEMA_VERSION + 1}`));
    expect(() => openSqliteStores(dir)).toThrow(SqliteSchemaError);
    expect(inspect(dir, (db) => db.pragma('user_version', { simple: true }))).toBe(SCHEMA_VERSION + 1);
  });

  it('writes a handoff message and a session turn as a few pages, however many citizens are stored', async () => {
    const dir = tempDir();
    const s = open(dir);
    for (let i = 0; i < 3000; i++) await s.sessions.set(`zalo:${i}`, session(i, { phone: '09xxxxxx12', note: 'x'.repeat(200) }));
    let last: Handoff | undefined;
    for (let i = 0; i < 100; i++) {
      last = await s.handoffs.open(newHandoff(`web:${i}`, i));
      for (let j = 0; j < 4; j++) await s.handoffs.append(last.id, { from: 'citizen', text: `Tin nhắn ${j} của người dân số ${i}`, at: i + j });
    }
    const file = join(dir, 'state.sqlite');
    const pageSize = inspect(dir, (db) => db.pragma('page_size', { simple: true }) as number);
    /** Pages one write adds to the WAL (a write never touches the main file: checkpoints copy pages there later). */
    const framesOf = async (write: () => Promise<void>) => {
      checkpoint(dir);
      expect(walBytes(dir)).toBe(0);
      await write();
      // A WAL frame is one page plus a 24-byte header; the WAL file has a 32-byte header.
      return (walBytes(dir) - 32) / (pageSize + 24);
    };
    expect(statSync(file).size).toBeGreaterThan(200 * pageSize);

    const handoffFrames = await framesOf(() => s.handoffs.append(last!.id, { from: 'citizen', text: 'Cho tôi hỏi thêm về lệ phí', at: 999 }));
    expect(handoffFrames).toBeGreaterThan(0);
    expect(handoffFrames).toBeLessThanOrEqual(4);
    const sessionFrames = await framesOf(() => s.sessions.set('zalo:2500', session(5000, { phone: '09xxxxxx12' })));
    expect(sessionFrames).toBeGreaterThan(0);
    expect(sessionFrames).toBeLessThanOrEqual(4);
    expect((await s.handoffs.get(last!.id))!.transcript.at(-1)).toEqual({ from: 'citizen', text: 'Cho tôi hỏi thêm về lệ phí', at: 999 });
  });

  it('stores only a hash of each sign-in cookie token', async () => {
    const dir = tempDir();
    const s = open(dir);
    await s.logins.create({ token: 'cookie-token-value', user: 'lan', role: 'admin', csrf: 'csrf-1', expires: 5000 });
    await closeAll();
    const files = readdirSync(dir).filter((f) => f.startsWith('state.sqlite'));
    expect(files).toContain('state.sqlite');
    for (const f of files) expect(readFileSync(join(dir, f)).includes('cookie-token-value')).toBe(false);
    expect(await open(dir).logins.get('cookie-token-value', 1000)).toMatchObject({ user: 'lan', csrf: 'csrf-1' });
  });

  it('copies the WAL into the database file in the background, without a write asking for it', async () => {
    const dir = tempDir();
    const s = open(dir);
    const file = join(dir, 'state.sqlite');
    const before = statSync(file).size;
    for (let i = 0; i < 500; i++) await s.sessions.set(`web:${i}`, session(i, { note: 'x'.repeat(500) }));
    // Commits only append to the WAL (autocheckpoint is a far-off fallback); the checkpointer thread grows the file.
    for (let tries = 0; statSync(file).size === before && tries < 200; tries++) await new Promise((r) => setTimeout(r, 50));
    expect(statSync(file).size).toBeGreaterThan(before + 500 * 500);
  });

  it('loses no acknowledged write when the process is killed with SIGKILL (no flush, no close)', async () => {
    const dir = tempDir();
    const store = new URL('../../src/store/sqlite/index.ts', import.meta.url).pathname;
    // The child acknowledges each write on stdout once its promise resolved, then keeps writing until killed.
    const code = `
      const { openSqliteStores } = await import(${JSON.stringify(store)});
      const s = openSqliteStores(${JSON.stringify(dir)});
      const h = await s.handoffs.open({ sessionKey: 'web:k', channel: 'web', chatId: 'k', user: 'u', summary: 's', reason: 'r', createdAt: 1, transcript: [] });
      process.stdout.write('handoff ' + h.id + '\\n');
      for (let i = 0; ; i++) {
        await s.sessions.set('web:' + i, { v: 1, flowId: null, flowVersion: null, stepId: null, vars: {}, lang: 'vi', retries: 0, history: [], handoff: null, updatedAt: i });
        await s.handoffs.append(h.id, { from: 'citizen', text: 'm' + i, at: i });
        process.stdout.write('ack ' + i + '\\n');
      }
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/ack 200\n/.test(out)) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    expect(child.signalCode).toBe('SIGKILL');
    const id = /handoff (\S+)/.exec(out)![1]!;
    const acked = Math.max(...[...out.matchAll(/ack (\d+)\n/g)].map((m) => Number(m[1])));
    expect(acked).toBeGreaterThanOrEqual(200);

    const s = open(dir);
    const transcript = (await s.handoffs.get(id))!.transcript;
    expect(transcript.length).toBeGreaterThanOrEqual(acked + 1);
    expect(transcript.slice(0, acked + 1).map((m) => m.text)).toEqual(Array.from({ length: acked + 1 }, (_, i) => `m${i}`));
    expect(await s.sessions.size()).toBeGreaterThanOrEqual(acked + 1);
    expect(await s.sessions.get(`web:${acked}`)).toEqual({ ...newSession(acked), updatedAt: acked });
  });

  it('returns copies: changing what a read returned changes nothing stored', async () => {
    const s = open(tempDir());
    await s.sessions.set('web:a', session(1));
    const got = (await s.sessions.get('web:a'))!;
    got.vars.fullName = 'changed';
    expect((await s.sessions.get('web:a'))!.vars).toEqual({});
    const h = await s.handoffs.open(newHandoff('web:a', 1));
    h.transcript.push({ from: 'bot', text: 'x', at: 2 });
    (await s.handoffs.get(h.id))!.transcript.push({ from: 'bot', text: 'y', at: 3 });
    expect((await s.handoffs.get(h.id))!.transcript).toHaveLength(1);
  });

  it('finds handoffs by folded text in summaries and messages, but not in staff notes', async () => {
    const s = open(tempDir());
    const a = await s.handoffs.open(newHandoff('web:a', 1));
    const b = await s.handoffs.open({ ...newHandoff('web:b', 2), summary: 'Hỏi về giấy phép lái xe' });
    await s.handoffs.append(a.id, { from: 'citizen', text: 'Đăng ký khai sinh cho con', at: 3 });
    await s.handoffs.append(b.id, { from: 'note', text: 'khai sinh: chuyển phòng tư pháp', at: 4, staff: 'lan' });
    const ids = async (text: string) => (await s.handoffs.list({ text })).items.map((h) => h.id);
    expect(await ids('dang ky KHAI SINH')).toEqual([a.id]);
    expect(await ids('bằng lái')).toEqual([]);
    expect(await ids('giay phep lai')).toEqual([b.id]);
    expect(await ids('gap can bo')).toEqual([a.id, b.id]);
  });

  it('evicts and purges more records than one delete chunk in a single call', async () => {
    const dir = tempDir();
    // Closed handoffs come in through the JSON import: one transaction, not 1,100 fsyncs.
    const closed = Array.from({ length: 1100 }, (_, i) => ({ ...newHandoff(`web:${i}`, i), id: `h${i}`, status: 'closed', claimedBy: null, claimedAt: null, firstReplyAt: null, closedAt: i }));
    writeFileSync(join(dir, 'handoffs.json'), JSON.stringify({ version: 1, handoffs: closed }));
    const s = open(dir);
    for (let i = 0; i < 2600; i++) await s.sessions.set(`zalo:${i}`, session(i));
    expect(await s.sessions.evict(2500)).toBe(2500);
    expect((await s.sessions.list({ limit: 1000 })).items.map((e) => e.session.updatedAt).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => 2500 + i));
    expect(await s.handoffs.purgeClosed(1050)).toBe(1050);
    expect(await s.handoffs.count('closed')).toBe(50);
  });

  it('purges closed handoffs with their messages, keeping open ones', async () => {
    const dir = tempDir();
    const s = open(dir);
    const a = await s.handoffs.open(newHandoff('web:a', 1));
    const b = await s.handoffs.open(newHandoff('web:b', 2));
    await s.handoffs.append(a.id, { from: 'citizen', text: 'cảm ơn', at: 3 });
    await s.handoffs.close(a.id, 10);
    expect(await s.handoffs.purgeClosed(11)).toBe(1);
    expect(await s.handoffs.get(a.id)).toBeUndefined();
    expect((await s.handoffs.openFor('web:b'))?.id).toBe(b.id);
    expect(inspect(dir, (db) => db.prepare('SELECT count(*) AS n FROM handoff_messages').get())).toEqual({ n: 1 });
  });
});

describe('import of a DATA_DIR kept by the lowdb store', () => {
  const json = (dir: string, name: string, doc: unknown) => writeFileSync(join(dir, `${name}.json`), JSON.stringify(doc));
  const oldHandoff = {
    id: 'h-1',
    sessionKey: 'telegram:77',
    channel: 'telegram',
    chatId: '77',
    user: 'p-77',
    status: 'claimed',
    summary: 'Cần hỗ trợ nộp hồ sơ',
    reason: 'human',
    createdAt: 100,
    claimedBy: 'lan',
    claimedAt: 120,
    firstReplyAt: 130,
    closedAt: null,
    transcript: [
      { from: 'citizen', text: 'Tôi cần gặp cán bộ', at: 100 },
      { from: 'staff', text: 'Dạ em nghe', at: 130, staff: 'lan' },
    ],
  };
  function oldDataDir(): string {
    const dir = tempDir();
    json(dir, 'sessions', { version: 1, sessions: { 'telegram:77': session(90), 'zalo:5': session(91), 'web:bad': { v: 1, flowId: 3 } } });
    json(dir, 'handoffs', { version: 1, handoffs: [oldHandoff, { id: 'h-2', status: 'lost' }] });
    json(dir, 'audit', { version: 1, entries: [{ at: 1, who: 'lan', action: 'user.add', target: 'minh' }, { at: 2, who: 'lan', action: 'flow.publish', target: 'pay-fees', after: { version: 3 } }] });
    json(dir, 'logins', { version: 1, logins: { [tokenHash('old-cookie')]: { user: 'lan', role: 'admin', csrf: 'c1', expires: 9e12 } } });
    json(dir, 'catalogue', { version: 1, revision: 3, seeded: true, procedures: [] });
    return dir;
  }
  const backups = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('backup-'));

  it('copies sessions, handoffs, audit and sign-ins in, skipping invalid records, and moves the files to a backup', async () => {
    const dir = oldDataDir();
    const originals = Object.fromEntries(['sessions', 'handoffs', 'audit', 'logins'].map((n) => [n, readFileSync(join(dir, `${n}.json`), 'utf8')]));
    const s = open(dir, Date.UTC(2026, 10, 30, 9, 30));
    expect(s.imported?.files).toEqual([
      { name: 'sessions', imported: 2, skipped: 1 },
      { name: 'handoffs', imported: 1, skipped: 1 },
      { name: 'audit', imported: 2, skipped: 0 },
      { name: 'logins', imported: 1, skipped: 0 },
    ]);
    expect(s.imported?.backupDir).toBe(join(dir, 'backup-2026-11-30T09-30-00-000Z'));
    for (const [name, text] of Object.entries(originals)) {
      expect(existsSync(join(dir, `${name}.json`))).toBe(false);
      expect(readFileSync(join(s.imported!.backupDir, `${name}.json`), 'utf8')).toBe(text);
    }
    // Staff-edited documents stay lowdb files.
    expect(existsSync(join(dir, 'catalogue.json'))).toBe(true);

    expect(await s.sessions.get('telegram:77')).toEqual(session(90));
    expect(await s.sessions.get('web:bad')).toBeUndefined();
    expect(await s.sessions.size()).toBe(2);
    expect(await s.handoffs.openFor('telegram:77')).toEqual(oldHandoff);
    expect((await s.audit.list()).items.map((e) => e.action)).toEqual(['flow.publish', 'user.add']);
    expect(await s.logins.get('old-cookie', Date.now())).toMatchObject({ user: 'lan', role: 'admin', csrf: 'c1' });
  });

  it('never imports twice: a second start, even with a file put back, keeps one copy of each record', async () => {
    const dir = oldDataDir();
    const first = open(dir, 1000);
    const backup = first.imported!.backupDir;
    await first.sessions.set('zalo:5', session(500));
    await closeAll();

    expect(open(dir, 2000).imported).toBeNull();
    await closeAll();
    // A crash between the import's commit and the move leaves files behind: they are only moved.
    cpSync(join(backup, 'sessions.json'), join(dir, 'sessions.json'));
    cpSync(join(backup, 'audit.json'), join(dir, 'audit.json'));
    const third = open(dir, 3000);
    expect(third.imported?.files).toEqual([]);
    expect(existsSync(join(dir, 'sessions.json'))).toBe(false);
    expect(backups(dir)).toHaveLength(2);
    expect(await third.sessions.size()).toBe(2);
    expect(await third.sessions.get('zalo:5')).toEqual(session(500));
    expect((await third.audit.list()).items).toHaveLength(2);
    expect((await third.handoffs.list()).items).toHaveLength(1);
  });

  it('refuses a JSON file that cannot be read and leaves it where it is', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'handoffs.json'), '{"version":1,"handoffs":[{"id":');
    expect(() => openSqliteStores(dir)).toThrow(StoreFileError);
    expect(existsSync(join(dir, 'handoffs.json'))).toBe(true);
    expect(backups(dir)).toEqual([]);
    // Nothing was recorded as imported: fixing the file and starting again imports it.
    writeFileSync(join(dir, 'handoffs.json'), JSON.stringify({ version: 1, handoffs: [] }));
    expect(open(dir).imported?.files).toEqual([{ name: 'handoffs', imported: 0, skipped: 0 }]);
  });
});
