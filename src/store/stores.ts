import { createHash, randomUUID } from 'node:crypto';
import { fold } from '../text/vi/fold.js';
import type { Procedure } from '../catalogue/procedure.js';
import { parseSession, type Session } from '../core/session.js';
import type { DocOpener } from './doc.js';
import { memoryTranscripts } from './transcripts-memory.js';
import {
  VersionConflictError,
  type AdminLogin,
  type AliasTables,
  type AuditEntry,
  type AuditStore,
  type CatalogueStore,
  type FlowRecord,
  type FlowStore,
  type FlowVersion,
  type Handoff,
  type HandoffChange,
  type HandoffStore,
  type LoginStore,
  type Page,
  type PageQuery,
  type SessionStore,
  type SettingsStore,
  type Stores,
  type User,
  type UserStore,
} from './types.js';

/** Audit entries kept in the store; older ones are dropped (the log is for recent changes). */
const AUDIT_CAP = 20_000;
/** Admin sign-ins kept at once; the oldest goes first. */
const LOGINS_MAX = 1000;
export const PAGE_DEFAULT = 100;
export const PAGE_MAX = 1000;

interface CatalogueDoc {
  version: 1;
  revision: number;
  seeded: boolean;
  procedures: Procedure[];
}
interface AliasDoc extends AliasTables {
  version: 1;
}
interface FlowsDoc {
  version: 1;
  flows: Record<string, FlowRecord>;
}
interface SessionsDoc {
  version: 1;
  sessions: Record<string, Session>;
}
interface HandoffsDoc {
  version: 1;
  handoffs: Handoff[];
}
interface UsersDoc {
  version: 1;
  users: User[];
}
interface AuditDoc {
  version: 1;
  entries: AuditEntry[];
  /** Entries ever added (the newest entry's sequence number; absent in older files). */
  seq?: number;
}
/** Logins keyed by a hash of the cookie token, so the file holds no usable cookie. */
interface LoginsDoc {
  version: 1;
  logins: Record<string, Omit<AdminLogin, 'token'>>;
}
interface SettingsDoc {
  version: 1;
  values: Record<string, string>;
}

const copy = <T>(v: T): T => structuredClone(v);
/**
 * A session copied on every chat turn: top-level fields spread (keeping the object's compact
 * shape, so 100,000 resident sessions cost no more memory), the nested ones cloned.
 */
const copySession = (s: Session): Session => ({ ...s, vars: Object.keys(s.vars).length ? structuredClone(s.vars) : {}, history: s.history.length ? [...s.history] : [] });

/** Cursors are opaque to callers: the sort key of the last item on the page, base64url JSON. */
export const encodeCursor = (key: unknown): string => Buffer.from(JSON.stringify(key)).toString('base64url');
export function decodeCursor<K>(cursor: string): K {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as K;
  } catch {
    throw new Error(`Invalid page cursor "${cursor}"`);
  }
}
export const pageLimit = (q?: PageQuery): number => Math.min(PAGE_MAX, Math.max(1, Math.floor(q?.limit ?? PAGE_DEFAULT)));

/**
 * One page of `sorted` (ascending by `key`, keys unique): the items whose key comes after the
 * cursor. Positions are found by key, not index, so inserts and deletes between pages neither
 * repeat nor skip the items that stayed.
 */
function pageOf<T, K extends string | number | (string | number)[]>(sorted: T[], key: (t: T) => K, q: PageQuery | undefined, map: (t: T) => T = copy): Page<T> {
  const limit = pageLimit(q);
  let start = 0;
  if (q?.after) {
    const after = decodeCursor<K>(q.after);
    start = sorted.findIndex((t) => compareKeys(key(t), after) > 0);
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + limit);
  const last = items.at(-1);
  const next = last !== undefined && start + limit < sorted.length ? encodeCursor(key(last)) : null;
  return { items: items.map(map), next };
}

function compareKeys(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareKeys(a[i], b[i]);
      if (c) return c;
    }
    return a.length - b.length;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const tokenKey = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Builds every store on top of one document opener (files under DATA_DIR, or memory).
 * Staff edits resolve after the write is durable; sessions are written in batches.
 * Every read returns a copy and every write stores one, so no caller shares a live record.
 */
export async function createStores(open: DocOpener, release: () => void = () => undefined): Promise<Stores> {
  const catalogueDoc = await open<CatalogueDoc>('catalogue', () => ({ version: 1, revision: 0, seeded: false, procedures: [] }));
  const aliasDoc = await open<AliasDoc>('aliases', () => ({ version: 1, aliases: [], english: [] }));
  const flowsDoc = await open<FlowsDoc>('flows', () => ({ version: 1, flows: {} }));
  const sessionsDoc = await open<SessionsDoc>('sessions', () => ({ version: 1, sessions: {} }));
  const handoffsDoc = await open<HandoffsDoc>('handoffs', () => ({ version: 1, handoffs: [] }));
  const usersDoc = await open<UsersDoc>('users', () => ({ version: 1, users: [] }));
  const auditDoc = await open<AuditDoc>('audit', () => ({ version: 1, entries: [] }));
  const loginsDoc = await open<LoginsDoc>('logins', () => ({ version: 1, logins: {} }));
  const settingsDoc = await open<SettingsDoc>('settings', () => ({ version: 1, values: {} }));

  // Sessions live in a Map for O(1) access; invalid stored sessions are dropped on load.
  const sessionMap = new Map<string, Session>();
  for (const [k, v] of Object.entries(sessionsDoc.data.sessions)) {
    const s = parseSession(v);
    if (s) sessionMap.set(k, s);
  }
  // Serialise the map lazily, right before a write, so per-message cost stays O(1).
  let sessionsDirty = false;
  const markSessions = () => {
    sessionsDirty = true;
    sessionsDoc.schedule();
  };
  sessionsDoc.beforeWrite = () => {
    if (!sessionsDirty) return;
    sessionsDirty = false;
    sessionsDoc.data = { version: 1, sessions: Object.fromEntries(sessionMap) };
  };

  const sessions: SessionStore = {
    async get(key) {
      const s = sessionMap.get(key);
      return s && copySession(s);
    },
    async set(key, session) {
      sessionMap.set(key, copySession(session));
      markSessions();
    },
    async delete(key) {
      if (sessionMap.delete(key)) markSessions();
    },
    async evict(olderThan) {
      let n = 0;
      for (const [k, s] of sessionMap) {
        if (s.updatedAt < olderThan) {
          sessionMap.delete(k);
          n++;
        }
      }
      if (n) markSessions();
      return n;
    },
    size: async () => sessionMap.size,
    async list(q) {
      const sorted = [...sessionMap].map(([key, session]) => ({ key, session })).sort((a, b) => compareKeys(a.key, b.key));
      return pageOf(sorted, (e) => e.key, q, (e) => ({ key: e.key, session: copySession(e.session) }));
    },
    flush: async () => {
      await sessionsDoc.flush();
      if (sessionsDirty) await sessionsDoc.save();
    },
  };

  let byCode = new Map(catalogueDoc.data.procedures.map((p) => [p.code, p]));
  let sortedCodes: string[] | null = null;
  const commitCatalogue = async () => {
    sortedCodes = null;
    catalogueDoc.data.procedures = [...byCode.values()];
    catalogueDoc.data.revision++;
    await catalogueDoc.save();
  };
  const aliasTables = (d: AliasTables): AliasTables => copy({ aliases: d.aliases, english: d.english, ...(d.lexicon ? { lexicon: d.lexicon } : {}) });
  const catalogue: CatalogueStore = {
    all: async () => copy(catalogueDoc.data.procedures),
    async get(code) {
      const p = byCode.get(code);
      return p && copy(p);
    },
    async list(q) {
      sortedCodes ??= [...byCode.keys()].sort(compareKeys);
      const page = pageOf(sortedCodes, (c) => c, q, (c) => c);
      return { items: page.items.map((c) => copy(byCode.get(c)!)), next: page.next };
    },
    count: async () => byCode.size,
    async upsert(p) {
      byCode.set(p.code, copy(p));
      await commitCatalogue();
    },
    async remove(code) {
      if (!byCode.delete(code)) return false;
      await commitCatalogue();
      return true;
    },
    async importAll(list, mode) {
      let added = 0;
      let updated = 0;
      const next = mode === 'replace' ? new Map<string, Procedure>() : new Map(byCode);
      for (const p of list) {
        if (byCode.has(p.code)) updated++;
        else added++;
        next.set(p.code, copy(p));
      }
      byCode = next;
      await commitCatalogue();
      return { added, updated, total: byCode.size };
    },
    revision: async () => catalogueDoc.data.revision,
    getAliases: async () => aliasTables(aliasDoc.data),
    async setAliases(t) {
      aliasDoc.data = { version: 1, ...aliasTables(t) };
      catalogueDoc.data.revision++;
      await aliasDoc.save();
    },
    async updateAliases(change) {
      // Read, change and replace with no await in between: no other edit can come in the middle.
      const before = aliasTables(structuredClone(aliasDoc.data));
      const after = change(aliasTables(structuredClone(aliasDoc.data)));
      if (!after) return null;
      aliasDoc.data = { version: 1, ...aliasTables(structuredClone(after)) };
      catalogueDoc.data.revision++;
      await aliasDoc.save();
      return { before, after: aliasTables(structuredClone(after)) };
    },
    isSeeded: async () => catalogueDoc.data.seeded,
    async seed(list, tables) {
      if (catalogueDoc.data.seeded) return false;
      // Marked at once, so a second seed arriving during the writes is refused too.
      catalogueDoc.data.seeded = true;
      aliasDoc.data = { version: 1, ...aliasTables(tables) };
      byCode = new Map(list.map((p) => [p.code, copy(p)]));
      await aliasDoc.save();
      await commitCatalogue();
      return true;
    },
  };

  const flowRecord = (id: string): FlowRecord => {
    const r = flowsDoc.data.flows[id];
    if (!r) throw new Error(`Unknown flow "${id}"`);
    return r;
  };
  const newFlow = (id: string): FlowRecord => ({ id, current: 0, versions: [], draft: null, disabled: false });
  const checkExpected = (r: FlowRecord, expected: number | undefined) => {
    if (expected !== undefined && r.current !== expected) throw new VersionConflictError(r.id, expected, r.current);
  };
  /** Numbers and appends the version synchronously (no await in between): that is this store's transaction. */
  const appendVersion = (r: FlowRecord, yaml: string, by: string, at: number, note: string | undefined): FlowVersion => {
    const number = r.versions.reduce((max, v) => Math.max(max, v.version), 0) + 1;
    const v: FlowVersion = { version: number, yaml, publishedAt: at, publishedBy: by, ...(note ? { note } : {}) };
    r.versions.push(v);
    r.current = v.version;
    r.draft = null;
    return v;
  };
  const flows: FlowStore = {
    list: async () => copy(Object.values(flowsDoc.data.flows)),
    async get(id) {
      const r = flowsDoc.data.flows[id];
      return r && copy(r);
    },
    async publish(id, yaml, by, at, opts = {}) {
      const r = flowsDoc.data.flows[id] ?? newFlow(id);
      checkExpected(r, opts.expectedCurrent);
      flowsDoc.data.flows[id] = r;
      const v = appendVersion(r, yaml, by, at, opts.note);
      await flowsDoc.save();
      return copy(v);
    },
    async rollback(id, version, by, at, opts = {}) {
      const r = flowRecord(id);
      const old = r.versions.find((v) => v.version === version);
      if (!old) throw new Error(`Flow "${id}" has no version ${version}`);
      checkExpected(r, opts.expectedCurrent);
      const v = appendVersion(r, old.yaml, by, at, `rollback to v${version}`);
      await flowsDoc.save();
      return copy(v);
    },
    async saveDraft(id, yaml, by, at) {
      const r = (flowsDoc.data.flows[id] ??= newFlow(id));
      r.draft = { yaml, updatedAt: at, updatedBy: by };
      await flowsDoc.save();
    },
    async discardDraft(id) {
      const r = flowsDoc.data.flows[id];
      if (!r?.draft) return null;
      const dropped = r.draft;
      r.draft = null;
      await flowsDoc.save();
      return dropped;
    },
    async setDisabled(id, disabled) {
      const r = flowRecord(id);
      const previous = r.disabled;
      r.disabled = disabled;
      if (previous !== disabled) await flowsDoc.save();
      return previous;
    },
  };

  const handoffById = (id: string): Handoff => {
    const h = handoffsDoc.data.handoffs.find((x) => x.id === id);
    if (!h) throw new Error(`Unknown handoff "${id}"`);
    return h;
  };
  const handoffWatchers = new Set<(change: HandoffChange) => void>();
  const countHandoffs = (status: Handoff['status']) => handoffsDoc.data.handoffs.reduce((n, x) => (x.status === status ? n + 1 : n), 0);
  const changed = (kind: HandoffChange['kind'], id: string) => {
    const waiting = countHandoffs('waiting');
    for (const listener of handoffWatchers) {
      try {
        listener({ kind, id, waiting });
      } catch {
        // A watcher that fails (a closed page) must not fail the citizen's message.
      }
    }
  };
  const handoffText = (h: Handoff) => fold([h.summary, h.reason, h.user, ...h.transcript.filter((m) => m.from !== 'note').map((m) => m.text)].join(' '));
  /** Gives an open handoff to a staff member (claim, or transfer to a colleague). */
  const assign = async (id: string, staff: string, at: number, kind: 'claimed' | 'transferred'): Promise<Handoff> => {
    const h = handoffById(id);
    if (h.status === 'closed') throw new Error('Handoff is already closed');
    h.status = 'claimed';
    h.claimedBy = staff;
    h.claimedAt = at;
    await handoffsDoc.save();
    changed(kind, id);
    return copy(h);
  };
  const handoffs: HandoffStore = {
    async open(h) {
      const full: Handoff = { ...copy(h), id: randomUUID(), status: 'waiting', claimedBy: null, claimedAt: null, firstReplyAt: null, closedAt: null };
      handoffsDoc.data.handoffs.push(full);
      await handoffsDoc.save();
      changed('opened', full.id);
      return copy(full);
    },
    async get(id) {
      const h = handoffsDoc.data.handoffs.find((x) => x.id === id);
      return h && copy(h);
    },
    async restore(h) {
      if (handoffsDoc.data.handoffs.some((x) => x.id === h.id)) return false;
      handoffsDoc.data.handoffs.push(copy(h));
      await handoffsDoc.save();
      return true;
    },
    async openFor(key) {
      const h = handoffsDoc.data.handoffs.find((x) => x.sessionKey === key && x.status !== 'closed');
      return h && copy(h);
    },
    async list(q = {}) {
      const needle = q.text ? fold(q.text) : '';
      const sorted = handoffsDoc.data.handoffs
        .filter((h) => !q.status || (q.status === 'open' ? h.status !== 'closed' : h.status === q.status))
        .filter((h) => !needle || handoffText(h).includes(needle))
        .sort((a, b) => a.createdAt - b.createdAt || compareKeys(a.id, b.id));
      return pageOf(sorted, (h) => [h.createdAt, h.id], q);
    },
    count: async (status) => countHandoffs(status),
    async append(id, msg) {
      const h = handoffById(id);
      h.transcript.push(copy(msg));
      if (msg.from === 'staff' && h.firstReplyAt === null) h.firstReplyAt = msg.at;
      await handoffsDoc.save();
      changed('message', id);
    },
    claim: (id, staff, at) => assign(id, staff, at, 'claimed'),
    transfer: (id, to, at) => assign(id, to, at, 'transferred'),
    async close(id, at) {
      const h = handoffById(id);
      h.status = 'closed';
      h.closedAt = at;
      await handoffsDoc.save();
      changed('closed', id);
      return copy(h);
    },
    async purgeClosed(before) {
      const keep = handoffsDoc.data.handoffs.filter((h) => !(h.status === 'closed' && (h.closedAt ?? 0) < before));
      const n = handoffsDoc.data.handoffs.length - keep.length;
      if (n) {
        handoffsDoc.data.handoffs = keep;
        await handoffsDoc.save();
      }
      return n;
    },
    watch(listener) {
      handoffWatchers.add(listener);
      return () => void handoffWatchers.delete(listener);
    },
  };

  const users: UserStore = {
    list: async () => copy(usersDoc.data.users),
    async get(name) {
      const u = usersDoc.data.users.find((x) => x.name === name);
      return u && copy(u);
    },
    async put(u) {
      const i = usersDoc.data.users.findIndex((x) => x.name === u.name);
      if (i >= 0) usersDoc.data.users[i] = copy(u);
      else usersDoc.data.users.push(copy(u));
      await usersDoc.save();
    },
    async remove(name) {
      const before = usersDoc.data.users.length;
      usersDoc.data.users = usersDoc.data.users.filter((u) => u.name !== name);
      if (usersDoc.data.users.length === before) return false;
      await usersDoc.save();
      return true;
    },
  };

  // Audit entries are numbered (1, 2, …) so pages stay stable while older ones are dropped.
  const auditSeq = () => auditDoc.data.seq ?? auditDoc.data.entries.length;
  const audit: AuditStore = {
    async add(e) {
      const d = auditDoc.data;
      d.seq = auditSeq() + 1;
      d.entries.push(copy(e));
      if (d.entries.length > AUDIT_CAP) d.entries.splice(0, d.entries.length - AUDIT_CAP);
      await auditDoc.save();
    },
    async list(q = {}) {
      const { entries } = auditDoc.data;
      const first = auditSeq() - entries.length + 1;
      // Newest first: sort keys are negated sequence numbers, so ascending order is newest first.
      const numbered = entries.map((e, i) => ({ e, key: -(first + i) })).reverse();
      const sorted = q.target === undefined ? numbered : numbered.filter((x) => x.e.target === q.target);
      const page = pageOf(sorted, (x) => x.key, q, (x) => x);
      return { items: page.items.map((x) => copy(x.e)), next: page.next };
    },
  };

  const logins: LoginStore = {
    async create(s) {
      const { token, ...rest } = s;
      const all = loginsDoc.data.logins;
      all[tokenKey(token)] = copy(rest);
      const keys = Object.keys(all);
      for (const k of keys.slice(0, Math.max(0, keys.length - LOGINS_MAX))) delete all[k];
      await loginsDoc.save();
    },
    async get(token, now) {
      const k = tokenKey(token);
      const s = loginsDoc.data.logins[k];
      if (!s) return undefined;
      if (s.expires < now) {
        delete loginsDoc.data.logins[k];
        await loginsDoc.save();
        return undefined;
      }
      return { token, ...copy(s) };
    },
    async destroy(token) {
      const k = tokenKey(token);
      if (!(k in loginsDoc.data.logins)) return;
      delete loginsDoc.data.logins[k];
      await loginsDoc.save();
    },
    async destroyUser(name, keep) {
      const keepKey = keep === undefined ? undefined : tokenKey(keep);
      let n = 0;
      for (const [k, s] of Object.entries(loginsDoc.data.logins)) {
        if (s.user === name && k !== keepKey) {
          delete loginsDoc.data.logins[k];
          n++;
        }
      }
      if (n) await loginsDoc.save();
      return n;
    },
    async purge(now) {
      let n = 0;
      for (const [k, s] of Object.entries(loginsDoc.data.logins)) {
        if (s.expires < now) {
          delete loginsDoc.data.logins[k];
          n++;
        }
      }
      if (n) await loginsDoc.save();
      return n;
    },
  };

  const settings: SettingsStore = {
    get: async (key) => settingsDoc.data.values[key],
    all: async () => ({ ...settingsDoc.data.values }),
    async set(key, value) {
      settingsDoc.data.values[key] = value;
      await settingsDoc.save();
    },
  };

  let closed = false;
  return {
    sessions,
    catalogue,
    flows,
    handoffs,
    users,
    audit,
    settings,
    logins,
    transcripts: memoryTranscripts(),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await sessions.flush();
        await Promise.all([catalogueDoc, aliasDoc, flowsDoc, handoffsDoc, usersDoc, auditDoc, loginsDoc, settingsDoc].map((d) => d.flush()));
      } finally {
        release();
      }
    },
  };
}
