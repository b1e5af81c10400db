import type { Procedure } from '../../catalogue/procedure.js';
import { t, type Middleware, type RouterContext } from '../turn.js';
import { answerAbout } from '../answers.js';
import { cardFor, offerIntro, offerProcedures, ASKED } from '../offer.js';
import type { QuestionKind } from '../understanding.js';
import { removePhrases } from '../phrases.js';

const ASK_WHICH: Record<QuestionKind, { vi: string; en: string }> = {
  fee: { vi: 'lệ phí', en: 'the fee' },
  documents: { vi: 'giấy tờ cần chuẩn bị', en: 'the documents' },
  where: { vi: 'nơi nộp', en: 'where to apply' },
  duration: { vi: 'thời hạn giải quyết', en: 'the processing time' },
  online: { vi: 'cách nộp', en: 'how to apply' },
  result: { vi: 'kết quả', en: 'the result' },
};

/** How sure the search must be to answer about one procedure instead of listing a few. */
const SURE = 0.35;

/**
 * A question about a procedure ("trích lục khai sinh mất mấy ngày", "how much is a passport"):
 * the kind of question and the procedure together, answered directly from the catalogue, with the
 * card and the portal link after it. Without a procedure named, the one the conversation is about.
 */
export function procedureQuestion(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    const u = ctx.understanding;
    const pending = Array.isArray(turn.session.vars[ASKED]) && !Array.isArray(turn.session.vars._offered) ? (turn.session.vars[ASKED] as QuestionKind[]) : [];
    const q = u.question(turn.folded);
    const kinds = q.kinds.length ? q.kinds : pending;
    if (!kinds.length) return next();
    const searcher = ctx.deps.searcher();
    const lang = turn.lang();
    // The procedure part: question words, fillers and place names out ("Bắc Giang đăng ký thường trú ở đâu").
    const rest = u.trimLead(removePhrases(q.rest, ctx.placeWords));
    // Leftovers of the question words ("lệ" of "lệ phí bao nhiêu") name no procedure.
    const subject = u
      .content(rest)
      .split(' ')
      .filter((w) => w.length > 2)
      .join(' ');
    const answer = (p: Procedure, others: readonly Procedure[] = [], othersIntro?: string) => {
      const vars: Record<string, unknown> = { ...turn.session.vars };
      delete vars[ASKED];
      delete vars._offered;
      const replies = [answerAbout(p, kinds, lang, turn.now, ctx.profile), cardFor(p, lang, searcher, turn.now)];
      // Close siblings stay one tap away ("Cấp lại giấy chứng nhận căn cước" next to "Cấp lại thẻ căn cước").
      if (others.length) replies.push(offerProcedures(vars, others, othersIntro ?? t(lang, 'Nếu anh/chị hỏi thủ tục khác, anh/chị chọn dưới đây:', 'If you meant another procedure, choose below:'), kinds));
      turn.save({ ...turn.session, topic: p.code, vars });
      turn.emit({ type: 'search', text: turn.masked.slice(0, 300), data: { results: 1 + others.length, top: p.code, question: kinds.join(',') } });
      return replies;
    };
    if (!subject) {
      const topic = turn.session.topic ? searcher.get(turn.session.topic) : undefined;
      if (topic) return answer(topic);
      const vars: Record<string, unknown> = { ...turn.session.vars, [ASKED]: kinds };
      delete vars._offered;
      turn.save({ ...turn.session, vars });
      const what = kinds.map((k) => ASK_WHICH[k][lang]).join(', ');
      return [{ text: t(lang, `Anh/chị muốn hỏi ${what} của thủ tục nào? Anh/chị gõ tên thủ tục, ví dụ "đổi bằng lái xe", "cấp lại căn cước".`, `Which procedure do you mean (${what})? Type its name, e.g. "driving licence exchange", "replace ID card".`) }];
    }
    const outcome = searcher.ask(rest, { limit: 5 });
    const hits = outcome.hits;
    if (!hits.length) return next();
    const first = hits[0]!;
    // Sure enough: answer about the first, with its close siblings one tap away (the search's own
    // question, "có yếu tố nước ngoài không?", introduces them when it has one).
    if (first.score >= SURE) return answer(first.procedure, hits.slice(1, 4).filter((h) => h.score >= first.score - 0.15).map((h) => h.procedure), outcome.clarify?.question[lang]);
    const vars: Record<string, unknown> = { ...turn.session.vars };
    const intro = offerIntro(outcome, lang, {
      vi: `Anh/chị hỏi ${kinds.map((k) => ASK_WHICH[k].vi).join(', ')} của thủ tục nào? Anh/chị chọn thủ tục đúng với nhu cầu:`,
      en: `Which procedure do you mean? Choose the one you need:`,
    });
    const reply = offerProcedures(vars, hits.map((h) => h.procedure), intro, kinds);
    turn.save({ ...turn.session, vars });
    turn.emit({ type: 'search', text: turn.masked.slice(0, 300), data: { results: hits.length, top: first.procedure.code, question: kinds.join(',') } });
    return [reply];
  };
}
