// The HTTP layer against hostile clients (issue 10), on the real binary on 127.0.0.1: slow and
// idle connections, bodies that are never meant to be read, gzip bombs, Range lists, header
// smuggling, the connection cap and SIGTERM with slow clients held. Each of these failed on
// the cpp-httplib server (thread per connection, body read before the checks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector as start, record, post, tempDir, WRITE_KEY, ADMIN_TOKEN } from './helpers.mjs';

// The raw requests below name the collector `x` or `collector.example` in Host: names it is
// configured for (issue 13: every other Host is 421 unknown_host, see security.test.mjs).
const startCollector = (t, opts = {}) => start(t, {
  ...opts, args: ['--public-host', 'x', '--public-host', 'collector.example', ...(opts.args ?? [])],
});

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

function connect(port) {
  return new Promise((res, rej) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => res(s));
    s.once('error', rej);
  });
}

// Sends `data` on a new connection and collects the answer until the server closes or
// `wait` ms pass. { status, head, body, text, closed }.
async function raw(port, data, { wait = 3000 } = {}) {
  const s = await connect(port);
  let buf = Buffer.alloc(0);
  let closed = false;
  s.on('data', (d) => { buf = Buffer.concat([buf, d]); });
  s.on('error', () => {});
  const done = new Promise((res) => s.on('close', () => { closed = true; res(); }));
  s.write(data);
  await Promise.race([done, sleep(wait)]);
  s.destroy();
  return parse(buf, closed);
}

function parse(buf, closed) {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
  return { status: m ? Number(m[1]) : null, head, body: end < 0 ? '' : text.slice(end + 4), text, closed };
}

function header(head, name) {
  const m = new RegExp(`^${name}: *(.*)$`, 'im').exec(head);
  return m ? m[1].trim() : null;
}

function vm(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

// Opens `n` connections that each send one byte of a request head per second (and read what
// they are sent: `answers` holds it per socket).
async function slowClients(port, n) {
  const head = 'POST /v1/ratings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n';
  const sockets = await Promise.all(Array.from({ length: n }, () => connect(port)));
  let i = 0;
  const closed = new Set();
  const answers = new Map();
  for (const s of sockets) {
    s.on('error', () => {});
    s.on('data', (d) => answers.set(s, (answers.get(s) ?? '') + d.toString('latin1')));
    s.on('close', () => closed.add(s));
    s.write(head[0]);
  }
  const timer = setInterval(() => {
    i = Math.min(i + 1, head.length - 1);
    for (const s of sockets) if (!s.destroyed) s.write(head[i]);
  }, 1000);
  return { sockets, closed, answers, stop() { clearInterval(timer); for (const s of sockets) s.destroy(); } };
}

// Opens `n` keep-alive connections that each make one request and then stay open, idle.
async function idleClients(port, n) {
  const sockets = await Promise.all(Array.from({ length: n }, () => connect(port)));
  await Promise.all(sockets.map((s) => new Promise((res) => {
    s.on('error', () => {});
    s.once('data', () => res());
    s.write('GET /v1/widget-config HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  })));
  return { sockets, stop() { for (const s of sockets) s.destroy(); } };
}

test('200 slow clients and 500 idle keep-alive connections: a normal request answers within 1 s', async (t) => {
  const s = await startCollector(t, { args: ['--quiet'] });
  const slow = await slowClients(s.port, 200);
  t.after(() => slow.stop());
  const idle = await idleClients(s.port, 500);
  t.after(() => idle.stop());
  await sleep(2000); // the slow clients have sent a few bytes each
  const started = Date.now();
  const r = await post(s, record());
  const ms = Date.now() - started;
  assert.equal(r.status, 200, r.text);
  assert.ok(ms < 1000, `a rating took ${ms} ms with 700 connections held`);
  const started2 = Date.now();
  const h = await fetch(`${s.url}/healthz`);
  assert.equal(h.status, 200);
  assert.ok(Date.now() - started2 < 1000);
  // Nobody was closed to make room: 700 is far below the cap.
  assert.equal(idle.sockets.filter((x) => x.destroyed).length, 0);
  assert.equal(slow.closed.size, 0);
});

test('a slow request head is cut at the head deadline', async (t) => {
  const s = await startCollector(t, { args: ['--quiet', '--head-timeout', '2'] });
  const slow = await slowClients(s.port, 20);
  t.after(() => slow.stop());
  await sleep(3500);
  assert.equal(slow.closed.size, 20, 'every slow head was closed after 2 s');
  for (const x of slow.sockets) assert.match(slow.answers.get(x) ?? '', /^HTTP\/1\.1 408 /);
});

test('64 MB chunked body without a key: 401 before the body is read, memory stays small', { timeout: 60000 }, async (t) => {
  const s = await startCollector(t, { args: ['--quiet'] });
  const send = async (auth) => {
    const sock = await connect(s.port);
    let buf = Buffer.alloc(0);
    let answeredAfter = null;
    let sent = 0;
    sock.on('error', () => {});
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (answeredAfter === null) answeredAfter = sent;
    });
    const closed = new Promise((res) => sock.on('close', res));
    sock.write('POST /v1/ratings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n' +
      `${auth}Transfer-Encoding: chunked\r\n\r\n`);
    const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x5b), Buffer.from('\r\n')]);
    const total = 64 * 1024 * 1024;
    while (sent < total && answeredAfter === null && !sock.destroyed) {
      // A turn of the event loop per chunk, so an early answer is read (see endlessChunkLine).
      await new Promise((res) => setImmediate(res));
      if (!sock.write(chunk)) {
        await Promise.race([new Promise((res) => sock.once('drain', res)), closed, sleep(2000)]);
      }
      sent += 0x10000;
    }
    await Promise.race([closed, sleep(3000)]);
    sock.destroy();
    return { ...parse(buf, true), sent, answeredAfter };
  };
  const hwmBefore = vm(s.proc.pid, 'VmHWM');
  const noKey = await send('');
  assert.equal(noKey.status, 401, noKey.text);
  assert.match(noKey.body, /"unauthorized"/);
  assert.ok(noKey.answeredAfter !== null && noKey.answeredAfter < 64 * 1024 * 1024,
    `the answer came after ${noKey.answeredAfter} bytes`);
  // With a key, the body is read, and refused once it passes 64 KiB.
  const withKey = await send(`Authorization: Bearer ${WRITE_KEY}\r\n`);
  assert.equal(withKey.status, 413, withKey.text);
  assert.match(withKey.body, /"payload_too_large"/);
  assert.ok(withKey.answeredAfter < 64 * 1024 * 1024);
  const hwm = vm(s.proc.pid, 'VmHWM');
  t.diagnostic(`VmHWM before ${hwmBefore >> 10} kB, after ${hwm >> 10} kB; sent ${noKey.sent} / ${withKey.sent} bytes`);
  assert.ok(hwm - hwmBefore < 16 * 1024 * 1024, `peak memory grew by ${(hwm - hwmBefore) >> 20} MB`);
  // And the server still works.
  assert.equal((await post(s, record())).status, 200);
});

test('Content-Encoding: a gzip bomb is refused (415) before it is read', async (t) => {
  const s = await startCollector(t, { args: ['--quiet'] });
  const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, '['));
  const r = await fetch(`${s.url}/v1/ratings`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${WRITE_KEY}`, 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' },
    body: bomb,
  });
  assert.equal(r.status, 415);
  const body = await r.json();
  assert.equal(body.errors[0].code, 'unsupported_content_encoding');
  // The same on an admin endpoint that takes a body.
  const p = await fetch(`${s.url}/v1/config`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Encoding': 'gzip' },
    body: gzipSync('{"enabled": true}'),
  });
  assert.equal(p.status, 415);
  assert.ok(Number(readFileSync(`/proc/${s.proc.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)[1]) < 64 * 1024);
});

test('Range: 500 ranges are not amplified; one range is honoured; 416 outside the file', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'site'));
  const content = Buffer.alloc(10000, 'abcdefghij');
  writeFileSync(join(dir, 'site', 'file.txt'), content);
  const s = await startCollector(t, { args: ['--quiet', '--mount', `/files/=${join(dir, 'site')}`] });
  const ranges = 'bytes=' + Array.from({ length: 500 }, () => '0-9999').join(',');
  let r = await fetch(`${s.url}/files/file.txt`, { headers: { Range: ranges } });
  let body = Buffer.from(await r.arrayBuffer());
  assert.equal(r.status, 200);
  assert.equal(body.length, content.length);
  r = await fetch(`${s.url}/files/file.txt`, { headers: { Range: 'bytes=10-19' } });
  body = Buffer.from(await r.arrayBuffer());
  assert.equal(r.status, 206);
  assert.equal(r.headers.get('content-range'), 'bytes 10-19/10000');
  assert.equal(body.toString(), 'abcdefghij');
  r = await fetch(`${s.url}/files/file.txt`, { headers: { Range: 'bytes=-5' } });
  assert.equal(r.status, 206);
  assert.equal((await r.text()).length, 5);
  r = await fetch(`${s.url}/files/file.txt`, { headers: { Range: 'bytes=20000-' } });
  assert.equal(r.status, 416);
  assert.equal(r.headers.get('content-range'), 'bytes */10000');
  await r.text();
  // Paths never leave the mount, and the bare prefix redirects.
  r = await raw(s.port, 'GET /files/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 404);
  r = await raw(s.port, 'GET /files/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 404);
  r = await fetch(`${s.url}/files`, { redirect: 'manual' });
  assert.equal(r.status, 301);
  assert.equal(r.headers.get('location'), '/files/');
  r = await fetch(`${s.url}/files/file.txt`, { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-length'), '10000');
});

test('strict header parsing: NUL, CL+TE, Content-Type rules; refusals logged with their own fields', async (t) => {
  const s = await startCollector(t);
  const auth = `Authorization: Bearer ${ADMIN_TOKEN}`;
  let r = await raw(s.port, `GET /v1/config HTTP/1.1\r\nHost: x\r\n${auth}\r\n\r\n`, { wait: 500 });
  assert.equal(r.status, 200, 'control: the admin token works');
  r = await raw(s.port, `GET /v1/ratings HTTP/1.1\r\nHost: x\r\n${auth}\0junk\r\n\r\n`);
  assert.equal(r.status, 400, r.text);
  assert.ok(r.closed);
  r = await raw(s.port, 'GET /v1/insights HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n\r\n');
  assert.equal(r.status, 400);
  const rec = JSON.stringify(record());
  r = await raw(s.port, `POST /v1/ratings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${WRITE_KEY}\r\n` +
    `Content-Type: text/plain\r\nContent-Length: ${rec.length}\r\nTransfer-Encoding: chunked\r\n\r\n` +
    `${rec.length.toString(16)}\r\n${rec}\r\n0\r\n\r\n`);
  assert.equal(r.status, 400, r.text);
  r = await raw(s.port, 'POST /v1/ratings HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!');
  assert.equal(r.status, 400);

  // Header limits: 16 KiB of head, 100 fields.
  r = await raw(s.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  assert.equal(r.status, 431);
  const many = Array.from({ length: 150 }, (_, i) => `X-F${i}: 1\r\n`).join('');
  r = await raw(s.port, `GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\n`);
  assert.equal(r.status, 431);
  assert.match(r.body, /"header_too_large"/);

  for (const [type, want] of [['TEXT/PLAIN', 200], ['text/plain; charset=utf-8', 200],
    ['Application/JSON;charset=UTF-8', 200], ['text/plainevil', 415], ['application/jsonp', 415],
    ['text/html', 415]]) {
    const p = await post(s, record(), { headers: { 'Content-Type': type } });
    assert.equal(p.status, want, `${type}: ${p.text}`);
  }

  const log = s.lines.map((l) => JSON.parse(l)).filter((l) => l.status !== undefined);
  const nul = log.find((l) => l.path === '/v1/ratings' && l.method === 'GET');
  assert.equal(nul?.status, 400, 'the refused request is logged with its own method and path');
  const ctl = log.find((l) => l.path === '/v1/insights');
  assert.equal(ctl?.status, 400);
});

test('the connection cap sheds the oldest idle connection first', async (t) => {
  // enable: false — no setup PATCH, whose kept-alive fetch connection would be older than
  // sockets[0] and be the one shed (seen on the PostgreSQL pass, which starts more slowly).
  const s = await startCollector(t, { args: ['--quiet', '--max-connections', '20'], enable: false });
  // One after the other, so that sockets[0] has been idle the longest. A client sees its
  // answer before the server's write completes and marks the connection idle (on any of its
  // io threads), so back-to-back connections can be marked out of order: the first one gets
  // a head start (this test failed once on the PostgreSQL pass of a CI run, 2026-11-26).
  const idle = { sockets: [], stop() { for (const x of this.sockets) x.destroy(); } };
  t.after(() => idle.stop());
  for (let i = 0; i < 20; i++) {
    idle.sockets.push(...(await idleClients(s.port, 1)).sockets);
    if (i === 0) await sleep(300);
  }
  const oldestClosed = new Promise((res) => idle.sockets[0].on('close', res));
  // A new connection of its own (fetch could pick the setup's kept-alive PATCH connection from
  // its pool just as the cap sheds it).
  const status = await new Promise((res, rej) => {
    http.get({ host: '127.0.0.1', port: s.port, path: '/healthz', agent: false }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode));
    }).on('error', rej);
  });
  assert.equal(status, 200);
  await Promise.race([oldestClosed, sleep(2000)]);
  assert.ok(idle.sockets[0].destroyed || idle.sockets[0].readableEnded, 'the oldest idle connection was shed');
  assert.ok(!idle.sockets[19].destroyed, 'the newest idle connection is kept');
});

test('SIGTERM with slow clients held: exits within the bound', async (t) => {
  const s = await startCollector(t, { args: ['--quiet', '--shutdown-timeout', '2'] });
  const slow = await slowClients(s.port, 200);
  t.after(() => slow.stop());
  const idle = await idleClients(s.port, 100);
  t.after(() => idle.stop());
  // One request whose body is still arriving: in flight, so it gets the drain time.
  const upload = await connect(s.port);
  upload.on('error', () => {});
  upload.write(`POST /v1/ratings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${WRITE_KEY}\r\n` +
    'Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n[');
  t.after(() => upload.destroy());
  await sleep(1200);
  const started = Date.now();
  s.proc.kill('SIGTERM');
  const { code } = await s.exited;
  const ms = Date.now() - started;
  t.diagnostic(`stopped in ${ms} ms with 200 slow, 100 idle and 1 half-sent request held`);
  assert.equal(code, 0);
  assert.ok(ms < 4000, `shutdown took ${ms} ms (bound: 2 s drain)`);
  assert.ok(s.lines.some((l) => l.includes('"stopped"')));
});

test('routing: 404 and 405 with Allow as JSON errors; HEAD answers like GET without a body', async (t) => {
  const s = await startCollector(t, { args: ['--quiet'] });
  let r = await fetch(`${s.url}/v1/nope`);
  assert.equal(r.status, 404);
  assert.equal((await r.json()).errors[0].code, 'not_found');
  r = await fetch(`${s.url}/v1/ratings`, { method: 'DELETE' });
  assert.equal(r.status, 405);
  assert.match(r.headers.get('allow'), /POST/);
  assert.equal((await r.json()).errors[0].code, 'method_not_allowed');
  r = await fetch(`${s.url}/v1/widget-config`, { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.ok(Number(r.headers.get('content-length')) > 0);
  assert.equal((await r.arrayBuffer()).byteLength, 0);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
});

test('Expect: 100-continue only after the checks; a slow body is cut at the request deadline', async (t) => {
  const s = await startCollector(t, { args: ['--quiet', '--request-timeout', '2'] });
  const head = (auth) => `POST /v1/ratings HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: text/plain\r\n` +
    'Content-Length: 1000\r\nExpect: 100-continue\r\n\r\n';
  let r = await raw(s.port, head(''), { wait: 1500 });
  assert.equal(r.status, 401, 'refused on the head, no 100 Continue');
  r = await raw(s.port, head(`Authorization: Bearer ${WRITE_KEY}\r\n`), { wait: 500 });
  assert.equal(r.status, 100, 'checks passed: the client may send the body');
  // A body that trickles in is cut when the request deadline passes.
  const sock = await connect(s.port);
  let answer = '';
  sock.on('error', () => {});
  sock.on('data', (d) => { answer += d.toString('latin1'); });
  const closed = new Promise((res) => sock.on('close', res));
  sock.write(`POST /v1/ratings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${WRITE_KEY}\r\n` +
    'Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n[');
  const drip = setInterval(() => { if (!sock.destroyed) sock.write(' '); }, 200);
  t.after(() => { clearInterval(drip); sock.destroy(); });
  const started = Date.now();
  await Promise.race([closed, sleep(5000)]);
  clearInterval(drip);
  assert.ok(sock.destroyed || sock.readableEnded, 'the slow body was cut');
  assert.match(answer, /^HTTP\/1\.1 408 /);
  assert.ok(Date.now() - started < 4000);
});

// The access log's lines (the collector prints one JSON object per request) with a status.
function accessLog(s) {
  return s.lines.map((l) => { try { return JSON.parse(l); } catch { return {}; } })
    .filter((l) => l.status !== undefined);
}

async function until(cond, ms = 2000) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(20);
  return cond();
}

test('a head or body that misses its deadline is answered 408 with Connection: close, and logged with its own fields', async (t) => {
  const s = await startCollector(t, { args: ['--head-timeout', '1', '--request-timeout', '2'] });
  // The head never ends: 408 after about 1 s, then the connection is closed.
  let started = Date.now();
  let r = await raw(s.port, 'GET /v1/widget-config?key=secret-in-query HTTP/1.1\r\nHost: x\r\nX-Slow: 1', { wait: 4000 });
  let ms = Date.now() - started;
  assert.equal(r.status, 408, r.text);
  assert.ok(r.closed, 'closed after the 408');
  assert.ok(ms >= 900 && ms < 3000, `answered after ${ms} ms`);
  assert.equal(header(r.head, 'Connection'), 'close');
  assert.equal(header(r.head, 'Content-Type'), 'application/json');
  const body = JSON.parse(r.body);
  assert.equal(body.errors.length, 1);
  assert.deepEqual(Object.keys(body.errors[0]).sort(), ['code', 'message', 'path']);
  assert.equal(body.errors[0].code, 'request_timeout');
  assert.equal(body.errors[0].path, '');
  // Only the first bytes of a request line: still a 408, logged without a method or path.
  r = await raw(s.port, 'POS', { wait: 4000 });
  assert.equal(r.status, 408, r.text);
  // A body that trickles in past the whole-request deadline: 408 too.
  const sock = await connect(s.port);
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => { buf = Buffer.concat([buf, d]); });
  sock.on('error', () => {});
  const closed = new Promise((res) => sock.on('close', res));
  sock.write(`POST /v1/ratings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${WRITE_KEY}\r\n` +
    'Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n[');
  const drip = setInterval(() => { if (!sock.destroyed) sock.write(' '); }, 200);
  t.after(() => { clearInterval(drip); sock.destroy(); });
  started = Date.now();
  await Promise.race([closed, sleep(5000)]);
  clearInterval(drip);
  ms = Date.now() - started;
  const b = parse(buf, true);
  assert.equal(b.status, 408, b.text);
  assert.equal(header(b.head, 'Connection'), 'close');
  assert.equal(JSON.parse(b.body).errors[0].code, 'request_timeout');
  assert.ok(ms < 4500, `body cut after ${ms} ms`);
  // A connection that never sends a byte gets no answer: it is closed at the head timeout.
  r = await raw(s.port, '', { wait: 3000 });
  assert.equal(r.status, null);
  assert.equal(r.text, '');
  assert.ok(r.closed);

  assert.ok(await until(() => accessLog(s).filter((l) => l.status === 408).length >= 3));
  const log = accessLog(s).filter((l) => l.status === 408);
  assert.deepEqual(log.map((l) => [l.method, l.path]),
    [['GET', '/v1/widget-config'], [null, null], ['POST', '/v1/ratings']]);
  assert.ok(!s.lines.some((l) => l.includes('secret-in-query')), 'the query never reaches the log');
  // And the server still answers.
  assert.equal((await post(s, record())).status, 200);
});

test('at the connection cap with nothing idle: 503 with Retry-After, without reading the request; logged', async (t) => {
  const s = await startCollector(t, { args: ['--max-connections', '10', '--head-timeout', '5'] });
  // Ten connections each in the middle of a request head: none is idle, none can be shed.
  const held = [];
  t.after(() => { for (const x of held) x.destroy(); });
  for (let i = 0; i < 10; i++) {
    const x = await connect(s.port);
    x.on('error', () => {});
    x.write('GET /healthz HTTP/1.1\r\n');
    held.push(x);
  }
  await sleep(200);
  // The 11th is answered at once, before it sends anything.
  const x = await connect(s.port);
  let buf = Buffer.alloc(0);
  x.on('data', (d) => { buf = Buffer.concat([buf, d]); });
  x.on('error', () => {});
  const closed = new Promise((res) => x.on('close', res));
  await Promise.race([closed, sleep(2000)]);
  x.destroy();
  const r = parse(buf, true);
  assert.equal(r.status, 503, r.text);
  assert.equal(header(r.head, 'Retry-After'), '1');
  assert.equal(header(r.head, 'Connection'), 'close');
  assert.equal(header(r.head, 'Content-Type'), 'application/json');
  assert.equal(Number(header(r.head, 'Content-Length')), Buffer.byteLength(r.body));
  const err = JSON.parse(r.body).errors;
  assert.equal(err.length, 1);
  assert.equal(err[0].code, 'overloaded');
  assert.equal(err[0].path, '');
  // The held connections were not shed for it; once one finishes, there is room again.
  assert.equal(held.filter((h) => h.destroyed).length, 0);
  const answered = new Promise((res) => held[0].once('data', res));
  held[0].write('Host: x\r\nConnection: close\r\n\r\n');
  await answered;
  held[0].destroy();
  await sleep(300);
  const h = await raw(s.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(h.status, 200, h.text);
  assert.ok(await until(() => accessLog(s).some((l) => l.status === 503)));
  const line = accessLog(s).find((l) => l.status === 503);
  assert.equal(line.method, null, 'the request was never read');
  assert.equal(line.path, null);
  assert.ok(line.bytes_out > 0);
});

test('Host: HTTP/1.1 without one or with an invalid one is 400; HTTP/1.0 without one is served', async (t) => {
  const s = await startCollector(t);
  let r = await raw(s.port, 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 400, r.text);
  assert.equal(JSON.parse(r.body).errors[0].code, 'bad_request');
  assert.ok(r.closed);
  r = await raw(s.port, 'GET /v1/widget-config HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 400, r.text);
  r = await raw(s.port, 'GET /v1/widget-config HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 400, r.text);
  r = await raw(s.port, 'GET /v1/widget-config HTTP/1.1\r\nHost: x/y@z\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 400, r.text);
  // Controls: valid Hosts, and HTTP/1.0 without Host.
  for (const host of ['127.0.0.1:8787', 'collector.example', '[::1]:80']) {
    r = await raw(s.port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.equal(r.status, 200, `${host}: ${r.text}`);
  }
  r = await raw(s.port, 'GET /healthz HTTP/1.0\r\n\r\n');
  assert.equal(r.status, 200, r.text);
  assert.ok(await until(() => accessLog(s).filter((l) => l.status === 400).length >= 4));
  const refused = accessLog(s).filter((l) => l.status === 400);
  assert.deepEqual(refused.map((l) => [l.method, l.path]), [['GET', '/healthz'],
    ['GET', '/v1/widget-config'], ['GET', '/v1/widget-config'], ['GET', '/v1/widget-config']]);
});

test('Transfer-Encoding: a coding list other than exactly "chunked" is refused (400), not read as plain', async (t) => {
  const s = await startCollector(t);
  const rec = JSON.stringify(record());
  const chunked = `${rec.length.toString(16)}\r\n${rec}\r\n0\r\n\r\n`;
  const head = `POST /v1/ratings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${WRITE_KEY}\r\nContent-Type: text/plain\r\n`;
  let r = await raw(s.port, `${head}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked}`);
  assert.equal(r.status, 200, 'control: plain chunked is served: ' + r.text);
  for (const te of ['gzip, chunked', 'chunked, chunked', 'x-custom,chunked']) {
    r = await raw(s.port, `${head}Transfer-Encoding: ${te}\r\n\r\n${chunked}`);
    assert.equal(r.status, 400, `${te}: ${r.text}`);
    assert.ok(r.closed, te);
  }
  r = await raw(s.port, `${head}Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`);
  assert.equal(r.status, 400, 'two Transfer-Encoding fields: ' + r.text);
});

test('static files: a symlink that leads out of the mount is 404; one inside it is served', async (t) => {
  const dir = tempDir(t);
  const mount = join(dir, 'mount');
  mkdirSync(join(mount, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'secret.txt'), 'outside the mount');
  writeFileSync(join(mount, 'sub', 'inside.txt'), 'inside the mount');
  symlinkSync(join(dir, 'secret.txt'), join(mount, 'out.txt'));
  symlinkSync(dir, join(mount, 'updir'));
  symlinkSync(join(mount, 'sub', 'inside.txt'), join(mount, 'in.txt'));
  const s = await startCollector(t, { dir, args: ['--mount', `/m/=${mount}`] });
  let r = await fetch(`${s.url}/m/sub/inside.txt`);
  assert.equal(r.status, 200, 'control: a plain file is served');
  r = await fetch(`${s.url}/m/in.txt`);
  assert.equal(r.status, 200, 'a symlink to a file inside the mount is served');
  assert.equal(await r.text(), 'inside the mount');
  for (const p of ['/m/out.txt', '/m/updir/secret.txt']) {
    r = await fetch(s.url + p);
    const text = await r.text();
    assert.equal(r.status, 404, `${p}: ${text}`);
    assert.doesNotMatch(text, /outside the mount/);
  }
});

// Sends a chunked POST with a valid (public) write key whose body never ends a line: a chunk
// extension or a trailer field of `mb` MiB. Resolves with the answer and the collector's peak RSS.
async function endlessChunkLine(s, opening, mb) {
  const sock = await connect(s.port);
  let got = '';
  let closed = false;
  sock.on('data', (d) => { got += d.toString('latin1'); });
  sock.on('error', () => {});
  sock.on('close', () => { closed = true; });
  sock.write(`POST /v1/ratings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${WRITE_KEY}\r\n` +
    `Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${opening}`);
  const block = Buffer.alloc(1 << 20, 'a');
  let peak = vm(s.proc.pid, 'VmRSS');
  // Reads between writes and stops at the answer, as a client does. On loopback each 1 MiB
  // write can complete at once, so without a turn of the event loop the answer is never read:
  // the collector drains its 32 MiB linger, closes, and the next write's EPIPE destroys the
  // socket with the 413 still unread in it (seen in about 1 run of 4).
  for (let i = 0; i < mb && !closed && got === ''; i++) {
    await new Promise((res) => setImmediate(res));
    if (!sock.write(block)) await Promise.race([new Promise((res) => sock.once('drain', res)), sleep(200)]);
    if (i % 8 === 0) peak = Math.max(peak, vm(s.proc.pid, 'VmRSS'));
  }
  await Promise.race([new Promise((res) => sock.once('close', res)), sleep(2000)]);
  peak = Math.max(peak, vm(s.proc.pid, 'VmRSS'));
  sock.destroy();
  return { ...parse(Buffer.from(got, 'latin1'), closed), peak };
}

test('chunked body: an endless chunk extension or trailer is cut at a bound, not buffered', { timeout: 60000 }, async (t) => {
  const s = await startCollector(t);
  const before = vm(s.proc.pid, 'VmRSS');
  for (const opening of ['1;', '1\r\na\r\n0\r\nX-Trailer: ']) {
    const r = await endlessChunkLine(s, opening, 128);
    assert.ok(r.peak - before < 32 * 1024 * 1024,
      `${JSON.stringify(opening)}: RSS grew by ${((r.peak - before) / 1048576).toFixed(1)} MB`);
    assert.equal(r.status, 413, `${JSON.stringify(opening)}: ${r.text.slice(0, 200)}`);
    assert.ok(r.closed);
  }
  const ok = await post(s, record());
  assert.equal(ok.status, 200, 'the server still serves: ' + ok.text);
});
