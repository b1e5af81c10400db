// Live inbox: one server-sent event stream per admin page (/admin/inbox/events). Each event
// carries only a handoff id, its kind and the waiting count; the page then fetches the parts
// that changed as HTML fragments (the list, or the open conversation's transcript and state)
// and swaps them in, so the HTML is still rendered in one place, on the server.
// Also: canned replies fill the reply box.
(function () {
  'use strict';

  const badge = document.getElementById('waiting');
  const list = document.querySelector('[data-live=list]');
  const conversation = document.querySelector('[data-live=conversation]');
  const transcript = document.getElementById('transcript');

  const toBottom = () => {
    if (transcript) transcript.scrollTop = transcript.scrollHeight;
  };
  toBottom();

  const pick = document.getElementById('canned-pick');
  const replyText = document.getElementById('reply-text');
  if (pick && replyText) {
    pick.addEventListener('change', () => {
      if (!pick.value) return;
      replyText.value = replyText.value.trim() ? replyText.value.replace(/\s*$/, '\n') + pick.value : pick.value;
      pick.value = '';
      replyText.focus();
    });
  }

  // Fetches the fragment at `url` and replaces each element with `id` by its fresh copy.
  let busy = null;
  let again = false;
  const refresh = (url, ids) => {
    if (busy) {
      again = true;
      return busy;
    }
    busy = fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
      .then((r) => (r.ok ? r.text() : null))
      .then((text) => {
        if (!text) return;
        const doc = new DOMParser().parseFromString(text, 'text/html');
        ids.forEach((id) => {
          const now = document.getElementById(id);
          const fresh = doc.getElementById(id);
          if (now && fresh) now.innerHTML = fresh.innerHTML;
        });
        if (ids.indexOf('transcript') >= 0) toBottom();
      })
      .catch(() => undefined)
      .then(() => {
        busy = null;
        if (again) {
          again = false;
          refresh(url, ids);
        }
      });
    return busy;
  };

  if (!badge || typeof EventSource === 'undefined') return;
  const source = new EventSource('/admin/inbox/events');
  source.addEventListener('handoff', (e) => {
    let change;
    try {
      change = JSON.parse(e.data);
    } catch (_) {
      return;
    }
    badge.textContent = String(change.waiting);
    if (list) refresh('/admin/inbox/list.html' + location.search, ['inbox-list']);
    else if (conversation && conversation.dataset.id === change.id) {
      refresh('/admin/inbox/' + encodeURIComponent(change.id) + '/live.html', ['transcript', 'handoff-state']);
    }
  });
  window.addEventListener('pagehide', () => source.close());
})();
