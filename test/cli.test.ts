import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const tsx = join(root, 'node_modules/.bin/tsx');
const dataDir = mkdtempSync(join(tmpdir(), 'dvc-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(args: string[], input = '') {
  return spawnSync(tsx, ['src/cli.ts', ...args], { cwd: root, input, encoding: 'utf8', env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'info' }, timeout: 60_000 });
}

describe('search CLI contract', { timeout: 60_000 }, () => {
  it('prints exactly one JSON line per input line and nothing else on stdout', () => {
    const r = cli(['search', '--json', '--limit', '5'], 'lam lai cccd\nxin chao ban\n\ndang ky khai sinh cho con\n');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const parsed = lines.map((l) => JSON.parse(l) as { q: string; results: { code: string; name: string; score: number }[] });
    expect(parsed.map((p) => p.q)).toEqual(['lam lai cccd', 'xin chao ban', '', 'dang ky khai sinh cho con']);
    expect(parsed[0]!.results.length).toBeGreaterThan(0);
    expect(parsed[0]!.results.length).toBeLessThanOrEqual(5);
    expect(Object.keys(parsed[0]!.results[0]!).sort()).toEqual(['code', 'name', 'score']);
    expect(parsed[1]!.results).toEqual([]);
    expect(parsed[2]!.results).toEqual([]);
    expect(parsed[3]!.results[0]!.name.toLowerCase()).toContain('khai sinh');
  });

  it('prints a readable top 5 for a query given as arguments', () => {
    const r = cli(['search', 'lam lai cccd']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Kết quả cho "lam lai cccd":\n1\. \[\d\.\d{6}\]/);
  });
});

describe('catalogue import CLI', { timeout: 60_000 }, () => {
  it('refuses a file with a bad row, names line and field, and imports nothing', () => {
    const file = join(dataDir, 'bad.csv');
    writeFileSync(file, 'code,name,field,level\n9.999001,Thủ tục thử nghiệm nhập,Thử nghiệm,xa\nBAD,Tên,Thử nghiệm,xa\n');
    const r = cli(['catalogue', 'import', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/line 3, code:/);
    const s = cli(['search', '--json'], 'thu tuc thu nghiem nhap\n');
    expect(JSON.parse(s.stdout.trim()).results.map((x: { code: string }) => x.code)).not.toContain('9.999001');
  });

  it('imports a valid file into the store under DATA_DIR, where search then finds it', () => {
    const file = join(dataDir, 'good.csv');
    writeFileSync(file, 'code,name,field,level,fee\n9.999002,Cấp giấy xác nhận thử nghiệm quy trình nhập liệu,Thử nghiệm,xa,Miễn phí\n');
    const r = cli(['catalogue', 'import', file]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.stdout).toMatch(/Imported 1 procedures \(merge\): 1 added, 0 updated, 2850 in the catalogue/);
    const s = cli(['search', '--json'], 'xac nhan thu nghiem quy trinh nhap lieu\n');
    expect(JSON.parse(s.stdout.trim()).results[0].code).toBe('9.999002');
  });
});

describe('chat CLI contract', { timeout: 60_000 }, () => {
  it('prints one JSON line per message with replies, options, link, flow and step', () => {
    const r = cli(['chat', '--json', '--user', 'u1'], 'xin chao\nlam lai cccd\n1\nnhờ người thật tư vấn giúp\n');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { in: string; replies: { text: string; options: string[]; link: string | null }[]; flow: string | null; step: string | null; handoff: boolean });
    expect(lines.map((l) => l.in)).toEqual(['xin chao', 'lam lai cccd', '1', 'nhờ người thật tư vấn giúp']);
    // Whether the conversation now waits for a staff member.
    expect(lines.map((l) => l.handoff)).toEqual([false, false, false, true]);
    expect(lines[0]!.flow).toBe('main-menu');
    expect(lines[0]!.step).toBe('welcome');
    expect(lines[0]!.replies[0]!.options).toContain('Đăng ký tài khoản VNeID');
    expect(lines[1]!.replies[0]!.options[0]).toMatch(/^Cấp lại thẻ căn cước/);
    expect(lines[1]!.flow).toBeNull();
    expect(lines[2]!.replies[0]!.text).toMatch(/Mã thủ tục: 1\.014064/);
    expect(lines[2]!.replies[0]!.link).toMatch(/^https:\/\//);
    expect(lines[2]!.flow).toBe('submit-dossier');
  });

  it('answers in English with --lang en', () => {
    const r = cli(['chat', '--json', '--lang', 'en'], 'birth registration\n');
    expect(JSON.parse(r.stdout.trim()).replies[0].text).toMatch(/Choose the one you need/);
  });
});


describe('users and demo-traffic CLI', () => {
  it('adds an admin with the password from stdin (scrypt-hashed), refuses a short one, and writes demo traffic as pseudonymised events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvc-users-'));
    try {
      const run = (args: string[], input: string) => spawnSync(tsx, ['src/cli.ts', ...args], { cwd: root, input, encoding: 'utf8', env: { ...process.env, DATA_DIR: dir }, timeout: 60_000 });
      const short = run(['users', 'add', 'lan', '--role', 'admin'], 'short\n');
      expect(short.status).toBe(1);
      expect(short.stderr).toContain('ít nhất 10 ký tự');
      const ok = run(['users', 'add', 'Lan', '--role', 'admin'], 'mat-khau-rat-dai-2026\n');
      expect(ok.status).toBe(0);
      expect(ok.stdout).toContain('Added admin "lan"');
      const { readFileSync } = await import('node:fs');
      const stored = readFileSync(join(dir, 'users.json'), 'utf8');
      expect(stored).toContain('"role":"admin"');
      // OWASP's cost: N=2^17, r=8, p=1.
      expect(stored).toMatch(/scrypt\$131072\$8\$1\$/);
      expect(stored).not.toContain('mat-khau-rat-dai-2026');
      const list = run(['users', 'list'], '');
      expect(list.stdout).toBe('lan\tadmin\tactive\n');
      const bad = run(['users', 'add', 'x', '--role', 'root'], 'mat-khau-rat-dai-2026\n');
      expect(bad.status).toBe(2);
      const common = run(['users', 'add', 'minh', '--role', 'staff'], 'password123\n');
      expect(common.status).toBe(1);
      expect(common.stderr).toContain('quá phổ biến');
      const weakReset = run(['users', 'password', 'lan'], 'lan-lan-lan-2026\n');
      expect(weakReset.status).toBe(1);
      expect(weakReset.stderr).toContain('không được chứa tên đăng nhập');
      const reset = run(['users', 'password', 'lan'], 'mot-mat-khau-moi-2027\n');
      expect(reset.status).toBe(0);
      expect(readFileSync(join(dir, 'users.json'), 'utf8')).not.toBe(stored);

      const demo = run(['demo-traffic', '--days', '3', '--citizens', '5'], '');
      expect(demo.status).toBe(0);
      expect(demo.stdout).toMatch(/Demo traffic: \d+ simulated citizens, \d+ messages over 3 days/);
      const { readdirSync } = await import('node:fs');
      const days = readdirSync(join(dir, 'events'));
      expect(days.length).toBeGreaterThanOrEqual(2);
      const lines = days.flatMap((f) => readFileSync(join(dir, 'events', f), 'utf8').trim().split('\n'));
      expect(lines.some((l) => l.includes('"flow_start"'))).toBe(true);
      expect(lines.join('\n')).not.toContain('demo-1-');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Five CLI processes, one of which seeds a DATA_DIR and runs simulated citizens through the router.
  }, 240_000);
});
