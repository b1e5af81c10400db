import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fold } from '../text/vi/fold.js';
import { LEVEL_LABELS, type Procedure } from './procedure.js';

/**
 * "Where do I go / can I do it online" from the catalogue's agency, level and channels.
 * "Toàn trình" (fully online) is said only when the catalogue marks the procedure `online: 'full'`;
 * an online channel alone means "có thể nộp trực tuyến".
 */
type WhereFields = Pick<Procedure, 'name' | 'agency' | 'level' | 'online' | 'onlineSubmission' | 'channels' | 'documents'>;

const ONLINE = 'Trực tuyến';
const POSTAL = 'Dịch vụ bưu chính';

/** The applicant must come in person: phrases seen in notes and document lists. */
const PRESENCE_RE =
  /(?:phải|cần|bắt buộc)\s+(?:trực tiếp\s+)?có mặt|cùng có mặt|trực tiếp có mặt|có mặt (?:tại|để) (?:ký|nhận|trụ sở|cơ quan)|ký (?:tên )?vào (?:Sổ|sổ) (?:hộ tịch|đăng ký)|ký (?:tên )?vào Giấy chứng nhận kết hôn|phải (?:trực tiếp )?đến (?:trụ sở|cơ quan|nơi)/u;
const DISTRICT_RE =
  /cấp huyện|cấp quận|(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|Công an|Chi cục thuế|Ban chỉ huy quân sự|Phòng [\p{L}\s]{2,40}?)\s+(?:cấp\s+)?(?:huyện|quận|thị xã)(?![\p{L}])|quận,\s*huyện|\bhuyện,\s*(?:quận|thị xã)/iu;
/** "Ủy ban nhân dân xã, phường, thị trấn": towns (thị trấn) went with the districts; communes are now xã, phường, đặc khu. */
const TOWN_RE = /(xã,\s*phường),\s*thị trấn/iu;

function has(p: Pick<Procedure, 'channels'>, channel: string): boolean {
  return p.channels.some((c) => c.channel === channel);
}

/** True when there is no online and no postal channel, or the catalogue's text says the applicant must be present. */
export function presenceRequired(p: Pick<Procedure, 'name' | 'onlineSubmission' | 'channels' | 'documents'>): boolean {
  const online = p.onlineSubmission || has(p, ONLINE);
  if (!online && !has(p, POSTAL)) return true;
  if (presenceRule(p.name)) return true;
  const text = [p.name, ...p.channels.map((c) => c.note ?? ''), ...p.documents.map((d) => d.name)].join('\n');
  return PRESENCE_RE.test(text);
}

const presenceSchema = z.object({ rules: z.array(z.object({ names: z.array(z.string().min(3)).min(1), basis: z.string(), note: z.object({ vi: z.string(), en: z.string() }) })) });
const PRESENCE_RULES = presenceSchema.parse(JSON.parse(readFileSync(new URL('../../data/presence.json', import.meta.url), 'utf8'))).rules;

/** A rule of data/presence.json that makes this procedure need the applicant in person (with its note). */
export function presenceRule(name: string): { vi: string; en: string } | null {
  const folded = ` ${fold(name)} `;
  return PRESENCE_RULES.find((r) => r.names.some((n) => folded.includes(` ${fold(n)} `)))?.note ?? null;
}

/** One short paragraph: who handles it, and how it can be submitted. */
export function whereText(p: WhereFields, lang: 'vi' | 'en'): string {
  const vi = lang === 'vi';
  const agency =
    p.agency
      ?.replace(/\u00a0/gu, ' ')
      .replace(/[\s.;,]+$/u, '')
      .replace(TOWN_RE, '$1, đặc khu')
      .trim() || null;
  const levels = p.level.map((l) => LEVEL_LABELS[l][lang]).join(', ');
  const lines: string[] = [];
  lines.push(agency ? (vi ? `Cơ quan giải quyết: ${agency}.` : `Handled by: ${agency}.`) : vi ? `Cấp thực hiện: ${levels}.` : `Level: ${levels}.`);

  const online = p.onlineSubmission || has(p, ONLINE);
  const postal = has(p, POSTAL);
  const ways: string[] = [];
  if (online) ways.push(p.online === 'full' ? (vi ? 'nộp trực tuyến toàn trình trên Cổng Dịch vụ công' : 'fully online on the public service portal') : vi ? 'có thể nộp trực tuyến trên Cổng Dịch vụ công' : 'can be submitted online on the public service portal');
  if (postal) ways.push(vi ? 'gửi qua bưu chính' : 'by post');
  if (has(p, 'Trực tiếp') || !ways.length) ways.push(vi ? 'nộp trực tiếp tại nơi tiếp nhận hồ sơ' : 'in person at the office');
  if (!online && !postal) lines.push(vi ? 'Thủ tục này cần nộp trực tiếp, chưa nộp trực tuyến được.' : 'This procedure must be submitted in person; it is not available online.');
  else {
    const list = ways.join(vi ? ', hoặc ' : ', or ');
    lines.push(vi ? `Cách nộp: ${list}.` : `How to apply: ${list}.`);
  }
  const rule = presenceRule(p.name);
  if (rule) lines.push(rule[lang]);
  else if ((online || postal) && presenceRequired(p)) {
    lines.push(vi ? 'Lưu ý: theo danh mục, người yêu cầu vẫn cần có mặt trực tiếp ở một bước.' : 'Note: the catalogue says the applicant must still appear in person at one step.');
  }
  if ((agency && DISTRICT_RE.test(agency)) || /cấp huyện|cấp quận/iu.test(p.name)) {
    // Where district work went differs (province, commune, or a regional office of a ministry): no guess.
    lines.push(
      vi
        ? 'Từ 01/7/2025 không còn cấp huyện; nơi tiếp nhận có thể đã chuyển về cấp tỉnh, cấp xã hoặc cơ quan khu vực, anh/chị kiểm tra trên Cổng.'
        : 'Districts were abolished on 1 July 2025; the office may now be at the province, the commune or a regional office. Please check the portal.',
    );
  }
  return lines.join(' ');
}
