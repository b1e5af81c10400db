import { describe, expect, it } from 'vitest';
import { cleanDocuments, cleanQuantity, documentsText } from '../src/catalogue/documents.js';
import type { Procedure } from '../src/catalogue/procedure.js';
import { loadSeed } from '../src/catalogue/service.js';
import { presenceRequired, whereText } from '../src/catalogue/where.js';

const { procedures } = loadSeed();
const byCode = (code: string) => {
  const p = procedures.find((x) => x.code === code);
  if (!p) throw new Error(`missing ${code}`);
  return p;
};
const base = byCode('3.000347');
const ch = (channel: string, note: string | null = null) => ({ channel, duration: null, fee: null, note });

describe('cleanDocuments', () => {
  it('replaces the legal basis of a form with "(theo mẫu)"', () => {
    const [first] = cleanDocuments(base.documents);
    expect(first).toEqual({ name: 'Đề nghị đổi giấy phép lái xe (theo mẫu)', quantity: '1 bản chính' });
    const docs = cleanDocuments([{ name: 'Tờ khai đề nghị đổi giấy phép lái xe theo mẫu quy định tại Phụ lục XII ban hành kèm theo Thông tư số 12/2025/TT-BCA ngày 28/02/2025', quantity: '1 bản chính' }]);
    expect(docs[0]!.name).toBe('Tờ khai đề nghị đổi giấy phép lái xe (theo mẫu)');
  });

  it('keeps a form code and drops the label glued after it', () => {
    const names = cleanDocuments(byCode('1.014064').documents).map((d) => d.name);
    expect(names[0]).toBe('Phiếu đề nghị giải quyết thủ tục về căn cước (mẫu DC02)');
  });

  it('drops rows that are not papers', () => {
    const names = cleanDocuments(byCode('1.014064').documents).map((d) => d.name);
    expect(names.some((n) => n.startsWith('Phiếu này là biểu mẫu điện tử'))).toBe(false);
    const marriage = cleanDocuments(byCode('1.000894').documents).map((d) => d.name);
    expect(marriage.some((n) => /^(Lưu ý|Trường hợp|Người tiếp nhận)/.test(n))).toBe(false);
    expect(marriage.some((n) => n.startsWith('Tờ khai đăng ký kết hôn'))).toBe(true);
  });

  it('cuts long names at a word boundary near 140 characters', () => {
    for (const d of cleanDocuments(base.documents)) {
      expect(d.name.length).toBeLessThanOrEqual(141);
      if (d.name.endsWith('…')) expect(d.name.at(-2)).not.toBe(' ');
    }
  });

  it('dedupes and keeps order, honouring max', () => {
    const docs = [
      { name: 'Đơn đề nghị cấp phép', quantity: '1 bản chính' },
      { name: 'Bản sao giấy tờ tùy thân', quantity: '0 bản chính,1 bản sao' },
      { name: 'Đơn đề nghị cấp phép.', quantity: '1 bản chính' },
      { name: 'Ảnh 3x4', quantity: '2 bản chính' },
    ];
    expect(cleanDocuments(docs).map((d) => d.name)).toEqual(['Đơn đề nghị cấp phép', 'Bản sao giấy tờ tùy thân', 'Ảnh 3x4']);
    expect(cleanDocuments(docs, { max: 2 })).toHaveLength(2);
  });

  it('reads quantities', () => {
    expect(cleanQuantity('1 bản chính')).toBe('1 bản chính');
    expect(cleanQuantity('0 bản chính,1 bản sao')).toBe('1 bản sao');
    expect(cleanQuantity('0 bản chính')).toBeNull();
    expect(cleanQuantity('20261 bản chính,1 bản sao')).toBe('1 bản chính, 1 bản sao');
    expect(cleanQuantity(null)).toBeNull();
  });

  it('gives every catalogue procedure short, non-empty names', () => {
    for (const p of procedures) {
      for (const d of cleanDocuments(p.documents)) {
        expect(d.name.length, p.code).toBeGreaterThanOrEqual(4);
        expect(d.name.length, p.code).toBeLessThanOrEqual(141);
      }
    }
  });
});

describe('cleanDocuments: only papers to prepare', () => {
  it('drops remarks left once a heading is removed (1.001669: "Giấy tờ phải xuất trình:\nTrường hợp các thông tin …")', () => {
    for (const code of ['1.001669', '2.000779']) {
      const names = cleanDocuments(byCode(code).documents).map((d) => d.name);
      expect(names.some((n) => /^Trường hợp các thông tin cá nhân/.test(n)), code).toBe(false);
    }
  });

  it('drops "Lưu ý" and case headings with nothing to hand in', () => {
    const docs = [
      { name: 'Trường hợp A\nLưu ý: Đối với Chứng minh nhân dân, người bị thiệt hại chỉ nộp khi cần', quantity: '0 bản chính' },
      { name: 'Đối với chứng nhận chất lượng kiểu loại xe', quantity: '0 bản chính' },
      { name: '. Trường hợp pháp luật chuyên ngành quy định nộp bản chụp thì người khai hải quan được nộp bản chụp', quantity: '0 bản chính' },
      { name: 'Đối với người nước ngoài: Hộ chiếu hoặc giấy tờ có giá trị đi lại quốc tế', quantity: '0 bản chính' },
    ];
    expect(cleanDocuments(docs).map((d) => d.name)).toEqual(['Đối với người nước ngoài: Hộ chiếu hoặc giấy tờ có giá trị đi lại quốc tế']);
  });

  it('strips list markers such as "(ii)", "(3)", "(viii)!" and a leading dot', () => {
    const docs = [
      { name: '(ii) Giấy đề nghị đăng ký tạm ngừng kinh doanh', quantity: '1 bản chính' },
      { name: '(3) Văn bản cho phép bán tài sản', quantity: '1 bản chính' },
      { name: '(ii)!Giấy giới thiệu của tổ chức', quantity: '1 bản chính' },
      { name: '.Đề án thành lập chi nhánh', quantity: '1 bản chính' },
    ];
    expect(cleanDocuments(docs).map((d) => d.name)).toEqual(['Giấy đề nghị đăng ký tạm ngừng kinh doanh', 'Văn bản cho phép bán tài sản', 'Giấy giới thiệu của tổ chức', 'Đề án thành lập chi nhánh']);
  });

  it('no catalogue entry shown to citizens starts with a list marker, "Lưu ý" or a remark with nothing to hand in', () => {
    for (const p of procedures) {
      for (const d of cleanDocuments(p.documents)) {
        expect(d.name, p.code).not.toMatch(/^(?:\((?:[ivx]+|[1-9]\d?)\)|[.]|lưu ý|ghi chú)/iu);
        if (d.quantity === null) expect(d.name, p.code).not.toMatch(/^(?:trường hợp|đối với)\b[^:]*$/iu);
      }
    }
  });
});

describe('documentsText', () => {
  it('numbers the papers, counts the rest and points to the portal', () => {
    const text = documentsText(byCode('1.000894'), 'vi', 2);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^1\. /);
    expect(lines[1]).toMatch(/^2\. /);
    expect(lines.at(-2)).toMatch(/^… và \d+ giấy tờ khác\.$/);
    expect(lines.at(-1)).toBe('Danh sách đầy đủ xem trên Cổng Dịch vụ công.');
  });

  it('has an English variant', () => {
    const text = documentsText(base, 'en');
    expect(text).toContain('(1 original)');
    expect(text).toContain('(1 copy)');
    expect(text.split('\n').at(-1)).toBe('Full list on the public service portal.');
  });
});

describe('whereText and presenceRequired', () => {
  it('says "có thể nộp trực tuyến" and never "toàn trình" unless the procedure is fully online', () => {
    const text = whereText(base, 'vi');
    expect(text).toContain('Cục cảnh sát giao thông');
    expect(text).toContain('có thể nộp trực tuyến');
    expect(text).not.toContain('toàn trình');
    expect(whereText({ ...base, online: 'full' }, 'vi')).toContain('toàn trình');
    for (const p of procedures) if (p.online !== 'full') expect(whereText(p, 'vi'), p.code).not.toContain('toàn trình');
  });

  it('mentions the postal channel and English wording', () => {
    expect(whereText(byCode('1.014064'), 'vi')).toContain('gửi qua bưu chính');
    expect(whereText(byCode('1.014064'), 'en')).toContain('can be submitted online');
  });

  it('requires presence when there is no online and no postal channel', () => {
    const p: Procedure = { ...base, onlineSubmission: false, channels: [ch('Trực tiếp')] };
    expect(presenceRequired(p)).toBe(true);
    expect(whereText(p, 'vi')).toContain('cần nộp trực tiếp');
    expect(presenceRequired(base)).toBe(false);
  });

  it('requires presence when the catalogue text says the applicant must be present', () => {
    const p: Procedure = { ...base, documents: [...base.documents, { name: 'Người yêu cầu phải có mặt trực tiếp để ký vào Sổ hộ tịch', quantity: null }] };
    expect(presenceRequired(p)).toBe(true);
    expect(whereText(p, 'vi')).toContain('cần có mặt trực tiếp');
  });

  it('marriage registration needs both partners present (data/presence.json, Luật Hộ tịch)', () => {
    const marriage = byCode('1.000894');
    expect(presenceRequired(marriage)).toBe(true);
    expect(whereText(marriage, 'vi')).toContain('hai bên nam, nữ phải cùng có mặt');
    expect(whereText(marriage, 'en')).toContain('Both partners must attend');
  });

  it('notes that districts no longer exist for every district agency or procedure name, without guessing where the work went', () => {
    for (const agency of ['Công an huyện', 'Chi cục thuế huyện, thành phố', 'Chỉ huy trưởng Ban chỉ huy quân sự huyện', 'Bảo hiểm xã hội cấp huyện']) {
      const text = whereText({ ...base, agency }, 'vi');
      expect(text, agency).toContain('Từ 01/7/2025 không còn cấp huyện');
      expect(text, agency).not.toContain('việc này do cấp tỉnh hoặc cấp xã tiếp nhận');
    }
    expect(whereText(byCode('1.010385'), 'vi')).toContain('không còn cấp huyện');
  });

  it('calls the commune level "xã, phường, đặc khu" rather than "thị trấn"', () => {
    const text = whereText({ ...base, agency: 'Ủy ban Nhân dân\u00a0xã,\u00a0phường,\u00a0thị trấn.' }, 'vi');
    expect(text).toContain('Ủy ban Nhân dân xã, phường, đặc khu');
    expect(text).not.toContain('thị trấn');
  });

  it('notes that districts no longer exist when the agency names one', () => {
    const p: Procedure = { ...base, agency: 'Phòng Tư pháp cấp huyện' };
    expect(whereText(p, 'vi')).toContain('từ 01/7/2025 không còn cấp huyện'.replace(/^t/, 'T'));
    expect(whereText(p, 'en')).toContain('Districts were abolished on 1 July 2025');
    expect(whereText(base, 'vi')).not.toContain('cấp huyện');
  });
});
