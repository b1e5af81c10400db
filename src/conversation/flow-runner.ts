import type { EngineInput, StepResult } from '../flow/context.js';
import { step } from '../flow/engine.js';
import type { Reply } from '../core/message.js';
import { clip } from '../core/clip.js';
import { maskPII } from '../core/privacy.js';
import { newSession } from '../core/session.js';
import { lastBot, readable } from './transcripts.js';
import { t, type RouterContext, type Turn } from './turn.js';

/** Saves the engine's new state and forwards its events. */
function apply(turn: Turn, r: StepResult): StepResult {
  for (const e of r.events) turn.emit({ type: e.type, flowId: e.flowId, stepId: e.stepId, text: e.text, data: e.data });
  turn.save(r.state);
  return r;
}

/** Starts a flow from its first step (keeping the chosen procedure when `keepVars`). */
export function startFlow(ctx: RouterContext, turn: Turn, id: string, keepVars = false): StepResult {
  const current = ctx.deps.flows.current(id);
  if (!current) {
    const text = t(turn.lang(), 'Anh/chị gõ tên thủ tục cần tìm, ví dụ "đăng ký khai sinh".', 'Type the procedure you need, e.g. "birth registration".');
    return { state: turn.session, replies: [{ text }], events: [] };
  }
  const base = keepVars ? turn.session : { ...turn.session, vars: {} };
  turn.flowStarted = true;
  const r = apply(turn, step(current.flow, base, { kind: 'start' }, turn.now, ctx.engineDeps, current.version));
  if (r.handoff) turn.pending.push(openHandoff(ctx, turn, r.handoff.summary, r.handoff.reason));
  return r;
}

/** Runs the citizen's input through the flow they are in (pinned version). */
export function runEngine(ctx: RouterContext, turn: Turn, input: EngineInput, quiet = false): StepResult {
  const s = turn.session;
  const flow = s.flowId && s.flowVersion ? ctx.deps.flows.get(s.flowId, s.flowVersion) : undefined;
  if (!flow) {
    turn.save(newSession(turn.now, s.lang));
    return quiet ? { state: turn.session, replies: [], events: [] } : startFlow(ctx, turn, 'main-menu');
  }
  const r = apply(turn, step(flow, s, input, turn.now, ctx.engineDeps));
  if (r.handoff) turn.pending.push(openHandoff(ctx, turn, r.handoff.summary, r.handoff.reason));
  return r;
}

/** Leaves the current flow (recorded as abandoned at its step). */
export function abandon(ctx: RouterContext, turn: Turn, reason: string): void {
  const s = turn.session;
  if (s.flowId) turn.emit({ type: 'flow_abandon', flowId: s.flowId, stepId: s.stepId ?? undefined, text: lastBot(turn.recent), data: { reason } });
  turn.save(newSession(turn.now, s.lang));
}

/** The citizen asked for a person: the handoff flow (office hours, summary) or a plain handover. */
export function runHandoff(ctx: RouterContext, turn: Turn): Reply[] {
  const s = turn.session;
  const where = s.flowId ? `${whereIs(ctx, s)}. ` : '';
  const h = ctx.deps.flows.current('handoff');
  if (h) {
    const r = apply(turn, step(h.flow, s, { kind: 'start' }, turn.now, ctx.engineDeps, h.version));
    if (r.handoff) turn.pending.push(openHandoff(ctx, turn, `${where}${r.handoff.summary}`, 'citizen asked for a human'));
    return r.replies;
  }
  turn.pending.push(openHandoff(ctx, turn, where || 'Công dân yêu cầu gặp cán bộ', 'citizen asked for a human'));
  // No handoff flow ran, so no engine event records this handoff.
  turn.emit({ type: 'handoff', flowId: s.flowId ?? undefined });
  return [{ text: t(turn.lang(), 'Tôi đã chuyển cuộc trò chuyện cho cán bộ. Cán bộ sẽ trả lời anh/chị tại đây.', 'I have passed this conversation to a staff member, who will answer here.') }];
}

/** Where the citizen was, in words a clerk reads: the flow's title and the question on screen. */
function whereIs(ctx: RouterContext, s: Turn['session']): string {
  const flow = s.flowId && s.flowVersion ? ctx.deps.flows.get(s.flowId, s.flowVersion) : undefined;
  const step = flow && s.stepId ? flow.steps[s.stepId] : undefined;
  const question = step && 'text' in step && step.text ? step.text.vi : undefined;
  return `Đang làm: «${flow?.title.vi ?? s.flowId}»${question ? `, ở câu «${clip(question, 80)}»` : ''}`;
}

/** Queues the conversation for staff. The `handoff` event comes from the step that decided it (counted once). */
async function openHandoff(ctx: RouterContext, turn: Turn, summary: string, reason: string): Promise<void> {
  turn.save({ ...turn.session, handoff: 'waiting' });
  const { inbound } = turn;
  await ctx.deps.handoffs.open({
    sessionKey: turn.key,
    channel: inbound.channel,
    chatId: inbound.chatId,
    user: ctx.deps.pseudonymise ? ctx.deps.pseudonymise(inbound.userId) : inbound.userId,
    summary: maskPII(summary),
    reason,
    createdAt: turn.now,
    transcript: readable(turn.recent, [turn.line]),
  });
}
