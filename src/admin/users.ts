import type { FastifyInstance } from 'fastify';
import { addUser, hashPassword, passwordProblem } from './auth.js';
import { audit, field, me, redirect, send, type AdminCtx } from './context.js';
import { csrfField, fmtTime, html, postButton, table } from './html.js';

/** Accounts (admins only) and the audit log. */
export function registerUserRoutes(app: FastifyInstance, ctx: AdminCtx): void {
  const { stores, now } = ctx.deps;
  const activeAdmins = () => stores.users.list().filter((u) => u.role === 'admin' && !u.disabled).length;

  app.get('/admin/users', async (req, reply) => {
    const s = me(req);
    const rows = stores.users.list().map((u) => [
      u.name,
      u.role === 'admin' ? 'Quản trị' : 'Cán bộ',
      fmtTime(u.createdAt),
      u.disabled ? 'đã khoá' : 'hoạt động',
      u.name === s.user ? '(anh/chị)' : postButton(s, '/admin/users/toggle', u.disabled ? 'Mở khoá' : 'Khoá', { name: u.name }),
      html`<form method="post" action="/admin/users/password" class="inline">${csrfField(s)}<input type="hidden" name="name" value="${u.name}"><input type="password" name="password" minlength="10" placeholder="mật khẩu mới" autocomplete="new-password" required><button>Đặt lại</button></form>`,
    ]);
    return send(
      ctx,
      req,
      reply,
      'Tài khoản',
      html`${table(['Tên', 'Vai trò', 'Tạo lúc', 'Trạng thái', '', 'Mật khẩu'], rows, 'users')}
<form method="post" action="/admin/users/add" class="card">${csrfField(s)}<h2>Thêm tài khoản</h2>
<label>Tên đăng nhập <input name="name" pattern="[a-z0-9][a-z0-9._-]{1,31}" required></label>
<label>Vai trò <select name="role"><option value="staff">Cán bộ (luồng, thủ tục, hộp thư)</option><option value="admin">Quản trị (thêm thống kê, tài khoản, nhật ký)</option></select></label>
<label>Mật khẩu (ít nhất 10 ký tự) <input name="password" type="password" minlength="10" autocomplete="new-password" required></label><button class="primary">Thêm</button></form>`,
    );
  });

  app.post('/admin/users/add', async (req, reply) => {
    const role = field(req, 'role') === 'admin' ? 'admin' : 'staff';
    try {
      const u = await addUser(stores.users, field(req, 'name').trim().toLowerCase(), role, field(req, 'password'), now());
      await audit(ctx, req, 'user.add', u.name, undefined, { role });
      return redirect(ctx, req, reply, '/admin/users', { kind: 'ok', text: `Đã thêm ${u.name}.` });
    } catch (err) {
      return redirect(ctx, req, reply, '/admin/users', { kind: 'error', text: (err as Error).message });
    }
  });

  app.post('/admin/users/toggle', async (req, reply) => {
    const u = stores.users.get(field(req, 'name'));
    if (!u || u.name === me(req).user) return redirect(ctx, req, reply, '/admin/users', { kind: 'error', text: 'Không thể khoá tài khoản này.' });
    if (!u.disabled && u.role === 'admin' && activeAdmins() <= 1) return redirect(ctx, req, reply, '/admin/users', { kind: 'error', text: 'Phải còn ít nhất một quản trị viên hoạt động.' });
    await stores.users.put({ ...u, disabled: !u.disabled });
    if (!u.disabled) ctx.sessions.destroyUser(u.name);
    await audit(ctx, req, u.disabled ? 'user.enable' : 'user.disable', u.name, { disabled: u.disabled }, { disabled: !u.disabled });
    return redirect(ctx, req, reply, '/admin/users', { kind: 'ok', text: `${u.disabled ? 'Đã mở khoá' : 'Đã khoá'} ${u.name}.` });
  });

  app.post('/admin/users/password', async (req, reply) => {
    const u = stores.users.get(field(req, 'name'));
    const password = field(req, 'password');
    const problem = passwordProblem(password);
    if (!u || problem) return redirect(ctx, req, reply, '/admin/users', { kind: 'error', text: problem ?? 'Không có tài khoản này.' });
    await stores.users.put({ ...u, passwordHash: await hashPassword(password) });
    if (u.name !== me(req).user) ctx.sessions.destroyUser(u.name);
    await audit(ctx, req, 'user.password', u.name);
    return redirect(ctx, req, reply, '/admin/users', { kind: 'ok', text: `Đã đặt lại mật khẩu cho ${u.name}.` });
  });

  app.get('/admin/audit', async (req, reply) => {
    const short = (v: unknown) => {
      if (v === undefined || v === null) return '';
      const s = JSON.stringify(v);
      return s.length > 300 ? s.slice(0, 300) + '…' : s;
    };
    const rows = stores.audit.list(500).map((e) => [fmtTime(e.at), e.who, e.action, e.target, html`<code>${short(e.before)}</code>`, html`<code>${short(e.after)}</code>`]);
    return send(ctx, req, reply, 'Nhật ký thay đổi', table(['Thời điểm', 'Người', 'Thao tác', 'Đối tượng', 'Trước', 'Sau'], rows, 'audit'));
  });
}
