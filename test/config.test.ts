import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('config', () => {
  it('starts with nothing set: web chat on port 3000, data in ./var, no channels', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe('./var');
    expect(c.telegram.token).toBeUndefined();
    expect(c.zalo.apiBase).toBe('https://bot-api.zaloplatforms.com');
    expect(c.officeHours.days).toEqual([1, 2, 3, 4, 5]);
    expect(c.officeHours.ranges).toEqual([
      [450, 690],
      [810, 1020],
    ]);
  });

  it('fails fast listing every bad field and how to fix it', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'abc', PUBLIC_URL: 'http://insecure.example', TELEGRAM_BOT_TOKEN: 'nope', ZALO_WEBHOOK_SECRET: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/PUBLIC_URL.*https/);
    expect(problems).toMatch(/TELEGRAM_BOT_TOKEN.*BotFather/);
    expect(problems).toMatch(/ZALO_WEBHOOK_SECRET.*8–256/);
    expect((err as Error).message).toMatch(/\.env\.example/);
  });

  it('treats empty settings as unset', () => {
    const c = loadConfig({ PUBLIC_URL: '', TELEGRAM_BOT_TOKEN: '', ZALO_WEBHOOK_SECRET: '' });
    expect(c.publicUrl).toBeUndefined();
    expect(c.telegram.token).toBeUndefined();
    expect(c.zalo.webhookSecret).toBeUndefined();
  });

  it('strips a trailing slash from PUBLIC_URL so webhook URLs are exact', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://bot.example.gov.vn/' }).publicUrl).toBe('https://bot.example.gov.vn');
  });

  it('does not echo secrets back in the error for a bad token format', () => {
    expect(() => loadConfig({ OFFICE_HOURS: 'weekdays 8-5' })).toThrow(/OFFICE_HOURS.*mon-fri/);
  });
});
