import type { Coordinator } from '../coord/index.js';
import type { LRUCache } from 'lru-cache';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CatalogueService } from '../catalogue/service.js';
import type { Channel } from '../channels/channel.js';
import type { FlowRegistry } from '../flow/registry.js';
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
  /** What the admin uses of the running assistant (the wiring passes it in). */
  assistant: {
    catalogue: CatalogueService;
    flows: FlowRegistry;
    channels: Channel[];
    /** Reloads here and tells the other instances (a flow, the catalogue or the alias tables changed). */
    changed(what: 'flow' | 'catalogue' | 'aliases'): Promise<void>;
  };
  now: () => number;
  /** Shared with the other instances (sign-in limits); memory when absent. */
  coord?: Coordinator;
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
  flashes: LRUCache<string, Flash>;
}

/** What each admin route plugin is registered with. */
export interface AdminPluginOptions {
  ctx: AdminCtx;
}

declare module 'fastify' {
  interface FastifyRequest {
    admin: AdminSession | null;
  }
  interface FastifyContextConfig {
    /** The role a route needs; set on every route of the admin-only plugin, checked in one hook. */
    role?: AdminSession['role'];
    /** The route answers the page's scripts in JSON, so its errors are JSON too (not an HTML page). */
    api?: boolean;
  }
}

/** The parts of a request the page helpers read (any route's typed request fits). */
export type AdminRequest = Pick<FastifyRequest, 'admin' | 'url'>;

export function me(req: Pick<FastifyRequest, 'admin'>): AdminSession {
  if (!req.admin) throw new Error('admin route reached without a session');
  return req.admin;
}

/** Renders a full admin page for the signed-in user (nav, waiting badge, one-shot flash). */
export async function renderPage(ctx: AdminCtx, req: AdminRequest, reply: FastifyReply, title: string, body: Html | string, status = 200): Promise<FastifyReply> {
  const s = me(req);
  const waiting = await ctx.deps.stores.handoffs.count('waiting');
  const flash = ctx.flashes.get(s.token) ?? null;
  ctx.flashes.delete(s.token);
  return reply.code(status).type('text/html; charset=utf-8').send(page(title, { session: s, waiting, path: req.url.split('?')[0]! }, body, flash));
}

export function redirect(ctx: AdminCtx, req: Pick<FastifyRequest, 'admin'>, reply: FastifyReply, to: string, flash?: Flash): FastifyReply {
  if (flash && req.admin) {
    ctx.flashes.set(req.admin.token, flash);
  }
  return reply.code(303).redirect(to);
}

export async function audit(ctx: AdminCtx, req: Pick<FastifyRequest, 'admin'>, action: string, target: string, before?: unknown, after?: unknown): Promise<void> {
  await ctx.deps.stores.audit.add({ at: ctx.deps.now(), who: me(req).user, action, target, before, after });
  ctx.deps.log.info({ component: 'admin', who: me(req).user, action, target }, 'admin change');
}

/** A form field the page may leave out: '' when it is absent. */
export const formText = z.string().default('');

/** A field that repeats (checkboxes): one value arrives as a string, several as an array. */
export const formList = z.union([z.string().transform((v) => [v]), z.array(z.string())]).default([]);

/**
 * A form body (application/x-www-form-urlencoded, or JSON from the page's scripts): string
 * fields, an empty object when nothing was posted. Fields not named are dropped.
 */
export function formBody<S extends z.ZodRawShape>(shape: S) {
  return z.preprocess((v) => v ?? {}, z.object(shape));
}

/** `:id`-style route parameters. */
export const idParams = z.object({ id: z.string() });
