import { timingSafeEqual } from 'node:crypto';

/**
 * Compares a secret the request carries (webhook secret, CSRF token, signature, OAuth state) with
 * the expected one in constant time. An empty secret never matches.
 */
export function sameSecret(given: string, expected: string): boolean {
  const x = Buffer.from(given);
  const y = Buffer.from(expected);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
