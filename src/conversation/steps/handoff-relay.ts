import { t, type Middleware, type RouterContext } from '../turn.js';

/** A conversation waiting for a human: the message goes to the staff inbox; the bot does not interrupt. */
export function handoffRelay(ctx: RouterContext): Middleware {
  return async (turn, next) => {
    const open = turn.handoff;
    if (!open) {
      // The staff member closed it: the session forgets the handoff.
      if (turn.session.handoff) turn.save({ ...turn.session, handoff: null });
      return next();
    }
    await ctx.deps.handoffs.append(open.id, { from: 'citizen', text: turn.masked.slice(0, 2000), at: turn.now });
    if (turn.session.handoff !== 'waiting') return [];
    turn.save({ ...turn.session, handoff: 'active' });
    return [{ text: t(turn.lang(), 'Cán bộ đã nhận được tin nhắn của anh/chị và sẽ trả lời tại đây. Gõ "menu" nếu muốn quay lại trợ lý tự động.', 'A staff member has your message and will answer here. Type "menu" to return to the assistant.') }];
  };
}
