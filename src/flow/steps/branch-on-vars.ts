import type { StepExecutor } from '../context.js';
import type { Step } from '../schema.js';

/** `branch`: the first case whose condition on the variables holds, else `else`. */
export const branchOnVars: StepExecutor<Extract<Step, { type: 'branch' }>> = {
  enter(step, _id, run) {
    const get = (path: string) => {
      const [head, field] = path.split('.') as [string, string?];
      const v = run.state.vars[head];
      return field && v && typeof v === 'object' ? (v as Record<string, unknown>)[field] : v;
    };
    const hit = step.cases.find(({ if: c }) => {
      const v = get(c.var);
      if (c.exists !== undefined) return (v !== undefined && v !== null && v !== '') === c.exists;
      if (c.equals !== undefined) return String(v) === c.equals;
      if (c.in) return c.in.includes(String(v));
      return false;
    });
    run.go(hit ? hit.next : step.else);
  },
};
