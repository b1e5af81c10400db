import type { Procedure } from '../catalogue/procedure.js';
import type { ChannelName } from '../core/message.js';
import type { Session } from '../core/session.js';

/**
 * Store interfaces. The lowdb implementation (default, files under DATA_DIR) and the memory
 * implementation (tests) both satisfy these; another backend is one new file per interface.
 * Methods that change data resolve once the change is durable (fsynced) for staff edits;
 * sessions are coalesced (written in batches) because they change on every message.
 */

export interface SessionStore {
  get(key: string): Session | undefined;
  /** Saves in memory at once; persisted by the next coalesced write. */
  set(key: string, session: Session): void;
  delete(key: string): void;
  /** Removes sessions idle since before `olderThan` (epoch ms); returns how many. */
  evict(olderThan: number): number;
  size(): number;
  keys(): IterableIterator<string>;
  /** Writes pending changes now. */
  flush(): Promise<void>;
}

/** Alias and English-term tables, as edited by staff (shape owned by src/catalogue/aliases.ts). */
export interface AliasTables {
  aliases: { from: string; to: string; note?: string }[];
  english: { from: string; to: string; note?: string }[];
  /** Concept lexicon, everyday ↔ official words (shape owned by src/catalogue/lexicon.ts). */
  lexicon?: { official: string[]; colloquial: string[]; field?: string; note?: string }[];
}

export interface CatalogueStore {
  all(): Procedure[];
  get(code: string): Procedure | undefined;
  /** Adds or replaces one procedure. */
  upsert(p: Procedure): Promise<void>;
  remove(code: string): Promise<boolean>;
  /** Replaces the whole catalogue (import with --replace) or merges by code. */
  importAll(list: Procedure[], mode: 'replace' | 'merge'): Promise<{ added: number; updated: number; total: number }>;
  /** Increments on every change, so searchers know when to rebuild. */
  revision(): number;
  getAliases(): AliasTables;
  setAliases(t: AliasTables): Promise<void>;
  /** True once the store was seeded from data/ (first start); later starts keep staff edits. */
  isSeeded(): boolean;
  /** Seeds catalogue and alias tables once; returns false when already seeded. */
  seed(list: Procedure[], tables: AliasTables): Promise<boolean>;
}

export interface FlowVersion {
  version: number;
  /** The YAML text as staff wrote it. */
  yaml: string;
  publishedAt: number;
  publishedBy: string;
  note?: string;
}

export interface FlowRecord {
  id: string;
  /** Version citizens get when they start the flow now. */
  current: number;
  versions: FlowVersion[];
  draft: { yaml: string; updatedAt: number; updatedBy: string } | null;
  disabled: boolean;
}

export interface FlowStore {
  list(): FlowRecord[];
  get(id: string): FlowRecord | undefined;
  /** Appends an immutable version and makes it current. */
  publish(id: string, yaml: string, by: string, at: number, note?: string): Promise<FlowVersion>;
  /** Makes an earlier version current again (recorded as a new version copying it). */
  rollback(id: string, version: number, by: string, at: number): Promise<FlowVersion>;
  saveDraft(id: string, yaml: string, by: string, at: number): Promise<void>;
  discardDraft(id: string): Promise<void>;
  setDisabled(id: string, disabled: boolean): Promise<void>;
}

export interface HandoffMessage {
  /** `note`: an internal note between staff, never sent to the citizen. */
  from: 'citizen' | 'bot' | 'staff' | 'note';
  text: string;
  at: number;
  /** Login name of the staff member who replied or wrote the note. */
  staff?: string;
}

/** What changed in the handoff list; the inbox pushes these to open staff pages. */
export interface HandoffChange {
  kind: 'opened' | 'message' | 'claimed' | 'closed';
  id: string;
  /** Handoffs waiting for a staff member after the change (the nav badge). */
  waiting: number;
}

export interface Handoff {
  id: string;
  sessionKey: string;
  channel: ChannelName;
  chatId: string;
  /** Pseudonymous citizen id (keyed hash; the chat id above is what replies need). */
  user: string;
  status: 'waiting' | 'claimed' | 'closed';
  summary: string;
  reason: string;
  createdAt: number;
  claimedBy: string | null;
  claimedAt: number | null;
  firstReplyAt: number | null;
  closedAt: number | null;
  transcript: HandoffMessage[];
}

export interface HandoffStore {
  open(h: Omit<Handoff, 'id' | 'status' | 'claimedBy' | 'claimedAt' | 'firstReplyAt' | 'closedAt'>): Promise<Handoff>;
  get(id: string): Handoff | undefined;
  /** The open (waiting or claimed) handoff of a conversation, if any. */
  openFor(sessionKey: string): Handoff | undefined;
  list(status?: Handoff['status']): Handoff[];
  append(id: string, msg: HandoffMessage): Promise<void>;
  claim(id: string, staff: string, at: number): Promise<Handoff>;
  close(id: string, at: number): Promise<Handoff>;
  /** Deletes closed handoffs closed before `before` (retention). */
  purgeClosed(before: number): Promise<number>;
  /**
   * Calls `listener` after every durable open, append, claim and close (in this process; a
   * shared backend would fan these out over pub/sub). Returns the function that unsubscribes.
   */
  watch(listener: (change: HandoffChange) => void): () => void;
}

export interface User {
  name: string;
  role: 'staff' | 'admin';
  /** scrypt$N$r$p$salt$hash */
  passwordHash: string;
  createdAt: number;
  disabled: boolean;
  /** Name citizens see on staff replies ("Chị Lan – UBND xã"); the login name when absent. */
  displayName?: string;
}

export interface UserStore {
  list(): User[];
  get(name: string): User | undefined;
  put(u: User): Promise<void>;
  remove(name: string): Promise<boolean>;
}

export interface AuditEntry {
  at: number;
  who: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditStore {
  add(e: AuditEntry): Promise<void>;
  list(limit?: number): AuditEntry[];
}

/** Small generated secrets that must survive restarts (webhook secrets, pseudonym key). */
export interface SettingsStore {
  get(key: string): string | undefined;
  set(key: string, value: string): Promise<void>;
}

export interface Stores {
  sessions: SessionStore;
  catalogue: CatalogueStore;
  flows: FlowStore;
  handoffs: HandoffStore;
  users: UserStore;
  audit: AuditStore;
  settings: SettingsStore;
  /** Flushes everything and releases the lock. */
  close(): Promise<void>;
}
