import { newSession } from '../../core/session.js';
import { startFlow } from '../flow-runner.js';
import { lastBot } from '../transcripts.js';
import { t, type Middleware, type RouterContext } from '../turn.js';

/** A flow left for longer than the idle time ends politely on the next message. */
export function idle(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    const s = turn.session;
    if (!s.flowId || turn.now - s.updatedAt <= ctx.deps.config.sessionIdleMs) return next();
    turn.emit({ type: 'flow_abandon', flowId: s.flowId, stepId: s.stepId ?? undefined, text: lastBot(turn.recent), data: { reason: 'idle' } });
    turn.save(newSession(turn.now, s.lang));
    // A real question is answered; "1" or "ok" meant for the old step gets the fresh start.
    if (ctx.engineDeps.understands?.(turn.text)) return next();
    return [{ text: t(turn.lang(), 'Cuộc trò chuyện trước đã kết thúc vì lâu không có phản hồi. Mình bắt đầu lại nhé.', 'The previous conversation ended after a long pause. Let us start again.') }, ...startFlow(ctx, turn, 'main-menu').replies];
  };
}
