import { sameSecret } from '../core/secret.js';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { errorMessage, errorStatus, logServerError, validationDetails, type HttpError } from '../http/app.js';
import { checkCredentials, hashPassword, needsRehash } from '../accounts/index.js';
import { adminSessions, createLoginLimiter } from './auth.js';
import { catalogueRoutes } from './catalogue.js';
import { boundedMap } from '../core/lru.js';
import { formBody, formText, me, renderPage, type AdminCtx, type AdminDeps, type AdminPluginOptions, type Flash } from './context.js';
import { flowRoutes } from './flows.js';
import { html, page, table } from './html.js';
import { inboxRoutes } from './inbox.js';
import { statsRoutes } from './stats.js';
import { accountRoutes, userRoutes } from './users.js';
import { zaloOaRoutes } from './zalo-oa.js';

export type { AdminDeps } from './context.js';

const COOKIE = 'dvc_admin';
const LOGIN_CSRF_COOKIE = 'dvc_login';
const STATIC = new URL('./static/', import.meta.url);
const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
/** Every .js/.css file in static/ is served under /admin/static/<name>. */
const ASSETS: Record<string, { type: string; body: string }> = Object.fromEntries(
  readdirSync(STATIC)
    .filter((f) => TYPES[f.split('.').pop()!])
    .map((f) => [f, { type: TYPES[f.split('.').pop()!]!, body: readFileSync(new URL(f, STATIC), 'utf8') }]),
);

const HTML = 'text/html; charset=utf-8';


/** Whether cookies get `Secure` and answers HSTS: COOKIE_SECURE, else the request's or PUBLIC_URL's scheme. */
const isSecure = (deps: AdminDeps, req: FastifyRequest) => deps.config.cookieSecure ?? (req.protocol === 'https' || (deps.config.publicUrl?.startsWith('https://') ?? false));

const ERROR_TITLES: Record<number, string> = {
  400: 'Yêu cầu không hợp lệ',
  403: 'Không có quyền',
  404: 'Không tìm thấy trang',
  413: 'Nội dung quá lớn',
  415: 'Định dạng không được hỗ trợ',
};
const INVALID_FORM = 'Dữ liệu gửi lên không hợp lệ. Anh/chị vui lòng tải lại trang rồi thử lại. / The submitted data is not valid: reload the page and try again.';

/** An error as a page: inside the admin layout for a signed-in person, a plain page otherwise. */
async function errorPage(ctx: AdminCtx, req: FastifyRequest, reply: FastifyReply, status: number, message: string): Promise<FastifyReply> {
  const title = ERROR_TITLES[status] ?? (status >= 500 ? 'Lỗi máy chủ' : 'Không thực hiện được');
  const body = html`<p>${message}</p><p><a href="/admin">Về trang tổng quan / Back to the dashboard</a></p>`;
  if (req.admin) {
    try {
      return await renderPage(ctx, req, reply, title, body, status);
    } catch {
      // The store may be what failed: the plain page below needs nothing.
    }
  }
  return reply.code(status).type(HTML).send(page(title, null, body));
}

/**
 * The admin web UI under /admin: server-rendered pages, cookie sessions, CSRF tokens on every
 * state-changing request, role checks, login lock-out and security headers. Three encapsulated
 * plugins decide access: public (assets, sign-in), signed-in (staff) and, inside it, admin-only.
 */
export const adminPlugin: FastifyPluginAsync<AdminDeps> = async (app, deps) => {
  const ctx: AdminCtx = { deps, sessions: adminSessions(deps.stores.logins, deps.now), limiter: createLoginLimiter(deps.now, {}, deps.coord, deps.log), flashes: boundedMap<string, Flash>({ max: 1000 }) };
  await app.register(adminArea, { prefix: '/admin', ctx });
};

/** Everything under /admin: parsers, security headers, HTML error and not-found pages. */
const adminArea: FastifyPluginAsync<AdminPluginOptions> = async (app, { ctx }) => {
  const { deps } = ctx;
  await app.register(cookie);
  // Big enough for a whole catalogue export pasted back in; only signed-in staff get this far (auth runs before parsing).
  await app.register(formbody, { bodyLimit: 16 * 1024 * 1024 });
  app.decorateRequest('admin', null);

  app.addHook('onRequest', async (req, reply) => {
    reply.headers({
      'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
      ...(isSecure(deps, req) ? { 'strict-transport-security': 'max-age=31536000' } : {}),
    });
  });

  // Pages get pages: a form that fails its schema, a body too large or a server error is shown in
  // the admin layout, never as fastify's JSON. Routes the page's scripts call (config.api) keep JSON.
  app.setErrorHandler(async (err: HttpError, req, reply) => {
    if (req.routeOptions.config.api) throw err;
    const invalid = validationDetails(err);
    const status = invalid ? 400 : errorStatus(err);
    logServerError(err, req, status);
    return errorPage(ctx, req, reply, status, invalid ? INVALID_FORM : errorMessage(err, status));
  });
  app.setNotFoundHandler(async (req, reply) => {
    req.admin = (await ctx.sessions.get(req.cookies[COOKIE]).catch(() => undefined)) ?? null;
    return errorPage(ctx, req, reply, 404, 'Không có trang này. Anh/chị kiểm tra lại đường dẫn. / There is no such page.');
  });

  await app.register(publicRoutes, { ctx });
  await app.register(signedIn, { ctx });
};

const safeNext = (n: string) => (/^\/admin(\/[^/\\]|$|\?)/.test(n) && !n.startsWith('//') ? n : '/admin');

/** Open to anyone: static assets and the sign-in form. */
const publicRoutes: FastifyPluginAsyncZod<AdminPluginOptions> = async (app, { ctx }) => {
  const { deps } = ctx;

  app.get('/static/:name', { schema: { params: z.object({ name: z.string() }) } }, async (req, reply) => {
    const a = ASSETS[req.params.name];
    if (!a) return reply.code(404).send({ error: 'Not found' });
    return reply.type(a.type).header('cache-control', 'public, max-age=300').send(a.body);
  });

  const loginPage = (reply: FastifyReply, req: FastifyRequest, next: string, error: string | null, status = 200) => {
    const token = randomBytes(18).toString('base64url');
    reply.setCookie(LOGIN_CSRF_COOKIE, token, { path: '/admin/login', httpOnly: true, sameSite: 'strict', secure: isSecure(deps, req) });
    return reply
      .code(status)
      .type(HTML)
      .send(
        page(
          'Đăng nhập quản trị',
          null,
          html`<form method="post" action="/admin/login" class="card login"><input type="hidden" name="_csrf" value="${token}"><input type="hidden" name="next" value="${next}">
<label for="login-username">Tên đăng nhập / Username</label><input id="login-username" name="username" autocomplete="username" required autofocus>
<label for="login-password">Mật khẩu / Password</label><input id="login-password" name="password" type="password" autocomplete="current-password" required>
<button>Đăng nhập</button></form>`,
          error ? { kind: 'error', text: error } : null,
        ),
      );
  };

  const loginQuery = z.object({ next: z.string().catch('/admin') });
  app.get('/login', { schema: { querystring: loginQuery } }, async (req, reply) => {
    if (await ctx.sessions.get(req.cookies[COOKIE])) return reply.redirect('/admin');
    const none = (await deps.stores.users.list()).length === 0;
    return loginPage(reply, req, safeNext(req.query.next), none ? 'Chưa có tài khoản nào. Tạo tài khoản quản trị đầu tiên bằng: npm run cli -- users add <tên> --role admin (hoặc đặt ADMIN_USERNAME/ADMIN_PASSWORD).' : null);
  });

  const loginBody = formBody({ _csrf: formText, next: formText, username: formText, password: formText });
  app.post('/login', { schema: { body: loginBody } }, async (req, reply) => {
    const form = req.body;
    const next = safeNext(form.next);
    if (!sameSecret(form._csrf, req.cookies[LOGIN_CSRF_COOKIE] ?? '')) return loginPage(reply, req, next, 'Phiên đăng nhập đã hết hạn, vui lòng thử lại. / The form expired, please try again.', 403);
    const name = form.username.trim().toLowerCase().slice(0, 64);
    const found = await deps.stores.users.get(name);
    const attempt = { name, ip: req.ip, exists: !!found };
    const wait = await ctx.limiter.lockedFor(attempt);
    if (wait > 0) {
      deps.log.warn({ component: 'admin', ip: req.ip }, 'login locked out');
      return loginPage(reply, req, next, `Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ${Math.ceil(wait / 60_000)} phút. / Too many failed sign-ins; try again later.`, 429);
    }
    // Counted as a failure before the (slow) hash, so parallel guesses cannot all slip in
    // before the lock; a success takes it back.
    await ctx.limiter.fail(attempt);
    const params = deps.config.passwordHash;
    const ok = await checkCredentials(found, form.password, params);
    // Read again after the hash: a password changed or an account disabled meanwhile wins.
    const user = await deps.stores.users.get(name);
    if (!ok || !user || user.disabled || user.passwordHash !== found?.passwordHash) {
      deps.log.warn({ component: 'admin', ip: req.ip }, 'login failed');
      return loginPage(reply, req, next, 'Sai tên đăng nhập hoặc mật khẩu. / Wrong username or password.', 401);
    }
    await ctx.limiter.succeed(attempt);
    // Hashes made at an older, cheaper cost are upgraded now that the password is at hand.
    if (needsRehash(user.passwordHash, params)) await deps.stores.users.put({ ...user, passwordHash: await hashPassword(form.password, params) });
    const s = await ctx.sessions.create(user);
    reply.clearCookie(LOGIN_CSRF_COOKIE, { path: '/admin/login' });
    reply.setCookie(COOKIE, s.token, { path: '/admin', httpOnly: true, sameSite: 'strict', secure: isSecure(deps, req), maxAge: 8 * 3600 });
    await deps.stores.audit.add({ at: deps.now(), who: user.name, action: 'login', target: user.name });
    deps.log.info({ component: 'admin', who: user.name }, 'signed in');
    return reply.code(303).redirect(next);
  });
};

/** A state-changing request's CSRF token: the form field, else the header the page's scripts send. */
const csrfInBody = z.object({ _csrf: z.string() });

/**
 * Staff and admins: a session is required (pages redirect to the sign-in form, other requests get
 * 401), a disabled account loses access at once, a route's `config.role` is enforced here, and
 * every state-changing request carries the session's CSRF token.
 */
const signedIn: FastifyPluginAsyncZod<AdminPluginOptions> = async (app, { ctx }) => {
  const { deps } = ctx;

  app.addHook('onRequest', async (req, reply) => {
    req.admin = (await ctx.sessions.get(req.cookies[COOKIE])) ?? null;
    if (!req.admin) {
      if (req.method === 'GET') return reply.redirect(`/admin/login?next=${encodeURIComponent(req.url)}`);
      return reply.code(401).send({ error: 'Cần đăng nhập. / Sign in first.' });
    }
    // A disabled or deleted account loses access at once.
    const user = await deps.stores.users.get(req.admin.user);
    if (!user || user.disabled) {
      await ctx.sessions.destroyUser(req.admin.user);
      return reply.redirect('/admin/login');
    }
    if (req.routeOptions.config.role === 'admin' && req.admin.role !== 'admin') {
      return reply.code(403).type(HTML).send(page('Không có quyền', null, html`<p>Trang này chỉ dành cho quản trị viên. / Admins only.</p><p><a href="/admin">Về trang tổng quan</a></p>`));
    }
  });
  // Before the body is validated, so a forged request is refused as such whatever it carries.
  app.addHook('preValidation', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || !req.admin) return;
    const token = csrfInBody.safeParse(req.body).data?._csrf ?? String(req.headers['x-csrf-token'] ?? '');
    if (!sameSecret(token, req.admin.csrf)) {
      deps.log.warn({ component: 'admin', who: req.admin.user, url: req.url.split('?')[0] }, 'CSRF token missing or wrong');
      return reply.code(403).type(HTML).send(page('Yêu cầu bị từ chối', null, html`<p>Mã bảo vệ biểu mẫu (CSRF) thiếu hoặc đã hết hạn. Vui lòng tải lại trang và thử lại. / Missing or stale CSRF token: reload the page and try again.</p>`));
    }
  });

  app.post('/logout', async (req, reply) => {
    await ctx.sessions.destroy(req.cookies[COOKIE]);
    reply.clearCookie(COOKIE, { path: '/admin' });
    return reply.code(303).redirect('/admin/login');
  });

  app.get('/', { prefixTrailingSlash: 'no-slash' }, async (req, reply) => {
    const { stores, assistant } = deps;
    const s = me(req);
    const [waiting, claimed, procedures, aliases, sessions] = await Promise.all([
      stores.handoffs.count('waiting'),
      stores.handoffs.count('claimed'),
      stores.catalogue.count(),
      stores.catalogue.getAliases(),
      stores.sessions.size(),
    ]);
    const counts = table(
      ['', ''],
      [
        ['Thủ tục trong danh mục', procedures],
        ['Luồng đang chạy', assistant.flows.ids().length],
        ['Từ viết tắt / thuật ngữ tiếng Anh', `${aliases.aliases.length} / ${aliases.english.length}`],
        ['Hội thoại đang lưu', sessions],
        ['Đang chờ cán bộ', html`<a href="/admin/inbox">${waiting}</a>`],
        ['Cán bộ đang xử lý', claimed],
        ['Kênh', assistant.channels.map((c) => `${c.name} (${c.mode}${c.ready() ? '' : ', chưa kết nối'})`).join(', ')],
      ],
      'kv',
    );
    const demo = await deps.stores.settings.get('demoTrafficAt');
    return renderPage(
      ctx,
      req,
      reply,
      'Tổng quan',
      html`<p>Xin chào ${s.user}. Chọn một mục ở thanh trên để sửa luồng hội thoại, danh mục thủ tục, từ viết tắt hoặc trả lời công dân đang chờ.</p>${counts}
${demo ? html`<p class="muted">Lưu ý: dữ liệu thống kê có kèm lưu lượng mẫu tạo bởi <code>npm run cli -- demo-traffic</code>.</p>` : ''}`,
    );
  });

  await app.register(flowRoutes, { ctx });
  await app.register(catalogueRoutes, { ctx });
  await app.register(inboxRoutes, { ctx });
  await app.register(accountRoutes, { ctx });
  await app.register(adminOnly, { ctx });
};

/** Admins only: every route registered in here needs the admin role (stamped on its config). */
const adminOnly: FastifyPluginAsyncZod<AdminPluginOptions> = async (app, { ctx }) => {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, role: 'admin' };
  });
  await app.register(statsRoutes, { ctx });
  await app.register(userRoutes, { ctx });
  await app.register(zaloOaRoutes, { ctx });
};
