import { boundedMap } from '../../core/lru.js';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Inbound, InboundKind, Reply, ReplyOption } from '../../core/message.js';
import type { Channel, ChannelDeps } from '../channel.js';
import { perChatQueue, pollUntilAborted, sharedDedupe, webhookSecretHook } from '../shared.js';
import { createZaloClient, ZaloApiError, type ZaloClient, type ZaloUpdate } from './client.js';
import { renderReply } from './render.js';

export const ZALO_WEBHOOK_PATH = '/zalo/webhook';
const SECRET_SETTING = 'zalo.webhook_secret';
const DEDUP_MAX = 20_000;
const MENU_MAX = 20_000;

const KINDS: Record<string, InboundKind> = {
  'message.text.received': 'text',
  'message.image.received': 'image',
  'message.sticker.received': 'sticker',
  'message.voice.received': 'voice',
  'message.unsupported.received': 'unsupported',
};

/**
 * Zalo Bot API channel: webhook at /zalo/webhook when PUBLIC_URL is set, long polling
 * otherwise. Updates are de-duplicated and processed in order per chat; options are sent as a
 * numbered menu and a reply of "2" selects the second option.
 */
export function createZaloChannel(deps: ChannelDeps, client?: ZaloClient): Channel {
  const token = deps.config.zalo.token;
  if (!token) throw new Error('ZALO_BOT_TOKEN is not set');
  const api = client ?? createZaloClient(deps.config.zalo.apiBase, token);
  const log = deps.log.child({ channel: 'zalo' });
  const mode = deps.config.publicUrl ? 'webhook' : 'polling';
  const seenBefore = sharedDedupe(deps.coord, 'zalo', DEDUP_MAX, () => log.warn('zalo dedupe unavailable; update processed anyway'));
  const queue = perChatQueue((err) => log.error({ err: err instanceof Error ? err.message : 'error' }, 'zalo update failed'));
  const menus = boundedMap<string, ReplyOption[]>({ max: MENU_MAX });
  let secret = deps.config.zalo.webhookSecret ?? '';
  let accepting = true;
  let live = false;
  let poller: AbortController | null = null;
  let polling: Promise<void> | null = null;

  async function send(chatId: string, replies: Reply[]) {
    for (const r of replies) {
      const { texts, options } = renderReply(r);
      if (options.length) {
        menus.set(chatId, options);
      }
      for (const text of texts) await withRetry(() => api.sendMessage(chatId, text), 'sendMessage');
    }
  }

  /** Retries 429 and transient failures a few times with a capped backoff; never re-sends after success. */
  async function withRetry<T>(fn: () => Promise<T>, method: string): Promise<T | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const code = err instanceof ZaloApiError ? err.errorCode : 0;
        if (code !== 429 && code < 500) {
          log.warn({ method, code }, 'zalo call failed');
          return undefined;
        }
        await new Promise((r) => setTimeout(r, Math.min(2000, 200 * 2 ** attempt)));
      }
    }
    log.warn({ method }, 'zalo call failed after retries');
    return undefined;
  }

  function toInbound(u: ZaloUpdate): Inbound | null {
    const m = u.message;
    const chatId = m?.chat?.id ?? m?.from?.id;
    if (!m || typeof chatId !== 'string' || !chatId) return null;
    const kind = typeof u.event_name === 'string' && Object.hasOwn(KINDS, u.event_name) ? KINDS[u.event_name] : undefined;
    if (!kind) return null;
    let text = kind === 'text' && typeof m.text === 'string' ? m.text : undefined;
    // A number answers the last numbered menu shown in this chat.
    const menu = menus.get(chatId);
    if (text && menu && /^\s*\d{1,2}\s*$/.test(text)) {
      const option = menu[Number(text) - 1];
      if (option) text = option.id;
    }
    return {
      channel: 'zalo',
      chatId,
      userId: typeof m.from?.id === 'string' ? m.from.id : chatId,
      messageId: typeof m.message_id === 'string' || typeof m.message_id === 'number' ? String(m.message_id) : '',
      kind: text?.trim().startsWith('/') ? 'command' : kind,
      ...(text !== undefined ? { text: text.slice(0, 4000) } : {}),
      at: typeof m.date === 'number' ? m.date : deps.now(),
    };
  }

  /** Accepts one update (wrapped or bare); returns at once, processing continues in order per chat. */
  function accept(body: unknown): void {
    const b = body as { ok?: unknown; result?: unknown } | null;
    const u = (b && typeof b === 'object' && b.ok === true && b.result && typeof b.result === 'object' ? b.result : b) as ZaloUpdate | null;
    if (!u || typeof u !== 'object') return;
    // The body is untrusted JSON: only strings and numbers are turned into text.
    const event = typeof u.event_name === 'string' ? u.event_name : '';
    const id: unknown = u.message?.message_id;
    const inbound = toInbound(u);
    if (!inbound) {
      log.info({ event: event.slice(0, 60) }, 'zalo update ignored');
      return;
    }
    const key = typeof id === 'string' || typeof id === 'number' ? `${event}:${String(id)}` : null;
    queue.push(inbound.chatId, async () => {
      if (key && (await seenBefore(key))) return;
      await send(inbound.chatId, await deps.handle(inbound));
    });
  }

  /** Long polling until `signal` aborts; getUpdates hands out one update per call. */
  function pollUpdates(signal: AbortSignal): Promise<void> {
    return pollUntilAborted(
      signal,
      async () => {
        const u = await api.getUpdates(30, signal);
        if (u) accept(u);
      },
      (err) => log.warn({ code: err instanceof ZaloApiError ? err.errorCode : 0 }, 'zalo getUpdates failed; backing off'),
    );
  }

  return {
    name: 'zalo',
    mode,
    async register(app: FastifyInstance) {
      await app.register(async (scope) => {
        // Check the secret before any body parsing work.
        scope.addHook('onRequest', webhookSecretHook({ header: 'x-bot-api-secret-token', secret: () => (mode === 'webhook' ? secret : ''), accepting: () => accepting }));
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: deps.config.bodyLimit }, (_req, body, done) => {
          const text = String(body).trim();
          if (!text) return done(null, null);
          try {
            done(null, JSON.parse(text));
          } catch {
            done(Object.assign(new Error('Malformed JSON body'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), undefined);
          }
        });
        scope.post(ZALO_WEBHOOK_PATH, { bodyLimit: deps.config.bodyLimit }, async (req) => {
          accept(req.body);
          return { ok: true };
        });
      });
    },
    async start() {
      const me = await api.getMe().catch((err: unknown) => {
        const code = err instanceof ZaloApiError ? err.errorCode : 0;
        throw new Error(code === 401 ? 'Zalo rejected ZALO_BOT_TOKEN (401): check the token from the Zalo Bot Platform.' : `Zalo getMe failed (${code}); Zalo stays off.`);
      });
      if (mode === 'webhook') {
        if (!secret) {
          secret = (await deps.settings.get(SECRET_SETTING)) ?? randomBytes(24).toString('base64url');
          await deps.settings.set(SECRET_SETTING, secret);
        }
        await api.setWebhook(`${deps.config.publicUrl}${ZALO_WEBHOOK_PATH}`, secret);
      } else {
        await api.deleteWebhook().catch(() => undefined);
        poller = new AbortController();
        polling = pollUpdates(poller.signal);
      }
      live = true;
      log.info({ mode, bot: me.account_name ?? me.id }, 'zalo channel live');
    },
    async stop(deadline: number) {
      accepting = false;
      poller?.abort();
      await Promise.race([Promise.all([polling, queue.drain()]), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
      live = false;
    },
    send,
    ready: () => live,
  };
}
