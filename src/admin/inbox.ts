import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { fold } from '../text/vi/fold.js';
import { clip } from '../core/clip.js';
import { maskPII } from '../core/privacy.js';
import type { Handoff, HandoffMessage, User } from '../store/types.js';
import { cannedReplies } from './canned.js';
import type { AdminSession } from './auth.js';
import { audit, formBody, formText, idParams, me, redirect, renderPage, type AdminPluginOptions, type AdminRequest } from './context.js';
import { csrfField, fmtTime, html, postButton, table, type Html } from './html.js';

const STATUS: Record<Handoff['status'], string> = { waiting: 'Đang chờ', claimed: 'Đang xử lý', closed: 'Đã đóng' };
const CHANNEL: Record<string, string> = { web: 'Web', telegram: 'Telegram', zalo: 'Zalo', 'zalo-oa': 'Zalo OA', cli: 'CLI' };

/** The list's status filter: "open" is waiting or claimed (the default view). */
const FILTERS = { open: 'Đang mở', waiting: 'Đang chờ', claimed: 'Đang xử lý', closed: 'Đã đóng', all: 'Tất cả' } as const;
const listQuery = z.object({
  status: z.enum(Object.keys(FILTERS) as [keyof typeof FILTERS, ...(keyof typeof FILTERS)[]]).catch('open'),
  q: z.string().max(200).catch(''),
});
const cannedBody = formBody({ title: formText, text: formText });
const textBody = formBody({ text: formText });

/** A comment line every so often keeps proxies from closing an idle event stream. */
const KEEPALIVE_MS = 20_000;

/**
 * Handed-over conversations, run like a help desk: the list and an open conversation update
 * live (server-sent events at /admin/inbox/events), staff claim, reply through the citizen's
 * own channel under their display name, leave internal notes, transfer to a colleague, pick
 * canned replies, and close, which hands the citizen back to the bot.
 */
export const inboxRoutes: FastifyPluginAsyncZod<AdminPluginOptions> = async (app, { ctx }) => {
  const { stores, assistant, now, events } = ctx.deps;
  const canned = cannedReplies(stores.settings);

  // Staff accounts as of the current request (a handful of rows): pages name staff in many places.
  let staff = new Map<string, User>();
  const loadStaff = async () => {
    staff = new Map((await stores.users.list()).map((u) => [u.name, u]));
  };
  /** How staff appear to citizens and colleagues: the display name, else the login name. */
  const displayName = (login: string | null | undefined) => {
    if (!login) return '';
    const u = staff.get(login);
    return u?.displayName?.trim() || login;
  };

  /** What the citizen saw: a procedure button (`p:<code>`) stored before labels were recorded becomes its name (from the search index, in memory). */
  const readable = (m: HandoffMessage): string => {
    const code = m.from === 'citizen' ? /^p:(\d{1,2}\.\d{6}(?:\.[A-Za-z0-9]+)*)$/.exec(m.text.trim())?.[1] : undefined;
    const p = code ? assistant.catalogue.searcher().get(code) : undefined;
    return p ? p.name : m.text;
  };

  const reasonText = (h: Handoff): string => {
    if (h.reason === 'citizen asked for a human') return 'Công dân yêu cầu gặp cán bộ';
    // A flow's handoff step records `flowId/stepId`.
    const flow = assistant.flows.current(h.reason.split('/')[0] ?? '');
    return flow ? `Trợ lý chuyển từ luồng «${flow.flow.title.vi}»` : h.reason;
  };

  app.get('/inbox/count.json', { config: { api: true } }, async () => ({ waiting: await stores.handoffs.count('waiting') }));

  // Server-sent events: one `handoff` event per change (ids and counts only, never message text).
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });
  app.get('/inbox/events', { config: { api: true } }, (req, reply) => {
    reply.hijack();
    const res: ServerResponse = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write(`retry: 3000\n\n`);
    let open = true;
    const write = (chunk: string) => {
      if (open && !res.writableEnded) res.write(chunk);
    };
    const unwatch = stores.handoffs.watch((change) => write(`event: handoff\ndata: ${JSON.stringify(change)}\n\n`));
    const ping = setInterval(() => write(': ping\n\n'), KEEPALIVE_MS).unref();
    const end = () => {
      if (!open) return;
      open = false;
      unwatch();
      clearInterval(ping);
      streams.delete(end);
      res.end();
    };
    streams.add(end);
    req.raw.on('close', end);
    res.on('error', end);
  });

  /** The list as filtered (status, text); its own route lets the page refresh it live. */
  const listView = async (status: keyof typeof FILTERS, q: string): Promise<Html> => {
    await loadStaff();
    const needle = fold(q);
    const matches = (h: Handoff) => !needle || fold([h.summary, ...h.transcript.filter((m) => m.from !== 'note').map(readable)].join(' ')).includes(needle);
    // Open lists show the oldest waiting first (the store's order): the first 200 matches will do.
    // Closed and all show the newest first, so every page is read.
    const oldestFirst = status === 'open' || status === 'waiting';
    const found: Handoff[] = [];
    let after: string | null | undefined;
    do {
      const page = await stores.handoffs.list({ limit: 500, ...(status === 'all' ? {} : { status }), ...(after ? { after } : {}) });
      found.push(...page.items.filter(matches));
      after = page.next;
    } while (after && !(oldestFirst && found.length >= 200));
    const list = found
      .sort((a, b) => (status === 'open' || status === 'waiting' ? a.createdAt - b.createdAt : b.createdAt - a.createdAt))
      .slice(0, 200);
    const rows = list.map((h) => {
      const last = [...h.transcript].reverse().find((m) => m.from === 'citizen');
      return [
        html`<a href="/admin/inbox/${h.id}">${fmtTime(h.createdAt)}</a>`,
        CHANNEL[h.channel] ?? h.channel,
        html`<span class="status ${h.status}">${STATUS[h.status]}</span>`,
        h.claimedBy ? displayName(h.claimedBy) : '–',
        clip(h.summary, 160),
        last ? clip(readable(last), 120) : '–',
        h.transcript.filter((m) => m.from !== 'note').length,
      ];
    });
    const empty = q ? 'Không có cuộc trò chuyện nào khớp với nội dung tìm.' : status === 'open' ? 'Không có cuộc trò chuyện nào đang mở.' : `Không có cuộc trò chuyện nào ở trạng thái «${FILTERS[status]}».`;
    return html`<div id="inbox-list" data-live="list" aria-live="polite">${rows.length ? table(['Thời điểm', 'Kênh', 'Trạng thái', 'Cán bộ', 'Tóm tắt', 'Tin mới nhất của công dân', 'Số tin'], rows, 'inbox') : html`<p>${empty}</p>`}</div>`;
  };

  app.get('/inbox', { schema: { querystring: listQuery } }, async (req, reply) => {
    const { status, q } = req.query;
    const filter = html`<form method="get" action="/admin/inbox" class="search inbox-filter" role="search">
<label>Tìm theo nội dung <input type="search" name="q" value="${q}" maxlength="200" placeholder="ví dụ: căn cước, khai sinh"></label>
<label>Trạng thái <select name="status">${Object.entries(FILTERS).map(([k, label]) => html`<option value="${k}" ${k === status ? html`selected` : ''}>${label}</option>`)}</select></label>
<button>Lọc</button></form>`;
    return renderPage(ctx, req, reply, 'Hộp thư cán bộ', html`${assets()}<p><a href="/admin/inbox/canned">Câu trả lời mẫu</a></p>${filter}\n${await listView(status, q)}`);
  });
  // Fragments the page's script swaps in on a live event (no page frame, so no flash is used up).
  app.get('/inbox/list.html', { schema: { querystring: listQuery }, config: { api: true } }, async (req, reply) => {
    const { status, q } = req.query;
    return fragment(reply, await listView(status, q));
  });

  app.get('/inbox/canned', async (req, reply) => {
    const s = me(req);
    const rows = (await canned.list()).map(
      (c, i) => html`<li class="card"><form method="post" action="/admin/inbox/canned/${c.id}/save">${csrfField(s)}
<label>Tên gợi nhớ <input name="title" value="${c.title}" required maxlength="80"></label>
<label>Nội dung gửi công dân <textarea name="text" rows="3" required maxlength="4000">${c.text}</textarea></label>
<button>Lưu câu trả lời mẫu ${i + 1}</button></form>${postButton(s, `/admin/inbox/canned/${c.id}/delete`, `Xoá câu trả lời mẫu ${i + 1}`, {}, 'danger')}</li>`,
    );
    return renderPage(
      ctx,
      req,
      reply,
      'Câu trả lời mẫu',
      html`<p>Các câu trả lời hay dùng; trong một cuộc trò chuyện, chọn một câu ở ô «Câu trả lời mẫu» để điền sẵn vào ô trả lời rồi sửa nếu cần. <a href="/admin/inbox">Về hộp thư</a></p>
${rows.length ? html`<ol class="canned">${rows}</ol>` : html`<p>Chưa có câu trả lời mẫu nào.</p>`}
<form method="post" action="/admin/inbox/canned/add" class="card">${csrfField(s)}<h2>Thêm câu trả lời mẫu</h2>
<label>Tên gợi nhớ <input name="title" required maxlength="80" placeholder="ví dụ: Giờ làm việc"></label>
<label>Nội dung gửi công dân <textarea name="text" rows="3" required maxlength="4000"></textarea></label>
<button class="primary">Thêm</button></form>`,
    );
  });

  const cannedFields = (form: { title: string; text: string }) => ({ title: form.title.trim().slice(0, 80), text: form.text.trim().slice(0, 4000) });
  const toCanned = (req: AdminRequest, reply: FastifyReply, ok: boolean, text: string) =>
    redirect(ctx, req, reply, '/admin/inbox/canned', { kind: ok ? 'ok' : 'error', text });

  app.post('/inbox/canned/add', { schema: { body: cannedBody } }, async (req, reply) => {
    const { title, text } = cannedFields(req.body);
    if (!title || !text) return toCanned(req, reply, false, 'Cần nhập cả tên gợi nhớ và nội dung.');
    const c = await canned.add(title, text);
    await audit(ctx, req, 'canned.add', c.id, undefined, { title });
    return toCanned(req, reply, true, `Đã thêm «${title}».`);
  });
  app.post('/inbox/canned/:id/save', { schema: { params: idParams, body: cannedBody } }, async (req, reply) => {
    const { id } = req.params;
    const { title, text } = cannedFields(req.body);
    if (!title || !text) return toCanned(req, reply, false, 'Cần nhập cả tên gợi nhớ và nội dung.');
    const before = (await canned.list()).find((c) => c.id === id);
    if (!before || !(await canned.update(id, title, text))) return toCanned(req, reply, false, 'Không có câu trả lời mẫu này.');
    await audit(ctx, req, 'canned.update', id, { title: before.title, text: before.text }, { title, text });
    return toCanned(req, reply, true, `Đã lưu «${title}».`);
  });
  app.post('/inbox/canned/:id/delete', { schema: { params: idParams } }, async (req, reply) => {
    const { id } = req.params;
    const before = (await canned.list()).find((c) => c.id === id);
    if (!before || !(await canned.remove(id))) return toCanned(req, reply, false, 'Không có câu trả lời mẫu này.');
    await audit(ctx, req, 'canned.delete', id, { title: before.title, text: before.text });
    return toCanned(req, reply, true, `Đã xoá «${before.title}».`);
  });

  const load = async (id: string) => {
    await loadStaff();
    return stores.handoffs.get(id);
  };
  const missing = (req: AdminRequest, reply: FastifyReply) => renderPage(ctx, req, reply, 'Không tìm thấy', html`<p>Không có cuộc trò chuyện này. <a href="/admin/inbox">Hộp thư</a></p>`, 404);
  const back = (req: AdminRequest, reply: FastifyReply, h: Handoff, kind: 'ok' | 'error', text: string) => redirect(ctx, req, reply, `/admin/inbox/${h.id}`, { kind, text });

  const line = (m: HandoffMessage): Html => {
    const who =
      m.from === 'citizen'
        ? 'Công dân'
        : m.from === 'bot'
          ? 'Trợ lý'
          : m.from === 'staff'
            ? `Cán bộ ${displayName(m.staff)}`
            : `Ghi chú nội bộ của ${displayName(m.staff)} (công dân không thấy)`;
    return html`<li class="msg ${m.from === 'note' ? 'internal-note' : m.from}"><span class="meta">${who} · ${fmtTime(m.at)}</span>${readable(m)}</li>`;
  };

  /** What a conversation's page shows that changes: the transcript and who has it. */
  const transcriptView = (h: Handoff): Html => html`<ol class="transcript" id="transcript" aria-live="polite">${h.transcript.map(line)}</ol>`;
  const stateView = (h: Handoff, s: AdminSession): Html => {
    const colleagues = [...staff.values()].filter((u) => !u.disabled && u.name !== h.claimedBy);
    const state =
      h.status === 'closed'
        ? html`<p>Đã đóng lúc ${fmtTime(h.closedAt)}.</p>`
        : html`${h.status === 'waiting' ? html`<p>Chưa có cán bộ nhận.</p>${postButton(s, `/admin/inbox/${h.id}/claim`, 'Nhận xử lý', {}, 'primary')}` : html`<p>Đang xử lý bởi <b>${displayName(h.claimedBy)}</b> từ ${fmtTime(h.claimedAt)}.</p>`}
${colleagues.length ? html`<form method="post" action="/admin/inbox/${h.id}/transfer" class="transfer">${csrfField(s)}<label>Chuyển cho cán bộ khác <select name="to" required>${colleagues.map((u) => html`<option value="${u.name}">${u.displayName?.trim() || u.name}${u.name === s.user ? ' (anh/chị)' : ''}</option>`)}</select></label><button>Chuyển</button></form>` : ''}`;
    return html`<div id="handoff-state" class="card">${state}</div>`;
  };

  app.get('/inbox/:id/live.html', { schema: { params: idParams }, config: { api: true } }, async (req, reply) => {
    const h = await load(req.params.id);
    if (!h) return reply.code(404).send({ error: 'Không có cuộc trò chuyện này.' });
    return fragment(reply, html`${transcriptView(h)}${stateView(h, me(req))}`);
  });

  app.get('/inbox/:id', { schema: { params: idParams } }, async (req, reply) => {
    const h = await load(req.params.id);
    if (!h) return missing(req, reply);
    const s = me(req);
    const list = await canned.list();
    // Notes and closing sit beside the transcript; only the reply box follows it, kept in view.
    const actions =
      h.status === 'closed'
        ? ''
        : html`<div class="actions"><details class="card note-box"><summary>Ghi chú nội bộ (công dân không thấy)</summary><form method="post" action="/admin/inbox/${h.id}/note">${csrfField(s)}<label>Nội dung ghi chú <textarea name="text" rows="2" required maxlength="2000"></textarea></label><button>Lưu ghi chú</button></form></details>
${postButton(s, `/admin/inbox/${h.id}/close`, 'Đóng và trả lại cho trợ lý tự động')}</div>`;
    const compose =
      h.status === 'closed'
        ? ''
        : html`<div class="compose"><form method="post" action="/admin/inbox/${h.id}/reply" class="card" id="reply-form">${csrfField(s)}
${list.length ? html`<label>Câu trả lời mẫu <select id="canned-pick"><option value="">— Chọn để điền vào ô trả lời —</option>${list.map((c) => html`<option value="${c.text}">${c.title}</option>`)}</select></label>` : ''}
<label>Trả lời công dân (gửi qua ${CHANNEL[h.channel] ?? h.channel}, ký tên «Cán bộ ${displayName(s.user)}») <textarea name="text" id="reply-text" rows="2" required maxlength="4000"></textarea></label>
<button class="primary">Gửi</button></form></div>`;
    return renderPage(
      ctx,
      req,
      reply,
      `Trò chuyện ${CHANNEL[h.channel] ?? h.channel} · ${STATUS[h.status]}`,
      html`${assets()}<div class="inbox-conversation">
<div class="conversation" data-live="conversation" data-id="${h.id}">
<section class="card" aria-labelledby="transcript-title"><h2 id="transcript-title">Nội dung</h2>${transcriptView(h)}</section>
${compose}</div>
<aside class="side"><section class="card summary"><h2>Tóm tắt</h2><p>${h.summary}</p><p class="muted">${reasonText(h)} · Bắt đầu chờ: ${fmtTime(h.createdAt)} · <a href="/admin/inbox">Về hộp thư</a></p></section>
${stateView(h, s)}${actions}</aside></div>`,
    );
  });

  app.post('/inbox/:id/claim', { schema: { params: idParams } }, async (req, reply) => {
    const h = await load(req.params.id);
    if (!h) return missing(req, reply);
    if (h.status !== 'waiting') return back(req, reply, h, 'error', h.status === 'claimed' ? `Cán bộ ${displayName(h.claimedBy)} đã nhận cuộc này.` : 'Cuộc trò chuyện đã đóng.');
    await stores.handoffs.claim(h.id, me(req).user, now());
    await audit(ctx, req, 'handoff.claim', h.id);
    return back(req, reply, h, 'ok', 'Anh/chị đã nhận xử lý cuộc trò chuyện này.');
  });

  app.post('/inbox/:id/transfer', { schema: { params: idParams, body: formBody({ to: formText }) } }, async (req, reply) => {
    const h = await load(req.params.id);
    if (!h) return missing(req, reply);
    if (h.status === 'closed') return back(req, reply, h, 'error', 'Cuộc trò chuyện đã đóng; không chuyển được.');
    const to = staff.get(req.body.to);
    if (!to || to.disabled) return back(req, reply, h, 'error', 'Không có cán bộ này hoặc tài khoản đã bị khoá.');
    if (to.name === h.claimedBy) return back(req, reply, h, 'error', `${displayName(to.name)} đang xử lý cuộc này rồi.`);
    const from = h.claimedBy;
    const at = now();
    await stores.handoffs.append(h.id, { from: 'note', text: `Chuyển cho ${displayName(to.name)}${from ? ` (trước đó: ${displayName(from)})` : ''}.`, at, staff: me(req).user });
    await stores.handoffs.transfer(h.id, to.name, at);
    await audit(ctx, req, 'handoff.transfer', h.id, { claimedBy: from }, { claimedBy: to.name });
    return back(req, reply, h, 'ok', `Đã chuyển cho ${displayName(to.name)}.`);
  });

  app.post('/inbox/:id/note', { schema: { params: idParams, body: textBody } }, async (req, reply) => {
    const h = await load(req.params.id);
    if (!h) return missing(req, reply);
    const text = req.body.text.trim().slice(0, 2000);
    if (!text) return back(req, reply, h, 'error', 'Ghi chú trống.');
    await stores.handoffs.append(h.id, { from: 'note', text: maskPII(text), at: now(), staff: me(req).user });
    await audit(ctx, req, 'handoff.note', h.id);
    return back(req, reply, h, 'ok', 'Đã lưu ghi chú nội bộ (công dân không thấy).');
  });

  const channelFor = (h: Handoff) => assistant.channels.find((c) => c.name === h.channel);

  app.post('/inbox/:id/reply', { schema: { params: idParams, body: textBody } }, async (req, reply) => {
    const h = await load(req.params.id);
    if (!h) return missing(req, reply);
    const text = req.body.text.trim().slice(0, 4000);
    if (h.status === 'closed') return back(req, reply, h, 'error', 'Cuộc trò chuyện đã đóng; không gửi được.');
    if (!text) return back(req, reply, h, 'error', 'Nội dung trả lời trống.');
    const channel = channelFor(h);
    if (!channel) return back(req, reply, h, 'error', `Kênh ${h.channel} hiện không chạy; chưa gửi được.`);
    const at = now();
    const staff = me(req).user;
    // The citizen sees who answers them (User.displayName, else the login name).
    const signed = (await stores.sessions.get(h.sessionKey))?.lang === 'en' ? `Staff member ${displayName(staff)}: ${text}` : `Cán bộ ${displayName(staff)}: ${text}`;
    try {
      await channel.send(h.chatId, [{ text: signed }]);
    } catch (err) {
      ctx.deps.log.warn({ component: 'admin', channel: h.channel, err: (err as Error).message }, 'staff reply not delivered');
      // Zalo OA -230: a retry cannot help, the citizen has to write to the OA first.
      if ((err as { code?: unknown }).code === 'RECIPIENT_UNREACHABLE') {
        return back(req, reply, h, 'error', 'Zalo OA không thể nhắn cho công dân này nữa: công dân chưa tương tác với OA trong 7 ngày qua. Tin chưa được gửi; anh/chị vui lòng liên hệ công dân qua kênh khác (điện thoại, email). / The OA can no longer message this citizen (no interaction for 7 days).');
      }
      return back(req, reply, h, 'error', 'Không gửi được tin nhắn qua kênh của công dân. Vui lòng thử lại.');
    }
    if (h.status === 'waiting') await stores.handoffs.claim(h.id, staff, at);
    const first = h.firstReplyAt === null;
    await stores.handoffs.append(h.id, { from: 'staff', text: maskPII(text), at, staff });
    events.emit({ type: 'staff_reply', at, channel: h.channel, user: h.user, data: { first, waitMs: at - h.createdAt } });
    await audit(ctx, req, 'handoff.reply', h.id);
    return back(req, reply, h, 'ok', 'Đã gửi.');
  });

  app.post('/inbox/:id/close', { schema: { params: idParams } }, async (req, reply) => {
    const h = await load(req.params.id);
    if (!h) return missing(req, reply);
    if (h.status === 'closed') return redirect(ctx, req, reply, '/admin/inbox');
    await stores.handoffs.close(h.id, now());
    // The conversation forgets the handoff by itself on the citizen's next message (handoff relay step).
    const en = (await stores.sessions.get(h.sessionKey))?.lang === 'en';
    await channelFor(h)
      ?.send(h.chatId, [{ text: en ? 'The staff member has finished. The assistant is back: type "menu" to see what I can help with.' : 'Cán bộ đã kết thúc hỗ trợ. Trợ lý tự động tiếp tục phục vụ anh/chị: gõ "menu" để xem các việc có thể làm.' }])
      .catch((err: Error) => ctx.deps.log.warn({ component: 'admin', channel: h.channel, err: err.message }, 'close notice not delivered'));
    await audit(ctx, req, 'handoff.close', h.id);
    return redirect(ctx, req, reply, '/admin/inbox', { kind: 'ok', text: 'Đã đóng; công dân được trả lại cho trợ lý tự động.' });
  });
};

function fragment(reply: FastifyReply, body: Html): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(body.value);
}

/** The inbox's styles (its script, inbox.js, is on every signed-in page for the live badge). */
function assets(): Html {
  return html`<link rel="stylesheet" href="/admin/static/inbox.css">`;
}
