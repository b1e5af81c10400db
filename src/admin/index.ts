import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { adminSessions, checkCredentials, createLoginLimiter, hashPassword, needsRehash } from './auth.js';
import { registerCatalogueRoutes } from './catalogue.js';
import { me, send, type AdminCtx, type AdminDeps } from './context.js';
import { registerFlowRoutes } from './flows.js';
import { html, page, table } from './html.js';
import { registerInboxRoutes } from './inbox.js';
import { registerStatsRoutes } from './stats.js';
import { registerUserRoutes } from './users.js';
import { registerZaloOaRoutes } from './zalo-oa.js';

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

/** Routes only admins may use (the rest is open to staff too). */
const ADMIN_ONLY = [/^\/admin\/stats/, /^\/admin\/users/, /^\/admin\/audit/, /^\/admin\/zalo-oa/];

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * The admin web UI under /admin: server-rendered pages, cookie sessions, CSRF tokens on every
 * state-changing request, role checks, login lock-out and security headers.
 */
export function adminPlugin(deps: AdminDeps) {
  return async (app: FastifyInstance) => {
    const ctx: AdminCtx = { deps, sessions: adminSessions(deps.stores.logins, deps.now), limiter: createLoginLimiter(deps.now), flashes: new Map() };
    await app.register(async (scope) => {
      await scope.register(cookie);
      // Big enough for a whole catalogue export pasted back in; only signed-in staff get this far (auth runs before parsing).
      await scope.register(formbody, { bodyLimit: 16 * 1024 * 1024 });
      scope.decorateRequest('admin', null);

      const secure = (req: FastifyRequest) => deps.config.cookieSecure ?? (req.protocol === 'https' || (deps.config.publicUrl?.startsWith('https://') ?? false));

      scope.addHook('onRequest', async (req, reply) => {
        reply.headers({
          'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
          'x-frame-options': 'DENY',
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
          'cross-origin-resource-policy': 'same-origin',
          'cache-control': 'no-store',
          ...(secure(req) ? { 'strict-transport-security': 'max-age=31536000' } : {}),
        });
        const path = req.url.split('?')[0]!;
        if (path === '/admin/login' || path.startsWith('/admin/static/')) return;
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
        if (ADMIN_ONLY.some((re) => re.test(path)) && req.admin.role !== 'admin') {
          return reply.code(403).type('text/html; charset=utf-8').send(page('Không có quyền', null, html`<p>Trang này chỉ dành cho quản trị viên. / Admins only.</p><p><a href="/admin">Về trang tổng quan</a></p>`));
        }
      });
      // CSRF: every state-changing request carries the session's token (form field or header).
      scope.addHook('preHandler', async (req, reply) => {
        if (req.method === 'GET' || req.method === 'HEAD' || !req.admin) return;
        const body = (req.body ?? {}) as Record<string, unknown>;
        const token = typeof body._csrf === 'string' ? body._csrf : String(req.headers['x-csrf-token'] ?? '');
        if (!sameToken(token, req.admin.csrf)) {
          deps.log.warn({ component: 'admin', who: req.admin.user, url: req.url.split('?')[0] }, 'CSRF token missing or wrong');
          return reply.code(403).type('text/html; charset=utf-8').send(page('Yêu cầu bị từ chối', null, html`<p>Mã bảo vệ biểu mẫu (CSRF) thiếu hoặc đã hết hạn. Vui lòng tải lại trang và thử lại. / Missing or stale CSRF token: reload the page and try again.</p>`));
        }
      });

      scope.get('/admin/static/:name', async (req, reply) => {
        const a = ASSETS[(req.params as { name: string }).name];
        if (!a) return reply.code(404).send({ error: 'Not found' });
        return reply.type(a.type).header('cache-control', 'public, max-age=300').send(a.body);
      });

      const loginPage = (reply: FastifyReply, req: FastifyRequest, next: string, error: string | null, status = 200) => {
        const token = randomBytes(18).toString('base64url');
        reply.setCookie(LOGIN_CSRF_COOKIE, token, { path: '/admin/login', httpOnly: true, sameSite: 'strict', secure: secure(req) });
        return reply
          .code(status)
          .type('text/html; charset=utf-8')
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
      const safeNext = (n: string) => (/^\/admin(\/[^/\\]|$|\?)/.test(n) && !n.startsWith('//') ? n : '/admin');

      scope.get('/admin/login', async (req, reply) => {
        if (await ctx.sessions.get(req.cookies[COOKIE])) return reply.redirect('/admin');
        const none = (await deps.stores.users.list()).length === 0;
        return loginPage(reply, req, safeNext(String((req.query as { next?: string }).next ?? '/admin')), none ? 'Chưa có tài khoản nào. Tạo tài khoản quản trị đầu tiên bằng: npm run cli -- users add <tên> --role admin (hoặc đặt ADMIN_USERNAME/ADMIN_PASSWORD).' : null);
      });
      scope.post('/admin/login', async (req, reply) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
        const next = safeNext(str('next'));
        if (!sameToken(str('_csrf'), req.cookies[LOGIN_CSRF_COOKIE] ?? '')) return loginPage(reply, req, next, 'Phiên đăng nhập đã hết hạn, vui lòng thử lại. / The form expired, please try again.', 403);
        const name = str('username').trim().toLowerCase().slice(0, 64);
        const found = await deps.stores.users.get(name);
        const attempt = { name, ip: req.ip, exists: !!found };
        const wait = ctx.limiter.lockedFor(attempt);
        if (wait > 0) {
          deps.log.warn({ component: 'admin', ip: req.ip }, 'login locked out');
          return loginPage(reply, req, next, `Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ${Math.ceil(wait / 60_000)} phút. / Too many failed sign-ins; try again later.`, 429);
        }
        // Counted as a failure before the (slow) hash, so parallel guesses cannot all slip in
        // before the lock; a success takes it back.
        ctx.limiter.fail(attempt);
        const params = deps.config.passwordHash;
        const ok = await checkCredentials(found, str('password'), params);
        // Read again after the hash: a password changed or an account disabled meanwhile wins.
        const user = await deps.stores.users.get(name);
        if (!ok || !user || user.disabled || user.passwordHash !== found?.passwordHash) {
          deps.log.warn({ component: 'admin', ip: req.ip }, 'login failed');
          return loginPage(reply, req, next, 'Sai tên đăng nhập hoặc mật khẩu. / Wrong username or password.', 401);
        }
        ctx.limiter.succeed(attempt);
        // Hashes made at an older, cheaper cost are upgraded now that the password is at hand.
        if (needsRehash(user.passwordHash, params)) await deps.stores.users.put({ ...user, passwordHash: await hashPassword(str('password'), params) });
        const s = await ctx.sessions.create(user);
        reply.clearCookie(LOGIN_CSRF_COOKIE, { path: '/admin/login' });
        reply.setCookie(COOKIE, s.token, { path: '/admin', httpOnly: true, sameSite: 'strict', secure: secure(req), maxAge: 8 * 3600 });
        await deps.stores.audit.add({ at: deps.now(), who: user.name, action: 'login', target: user.name });
        deps.log.info({ component: 'admin', who: user.name }, 'signed in');
        return reply.code(303).redirect(next);
      });
      scope.post('/admin/logout', async (req, reply) => {
        await ctx.sessions.destroy(req.cookies[COOKIE]);
        reply.clearCookie(COOKIE, { path: '/admin' });
        return reply.code(303).redirect('/admin/login');
      });

      scope.get('/admin', async (req, reply) => {
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
        return send(
          ctx,
          req,
          reply,
          'Tổng quan',
          html`<p>Xin chào ${s.user}. Chọn một mục ở thanh trên để sửa luồng hội thoại, danh mục thủ tục, từ viết tắt hoặc trả lời công dân đang chờ.</p>${counts}
${demo ? html`<p class="muted">Lưu ý: dữ liệu thống kê có kèm lưu lượng mẫu tạo bởi <code>npm run cli -- demo-traffic</code>.</p>` : ''}`,
        );
      });

      registerFlowRoutes(scope, ctx);
      registerCatalogueRoutes(scope, ctx);
      registerInboxRoutes(scope, ctx);
      registerStatsRoutes(scope, ctx);
      registerUserRoutes(scope, ctx);
      registerZaloOaRoutes(scope, ctx);
    });
  };
}
