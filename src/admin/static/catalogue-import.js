// Catalogue page: a picked file is sent as it is (its bytes unchanged, no form encoding), so a
// whole catalogue export imports back exactly; pasted text still goes through the plain form.
(() => {
  const form = document.getElementById('import-form');
  const file = document.getElementById('import-file');
  const status = document.getElementById('import-status');
  if (!form || !file) return;

  form.addEventListener('submit', async (e) => {
    const f = file.files && file.files[0];
    if (!f) return; // no file: the form posts the pasted text
    e.preventDefault();
    const mode = (form.querySelector('input[name=mode]:checked') || {}).value || 'merge';
    const button = form.querySelector('button');
    if (button) button.disabled = true;
    status.textContent = `Đang kiểm tra và nhập tệp ${f.name}…`;
    try {
      const res = await fetch(`/admin/catalogue/import-file?mode=${encodeURIComponent(mode)}&filename=${encodeURIComponent(f.name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': form.elements._csrf.value },
        body: f,
        redirect: 'manual',
      });
      // Imported: the server redirects back to this page with the result in a notice.
      if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
        location.assign('/admin/catalogue');
        return;
      }
      // Bad rows (or another refusal): show the server's page with every error.
      const page = await res.text();
      document.open();
      document.write(page);
      document.close();
    } catch {
      status.textContent = 'Không gửi được tệp. Anh/chị kiểm tra kết nối mạng rồi thử lại.';
      if (button) button.disabled = false;
    }
  });
})();
