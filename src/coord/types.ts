/**
 * Coordination between instances of the assistant: the one seam through which the rest of the
 * app shares webhook dedupe, rate limits, pub/sub, the web chat outbox and the polling lease.
 * One instance uses the memory coordinator; several instances behind a load balancer share a
 * Redis one. Callers write one code path for both.
 */

/** A rate limit shared by every instance: `points` per `durationSec` per key. */
export interface Limiter {
  /**
   * Spends `points` (default 1) for `key`. Resolves to null when allowed, or to the milliseconds
   * to wait. Rejects with CoordinatorUnavailableError when the shared store cannot be reached
   * (never silently unlimited): the caller apologises instead of answering.
   */
  consume(key: string, points?: number): Promise<number | null>;
}

/** Lists of items waiting for a reader (the web chat's staff replies until the browser polls). */
export interface Mailbox {
  /** Appends items; keeps the newest `max`; the box disappears `ttlSec` after the last push. */
  push(box: string, items: unknown[], opts: { max: number; ttlSec: number }): Promise<void>;
  /** Reads and empties the box in one atomic step: of concurrent takes, one gets each item. */
  take(box: string): Promise<unknown[]>;
}

/**
 * A named lock held by at most one instance at a time (Telegram long polling runs in one
 * instance only). It expires `ttlMs` after the last acquire or renew, so a crashed holder frees
 * it by itself.
 */
export interface Lease {
  /** Takes the lease if free (or renews it if this lease already holds it); true when held. */
  acquire(): Promise<boolean>;
  /** Extends a held lease; false when it was lost (expired and taken, or never held). */
  renew(): Promise<boolean>;
  /** Frees the lease if this lease holds it. */
  release(): Promise<void>;
  /** True while held and not past its expiry as far as this instance can tell. */
  held(): boolean;
  /**
   * Keeps trying to hold the lease: renews every ttl/3 while held, retries acquisition every
   * ttl/2 otherwise, and calls `onGain` / `onLose` on each change. A holder that cannot reach
   * the store gives the lease up (onLose) before another instance could take it. The returned
   * function stops it, releasing the lease (and calling onLose) when held. One keeper per lease.
   */
  keep(onGain: () => void, onLose: () => void): () => Promise<void>;
}

export interface Coordinator {
  /** 'memory' (one instance) or 'redis' (shared). */
  readonly kind: 'memory' | 'redis';
  /** Webhook dedupe: true when `key` was already seen in the last `ttlSec` seconds (records it otherwise). */
  seen(key: string, ttlSec: number): Promise<boolean>;
  /**
   * Adds `by` (default 1) to the counter `key` and resolves to its new value; the counter
   * disappears `ttlSec` after the last increment. `by` 0 reads the counter (0 when absent)
   * without creating it or touching its expiry. Counts sends per citizen and daily figures.
   */
  incr(key: string, ttlSec: number, by?: number): Promise<number>;
  /** The rate limit called `name`; one name is one policy (same points and duration everywhere). */
  limiter(name: string, opts: { points: number; durationSec: number }): Limiter;
  /**
   * Sends a JSON message to every subscriber of `topic` in every instance, this one included.
   * Delivery is at most once: a message published while an instance is cut off from the store
   * never reaches it.
   */
  publish(topic: string, message: unknown): Promise<void>;
  /** Calls `handler` (asynchronously) for each message on `topic`; returns the unsubscribe function. */
  subscribe(topic: string, handler: (message: unknown) => void): () => void;
  mailbox: Mailbox;
  lease(name: string, ttlMs: number): Lease;
  /** True when the shared store answers within a short time; never throws. */
  ping(): Promise<boolean>;
  /** Stops lease keepers (releasing held leases), unsubscribes and closes connections. */
  close(): Promise<void>;
}

/** Topics the app publishes on, with their message shapes. */
export interface Topics {
  /** Staff changed a flow, the catalogue or the alias tables: every instance reloads it. */
  reload: { what: 'flow' | 'catalogue' | 'aliases'; id?: string; /** The publishing instance, which may skip its own message. */ from?: string };
  /** Replies for a chat, to be sent by whichever instance can (staff replies). */
  deliver: { channel: string; chatId: string; replies: unknown[] };
}

/**
 * The shared store (Redis) cannot be reached or did not answer in time. A transport failure:
 * the entry point catches it and apologises to the citizen ("Anh/chị vui lòng thử lại sau").
 */
export class CoordinatorUnavailableError extends Error {
  readonly code = 'COORD_UNAVAILABLE';
  constructor(
    /** The operation that failed, e.g. "seen" or "limiter web-msg". */
    readonly op: string,
    cause?: unknown,
  ) {
    super(`Coordinator unavailable during ${op}: ${cause instanceof Error ? cause.message : String(cause ?? 'not connected')}`, { cause });
    this.name = 'CoordinatorUnavailableError';
  }
}
