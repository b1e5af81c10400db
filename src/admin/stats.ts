import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toCsv, vnDay, vnDayRange, type Stats } from '../stats/aggregate.js';
import { renderPage, type AdminPluginOptions } from './context.js';
import { barChart, formatNum, html, table } from './html.js';

const DAY = 86_400_000;
const isDay = (s: unknown): s is string => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s));
/** A day the form may leave out or get wrong: anything but YYYY-MM-DD falls back to the default range. */
const day = z.string().optional().catch(undefined);
const rangeQuery = z.object({ from: day, to: day });

/** Date range from ?from=YYYY-MM-DD&to=YYYY-MM-DD (Vietnamese days, inclusive); default the last 14 days. */
function range(q: z.infer<typeof rangeQuery>, now: number): { from: string; to: string; fromMs: number; toMs: number } {
  const to = isDay(q.to) ? q.to : vnDay(now);
  const from = isDay(q.from) ? q.from : new Date(Date.parse(to) - 13 * DAY).toISOString().slice(0, 10);
  const [a, b] = from <= to ? [from, to] : [to, from];
  const ms = vnDayRange(a, b);
  return { from: a, to: b, fromMs: ms.from, toMs: ms.to };
}

/** Every table of the dashboard as plain rows (the page and the CSV export share them). */
function tables(s: Stats): Record<string, Record<string, string | number | null>[]> {
  return {
    messages: s.messagesPerDay.map((m) => ({ day: m.day, channel: m.channel, messages: m.count })),
    citizens: s.uniqueCitizensPerDay.map((c) => ({ day: c.day, citizens: c.count })),
    flows: s.flows.map((f) => ({ flow: f.flowId, started: f.started, completed: f.completed, completion_rate: Math.round(f.completionRate * 1000) / 1000 })),
    funnel: s.funnel.flatMap((f) => f.steps.map((st) => ({ flow: f.flowId, step: st.stepId, reached: st.reached, dropped_here: st.droppedHere, last_seen: st.lastSeen.map((l) => `${l.text} (${l.count})`).join(' | ') }))),
    searches: s.topSearches.map((t) => ({ query: t.text, count: t.count })),
    unmatched: s.unmatched.map((t) => ({ question: t.text, count: t.count })),
    csat: s.csat.distribution.map((n, i) => ({ score: i + 1, answers: n })),
  };
}

/** The usage dashboard and its CSV exports (registered in the admin-only plugin). */
export const statsRoutes: FastifyPluginAsyncZod<AdminPluginOptions> = async (app, { ctx }) => {
  const { stats, stores, now } = ctx.deps;

  app.get('/stats/export/:table', { schema: { params: z.object({ table: z.string() }), querystring: rangeQuery } }, async (req, reply) => {
    const name = req.params.table.replace(/\.csv$/, '');
    const r = range(req.query, now());
    await stats?.refresh();
    const all = stats ? tables(stats.query({ from: r.fromMs, to: r.toMs })) : {};
    const rows = all[name];
    if (!rows) return reply.code(404).send({ error: `Không có bảng "${name}". Có: ${Object.keys(tables(emptyStats())).join(', ')}` });
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}-${r.from}-${r.to}.csv"`)
      .send('\uFEFF' + (rows.length ? toCsv(rows) : ''));
  });

  app.get('/stats', { schema: { querystring: rangeQuery } }, async (req, reply) => {
    const r = range(req.query, now());
    await stats?.refresh();
    const s = stats ? stats.query({ from: r.fromMs, to: r.toMs }) : emptyStats();
    const qs = `from=${r.from}&to=${r.to}`;
    const csv = (name: string) => html`<a class="csv" href="/admin/stats/export/${name}.csv?${qs}">Tải CSV</a>`;
    const totalMessages = s.messagesPerDay.reduce((n, m) => n + m.count, 0);
    const waiting = await stores.handoffs.count('waiting');
    const demoAt = await stores.settings.get('demoTrafficAt');
    const byDay = new Map<string, number>();
    for (const m of s.messagesPerDay) byDay.set(m.day, (byDay.get(m.day) ?? 0) + m.count);
    const oa = await ctx.deps.assistant.channels.find((c) => c.name === 'zalo-oa')?.connect?.quota().catch(() => null);
    const minutes = (ms: number | null) => (ms === null ? '–' : `${formatNum(Math.round(ms / 6000) / 10)} phút`);
    const body = html`<form method="get" action="/admin/stats" class="search" aria-describedby="stats-days"><label>Từ ngày <input type="date" name="from" value="${r.from}"></label><label>Đến ngày <input type="date" name="to" value="${r.to}"></label><button>Xem</button></form>
<p class="muted" id="stats-days">Ngày tính theo giờ Việt Nam (GMT+7), từ 00:00 đến 24:00.</p>
${!stats ? html`<p class="flash error">Chưa bật nhật ký sự kiện.</p>` : ''}
${demoAt ? html`<p class="flash error" id="demo-note">Số liệu có kèm lưu lượng mẫu (mô phỏng) tạo bởi <code>npm run cli -- demo-traffic</code> lúc ${demoAt}; không phải toàn bộ là công dân thật.</p>` : ''}
<h2>Tổng quan</h2>
${table(
  ['Chỉ số', 'Giá trị'],
  [
    ['Tin nhắn', html`<span id="total-messages">${formatNum(totalMessages)}</span>`],
    ['Công dân (khác nhau)', html`<span id="unique-citizens">${formatNum(s.uniqueCitizens)}</span>`],
    ['Điểm hài lòng trung bình (1–5)', html`<span id="csat-average">${s.csat.average === null ? '–' : formatNum(Math.round(s.csat.average * 100) / 100)}</span>`],
    ['Tỷ lệ “đỡ phải đi lại / gọi điện”', html`<span id="containment">${s.containment.rate === null ? '–' : `${Math.round(s.containment.rate * 100)}% (${s.containment.yes}/${s.containment.yes + s.containment.no})`}</span>`],
    ['Chuyển cán bộ trong kỳ', html`<span id="handoffs">${s.handoffs.count}</span>`],
    ['Đang chờ cán bộ (hiện tại)', waiting],
    ['Thời gian chờ tới câu trả lời đầu tiên (trung vị)', minutes(s.handoffs.medianFirstReplyMs)],
  ],
  'kv',
)}
<h2>Biểu đồ</h2>
<div class="charts">
${barChart('Tin nhắn mỗi ngày', [...byDay].map(([day, value]) => ({ label: day, value })), { id: 'chart-messages' })}
${barChart('Tin nhắn theo kênh', channelTotals(s).map(([label, value]) => ({ label, value })), { id: 'chart-channels' })}
${barChart('Công dân mỗi ngày', s.uniqueCitizensPerDay.map((c) => ({ label: c.day, value: c.count })), { id: 'chart-citizens' })}
${barChart('Phân bố điểm hài lòng', s.csat.distribution.map((n, i) => ({ label: `${i + 1} sao`, value: n })), { id: 'chart-csat' })}
${barChart('Lượt bắt đầu theo luồng', s.flows.map((f) => ({ label: f.flowId, value: f.started })), { id: 'chart-flows' })}
${barChart('Tỷ lệ hoàn thành theo luồng', s.flows.map((f) => ({ label: f.flowId, value: Math.round(f.completionRate * 100) })), { id: 'chart-completion', unit: '%' })}
</div>
<h2>Tin nhắn theo ngày và kênh ${csv('messages')}</h2>${table(['Ngày', 'Kênh', 'Tin nhắn'], s.messagesPerDay.map((m) => [m.day, m.channel, m.count]), 'messages')}
<h2>Luồng ${csv('flows')}</h2>${table(['Luồng', 'Bắt đầu', 'Hoàn thành', 'Tỷ lệ'], s.flows.map((f) => [f.flowId, f.started, f.completed, `${Math.round(f.completionRate * 100)}%`]), 'flows')}
<h2>Phễu theo bước ${csv('funnel')}</h2>
${s.funnel.map(
  (f) => html`<section class="card funnel" data-flow="${f.flowId}"><h3>${f.flowId}</h3>${barChart(
    `Số lượt đến từng bước — ${f.flowId}`,
    f.steps.map((st) => ({ label: st.stepId, value: st.reached })),
    { id: `funnel-${f.flowId}` },
  )}${table(
    ['Bước', 'Đến bước', 'Dừng tại đây', 'Điều cuối cùng công dân thấy khi dừng'],
    f.steps.map((st) => [st.stepId, st.reached, st.droppedHere, st.lastSeen.map((l) => `“${l.text}” (${l.count})`).join('; ')]),
  )}</section>`,
)}
<h2>Tìm kiếm nhiều nhất ${csv('searches')}</h2>${table(['Câu tìm', 'Số lần'], s.topSearches.map((t) => [t.text, t.count]), 'searches')}
<h2>Câu hỏi chưa tìm được thủ tục ${csv('unmatched')}</h2>${table(
  ['Câu hỏi', 'Số lần', ''],
  s.unmatched.map((t) => [t.text, t.count, html`<a href="/admin/aliases?from=${encodeURIComponent(t.text.slice(0, 100))}">Thêm từ đồng nghĩa</a> · <a href="/admin/catalogue?q=${encodeURIComponent(t.text.slice(0, 100))}&map=${encodeURIComponent(t.text.slice(0, 100))}">Gán thủ tục</a>`]),
  'unmatched',
)}
<h2>Điểm hài lòng ${csv('csat')}</h2>${table(['Điểm', 'Số lượt'], s.csat.distribution.map((n, i) => [i + 1, n]), 'csat')}
${
  oa
    ? html`<h2>Hạn mức tin Zalo OA</h2><p class="muted">OA được gửi miễn phí ${oa.repliesPerWindow} tin phản hồi trong ${oa.windowHours} giờ sau mỗi tin công dân gửi; tin vượt mức hoặc ngoài khung giờ là tin chủ động (tính vào hạn mức trả phí / hằng tháng). Công dân không tương tác 7 ngày thì OA không gửi được nữa.</p>${table(
        ['Ngày', 'Tin phản hồi (miễn phí)', 'Tin chủ động', 'Không gửi được (-230)'],
        oa.days.map((d) => [d.day, d.replies, d.proactive, d.unreachable]),
        'zalo-oa-quota',
      )}`
    : ''
}`;
    return renderPage(ctx, req, reply, 'Thống kê sử dụng', body);
  });
};

function channelTotals(s: Stats): [string, number][] {
  const m = new Map<string, number>();
  for (const x of s.messagesPerDay) m.set(x.channel, (m.get(x.channel) ?? 0) + x.count);
  return [...m];
}

function emptyStats(): Stats {
  return {
    messagesPerDay: [],
    uniqueCitizensPerDay: [],
    uniqueCitizens: 0,
    flows: [],
    funnel: [],
    topSearches: [],
    unmatched: [],
    csat: { average: null, distribution: [0, 0, 0, 0, 0] },
    containment: { yes: 0, no: 0, rate: null },
    handoffs: { count: 0, medianFirstReplyMs: null },
  };
}
