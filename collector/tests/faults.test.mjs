// Faults measured at the store (issue 13), without a browser: shuffled and duplicated
// revisions posted straight to the real collector, and kill -9 under load (20 concurrent
// posters). Each test counts what the store holds (GET /v1/ratings, the export) and prints
// its counts (`# faults: ...`). The browser faults are in faults-browser.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, recordV2, post, admin, psql, sqlite, TEST_DB } from './helpers.mjs';
import { storedRatings, exported } from './faults-lib.mjs';

function shuffle(a) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

test('shuffled and duplicated revisions, 8 posters at once: each rating stored once, at its last revision, no revision twice', async (t) => {
  const s = await startCollector(t);
  const session = 'shuffle-1';
  const RATINGS = 20, REVS = 5;
  const sends = [];
  const byRating = new Map();
  for (let i = 0; i < RATINGS; i++) {
    const first = Date.now();
    const base = recordV2({ rating_id: `rt-shuffle-${i}`, session_id: session, rater_id: `sr-r${i}`, first_submitted_at: first });
    const revs = [];
    for (let rev = 1; rev <= REVS; rev++) {
      // Each revision's bytes are fixed (a client resends the stored bytes); scores differ by revision.
      const score = ((i + rev) % 5) + 1;
      const rec = { ...base, revision: rev, submitted_at: first + (rev - 1) * 1000, answers: recordV2({ answers: [{ score }] }).answers };
      revs.push(rec);
      const copies = 1 + Math.floor(Math.random() * 3); // 1–3 copies of each revision
      for (let c = 0; c < copies; c++) sends.push(JSON.stringify(rec));
    }
    byRating.set(base.rating_id, revs);
  }
  shuffle(sends);
  const statuses = {};
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < sends.length) {
      const body = sends[next++];
      const r = await post(s, body, { raw: true });
      const st = r.json?.results?.[0]?.status ?? `http-${r.status}`;
      statuses[st] = (statuses[st] ?? 0) + 1;
    }
  }));
  // A shuffled resend is never a conflict or an error: only accepted, duplicate or stale.
  assert.deepEqual(Object.keys(statuses).filter((k) => !['accepted', 'duplicate', 'stale'].includes(k)), [], JSON.stringify(statuses));

  const stored = await storedRatings(s, session);
  assert.equal(stored.length, RATINGS, 'each rating stored once');
  assert.equal(new Set(stored.map((r) => r.rating_id)).size, RATINGS);
  for (const r of stored) {
    const last = byRating.get(r.rating_id)[REVS - 1];
    assert.equal(r.revision, REVS, `${r.rating_id} ends at its last revision`);
    assert.equal(r.answers[0].score, last.answers[0].score, `${r.rating_id} has the last revision's score`);
  }
  const revisions = exported(s);
  const rows = (await revisions).filter((r) => r.session_id === session);
  const pairs = new Set(rows.map((r) => `${r.rating_id}|${r.revision}`));
  assert.equal(pairs.size, rows.length, 'no revision stored twice');
  assert.equal(rows.length, statuses.accepted, 'one stored revision per accepted post');
  t.diagnostic(`faults: shuffled revisions: ${sends.length} posts (${RATINGS} ratings × ${REVS} revisions, 1–3 copies each) → `
    + `${JSON.stringify(statuses)}; stored ${stored.length} ratings, ${rows.length} revisions, 0 duplicates`);
});

test('kill -9 under load (20 concurrent posters, new ratings and revisions): every acknowledged revision present after restart, integrity_check ok', async (t) => {
  const s = await startCollector(t);
  const acked = new Map(); // rating_id → highest acknowledged revision
  let stop = false, posts = 0, cut = 0;
  const poster = async (w) => {
    for (let i = 0; !stop; i++) {
      const rec = recordV2({ rating_id: `rt-kill-${w}-${i}`, session_id: `kill-${w}`, rater_id: `sr-w${w}` });
      for (const rev of [1, 2]) {
        if (stop) return;
        const body = { ...rec, revision: rev, answers: recordV2({ answers: [{ score: rev === 1 ? 5 : 4 }] }).answers };
        posts++;
        try {
          const r = await post(s, body);
          if (r.status === 200 && r.json.results[0].status === 'accepted') acked.set(rec.rating_id, rev);
        } catch { cut++; return; } // the connection died with the collector
      }
    }
  };
  const workers = Array.from({ length: 20 }, (_, w) => poster(w));
  await new Promise((r) => setTimeout(r, 2000));
  await s.kill9();
  stop = true;
  await Promise.all(workers);
  assert.ok(acked.size > 50, `only ${acked.size} ratings acknowledged before the kill`);
  assert.equal(sqlite(s.db, 'PRAGMA integrity_check'), 'ok');

  const s2 = await startCollector(t, { db: s.db, dir: s.dir });
  const rows = await exported(s2);
  const have = new Set(rows.map((r) => `${r.rating_id}|${r.revision}`));
  const missing = [];
  for (const [id, rev] of acked) for (let r = 1; r <= rev; r++) if (!have.has(`${id}|${r}`)) missing.push(`${id}|${r}`);
  assert.deepEqual(missing, [], 'every acknowledged revision is in the export');
  assert.equal(have.size, rows.length, 'no revision stored twice');
  let latest = 0;
  for (let w = 0; w < 20; w++) {
    for (const r of await storedRatings(s2, `kill-${w}`)) {
      if (acked.has(r.rating_id)) {
        assert.ok(r.revision >= acked.get(r.rating_id), `${r.rating_id}: stored revision ${r.revision} < acknowledged ${acked.get(r.rating_id)}`);
        latest++;
      }
    }
  }
  assert.equal(latest, acked.size, 'every acknowledged rating is listed by GET /v1/ratings');
  await s2.stop();
  assert.equal(sqlite(s.db, 'PRAGMA integrity_check'), 'ok');
  const ackedRevs = [...acked.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(`faults: kill -9: ${posts} posts, ${acked.size} ratings / ${ackedRevs} revisions acknowledged, `
    + `${cut} cut by the kill; after restart ${rows.length} revisions stored, 0 acknowledged missing, integrity_check ok`);
});

// The database down (PostgreSQL, docs/store.md "Health"): the collector's database refuses
// new connections and every open one is terminated. Ingest answers 500 storage_error
// (nothing acknowledged, so the widget's outbox keeps the rating and retries), /healthz 503,
// the process stays up; once the database takes connections again the same submissions are
// stored, once, and /healthz is 200 again. (SQLite's counterpart, a failing disk, is
// diskfull.test.mjs.)
test('database down (PostgreSQL): ingest and reads 503 db_unavailable with Retry-After, /healthz 503, no crash; the retried ratings are stored once when it is back', {
  skip: TEST_DB === 'postgres' ? false : 'needs SR_TEST_DB=postgres (a database server to lose)',
}, async (t) => {
  const s = await startCollector(t);
  const before = recordV2({ session_id: 'dbdown' });
  assert.equal((await post(s, before)).json.results[0].status, 'accepted');
  const base = process.env.SR_PG_URL;
  const dbName = new URL(s.db).pathname.slice(1);
  t.after(() => psql(base, `ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`));
  psql(base, `ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`);
  psql(base, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${dbName}'`);
  const during = Array.from({ length: 5 }, () => recordV2({ session_id: 'dbdown' }));
  for (let round = 0; round < 2; round++) {
    for (const r of during) {
      const res = await post(s, r);
      assert.equal(res.status, 503, res.text);
      assert.equal(res.json.errors[0].code, 'db_unavailable');
      assert.equal(res.headers.get('retry-after'), '5');
    }
    const h = await admin(s, '/healthz', { token: null });
    assert.equal(h.status, 503, h.text);
    assert.ok(['db_unavailable', 'degraded'].includes(h.json.status), h.text);
    const read = await admin(s, '/v1/ratings?session_id=dbdown');
    assert.equal(read.status, 503, read.text);
    assert.equal(read.json.errors[0].code, 'db_unavailable');
  }
  assert.equal(s.proc.exitCode, null, 'still running');
  psql(base, `ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`);
  // The widget's retries: each stored now, and a second retry is a duplicate.
  for (const r of during) assert.equal((await post(s, r)).json.results[0].status, 'accepted');
  for (const r of during) assert.equal((await post(s, r)).json.results[0].status, 'duplicate');
  const h = await admin(s, '/healthz', { token: null });
  assert.equal(h.status, 200, h.text);
  assert.equal(h.json.status, 'ok');
  const ids = (await storedRatings(s, 'dbdown')).map((r) => r.rating_id).sort();
  assert.deepEqual(ids, [before, ...during].map((r) => r.rating_id).sort());
  // The webhook worker's own database connection died with the others: its next poll takes a
  // working one, and a rating stored now is delivered.
  const got = [];
  const http = await import('node:http');
  const rec = http.createServer((req, res) => { let b = ''; req.on('data', (c) => { b += c; }); req.on('end', () => { got.push(JSON.parse(b)); res.end('ok'); }); });
  await new Promise((r) => rec.listen(0, '127.0.0.1', r));
  t.after(() => rec.close());
  const hook = { id: 'crm', url: `http://127.0.0.1:${rec.address().port}/h`, secret: 'whsec-test-0123456789abcdef', events: ['rating.revision'] };
  assert.equal((await admin(s, '/v1/config', { method: 'PATCH', body: { webhooks: [hook] } })).status, 200);
  const after = recordV2({ session_id: 'dbdown' });
  assert.equal((await post(s, after)).json.results[0].status, 'accepted');
  const until = Date.now() + 10000;
  while (got.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(got.map((b) => b.data.rating_id), [after.rating_id]);
  assert.equal(sqlite(s.db, "SELECT count(*) FROM revisions r JOIN ratings g USING (rating_id) WHERE g.session_id = 'dbdown'"), '7');
});
