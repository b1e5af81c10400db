import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Procedure } from '../../src/catalogue/procedure.js';
import { newSession } from '../../src/core/session.js';
import { VersionConflictError, type Handoff, type HandoffChange, type Page, type PageQuery, type Stores } from '../../src/store/index.js';
import { TRANSCRIPT_LINES } from '../../src/store/types.js';

/**
 * The behaviour every store backend must have, whatever it keeps its data in. A backend's test
 * file calls `runStoreContract` with a function that opens a fresh, empty set of stores.
 */
export interface OpenedStores {
  stores: Stores;
  close(): Promise<void>;
}

export const procedure = (code: string, name: string): Procedure => ({
  code,
  name,
  field: 'Hộ tịch',
  level: ['xa'],
  agency: 'Ủy ban nhân dân cấp xã',
  fee: 'Miễn phí',
  duration: '1 Ngày làm việc',
  online: null,
  onlineSubmission: true,
  url: `https://dichvucong.gov.vn/thu-tuc-hanh-chinh/${code}`,
  ministry: null,
  subjects: null,
  result: null,
  boost: 0,
  phrasings: [],
  channels: [],
  documents: [],
  source: null,
});

const handoffInput = (sessionKey: string, createdAt: number, summary = 'Cần hỗ trợ'): Parameters<Stores['handoffs']['open']>[0] => ({
  sessionKey,
  channel: 'web',
  chatId: sessionKey.split(':')[1] ?? sessionKey,
  user: `u-${sessionKey}`,
  summary,
  reason: 'citizen asked for a human',
  createdAt,
  transcript: [{ from: 'citizen', text: 'gặp cán bộ', at: createdAt }],
});

/** Every item of a paged list, following `next` until the end (and failing on a loop). */
async function allPages<T>(list: (q: PageQuery) => Promise<Page<T>>, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await list({ limit, ...(after ? { after } : {}) });
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    if (!page.next) return { items, pages };
    expect(pages).toBeLessThan(1000);
    after = page.next;
  }
}

export function runStoreContract(name: string, open: () => Promise<OpenedStores>): void {
  describe(`store contract: ${name}`, () => {
    let opened: OpenedStores;
    let s: Stores;
    beforeEach(async () => {
      opened = await open();
      s = opened.stores;
    });
    afterEach(async () => {
      await opened.close();
    });

    describe('copies', () => {
      it('never lets a caller change a stored record by mutating what it passed in or got back', async () => {
        const session = { ...newSession(10), vars: { fullName: 'Nguyễn Văn A' } };
        await s.sessions.set('web:a', session);
        session.vars.fullName = 'changed after set';
        const got = (await s.sessions.get('web:a'))!;
        got.vars.fullName = 'changed after get';
        got.history.push('x');
        expect(await s.sessions.get('web:a')).toMatchObject({ vars: { fullName: 'Nguyễn Văn A' }, history: [] });

        const p = procedure('1.001193', 'Đăng ký khai sinh');
        await s.catalogue.upsert(p);
        p.name = 'changed after upsert';
        (await s.catalogue.get('1.001193'))!.phrasings.push('changed');
        (await s.catalogue.all())[0]!.name = 'changed in all()';
        (await s.catalogue.list()).items[0]!.fee = 'changed in list()';
        expect(await s.catalogue.get('1.001193')).toEqual(procedure('1.001193', 'Đăng ký khai sinh'));

        await s.catalogue.setAliases({ aliases: [{ from: 'ks', to: 'khai sinh' }], english: [] });
        (await s.catalogue.getAliases()).aliases.push({ from: 'x', to: 'y' });
        expect((await s.catalogue.getAliases()).aliases).toEqual([{ from: 'ks', to: 'khai sinh' }]);

        await s.flows.publish('f', 'v1', 'lan', 1);
        await s.flows.saveDraft('f', 'draft', 'lan', 2);
        const flow = (await s.flows.get('f'))!;
        // The issue-14 bug: a caller kept a reference to the draft while the store cleared it.
        const draft = flow.draft!;
        flow.versions[0]!.yaml = 'changed';
        flow.current = 99;
        (await s.flows.list())[0]!.disabled = true;
        await s.flows.discardDraft('f');
        expect(draft.yaml).toBe('draft');
        expect(await s.flows.get('f')).toMatchObject({ current: 1, disabled: false, draft: null, versions: [{ version: 1, yaml: 'v1' }] });

        const h = await s.handoffs.open(handoffInput('web:h', 5));
        h.status = 'closed';
        h.transcript.push({ from: 'bot', text: 'changed', at: 6 });
        (await s.handoffs.get(h.id))!.transcript.length = 0;
        (await s.handoffs.openFor('web:h'))!.summary = 'changed';
        (await s.handoffs.list()).items[0]!.claimedBy = 'x';
        const claimed = await s.handoffs.claim(h.id, 'lan', 7);
        claimed.claimedBy = 'someone else';
        expect(await s.handoffs.get(h.id)).toMatchObject({ status: 'claimed', claimedBy: 'lan', summary: 'Cần hỗ trợ', transcript: [{ text: 'gặp cán bộ' }] });

        const user = { name: 'lan', role: 'staff' as const, passwordHash: 'scrypt$x', createdAt: 1, disabled: false };
        await s.users.put(user);
        user.disabled = true;
        (await s.users.get('lan'))!.role = 'admin';
        (await s.users.list())[0]!.name = 'x';
        expect(await s.users.get('lan')).toEqual({ name: 'lan', role: 'staff', passwordHash: 'scrypt$x', createdAt: 1, disabled: false });

        const entry = { at: 1, who: 'lan', action: 'flow.publish', target: 'f', after: { version: 1 } };
        await s.audit.add(entry);
        entry.after.version = 2;
        ((await s.audit.list()).items[0]!.after as { version: number }).version = 3;
        expect((await s.audit.list()).items).toEqual([{ at: 1, who: 'lan', action: 'flow.publish', target: 'f', after: { version: 1 } }]);

        const login = { token: 'tok-1', user: 'lan', role: 'staff' as const, csrf: 'c', expires: 1000 };
        await s.logins.create(login);
        login.user = 'changed';
        (await s.logins.get('tok-1', 0))!.role = 'admin';
        expect(await s.logins.get('tok-1', 0)).toEqual({ token: 'tok-1', user: 'lan', role: 'staff', csrf: 'c', expires: 1000 });
      });
    });

    describe('paged lists', () => {
      it('pages sessions by key: every session once, in a stable order, whatever the page size', async () => {
        const keys = Array.from({ length: 23 }, (_, i) => `web:${String(i).padStart(3, '0')}`).reverse();
        for (const k of keys) await s.sessions.set(k, newSession(1));
        const all = await allPages((q) => s.sessions.list(q), 5);
        expect(all.pages).toBe(5);
        expect(all.items.map((e) => e.key)).toEqual([...keys].sort());
        expect(all.items[0]!.session).toEqual(newSession(1));
        const again = await allPages((q) => s.sessions.list(q), 7);
        expect(again.items.map((e) => e.key)).toEqual(all.items.map((e) => e.key));
        const one = await s.sessions.list({ limit: 23 });
        expect(one.items).toHaveLength(23);
        expect(one.next).toBeNull();
      });

      it('continues a page after a deletion and an insertion without repeating or skipping the others', async () => {
        for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) await s.sessions.set(`web:${k}`, newSession(1));
        const first = await s.sessions.list({ limit: 3 });
        expect(first.items.map((e) => e.key)).toEqual(['web:a', 'web:b', 'web:c']);
        await s.sessions.delete('web:c');
        await s.sessions.set('web:bb', newSession(1));
        await s.sessions.set('web:dd', newSession(1));
        const second = await s.sessions.list({ limit: 10, after: first.next! });
        expect(second.items.map((e) => e.key)).toEqual(['web:d', 'web:dd', 'web:e', 'web:f']);
        expect(second.next).toBeNull();
      });

      it('pages the catalogue by code and counts it', async () => {
        const codes = Array.from({ length: 12 }, (_, i) => `1.${String(100000 + i * 7)}`);
        await s.catalogue.importAll(
          [...codes].reverse().map((c) => procedure(c, `Thủ tục ${c}`)),
          'replace',
        );
        expect(await s.catalogue.count()).toBe(12);
        const all = await allPages((q) => s.catalogue.list(q), 5);
        expect(all.pages).toBe(3);
        expect(all.items.map((p) => p.code)).toEqual([...codes].sort());
      });

      it('pages handoffs oldest first, filtered by status (open = waiting or claimed) and by text', async () => {
        const opened: Handoff[] = [];
        for (let i = 0; i < 9; i++) opened.push(await s.handoffs.open(handoffInput(`web:c${i}`, 100 + i, i === 4 ? 'Hỏi về căn cước' : `Cần hỗ trợ ${i}`)));
        await s.handoffs.claim(opened[1]!.id, 'lan', 200);
        await s.handoffs.close(opened[2]!.id, 201);
        await s.handoffs.append(opened[7]!.id, { from: 'citizen', text: 'Làm lại giấy khai sinh', at: 202 });
        await s.handoffs.append(opened[8]!.id, { from: 'note', text: 'ghi chú: khai sinh', at: 203 });

        const all = await allPages((q) => s.handoffs.list(q), 4);
        expect(all.pages).toBe(3);
        expect(all.items.map((h) => h.id)).toEqual(opened.map((h) => h.id));
        const open = await allPages((q) => s.handoffs.list({ ...q, status: 'open' }), 2);
        expect(open.items.map((h) => h.id)).toEqual(opened.filter((_, i) => i !== 2).map((h) => h.id));
        expect((await s.handoffs.list({ status: 'claimed' })).items.map((h) => h.id)).toEqual([opened[1]!.id]);
        expect((await s.handoffs.list({ status: 'closed' })).items.map((h) => h.id)).toEqual([opened[2]!.id]);
        expect((await s.handoffs.list({ status: 'waiting', limit: 100 })).items).toHaveLength(7);
        expect(await s.handoffs.count('waiting')).toBe(7);
        expect(await s.handoffs.count('claimed')).toBe(1);
        expect(await s.handoffs.count('closed')).toBe(1);
        // Accent- and case-insensitive; a staff-only note is not searched.
        expect((await s.handoffs.list({ text: 'CAN CUOC' })).items.map((h) => h.id)).toEqual([opened[4]!.id]);
        expect((await s.handoffs.list({ text: 'khai sinh' })).items.map((h) => h.id)).toEqual([opened[7]!.id]);
      });

      it('pages the audit log newest first, optionally about one target', async () => {
        for (let i = 1; i <= 11; i++) await s.audit.add({ at: i, who: 'lan', action: 'x', target: i % 2 ? 'odd' : 'even' });
        const all = await allPages((q) => s.audit.list(q), 4);
        expect(all.pages).toBe(3);
        expect(all.items.map((e) => e.at)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
        const even = await allPages((q) => s.audit.list({ ...q, target: 'even' }), 2);
        expect(even.items.map((e) => e.at)).toEqual([10, 8, 6, 4, 2]);
        // An entry added between pages does not shift the next page.
        const first = await s.audit.list({ limit: 3 });
        await s.audit.add({ at: 12, who: 'lan', action: 'x', target: 'odd' });
        expect((await s.audit.list({ limit: 3, after: first.next! })).items.map((e) => e.at)).toEqual([8, 7, 6]);
      });
    });

    describe('flow versions', () => {
      it('numbers published versions 1, 2, 3 and makes each current, dropping the draft', async () => {
        const v1 = await s.flows.publish('f', 'a', 'lan', 1, { note: 'first' });
        await s.flows.saveDraft('f', 'draft', 'lan', 2);
        const v2 = await s.flows.publish('f', 'b', 'binh', 3, { expectedCurrent: 1 });
        expect(v1).toEqual({ version: 1, yaml: 'a', publishedAt: 1, publishedBy: 'lan', note: 'first' });
        expect(v2).toMatchObject({ version: 2, yaml: 'b', publishedBy: 'binh' });
        const r = (await s.flows.get('f'))!;
        expect(r.current).toBe(2);
        expect(r.draft).toBeNull();
        expect(r.versions.map((v) => v.version)).toEqual([1, 2]);
        const back = await s.flows.rollback('f', 1, 'an', 4, { expectedCurrent: 2 });
        expect(back).toMatchObject({ version: 3, yaml: 'a', note: 'rollback to v1' });
        expect((await s.flows.get('f'))!.current).toBe(3);
      });

      it('refuses a publish or rollback made against a version that is no longer current', async () => {
        await s.flows.publish('f', 'a', 'lan', 1);
        await s.flows.publish('f', 'b', 'binh', 2);
        const err = await s.flows.publish('f', 'c', 'lan', 3, { expectedCurrent: 1 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(VersionConflictError);
        expect(err).toMatchObject({ expected: 1, actual: 2 });
        await expect(s.flows.rollback('f', 1, 'lan', 4, { expectedCurrent: 1 })).rejects.toThrow(VersionConflictError);
        // A new flow is at version 0.
        await expect(s.flows.publish('g', 'x', 'lan', 5, { expectedCurrent: 3 })).rejects.toThrow(VersionConflictError);
        expect(await s.flows.get('g')).toBeUndefined();
        expect(await s.flows.publish('g', 'x', 'lan', 5, { expectedCurrent: 0 })).toMatchObject({ version: 1 });
        expect((await s.flows.get('f'))!.versions.map((v) => v.yaml)).toEqual(['a', 'b']);
      });

      it('gives concurrent publishes distinct versions, and exactly one of several with the same expected version wins', async () => {
        const all = await Promise.all(Array.from({ length: 8 }, (_, i) => s.flows.publish('f', `v${i}`, 'lan', i)));
        expect(all.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        const r = (await s.flows.get('f'))!;
        expect(new Set(r.versions.map((v) => v.version)).size).toBe(8);
        const raced = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => s.flows.publish('f', `race${i}`, 'lan', 10 + i, { expectedCurrent: 8 })));
        expect(raced.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
        expect(raced.filter((x) => x.status === 'rejected').every((x) => (x as PromiseRejectedResult).reason instanceof VersionConflictError)).toBe(true);
        expect((await s.flows.get('f'))!.current).toBe(9);
      });

      it('returns the draft it discards and the previous disabled flag', async () => {
        await s.flows.publish('f', 'a', 'lan', 1);
        expect(await s.flows.discardDraft('f')).toBeNull();
        await s.flows.saveDraft('f', 'draft', 'binh', 2);
        expect(await s.flows.discardDraft('f')).toEqual({ yaml: 'draft', updatedAt: 2, updatedBy: 'binh' });
        expect((await s.flows.get('f'))!.draft).toBeNull();
        expect(await s.flows.setDisabled('f', true)).toBe(false);
        expect(await s.flows.setDisabled('f', true)).toBe(true);
        expect(await s.flows.setDisabled('f', false)).toBe(true);
        expect((await s.flows.get('f'))!.disabled).toBe(false);
      });
    });

    describe('handoffs', () => {
      it('appends, claims, transfers and closes, telling watchers after each change', async () => {
        const changes: HandoffChange[] = [];
        const unwatch = s.handoffs.watch((c) => changes.push(c));
        const h = await s.handoffs.open(handoffInput('web:x', 1));
        expect(h).toMatchObject({ status: 'waiting', claimedBy: null, firstReplyAt: null, closedAt: null });
        expect((await s.handoffs.openFor('web:x'))?.id).toBe(h.id);
        await s.handoffs.append(h.id, { from: 'citizen', text: 'alo', at: 2 });
        await s.handoffs.append(h.id, { from: 'staff', text: 'Chào anh', at: 3, staff: 'lan' });
        await s.handoffs.append(h.id, { from: 'staff', text: 'Anh cần gì ạ', at: 4, staff: 'lan' });
        expect(await s.handoffs.claim(h.id, 'lan', 5)).toMatchObject({ status: 'claimed', claimedBy: 'lan', claimedAt: 5, firstReplyAt: 3 });
        expect(await s.handoffs.transfer(h.id, 'binh', 6)).toMatchObject({ status: 'claimed', claimedBy: 'binh', claimedAt: 6 });
        expect(await s.handoffs.close(h.id, 7)).toMatchObject({ status: 'closed', closedAt: 7 });
        expect(await s.handoffs.openFor('web:x')).toBeUndefined();
        await expect(s.handoffs.claim(h.id, 'lan', 8)).rejects.toThrow();
        await expect(s.handoffs.transfer(h.id, 'lan', 8)).rejects.toThrow();
        expect((await s.handoffs.get(h.id))!.transcript.map((m) => m.text)).toEqual(['gặp cán bộ', 'alo', 'Chào anh', 'Anh cần gì ạ']);
        expect(changes.map((c) => [c.kind, c.waiting])).toEqual([
          ['opened', 1],
          ['message', 1],
          ['message', 1],
          ['message', 1],
          ['claimed', 0],
          ['transferred', 0],
          ['closed', 0],
        ]);
        unwatch();
        await s.handoffs.open(handoffInput('web:y', 9));
        expect(changes).toHaveLength(7);
      });

      it('keeps every message of concurrent appends', async () => {
        const h = await s.handoffs.open(handoffInput('web:x', 1));
        await Promise.all(Array.from({ length: 20 }, (_, i) => s.handoffs.append(h.id, { from: 'citizen', text: `m${i}`, at: 10 + i })));
        const texts = (await s.handoffs.get(h.id))!.transcript.map((m) => m.text);
        expect(texts).toHaveLength(21);
        expect(new Set(texts).size).toBe(21);
      });

      it('purges closed handoffs older than the cut-off only', async () => {
        const a = await s.handoffs.open(handoffInput('web:a', 1));
        const b = await s.handoffs.open(handoffInput('web:b', 2));
        const c = await s.handoffs.open(handoffInput('web:c', 3));
        await s.handoffs.close(a.id, 10);
        await s.handoffs.close(b.id, 100);
        expect(await s.handoffs.purgeClosed(50)).toBe(1);
        expect(await s.handoffs.get(a.id)).toBeUndefined();
        expect(await s.handoffs.get(b.id)).toBeDefined();
        expect((await s.handoffs.get(c.id))?.status).toBe('waiting');
      });
    });

    describe('admin logins', () => {
      it('expires a login at its time, deleting it', async () => {
        await s.logins.create({ token: 't1', user: 'lan', role: 'admin', csrf: 'c1', expires: 1000 });
        expect(await s.logins.get('t1', 999)).toMatchObject({ user: 'lan', role: 'admin', csrf: 'c1' });
        expect(await s.logins.get('t1', 1001)).toBeUndefined();
        expect(await s.logins.get('t1', 0)).toBeUndefined();
        expect(await s.logins.get('nope', 0)).toBeUndefined();
      });

      it('signs a user out everywhere but one login, and purges expired ones', async () => {
        await s.logins.create({ token: 'a1', user: 'lan', role: 'staff', csrf: 'x', expires: 1000 });
        await s.logins.create({ token: 'a2', user: 'lan', role: 'staff', csrf: 'x', expires: 1000 });
        await s.logins.create({ token: 'a3', user: 'lan', role: 'staff', csrf: 'x', expires: 1000 });
        await s.logins.create({ token: 'b1', user: 'binh', role: 'staff', csrf: 'x', expires: 10 });
        expect(await s.logins.destroyUser('lan', 'a2')).toBe(2);
        expect(await s.logins.get('a1', 0)).toBeUndefined();
        expect(await s.logins.get('a2', 0)).toBeDefined();
        expect(await s.logins.get('b1', 0)).toBeDefined();
        await s.logins.destroy('a2');
        expect(await s.logins.get('a2', 0)).toBeUndefined();
        expect(await s.logins.purge(500)).toBe(1);
        expect(await s.logins.get('b1', 0)).toBeUndefined();
        expect(await s.logins.destroyUser('lan')).toBe(0);
      });
    });

    describe('sessions', () => {
      it('counts, lists and evicts idle sessions', async () => {
        await s.sessions.set('web:old', newSession(100));
        await s.sessions.set('web:new', newSession(900));
        await s.sessions.set('telegram:1', newSession(50));
        expect(await s.sessions.size()).toBe(3);
        expect(await s.sessions.evict(500)).toBe(2);
        expect(await s.sessions.size()).toBe(1);
        expect((await s.sessions.list()).items.map((e) => e.key)).toEqual(['web:new']);
        await s.sessions.delete('web:new');
        expect(await s.sessions.get('web:new')).toBeUndefined();
        expect(await s.sessions.size()).toBe(0);
        await s.sessions.flush();
      });
    });

    describe('transcripts', () => {
      it('keeps the last lines of each conversation, in order, and evicts conversations silent since the cut-off', async () => {
        for (let i = 0; i < 25; i++) await s.transcripts.append('web:a', [{ from: i % 2 ? 'bot' : 'citizen', text: `m${i}`, at: 100 + i }]);
        await s.transcripts.append('web:b', [
          { from: 'bot', text: 'Anh/chị chọn một mục:', at: 10, options: [{ id: '1', label: 'Đăng ký khai sinh' }] },
          { from: 'citizen', text: '1', at: 11 },
        ]);
        await s.transcripts.append('web:b', []);
        const a = await s.transcripts.of('web:a');
        expect(a.map((l) => l.text)).toEqual(Array.from({ length: TRANSCRIPT_LINES }, (_, i) => `m${25 - TRANSCRIPT_LINES + i}`));
        const b = await s.transcripts.of('web:b');
        expect(b).toEqual([
          { from: 'bot', text: 'Anh/chị chọn một mục:', at: 10, options: [{ id: '1', label: 'Đăng ký khai sinh' }] },
          { from: 'citizen', text: '1', at: 11 },
        ]);
        b[0]!.options![0]!.label = 'changed';
        expect((await s.transcripts.of('web:b'))[0]!.options![0]!.label).toBe('Đăng ký khai sinh');
        expect(await s.transcripts.of('web:none')).toEqual([]);
        expect(await s.transcripts.evict(50)).toBe(1);
        expect(await s.transcripts.of('web:b')).toEqual([]);
        expect(await s.transcripts.of('web:a')).toHaveLength(TRANSCRIPT_LINES);
      });
    });

    describe('catalogue and settings', () => {
      it('seeds once, bumps the revision on every change and merges imports by code', async () => {
        const r0 = await s.catalogue.revision();
        expect(await s.catalogue.isSeeded()).toBe(false);
        expect(await s.catalogue.seed([procedure('1.000001', 'A')], { aliases: [], english: [] })).toBe(true);
        expect(await s.catalogue.seed([procedure('1.000002', 'B')], { aliases: [], english: [] })).toBe(false);
        expect(await s.catalogue.isSeeded()).toBe(true);
        const r1 = await s.catalogue.revision();
        expect(r1).toBeGreaterThan(r0);
        expect(await s.catalogue.importAll([procedure('1.000001', 'A2'), procedure('1.000003', 'C')], 'merge')).toEqual({ added: 1, updated: 1, total: 2 });
        expect(await s.catalogue.remove('1.000003')).toBe(true);
        expect(await s.catalogue.remove('1.000003')).toBe(false);
        expect(await s.catalogue.revision()).toBeGreaterThan(r1);
        expect((await s.catalogue.all()).map((p) => p.name)).toEqual(['A2']);
        await s.settings.set('k', 'v');
        expect(await s.settings.get('k')).toBe('v');
        expect(await s.settings.get('missing')).toBeUndefined();
        await s.settings.set('a', '1');
        expect(await s.settings.all()).toEqual({ a: '1', k: 'v' });
      });

      it('applies alias edits inside the store: concurrent edits both survive, a no-op changes nothing', async () => {
        await s.catalogue.setAliases({ aliases: [{ from: 'cccd', to: 'căn cước' }], english: [] });
        const r0 = await s.catalogue.revision();
        const add = (from: string, to: string) => s.catalogue.updateAliases((t) => ({ ...t, aliases: [...t.aliases, { from, to }] }));
        const [x, y] = await Promise.all([add('gplx', 'giấy phép lái xe'), add('dkkd', 'đăng ký kinh doanh')]);
        expect(x?.before.aliases.length).toBeGreaterThanOrEqual(1);
        expect(y?.after.aliases.length).toBeGreaterThanOrEqual(2);
        expect((await s.catalogue.getAliases()).aliases.map((e) => e.from).sort()).toEqual(['cccd', 'dkkd', 'gplx']);
        const r1 = await s.catalogue.revision();
        expect(r1).toBeGreaterThan(r0);
        expect(await s.catalogue.updateAliases(() => null)).toBeNull();
        expect(await s.catalogue.revision()).toBe(r1);
      });
    });

    describe('copying between backends', () => {
      it('restores a handoff exactly as given, once', async () => {
        const h: Handoff = {
          ...handoffInput('telegram:77', 1000, 'Hỏi về khai sinh'),
          id: 'h-copied-1',
          status: 'claimed',
          claimedBy: 'lan',
          claimedAt: 1100,
          firstReplyAt: 1200,
          closedAt: null,
          transcript: [
            { from: 'citizen', text: 'gặp cán bộ', at: 1000 },
            { from: 'staff', text: 'Chào anh/chị', at: 1200, staff: 'lan' },
          ],
        };
        expect(await s.handoffs.restore(h)).toBe(true);
        expect(await s.handoffs.restore({ ...h, summary: 'khác' })).toBe(false);
        expect(await s.handoffs.get('h-copied-1')).toEqual(h);
        expect((await s.handoffs.openFor('telegram:77'))?.id).toBe('h-copied-1');
      });
    });
  });
}
