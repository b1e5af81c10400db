import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPair, isSeq, parseDocument, visit } from 'yaml';
import { applyEdits, type EditOp } from '../../src/admin/flow-doc.js';
import { parseFlowYaml } from '../../src/flow/validate.js';
import { ADMIN_PW, client, login, STAFF_PW, startAdminServer, type AdminServer } from './harness.js';

/** A flow written the way staff write them: a flow list, comments, a "\n" string, a `|` block, a blank line. */
const FLOW = `# Hướng dẫn lệ phí (bản thử)
id: vi-du
title: { vi: "Ví dụ", en: "Example" }
triggers:
  vi: [hỏi lệ phí, "lệ phí trước bạ"]   # hai cụm
  en: ["fee question"]
start: hoi
steps:
  hoi:
    type: choose
    # câu hỏi đầu tiên
    text: { vi: "Anh/chị cần:\\nchọn một mục", en: "You need:\\npick one" }
    options:
      - label: { vi: "Xem lệ phí", en: "See fees" }
        next: xong
      - label: { vi: "Gặp cán bộ", en: "Talk to staff" }
        next: xong

  xong:
    type: end
    text:
      vi: |
        Cảm ơn anh/chị.
        Gõ "menu" để xem các việc khác.
      en: "Thank you."
`;

const FLOWS_DIR = new URL('../../flows/', import.meta.url).pathname;

/** The key path of a node from the ancestors `visit` gives (pairs give keys, lists give indexes). */
function docPath(ancestors: readonly unknown[]): (string | number)[] {
  const out: (string | number)[] = [];
  ancestors.forEach((a, i) => {
    const child = ancestors[i + 1];
    if (isPair(a)) out.push(String((a.key as { value: unknown }).value));
    else if (isSeq(a) && child !== undefined) out.push(a.items.indexOf(child as never));
  });
  return out;
}

const changedLines = (a: string, b: string) => {
  const x = a.split('\n');
  const y = b.split('\n');
  return { sameLength: x.length === y.length, changed: x.map((l, i) => (l === y[i] ? -1 : i + 1)).filter((i) => i > 0) };
};

describe('flow edits through the yaml Document API', () => {
  const edit = (...ops: EditOp[]) => applyEdits(FLOW, ops);

  it('changes one word of a label as a one-line change, everything else byte for byte', () => {
    const out = edit({ op: 'set', path: ['steps', 'hoi', 'options', 0, 'label', 'vi'], value: 'Xem mức lệ phí' });
    expect(out).toBe(FLOW.replace('{ vi: "Xem lệ phí"', '{ vi: "Xem mức lệ phí"'));
  });

  it('keeps a flow list on its line with its comment when a trigger is added or removed', () => {
    const added = edit({ op: 'set', path: ['triggers', 'vi'], value: ['hỏi lệ phí', 'lệ phí trước bạ', 'phí công chứng'] });
    expect(added).toBe(FLOW.replace('vi: [hỏi lệ phí, "lệ phí trước bạ"]   # hai cụm', 'vi: [hỏi lệ phí, "lệ phí trước bạ", phí công chứng]   # hai cụm'));
    const removed = edit({ op: 'delete', path: ['triggers', 'vi', 0] });
    expect(removed).toBe(FLOW.replace('vi: [hỏi lệ phí, "lệ phí trước bạ"]', 'vi: ["lệ phí trước bạ"]'));
  });

  it('rewrites a "|" block in place and keeps its final newline', () => {
    const out = edit({ op: 'set', path: ['steps', 'xong', 'text', 'vi'], value: 'Cảm ơn anh/chị.\nHẹn gặp lại.' });
    expect(changedLines(FLOW, out)).toEqual({ sameLength: true, changed: [24] });
    expect(parseDocument(out).getIn(['steps', 'xong', 'text', 'vi'])).toBe('Cảm ơn anh/chị.\nHẹn gặp lại.\n');
  });

  it('adds, moves and deletes options without touching the other lines', () => {
    const added = edit({ op: 'insert', path: ['steps', 'hoi', 'options'], value: { label: { vi: 'Nộp hồ sơ', en: 'Submit' }, next: 'xong' } });
    expect(added.startsWith(FLOW.slice(0, FLOW.indexOf('\n\n  xong:')))).toBe(true);
    expect(added).toContain('      - label:\n          vi: "Nộp hồ sơ"\n          en: "Submit"\n        next: xong\n\n  xong:');
    const moved = edit({ op: 'move', path: ['steps', 'hoi', 'options'], from: 1, to: 0 });
    expect(parseDocument(moved).getIn(['steps', 'hoi', 'options', 0, 'label', 'vi'])).toBe('Gặp cán bộ');
    expect(moved.replace(/ {6}- label[^\n]*\n {8}next: xong\n/g, '')).toBe(FLOW.replace(/ {6}- label[^\n]*\n {8}next: xong\n/g, ''));
    const deleted = edit({ op: 'delete', path: ['steps', 'hoi', 'options', 0] });
    expect(deleted).toBe(FLOW.replace('      - label: { vi: "Xem lệ phí", en: "See fees" }\n        next: xong\n', ''));
  });

  it('adds a new step at the end of the steps, and moves and deletes whole steps with their comments', () => {
    const added = edit({ op: 'set', path: ['steps', 'bao'], value: { type: 'say', messages: [{ vi: 'Lệ phí: 50.000 đồng.', en: 'Fee: 50,000 VND.' }], next: 'xong' } });
    expect(added).toBe(`${FLOW}  bao:\n    type: say\n    messages:\n      - vi: "Lệ phí: 50.000 đồng."\n        en: "Fee: 50,000 VND."\n    next: xong\n`);
    const moved = edit({ op: 'move', path: ['steps'], from: 1, to: 0 });
    expect(Object.keys(parseDocument(moved).toJS().steps)).toEqual(['xong', 'hoi']);
    expect(moved).toContain('    # câu hỏi đầu tiên\n');
    const deleted = edit({ op: 'delete', path: ['steps', 'xong'] });
    expect(deleted).toBe(FLOW.slice(0, FLOW.indexOf('  xong:')));
  });

  it('adds a missing field next to its siblings and creates missing parents', () => {
    const out = edit({ op: 'set', path: ['steps', 'xong', 'csat'], value: true });
    expect(out).toBe(`${FLOW}    csat: true\n`);
    const link = edit({ op: 'set', path: ['steps', 'hoi', 'link', 'url'], value: 'https://dichvucong.gov.vn' });
    expect(parseDocument(link).getIn(['steps', 'hoi', 'link'])).toBeTruthy();
    expect(link).toContain('        next: xong\n    link:\n      url: "https://dichvucong.gov.vn"\n\n  xong:');
  });

  it('adds a field to an option that starts after a list dash by rewriting only that option', () => {
    const out = edit({ op: 'set', path: ['steps', 'hoi', 'options', 1, 'set'], value: { kind: 'staff' } });
    expect(out).toBe(FLOW.replace('        next: xong\n\n  xong:', '        next: xong\n        set:\n          kind: staff\n\n  xong:'));
  });

  it('refuses an edit through a plain value with a message in Vietnamese', () => {
    expect(() => edit({ op: 'set', path: ['steps', 'hoi', 'type', 'vi'], value: 'x' })).toThrow(/Không sửa được "steps.hoi.type.vi"/);
  });

  it('always gives what the Document API gives, whatever the sequence of edits', () => {
    const ops: EditOp[] = [
      { op: 'set', path: ['title', 'en'], value: 'An example, with a comma' },
      { op: 'insert', path: ['triggers', 'en'], index: 0, value: 'how much' },
      { op: 'set', path: ['steps', 'hoi', 'options', 1], value: { label: { vi: 'Khác', en: 'Other' }, next: 'hoi', set: { kind: 'other' } } },
      { op: 'set', path: ['steps', 'hoi', 'text'], value: 'một chuỗi thay cho khối' },
      { op: 'delete', path: ['triggers', 'vi'] },
      { op: 'move', path: ['steps'], from: 0, to: 1 },
    ];
    const out = applyEdits(FLOW, ops);
    const doc = parseDocument(FLOW);
    doc.setIn(['title', 'en'], 'An example, with a comma');
    (doc.getIn(['triggers', 'en'], true) as { items: unknown[] }).items.unshift(doc.createNode('how much'));
    doc.setIn(['steps', 'hoi', 'options', 1], doc.createNode({ label: { vi: 'Khác', en: 'Other' }, next: 'hoi', set: { kind: 'other' } }));
    doc.setIn(['steps', 'hoi', 'text'], 'một chuỗi thay cho khối');
    doc.deleteIn(['triggers', 'vi']);
    const steps = doc.getIn(['steps'], true) as { items: unknown[] };
    steps.items.push(steps.items.shift());
    expect(parseDocument(out).toJS()).toEqual(doc.toJS());
    expect(out).toContain('# Hướng dẫn lệ phí (bản thử)\n');
    expect(out).toContain('      vi: |\n        Cảm ơn anh/chị.\n');
  });

  it('changes any one-line text of the shipped flows as a one-line diff', () => {
    let checked = 0;
    for (const file of readdirSync(FLOWS_DIR).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join(FLOWS_DIR, file), 'utf8');
      const paths: (string | number)[][] = [];
      visit(parseDocument(text), {
        Scalar(key, node, path) {
          if (key !== 'value' || typeof node.value !== 'string' || node.value.includes('\n')) return;
          const keys = path.filter(isPair).map((p) => String((p.key as { value: unknown }).value));
          if (keys.at(-1) === 'vi' || keys.at(-1) === 'en') paths.push(docPath(path));
        },
      });
      for (const p of paths) {
        const out = applyEdits(text, [{ op: 'set', path: p, value: `${String(parseDocument(text).getIn(p))} (đã sửa)` }]);
        expect(changedLines(text, out), `${file} ${p.join('.')}`).toEqual({ sameLength: true, changed: [expect.any(Number)] });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('refuses to edit text that is not valid YAML', () => {
    expect(() => applyEdits('a: [b\n', [{ op: 'set', path: ['a'], value: 1 }])).toThrow(/lỗi cú pháp/);
  });
});

let s: AdminServer;
let staff: ReturnType<typeof client>;
let auth: { cookie: string; csrf: string };
/** What the editor form posts: the YAML plus the title/trigger boxes as the page showed them. */
const form = (yaml: string, action: string, boxes: { vi?: string; en?: string } = {}, base = { vi: 'hỏi lệ phí\nlệ phí trước bạ', en: 'fee question' }) => ({
  yaml,
  action,
  title_vi: 'Ví dụ',
  base_title_vi: 'Ví dụ',
  title_en: 'Example',
  base_title_en: 'Example',
  triggers_vi: boxes.vi ?? base.vi,
  base_triggers_vi: base.vi,
  triggers_en: boxes.en ?? base.en,
  base_triggers_en: base.en,
});
const rec = async () => (await s.stores.flows.get('vi-du'))!;
/** Audit entries for the test flow, newest first. */
const audits = async (action: string) => (await s.stores.audit.list({ limit: 1000 })).items.filter((e) => e.action === action && e.target === 'vi-du');

beforeAll(async () => {
  s = await startAdminServer();
  auth = await login(s.app, 'binh', STAFF_PW, '10.0.0.3');
  staff = client(s.app, auth);
});
afterAll(() => s.close());

describe('saving from the flow editor', () => {
  it('saves a one-word label change as a one-line change: lists, comments and "\\n" strings stay as typed', async () => {
    await s.stores.flows.publish('vi-du', FLOW, 'an', s.clock.now);
    const edited = FLOW.replace('"Gặp cán bộ"', '"Gặp cán bộ xã"');
    const res = await staff.post('/admin/flows/vi-du/save', form(edited, 'draft'));
    expect(res.statusCode).toBe(303);
    expect((await rec()).draft?.yaml).toBe(edited);
    const diff = await staff.get('/admin/flows/vi-du/diff?from=1&to=draft');
    expect(diff.body).toContain('2 dòng thay đổi'); // one line out, one line in
  });

  it('leaves no draft when the text is put back to the published version', async () => {
    expect((await rec()).draft).not.toBeNull();
    const res = await staff.post('/admin/flows/vi-du/save', form(FLOW, 'validate'));
    expect(res.statusCode).toBe(303);
    expect((await rec()).draft).toBeNull();
    expect((await audits('flow.discard-draft'))[0]?.before).toEqual(expect.objectContaining({ draft: expect.objectContaining({ yaml: FLOW.replace('"Gặp cán bộ"', '"Gặp cán bộ xã"') }) }));
  });

  it('keeps triggers typed in the YAML when the trigger boxes were left alone', async () => {
    const typed = FLOW.replace('en: ["fee question"]', 'en: ["fee question", "how much is the fee"]');
    const res = await staff.post('/admin/flows/vi-du/save', form(typed, 'draft'));
    expect(res.statusCode).toBe(303);
    expect((await rec()).draft?.yaml).toBe(typed);
    const page = await staff.get('/admin/flows/vi-du');
    expect(page.body).toContain('>fee question\nhow much is the fee</textarea>');
  });

  it('writes triggers typed in the boxes into the YAML on their own line', async () => {
    const res = await staff.post('/admin/flows/vi-du/save', form(FLOW, 'draft', { vi: 'hỏi lệ phí\nlệ phí trước bạ\nphí công chứng' }));
    expect(res.statusCode).toBe(303);
    expect((await rec()).draft?.yaml).toBe(FLOW.replace('vi: [hỏi lệ phí, "lệ phí trước bạ"]', 'vi: [hỏi lệ phí, "lệ phí trước bạ", phí công chứng]'));
  });

  it('reports triggers changed differently in the box and in the YAML instead of dropping one', async () => {
    const typed = FLOW.replace('en: ["fee question"]', 'en: ["fee in yaml"]');
    const before = (await rec()).draft?.yaml;
    const res = await staff.post('/admin/flows/vi-du/save', form(typed, 'draft', { en: 'fee in the box' }));
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('Cụm từ kích hoạt tiếng Anh (mỗi dòng một cụm): ô ở trên và nội dung YAML đều được sửa');
    expect(res.body).not.toContain('Không có lỗi');
    // Both versions are still on the page.
    expect(res.body).toContain('>fee in the box</textarea>');
    expect(res.body).toContain('en: [&quot;fee in yaml&quot;]');
    expect((await rec()).draft?.yaml).toBe(before);
  });

  it('discards a draft with a redirect and an audit entry holding the dropped text', async () => {
    const draft = (await rec()).draft!.yaml;
    const res = await staff.post('/admin/flows/vi-du/discard', {});
    expect(res.statusCode).toBe(303);
    expect((await rec()).draft).toBeNull();
    const entry = (await audits('flow.discard-draft'))[0]!;
    expect(entry.who).toBe('binh');
    expect(entry.before).toEqual({ draft: expect.objectContaining({ yaml: draft, updatedBy: 'binh' }) });
    expect((await staff.post('/admin/flows/vi-du/discard', {})).statusCode).toBe(303);
  });

  it('records the previously published text as "before" in the audit entry of a publish', async () => {
    const v2 = FLOW.replace('"Xem lệ phí"', '"Xem các khoản lệ phí"');
    const res = await staff.post('/admin/flows/vi-du/save', { ...form(v2, 'publish'), note: 'đổi nhãn' });
    expect(res.statusCode).toBe(303);
    expect((await rec()).current).toBe(2);
    const entry = (await audits('flow.publish'))[0]!;
    expect(entry.before).toEqual({ version: 1, yaml: FLOW });
    expect(entry.after).toEqual({ version: 2, yaml: v2 });
  });

  it('shows the rollback note in Vietnamese in the version history', async () => {
    await staff.post('/admin/flows/vi-du/rollback', { version: '1' });
    const page = await staff.get('/admin/flows/vi-du');
    expect(page.body).toContain('quay lại nội dung v1');
    expect(page.body).not.toContain('rollback to v1');
  });
});

describe('errors a clerk understands', () => {
  const check = (yaml: string) => s.app.inject({ method: 'POST', url: '/admin/flows/vi-du/edit', headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, payload: { yaml, ops: [] } });
  const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

  it('gives one error for one wrong `next:`, at that line, with the step it probably meant', async () => {
    const yaml = FLOW.replace('        next: xong\n      - label: { vi: "Gặp', '        next: xon\n      - label: { vi: "Gặp');
    const body = (await check(yaml)).json() as { errors: unknown[] };
    expect(body.errors).toEqual([{ flowId: 'vi-du', stepId: 'hoi', line: lineOf(yaml, 'next: xon'), message: 'bước tiếp theo "xon" không có; có phải ý anh/chị là `xong`?' }]);
    // The same through the form: one error, linked to its line.
    const res = await staff.post('/admin/flows/vi-du/save', form(yaml, 'validate'));
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('1 lỗi cần sửa');
    expect(res.body).toContain(`data-line="${lineOf(yaml, 'next: xon')}"`);
    expect(res.body).toContain('role="alert" tabindex="-1"');
  });

  it('gives one Vietnamese error with a line for a bad indentation', async () => {
    const yaml = FLOW.replace('    type: end\n', '   type: end\n');
    const body = (await check(yaml)).json() as { errors: { line: number; message: string }[] };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]!.message).toMatch(/^Lỗi cú pháp YAML: thụt lề/);
    expect(body.errors[0]!.line).toBeGreaterThanOrEqual(lineOf(FLOW, '  xong:'));
    expect(body.errors[0]!.line).toBeLessThanOrEqual(lineOf(FLOW, '    type: end') + 1);
  });

  it('suggests the closest step type and field name, in Vietnamese, at their lines', async () => {
    const yaml = FLOW.replace('type: choose', 'type: chose').replace('    type: end\n', '    type: end\n    csta: true\n');
    const body = (await check(yaml)).json() as { errors: { line: number; message: string }[] };
    expect(body.errors).toEqual([
      expect.objectContaining({ stepId: 'hoi', line: lineOf(yaml, 'type: chose'), message: expect.stringContaining('không có loại bước "chose"; có phải ý anh/chị là `choose`?') }),
      expect.objectContaining({ stepId: 'xong', line: lineOf(yaml, 'csta: true'), message: 'trường `csta` không dùng ở đây; có phải ý anh/chị là `csat`?' }),
    ]);
    expect(JSON.stringify(body)).not.toMatch(/Invalid|discriminator|expected/);
  });
});

describe('unknown fields', () => {
  const yaml = FLOW.replace('    type: end\n', '    type: end\n    colour: red\n');

  it('are refused by the editor, with the fields the step may have', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/admin/flows/vi-du/edit', headers: { cookie: auth.cookie, 'x-csrf-token': auth.csrf }, payload: { yaml, ops: [] } });
    expect((res.json() as { errors: { message: string }[] }).errors).toEqual([expect.objectContaining({ stepId: 'xong', message: expect.stringContaining('trường `colour` không dùng ở đây (các trường được dùng: type, text, csat, containment)') })]);
  });

  it('are still ignored when a stored version is loaded, as before', () => {
    expect(parseFlowYaml(yaml).ok).toBe(true);
    expect(parseFlowYaml(yaml, undefined, { strict: true }).ok).toBe(false);
  });
});

describe('the edit endpoint of the visual editor', () => {
  const edit = (ops: EditOp[], headers: Record<string, string> = { 'x-csrf-token': auth.csrf }) =>
    s.app.inject({ method: 'POST', url: '/admin/flows/vi-du/edit', headers: { cookie: auth.cookie, ...headers }, payload: { yaml: FLOW, ops } });

  it('answers the new text, the flow as data, no errors and the diagram', async () => {
    const res = await edit([{ op: 'set', path: ['steps', 'xong', 'text', 'en'], value: 'Thank you!' }]);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { yaml: string; flow: { steps: Record<string, unknown> }; errors: unknown[]; diagram: string };
    expect(body.yaml).toBe(FLOW.replace('en: "Thank you."', 'en: "Thank you!"'));
    expect(Object.keys(body.flow.steps)).toEqual(['hoi', 'xong']);
    expect(body.errors).toEqual([]);
    expect(body.diagram).toContain('data-step="xong"');
  });

  it('needs the CSRF header and refuses paths into the object prototype', async () => {
    expect((await edit([], {})).statusCode).toBe(403);
    expect((await edit([{ op: 'set', path: ['__proto__', 'x'], value: 1 }])).statusCode).toBe(400);
  });
});

describe('two clerks editing one flow', () => {
  const ID = 'xung-dot';
  const base = FLOW.replace('id: vi-du', `id: ${ID}`);
  const expectedIn = (page: string) => /name="expected" value="(\d+)"/.exec(page)?.[1];

  it('refuses a publish made on a version someone else replaced meanwhile, keeps the text as the draft, and publishes on the second press', async () => {
    await s.stores.flows.publish(ID, base, 'an', s.clock.now);
    const admin = client(s.app, await login(s.app, 'an', ADMIN_PW, '10.0.0.9'));
    // Both open the editor on v1.
    expect(expectedIn((await staff.get(`/admin/flows/${ID}`)).body)).toBe('1');
    expect(expectedIn((await admin.get(`/admin/flows/${ID}`)).body)).toBe('1');

    const theirs = base.replace('"Xem lệ phí"', '"Xem lệ phí (bản của An)"');
    expect((await admin.post(`/admin/flows/${ID}/save`, { ...form(theirs, 'publish'), expected: '1' })).statusCode).toBe(303);
    expect((await s.stores.flows.get(ID))!.current).toBe(2);

    const mine = base.replace('"Gặp cán bộ"', '"Gặp cán bộ (bản của Bình)"');
    const refused = await staff.post(`/admin/flows/${ID}/save`, { ...form(mine, 'publish'), expected: '1' });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('Có người khác vừa xuất bản v2 (an,');
    expect(refused.body).toContain('trong lúc anh/chị sửa bản dựa trên v1');
    expect(refused.body).toContain('vẫn được giữ làm bản nháp');
    // Nothing published over An's version; Bình's text is kept, in the store and on the page.
    const after = (await s.stores.flows.get(ID))!;
    expect(after.current).toBe(2);
    expect(after.versions.at(-1)!.yaml).toBe(theirs);
    expect(after.draft?.yaml).toBe(mine);
    expect(refused.body).toContain('(bản của Bình)');
    // The page now edits on top of v2: pressing publish again is a deliberate replacement.
    expect(expectedIn(refused.body)).toBe('2');
    expect((await staff.post(`/admin/flows/${ID}/save`, { ...form(mine, 'publish'), expected: '2' })).statusCode).toBe(303);
    const last = (await s.stores.flows.get(ID))!;
    expect(last.current).toBe(3);
    expect(last.versions.at(-1)).toMatchObject({ yaml: mine, publishedBy: 'binh' });
  });

  it('refuses a rollback pressed on a page older than the current version', async () => {
    const before = (await s.stores.flows.get(ID))!;
    const res = await staff.post(`/admin/flows/${ID}/rollback`, { version: '1', expected: '2' });
    expect(res.statusCode).toBe(303);
    expect((await staff.get(`/admin/flows/${ID}`)).body).toContain(`Có người khác vừa xuất bản v${before.current}`);
    expect((await s.stores.flows.get(ID))!.versions).toHaveLength(before.versions.length);
    expect((await staff.post(`/admin/flows/${ID}/rollback`, { version: '1', expected: String(before.current) })).statusCode).toBe(303);
    expect((await s.stores.flows.get(ID))!.current).toBe(before.current + 1);
  });
});
