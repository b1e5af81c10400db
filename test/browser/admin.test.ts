import { readdir, readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PW, STAFF_PW, type AdminServer } from '../admin/harness.js';
import { chatSay, haveChromium, startBrowserServer } from './chromium.js';

/**
 * The admin UI and the web chat in headless Chromium (Debian's `chromium`, driven by
 * playwright-core). Set CHROMIUM_PATH to use another binary; without one the suite is skipped
 * with a message (`.ci/run` installs it).
 */

let s: AdminServer;
let browser: Browser;
let base: string;

let env: Awaited<ReturnType<typeof startBrowserServer>> | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  env = await startBrowserServer();
  ({ s, base, browser } = env);
}, 60_000);
afterAll(async () => {
  await env?.close();
});

async function signIn(page: Page, user: string, password: string) {
  await page.goto(`${base}/admin/flows`);
  expect(page.url()).toContain('/admin/login');
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('form.login button');
  await page.waitForURL(`${base}/admin/flows`);
}

describe.skipIf(!haveChromium)('admin UI in Chromium', () => {
  it('edits a flow, sees a validation error, fixes it, publishes, talks to it in the web chat, and rolls back', async () => {
    const ctx = await browser.newContext({ locale: 'vi-VN' });
    const admin = await ctx.newPage();
    await signIn(admin, 'binh', STAFF_PW);
    await admin.click('a[href="/admin/flows/track-dossier"]');
    expect(await admin.locator('#diagram svg [data-step]').count()).toBe(3);
    const original = await admin.inputValue('#yaml');

    // A broken edit in the YAML tab: the error names the flow, the step and the line.
    await admin.click('#tab-yaml');
    await admin.fill('#yaml', original.replace('next: where', 'next: nowhere'));
    await admin.click('button[value=validate]');
    const errors = admin.locator('#flow-errors');
    await errors.waitFor();
    expect(await errors.textContent()).toMatch(/track-dossier › bước ask_code \(dòng \d+\).*nowhere/s);

    // The live test chat runs the text in the editor through the engine.
    const fixed = original.replace('Chúc anh/chị sớm nhận kết quả!', 'Chúc anh/chị sớm nhận kết quả, hẹn gặp lại!');
    await admin.click('#tab-yaml');
    await admin.fill('#yaml', fixed);
    await admin.click('#test-restart');
    await admin.locator('#test-log .msg.bot', { hasText: 'mã hồ sơ' }).waitFor();
    await admin.fill('#test-input', '000.00.01.H29-260310-0420');
    await admin.press('#test-input', 'Enter');
    await admin.locator('#test-log .msg.bot', { hasText: 'hẹn gặp lại' }).waitFor();

    await admin.fill('input[name=note]', 'lời chào mới');
    await admin.click('button[value=publish]');
    await admin.locator('.flash.ok', { hasText: 'Đã xuất bản v2' }).waitFor();

    // A citizen in the web chat gets the new version.
    const chat = await ctx.newPage();
    await chat.goto(base + '/');
    await chat.locator('#log li.msg.bot').first().waitFor();
    await chatSay(chat, 'tra cứu hồ sơ', 'mã hồ sơ');
    await chatSay(chat, '000.00.01.H29-260310-0420', 'hẹn gặp lại');

    // Roll back to v1 from the history table; a new conversation gets the old text.
    await admin.click('form[action="/admin/flows/track-dossier/rollback"] button:has-text("Quay lại v1")');
    await admin.locator('.flash.ok', { hasText: 'Đã quay lại nội dung v1' }).waitFor();
    await chat.click('#reset');
    await chatSay(chat, 'tra cứu hồ sơ', 'mã hồ sơ');
    await chatSay(chat, '000.00.01.H29-260310-0420', 'Chúc anh/chị sớm nhận kết quả!');
    expect(await chat.locator('#log li.msg.bot').last().textContent()).not.toContain('hẹn gặp lại');
    await ctx.close();
  }, 60_000);

  it('answers a handed-over chat: the staff reply appears in the citizen web chat', async () => {
    const ctx = await browser.newContext({ locale: 'vi-VN' });
    const chat = await ctx.newPage();
    await chat.goto(base + '/');
    await chat.locator('#log li.msg.bot').first().waitFor();
    await chatSay(chat, 'gặp cán bộ', /cán bộ/i);

    const admin = await ctx.newPage();
    await signIn(admin, 'binh', STAFF_PW);
    expect(Number(await admin.locator('#waiting').textContent())).toBeGreaterThanOrEqual(1);
    await admin.goto(`${base}/admin/inbox`);
    await admin.locator('table.inbox a').first().click();
    expect(await admin.locator('#transcript').textContent()).toContain('gặp cán bộ');
    await admin.click('button:has-text("Nhận xử lý")');
    await admin.fill('#reply-form textarea', 'Chào anh/chị, em là cán bộ Bình, em hỗ trợ ngay ạ.');
    await admin.click('#reply-form button');
    await admin.locator('.flash.ok', { hasText: 'Đã gửi' }).waitFor();
    await chat.locator('#log li.msg.bot', { hasText: 'em là cán bộ Bình' }).waitFor({ timeout: 12_000 });

    await admin.click('button:has-text("Đóng và trả lại cho trợ lý tự động")');
    await admin.locator('.flash.ok', { hasText: 'Đã đóng' }).waitFor();
    await chat.locator('#log li.msg.bot', { hasText: 'Trợ lý tự động tiếp tục' }).waitFor({ timeout: 12_000 });
    await ctx.close();
  }, 60_000);

  it('opens the dashboard: the charts render with numbers matching the event log', async () => {
    await s.events.flush();
    const files = await readdir(`${s.dir}/events`);
    const events = (await Promise.all(files.map((f) => readFile(`${s.dir}/events/${f}`, 'utf8'))))
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; flowId?: string; user: string });
    const messages = events.filter((e) => e.type === 'message_in').length;
    const citizens = new Set(events.filter((e) => e.type === 'message_in').map((e) => e.user)).size;
    const trackStarts = events.filter((e) => e.type === 'flow_start' && e.flowId === 'track-dossier').length;
    expect(messages).toBeGreaterThan(5);

    const ctx = await browser.newContext({ locale: 'vi-VN' });
    const page = await ctx.newPage();
    await page.goto(`${base}/admin/login?next=/admin/stats`);
    await page.fill('input[name=username]', 'an');
    await page.fill('input[name=password]', ADMIN_PW);
    await page.click('form.login button');
    await page.waitForURL(/\/admin\/stats/);
    expect(await page.locator('#total-messages').textContent()).toBe(String(messages));
    expect(await page.locator('#unique-citizens').textContent()).toBe(String(citizens));
    // The charts are drawn (visible SVG bars) and carry the same numbers.
    const bars = page.locator('#chart-messages g.bar');
    expect(await bars.count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-messages svg').isVisible()).toBe(true);
    const sum = (await bars.evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-value'))))).reduce((a, b) => a + b, 0);
    expect(sum).toBe(messages);
    const box = await page.locator('#chart-messages rect').first().boundingBox();
    expect(box!.width).toBeGreaterThan(10);
    expect(await page.locator('#chart-flows g.bar[data-label="track-dossier"]').getAttribute('data-value')).toBe(String(trackStarts));
    await ctx.close();
  }, 60_000);
});
