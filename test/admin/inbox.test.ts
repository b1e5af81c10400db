import { get, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffChange } from '../../src/store/types.js';
import { ADMIN_PW, citizen, client, login, STAFF_PW, startAdminServer, type AdminServer } from './harness.js';

/** The help-desk inbox (issue 14): live updates, signed replies, canned replies, notes, transfer, search, readable transcripts. */

let s: AdminServer;
let staff: ReturnType<typeof client>;
let staffAuth: { cookie: string; csrf: string };
let base: string;

beforeAll(async () => {
  s = await startAdminServer();
  staffAuth = await login(s.app, 'binh', STAFF_PW, '10.0.0.2');
  staff = client(s.app, staffAuth);
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = s.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => s.close());

/** A web-chat citizen on their own address (the web chat limits new sessions per address). */
let addresses = 0;
const person = (label: string) => citizen(s.app, label, `10.14.${Math.floor(++addresses / 200)}.${addresses % 200}`);
/** The open handoff of that citizen's conversation. */
const handoffOf = async (c: ReturnType<typeof person>) => {
  const h = await s.stores.handoffs.openFor(`web:${c.id()}`);
  if (!h) throw new Error('no open handoff for this citizen');
  return h;
};

/** Reads /admin/inbox/events over a real HTTP connection, parsing `event: handoff` messages. */
function openStream(url: string, cookie: string) {
  const changes: HandoffChange[] = [];
  const waiters: { test: (c: HandoffChange) => boolean; resolve: (c: HandoffChange) => void }[] = [];
  let res: IncomingMessage | undefined;
  let ended!: () => void;
  const end = new Promise<void>((r) => (ended = r));
  const ready = new Promise<IncomingMessage>((resolve, reject) => {
    const req = get(`${url}/admin/inbox/events`, { headers: { cookie, accept: 'text/event-stream' } }, (r) => {
      res = r;
      let buf = '';
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!/^event: handoff$/m.test(block) || !data) continue;
          const c = JSON.parse(data) as HandoffChange;
          changes.push(c);
          for (const w of [...waiters]) if (w.test(c)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(c);
        }
      });
      r.on('end', ended);
      r.on('close', ended);
      resolve(r);
    });
    req.on('error', reject);
  });
  return {
    ready,
    changes,
    end,
    /** The first change (already seen or still to come) that passes `test`; fails after 5 s. */
    next(test: (c: HandoffChange) => boolean): Promise<HandoffChange> {
      const seen = changes.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event; got ${JSON.stringify(changes)}`)), 5000);
        waiters.push({ test, resolve: (c) => (clearTimeout(timer), resolve(c)) });
      });
    },
    close: () => res?.destroy(),
  };
}

describe('live inbox (server-sent events)', () => {
  it('pushes an event to open inbox pages when a citizen hands off and when they write again', async () => {
    const stream = openStream(base, staffAuth.cookie);
    const res = await stream.ready;
    try {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      const web = person('sse-citizen-0001');
      await web.say('gặp cán bộ');
      const h = await handoffOf(web);
      expect(h).toBeDefined();
      const opened = await stream.next((c) => c.kind === 'opened' && c.id === h.id);
      expect(opened.waiting).toBe((await s.stores.handoffs.list({ status: 'waiting' })).items.length);
      await web.say('em cần hỏi về giấy khai sinh');
      await stream.next((c) => c.kind === 'message' && c.id === h.id);
      await staff.post(`/admin/inbox/${h.id}/claim`, {});
      const claimed = await stream.next((c) => c.kind === 'claimed' && c.id === h.id);
      expect(claimed.waiting).toBe(opened.waiting - 1);
      // Events carry ids and counts only: no citizen text on the wire.
      expect(JSON.stringify(stream.changes)).not.toContain('khai sinh');
    } finally {
      stream.close();
    }
  });

  it('refuses the event stream without a staff session', async () => {
    const stream = openStream(base, 'dvc_admin=made-up');
    const res = await stream.ready;
    expect(res.statusCode).toBe(302);
    stream.close();
  });

  it('ends open event streams when the server closes, so shutdown does not hang', async () => {
    const t = await startAdminServer();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const auth = await login(t.app, 'binh', STAFF_PW);
    const stream = openStream(url, auth.cookie);
    await stream.ready;
    const hung = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the server did not close within 3 s while an event stream was open')), 3000).unref());
    try {
      await Promise.race([Promise.all([t.close(), stream.end]), hung]);
    } finally {
      stream.close();
    }
  });
});

describe('replying as a named staff member', () => {
  it("prefixes a staff reply with the staff member's display name in the citizen's chat", async () => {
    const binh = (await s.stores.users.get('binh'))!;
    await s.stores.users.put({ ...binh, displayName: 'Nguyễn Văn Bình' });
    try {
      const web = person('named-reply-0001');
      await web.say('gặp cán bộ');
      const h = await handoffOf(web);
      expect((await staff.post(`/admin/inbox/${h.id}/reply`, { text: 'Chào anh/chị, anh/chị cần hỗ trợ gì ạ?' })).statusCode).toBe(303);
      expect((await web.poll()).map((r) => r.text)).toEqual(['Cán bộ Nguyễn Văn Bình: Chào anh/chị, anh/chị cần hỗ trợ gì ạ?']);
      // Staff see the same name in the transcript; the stored text is the reply itself.
      expect((await staff.get(`/admin/inbox/${h.id}`)).body).toContain('Cán bộ Nguyễn Văn Bình');
      expect((await s.stores.handoffs.get(h.id))!.transcript.at(-1)).toMatchObject({ from: 'staff', staff: 'binh', text: 'Chào anh/chị, anh/chị cần hỗ trợ gì ạ?' });
    } finally {
      await s.stores.users.put(binh);
    }
  });
});

describe('canned replies', () => {
  it('lets staff add, edit and delete canned replies, kept in the store and offered in the reply box', async () => {
    expect((await staff.post('/admin/inbox/canned/add', { title: 'Giờ làm việc', text: 'Bộ phận một cửa làm việc từ 7:30 đến 17:00, thứ Hai đến thứ Sáu.' })).statusCode).toBe(303);
    const [c] = JSON.parse((await s.stores.settings.get('cannedReplies'))!).replies as { id: string; title: string; text: string }[];
    expect(c).toMatchObject({ title: 'Giờ làm việc' });
    expect((await staff.get('/admin/inbox/canned')).body).toContain('Bộ phận một cửa làm việc từ 7:30');

    const web = person('canned-citizen-01');
    await web.say('gặp cán bộ');
    const h = await handoffOf(web);
    const page = (await staff.get(`/admin/inbox/${h.id}`)).body;
    expect(page).toMatch(/<label>Câu trả lời mẫu <select id="canned-pick">.*<option value="Bộ phận một cửa làm việc từ 7:30[^"]*">Giờ làm việc<\/option>/s);

    expect((await staff.post(`/admin/inbox/canned/${c!.id}/save`, { title: 'Giờ làm việc (mới)', text: 'Bộ phận một cửa làm việc từ 8:00.' })).statusCode).toBe(303);
    expect(JSON.parse((await s.stores.settings.get('cannedReplies'))!).replies).toEqual([{ id: c!.id, title: 'Giờ làm việc (mới)', text: 'Bộ phận một cửa làm việc từ 8:00.' }]);
    expect((await staff.post(`/admin/inbox/canned/${c!.id}/delete`, {})).statusCode).toBe(303);
    expect(JSON.parse((await s.stores.settings.get('cannedReplies'))!).replies).toEqual([]);
    expect((await staff.get('/admin/inbox/canned')).body).toContain('Chưa có câu trả lời mẫu nào');
    expect((await s.stores.audit.list({ limit: 20 })).items.map((e) => e.action)).toEqual(expect.arrayContaining(['canned.add', 'canned.update', 'canned.delete']));
  });

  it('refuses an empty canned reply', async () => {
    const before = await s.stores.settings.get('cannedReplies');
    await staff.post('/admin/inbox/canned/add', { title: 'Trống', text: '   ' });
    expect(await s.stores.settings.get('cannedReplies')).toBe(before);
  });
});

describe('internal notes and transfer', () => {
  it('keeps an internal note for staff and never sends it to the citizen', async () => {
    const web = person('note-citizen-0001');
    await web.say('gặp cán bộ');
    const h = await handoffOf(web);
    await web.poll();
    expect((await staff.post(`/admin/inbox/${h.id}/note`, { text: 'Đã gọi lại cho công dân, chờ bổ sung giấy tờ.' })).statusCode).toBe(303);
    expect(await web.poll()).toEqual([]);
    expect((await s.stores.handoffs.get(h.id))!.transcript.at(-1)).toMatchObject({ from: 'note', staff: 'binh', text: 'Đã gọi lại cho công dân, chờ bổ sung giấy tờ.' });
    const page = (await staff.get(`/admin/inbox/${h.id}`)).body;
    expect(page).toMatch(/<li class="msg internal-note"><span class="meta">Ghi chú nội bộ của binh \(công dân không thấy\)[^<]*<\/span>Đã gọi lại cho công dân/);
    // A note is not a staff reply: the first-reply time stays unset.
    expect((await s.stores.handoffs.get(h.id))!.firstReplyAt).toBeNull();
  });

  it('transfers a conversation to a colleague, who becomes its owner, with an audit entry', async () => {
    const web = person('transfer-citizen-01');
    await web.say('gặp cán bộ');
    const h = await handoffOf(web);
    await staff.post(`/admin/inbox/${h.id}/claim`, {});
    expect((await s.stores.handoffs.get(h.id))!.claimedBy).toBe('binh');
    const page = (await staff.get(`/admin/inbox/${h.id}`)).body;
    expect(page).toMatch(/<label>Chuyển cho cán bộ khác <select name="to" required><option value="an">/);
    expect((await staff.post(`/admin/inbox/${h.id}/transfer`, { to: 'an' })).statusCode).toBe(303);
    expect(await s.stores.handoffs.get(h.id)).toMatchObject({ status: 'claimed', claimedBy: 'an' });
    const entry = (await s.stores.audit.list({ limit: 5 })).items.find((e) => e.action === 'handoff.transfer' && e.target === h.id);
    expect(entry).toMatchObject({ who: 'binh', before: { claimedBy: 'binh' }, after: { claimedBy: 'an' } });
    expect(await web.poll()).toEqual([]);
    // Nobody unknown or disabled can be given a conversation.
    await staff.post(`/admin/inbox/${h.id}/transfer`, { to: 'nobody' });
    expect((await s.stores.handoffs.get(h.id))!.claimedBy).toBe('an');
  });
});

describe('search and status filter', () => {
  it('finds conversations by a word in the transcript, with or without diacritics, and filters by status', async () => {
    const a = person('search-citizen-001');
    await a.say('gặp cán bộ');
    await a.say('em muốn hỏi về giấy phép xây dựng nhà ở');
    const b = person('search-citizen-002');
    await b.say('gặp cán bộ');
    await b.say('cho hỏi đăng ký kết hôn');
    const ha = await handoffOf(a);
    const hb = await handoffOf(b);

    const found = (await staff.get(`/admin/inbox?status=all&q=${encodeURIComponent('giay phep xay dung')}`)).body;
    expect(found).toContain(`/admin/inbox/${ha.id}`);
    expect(found).not.toContain(`/admin/inbox/${hb.id}`);
    expect((await staff.get(`/admin/inbox?q=${encodeURIComponent('kết hôn')}`)).body).toContain(`/admin/inbox/${hb.id}`);

    await staff.post(`/admin/inbox/${hb.id}/close`, {});
    const waiting = (await staff.get('/admin/inbox?status=waiting')).body;
    expect(waiting).toContain(`/admin/inbox/${ha.id}`);
    expect(waiting).not.toContain(`/admin/inbox/${hb.id}`);
    const closed = (await staff.get('/admin/inbox?status=closed&q=ket+hon')).body;
    expect(closed).toContain(`/admin/inbox/${hb.id}`);
    expect(closed).not.toContain(`/admin/inbox/${ha.id}`);
    expect((await staff.get('/admin/inbox?q=khong+co+dau+nao+ca')).body).toContain('Không có cuộc trò chuyện nào khớp');
    const form = (await staff.get('/admin/inbox')).body;
    expect(form).toContain('<label>Tìm theo nội dung <input type="search" name="q"');
    expect(form).toContain('<label>Trạng thái <select name="status">');
  });
});

describe('readable transcript', () => {
  it('shows button presses as their labels and cuts long bot messages at a word', async () => {
    const web = person('readable-citizen-1');
    const menu = await web.say('menu');
    expect(menu.flatMap((r) => r.options ?? []).length).toBeGreaterThan(2);
    const offered = await web.say('cấp lại căn cước');
    const pick = offered.flatMap((r) => (r.options ?? []) as { id: string; label: string }[]).find((o) => o.id.startsWith('p:'))!;
    const card = await web.say(pick.id);
    await web.say('gặp cán bộ');
    const h = await handoffOf(web);
    const page = (await staff.get(`/admin/inbox/${h.id}`)).body;
    expect(page).not.toMatch(/p:\d/);
    expect(page).toContain(`<span class="meta">Công dân · `);
    expect(h.transcript.filter((m) => m.from === 'citizen').map((m) => m.text)).toContain(pick.label);
    // The summary names the flow and the procedure in Vietnamese, not ids.
    expect(h.summary).toContain(`Thủ tục: ${pick.label}`);
    expect(h.summary).not.toMatch(/submit-dossier|next_what|procedure:/);

    const long = card.map((r) => r.text).filter((t) => t.length > 500);
    expect(long.length).toBeGreaterThan(0);
    for (const full of long) {
      const kept = h.transcript.find((m) => m.from === 'bot' && m.text.endsWith('…') && full.startsWith(m.text.slice(0, 40)))!;
      expect(kept).toBeDefined();
      const body = kept.text.slice(0, -1);
      expect(full.startsWith(body)).toBe(true);
      // The next character of the full message is a space: the cut fell between words.
      expect(full[body.length]).toMatch(/\s|[,.;:]/);
    }
  });

  it('shows a flow button press (sent as its option id) as the label the citizen saw', async () => {
    const web = person('readable-citizen-2');
    const menu = (await web.say('menu')).flatMap((r) => (r.options ?? []) as { id: string; label: string }[]);
    const vneid = menu.find((o) => o.label === 'Đăng ký tài khoản VNeID')!;
    expect(vneid.id).toMatch(/^o\d$/);
    await web.say(vneid.id);
    await web.say('gặp cán bộ');
    const h = await handoffOf(web);
    const said = h.transcript.filter((m) => m.from === 'citizen').map((m) => m.text);
    expect(said).toContain('Đăng ký tài khoản VNeID');
    expect(said).not.toContain(vneid.id);
    // The flow is named by its title, not its id.
    expect(h.summary).toMatch(/^Đang làm: «Đăng ký tài khoản [^»]*VNeID»/);
    expect(h.summary).not.toContain('register-vneid');
  });

  it('shows a procedure button stored as p:<code> (older transcripts) as the procedure name', async () => {
    const h = await s.stores.handoffs.open({
      sessionKey: 'web:legacy-0001',
      channel: 'web',
      chatId: 'legacy-0001',
      user: 'x',
      summary: 'Công dân yêu cầu gặp cán bộ',
      reason: 'citizen asked for a human',
      createdAt: s.clock.now,
      transcript: [{ from: 'citizen', text: 'p:1.014064', at: s.clock.now }],
    });
    const page = (await staff.get(`/admin/inbox/${h.id}`)).body;
    expect(page).toContain('Cấp lại thẻ căn cước');
    expect(page).not.toContain('p:1.014064');
    expect(page).toContain('Công dân yêu cầu gặp cán bộ');
  });
});

describe('live fragments', () => {
  it('serves the transcript and the list as fragments that leave the next page its one-shot message', async () => {
    const web = person('fragment-citizen-1');
    await web.say('gặp cán bộ');
    await web.say('em cần hỏi thủ tục nhận nuôi con nuôi');
    const h = await handoffOf(web);
    await staff.post(`/admin/inbox/${h.id}/claim`, {});
    // The page's script fetches these while the redirect after "Nhận xử lý" is still on its way.
    const live = await staff.get(`/admin/inbox/${h.id}/live.html`);
    expect(live.statusCode).toBe(200);
    expect(live.body).toMatch(/^<ol class="transcript" id="transcript"[^>]*>.*nhận nuôi con nuôi.*<\/ol><div id="handoff-state" class="card">.*Đang xử lý bởi/s);
    expect(live.body).not.toContain('<nav>');
    const list = await staff.get('/admin/inbox/list.html?q=con+nuoi');
    expect(list.body).toMatch(/^<div id="inbox-list"/);
    expect(list.body).toContain(`/admin/inbox/${h.id}`);
    expect((await staff.get(`/admin/inbox/${h.id}`)).body).toContain('Anh/chị đã nhận xử lý cuộc trò chuyện này.');
  });
});

describe('inbox page', () => {
  it('keeps the reply box below a scrolling transcript and labels every field in Vietnamese', async () => {
    const web = person('layout-citizen-01');
    await web.say('gặp cán bộ');
    const h = await handoffOf(web);
    const page = (await staff.get(`/admin/inbox/${h.id}`)).body;
    expect(page).toContain('<link rel="stylesheet" href="/admin/static/inbox.css">');
    expect(page).toContain('<script src="/admin/static/inbox.js" defer></script>');
    // Every textarea and select sits inside a label.
    const fields = page.match(/<(textarea|select)\b/g)!.length;
    const labelled = page.match(/<label>[^<]*<(textarea|select)\b/g)!.length;
    expect(labelled).toBe(fields);
    const css = (await s.app.inject({ method: 'GET', url: '/admin/static/inbox.css' })).body;
    expect(css).toMatch(/\.compose \{[^}]*position: sticky; bottom: 0/);
    expect(css).toMatch(/ol\.transcript \{[^}]*overflow-y: auto/);
    const admin = client(s.app, await login(s.app, 'an', ADMIN_PW));
    expect((await admin.get('/admin/inbox')).statusCode).toBe(200);
  });
});
