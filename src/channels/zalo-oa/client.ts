import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { parseExact } from './json.js';

/**
 * A small typed client for the Zalo OA Open API v3 and OAuth v4 (ZALO_OA.md §2, §4). API calls
 * carry the header `access_token`, OAuth calls the header `secret_key`; neither a token nor a
 * request body ever appears in an error. Answers are parsed with ids kept as strings.
 */

/** A button under a text message. `oa.query.show` comes back as the citizen's message. */
export type OaButton = { title: string; type: 'oa.query.show'; payload: string } | { title: string; type: 'oa.open.url'; payload: { url: string } };

export interface OaMessage {
  text: string;
  attachment?: { type: 'template'; payload: { buttons: OaButton[] } };
}

export interface OaSent {
  message_id?: string;
  /** `reply` for a free reply, otherwise the quota it was charged to (ZALO_OA.md §4, O12). */
  quota_type?: string;
}

/** What the OAuth server hands out. Lifetimes in seconds. */
export interface OaTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  refreshExpiresIn: number | null;
}

/** The OA Open API answered `error != 0` (or HTTP failed: errorCode 0 network, else the HTTP status). */
export class ZaloOaApiError extends Error {
  constructor(
    readonly method: string,
    readonly errorCode: number,
    readonly description: string,
    /** True for HTTP 429/5xx and network failures: the request may be tried again. */
    readonly transient = false,
  ) {
    super(`Zalo OA ${method} failed: ${errorCode} ${description}`);
    this.name = 'ZaloOaApiError';
  }
}

/** The OAuth server refused a code or refresh token (used already, expired, wrong app). Not transient. */
export class ZaloOaAuthError extends Error {
  constructor(
    readonly grant: 'authorization_code' | 'refresh_token',
    readonly errorCode: number,
    readonly description: string,
  ) {
    super(`Zalo OAuth ${grant} refused: ${errorCode} ${description}`);
    this.name = 'ZaloOaAuthError';
  }
}

export interface ZaloOaClient {
  /** POST /v3.0/oa/message/cs: a customer-service message to one user. */
  sendCs(accessToken: string, userId: string, message: OaMessage): Promise<OaSent>;
  /** Exchanges an authorisation code (PKCE). */
  exchangeCode(code: string, codeVerifier: string): Promise<OaTokens>;
  /** Trades a refresh token (single use) for new tokens. */
  refresh(refreshToken: string): Promise<OaTokens>;
}

export interface ZaloOaClientOptions {
  apiBase: string;
  oauthBase: string;
  appId: string;
  appSecret: string;
  timeoutMs?: number;
}

const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };

interface Answer {
  status: number;
  body: unknown;
}

/** One request; resolves with the HTTP status and the parsed body (undefined when not JSON). */
function call(method: string, target: URL, headers: Record<string, string>, payload: string | null, timeoutMs: number): Promise<Answer> {
  const secure = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const fail = () => reject(new ZaloOaApiError(method, 0, 'network error', true));
    const req = (secure ? httpsRequest : httpRequest)(
      {
        host: target.hostname,
        port: target.port || (secure ? 443 : 80),
        path: target.pathname + target.search,
        method: payload === null ? 'GET' : 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { ...headers, ...(payload !== null ? { 'content-length': String(Buffer.byteLength(payload)) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          let body: unknown;
          try {
            body = parseExact(Buffer.concat(chunks).toString('utf8'));
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end(payload ?? undefined);
  });
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const short = (v: unknown): string => String(v ?? 'unknown error').slice(0, 200);

export function createZaloOaClient(opts: ZaloOaClientOptions): ZaloOaClient {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const api = (path: string) => new URL(opts.apiBase.replace(/\/+$/, '') + path);

  /** Open API answer: `{error: 0, message, data}`; anything else is a failure. */
  async function openApi<T>(method: string, target: URL, accessToken: string, body: unknown): Promise<T> {
    const headers: Record<string, string> = { access_token: accessToken, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await call(method, target, headers, body === undefined ? null : JSON.stringify(body), timeoutMs);
    if (res.status === 429 || res.status >= 500) throw new ZaloOaApiError(method, res.status, 'HTTP error', true);
    const b = res.body as { error?: unknown; message?: unknown; data?: unknown } | undefined;
    if (!b || typeof b !== 'object') throw new ZaloOaApiError(method, res.status, 'response is not JSON');
    const code = num(b.error);
    if (code !== 0) throw new ZaloOaApiError(method, Number.isNaN(code) ? res.status : code, short(b.message));
    return (b.data ?? {}) as T;
  }

  async function token(grant: 'authorization_code' | 'refresh_token', fields: Record<string, string>): Promise<OaTokens> {
    const form = new URLSearchParams({ app_id: opts.appId, grant_type: grant, ...fields }).toString();
    const res = await call(`oauth ${grant}`, new URL(opts.oauthBase.replace(/\/+$/, '') + '/v4/oa/access_token'), { 'content-type': 'application/x-www-form-urlencoded', secret_key: opts.appSecret, accept: 'application/json' }, form, timeoutMs);
    if (res.status === 429 || res.status >= 500) throw new ZaloOaApiError(`oauth ${grant}`, res.status, 'HTTP error', true);
    const b = (res.body ?? {}) as Record<string, unknown>;
    const accessToken = str(b.access_token);
    const refreshToken = str(b.refresh_token);
    if (!accessToken || !refreshToken) {
      const code = num(b.error);
      throw new ZaloOaAuthError(grant, Number.isNaN(code) ? res.status : code, short(b.error_description ?? b.error_name ?? b.message ?? b.error_reason));
    }
    const expiresIn = num(b.expires_in);
    const refreshExpiresIn = num(b.refresh_token_expires_in);
    return {
      accessToken,
      refreshToken,
      // 25 h when the answer does not say (ZALO_OA.md §2).
      expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 90_000,
      refreshExpiresIn: Number.isFinite(refreshExpiresIn) && refreshExpiresIn > 0 ? refreshExpiresIn : null,
    };
  }

  return {
    async sendCs(accessToken, userId, message) {
      const data = await openApi<Record<string, unknown>>('message/cs', api('/v3.0/oa/message/cs'), accessToken, { recipient: { user_id: userId }, message });
      const id = str(data.message_id);
      const quota = str(data.quota_type) ?? str((data.quota as Record<string, unknown> | undefined)?.quota_type);
      return { ...(id ? { message_id: id } : {}), ...(quota ? { quota_type: quota } : {}) };
    },
    exchangeCode: (code, code_verifier) => token('authorization_code', { code, code_verifier }),
    refresh: (refresh_token) => token('refresh_token', { refresh_token }),
  };
}
