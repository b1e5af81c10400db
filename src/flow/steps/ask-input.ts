import { maskDigits } from '../../core/privacy.js';
import { renderText, type StepExecutor } from '../context.js';
import type { Step } from '../schema.js';
import { VALIDATOR_REGISTRY } from '../validators.js';

type Ask = Extract<Step, { type: 'ask' }>;

/** `ask`: free input checked by a named validator; a specific hint and a retry count when invalid. */
export const askInput: StepExecutor<Ask> = {
  enter(step, _id, run) {
    run.replies.push({ text: renderText(run, step.text) });
  },
  answer(step, id, text, run) {
    const check = VALIDATOR_REGISTRY[step.validate]!;
    const r = check(text, { min: step.min, max: step.max, pattern: step.pattern, notFuture: step.notFuture, now: run.now });
    if (r.ok) {
      // ID and phone numbers are only ever kept masked.
      run.state.vars[step.var] = step.validate === 'cccd' || step.validate === 'phone' ? maskDigits(r.value) : r.value;
      run.go(step.next);
      return;
    }
    // A question or a new request instead of the answer ("lệ phí bao nhiêu?", the weather): the
    // router answers it and the step keeps waiting. Anything code-like is an attempt at the answer.
    if (!/\d{3,}/.test(text) && run.deps.understands?.(text)) {
      run.aside = true;
      return;
    }
    run.state.retries++;
    const hint = renderText(run, step.hint ?? r.hint);
    const specific = step.hint ? `${renderText(run, r.hint)} ${hint}` : hint;
    run.events.push({ type: 'validation_error', flowId: run.flow.id, stepId: id, text: specific });
    const vi = run.state.lang === 'vi';
    if (run.state.retries >= step.maxRetries) {
      run.replies.push({
        text: vi
          ? `${specific}\nAnh/chị đã thử ${run.state.retries} lần. Anh/chị có thể thử lại, gõ "gặp cán bộ" để được cán bộ hỗ trợ, hoặc "menu" để quay về.`
          : `${specific}\nYou have tried ${run.state.retries} times. Try again, type "human" to reach a staff member, or "menu" to go back.`,
        options: [
          { id: 'human', label: vi ? 'Gặp cán bộ' : 'Talk to a human' },
          { id: 'menu', label: 'Menu' },
        ],
      });
      return;
    }
    run.replies.push({ text: vi ? `${specific} (lần thử ${run.state.retries}/${step.maxRetries})` : `${specific} (attempt ${run.state.retries}/${step.maxRetries})` });
  },
};
