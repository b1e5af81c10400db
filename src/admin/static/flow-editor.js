// Flow editor: forms for each step, title and triggers, the diagram as a step picker, the YAML
// tab with line numbers, and errors that jump to their line. The YAML textarea is the single
// source of truth: every form change is sent to the server as an edit (POST …/edit), which
// answers with the new YAML text, the flow as data, the errors and the diagram.
(function () {
  'use strict';

  const root = document.getElementById('flow-editor');
  if (!root) return;
  const meta = JSON.parse(root.dataset.meta || '{}');
  const flowId = root.dataset.flow;
  const csrf = root.dataset.csrf;
  const form = document.getElementById('flow-form');
  const area = document.getElementById('yaml');
  const gutter = document.getElementById('yaml-gutter');
  const errorsBox = document.getElementById('flow-errors');
  const diagram = document.getElementById('diagram');
  const stepList = document.getElementById('step-list');
  const stepForm = document.getElementById('step-form');
  const addStep = document.getElementById('add-step');
  const tabs = { form: document.getElementById('tab-form'), yaml: document.getElementById('tab-yaml') };
  const panels = { form: document.getElementById('panel-form'), yaml: document.getElementById('panel-yaml') };
  const typeName = {};
  (meta.types || []).forEach((t) => (typeName[t.type] = t.name));

  let flow = null;
  let selected = null;
  let queue = Promise.resolve();
  let inFlight = 0;
  let lastErrors = '';
  const timers = new Map();
  let uid = 0;

  // ---- small DOM helpers
  const el = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    });
    kids.flat().forEach((k) => k !== null && k !== undefined && e.append(k));
    return e;
  };
  const nextId = () => 'fe-' + ++uid;
  const steps = () => (flow && flow.steps && typeof flow.steps === 'object' ? flow.steps : {});
  const stepIds = () => Object.keys(steps());

  // ---- line numbers
  const updateGutter = () => {
    const n = area.value.split('\n').length;
    const lines = [];
    for (let i = 1; i <= n; i++) lines.push(i);
    gutter.textContent = lines.join('\n');
  };
  area.addEventListener('input', updateGutter);
  area.addEventListener('scroll', () => (gutter.scrollTop = area.scrollTop));

  // ---- tabs
  const show = (which) => {
    ['form', 'yaml'].forEach((k) => {
      tabs[k].setAttribute('aria-selected', String(k === which));
      tabs[k].tabIndex = k === which ? 0 : -1;
      panels[k].hidden = k !== which;
    });
  };
  tabs.form.parentElement.hidden = false;
  tabs.form.addEventListener('click', () => {
    show('form');
    refresh(true);
  });
  tabs.yaml.addEventListener('click', () => show('yaml'));
  tabs.form.parentElement.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const to = tabs.form.getAttribute('aria-selected') === 'true' ? 'yaml' : 'form';
    show(to);
    tabs[to].focus();
  });

  // ---- errors
  const goToLine = (line) => {
    show('yaml');
    const lines = area.value.split('\n');
    let start = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
    const end = start + (lines[line - 1] || '').length;
    area.focus();
    area.setSelectionRange(start, end);
    const lh = parseFloat(getComputedStyle(area).lineHeight) || 18;
    area.scrollTop = Math.max(0, (line - 3) * lh);
  };
  errorsBox.addEventListener('click', (e) => {
    const a = e.target.closest('a.line');
    if (!a) return;
    e.preventDefault();
    goToLine(Number(a.dataset.line));
  });
  const showErrors = (errors, message) => {
    const key = JSON.stringify([errors, message]);
    if (key === lastErrors) return;
    lastErrors = key;
    errorsBox.textContent = '';
    const list = errors || [];
    if (!list.length && !message) {
      errorsBox.hidden = true;
      return;
    }
    errorsBox.hidden = false;
    errorsBox.append(el('h2', { text: message || list.length + ' lỗi cần sửa' }));
    errorsBox.append(
      el(
        'ul',
        {},
        list.map((e) =>
          el(
            'li',
            {},
            el('b', { text: e.flowId }),
            e.stepId ? [' › bước ', el('b', { text: e.stepId })] : null,
            e.line ? [' (', el('a', { href: '#yaml', class: 'line', 'data-line': e.line, text: 'dòng ' + e.line }), ')'] : null,
            ': ' + e.message,
          ),
        ),
      ),
    );
  };

  // ---- talking to the server
  /** `initial`: the first load keeps the errors and boxes the server rendered (conflicts, test failures). */
  const edit = (ops, rerender, initial) => {
    // Text still being typed goes in first: a structural edit may shift the paths it names.
    if (rerender && timers.size) flush();
    inFlight++;
    queue = queue
      .then(async () => {
        const res = await fetch('/admin/flows/' + encodeURIComponent(flowId) + '/edit', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ yaml: area.value, ops: ops }),
        });
        const body = await res.json();
        if (!res.ok) {
          showErrors(body.errors || [], body.error || 'Không sửa được nội dung.');
          if (rerender) render();
          return;
        }
        if (area.value !== body.yaml) {
          area.value = body.yaml;
          updateGutter();
        }
        flow = body.flow;
        if (!initial) showErrors(body.errors);
        else if (flow === null) show('yaml');
        if (body.diagram) {
          diagram.innerHTML = body.diagram;
          wireDiagram();
        }
        if (!initial) syncHead();
        if (rerender) render();
      })
      .catch((err) => showErrors([], 'Không gọi được máy chủ: ' + err.message))
      .finally(() => inFlight--);
    return queue;
  };
  const refresh = (rerender) => edit([], rerender);
  /** Text boxes send their edit once the clerk pauses typing (or leaves the page's form). */
  const later = (key, fn) => {
    clearTimeout(timers.get(key) && timers.get(key).t);
    timers.set(key, { fn: fn, t: setTimeout(() => (timers.delete(key), fn()), 400) });
  };
  const flush = () => {
    timers.forEach((v) => (clearTimeout(v.t), v.fn()));
    timers.clear();
    return queue;
  };

  // Save/publish waits for edits still on their way into the YAML.
  form.addEventListener('submit', (e) => {
    if (!timers.size && !inFlight) return;
    e.preventDefault();
    const submitter = e.submitter;
    flush().then(() => form.requestSubmit(submitter));
  });

  // ---- title and triggers
  const headInputs = Array.from(form.querySelectorAll('[data-path]'));
  const valueAt = (path) => path.reduce((v, k) => (v && typeof v === 'object' ? v[k] : undefined), flow);
  const syncHead = () => {
    headInputs.forEach((input) => {
      if (input === document.activeElement || timers.has(input.id)) return;
      const v = valueAt(input.dataset.path.split('.'));
      input.value = input.dataset.list ? (Array.isArray(v) ? v.join('\n') : '') : typeof v === 'string' ? v : '';
    });
  };
  headInputs.forEach((input) =>
    input.addEventListener('input', () =>
      later(input.id, () => {
        const value = input.dataset.list
          ? input.value
              .split('\n')
              .map((s) => s.trim())
              .filter(Boolean)
          : input.value.trim();
        edit([{ op: 'set', path: input.dataset.path.split('.'), value: value }]);
      }),
    ),
  );

  // ---- the step list and the diagram pick a step
  const select = (id) => {
    selected = id;
    render();
    const h = stepForm.querySelector('h3');
    if (h) h.focus();
  };
  function wireDiagram() {
    const svg = diagram.querySelector('svg');
    if (svg) svg.setAttribute('role', 'group');
    diagram.querySelectorAll('[data-step]').forEach((g) => {
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'button');
      g.setAttribute('aria-label', 'Sửa bước ' + g.dataset.step);
    });
  }
  diagram.addEventListener('click', (e) => {
    const g = e.target.closest('[data-step]');
    if (!g) return;
    show('form');
    select(g.dataset.step);
    panels.form.scrollIntoView({ block: 'start' });
  });
  diagram.addEventListener('keydown', (e) => {
    const g = e.target.closest('[data-step]');
    if (!g || (e.key !== 'Enter' && e.key !== ' ')) return;
    e.preventDefault();
    show('form');
    select(g.dataset.step);
  });

  // ---- form widgets
  const textField = (label, path, value, opts) => {
    const id = nextId();
    const multi = !opts || opts.multi !== false;
    const input = multi ? el('textarea', { id: id, rows: 3 }) : el('input', { id: id });
    input.value = value === undefined || value === null ? '' : String(value);
    input.addEventListener('input', () =>
      later(id, () => {
        const v = input.value;
        if (opts && opts.number) edit([v.trim() === '' ? { op: 'delete', path: path } : { op: 'set', path: path, value: Number(v) }]);
        else if (opts && opts.optional && v.trim() === '') edit([{ op: 'delete', path: path }]);
        else edit([{ op: 'set', path: path, value: v }]);
      }),
    );
    if (opts && opts.number) input.type = 'number';
    return el('div', { class: 'field' }, el('label', { for: id, text: label }), input);
  };
  /** Vietnamese and English side by side. */
  const bilingual = (legend, path, value, optional) => {
    const v = value && typeof value === 'object' ? value : {};
    return el(
      'fieldset',
      { class: 'bilingual' },
      el('legend', { text: legend }),
      textField('Tiếng Việt', path.concat('vi'), v.vi),
      textField('Tiếng Anh', path.concat('en'), v.en),
      optional && value ? el('button', { type: 'button', class: 'small', text: 'Bỏ ' + legend.toLowerCase(), onclick: () => edit([{ op: 'delete', path: path }], true) }) : null,
    );
  };
  const selectField = (label, path, value, choices, opts) => {
    const id = nextId();
    const s = el('select', { id: id });
    const list = choices.slice();
    if (value !== undefined && value !== null && value !== '' && !list.some((c) => c.value === value)) list.unshift({ value: value, label: value + ' (không có)' });
    if (opts && opts.empty) list.unshift({ value: '', label: opts.empty });
    list.forEach((c) => s.append(el('option', { value: c.value, text: c.label })));
    s.value = value === undefined || value === null ? '' : String(value);
    s.addEventListener('change', () => edit([s.value === '' && opts && opts.empty ? { op: 'delete', path: path } : { op: 'set', path: path, value: s.value }], opts && opts.rerender));
    return el('div', { class: 'field' }, el('label', { for: id, text: label }), s);
  };
  const stepChoices = () => stepIds().map((id) => ({ value: id, label: id + ' — ' + (typeName[steps()[id].type] || steps()[id].type) }));
  const nextField = (path, value, label) => selectField(label || 'Bước tiếp theo', path, value, stepChoices());
  const checkbox = (label, path, value) => {
    const id = nextId();
    const c = el('input', { type: 'checkbox', id: id });
    c.checked = Boolean(value);
    c.addEventListener('change', () => edit([{ op: 'set', path: path, value: c.checked }]));
    return el('div', { class: 'field check' }, c, el('label', { for: id, text: label }));
  };
  const itemButtons = (listPath, i, count, what) =>
    el(
      'div',
      { class: 'item-buttons' },
      el('button', { type: 'button', class: 'small', disabled: i === 0, text: 'Lên', 'aria-label': 'Chuyển ' + what + ' ' + (i + 1) + ' lên', onclick: () => edit([{ op: 'move', path: listPath, from: i, to: i - 1 }], true) }),
      el('button', { type: 'button', class: 'small', disabled: i === count - 1, text: 'Xuống', 'aria-label': 'Chuyển ' + what + ' ' + (i + 1) + ' xuống', onclick: () => edit([{ op: 'move', path: listPath, from: i, to: i + 1 }], true) }),
      el('button', { type: 'button', class: 'small danger', disabled: count === 1, text: 'Xoá', 'aria-label': 'Xoá ' + what + ' ' + (i + 1), onclick: () => edit([{ op: 'delete', path: listPath.concat(i) }], true) }),
    );
  const firstEnd = () => stepIds().find((id) => steps()[id].type === 'end') || stepIds()[0] || '';
  const linkFields = (path, link) => {
    if (!link) return el('button', { type: 'button', class: 'small', text: '+ Thêm đường dẫn', onclick: () => edit([{ op: 'set', path: path, value: { label: { vi: 'Xem thêm', en: 'More' }, url: 'https://dichvucong.gov.vn' } }], true) });
    return el(
      'fieldset',
      { class: 'link' },
      el('legend', { text: 'Đường dẫn' }),
      bilingual('Nhãn nút', path.concat('label'), link.label),
      textField('Địa chỉ (https://…)', path.concat('url'), link.url, { multi: false }),
      el('button', { type: 'button', class: 'small danger', text: 'Xoá đường dẫn', onclick: () => edit([{ op: 'delete', path: path }], true) }),
    );
  };

  /** A new step of each type, pointing at an existing end step. */
  const template = (type) => {
    const t = (vi, en) => ({ vi: vi, en: en });
    const next = firstEnd();
    switch (type) {
      case 'say':
        return { type: type, messages: [t('Nội dung tin nhắn.', 'Message text.')], next: next };
      case 'choose':
        return { type: type, text: t('Anh/chị chọn một mục:', 'Please choose:'), options: [{ label: t('Lựa chọn 1', 'Option 1'), next: next }] };
      case 'ask':
        return { type: type, text: t('Anh/chị vui lòng nhập …', 'Please type …'), var: 'answer', validate: 'text', next: next };
      case 'branch':
        return { type: type, cases: [{ if: { var: 'answer', equals: 'có' }, next: next }], else: next };
      case 'lookup':
        return { type: type, text: t('Anh/chị cần làm thủ tục gì?', 'Which procedure do you need?'), var: 'procedure', next: next };
      case 'handoff':
        return { type: type };
      case 'end':
        return { type: type, text: t('Cảm ơn anh/chị.', 'Thank you.') };
      case 'goto':
        return { type: type, flow: 'main-menu' };
      default:
        return { type: type };
    }
  };

  // ---- rendering
  function render() {
    renderList();
    renderStep();
    renderAdd();
  }

  function renderList() {
    stepList.textContent = '';
    if (!flow) {
      stepList.append(el('p', { class: 'muted', text: 'Nội dung YAML đang có lỗi cú pháp: sửa trong thẻ "Nâng cao (YAML)" để dùng lại biểu mẫu.' }));
      return;
    }
    const ul = el('ul', { class: 'step-list' });
    stepIds().forEach((id) => {
      const s = steps()[id];
      ul.append(
        el(
          'li',
          {},
          el('button', { type: 'button', 'aria-pressed': String(id === selected), 'data-step': id, onclick: () => select(id) }, el('b', { text: id }), ' — ' + (typeName[s.type] || s.type) + (id === flow.start ? ' (bước bắt đầu)' : '')),
        ),
      );
    });
    stepList.append(ul);
  }

  function renderStep() {
    stepForm.textContent = '';
    const s = selected && steps()[selected];
    if (!s) {
      selected = null;
      return;
    }
    const id = selected;
    const base = ['steps', id];
    const ids = stepIds();
    const index = ids.indexOf(id);
    const parts = [];
    parts.push(el('h3', { tabindex: '-1', text: 'Bước ' + id + ' — ' + (typeName[s.type] || s.type) }));
    const help = (meta.types || []).find((t) => t.type === s.type);
    if (help && help.help) parts.push(el('p', { class: 'muted', text: help.help }));
    parts.push(
      el(
        'div',
        { class: 'item-buttons' },
        id === flow.start ? el('span', { class: 'tag', text: 'Bước bắt đầu' }) : el('button', { type: 'button', class: 'small', text: 'Đặt làm bước bắt đầu', onclick: () => edit([{ op: 'set', path: ['start'], value: id }], true) }),
        el('button', { type: 'button', class: 'small', disabled: index === 0, text: 'Chuyển bước lên', onclick: () => edit([{ op: 'move', path: ['steps'], from: index, to: index - 1 }], true) }),
        el('button', { type: 'button', class: 'small', disabled: index === ids.length - 1, text: 'Chuyển bước xuống', onclick: () => edit([{ op: 'move', path: ['steps'], from: index, to: index + 1 }], true) }),
        el('button', {
          type: 'button',
          class: 'small danger',
          disabled: ids.length === 1,
          text: 'Xoá bước này',
          onclick: () => {
            selected = null;
            edit([{ op: 'delete', path: base }], true);
          },
        }),
      ),
    );
    switch (s.type) {
      case 'say': {
        const msgs = Array.isArray(s.messages) ? s.messages : [];
        msgs.forEach((m, i) => parts.push(el('div', { class: 'item' }, bilingual('Tin nhắn ' + (i + 1), base.concat('messages', i), m), itemButtons(base.concat('messages'), i, msgs.length, 'tin nhắn'))));
        parts.push(el('button', { type: 'button', class: 'small', text: '+ Thêm tin nhắn', onclick: () => edit([{ op: 'insert', path: base.concat('messages'), value: { vi: 'Nội dung tin nhắn.', en: 'Message text.' } }], true) }));
        parts.push(linkFields(base.concat('link'), s.link));
        parts.push(nextField(base.concat('next'), s.next));
        break;
      }
      case 'choose': {
        parts.push(bilingual('Câu hỏi', base.concat('text'), s.text));
        const opts = Array.isArray(s.options) ? s.options : [];
        opts.forEach((o, i) =>
          parts.push(
            el(
              'div',
              { class: 'item' },
              bilingual('Lựa chọn ' + (i + 1), base.concat('options', i, 'label'), o && o.label),
              nextField(base.concat('options', i, 'next'), o && o.next, 'Chọn lựa chọn ' + (i + 1) + ' thì sang bước'),
              itemButtons(base.concat('options'), i, opts.length, 'lựa chọn'),
            ),
          ),
        );
        if (opts.length < 10) parts.push(el('button', { type: 'button', class: 'small', text: '+ Thêm lựa chọn', onclick: () => edit([{ op: 'insert', path: base.concat('options'), value: { label: { vi: 'Lựa chọn ' + (opts.length + 1), en: 'Option ' + (opts.length + 1) }, next: firstEnd() } }], true) }));
        parts.push(linkFields(base.concat('link'), s.link));
        break;
      }
      case 'ask':
        parts.push(bilingual('Câu hỏi', base.concat('text'), s.text));
        parts.push(textField('Tên biến lưu câu trả lời', base.concat('var'), s.var, { multi: false }));
        parts.push(selectField('Kiểm tra câu trả lời bằng', base.concat('validate'), s.validate, (meta.validators || []).map((v) => ({ value: v, label: v }))));
        if (s.validate === 'pattern') parts.push(textField('Biểu thức chính quy (pattern)', base.concat('pattern'), s.pattern, { multi: false, optional: true }));
        if (s.validate === 'number' || s.validate === 'text') {
          parts.push(textField('Nhỏ nhất (min)', base.concat('min'), s.min, { multi: false, number: true }));
          parts.push(textField('Lớn nhất (max)', base.concat('max'), s.max, { multi: false, number: true }));
        }
        parts.push(s.hint ? bilingual('Lời nhắc khi trả lời sai', base.concat('hint'), s.hint, true) : el('button', { type: 'button', class: 'small', text: '+ Thêm lời nhắc khi trả lời sai', onclick: () => edit([{ op: 'set', path: base.concat('hint'), value: { vi: 'Anh/chị vui lòng nhập lại.', en: 'Please try again.' } }], true) }));
        parts.push(nextField(base.concat('next'), s.next));
        break;
      case 'lookup':
        parts.push(bilingual('Câu hỏi', base.concat('text'), s.text));
        parts.push(textField('Tên biến lưu thủ tục', base.concat('var'), s.var, { multi: false }));
        parts.push(nextField(base.concat('next'), s.next));
        break;
      case 'branch': {
        const cases = Array.isArray(s.cases) ? s.cases : [];
        cases.forEach((c, i) => {
          const cond = (c && c.if) || {};
          parts.push(
            el(
              'fieldset',
              { class: 'item' },
              el('legend', { text: 'Trường hợp ' + (i + 1) }),
              textField('Biến', base.concat('cases', i, 'if', 'var'), cond.var, { multi: false }),
              textField('Bằng giá trị', base.concat('cases', i, 'if', 'equals'), cond.equals, { multi: false, optional: true }),
              nextField(base.concat('cases', i, 'next'), c && c.next, 'Đúng thì sang bước'),
              itemButtons(base.concat('cases'), i, cases.length, 'trường hợp'),
            ),
          );
        });
        parts.push(el('button', { type: 'button', class: 'small', text: '+ Thêm trường hợp', onclick: () => edit([{ op: 'insert', path: base.concat('cases'), value: { if: { var: 'answer', equals: 'có' }, next: firstEnd() } }], true) }));
        parts.push(nextField(base.concat('else'), s.else, 'Không trường hợp nào đúng thì sang bước'));
        break;
      }
      case 'handoff':
        parts.push(s.text ? bilingual('Lời nhắn thêm', base.concat('text'), s.text, true) : el('button', { type: 'button', class: 'small', text: '+ Thêm lời nhắn', onclick: () => edit([{ op: 'set', path: base.concat('text'), value: { vi: 'Anh/chị chờ cán bộ một chút.', en: 'Please wait for a staff member.' } }], true) }));
        break;
      case 'end':
        parts.push(bilingual('Lời chào cuối', base.concat('text'), s.text));
        parts.push(checkbox('Xin đánh giá 1–5 sao', base.concat('csat'), s.csat));
        parts.push(checkbox('Hỏi trợ lý có giúp đỡ phải đi lại, gọi điện không', base.concat('containment'), s.containment));
        break;
      case 'goto':
        parts.push(selectField('Sang luồng', base.concat('flow'), s.flow, (meta.flows || []).map((f) => ({ value: f, label: f }))));
        break;
      default:
        parts.push(el('p', { text: 'Loại bước này chỉ sửa được trong thẻ "Nâng cao (YAML)".' }));
    }
    stepForm.append(el('div', { class: 'card step' }, parts));
  }

  function renderAdd() {
    addStep.textContent = '';
    if (!flow) return;
    const typeId = nextId();
    const idId = nextId();
    const type = el('select', { id: typeId });
    (meta.types || []).forEach((t) => type.append(el('option', { value: t.type, text: t.name + ' (' + t.type + ')' })));
    const newId = el('input', { id: idId, pattern: '[a-z][a-z0-9_-]{0,39}', autocomplete: 'off' });
    const status = el('p', { role: 'status', class: 'muted' });
    const add = () => {
      const id = newId.value.trim();
      if (!/^[a-z][a-z0-9_-]{0,39}$/.test(id)) {
        status.textContent = 'Mã bước gồm chữ thường không dấu, số, _ hoặc -, bắt đầu bằng chữ (ví dụ: hoi_giay_to).';
        return;
      }
      if (steps()[id]) {
        status.textContent = 'Đã có bước "' + id + '".';
        return;
      }
      selected = id;
      edit([{ op: 'set', path: ['steps', id], value: template(type.value) }], true);
    };
    newId.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        add();
      }
    });
    addStep.append(
      el(
        'fieldset',
        { class: 'add-step' },
        el('legend', { text: 'Thêm bước mới' }),
        el('div', { class: 'field' }, el('label', { for: typeId, text: 'Loại bước' }), type),
        el('div', { class: 'field' }, el('label', { for: idId, text: 'Mã bước mới' }), newId),
        el('button', { type: 'button', id: 'add-step-button', text: 'Thêm bước', onclick: add }),
        status,
      ),
    );
  }

  // ---- start
  wireDiagram();
  show('form');
  edit([], true, true);
  if (!errorsBox.hidden && errorsBox.textContent.trim()) errorsBox.focus();
})();
