import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Reply } from '../../core/message.js';
import type { Channel, ChannelDeps } from '../channel.js';

const STATIC = new URL('./static/', import.meta.url);
const asset = (name: string) => readFileSync(new URL(name, STATIC), 'utf8');

/** Web chat session ids are made by the browser (crypto.randomUUID) and kept in localStorage. */
const sessionId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'sid must be 8–64 characters A-Z a-z 0-9 _ -');

const messageBody = z.object({
  sid: sessionId,
  text: z.string().max(4000, 'tin nhắn quá dài (tối đa 4.000 ký tự)'),
  id: z.string().max(64).optional(),
});

/** Messages staff send to a web citizen wait here until the page polls (bounded). */
const OUTBOX_CHATS = 10_000;
const OUTBOX_PER_CHAT = 50;

/**
 * The web chat: a page at `/`, an embeddable `/widget.js`, and a JSON API
 * (`POST /api/chat`, `GET /api/chat/poll`) that goes through the same router.
 */
export function createWebChannel(deps: ChannelDeps): Channel {
  const outbox = new Map<string, Reply[]>();
  let accepting = true;
  let inflight = 0;
  let seq = 0;

  const pageHtml = asset('chat.html');
  const widgetJs = asset('widget.js');
  const chatJs = asset('chat.js');
  const chatCss = asset('chat.css');

  return {
    name: 'web',
    mode: 'http',
    register(app: FastifyInstance) {
      app.get('/', (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(pageHtml));
      app.get('/chat.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(chatJs));
      app.get('/chat.css', (_req, reply) => reply.type('text/css; charset=utf-8').send(chatCss));
      app.get('/widget.js', (_req, reply) =>
        reply.type('text/javascript; charset=utf-8').header('access-control-allow-origin', '*').send(widgetJs),
      );
      app.post('/api/chat', { bodyLimit: 16 * 1024 }, async (req, reply) => {
        if (!accepting) return reply.code(503).send({ error: 'Máy chủ đang khởi động lại, anh/chị vui lòng thử lại sau ít phút.' });
        const parsed = messageBody.safeParse(req.body);
        if (!parsed.success) {
          return reply.code(400).send({ error: 'Yêu cầu không hợp lệ.', details: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
        }
        const { sid, text, id } = parsed.data;
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
          const pending = outbox.get(sid) ?? [];
          outbox.delete(sid);
          return { replies: [...pending, ...replies] };
        } finally {
          inflight--;
        }
      });
      app.get('/api/chat/poll', async (req, reply) => {
        const parsed = sessionId.safeParse((req.query as { sid?: unknown }).sid);
        if (!parsed.success) return reply.code(400).send({ error: 'sid không hợp lệ' });
        const pending = outbox.get(parsed.data) ?? [];
        outbox.delete(parsed.data);
        return { replies: pending };
      });
    },
    async start() {
      deps.log.info({ channel: 'web', mode: 'http' }, 'web chat live at /');
    },
    async stop(deadline: number) {
      accepting = false;
      while (inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    },
    async send(chatId: string, replies: Reply[]) {
      const list = outbox.get(chatId) ?? [];
      list.push(...replies);
      if (list.length > OUTBOX_PER_CHAT) list.splice(0, list.length - OUTBOX_PER_CHAT);
      outbox.delete(chatId);
      outbox.set(chatId, list);
      if (outbox.size > OUTBOX_CHATS) outbox.delete(outbox.keys().next().value as string);
    },
    ready: () => accepting,
  };
}
