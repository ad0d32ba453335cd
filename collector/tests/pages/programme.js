// Test page for collector/tests/programme-e2e.test.mjs, mounted at /t/: the script tag in popup
// mode, built from the query string — session, key, agent, config (inline JSON) or config-url,
// listen (present: data-listen), auto-open. Every rating-* event goes into window.__events.
(function () {
  const p = new URLSearchParams(location.search);
  window.__events = [];
  for (const t of ['rating-submit', 'rating-delivered', 'rating-error', 'rating-suppressed', 'rating-requested', 'rating-dismiss']) {
    document.addEventListener(t, (e) => window.__events.push({ type: t, detail: e.detail, at: Date.now() }));
  }
  const s = document.createElement('script');
  s.src = '/dist/session-rating.js';
  s.async = true;
  const data = { 'session-id': p.get('session'), endpoint: '/v1/ratings', 'write-key': p.get('key') || '', mode: 'popup' };
  if (p.get('agent')) data['agent-id'] = p.get('agent');
  if (p.get('config')) data.config = p.get('config');
  if (p.get('config-url')) data['config-url'] = p.get('config-url');
  if (p.has('listen')) data.listen = '';
  if (p.get('auto-open')) data['auto-open'] = p.get('auto-open');
  for (const [k, v] of Object.entries(data)) s.setAttribute(`data-${k}`, v);
  document.head.append(s);
})();
