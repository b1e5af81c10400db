import { offerText, procedureCard } from '../../core/procedure-reply.js';
import { maskPII } from '../../core/privacy.js';
import { say, type StepExecutor } from '../context.js';
import { matchOption } from '../options.js';
import type { Step } from '../schema.js';

type Lookup = Extract<Step, { type: 'lookup' }>;
/** Session scratch: the codes offered while the citizen picks (kept small: codes only). */
const OFFERED = '_offered';

/**
 * `lookup`: search the catalogue with the citizen's words, let them pick one of the top
 * results, store it as `{code, name, url, online}` and show its card.
 */
export const lookupProcedure: StepExecutor<Lookup> = {
  enter(step, _id, run) {
    delete run.state.vars[OFFERED];
    run.replies.push({ text: say(run, step.text) });
  },
  answer(step, id, text, run) {
    const vi = run.state.lang === 'vi';
    const searcher = run.deps.searcher();
    const offered = run.state.vars[OFFERED];
    if (Array.isArray(offered)) {
      const procs = offered.map((c) => searcher.get(String(c))).filter((p) => p !== undefined);
      const i = matchOption(text, procs.map((_, k) => `p${k + 1}`), procs.map((p) => p.name));
      const p = procs[i];
      if (p) {
        delete run.state.vars[OFFERED];
        run.state.vars[step.var] = { code: p.code, name: p.name, url: p.url ?? 'https://dichvucong.gov.vn', online: p.online === 'full' ? 'full' : p.onlineSubmission ? 'yes' : 'no' };
        run.replies.push(procedureCard(p, run.state.lang, searcher.variantsOf(p.code).map((c) => searcher.get(c)).filter((v) => v !== undefined)));
        run.go(step.next);
        return;
      }
      // Not one of the offered options: treat it as a new search.
    }
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
    run.state.vars[OFFERED] = hits.map((h) => h.procedure.code);
    run.replies.push({
      text: offerText(outcome, run.state.lang, { vi: 'Anh/chị chọn thủ tục đúng với nhu cầu:', en: 'Please choose the procedure you need:' }),
      options: hits.map((h, k) => ({ id: `p${k + 1}`, label: h.procedure.name.length > 120 ? h.procedure.name.slice(0, 117) + '…' : h.procedure.name })),
    });
  },
};
