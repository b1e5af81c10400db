import type { Session } from '../core/session.js';
import type { EngineDeps, EngineInput, Run, StepExecutor, StepResult } from './context.js';
import type { Flow, Step, StepType } from './schema.js';
import { askInput } from './steps/ask-input.js';
import { branchOnVars } from './steps/branch-on-vars.js';
import { chooseOption } from './steps/choose-option.js';
import { endFlow } from './steps/end-flow.js';
import { gotoFlow } from './steps/goto-flow.js';
import { handOff } from './steps/hand-off.js';
import { lookupProcedure } from './steps/lookup-procedure.js';
import { sendMessages } from './steps/send-messages.js';

/** Step types by name; flows are checked against this registry when they load. */
export const STEP_EXECUTORS: Record<StepType, StepExecutor<never>> = {
  say: sendMessages,
  choose: chooseOption,
  ask: askInput,
  branch: branchOnVars,
  lookup: lookupProcedure,
  handoff: handOff,
  end: endFlow,
  goto: gotoFlow,
};

const MAX_HOPS = 50;
const HISTORY = 20;

/**
 * The engine: a pure transition. Given a flow, the session, the citizen's input and the time,
 * returns the next session, the replies and the analytics events. No I/O, no clock.
 */
export function step(flow: Flow, state: Session, input: EngineInput, now: number, deps: EngineDeps, version = state.flowVersion ?? 1): StepResult {
  const run: Run = {
    flow,
    state: structuredClone(state),
    replies: [],
    events: [],
    now,
    deps,
    hops: 0,
    go: (id) => enter(run, id),
    finish: (completed) => {
      if (completed) run.events.push({ type: 'flow_complete', flowId: run.flow.id, stepId: run.state.stepId ?? undefined });
      Object.assign(run.state, { flowId: null, flowVersion: null, stepId: null, vars: {}, retries: 0, history: [] });
    },
    jump: (id) => {
      const target = deps.flow(id);
      if (!target) {
        run.replies.push({ text: run.state.lang === 'vi' ? 'Xin lỗi, nội dung này đang được cập nhật. Anh/chị gõ "menu" để chọn việc khác.' : 'Sorry, this is being updated. Type "menu" to choose something else.' });
        run.finish(false);
        return;
      }
      run.events.push({ type: 'flow_complete', flowId: run.flow.id, stepId: run.state.stepId ?? undefined });
      begin(run, target.flow, target.version);
    },
  };
  if (input.kind === 'start') begin(run, flow, version);
  else if (input.kind === 'back') back(run);
  else if (input.kind === 'repeat') repeat(run);
  else answer(run, input.text);
  run.state.updatedAt = now;
  return { state: run.state, replies: run.replies, events: run.events, ...(run.handoff ? { handoff: run.handoff } : {}), ...(run.unhandled ? { unhandled: true } : {}), ...(run.aside ? { aside: true } : {}) };
}

function begin(run: Run, flow: Flow, version: number) {
  run.flow = flow;
  const keep = (run.state.vars.procedure ?? null) as unknown;
  Object.assign(run.state, { flowId: flow.id, flowVersion: version, stepId: null, vars: keep ? { procedure: keep } : {}, retries: 0, history: [] });
  run.events.push({ type: 'flow_start', flowId: flow.id });
  enter(run, flow.start);
}

function enter(run: Run, id: string) {
  if (++run.hops > MAX_HOPS) {
    run.replies.push({ text: run.state.lang === 'vi' ? 'Xin lỗi, có lỗi trong kịch bản hội thoại. Anh/chị gõ "menu" để bắt đầu lại.' : 'Sorry, this conversation script has an error. Type "menu" to start again.' });
    run.finish(false);
    return;
  }
  const s = run.flow.steps[id];
  if (!s) {
    run.finish(false);
    return;
  }
  run.state.stepId = id;
  run.state.retries = 0;
  if (run.state.history.at(-1) !== id) run.state.history = [...run.state.history, id].slice(-HISTORY);
  run.events.push({ type: 'step_enter', flowId: run.flow.id, stepId: id });
  (STEP_EXECUTORS[s.type] as StepExecutor<Step>).enter(s, id, run);
}

function answer(run: Run, text: string) {
  const id = run.state.stepId;
  const s = id ? run.flow.steps[id] : undefined;
  if (!id || !s) {
    run.finish(false);
    return;
  }
  const exec = STEP_EXECUTORS[s.type] as StepExecutor<Step>;
  if (exec.answer) exec.answer(s, id, text, run);
  else enter(run, id);
}

/** Shows the step the citizen is at again, without counting a retry. */
function repeat(run: Run) {
  const id = run.state.stepId;
  if (!id || !run.flow.steps[id]) return;
  const retries = run.state.retries;
  const history = run.state.history;
  run.hops = 0;
  enter(run, id);
  run.state.retries = retries;
  run.state.history = history;
  run.events = run.events.filter((e) => e.type !== 'step_enter');
}

/** "quay lại": re-enter the previous step that waits for the citizen. */
function back(run: Run) {
  const h = run.state.history;
  const waiting = (id: string) => {
    const t = run.flow.steps[id]?.type;
    return t === 'choose' || t === 'ask' || t === 'lookup';
  };
  for (let i = h.length - 2; i >= 0; i--) {
    const id = h[i]!;
    if (waiting(id)) {
      run.state.history = h.slice(0, i);
      enter(run, id);
      return;
    }
  }
  run.replies.push({ text: run.state.lang === 'vi' ? 'Đây là bước đầu tiên rồi ạ.' : 'This is the first step.' });
  const cur = run.state.stepId;
  if (cur) {
    run.state.history = h.slice(0, -1);
    enter(run, cur);
  }
}
