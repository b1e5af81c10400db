import type { Page, PageQuery } from '../core/page.js';
import type { AliasTables, CatalogueStore } from '../catalogue/ports.js';
import type { FlowStore } from '../flow/ports.js';
import type { ChannelName } from '../core/message.js';
import type { Session } from '../core/session.js';

// Stores defined by the folder that uses them (the store folder implements them for each backend).
export type { Page, PageQuery } from '../core/page.js';
export type { AliasTables, CatalogueStore, KeyValues } from '../catalogue/ports.js';
export { VersionConflictError, type FlowRecord, type FlowStore, type FlowVersion } from '../flow/ports.js';

/**
 * Store interfaces. The lowdb implementation (default, files under DATA_DIR) and the memory
 * implementation (tests) both satisfy these; another backend is one new file per interface.
 * Methods that change data resolve once the change is durable (fsynced) for staff edits;
 * sessions are coalesced (written in batches) because they change on every message.
 */

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
