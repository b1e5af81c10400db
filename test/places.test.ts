import { describe, expect, it } from 'vitest';
import { fold } from '../src/text/vi/fold.js';
import { districtNote, findPlaces, loadPlaces, mentionsDistrict, parsePlaces, placeNote } from '../src/places/index.js';

const places = loadPlaces();

/** Pre-2025 province → province or city since 1 July 2025 (Nghị quyết 202/2025/QH15). */
const REFORM: Record<string, string> = {
  'Hà Nội': 'Hà Nội', 'Huế': 'Huế', 'Lai Châu': 'Lai Châu', 'Điện Biên': 'Điện Biên', 'Sơn La': 'Sơn La',
  'Lạng Sơn': 'Lạng Sơn', 'Quảng Ninh': 'Quảng Ninh', 'Thanh Hóa': 'Thanh Hóa', 'Nghệ An': 'Nghệ An',
  'Hà Tĩnh': 'Hà Tĩnh', 'Cao Bằng': 'Cao Bằng',
  'Hà Giang': 'Tuyên Quang', 'Tuyên Quang': 'Tuyên Quang',
  'Yên Bái': 'Lào Cai', 'Lào Cai': 'Lào Cai',
  'Bắc Kạn': 'Thái Nguyên', 'Thái Nguyên': 'Thái Nguyên',
  'Vĩnh Phúc': 'Phú Thọ', 'Hòa Bình': 'Phú Thọ', 'Phú Thọ': 'Phú Thọ',
  'Bắc Giang': 'Bắc Ninh', 'Bắc Ninh': 'Bắc Ninh',
  'Thái Bình': 'Hưng Yên', 'Hưng Yên': 'Hưng Yên',
  'Hải Dương': 'Hải Phòng', 'Hải Phòng': 'Hải Phòng',
  'Hà Nam': 'Ninh Bình', 'Nam Định': 'Ninh Bình', 'Ninh Bình': 'Ninh Bình',
  'Quảng Bình': 'Quảng Trị', 'Quảng Trị': 'Quảng Trị',
  'Quảng Nam': 'Đà Nẵng', 'Đà Nẵng': 'Đà Nẵng',
  'Kon Tum': 'Quảng Ngãi', 'Quảng Ngãi': 'Quảng Ngãi',
  'Bình Định': 'Gia Lai', 'Gia Lai': 'Gia Lai',
  'Ninh Thuận': 'Khánh Hòa', 'Khánh Hòa': 'Khánh Hòa',
  'Đắk Nông': 'Lâm Đồng', 'Bình Thuận': 'Lâm Đồng', 'Lâm Đồng': 'Lâm Đồng',
  'Phú Yên': 'Đắk Lắk', 'Đắk Lắk': 'Đắk Lắk',
  'Bình Dương': 'Hồ Chí Minh', 'Bà Rịa - Vũng Tàu': 'Hồ Chí Minh', 'Hồ Chí Minh': 'Hồ Chí Minh',
  'Bình Phước': 'Đồng Nai', 'Đồng Nai': 'Đồng Nai',
  'Long An': 'Tây Ninh', 'Tây Ninh': 'Tây Ninh',
  'Sóc Trăng': 'Cần Thơ', 'Hậu Giang': 'Cần Thơ', 'Cần Thơ': 'Cần Thơ',
  'Bến Tre': 'Vĩnh Long', 'Trà Vinh': 'Vĩnh Long', 'Vĩnh Long': 'Vĩnh Long',
  'Tiền Giang': 'Đồng Tháp', 'Đồng Tháp': 'Đồng Tháp',
  'Bạc Liêu': 'Cà Mau', 'Cà Mau': 'Cà Mau',
  'Kiên Giang': 'An Giang', 'An Giang': 'An Giang',
};

const one = (text: string) => {
  const found = findPlaces(text, places);
  expect(found, text).toHaveLength(1);
  return found[0]!;
};

describe('places data', () => {
  it('lists 34 current units holding exactly the 63 former provinces', () => {
    expect(places.provinces).toHaveLength(34);
    const former = places.provinces.flatMap((p) => p.merged.map((m) => [m, p.name] as const));
    expect(former).toHaveLength(63);
    expect(Object.fromEntries(former)).toEqual(REFORM);
    expect(places.provinces.filter((p) => p.city).map((p) => p.name).sort()).toEqual(
      ['Cần Thơ', 'Hà Nội', 'Hải Phòng', 'Huế', 'Hồ Chí Minh', 'Đà Nẵng'].sort(),
    );
    expect(places.source).toMatch(/202\/2025\/QH15/);
  });

  it('rejects an alias that would name two different provinces', () => {
    const bad = {
      version: 1,
      source: 'test',
      provinces: [
        { name: 'Thái Nguyên', merged: ['Bắc Kạn', 'Thái Nguyên'], aliases: ['TN'] },
        { name: 'Tây Ninh', merged: ['Long An', 'Tây Ninh'], aliases: ['tn'] },
      ],
    };
    expect(() => parsePlaces(bad)).toThrow(/names both/);
  });

  it('rejects a former-name alias for a province that is not in merged', () => {
    const bad = { version: 1, source: 'test', provinces: [{ name: 'Cà Mau', merged: ['Cà Mau'], aliases: [], formerAliases: { 'Bạc Liêu': ['BL'] } }] };
    expect(() => parsePlaces(bad)).toThrow(/not in merged/);
  });
});

describe('findPlaces', () => {
  it.each(Object.entries(REFORM))('maps %s to %s, with and without diacritics', (former, current) => {
    for (const text of [`tôi ở ${former}`, `toi o ${fold(former)}`, `TỈNH ${former.toUpperCase()}`]) {
      const m = one(text);
      expect(m.said, text).toBe(former);
      expect(m.current, text).toBe(current);
      expect(m.merged, text).toBe(former !== current);
    }
  });

  it.each([
    ['HCM', 'Hồ Chí Minh', 'Hồ Chí Minh'],
    ['làm hộ chiếu ở TPHCM', 'Hồ Chí Minh', 'Hồ Chí Minh'],
    ['TP.HCM', 'Hồ Chí Minh', 'Hồ Chí Minh'],
    ['tp hcm', 'Hồ Chí Minh', 'Hồ Chí Minh'],
    ['nhà tôi ở Sài Gòn', 'Hồ Chí Minh', 'Hồ Chí Minh'],
    ['o sai gon', 'Hồ Chí Minh', 'Hồ Chí Minh'],
    ['thành phố Hồ Chí Minh', 'Hồ Chí Minh', 'Hồ Chí Minh'],
    ['đi HN làm giấy tờ', 'Hà Nội', 'Hà Nội'],
    ['Ha Noi', 'Hà Nội', 'Hà Nội'],
    ['Hanoi', 'Hà Nội', 'Hà Nội'],
    ['Vũng Tàu', 'Bà Rịa - Vũng Tàu', 'Hồ Chí Minh'],
    ['vung tau', 'Bà Rịa - Vũng Tàu', 'Hồ Chí Minh'],
    ['BR-VT', 'Bà Rịa - Vũng Tàu', 'Hồ Chí Minh'],
    ['brvt', 'Bà Rịa - Vũng Tàu', 'Hồ Chí Minh'],
    ['Bà Rịa - Vũng Tàu', 'Bà Rịa - Vũng Tàu', 'Hồ Chí Minh'],
    ['Ba Ria Vung Tau', 'Bà Rịa - Vũng Tàu', 'Hồ Chí Minh'],
    ['Huế', 'Huế', 'Huế'],
    ['Thừa Thiên Huế', 'Huế', 'Huế'],
    ['thua thien hue', 'Huế', 'Huế'],
    ['o hue', 'Huế', 'Huế'],
    ['Bắc Cạn', 'Bắc Kạn', 'Thái Nguyên'],
    ['Daklak', 'Đắk Lắk', 'Đắk Lắk'],
    ['Đăk Lăk', 'Đắk Lắk', 'Đắk Lắk'],
    ['Đăk Nông', 'Đắk Nông', 'Lâm Đồng'],
    ['kontum', 'Kon Tum', 'Quảng Ngãi'],
    ['Thanh Hoá', 'Thanh Hóa', 'Thanh Hóa'],
    ['tỉnh Hoà Bình', 'Hòa Bình', 'Phú Thọ'],
    ['Ha Nội', 'Hà Nội', 'Hà Nội'],
  ])('reads %j as %s (now %s)', (text, said, current) => {
    const m = one(text);
    expect([m.said, m.current]).toEqual([said, current]);
  });

  it('lets the longest name win: "nam dinh" is Nam Định only, "Bà Rịa - Vũng Tàu" one province', () => {
    expect(findPlaces('nam dinh', places).map((m) => m.said)).toEqual(['Nam Định']);
    expect(findPlaces('quê tôi Nam Định', places).map((m) => m.said)).toEqual(['Nam Định']);
    expect(findPlaces('Bà Rịa Vũng Tàu', places).map((m) => m.said)).toEqual(['Bà Rịa - Vũng Tàu']);
    expect(findPlaces('Thừa Thiên Huế', places).map((m) => m.said)).toEqual(['Huế']);
  });

  it('finds several places in order, each once', () => {
    expect(findPlaces('chuyển từ Bắc Kạn về Hà Nội, rồi lại về bac kan', places).map((m) => m.said)).toEqual(['Bắc Kạn', 'Hà Nội']);
    expect(findPlaces('khai sinh ở Vĩnh Phúc, thường trú Hòa Bình', places).map((m) => m.current)).toEqual(['Phú Thọ', 'Phú Thọ']);
  });

  it('never matches a common syllable alone', () => {
    for (const w of ['nam', 'binh', 'giang', 'ninh', 'long', 'an', 'quang', 'bac', 'dinh', 'thai', 'ha', 'hai', 'tay', 'dong'])
      expect(findPlaces(`toi ${w} nay`, places), w).toEqual([]);
  });

  it('keeps a person, a street or a ward with a province-like name apart from the province', () => {
    expect(findPlaces('chị Huệ ơi', places)).toEqual([]);
    expect(findPlaces('hue oi', places)).toEqual([]);
    expect(findPlaces('nhà ở phường Hòa Bình', places)).toEqual([]);
    expect(findPlaces('số 5 đường Hồ Chí Minh', places)).toEqual([]);
    expect(findPlaces('xã Thái Bình', places)).toEqual([]);
    expect(findPlaces('phòng đa năng', places)).toEqual([]);
    expect(findPlaces('hn toi di lam cccd', places)).toEqual([]);
  });

  it.each([
    'đăng ký khai sinh cho con',
    'đổi bằng lái xe',
    'nam nay con toi di hoc',
    'làm lại căn cước công dân bị mất',
    'cấp tài khoản định danh mức 2',
    'đăng ký thường trú cho vợ',
    'xin giấy xác nhận tình trạng hôn nhân',
    'năm nay bao nhiêu tiền lệ phí',
    'tôi muốn đăng ký kết hôn',
    'đăng ký xe máy mới mua',
    'cap lai giay phep lai xe',
    'lam ho chieu mat bao lau',
    'nop thue ho kinh doanh',
    'đăng ký tạm trú cho người thuê nhà',
    'tra cứu hồ sơ đã nộp',
    'thanh toán lệ phí trực tuyến thế nào',
    'xin phiếu lý lịch tư pháp',
    'chứng thực bản sao giấy tờ',
    'hôm nay tôi bận',
    'sổ đỏ bị sai tên',
    'làm sao để bình tĩnh khi nộp hồ sơ',
    'con trai tôi năm nay 6 tuổi',
    'giấy khai sinh bị rách',
    'ông bà nội tôi đã già',
    'hồ sơ bị trả về vì thiếu ảnh',
    'cho tôi hỏi giờ làm việc',
    'dang ky khai tu cho ba',
    'đăng ký biển số xe ô tô',
    'mất ví rồi phải làm gì',
    'tôi muốn mở quán ăn nhỏ',
    'hòa giải tranh chấp đất đai',
    'bảo hiểm y tế cho trẻ em dưới 6 tuổi',
    'doi the can cuoc gan chip',
    'lien thong khai sinh thuong tru',
    'phí đổi bằng lái bao nhiêu tiền',
  ])('finds no place in an ordinary question: %j', (text) => {
    expect(findPlaces(text, places)).toEqual([]);
  });
});

describe('mentionsDistrict', () => {
  it.each([
    'ubnd huyện có làm không',
    'ubnd huyen co lam khong',
    'phòng tư pháp huyện',
    'phong tu phap huyen',
    'lên UBND quận 3',
    'quận 3',
    'quan 3',
    'Q.3',
    'q3',
    'thị xã Sơn Tây',
    'thi xa Son Tay',
    'việc này cấp huyện giải quyết',
    'cap huyen',
    'cấp quận',
    'cong an huyen',
    'công an quận Ba Đình',
    'cong an quan',
    'huyện Gia Lâm',
    'nha o huyen Gia Lam',
    'ở quận Bình Thạnh',
  ])('notices a district-level office: %j', (text) => {
    expect(mentionsDistrict(text)).toBe(true);
  });

  it.each([
    'cơ quan Công an',
    'co quan Cong an',
    'liên quan đến hộ khẩu',
    'lien quan den ho khau',
    'công an quan tâm',
    'cong an quan tam',
    'ngồi ở quán cà phê',
    'o quan cafe',
    'chị Huyền ở phường 3',
    'chi Huyen',
    'dấu huyền',
    'đi thì xa quá',
    'di thi xa qua',
    'nghĩa vụ quân sự',
    'hải quan Hà Nội',
    'đăng ký khai sinh cho con',
    'việc này quan trọng',
    'UBND xã',
    'UBND tỉnh',
  ])('does not take %j for a district', (text) => {
    expect(mentionsDistrict(text)).toBe(false);
  });
});

describe('notes', () => {
  it('says where a merged province now belongs, in Vietnamese and English', () => {
    const m = one('bac kan');
    expect(placeNote(m, 'vi')).toBe('Từ 01/7/2025, tỉnh Bắc Kạn đã hợp nhất vào tỉnh Thái Nguyên; anh/chị liên hệ cơ quan của tỉnh Thái Nguyên.');
    expect(placeNote(m, 'en')).toBe('Since 1 July 2025, Bac Kan province has been part of Thai Nguyen province; please contact the offices of Thai Nguyen province.');
  });

  it('names a centrally-run city as a city', () => {
    expect(placeNote(one('Hải Dương'), 'vi')).toContain('vào thành phố Hải Phòng');
    expect(placeNote(one('Vũng Tàu'), 'en')).toContain('part of Ho Chi Minh City');
  });

  it('says nothing for a name that did not change', () => {
    expect(placeNote(one('Thái Nguyên'), 'vi')).toBe('');
    expect(placeNote(one('Sơn La'), 'en')).toBe('');
  });

  it('explains that the district level is gone', () => {
    expect(districtNote('vi')).toBe('Từ 01/7/2025 không còn cấp huyện: việc của huyện nay do UBND/Công an cấp xã hoặc cơ quan cấp tỉnh tiếp nhận.');
    expect(districtNote('en')).toMatch(/no district level/);
  });
});
