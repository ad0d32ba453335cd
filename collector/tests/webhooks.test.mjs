// Webhooks (issue 12, docs/programme.md): the outbox is filled in the transaction that stores
// a revision or finalises a rating, and a delivery worker POSTs each row, signed, retried with
// backoff, in order per rating, at least once across kill -9. Real binary and a real receiver
// (node:http) on 127.0.0.1; --webhook-backoff-ms 100 so retries take milliseconds, the test
// clock for the 24 h limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { startCollector, recordV2, post, admin, setClock, sqlite, tempDir, TEST_DB } from './helpers.mjs';

const SECRET = 'whsec-test-0123456789abcdef';

// docs/programme.md's verification snippet, as documented (freshness included)…
function verify(secret, headers, rawBody, nowMs = Date.now()) {
  const msg = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${rawBody}`;
  const want = Buffer.from('v1=' + createHmac('sha256', secret).update(msg).digest('hex'));
  const got = Buffer.from(headers['webhook-signature'] || '');
  const fresh = Math.abs(nowMs / 1000 - Number(headers['webhook-timestamp'])) < 300;
  return fresh && got.length === want.length && timingSafeEqual(got, want);
}

// A receiver on a fixed port that can be stopped and started again. `mode(n)` decides the
// answer to the n-th request (from 0): a status, or 'hang' (never answered); `delayMs` holds
// every answer that long (deliveries stay in flight meanwhile).
function receiver({ port = 0, mode = () => 200, delayMs = 0 } = {}) {
  const r = { requests: [], port, mode, server: null, sockets: new Set(), waiters: [] };
  r.start = () => new Promise((resolve) => {
    r.server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const n = r.requests.length;
        const answer = r.mode(n);
        r.requests.push({ n, headers: req.headers, body, answer, at: Date.now() });
        for (const w of r.waiters.splice(0)) w();
        if (answer === 'hang') return;
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(answer, { 'Content-Type': 'text/plain' });
          res.end('ok');
        };
        if (delayMs) setTimeout(send, delayMs); else send();
      });
    });
    r.server.on('connection', (s) => { r.sockets.add(s); s.on('close', () => r.sockets.delete(s)); });
    r.server.listen(r.port, '127.0.0.1', () => { r.port = r.server.address().port; resolve(r); });
  });
  r.stop = () => new Promise((resolve) => {
    for (const s of r.sockets) s.destroy();
    r.server.close(() => resolve());
  });
  r.waitFor = (pred, ms = 15000) => new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const check = () => {
      if (pred(r)) return resolve(r);
      if (Date.now() > deadline) return reject(new Error(`timed out with ${r.requests.length} requests`));
      r.waiters.push(check);
      setTimeout(() => { const i = r.waiters.indexOf(check); if (i >= 0) { r.waiters.splice(i, 1); check(); } }, 100);
    };
    check();
  });
  return r;
}

async function configure(s, url, events) {
  const hook = { id: 'crm', url, secret: SECRET };
  if (events) hook.events = events;
  const r = await admin(s, '/v1/config', { method: 'PATCH', body: { webhooks: [hook] } });
  assert.equal(r.status, 200, r.text);
}

function revisionOf(ratingId, sessionId, revision) {
  const stars = [5, 4, 3, 2, 1];
  return recordV2({ rating_id: ratingId, session_id: sessionId, revision,
    answers: [{ score: stars[(revision - 1) % 5], comment: '' }] });
}

const delivered = (r) => r.requests.filter((q) => q.answer === 200);
const keyOf = (q) => { const b = JSON.parse(q.body); return `${b.data.rating_id}#${b.data.revision}#${b.type}`; };

test('receiver failing its first 5 deliveries and restarted in the middle: every revision and finalisation delivered, in order per rating, signatures verify', async (t) => {
  const rec = await receiver({ mode: (n) => (n < 5 ? 500 : 200) }).start();
  t.after(() => rec.stop().catch(() => {}));
  const s = await startCollector(t, { args: ['--webhook-backoff-ms', '100', '--quiet'] });
  await configure(s, `http://127.0.0.1:${rec.port}/hooks/rating?x=1`);
  const ratings = ['wh-a', 'wh-b', 'wh-c'];
  const expected = new Set();
  for (let rev = 1; rev <= 3; rev++) {
    const sent = {};
    for (const id of ratings) {
      sent[id] = revisionOf(id, 'sess-' + id, rev);
      const p = await post(s, sent[id]);
      assert.equal(p.status, 200, p.text);
      assert.equal(p.json.results[0].status, 'accepted');
      expected.add(`${id}#${rev}#rating.revision`);
    }
    // A duplicate (a widget retry) enqueues nothing.
    assert.equal((await post(s, sent['wh-a'])).json.results[0].status, 'duplicate');
    if (rev === 2) {
      // The receiver goes down in the middle (connections refused) and comes back.
      await rec.waitFor((r) => r.requests.length >= 6);
      await rec.stop();
      await new Promise((r) => setTimeout(r, 700));
      await rec.start();
    }
  }
  // Finalisation enqueues rating.final in the finaliser's transaction.
  await setClock(s, 2 * 3600_000);
  assert.equal((await admin(s, '/v1/ratings')).status, 200);  // finalises due ratings first
  for (const id of ratings) expected.add(`${id}#3#rating.final`);

  await rec.waitFor((r) => new Set(delivered(r).map(keyOf)).size === expected.size, 30000);
  await new Promise((r) => setTimeout(r, 300));  // nothing more is coming
  assert.deepEqual(new Set(delivered(rec).map(keyOf)), expected);
  assert.ok(rec.requests.slice(0, 5).every((q) => q.answer === 500), 'the first 5 were refused');

  const idOf = new Map();
  for (const q of rec.requests) {
    const b = JSON.parse(q.body);
    // Signed with the documented algorithm; fresh against the collector's clock (real, or
    // 2 h ahead once the test moved it to finalise).
    const skew = Math.abs(Number(q.headers['webhook-timestamp']) * 1000 - Date.now()) > 3600_000 ? 2 * 3600_000 : 0;
    assert.ok(verify(SECRET, q.headers, q.body, Date.now() + skew), `signature of ${q.headers['webhook-id']}`);
    assert.equal(verify('another-secret-0123456789', q.headers, q.body, Date.now() + skew), false);
    assert.equal(verify(SECRET, q.headers, q.body + ' ', Date.now() + skew), false);
    assert.equal(q.headers['content-type'], 'application/json');
    assert.equal(b.id, q.headers['webhook-id']);
    assert.equal(b.data.schema, 'rating.v2');
    assert.equal(b.data.final, b.type === 'rating.final');
    assert.ok(Number.isInteger(b.created_at));
    // One Webhook-Id per revision and type, whatever the number of attempts.
    const k = keyOf(q);
    if (!idOf.has(k)) idOf.set(k, b.id);
    assert.equal(idOf.get(k), b.id, `${k} kept its delivery id`);
  }
  assert.equal(new Set(idOf.values()).size, expected.size);
  // In order per rating: no attempt at a rating's next row before the previous was delivered.
  for (const id of ratings) {
    const seq = rec.requests.filter((q) => JSON.parse(q.body).data.rating_id === id);
    const order = [`${id}#1#rating.revision`, `${id}#2#rating.revision`, `${id}#3#rating.revision`, `${id}#3#rating.final`];
    let done = 0;
    for (const q of seq) {
      assert.equal(keyOf(q), order[done], `${id}: attempt at ${keyOf(q)} while ${order[done]} was not delivered`);
      if (q.answer === 200) done++;
    }
    assert.equal(done, 4);
  }
  assert.equal(sqlite(s.db, "SELECT count(*) FROM webhook_outbox WHERE status = 'delivered'"), String(expected.size));
  assert.equal(sqlite(s.db, "SELECT count(*) FROM webhook_outbox WHERE status != 'delivered'"), '0');
});

test('kill -9 with deliveries in flight and enqueued: after a restart each is delivered, with the same Webhook-Id', async (t) => {
  // The receiver takes the first requests and never answers them (in flight at the kill).
  let hanging = true;
  const rec = await receiver({ mode: () => (hanging ? 'hang' : 200) }).start();
  t.after(() => rec.stop().catch(() => {}));
  // --webhook-timeout 3: the hanging requests stay in flight until the kill (a retry after a
  // timeout keeps the delivery id), and on PostgreSQL the dead process's leases (3 × 3 s,
  // docs/store.md) pass within the wait below; SQLite has no lease to wait for.
  const s = await startCollector(t, { args: ['--webhook-backoff-ms', '100', '--webhook-timeout', '3', '--quiet'] });
  await configure(s, `http://127.0.0.1:${rec.port}/h`, ['rating.revision']);
  const t0 = Date.now();
  for (const id of ['k-1', 'k-2']) assert.equal((await post(s, revisionOf(id, 'sk', 1))).status, 200);
  // Ingest does not wait for the receiver.
  assert.ok(Date.now() - t0 < 1000, `ingest took ${Date.now() - t0} ms with the receiver hanging`);
  await rec.waitFor((r) => r.requests.length >= 2);
  // Enqueued but not sent yet: k-1's second revision waits behind its first (in flight).
  assert.equal((await post(s, revisionOf('k-1', 'sk', 2))).status, 200);
  const before = rec.requests.map((q) => ({ key: keyOf(q), id: q.headers['webhook-id'] }));
  await s.kill9();

  hanging = false;
  const s2 = await startCollector(t, { db: s.db, args: ['--webhook-backoff-ms', '100', '--quiet'] });
  await rec.waitFor((r) => new Set(delivered(r).map(keyOf)).size === 3, 25000);
  const ids = new Map();
  for (const q of rec.requests) {
    const k = keyOf(q);
    if (!ids.has(k)) ids.set(k, new Set());
    ids.get(k).add(q.headers['webhook-id']);
    assert.ok(verify(SECRET, q.headers, q.body), 'signature');
  }
  for (const { key, id } of before) assert.deepEqual([...ids.get(key)], [id], `${key} sent again with the same id`);
  assert.equal(ids.size, 3);
  for (const set of ids.values()) assert.equal(set.size, 1);
  assert.deepEqual(delivered(rec).filter((q) => keyOf(q).startsWith('k-1')).map(keyOf),
    ['k-1#1#rating.revision', 'k-1#2#rating.revision']);
  // The receiver's 200 to the last one may not be recorded yet (a stop abandons deliveries in
  // flight, which would then be sent again): wait for the table to say so before stopping.
  const until = Date.now() + 5000;
  while (sqlite(s.db, "SELECT count(*) FROM webhook_outbox WHERE status = 'delivered'") !== '3' && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await s2.stop();
  assert.equal(sqlite(s.db, 'SELECT status FROM webhook_outbox ORDER BY id'), 'delivered\ndelivered\ndelivered');
});

test('receiver down for a long stretch: retried with backoff, then failed after 24 h, and the rating\'s next row goes', async (t) => {
  const rec = await receiver().start();
  const port = rec.port;
  await rec.stop();  // nothing listens there now: connections are refused
  const s = await startCollector(t, { args: ['--webhook-backoff-ms', '100'] });
  await configure(s, `http://127.0.0.1:${port}/down`, ['rating.revision']);
  assert.equal((await post(s, revisionOf('d-1', 'sd', 1))).status, 200);
  assert.equal((await post(s, revisionOf('d-1', 'sd', 2))).status, 200);
  const attempts = () => s.lines.map((l) => { try { return JSON.parse(l); } catch { return {}; } })
    .filter((j) => j.event === 'webhook');
  const until = async (pred, ms = 10000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error('timed out: ' + JSON.stringify(attempts()));
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await until(() => attempts().filter((a) => a.revision === 1).length >= 3);
  const a = attempts();
  assert.ok(a.every((x) => x.status === 'pending' && x.revision === 1), 'revision 2 waits behind revision 1');
  assert.ok(a.every((x) => /connect/.test(x.error)));
  const row = sqlite(s.db, 'SELECT status, CASE WHEN attempts >= 3 THEN 1 ELSE 0 END, '
    + 'CASE WHEN next_at > created_at THEN 1 ELSE 0 END FROM webhook_outbox WHERE revision = 1');
  assert.equal(row, 'pending|1|1');
  // 24 hours later (the collector's clock): the next attempt fails for good.
  await setClock(s, 24 * 3600_000 + 60_000);
  await until(() => attempts().some((x) => x.revision === 1 && x.status === 'failed'));
  await until(() => attempts().some((x) => x.revision === 2 && x.status === 'failed'));
  const failed = attempts().find((x) => x.revision === 1 && x.status === 'failed');
  const firstOf2 = attempts().findIndex((x) => x.revision === 2);
  assert.ok(attempts().indexOf(failed) < firstOf2, 'revision 2 was tried only after revision 1 was given up');
  assert.equal(sqlite(s.db, 'SELECT status FROM webhook_outbox ORDER BY id'), 'failed\nfailed');
  assert.equal(sqlite(s.db, "SELECT count(*) FROM webhook_outbox WHERE last_error IS NULL"), '0');
});

test('no webhooks configured: nothing enqueued; events filter what is enqueued', async (t) => {
  const s = await startCollector(t);
  assert.equal((await post(s, revisionOf('n-1', 'sn', 1))).status, 200);
  assert.equal(sqlite(s.db, 'SELECT count(*) FROM webhook_outbox'), '0');
  await configure(s, 'http://127.0.0.1:9/none', ['rating.final']);
  assert.equal((await post(s, revisionOf('n-1', 'sn', 2))).status, 200);
  assert.equal(sqlite(s.db, 'SELECT count(*) FROM webhook_outbox'), '0');
  await setClock(s, 2 * 3600_000);
  await admin(s, '/v1/ratings');
  assert.equal(sqlite(s.db, 'SELECT type, rating_id, revision FROM webhook_outbox'), 'rating.final|n-1|2');
});

test('https endpoint: delivered over TLS when the certificate is trusted for the URL\'s host; refused (and retried) when it is not', async (t) => {
  const dir = tempDir(t);
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  const got = [];
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { got.push({ headers: req.headers, body }); res.writeHead(204); res.end(); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = server.address().port;
  // Trusted: the test's certificate is the collector's CA file (OpenSSL's SSL_CERT_FILE).
  const s = await startCollector(t, { args: ['--webhook-backoff-ms', '100'], env: { SSL_CERT_FILE: cert } });
  await configure(s, `https://localhost:${port}/tls`, ['rating.revision']);
  assert.equal((await post(s, revisionOf('tls-1', 'st', 1))).status, 200);
  const end = Date.now() + 10000;
  while (got.length < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.equal(got.length, 1);
  assert.ok(verify(SECRET, got[0].headers, got[0].body));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(sqlite(s.db, 'SELECT status FROM webhook_outbox'), 'delivered');

  // Not trusted (the system's CA store only): the handshake fails, the row stays pending.
  const s2 = await startCollector(t, { args: ['--webhook-backoff-ms', '100'], env: { SSL_CERT_FILE: join(dir, 'none.pem') } });
  await configure(s2, `https://localhost:${port}/tls`, ['rating.revision']);
  assert.equal((await post(s2, revisionOf('tls-2', 'st', 1))).status, 200);
  const end2 = Date.now() + 10000;
  const attempts = () => s2.lines.filter((l) => l.includes('"event":"webhook"')).map((l) => JSON.parse(l));
  while (attempts().length < 2 && Date.now() < end2) await new Promise((r) => setTimeout(r, 50));
  assert.ok(attempts().length >= 2);
  assert.ok(attempts().every((a) => a.status === 'pending' && /^tls: /.test(a.error)), JSON.stringify(attempts()));
  assert.equal(got.length, 1, 'nothing reached the receiver without a verified certificate');
});

test('plain http deliveries reuse kept-alive connections; a connection the receiver closed is replaced without losing a delivery', async (t) => {
  let connections = 0;
  const got = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      got.push(JSON.parse(body));
      // Every 4th answer closes its connection: the collector's pooled copy goes stale.
      const close = got.length % 4 === 0;
      res.writeHead(200, close ? { Connection: 'close' } : {});
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => { connections++; });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const s = await startCollector(t, { args: ['--webhook-backoff-ms', '100', '--quiet'] });
  await configure(s, `http://127.0.0.1:${server.address().port}/ka`, ['rating.revision']);
  for (let rev = 1; rev <= 12; rev++) {
    assert.equal((await post(s, revisionOf('ka-1', 'ska', rev))).status, 200);
  }
  const end = Date.now() + 15000;
  while (got.length < 12 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(got.map((b) => b.data.revision), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  // One rating's rows go one at a time: a connection carries up to 4 of them here.
  assert.ok(connections <= 4, `${connections} connections for 12 deliveries`);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(sqlite(s.db, "SELECT count(*) FROM webhook_outbox WHERE status = 'delivered'"), '12');
});

// Several collector processes on one database drain one outbox (issue 15, docs/store.md,
// "Webhook worker"): a process claims due rows with a lease (FOR UPDATE SKIP LOCKED), so no
// row is sent by two processes. Only PostgreSQL gives several processes one store: the SQLite
// pass of stage 50 reports these tests skipped, with the reason, and the PostgreSQL pass runs
// them.
const MULTI = { skip: TEST_DB === 'postgres' ? false : 'needs SR_TEST_DB=postgres (three processes, one database)' };

// The "webhook" lines of a collector's stdout log with status delivered: their delivery ids.
const deliveredBy = (s) => s.lines.map((l) => { try { return JSON.parse(l); } catch { return {}; } })
  .filter((j) => j.event === 'webhook' && j.status === 'delivered').map((j) => j.delivery_id);

// Until every process has heard of the endpoint (sr_site): outbox rows are enqueued for the
// endpoints the storing process knows when it stores (docs/store.md).
async function configuredEverywhere(procs) {
  const deadline = Date.now() + 3000;
  for (const s of procs) {
    while (((await admin(s, '/v1/config')).json.webhooks ?? []).length === 0) {
      assert.ok(Date.now() < deadline, 'the webhook endpoint did not reach every process');
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

function countById(rec) {
  const n = new Map();
  for (const q of rec.requests) n.set(q.headers['webhook-id'], (n.get(q.headers['webhook-id']) ?? 0) + 1);
  return n;
}

test('three processes on one database: every delivery sent exactly once, in order per rating, by several processes', MULTI, async (t) => {
  const rec = await receiver({ delayMs: 20 }).start();
  t.after(() => rec.stop().catch(() => {}));
  const args = ['--webhook-backoff-ms', '100'];
  const a = await startCollector(t, { args });
  const procs = [a, await startCollector(t, { db: a.db, args }), await startCollector(t, { db: a.db, args })];
  await configure(a, `http://127.0.0.1:${rec.port}/h`, ['rating.revision']);
  await configuredEverywhere(procs);
  // 60 ratings, posted round robin to the three processes; every third gets a second
  // revision (through another process), which must reach the receiver after its first.
  const N = 60;
  for (let i = 0; i < N; i++) {
    const s = procs[i % 3];
    assert.equal((await post(s, revisionOf(`m-${i}`, `sm-${i}`, 1))).json.results[0].status, 'accepted');
    if (i % 3 === 0) {
      assert.equal((await post(procs[(i + 1) % 3], revisionOf(`m-${i}`, `sm-${i}`, 2))).json.results[0].status, 'accepted');
    }
  }
  const ids = sqlite(a.db, 'SELECT delivery_id FROM webhook_outbox ORDER BY id').split('\n');
  assert.equal(ids.length, N + N / 3);
  await rec.waitFor((r) => countById(r).size === ids.length, 30000);
  await new Promise((r) => setTimeout(r, 1500));  // a poll of every process: nothing more comes
  const n = countById(rec);
  assert.deepEqual([...n.keys()].sort(), [...ids].sort());
  const twice = [...n].filter(([, c]) => c !== 1);
  assert.deepEqual(twice, [], 'no delivery sent twice');
  // In order per rating: revision 1's request arrived before revision 2's was sent.
  for (let i = 0; i < N; i += 3) {
    const seq = rec.requests.filter((q) => JSON.parse(q.body).data.rating_id === `m-${i}`).map((q) => JSON.parse(q.body).data.revision);
    assert.deepEqual(seq, [1, 2], `m-${i}`);
  }
  assert.equal(sqlite(a.db, "SELECT count(*) FROM webhook_outbox WHERE status = 'delivered' AND attempts = 1 AND lease_until IS NULL"), String(ids.length));
  // Each process logged what it delivered: together, every id once; more than one process drained.
  await new Promise((r) => setTimeout(r, 200));
  const logged = procs.map(deliveredBy);
  assert.deepEqual(logged.flat().sort(), [...ids].sort());
  assert.ok(logged.filter((l) => l.length > 0).length >= 2, `deliveries per process: ${logged.map((l) => l.length)}`);
});

test('three processes, one killed (kill -9) mid-drain: every delivery at least once; only rows the dead process had claimed are sent again, once, after its lease', MULTI, async (t) => {
  // Answers take 300 ms, so the process killed holds claimed rows in flight.
  const rec = await receiver({ delayMs: 300 }).start();
  t.after(() => rec.stop().catch(() => {}));
  // --webhook-timeout 1: the lease is 3 × 1 s (docs/store.md).
  const args = ['--webhook-backoff-ms', '100', '--webhook-timeout', '1'];
  const a = await startCollector(t, { args });
  const b = await startCollector(t, { db: a.db, args });
  const victim = await startCollector(t, { db: a.db, args });
  await configure(a, `http://127.0.0.1:${rec.port}/h`, ['rating.revision']);
  await configuredEverywhere([a, b, victim]);
  const N = 48;
  // Most go through the victim, which claims them first (its worker is poked on commit).
  for (let i = 0; i < N; i++) {
    const s = i % 4 === 3 ? [a, b][i % 2] : victim;
    assert.equal((await post(s, revisionOf(`x-${i}`, `sx-${i}`, 1))).json.results[0].status, 'accepted');
  }
  await rec.waitFor((r) => r.requests.length >= 8);
  await victim.kill9();
  const killedAt = Date.now();
  const sentBeforeKill = new Map();
  for (const q of rec.requests) if (!sentBeforeKill.has(q.headers['webhook-id'])) sentBeforeKill.set(q.headers['webhook-id'], q.at);

  const ids = sqlite(a.db, 'SELECT delivery_id FROM webhook_outbox ORDER BY id').split('\n');
  assert.equal(ids.length, N);
  await rec.waitFor((r) => countById(r).size === N, 30000);
  // Past the dead process's leases (3 s from its last claim) and one more poll: nothing more.
  await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 4500 - Date.now())));
  const n = countById(rec);
  assert.deepEqual([...n.keys()].sort(), [...ids].sort(), 'every delivery at least once');
  const again = [...n].filter(([, c]) => c > 1).map(([id]) => id);
  for (const id of again) {
    assert.equal(n.get(id), 2, `${id} sent at most twice`);
    assert.ok(sentBeforeKill.has(id), `${id} sent again was in flight in the killed process`);
    const times = rec.requests.filter((q) => q.headers['webhook-id'] === id).map((q) => q.at);
    assert.ok(times[1] >= killedAt, `${id}: the second send came after the kill`);
    assert.ok(times[1] - times[0] >= 2000, `${id}: sent again only after the lease (${times[1] - times[0]} ms)`);
  }
  t.diagnostic(`sent before the kill: ${sentBeforeKill.size}, sent again after its lease: ${again.length}`);
  assert.equal(sqlite(a.db, "SELECT count(*) FROM webhook_outbox WHERE status = 'delivered' AND lease_until IS NULL"), String(N));
});
