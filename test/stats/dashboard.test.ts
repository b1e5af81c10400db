import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PW, citizen, client, login, startAdminServer, type AdminServer } from '../admin/harness.js';

/** The stats dashboard through its routes: numbers staff can trust. */

const servers: AdminServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function dashboard() {
  const s = await startAdminServer();
  servers.push(s);
  // Signs in again when the test moved the clock past the admin session.
  let admin = client(s.app, await login(s.app, 'an', ADMIN_PW));
  let signedInAt = s.clock.now;
  const fresh = async () => {
    if (s.clock.now !== signedInAt) admin = client(s.app, await login(s.app, 'an', ADMIN_PW, `10.8.0.${(signedInAt = s.clock.now) % 250}`));
    return admin;
  };
  const page = async (query = '') => {
    await s.events.flush();
    return (await (await fresh()).get(`/admin/stats${query}`)).body;
  };
  const csv = async (table: string, query = '') => {
    await s.events.flush();
    return (await (await fresh()).get(`/admin/stats/export/${table}.csv${query}`)).body;
  };
  return { s, page, csv };
}

const spanOf = (body: string, id: string) => new RegExp(`<span id="${id}">([^<]*)</span>`).exec(body)?.[1];

/** Event lines as an older version wrote them (raw, before this version's masking and filtering). */
async function writeOldEvents(s: AdminServer, day: string, events: object[]) {
  await mkdir(join(s.dir, 'events'), { recursive: true });
  await writeFile(join(s.dir, 'events', `${day}.jsonl`), events.map((e) => JSON.stringify(e) + '\n').join(''), { flag: 'a' });
}

describe('stats dashboard', () => {
  it('counts a citizen asking for a person as one handoff', async () => {
    const { s, page } = await dashboard();
    const replies = await citizen(s.app, 'handoff-1', '10.9.0.1').say('gặp cán bộ');
    expect(replies.map((r) => r.text).join('\n')).toMatch(/cán bộ/);
    expect((await s.stores.handoffs.list({ status: 'waiting' })).items).toHaveLength(1);
    expect(spanOf(await page(), 'handoffs')).toBe('1');
  });

  it('counts a handoff an older version logged twice in one turn only once', async () => {
    const { s, page } = await dashboard();
    const at = s.clock.now - 60_000;
    await writeOldEvents(s, '2026-11-24', [
      { type: 'handoff', at, channel: 'web', user: 'old-user-1', flowId: 'handoff', stepId: 'queue' },
      { type: 'handoff', at, channel: 'web', user: 'old-user-1' },
      { type: 'handoff', at: at + 5_000, channel: 'zalo', user: 'old-user-2', flowId: 'handoff', stepId: 'queue' },
      { type: 'handoff', at: at + 5_000, channel: 'zalo', user: 'old-user-2' },
    ]);
    expect(spanOf(await page(), 'handoffs')).toBe('2');
  });

  it('never lists menu numbers, yes/no answers or acknowledgements as unmatched questions', async () => {
    const { s, csv } = await dashboard();
    const c = citizen(s.app, 'noise-1', '10.9.0.2');
    for (const text of ['1', '2', 'ok', 'có', 'không', 'cảm ơn', 'xin giấy phép nuôi rồng con']) await c.say(text);
    // Lines an older version stored, noise included.
    await writeOldEvents(s, '2026-11-24', ['1', '2', '12', 'ok', 'Ok ạ', 'có', 'vâng', 'ko', 'xin cấp phép bay khinh khí cầu'].map((text, i) => ({ type: 'search_miss', at: s.clock.now - 1000 * (i + 1), channel: 'zalo', user: 'old-user', text })));
    const questions = (await csv('unmatched'))
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.replace(/,\d+$/, ''));
    expect(questions).toContain('xin giấy phép nuôi rồng con');
    expect(questions).toContain('xin cấp phép bay khinh khí cầu');
    for (const noise of ['1', '2', '12', 'ok', 'ok ạ', 'có', 'không', 'cảm ơn', 'vâng', 'ko']) expect(questions).not.toContain(noise);
  });

  it('masks dates, names, phone and ID numbers and e-mails before a question is stored, and on old stored events', async () => {
    const { s, page, csv } = await dashboard();
    const question = 'tên tôi là Trần Thị Bích Ngọc, sinh ngày 15/03/1990, CCCD 012345678901, sđt 0912345678, email bich.ngoc@gmail.com, xin giấy phép nuôi rồng';
    await citizen(s.app, 'pii-1', '10.9.0.3').say(question);
    await citizen(s.app, 'pii-2', '10.9.0.4').say('Nguyễn Văn An muốn hỏi thủ tục nuôi rồng ở Hà Nội');
    await writeOldEvents(s, '2026-11-24', [{ type: 'search_miss', at: s.clock.now - 1000, channel: 'web', user: 'old-user', text: 'em tên là Lê Văn Tám ngày 5 tháng 3 năm 2001 xin phép nuôi kỳ lân' }]);
    await s.events.flush();

    const stored = (await Promise.all((await readdir(join(s.dir, 'events'))).map((f) => readFile(join(s.dir, 'events', f), 'utf8')))).join('');
    const written = stored.split('\n').filter((l) => l && !l.includes('old-user')).join('\n');
    for (const secret of ['15/03/1990', 'Trần Thị Bích Ngọc', 'Bích Ngọc', '012345678901', '0912345678', 'bich.ngoc@gmail.com', 'Nguyễn Văn An']) expect(written).not.toContain(secret);
    expect(written).toContain('[họ tên] muốn hỏi thủ tục nuôi rồng ở Hà Nội');

    const body = await page();
    const list = (await csv('unmatched')) + (await csv('searches'));
    for (const shown of [body, list]) {
      for (const secret of ['15/03/1990', 'bích ngọc', '012345678901', '0912345678', 'bich.ngoc@gmail.com', 'nguyễn văn an', 'lê văn tám', 'tháng 3 năm 2001']) expect(shown.toLowerCase()).not.toContain(secret);
    }
    // The old line stays readable, masked.
    expect(list).toContain('em tên là [họ tên] [ngày] xin phép nuôi kỳ lân');
    expect(list).toContain('sinh ngày [ngày]');
  });

  it('puts a message at 23:30 UTC on the next Vietnamese day, on the page and in its date filter', async () => {
    const { s, page, csv } = await dashboard();
    s.clock.now = Date.UTC(2026, 10, 24, 23, 30); // 06:30 on 25 November in Vietnam
    await citizen(s.app, 'late-1', '10.9.0.5').say('xin chào');
    const today = await page();
    expect(today).toContain('name="to" value="2026-11-25"');
    expect(spanOf(today, 'total-messages')).toBe('1');
    expect(spanOf(await page('?from=2026-11-25&to=2026-11-25'), 'total-messages')).toBe('1');
    expect(spanOf(await page('?from=2026-11-24&to=2026-11-24'), 'total-messages')).toBe('0');
    expect(await csv('messages', '?from=2026-11-20&to=2026-11-30')).toMatch(/\r\n2026-11-25,web,1\r\n/);
    // 16:59 UTC is still the same Vietnamese day (23:59); 17:00 UTC starts the next one.
    s.clock.now = Date.UTC(2026, 10, 25, 16, 59);
    await citizen(s.app, 'late-2', '10.9.0.6').say('xin chào');
    s.clock.now = Date.UTC(2026, 10, 25, 17, 0);
    await citizen(s.app, 'late-3', '10.9.0.7').say('xin chào');
    expect(spanOf(await page('?from=2026-11-25&to=2026-11-25'), 'total-messages')).toBe('2');
    expect(spanOf(await page('?from=2026-11-26&to=2026-11-26'), 'total-messages')).toBe('1');
  });

  it('counts the "saved a trip or a call?" answer the end step sends as {saved}', async () => {
    const { s, page } = await dashboard();
    const c = citizen(s.app, 'saved-1', '10.9.0.8');
    await c.say('tra cứu hồ sơ');
    const end = await c.say('000.00.01.H29-260310-0420');
    expect(end.map((r) => r.text).join('\n')).toContain('đỡ một lần đến cơ quan');
    await c.say('Có');
    const other = citizen(s.app, 'saved-2', '10.9.0.9');
    await other.say('tra cứu hồ sơ');
    await other.say('000.00.01.H29-260310-0421');
    await other.say('Không');
    await s.events.flush();
    const stored = (await Promise.all((await readdir(join(s.dir, 'events'))).map((f) => readFile(join(s.dir, 'events', f), 'utf8')))).join('');
    expect(stored).toContain('"data":{"saved":true}');
    expect(spanOf(await page(), 'containment')).toBe('50% (1/2)');
  });
});
