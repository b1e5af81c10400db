import { startFlow } from '../flow-runner.js';
import { t, type Middleware, type RouterContext } from '../turn.js';

/**
 * Nothing fits: say honestly what the assistant covers and where to turn, never a list of
 * unrelated procedures. A topic the assistant knows it does not cover gets its own pointer.
 */
export function fallback(ctx: RouterContext): Middleware {
  return async (turn) => {
    const lang = turn.lang();
    const outside = ctx.understanding.outOfScope(turn.folded);
    const covers = t(
      lang,
      'Tôi chỉ hỗ trợ các thủ tục hành chính và dịch vụ công trực tuyến: tìm thủ tục (khai sinh, căn cước, cư trú, bằng lái, đất đai, kinh doanh…), lệ phí, giấy tờ, nơi nộp, tài khoản VNeID, nộp hồ sơ, thanh toán và tra cứu hồ sơ.',
      'I can only help with administrative procedures and online public services: finding a procedure (birth, ID card, residence, driving licence, land, business…), fees, documents, where to apply, VNeID accounts, submitting, paying and tracking dossiers.',
    );
    const lead = outside
      ? `${t(lang, 'Xin lỗi, việc này nằm ngoài phạm vi trợ lý dịch vụ công nên tôi chưa hỗ trợ được.', 'Sorry, that is outside what this public-service assistant covers, so I cannot help with it.')} ${outside.where[lang]}`
      : t(
          lang,
          'Xin lỗi, tôi chưa tìm thấy thủ tục nào phù hợp với câu hỏi của anh/chị. Nếu việc này không thuộc thủ tục hành chính, trợ lý chưa hỗ trợ được; nếu là một thủ tục, anh/chị thử gõ ngắn gọn tên thủ tục, hoặc gõ "gặp cán bộ" để được cán bộ hỗ trợ.',
          'Sorry, I found no procedure that matches. If this is not an administrative procedure, I cannot help with it; if it is, try its short name, or type "human" to reach a staff member.',
        );
    const reply = { text: `${lead}\n${covers}` };
    // Inside a flow the step is shown again below; outside, the menu of what I can do.
    if (turn.session.flowId) return [reply];
    return [reply, ...startFlow(ctx, turn, 'main-menu').replies];
  };
}
