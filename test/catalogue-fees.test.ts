import { describe, expect, it } from 'vitest';
import { describeFees, formatMoney, implausibleFees } from '../src/catalogue/fees.js';
import type { Procedure } from '../src/catalogue/procedure.js';
import { loadSeed } from '../src/catalogue/service.js';

/** Fixed clock: 30 November 2026 (Vietnam). */
const NOW = Date.UTC(2026, 10, 30, 3);
const DURING_2025 = Date.UTC(2025, 5, 1, 3);
const { procedures } = loadSeed();
const byCode = (code: string) => {
  const p = procedures.find((x) => x.code === code);
  if (!p) throw new Error(`missing ${code}`);
  return p;
};
type FeeFields = Pick<Procedure, 'fee' | 'channels'>;
const ch = (channel: string, fee: string | null, note: string | null = null) => ({ channel, duration: null, fee, note });

/** "1.500.000 đồng" → 1500000 for every amount a text shows. */
const shownAmounts = (text: string) => [...text.matchAll(/(\d{1,3}(?:\.\d{3})*|\d+)\s*đồng/g)].map((m) => Number(m[1]!.replace(/\./g, '')));

describe('formatMoney', () => {
  it('groups thousands with dots in Vietnamese and commas in English', () => {
    expect(formatMoney(70000, 'vi')).toBe('70.000 đồng');
    expect(formatMoney(70000, 'en')).toBe('70,000 VND');
    expect(formatMoney(1500000, 'vi')).toBe('1.500.000 đồng');
  });
});

describe('describeFees on catalogue examples', () => {
  it('reads 135.000 đồng from the note of 3.000347 although the fee field says Miễn phí', () => {
    const f = describeFees(byCode('3.000347'), { now: NOW, lang: 'vi' });
    expect(f.summary).toBe('135.000 đồng/lần');
    expect(f.free).toBe(false);
    expect(f.amounts).toEqual([115000, 135000]);
    expect(f.details.join(' ')).toMatch(/đã hết hạn ngày 31\/12\/2025/);
  });

  it('states the 3.000347 online rate with its end date while it is current', () => {
    const f = describeFees(byCode('3.000347'), { now: DURING_2025, lang: 'vi' });
    expect(f.summary).toBe('135.000 đồng/lần (nộp trực tuyến: 115.000 đồng đến hết 31/12/2025)');
    const en = describeFees(byCode('3.000347'), { now: DURING_2025, lang: 'en' });
    expect(en.summary).toBe('135,000 VND (online: 115,000 VND until 31/12/2025)');
  });

  it('turns the 50% online discount of 1.014064 into 35.000 đồng in 2025 and calls it ended in 2026', () => {
    const during = describeFees(byCode('1.014064'), { now: DURING_2025, lang: 'vi' });
    expect(during.summary).toContain('70.000 đồng');
    expect(during.summary).toContain('nộp trực tuyến: 35.000 đồng đến hết 31/12/2025');
    const after = describeFees(byCode('1.014064'), { now: NOW, lang: 'vi' });
    expect(after.summary).toBe('70.000 đồng/thẻ căn cước');
    expect(after.details.join(' ')).toContain('đã hết hạn ngày 31/12/2025');
    expect(describeFees(byCode('1.014064'), { now: NOW, lang: 'en' }).details.join(' ')).toContain('ended on 31/12/2025');
  });

  it('says the provincial council sets the fee when a note says so', () => {
    const f = describeFees(byCode('1.001612'), { now: NOW, lang: 'vi' });
    expect(f.setByProvince).toBe(true);
    expect(f.summary).toBe('Theo mức do HĐND tỉnh quy định, xem trên Cổng');
    expect(describeFees(byCode('1.001612'), { now: NOW, lang: 'en' }).summary).toMatch(/People's Council/);
  });
});

describe('describeFees rules', () => {
  it('says Miễn phí only when nothing names an amount', () => {
    const free: FeeFields = { fee: 'Miễn phí', channels: [ch('Trực tiếp', 'Miễn phí'), ch('Trực tuyến', 'Phí : 0 Đồng')] };
    const f = describeFees(free, { now: NOW, lang: 'vi' });
    expect(f).toMatchObject({ summary: 'Miễn phí', free: true, amounts: [] });
    expect(describeFees(free, { now: NOW, lang: 'en' }).summary).toBe('Free');
  });

  it('does not show an amount under 1.000 đồng and flags it', () => {
    const p: FeeFields = { fee: '1 VNĐ', channels: [ch('Trực tiếp', '1 VNĐ')] };
    const f = describeFees(p, { now: NOW, lang: 'vi' });
    expect(f).toMatchObject({ summary: 'Xem trên Cổng', implausible: true, free: false, amounts: [] });
  });

  it('reads "2 triệu đồng" and "50.000đ" in notes', () => {
    const p: FeeFields = { fee: 'Miễn phí', channels: [ch('Trực tiếp', 'Miễn phí', '(Lệ phí: 2 triệu đồng/lần cấp; cấp lại 50.000đ/lần)')] };
    expect(describeFees(p, { now: NOW, lang: 'vi' }).amounts).toEqual([50000, 2000000]);
  });

  it('adds a short line for exemptions in notes', () => {
    const p: FeeFields = { fee: '100,000 VNĐ', channels: [ch('Trực tiếp', '100,000 VNĐ', '(Miễn lệ phí cho người thuộc hộ nghèo; người khuyết tật.)')] };
    const f = describeFees(p, { now: NOW, lang: 'vi' });
    expect(f.details).toContain('Miễn lệ phí cho người thuộc hộ nghèo.');
    expect(describeFees(p, { now: NOW, lang: 'en' }).details).toContain('Some applicants are exempt from the fee (see the portal).');
  });

  it('never presents a fee waiver that ended as current', () => {
    const p: FeeFields = { fee: '20,000,000 VNĐ', channels: [ch('Trực tuyến', '20,000,000 VNĐ', '(đồng Miễn phí kể từ ngày 07/4/2026 đến 30/6/2026 theo Thông tư số 40/2026/TT-BTC)')] };
    const f = describeFees(p, { now: NOW, lang: 'vi' });
    expect(f.summary).toBe('20.000.000 đồng');
    expect(f.details.join(' ')).toMatch(/đã kết thúc/);
    expect(describeFees(p, { now: Date.UTC(2026, 4, 1), lang: 'vi' }).summary).toBe('20.000.000 đồng (tạm miễn đến hết 30/06/2026)');
  });

  it('falls back to the plausible amounts and the portal when the notes are messy', () => {
    const p: FeeFields = { fee: null, channels: [ch('Trực tiếp', null, '(2.000 đồng/trang; từ trang thứ 3 trở lên thu 1.000 đồng/trang, tối đa thu không quá 200.000 đồng/bản)')] };
    expect(describeFees(p, { now: NOW, lang: 'vi' }).summary).toBe('1.000 / 2.000 / 200.000 đồng (chi tiết xem trên Cổng)');
  });
});

describe('describeFees over the whole catalogue', () => {
  const all = procedures.map((p) => ({ p, vi: describeFees(p, { now: NOW, lang: 'vi' }), en: describeFees(p, { now: NOW, lang: 'en' }) }));

  it('covers all 2,849 procedures', () => {
    expect(procedures.length).toBe(2849);
  });

  it('never says Miễn phí when a fee field or note names an amount of 1.000 đồng or more', () => {
    const amountRe = /(\d{1,3}(?:[.,]\d{3})+|\d{4,})\s*(?:Việt Nam Đồng|VNĐ|đồng|Đồng|đ\b)|\d+\s*triệu\s+đồng/iu;
    const bad = all.filter(({ p, vi }) => {
      const texts = [p.fee, ...p.channels.flatMap((c) => [c.fee, c.note])].filter((t): t is string => !!t);
      const named = texts.some((t) => amountRe.test(t)) || vi.amounts.length > 0;
      return named && /Miễn phí/i.test(vi.summary);
    });
    expect(bad.map(({ p }) => p.code)).toEqual([]);
  });

  it('never shows an amount under 1.000 đồng in a summary', () => {
    const bad = all.filter(({ vi }) => shownAmounts(vi.summary).some((n) => n < 1000));
    expect(bad.map(({ p, vi }) => `${p.code}: ${vi.summary}`)).toEqual([]);
  });

  it('keeps every summary within 160 characters and details within 6 lines', () => {
    for (const { p, vi, en } of all) {
      expect(vi.summary.length, p.code).toBeLessThanOrEqual(160);
      expect(en.summary.length, p.code).toBeLessThanOrEqual(160);
      expect(vi.details.length, p.code).toBeLessThanOrEqual(6);
      expect(vi.details.length, p.code).toBeGreaterThan(0);
    }
  });

  it('never presents a rate that ended before 30/11/2026 as current', () => {
    const endRe = /đến hết (\d{2})\/(\d{2})\/(\d{4})/g;
    for (const { p, vi } of all) {
      for (const line of [vi.summary, ...vi.details]) {
        if (/hết hạn|kết thúc/.test(line)) continue;
        for (const m of line.matchAll(endRe)) {
          const end = Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]) + 1) - 7 * 3600_000;
          expect(end, `${p.code}: ${line}`).toBeGreaterThan(NOW);
        }
      }
    }
  });

  it('marks exactly the procedures with a fee under 1.000 đồng as implausible and lists them for staff', () => {
    const flagged = all.filter(({ vi }) => vi.implausible).map(({ p }) => p.code);
    expect(implausibleFees(procedures).map((r) => r.code)).toEqual(flagged);
    expect(flagged.length).toBeGreaterThan(0);
    expect(implausibleFees(procedures).every((r) => /\d/.test(r.fee))).toBe(true);
  });
});
