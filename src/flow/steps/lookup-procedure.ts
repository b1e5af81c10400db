import { cardFor, offerIntro, offerProcedures, pickOffered, procedureVar, takeOffer, OFFERED } from '../offer.js';
import { maskPII } from '../../core/privacy.js';
import { renderText, type StepExecutor } from '../context.js';
import type { Step } from '../schema.js';

type Lookup = Extract<Step, { type: 'lookup' }>;

/**
 * `lookup`: search the catalogue with the citizen's words, let them pick one of the top
 * results, store it as the `procedure` variable and show its card.
 */
export const lookupProcedure: StepExecutor<Lookup> = {
  enter(step, _id, run) {
    delete run.state.vars[OFFERED];
    run.replies.push({ text: renderText(run, step.text) });
  },
  answer(step, id, text, run) {
    const vi = run.state.lang === 'vi';
    const searcher = run.deps.searcher();
    const vars = run.state.vars;
    const picked = Array.isArray(vars[OFFERED]) ? pickOffered(vars, text, searcher) : undefined;
    if (picked) {
      takeOffer(vars);
      vars[step.var] = procedureVar(picked, run.now);
      run.replies.push(cardFor(picked, run.state.lang, searcher, run.now));
      run.go(step.next);
      return;
    }
    // Not one of the offered options: a new search.
    const outcome = searcher.ask(text, { limit: 5 });
    const hits = outcome.hits;
    const query = maskPII(text).slice(0, 300);
    if (!hits.length) {
      run.state.retries++;
      run.events.push({ type: 'search_miss', flowId: run.flow.id, stepId: id, text: query });
      run.replies.push({
        text: vi
          ? 'Tôi chưa tìm thấy thủ tục phù hợp. Anh/chị thử gõ ngắn gọn tên thủ tục (ví dụ "đăng ký khai sinh"), hoặc gõ "gặp cán bộ" để được hỗ trợ.'
          : 'I could not find a matching procedure. Try its short name (e.g. "birth registration"), or type "human" for help.',
      });
      return;
    }
    run.events.push({ type: 'search', flowId: run.flow.id, stepId: id, text: query, data: { results: hits.length, top: hits[0]!.procedure.code } });
    const intro = offerIntro(outcome, run.state.lang, { vi: 'Anh/chị chọn thủ tục đúng với nhu cầu:', en: 'Please choose the procedure you need:' });
    run.replies.push(offerProcedures(vars, hits.map((h) => h.procedure), intro));
  },
};
