import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newSession } from '../../src/core/session.js';
import { createMemoryStores, openLowdbStores, StoreFileError, StoreLockedError } from '../../src/store/index.js';
import type { Procedure } from '../../src/catalogue/procedure.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dvc-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const proc = (code: string, name: string): Procedure => ({
  code,
  name,
  field: 'Hộ tịch',
  level: ['xa'],
  agency: 'Ủy ban nhân dân cấp xã',
  fee: 'Miễn phí',
  duration: '1 Ngày làm việc',
  online: null,
  onlineSubmission: true,
  url: 'https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x',
  ministry: null,
  subjects: null,
  result: null,
  boost: 0,
  phrasings: [],
  channels: [],
  documents: [],
  source: null,
});

describe('lowdb stores', () => {
  it('gives back exactly what was saved after a restart (round trip of every concern)', async () => {
    const dir = tempDir();
    const a = await openLowdbStores(dir);
    await a.catalogue.seed([proc('1.001193', 'Thủ tục đăng ký khai sinh')], { aliases: [{ from: 'ks', to: 'khai sinh' }], english: [] });
    await a.catalogue.upsert(proc('1.000894', 'Thủ tục đăng ký kết hôn'));
    await a.flows.publish('feedback', 'id: feedback\n', 'lan', 1000, { note: 'first' });
    await a.flows.saveDraft('feedback', 'id: feedback\n# draft\n', 'lan', 2000);
    const h = await a.handoffs.open({ sessionKey: 'web:abc', channel: 'web', chatId: 'abc', user: 'u1', summary: 'Cần hỗ trợ', reason: 'human', createdAt: 5, transcript: [] });
    await a.handoffs.append(h.id, { from: 'staff', text: 'Chào anh', at: 9, staff: 'lan' });
    await a.users.put({ name: 'lan', role: 'admin', passwordHash: 'scrypt$x', createdAt: 1, disabled: false });
    await a.audit.add({ at: 1, who: 'lan', action: 'flow.publish', target: 'feedback', after: { version: 1 } });
    await a.settings.set('telegram.secret', 's3cret-value');
    const s = { ...newSession(42), flowId: 'register-vneid', flowVersion: 1, stepId: 'intro', vars: { fullName: 'Nguyễn Văn A' } };
    await a.sessions.set('web:abc', s);
    const snapshot = {
      catalogue: await a.catalogue.all(),
      aliases: await a.catalogue.getAliases(),
      flows: await a.flows.list(),
      handoffs: await a.handoffs.list(),
      users: await a.users.list(),
      audit: await a.audit.list(),
    };
    await a.close();

    const b = await openLowdbStores(dir);
    expect(await b.catalogue.all()).toEqual(snapshot.catalogue);
    expect(await b.catalogue.getAliases()).toEqual(snapshot.aliases);
    expect(await b.catalogue.isSeeded()).toBe(true);
    expect(await b.flows.list()).toEqual(snapshot.flows);
    expect(await b.handoffs.list()).toEqual(snapshot.handoffs);
    expect((await b.handoffs.get(h.id))?.firstReplyAt).toBe(9);
    expect(await b.users.list()).toEqual(snapshot.users);
    expect(await b.audit.list()).toEqual(snapshot.audit);
    expect(await b.settings.get('telegram.secret')).toBe('s3cret-value');
    expect(await b.sessions.get('web:abc')).toEqual(s);
    await b.close();
  });

  it('writes every file with a version field and leaves no temp files', async () => {
    const dir = tempDir();
    const a = await openLowdbStores(dir);
    await a.settings.set('k', 'v');
    await a.sessions.set('web:x', newSession(1));
    await a.close();
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    for (const f of ['settings.json']) {
      expect(JSON.parse(readFileSync(join(dir, f), 'utf8')).version).toBe(1);
    }
    // Sessions are rows in state.sqlite, not a JSON file rewritten on every change.
    expect(files).toContain('state.sqlite');
    expect(files).not.toContain('sessions.json');
  });

  it('does not seed twice: staff edits survive a restart', async () => {
    const dir = tempDir();
    const a = await openLowdbStores(dir);
    expect(await a.catalogue.seed([proc('1.001193', 'Thủ tục đăng ký khai sinh')], { aliases: [], english: [] })).toBe(true);
    await a.catalogue.remove('1.001193');
    await a.close();
    const b = await openLowdbStores(dir);
    expect(await b.catalogue.seed([proc('1.001193', 'Thủ tục đăng ký khai sinh')], { aliases: [], english: [] })).toBe(false);
    expect(await b.catalogue.get('1.001193')).toBeUndefined();
    await b.close();
  });

  it('refuses a second opener of the same DATA_DIR with a clear message', async () => {
    const dir = tempDir();
    const a = await openLowdbStores(dir);
    await expect(openLowdbStores(dir)).rejects.toThrow(StoreLockedError);
    await expect(openLowdbStores(dir)).rejects.toThrow(/in use by another dvc-assistant process \(pid \d+\)/);
    await a.close();
    const b = await openLowdbStores(dir);
    await b.close();
  });

  it('recovers a stale lock left by a process that died', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(()=>{}, 10)']);
    const deadPid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: deadPid }));
    // What the dead process was writing when it died is left over as a temp file.
    writeFileSync(join(dir, `catalogue.json.${deadPid}.tmp`), '{"version":1,"proc');
    const s = await openLowdbStores(dir);
    expect(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await s.close();
  });

  it('refuses to start on a corrupt store file instead of overwriting it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'flows.json'), '{"version":1,"flows":{');
    await expect(openLowdbStores(dir)).rejects.toThrow(StoreFileError);
    expect(readFileSync(join(dir, 'flows.json'), 'utf8')).toBe('{"version":1,"flows":{');
    const again = await (async () => {
      rmSync(join(dir, 'flows.json'));
      return openLowdbStores(dir);
    })();
    await again.close();
  });
});

describe('memory stores', () => {
  it('evicts sessions idle since before the cut-off', async () => {
    const s = await createMemoryStores();
    await s.sessions.set('a', newSession(100));
    await s.sessions.set('b', newSession(900));
    expect(await s.sessions.evict(500)).toBe(1);
    expect([...(await s.sessions.list({ limit: 1000 })).items.map((e) => e.key)]).toEqual(['b']);
  });

  it('rolls a flow back by publishing a copy of the old version', async () => {
    const s = await createMemoryStores();
    await s.flows.publish('f', 'v1', 'a', 1);
    await s.flows.publish('f', 'v2', 'a', 2);
    const v = await s.flows.rollback('f', 1, 'b', 3);
    expect(v.version).toBe(3);
    expect(v.yaml).toBe('v1');
    expect((await s.flows.get('f'))?.current).toBe(3);
    await expect(s.flows.rollback('f', 9, 'b', 4)).rejects.toThrow(/no version 9/);
  });
});
