import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { ROOT } from '../support/server.js';
import { signIn, startCluster, until, webCitizen, type Cluster, type Instance } from '../support/cluster.js';

/**
 * Three real instances on three ports sharing one PostgreSQL database and one Redis (issue 15).
 * Telegram updates are delivered round-robin by webhook, as a load balancer would spread them.
 */

const SECRET = 'scale-test-webhook-secret';
let fake: FakeTelegram;
let cluster: Cluster;
let a: Instance, b: Instance, c: Instance;
let updateId = 5000;

const textsTo = (chat: number) => fake.calls.filter((x) => x.method === 'sendMessage' && x.body.chat_id === String(chat)).map((x) => String(x.body.text));

async function deliver(to: Instance, update: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${to.url}/telegram/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(update),
  });
  expect(res.status).toBe(200);
}

const message = (chat: number, text: string, id = ++updateId) => ({
  update_id: id,
  message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: chat, type: 'private' }, from: { id: chat, is_bot: false, first_name: 'Lan' }, text },
});

beforeAll(async () => {
  fake = await startFakeTelegram();
  cluster = await startCluster({
    env: { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_WEBHOOK_SECRET: SECRET, PUBLIC_URL: 'https://bot.example.gov.vn' },
  });
  // Three instances starting together on an empty database: one migrates and seeds, the others wait or find it done.
  [a, b, c] = await Promise.all([cluster.start('a'), cluster.start('b'), cluster.start('c')]);
}, 180_000);

afterAll(async () => {
  await cluster?.close();
  await fake?.close();
}, 60_000);

describe('three instances on PostgreSQL and Redis', () => {
  it('seeded the database once although all three started together', async () => {
    const admin = await signIn(a.url);
    const page = await (await admin.get(b.url, '/admin/flows/pay-fees')).text();
    // Version 1 only: no instance published the shipped flow a second time.
    expect(page).toContain('v1');
    expect(page).not.toMatch(/\bv2\b/);
  });

  it('continues one citizen’s conversation whichever instance each message reaches', async () => {
    const chat = 770001;
    await deliver(a, message(chat, 'thanh toán phí'));
    await until('the flow’s question', () => textsTo(chat), (t) => t.some((x) => x.includes('gặp vấn đề khi thanh toán')));
    await deliver(b, message(chat, '1'));
    // "1" picks the first option of the question asked on instance A: the unpaid-payment advice.
    await until('the answer to the pick', () => textsTo(chat), (t) => t.some((x) => x.includes('giữ lại mã giao dịch')));

    // The web chat too: the cookie issued by one instance is valid on the others.
    const citizen = webCitizen();
    const first = await citizen.say(a.url, 'thanh toán phí');
    expect(first.map((r) => r.text).join('\n')).toContain('gặp vấn đề khi thanh toán');
    const second = await citizen.say(c.url, '1');
    expect(second.map((r) => r.text).join('\n')).toContain('giữ lại mã giao dịch');
  });

  it('answers a duplicate update sent to two instances once', async () => {
    const chat = 770002;
    const dup = message(chat, 'xin chào');
    await Promise.all([deliver(a, dup), deliver(b, dup), deliver(c, dup)]);
    await until('the greeting', () => textsTo(chat), (t) => t.length > 0);
    // A second handling would repeat the same replies.
    await new Promise((r) => setTimeout(r, 1500));
    const texts = textsTo(chat);
    expect(texts.length).toBeGreaterThan(0);
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('serves a flow published on one instance from the other two within a second', async () => {
    const admin = await signIn(a.url);
    const yaml = readFileSync(`${ROOT}flows/pay-fees.yaml`, 'utf8').replace('Nộp phí, lệ phí trực tuyến cho hồ sơ:', 'Nộp phí, lệ phí trực tuyến cho hồ sơ (cập nhật mới):');
    const res = await admin.post(a.url, '/admin/flows/pay-fees/save', { yaml, action: 'publish', expected: '1' });
    expect(res.status).toBe(303);
    const published = Date.now();
    for (const other of [b, c]) {
      await until(
        `the new version on ${other.name}`,
        async () => (await webCitizen().say(other.url, 'thanh toán phí')).map((r) => r.text).join('\n'),
        (t) => t.includes('(cập nhật mới)'),
        1000 - (Date.now() - published),
      );
    }
    expect(Date.now() - published).toBeLessThan(1000);
  });

  it('delivers a staff reply given on instance A to a web citizen polling instance C', async () => {
    const citizen = webCitizen();
    const handed = await citizen.say(b.url, 'tôi muốn gặp cán bộ');
    expect(handed.map((r) => r.text).join('\n')).toMatch(/chuyển cuộc trò chuyện cho cán bộ|cán bộ/);
    const admin = await signIn(a.url);
    const inbox = await (await admin.get(a.url, '/admin/inbox')).text();
    const ids = [...inbox.matchAll(/\/admin\/inbox\/([0-9a-f-]{36})/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(0);
    // The newest waiting handoff is this citizen's (listed oldest first).
    const id = ids.at(-1)!;
    const sent = await admin.post(a.url, `/admin/inbox/${id}/reply`, { text: 'Chào anh/chị, tôi là cán bộ một cửa, tôi hỗ trợ ngay.' });
    expect(sent.status).toBe(303);
    const got = await until('the staff reply on C', () => citizen.poll(c.url), (r) => r.length > 0, 3000);
    expect(got.map((r) => r.text).join('\n')).toContain('tôi hỗ trợ ngay');
    // Taken once: polling another instance afterwards finds nothing more.
    expect(await citizen.poll(a.url)).toEqual([]);
  });

  it('loses no acknowledged edit when one instance is killed under load, and the others keep answering', async () => {
    const admin = await signIn(b.url);
    const handed = webCitizen();
    await handed.say(a.url, 'cho tôi gặp cán bộ');
    const inbox = await (await admin.get(b.url, '/admin/inbox')).text();
    const id = [...inbox.matchAll(/\/admin\/inbox\/([0-9a-f-]{36})/g)].map((m) => m[1]!).at(-1)!;

    // Load: citizens chatting on all three instances.
    let stop = false;
    const failures: string[] = [];
    let answered = 0;
    const load = Array.from({ length: 6 }, async (_, k) => {
      const citizen = webCitizen();
      const on = [a, c][k % 2]!;
      while (!stop) {
        try {
          const replies = await citizen.say(on.url, k % 3 === 0 ? 'lam lai cccd' : 'le phi cap doi bang lai xe bao nhieu');
          if (replies.length) answered++;
          else failures.push(`${on.name}: no reply`);
        } catch (err) {
          failures.push(`${on.name}: ${(err as Error).message}`);
        }
      }
    });
    // Staff notes written through B while B is killed: every one answered 303 must be stored.
    const acknowledged: string[] = [];
    const writer = (async () => {
      for (let n = 0; n < 400; n++) {
        const text = `Ghi chú nội bộ số ${n}`;
        try {
          const res = await admin.post(b.url, `/admin/inbox/${id}/note`, { text });
          if (res.status === 303) acknowledged.push(text);
        } catch {
          return; // B is gone
        }
      }
    })();
    await until('some acknowledged notes', () => acknowledged.length, (n) => n >= 5, 20_000);
    await cluster.kill(b);
    await writer;
    const answeredAtKill = answered;
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await Promise.all(load);

    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(answeredAtKill);
    const page = await (await admin.get(c.url, `/admin/inbox/${id}`)).text();
    const missing = acknowledged.filter((t) => !page.includes(t));
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  }, 60_000);
});
