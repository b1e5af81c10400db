import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PW, type AdminServer } from '../admin/harness.js';
import { haveChromium, startBrowserServer } from './chromium.js';

/** Catalogue CSV export → import through the real page in headless Chromium (see admin.test.ts for the setup). */

let s: AdminServer;
let browser: Browser;
let base: string;
let downloads: string;

let env: Awaited<ReturnType<typeof startBrowserServer>> | undefined;

beforeAll(async () => {
  if (!haveChromium) return;
  env = await startBrowserServer();
  ({ s, base, browser } = env);
  downloads = await mkdtemp(join(tmpdir(), 'dvc-csv-'));
}, 60_000);
afterAll(async () => {
  await env?.close();
  if (downloads) await rm(downloads, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)('catalogue CSV in Chromium', () => {
  it('downloads the catalogue as CSV and merges that file back through the file picker: nothing changes', async () => {
    const before = JSON.stringify(await s.stores.catalogue.all());
    expect(await s.stores.catalogue.all()).toHaveLength(2849);
    const ctx = await browser.newContext({ locale: 'vi-VN', acceptDownloads: true });
    const page = await ctx.newPage();
    await page.goto(`${base}/admin/login?next=/admin/catalogue`);
    await page.fill('input[name=username]', 'an');
    await page.fill('input[name=password]', ADMIN_PW);
    await page.click('form.login button');
    await page.waitForURL(`${base}/admin/catalogue`);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải danh mục dạng CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('procedures.csv');
    const file = join(downloads, 'procedures.csv');
    await download.saveAs(file);
    const csv = await readFile(file, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('\uFEFFcode,name,field,level,agency,fee,duration,online,onlineSubmission,url,ministry,subjects,result,boost,phrasings,source,channels,documents');

    // The labelled file picker, merge (the default), and the import button.
    await page.getByLabel('Chọn tệp (CSV hoặc JSON)').setInputFiles(file);
    expect(await page.getByLabel('Gộp theo mã (thêm mới, cập nhật mã trùng)').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Nhập', exact: true }).click();
    await page.locator('.flash.ok', { hasText: 'Đã nhập: 0 thêm mới, 2849 cập nhật, tổng 2849 thủ tục.' }).waitFor({ timeout: 60_000 });

    expect(JSON.stringify(await s.stores.catalogue.all())).toBe(before);
    expect((await s.stores.audit.list({ limit: 5 })).items.some((e) => e.action === 'catalogue.import.merge' && e.target === 'procedures.csv')).toBe(true);
    await ctx.close();
  }, 120_000);
});
