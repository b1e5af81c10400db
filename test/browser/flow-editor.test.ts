import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF_PW, type AdminServer } from '../admin/harness.js';
import { chatSay, haveChromium, startBrowserServer } from './chromium.js';

/**
 * The visual flow editor in headless Chromium: a clerk builds a flow with the forms only (the
 * YAML box is never typed into), publishes it and a citizen talks to it in the web chat.
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

describe.skipIf(!haveChromium)('visual flow editor in Chromium', () => {
  it('builds a two-step flow with the forms only, publishes it, and a citizen finishes it in the web chat', async () => {
    const ctx = await browser.newContext({ locale: 'vi-VN' });
    const admin = await ctx.newPage();
    await admin.goto(`${base}/admin/flows/new`);
    await admin.fill('input[name=username]', 'binh');
    await admin.fill('input[name=password]', STAFF_PW);
    await admin.click('form.login button');
    await admin.waitForURL(`${base}/admin/flows/new`);

    await admin.getByLabel('Mã luồng').fill('gio-lam-viec');
    await admin.getByLabel('Tên tiếng Việt').fill('Giờ làm việc của xã');
    await admin.getByLabel('Tên tiếng Anh').fill('Commune office hours');
    await admin.click('button:has-text("Tạo bản nháp từ mẫu")');
    await admin.waitForURL(`${base}/admin/flows/gio-lam-viec`);
    const stepButton = (id: string) => admin.locator(`#step-list button[data-step="${id}"]`);
    await stepButton('intro').waitFor();
    // The YAML is an advanced tab, hidden while the forms are in use.
    expect(await admin.locator('#yaml').isVisible()).toBe(false);

    // Title and triggers at the top.
    await admin.getByLabel('Cụm từ kích hoạt tiếng Việt (mỗi dòng một cụm)').fill('giờ làm việc xã');

    // A new "choose" step, made the start step.
    await admin.getByLabel('Loại bước').selectOption('choose');
    await admin.getByLabel('Mã bước mới').fill('hoi_buoi');
    await admin.click('#add-step-button');
    await admin.locator('#step-form h3', { hasText: 'Bước hoi_buoi' }).waitFor();
    const question = admin.locator('#step-form fieldset', { has: admin.locator('legend', { hasText: 'Câu hỏi' }) });
    await question.getByLabel('Tiếng Việt').fill('Anh/chị muốn hỏi giờ làm việc buổi nào?');
    await question.getByLabel('Tiếng Anh').fill('Which part of the day?');
    const option = admin.locator('#step-form fieldset', { has: admin.locator('legend', { hasText: 'Lựa chọn 1' }) });
    await option.getByLabel('Tiếng Việt').fill('Buổi sáng');
    await option.getByLabel('Tiếng Anh').fill('Morning');
    expect(await admin.getByLabel('Chọn lựa chọn 1 thì sang bước').inputValue()).toBe('done');
    await admin.click('button:has-text("Đặt làm bước bắt đầu")');
    await admin.locator('#step-form .tag', { hasText: 'Bước bắt đầu' }).waitFor();

    // The template's first step is picked on the diagram and deleted.
    await admin.locator('#diagram [data-step="intro"]').click();
    await admin.locator('#step-form h3', { hasText: 'Bước intro' }).waitFor();
    await admin.click('button:has-text("Xoá bước này")');
    await stepButton('intro').waitFor({ state: 'detached' });

    // The closing text of the end step.
    await stepButton('done').click();
    const closing = admin.locator('#step-form fieldset', { has: admin.locator('legend', { hasText: 'Lời chào cuối' }) });
    await closing.getByLabel('Tiếng Việt').fill('Buổi sáng xã làm việc từ 7 giờ 30 đến 11 giờ 30. Cảm ơn anh/chị.');

    await admin.click('button[value=publish]');
    await admin.locator('.flash.ok', { hasText: 'Đã xuất bản v1' }).waitFor();
    const yaml = (await s.stores.flows.get('gio-lam-viec'))!.versions[0]!.yaml;
    expect(yaml).toContain('start: hoi_buoi');
    expect(yaml).not.toContain('intro:');
    expect(yaml).toContain('vi: ["giờ làm việc xã"]');
    // The template's own lines are untouched.
    expect(yaml).toContain('title:\n  vi: "Giờ làm việc của xã"\n  en: "Commune office hours"\n');

    const chat = await ctx.newPage();
    await chat.goto(base + '/');
    await chat.locator('#log li.msg.bot').first().waitFor();
    await chatSay(chat, 'giờ làm việc xã', 'buổi nào');
    await chatSay(chat, '1', 'từ 7 giờ 30');
    await ctx.close();
  }, 90_000);

  it('jumps from an error to its line in the YAML tab, focused and announced', async () => {
    const ctx = await browser.newContext({ locale: 'vi-VN' });
    const admin = await ctx.newPage();
    await admin.goto(`${base}/admin/flows/gio-lam-viec`);
    await admin.fill('input[name=username]', 'binh');
    await admin.fill('input[name=password]', STAFF_PW);
    await admin.click('form.login button');
    await admin.waitForURL(`${base}/admin/flows/gio-lam-viec`);
    await admin.locator('#step-list button[data-step="hoi_buoi"]').click();
    await admin.getByLabel('Chọn lựa chọn 1 thì sang bước').selectOption('hoi_buoi');
    // A loop with no way out (and the end step left unreachable): errors with their lines; a link opens the YAML at its line.
    const errors = admin.locator('#flow-errors');
    await errors.locator('a.line').first().waitFor();
    expect(await errors.textContent()).toContain('không dẫn tới đâu để kết thúc');
    expect(await errors.getAttribute('role')).toBe('alert');
    const line = Number(await errors.locator('a.line').first().getAttribute('data-line'));
    await errors.locator('a.line').first().click();
    expect(await admin.locator('#yaml').isVisible()).toBe(true);
    expect(await admin.evaluate(() => document.activeElement?.id)).toBe('yaml');
    const caretLine = await admin.evaluate(() => {
      const a = document.getElementById('yaml') as HTMLTextAreaElement;
      return a.value.slice(0, a.selectionStart).split('\n').length;
    });
    expect(caretLine).toBe(line);
    expect(await admin.locator('#yaml-gutter').textContent()).toMatch(/^1\n2\n3\n/);

    // Checked on the server, the page comes back with the errors box focused.
    await admin.click('button[value=validate]');
    await admin.waitForURL(`${base}/admin/flows/gio-lam-viec/save`);
    await admin.locator('#flow-errors a.line').first().waitFor();
    expect(await admin.evaluate(() => document.activeElement?.id)).toBe('flow-errors');
    await ctx.close();
  }, 60_000);
});
