import { fold } from '../../text/vi/fold.js';
import type { Procedure } from '../../catalogue/procedure.js';
import { t, type Middleware, type RouterContext } from '../turn.js';
import { answerAbout } from '../answers.js';
import { cardFor, offerIntro, offerProcedures, ASKED, OFFERED } from '../../flow/offer.js';
import type { QuestionKind } from '../understanding.js';
import { removePhrases } from '../phrases.js';
import { withoutDistrict } from '../../places/index.js';

const ASK_WHICH: Record<QuestionKind, { vi: string; en: string }> = {
  fee: { vi: 'lệ phí', en: 'the fee' },
  documents: { vi: 'giấy tờ cần chuẩn bị', en: 'the documents' },
  where: { vi: 'nơi nộp', en: 'where to apply' },
  duration: { vi: 'thời hạn giải quyết', en: 'the processing time' },
  online: { vi: 'cách nộp', en: 'how to apply' },
  result: { vi: 'kết quả', en: 'the result' },
  code: { vi: 'mã', en: 'the code' },
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
    const vars0 = turn.session.vars;
    const offered = Array.isArray(vars0[OFFERED]) ? (vars0[OFFERED] as string[]) : [];
    const pending = Array.isArray(vars0[ASKED]) && !offered.length ? (vars0[ASKED] as QuestionKind[]) : [];
    // The procedure part without a district office the citizen named (the district note is said apart).
    const text = withoutDistrict(turn.text);
    const q = focus(ctx, text, text === turn.text ? turn.folded : u.normalize(fold(text)));
    const kinds = q.kinds.length ? q.kinds : pending;
    if (!kinds.length) return next();
    const searcher = ctx.deps.searcher();
    const lang = turn.lang();
    const rest = u.trimLead(removePhrases(q.rest, ctx.placeWords));
    const subject = subjectOf(ctx, rest);
    const answer = (p: Procedure, others: readonly Procedure[] = [], othersIntro?: string) => {
      const vars: Record<string, unknown> = { ...turn.session.vars };
      delete vars[ASKED];
      delete vars[OFFERED];
      const replies = [answerAbout(p, kinds, lang, turn.now, ctx.profile), cardFor(p, lang, searcher, turn.now)];
      // Close siblings stay one tap away ("Cấp lại giấy chứng nhận căn cước" next to "Cấp lại thẻ căn cước").
      if (others.length) replies.push(offerProcedures(vars, others, othersIntro ?? t(lang, 'Nếu anh/chị hỏi thủ tục khác, anh/chị chọn dưới đây:', 'If you meant another procedure, choose below:'), kinds));
      turn.save({ ...turn.session, topic: p.code, vars });
      turn.emit({ type: 'search', text: turn.masked.slice(0, 300), data: { results: 1 + others.length, top: p.code, question: kinds.join(',') } });
      return replies;
    };
    const topic = turn.session.topic ? searcher.get(turn.session.topic) : undefined;
    const outcome = subject ? searcher.ask(rest, { limit: 5 }) : { hits: [], clarify: null, confidence: 0 };
    // Something the assistant does not cover, worded like a procedure ("đăng ký tuyển sinh lớp một"): no near miss offered.
    const outside = ctx.understanding.outOfScope(turn.folded) !== null;
    const hits = outside ? outcome.hits.filter((h) => h.score >= 0.8) : outcome.hits;
    const first = hits[0];
    // Sure enough: answer about the first, with its close siblings one tap away (the search's own
    // question, "có yếu tố nước ngoài không?", introduces them when it has one).
    if (first && first.score >= SURE && subject.split(' ').length >= 2) {
      return answer(first.procedure, hits.slice(1, 4).filter((h) => h.score >= first.score - 0.15).map((h) => h.procedure), outcome.clarify?.question[lang]);
    }
    // One of the procedures on screen is among the results ("làm giấy khai tử cần giấy gì" after the life event list).
    const onScreen = hits.find((h) => offered.includes(h.procedure.code));
    if (onScreen && !topic) return answer(onScreen.procedure);
    // "Thế mất bao lâu?", "còn giấy tờ?": about the procedure the conversation is on.
    if (topic) return answer(topic);
    // A list is on screen ("làm lại thẻ căn cước" → list → "bao nhiêu tiền?"): about its first, the others one tap away.
    const listed = offered.map((c) => searcher.get(c)).filter((p) => p !== undefined);
    if (listed.length && (!subject || !hits.length)) return answer(listed[0]!, listed.slice(1, 4));
    if (first && first.score >= SURE) return answer(first.procedure, hits.slice(1, 4).filter((h) => h.score >= first.score - 0.15).map((h) => h.procedure), outcome.clarify?.question[lang]);
    if (!subject) {
      const vars: Record<string, unknown> = { ...turn.session.vars, [ASKED]: kinds };
      delete vars[OFFERED];
      turn.save({ ...turn.session, vars });
      const what = kinds.map((k) => ASK_WHICH[k][lang]).join(', ');
      return [{ text: t(lang, `Anh/chị muốn hỏi ${what} của thủ tục nào? Anh/chị gõ tên thủ tục, ví dụ "đổi bằng lái xe", "cấp lại căn cước".`, `Which procedure do you mean (${what})? Type its name, e.g. "driving licence exchange", "replace ID card".`) }];
    }
    if (!hits.length) return next();
    const vars: Record<string, unknown> = { ...turn.session.vars };
    const intro = offerIntro(outcome, lang, {
      vi: `Anh/chị hỏi ${kinds.map((k) => ASK_WHICH[k].vi).join(', ')} của thủ tục nào? Anh/chị chọn thủ tục đúng với nhu cầu:`,
      en: `Which procedure do you mean? Choose the one you need:`,
    });
    const reply = offerProcedures(vars, hits.map((h) => h.procedure), intro, kinds);
    turn.save({ ...turn.session, vars, topic: null });
    turn.emit({ type: 'search', text: turn.masked.slice(0, 300), data: { results: hits.length, top: first!.procedure.code, question: kinds.join(',') } });
    return [reply];
  };
}

/** Words that name a procedure: question words, fillers, places and leftovers ("lệ" of "lệ phí") out. */
function subjectOf(ctx: RouterContext, rest: string): string {
  return ctx.understanding
    .content(rest)
    .split(' ')
    .filter((w) => w.length > 2)
    .join(' ');
}

/**
 * The question in a long message: the last clause that asks something (with the clause before it
 * when that one names the procedure), not the whole story around it.
 */
export function focus(ctx: RouterContext, text: string, folded: string): { kinds: QuestionKind[]; rest: string } {
  const u = ctx.understanding;
  const whole = u.question(folded);
  if (folded.split(' ').length <= LONG || !whole.kinds.length) return whole;
  const clauses = text
    .split(/[,.;!?\n]+/)
    .map((c) => u.normalize(fold(c)))
    .filter(Boolean);
  for (let i = clauses.length - 1; i >= 0; i--) {
    if (!u.question(clauses[i]!).kinds.length) continue;
    // The asking clause, with the clauses just before it while they stay short ("my wife is
    // Vietnamese and I am from Korea. We want to register our marriage. Is there a fee?").
    let text = clauses[i]!;
    for (let j = i - 1; j >= 0 && `${clauses[j]} ${text}`.split(' ').length <= FOCUS_WORDS; j--) text = `${clauses[j]} ${text}`;
    if (text === clauses[i] && i > 0) text = `${clauses[i - 1]} ${text}`;
    return u.question(text);
  }
  return whole;
}

/** Words beyond which a message is read clause by clause. */
const LONG = 20;
/** How many words of context a long message's question keeps. */
const FOCUS_WORDS = 25;
