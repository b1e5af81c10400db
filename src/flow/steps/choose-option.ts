import { renderText, type Run, type StepExecutor } from '../context.js';
import { matchOption } from '../options.js';
import type { Step } from '../schema.js';

type Choose = Extract<Step, { type: 'choose' }>;

function ask(step: Choose, run: Run, prefix?: string) {
  const text = renderText(run, step.text);
  run.replies.push({
    text: prefix ? `${prefix}\n${text}` : text,
    options: step.options.map((o, i) => ({ id: `o${i + 1}`, label: renderText(run, o.label) })),
    ...(step.link ? { link: { label: renderText(run, step.link.label), url: step.link.url } } : {}),
  });
}

/** `choose`: a question with options; anything that is not an option re-asks with the list. */
export const chooseOption: StepExecutor<Choose> = {
  enter(step, _id, run) {
    ask(step, run);
  },
  answer(step, id, text, run) {
    const labels = step.options.map((o) => renderText(run, o.label));
    const i = matchOption(text, labels.map((_, k) => `o${k + 1}`), labels);
    const chosen = step.options[i];
    if (!chosen) {
      // A new question typed instead of an option (it names a procedure): leave the menu and
      // let the router answer it. Anything else re-asks with the options.
      const understood = run.deps.understands ? run.deps.understands(text) : run.deps.searcher().search(text, { limit: 1 }).length > 0;
      if (!/^\s*\d+\s*$/.test(text) && understood) {
        run.unhandled = true;
        run.finish(false);
        return;
      }
      run.state.retries++;
      const hint = run.state.lang === 'vi' ? 'Anh/chị vui lòng chọn một trong các mục dưới đây (gõ số thứ tự hoặc bấm nút):' : 'Please choose one of the options below (type its number or tap it):';
      run.events.push({ type: 'validation_error', flowId: run.flow.id, stepId: id, text: hint });
      ask(step, run, hint);
      return;
    }
    if (chosen.set) Object.assign(run.state.vars, chosen.set);
    run.go(chosen.next);
  },
};
