// Server-Sent Events (issue 12, docs/programme.md): GET /v1/sessions/{id}/events?key=…
// against the real binary on 127.0.0.1 — fan-out to every open stream of a session,
// Last-Event-ID replay (across a restart too), keep-alives past the idle timeout, the checks
// (key, origin, switch), and SIGTERM closing streams promptly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startCollector, admin, psql, WRITE_KEY, ADMIN_TOKEN, TEST_DB } from './helpers.mjs';

// Opens an event stream; collects frames ({id, event, data}) and comments as they arrive.
function openStream(server, sessionId, { key = WRITE_KEY, lastEventId, origin } = {}) {
  const headers = { Accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
  if (origin) headers.Origin = origin;
  const path = `/v1/sessions/${encodeURIComponent(sessionId)}/events` + (key ? `?key=${encodeURIComponent(key)}` : '');
  const s = { frames: [], comments: [], retry: null, status: 0, headers: null, ended: false, body: '', waiters: [] };
  s.opened = new Promise((resolve, reject) => {
    s.req = http.get({ host: '127.0.0.1', port: server.port, path, headers, agent: false }, (res) => {
      s.status = res.statusCode;
      s.headers = res.headers;
      s.res = res;
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk) => {
        s.body += chunk;
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) s.comments.push({ text: line.slice(1).trim(), at: Date.now() });
            else if (line.startsWith('retry: ')) s.retry = Number(line.slice(7));
            else if (line.startsWith('id: ')) f.id = Number(line.slice(4));
            else if (line.startsWith('event: ')) f.event = line.slice(7);
            else if (line.startsWith('data: ')) f.data = (f.data ? f.data + '\n' : '') + line.slice(6);
          }
          if (f.event) { f.at = Date.now(); f.json = JSON.parse(f.data); s.frames.push(f); }
        }
        for (const w of s.waiters.splice(0)) w();
      });
      res.on('end', () => { s.ended = true; s.endedAt = Date.now(); for (const w of s.waiters.splice(0)) w(); });
      res.on('error', () => { s.ended = true; s.endedAt = Date.now(); for (const w of s.waiters.splice(0)) w(); });
      resolve(s);
    });
    s.req.on('error', (e) => { s.ended = true; s.endedAt = Date.now(); for (const w of s.waiters.splice(0)) w(); reject(e); });
  });
  s.waitFor = (pred, ms = 3000) => new Promise((resolve, reject) => {
    const check = () => {
      if (pred(s)) return resolve(s);
      if (Date.now() > deadline) return reject(new Error('timed out; body so far: ' + JSON.stringify(s.body)));
      s.waiters.push(check);
    };
    const deadline = Date.now() + ms;
    const timer = setInterval(() => { if (pred(s) || Date.now() > deadline) { clearInterval(timer); check(); } }, 50);
    check();
  });
  s.close = () => s.req.destroy();
  return s;
}

async function ask(server, sessionId, agentId) {
  const r = await admin(server, `/v1/sessions/${sessionId}/rating-requests`, {
    method: 'POST', body: { agent_id: agentId, channel: 'chat' },
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('two streams of one session both receive a published request within 1 s; another session\'s stream does not', async (t) => {
  const s = await startCollector(t);
  const a = await openStream(s, 'chat-42').opened;
  const b = await openStream(s, 'chat-42').opened;
  const other = await openStream(s, 'chat-43').opened;
  for (const x of [a, b, other]) {
    assert.equal(x.status, 200);
    assert.match(x.headers['content-type'], /^text\/event-stream/);
    assert.equal(x.headers['cache-control'], 'no-store');
  }
  await a.waitFor((x) => x.retry === 2000);
  await b.waitFor((x) => x.retry === 2000);
  const sent = Date.now();
  const req = await ask(s, 'chat-42', 'agent-7');
  await a.waitFor((x) => x.frames.length === 1, 1000);
  await b.waitFor((x) => x.frames.length === 1, 1000);
  for (const x of [a, b]) {
    const f = x.frames[0];
    assert.equal(f.event, 'rating-requested');
    assert.ok(f.id > 0);
    assert.ok(f.at - sent < 1000, `received after ${f.at - sent} ms`);
    assert.equal(f.json.request_id, req.request_id);
    assert.equal(f.json.session_id, 'chat-42');
    assert.equal(f.json.agent_id, 'agent-7');
    assert.equal(f.json.channel, 'chat');
    assert.equal(f.json.requested_at, req.requested_at);
  }
  assert.equal(a.frames[0].id, b.frames[0].id);
  // A second agent's request: the next id, to both.
  await ask(s, 'chat-42', 'agent-8');
  await a.waitFor((x) => x.frames.length === 2, 1000);
  await b.waitFor((x) => x.frames.length === 2, 1000);
  assert.ok(a.frames[1].id > a.frames[0].id);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(other.frames.length, 0, 'chat-43 got nothing of chat-42');
  for (const x of [a, b, other]) x.close();
});

// Several collectors on one database (issue 15): a request made through one process opens the
// prompt of a visitor whose stream is held by another (LISTEN/NOTIFY, docs/store.md). Only a
// shared PostgreSQL database gives two processes one store; in the SQLite pass of stage 50
// this test is reported as skipped, with the reason, and it runs in the PostgreSQL pass.
test('two processes on one database: a request on A reaches a stream held by B within 1 s, and A\'s own stream', {
  skip: TEST_DB === 'postgres' ? false : 'needs SR_TEST_DB=postgres (two processes, one database)',
}, async (t) => {
  const a = await startCollector(t);
  const b = await startCollector(t, { db: a.db });
  const onB = await openStream(b, 'chat-x1').opened;
  const onA = await openStream(a, 'chat-x1').opened;
  await onB.waitFor((x) => x.retry === 2000);
  await onA.waitFor((x) => x.retry === 2000);
  const sent = Date.now();
  const req = await ask(a, 'chat-x1', 'agent-1');
  await onB.waitFor((x) => x.frames.length === 1, 1000);
  await onA.waitFor((x) => x.frames.length === 1, 1000);
  assert.ok(onB.frames[0].at - sent < 1000, `received after ${onB.frames[0].at - sent} ms`);
  assert.equal(onB.frames[0].json.request_id, req.request_id);
  assert.equal(onA.frames[0].id, onB.frames[0].id);
  // And the other way round, the next id; each stream gets each event once.
  const req2 = await ask(b, 'chat-x1', 'agent-2');
  await onA.waitFor((x) => x.frames.length === 2, 1000);
  await onB.waitFor((x) => x.frames.length === 2, 1000);
  assert.equal(onA.frames[1].json.request_id, req2.request_id);
  assert.ok(onA.frames[1].id > onA.frames[0].id);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(onA.frames.length, 2);
  assert.equal(onB.frames.length, 2);
  // A reconnect to the other process replays from the shared store.
  const again = await openStream(b, 'chat-x1', { lastEventId: onA.frames[0].id }).opened;
  await again.waitFor((x) => x.frames.length === 1, 1000);
  assert.equal(again.frames[0].id, onA.frames[1].id);
  for (const x of [onA, onB, again]) x.close();
});

// The listening connection itself lost (issue 15, docs/store.md): B's listener backend is
// terminated while the database refuses new connections, so B cannot listen again until it
// allows them; a request made on A meanwhile is committed and notified to nobody in B. Once B
// listens again it re-reads what was committed while it was away: B's open stream (never
// disconnected, so no Last-Event-ID) gets the event, once, and later events live.
test('two processes: B\'s listener connection terminated, a request on A while it is away still reaches B\'s stream once it reconnects', {
  skip: TEST_DB === 'postgres' ? false : 'needs SR_TEST_DB=postgres (two processes, one database)',
}, async (t) => {
  const a = await startCollector(t);
  const b = await startCollector(t, { db: a.db });
  const base = process.env.SR_PG_URL;
  const dbName = new URL(a.db).pathname.slice(1);
  t.after(() => psql(base, `ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`));
  const onB = await openStream(b, 'chat-l1').opened;
  await onB.waitFor((x) => x.retry === 2000);
  psql(base, `ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`);
  assert.equal(psql(base, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sr-listener-${b.proc.pid}'`), 't');
  const req = await ask(a, 'chat-l1', 'agent-1');
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(onB.frames.length, 0, 'B\'s listener was away: the notification went to nobody there');
  psql(base, `ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`);
  await onB.waitFor((x) => x.frames.length === 1, 3000);
  assert.equal(onB.frames[0].json.request_id, req.request_id);
  // Listening again: the next one arrives live, and the first is not sent twice.
  const req2 = await ask(a, 'chat-l1', 'agent-2');
  await onB.waitFor((x) => x.frames.length === 2, 1000);
  assert.equal(onB.frames[1].json.request_id, req2.request_id);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(onB.frames.length, 2);
  assert.match(b.stderr, /listener reconnected, \d+ events re-read/);
  onB.close();
});

test('Last-Event-ID: a reconnecting stream first gets what it missed (also after a restart), a new stream nothing older than itself', async (t) => {
  const s = await startCollector(t);
  const a = await openStream(s, 'chat-7').opened;
  await ask(s, 'chat-7', 'agent-1');
  await a.waitFor((x) => x.frames.length === 1);
  const seen = a.frames[0].id;
  a.close();
  // Missed while disconnected.
  await ask(s, 'chat-7', 'agent-2');
  await ask(s, 'chat-7', 'agent-3');
  await ask(s, 'chat-8', 'agent-2');  // another session: never replayed here
  const again = await openStream(s, 'chat-7', { lastEventId: seen }).opened;
  await again.waitFor((x) => x.frames.length === 2);
  assert.deepEqual(again.frames.map((f) => f.json.agent_id), ['agent-2', 'agent-3']);
  assert.ok(again.frames[0].id > seen && again.frames[1].id > again.frames[0].id);
  // Then live ones.
  await ask(s, 'chat-7', 'agent-4');
  await again.waitFor((x) => x.frames.length === 3);
  assert.equal(again.frames[2].json.agent_id, 'agent-4');
  // A stream without Last-Event-ID replays nothing older than itself.
  const fresh = await openStream(s, 'chat-7').opened;
  await fresh.waitFor((x) => x.retry === 2000);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(fresh.frames.length, 0);
  again.close();
  fresh.close();

  // Persisted: after a restart the same Last-Event-ID still replays.
  await s.stop();
  const s2 = await startCollector(t, { db: s.db });
  const after = await openStream(s2, 'chat-7', { lastEventId: seen }).opened;
  await after.waitFor((x) => x.frames.length === 3);
  assert.deepEqual(after.frames.map((f) => f.json.agent_id), ['agent-2', 'agent-3', 'agent-4']);
  // Ids keep increasing across the restart.
  await ask(s2, 'chat-7', 'agent-5');
  await after.waitFor((x) => x.frames.length === 4);
  assert.ok(after.frames[3].id > after.frames[2].id);
  after.close();

  const bad = await openStream(s2, 'chat-7', { lastEventId: 'abc' }).opened;
  assert.equal(bad.status, 400);
});

test('a stream survives the idle timeout: keep-alive comments flow and a later request still arrives', async (t) => {
  const s = await startCollector(t, { args: ['--idle-timeout', '1', '--sse-keepalive', '1'] });
  const a = await openStream(s, 'call-1').opened;
  await new Promise((r) => setTimeout(r, 3500));  // 3.5× the idle timeout
  assert.equal(a.ended, false, 'the stream is still open');
  assert.ok(a.comments.filter((c) => c.text === 'keep-alive').length >= 2, `comments: ${JSON.stringify(a.comments)}`);
  await ask(s, 'call-1', 'agent-9');
  await a.waitFor((x) => x.frames.length === 1, 1000);
  a.close();
});

test('checks: write key (401), origin (403), switch off (403 ratings_disabled), bad session id (400)', async (t) => {
  const s = await startCollector(t, { args: ['--allow-origin', 'https://shop.example'] });
  assert.equal((await openStream(s, 'x1', { key: null }).opened).status, 401);
  assert.equal((await openStream(s, 'x1', { key: 'wrong' }).opened).status, 401);
  assert.equal((await openStream(s, 'x1', { origin: 'https://evil.example' }).opened).status, 403);
  const ok = await openStream(s, 'x1', { origin: 'https://shop.example' }).opened;
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], 'https://shop.example');
  ok.close();
  assert.equal((await openStream(s, 'bad id!').opened).status, 400);
  const off = await admin(s, '/v1/config', { method: 'PATCH', body: { enabled: false } });
  assert.equal(off.status, 200);
  const refused = await openStream(s, 'x1').opened;
  assert.equal(refused.status, 403);
  await refused.waitFor((x) => x.ended);
  assert.equal(JSON.parse(refused.body).errors[0].code, 'ratings_disabled');
});

test('SIGTERM closes open streams promptly and the collector exits 0', async (t) => {
  const s = await startCollector(t, { args: ['--shutdown-timeout', '10'] });
  const streams = [];
  for (let i = 0; i < 20; i++) streams.push(await openStream(s, `s-${i % 4}`).opened);
  await Promise.all(streams.map((x) => x.waitFor((y) => y.retry === 2000)));
  const t0 = Date.now();
  s.proc.kill('SIGTERM');
  const { code } = await s.exited;
  const took = Date.now() - t0;
  assert.equal(code, 0);
  assert.ok(took < 2000, `exited after ${took} ms (drain bound 10 s)`);
  await Promise.all(streams.map((x) => x.waitFor((y) => y.ended)));
  // Each got the terminating chunk (a clean end, not a reset).
  assert.ok(streams.every((x) => x.ended));
});

test('streams are never shed as idle connections: at the cap with only streams open, a new connection is refused 503 and every stream stays', async (t) => {
  const s = await startCollector(t, { args: ['--max-connections', '4', '--idle-timeout', '1'] });
  const streams = [];
  for (let i = 0; i < 4; i++) streams.push(await openStream(s, 'cap-1').opened);
  await Promise.all(streams.map((x) => x.waitFor((y) => y.retry === 2000)));
  const refused = await new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port: s.port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', () => resolve('error'));
  });
  assert.equal(refused, 503);
  await new Promise((r) => setTimeout(r, 1500));  // past the idle timeout too
  assert.ok(streams.every((x) => !x.ended), 'no stream was closed');
  // One stream goes away: room again, and the others still get events.
  streams[0].close();
  await new Promise((r) => setTimeout(r, 200));
  await ask(s, 'cap-1', 'agent-1');
  await Promise.all(streams.slice(1).map((x) => x.waitFor((y) => y.frames.length === 1, 1000)));
});
