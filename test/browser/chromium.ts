import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { startAdminServer, type AdminServer } from '../admin/harness.js';

/**
 * Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core.
 * Set CHROMIUM_PATH to use another binary; without one the suites skip with a message
 * (`.ci/run` installs it).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Listens on a free loopback port; returns the base URL. */
export async function listenLocal(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
}

/** Types into the web chat page and waits for a bot reply containing `expectText`. */
export async function chatSay(page: Page, text: string, expectText: string | RegExp): Promise<void> {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
  await page.locator('#log li.msg.bot', { hasText: expectText }).last().waitFor({ timeout: 10_000 });
}

/**
 * The usual browser-test setup: an admin server on a free loopback port with the real clock (the
 * web chat and the admin see the same "now") and one Chromium; `close()` ends both.
 */
export async function startBrowserServer(overrides: Record<string, string> = {}): Promise<{ s: AdminServer; base: string; browser: Browser; close(): Promise<void> }> {
  const s = await startAdminServer(overrides);
  s.clock.now = Date.now();
  const base = await listenLocal(s.app);
  const browser = await launchChromium();
  return {
    s,
    base,
    browser,
    async close() {
      await browser.close();
      await s.close();
    },
  };
}
