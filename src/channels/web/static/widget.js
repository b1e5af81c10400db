// Embed the assistant in any portal page: <script src="https://<host>/widget.js" async></script>
(function () {
  'use strict';
  var me = document.currentScript;
  var origin = me ? new URL(me.src).origin : '';
  var open = false;
  var btn = document.createElement('button');
  btn.type = 'button';
  btn.textContent = 'Hỏi trợ lý dịch vụ công';
  btn.setAttribute('aria-expanded', 'false');
  btn.style.cssText = 'position:fixed;right:16px;bottom:16px;z-index:2147483000;padding:12px 16px;border:0;border-radius:24px;background:#b3261e;color:#fff;font:600 15px system-ui,sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer';
  var frame = document.createElement('iframe');
  frame.title = 'Trợ lý dịch vụ công';
  frame.src = origin + '/';
  frame.style.cssText = 'position:fixed;right:16px;bottom:72px;z-index:2147483000;width:min(380px,calc(100vw - 32px));height:min(600px,calc(100vh - 96px));border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);display:none;background:#fff';
  btn.addEventListener('click', function () {
    open = !open;
    frame.style.display = open ? 'block' : 'none';
    btn.setAttribute('aria-expanded', String(open));
  });
  function mount() { document.body.appendChild(frame); document.body.appendChild(btn); }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();
