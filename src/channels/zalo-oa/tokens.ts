import { createHash } from 'node:crypto';
import type { Coordinator } from '../../coord/index.js';
import type { Logger } from '../../log.js';
import type { SettingsStore } from '../../store/types.js';
import { ZaloOaAuthError, type OaTokens, type ZaloOaClient } from './client.js';

/**
 * The OA's tokens (ZALO_OA.md §2): an access token of about 25 h and a refresh token that works
 * once. They live in the settings store as one JSON record, shared by every instance. A new
 * refresh token is stored before the new access token is used: a crash after the refresh never
 * leaves only a spent refresh token behind. One refresher at a time: one promise per process,
 * and the `zalo-oa-token` lease across instances; whoever waited re-reads the record.
 */

export const TOKENS_SETTING = 'zalo_oa.tokens';
/** Refresh this long before the access token expires (a quarter of its life when that is shorter). */
export const REFRESH_MARGIN_MS = 3_600_000;
/** Longest a refresh may hold the cross-instance lease. */
const LEASE_MS = 30_000;
/** How long a caller waits for another instance's refresh before giving up. */
const WAIT_MS = 20_000;
const POLL_MS = 100;
/** A record read this recently is used without reading the store again. */
const CACHE_MS = 60_000;
/** After a refresh failed for a transport reason, callers fail at once for this long. */
const BACKOFF_MS = 30_000;
/** A refresh token's lifetime when Zalo does not say (3 months). */
const REFRESH_LIFETIME_S = 90 * 86_400;

/** Persisted token record; `v` is its shape version. */
export interface TokenRecord {
  v: 1;
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
  refreshExpiresAt: number | null;
  updatedAt: number;
  /** Hash of the ZALO_OA_REFRESH_TOKEN this record came from or superseded (a new one in the environment re-seeds). */
  seed?: string;
  /** Why the tokens cannot be used (refresh refused); cleared by a new authorisation. */
  problem?: string | null;
}

/** No usable access token: not connected, the refresh token was refused, or Zalo's OAuth server is unreachable. */
export class TokenUnavailableError extends Error {
  readonly code = 'OA_TOKEN_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'TokenUnavailableError';
  }
}

export interface TokenManager {
  /** Seeds the record from ZALO_OA_REFRESH_TOKEN when there is none (or the variable changed). */
  init(): Promise<void>;
  /** A usable access token, refreshed first when it expires within the margin. */
  access(): Promise<string>;
  /** The API refused `stale` (-216): refresh once, unless another caller already replaced it. */
  renew(stale: string): Promise<string>;
  /** Stores tokens from an authorisation (clears any problem). */
  save(tokens: OaTokens): Promise<void>;
  /** The stored record (fresh from the store), or null. */
  read(): Promise<TokenRecord | null>;
}

export interface TokenDeps {
  client: Pick<ZaloOaClient, 'refresh'>;
  settings: SettingsStore;
  coord: Coordinator;
  log: Logger;
  now: () => number;
  envRefreshToken?: string | undefined;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseRecord(text: string | undefined): TokenRecord | null {
  if (!text) return null;
  try {
    const r = JSON.parse(text) as Partial<TokenRecord>;
    if (r.v !== 1 || typeof r.refreshToken !== 'string' || typeof r.accessToken !== 'string') return null;
    return {
      v: 1,
      accessToken: r.accessToken,
      refreshToken: r.refreshToken,
      accessExpiresAt: Number(r.accessExpiresAt) || 0,
      refreshExpiresAt: typeof r.refreshExpiresAt === 'number' ? r.refreshExpiresAt : null,
      updatedAt: Number(r.updatedAt) || 0,
      ...(r.seed ? { seed: r.seed } : {}),
      problem: r.problem ?? null,
    };
  } catch {
    return null;
  }
}

export function createTokenManager(deps: TokenDeps): TokenManager {
  const { settings, log, now } = deps;
  const lease = deps.coord.lease('zalo-oa-token', LEASE_MS);
  let cached: TokenRecord | null = null;
  let cachedAt = -Infinity;
  let inflight: Promise<TokenRecord> | null = null;
  let backoffUntil = 0;

  const read = async (): Promise<TokenRecord | null> => {
    cached = parseRecord(await settings.get(TOKENS_SETTING));
    cachedAt = now();
    return cached;
  };
  const current = () => (cached && now() - cachedAt < CACHE_MS ? Promise.resolve(cached) : read());
  // Older guides give the access token 1 h: a fixed 1 h margin would then refresh on every call.
  const margin = (r: TokenRecord) => Math.min(REFRESH_MARGIN_MS, Math.max(0, r.accessExpiresAt - r.updatedAt) / 4);
  const usable = (r: TokenRecord | null, stale?: string): boolean =>
    !!r && !r.problem && !!r.accessToken && r.accessToken !== stale && r.accessExpiresAt - now() > margin(r);

  /** Writes the record, retrying a store hiccup: a refresh token only Zalo knows about is lost for good. */
  const write = async (r: TokenRecord) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await settings.set(TOKENS_SETTING, JSON.stringify(r));
        break;
      } catch (err) {
        if (attempt >= 3) {
          log.error({ err: (err as Error).message }, 'zalo oa tokens could not be stored; kept in memory until the store answers');
          break;
        }
        await sleep(200 * attempt);
      }
    }
    cached = r;
    cachedAt = now();
  };

  const fromTokens = (t: OaTokens, seed: string | undefined): TokenRecord => ({
    v: 1,
    accessToken: t.accessToken,
    refreshToken: t.refreshToken,
    accessExpiresAt: now() + t.expiresIn * 1000,
    refreshExpiresAt: now() + (t.refreshExpiresIn ?? REFRESH_LIFETIME_S) * 1000,
    updatedAt: now(),
    ...(seed ? { seed } : {}),
    problem: null,
  });

  async function refreshHeld(stale: string | undefined): Promise<TokenRecord> {
    // Read again under the lock: another instance may have refreshed a moment ago.
    const rec = await read();
    if (!rec) throw new TokenUnavailableError('Zalo OA is not connected: open /admin/zalo-oa (Kết nối Zalo OA) or set ZALO_OA_REFRESH_TOKEN.');
    if (rec.problem) throw new TokenUnavailableError(rec.problem);
    if (usable(rec, stale)) return rec;
    let t: OaTokens;
    try {
      t = await deps.client.refresh(rec.refreshToken);
    } catch (err) {
      if (err instanceof ZaloOaAuthError) {
        const problem = `Zalo refused the OA refresh token (${err.errorCode}: already used, expired or revoked). Reconnect the OA at /admin/zalo-oa (Kết nối Zalo OA) or set a new ZALO_OA_REFRESH_TOKEN.`;
        // Stored, so no instance tries the spent token again: no retry loop.
        await write({ ...rec, problem });
        log.error({ code: err.errorCode }, problem);
        throw new TokenUnavailableError(problem);
      }
      backoffUntil = now() + BACKOFF_MS;
      log.warn({ err: (err as Error).message }, 'zalo oa token refresh failed; trying again in 30 s');
      throw new TokenUnavailableError('Zalo OAuth server unreachable; the token refresh is retried shortly.');
    }
    // The new refresh token is stored before the new access token is used.
    const next = fromTokens(t, rec.seed);
    await write(next);
    log.info({ accessExpiresAt: new Date(next.accessExpiresAt).toISOString() }, 'zalo oa tokens refreshed');
    return next;
  }

  async function refresh(stale: string | undefined): Promise<TokenRecord> {
    if (now() < backoffUntil) throw new TokenUnavailableError('Zalo OAuth server unreachable; the token refresh is retried shortly.');
    const until = Date.now() + WAIT_MS;
    while (!(await lease.acquire())) {
      // Another instance is refreshing: its record lands in the store.
      await sleep(POLL_MS);
      const rec = await read();
      if (rec && usable(rec, stale)) return rec;
      if (rec?.problem) throw new TokenUnavailableError(rec.problem);
      if (Date.now() > until) throw new TokenUnavailableError('Another instance holds the Zalo OA token refresh; gave up waiting.');
    }
    try {
      return await refreshHeld(stale);
    } finally {
      await lease.release().catch(() => undefined);
    }
  }

  /** One refresh per process at a time: concurrent callers share its result. */
  const refreshOnce = (stale: string | undefined): Promise<TokenRecord> => {
    inflight ??= refresh(stale).finally(() => {
      inflight = null;
    });
    return inflight;
  };

  return {
    async init() {
      const env = deps.envRefreshToken;
      const rec = await read();
      if (!env || (rec && rec.seed === hash(env))) return;
      // No record yet, or a new token was put in the environment: it replaces the stored one.
      await write({ v: 1, accessToken: '', refreshToken: env, accessExpiresAt: 0, refreshExpiresAt: null, updatedAt: now(), seed: hash(env), problem: null });
      log.info('zalo oa refresh token taken from ZALO_OA_REFRESH_TOKEN');
    },
    async access() {
      const rec = await current();
      if (rec && usable(rec)) return rec.accessToken;
      if (rec?.problem) throw new TokenUnavailableError(rec.problem);
      return (await refreshOnce(rec?.accessToken || undefined)).accessToken;
    },
    async renew(stale) {
      return (await refreshOnce(stale)).accessToken;
    },
    async save(tokens) {
      const env = deps.envRefreshToken;
      // The environment's token stays superseded: a restart does not go back to it.
      await write(fromTokens(tokens, env ? hash(env) : (await read())?.seed));
      log.info('zalo oa connected: tokens stored');
    },
    read,
  };
}
