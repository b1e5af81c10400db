import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { maskPII } from '../core/privacy.js';
import type { Handoff } from '../store/types.js';
import { audit, field, me, redirect, send, type AdminCtx } from './context.js';
import { csrfField, fmtTime, html, postButton, table } from './html.js';

const STATUS: Record<Handoff['status'], string> = { waiting: 'Đang chờ', claimed: 'Đang xử lý', closed: 'Đã đóng' };
const CHANNEL: Record<string, string> = { web: 'Web', telegram: 'Telegram', zalo: 'Zalo', cli: 'CLI' };

/**
 * Handed-over conversations: staff claim one, reply through the citizen's own channel, and
 * close it, which hands the citizen back to the bot.
 */
export function registerInboxRoutes(app: FastifyInstance, ctx: AdminCtx): void {
  const { stores, assistant, now, events } = ctx.deps;

  app.get('/admin/inbox/count.json', async () => ({ waiting: stores.handoffs.list('waiting').length }));

  app.get('/admin/inbox', async (req, reply) => {
    const status = (req.query as { status?: string }).status === 'closed' ? 'closed' : 'open';
    const list = stores.handoffs
      .list()
      .filter((h) => (status === 'closed' ? h.status === 'closed' : h.status !== 'closed'))
      .sort((a, b) => (status === 'closed' ? b.createdAt - a.createdAt : a.createdAt - b.createdAt))
      .slice(0, 200);
    const rows = list.map((h) => [
      html`<a href="/admin/inbox/${h.id}">${fmtTime(h.createdAt)}</a>`,
      CHANNEL[h.channel] ?? h.channel,
      STATUS[h.status],
      h.claimedBy ?? '–',
      h.summary.slice(0, 160),
      h.transcript.length,
    ]);
    return send(
      ctx,
      req,
      reply,
      'Hộp thư cán bộ',
      html`<p><a href="/admin/inbox" class="${status === 'open' ? 'on' : ''}">Đang mở</a> · <a href="/admin/inbox?status=closed" class="${status === 'closed' ? 'on' : ''}">Đã đóng</a></p>
${rows.length ? table(['Thời điểm', 'Kênh', 'Trạng thái', 'Cán bộ', 'Tóm tắt', 'Số tin'], rows, 'inbox') : html`<p>Không có cuộc trò chuyện nào ${status === 'open' ? 'đang chờ' : 'đã đóng'}.</p>`}`,
    );
  });

  const load = (req: FastifyRequest) => stores.handoffs.get((req.params as { id: string }).id);
  const missing = (req: FastifyRequest, reply: FastifyReply) => send(ctx, req, reply, 'Không tìm thấy', html`<p>Không có cuộc trò chuyện này. <a href="/admin/inbox">Hộp thư</a></p>`, 404);

  app.get('/admin/inbox/:id', async (req, reply) => {
    const h = load(req);
    if (!h) return missing(req, reply);
    const s = me(req);
    const transcript = h.transcript.map(
      (m) => html`<li class="msg ${m.from}"><span class="meta">${m.from === 'citizen' ? 'Công dân' : m.from === 'bot' ? 'Trợ lý' : `Cán bộ ${m.staff ?? ''}`} · ${fmtTime(m.at)}</span>${m.text}</li>`,
    );
    const actions =
      h.status === 'closed'
        ? html`<p>Đã đóng lúc ${fmtTime(h.closedAt)}.</p>`
        : html`${h.status === 'waiting' ? postButton(s, `/admin/inbox/${h.id}/claim`, 'Nhận xử lý', {}, 'primary') : html`<p>Đang xử lý bởi <b>${h.claimedBy}</b> từ ${fmtTime(h.claimedAt)}.</p>`}
<form method="post" action="/admin/inbox/${h.id}/reply" class="card" id="reply-form">${csrfField(s)}<label>Trả lời công dân (gửi qua ${CHANNEL[h.channel] ?? h.channel})<textarea name="text" rows="4" required maxlength="4000"></textarea></label><button class="primary">Gửi</button></form>
${postButton(s, `/admin/inbox/${h.id}/close`, 'Đóng và trả lại cho trợ lý tự động')}`;
    return send(
      ctx,
      req,
      reply,
      `Trò chuyện ${CHANNEL[h.channel] ?? h.channel} · ${STATUS[h.status]}`,
      html`<section class="card summary"><h2>Tóm tắt</h2><p>${h.summary}</p><p class="muted">Lý do: ${h.reason} · Bắt đầu chờ: ${fmtTime(h.createdAt)}</p></section>
<section class="card"><h2>Nội dung</h2><ol class="transcript" id="transcript">${transcript}</ol></section>${actions}`,
    );
  });

  app.post('/admin/inbox/:id/claim', async (req, reply) => {
    const h = load(req);
    if (!h) return missing(req, reply);
    if (h.status !== 'waiting') return redirect(ctx, req, reply, `/admin/inbox/${h.id}`, { kind: 'error', text: h.status === 'claimed' ? `Cán bộ ${h.claimedBy} đã nhận cuộc này.` : 'Cuộc trò chuyện đã đóng.' });
    await stores.handoffs.claim(h.id, me(req).user, now());
    await audit(ctx, req, 'handoff.claim', h.id);
    return redirect(ctx, req, reply, `/admin/inbox/${h.id}`, { kind: 'ok', text: 'Anh/chị đã nhận xử lý cuộc trò chuyện này.' });
  });

  const channelFor = (h: Handoff) => assistant.channels.find((c) => c.name === h.channel);

  app.post('/admin/inbox/:id/reply', async (req, reply) => {
    const h = load(req);
    if (!h) return missing(req, reply);
    const text = field(req, 'text').trim().slice(0, 4000);
    if (h.status === 'closed') return redirect(ctx, req, reply, `/admin/inbox/${h.id}`, { kind: 'error', text: 'Cuộc trò chuyện đã đóng; không gửi được.' });
    if (!text) return redirect(ctx, req, reply, `/admin/inbox/${h.id}`, { kind: 'error', text: 'Nội dung trả lời trống.' });
    const channel = channelFor(h);
    if (!channel) return redirect(ctx, req, reply, `/admin/inbox/${h.id}`, { kind: 'error', text: `Kênh ${h.channel} hiện không chạy; chưa gửi được.` });
    const at = now();
    try {
      await channel.send(h.chatId, [{ text }]);
    } catch (err) {
      ctx.deps.log.warn({ component: 'admin', channel: h.channel, err: (err as Error).message }, 'staff reply not delivered');
      return redirect(ctx, req, reply, `/admin/inbox/${h.id}`, { kind: 'error', text: 'Không gửi được tin nhắn qua kênh của công dân. Vui lòng thử lại.' });
    }
    if (h.status === 'waiting') await stores.handoffs.claim(h.id, me(req).user, at);
    const first = h.firstReplyAt === null;
    await stores.handoffs.append(h.id, { from: 'staff', text: maskPII(text), at, staff: me(req).user });
    events.emit({ type: 'staff_reply', at, channel: h.channel, user: h.user, data: { first, waitMs: at - h.createdAt } });
    await audit(ctx, req, 'handoff.reply', h.id);
    return redirect(ctx, req, reply, `/admin/inbox/${h.id}`, { kind: 'ok', text: 'Đã gửi.' });
  });

  app.post('/admin/inbox/:id/close', async (req, reply) => {
    const h = load(req);
    if (!h) return missing(req, reply);
    if (h.status === 'closed') return redirect(ctx, req, reply, '/admin/inbox');
    await stores.handoffs.close(h.id, now());
    const session = stores.sessions.get(h.sessionKey);
    if (session) stores.sessions.set(h.sessionKey, { ...session, handoff: null });
    const en = session?.lang === 'en';
    await channelFor(h)
      ?.send(h.chatId, [{ text: en ? 'The staff member has finished. The assistant is back: type "menu" to see what I can help with.' : 'Cán bộ đã kết thúc hỗ trợ. Trợ lý tự động tiếp tục phục vụ anh/chị: gõ "menu" để xem các việc có thể làm.' }])
      .catch((err: Error) => ctx.deps.log.warn({ component: 'admin', channel: h.channel, err: err.message }, 'close notice not delivered'));
    await audit(ctx, req, 'handoff.close', h.id);
    return redirect(ctx, req, reply, '/admin/inbox', { kind: 'ok', text: 'Đã đóng; công dân được trả lại cho trợ lý tự động.' });
  });
}
