import { renderText, type StepExecutor } from '../context.js';
import type { Step } from '../schema.js';

/** `say`: messages (and an optional link), then on to `next`. */
export const sendMessages: StepExecutor<Extract<Step, { type: 'say' }>> = {
  enter(step, _id, run) {
    step.messages.forEach((m, i) => {
      const last = i === step.messages.length - 1;
      run.replies.push({ text: renderText(run, m), ...(last && step.link ? { link: { label: renderText(run, step.link.label), url: step.link.url } } : {}) });
    });
    run.go(step.next);
  },
};
