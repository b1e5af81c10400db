import type { StepExecutor } from '../context.js';
import type { Step } from '../schema.js';

/** `goto`: continue in another flow from its first step. */
export const gotoFlow: StepExecutor<Extract<Step, { type: 'goto' }>> = {
  enter(step, _id, run) {
    run.jump(step.flow);
  },
};
