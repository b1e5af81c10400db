import { describeFees } from './fees.js';
import type { Procedure } from './procedure.js';
import { DURATION_NO_UNIT, LEVEL_LABELS } from './procedure.js';
import type { Lang, Reply } from '../core/message.js';

const PORTAL = 'https://dichvucong.gov.vn';

/** The processing time as the catalogue gives it, with a caveat when the portal lost the unit. */
export function durationText(p: Procedure, lang: Lang): string {
  const vi = lang === 'vi';
  if (!p.duration) return vi ? 'chưa có thông tin' : 'not stated';
  const bare = p.duration.replace(DURATION_NO_UNIT, '').trim();
  const value = vi ? bare : englishDuration(bare);
  if (!p.duration.includes(DURATION_NO_UNIT)) return value;
  return `${value} ${vi ? '(cổng không ghi rõ đơn vị, anh/chị vui lòng kiểm tra trên Cổng)' : '(the portal gives no unit; please check on the portal)'}`;
}

const EN_UNITS: [RegExp, string][] = [
  [/ngày làm việc/gi, 'working days'],
  [/ngày/gi, 'days'],
  [/tháng/gi, 'months'],
  [/giờ/gi, 'hours'],
  [/tuần/gi, 'weeks'],
  [/năm/gi, 'years'],
];

/** "5 Ngày làm việc" → "5 working days"; anything else is kept as the portal wrote it. */
function englishDuration(d: string): string {
  return EN_UNITS.reduce((s, [re, en]) => s.replace(re, en), d).replace(/\b1 (working )?(day|month|hour|week|year)s\b/g, '1 $1$2');
}

/** How it can be submitted: "toàn trình" only when the catalogue says full, else "có thể nộp trực tuyến". */
export function onlineText(p: Procedure, lang: Lang): string {
  const vi = lang === 'vi';
  if (p.online === 'full') return vi ? 'Dịch vụ công trực tuyến toàn trình' : 'Fully online';
  if (p.online === 'partial') return vi ? 'Trực tuyến một phần' : 'Partly online';
  if (p.onlineSubmission) return vi ? 'Có thể nộp hồ sơ trực tuyến' : 'Can be submitted online';
  return vi ? 'Chưa có kênh nộp trực tuyến trên Cổng; nộp trực tiếp hoặc qua bưu chính' : 'No online channel listed; submit in person or by post';
}

/**
 * The card a citizen sees for one procedure: name, code, field, fee, processing time,
 * whether it can be submitted online, and the portal link. The fee is read from every channel
 * and its notes (never "Miễn phí" when a note names an amount); `now` decides whether a
 * time-limited online discount still applies.
 */
export function procedureCard(p: Procedure, lang: Lang, variants: readonly Procedure[] = [], now = Date.now()): Reply {
  const vi = lang === 'vi';
  const fee = describeFees(p, { now, lang }).summary;
  const duration = durationText(p, lang);
  const online = onlineText(p, lang);
  const lines = vi
    ? [`📄 ${p.name}`, `Mã thủ tục: ${p.code}`, `Lĩnh vực: ${p.field}`, `Lệ phí: ${fee}`, `Thời hạn giải quyết: ${duration}`, `Hình thức: ${online}`]
    : [`📄 ${p.name}`, `Procedure code: ${p.code}`, `Field: ${p.field}`, `Fee: ${fee}`, `Processing time: ${duration}`, `Channel: ${online}`];
  if (variants.length) {
    // The same service listed at other levels: the card shows the one nearest the citizen and names the rest.
    const others = variants.map((v) => `${v.level.map((l) => LEVEL_LABELS[l][lang]).join(', ')} (${vi ? 'mã' : 'code'} ${v.code})`).join('; ');
    lines.push(vi ? `Thủ tục này cũng được thực hiện tại: ${others}.` : `Also carried out at: ${others}.`);
  }
  if (!p.url) lines.push(vi ? `Anh/chị tìm mã ${p.code} trên Cổng Dịch vụ công quốc gia để xem đầy đủ.` : `Search for code ${p.code} on the National Public Service Portal for details.`);
  return {
    text: lines.join('\n'),
    link: { label: vi ? 'Xem trên Cổng Dịch vụ công' : 'Open on the public service portal', url: p.url ?? PORTAL },
  };
}
