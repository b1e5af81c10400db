import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF_PW, type AdminServer } from '../admin/harness.js';
import { chatSay, haveChromium, startBrowserServer } from './chromium.js';

/**
 * The live inbox in headless Chromium: a staff page opened before the citizen asks for a person
 * shows the conversation without reload, and replies travel both ways without reload.
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

/** Marks the page's window; if the page reloads or navigates, the mark is gone. */
const mark = (page: Page) => page.evaluate(() => ((window as unknown as { liveMark: number }).liveMark = 1));
const stillMarked = (page: Page) => page.evaluate(() => (window as unknown as { liveMark?: number }).liveMark === 1);

describe.skipIf(!haveChromium)('live inbox in Chromium', () => {
  it('shows a new handoff and the citizen’s messages to staff without reload, and the staff reply to the citizen without reload', async () => {
    const staffCtx = await browser.newContext({ locale: 'vi-VN' });
    const citizenCtx = await browser.newContext({ locale: 'vi-VN' });
    try {
      // The staff member has the inbox open before anyone asks for a person.
      const staff = await staffCtx.newPage();
      await staff.goto(`${base}/admin/login?next=/admin/inbox`);
      await staff.fill('input[name=username]', 'binh');
      await staff.fill('input[name=password]', STAFF_PW);
      await staff.click('form.login button');
      await staff.waitForURL(`${base}/admin/inbox`);
      expect(await staff.locator('#inbox-list table.inbox').count()).toBe(0);
      expect(await staff.locator('#waiting').textContent()).toBe('0');
      await mark(staff);

      const chat = await citizenCtx.newPage();
      await chat.goto(base + '/');
      await chat.locator('#log li.msg.bot').first().waitFor();
      await chatSay(chat, 'gặp cán bộ', /chuyển cuộc trò chuyện cho cán bộ/i);

      // The list and the badge update by themselves.
      const row = staff.locator('#inbox-list table.inbox a').first();
      await row.waitFor({ timeout: 10_000 });
      await staff.locator('#waiting', { hasText: '1' }).waitFor({ timeout: 10_000 });
      expect(await stillMarked(staff)).toBe(true);

      await row.click();
      await staff.waitForURL(/\/admin\/inbox\/[0-9a-f-]{36}$/);
      expect(await staff.locator('#transcript').textContent()).toContain('gặp cán bộ');
      await staff.click('button:has-text("Nhận xử lý")');
      await staff.locator('.flash.ok', { hasText: 'Anh/chị đã nhận xử lý' }).waitFor();
      // The reply box is on screen without scrolling, even under a long transcript.
      expect(await staff.locator('#reply-text').isVisible()).toBe(true);
      await staff.fill('#reply-text', 'Chào anh/chị, em hỗ trợ ngay ạ.');
      await staff.click('#reply-form button.primary');
      await staff.locator('.flash.ok', { hasText: 'Đã gửi' }).waitFor();

      // The citizen's page shows the signed reply without reload.
      await chat.evaluate(() => ((window as unknown as { liveMark: number }).liveMark = 1));
      await chat.locator('#log li.msg.bot', { hasText: 'Cán bộ binh: Chào anh/chị, em hỗ trợ ngay ạ.' }).waitFor({ timeout: 12_000 });
      expect(await stillMarked(chat)).toBe(true);

      // The citizen's next message appears in the open conversation without reload.
      await mark(staff);
      await chat.fill('#input', 'Dạ em cảm ơn, em cần làm lại căn cước');
      await chat.press('#input', 'Enter');
      await staff.locator('#transcript li.msg.citizen', { hasText: 'em cần làm lại căn cước' }).waitFor({ timeout: 10_000 });
      expect(await stillMarked(staff)).toBe(true);
      // The reply box keeps what staff were typing while the transcript refreshed.
      await staff.fill('#reply-text', 'đang gõ dở');
      await chat.fill('#input', 'Em ở xã Tân Phú');
      await chat.press('#input', 'Enter');
      await staff.locator('#transcript li.msg.citizen', { hasText: 'Em ở xã Tân Phú' }).waitFor({ timeout: 10_000 });
      expect(await staff.inputValue('#reply-text')).toBe('đang gõ dở');

      // A long conversation: the transcript scrolls inside its box, the reply box stays on screen.
      const h = (await s.stores.handoffs.list({ status: 'claimed' })).items[0]!;
      for (let i = 1; i <= 40; i++) await s.stores.handoffs.append(h.id, { from: 'citizen', text: `Tin nhắn thử số ${i}`, at: Date.now() });
      await staff.locator('#transcript li.msg.citizen', { hasText: 'Tin nhắn thử số 40' }).waitFor({ timeout: 10_000 });
      await staff.reload();
      await staff.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      const scrolls = await staff.locator('#transcript').evaluate((el) => el.scrollHeight > el.clientHeight);
      expect(scrolls).toBe(true);
      await staff.evaluate(() => window.scrollTo(0, 0));
      const box = await staff.locator('#reply-form').boundingBox();
      const viewport = staff.viewportSize()!;
      expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height + 1);
      expect(box!.y).toBeGreaterThanOrEqual(0);
    } finally {
      await staffCtx.close();
      await citizenCtx.close();
    }
  }, 90_000);
});
