import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { APOLOGY, type Reply } from '../../core/message.js';
import type { Channel, ChannelDeps } from '../channel.js';

const STATIC = new URL('./static/', import.meta.url);
const asset = (name: string) => readFileSync(new URL(name, STATIC), 'utf8');

/**
 * Web chat sessions are issued by the server: a random id in a signed, HttpOnly cookie. What the
 * browser sends in the body (older pages send a `sid`) is ignored, so nobody can invent or
 * rotate a citizen id to slip past the per-citizen limit.
 */
const COOKIE = 'dvc_chat';
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;
const SECRET_SETTING = 'webSessionSecret';

/** `POST /api/chat`; a body that does not fit is answered 400 `{error, details}` by the app. */
const messageBody = z.object({
  text: z.string().max(4000, 'tin nhắn quá dài (tối đa 4.000 ký tự)'),
  id: z.string().max(64).optional(),
  /** "Làm mới": start over with a new session. */
  restart: z.boolean().optional(),
});

/** Messages staff send to a web citizen wait until the page polls (bounded). */
const OUTBOX_PER_CHAT = 50;

const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));
const TOO_MANY_MESSAGES = (ms: number) =>
  `Có quá nhiều tin nhắn gửi từ cùng một mạng. Anh/chị vui lòng chờ khoảng ${minutes(ms)} phút rồi gửi lại nhé. / Too many messages from this network; please wait a little.`;
const TOO_MANY_SESSIONS = (ms: number) =>
  `Có quá nhiều cuộc trò chuyện mới được mở từ cùng một mạng. Anh/chị vui lòng chờ khoảng ${minutes(ms)} phút rồi thử lại nhé. / Too many new conversations from this network; please wait a little.`;

/** The cookie signing secret: WEB_SESSION_SECRET, or one generated once and kept in DATA_DIR. */
async function sessionSecret(deps: ChannelDeps): Promise<string> {
  const configured = deps.config.webChat.sessionSecret ?? (await deps.settings.get(SECRET_SETTING));
  if (configured) return configured;
  const secret = randomBytes(32).toString('base64url');
  await deps.settings.set(SECRET_SETTING, secret);
  return secret;
}

/**
 * The key an address is limited under. An IPv6 subscriber is usually given a whole /64, so
 * rotating addresses inside it must not buy more messages: IPv6 is limited per /64.
 */
export function networkOf(ip: string): string {
  const addr = ip.split('%')[0]!.toLowerCase();
  if (!addr.includes(':')) return addr;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (mapped) return mapped[1]!;
  const [head = '', tail] = addr.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * The web chat: a page at `/`, an embeddable `/widget.js`, and a JSON API
 * (`POST /api/chat`, `GET /api/chat/poll`) that goes through the same router.
 */
export function createWebChannel(deps: ChannelDeps): Channel {
  let accepting = true;
  let inflight = 0;
  let seq = 0;

  const pageHtml = asset('chat.html');
  const widgetJs = asset('widget.js');
  const chatJs = asset('chat.js');
  const chatCss = asset('chat.css');

  // Per network address, on top of the per-citizen throttle in front of the router.
  const { ipPerMinute, sessionsPerIpPerHour } = deps.config.webChat;
  // Shared by every instance (Redis) when there are several: one address, one budget.
  const messagesPerIp = deps.coord.limiter('web-msg', { points: ipPerMinute, durationSec: 60 });
  const sessionsPerIp = deps.coord.limiter('web-new', { points: sessionsPerIpPerHour, durationSec: 3600 });
  // Staff replies wait in a mailbox any instance can empty: the browser may poll another instance.
  const outbox = {
    // Unreachable mailbox: nothing was taken, the replies wait for the next poll.
    take: (sid: string) =>
      deps.coord.mailbox.take(`web:${sid}`).then(
        (r) => r as Reply[],
        () => [],
      ),
    push: (sid: string, replies: Reply[]) => deps.coord.mailbox.push(`web:${sid}`, replies, { max: OUTBOX_PER_CHAT, ttlSec: Math.round(deps.config.sessionTtlMs / 1000) }),
  };

  // Framed by another site's page (the widget), a SameSite=Lax cookie would never be sent back.
  const crossSite = deps.config.widgetFrameAncestors.some((s) => s.startsWith('http'));
  const cookieOptions = (req: FastifyRequest) => ({
    path: '/api/chat',
    httpOnly: true,
    signed: true,
    maxAge: Math.round(deps.config.sessionTtlMs / 1000),
    ...(crossSite
      ? { sameSite: 'none' as const, secure: true, partitioned: true }
      : { sameSite: 'lax' as const, secure: deps.config.cookieSecure ?? (req.protocol === 'https' || (deps.config.publicUrl?.startsWith('https://') ?? false)) }),
  });
  const sessionOf = (req: FastifyRequest): string | null => {
    const raw = req.cookies[COOKIE];
    if (!raw) return null;
    const u = req.unsignCookie(raw);
    return u.valid && u.value && SESSION_ID.test(u.value) ? u.value : null;
  };
  const refuse = (reply: FastifyReply, ms: number, text: string) =>
    reply.code(429).header('retry-after', String(Math.ceil(ms / 1000))).send({ error: text });

  return {
    name: 'web',
    mode: 'http',
    async register(app: FastifyInstance) {
      app.get('/', (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(pageHtml));
      app.get('/chat.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(chatJs));
      app.get('/chat.css', (_req, reply) => reply.type('text/css; charset=utf-8').send(chatCss));
      // Loaded by the portals' pages, so it may be read across origins (everything else may not).
      app.get('/widget.js', (_req, reply) =>
        reply.type('text/javascript; charset=utf-8').header('access-control-allow-origin', '*').header('cross-origin-resource-policy', 'cross-origin').send(widgetJs),
      );
      await app.register(async (plain) => {
        await plain.register(cookie, { secret: await sessionSecret(deps) });
        const scope = plain.withTypeProvider<ZodTypeProvider>();

        scope.post('/api/chat', { bodyLimit: 16 * 1024, schema: { body: messageBody } }, async (req, reply) => {
          if (!accepting) return reply.code(503).send({ error: 'Máy chủ đang khởi động lại, anh/chị vui lòng thử lại sau ít phút.' });
          const { text, id, restart } = req.body;
          const network = networkOf(req.ip);
          let sid = restart ? null : sessionOf(req);
          try {
            const busy = await messagesPerIp.consume(network);
            if (busy !== null) return refuse(reply, busy, TOO_MANY_MESSAGES(busy));
            if (!sid) {
              const full = await sessionsPerIp.consume(network);
              if (full !== null) return refuse(reply, full, TOO_MANY_SESSIONS(full));
            }
          } catch (err) {
            // The shared limits (Redis) cannot be reached: an apology now, not a hanging page.
            deps.log.error({ channel: 'web', err: (err as Error).message }, 'web chat limits unavailable');
            return reply.code(503).header('retry-after', '30').send({ error: APOLOGY.text });
          }
          sid ??= randomBytes(16).toString('base64url');
          reply.setCookie(COOKIE, sid, cookieOptions(req));
          inflight++;
          try {
            const replies = await deps.handle({
              channel: 'web',
              chatId: sid,
              userId: sid,
              messageId: id ?? `w${++seq}`,
              kind: text.trim().startsWith('/') ? 'command' : 'text',
              text,
              at: deps.now(),
            });
            return { replies: [...(await outbox.take(sid)), ...replies] };
          } finally {
            inflight--;
          }
        });

        /** Staff replies for this browser's session (none without a valid cookie). */
        scope.get('/api/chat/poll', async (req) => {
          const sid = sessionOf(req);
          if (!sid) return { replies: [] };
          return { replies: await outbox.take(sid) };
        });
      });
    },
    async start() {
      deps.log.info({ channel: 'web', mode: 'http' }, 'web chat live at /');
    },
    async stop(deadline: number) {
      accepting = false;
      while (inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    },
    send: (chatId: string, replies: Reply[]) => outbox.push(chatId, replies),
    ready: () => accepting,
  };
}
