import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { CoordinatorUnavailableError } from './types.js';

/**
 * Spends points on a rate-limiter-flexible limiter: null when allowed, else the milliseconds to
 * wait. A store failure rejects with CoordinatorUnavailableError: no insurance limiter, so an
 * outage never turns into "unlimited".
 */
export async function consumeWith(rl: RateLimiterAbstract, op: string, key: string, points = 1): Promise<number | null> {
  try {
    await rl.consume(key, points);
    return null;
  } catch (res) {
    if (res instanceof RateLimiterRes) return Math.max(1, res.msBeforeNext);
    throw new CoordinatorUnavailableError(op, res);
  }
}
