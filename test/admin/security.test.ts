import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';

// Counts scrypt runs so "equal work for unknown users" is checked without timing.
const scryptRuns = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const scrypt = ((...args: Parameters<typeof real.scrypt>) => {
    scryptRuns.count++;
    return (real.scrypt as (...a: unknown[]) => void)(...args);
  }) as typeof real.scrypt;
  return { ...real, default: { ...real, scrypt }, scrypt };
});

import { addUser, hashPassword, passwordProblem } from '../../src/accounts/index.js';
import { loadConfig, testConfig } from '../../src/config.js';
import { ADMIN_PW, client, csrfIn, login, STAFF_PW, startAdminServer, type AdminServer } from './harness.js';

const cookieOf = (set: string | string[] | undefined, name: string) => (Array.isArray(set) ? set : set ? [set] : []).find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? '';

/** A login form to post many attempts with (its CSRF token is tied to its cookie, not used up). */
async function loginForm(app: FastifyInstance) {
  const form = await app.inject({ method: 'GET', url: '/admin/login' });
  const cookie = cookieOf(form.headers['set-cookie'], 'dvc_login');
  const csrf = csrfIn(form.body);
  return (username: string, password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/admin/login',
      remoteAddress,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams({ _csrf: csrf, username, password, next: '/admin' }).toString(),
    });
}

const servers: AdminServer[] = [];
async function server(overrides: Record<string, string> = {}) {
  const s = await startAdminServer(overrides);
  servers.push(s);
  return s;
}
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

describe('client address (TRUST_PROXY)', () => {
  it('ignores X-Forwarded-For by default, so an address locked out cannot pose as another', async () => {
    const s = await server();
    const post = await loginForm(s.app);
    // 20 failures from one address, each claiming a different forwarded address and username.
    for (let i = 0; i < 20; i++) expect((await post(`nobody${i}`, 'wrong-password', '10.9.0.1', { 'x-forwarded-for': `203.0.113.${i}` })).statusCode).toBe(401);
    const next = await post('an', ADMIN_PW, '10.9.0.1', { 'x-forwarded-for': '198.51.100.7' });
    expect(next.statusCode).toBe(429);
    expect(next.body).toContain('Đăng nhập sai quá nhiều lần');
    // Another address is not affected.
    expect((await post('an', ADMIN_PW, '10.9.0.2')).statusCode).toBe(303);
  });

  it('believes X-Forwarded-For only from the proxy named in TRUST_PROXY', async () => {
    const s = await server({ TRUST_PROXY: '10.9.0.1' });
    const post = await loginForm(s.app);
    for (let i = 0; i < 20; i++) await post(`nobody${i}`, 'wrong-password', '10.9.0.1', { 'x-forwarded-for': '203.0.113.5' });
    // The proxy passes on the citizen's real address: that address is locked, the proxy's other clients are not.
    expect((await post('an', ADMIN_PW, '10.9.0.1', { 'x-forwarded-for': '203.0.113.5' })).statusCode).toBe(429);
    expect((await post('an', ADMIN_PW, '10.9.0.1', { 'x-forwarded-for': '203.0.113.6' })).statusCode).toBe(303);
  });

  it('reads TRUST_PROXY as off, true, a hop count or addresses, and refuses anything else', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(() => loadConfig({ TRUST_PROXY: 'nginx please' })).toThrow(/TRUST_PROXY/);
  });
});

describe('login lock-out', () => {
  it('keeps a locked account locked through 6,000 failures from other addresses and usernames', async () => {
    const s = await server({ SCRYPT_LOG_N: '10' });
    const post = await loginForm(s.app);
    for (let i = 0; i < 5; i++) expect((await post('binh', 'wrong-password', `10.1.0.${i}`)).statusCode).toBe(401);
    expect((await post('binh', STAFF_PW, '10.1.0.99')).statusCode).toBe(429);
    // Junk: every attempt a new address and a new username.
    for (let i = 0; i < 6000; i++) await post(`junk${i}`, 'wrong-password', `10.${2 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
    const after = await post('binh', STAFF_PW, '10.200.0.1');
    expect(after.statusCode).toBe(429);
    expect(cookieOf(after.headers['set-cookie'], 'dvc_admin')).toBe('');
  }, 120_000);

  it('lets at most 5 of 30 simultaneous guesses at one account be tried', async () => {
    const s = await server();
    const post = await loginForm(s.app);
    const codes = await Promise.all(Array.from({ length: 30 }, (_, i) => post('binh', `guess-number-${i}`, `10.2.${i}.1`).then((r) => r.statusCode)));
    expect(codes.filter((c) => c === 401).length).toBe(5);
    expect(codes.filter((c) => c === 429).length).toBe(25);
  });

  it('does not count a successful sign-in against the address', async () => {
    const s = await server();
    const post = await loginForm(s.app);
    for (let i = 0; i < 19; i++) await post(`nobody${i}`, 'wrong-password', '10.2.100.1');
    for (let i = 0; i < 3; i++) expect((await post('an', ADMIN_PW, '10.2.100.1')).statusCode).toBe(303);
    expect((await post('nobody', 'wrong-password', '10.2.100.1')).statusCode).toBe(401);
    expect((await post('an', ADMIN_PW, '10.2.100.1')).statusCode).toBe(429);
  });

  it('answers an unknown username exactly like a wrong password, locking it too', async () => {
    const s = await server();
    const post = await loginForm(s.app);
    const wrong = await post('binh', 'wrong-password', '10.3.0.1');
    const unknown = await post('khong-co-ai', 'wrong-password', '10.3.0.2');
    expect(unknown.statusCode).toBe(wrong.statusCode);
    for (let i = 0; i < 4; i++) await post('khong-co-ai', 'wrong-password', `10.3.1.${i}`);
    expect((await post('khong-co-ai', 'wrong-password', '10.3.2.1')).statusCode).toBe(429);
  });
});

describe('password hashing', () => {
  it('runs scrypt as often for an unknown or disabled account as for a wrong password', async () => {
    const s = await server();
    const post = await loginForm(s.app);
    await post('warm-up-unknown', 'wrong-password', '10.4.0.1'); // the stand-in hash is made once
    const runs = async (name: string) => {
      const before = scryptRuns.count;
      expect((await post(name, 'wrong-password', '10.4.0.2')).statusCode).toBe(401);
      return scryptRuns.count - before;
    };
    const known = await runs('binh');
    expect(known).toBe(1);
    expect(await runs('khong-co-ai')).toBe(known);
    await s.stores.users.put({ ...(await s.stores.users.get('binh'))!, disabled: true });
    expect(await runs('binh')).toBe(known);
  });

  it("hashes at OWASP's cost by default (N=2^17, r=8, p=1) with the cost stored in the hash", async () => {
    expect(loadConfig({}).passwordHash.logN).toBe(17);
    expect(() => loadConfig({ SCRYPT_LOG_N: '12' })).toThrow(/SCRYPT_LOG_N/);
    const hash = await hashPassword('mot-cau-de-nho-42');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  });

  it('upgrades a hash made at a lower cost when its owner signs in', async () => {
    const s = await server({ SCRYPT_LOG_N: '12' });
    const old = await hashPassword('mat-khau-cu-la-day-9', { logN: 10 });
    await addUser(s.stores.users, 'chi', 'staff', 'tam-thoi-mot-lan-8', 0, { logN: 10 });
    await s.stores.users.put({ ...(await s.stores.users.get('chi'))!, passwordHash: old });
    expect((await login(s.app, 'chi', 'mat-khau-cu-la-day-9', '10.5.0.1')).cookie).not.toBe('');
    const now = (await s.stores.users.get('chi'))!.passwordHash;
    expect(now).toMatch(/^scrypt\$4096\$8\$1\$/);
    expect((await login(s.app, 'chi', 'mat-khau-cu-la-day-9', '10.5.0.2')).cookie).not.toBe('');
    // A wrong password changes nothing.
    await login(s.app, 'chi', 'wrong-password', '10.5.0.3');
    expect((await s.stores.users.get('chi'))!.passwordHash).toBe(now);
  });
});

describe('password strength', () => {
  it('refuses short, common and username-containing passwords with a Vietnamese reason', () => {
    expect(passwordProblem('ngan-qua')).toMatch(/ít nhất 10 ký tự/);
    expect(passwordProblem('Password123')).toMatch(/quá phổ biến/);
    expect(passwordProblem('matkhau@123')).toMatch(/quá phổ biến/);
    expect(passwordProblem('aaaaaaaaaaaa')).toMatch(/quá phổ biến/);
    expect(passwordProblem('nguyenvanbinh-2026', 'binh')).toMatch(/không được chứa tên đăng nhập/);
    expect(passwordProblem('ba con meo trong sân', 'binh')).toBeNull();
  });

  it('is enforced when an admin adds an account or resets a password', async () => {
    const s = await server();
    const admin = client(s.app, await login(s.app, 'an', ADMIN_PW));
    await admin.post('/admin/users/add', { name: 'dung', role: 'staff', password: '1234567890' });
    expect(await s.stores.users.get('dung')).toBeUndefined();
    expect((await admin.get('/admin/users')).body).toContain('quá phổ biến');
    const before = (await s.stores.users.get('binh'))!.passwordHash;
    await admin.post('/admin/users/password', { name: 'binh', password: 'binh-binh-binh-1' });
    expect((await s.stores.users.get('binh'))!.passwordHash).toBe(before);
    expect((await admin.get('/admin/users')).body).toContain('không được chứa tên đăng nhập');
  });
});

describe('security headers', () => {
  let s: AdminServer;
  beforeAll(async () => {
    s = await startAdminServer({ WIDGET_FRAME_ANCESTORS: "'self' https://dichvucong.thainguyen.gov.vn" });
  });
  afterAll(() => s.close());

  it('sends CSP, nosniff and a referrer policy on the chat page and the chat API', async () => {
    for (const res of [await s.app.inject({ url: '/' }), await s.app.inject({ method: 'POST', url: '/api/chat', payload: { text: 'xin chào' } }), await s.app.inject({ url: '/api/chat/poll' })]) {
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('lets only WIDGET_FRAME_ANCESTORS frame the chat page, while the admin is never framed', async () => {
    const chat = await s.app.inject({ url: '/' });
    expect(chat.headers['content-security-policy']).toContain("frame-ancestors 'self' https://dichvucong.thainguyen.gov.vn");
    expect(chat.headers['x-frame-options']).toBeUndefined();
    expect((await s.app.inject({ url: '/widget.js' })).headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(chat.headers['cross-origin-resource-policy']).toBe('same-origin');
    const admin = await s.app.inject({ url: '/admin/login' });
    expect(admin.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(admin.headers['x-frame-options']).toBe('DENY');
  });

  it("defaults frame-ancestors to 'self' and refuses a malformed source", () => {
    expect(testConfig().widgetFrameAncestors).toEqual(["'self'"]);
    expect(() => testConfig({ WIDGET_FRAME_ANCESTORS: 'javascript:alert(1)' })).toThrow(/WIDGET_FRAME_ANCESTORS/);
  });
});

describe('own account and roles', () => {
  it('lets staff change their own password only with the current one, signing out their other browsers', async () => {
    const s = await server();
    const here = client(s.app, await login(s.app, 'binh', STAFF_PW, '10.6.0.1'));
    const elsewhere = client(s.app, await login(s.app, 'binh', STAFF_PW, '10.6.0.2'));
    const page = await here.get('/admin/account');
    expect(page.statusCode).toBe(200);
    for (const label of ['Mật khẩu hiện tại', 'Mật khẩu mới', 'Nhập lại mật khẩu mới']) expect(page.body).toMatch(new RegExp(`<label for="[\\w-]+">${label}</label>`));
    const NEW = 'mua-xuan-tren-doi-che';
    await here.post('/admin/account/password', { current: 'not-my-password', password: NEW, confirm: NEW });
    expect((await here.get('/admin/account')).body).toContain('Mật khẩu hiện tại chưa đúng.');
    await here.post('/admin/account/password', { current: STAFF_PW, password: NEW, confirm: 'something-else-123' });
    expect((await here.get('/admin/account')).body).toContain('không khớp');
    await here.post('/admin/account/password', { current: STAFF_PW, password: 'qwertyuiop', confirm: 'qwertyuiop' });
    expect((await here.get('/admin/account')).body).toContain('quá phổ biến');
    expect((await login(s.app, 'binh', STAFF_PW, '10.6.0.3')).cookie).not.toBe('');

    expect((await here.post('/admin/account/password', { current: STAFF_PW, password: NEW, confirm: NEW })).statusCode).toBe(303);
    expect((await here.get('/admin/account')).body).toContain('Đã đổi mật khẩu');
    expect((await elsewhere.get('/admin')).statusCode).toBe(302);
    expect((await login(s.app, 'binh', STAFF_PW, '10.6.0.4')).cookie).toBe('');
    expect((await login(s.app, 'binh', NEW, '10.6.0.5')).cookie).not.toBe('');
    expect((await s.stores.audit.list({ limit: 20 })).items.some((e) => e.action === 'user.password' && e.who === 'binh')).toBe(true);
  });

  it('stops guessing the current password on the change form after 5 wrong tries', async () => {
    const s = await server();
    const here = client(s.app, await login(s.app, 'binh', STAFF_PW, '10.6.1.1'));
    for (let i = 0; i < 5; i++) await here.post('/admin/account/password', { current: `guess-number-${i}`, password: 'mua-xuan-tren-doi-che', confirm: 'mua-xuan-tren-doi-che' });
    await here.post('/admin/account/password', { current: STAFF_PW, password: 'mua-xuan-tren-doi-che', confirm: 'mua-xuan-tren-doi-che' });
    expect((await here.get('/admin/account')).body).toContain('quá nhiều lần');
    expect((await login(s.app, 'binh', 'mua-xuan-tren-doi-che', '10.6.1.2')).cookie).toBe('');
  });

  it('lets admins change role and display name, which take effect at once, but never demote the last admin', async () => {
    const s = await server();
    const admin = client(s.app, await login(s.app, 'an', ADMIN_PW));
    const binh = client(s.app, await login(s.app, 'binh', STAFF_PW, '10.7.0.1'));
    expect((await binh.get('/admin/users')).statusCode).toBe(403);
    expect((await binh.post('/admin/users/edit', { name: 'binh', role: 'admin', displayName: '' })).statusCode).toBe(403);
    expect((await s.stores.users.get('binh'))!.role).toBe('staff');

    expect((await admin.post('/admin/users/edit', { name: 'binh', role: 'admin', displayName: '  Anh Bình –  UBND xã ' })).statusCode).toBe(303);
    expect(await s.stores.users.get('binh')).toMatchObject({ role: 'admin', displayName: 'Anh Bình – UBND xã' });
    // The old session had the old role: it signs in again and gets the new one.
    expect((await binh.get('/admin')).statusCode).toBe(302);
    const again = client(s.app, await login(s.app, 'binh', STAFF_PW, '10.7.0.2'));
    expect((await again.get('/admin/users')).statusCode).toBe(200);
    expect((await s.stores.audit.list({ limit: 20 })).items.find((e) => e.action === 'user.edit')).toMatchObject({ who: 'an', target: 'binh', before: { role: 'staff' }, after: { role: 'admin', displayName: 'Anh Bình – UBND xã' } });

    await admin.post('/admin/users/edit', { name: 'binh', role: 'staff', displayName: '' });
    expect((await s.stores.users.get('binh'))!.displayName).toBeUndefined();
    await admin.post('/admin/users/edit', { name: 'an', role: 'staff', displayName: '' });
    expect((await s.stores.users.get('an'))!.role).toBe('admin');
    expect((await admin.get('/admin/users')).body).toContain('Phải còn ít nhất một quản trị viên');
  });

  it('lets anyone set the display name citizens see on their replies', async () => {
    const s = await server();
    const binh = client(s.app, await login(s.app, 'binh', STAFF_PW, '10.7.1.1'));
    expect((await binh.post('/admin/account/name', { displayName: 'Chị Lan – UBND xã' })).statusCode).toBe(303);
    expect((await s.stores.users.get('binh'))!.displayName).toBe('Chị Lan – UBND xã');
    expect((await binh.get('/admin/account')).body).toContain('value="Chị Lan – UBND xã"');
  });
});

describe('page frame accessibility', () => {
  it('has a skip link to main, Vietnamese role names, and announces errors as alerts', async () => {
    const s = await server();
    const binh = client(s.app, await login(s.app, 'binh', STAFF_PW, '10.8.0.1'));
    const home = (await binh.get('/admin')).body;
    expect(home).toMatch(/<body><a class="skip-link" href="#main">Bỏ qua, đến nội dung chính<\/a>/);
    expect(home).toContain('<main id="main" tabindex="-1"><h1>');
    expect(home).toContain('binh (nhân viên)</a>');
    expect(home).not.toContain('(staff)');
    expect(home).toMatch(/<a href="\/admin" class="on" aria-current="page">/);
    await binh.post('/admin/account/password', { current: 'wrong-one-here', password: 'x', confirm: 'x' });
    expect((await binh.get('/admin/account')).body).toContain('<p class="flash error" role="alert" tabindex="-1">');
    await binh.post('/admin/account/name', { displayName: 'Bình' });
    expect((await binh.get('/admin/account')).body).toContain('<p class="flash ok" role="status" tabindex="-1">');
    const account = (await binh.get('/admin/account')).body;
    expect([...account.matchAll(/<h(\d)/g)].map((m) => m[1])).toEqual(['1', '2', '2']);
    const admin = client(s.app, await login(s.app, 'an', ADMIN_PW, '10.8.0.2'));
    const users = (await admin.get('/admin/users')).body;
    expect(users).toContain('<label><span class="sr-only">Mật khẩu mới cho binh</span><input type="password"');
    expect(users).toContain('<label><span class="sr-only">Vai trò của binh</span><select name="role">');
    const loginPage = await s.app.inject({ url: '/admin/login' });
    expect(loginPage.body).toContain('<label for="login-username">');
    expect(loginPage.body).toContain('<label for="login-password">');
  });
});
