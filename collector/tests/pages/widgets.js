// Test page for the browser tests (collector/tests/e2e-v2.test.mjs), mounted at /t/: N inline
// <session-rating> elements of one session, each with subject-id "subject-I", built from the
// query string (session, key, n, config as JSON). body[data-delivered] counts rating-delivered.
(function () {
  const p = new URLSearchParams(location.search);
  let delivered = 0;
  document.addEventListener('rating-delivered', () => {
    delivered += 1;
    document.body.dataset.delivered = String(delivered);
  });
  document.addEventListener('DOMContentLoaded', () => {
    const n = Number(p.get('n') || 1);
    for (let i = 1; i <= n; i += 1) {
      const li = document.createElement('li');
      const el = document.createElement('session-rating');
      el.id = `w${i}`;
      el.setAttribute('session-id', p.get('session'));
      el.setAttribute('subject-id', `subject-${i}`);
      el.setAttribute('endpoint', '/v1/ratings');
      el.setAttribute('write-key', p.get('key') || '');
      el.setAttribute('mode', 'inline');
      el.setAttribute('config', p.get('config') || '{}');
      li.append(el);
      document.getElementById('slots').append(li);
    }
  });
})();
