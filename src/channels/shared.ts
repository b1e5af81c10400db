import { timingSafeEqual } from 'node:crypto';

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
