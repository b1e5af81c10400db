import { varAt, type StepExecutor } from '../context.js';
import type { Step } from '../schema.js';

/** `branch`: the first case whose condition on the variables holds, else `else`. */
export const branchOnVars: StepExecutor<Extract<Step, { type: 'branch' }>> = {
  enter(step, _id, run) {
    const hit = step.cases.find(({ if: c }) => {
      const v = varAt(run.state.vars, c.var);
      if (c.exists !== undefined) return (v !== undefined && v !== null && v !== '') === c.exists;
      if (c.equals !== undefined) return String(v) === c.equals;
      if (c.in) return c.in.includes(String(v));
      return false;
    });
    run.go(hit ? hit.next : step.else);
  },
};
