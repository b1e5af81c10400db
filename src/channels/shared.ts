import { boundedMap } from '../core/lru.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Coordinator } from '../coord/index.js';
import { sameSecret } from '../core/secret.js';

/** Pieces every messenger channel needs: the webhook secret check, long polling, dedupe, per-chat order. */


export interface WebhookGuard {
  /** Request header that carries the secret the messenger was given at setWebhook. */
  header: string;
  /** The expected secret; empty while the channel does not take webhooks (polling, or not set up yet). */
  secret(): string;
  /** False once the channel is stopping: requests then get 503 so the messenger retries elsewhere. */
  accepting(): boolean;
}

/**
 * An onRequest hook for a messenger webhook: 503 while the channel shuts down, 401 unless the
 * request carries the expected secret. It runs before the body is read or parsed.
 */
export function webhookSecretHook(guard: WebhookGuard) {
  // Returning the reply tells Fastify the request is answered and stops it there.
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!guard.accepting()) return reply.code(503).send({ error: 'shutting down' });
    const got = req.headers[guard.header];
    const secret = guard.secret();
    if (typeof got !== 'string' || !secret || !sameSecret(got, secret)) return reply.code(401).send({ error: 'wrong or missing secret token' });
    return undefined;
  };
}

/** Wait after a failed poll: doubles from the first to the last value. */
const POLL_BACKOFF_MS = { first: 1000, max: 30_000 };

/**
 * Long polling: calls `pollOnce` until `signal` aborts. After a failure it reports the error and
 * waits (1 s, doubling up to 30 s, reset by the next success); an abort ends the wait at once.
 */
export async function pollUntilAborted(signal: AbortSignal, pollOnce: () => Promise<void>, onError: (err: unknown) => void): Promise<void> {
  let backoff = POLL_BACKOFF_MS.first;
  while (!signal.aborted) {
    try {
      await pollOnce();
      backoff = POLL_BACKOFF_MS.first;
    } catch (err) {
      if (signal.aborted) break;
      onError(err);
      await sleep(backoff, undefined, { signal }).catch(() => undefined);
      backoff = Math.min(backoff * 2, POLL_BACKOFF_MS.max);
    }
  }
}

/** Remembers recent keys (bounded, least recently seen forgotten first); returns true for a key seen before. */
export function recentSet<K extends NonNullable<unknown>>(max: number): (key: K) => boolean {
  const seen = boundedMap<K, true>({ max });
  return (key) => {
    if (seen.get(key)) return true;
    seen.set(key, true);
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
