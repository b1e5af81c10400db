import { describe, expect, it } from 'vitest';
import { createSearcher } from '../../src/catalogue/searcher.js';
import { loadSeed } from '../../src/catalogue/service.js';
import { testConfig } from '../../src/config.js';
import { sessionKey } from '../../src/core/message.js';
import { createRouter } from '../../src/conversation/router.js';
import { newSession, parseSession } from '../../src/core/session.js';
import { createFlowRegistry, parseFlowYaml, VALIDATOR_REGISTRY } from '../../src/flow/index.js';
import { createLogger } from '../../src/log.js';
import { createMemoryStores } from '../../src/store/index.js';
import type { AppEvent } from '../../src/stats/event.js';

const NOW = Date.UTC(2026, 10, 24, 2, 0, 0); // Tuesday 09:00 in Vietnam
const check = (name: string, input: string, o: Record<string, unknown> = {}) => VALIDATOR_REGISTRY[name]!(input, { now: NOW, ...o });

describe('validators', () => {
  it('accepts a 12-digit CCCD with a real province code and refuses 11 digits or an unknown province', () => {
    expect(check('cccd', '001 099 012 345')).toEqual({ ok: true, value: '001099012345' });
    const short = check('cccd', '00109901234');
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.hint.vi).toMatch(/12 chữ số; anh\/chị vừa nhập 11/);
    expect(check('cccd', '003099012345').ok).toBe(false);
    expect(check('cccd', 'abc').ok).toBe(false);
  });
  it('normalises Vietnamese mobiles in 0 and +84 forms', () => {
    expect(check('phone', '+84 912 345 678')).toEqual({ ok: true, value: '0912345678' });
    expect(check('phone', '0912.345.678')).toEqual({ ok: true, value: '0912345678' });
    expect(check('phone', '0112345678').ok).toBe(false);
    expect(check('phone', '091234567').ok).toBe(false);
  });
  it('checks real calendar dates and refuses future ones when asked', () => {
    expect(check('date', '29/2/2024')).toEqual({ ok: true, value: '29/02/2024' });
    expect(check('date', '29/02/2023').ok).toBe(false);
    expect(check('date', '31/04/2020').ok).toBe(false);
    expect(check('date', '1/1/2030', { notFuture: true }).ok).toBe(false);
    expect(check('date', '2020-01-01').ok).toBe(false);
  });
  it('checks email, number ranges, patterns and text length', () => {
    expect(check('email', 'Lan@Example.vn')).toEqual({ ok: true, value: 'lan@example.vn' });
    expect(check('email', 'lan@').ok).toBe(false);
    expect(check('number', '5', { min: 1, max: 10 }).ok).toBe(true);
    expect(check('number', '11', { min: 1, max: 10 }).ok).toBe(false);
    expect(check('pattern', 'AB-12', { pattern: '[A-Z]{2}-\\d{2}' }).ok).toBe(true);
    expect(check('pattern', 'ab-12', { pattern: '[A-Z]{2}-\\d{2}' }).ok).toBe(false);
    expect(check('text', 'x', { min: 2 }).ok).toBe(false);
  });
});

const flowV = (word: string) => `
id: demo
title: { vi: "Thử", en: "Demo" }
triggers: { vi: ["chạy thử"], en: ["demo"] }
start: q
steps:
  q:
    type: choose
    text: { vi: "Chọn ${word}", en: "Pick ${word}" }
    options:
      - label: { vi: "Một", en: "One" }
        next: done
  done:
    type: end
    text: { vi: "Xong ${word}", en: "Done ${word}" }
`;

describe('flow validation', () => {
  it('rejects a broken flow with Vietnamese messages naming the flow, the step and the line of the bad field', () => {
    const text = flowV('a').replace('next: done', 'next: don') + '\n  orphan:\n    type: goto\n    flow: missing\n';
    const r = parseFlowYaml(text, new Set(['demo']));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const nextLine = text.split('\n').findIndex((l) => l.includes('next: don')) + 1;
    expect(r.errors).toContainEqual({ flowId: 'demo', stepId: 'q', line: nextLine, message: 'bước tiếp theo "don" không có; có phải ý anh/chị là `done`?' });
    expect(r.errors).toContainEqual(expect.objectContaining({ flowId: 'demo', stepId: 'orphan', message: 'không có luồng "missing"' }));
    // A step nothing leads to is still reported: the typo is read as the step it most likely meant.
    expect(r.errors).toContainEqual(expect.objectContaining({ stepId: 'orphan', message: expect.stringContaining('không bước nào dẫn tới bước này') }));
    expect(r.errors).toHaveLength(3);
  });
  it('rejects missing translations and unknown validators', () => {
    const r = parseFlowYaml(flowV('a').replace('en: "Pick a"', 'en: ""'));
    expect(r.ok).toBe(false);
    const v = parseFlowYaml(flowV('a').replace('type: choose', 'type: ask\n    var: x\n    validate: bogus\n    next: done').replace(/    options:[\s\S]*?next: done\n/, ''));
    expect(v.ok).toBe(false);
  });
  it('refuses an ask step that would collect a password or OTP', () => {
    const text = flowV('a').replace(/  q:\n[\s\S]*?next: done\n/, '  q:\n    type: ask\n    text: { vi: "Nhập mã OTP", en: "Enter the OTP" }\n    var: otpCode\n    validate: text\n    next: done\n');
    const r = parseFlowYaml(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.message).toMatch(/không bao giờ được xin mã OTP/);
  });
});

describe('router and engine', () => {
  async function setup() {
    const stores = await createMemoryStores();
    const seed = loadSeed();
    const searcher = createSearcher(seed.procedures, seed.tables);
    await stores.flows.publish('demo', flowV('v1'), 'lan', 1);
    await stores.flows.publish('main-menu', flowV('menu').replace('id: demo', 'id: main-menu').replace('["chạy thử"]', '[]').replace('["demo"]', '[]'), 'lan', 1);
    const flows = await createFlowRegistry(stores.flows, createLogger('silent'));
    const events: AppEvent[] = [];
    let now = NOW;
    const router = createRouter({ flows, searcher: () => searcher, sessions: stores.sessions, handoffs: stores.handoffs, events: { emit: (e) => events.push(e) }, now: () => now, config: testConfig(), log: createLogger('silent') });
    const say = (text: string) => router.handle({ channel: 'web', chatId: 'c1', userId: 'c1', messageId: 'm', kind: 'text', text, at: now });
    return { stores, flows, events, say, tick: (ms: number) => (now += ms) };
  }

  it('keeps a citizen on the version they started after staff publish a new one', async () => {
    const { stores, flows, say } = await setup();
    expect((await say('chay thu'))[0]?.text).toBe('Chọn v1');
    await stores.flows.publish('demo', flowV('v2'), 'lan', 2);
    flows.reload();
    expect((await say('1'))[0]?.text).toBe('Xong v1');
    expect((await say('chạy thử'))[0]?.text).toBe('Chọn v2');
  });

  it('routes commands before the flow, the flow before triggers, triggers before search', async () => {
    const { say, stores } = await setup();
    await say('chạy thử');
    expect((await say('trợ giúp'))[0]?.text).toMatch(/quay lại/);
    expect((await stores.sessions.get(sessionKey('web', 'c1')))?.flowId).toBe('demo');
    expect((await say('xyz'))[0]?.text).toMatch(/chọn một trong các mục/);
    await say('huy');
    expect((await say('chay thu'))[0]?.text).toBe('Chọn v1');
    await say('huy');
    expect((await say('lam lai cccd'))[0]?.options?.[0]?.label).toMatch(/^Cấp lại thẻ căn cước/);
    expect((await say('asdfgh qwerty'))[0]?.text).toMatch(/chưa tìm thấy thủ tục/);
  });

  it('warns about a shared OTP and keeps it out of events and the session', async () => {
    const { say, events, stores } = await setup();
    expect((await say('mã OTP của tôi là 482913'))[0]?.text).toMatch(/không chia sẻ mã OTP/);
    expect(JSON.stringify(events)).not.toContain('482913');
    expect(JSON.stringify(await stores.sessions.get(sessionKey('web', 'c1'))) ?? '').not.toContain('482913');
    expect(events.some((e) => e.type === 'secret_warning')).toBe(true);
  });

  it('ends an idle flow politely on the next message', async () => {
    const { say, tick, events } = await setup();
    await say('chạy thử');
    tick(31 * 60_000);
    expect((await say('1'))[0]?.text).toMatch(/đã kết thúc vì lâu không có phản hồi/);
    expect(events.some((e) => e.type === 'flow_abandon' && e.data?.reason === 'idle')).toBe(true);
  });

  it('answers photos and stickers with the text-only notice', async () => {
    const { stores } = await setup();
    const flows = await createFlowRegistry(stores.flows, createLogger('silent'));
    const seed = loadSeed();
    const router = createRouter({ flows, searcher: () => createSearcher(seed.procedures, seed.tables), sessions: stores.sessions, handoffs: stores.handoffs, events: { emit: () => undefined }, now: () => NOW, config: testConfig(), log: createLogger('silent') });
    const r = await router.handle({ channel: 'zalo', chatId: 'z', userId: 'z', messageId: '1', kind: 'sticker', at: NOW });
    expect(r[0]?.text).toMatch(/chỉ đọc được tin nhắn chữ/);
  });

  it('round-trips session JSON', () => {
    const s = { ...newSession(NOW), flowId: 'demo', flowVersion: 2, stepId: 'q', vars: { procedure: { code: '1.001193' } }, history: ['q'] };
    expect(parseSession(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(parseSession({ ...s, v: 99 })).toBeNull();
  });
});
