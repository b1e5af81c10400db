import { randomBytes } from 'node:crypto';
import type { Lease } from './types.js';

/** Where a lease lives: each operation succeeds only for the owner token it is given. */
export interface LeaseBackend {
  /** Takes the lease for `owner` when free or already owned; true when `owner` holds it now. */
  acquire(owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease when `owner` holds it; false otherwise. */
  renew(owner: string, ttlMs: number): Promise<boolean>;
  /** Deletes the lease when `owner` holds it. */
  release(owner: string): Promise<void>;
}

export interface LeaseDeps {
  now: () => number;
  /** Told about a failed store call or a throwing callback while keeping (logged by the caller). */
  onError?: (err: unknown) => void;
  /** Called by `keep` with its stop function, so the coordinator can stop every keeper on close. */
  track?: (stop: () => Promise<void>) => () => void;
}

/**
 * One lease object over a backend. This instance's view of the expiry is counted from the moment
 * a request was sent, so it never believes it holds a lease the store already let go.
 */
export function createLease(backend: LeaseBackend, ttlMs: number, deps: LeaseDeps): Lease {
  const owner = randomBytes(16).toString('hex');
  let validUntil = 0;
  let keeping = false;

  const attempt = async (op: (owner: string, ttlMs: number) => Promise<boolean>): Promise<boolean> => {
    const sent = deps.now();
    const ok = await op(owner, ttlMs);
    validUntil = ok ? sent + ttlMs : 0;
    return ok;
  };

  const lease: Lease = {
    acquire: () => attempt((o, t) => backend.acquire(o, t)),
    renew: () => attempt((o, t) => backend.renew(o, t)),
    async release() {
      validUntil = 0;
      await backend.release(owner);
    },
    held: () => deps.now() < validUntil,
    keep(onGain, onLose) {
      if (keeping) throw new Error('This lease is already kept; stop the first keeper before starting another.');
      keeping = true;
      let holding = false;
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let running: Promise<void> = Promise.resolve();

      const call = (fn: () => void) => {
        try {
          fn();
        } catch (err) {
          deps.onError?.(err);
        }
      };
      const lose = () => {
        holding = false;
        validUntil = 0;
        call(onLose);
      };
      const tick = async () => {
        if (stopped) return;
        try {
          if (holding) {
            if (!(await lease.renew())) lose();
          } else if (await lease.acquire()) {
            holding = true;
            call(onGain);
          }
        } catch (err) {
          deps.onError?.(err);
          // Unsure whether the store still has us: give up before the next renewal would come
          // too late, so that no other instance takes over while this one still works.
          if (holding && deps.now() + ttlMs / 3 >= validUntil) lose();
        }
        if (stopped) return;
        timer = setTimeout(run, holding ? ttlMs / 3 : ttlMs / 2);
        timer.unref();
      };
      const run = () => {
        running = tick();
      };

      const stop = async () => {
        if (stopped) return;
        stopped = true;
        clearTimeout(timer);
        untrack();
        await running;
        keeping = false;
        if (!holding) return;
        holding = false;
        call(onLose);
        await lease.release().catch((err: unknown) => deps.onError?.(err));
      };
      const untrack = deps.track?.(stop) ?? (() => undefined);
      run();
      return stop;
    },
  };
  return lease;
}
