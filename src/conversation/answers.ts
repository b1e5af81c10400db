import { documentsText } from '../catalogue/documents.js';
import { describeFees } from '../catalogue/fees.js';
import type { Procedure } from '../catalogue/procedure.js';
import { presenceRequired, presenceRule, whereText } from '../catalogue/where.js';
import type { Lang, Reply } from '../core/message.js';
import { durationText, onlineText } from '../catalogue/card.js';
import type { Profile } from './turn.js';
import type { QuestionKind } from './understanding.js';

/**
 * The direct answer to "how much / what papers / where / how long / online? / what do I get"
 * about one procedure, from the catalogue's own fields. The card and the portal link follow it.
 */
export function answerAbout(p: Procedure, kinds: readonly QuestionKind[], lang: Lang, now: number, profile: Profile): Reply {
  const vi = lang === 'vi';
  const parts: string[] = [];
  for (const kind of kinds) {
    switch (kind) {
      case 'fee': {
        const fees = describeFees(p, { now, lang });
        const head = vi ? `💰 Lệ phí "${p.name}":` : `💰 Fee for "${p.name}":`;
        parts.push([head, ...(fees.details.length ? fees.details.map((l) => `• ${l}`) : [`• ${fees.summary}`])].join('\n'));
        break;
      }
      case 'documents':
        parts.push(`${vi ? `📎 Giấy tờ cần chuẩn bị cho "${p.name}":` : `📎 Documents for "${p.name}":`}\n${documentsText(p, lang)}`);
        break;
      case 'where':
        parts.push(`${vi ? '📍 Nơi nộp:' : '📍 Where:'} ${whereText(p, lang)}${profileLine(profile, lang)}`);
        break;
      case 'duration':
        parts.push(
          p.duration
            ? `${vi ? `⏱ Thời hạn giải quyết "${p.name}":` : `⏱ Processing time for "${p.name}":`} ${durationText(p, lang)}${vi ? ' (tính từ khi nhận đủ hồ sơ hợp lệ).' : ' (from when a complete dossier is accepted).'}`
            : vi
              ? `⏱ Danh mục chưa ghi thời hạn giải quyết của "${p.name}"; anh/chị xem trên trang thủ tục hoặc hỏi nơi nộp hồ sơ.`
              : `⏱ The catalogue states no processing time for "${p.name}"; see the procedure page or ask where you apply.`,
        );
        break;
      case 'online': {
        const presence = presenceRequired(p);
        const how = onlineText(p, lang);
        const rule = presenceRule(p.name);
        const extra = rule
          ? ` ${rule[lang]}`
          : presence
            ? vi
            ? ' Thủ tục này cần anh/chị có mặt tại cơ quan giải quyết ở một bước (ví dụ khi nhận kết quả); anh/chị xem chi tiết trên Cổng.'
              : ' You need to be present at the office for at least one step (e.g. to receive the result); see the portal for details.'
            : '';
        parts.push(`${vi ? '🌐 Hình thức:' : '🌐 How to apply:'} ${how}.${extra}`);
        break;
      }
      case 'code':
        parts.push(vi ? `🔢 Mã thủ tục "${p.name}": ${p.code} (gõ mã này trên Cổng Dịch vụ công để tìm đúng thủ tục).` : `🔢 Procedure code of "${p.name}": ${p.code} (search the portal for it).`);
        break;
      case 'result':
        parts.push(p.result ? `${vi ? '📄 Kết quả anh/chị nhận được:' : '📄 What you receive:'} ${p.result}` : vi ? '📄 Cổng chưa ghi rõ kết quả của thủ tục này; anh/chị xem trên trang thủ tục.' : '📄 The portal does not state the result of this procedure; see its page.');
        break;
    }
  }
  return { text: parts.join('\n\n') };
}

/** Where to go in this deployment's province (nothing when the assistant is national). */
export function profileLine(profile: Profile, lang: Lang): string {
  const vi = lang === 'vi';
  const bits: string[] = [];
  if (profile.oneStopAddress) bits.push(vi ? `Bộ phận một cửa: ${profile.oneStopAddress}.` : `One-stop desk: ${profile.oneStopAddress}.`);
  if (profile.hotline) bits.push(vi ? `Đường dây hỗ trợ: ${profile.hotline}.` : `Helpline: ${profile.hotline}.`);
  if (profile.province && profile.portalUrl !== 'https://dichvucong.gov.vn') bits.push(vi ? `Cổng dịch vụ công ${profile.province}: ${profile.portalUrl}` : `${profile.province} public service portal: ${profile.portalUrl}`);
  return bits.length ? `\n${bits.join(' ')}` : '';
}
