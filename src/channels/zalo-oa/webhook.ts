import { createHash } from 'node:crypto';
import type { InboundKind } from '../../core/message.js';
import { sameSecret } from '../../core/secret.js';
import { idOf, parseExact } from './json.js';

/**
 * The OA webhook (ZALO_OA.md §3): the `X-ZEvent-Signature` check on the raw bytes, and the
 * event shapes turned into plain data with every id kept as a string.
 */

/** Top-level `"timestamp"` values are read from the raw text without parsing it; a few at most. */
const TIMESTAMP = /"timestamp"\s*:\s*"?(\d{1,20})"?/g;
const TIMESTAMPS_MAX = 3;

/**
 * True when `header` is `mac=` + hex(sha256(appId + raw body + timestamp + OA secret key)), a
 * plain SHA-256 of the joined bytes (not an HMAC), compared in constant time. The app id is the
 * configured one (an event for another app fails); the timestamp is the body's (or the
 * `X-ZEvent-Timestamp` header's, which some senders add).
 */
export function verifySignature(raw: Buffer, header: string | undefined, appId: string, secretKey: string, headerTimestamp?: string): boolean {
  if (!header || !raw.length) return false;
  const got = header.trim().toLowerCase();
  const want = got.startsWith('mac=') ? got : `mac=${got}`;
  const candidates: string[] = [];
  if (headerTimestamp && /^\d{1,20}$/.test(headerTimestamp)) candidates.push(headerTimestamp);
  // Only the start of the body is searched: the top-level timestamp sits near it in Zalo's events.
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  for (const m of head.matchAll(TIMESTAMP)) {
    if (candidates.length >= TIMESTAMPS_MAX) break;
    if (!candidates.includes(m[1]!)) candidates.push(m[1]!);
  }
  let ok = false;
  for (const ts of candidates) {
    const hex = createHash('sha256').update(appId).update(raw).update(ts).update(secretKey).digest('hex');
    // Every candidate is checked: the time taken does not tell which one matched.
    if (sameSecret(want, `mac=${hex}`)) ok = true;
  }
  return ok;
}

/** What the channel does with an event. */
export type OaEvent =
  | { type: 'message'; userId: string; msgId: string | undefined; kind: InboundKind; text?: string; at: number }
  | { type: 'follow' | 'unfollow'; userId: string; at: number; timestamp: string }
  | { type: 'ignored'; event: string };

/** Citizen message events and the inbound kind each becomes (the router answers non-text kinds with the text-only notice). */
const KINDS: Record<string, InboundKind> = {
  user_send_text: 'text',
  user_send_image: 'image',
  user_send_gif: 'image',
  user_send_sticker: 'sticker',
  user_send_audio: 'voice',
  user_send_video: 'unsupported',
  user_send_file: 'unsupported',
  user_send_location: 'unsupported',
  user_send_link: 'unsupported',
  user_send_business_card: 'unsupported',
  // The answer to an information request card: not asked for by this assistant, and it carries a phone number.
  user_submit_info: 'unsupported',
};

const TEXT_MAX = 4000;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);

/** Parses a verified body (big ids kept exact). Throws on malformed JSON. */
export function parseEvent(raw: Buffer, now: number): OaEvent {
  const body = obj(parseExact(raw.toString('utf8')));
  if (!body) return { type: 'ignored', event: '' };
  const event = typeof body.event_name === 'string' ? body.event_name.slice(0, 60) : '';
  const timestamp = idOf(body.timestamp) ?? '';
  const at = /^\d{10,16}$/.test(timestamp) ? Number(timestamp) : now;
  if (event === 'follow' || event === 'unfollow') {
    const userId = idOf(obj(body.follower)?.id) ?? idOf(body.user_id) ?? idOf(obj(body.sender)?.id);
    return userId ? { type: event, userId, at, timestamp } : { type: 'ignored', event };
  }
  // The OA's own sends echoed back (oa_*), delivery and seen receipts: never answered, or the bot
  // would loop. anonymous_send_* (visitors without a Zalo account) need another send API: not handled.
  const kind = Object.hasOwn(KINDS, event) ? KINDS[event] : event.startsWith('user_send_') ? 'unsupported' : undefined;
  if (!kind) return { type: 'ignored', event };
  const userId = idOf(obj(body.sender)?.id);
  if (!userId) return { type: 'ignored', event };
  const message = obj(body.message);
  const msgId = idOf(message?.msg_id);
  const text = kind === 'text' && typeof message?.text === 'string' ? message.text.slice(0, TEXT_MAX) : undefined;
  return { type: 'message', userId, msgId, kind, ...(text !== undefined ? { text } : {}), at };
}
