// Web chat client: no build step. Keeps the conversation in localStorage so it survives reloads.
// Who the citizen is lives in an HttpOnly cookie the server issues; this script never sees it.
(function () {
  'use strict';
  var LOG_KEY = 'dvc.log', MAX_LOG = 200;
  var log = document.getElementById('log');
  var form = document.getElementById('form');
  var input = document.getElementById('input');
  // Framed by a portal of another site, the browser may refuse storage: keep the log in memory then.
  var store = null;
  try { store = window.localStorage; store.removeItem('dvc.sid'); } catch (e) { store = null; }
  var history = [];
  try { history = JSON.parse((store && store.getItem(LOG_KEY)) || '[]'); } catch (e) { history = []; }

  function save() { try { if (store) store.setItem(LOG_KEY, JSON.stringify(history.slice(-MAX_LOG))); } catch (e) { /* full or refused */ } }
  function linkify(el, text) {
    // Render URLs as links without using innerHTML (citizen text is never trusted).
    var parts = text.split(/(https?:\/\/[^\s)]+)/g);
    parts.forEach(function (p, i) {
      if (i % 2 === 1) { var a = document.createElement('a'); a.href = p; a.textContent = p; a.target = '_blank'; a.rel = 'noopener'; el.appendChild(a); }
      else el.appendChild(document.createTextNode(p));
    });
  }
  function render(entry, live) {
    var li = document.createElement('li');
    li.className = 'msg ' + entry.who;
    linkify(li, entry.text);
    if (entry.link) {
      var p = document.createElement('div');
      var a = document.createElement('a'); a.href = entry.link.url; a.textContent = entry.link.label; a.target = '_blank'; a.rel = 'noopener';
      p.appendChild(a); li.appendChild(p);
    }
    if (entry.options && entry.options.length && live) {
      var box = document.createElement('div'); box.className = 'options';
      entry.options.forEach(function (o) {
        var b = document.createElement('button'); b.type = 'button'; b.textContent = o.label;
        b.addEventListener('click', function () { send(o.id, o.label); });
        box.appendChild(b);
      });
      li.appendChild(box);
    }
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }
  function redraw() {
    log.textContent = '';
    history.forEach(function (e, i) { render(e, i === history.length - 1); });
  }
  function addBot(replies) {
    replies.forEach(function (r) { history.push({ who: 'bot', text: r.text, options: r.options, link: r.link }); });
    save(); redraw();
  }
  var busy = false;
  function send(text, shown, restart) {
    if (busy || !text.trim()) return;
    busy = true;
    history.push({ who: 'me', text: shown || text }); save(); redraw();
    var t = document.createElement('li'); t.className = 'msg bot typing'; t.textContent = '…'; log.appendChild(t);
    fetch('/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify(restart ? { text: text, restart: true } : { text: text }) })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) { addBot(res.ok ? res.body.replies : [{ text: res.body.error || 'Có lỗi xảy ra, anh/chị vui lòng thử lại.' }]); })
      .catch(function () { addBot([{ text: 'Không kết nối được máy chủ. Anh/chị vui lòng kiểm tra mạng và thử lại.' }]); })
      .then(function () { busy = false; input.focus(); });
  }
  form.addEventListener('submit', function (ev) { ev.preventDefault(); var v = input.value; input.value = ''; send(v); });
  document.getElementById('reset').addEventListener('click', function () {
    history = []; save(); redraw(); send('menu', 'Menu', true);
  });
  // Staff replies in a handed-over conversation arrive by polling.
  setInterval(function () {
    if (document.hidden || busy) return;
    fetch('/api/chat/poll', { credentials: 'same-origin' }).then(function (r) { return r.json(); })
      .then(function (b) { if (b.replies && b.replies.length) addBot(b.replies); }).catch(function () {});
  }, 5000);
  redraw();
  if (!history.length) send('menu', 'Xin chào');
})();
