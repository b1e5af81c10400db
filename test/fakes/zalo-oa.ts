import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOaSend {
  userId: string;
  message: { text?: string; attachment?: { type: string; payload: { buttons: { title: string; type: string; payload: unknown }[] } } };
}

export interface FakeZaloOa {
  /** Base URL of both the Open API and the OAuth server. */
  base: string;
  appId: string;
  appSecret: string;
  /** The OA secret key (webhook signatures). */
  secretKey: string;
  oaId: string;
  /** Messages accepted by /v3.0/oa/message/cs. */
  sent: FakeOaSend[];
  /** Calls of the OAuth token endpoint by grant, successful or not. */
  oauthCalls: { refresh_token: number; authorization_code: number };
  /** Open API error codes to answer the next send calls with (e.g. [-216], [-230], or 500 for HTTP 500). */
  failNext: number[];
  /** Delays (ms) before answering the next send calls. */
  stallNext: number[];
  /** Users who have not written for 7 days: every send to them gets -230. */
  unreachable: Set<string>;
  /** Lifetime of issued access tokens (s). */
  expiresIn: number;
  /** Delay (ms) before answering a refresh (to widen races in tests). */
  refreshDelayMs: number;
  /** `quota_type` in each send answer; free replies are `reply` up to 8 per `userWrote`, then `sub_quota`. */
  quotaOf(userId: string): string;
  /** Resets a user's reply allowance (the user wrote to the OA). */
  userWrote(userId: string): void;
  /** A fresh valid refresh token (as if an admin had authorised the app). */
  issueRefreshToken(): string;
  /** Makes every access token issued so far expired (the next send with it gets -216). */
  expireAccessTokens(): void;
  /** The `X-ZEvent-Signature` of a body as Zalo signs it: mac= + sha256(app id + body + timestamp + OA secret key). */
  sign(body: string): string;
  /** An authorisation as the admin's browser would do it: follows /v4/oa/permission and returns the callback's query. */
  authorize(authorizeUrl: string): Promise<{ code: string; state: string; redirect: string }>;
  /** Called for every accepted send (benchmarks measure delivery latency with it). */
  onSend?: (send: FakeOaSend) => void;
  /** Skip keeping sends in memory (long benchmarks). */
  record?: boolean;
  close(): Promise<void>;
}

/** Signs a webhook body for `appId` / `secretKey`, reading the timestamp from the body as Zalo does. */
export function signZaloOa(appId: string, secretKey: string, body: string): string {
  const ts = /"timestamp"\s*:\s*"?(\d+)"?/.exec(body)?.[1] ?? '';
  return 'mac=' + createHash('sha256').update(appId + body + ts + secretKey).digest('hex');
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => resolve(raw));
  });

/**
 * A fake Zalo OA Open API v3 and OAuth v4 server on loopback (ZALO_OA.md): `access_token` header
 * checked (expired → -216), single-use refresh tokens (a reused one is refused), PKCE checked on
 * the code exchange, text over 2,000 characters refused, -230 for unreachable users, quota_type
 * in answers, and injected errors and stalls.
 */
export async function startFakeZaloOa(): Promise<FakeZaloOa> {
  const access = new Map<string, number>();
  const refresh = new Set<string>();
  const codes = new Map<string, string>();
  const replies = new Map<string, number>();
  const token = (p: string) => `${p}-${randomBytes(12).toString('hex')}`;
  const fake: FakeZaloOa = {
    base: '',
    appId: '4318846502917165322',
    appSecret: 'fake-app-secret-123456',
    secretKey: 'fake-oa-secret-key-abcdef',
    oaId: '2990613421468301745',
    sent: [],
    oauthCalls: { refresh_token: 0, authorization_code: 0 },
    failNext: [],
    stallNext: [],
    unreachable: new Set(),
    expiresIn: 90_000,
    refreshDelayMs: 0,
    quotaOf: (u) => ((replies.get(u) ?? 0) <= 8 ? 'reply' : 'sub_quota'),
    userWrote: (u) => void replies.set(u, 0),
    issueRefreshToken() {
      const t = token('rt');
      refresh.add(t);
      return t;
    },
    expireAccessTokens() {
      for (const k of access.keys()) access.set(k, 0);
    },
    sign: (body) => signZaloOa(fake.appId, fake.secretKey, body),
    async authorize(url) {
      const u = new URL(url);
      const res = await fetch(`${fake.base}${u.pathname}${u.search}`, { redirect: 'manual' });
      const to = new URL(res.headers.get('location') ?? '');
      return { code: to.searchParams.get('code') ?? '', state: to.searchParams.get('state') ?? '', redirect: `${to.origin}${to.pathname}` };
    },
    close: async () => undefined,
  };
  const issue = () => {
    const a = token('at');
    const r = token('rt');
    access.set(a, Date.now() + fake.expiresIn * 1000);
    refresh.add(r);
    return { access_token: a, refresh_token: r, expires_in: String(fake.expiresIn) };
  };

  const server: Server = createServer((req, res) => {
    void read(req).then(async (raw) => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method === 'GET' && url.pathname === '/v4/oa/permission') {
        const q = url.searchParams;
        if (q.get('app_id') !== fake.appId) return json(400, { error: -14001, error_name: 'Invalid app id' });
        const code = token('code');
        codes.set(code, q.get('code_challenge') ?? '');
        res.writeHead(302, { location: `${q.get('redirect_uri')}?${new URLSearchParams({ code, oa_id: fake.oaId, state: q.get('state') ?? '' }).toString()}` });
        return res.end();
      }
      if (req.method === 'POST' && url.pathname === '/v4/oa/access_token') {
        const form = new URLSearchParams(raw);
        const grant = form.get('grant_type');
        if (grant === 'refresh_token' || grant === 'authorization_code') fake.oauthCalls[grant]++;
        if (req.headers.secret_key !== fake.appSecret || form.get('app_id') !== fake.appId) return json(200, { error: -14002, error_name: 'Invalid secret key' });
        if (grant === 'refresh_token') {
          if (fake.refreshDelayMs) await new Promise((r) => setTimeout(r, fake.refreshDelayMs));
          const rt = form.get('refresh_token') ?? '';
          // Single use: a refresh token is gone once traded.
          if (!refresh.delete(rt)) return json(200, { error: -14014, error_name: 'Invalid refresh token', error_description: 'Refresh token is invalid or already used' });
          return json(200, issue());
        }
        if (grant === 'authorization_code') {
          const code = form.get('code') ?? '';
          const challenge = codes.get(code);
          codes.delete(code);
          const verifier = form.get('code_verifier') ?? '';
          if (challenge === undefined) return json(200, { error: -14019, error_name: 'Invalid authorization code' });
          if (createHash('sha256').update(verifier).digest('base64url') !== challenge) return json(200, { error: -14016, error_name: 'Invalid code verifier' });
          return json(200, issue());
        }
        return json(200, { error: -14003, error_name: 'Invalid grant type' });
      }
      const at = req.headers.access_token;
      const valid = typeof at === 'string' && (access.get(at) ?? 0) > Date.now();
      if (req.method === 'POST' && url.pathname === '/v3.0/oa/message/cs') {
        const stall = fake.stallNext.shift();
        if (stall) await new Promise((r) => setTimeout(r, stall));
        const fail = fake.failNext.shift();
        if (fail !== undefined && fail > 0) return json(fail, { error: fail, message: 'injected' });
        if (fail !== undefined) return json(200, { error: fail, message: 'injected' });
        if (!valid) return json(200, { error: -216, message: 'Access token is invalid' });
        let body: { recipient?: { user_id?: unknown }; message?: FakeOaSend['message'] };
        try {
          body = JSON.parse(raw) as typeof body;
        } catch {
          return json(200, { error: -201, message: 'Body is not JSON' });
        }
        const userId = body.recipient?.user_id;
        const text = body.message?.text;
        if (typeof userId !== 'string' || !/^\d+$/.test(userId)) return json(200, { error: -201, message: 'user_id is invalid' });
        if (typeof text !== 'string' || text.length < 1 || text.length > 2000) return json(200, { error: -201, message: 'text must be 1-2000 characters' });
        if (fake.unreachable.has(userId)) return json(200, { error: -230, message: 'User has not interacted with the OA in the past 7 days' });
        replies.set(userId, (replies.get(userId) ?? 0) + 1);
        const send = { userId, message: body.message! };
        if (fake.record !== false) fake.sent.push(send);
        fake.onSend?.(send);
        return json(200, { error: 0, message: 'Success', data: { message_id: `${9_007_199_254_740_993n + BigInt(fake.sent.length)}`, user_id: userId, quota: { quota_type: fake.quotaOf(userId) } } });
      }
      return json(404, { error: -404, message: 'Unknown endpoint' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return fake;
}
