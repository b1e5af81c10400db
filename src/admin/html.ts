import type { AdminSession } from './auth.js';

/** Server-rendered HTML for the admin pages: escaping, the page frame, small widgets. */

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Tagged template that leaves nested `Html` alone and escapes everything else. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Html(out);
}
function render(v: unknown): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return esc(v);
}
export const raw = (s: string) => new Html(s);

const NAV: { href: string; label: string; role?: 'admin' }[] = [
  { href: '/admin', label: 'Tổng quan' },
  { href: '/admin/flows', label: 'Luồng hội thoại' },
  { href: '/admin/catalogue', label: 'Thủ tục' },
  { href: '/admin/aliases', label: 'Từ viết tắt' },
  { href: '/admin/inbox', label: 'Hộp thư cán bộ' },
  { href: '/admin/stats', label: 'Thống kê', role: 'admin' },
  { href: '/admin/users', label: 'Tài khoản', role: 'admin' },
  { href: '/admin/audit', label: 'Nhật ký', role: 'admin' },
  { href: '/admin/zalo-oa', label: 'Kết nối Zalo OA', role: 'admin' },
];

/** How roles read in the UI. */
export const ROLE_LABEL: Record<AdminSession['role'], string> = { admin: 'quản trị', staff: 'nhân viên' };

export interface PageCtx {
  session: AdminSession;
  waiting: number;
  path: string;
}

export function csrfField(s: AdminSession): Html {
  return html`<input type="hidden" name="_csrf" value="${s.csrf}">`;
}

/** A form that posts to `action` with the CSRF token and one button. */
export function postButton(s: AdminSession, action: string, label: string, extra: Record<string, string> = {}, cls = ''): Html {
  return html`<form method="post" action="${action}" class="inline">${csrfField(s)}${Object.entries(extra).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}<button class="${cls}">${label}</button></form>`;
}

export function page(title: string, ctx: PageCtx | null, body: Html | string, flash?: { kind: 'ok' | 'error'; text: string } | null): string {
  const nav = ctx
    ? html`<nav aria-label="Các mục quản trị"><a class="brand" href="/admin">dvc-assistant</a>${NAV.filter((n) => !n.role || n.role === ctx.session.role).map((n) => {
        const on = n.href === '/admin' ? ctx.path === '/admin' : ctx.path.startsWith(n.href);
        return html`<a href="${n.href}" class="${on ? 'on' : ''}"${on ? html` aria-current="page"` : ''}>${n.label}${n.href === '/admin/inbox' ? html` <span class="badge" id="waiting" title="Đang chờ cán bộ">${ctx.waiting}</span>` : ''}</a>`;
      })}<a class="who${ctx.path === '/admin/account' ? ' on' : ''}" href="/admin/account" title="Tài khoản của tôi: tên hiển thị, đổi mật khẩu">${ctx.session.user} (${ROLE_LABEL[ctx.session.role]})</a>${postButton(ctx.session, '/admin/logout', 'Đăng xuất')}</nav>`
    : '';
  // Errors interrupt (role=alert); confirmations are announced politely. admin.js moves focus here.
  const msg = flash ? html`<p class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}" tabindex="-1">${flash.text}</p>` : '';
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · dvc-assistant</title><link rel="stylesheet" href="/admin/static/admin.css"><script src="/admin/static/admin.js" defer></script>${ctx ? '<script src="/admin/static/inbox.js" defer></script>' : ''}</head>
<body><a class="skip-link" href="#main">Bỏ qua, đến nội dung chính</a>${nav}<main id="main" tabindex="-1"><h1>${esc(title)}</h1>${msg}${body}</main></body></html>`;
}

export function table(headers: string[], rows: (Html | string | number | null)[][], cls = ''): Html {
  return html`<table class="${cls}"><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table>`;
}

export function fmtTime(ms: number | null | undefined): string {
  if (!ms) return '–';
  return new Date(ms + 7 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ') + ' (GMT+7)';
}

/** Horizontal bar chart as inline SVG (no script needed); each bar carries its number. */
export function barChart(title: string, data: { label: string; value: number }[], opts: { id?: string; unit?: string } = {}): Html {
  if (!data.length) return html`<figure class="chart" id="${opts.id ?? ''}"><figcaption>${title}</figcaption><p class="muted">Chưa có dữ liệu trong khoảng thời gian này.</p></figure>`;
  const max = Math.max(1, ...data.map((d) => d.value));
  const rowH = 22;
  const labelW = 190;
  const barW = 360;
  const h = data.length * rowH + 4;
  const bars = data.map((d, i) => {
    const w = Math.round((d.value / max) * barW);
    const y = i * rowH + 2;
    return html`<g class="bar" data-label="${d.label}" data-value="${d.value}"><text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${d.label.length > 28 ? d.label.slice(0, 27) + '…' : d.label}</text><rect x="${labelW}" y="${y + 3}" width="${Math.max(w, 1)}" height="${rowH - 6}"></rect><text x="${labelW + w + 6}" y="${y + 15}" class="num">${formatNum(d.value)}${opts.unit ?? ''}</text><title>${d.label}: ${d.value}</title></g>`;
  });
  return html`<figure class="chart" id="${opts.id ?? ''}"><figcaption>${title}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${labelW + barW + 70} ${h}" width="100%" role="img" aria-label="${title}">${bars}</svg></figure>`;
}

export function formatNum(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('vi-VN') : n.toLocaleString('vi-VN', { maximumFractionDigits: 2 });
}
