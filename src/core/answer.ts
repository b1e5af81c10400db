import type { Searcher } from '../catalogue/types.js';
import { fold } from '../catalogue/fold.js';
import type { Logger } from '../log.js';
import type { EventSink } from '../stats/event.js';
import type { Inbound, Lang, Reply } from './message.js';
import { maskPII } from './privacy.js';
import { procedureCard } from './procedure-reply.js';
import type { HandleInbound } from './router-types.js';

export interface AnswerDeps {
  searcher: () => Searcher;
  events: EventSink;
  log: Logger;
  /** Language for citizens who have not chosen one ("English" / "Tiếng Việt" switch it). */
  defaultLang?: Lang;
}

/** Per-conversation memory kept by the answerer (bounded; least recently used dropped first). */
interface Memory {
  lang: Lang;
  options: { id: string; label: string }[];
}
const MAX_MEMORY = 20_000;

const GREETING = /^(\/?start|\/?menu|menu|xin chao|chao|hello|hi|alo|bat dau)$/;
const OPTION_ID = /^p:(\d{1,2}\.\d{6}(?:\.[A-Za-z0-9]+)*)$/;
const SECRET = /\b(otp|mat khau|password|passcode|ma pin|cvv)\b|(?<!\d)(?:\d[\s-]?){15,18}\d(?!\d)/;

function welcome(lang: Lang): Reply {
  return lang === 'vi'
    ? {
        text:
          'Xin chào anh/chị! Tôi là trợ lý dịch vụ công trực tuyến.\n' +
          'Anh/chị hãy gõ tên thủ tục cần làm, có dấu hay không dấu đều được, ví dụ: "làm lại căn cước", "đăng ký khai sinh", "đổi bằng lái".',
        link: { label: 'Cổng Dịch vụ công quốc gia', url: 'https://dichvucong.gov.vn' },
      }
    : {
        text: 'Hello! I am the online public service assistant. Type the procedure you need, e.g. "birth registration", "replace ID card", "driving licence exchange".',
        link: { label: 'National Public Service Portal', url: 'https://dichvucong.gov.vn' },
      };
}

/**
 * Answers a free-text question from the procedure catalogue: the top matches as options,
 * a picked option as a procedure card, and an honest "no match" otherwise (logged for staff
 * as `search_miss`). This is the router's catalogue-search layer.
 */
export function createAnswerer(deps: AnswerDeps): HandleInbound {
  const memory = new Map<string, Memory>();
  const remember = (key: string): Memory => {
    const m = memory.get(key) ?? { lang: deps.defaultLang ?? 'vi', options: [] };
    memory.delete(key);
    memory.set(key, m);
    if (memory.size > MAX_MEMORY) memory.delete(memory.keys().next().value as string);
    return m;
  };
  return async (inbound: Inbound) => {
    try {
      return answer(inbound);
    } catch (err) {
      deps.log.error({ err, channel: inbound.channel }, 'answer failed');
      return [{ text: 'Xin lỗi, hệ thống đang gặp sự cố. Anh/chị vui lòng thử lại sau ít phút.\nSorry, something went wrong. Please try again shortly.' }];
    }
  };

  function answer(inbound: Inbound): Reply[] {
    const mem = remember(`${inbound.channel}:${inbound.chatId}`);
    const base = { at: inbound.at, channel: inbound.channel, user: inbound.userId } as const;
    if (inbound.kind !== 'text' && inbound.kind !== 'command') {
      return [{ text: 'Xin lỗi, hiện tôi chỉ đọc được tin nhắn chữ. Anh/chị vui lòng gõ câu hỏi.\nSorry, I can only read text messages.' }];
    }
    const text = (inbound.text ?? '').slice(0, 4000);
    deps.events.emit({ ...base, type: 'message_in' });
    const folded = fold(text);
    if (SECRET.test(folded) || SECRET.test(text)) {
      deps.events.emit({ ...base, type: 'secret_warning' });
      return [
        {
          text:
            '⚠️ Anh/chị không chia sẻ mã OTP, mật khẩu, mã PIN hay số thẻ ngân hàng với bất kỳ ai, kể cả trợ lý này và cán bộ. Tôi không lưu nội dung đó.\n' +
            'Never share OTP codes, passwords, PINs or card numbers with anyone, including this assistant.',
        },
      ];
    }
    if (/^(\/?lang|english|tieng anh)$/.test(folded)) mem.lang = folded === '/lang' || folded === 'lang' ? (mem.lang === 'vi' ? 'en' : 'vi') : 'en';
    else if (/^(tieng viet|vietnamese)$/.test(folded)) mem.lang = 'vi';
    const lang = mem.lang;
    if (!folded || GREETING.test(folded) || /^(\/?lang|english|tieng anh|tieng viet|vietnamese)$/.test(folded)) return [welcome(lang)];
    // An option may be chosen by its number, its label, or its id.
    const byNumber = /^\d{1,2}$/.test(folded) ? mem.options[Number(folded) - 1] : undefined;
    const byLabel = mem.options.find((o) => fold(o.label) === folded);
    const chosen = byNumber ?? byLabel;
    const picked = OPTION_ID.exec(chosen ? chosen.id : text.trim());
    if (picked) {
      const p = deps.searcher().get(picked[1]!);
      if (p) return [procedureCard(p, lang)];
    }
    const hits = deps.searcher().search(text, { limit: 5 });
    const query = maskPII(text).slice(0, 300);
    if (hits.length === 0) {
      deps.events.emit({ ...base, type: 'search_miss', text: query });
      return [
        lang === 'vi'
          ? {
              text: 'Xin lỗi, tôi chưa tìm thấy thủ tục phù hợp. Anh/chị thử gõ ngắn gọn tên thủ tục, ví dụ "đăng ký tạm trú", hoặc tra cứu trên Cổng Dịch vụ công quốc gia.',
              link: { label: 'Tra cứu thủ tục hành chính', url: 'https://dichvucong.gov.vn' },
            }
          : {
              text: 'Sorry, I could not find a matching procedure. Try a short name such as "temporary residence registration", or search the National Public Service Portal.',
              link: { label: 'Search procedures', url: 'https://dichvucong.gov.vn' },
            },
      ];
    }
    deps.events.emit({ ...base, type: 'search', text: query, data: { results: hits.length, top: hits[0]!.procedure.code } });
    if (hits.length === 1 || hits[0]!.score - (hits[1]?.score ?? 0) > 0.25) return [procedureCard(hits[0]!.procedure, lang)];
    mem.options = hits.map((h) => ({ id: `p:${h.procedure.code}`, label: h.procedure.name.length > 120 ? h.procedure.name.slice(0, 117) + '…' : h.procedure.name }));
    return [
      {
        text: lang === 'vi' ? 'Tôi tìm thấy các thủ tục sau. Anh/chị chọn thủ tục đúng với nhu cầu:' : 'I found these procedures. Please choose the one you need:',
        options: mem.options,
      },
    ];
  }
}
