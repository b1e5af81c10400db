import { runEngine } from '../flow-runner.js';
import { t, type Middleware, type RouterContext } from '../turn.js';

/**
 * The flow the citizen is in answers first. A menu step lets go of text it cannot use (the flow
 * ends and later steps answer it); an `ask` step that got a question instead of its answer stays
 * where it is: later steps answer the question, then the step is shown again.
 */
export function activeFlow(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    if (!turn.session.flowId) return next();
    const r = runEngine(ctx, turn, { kind: 'text', text: turn.text });
    if (!r.unhandled && !r.aside) return r.replies;
    if (!r.aside) return [...r.replies, ...(await next())];
    const flowId = turn.session.flowId;
    const answer = await next();
    // Still in the same flow (the answer did not start another): remind where they were.
    if (turn.session.flowId === flowId && turn.session.stepId && !turn.flowStarted) {
      const again = runEngine(ctx, turn, { kind: 'repeat' }, true).replies;
      if (again.length) {
        const lead = t(turn.lang(), 'Quay lại việc đang làm (gõ "hủy" nếu không cần nữa):', 'Back to where we were (type "cancel" to stop):');
        turn.after.push({ ...again[0]!, text: `${lead}\n${again[0]!.text}` }, ...again.slice(1));
      }
    }
    return answer;
  };
}
