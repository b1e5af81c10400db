import type { Procedure } from '../catalogue/procedure.js';
import { DURATION_NO_UNIT, LEVEL_LABELS } from '../catalogue/procedure.js';
import type { SearchOutcome } from '../catalogue/types.js';
import type { Lang, Reply } from './message.js';

const PORTAL = 'https://dichvucong.gov.vn';

/**
 * The card a citizen sees for one procedure: name, code, field, fee, processing time,
 * whether it can be submitted online, and the portal link. States only what the catalogue
 * knows: `onlineSubmission` means "có thể nộp trực tuyến", never "toàn trình".
 */
export function procedureCard(p: Procedure, lang: Lang, variants: readonly Procedure[] = []): Reply {
  const vi = lang === 'vi';
  const duration = p.duration
    ? p.duration.includes(DURATION_NO_UNIT)
      ? `${p.duration.replace(DURATION_NO_UNIT, '').trim()} ${vi ? '(cổng không ghi rõ đơn vị, anh/chị vui lòng kiểm tra trên Cổng)' : '(the portal gives no unit; please check on the portal)'}`
      : p.duration
    : vi
      ? 'chưa có thông tin'
      : 'not stated';
  const fee = p.fee ?? (vi ? 'chưa có thông tin' : 'not stated');
  const online =
    p.online === 'full'
      ? vi
        ? 'Dịch vụ công trực tuyến toàn trình'
        : 'Fully online'
      : p.online === 'partial'
        ? vi
          ? 'Trực tuyến một phần'
          : 'Partly online'
        : p.onlineSubmission
          ? vi
            ? 'Có thể nộp hồ sơ trực tuyến'
            : 'Can be submitted online'
          : vi
            ? 'Chưa có kênh nộp trực tuyến trên Cổng; nộp trực tiếp hoặc qua bưu chính'
            : 'No online channel listed; submit in person or by post';
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

/**
 * The line above a list of search results: a short question when the best results differ in what
 * matters (foreign element, first issue or reissue, individual or company), otherwise `fallback`.
 */
export function offerText(outcome: SearchOutcome, lang: Lang, fallback: { vi: string; en: string }): string {
  return outcome.clarify ? outcome.clarify.question[lang] : fallback[lang];
}
