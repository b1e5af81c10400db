// Admin pages: live test chat on the flow editor, reading an import file into the form,
// and keeping the "waiting" badge fresh. Everything works without it except the test chat.
(function () {
  'use strict';

  const chat = document.getElementById('test-chat');
  if (chat) {
    const log = document.getElementById('test-log');
    const input = document.getElementById('test-input');
    const yaml = document.getElementById('yaml');
    let state = null;
    const add = (who, text, options) => {
      const li = document.createElement('div');
      li.className = 'msg ' + who;
      li.textContent = text;
      log.appendChild(li);
      if (options && options.length) {
        const row = document.createElement('div');
        row.className = 'options';
        options.forEach((o) => {
          const b = document.createElement('button');
          b.type = 'button';
          b.textContent = o.label;
          b.addEventListener('click', () => say(o.label));
          row.appendChild(b);
        });
        log.appendChild(row);
      }
      log.scrollTop = log.scrollHeight;
    };
    const say = async (text) => {
      if (text) add('citizen', text);
      try {
        const res = await fetch('/admin/flows/' + encodeURIComponent(chat.dataset.flow) + '/test', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': chat.dataset.csrf },
          body: JSON.stringify({ yaml: yaml.value, state: state, text: text || '' }),
        });
        const body = await res.json();
        if (!res.ok) {
          add('error', body.error + (body.errors ? ' ' + body.errors.map((e) => (e.stepId ? e.stepId + ': ' : '') + e.message).join('; ') : ''));
          return;
        }
        state = body.state;
        body.replies.forEach((r) => add('bot', r.text + (r.link ? '\n🔗 ' + r.link.label + ': ' + r.link.url : ''), r.options));
        if (body.ended) add('note', '(Luồng kết thúc — bấm "Bắt đầu lại" để thử lại)');
        else add('note', 'bước: ' + body.step);
      } catch (e) {
        add('error', 'Không gọi được máy chủ: ' + e.message);
      }
    };
    document.getElementById('test-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const t = input.value.trim();
      input.value = '';
      if (!state) {
        log.textContent = '';
        say('');
      } else if (t) say(t);
    });
    document.getElementById('test-restart').addEventListener('click', () => {
      state = null;
      log.textContent = '';
      say('');
    });
  }

  const file = document.getElementById('import-file');
  if (file) {
    file.addEventListener('change', () => {
      const f = file.files && file.files[0];
      if (!f) return;
      document.getElementById('import-filename').value = f.name;
      f.text().then((t) => (document.getElementById('import-content').value = t));
    });
  }

  // The message after a form (saved, or what went wrong) gets focus, so a screen reader reads it
  // and a keyboard user starts from it.
  const flash = document.querySelector('.flash');
  if (flash) flash.focus();

  const badge = document.getElementById('waiting');
  if (badge) {
    setInterval(() => {
      fetch('/admin/inbox/count.json')
        .then((r) => (r.ok ? r.json() : null))
        .then((b) => b && (badge.textContent = String(b.waiting)))
        .catch(() => undefined);
    }, 30000);
  }

  const area = document.getElementById('yaml');
  if (area) {
    area.addEventListener('keydown', (e) => {
      if (e.key !== 'Tab') return;
      e.preventDefault();
      const s = area.selectionStart;
      area.setRangeText('  ', s, area.selectionEnd, 'end');
    });
  }
})();
