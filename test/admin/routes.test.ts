import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionKey } from '../../src/core/message.js';
import { ADMIN_PW, citizen, client, csrfIn, login, STAFF_PW, startAdminServer, type AdminServer } from './harness.js';

let s: AdminServer;
let admin: ReturnType<typeof client>;
let staff: ReturnType<typeof client>;

beforeAll(async () => {
  s = await startAdminServer();
  admin = client(s.app, await login(s.app, 'an', ADMIN_PW));
  staff = client(s.app, await login(s.app, 'binh', STAFF_PW, '10.0.0.2'));
});
afterAll(() => s.close());

const PAGES = ['/admin', '/admin/flows', '/admin/flows/main-menu', '/admin/flows/new', '/admin/catalogue', '/admin/catalogue/1.001193', '/admin/aliases', '/admin/inbox', '/admin/stats', '/admin/users', '/admin/audit', '/admin/stats/export/flows.csv', '/admin/catalogue/export.csv'];
const POSTS = ['/admin/flows/main-menu/save', '/admin/flows/main-menu/rollback', '/admin/catalogue/import', '/admin/aliases/add', '/admin/users/add', '/admin/inbox/x/reply'];

describe('admin access control', () => {
  it('sends anonymous page requests to the login page and refuses anonymous posts', async () => {
    for (const url of PAGES) {
      const res = await s.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(302);
      expect(res.headers.location).toBe(`/admin/login?next=${encodeURIComponent(url)}`);
    }
    for (const url of POSTS) expect((await s.app.inject({ method: 'POST', url, payload: {} })).statusCode, url).toBe(401);
    const forged = await s.app.inject({ method: 'GET', url: '/admin', headers: { cookie: 'dvc_admin=made-up-token' } });
    expect(forged.statusCode).toBe(302);
  });

  it('lets staff edit flows, catalogue, aliases and the inbox but not stats, users or audit', async () => {
    for (const url of ['/admin', '/admin/flows', '/admin/catalogue', '/admin/aliases', '/admin/inbox']) expect((await staff.get(url)).statusCode, url).toBe(200);
    for (const url of ['/admin/stats', '/admin/stats/export/flows.csv', '/admin/users', '/admin/audit']) expect((await staff.get(url)).statusCode, url).toBe(403);
    expect((await staff.post('/admin/users/add', { name: 'mallory', role: 'admin', password: 'x'.repeat(12) })).statusCode).toBe(403);
    expect(await s.stores.users.get('mallory')).toBeUndefined();
    for (const url of PAGES) expect((await admin.get(url)).statusCode, url).toBe(200);
  });

  it('refuses a state change without the CSRF token or with a wrong one, and changes nothing', async () => {
    const before = (await s.stores.catalogue.getAliases()).aliases.length;
    expect((await admin.post('/admin/aliases/add', { table: 'aliases', from: 'xyz', to: 'abc' }, { csrf: null })).statusCode).toBe(403);
    expect((await admin.post('/admin/aliases/add', { table: 'aliases', from: 'xyz', to: 'abc' }, { csrf: 'wrong-token' })).statusCode).toBe(403);
    expect((await s.stores.catalogue.getAliases()).aliases.length).toBe(before);
    // A JSON call from the page's script carries the token in a header instead.
    const res = await s.app.inject({ method: 'POST', url: '/admin/flows/main-menu/test', headers: { cookie: (await login(s.app, 'an', ADMIN_PW, '10.0.0.9')).cookie }, payload: { yaml: 'x' } });
    expect(res.statusCode).toBe(403);
  });

  it('caps admin form bodies: an oversized post is refused with 413 and changes nothing', async () => {
    const before = (await s.stores.catalogue.all()).length;
    const res = await admin.post('/admin/catalogue/import', { content: 'x'.repeat(17 * 1024 * 1024), filename: 'big.csv' });
    expect(res.statusCode).toBe(413);
    expect((await s.stores.catalogue.all()).length).toBe(before);
  });

  it('sets security headers and a HttpOnly SameSite=Strict session cookie', async () => {
    const res = await admin.get('/admin');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const l = await s.app.inject({ method: 'GET', url: '/admin/login' });
    const cookie = await s.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { cookie: String(l.headers['set-cookie']).split(';')[0]!, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfIn(l.body), username: 'an', password: ADMIN_PW }).toString(),
      remoteAddress: '10.0.0.3',
    });
    const set = String(cookie.headers['set-cookie']);
    expect(set).toMatch(/dvc_admin=.+HttpOnly/);
    expect(set).toContain('SameSite=Strict');
  });

  it('locks an account out after 5 wrong passwords, even for the right one', async () => {
    for (let i = 0; i < 5; i++) expect((await login(s.app, 'binh', 'wrong-password', `10.1.0.${i}`)).res.statusCode).toBe(401);
    const locked = await login(s.app, 'binh', STAFF_PW, '10.1.0.99');
    expect(locked.res.statusCode).toBe(429);
    expect(locked.cookie).toBe('');
    s.clock.now += 16 * 60_000;
    expect((await login(s.app, 'binh', STAFF_PW, '10.1.0.99')).cookie).not.toBe('');
  });

  it('signs out: the old cookie no longer opens pages', async () => {
    const auth = await login(s.app, 'an', ADMIN_PW, '10.0.0.4');
    const c = client(s.app, auth);
    expect((await c.post('/admin/logout', {})).statusCode).toBe(303);
    expect((await c.get('/admin')).statusCode).toBe(302);
  });
});

const GOOD_EDIT = (yaml: string) => yaml.replace('Chúc anh/chị sớm nhận kết quả!', 'Chúc anh/chị sớm nhận kết quả! (bản mới)');

describe('flow editor', () => {
  it('shows every validation error with flow, step and line, keeps the draft, and does not publish', async () => {
    const current = (await s.stores.flows.get('track-dossier'))!;
    const yaml = current.versions.at(-1)!.yaml.replace('next: where', 'next: nowhere');
    const res = await staff.post('/admin/flows/track-dossier/save', { yaml, action: 'publish' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toMatch(/track-dossier<\/b> › bước <b>ask_code<\/b> \(<a [^>]*>dòng \d+<\/a>\)/);
    expect(res.body).toContain('nowhere');
    expect((await s.stores.flows.get('track-dossier'))!.current).toBe(current.current);
    expect((await s.stores.flows.get('track-dossier'))!.draft?.yaml).toBe(yaml);
  });

  it('refuses to publish when a conversation test fails, naming the failing turn', async () => {
    const yaml = (await s.stores.flows.get('track-dossier'))!.versions.at(-1)!.yaml.replace('validate: dossier', 'validate: text');
    const res = await staff.post('/admin/flows/track-dossier/save', { yaml, action: 'publish' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('id="test-failures"');
    expect(res.body).toMatch(/lượt \d+: công dân gõ “@@”/);
    expect((await s.stores.flows.get('track-dossier'))!.versions.length).toBe(1);
  });

  it('publishes a new immutable version, keeps citizens mid-flow on theirs, and rolls back', async () => {
    const web = citizen(s.app, 'citizen-midflow-01');
    expect((await web.say('tra cứu hồ sơ')).map((r) => r.text).join(' ')).toContain('mã hồ sơ');
    const v1 = (await s.stores.flows.get('track-dossier'))!.versions.at(-1)!.yaml;
    const res = await staff.post('/admin/flows/track-dossier/save', { yaml: GOOD_EDIT(v1), action: 'publish', note: 'thêm chữ' });
    expect(res.statusCode).toBe(303);
    const rec = (await s.stores.flows.get('track-dossier'))!;
    expect(rec.current).toBe(2);
    expect(rec.versions[0]!.yaml).toBe(v1);
    expect(rec.versions[1]).toMatchObject({ publishedBy: 'binh', note: 'thêm chữ' });
    // The citizen who started on v1 finishes v1.
    const old = (await web.say('000.00.01.H29-260310-0420')).map((r) => r.text).join(' ');
    expect(old).toContain('Chúc anh/chị sớm nhận kết quả!');
    expect(old).not.toContain('(bản mới)');
    // A new citizen gets v2.
    const fresh = citizen(s.app, 'citizen-new-0002');
    await fresh.say('tra cứu hồ sơ');
    expect((await fresh.say('000.00.01.H29-260310-0420')).map((r) => r.text).join(' ')).toContain('(bản mới)');
    // Diff between versions shows the change.
    const diff = await staff.get('/admin/flows/track-dossier/diff?from=1&to=2');
    expect(diff.body).toContain('(bản mới)');
    expect(diff.body).toContain('class="ddel"');
    // Roll back to v1: recorded as v3 with v1's text.
    expect((await staff.post('/admin/flows/track-dossier/rollback', { version: '1' })).statusCode).toBe(303);
    const after = (await s.stores.flows.get('track-dossier'))!;
    expect(after.current).toBe(3);
    expect(after.versions[2]!.yaml).toBe(v1);
    const third = citizen(s.app, 'citizen-new-0003');
    await third.say('tra cứu hồ sơ');
    expect((await third.say('000.00.01.H29-260310-0420')).map((r) => r.text).join(' ')).not.toContain('(bản mới)');
    const auditActions = (await s.stores.audit.list({ limit: 100 })).items.map((e) => e.action);
    expect(auditActions).toEqual(expect.arrayContaining(['flow.publish', 'flow.rollback']));
    const publish = (await s.stores.audit.list({ limit: 100 })).items.find((e) => e.action === 'flow.publish')!;
    expect(publish).toMatchObject({ who: 'binh', target: 'track-dossier', before: { version: 1 }, after: { version: 2 } });
  });

  it('runs the draft in the live test chat through the real engine', async () => {
    const auth = await login(s.app, 'binh', STAFF_PW, '10.0.0.5');
    const yaml = GOOD_EDIT((await s.stores.flows.get('track-dossier'))!.versions.at(-1)!.yaml);
    const call = (body: object) => s.app.inject({ method: 'POST', url: '/admin/flows/track-dossier/test', headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, payload: body });
    const start = (await call({ yaml })).json() as { state: unknown; step: string };
    expect(start.step).toBe('ask_code');
    const bad = (await call({ yaml, state: start.state, text: '@@' })).json() as { replies: { text: string }[] };
    expect(bad.replies[0]!.text).toContain('Mã hồ sơ có dạng');
    const done = (await call({ yaml, state: start.state, text: 'H29-260310-0420' })).json() as { replies: { text: string }[]; ended: boolean };
    expect(done.replies.map((r) => r.text).join(' ')).toContain('(bản mới)');
    const broken = await call({ yaml: yaml.replace('next: where', 'next: nowhere') });
    expect(broken.statusCode).toBe(422);
  });

  it('creates a flow from a template, disables it, and refuses to disable system flows', async () => {
    expect((await staff.post('/admin/flows/new', { id: 'bad id', title_vi: 'x', title_en: 'y' })).statusCode).toBe(400);
    expect((await staff.post('/admin/flows/new', { id: 'huong-dan-le-phi', title_vi: 'Hướng dẫn lệ phí', title_en: 'Fee guide' })).statusCode).toBe(303);
    const draft = (await s.stores.flows.get('huong-dan-le-phi'))!.draft!.yaml;
    const res = await staff.post('/admin/flows/huong-dan-le-phi/save', { yaml: draft, triggers_vi: 'hỏi lệ phí trước bạ\n', triggers_en: '', action: 'publish' });
    expect(res.statusCode).toBe(303);
    expect(s.assistant.flows.current('huong-dan-le-phi')?.flow.triggers.vi).toEqual(['hỏi lệ phí trước bạ']);
    expect(s.assistant.flows.match('hỏi lệ phí trước bạ')).toBe('huong-dan-le-phi');
    await staff.post('/admin/flows/huong-dan-le-phi/disable', {});
    expect(s.assistant.flows.current('huong-dan-le-phi')).toBeUndefined();
    await staff.post('/admin/flows/main-menu/disable', {});
    expect((await s.stores.flows.get('main-menu'))!.disabled).toBe(false);
  });

  it('flags a flow as stale when a catalogue edit removes a procedure it names', async () => {
    expect((await staff.get('/admin/flows')).body).not.toContain('lỗi thời: 3.000228');
    const del = await staff.post('/admin/catalogue/3.000228/delete', {});
    expect(del.statusCode).toBe(303);
    const flash = await staff.get('/admin/catalogue');
    expect(flash.body).toContain('register-vneid');
    // Fees the catalogue states implausibly ("1 VNĐ") are listed for staff to correct.
    expect(flash.body).toContain('id="fee-review"');
    expect(flash.body).toMatch(/Lệ phí cần kiểm tra \(\d+\)/);
    expect((await staff.get('/admin/flows')).body).toContain('lỗi thời: 3.000228');
    expect((await staff.get('/admin/flows/register-vneid')).body).toContain('id="stale"');
  });
});

describe('catalogue and aliases', () => {
  it('rejects a bad import with line, field and reason and leaves the catalogue untouched', async () => {
    const before = (await s.stores.catalogue.all()).length;
    const csv = 'code,name,field,level\n1.001193,Đăng ký khai sinh,Hộ tịch,xa\nABC,Ngắn,Hộ tịch,xa\n';
    const res = await staff.post('/admin/catalogue/import', { content: csv, filename: 'bad.csv', mode: 'merge' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('mã thủ tục phải có dạng');
    expect(res.body).toMatch(/<td>3<\/td><td>code<\/td>/);
    expect((await s.stores.catalogue.all()).length).toBe(before);
    const good = 'code,name,field,level\n9.999001,Thủ tục thử nghiệm cấp giấy phép nuôi chim yến,Nông nghiệp,tinh\n';
    expect((await staff.post('/admin/catalogue/import', { content: good, filename: 'good.csv', mode: 'merge' })).statusCode).toBe(303);
    expect((await s.stores.catalogue.get('9.999001'))?.name).toContain('chim yến');
    expect(s.assistant.catalogue.searcher().search('giay phep nuoi chim yen')[0]?.procedure.code).toBe('9.999001');
    expect((await s.stores.audit.list({ limit: 50 })).items.some((e) => e.action === 'catalogue.import.merge')).toBe(true);
  });

  it('edits a procedure with validation and the bot answers with the new text at once', async () => {
    const bad = await staff.post('/admin/catalogue/1.001193', { code: '1.001193', name: 'x', field: 'Hộ tịch', level: 'xa' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Tên thủ tục: tên thủ tục quá ngắn');
    const p = (await s.stores.catalogue.get('1.001193'))!;
    const res = await staff.post('/admin/catalogue/1.001193', { code: p.code, name: p.name, field: p.field, level: p.level, fee: 'Miễn lệ phí (cập nhật 2026)', online: 'full', boost: '1' });
    expect(res.statusCode).toBe(303);
    expect(await s.stores.catalogue.get('1.001193')).toMatchObject({ fee: 'Miễn lệ phí (cập nhật 2026)', online: 'full', boost: 1 });
    const entry = (await s.stores.audit.list({ limit: 50 })).items.find((e) => e.action === 'catalogue.edit')!;
    expect(entry).toMatchObject({ who: 'binh', target: '1.001193' });
    expect((entry.before as { fee: unknown }).fee).toBe(p.fee);
  });

  it('adds an alias that the running bot uses at once, and maps an unmatched question to a procedure', async () => {
    // Before the alias, the abbreviation finds nothing.
    expect(s.assistant.catalogue.searcher().search('gpncy')).toEqual([]);
    expect((await staff.post('/admin/aliases/add', { table: 'aliases', from: 'gpncy', to: 'giấy phép nuôi chim yến' })).statusCode).toBe(303);
    expect(s.assistant.catalogue.searcher().search('gpncy')[0]?.procedure.code).toBe('9.999001');
    // Mapping an unmatched question makes it a citizen phrasing of the procedure.
    expect(s.assistant.catalogue.searcher().search('cho chim về làm tổ trên tầng thượng')[0]?.procedure.code).not.toBe('9.999001');
    expect((await staff.post('/admin/aliases/map', { from: 'cho chim về làm tổ trên tầng thượng', code: '9.999001' })).statusCode).toBe(303);
    expect((await s.stores.catalogue.get('9.999001'))?.phrasings).toContain('cho chim về làm tổ trên tầng thượng');
    expect(s.assistant.catalogue.searcher().search('cho chim về làm tổ trên tầng thượng')[0]?.procedure.code).toBe('9.999001');
    // The concept lexicon: an everyday word meets the official words of every procedure that has them.
    const q = 'xin phép làm nhà dẫn dụ chim về làm tổ';
    expect(s.assistant.catalogue.searcher().search(q)[0]?.procedure.code).not.toBe('9.999001');
    const bad = await staff.post('/admin/lexicon/add', { official: '', colloquial: 'dẫn dụ chim', field: '' });
    expect(bad.statusCode).toBe(303);
    expect((await s.stores.catalogue.getAliases()).lexicon?.some((c) => c.colloquial.includes('dẫn dụ chim'))).toBe(false);
    expect((await staff.post('/admin/lexicon/add', { official: 'nuôi chim yến', colloquial: 'dẫn dụ chim, nhà dẫn dụ', field: 'Nông nghiệp' })).statusCode).toBe(303);
    expect(s.assistant.catalogue.searcher().search(q)[0]?.procedure.code).toBe('9.999001');
    expect((await staff.get('/admin/aliases')).body).toContain('nhà dẫn dụ');
    expect((await staff.post('/admin/lexicon/delete', { official: 'nuôi chim yến' })).statusCode).toBe(303);
    expect((await s.stores.catalogue.getAliases()).lexicon?.some((c) => c.official.includes('nuôi chim yến'))).toBe(false);
    expect((await staff.post('/admin/aliases/delete', { table: 'aliases', from: 'gpncy' })).statusCode).toBe(303);
    expect((await s.stores.catalogue.getAliases()).aliases.some((a) => a.from === 'gpncy')).toBe(false);
    expect((await s.stores.audit.list({ limit: 50 })).items.map((e) => e.action)).toEqual(expect.arrayContaining(['aliases.set', 'catalogue.phrasing', 'lexicon.set', 'lexicon.delete', 'aliases.delete']));
  });
});

describe('handoff inbox', () => {
  it('queues a citizen who asks for a human, lets staff claim, reply through the channel and close', async () => {
    const web = citizen(s.app, 'citizen-handoff-01');
    await web.say('đăng ký vneid');
    const handed = (await web.say('gặp cán bộ')).map((r) => r.text).join(' ');
    expect(handed).toMatch(/cán bộ/i);
    const h = (await s.stores.handoffs.list({ status: 'waiting' })).items.find((x) => x.chatId === web.id())!;
    expect(h).toBeDefined();
    // The stored record keeps a keyed hash of the citizen id, not the id itself.
    expect(h.user).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(h.user).not.toBe(web.id());
    expect((await staff.get('/admin')).body).toMatch(/id="waiting"[^>]*>\d+</);
    const page = await staff.get(`/admin/inbox/${h.id}`);
    expect(page.body).toContain(h.summary.slice(0, 20));
    expect(page.body).toContain('gặp cán bộ');
    // While waiting, the bot does not answer the citizen's messages with menus.
    const waitReplies = await web.say('cho em hỏi với, 0912345678');
    expect(waitReplies.every((r) => !r.options?.length)).toBe(true);
    expect((await staff.post(`/admin/inbox/${h.id}/claim`, {})).statusCode).toBe(303);
    expect(await s.stores.handoffs.get(h.id)).toMatchObject({ status: 'claimed', claimedBy: 'binh' });
    s.clock.now += 90_000;
    expect((await staff.post(`/admin/inbox/${h.id}/reply`, { text: 'Chào anh/chị, em là cán bộ Bình. Anh/chị cần hỗ trợ gì ạ?' })).statusCode).toBe(303);
    // Signed with the staff member's name (the login name: this account has no display name).
    expect((await web.poll()).map((r) => r.text)).toEqual(['Cán bộ binh: Chào anh/chị, em là cán bộ Bình. Anh/chị cần hỗ trợ gì ạ?']);
    const after = (await s.stores.handoffs.get(h.id))!;
    expect(after.firstReplyAt).toBe(s.clock.now);
    expect(after.transcript.map((m) => m.text).join('\n')).toContain('[số điện thoại]');
    expect(after.transcript.map((m) => m.text).join('\n')).not.toContain('0912345678');
    expect((await staff.post(`/admin/inbox/${h.id}/close`, {})).statusCode).toBe(303);
    expect((await s.stores.handoffs.get(h.id))!.status).toBe('closed');
    expect((await web.poll())[0]!.text).toContain('Trợ lý tự động tiếp tục');
    // The next message is the assistant's again (not relayed to the closed handoff), and the conversation forgets the handoff.
    const relayed = (await s.stores.handoffs.get(h.id))!.transcript.length;
    expect((await web.say('menu')).flatMap((r) => r.options ?? []).length).toBeGreaterThan(2);
    expect((await s.stores.handoffs.get(h.id))!.transcript).toHaveLength(relayed);
    expect((await s.stores.sessions.get(sessionKey('web', web.id())))!.handoff).toBeNull();
  });
});

describe('stats dashboard', () => {
  it('shows numbers that match the events, with CSV export and a date filter', async () => {
    // Fresh server so the counts are exactly what this test sends.
    const t = await startAdminServer();
    try {
      const a = client(t.app, await login(t.app, 'an', ADMIN_PW));
      const users: string[] = [];
      for (const u of ['stats-user-0001', 'stats-user-0002', 'stats-user-0003']) {
        const c = citizen(t.app, u);
        await c.say('tra cứu hồ sơ');
        await c.say('@@');
        users.push(c.id());
      }
      await citizen(t.app, 'stats-user-0004').say('thoi tiet ha noi hom nay the nao');
      await t.events.flush();
      const page = await a.get('/admin/stats');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<span id="total-messages">7</span>');
      expect(page.body).toContain('<span id="unique-citizens">4</span>');
      expect(page.body).toMatch(/data-label="track-dossier" data-value="3"/);
      expect(page.body).toContain('Mã hồ sơ có dạng');
      const csv = await a.get('/admin/stats/export/funnel.csv');
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.body).toMatch(/track-dossier,ask_code,3,/);
      const unmatched = await a.get('/admin/stats/export/unmatched.csv');
      expect(unmatched.body).toContain('thoi tiet ha noi hom nay the nao');
      // Staff see the same list on the aliases page, with links to fix it.
      const aliases = await a.get('/admin/aliases');
      expect(aliases.body).toContain(`href="/admin/aliases?from=${encodeURIComponent('thoi tiet ha noi hom nay the nao')}"`);
      const past = await a.get('/admin/stats?from=2026-01-01&to=2026-01-31');
      expect(past.body).toContain('<span id="total-messages">0</span>');
      // Citizen ids are pseudonymised in the event files.
      const { readdir, readFile } = await import('node:fs/promises');
      const files = await readdir(`${t.dir}/events`);
      const text = (await Promise.all(files.map((f) => readFile(`${t.dir}/events/${f}`, 'utf8')))).join('');
      expect(text).toContain('"message_in"');
      for (const u of users) expect(text).not.toContain(u);
    } finally {
      await t.close();
    }
  });
});

describe('audit log page', () => {
  it('shows the newest 500 changes and links to the older ones, page by page', async () => {
    for (let i = 0; i < 620; i++) await s.stores.audit.add({ at: s.clock.now + i, who: 'an', action: 'test.paging', target: `muc-${String(i).padStart(3, '0')}` });
    const first = await admin.get('/admin/audit');
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('muc-619');
    expect(first.body).toContain('muc-120');
    expect(first.body).not.toContain('muc-119');
    const more = /href="(\/admin\/audit\?after=[^"]+)"/.exec(first.body)?.[1];
    expect(more).toBeDefined();
    const second = await admin.get(more!.replace(/&amp;/g, '&'));
    expect(second.statusCode).toBe(200);
    expect(second.body).toContain('muc-119');
    expect(second.body).toContain('muc-000');
    expect(second.body).not.toContain('muc-120');
    // A cursor that was tampered with goes back to the first page instead of failing.
    expect((await admin.get('/admin/audit?after=%7Bnot-a-cursor')).statusCode).toBe(303);
  });
});
