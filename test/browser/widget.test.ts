import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from '../admin/harness.js';
import { haveChromium, launchChromium } from './chromium.js';

/**
 * The embeddable widget on a portal of another site: the portal is http://127.0.0.1:<port>, the
 * assistant http://localhost:<port> (another site to the browser). Only portals named in
 * WIDGET_FRAME_ANCESTORS may frame the chat, and the server-issued session cookie must survive
 * inside the frame so a conversation keeps its state.
 */

let s: AdminServer;
let browser: Browser;
let bot = '';
const portals: Server[] = [];
const portalUrls: string[] = [];

async function portal(): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng dịch vụ công tỉnh</title></head><body><h1>Cổng dịch vụ công</h1><script src="${bot}/widget.js" async></script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  portals.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  if (!haveChromium) return;
  // Reserve the portals' ports first: the allowed one goes into the assistant's settings.
  const placeholder = createServer();
  await new Promise<void>((resolve) => placeholder.listen(0, '127.0.0.1', resolve));
  const botPort = (placeholder.address() as AddressInfo).port;
  await new Promise((resolve) => placeholder.close(resolve));
  bot = `http://localhost:${botPort}`;
  portalUrls.push(await portal(), await portal());
  s = await startAdminServer({ WIDGET_FRAME_ANCESTORS: `self ${portalUrls[0]}` });
  s.clock.now = Date.now();
  await s.app.listen({ port: botPort, host: '127.0.0.1' });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
  for (const p of portals) await new Promise((resolve) => p.close(resolve));
});

describe.skipIf(!haveChromium)('embeddable widget in Chromium', () => {
  it('opens the chat on an allowed portal and keeps the conversation across turns', async () => {
    const ctx = await browser.newContext({ locale: 'vi-VN' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(portalUrls[0]!);
    const open = page.getByRole('button', { name: 'Hỏi trợ lý dịch vụ công' });
    await open.click();
    expect(await open.getAttribute('aria-expanded')).toBe('true');
    const chat = page.frameLocator('iframe[title="Trợ lý dịch vụ công"]');
    await chat.locator('#log li.msg.bot').first().waitFor({ timeout: 10_000 });
    const before = await s.stores.sessions.size();
    await chat.locator('#input').fill('tra cứu hồ sơ');
    await chat.locator('#input').press('Enter');
    await chat.locator('#log li.msg.bot', { hasText: 'mã hồ sơ' }).waitFor({ timeout: 10_000 });
    // The second turn only works if the frame sent back the session cookie of the first.
    await chat.locator('#input').fill('000.00.01.H29-260310-0420');
    await chat.locator('#input').press('Enter');
    await chat.locator('#log li.msg.bot', { hasText: 'Chúc anh/chị sớm nhận kết quả!' }).waitFor({ timeout: 10_000 });
    expect(await s.stores.sessions.size()).toBeLessThanOrEqual(before + 1);
    // The frame has no storage of its own on another site's page: the script carries on without it.
    expect(errors).toEqual([]);
    await ctx.close();
  }, 60_000);

  it('refuses to be framed by a portal that is not in WIDGET_FRAME_ANCESTORS', async () => {
    const ctx = await browser.newContext({ locale: 'vi-VN' });
    const page = await ctx.newPage();
    const blocked = new Promise<string>((resolve) => page.on('console', (m) => m.text().includes('frame-ancestors') && resolve(m.text())));
    await page.goto(portalUrls[1]!);
    await page.getByRole('button', { name: 'Hỏi trợ lý dịch vụ công' }).click();
    expect(await blocked).toContain('frame-ancestors');
    expect(await page.frameLocator('iframe[title="Trợ lý dịch vụ công"]').locator('#log').count()).toBe(0);
    await ctx.close();
  }, 60_000);
});
