import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Assistant } from '../assistant.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { EventSink } from '../stats/event.js';
import type { StatsAggregator } from '../stats/aggregate.js';
import type { Stores } from '../store/types.js';
import type { AdminSession, AdminSessions, LoginLimiter } from './auth.js';
import { page, type Html } from './html.js';

export interface AdminDeps {
  config: Config;
  log: Logger;
  stores: Stores;
  assistant: Pick<Assistant, 'catalogue' | 'flows' | 'channels' | 'changed'>;
  now: () => number;
  events: EventSink;
  /** Aggregated event log (DATA_DIR/events); absent in tests that do not need stats. */
  stats?: StatsAggregator;
  /** Where flows/tests/*.yaml live (conversation tests run on publish). */
  flowTestsDir: string;
}

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export interface AdminCtx {
  deps: AdminDeps;
  /** Sign-ins, kept in `stores.logins` (a restart does not sign staff out). */
  sessions: AdminSessions;
  limiter: LoginLimiter;
  /** Flash messages shown once on the next page, by session token. */
  flashes: Map<string, Flash>;
}

declare module 'fastify' {
  interface FastifyRequest {
    admin: AdminSession | null;
  }
}

export function me(req: FastifyRequest): AdminSession {
  if (!req.admin) throw new Error('admin route reached without a session');
  return req.admin;
}

/** Renders a full admin page for the signed-in user (nav, waiting badge, one-shot flash). */
export async function send(ctx: AdminCtx, req: FastifyRequest, reply: FastifyReply, title: string, body: Html | string, status = 200): Promise<FastifyReply> {
  const s = me(req);
  const waiting = await ctx.deps.stores.handoffs.count('waiting');
  const flash = ctx.flashes.get(s.token) ?? null;
  ctx.flashes.delete(s.token);
  return reply.code(status).type('text/html; charset=utf-8').send(page(title, { session: s, waiting, path: req.url.split('?')[0]! }, body, flash));
}

export function redirect(ctx: AdminCtx, req: FastifyRequest, reply: FastifyReply, to: string, flash?: Flash): FastifyReply {
  if (flash && req.admin) {
    ctx.flashes.set(req.admin.token, flash);
    if (ctx.flashes.size > 1000) ctx.flashes.delete(ctx.flashes.keys().next().value as string);
  }
  return reply.code(303).redirect(to);
}

export async function audit(ctx: AdminCtx, req: FastifyRequest, action: string, target: string, before?: unknown, after?: unknown): Promise<void> {
  await ctx.deps.stores.audit.add({ at: ctx.deps.now(), who: me(req).user, action, target, before, after });
  ctx.deps.log.info({ component: 'admin', who: me(req).user, action, target }, 'admin change');
}

/** Form bodies arrive as string records (or JSON objects from the page's scripts). */
export function field(req: FastifyRequest, name: string): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const v = body[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
}
