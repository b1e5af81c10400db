import { describe, expect, it } from 'vitest';
import { parseImport, toCsv } from '../../src/catalogue/import.js';
import { createMemoryStores } from '../../src/store/index.js';

const good = {
  code: '1.001193',
  name: 'Thủ tục đăng ký khai sinh',
  field: 'Hộ tịch',
  level: 'xa',
  fee: 'Miễn phí',
  url: 'https://dichvucong.gov.vn/thu-tuc-hanh-chinh/abc',
};

describe('catalogue import', () => {
  it('accepts a valid JSON file and normalises the level list', () => {
    const r = parseImport(JSON.stringify([good, { ...good, code: '1.000894', name: 'Thủ tục đăng ký kết hôn', level: 'tinh,xa' }]), 'x.json');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.rows.map((p) => p.level)).toEqual([['xa'], ['tinh', 'xa']]);
  });

  it('reports every bad row with its line, field and reason', () => {
    const text = '[\n' + [good, { ...good, code: 'ABC' }, { ...good, code: '1.000001', level: 'huyen', url: 'not a url' }].map((x) => JSON.stringify(x)).join(',\n') + '\n]';
    const r = parseImport(text, 'bad.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContainEqual(expect.objectContaining({ line: 3, field: 'code' }));
    expect(r.errors).toContainEqual(expect.objectContaining({ line: 4, field: 'level.0' }));
    expect(r.errors).toContainEqual(expect.objectContaining({ line: 4, field: 'url', reason: 'đường dẫn không hợp lệ' }));
  });

  it('reads CSV with quoted cells and reports the physical line of a bad row', () => {
    const csv = 'code,name,field,level,fee\n1.001193,"Thủ tục đăng ký khai sinh, có ""ghi chú""",Hộ tịch,xa,Miễn phí\n1.000894,"Tên\nhai dòng",Hộ tịch,,\n';
    const r = parseImport(csv, 'p.csv');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([expect.objectContaining({ line: 3, field: 'level' })]);
  });

  it('round-trips its own CSV export', () => {
    const first = parseImport(JSON.stringify([good]), 'x.json');
    if (!first.ok) throw new Error('setup');
    const again = parseImport(toCsv(first.rows), 'x.csv');
    expect(again.ok && again.rows).toEqual(first.rows);
  });

  it('round-trips citizen phrasings and the descriptive fields through CSV', () => {
    const full = { ...good, ministry: 'Bộ Tư pháp', subjects: 'Công dân Việt Nam', result: 'Giấy khai sinh', source: 'portal', phrasings: ['làm giấy khai sinh cho con', 'con mới sinh, đăng ký khai sinh ở đâu'] };
    const first = parseImport(JSON.stringify([full]), 'x.json');
    if (!first.ok) throw new Error('setup');
    const csv = toCsv(first.rows);
    expect(csv.split('\n')[0]).toContain('phrasings');
    const again = parseImport(csv, 'x.csv');
    expect(again.ok && again.rows[0]).toMatchObject({ ministry: 'Bộ Tư pháp', subjects: 'Công dân Việt Nam', result: 'Giấy khai sinh', phrasings: full.phrasings });
  });

  it('reads CSV from older exports and spreadsheets: comma levels, "|" phrasings, online_submission, ";" as separator', () => {
    const csv = 'code;name;field;level;online_submission;phrasings\r\n1.001193;Thủ tục đăng ký khai sinh;Hộ tịch;tinh,xa;có;làm giấy khai sinh | khai sinh cho con\r\n';
    const r = parseImport(csv, 'cu.csv');
    expect(r.ok && r.rows[0]).toMatchObject({ level: ['tinh', 'xa'], onlineSubmission: true, phrasings: ['làm giấy khai sinh', 'khai sinh cho con'] });
  });

  it('reports the first line of a bad row after cells with line breaks of either kind', () => {
    const csv = 'code,name,field,level\r\n1.001193,"Tên\r\nhai dòng",Hộ tịch,xa\r\n1.000894,"Tên\nba\ndòng",Hộ tịch,xa\r\nABC,Thủ tục sai mã,Hộ tịch,xa\r\n';
    const r = parseImport(csv, 'p.csv');
    expect(!r.ok && r.errors).toEqual([expect.objectContaining({ line: 7, field: 'code' })]);
  });

  it('rejects duplicate codes and files that are not JSON arrays', () => {
    const dup = parseImport(JSON.stringify([good, good]), 'd.json');
    expect(!dup.ok && dup.errors[0]?.reason).toMatch(/mã 1.001193 bị trùng/);
    const notArray = parseImport('{"a":1}', 'n.json');
    expect(!notArray.ok && notArray.errors[0]?.field).toBe('(tệp)');
    const broken = parseImport('[{"code":', 'b.json');
    expect(!broken.ok && broken.errors[0]?.reason).toMatch(/tệp JSON không hợp lệ/);
  });

  it('leaves the store untouched when a file has a bad row', async () => {
    const stores = await createMemoryStores();
    const seed = parseImport(JSON.stringify([good]), 's.json');
    if (!seed.ok) throw new Error('setup');
    await stores.catalogue.seed(seed.rows, { aliases: [], english: [] });
    const before = await stores.catalogue.revision();
    const r = parseImport(JSON.stringify([{ ...good, code: '2.000001' }, { ...good, name: '' }]), 'bad.json');
    expect(r.ok).toBe(false);
    expect((await stores.catalogue.all()).map((p) => p.code)).toEqual(['1.001193']);
    expect(await stores.catalogue.revision()).toBe(before);
  });
});

describe('import keeps the fee notes', () => {
  it('round-trips channels and documents through CSV, and a file without them keeps the catalogue’s', async () => {
    const { loadSeed } = await import('../../src/catalogue/service.js');
    const licence = loadSeed().procedures.find((p) => p.code === '3.000347')!;
    const again = parseImport(toCsv([licence]), 'x.csv');
    expect(again.ok && again.rows[0]!.channels).toEqual(licence.channels);
    expect(again.ok && again.rows[0]!.documents).toEqual(licence.documents);
    // A staff spreadsheet with only the basic columns: the notes naming 135.000 đồng survive a merge.
    const basic = `code,name,field,level,fee\n3.000347,Đổi giấy phép lái xe,"Sát hạch, cấp giấy phép lái xe",trung_uong,Miễn phí\n`;
    const merged = parseImport(basic, 'basic.csv', (code) => (code === licence.code ? licence : undefined));
    expect(merged.ok && merged.rows[0]!.channels.some((c) => c.note?.includes('135.000'))).toBe(true);
  });
});
