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
    expect(en.summary).toBe('135,000 VND per application (online: 115,000 VND until 31/12/2025)');
  });

  it('turns the 50% online discount of 1.014064 into 35.000 đồng in 2025 and calls it ended in 2026', () => {
    const during = describeFees(byCode('1.014064'), { now: DURING_2025, lang: 'vi' });
    expect(during.summary).toContain('70.000 đồng');
    expect(during.details.join(' ')).toContain('Nộp trực tuyến từ 01/01/2025 đến hết 31/12/2025: 35.000 đồng.');
    const after = describeFees(byCode('1.014064'), { now: NOW, lang: 'vi' });
    // The note ends in "- Kể từ": a second time-limited rule was cut off, so 70.000 đồng is not stated bare.
    expect(after.summary).toBe('70.000 đồng/thẻ căn cước (chi tiết xem trên Cổng)');
    expect(after.details.join(' ')).toContain('đã hết hạn ngày 31/12/2025');
    expect(after.details.join(' ')).toContain('bị cắt');
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
    expect(f.details).toContain('Miễn lệ phí cho người thuộc hộ nghèo, người khuyết tật.');
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
    expect(describeFees(p, { now: NOW, lang: 'vi' }).summary).toBe('1.000 đồng/trang; 2.000 đồng/trang; 200.000 đồng/bản (chi tiết xem trên Cổng)');
  });
});

describe('describeFees: fees named without an amount are never "Miễn phí"', () => {
  it('a note that points to the fee law, a circular or the province makes the fee "xem trên Cổng"', () => {
    const cases = [
      '(Theo quy định của Luật phí và lệ phí và các văn bản quy phạm pháp luật hướng dẫn Luật phí và lệ phí.)',
      '(Thực hiện theo Thông tư số 244/2016/TT-BTC ngày 11/11/2016 của Bộ Tài chính quy định mức thu, chế độ thu, nộp, quản lý và sử dụng phí cung cấp thông tin lý lịch tư pháp.)',
      '(- Giá dịch vụ kiểm tra chất lượng an toàn kỹ thuật và bảo vệ môi theo quy định tại Thông tư số 239/2016/TT-BTC ngày 11 tháng 11 năm 2016 của Bộ trưởng Bộ Tài chính.)',
      '(do Ủy ban nhân dân cấp tỉnh quy định.)',
      '(Phí thẩm định)',
      '(Thông tư số 94/2021/TT-BTC)',
    ];
    for (const note of cases) {
      const f = describeFees({ fee: 'Miễn phí', channels: [ch('Trực tiếp', 'Miễn phí', note)] }, { now: NOW, lang: 'vi' });
      expect(f.free, note).toBe(false);
      expect(f.summary, note).toBe('Xem trên Cổng');
    }
  });

  it('land registration, vehicle registration and the judicial record are not free', () => {
    for (const code of ['1.012753', '1.013978', '1.013066', '1.013080', '3.000333', '3.000330']) {
      const f = describeFees(byCode(code), { now: NOW, lang: 'vi' });
      expect(f.summary, code).not.toBe('Miễn phí');
      expect(f.free, code).toBe(false);
    }
  });

  it('keeps "Miễn phí" when the note says there is no fee', () => {
    for (const note of ['(Không được quy định tại Biểu phí, lệ phí đăng ký doanh nghiệp ban hành kèm theo Thông tư số 47/2019/TT-BTC.)', '(- Miễn lệ phí (Thông tư số 47/2019/TT-BTC).)', '(Không quy định)']) {
      expect(describeFees({ fee: 'Miễn phí', channels: [ch('Trực tiếp', 'Miễn phí', note)] }, { now: NOW, lang: 'vi' }).summary, note).toBe('Miễn phí');
    }
  });

  it('a free registration with an optional copy fee stays free and says so (1.000894)', () => {
    const f = describeFees(byCode('1.000894'), { now: NOW, lang: 'vi' });
    expect(f.summary).toBe('Miễn phí');
    expect(f.details.join(' ')).toMatch(/bản sao trích lục thì có thu phí/);
  });
});

describe('describeFees: amounts written without "đồng"', () => {
  it('reads "8.000.000/lần", "15000000/lần Đồng" and "Phí: 1,700,000"', () => {
    expect(describeFees(byCode('3.000339'), { now: NOW, lang: 'vi' }).amounts).toEqual([2000000, 8000000]);
    expect(describeFees(byCode('3.000339'), { now: NOW, lang: 'vi' }).summary).not.toBe('Miễn phí');
    expect(describeFees(byCode('1.004306'), { now: NOW, lang: 'vi' }).summary).toContain('15.000.000 đồng');
    expect(describeFees(byCode('1.004270'), { now: NOW, lang: 'vi' }).amounts).toContain(1700000);
    const p: FeeFields = { fee: 'Miễn phí', channels: [ch('Trực tiếp', 'Miễn phí', '(+ 160.000/hộ chiếu)')] };
    expect(describeFees(p, { now: NOW, lang: 'vi' }).summary).toBe('160.000 đồng/hộ chiếu');
  });

  it('a grouped number with no currency in a fee note is not read as free', () => {
    const p: FeeFields = { fee: 'Miễn phí', channels: [ch('Trực tiếp', 'Miễn phí', '(Mức phí giảm 20%: 1.600.000)')] };
    const f = describeFees(p, { now: NOW, lang: 'vi' });
    expect(f.free).toBe(false);
  });
});

describe('describeFees: time-limited rates', () => {
  it('keeps "(áp dụng đến hết …)" with the amounts before it: the 2023 passport rate is not shown as current (1.001456)', () => {
    const f = describeFees(byCode('1.001456'), { now: NOW, lang: 'vi' });
    expect(f.summary).toBe('200.000 / 400.000 đồng/hộ chiếu (chi tiết xem trên Cổng)');
    expect(f.details.join(' ')).toContain('đã hết hạn ngày 31/12/2023');
    expect(f.details.join(' ')).not.toMatch(/Nộp trực tuyến[^.]*160\.000/);
  });

  it('names the current reduced amount of a parenthesised period (1.014901: 25.000 đồng until 31/12/2026)', () => {
    const f = describeFees(byCode('1.014901'), { now: NOW, lang: 'vi' });
    expect(f.summary).toBe('50.000 đồng/tem (25.000 đồng đến hết 31/12/2026)');
  });

  it('"giảm 20%" means 80% of the fee, not 20%', () => {
    const p: FeeFields = { fee: '2,000,000 VNĐ', channels: [ch('Trực tiếp', '2,000,000 VNĐ', '(Mức phí kể từ ngày 01/7/2026 đến hết ngày 31/12/2026 giảm 20%)')] };
    const f = describeFees(p, { now: NOW, lang: 'vi' });
    expect(f.summary).toBe('2.000.000 đồng (1.600.000 đồng đến hết 31/12/2026)');
    const expired = describeFees(byCode('1.004465'), { now: NOW, lang: 'vi' });
    expect(expired.details.join(' ')).toContain('bằng 80% mức thu');
  });

  it('a period whose rate was cut off is worded as unknown, not as "mức thu khác" alone (1.000889)', () => {
    const f = describeFees(byCode('1.000889'), { now: NOW, lang: 'vi' });
    expect(f.details.join(' ')).toContain('Từ 01/07/2025 đến hết 31/12/2026 áp dụng mức thu khác; danh mục không ghi rõ, anh/chị xem trên Cổng.');
    expect(f.summary).toContain('(chi tiết xem trên Cổng)');
  });
});

describe('describeFees: units and sub-cases', () => {
  it('keeps per-unit amounts with their unit in both languages', () => {
    expect(describeFees(byCode('1.000014'), { now: NOW, lang: 'vi' }).summary).toBe('20.000 đồng/tờ khai');
    expect(describeFees(byCode('1.000014'), { now: NOW, lang: 'en' }).summary).toBe('20,000 VND per declaration');
    expect(describeFees(byCode('3.000347'), { now: NOW, lang: 'en' }).summary).toBe('135,000 VND per application');
  });

  it('never shows a Vietnamese unit word in English', () => {
    for (const p of procedures) {
      const en = describeFees(p, { now: NOW, lang: 'en' });
      expect([en.summary, ...en.details].join(' '), p.code).not.toMatch(/per [^\s]*[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/iu);
    }
  });

  it('a rate per tonne or GT is not shown as the price of the procedure', () => {
    const p: FeeFields = { fee: null, channels: [ch('Trực tiếp', null, '(+ Đối với tàu có dung tích đăng ký từ 500 đến dưới 1.600 GT là 2.500 đồng/GT-lần; tối đa 300.000 đồng)')] };
    const f = describeFees(p, { now: NOW, lang: 'vi' });
    expect(f.summary).toBe('Xem trên Cổng');
    expect(f.details.join(' ')).toContain('2.500 đồng/GT-lần');
  });

  it('does not split fees by channel when the fields hold sub-cases (1.003708: by aircraft weight)', () => {
    const f = describeFees(byCode('1.003708'), { now: NOW, lang: 'vi' });
    expect(f.details.join(' ')).not.toMatch(/Nộp trực tuyến: 4\.500\.000/);
    expect(f.details[0]).toBe('Lệ phí: 1.500.000 / 4.500.000 đồng (tùy trường hợp).');
  });

  it('adds the portal caveat when several USD amounts or đồng and USD are listed', () => {
    expect(describeFees(byCode('1.001194'), { now: NOW, lang: 'vi' }).summary).toBe('5 USD / 25 USD (chi tiết xem trên Cổng)');
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
