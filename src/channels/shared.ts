import { timingSafeEqual } from 'node:crypto';
import type { Coordinator } from '../coord/index.js';

/** Pieces every messenger channel needs: a constant-time secret check, dedupe, per-chat order. */

/** Compares a webhook secret in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Remembers recent keys (bounded, oldest forgotten first); returns true for a key seen before. */
export function recentSet<K>(max: number): (key: K) => boolean {
  const seen = new Set<K>();
  return (key) => {
    if (seen.has(key)) return true;
    seen.add(key);
    if (seen.size > max) seen.delete(seen.values().next().value as K);
    return false;
  };
}

/** How long a delivered update id is remembered across instances (messengers retry within minutes). */
const DEDUPE_TTL_S = 3600;

/**
 * Dedupe shared by every instance: a local set answers a repeat at once, the coordinator (Redis
 * SET NX EX) catches a duplicate delivered to another instance. When the coordinator cannot be
 * reached the update goes through: answering twice beats losing a citizen's message.
 */
export function sharedDedupe(coord: Coordinator, name: string, max: number, onError: (err: unknown) => void): (key: string) => Promise<boolean> {
  const local = recentSet<string>(max);
  return async (key) => {
    if (local(key)) return true;
    try {
      return await coord.seen(`${name}:${key}`, DEDUPE_TTL_S);
    } catch (err) {
      onError(err);
      return false;
    }
  };
}

/**
 * Runs jobs one after another per chat and concurrently across chats; a failed job is reported
 * and does not stop the chat's later jobs. `drain()` resolves when everything queued so far is done.
 */
export function perChatQueue(onError: (err: unknown) => void) {
  const chains = new Map<string, Promise<void>>();
  return {
    push(chat: string, job: () => Promise<unknown>): void {
      const prev = chains.get(chat) ?? Promise.resolve();
      const next: Promise<void> = prev
        .then(job)
        .then(() => undefined, onError)
        .finally(() => {
          if (chains.get(chat) === next) chains.delete(chat);
        });
      chains.set(chat, next);
    },
    drain: () => Promise.all([...chains.values()]).then(() => undefined),
  };
}
