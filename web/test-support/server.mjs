// web/test-support/server.mjs — the browser tests' server on 127.0.0.1 (random free port).
//
// Serves the built dist/ at /dist/, pages registered by a test at /p/<n>.html (optionally with
// a Content-Security-Policy), and a rating endpoint at /v1/ratings that behaves like the
// collector's (one record or an array; per-record {status}; `rating_id`+`revision`+`final`
// de-duplicated; CORS for any origin with Retry-After exposed). Every request that reaches the
// endpoint is recorded in `arrivals` — tests assert on those, not on the widget's internals.
//
// Pages are served from http://127.0.0.1:PORT and the endpoint is usually addressed as
// http://localhost:PORT (`server.endpoint`): a cross-origin endpoint, as on a real site, so a
// preflight would show up in `arrivals` as an OPTIONS request.
//
// Like the collector (docs/programme.md): `disabled = true` makes /v1/ratings answer `403
// ratings_disabled`; GET /v1/sessions/{id}/events?key= is a Server-Sent Events stream of the
// session's `rating-requested` events, pushed by `request(sessionId, data)`, replayed after
// `Last-Event-ID` on reconnect; `streams` lists every stream opened (and whether it is open).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html; charset=utf-8', '.json': 'application/json', '.css': 'text/css' };

export async function startServer({ writeKey = 'pk_test', dist = join(repoRoot, 'dist') } = {}) {
  const pages = new Map();
  const arrivals = [];
  const stored = new Map(); // rating_id|revision|final -> body text
  const files = new Map(); // extra static files: path -> {type, body}
  let n = 0;
  const streams = []; // {session, key, lastEventId, origin, res, open}
  const requests = []; // {id, session, data}
  let eventId = 0;
  const sse = (res, r) => res.write(`id: ${r.id}\nevent: rating-requested\ndata: ${JSON.stringify(r.data)}\n\n`);

  function cors(req, res) {
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    }
  }

  async function ratings(req, res, url) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    const arrival = {
      at: Date.now(),
      method: req.method,
      path: url.pathname,
      key: url.searchParams.get('key'),
      contentType: req.headers['content-type'] || '',
      authorization: req.headers.authorization || null,
      origin: req.headers.origin || null,
      secFetchMode: req.headers['sec-fetch-mode'] || null,
      headers: req.headers,
      body,
    };
    arrivals.push(arrival);
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type, Authorization' });
      return res.end();
    }
    if (req.method !== 'POST') { res.writeHead(405); return res.end(); }
    if (arrival.key !== writeKey) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: 'bad key' }));
    }
    if (api.disabled) {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ errors: [{ path: '', code: 'ratings_disabled', message: 'ratings are switched off' }] }));
    }
    let parsed;
    try { parsed = JSON.parse(body); } catch {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ results: [{ status: 'invalid', errors: [{ code: 'invalid_json' }] }] }));
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const results = list.map((r) => {
      const id = `${r.rating_id}|${r.revision}|${r.final ? 'f' : 'n'}`;
      const text = JSON.stringify(r);
      let status = 'accepted';
      if (stored.has(id)) status = 'duplicate';
      else stored.set(id, text);
      return { rating_id: r.rating_id, revision: r.revision, status };
    });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ results }));
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    try {
      if (url.pathname === '/v1/ratings') return await ratings(req, res, url);
      const ev = url.pathname.match(/^\/v1\/sessions\/([^/]+)\/events$/);
      if (ev) {
        cors(req, res);
        const s = { session: decodeURIComponent(ev[1]), key: url.searchParams.get('key'), origin: req.headers.origin || null,
          lastEventId: req.headers['last-event-id'] || null, res, open: true };
        streams.push(s);
        if (s.key !== writeKey) { res.writeHead(401); return res.end(); }
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
        res.write('retry: 300\n\n');
        const after = Number(s.lastEventId);
        if (s.lastEventId) for (const r of requests) if (r.session === s.session && r.id > after) sse(res, r);
        req.on('close', () => { s.open = false; });
        return;
      }
      if (pages.has(url.pathname)) {
        const p = pages.get(url.pathname);
        const headers = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' };
        if (p.csp) headers['Content-Security-Policy'] = p.csp;
        res.writeHead(200, headers);
        return res.end(p.html);
      }
      if (files.has(url.pathname)) {
        const f = files.get(url.pathname);
        cors(req, res);
        res.writeHead(200, { 'Content-Type': f.type, 'Cache-Control': 'no-store' });
        return res.end(f.body);
      }
      if (url.pathname.startsWith('/dist/')) {
        const file = resolve(dist, '.' + url.pathname.slice(5));
        if (!file.startsWith(dist)) { res.writeHead(403); return res.end(); }
        const data = await readFile(file);
        res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' });
        return res.end(data);
      }
      if (url.pathname === '/favicon.ico') { res.writeHead(204); return res.end(); }
      res.writeHead(404); res.end();
    } catch {
      res.writeHead(404); res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const origin = `http://127.0.0.1:${port}`;
  const sockets = new Set();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });

  const api = {
    port,
    origin,
    /** The endpoint as another origin (localhost vs 127.0.0.1): requests are cross-origin. */
    endpoint: `http://localhost:${port}/v1/ratings`,
    sameOriginEndpoint: `${origin}/v1/ratings`,
    writeKey,
    arrivals,
    stored,
    /** Registers a page; returns its URL. */
    page(html, { csp } = {}) {
      const path = `/p/${++n}.html`;
      pages.set(path, { html, csp });
      return origin + path;
    },
    file(path, type, body) {
      files.set(path, { type, body });
      return origin + path;
    },
    /** POSTs that reached the endpoint (parsed bodies). */
    posts() {
      return arrivals.filter((a) => a.method === 'POST').map((a) => ({ ...a, record: safeParse(a.body) }));
    },
    /** Distinct stored records, as parsed objects. */
    records() {
      return [...stored.values()].map((t) => JSON.parse(t));
    },
    reset() {
      arrivals.length = 0;
      stored.clear();
    },
    disabled: false,
    streams,
    /** Sends a rating request to every open stream of `session`; returns its event id. */
    request(session, data) {
      const r = { id: ++eventId, session, data };
      requests.push(r);
      for (const s of streams) if (s.open && s.session === session && s.key === writeKey) sse(s.res, r);
      return r.id;
    },
    /** Ends the open streams of `session` (the browser reconnects with Last-Event-ID). */
    dropStreams(session) {
      for (const s of streams) if (s.open && s.session === session) { s.open = false; s.res.end(); }
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
  return api;
}

function safeParse(t) {
  try { return JSON.parse(t); } catch { return null; }
}
