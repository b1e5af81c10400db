import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ChannelConnect } from '../channels/channel.js';
import { audit, formBody, formText, me, redirect, renderPage, type AdminPluginOptions } from './context.js';
import { csrfField, fmtTime, html, postButton, table } from './html.js';

const PAGE = '/admin/zalo-oa';
/** What Zalo sends back; a missing or odd value is told to the admin on the page, not as a 400. */
const callbackQuery = z.object({ code: z.string().min(1).max(2000).optional().catch(undefined), state: z.string().min(1).max(200).optional().catch(undefined) });
const testBody = formBody({ userId: formText, text: formText });
const TEST_MAX = 2000;

/**
 * "Kết nối Zalo OA" (registered in the admin-only plugin): the OAuth v4 + PKCE authorisation that gets the OA's first
 * tokens, their state and expiry, what to paste into developers.zalo.me, and a test message.
 */
export const zaloOaRoutes: FastifyPluginAsyncZod<AdminPluginOptions> = async (app, { ctx }) => {
  const { config } = ctx.deps;
  const connect = (): ChannelConnect | undefined => ctx.deps.assistant.channels.find((c) => c.name === 'zalo-oa')?.connect;
  const back = (req: Pick<FastifyRequest, 'admin'>, reply: FastifyReply, kind: 'ok' | 'error', text: string) => redirect(ctx, req, reply, PAGE, { kind, text });

  app.get('/zalo-oa', async (req, reply) => {
    const s = me(req);
    const c = connect();
    if (!c) {
      return renderPage(
        ctx,
        req,
        reply,
        'Kết nối Zalo OA',
        html`<p>Kênh Zalo OA chưa bật. Anh/chị vui lòng đặt <code>ZALO_OA_APP_ID</code>, <code>ZALO_OA_APP_SECRET</code>, <code>ZALO_OA_SECRET_KEY</code> và <code>PUBLIC_URL</code> (xem <code>.env.example</code> và mục “Connecting a Zalo Official Account” trong README), rồi khởi động lại máy chủ.</p>
<p class="muted">The Zalo OA channel is off: set the ZALO_OA_* settings and PUBLIC_URL, then restart.</p>`,
      );
    }
    const st = await c.status();
    const state = st.ready ? 'Đang hoạt động' : st.connected ? 'Đã có mã truy cập nhưng chưa gửi được' : 'Chưa kết nối';
    const body = html`<h2>Trạng thái</h2>
${table(
  ['', ''],
  [
    ['Trạng thái', html`<strong id="oa-state">${state}</strong>`],
    ['Mã truy cập (access token) hết hạn lúc', fmtTime(st.accessExpiresAt)],
    ['Mã làm mới (refresh token) hết hạn lúc', fmtTime(st.refreshExpiresAt)],
    ['Lấy mã lần gần nhất', fmtTime(st.updatedAt)],
    ['Vấn đề', st.problem ? html`<span id="oa-problem">${st.problem}</span>` : 'Không có'],
  ],
  'kv',
)}
<p class="muted">Máy chủ tự làm mới mã truy cập trước khi hết hạn (khoảng 25 giờ một lần). Mã làm mới chỉ dùng được một lần và hết hạn sau 3 tháng nếu không được dùng.</p>
<h2>1. Khai báo trên developers.zalo.me</h2>
${
  st.webhookUrl
    ? html`<p>Trong ứng dụng của anh/chị trên <a href="https://developers.zalo.me" rel="noopener noreferrer">developers.zalo.me</a> (tên miền đã được xác thực):</p>
<ul><li>Webhook → URL: <code id="webhook-url">${st.webhookUrl}</code></li>
<li>Official Account → Callback URL (đường dẫn chuyển hướng): <code id="redirect-url">${st.redirectUrl}</code></li>
<li>Bật các sự kiện: ${st.events.map((e, i) => html`${i ? ', ' : ''}<code>${e}</code>`)}</li></ul>`
    : html`<p class="flash error">Chưa đặt PUBLIC_URL: Zalo cần một địa chỉ https công khai cho webhook.</p>`
}
<h2>2. Cấp quyền cho ứng dụng</h2>
<p>Bấm nút dưới đây, đăng nhập Zalo bằng tài khoản quản trị OA và đồng ý cấp quyền. Anh/chị sẽ được đưa về trang này.</p>
${st.redirectUrl ? postButton(s, `${PAGE}/authorize`, st.connected ? 'Kết nối lại Zalo OA' : 'Kết nối Zalo OA', {}, 'primary') : ''}
<h2>3. Gửi tin nhắn thử</h2>
<form method="post" action="${PAGE}/test" class="card">${csrfField(s)}
<label>ID người dùng Zalo (user_id theo OA, thấy trong hộp thư cán bộ; người này cần đã nhắn OA trong 7 ngày qua) <input name="userId" pattern="[0-9]{1,30}" required></label>
<label>Nội dung <textarea name="text" rows="2" maxlength="${TEST_MAX}" required>Tin nhắn thử từ trợ lý dịch vụ công.</textarea></label>
<button>Gửi tin nhắn thử</button></form>`;
    return renderPage(ctx, req, reply, 'Kết nối Zalo OA', body);
  });

  app.post('/zalo-oa/authorize', async (req, reply) => {
    const c = connect();
    if (!c || !config.publicUrl) return back(req, reply, 'error', 'Kênh Zalo OA chưa bật hoặc chưa đặt PUBLIC_URL.');
    const status = await c.status();
    const url = await c.authorizeUrl(status.redirectUrl!);
    await audit(ctx, req, 'zalo-oa.authorize', 'zalo-oa');
    return reply.code(303).redirect(url);
  });

  app.get('/zalo-oa/callback', { schema: { querystring: callbackQuery } }, async (req, reply) => {
    const c = connect();
    const { code, state } = req.query;
    if (!c || !code || !state) return back(req, reply, 'error', 'Thiếu mã ủy quyền từ Zalo; vui lòng bấm "Kết nối Zalo OA" lại.');
    try {
      await c.complete(code, state);
    } catch (err) {
      ctx.deps.log.warn({ component: 'admin', who: me(req).user }, 'zalo oa authorisation not completed');
      return back(req, reply, 'error', (err as Error).message);
    }
    await audit(ctx, req, 'zalo-oa.connect', 'zalo-oa');
    return back(req, reply, 'ok', 'Đã kết nối Zalo OA: mã truy cập đã được lưu. / The OA is connected.');
  });

  app.post('/zalo-oa/test', { schema: { body: testBody } }, async (req, reply) => {
    const c = connect();
    const userId = req.body.userId.trim();
    const text = req.body.text.trim().slice(0, TEST_MAX);
    if (!c) return back(req, reply, 'error', 'Kênh Zalo OA chưa bật.');
    if (!/^\d{1,30}$/.test(userId) || !text) return back(req, reply, 'error', 'Cần nhập ID người dùng (chỉ gồm chữ số) và nội dung.');
    try {
      await c.sendTest(userId, text);
    } catch (err) {
      return back(req, reply, 'error', `Chưa gửi được: ${(err as Error).message}`);
    }
    await audit(ctx, req, 'zalo-oa.test', 'zalo-oa');
    return back(req, reply, 'ok', 'Đã gửi tin nhắn thử. / Test message sent.');
  });
};
