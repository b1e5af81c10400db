import { randomUUID } from 'node:crypto';
import type { Procedure } from '../catalogue/procedure.js';
import { parseSession, type Session } from '../core/session.js';
import type { DocOpener } from './doc.js';
import type {
  AliasTables,
  AuditEntry,
  AuditStore,
  CatalogueStore,
  FlowRecord,
  FlowStore,
  FlowVersion,
  Handoff,
  HandoffChange,
  HandoffStore,
  SessionStore,
  SettingsStore,
  Stores,
  User,
  UserStore,
} from './types.js';

/** Audit entries kept in the store; older ones are dropped (the log is for recent changes). */
const AUDIT_CAP = 20_000;

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
}
interface SettingsDoc {
  version: 1;
  values: Record<string, string>;
}

/**
 * Builds every store on top of one document opener (files under DATA_DIR, or memory).
 * Staff edits resolve after the write is durable; sessions are written in batches.
 */
export async function createStores(open: DocOpener, release: () => void = () => undefined): Promise<Stores> {
  const catalogueDoc = await open<CatalogueDoc>('catalogue', () => ({ version: 1, revision: 0, seeded: false, procedures: [] }));
  const aliasDoc = await open<AliasDoc>('aliases', () => ({ version: 1, aliases: [], english: [] }));
  const flowsDoc = await open<FlowsDoc>('flows', () => ({ version: 1, flows: {} }));
  const sessionsDoc = await open<SessionsDoc>('sessions', () => ({ version: 1, sessions: {} }));
  const handoffsDoc = await open<HandoffsDoc>('handoffs', () => ({ version: 1, handoffs: [] }));
  const usersDoc = await open<UsersDoc>('users', () => ({ version: 1, users: [] }));
  const auditDoc = await open<AuditDoc>('audit', () => ({ version: 1, entries: [] }));
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
    get: (key) => sessionMap.get(key),
    set(key, session) {
      sessionMap.set(key, session);
      markSessions();
    },
    delete(key) {
      if (sessionMap.delete(key)) markSessions();
    },
    evict(olderThan) {
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
    size: () => sessionMap.size,
    keys: () => sessionMap.keys(),
    flush: async () => {
      await sessionsDoc.flush();
      if (sessionsDirty) await sessionsDoc.save();
    },
  };

  let byCode = new Map(catalogueDoc.data.procedures.map((p) => [p.code, p]));
  const commitCatalogue = async () => {
    catalogueDoc.data.procedures = [...byCode.values()];
    catalogueDoc.data.revision++;
    await catalogueDoc.save();
  };
  const catalogue: CatalogueStore = {
    all: () => catalogueDoc.data.procedures,
    get: (code) => byCode.get(code),
    async upsert(p) {
      byCode.set(p.code, p);
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
        next.set(p.code, p);
      }
      byCode = next;
      await commitCatalogue();
      return { added, updated, total: byCode.size };
    },
    revision: () => catalogueDoc.data.revision,
    getAliases: () => ({ aliases: aliasDoc.data.aliases, english: aliasDoc.data.english, ...(aliasDoc.data.lexicon ? { lexicon: aliasDoc.data.lexicon } : {}) }),
    async setAliases(t) {
      aliasDoc.data = { version: 1, aliases: t.aliases, english: t.english, ...(t.lexicon ? { lexicon: t.lexicon } : {}) };
      catalogueDoc.data.revision++;
      await aliasDoc.save();
    },
    isSeeded: () => catalogueDoc.data.seeded,
    async seed(list, tables) {
      if (catalogueDoc.data.seeded) return false;
      aliasDoc.data = { version: 1, aliases: tables.aliases, english: tables.english, ...(tables.lexicon ? { lexicon: tables.lexicon } : {}) };
      await aliasDoc.save();
      byCode = new Map(list.map((p) => [p.code, p]));
      catalogueDoc.data.seeded = true;
      await commitCatalogue();
      return true;
    },
  };

  const flowRecord = (id: string): FlowRecord => {
    const r = flowsDoc.data.flows[id];
    if (!r) throw new Error(`Unknown flow "${id}"`);
    return r;
  };
  const flows: FlowStore = {
    list: () => Object.values(flowsDoc.data.flows),
    get: (id) => flowsDoc.data.flows[id],
    async publish(id, yaml, by, at, note) {
      const r = (flowsDoc.data.flows[id] ??= { id, current: 0, versions: [], draft: null, disabled: false });
      const v: FlowVersion = { version: r.versions.length + 1, yaml, publishedAt: at, publishedBy: by, ...(note ? { note } : {}) };
      r.versions.push(v);
      r.current = v.version;
      r.draft = null;
      await flowsDoc.save();
      return v;
    },
    async rollback(id, version, by, at) {
      const r = flowRecord(id);
      const old = r.versions.find((v) => v.version === version);
      if (!old) throw new Error(`Flow "${id}" has no version ${version}`);
      return flows.publish(id, old.yaml, by, at, `rollback to v${version}`);
    },
    async saveDraft(id, yaml, by, at) {
      const r = (flowsDoc.data.flows[id] ??= { id, current: 0, versions: [], draft: null, disabled: false });
      r.draft = { yaml, updatedAt: at, updatedBy: by };
      await flowsDoc.save();
    },
    async discardDraft(id) {
      const r = flowRecord(id);
      r.draft = null;
      await flowsDoc.save();
    },
    async setDisabled(id, disabled) {
      flowRecord(id).disabled = disabled;
      await flowsDoc.save();
    },
  };

  const handoffById = (id: string): Handoff => {
    const h = handoffsDoc.data.handoffs.find((x) => x.id === id);
    if (!h) throw new Error(`Unknown handoff "${id}"`);
    return h;
  };
  const handoffWatchers = new Set<(change: HandoffChange) => void>();
  const changed = (kind: HandoffChange['kind'], id: string) => {
    const waiting = handoffsDoc.data.handoffs.filter((x) => x.status === 'waiting').length;
    for (const listener of handoffWatchers) {
      try {
        listener({ kind, id, waiting });
      } catch {
        // A watcher that fails (a closed page) must not fail the citizen's message.
      }
    }
  };
  const handoffs: HandoffStore = {
    async open(h) {
      const full: Handoff = { ...h, transcript: [...h.transcript], id: randomUUID(), status: 'waiting', claimedBy: null, claimedAt: null, firstReplyAt: null, closedAt: null };
      handoffsDoc.data.handoffs.push(full);
      await handoffsDoc.save();
      changed('opened', full.id);
      return full;
    },
    get: (id) => handoffsDoc.data.handoffs.find((x) => x.id === id),
    openFor: (key) => handoffsDoc.data.handoffs.find((x) => x.sessionKey === key && x.status !== 'closed'),
    list: (status) => handoffsDoc.data.handoffs.filter((x) => !status || x.status === status),
    async append(id, msg) {
      const h = handoffById(id);
      h.transcript.push(msg);
      if (msg.from === 'staff' && h.firstReplyAt === null) h.firstReplyAt = msg.at;
      await handoffsDoc.save();
      changed('message', id);
    },
    async claim(id, staff, at) {
      const h = handoffById(id);
      if (h.status === 'closed') throw new Error('Handoff is already closed');
      h.status = 'claimed';
      h.claimedBy = staff;
      h.claimedAt = at;
      await handoffsDoc.save();
      changed('claimed', id);
      return h;
    },
    async close(id, at) {
      const h = handoffById(id);
      h.status = 'closed';
      h.closedAt = at;
      await handoffsDoc.save();
      changed('closed', id);
      return h;
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
    list: () => usersDoc.data.users,
    get: (name) => usersDoc.data.users.find((u) => u.name === name),
    async put(u) {
      const i = usersDoc.data.users.findIndex((x) => x.name === u.name);
      if (i >= 0) usersDoc.data.users[i] = u;
      else usersDoc.data.users.push(u);
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

  const audit: AuditStore = {
    async add(e) {
      auditDoc.data.entries.push(e);
      if (auditDoc.data.entries.length > AUDIT_CAP) auditDoc.data.entries.splice(0, auditDoc.data.entries.length - AUDIT_CAP);
      await auditDoc.save();
    },
    list: (limit = 200) => auditDoc.data.entries.slice(-limit).reverse(),
  };

  const settings: SettingsStore = {
    get: (key) => settingsDoc.data.values[key],
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
    async close() {
      if (closed) return;
      closed = true;
      try {
        await sessions.flush();
        await Promise.all([catalogueDoc, aliasDoc, flowsDoc, handoffsDoc, usersDoc, auditDoc, settingsDoc].map((d) => d.flush()));
      } finally {
        release();
      }
    },
  };
}
