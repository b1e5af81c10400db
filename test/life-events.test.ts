import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fold } from '../src/text/vi/fold.js';
import { lifeEventsSchema, loadLifeEvents, matchLifeEvent } from '../src/catalogue/life-events.js';

const events = loadLifeEvents();
const procedures = JSON.parse(readFileSync(new URL('../data/procedures.json', import.meta.url), 'utf8')) as { code: string; name: string }[];
const byCode = new Map(procedures.map((p) => [p.code, p]));
const id = (text: string) => matchLifeEvent(text, events)?.id ?? null;

describe('life events data', () => {
  it('covers the situations citizens ask about', () => {
    expect(events.map((e) => e.id).sort()).toEqual(
      ['birth', 'death', 'lost-documents', 'marriage', 'moving', 'property', 'small-business', 'vehicle'].sort(),
    );
  });

  it('names only procedures that exist in data/procedures.json, 3–6 per event, each once', () => {
    for (const e of events) {
      expect(e.procedures.length, e.id).toBeGreaterThanOrEqual(3);
      expect(e.procedures.length, e.id).toBeLessThanOrEqual(6);
      const codes = e.procedures.map((p) => p.code);
      expect(new Set(codes).size, e.id).toBe(codes.length);
      for (const c of codes) expect(byCode.has(c), `${e.id}: ${c}`).toBe(true);
    }
  });

  it('prefers joint and commune-level procedures over district copies', () => {
    expect(events.find((e) => e.id === 'birth')!.procedures[0]!.code).toBe('2.000986');
    expect(byCode.get('2.000986')!.name).toMatch(/^Liên thông/);
    for (const e of events) for (const p of e.procedures) expect(byCode.get(p.code)!.name, p.code).not.toMatch(/cấp huyện/);
  });

  it('explains every procedure in one short line, in both languages', () => {
    for (const e of events)
      for (const p of e.procedures) {
        expect(p.why.vi.length, p.code).toBeLessThanOrEqual(120);
        expect(p.why.en.length, p.code).toBeLessThanOrEqual(120);
        expect(p.why.vi).not.toMatch(/\n/);
      }
  });

  it('rejects a trigger shared by two events', () => {
    const raw = JSON.parse(readFileSync(new URL('../data/life-events.json', import.meta.url), 'utf8'));
    raw.events[1].triggers.vi.push('Mới Đẻ');
    expect(() => lifeEventsSchema.parse(raw)).toThrow(/cả birth và death/);
  });
});

describe('matchLifeEvent', () => {
  it('matches every trigger to its own event, with and without diacritics', () => {
    for (const e of events)
      for (const t of [...e.triggers.vi, ...e.triggers.en]) {
        expect(id(t), t).toBe(e.id);
        expect(id(`cho tôi hỏi ${fold(t)} thì cần làm gì`), t).toBe(e.id);
      }
  });

  it.each([
    ['Vợ tôi mới đẻ, cần làm giấy tờ gì?', 'birth'],
    ['vo toi moi de can lam giay to gi', 'birth'],
    ['nhà em có con mới sinh', 'birth'],
    ['bé nhà mình mới chào đời hôm qua', 'birth'],
    ['làm giấy tờ cho con mới sinh', 'birth'],
    ['We just had a baby, what papers do we need?', 'birth'],
    ['bố tôi mới mất, cần làm những gì', 'death'],
    ['ông ngoại em vừa qua đời', 'death'],
    ['làm giấy tờ cho người đã mất', 'death'],
    ['khai tử cho mẹ tôi ở đâu', 'death'],
    ['My father passed away last week', 'death'],
    ['bố tôi mất do tai nạn', 'death'],
    ['bố tôi mất ví rồi', 'lost-documents'],
    ['em bị móc túi mất hết giấy tờ', 'lost-documents'],
    ['I lost my wallet with my ID card', 'lost-documents'],
    ['tôi muốn mở quán cà phê', 'small-business'],
    ['mo quan cafe can giay phep gi', 'small-business'],
    ['I want to open a shop', 'small-business'],
    ['mới mua xe máy mới', 'vehicle'],
    ['mua ô tô cũ thì làm gì', 'vehicle'],
    ['I bought a motorbike', 'vehicle'],
    ['tháng sau em cưới vợ', 'marriage'],
    ['we are getting married', 'marriage'],
    ['mới chuyển nhà sang phường khác', 'moving'],
    ['mua nhà mới ở quận khác', 'property'],
    ['bán đất cho hàng xóm', 'property'],
  ])('reads %j as %s', (text, event) => {
    expect(id(text)).toBe(event);
  });

  it.each([
    'đăng ký khai sinh',
    'dang ky khai sinh',
    'đăng ký khai sinh cho con',
    'trích lục khai sinh',
    'cấp bản sao giấy khai sinh',
    'đăng ký khai tử',
    'trích lục khai tử',
    'dang ky khai tu',
    'đăng ký kết hôn',
    'xác nhận tình trạng hôn nhân',
    'đăng ký xe máy',
    'đăng ký ô tô',
    'sang tên xe',
    'cấp lại đăng ký xe',
    'đăng ký biển số xe',
    'đăng ký thường trú',
    'đăng ký tạm trú cho người ở trọ',
    'nhập hộ khẩu cho con',
    'đăng ký hộ kinh doanh',
    'khai thuế hộ kinh doanh',
    'sang tên sổ đỏ',
    'cấp đổi sổ đỏ',
    'cấp lại căn cước',
    'làm lại căn cước bị mất',
    'cấp lại bằng lái xe',
    'đổi bằng lái xe',
    'làm hộ chiếu',
    'lệ phí trước bạ',
    'chứng thực di chúc',
    'register a birth',
    'death certificate',
    'marriage registration',
    'register a motorbike',
    'vợ tôi sinh năm 1990',
    'điện thoại mới mất, khóa tài khoản VNeID thế nào',
    'bố tôi mất căn cước, làm lại ở đâu',
  ])('leaves a plain procedure request to search: %j', (text) => {
    expect(id(text)).toBeNull();
  });

  it('prefers the longest trigger', () => {
    // "mua nhà mới" (property) is longer than any moving trigger it overlaps.
    expect(id('mua nhà mới rồi chuyển nhà')).toBe('property');
    expect(id('mới chuyển nhà')).toBe('moving');
  });
});
