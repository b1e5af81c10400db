import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from '../admin/harness.js';

const DAY = 86_400_000;
let s: AdminServer;
beforeAll(async () => {
  s = await startAdminServer({ RETENTION_DAYS: '30' });
});
afterAll(() => s.close());

describe('retention (RETENTION_DAYS)', () => {
  it('deletes event files and closed handoff transcripts older than the setting, and keeps the rest', async () => {
    const now = s.clock.now;
    for (const age of [45, 31, 29, 1]) s.events.emit({ type: 'message_in', at: now - age * DAY, channel: 'web', user: `u${age}` });
    await s.events.flush();
    expect((await readdir(`${s.dir}/events`)).length).toBe(4);
    const base = { channel: 'web' as const, chatId: 'c', user: 'p', summary: 's', reason: 'r', transcript: [{ from: 'citizen' as const, text: 'xin chào', at: 0 }] };
    const oldClosed = await s.stores.handoffs.open({ ...base, sessionKey: 'web:old', createdAt: now - 40 * DAY });
    await s.stores.handoffs.close(oldClosed.id, now - 40 * DAY);
    const recentClosed = await s.stores.handoffs.open({ ...base, sessionKey: 'web:recent', createdAt: now - 5 * DAY });
    await s.stores.handoffs.close(recentClosed.id, now - 5 * DAY);
    const oldWaiting = await s.stores.handoffs.open({ ...base, sessionKey: 'web:waiting', createdAt: now - 40 * DAY });

    expect(await s.applyRetention()).toEqual({ eventFiles: 2, handoffs: 1 });
    const days = (await readdir(`${s.dir}/events`)).sort();
    expect(days).toEqual([new Date(now - 29 * DAY).toISOString().slice(0, 10) + '.jsonl', new Date(now - DAY).toISOString().slice(0, 10) + '.jsonl']);
    expect(await s.stores.handoffs.get(oldClosed.id)).toBeUndefined();
    expect(await s.stores.handoffs.get(recentClosed.id)).toBeDefined();
    // A conversation still waiting for staff is never deleted, however old.
    expect((await s.stores.handoffs.get(oldWaiting.id))?.status).toBe('waiting');
    // The dashboard no longer counts what was deleted.
    await s.stats.refresh();
    expect(s.stats.query({ from: now - 60 * DAY, to: now }).uniqueCitizens).toBe(2);
  });
});
