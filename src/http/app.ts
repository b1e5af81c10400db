import helmet from '@fastify/helmet';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
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
  /** Registers extra routes (admin) on the app. */
  plugins?: ((app: FastifyInstance) => void | Promise<void>)[];
}

/**
 * The fastify app: /healthz, /readyz, each channel's routes (web chat, webhooks) and admin.
 * Errors are answered as JSON with a clear message; the stack stays in the log.
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

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err, url: req.url.split('?')[0] }, 'request failed');
    const message =
      status === 413
        ? 'Nội dung gửi lên quá lớn. / Request body too large.'
        : status === 400 && err.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
          ? 'JSON không hợp lệ. / Malformed JSON body.'
          : status >= 500
            ? 'Lỗi máy chủ, vui lòng thử lại sau. / Server error, please try again later.'
            : err.message;
    return reply.code(status).send({ error: message, code: err.code });
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

  for (const c of deps.channels) c.register?.(app);
  for (const p of deps.plugins ?? []) await p(app);
  return app;
}
