import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSeed } from '../../src/catalogue/service.js';
import { createSearcher } from '../../src/catalogue/searcher.js';
import { fold, untypeToken } from '../../src/catalogue/fold.js';
import { loadDevSet } from '../../bench/search.js';
import type { Searcher } from '../../src/catalogue/types.js';

let searcher: Searcher;
const seed = loadSeed();
beforeAll(() => {
  searcher = createSearcher(seed.procedures, seed.tables);
});
const top = (q: string) => searcher.search(q)[0]?.procedure.code;

describe('Vietnamese folding', () => {
  it('drops diacritics, maps đ to d and lower-cases', () => {
    expect(fold('Đăng ký KHAI SINH')).toBe('dang ky khai sinh');
    expect(fold('Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)')).toBe('cap lai the can cuoc thuc hien tai cap tinh');
  });
  it('treats NFD and NFC input the same', () => {
    expect(fold('Hộ chiếu'.normalize('NFD'))).toBe(fold('Hộ chiếu'.normalize('NFC')));
  });
  it('undoes Telex and VNI keystrokes', () => {
    expect(untypeToken('ddawng')).toContain('dang');
    expect(untypeToken('kys')).toContain('ky');
    expect(untypeToken('d9ang')).toContain('dang');
    expect(untypeToken('ky1')).toContain('ky');
  });
});

describe('procedure search', () => {
  it('finds Cấp lại thẻ căn cước from "lam lai cccd"', () => {
    expect(searcher.search('lam lai cccd')[0]?.procedure.name).toMatch(/^Cấp lại thẻ căn cước/);
  });
  it('finds Đổi giấy phép lái xe from the colloquial "doi bang lai"', () => {
    expect(top('doi bang lai')).toBe('3.000347');
  });
  it('reads leftover Telex and VNI keystrokes', () => {
    expect(top('ddawng kys khai sinh')).toBe('1.001193');
    expect(top('d9ang ky1 ket hon')).toBe('1.000894');
  });
  it('tolerates one typo per word and word order changes', () => {
    expect(top('dang ky khia sinh')).toBe('1.001193');
    expect(top('khai sinh dang ky')).toBe('1.001193');
  });
  it('ignores filler words', () => {
    expect(top('cho mình hỏi thủ tục đăng ký kết hôn như thế nào ạ')).toBe('1.000894');
  });
  it('ranks the general procedure above its qualified variants', () => {
    const names = searcher.search('dang ky khai sinh', { limit: 3 }).map((h) => h.procedure.name);
    expect(names[0]).toBe('Thủ tục đăng ký khai sinh');
    expect(searcher.search('khai sinh co yeu to nuoc ngoai')[0]?.procedure.name).toMatch(/có yếu tố nước ngoài/);
  });
  it('understands English and mixed queries through the term table', () => {
    expect(top('birth registration')).toBe('1.001193');
    expect(top('vneid level 2')).toBe('3.000228');
    expect(searcher.search('làm passport')[0]?.procedure.name).toMatch(/hộ chiếu/);
  });
  it('prefers exact-accent matches when the query has diacritics', () => {
    const hit = searcher.search('đăng ký khai tử')[0];
    expect(hit?.procedure.code).toBe('1.000656');
    expect(hit?.matched.length).toBeGreaterThan(0);
  });
  it('returns scores between 0 and 1 and the matched query terms', () => {
    for (const h of searcher.search('cap lai giay phep lai xe')) {
      expect(h.score).toBeGreaterThan(0);
      expect(h.score).toBeLessThanOrEqual(1);
      expect(h.matched.length).toBeGreaterThan(0);
    }
  });
  it('answers small talk, off-topic questions and missing procedures with no result', () => {
    const lines = readFileSync(new URL('../fixtures/search-nomatch.txt', import.meta.url), 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(40);
    const answered = lines.filter((q) => searcher.search(q).length > 0);
    expect(answered).toEqual([]);
  });
  it('never throws on strange input', () => {
    for (const q of ['', '   ', '\u0000\u0007', '😀'.repeat(1000), 'a'.repeat(100_000), 'Đ'.repeat(5000), '\u202e\u200b test']) {
      expect(() => searcher.search(q)).not.toThrow();
    }
  });
  it('applies the staff boost', () => {
    const target = seed.procedures.find((p) => p.code === '1.003583')!; // khai sinh lưu động
    const boosted = createSearcher(seed.procedures.map((p) => (p.code === target.code ? { ...p, boost: 5 } : p)), seed.tables);
    expect(boosted.search('dang ky khai sinh')[0]?.procedure.code).toBe('1.003583');
  });
  it('keeps top-3 accuracy on the development set at or above 95% (regression guard)', () => {
    const dev = loadDevSet();
    expect(dev.length).toBeGreaterThanOrEqual(300);
    const hits = dev.filter(({ q, code }) => searcher.search(q, { limit: 3 }).some((h) => h.procedure.code === code)).length;
    expect(hits / dev.length).toBeGreaterThanOrEqual(0.95);
  });
});
