// Shared by the fault tests (faults*.test.mjs, web/test/browser/hostile.test.mjs): a small
// HTTP server on 127.0.0.1 that is the page's origin — it serves a test page and dist/ — and
// stands between the browser and the real collector for POST /v1/ratings, where a test turns
// faults on: the collector down (the connection is cut), 500s for the first k tries of each
// record, the answer lost after the collector committed (connection cut after the collector's
// 2xx), or requests held without an answer. It counts every attempt per record at the wire.
import { createServer, request } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { ROOT, admin } from './helpers.mjs';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html; charset=utf-8' };

// The test page: `n` inline <session-rating> elements (subject-i) of one session, posting to
// this server's /v1/ratings. It counts delivered / error events, window errors and unhandled
// rejections in body data attributes, so the test reads them after the fact.
export const PAGE_JS = `(function () {
  var p = new URLSearchParams(location.search), b = document.body || document.documentElement;
  window.__sr = { delivered: 0, errors: [], pageErrors: 0 };
  addEventListener('error', function () { window.__sr.pageErrors++; });
  addEventListener('unhandledrejection', function () { window.__sr.pageErrors++; });
  document.addEventListener('rating-delivered', function () { window.__sr.delivered++; });
  document.addEventListener('rating-error', function (e) { window.__sr.errors.push(e.detail && e.detail.code); });
  function build() {
    var n = Number(p.get('n') || 1), slots = document.getElementById('slots');
    for (var i = 1; i <= n; i++) {
      var el = document.createElement('session-rating');
      el.id = 'w' + i;
      el.setAttribute('session-id', p.get('session'));
      el.setAttribute('subject-id', 'subject-' + i);
      el.setAttribute('endpoint', p.get('endpoint') || '/v1/ratings');
      el.setAttribute('write-key', p.get('key') || '');
      el.setAttribute('mode', 'inline');
      el.setAttribute('config', p.get('config') || '{"scale":"stars"}');
      slots.appendChild(el);
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', build); else build();
})();`;

export function pageHtml({ nonce = '', head = '' } = {}) {
  const n = nonce ? ` nonce="${nonce}"` : '';
  // No data: favicon under a CSP page (img-src 'none' would report it as a violation).
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${nonce ? '' : '<link rel="icon" href="data:,">'}
<title>fault test page</title>${head}
<script${n} src="/dist/session-rating.js" async></script>
<script${n} src="/f/page.js" defer></script></head><body><div id="slots"></div></body></html>`;
}

// Starts the server. `target()` is the collector's base URL, or null while it is down.
// `pages` maps extra paths to {body, headers} (the hostile tests' CSP pages).
export async function faultServer(t, { target, pages = {} }) {
  const attempts = new Map();   // record key (rating_id|revision|final) → POSTs seen
  const beacons = new Map();    // same, those sent by sendBeacon (sec-fetch-mode: no-cors)
  const acked = new Map();      // same, 2xx answers that reached the browser
  const s = {
    attempts, beacons, acked, pages,
    fail500: 0,   // the first k tries of each record are answered 500 (not forwarded)
    cutAfter: 0,  // the first k tries of each record are forwarded, then the answer is cut
    hold: false,  // requests are accepted and never answered (until released)
    held: [],
    total: () => [...attempts.values()].reduce((a, b) => a + b, 0),
    reset() { attempts.clear(); beacons.clear(); acked.clear(); },
    release() { for (const r of s.held.splice(0)) r.destroy(); },
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET') {
      if (s.pages[url.pathname]) {
        const pg = s.pages[url.pathname];
        res.writeHead(200, { 'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store', ...pg.headers });
        return res.end(pg.body);
      }
      if (url.pathname === '/f/page.html') {
        res.writeHead(200, { 'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store' });
        return res.end(pageHtml());
      }
      if (url.pathname === '/f/page.js') {
        res.writeHead(200, { 'Content-Type': TYPES['.js'] });
        return res.end(PAGE_JS);
      }
      if (url.pathname.startsWith('/dist/') && !url.pathname.includes('..')) {
        const file = join(ROOT, url.pathname);
        if (existsSync(file)) {
          res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
          return res.end(readFileSync(file));
        }
      }
      res.writeHead(404);
      return res.end();
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/ratings') { res.writeHead(404); return res.end(); }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let key = 'unreadable';
      try {
        const r = JSON.parse(body.toString('utf8'));
        key = `${r.rating_id}|${r.revision}|${r.final ? 'f' : 'n'}`;
      } catch { /* counted as unreadable */ }
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (req.headers['sec-fetch-mode'] === 'no-cors') beacons.set(key, (beacons.get(key) ?? 0) + 1);
      if (s.hold) { s.held.push(req.socket); return; }
      if (n <= s.fail500) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        return res.end('{"errors":[{"path":"","code":"internal_error","message":"injected"}]}');
      }
      const base = target();
      if (!base) { req.socket.destroy(); return; } // the collector is down: the connection drops
      const up = request(`${base}${url.pathname}${url.search}`, {
        method: 'POST',
        headers: { 'Content-Type': req.headers['content-type'] ?? 'text/plain', 'Content-Length': body.length },
      }, (ur) => {
        const out = [];
        ur.on('data', (c) => out.push(c));
        ur.on('end', () => {
          // Lost acknowledgement: the collector has committed and answered; the browser never hears it.
          if (n <= s.cutAfter) { req.socket.destroy(); return; }
          const h = { 'Content-Type': ur.headers['content-type'] ?? 'application/json' };
          if (ur.headers['retry-after']) h['Retry-After'] = ur.headers['retry-after'];
          if (ur.statusCode < 300) acked.set(key, (acked.get(key) ?? 0) + 1);
          res.writeHead(ur.statusCode, h);
          res.end(Buffer.concat(out));
        });
      });
      up.on('error', () => req.socket.destroy()); // refused / reset while going down
      up.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${server.address().port}`;
  s.close = () => new Promise((r) => { s.release(); server.closeAllConnections?.(); server.close(r); });
  t.after(() => s.close());
  return s;
}

// Every stored rating (latest revision each) of a session, through GET /v1/ratings.
export async function storedRatings(server, sessionId) {
  const out = [];
  let cursor = null;
  for (;;) {
    const q = `/v1/ratings?session_id=${encodeURIComponent(sessionId)}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`;
    const r = await admin(server, q);
    if (r.status !== 200) throw new Error(`GET ${q}: ${r.status} ${r.text}`);
    out.push(...r.json.ratings);
    if (!r.json.next_cursor) return out;
    cursor = r.json.next_cursor;
  }
}

// Every stored revision (the export), one record per line.
export async function exported(server) {
  const r = await admin(server, '/v1/export.jsonl');
  if (r.status !== 200) throw new Error(`export: ${r.status}`);
  return r.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

// Date.now and new Date() shifted by `offsetMs` in the page (a client clock that is wrong).
export function skewClock(offsetMs) {
  return `(() => { const D = Date, now = D.now.bind(D), off = ${Number(offsetMs)};
    class SkewedDate extends D { constructor(...a) { if (a.length) super(...a); else super(now() + off); }
      static now() { return now() + off; } }
    globalThis.Date = SkewedDate; })();`;
}
