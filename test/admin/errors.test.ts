import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PW, client, login, STAFF_PW, startAdminServer, type AdminServer } from './harness.js';

let s: AdminServer;
let admin: ReturnType<typeof client>;
let staff: ReturnType<typeof client>;

beforeAll(async () => {
  s = await startAdminServer();
  admin = client(s.app, await login(s.app, 'an', ADMIN_PW));
  staff = client(s.app, await login(s.app, 'binh', STAFF_PW, '10.0.0.2'));
});
afterAll(() => s.close());

const isHtml = (res: { headers: Record<string, unknown> }) => String(res.headers['content-type']).startsWith('text/html');

describe('admin error pages', () => {
  it('answers an unknown admin address with a Vietnamese HTML page, inside the layout when signed in', async () => {
    const signedIn = await admin.get('/admin/khong-co-trang-nay');
    expect(signedIn.statusCode).toBe(404);
    expect(isHtml(signedIn)).toBe(true);
    expect(signedIn.body).toContain('Không tìm thấy trang');
    expect(signedIn.body).toContain('<nav');
    expect(signedIn.headers['content-security-policy']).toContain("frame-ancestors 'none'");

    const anonymous = await s.app.inject({ method: 'GET', url: '/admin/flows/a/b/c' });
    expect(anonymous.statusCode).toBe(404);
    expect(isHtml(anonymous)).toBe(true);
    expect(anonymous.body).toContain('Không tìm thấy trang');
    expect(anonymous.body).not.toContain('<nav');
  });

  it('keeps JSON not-found answers outside the admin', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/khong-co' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toContain('Không tìm thấy');
  });

  it('answers a form that fails its schema with a 400 HTML page and changes nothing', async () => {
    const before = (await s.stores.catalogue.getAliases()).aliases.length;
    // One-value fields sent twice do not fit the form's schema.
    const res = await staff.post('/admin/aliases/add', { table: 'aliases', from: ['abc', 'def'], to: 'xyz' });
    expect(res.statusCode).toBe(400);
    expect(isHtml(res)).toBe(true);
    expect(res.body).toContain('Dữ liệu gửi lên không hợp lệ');
    expect(res.body).not.toContain('"statusCode"');
    expect((await s.stores.catalogue.getAliases()).aliases.length).toBe(before);
  });

  it('still refuses a forged form with 403 before looking at its fields', async () => {
    const res = await staff.post('/admin/aliases/add', { from: ['abc', 'def'] }, { csrf: null });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('CSRF');
  });

  it('shows an oversized form as an HTML page', async () => {
    const res = await admin.post('/admin/catalogue/import', { content: 'x'.repeat(17 * 1024 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(isHtml(res)).toBe(true);
    expect(res.body).toContain('Nội dung gửi lên quá lớn');
  });

  it('shows a server error as an HTML page in the layout, without the error text', async () => {
    const count = s.stores.catalogue.count;
    s.stores.catalogue.count = async () => {
      throw new Error('secret internal detail');
    };
    try {
      const res = await staff.get('/admin');
      expect(res.statusCode).toBe(500);
      expect(isHtml(res)).toBe(true);
      expect(res.body).toContain('Lỗi máy chủ');
      expect(res.body).toContain('<nav');
      expect(res.body).not.toContain('secret internal detail');
    } finally {
      s.stores.catalogue.count = count;
    }
  });

  it('keeps JSON errors on the routes the page scripts call', async () => {
    const auth = await login(s.app, 'an', ADMIN_PW, '10.0.0.7');
    const res = await s.app.inject({ method: 'POST', url: '/admin/flows/main-menu/edit', headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, payload: { yaml: 42 } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'Yêu cầu không hợp lệ.', details: [expect.stringMatching(/^yaml: /)] });
  });
});

describe('admin access by plugin', () => {
  it('refuses staff on every admin-only route, whatever the method', async () => {
    for (const url of ['/admin/users', '/admin/audit', '/admin/stats', '/admin/zalo-oa']) {
      expect((await staff.get(url)).statusCode, url).toBe(403);
      expect((await s.app.inject({ method: 'HEAD', url, headers: { cookie: (await login(s.app, 'binh', STAFF_PW, '10.0.0.8')).cookie } })).statusCode, `HEAD ${url}`).toBe(403);
    }
    for (const url of ['/admin/users/toggle', '/admin/users/password', '/admin/zalo-oa/test']) expect((await staff.post(url, { name: 'an' })).statusCode, url).toBe(403);
    expect((await s.stores.users.get('an'))?.disabled).toBe(false);
  });

  it('lets staff reach their own account page, which is not admin-only', async () => {
    expect((await staff.get('/admin/account')).statusCode).toBe(200);
  });
});

describe('web chat request schema', () => {
  it('answers a body that does not fit with 400 {error, details} naming each field', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/api/chat', payload: { text: 5, restart: 'yes' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'Yêu cầu không hợp lệ.',
      details: ['text: Invalid input: expected string, received number', 'restart: Invalid input: expected boolean, received string'],
    });
    const long = await s.app.inject({ method: 'POST', url: '/api/chat', payload: { text: 'x'.repeat(4001) } });
    expect(long.statusCode).toBe(400);
    expect(long.json().details).toEqual(['text: tin nhắn quá dài (tối đa 4.000 ký tự)']);
  });
});
