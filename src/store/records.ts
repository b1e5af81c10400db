import { createHash } from 'node:crypto';
import { fold } from '../text/vi/fold.js';
import type { AdminLogin, AuditEntry, Handoff, HandoffMessage } from './types.js';

/**
 * What the SQL backends (SQLite, PostgreSQL) and Redis share about how records are kept: row
 * shapes, the folded search text, the hashed sign-in key, the caps. One place, so the backends
 * cannot drift apart.
 */

/** Audit entries kept; older ones are dropped (the log is for recent changes). */
export const AUDIT_CAP = 20_000;
/** Sign-ins kept at once; the oldest goes first. */
export const LOGINS_MAX = 1000;

/** Rows are keyed by a hash of the cookie token, so no store holds a usable cookie. */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

/** A handoff row without its messages. */
export interface HandoffRow {
  seq: number;
  id: string;
  session_key: string;
  channel: string;
  chat_id: string;
  user: string;
  status: Handoff['status'];
  summary: string;
  reason: string;
  created_at: number;
  claimed_by: string | null;
  claimed_at: number | null;
  first_reply_at: number | null;
  closed_at: number | null;
}

/** Folded search text of a handoff's own fields (messages carry their own). */
export const handoffFolded = (h: Pick<Handoff, 'summary' | 'reason' | 'user'>) => fold(`${h.summary} ${h.reason} ${h.user}`);
/** Folded search text of a message; internal notes are not searched. */
export const messageFolded = (m: HandoffMessage) => (m.from === 'note' ? null : fold(m.text));

/** A handoff from its row and its messages. */
export const toHandoff = (r: HandoffRow, transcript: { from: HandoffMessage['from']; text: string; at: number; staff: string | null }[]): Handoff => ({
  id: r.id,
  sessionKey: r.session_key,
  channel: r.channel as Handoff['channel'],
  chatId: r.chat_id,
  user: r.user,
  status: r.status,
  summary: r.summary,
  reason: r.reason,
  createdAt: r.created_at,
  claimedBy: r.claimed_by,
  claimedAt: r.claimed_at,
  firstReplyAt: r.first_reply_at,
  closedAt: r.closed_at,
  transcript: transcript.map((m) => ({ from: m.from, text: m.text, at: Number(m.at), ...(m.staff !== null ? { staff: m.staff } : {}) })),
});

export interface AuditRow {
  at: number;
  who: string;
  action: string;
  target: string;
  /** JSON text: absent is SQL NULL, a null value is the text 'null'. */
  before: string | null;
  after: string | null;
}

/** `before`/`after` as stored: absent stays absent (SQL NULL), `null` is stored as 'null'. */
export const auditJson = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

export const toAuditEntry = (r: AuditRow): AuditEntry => ({
  at: r.at,
  who: r.who,
  action: r.action,
  target: r.target,
  ...(r.before !== null ? { before: JSON.parse(r.before) as unknown } : {}),
  ...(r.after !== null ? { after: JSON.parse(r.after) as unknown } : {}),
});

/** A sign-in as stored (the token itself is only the key's hash). */
export interface LoginRow {
  user: string;
  role: AdminLogin['role'];
  csrf: string;
  expires: number;
}
