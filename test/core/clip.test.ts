import { describe, expect, it } from 'vitest';
import { clip } from '../../src/core/clip.js';

describe('clip', () => {
  it('leaves text that fits alone', () => {
    expect(clip('Cơ quan kiểm tra hồ sơ', 40)).toBe('Cơ quan kiểm tra hồ sơ');
  });

  it('cuts at the last word that fits and ends with "…", never mid-word', () => {
    const text = 'Cơ quan kiểm tra hồ sơ rồi yêu cầu bổ sung hoặc tiếp nhận.';
    const out = clip(text, 24);
    expect(out).toBe('Cơ quan kiểm tra hồ sơ…');
    expect(out.length).toBeLessThanOrEqual(24);
  });

  it('drops a trailing comma before the ellipsis', () => {
    expect(clip('Anh/chị nộp hồ sơ, chờ tiếp nhận', 19)).toBe('Anh/chị nộp hồ sơ…');
  });

  it('cuts a single word longer than the room where it has to', () => {
    const url = 'https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bf7-9e0b-7681';
    expect(clip(url, 20)).toBe(url.slice(0, 19) + '…');
  });
});
