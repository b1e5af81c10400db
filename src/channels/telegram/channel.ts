import { z } from 'zod';
import { boundedMap } from '../../core/lru.js';
import { randomBytes } from 'node:crypto';
import { autoRetry } from '@grammyjs/auto-retry';
import type { FastifyInstance } from 'fastify';
import { Bot, GrammyError, type Context } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { Inbound, InboundKind, Reply } from '../../core/message.js';
import type { Channel, ChannelDeps } from '../channel.js';
import { perChatQueue, pollUntilAborted, sharedDedupe, webhookSecretHook } from '../shared.js';

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';
const SECRET_SETTING = 'telegram.webhook_secret';
const DEDUP_MAX = 20_000;
/** 429s are retried at most this often, and only when Telegram asks to wait at most this long. */
const MAX_RETRIES = 3;
const MAX_RETRY_WAIT_S = 5;
/** The polling lease outlives a stalled holder by at most this long. */
const POLL_LEASE_MS = 15_000;

const COMMANDS = {
  vi: [
    { command: 'start', description: 'Bắt đầu' },
    { command: 'menu', description: 'Các việc trợ lý hỗ trợ' },
    { command: 'help', description: 'Hướng dẫn sử dụng' },
    { command: 'lang', description: 'Đổi ngôn ngữ (Tiếng Việt / English)' },
  ],
  en: [
    { command: 'start', description: 'Start' },
    { command: 'menu', description: 'What I can help with' },
    { command: 'help', description: 'How to use' },
    { command: 'lang', description: 'Switch language (Vietnamese / English)' },
  ],
};

/** What every update has; the rest is read field by field, never trusted. */
const updateShape = z.object({ update_id: z.number().int() }).passthrough();

/** Telegram callback data is at most 64 bytes: long option ids are sent as a short key. */
function callbackData(id: string, keys: { set(key: string, id: string): unknown }): string {
  if (Buffer.byteLength(id) <= 64) return id;
  const key = `k:${randomBytes(6).toString('base64url')}`;
  keys.set(key, id);
  return key;
}

export interface TelegramOptions {
  /** Preset bot info (tests): skips getMe. */
  botInfo?: UserFromGetMe;
  /** How long the polling lease outlives a holder that stopped renewing (default 15 s; tests shorten it). */
  pollLeaseMs?: number;
}

/**
 * Telegram channel on grammY: long polling without PUBLIC_URL, webhook with secret_token
 * otherwise. Updates are de-duplicated by update_id and processed in order per chat; 429s are
 * retried a bounded number of times so a handler can never hang.
 */
export function createTelegramChannel(deps: ChannelDeps, opts: TelegramOptions = {}): Channel {
  const configured = deps.config.telegram.token;
  if (!configured) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  const token: string = configured;
  const log = deps.log.child({ channel: 'telegram' });
  const mode = deps.config.publicUrl ? 'webhook' : 'polling';
  const bot = new Bot(token, { client: { apiRoot: deps.config.telegram.apiRoot, timeoutSeconds: 20 }, ...(opts.botInfo ? { botInfo: opts.botInfo } : {}) });
  const seenBefore = sharedDedupe(deps.coord, 'tg', DEDUP_MAX, () => log.warn('telegram dedupe unavailable; update processed anyway'));
  const queue = perChatQueue((err) => log.error({ err: err instanceof Error ? err.message.replace(token, '<redacted>') : 'error' }, 'telegram update failed'));
  const longIds = boundedMap<string, string>({ max: DEDUP_MAX });
  let secret = deps.config.telegram.webhookSecret ?? '';
  let accepting = true;
  let live = false;
  let polling: Promise<void> | null = null;
  let stopPolling = new AbortController();
  let stopKeeping: (() => Promise<void>) | null = null;

  // Bounded retry on 429 (honouring retry_after) so no call can hang a handler. Network errors
  // and 5xx are not retried here: auto-retry would retry those without limit.
  bot.api.config.use(autoRetry({ maxRetryAttempts: MAX_RETRIES, maxDelaySeconds: MAX_RETRY_WAIT_S, rethrowHttpErrors: true, rethrowInternalServerErrors: true }));

  async function send(chatId: string, replies: Reply[]) {
    for (const r of replies) {
      const buttons = [
        ...(r.options ?? []).map((o) => [{ text: o.label.slice(0, 64), callback_data: callbackData(o.id, longIds) }]),
        ...(r.link ? [[{ text: r.link.label.slice(0, 64), url: r.link.url }]] : []),
      ];
      try {
        await bot.api.sendMessage(chatId, r.text.slice(0, 4096), buttons.length ? { reply_markup: { inline_keyboard: buttons } } : {});
      } catch (err) {
        log.warn({ code: err instanceof GrammyError ? err.error_code : 0 }, 'telegram send failed');
      }
    }
  }

  async function handleMessage(ctx: Context, kind: InboundKind, text?: string) {
    const chatId = String(ctx.chat?.id ?? ctx.from?.id ?? '');
    if (!chatId) return;
    const inbound: Inbound = {
      channel: 'telegram',
      chatId,
      userId: String(ctx.from?.id ?? chatId),
      messageId: String(ctx.update.update_id),
      kind: text?.startsWith('/') ? 'command' : kind,
      ...(text !== undefined ? { text: text.slice(0, 4000) } : {}),
      at: (ctx.msg?.date ?? Math.floor(deps.now() / 1000)) * 1000,
    };
    // A typing indicator when the answer takes a moment.
    const typing = setTimeout(() => void bot.api.sendChatAction(chatId, 'typing').catch(() => undefined), 1000);
    try {
      await send(chatId, await deps.handle(inbound));
    } finally {
      clearTimeout(typing);
    }
  }

  const privateOnly = (ctx: Context) => ctx.chat?.type === 'private';
  bot.on('message:text', async (ctx) => {
    if (privateOnly(ctx)) await handleMessage(ctx, 'text', ctx.msg.text.replace(/@\w+$/, ''));
  });
  bot.on('callback_query:data', async (ctx) => {
    // Answer every callback, even a stale one, so the button stops spinning.
    await ctx.answerCallbackQuery().catch(() => undefined);
    const data = ctx.callbackQuery.data;
    await handleMessage(ctx, 'text', longIds.get(data) ?? data);
  });
  bot.on('message:photo', (ctx) => (privateOnly(ctx) ? handleMessage(ctx, 'image') : undefined));
  bot.on('message:sticker', (ctx) => (privateOnly(ctx) ? handleMessage(ctx, 'sticker') : undefined));
  bot.on('message:voice', (ctx) => (privateOnly(ctx) ? handleMessage(ctx, 'voice') : undefined));
  bot.on(['message:document', 'message:video', 'message:audio', 'message:location', 'message:contact'], (ctx) => (privateOnly(ctx) ? handleMessage(ctx, 'unsupported') : undefined));
  bot.catch((err) => log.error({ err: err.message.replace(token, '<redacted>') }, 'telegram handler failed'));

  /** Queues one update: processed once, in order per chat; returns at once. */
  function accept(body: unknown): void {
    // The body is untrusted JSON: any field may be missing or of another type.
    const parsed = updateShape.safeParse(body);
    if (!parsed.success) return;
    const update = parsed.data as unknown as Update;
    const u = parsed.data as Record<string, { chat?: { id?: unknown }; from?: { id?: unknown }; message?: { chat?: { id?: unknown } } } | undefined>;
    const id = u.message?.chat?.id ?? u.callback_query?.message?.chat?.id ?? u.callback_query?.from?.id ?? u.edited_message?.chat?.id;
    const chat = typeof id === 'number' || typeof id === 'string' ? String(id) : 'other';
    queue.push(chat, async () => {
      if (!(await seenBefore(String(update.update_id)))) await bot.handleUpdate(update);
    });
  }

  /** Long polling while `signal` is not aborted (this instance holds the polling lease). */
  function pollUpdates(signal: AbortSignal): Promise<void> {
    let offset = 0;
    return pollUntilAborted(
      signal,
      async () => {
        const updates = await bot.api.getUpdates({ offset, timeout: 25 }, signal as Parameters<typeof bot.api.getUpdates>[1]);
        for (const u of updates) {
          offset = u.update_id + 1;
          accept(u);
        }
      },
      (err) => log.warn({ code: err instanceof GrammyError ? err.error_code : 0 }, 'telegram getUpdates failed; backing off'),
    );
  }

  return {
    name: 'telegram',
    mode,
    async register(app: FastifyInstance) {
      await app.register(async (scope) => {
        scope.addHook('onRequest', webhookSecretHook({ header: 'x-telegram-bot-api-secret-token', secret: () => (mode === 'webhook' ? secret : ''), accepting: () => accepting }));
        scope.post(TELEGRAM_WEBHOOK_PATH, { bodyLimit: deps.config.bodyLimit }, async (req) => {
          accept(req.body);
          return { ok: true };
        });
      });
    },
    async start() {
      try {
        await bot.init();
      } catch (err) {
        const code = err instanceof GrammyError ? err.error_code : 0;
        throw new Error(code === 401 || code === 404 ? `Telegram rejected TELEGRAM_BOT_TOKEN (${code}): check the token from @BotFather.` : `Telegram getMe failed (${code || 'network'}); Telegram stays off.`);
      }
      await bot.api.setMyCommands(COMMANDS.vi).catch(() => undefined);
      await bot.api.setMyCommands(COMMANDS.vi, { language_code: 'vi' }).catch(() => undefined);
      await bot.api.setMyCommands(COMMANDS.en, { language_code: 'en' }).catch(() => undefined);
      if (mode === 'webhook') {
        if (!secret) {
          secret = (await deps.settings.get(SECRET_SETTING)) ?? randomBytes(24).toString('base64url');
          await deps.settings.set(SECRET_SETTING, secret);
        }
        await bot.api.setWebhook(`${deps.config.publicUrl}${TELEGRAM_WEBHOOK_PATH}`, { secret_token: secret });
      } else {
        await bot.api.deleteWebhook();
        // Our own loop (not bot.start) so updates go through the same dedupe and per-chat queue.
        // With several instances, only the holder of the lease polls (Telegram allows one poller).
        const poll = () => {
          if (!accepting) return;
          stopPolling = new AbortController();
          polling = pollUpdates(stopPolling.signal);
          log.info('telegram polling in this instance');
        };
        const unpoll = () => {
          stopPolling.abort();
          log.info('telegram polling handed over');
        };
        if (deps.coord.kind === 'memory') poll();
        else stopKeeping = deps.coord.lease('telegram-polling', opts.pollLeaseMs ?? POLL_LEASE_MS).keep(poll, unpoll);
      }
      live = true;
      log.info({ mode, bot: bot.botInfo.username }, 'telegram channel live');
    },
    async stop(deadline: number) {
      accepting = false;
      stopPolling.abort();
      await stopKeeping?.().catch(() => undefined);
      await Promise.race([Promise.all([polling, queue.drain()]), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
      live = false;
    },
    send,
    ready: () => live,
  };
}
