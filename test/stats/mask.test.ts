import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maskForAnalytics, maskPII } from '../../src/core/privacy.js';
import { isNotAQuestion } from '../../src/stats/unmatched.js';

describe('masking a question before it is kept for analytics', () => {
  it.each([
    ['tôi sinh ngày 15/03/1990 cần làm cccd', 'tôi sinh ngày [ngày] cần làm cccd'],
    ['sinh ngày 1-2-95, hẹn 2024-03-15', 'sinh ngày [ngày], hẹn [ngày]'],
    ['ngày 5 tháng 3 năm 2001 tôi kết hôn', '[ngày] tôi kết hôn'],
    ['tên tôi là Nguyễn Văn An, sđt 0912345678', 'tên tôi là [họ tên], sđt [số điện thoại]'],
    ['em tên là thu hà ở hà nội', 'em tên là [họ tên] ở hà nội'],
    ['tôi tên Hoa cần hỏi', 'tôi tên [họ tên] cần hỏi'],
    ['họ tên: Lê Minh', 'họ tên: [họ tên]'],
    ['my name is John Smith, lost passport', 'my name is [họ tên], lost passport'],
    ['Trần Thị Bích Ngọc muốn đăng ký kết hôn', '[họ tên] muốn đăng ký kết hôn'],
    ['email an.nguyen@gmail.com hỏi lệ phí', 'email [email] hỏi lệ phí'],
    ['CCCD 012345678901, CMND 123456789', 'CCCD [số định danh], CMND [số CMND]'],
    ['làm hộ chiếu ở Hà Nội hay Thành phố Hồ Chí Minh', 'làm hộ chiếu ở Hà Nội hay Thành phố Hồ Chí Minh'],
    ['nghị định 13/2023 về dữ liệu cá nhân', 'nghị định 13/2023 về dữ liệu cá nhân'],
  ])('%s', (text, masked) => {
    expect(maskForAnalytics(text)).toBe(masked);
    expect(maskForAnalytics(masked)).toBe(masked);
  });

  it('leaves every procedure name and citizen phrasing of the catalogue without a masked name', () => {
    const list = JSON.parse(readFileSync(new URL('../../data/procedures.json', import.meta.url), 'utf8')) as { name: string; phrasings?: string[] }[];
    const masked = list.flatMap((p) => [p.name, ...(p.phrasings ?? [])]).filter((t) => /\[(họ tên|email)\]/.test(maskForAnalytics(t)));
    expect(masked).toEqual([]);
  });

  it('does not take "passport" for a password', () => {
    expect(maskPII('làm passport để đi du lịch')).toBe('làm passport để đi du lịch');
    expect(maskPII('pass: abc123')).toBe('pass: [bí mật]');
  });
});

describe('messages that are not questions', () => {
  it.each(['1', '2', ' 12 ', 'ok', 'Ok ạ', 'có', 'Có ạ', 'không', 'ko', 'vâng', 'dạ', 'cảm ơn', 'thanks', 'alo', '👍', '...'])('"%s" is never unmatched', (text) => {
    expect(isNotAQuestion(text)).toBe(true);
  });
  it.each(['cccd', 'khai sinh', 'xin visa', 'có mất phí không', 'làm lại bằng lái'])('"%s" is a question', (text) => {
    expect(isNotAQuestion(text)).toBe(false);
  });
});
