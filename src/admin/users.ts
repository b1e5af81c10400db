import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addUser, checkCredentials, hashPassword, PASSWORD_RULE, passwordProblem } from '../accounts/index.js';
import { audit, formBody, formText, me, redirect, renderPage, type AdminPluginOptions } from './context.js';
import { csrfField, fmtTime, html, postButton, ROLE_LABEL, table } from './html.js';

const DISPLAY_NAME_MAX = 60;

const cleanName = (v: string) => v.replace(/\s+/g, ' ').trim().slice(0, DISPLAY_NAME_MAX);
const roleOf = (v: string) => (v === 'admin' ? 'admin' : 'staff');

const nameBody = formBody({ name: formText });
const addBody = formBody({ name: formText, role: formText, password: formText, displayName: formText });
const editBody = formBody({ name: formText, role: formText, displayName: formText });
const passwordBody = formBody({ name: formText, password: formText });
const auditQuery = z.object({ after: z.string().optional().catch(undefined) });

/** Accounts and the audit log (registered in the admin-only plugin). */
export const userRoutes: FastifyPluginAsyncZod<AdminPluginOptions> = async (app, { ctx }) => {
  const { stores, now } = ctx.deps;
  const params = ctx.deps.config.passwordHash;
  const activeAdmins = async () => (await stores.users.list()).filter((u) => u.role === 'admin' && !u.disabled).length;

  app.get('/users', async (req, reply) => {
    const s = me(req);
    const rows = (await stores.users.list()).map((u) => [
      u.name,
      html`<form method="post" action="/admin/users/edit" class="inline">${csrfField(s)}<input type="hidden" name="name" value="${u.name}"><label><span class="sr-only">Tên hiển thị của ${u.name}</span><input name="displayName" value="${u.displayName ?? ''}" maxlength="${DISPLAY_NAME_MAX}" placeholder="${u.name}"></label>
<label><span class="sr-only">Vai trò của ${u.name}</span><select name="role">${(['staff', 'admin'] as const).map((r) => html`<option value="${r}"${r === u.role ? html` selected` : ''}>${ROLE_LABEL[r]}</option>`)}</select></label><button>Lưu</button></form>`,
      fmtTime(u.createdAt),
      u.disabled ? 'đã khoá' : 'hoạt động',
      u.name === s.user ? '(anh/chị)' : postButton(s, '/admin/users/toggle', u.disabled ? 'Mở khoá' : 'Khoá', { name: u.name }),
      html`<form method="post" action="/admin/users/password" class="inline">${csrfField(s)}<input type="hidden" name="name" value="${u.name}"><label><span class="sr-only">Mật khẩu mới cho ${u.name}</span><input type="password" name="password" minlength="10" placeholder="mật khẩu mới" autocomplete="new-password" required></label><button>Đặt lại</button></form>`,
    ]);
    return renderPage(
      ctx,
      req,
      reply,
      'Tài khoản',
      html`${table(['Tên đăng nhập', 'Tên hiển thị và vai trò', 'Tạo lúc', 'Trạng thái', 'Khoá', 'Mật khẩu'], rows, 'users')}
<form method="post" action="/admin/users/add" class="card">${csrfField(s)}<h2>Thêm tài khoản</h2>
<label>Tên đăng nhập <input name="name" pattern="[a-z0-9][a-z0-9._-]{1,31}" required></label>
<label>Vai trò <select name="role"><option value="staff">Nhân viên (luồng, thủ tục, hộp thư)</option><option value="admin">Quản trị (thêm thống kê, tài khoản, nhật ký)</option></select></label>
<label>Tên hiển thị (công dân thấy trên tin trả lời; không bắt buộc) <input name="displayName" maxlength="${DISPLAY_NAME_MAX}"></label>
<label>Mật khẩu (${PASSWORD_RULE.toLowerCase()}) <input name="password" type="password" minlength="10" autocomplete="new-password" required></label><button class="primary">Thêm</button></form>`,
    );
  });

  app.post('/users/add', { schema: { body: addBody } }, async (req, reply) => {
    const form = req.body;
    const role = roleOf(form.role);
    try {
      const created = await addUser(stores.users, form.name.trim().toLowerCase(), role, form.password, now(), params);
      const displayName = cleanName(form.displayName);
      const u = displayName ? { ...created, displayName } : created;
      if (displayName) await stores.users.put(u);
      await audit(ctx, req, 'user.add', u.name, undefined, { role, displayName: u.displayName });
      return redirect(ctx, req, reply, '/admin/users', { kind: 'ok', text: `Đã thêm ${u.name}.` });
    } catch (err) {
      return redirect(ctx, req, reply, '/admin/users', { kind: 'error', text: (err as Error).message });
    }
  });

  app.post('/users/toggle', { schema: { body: nameBody } }, async (req, reply) => {
    const u = await stores.users.get(req.body.name);
    if (!u || u.name === me(req).user) return redirect(ctx, req, reply, '/admin/users', { kind: 'error', text: 'Không thể khoá tài khoản này.' });
    if (!u.disabled && u.role === 'admin' && (await activeAdmins()) <= 1) return redirect(ctx, req, reply, '/admin/users', { kind: 'error', text: 'Phải còn ít nhất một quản trị viên hoạt động.' });
    await stores.users.put({ ...u, disabled: !u.disabled });
    if (!u.disabled) await ctx.sessions.destroyUser(u.name);
    await audit(ctx, req, u.disabled ? 'user.enable' : 'user.disable', u.name, { disabled: u.disabled }, { disabled: !u.disabled });
    return redirect(ctx, req, reply, '/admin/users', { kind: 'ok', text: `${u.disabled ? 'Đã mở khoá' : 'Đã khoá'} ${u.name}.` });
  });

  app.post('/users/edit', { schema: { body: editBody } }, async (req, reply) => {
    const form = req.body;
    const u = await stores.users.get(form.name);
    if (!u) return redirect(ctx, req, reply, '/admin/users', { kind: 'error', text: 'Không có tài khoản này.' });
    const role = roleOf(form.role);
    const displayName = cleanName(form.displayName) || undefined;
    if (u.role === 'admin' && role !== 'admin' && !u.disabled && (await activeAdmins()) <= 1) {
      return redirect(ctx, req, reply, '/admin/users', { kind: 'error', text: 'Phải còn ít nhất một quản trị viên hoạt động.' });
    }
    await stores.users.put({ ...u, role, displayName });
    // A new role takes effect at once: the account signs in again.
    if (role !== u.role) await ctx.sessions.destroyUser(u.name);
    await audit(ctx, req, 'user.edit', u.name, { role: u.role, displayName: u.displayName }, { role, displayName });
    if (role !== u.role && u.name === me(req).user) return reply.code(303).redirect('/admin/login');
    return redirect(ctx, req, reply, '/admin/users', { kind: 'ok', text: `Đã lưu ${u.name}: ${ROLE_LABEL[role]}${displayName ? `, tên hiển thị “${displayName}”` : ''}.` });
  });

  app.post('/users/password', { schema: { body: passwordBody } }, async (req, reply) => {
    const u = await stores.users.get(req.body.name);
    const password = req.body.password;
    const problem = u ? passwordProblem(password, u.name) : 'Không có tài khoản này.';
    if (!u || problem) return redirect(ctx, req, reply, '/admin/users', { kind: 'error', text: problem ?? 'Không có tài khoản này.' });
    await stores.users.put({ ...u, passwordHash: await hashPassword(password, params) });
    if (u.name !== me(req).user) await ctx.sessions.destroyUser(u.name);
    await audit(ctx, req, 'user.password', u.name);
    return redirect(ctx, req, reply, '/admin/users', { kind: 'ok', text: `Đã đặt lại mật khẩu cho ${u.name}.` });
  });

  app.get('/audit', { schema: { querystring: auditQuery } }, async (req, reply) => {
    const short = (v: unknown) => {
      if (v === undefined || v === null) return '';
      const s = JSON.stringify(v);
      return s.length > 300 ? s.slice(0, 300) + '…' : s;
    };
    const { after } = req.query;
    let page;
    try {
      page = await stores.audit.list({ limit: 500, ...(after ? { after } : {}) });
    } catch {
      return reply.code(303).redirect('/admin/audit');
    }
    const rows = page.items.map((e) => [fmtTime(e.at), e.who, e.action, e.target, html`<code>${short(e.before)}</code>`, html`<code>${short(e.after)}</code>`]);
    const more = page.next ? html`<p><a href="/admin/audit?after=${page.next}">Các thay đổi cũ hơn →</a></p>` : '';
    return renderPage(ctx, req, reply, 'Nhật ký thay đổi', html`${table(['Thời điểm', 'Người', 'Thao tác', 'Đối tượng', 'Trước', 'Sau'], rows, 'audit')}${more}`);
  });
};

/** Each signed-in person's own account: display name and password. */
export const accountRoutes: FastifyPluginAsyncZod<AdminPluginOptions> = async (app, { ctx }) => {
  const { stores } = ctx.deps;
  const params = ctx.deps.config.passwordHash;

  app.get('/account', async (req, reply) => {
    const s = me(req);
    const u = await stores.users.get(s.user);
    return renderPage(
      ctx,
      req,
      reply,
      'Tài khoản của tôi',
      html`<p>Tên đăng nhập: <strong>${s.user}</strong> · vai trò: ${ROLE_LABEL[s.role]}</p>
<form method="post" action="/admin/account/name" class="card">${csrfField(s)}<h2>Tên hiển thị</h2>
<label for="display-name">Tên công dân thấy trên tin trả lời của anh/chị (ví dụ: Chị Lan – UBND xã)</label><input id="display-name" name="displayName" value="${u?.displayName ?? ''}" maxlength="${DISPLAY_NAME_MAX}" placeholder="${s.user}"><button>Lưu tên</button></form>
<form method="post" action="/admin/account/password" class="card">${csrfField(s)}<h2>Đổi mật khẩu</h2>
<input type="text" name="username" value="${s.user}" autocomplete="username" hidden>
<label for="current-password">Mật khẩu hiện tại</label><input id="current-password" name="current" type="password" autocomplete="current-password" required>
<label for="new-password">Mật khẩu mới</label><input id="new-password" name="password" type="password" minlength="10" autocomplete="new-password" aria-describedby="password-rule" required>
<p id="password-rule" class="muted">${PASSWORD_RULE}.</p>
<label for="confirm-password">Nhập lại mật khẩu mới</label><input id="confirm-password" name="confirm" type="password" minlength="10" autocomplete="new-password" required>
<button class="primary">Đổi mật khẩu</button></form>`,
    );
  });

  app.post('/account/name', { schema: { body: formBody({ displayName: formText }) } }, async (req, reply) => {
    const u = await stores.users.get(me(req).user);
    if (!u) return redirect(ctx, req, reply, '/admin/account', { kind: 'error', text: 'Không có tài khoản này.' });
    const displayName = cleanName(req.body.displayName) || undefined;
    await stores.users.put({ ...u, displayName });
    await audit(ctx, req, 'user.edit', u.name, { displayName: u.displayName }, { displayName });
    return redirect(ctx, req, reply, '/admin/account', { kind: 'ok', text: displayName ? `Đã lưu tên hiển thị “${displayName}”.` : 'Đã bỏ tên hiển thị; công dân sẽ thấy tên đăng nhập.' });
  });

  app.post('/account/password', { schema: { body: formBody({ current: formText, password: formText, confirm: formText }) } }, async (req, reply) => {
    const s = me(req);
    const form = req.body;
    const u = await stores.users.get(s.user);
    const attempt = { name: s.user, ip: req.ip, exists: true };
    const error = (text: string) => redirect(ctx, req, reply, '/admin/account', { kind: 'error', text });
    if (!u) return error('Không có tài khoản này.');
    // A stolen session must not become a way to guess the password: same limits as the sign-in form.
    if ((await ctx.limiter.lockedFor(attempt)) > 0) return error('Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 15 phút.');
    await ctx.limiter.fail(attempt);
    if (!(await checkCredentials(u, form.current, params))) return error('Mật khẩu hiện tại chưa đúng.');
    await ctx.limiter.succeed(attempt);
    const password = form.password;
    if (password !== form.confirm) return error('Hai lần nhập mật khẩu mới không khớp nhau.');
    const problem = passwordProblem(password, u.name);
    if (problem) return error(problem);
    await stores.users.put({ ...u, passwordHash: await hashPassword(password, params) });
    // Other browsers signed in as this person are signed out; this one stays.
    await ctx.sessions.destroyUser(u.name, s.token);
    await audit(ctx, req, 'user.password', u.name);
    return redirect(ctx, req, reply, '/admin/account', { kind: 'ok', text: 'Đã đổi mật khẩu. Các phiên đăng nhập khác đã được đăng xuất.' });
  });
};
