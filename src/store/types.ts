import type { Procedure } from '../catalogue/procedure.js';
import type { ChannelName } from '../core/message.js';
import type { Session } from '../core/session.js';

/**
 * Store interfaces. The lowdb implementation (default, files under DATA_DIR) and the memory
 * implementation (tests) both satisfy these; another backend is one new file per interface.
 * Methods that change data resolve once the change is durable (fsynced) for staff edits;
 * sessions are coalesced (written in batches) because they change on every message.
 */

/** A page request: at most `limit` items after the opaque cursor `after`. */
export interface PageQuery {
  limit?: number;
  /** Opaque cursor from a previous page's `next`. */
  after?: string;
}

/** One page of a list, in a stable order; `next` is the cursor of the following page (null at the end). */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/** A publish or rollback that expected the flow to be at one version found it at another. */
export class VersionConflictError extends Error {
  constructor(
    readonly flowId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Flow "${flowId}" is at version ${actual}, not ${expected}`);
    this.name = 'VersionConflictError';
  }
}

export interface SessionStore {
  get(key: string): Promise<Session | undefined>;
  /** Saves in memory at once; persisted by the next coalesced write. */
  set(key: string, session: Session): Promise<void>;
  delete(key: string): Promise<void>;
  /** Removes sessions idle since before `olderThan` (epoch ms); returns how many. */
  evict(olderThan: number): Promise<number>;
  size(): Promise<number>;
  /** Sessions ordered by key. */
  list(q?: PageQuery): Promise<Page<{ key: string; session: Session }>>;
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
  /** Every procedure (for building the search index: never per chat message). */
  all(): Promise<Procedure[]>;
  get(code: string): Promise<Procedure | undefined>;
  /** Procedures ordered by code. */
  list(q?: PageQuery): Promise<Page<Procedure>>;
  count(): Promise<number>;
  /** Adds or replaces one procedure. */
  upsert(p: Procedure): Promise<void>;
  remove(code: string): Promise<boolean>;
  /** Replaces the whole catalogue (import with --replace) or merges by code. */
  importAll(list: Procedure[], mode: 'replace' | 'merge'): Promise<{ added: number; updated: number; total: number }>;
  /** Increments on every change, so searchers know when to rebuild. */
  revision(): Promise<number>;
  getAliases(): Promise<AliasTables>;
  setAliases(t: AliasTables): Promise<void>;
  /**
   * Changes the alias tables in one step inside the store (a transaction): `change` gets the
   * current tables and returns the new ones, or null to change nothing. Two staff members
   * editing at once both keep their edit. Resolves to the tables before and after (null when unchanged).
   */
  updateAliases(change: (current: AliasTables) => AliasTables | null): Promise<{ before: AliasTables; after: AliasTables } | null>;
  /** True once the store was seeded from data/ (first start); later starts keep staff edits. */
  isSeeded(): Promise<boolean>;
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
  list(): Promise<FlowRecord[]>;
  get(id: string): Promise<FlowRecord | undefined>;
  /**
   * Appends an immutable version, numbered inside the store's own transaction, and makes it
   * current. Throws VersionConflictError when `expectedCurrent` is given and differs.
   */
  publish(id: string, yaml: string, by: string, at: number, opts?: { note?: string; expectedCurrent?: number }): Promise<FlowVersion>;
  /** Makes an earlier version current again (recorded as a new version copying it). */
  rollback(id: string, version: number, by: string, at: number, opts?: { expectedCurrent?: number }): Promise<FlowVersion>;
  saveDraft(id: string, yaml: string, by: string, at: number): Promise<void>;
  /** Returns the draft it dropped (null when there was none). */
  discardDraft(id: string): Promise<FlowRecord['draft']>;
  /** Returns the previous value. */
  setDisabled(id: string, disabled: boolean): Promise<boolean>;
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
  kind: 'opened' | 'message' | 'claimed' | 'transferred' | 'closed';
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
  get(id: string): Promise<Handoff | undefined>;
  /** The open (waiting or claimed) handoff of a conversation, if any. */
  openFor(sessionKey: string): Promise<Handoff | undefined>;
  /**
   * Handoffs oldest first; `status: 'open'` means waiting or claimed; `text` matches the
   * summary, reason, user or transcript (case- and accent-insensitive).
   */
  list(q?: PageQuery & { status?: Handoff['status'] | 'open'; text?: string }): Promise<Page<Handoff>>;
  count(status: Handoff['status']): Promise<number>;
  /** Appends one message (callers never read-modify-write the transcript). */
  append(id: string, msg: HandoffMessage): Promise<void>;
  claim(id: string, staff: string, at: number): Promise<Handoff>;
  /** Gives a claimed (or waiting) handoff to another staff member. */
  transfer(id: string, to: string, at: number): Promise<Handoff>;
  close(id: string, at: number): Promise<Handoff>;
  /** Deletes closed handoffs closed before `before` (retention). */
  purgeClosed(before: number): Promise<number>;
  /** Stores a handoff exactly as given, id and state included (`store copy`); false when its id exists. */
  restore(h: Handoff): Promise<boolean>;
  /**
   * Calls `listener` after every durable open, append, claim, transfer and close (in this
   * process; a shared backend would fan these out over pub/sub). Returns the function that unsubscribes.
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
  list(): Promise<User[]>;
  get(name: string): Promise<User | undefined>;
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
  /** Newest first; `target` keeps only entries about that target. */
  list(q?: PageQuery & { target?: string }): Promise<Page<AuditEntry>>;
}

/** Admin sign-in sessions: kept in the store, so a restart does not sign staff out. */
export interface AdminLogin {
  token: string;
  user: string;
  role: User['role'];
  csrf: string;
  /** Epoch ms. */
  expires: number;
}

export interface LoginStore {
  create(s: AdminLogin): Promise<void>;
  /**
   * The login, or undefined when unknown or expired at `now` (an expired one is deleted). The
   * caller passes the clock (the admin's injectable one), as for `purge`.
   */
  get(token: string, now: number): Promise<AdminLogin | undefined>;
  destroy(token: string): Promise<void>;
  /** Signs a user out everywhere except the login `keep`; returns how many were removed. */
  destroyUser(name: string, keep?: string): Promise<number>;
  /** Deletes logins expired at `now`; returns how many. */
  purge(now: number): Promise<number>;
}

/** One line of a conversation's recent transcript (already masked and clipped by the router). */
export interface TranscriptLine {
  from: 'citizen' | 'bot';
  text: string;
  at: number;
  /** Buttons a bot line showed, so a later button press reads as the words the citizen saw. */
  options?: { id: string; label: string }[];
}

/** Lines kept per conversation; older ones are dropped as new ones arrive. */
export const TRANSCRIPT_LINES = 20;

/** The last lines of each conversation, for handoff summaries and drop-off texts. */
export interface TranscriptStore {
  /** Appends in order, keeping the last TRANSCRIPT_LINES lines of the conversation. */
  append(key: string, lines: TranscriptLine[]): Promise<void>;
  of(key: string): Promise<TranscriptLine[]>;
  /** Deletes transcripts of conversations silent since before `olderThan` (epoch ms); returns how many. */
  evict(olderThan: number): Promise<number>;
}

/** Small generated secrets that must survive restarts (webhook secrets, pseudonym key). */
export interface SettingsStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Every setting (`store copy`). */
  all(): Promise<Record<string, string>>;
}

/** Every read returns a copy: mutating what a store returned never changes the store. */
export interface Stores {
  sessions: SessionStore;
  catalogue: CatalogueStore;
  flows: FlowStore;
  handoffs: HandoffStore;
  users: UserStore;
  audit: AuditStore;
  settings: SettingsStore;
  logins: LoginStore;
  transcripts: TranscriptStore;
  /** Flushes everything and releases the lock. */
  close(): Promise<void>;
}
