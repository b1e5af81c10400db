import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { aliasEntrySchema } from '../catalogue/aliases.js';
import { lexiconConceptSchema } from '../catalogue/lexicon.js';
import { implausibleFees } from '../catalogue/fees.js';
import { parseImport, toCsv } from '../catalogue/import.js';
import { LEVELS, LEVEL_LABELS, procedureSchema, type Procedure } from '../catalogue/procedure.js';
import type { AliasTables } from '../store/types.js';
import { audit, formBody, formList, formText, me, redirect, renderPage, type AdminPluginOptions, type AdminRequest } from './context.js';
import { csrfField, html, postButton, table } from './html.js';
import { flowsMentioning } from './stale.js';

/** Largest catalogue file the file picker may send (the national catalogue exports to about 10 MB). */
const FILE_LIMIT = 32 * 1024 * 1024;

const importFileQuery = z.object({
  filename: z.string().trim().min(1).max(200).catch('import.csv').default('import.csv'),
  mode: z.enum(['merge', 'replace']).catch('merge').default('merge'),
});

const EDIT_FIELDS = ['name', 'field', 'agency', 'fee', 'duration', 'url', 'ministry', 'subjects', 'result'] as const;
/** The procedure form: one text field each, `level` checkboxes (repeated), the rest as typed. */
const procedureForm = formBody({
  code: formText,
  name: formText,
  field: formText,
  agency: formText,
  fee: formText,
  duration: formText,
  url: formText,
  ministry: formText,
  subjects: formText,
  result: formText,
  level: formList,
  online: formText,
  boost: formText,
  phrasings: formText,
});
type ProcedureForm = z.infer<typeof procedureForm>;
const codeParams = z.object({ code: z.string() });
const searchQuery = z.object({ q: z.string().catch(''), map: z.string().catch('') });
const FIELD_LABELS: Record<string, string> = {
  code: 'Mã thủ tục',
  name: 'Tên thủ tục',
  field: 'Lĩnh vực',
  level: 'Cấp thực hiện',
  agency: 'Cơ quan thực hiện',
  fee: 'Phí, lệ phí',
  duration: 'Thời hạn giải quyết',
  online: 'Trực tuyến',
  url: 'Đường dẫn Cổng DVC',
  ministry: 'Bộ, ngành',
  subjects: 'Đối tượng',
  result: 'Kết quả',
  boost: 'Ưu tiên xếp hạng (-5…5)',
  phrasings: 'Cách công dân hỏi (mỗi dòng một cách, ví dụ “bằng lái bị mất”)',
};

type TermTable = 'aliases' | 'english';
const TABLE_NAMES: Record<TermTable, string> = { aliases: 'Từ viết tắt / cách nói thường gặp', english: 'Thuật ngữ tiếng Anh → tiếng Việt' };

export const catalogueRoutes: FastifyPluginAsyncZod<AdminPluginOptions> = async (app, { ctx }) => {
  const { stores, assistant } = ctx.deps;
  const publishedFlows = async () => (await stores.flows.list()).map((r) => ({ id: r.id, yaml: r.versions.find((v) => v.version === r.current)?.yaml ?? '' }));

  app.get('/catalogue', { schema: { querystring: searchQuery } }, async (req, reply) => {
    const q = req.query.q.slice(0, 300);
    const map = req.query.map.slice(0, 100);
    const s = me(req);
    const rows = q
      ? assistant.catalogue
          .searcher()
          .search(q, { limit: 20 })
          .map((h) => [
            html`<a href="/admin/catalogue/${encodeURIComponent(h.procedure.code)}">${h.procedure.code}</a>`,
            h.procedure.name,
            h.procedure.field,
            h.score.toFixed(2),
            map ? postButton(s, '/admin/aliases/map', 'Gán câu hỏi này', { from: map, code: h.procedure.code }) : '',
          ])
      : [];
    const all = await stores.catalogue.all();
    const total = all.length;
    return renderPage(
      ctx,
      req,
      reply,
      'Danh mục thủ tục',
      html`<form method="get" action="/admin/catalogue" class="search" role="search"><label for="catalogue-q">Tìm thủ tục</label> <input id="catalogue-q" name="q" type="search" value="${q}" placeholder="Tìm như công dân gõ, ví dụ: lam lai cccd" autofocus>${map ? html`<input type="hidden" name="map" value="${map}">` : ''}<button>Tìm</button></form>
${map ? html`<p class="flash ok">Chọn thủ tục đúng cho câu hỏi “${map}”: câu hỏi sẽ thành từ đồng nghĩa trỏ tới tên thủ tục.</p>` : ''}
<p>${total.toLocaleString('vi-VN')} thủ tục. <a class="button" href="/admin/catalogue/new">+ Thêm thủ tục</a> <a href="/admin/catalogue/export.csv" id="export-csv" download>Tải danh mục dạng CSV</a> · <a href="/admin/catalogue/export.json" download>Tải dạng JSON</a></p>
${q ? html`<h2>Kết quả tìm “${q}”</h2>${rows.length ? table(['Mã', 'Tên', 'Lĩnh vực', 'Điểm', ''], rows, 'results') : html`<p>Không tìm thấy thủ tục phù hợp với “${q}”.</p>`}` : ''}
<section class="card" aria-labelledby="import-title"><h2 id="import-title">Nhập từ tệp</h2><p class="muted" id="import-help">Tệp JSON (mảng thủ tục) hoặc CSV có dòng tiêu đề, ví dụ tệp vừa tải ở trên. Mọi dòng được kiểm tra trước; có một dòng lỗi thì không nhập gì. Cột nào tệp không có thì thủ tục giữ nguyên nội dung cột đó.</p>
<form method="post" action="/admin/catalogue/import" id="import-form" aria-describedby="import-help">${csrfField(s)}<label for="import-file">Chọn tệp (CSV hoặc JSON)</label> <input type="file" id="import-file" name="file" accept=".json,.csv,text/csv,application/json"><input type="hidden" name="filename" id="import-filename" value="import.json">
<label>Hoặc dán nội dung tệp<textarea name="content" id="import-content" rows="6" spellcheck="false"></textarea></label>
<fieldset><legend>Cách nhập</legend><label><input type="radio" name="mode" value="merge" checked> Gộp theo mã (thêm mới, cập nhật mã trùng)</label><label><input type="radio" name="mode" value="replace"> Thay toàn bộ danh mục</label></fieldset>
<button>Nhập</button><p id="import-status" role="status" aria-live="polite"></p></form></section><script src="/admin/static/catalogue-import.js" defer></script>
${feeReview(all)}`,
    );
  });

  /** Fees the catalogue states implausibly ("1 VNĐ"): citizens are told "xem trên Cổng" until staff correct them. */
  const feeReview = (all: Procedure[]) => {
    const odd = implausibleFees(all);
    if (!odd.length) return '';
    return html`<section class="card" id="fee-review"><h2>Lệ phí cần kiểm tra (${odd.length})</h2><p class="muted">Mức phí trong danh mục dưới 1.000 đồng, có thể do cổng làm mất chữ số. Trợ lý không đọc các mức này cho công dân mà hướng dẫn xem trên Cổng; cán bộ sửa lại theo trang thủ tục.</p>
${table(['Mã', 'Tên', 'Lệ phí ghi trong danh mục'], odd.map((p) => [html`<a href="/admin/catalogue/${encodeURIComponent(p.code)}">${p.code}</a>`, p.name, p.fee]), 'fee-review-list')}</section>`;
  };

  app.get('/catalogue/export.csv', async (_req, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="procedures.csv"').send('\uFEFF' + toCsv(await stores.catalogue.all())),
  );
  app.get('/catalogue/export.json', async (_req, reply) =>
    reply.type('application/json; charset=utf-8').header('content-disposition', 'attachment; filename="procedures.json"').send(JSON.stringify(await stores.catalogue.all(), null, 1)),
  );

  /** Validates a whole file, then imports it (merge or replace), or shows every bad row and changes nothing. */
  const importFile = async (req: AdminRequest, reply: FastifyReply, content: string, filename: string, mode: 'merge' | 'replace') => {
    const existing = new Map((await stores.catalogue.all()).map((p) => [p.code, p]));
    const result = content.trim() ? parseImport(content, filename, (code) => existing.get(code)) : ({ ok: false, errors: [{ line: 0, field: '(tệp)', reason: 'Tệp trống.' }], rowCount: 0 } as const);
    if (!result.ok) {
      return renderPage(
        ctx,
        req,
        reply,
        'Nhập danh mục: có lỗi, chưa nhập gì',
        html`<p>${result.errors.length} lỗi trong ${result.rowCount} dòng. Danh mục hiện tại giữ nguyên.</p>${table(
          ['Dòng', 'Trường', 'Lý do'],
          result.errors.slice(0, 500).map((e) => [e.line || '–', e.field, e.reason]),
          'import-errors',
        )}<p><a href="/admin/catalogue">Quay lại</a></p>`,
        422,
      );
    }
    const before = existing.size;
    const r = await stores.catalogue.importAll(result.rows, mode);
    await assistant.changed('catalogue');
    await audit(ctx, req, `catalogue.import.${mode}`, filename, { total: before }, r);
    return redirect(ctx, req, reply, '/admin/catalogue', { kind: 'ok', text: `Đã nhập: ${r.added} thêm mới, ${r.updated} cập nhật, tổng ${r.total} thủ tục.` });
  };

  // Pasted content (or a small file the page copied into the text box).
  const importBody = formBody({ content: formText, filename: formText, mode: formText });
  app.post('/catalogue/import', { schema: { body: importBody } }, async (req, reply) =>
    importFile(req, reply, req.body.content, req.body.filename || 'import.json', req.body.mode === 'replace' ? 'replace' : 'merge'),
  );

  // The file itself, as the file picker sends it: its bytes unchanged (a form would turn its line
  // breaks into CRLF) and no URL-encoding (a whole catalogue export triples in a form body).
  // (Anything else, JSON say, counts as an empty file.)
  const fileBody = z.unknown().transform((v) => (typeof v === 'string' ? v : ''));
  await app.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'application/octet-stream'], { parseAs: 'string', bodyLimit: FILE_LIMIT }, (_req, body, done) => done(null, body));
    scope.withTypeProvider<ZodTypeProvider>().post('/catalogue/import-file', { schema: { querystring: importFileQuery, body: fileBody } }, async (req, reply) =>
      importFile(req, reply, req.body, req.query.filename, req.query.mode),
    );
  });

  const form = async (req: AdminRequest, reply: FastifyReply, p: Partial<Procedure> & { level?: unknown }, isNew: boolean, errors: string[] = [], status = 200) => {
    const s = me(req);
    const levels = Array.isArray(p.level) ? (p.level as string[]) : [];
    const mentions = !isNew && p.code ? flowsMentioning(p.code, await publishedFlows()) : [];
    return renderPage(
      ctx,
      req,
      reply,
      isNew ? 'Thêm thủ tục' : `Thủ tục ${p.code}`,
      html`${errors.length ? html`<div class="errors"><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
${mentions.length ? html`<p class="muted">Luồng nhắc đến thủ tục này: ${mentions.join(', ')}. Đổi mã hoặc xoá sẽ làm các luồng đó bị đánh dấu lỗi thời.</p>` : ''}
<form method="post" action="${isNew ? '/admin/catalogue/new' : `/admin/catalogue/${encodeURIComponent(p.code ?? '')}`}" class="card procedure">${csrfField(s)}
<label>${FIELD_LABELS.code}<input name="code" value="${p.code ?? ''}" ${isNew ? '' : 'readonly'} required></label>
${EDIT_FIELDS.map((f) => html`<label>${FIELD_LABELS[f]}${f === 'name' || f === 'result' || f === 'subjects' ? html`<textarea name="${f}" rows="2">${(p[f] as string | null) ?? ''}</textarea>` : html`<input name="${f}" value="${(p[f] as string | null) ?? ''}">`}</label>`)}
<fieldset><legend>${FIELD_LABELS.level}</legend>${LEVELS.map((l) => html`<label class="check"><input type="checkbox" name="level" value="${l}" ${levels.includes(l) ? 'checked' : ''}> ${LEVEL_LABELS[l].vi}</label>`)}</fieldset>
<label>${FIELD_LABELS.online}<select name="online"><option value="">Chưa rõ</option><option value="full" ${p.online === 'full' ? 'selected' : ''}>Toàn trình</option><option value="partial" ${p.online === 'partial' ? 'selected' : ''}>Một phần</option></select></label>
<label>${FIELD_LABELS.boost}<input name="boost" type="number" min="-5" max="5" step="0.5" value="${p.boost ?? 0}"></label>
<label>${FIELD_LABELS.phrasings}<textarea name="phrasings" rows="6">${(p.phrasings ?? []).join('\n')}</textarea></label>
<button class="primary">Lưu</button></form>
${isNew ? '' : html`<p>${postButton(s, `/admin/catalogue/${encodeURIComponent(p.code ?? '')}/delete`, 'Xoá thủ tục này', {}, 'danger')}</p>`}`,
      status,
    );
  };

  /** Form fields → procedure, validated by the same schema as imports. */
  const fromForm = (body: ProcedureForm, existing?: Procedure) => {
    const input = {
      ...(existing ?? {}),
      code: body.code.trim(),
      ...Object.fromEntries(EDIT_FIELDS.map((f) => [f, body[f].trim() || null])),
      level: body.level,
      online: body.online || null,
      boost: Number(body.boost || 0),
      phrasings: body.phrasings
        .split(/\r?\n/)
        .map((x) => x.trim())
        .filter(Boolean),
    };
    return { input, parsed: procedureSchema.safeParse(input) };
  };
  const issues = (e: { issues: { path: PropertyKey[]; message: string }[] }) => e.issues.map((i) => `${FIELD_LABELS[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`);

  app.get('/catalogue/new', async (req, reply) => form(req, reply, { level: ['tinh'] }, true));
  app.post('/catalogue/new', { schema: { body: procedureForm } }, async (req, reply) => {
    const { input, parsed } = fromForm(req.body);
    if (!parsed.success) return form(req, reply, input as Partial<Procedure>, true, issues(parsed.error), 422);
    if (await stores.catalogue.get(parsed.data.code)) return form(req, reply, input as Partial<Procedure>, true, [`Mã ${parsed.data.code} đã có trong danh mục.`], 409);
    await stores.catalogue.upsert({ ...parsed.data, source: 'admin' });
    await assistant.changed('catalogue');
    await audit(ctx, req, 'catalogue.add', parsed.data.code, undefined, parsed.data);
    return redirect(ctx, req, reply, `/admin/catalogue/${encodeURIComponent(parsed.data.code)}`, { kind: 'ok', text: 'Đã thêm thủ tục; trợ lý tìm được ngay.' });
  });

  const byCode = (code: string) => stores.catalogue.get(decodeURIComponent(code));
  const missing = (req: AdminRequest, reply: FastifyReply, code: string) =>
    renderPage(ctx, req, reply, 'Không tìm thấy thủ tục', html`<p>Không có mã thủ tục “${code}” trong danh mục. <a href="/admin/catalogue">Quay lại</a></p>`, 404);

  app.get('/catalogue/:code', { schema: { params: codeParams } }, async (req, reply) => {
    const p = await byCode(req.params.code);
    return p ? form(req, reply, p, false) : missing(req, reply, req.params.code);
  });
  app.post('/catalogue/:code', { schema: { params: codeParams, body: procedureForm } }, async (req, reply) => {
    const p = await byCode(req.params.code);
    if (!p) return missing(req, reply, req.params.code);
    const { input, parsed } = fromForm(req.body, p);
    if (!parsed.success || parsed.data.code !== p.code) return form(req, reply, { ...(input as Partial<Procedure>), code: p.code }, false, parsed.success ? ['Không đổi được mã thủ tục; hãy thêm thủ tục mới rồi xoá thủ tục cũ.'] : issues(parsed.error), 422);
    await stores.catalogue.upsert(parsed.data);
    await assistant.changed('catalogue');
    await audit(ctx, req, 'catalogue.edit', p.code, p, parsed.data);
    return redirect(ctx, req, reply, `/admin/catalogue/${encodeURIComponent(p.code)}`, { kind: 'ok', text: 'Đã lưu; trợ lý dùng nội dung mới ngay.' });
  });
  app.post('/catalogue/:code/delete', { schema: { params: codeParams } }, async (req, reply) => {
    const p = await byCode(req.params.code);
    if (!p) return missing(req, reply, req.params.code);
    await stores.catalogue.remove(p.code);
    await assistant.changed('catalogue');
    await audit(ctx, req, 'catalogue.delete', p.code, p, null);
    const stale = flowsMentioning(p.code, await publishedFlows());
    return redirect(ctx, req, reply, '/admin/catalogue', {
      kind: stale.length ? 'error' : 'ok',
      text: `Đã xoá ${p.code}.${stale.length ? ` Các luồng sau nhắc đến mã này và đã bị đánh dấu lỗi thời: ${stale.join(', ')}.` : ''}`,
    });
  });

  // ---- Alias tables ----
  app.get('/aliases', { schema: { querystring: z.object({ from: z.string().catch('') }) } }, async (req, reply) => {
    const s = me(req);
    const tables = await stores.catalogue.getAliases();
    // Staff see the questions the bot could not match (last 30 days) next to the tables they fix them with.
    await ctx.deps.stats?.refresh();
    const unmatched = ctx.deps.stats?.query({ from: ctx.deps.now() - 30 * 86_400_000, to: ctx.deps.now() }).unmatched.slice(0, 20) ?? [];
    const unmatchedSection = unmatched.length
      ? html`<section class="card"><h2>Câu hỏi chưa tìm được thủ tục (30 ngày)</h2>${table(
          ['Câu hỏi', 'Số lần', ''],
          unmatched.map((u) => [u.text, u.count, html`<a href="/admin/aliases?from=${encodeURIComponent(u.text.slice(0, 100))}">Thêm từ đồng nghĩa</a> · <a href="/admin/catalogue?q=${encodeURIComponent(u.text.slice(0, 100))}&map=${encodeURIComponent(u.text.slice(0, 100))}">Gán thủ tục</a>`]),
          'unmatched',
        )}</section>`
      : '';
    const prefill = req.query.from.slice(0, 100);
    const lexicon = tables.lexicon ?? [];
    const lexiconSection = html`<section class="card" id="lexicon"><h2>Từ điển khái niệm: cách nói thường ngày ↔ từ chính thức (${lexicon.length})</h2>
<p class="muted">Mỗi khái niệm nối từ chính thức trong tên thủ tục (ví dụ “giấy chứng nhận quyền sử dụng đất”) với cách người dân nói (“sổ đỏ, bìa hồng”). Mọi thủ tục có từ chính thức trong tên sẽ được tìm thấy bằng cách nói thường ngày.</p>
<form method="post" action="/admin/lexicon/add">${csrfField(s)}<label>Từ chính thức (cách nhau bằng dấu phẩy) <input name="official" required maxlength="600"></label><label>Cách nói thường ngày (cách nhau bằng dấu phẩy) <input name="colloquial" required maxlength="2000"></label><label>Lĩnh vực <input name="field" maxlength="300"></label><button class="primary">Lưu khái niệm</button></form>
${table(
  ['Từ chính thức', 'Cách nói thường ngày', 'Lĩnh vực', ''],
  lexicon.map((c) => [c.official.join(', '), c.colloquial.join(', '), c.field ?? '', postButton(s, '/admin/lexicon/delete', 'Xoá', { official: c.official[0] ?? '' })]),
  'lexicon',
)}</section>`;
    const section = (name: TermTable) =>
      html`<section class="card"><h2>${TABLE_NAMES[name]} (${tables[name].length})</h2>${table(
        ['Cụm từ công dân gõ', 'Hiểu là', ''],
        tables[name].map((e) => [e.from, e.to, postButton(s, '/admin/aliases/delete', 'Xoá', { table: name, from: e.from })]),
        `aliases ${name}`,
      )}</section>`;
    return renderPage(
      ctx,
      req,
      reply,
      'Từ viết tắt và thuật ngữ',
      html`<form method="post" action="/admin/aliases/add" class="card" id="alias-form">${csrfField(s)}<h2>Thêm hoặc sửa</h2>
<label>Bảng <select name="table"><option value="aliases">${TABLE_NAMES.aliases}</option><option value="english">${TABLE_NAMES.english}</option></select></label>
<label>Cụm từ công dân gõ <input name="from" value="${prefill}" required maxlength="100"></label><label>Hiểu là <input name="to" required maxlength="300"></label>
<button class="primary">Lưu</button><p class="muted">Có hiệu lực ngay với trợ lý. Cụm từ đã có sẽ được thay nội dung.</p></form>${unmatchedSection}${section('aliases')}${section('english')}${lexiconSection}`,
    );
  });

  /** Applies one edit to the alias tables inside the store; false when it changed nothing. */
  const editTables = async (req: AdminRequest, change: (t: AliasTables) => AliasTables | null, action: string, target: string): Promise<boolean> => {
    const done = await stores.catalogue.updateAliases(change);
    if (!done) return false;
    await assistant.changed('catalogue');
    await audit(ctx, req, action, target, done.before, done.after);
    return true;
  };
  const tableName = (v: string): TermTable => (v === 'english' ? 'english' : 'aliases');

  app.post('/aliases/add', { schema: { body: formBody({ table: formText, from: formText, to: formText }) } }, async (req, reply) => {
    const entry = aliasEntrySchema.safeParse({ from: req.body.from, to: req.body.to });
    if (!entry.success) return redirect(ctx, req, reply, '/admin/aliases', { kind: 'error', text: entry.error.issues.map((i) => i.message).join('; ') });
    const name = tableName(req.body.table);
    const from = entry.data.from.toLowerCase();
    await editTables(req, (t) => ({ ...t, [name]: [...t[name].filter((e) => e.from.toLowerCase() !== from), entry.data] }), 'aliases.set', `${name}:${entry.data.from}`);
    return redirect(ctx, req, reply, '/admin/aliases', { kind: 'ok', text: `Đã lưu “${entry.data.from}” → “${entry.data.to}”.` });
  });
  app.post('/aliases/delete', { schema: { body: formBody({ table: formText, from: formText }) } }, async (req, reply) => {
    const name = tableName(req.body.table);
    const from = req.body.from;
    const removed = await editTables(
      req,
      (t) => {
        const list = t[name].filter((e) => e.from !== from);
        return list.length === t[name].length ? null : { ...t, [name]: list };
      },
      'aliases.delete',
      `${name}:${from}`,
    );
    if (!removed) return redirect(ctx, req, reply, '/admin/aliases', { kind: 'error', text: `Không có “${from}” trong bảng.` });
    return redirect(ctx, req, reply, '/admin/aliases', { kind: 'ok', text: `Đã xoá “${from}”.` });
  });
  /** "Map to procedure" from the unmatched list: the question becomes a citizen phrasing of that procedure. */
  app.post('/aliases/map', { schema: { body: formBody({ code: formText, from: formText }) } }, async (req, reply) => {
    const p = await stores.catalogue.get(req.body.code);
    const question = req.body.from.trim().slice(0, 300);
    if (!p || question.length < 2) return redirect(ctx, req, reply, '/admin/catalogue', { kind: 'error', text: 'Không gán được: thiếu câu hỏi hoặc mã thủ tục không tồn tại.' });
    const known = (p.phrasings ?? []).some((x) => x.toLowerCase() === question.toLowerCase());
    const after = procedureSchema.parse({ ...p, phrasings: known ? p.phrasings : [...(p.phrasings ?? []), question].slice(-60) });
    await stores.catalogue.upsert(after);
    await assistant.changed('catalogue');
    await audit(ctx, req, 'catalogue.phrasing', p.code, p, after);
    return redirect(ctx, req, reply, `/admin/catalogue?q=${encodeURIComponent(question)}`, { kind: 'ok', text: `Từ nay “${question}” là một cách hỏi của thủ tục ${p.code}.` });
  });

  // ---- Concept lexicon (everyday ↔ official words) ----
  const splitTerms = (v: string) => v.split(/[,;\n]/).map((x) => x.trim()).filter(Boolean);
  app.post('/lexicon/add', { schema: { body: formBody({ official: formText, colloquial: formText, field: formText }) } }, async (req, reply) => {
    const form = req.body;
    const parsed = lexiconConceptSchema.safeParse({ official: splitTerms(form.official), colloquial: splitTerms(form.colloquial), field: form.field.trim() || undefined });
    if (!parsed.success) return redirect(ctx, req, reply, '/admin/aliases#lexicon', { kind: 'error', text: parsed.error.issues.map((i) => i.message).join('; ') });
    const key = parsed.data.official[0]!.toLowerCase();
    await editTables(req, (t) => ({ ...t, lexicon: [...(t.lexicon ?? []).filter((c) => c.official[0]?.toLowerCase() !== key), parsed.data] }), 'lexicon.set', parsed.data.official.join(', '));
    return redirect(ctx, req, reply, '/admin/aliases#lexicon', { kind: 'ok', text: `Đã lưu khái niệm “${parsed.data.official.join(', ')}”.` });
  });
  app.post('/lexicon/delete', { schema: { body: formBody({ official: formText }) } }, async (req, reply) => {
    const key = req.body.official.toLowerCase();
    const removed = await editTables(
      req,
      (t) => {
        const list = (t.lexicon ?? []).filter((c) => c.official[0]?.toLowerCase() !== key);
        return list.length === (t.lexicon ?? []).length ? null : { ...t, lexicon: list };
      },
      'lexicon.delete',
      key,
    );
    if (!removed) return redirect(ctx, req, reply, '/admin/aliases#lexicon', { kind: 'error', text: `Không có “${key}” trong từ điển khái niệm.` });
    return redirect(ctx, req, reply, '/admin/aliases#lexicon', { kind: 'ok', text: `Đã xoá khái niệm “${key}”.` });
  });
};
