import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { newSession, parseSession } from '../core/session.js';
import { step } from '../flow/engine.js';
import { loadConversationTests, runConversationTests, type TurnFailure } from '../conversation/flow-tests.js';
import { flowSchema, stepSchema, VALIDATORS } from '../flow/schema.js';
import { parseFlowYaml, type FlowError, type ParsedFlow } from '../flow/validate.js';
import { VersionConflictError, type FlowRecord } from '../store/types.js';
import { audit, formBody, formText, idParams, me, redirect, renderPage, type AdminPluginOptions, type AdminRequest } from './context.js';
import { renderFlowDiagram } from './diagram.js';
import { diffLines } from './diff.js';
import { applyEdits, EditError, flowData, STEP_TYPE_NAMES, type EditOp } from './flow-doc.js';
import { csrfField, fmtTime, html, postButton, raw, table, type Html } from './html.js';
import { catalogueRefs, staleRefs } from './stale.js';

/** Flows that other parts rely on: they cannot be disabled. */
const SYSTEM_FLOWS = new Set(['main-menu', 'handoff']);

const TEMPLATE = (id: string, vi: string, en: string) => `id: ${id}
title:
  vi: ${JSON.stringify(vi)}
  en: ${JSON.stringify(en)}
triggers:
  vi: []
  en: []
start: intro
steps:
  intro:
    type: say
    messages:
      - vi: "Nội dung hướng dẫn cho anh/chị."
        en: "Guidance for you."
    next: done
  done:
    type: end
    text:
      vi: "Cảm ơn anh/chị. Gõ \\"menu\\" để xem các việc khác."
      en: "Thank you. Type \\"menu\\" to see other services."
    csat: true
`;

/** Help text for the editor, read from the schema's own descriptions. */
function schemaHelp(): Html {
  const steps = stepSchema.options.map((o) => {
    const shape = o.shape as Record<string, z.ZodType>;
    const type = (shape.type as z.ZodLiteral<string>).value;
    const fields = Object.entries(shape)
      .filter(([k]) => k !== 'type')
      .map(([k, v]) => html`<li><code>${k}</code>${v.description ? html` — ${v.description}` : ''}${v.safeParse(undefined).success ? ' (tuỳ chọn)' : ''}</li>`);
    return html`<details><summary><b>${STEP_TYPE_NAMES[type as keyof typeof STEP_TYPE_NAMES] ?? type}</b> (<code>${type}</code>)</summary><p>${shape.type!.description ?? ''}</p><ul>${fields}</ul></details>`;
  });
  const top = Object.entries(flowSchema.shape).map(([k, v]) => html`<li><code>${k}</code>${v.description ? html` — ${v.description}` : ''}</li>`);
  return html`<aside class="help" aria-labelledby="help-title"><h2 id="help-title">Hướng dẫn</h2><h3>Cấu trúc luồng</h3><ul>${top}</ul><h3>Các loại bước</h3>${steps}</aside>`;
}

/** The errors box: announced and focused (flow-editor.js); each line number jumps to that line of the YAML. */
function errorList(errors: FlowError[]): Html {
  if (!errors.length) return html`<div class="errors" id="flow-errors" role="alert" tabindex="-1" hidden></div>`;
  return html`<div class="errors" id="flow-errors" role="alert" tabindex="-1"><h2>${errors.length} lỗi cần sửa</h2><ul>${errors.map(
    (e) => html`<li><b>${e.flowId}</b>${e.stepId ? html` › bước <b>${e.stepId}</b>` : ''}${e.line ? html` (<a href="#yaml" class="line" data-line="${e.line}">dòng ${e.line}</a>)` : ''}: ${e.message}</li>`,
  )}</ul></div>`;
}

/** Title and triggers: edited in the form at the top, written into the YAML (one place for each). */
const HEAD_FIELDS = [
  { name: 'title_vi', base: 'base_title_vi', path: ['title', 'vi'], list: false, label: 'Tên luồng (tiếng Việt)' },
  { name: 'title_en', base: 'base_title_en', path: ['title', 'en'], list: false, label: 'Tên luồng (tiếng Anh)' },
  { name: 'triggers_vi', base: 'base_triggers_vi', path: ['triggers', 'vi'], list: true, label: 'Cụm từ kích hoạt tiếng Việt (mỗi dòng một cụm)' },
  { name: 'triggers_en', base: 'base_triggers_en', path: ['triggers', 'en'], list: true, label: 'Cụm từ kích hoạt tiếng Anh (mỗi dòng một cụm)' },
] as const;
type HeadValues = Partial<Record<(typeof HEAD_FIELDS)[number]['name'], string>>;

/**
 * The editor form. The title/trigger boxes and what the page showed in them (`base_*`) are left
 * out by older pages and scripts: absent means "not edited here", so they have no default.
 */
const saveBody = formBody({
  action: formText,
  yaml: formText,
  expected: formText,
  note: formText,
  title_vi: z.string().optional(),
  title_en: z.string().optional(),
  triggers_vi: z.string().optional(),
  triggers_en: z.string().optional(),
  base_title_vi: z.string().optional(),
  base_title_en: z.string().optional(),
  base_triggers_vi: z.string().optional(),
  base_triggers_en: z.string().optional(),
});
type SaveForm = z.infer<typeof saveBody>;
const newFlowBody = formBody({ id: formText, title_vi: formText, title_en: formText });
const rollbackBody = formBody({ version: formText, expected: formText });
const diffQuery = z.object({ from: z.string().optional().catch(undefined), to: z.string().optional().catch(undefined) });

const lines = (s: string) => s.split('\n').map((x) => x.trim()).filter(Boolean);
function headValue(data: unknown, path: readonly string[], list: boolean): string {
  let v: unknown = data;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  if (list) return Array.isArray(v) ? v.map(String).join('\n') : '';
  return typeof v === 'string' ? v : '';
}
const sameHead = (a: string, b: string, list: boolean) => (list ? lines(a).join('\n') === lines(b).join('\n') : a.trim() === b.trim());

/** Rollback notes are stored in English by the store; the history shows them in Vietnamese. */
const noteText = (note: string | undefined) => (note ?? '').replace(/^rollback to v(\d+)$/, 'quay lại nội dung v$1').replace(/^seeded from flows\/$/, 'nạp từ thư mục flows/');

function failureList(failures: TurnFailure[]): Html {
  return html`<div class="errors" id="test-failures" role="alert"><h2>Kiểm thử hội thoại không đạt — chưa xuất bản</h2><ul>${failures.map(
    (f) => html`<li><b>${f.conversation}</b>, lượt ${f.turn}: công dân gõ “${f.said}” → ${f.problem}<br><small>Trả lời: ${f.replies.join(' ⏎ ').slice(0, 400)}</small></li>`,
  )}</ul></div>`;
}

export const flowRoutes: FastifyPluginAsyncZod<AdminPluginOptions> = async (app, { ctx }) => {
  const { stores, assistant, now } = ctx.deps;
  const record = (id: string): Promise<FlowRecord | undefined> => stores.flows.get(id);
  const refs = catalogueRefs(stores.catalogue);
  const currentYaml = (r: FlowRecord) => r.versions.find((v) => v.version === r.current)?.yaml ?? '';
  const knownFlows = async (extra: string) => new Set([...(await stores.flows.list()).map((r) => r.id), extra]);
  /** Validation as the editor does it: unknown fields are errors too, not silently dropped. */
  const checkFlow = async (yaml: string, id: string) => parseFlowYaml(yaml, await knownFlows(id), { strict: true });
  const notFound = (req: AdminRequest, reply: FastifyReply) => renderPage(ctx, req, reply, 'Không tìm thấy luồng', html`<p>Không có luồng này. <a href="/admin/flows">Danh sách luồng</a></p>`, 404);

  app.get('/flows', async (req, reply) => {
    await ctx.deps.stats?.refresh();
    const week = ctx.deps.stats?.query({ from: now() - 7 * 86_400_000, to: now() });
    const known = await refs();
    const rows = (await stores.flows.list()).map((r) => {
      const yaml = currentYaml(r);
      const parsed = yaml ? parseFlowYaml(yaml) : null;
      const title = parsed?.ok ? parsed.flow.title.vi : '';
      const w = week?.flows.find((f) => f.flowId === r.id);
      const stale = yaml ? staleRefs(yaml, known) : [];
      return [
        html`<a href="/admin/flows/${r.id}">${r.id}</a>`,
        title,
        r.current ? `v${r.current}` : 'chưa xuất bản',
        r.draft ? html`<span class="tag">nháp (${r.draft.updatedBy})</span>` : '',
        r.disabled ? html`<span class="tag off">đã tắt</span>` : 'đang chạy',
        w ? w.started : 0,
        w && w.started ? `${Math.round(w.completionRate * 100)}%` : '–',
        stale.length ? html`<span class="tag stale" title="${stale.join(', ')}">lỗi thời: ${stale.join(', ')}</span>` : '',
      ];
    });
    return renderPage(
      ctx,
      req,
      reply,
      'Luồng hội thoại',
      html`<p><a class="button" href="/admin/flows/new">+ Tạo luồng mới</a></p>${table(['Mã luồng', 'Tên', 'Phiên bản', 'Nháp', 'Trạng thái', 'Lượt bắt đầu (7 ngày)', 'Hoàn thành', 'Tham chiếu'], rows, 'flows')}`,
    );
  });

  app.get('/flows/new', async (req, reply) => newFlowForm(req, reply, null));
  const newFlowForm = (req: AdminRequest, reply: FastifyReply, error: string | null, status = 200) =>
    renderPage(
      ctx,
      req,
      reply,
      'Tạo luồng mới',
      html`${error ? html`<p class="flash error">${error}</p>` : ''}<form method="post" action="/admin/flows/new" class="card">${csrfField(me(req))}
<label>Mã luồng (chữ thường, số, dấu -) <input name="id" pattern="[a-z][a-z0-9-]{1,39}" required></label>
<label>Tên tiếng Việt <input name="title_vi" required></label><label>Tên tiếng Anh <input name="title_en" required></label>
<button>Tạo bản nháp từ mẫu</button></form>`,
      status,
    );
  app.post('/flows/new', { schema: { body: newFlowBody } }, async (req, reply) => {
    const id = req.body.id.trim();
    const vi = req.body.title_vi.trim();
    const en = req.body.title_en.trim();
    if (!/^[a-z][a-z0-9-]{1,39}$/.test(id)) return newFlowForm(req, reply, 'Mã luồng chỉ gồm chữ thường, số và dấu -, bắt đầu bằng chữ, 2–40 ký tự.', 400);
    if (await record(id)) return newFlowForm(req, reply, `Đã có luồng "${id}".`, 409);
    if (!vi || !en) return newFlowForm(req, reply, 'Cần tên tiếng Việt và tiếng Anh.', 400);
    await stores.flows.saveDraft(id, TEMPLATE(id, vi, en), me(req).user, now());
    await audit(ctx, req, 'flow.create', id, undefined, { draft: true });
    return redirect(ctx, req, reply, `/admin/flows/${id}`, { kind: 'ok', text: 'Đã tạo bản nháp từ mẫu. Sửa nội dung rồi bấm Xuất bản.' });
  });

  /** What the diagram can draw: the flow, or as much of it as the schema accepts when the graph has errors. */
  const diagramOf = (yaml: string, parsed: ParsedFlow): string | null => {
    if (parsed.ok) return renderFlowDiagram(parsed.flow);
    try {
      const loose = flowSchema.safeParse(parseDocument(yaml).toJS());
      return loose.success ? renderFlowDiagram(loose.data) : null;
    } catch {
      return null;
    }
  };

  /**
   * The editor page; `yaml` is what the textarea shows (the draft, or what was just posted).
   * `head` keeps what the clerk typed in the title/trigger boxes when the page comes back with an error.
   */
  const editor = async (
    req: AdminRequest,
    reply: FastifyReply,
    r: FlowRecord,
    yaml: string,
    extra: { errors?: FlowError[]; failures?: TurnFailure[]; head?: HeadValues; expected?: number } = {},
    status = 200,
  ) => {
    const s = me(req);
    const known = await knownFlows(r.id);
    const parsed = parseFlowYaml(yaml, known, { strict: true });
    const errors = extra.errors ?? (parsed.ok ? [] : parsed.errors);
    const svg = diagramOf(yaml, parsed);
    const stale = staleRefs(yaml, await refs());
    // The version this editing session started from: a publish from it fails if someone published meanwhile.
    const expected = extra.expected ?? r.current;
    const data = flowData(yaml);
    const head = HEAD_FIELDS.map((f) => {
      const base = headValue(data, f.path, f.list);
      const shown = extra.head?.[f.name] ?? base;
      const input = f.list
        ? html`<textarea id="${f.name}" name="${f.name}" rows="3" data-path="${f.path.join('.')}" data-list="1">${shown}</textarea>`
        : html`<input id="${f.name}" name="${f.name}" value="${shown}" data-path="${f.path.join('.')}">`;
      return html`<div class="field"><label for="${f.name}">${f.label}</label>${input}<input type="hidden" name="base_${f.name}" value="${base}"></div>`;
    });
    const history = [...r.versions].reverse().map((v) => [
      `v${v.version}${v.version === r.current ? ' (hiện tại)' : ''}`,
      fmtTime(v.publishedAt),
      v.publishedBy,
      noteText(v.note),
      html`${v.version > 1 ? html`<a href="/admin/flows/${r.id}/diff?from=${v.version - 1}&to=${v.version}">so với v${v.version - 1}</a> · ` : ''}<a href="/admin/flows/${r.id}/diff?from=${v.version}&to=draft">so với bản đang sửa</a>`,
      v.version === r.current ? '' : postButton(s, `/admin/flows/${r.id}/rollback`, `Quay lại v${v.version}`, { version: String(v.version), expected: String(r.current) }, 'rollback'),
    ]);
    const meta = JSON.stringify({
      types: stepSchema.options.map((o) => {
        const type = (o.shape.type as z.ZodLiteral<string>).value;
        return { type, name: STEP_TYPE_NAMES[type as keyof typeof STEP_TYPE_NAMES] ?? type, help: o.shape.type.description ?? '' };
      }),
      validators: VALIDATORS,
      flows: [...known].sort(),
    });
    const lineCount = Math.max(1, yaml.split('\n').length);
    // (The textarea opens with a newline: HTML drops it, so a text that starts with one keeps it.)
    return renderPage(
      ctx,
      req,
      reply,
      `Luồng ${r.id}`,
      html`<p>Phiên bản đang phục vụ: <b>${r.current ? `v${r.current}` : 'chưa xuất bản'}</b>${r.draft ? html` · bản nháp lưu lúc ${fmtTime(r.draft.updatedAt)} bởi ${r.draft.updatedBy}` : ''}${r.disabled ? html` · <span class="tag off">đã tắt</span>` : ''}</p>
${stale.length ? html`<p class="flash error" id="stale">Luồng nhắc đến thủ tục/đường dẫn không còn trong danh mục: ${stale.join(', ')}</p>` : ''}
${errorList(errors)}${extra.failures?.length ? failureList(extra.failures) : ''}
<div class="editor" id="flow-editor" data-flow="${r.id}" data-csrf="${s.csrf}" data-meta="${meta}"><form method="post" action="/admin/flows/${r.id}/save" id="flow-form" class="card">${csrfField(s)}<input type="hidden" name="expected" value="${String(expected)}">
<h2>Thông tin chung</h2><div class="head-fields">${head}</div>
<div class="tabs" role="tablist" aria-label="Cách soạn" hidden><button type="button" role="tab" id="tab-form" aria-controls="panel-form" aria-selected="true">Soạn bằng biểu mẫu</button><button type="button" role="tab" id="tab-yaml" aria-controls="panel-yaml" aria-selected="false">Nâng cao (YAML)</button></div>
<section id="panel-form" role="tabpanel" aria-labelledby="tab-form" hidden><h2>Các bước</h2><p class="muted">Bấm vào một bước trong danh sách hoặc trên sơ đồ để sửa. Mọi thay đổi được ghi ngay vào nội dung luồng; bấm Lưu nháp hoặc Xuất bản để lưu.</p><div id="step-list"></div><div id="step-form" aria-live="polite"></div><div id="add-step"></div></section>
<section id="panel-yaml" role="tabpanel" aria-labelledby="tab-yaml"><h2><label for="yaml">Nội dung luồng (YAML)</label></h2><div class="code"><pre class="gutter" id="yaml-gutter" aria-hidden="true">${Array.from({ length: lineCount }, (_, i) => `${i + 1}`).join('\n')}</pre><textarea name="yaml" id="yaml" rows="28" spellcheck="false" wrap="off">
${yaml}</textarea></div></section>
<div class="field"><label for="note">Ghi chú phiên bản</label><input id="note" name="note" maxlength="200" placeholder="Ví dụ: cập nhật lệ phí theo thông tư mới"></div>
<div class="buttons"><button name="action" value="validate">Kiểm tra</button><button name="action" value="draft">Lưu nháp</button><button name="action" value="publish" class="primary">Xuất bản</button></div></form>
${schemaHelp()}</div>
<section class="card"><h2>Sơ đồ</h2><div class="diagram" id="diagram">${svg ? raw(svg) : html`<p class="muted">Chưa vẽ được sơ đồ: sửa lỗi cấu trúc trước.</p>`}</div></section>
<section class="card"><h2>Thử trò chuyện với bản đang sửa</h2><p class="muted">Chạy nội dung đang soạn (chưa cần lưu) bằng đúng bộ máy hội thoại của trợ lý.</p>
<div id="test-chat" data-flow="${r.id}" data-csrf="${s.csrf}"><div class="log" id="test-log" aria-live="polite"></div><form id="test-form"><label for="test-input" class="inline-label">Tin nhắn thử</label><input id="test-input" placeholder="Gõ như công dân…" autocomplete="off"><button>Gửi</button><button type="button" id="test-restart">Bắt đầu lại</button></form></div></section>
<section class="card"><h2>Lịch sử phiên bản</h2>${table(['Phiên bản', 'Thời điểm', 'Người xuất bản', 'Ghi chú', 'So sánh', ''], history)}
<p>${r.draft ? postButton(s, `/admin/flows/${r.id}/discard`, 'Bỏ bản nháp') : ''} ${SYSTEM_FLOWS.has(r.id) ? '' : postButton(s, `/admin/flows/${r.id}/${r.disabled ? 'enable' : 'disable'}`, r.disabled ? 'Bật lại luồng' : 'Tắt luồng')}</p></section>
<link rel="stylesheet" href="/admin/static/flow-editor.css"><script src="/admin/static/flow-editor.js" defer></script>`,
      status,
    );
  };
  app.get('/flows/:id', { schema: { params: idParams } }, async (req, reply) => {
    const r = await record(req.params.id);
    if (!r) return notFound(req, reply);
    return editor(req, reply, r, r.draft?.yaml ?? currentYaml(r));
  });

  /**
   * Writes the title/trigger boxes into the YAML when the clerk changed them. `base_*` is what the
   * page showed: a box left as it was keeps whatever the YAML now says; a box changed while the
   * YAML's own value was changed differently is a conflict, reported rather than dropped.
   */
  const withHead = (form: SaveForm, yaml: string): { yaml: string; conflicts: string[]; posted: HeadValues } => {
    const data = flowData(yaml);
    const posted: HeadValues = {};
    const ops: EditOp[] = [];
    const conflicts: string[] = [];
    for (const f of HEAD_FIELDS) {
      const typed = form[f.name];
      if (typed === undefined) continue;
      posted[f.name] = typed;
      if (data === null) continue;
      const current = headValue(data, f.path, f.list);
      if (sameHead(typed, current, f.list)) continue;
      const base = form[f.base];
      if (base !== undefined && sameHead(typed, base, f.list)) continue;
      if (base !== undefined && !sameHead(current, base, f.list)) {
        conflicts.push(`${f.label}: ô ở trên và nội dung YAML đều được sửa nhưng khác nhau. Anh/chị giữ lại một bên rồi bấm lại (bấm lại sẽ dùng nội dung trong ô).`);
        continue;
      }
      ops.push({ op: 'set', path: [...f.path], value: f.list ? lines(typed) : typed.trim() });
    }
    if (!ops.length || conflicts.length) return { yaml, conflicts, posted };
    return { yaml: applyEdits(yaml, ops), conflicts, posted };
  };

  app.post('/flows/:id/save', { schema: { params: idParams, body: saveBody } }, async (req, reply) => {
    const r = await record(req.params.id);
    if (!r) return notFound(req, reply);
    const form = req.body;
    const action = form.action || 'validate';
    const head = withHead(form, form.yaml.replace(/\r\n/g, '\n'));
    const yaml = head.yaml;
    // The version the editor was opened on (a page posted without it publishes unconditionally).
    const posted = Number.parseInt(form.expected, 10);
    const expected = Number.isInteger(posted) && posted >= 0 ? posted : undefined;
    const reopen = expected !== undefined ? { expected } : {};
    if (head.conflicts.length) return editor(req, reply, r, yaml, { errors: head.conflicts.map((message) => ({ flowId: r.id, message })), head: head.posted, ...reopen }, 409);
    if (!yaml.trim()) return editor(req, reply, r, yaml, { errors: [{ flowId: r.id, message: 'Nội dung trống.' }], ...reopen }, 400);
    const parsed = await checkFlow(yaml, r.id);
    if (parsed.ok && parsed.flow.id !== r.id) return editor(req, reply, r, yaml, { errors: [{ flowId: r.id, message: `Mã luồng trong nội dung ("${parsed.flow.id}") phải là "${r.id}".` }], ...reopen }, 400);
    const published = currentYaml(r);
    const before = r.current;
    if (r.current && yaml === published) {
      // Back to the published text: no draft is needed any more.
      if (r.draft) await discard(req, r.id);
      return redirect(ctx, req, reply, `/admin/flows/${r.id}`, { kind: 'ok', text: `Nội dung giống hệt phiên bản đang chạy (v${r.current}): không có bản nháp, không có gì để xuất bản.` });
    }
    // The draft is kept whatever happens, so nothing typed is lost.
    if (r.draft?.yaml !== yaml) {
      await stores.flows.saveDraft(r.id, yaml, me(req).user, now());
      await audit(ctx, req, 'flow.draft', r.id);
    }
    if (!parsed.ok) return editor(req, reply, r, yaml, { errors: parsed.errors, head: head.posted, ...reopen }, 422);
    if (action !== 'publish') return redirect(ctx, req, reply, `/admin/flows/${r.id}`, { kind: 'ok', text: action === 'draft' ? 'Đã lưu bản nháp.' : 'Không có lỗi. Bản nháp đã được lưu.' });

    if (expected !== undefined && expected !== r.current) return publishConflict(req, reply, r.id, yaml, expected);
    const failures = await conversationFailures(r.id, yaml);
    if (failures.length) return editor(req, reply, r, yaml, { failures, ...reopen }, 422);
    let v;
    try {
      v = await stores.flows.publish(r.id, yaml, me(req).user, now(), { note: form.note.slice(0, 200) || undefined, expectedCurrent: expected });
    } catch (err) {
      if (err instanceof VersionConflictError) return publishConflict(req, reply, r.id, yaml, err.expected);
      throw err;
    }
    await assistant.changed('flow');
    await audit(ctx, req, 'flow.publish', r.id, { version: before || null, yaml: published || null }, { version: v.version, yaml });
    return redirect(ctx, req, reply, `/admin/flows/${r.id}`, { kind: 'ok', text: `Đã xuất bản v${v.version}. Công dân đang dở luồng vẫn dùng phiên bản cũ đến hết lượt.` });
  });

  /**
   * Someone else published while this clerk edited: nothing is published, their text stays as
   * the draft, and the editor comes back based on the new version (publishing again replaces it).
   */
  const publishConflict = async (req: AdminRequest, reply: FastifyReply, id: string, yaml: string, expected: number) => {
    const fresh = await record(id);
    if (!fresh) return notFound(req, reply);
    const latest = fresh.versions.find((x) => x.version === fresh.current);
    const who = latest ? ` (${latest.publishedBy}, lúc ${fmtTime(latest.publishedAt)})` : '';
    const message =
      `Có người khác vừa xuất bản v${fresh.current}${who} trong lúc anh/chị sửa bản dựa trên v${expected}. ` +
      `Bản của anh/chị chưa được xuất bản và vẫn được giữ làm bản nháp. Anh/chị xem phần thay đổi (So sánh với bản đang sửa) rồi bấm Xuất bản lần nữa nếu vẫn muốn thay thế.`;
    return editor(req, reply, fresh, yaml, { errors: [{ flowId: id, message }], expected: fresh.current }, 409);
  };

  /** Drops the draft and records what it said (the store returns the draft it dropped). */
  const discard = async (req: AdminRequest, id: string) => {
    const draft = await stores.flows.discardDraft(id);
    if (!draft) return;
    await audit(ctx, req, 'flow.discard-draft', id, { draft }, null);
  };

  /** Runs flows/tests/<id>.yaml (and any test naming this flow) against the draft. */
  async function conversationFailures(id: string, yaml: string): Promise<TurnFailure[]> {
    const tests = loadConversationTests(ctx.deps.flowTestsDir).filter((t) => t.flow === id);
    if (!tests.length) return [];
    const all: Record<string, string> = {};
    for (const r of await stores.flows.list()) if (r.current && !r.disabled) all[r.id] = currentYaml(r);
    all[id] = yaml;
    const failures: TurnFailure[] = [];
    for (const t of tests) failures.push(...(await runConversationTests(t, all, assistant.catalogue.searcher(), ctx.deps.config)).failed);
    return failures;
  }

  app.post('/flows/:id/rollback', { schema: { params: idParams, body: rollbackBody } }, async (req, reply) => {
    const r = await record(req.params.id);
    if (!r) return notFound(req, reply);
    const version = Number(req.body.version);
    const target = r.versions.find((v) => v.version === version);
    if (!target) return redirect(ctx, req, reply, `/admin/flows/${r.id}`, { kind: 'error', text: `Không có phiên bản v${req.body.version}.` });
    const before = r.current;
    const posted = Number.parseInt(req.body.expected, 10);
    let v;
    try {
      v = await stores.flows.rollback(r.id, version, me(req).user, now(), Number.isInteger(posted) ? { expectedCurrent: posted } : {});
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      return redirect(ctx, req, reply, `/admin/flows/${r.id}`, { kind: 'error', text: `Có người khác vừa xuất bản v${err.actual} trong lúc anh/chị xem trang này; chưa quay lại v${version}. Anh/chị xem lịch sử phiên bản rồi bấm lại nếu vẫn muốn quay lại.` });
    }
    await assistant.changed('flow');
    await audit(ctx, req, 'flow.rollback', r.id, { version: before }, { version: v.version, copyOf: version });
    return redirect(ctx, req, reply, `/admin/flows/${r.id}`, { kind: 'ok', text: `Đã quay lại nội dung v${version} (xuất bản thành v${v.version}).` });
  });

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(`/flows/:id/${action}`, { schema: { params: idParams } }, async (req, reply) => {
      const r = await record(req.params.id);
      if (!r) return notFound(req, reply);
      if (SYSTEM_FLOWS.has(r.id)) return redirect(ctx, req, reply, `/admin/flows/${r.id}`, { kind: 'error', text: 'Không thể tắt luồng hệ thống (menu chính, chuyển cán bộ).' });
      const was = await stores.flows.setDisabled(r.id, disabled);
      await assistant.changed('flow');
      await audit(ctx, req, `flow.${action}`, r.id, { disabled: was }, { disabled });
      return redirect(ctx, req, reply, `/admin/flows/${r.id}`, { kind: 'ok', text: disabled ? 'Đã tắt luồng.' : 'Đã bật lại luồng.' });
    });
  }

  app.post('/flows/:id/discard', { schema: { params: idParams } }, async (req, reply) => {
    const r = await record(req.params.id);
    if (!r) return notFound(req, reply);
    if (!r.draft) return redirect(ctx, req, reply, `/admin/flows/${r.id}`, { kind: 'ok', text: 'Không có bản nháp nào để bỏ.' });
    await discard(req, r.id);
    return redirect(ctx, req, reply, r.current ? `/admin/flows/${r.id}` : '/admin/flows', { kind: 'ok', text: 'Đã bỏ bản nháp.' });
  });

  const path = z.array(z.union([z.string().max(100).refine((k) => !['__proto__', 'constructor', 'prototype'].includes(k)), z.number().int().min(0).max(1000)])).max(12);
  const editBody = z.object({
    yaml: z.string().max(500_000),
    ops: z
      .array(
        z.discriminatedUnion('op', [
          z.object({ op: z.literal('set'), path, value: z.unknown() }),
          z.object({ op: z.literal('delete'), path }),
          z.object({ op: z.literal('insert'), path, index: z.number().int().min(0).max(1000).optional(), value: z.unknown() }),
          z.object({ op: z.literal('move'), path, from: z.number().int().min(0).max(1000), to: z.number().int().min(0).max(1000) }),
        ]),
      )
      .max(50)
      .default([]),
  });
  /**
   * The visual editor's seam: applies form edits to the YAML text (the one source of truth) and
   * answers with the new text, the document as data for the forms, errors with lines, and the diagram.
   */
  app.post('/flows/:id/edit', { schema: { params: idParams, body: editBody }, config: { api: true } }, async (req, reply) => {
    const { id } = req.params;
    if (!(await record(id))) return reply.code(404).send({ error: 'Không có luồng này.' });
    let yaml = req.body.yaml.replace(/\r\n/g, '\n');
    try {
      yaml = applyEdits(yaml, req.body.ops);
    } catch (err) {
      if (!(err instanceof EditError)) throw err;
      const parsed = await checkFlow(yaml, id);
      return reply.code(422).send({ error: err.message, errors: parsed.ok ? [] : parsed.errors });
    }
    const parsed = await checkFlow(yaml, id);
    return reply.send({ yaml, flow: flowData(yaml), errors: parsed.ok ? [] : parsed.errors, diagram: diagramOf(yaml, parsed) });
  });

  app.get('/flows/:id/diff', { schema: { params: idParams, querystring: diffQuery } }, async (req, reply) => {
    const r = await record(req.params.id);
    if (!r) return notFound(req, reply);
    const q = req.query;
    const text = (v: string | undefined) => (v === 'draft' ? (r.draft?.yaml ?? currentYaml(r)) : r.versions.find((x) => x.version === Number(v))?.yaml);
    const a = text(q.from);
    const b = text(q.to);
    if (a === undefined || b === undefined) return renderPage(ctx, req, reply, 'So sánh phiên bản', html`<p>Không có phiên bản cần so sánh.</p>`, 404);
    const lines = diffLines(a, b);
    const changed = lines.filter((l) => l.op !== ' ').length;
    return renderPage(
      ctx,
      req,
      reply,
      `So sánh ${r.id}: ${q.from === 'draft' ? 'bản nháp' : `v${q.from}`} → ${q.to === 'draft' ? 'bản nháp' : `v${q.to}`}`,
      html`<p>${changed ? `${changed} dòng thay đổi.` : 'Hai phiên bản giống nhau.'} <a href="/admin/flows/${r.id}">Về trình soạn thảo</a></p><pre class="diff">${lines.map((l) => html`<span class="d${l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same'}">${l.op} ${l.text}\n</span>`)}</pre>`,
    );
  });

  const testBody = z.object({ yaml: z.string().max(500_000), state: z.unknown().optional(), text: z.string().max(4000).optional(), lang: z.enum(['vi', 'en']).default('vi') });
  /** Live test chat: one engine step on the posted YAML; the browser keeps the session state. */
  app.post('/flows/:id/test', { schema: { params: idParams, body: testBody }, config: { api: true } }, async (req, reply) => {
    const { id } = req.params;
    const body = req.body;
    const parsed = await checkFlow(body.yaml, id);
    if (!parsed.ok) return reply.code(422).send({ error: 'Bản nháp còn lỗi, bấm Kiểm tra để xem chi tiết.', errors: parsed.errors });
    const draft = parsed.flow;
    const deps = {
      flow: (fid: string) => (fid === draft.id ? { flow: draft, version: 0 } : assistant.flows.current(fid)),
      searcher: () => assistant.catalogue.searcher(),
      officeHours: ctx.deps.config.officeHours,
    };
    const t = now();
    const prior = body.state === undefined ? null : parseSession(body.state);
    const text = body.text?.trim() ?? '';
    let result;
    if (!prior || !prior.flowId || !text) {
      result = step(draft, newSession(t, body.lang), { kind: 'start' }, t, deps, 0);
    } else {
      const flow = prior.flowId === draft.id ? draft : assistant.flows.get(prior.flowId, prior.flowVersion ?? 1);
      if (!flow) return reply.send({ replies: [{ text: '(Luồng đích không còn; bấm Bắt đầu lại.)' }], state: null, ended: true });
      result = step(flow, prior, { kind: 'text', text }, t, deps);
    }
    return reply.send({ replies: result.replies, state: result.state, step: result.state.stepId, flow: result.state.flowId, ended: !result.state.flowId, handoff: Boolean(result.handoff) });
  });
};
