import type { Step } from './schema.js';

/** Where a step can go next: the target step id and the path of the field that names it. */
export interface StepExit {
  to: string;
  /** ['next'], ['options', i, 'next'], ['cases', i, 'next'] or ['else']. */
  path: (string | number)[];
}

/**
 * The exits of one step, in definition order: the one list of a flow's edges, used by the
 * validator (missing targets, reachability) and the admin's diagram. Tolerates a step read from
 * YAML that is still being typed (a missing list or target is skipped).
 */
export function stepExits(step: Step): StepExit[] {
  const out: StepExit[] = [];
  const add = (to: unknown, path: (string | number)[]) => {
    if (typeof to === 'string' && to.length > 0) out.push({ to, path });
  };
  switch (step.type) {
    case 'say':
    case 'ask':
    case 'lookup':
      add(step.next, ['next']);
      break;
    case 'choose':
      (step.options ?? []).forEach((o, i) => add(o?.next, ['options', i, 'next']));
      break;
    case 'branch':
      (step.cases ?? []).forEach((c, i) => add(c?.next, ['cases', i, 'next']));
      add(step.else, ['else']);
      break;
    default:
      break;
  }
  return out;
}
