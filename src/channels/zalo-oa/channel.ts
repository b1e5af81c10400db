import { boundedMap } from '../../core/lru.js';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Inbound, Reply, ReplyOption } from '../../core/message.js';
import type { Channel, ChannelConnect, ChannelDeps, ConnectStatus, QuotaDay } from '../channel.js';
import { sameSecret } from '../../core/secret.js';
import { perChatQueue, sharedDedupe } from '../shared.js';
import { createZaloOaClient, ZaloOaApiError, ZaloOaAuthError, type OaMessage, type ZaloOaClient } from './client.js';
import { renderTurn } from './render.js';
import { createTokenManager, TokenUnavailableError } from './tokens.js';
import { parseEvent, verifySignature, type OaEvent } from './webhook.js';

export const ZALO_OA_WEBHOOK_PATH = '/zalo-oa/webhook';
/** Where Zalo's OAuth sends the admin's browser back; it forwards to /admin/zalo-oa/callback. */
export const ZALO_OA_CALLBACK_PATH = '/zalo-oa/callback';
/** The webhook events the channel uses (to tick on developers.zalo.me). */
export const ZALO_OA_EVENTS = [
  'user_send_text',
  'user_send_image',
  'user_send_sticker',
  'user_send_gif',
  'user_send_audio',
  'user_send_video',
  'user_send_file',
  'user_send_location',
  'user_send_link',
  'follow',
  'unfollow',
];

/** Free replies per citizen message, and for how long (ZALO_OA.md §5). */
export const REPLIES_PER_WINDOW = 8;
const WINDOW_S = 48 * 3600;
/** Daily quota figures are kept this many days. */
const QUOTA_DAYS = 7;
const DEDUP_MAX = 20_000;
const MENU_MAX = 20_000;
/** Pending authorisations (state → PKCE verifier) kept in the settings store. */
const PKCE_SETTING = 'zalo_oa.pkce';
const PKCE_TTL_MS = 10 * 60_000;
const PKCE_MAX = 5;
/** Proactive token refresh check. */
const TOKEN_CHECK_MS = 5 * 60_000;

/** What Zalo's OAuth redirect carries (oa_id is not needed); anything else becomes empty. */
const callbackQuery = z.object({ code: z.string().max(2000).catch(''), state: z.string().max(200).catch('') });

/** A send Zalo refused because the citizen has not written to the OA for 7 days (-230). Not retried. */
export class RecipientUnreachableError extends Error {
  readonly code = 'RECIPIENT_UNREACHABLE';
  constructor() {
    super('Zalo OA cannot message this user: no interaction with the OA in the last 7 days (-230)');
    this.name = 'RecipientUnreachableError';
  }
}

const vnDay = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(0, 10);

/**
 * Zalo Official Account channel: a signed webhook at /zalo-oa/webhook (200 at once, processing
 * after), replies through the OA Open API v3 with buttons, tokens kept fresh in the settings
 * store, and sends counted against the 8-replies-in-48-h allowance.
 */
export function createZaloOaChannel(deps: ChannelDeps, client?: ZaloOaClient): Channel {
  const cfg = deps.config.zaloOa;
  const { appId, appSecret, secretKey } = cfg;
  if (!appId || !appSecret || !secretKey) throw new Error('ZALO_OA_APP_ID, ZALO_OA_APP_SECRET and ZALO_OA_SECRET_KEY must all be set');
  const api = client ?? createZaloOaClient({ apiBase: cfg.apiBase, oauthBase: cfg.oauthBase, appId, appSecret });
  const log = deps.log.child({ channel: 'zalo-oa' });
  const { coord, now } = deps;
  const tokens = createTokenManager({ client: api, settings: deps.settings, coord, log, now, envRefreshToken: cfg.refreshToken });
  const seenBefore = sharedDedupe(coord, 'zalo-oa', DEDUP_MAX, () => log.warn('zalo oa dedupe unavailable; event processed anyway'));
  const queue = perChatQueue((err) => log.error({ err: err instanceof Error ? err.message : 'error', code: (err as { code?: unknown })?.code }, 'zalo oa event failed'));
  const menus = boundedMap<string, ReplyOption[]>({ max: MENU_MAX });
  let accepting = true;
  let live = false;
  let usable = false;
  let timer: NodeJS.Timeout | undefined;

  /** Current reply window of a citizen (a number bumped by each of their messages; 0 = none in 48 h). */
  const windowKey = (user: string) => `zalo-oa:win:${user}`;

  /** Counts a send against the citizen's window; true when it is still a free reply. */
  async function countSend(user: string, window: number | undefined): Promise<boolean> {
    try {
      const w = window ?? (await coord.incr(windowKey(user), WINDOW_S, 0));
      if (!w) return false;
      return (await coord.incr(`zalo-oa:out:${user}:${w}`, WINDOW_S)) <= REPLIES_PER_WINDOW;
    } catch {
      return true;
    }
  }

  const tally = (bucket: keyof Omit<QuotaDay, 'day'>) => coord.incr(`zalo-oa:quota:${vnDay(now())}:${bucket}`, (QUOTA_DAYS + 1) * 86_400).catch(() => 0);

  /** One message with the token; -216 refreshes once and retries once; 429/5xx retried briefly. */
  async function sendOne(user: string, message: OaMessage) {
    let token: string;
    try {
      token = await tokens.access();
      usable = true;
    } catch (err) {
      if (err instanceof TokenUnavailableError) usable = false;
      throw err;
    }
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await api.sendCs(token, user, message);
      } catch (err) {
        if (!(err instanceof ZaloOaApiError)) throw err;
        if (err.errorCode === -216 && !renewed) {
          renewed = true;
          token = await tokens.renew(token).catch((e: unknown) => {
            if (e instanceof TokenUnavailableError) usable = false;
            throw e;
          });
          continue;
        }
        if (err.errorCode === -230) throw new RecipientUnreachableError();
        if (err.transient && attempt < 2) {
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          continue;
        }
        throw err;
      }
    }
  }

  async function deliver(user: string, replies: Reply[], window?: number) {
    const messages = renderTurn(replies);
    const options = replies.flatMap((r) => r.options ?? []);
    if (options.length) {
      menus.set(user, options);
    }
    for (const m of messages) {
      const free = await countSend(user, window);
      try {
        const sent = await sendOne(user, m);
        const reply = sent.quota_type ? sent.quota_type === 'reply' : free;
        void tally(reply ? 'replies' : 'proactive');
        if (!reply && free) log.info('zalo oa send charged to a paid quota');
      } catch (err) {
        if (err instanceof RecipientUnreachableError) void tally('unreachable');
        throw err;
      }
    }
  }

  function toInbound(e: Extract<OaEvent, { type: 'message' }>): Inbound {
    let text = e.text;
    // A button click comes back as its label: the option's id makes the choice exact.
    const menu = menus.get(e.userId);
    const picked = text !== undefined ? menu?.find((o) => o.label === text!.trim()) : undefined;
    if (picked) text = picked.id;
    return {
      channel: 'zalo-oa',
      chatId: e.userId,
      userId: e.userId,
      messageId: e.msgId ?? '',
      kind: text?.trim().startsWith('/') ? 'command' : e.kind,
      ...(text !== undefined ? { text } : {}),
      at: e.at,
    };
  }

  function accept(e: OaEvent): void {
    if (e.type === 'ignored') return;
    const key = e.type === 'message' ? (e.msgId ? `msg:${e.msgId}` : null) : `${e.type}:${e.userId}:${e.timestamp}`;
    queue.push(e.userId, async () => {
      if (key && (await seenBefore(key))) return;
      if (e.type === 'unfollow') {
        menus.delete(e.userId);
        await deps.forget?.('zalo-oa', e.userId);
        return;
      }
      // A citizen's message opens a new window of free replies.
      const window = e.type === 'message' ? await coord.incr(windowKey(e.userId), WINDOW_S).catch(() => undefined) : undefined;
      const inbound: Inbound =
        e.type === 'message' ? toInbound(e) : { channel: 'zalo-oa', chatId: e.userId, userId: e.userId, messageId: `follow:${e.timestamp}`, kind: 'command', text: '/start', at: e.at };
      await deliver(e.userId, await deps.handle(inbound), window);
    });
  }

  async function checkTokens() {
    try {
      await tokens.access();
      usable = true;
    } catch (err) {
      usable = false;
      if (err instanceof TokenUnavailableError) log.warn({ err: err.message }, 'zalo oa cannot send yet');
      else throw err;
    }
  }

  const pkce = async (): Promise<Record<string, { verifier: string; until: number }>> => {
    try {
      const all = JSON.parse((await deps.settings.get(PKCE_SETTING)) ?? '{}') as Record<string, { verifier: string; until: number }>;
      return Object.fromEntries(Object.entries(all).filter(([, p]) => p && typeof p.verifier === 'string' && p.until > now()));
    } catch {
      return {};
    }
  };

  const connect: ChannelConnect = {
    async status(): Promise<ConnectStatus> {
      const rec = await tokens.read();
      const base = deps.config.publicUrl ?? null;
      return {
        connected: !!rec,
        ready: live && usable && !rec?.problem,
        accessExpiresAt: rec?.accessExpiresAt || null,
        refreshExpiresAt: rec?.refreshExpiresAt ?? null,
        updatedAt: rec?.updatedAt ?? null,
        problem: rec?.problem ?? (rec ? null : 'Chưa kết nối OA. / The OA is not connected yet.'),
        webhookUrl: base ? base + ZALO_OA_WEBHOOK_PATH : null,
        redirectUrl: base ? base + ZALO_OA_CALLBACK_PATH : null,
        events: ZALO_OA_EVENTS,
      };
    },
    async authorizeUrl(redirectUri) {
      const verifier = randomBytes(32).toString('base64url');
      const state = randomBytes(18).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const pending = Object.entries(await pkce()).slice(-(PKCE_MAX - 1));
      await deps.settings.set(PKCE_SETTING, JSON.stringify(Object.fromEntries([...pending, [state, { verifier, until: now() + PKCE_TTL_MS }]])));
      const q = new URLSearchParams({ app_id: appId, redirect_uri: redirectUri, code_challenge: challenge, state });
      return `${cfg.oauthBase}/v4/oa/permission?${q.toString()}`;
    },
    async complete(code, state) {
      const pending = await pkce();
      const hit = Object.keys(pending).find((s) => sameSecret(s, state));
      if (!hit) throw new Error('Phiên kết nối đã hết hạn hoặc không hợp lệ; vui lòng bấm "Kết nối" lại. / The authorisation expired or is not ours; start again.');
      const { verifier } = pending[hit]!;
      delete pending[hit];
      await deps.settings.set(PKCE_SETTING, JSON.stringify(pending));
      try {
        await tokens.save(await api.exchangeCode(code, verifier));
      } catch (err) {
        if (err instanceof ZaloOaAuthError) throw new Error(`Zalo từ chối mã ủy quyền (${err.errorCode}); vui lòng kết nối lại. / Zalo refused the authorisation code.`);
        throw new Error('Không gọi được máy chủ xác thực của Zalo; vui lòng thử lại. / Zalo OAuth could not be reached.');
      }
      await checkTokens();
    },
    async sendTest(userId, text) {
      try {
        await sendOne(userId, { text });
      } catch (err) {
        if (err instanceof RecipientUnreachableError) throw new Error('Người dùng này chưa tương tác với OA trong 7 ngày qua (-230). / This user has not interacted with the OA for 7 days.');
        if (err instanceof TokenUnavailableError) throw new Error(`OA chưa sẵn sàng gửi tin: ${err.message}`);
        if (err instanceof ZaloOaApiError) throw new Error(`Zalo báo lỗi ${err.errorCode}: ${err.description}`);
        throw err;
      }
    },
    async quota() {
      const days: QuotaDay[] = [];
      for (let i = 0; i < QUOTA_DAYS; i++) {
        const day = vnDay(now() - i * 86_400_000);
        const [replies, proactive, unreachable] = await Promise.all(
          (['replies', 'proactive', 'unreachable'] as const).map((b) => coord.incr(`zalo-oa:quota:${day}:${b}`, 1, 0).catch(() => 0)),
        );
        days.push({ day, replies: replies!, proactive: proactive!, unreachable: unreachable! });
      }
      return { repliesPerWindow: REPLIES_PER_WINDOW, windowHours: WINDOW_S / 3600, days };
    },
  };

  return {
    name: 'zalo-oa',
    mode: 'webhook',
    connect,
    async register(app: FastifyInstance) {
      await app.register(async (scope) => {
        // Nothing is read before the signature header is known to be there.
        scope.addHook('onRequest', async (req, reply) => {
          if (req.method !== 'POST') return;
          if (!accepting) return reply.code(503).send({ error: 'shutting down' });
          if (typeof req.headers['x-zevent-signature'] !== 'string') return reply.code(401).send({ error: 'missing X-ZEvent-Signature' });
        });
        scope.removeAllContentTypeParsers();
        // The raw bytes: the signature covers them exactly as sent.
        scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.config.bodyLimit }, (_req, body, done) => done(null, body));
        scope.post(ZALO_OA_WEBHOOK_PATH, { bodyLimit: deps.config.bodyLimit }, async (req, reply) => {
          const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          const ts = req.headers['x-zevent-timestamp'];
          if (!verifySignature(raw, req.headers['x-zevent-signature'] as string, appId, secretKey, typeof ts === 'string' ? ts : undefined)) {
            log.warn('zalo oa webhook signature wrong; event refused');
            return reply.code(401).send({ error: 'wrong X-ZEvent-Signature' });
          }
          let event: OaEvent;
          try {
            event = parseEvent(raw, now());
          } catch {
            return reply.code(400).send({ error: 'Malformed JSON body' });
          }
          accept(event);
          return { ok: true };
        });
        // Zalo's OAuth redirect lands here, outside the admin: the admin's SameSite=Strict cookie
        // is not sent on a cross-site redirect, but is on the same-site navigation this page starts.
        scope.get(ZALO_OA_CALLBACK_PATH, async (req, reply) => {
          const q = callbackQuery.parse(req.query);
          const target = `/admin/zalo-oa/callback?${new URLSearchParams(q).toString()}`;
          const esc = target.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
          return reply
            .type('text/html; charset=utf-8')
            .header('cache-control', 'no-store')
            .header('referrer-policy', 'no-referrer')
            .send(`<!doctype html><html lang="vi"><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${esc}"><title>Kết nối Zalo OA</title><p>Đang hoàn tất kết nối… <a href="${esc}">Tiếp tục / Continue</a></p></html>`);
        });
      });
    },
    async start() {
      await tokens.init();
      await checkTokens();
      timer = setInterval(() => void checkTokens().catch((err: Error) => log.error({ err: err.message }, 'zalo oa token check failed')), TOKEN_CHECK_MS);
      timer.unref();
      live = true;
      log.info({ mode: 'webhook', sending: usable }, usable ? 'zalo oa channel live' : 'zalo oa channel live but cannot send yet: connect the OA at /admin/zalo-oa');
    },
    async stop(deadline: number) {
      accepting = false;
      clearInterval(timer);
      await Promise.race([queue.drain(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
      live = false;
    },
    async send(chatId: string, replies: Reply[]) {
      await deliver(chatId, replies);
    },
    ready: () => live && usable,
  };
}
