import helmet from '@fastify/helmet';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Channel } from '../channels/channel.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';

export interface AppDeps {
  config: Config;
  log: Logger;
  channels: Channel[];
  /** True once the stores are loaded (for /readyz). */
  storesReady: () => boolean;
  /** Each backend in use and whether it answers (PostgreSQL, Redis, embedded); all up when absent. */
  backends?: () => Record<string, boolean>;
}

/** An error as fastify hands it to an error handler. */
export type HttpError = Error & { statusCode?: number; code?: string };

/** The status an error is answered with: its own 4xx/5xx, else 500. */
export function errorStatus(err: HttpError): number {
  return err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
}

/** What the client is told (Vietnamese, then English); server errors never show their message. */
export function errorMessage(err: HttpError, status: number): string {
  return status === 413
    ? 'Nội dung gửi lên quá lớn. / Request body too large.'
    : status === 400 && err.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
      ? 'JSON không hợp lệ. / Malformed JSON body.'
      : status >= 500
        ? 'Lỗi máy chủ, vui lòng thử lại sau. / Server error, please try again later.'
        : err.message;
}

/** Server errors go to the log with their stack; the client gets a message without it. */
export function logServerError(err: HttpError, req: FastifyRequest, status: number): void {
  if (status >= 500) req.log.error({ err, url: req.url.split('?')[0] }, 'request failed');
}

/** The fields a request failed its route's zod schema on (`text: Invalid input: …`), or null. */
export function validationDetails(err: unknown): string[] | null {
  if (!hasZodFastifySchemaValidationErrors(err)) return null;
  return err.validation.map((v) => `${v.instancePath.replace(/^\//, '').replaceAll('/', '.')}: ${v.message}`);
}

/**
 * The fastify app: /healthz, /readyz, each channel's routes (web chat, webhooks) and admin.
 * Routes are schema-first: their `params`, `querystring` and `body` are zod schemas
 * (fastify-type-provider-zod), so a handler gets typed, validated input. Errors are answered as
 * JSON with a clear message (a request that fails its schema: `{error, details}`); the stack
 * stays in the log. HTML areas (admin) answer their own errors as pages.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const tp = deps.config.trustProxy;
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as unknown as FastifyBaseLogger,
    // Our own events are logged; fastify's per-request lines would only repeat URLs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.bodyLimit,
    // Off unless TRUST_PROXY says which proxy to believe: otherwise anyone could pick their
    // address with X-Forwarded-For and slip past the per-address limits.
    trustProxy: typeof tp === 'number' ? (_addr: string, hop: number) => hop < tp : tp,
    return503OnClosing: true,
  });

  // Security headers on every answer. The chat page may be framed by the widget's host pages
  // (WIDGET_FRAME_ANCESTORS); the admin sets its own stricter policy ('none').
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: deps.config.widgetFrameAncestors,
      },
    },
    // frame-ancestors above decides framing; X-Frame-Options cannot name other origins.
    frameguard: false,
    strictTransportSecurity: deps.config.publicUrl?.startsWith('https://') ? { maxAge: 31_536_000 } : false,
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((err: HttpError, req, reply) => {
    const details = validationDetails(err);
    if (details) return reply.code(400).send({ error: 'Yêu cầu không hợp lệ.', details });
    const status = errorStatus(err);
    logServerError(err, req, status);
    return reply.code(status).send({ error: errorMessage(err, status), code: err.code });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `Không tìm thấy ${req.method} ${req.url.split('?')[0]} / Not found` }));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const channels = Object.fromEntries(deps.channels.map((c) => [c.name, { mode: c.mode, ready: c.ready() }]));
    const backends = deps.backends?.() ?? {};
    // A messenger channel that is not connected (a token Telegram refused, an OA not connected yet)
    // is reported, but does not take the instance out of the load balancer: the web chat and the
    // admin (where staff fix it) still work. Stores, backends and the web chat decide.
    const ready = deps.storesReady() && Object.values(backends).every(Boolean) && deps.channels.filter((c) => c.mode === 'http').every((c) => c.ready());
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not-ready',
      stores: deps.storesReady(),
      backends: Object.fromEntries(Object.entries(backends).map(([name, up]) => [name, up ? 'up' : 'down'])),
      channels,
    });
  });

  // Each channel's routes in a plugin of their own (callers add the admin the same way).
  for (const c of deps.channels) if (c.register) await app.register(async (scope) => c.register?.(scope));
  return app;
}
