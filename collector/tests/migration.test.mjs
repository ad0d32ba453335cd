// Schema migrations of the collector's store (docs/collector.md, "Storage").
//
// Version 3 → 4 (rating model v2, issue 11): every stored rating.v1 record becomes the core's
// rating.v2 record (one answer, question "overall"), each rating gets its answers row, the
// content hashes are recomputed over the rating.v2 text, so retries of stored submissions
// (sent as rating.v1 by old widgets, or as rating.v2) are still duplicates.
// Version 2 → 3: ratings.content_hash was FNV-1a with a mistyped offset basis over the
// client's record; a version 2 store now migrates through 3 to 4 and ends up exactly like a
// version 3 store of the same ratings.
//
// The old stores are built here with the old schema's own SQL (a v3 collector binary is not
// built any more), holding what a v2/v3 collector wrote: rating.v1 records with server times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SCHEMA_VERSION, TEST_DB, startCollector, record, recordV2, answer, post, admin, sqlite, tempDir } from './helpers.mjs';

const statuses = (r) => r.json.results.map((x) => x.status);
const LATEST = SCHEMA_VERSION;
const MASK = (1n << 64n) - 1n;

// FNV-1a 64 over the UTF-8 bytes of `text`, from `basis`, as SQLite's signed integer text.
function fnv1a64(text, basis) {
  let h = basis;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & MASK;
  }
  return BigInt.asIntN(64, h).toString();
}
const LEGACY_BASIS = 1469598103934665603n;   // what schema versions 1–2 used
const FNV_BASIS = 14695981039346656037n;     // the standard offset basis

// Schema versions 1–3 (store.cpp's migrations 0 → 1 and 1 → 2; 2 → 3 had no DDL).
const SCHEMA_V3 = `
CREATE TABLE ratings (
  id INTEGER PRIMARY KEY, rating_id TEXT NOT NULL UNIQUE, session_id TEXT NOT NULL,
  revision INTEGER NOT NULL, final INTEGER NOT NULL, scale TEXT NOT NULL, score INTEGER NOT NULL,
  positive INTEGER NOT NULL, sentiment TEXT NOT NULL, low INTEGER NOT NULL, problems TEXT NOT NULL,
  has_comment INTEGER NOT NULL, internal INTEGER NOT NULL, topic TEXT, agent_id TEXT,
  first_seen_at INTEGER NOT NULL, submitted_at INTEGER NOT NULL, deadline_at INTEGER NOT NULL,
  content_hash INTEGER NOT NULL, record TEXT NOT NULL);
CREATE INDEX ratings_first_seen ON ratings(first_seen_at);
CREATE INDEX ratings_session ON ratings(session_id);
CREATE INDEX ratings_topic ON ratings(topic, first_seen_at);
CREATE INDEX ratings_due ON ratings(deadline_at) WHERE final = 0;
CREATE TABLE revisions (
  id INTEGER PRIMARY KEY, rating_id TEXT NOT NULL, revision INTEGER NOT NULL,
  received_at INTEGER NOT NULL, client_submitted_at INTEGER NOT NULL, record TEXT NOT NULL,
  UNIQUE (rating_id, revision));
CREATE TABLE site (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX ratings_insights ON ratings(first_seen_at, topic, agent_id, scale, score, positive,
  sentiment, internal, problems, revision, final, submitted_at, deadline_at, rating_id);
`;

const q = (text) => `'${String(text).replaceAll("'", "''")}'`;
const opt = (v) => (v === null || v === undefined ? 'NULL' : q(v));
const isLow = (r) => (r.scale === 'thumbs' ? r.score === 0 : r.score <= r.thresholds.low_score_max);

// A store as a version 2 or 3 collector left it. `ratings` is a list of revision lists (the
// records as their clients sent them, revision order); each revision was received 1 s after
// the previous one; the last revision is the ratings row. `finalRatings` are stored final.
function buildOldStore(db, version, ratings, { finalRatings = new Set() } = {}) {
  const basis = version >= 3 ? FNV_BASIS : LEGACY_BASIS;
  const sql = [SCHEMA_V3];
  const base = Date.now() - 60_000;
  ratings.forEach((revisions, i) => {
    const first = base + i * 10_000;
    const deadline = first + 3600_000;
    revisions.forEach((sent, k) => {
      const final = finalRatings.has(sent.rating_id) && k === revisions.length - 1;
      const stored = { ...sent, final, submitted_at: first + k * 1000, first_submitted_at: first, edit_deadline: deadline };
      sql.push(`INSERT INTO revisions (rating_id, revision, received_at, client_submitted_at, record) VALUES
        (${q(sent.rating_id)}, ${sent.revision}, ${first + k * 1000}, ${sent.submitted_at}, ${q(JSON.stringify(stored))});`);
      if (k !== revisions.length - 1) return;
      const hashed = version >= 3
        ? { ...sent, final: false, first_submitted_at: 0, edit_deadline: 0 }
        : { ...sent, final: false };
      sql.push(`INSERT INTO ratings (rating_id, session_id, revision, final, scale, score, positive,
        sentiment, low, problems, has_comment, internal, topic, agent_id, first_seen_at, submitted_at,
        deadline_at, content_hash, record) VALUES (${q(sent.rating_id)}, ${q(sent.session_id)},
        ${sent.revision}, ${final ? 1 : 0}, ${q(sent.scale)}, ${sent.score}, ${sent.positive ? 1 : 0},
        ${q(sent.sentiment)}, ${isLow(sent) ? 1 : 0}, ${q(sent.problems.join(','))},
        ${sent.comment ? 1 : 0}, ${sent.internal ? 1 : 0}, ${opt(sent.topic)}, ${opt(sent.agent_id)},
        ${first}, ${first + k * 1000}, ${deadline}, ${fnv1a64(JSON.stringify(hashed), basis)},
        ${q(JSON.stringify(stored))});`);
    });
  });
  sql.push(`PRAGMA user_version = ${version};`);
  sqlite(db, sql.join('\n'));
}

// The rating.v2 form of a rating.v1 record (contract 3: one answer "overall", range by scale).
function v2Of(v1) {
  const range = { stars: [1, 5], emoji: [1, 5], thumbs: [0, 1] }[v1.scale];
  return {
    schema: 'rating.v2', rating_id: v1.rating_id, session_id: v1.session_id, rater_id: null,
    subject_id: null, revision: v1.revision, final: v1.final,
    answers: [{ question: 'overall', scale: v1.scale, range, score: v1.score, positive: v1.positive,
      sentiment: v1.sentiment, problems: v1.problems, comment: v1.comment, redactions: v1.redactions,
      thresholds: v1.thresholds }],
    submitted_at: v1.submitted_at, first_submitted_at: v1.first_submitted_at,
    edit_deadline: v1.edit_deadline, internal: v1.internal, topic: v1.topic, agent_id: v1.agent_id,
    properties: {},
  };
}

function sampleRatings() {
  const a = record({ score: 5, topic: 'billing', agent_id: 'ann' });
  const b = record({ score: 2, problems: ['audio'], comment: 'too quiet' });
  const b2 = { ...b, revision: 2, score: 1, submitted_at: b.submitted_at + 1000 };
  const c = record({ scale: 'thumbs', score: 1, thresholds: { low_score_max: 3, positive_min: 4 } });
  return { a, b, b2, c, ratings: [[a], [b, b2], [c]] };
}

test('a version 3 store of rating.v1 records: converted to rating.v2 with one answer "overall"; retries still duplicates', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'ratings.sqlite3');
  const { a, b, b2, c, ratings } = sampleRatings();
  buildOldStore(db, 3, ratings, { finalRatings: new Set([c.rating_id]) });
  const kept = 'id, rating_id, session_id, revision, final, internal, topic, agent_id, first_seen_at, submitted_at, deadline_at';
  const keptBefore = sqlite(db, `SELECT ${kept} FROM ratings ORDER BY id`);
  const revKeptBefore = sqlite(db, 'SELECT id, rating_id, revision, received_at, client_submitted_at FROM revisions ORDER BY id');
  const revRecordsBefore = sqlite(db, 'SELECT record FROM revisions ORDER BY id').split('\n').map((l) => JSON.parse(l));

  const s = await startCollector(t, { dir, db });
  assert.equal(sqlite(db, 'PRAGMA user_version'), LATEST);
  assert.equal(sqlite(db, 'PRAGMA integrity_check'), 'ok');
  // Every column that stays is untouched; the per-answer ones moved to the answers table.
  assert.equal(sqlite(db, `SELECT ${kept} FROM ratings ORDER BY id`), keptBefore);
  assert.equal(sqlite(db, 'SELECT rater_id IS NULL, subject_id IS NULL, properties FROM ratings ORDER BY id'),
    '1|1|{}\n1|1|{}\n1|1|{}');
  assert.equal(sqlite(db, 'SELECT r.rating_id, a.position, a.question, a.scale, a.score, a.positive, a.sentiment, a.low, a.problems, a.has_comment ' +
    'FROM answers a JOIN ratings r ON r.id = a.rating_row ORDER BY r.id, a.position'),
  [`${a.rating_id}|0|overall|stars|5|1|positive|0||0`,
    `${b.rating_id}|0|overall|stars|1|0|negative|1|audio|1`,
    `${c.rating_id}|0|overall|thumbs|1|1|positive|0||0`].join('\n'));

  // Every stored record (ratings and every revision) is now the rating.v2 form of what was there.
  const revRecordsAfter = sqlite(db, 'SELECT record FROM revisions ORDER BY id').split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(revRecordsAfter, revRecordsBefore.map(v2Of));
  assert.equal(sqlite(db, 'SELECT id, rating_id, revision, received_at, client_submitted_at FROM revisions ORDER BY id'), revKeptBefore);
  const listed = (await admin(s, '/v1/ratings')).json.ratings;
  assert.deepEqual(listed.map((r) => r.schema), ['rating.v2', 'rating.v2', 'rating.v2']);
  assert.deepEqual(listed.map((r) => r.answers[0].score), [1, 1, 5]);
  assert.equal(listed[0].final, true);
  // The hash is the one a rating.v2 write of today gives (record `a` has nothing to re-redact).
  const hashA = fnv1a64(JSON.stringify(v2Of({ ...a, final: false, first_submitted_at: 0, edit_deadline: 0 })), FNV_BASIS);
  assert.equal(sqlite(db, `SELECT content_hash FROM ratings WHERE rating_id = '${a.rating_id}'`), hashA);

  // Retries of stored submissions, as rating.v1 or as their rating.v2 form, are duplicates.
  assert.deepEqual(statuses(await post(s, a)), ['duplicate']);
  assert.deepEqual(statuses(await post(s, v2Of(a))), ['duplicate']);
  assert.deepEqual(statuses(await post(s, b2)), ['duplicate']);
  assert.deepEqual(statuses(await post(s, c)), ['duplicate']);
  assert.deepEqual(statuses(await post(s, { ...b2, comment: 'another text' })), ['conflict']);
  assert.deepEqual(statuses(await post(s, { ...c, revision: 2 })), ['finalised']);
  // A new revision of a migrated rating is stored with the migrated first sight and deadline.
  const a2 = recordV2({ rating_id: a.rating_id, session_id: a.session_id, revision: 2, topic: 'billing',
    agent_id: 'ann', answers: [{ score: 4 }] });
  assert.deepEqual(statuses(await post(s, a2)), ['accepted']);
  const [rowA] = (await admin(s, `/v1/ratings?session_id=${a.session_id}`)).json.ratings;
  assert.equal(rowA.first_submitted_at, listed[2].first_submitted_at);
  assert.equal(rowA.edit_deadline, listed[2].edit_deadline);
  assert.equal(rowA.answers[0].score, 4);

  const insights = (await admin(s, '/v1/insights')).json;
  assert.equal(insights.ratings, 3);
  assert.equal(insights.answers, 3);
  assert.deepEqual(Object.keys(insights.questions), ['overall']);
  assert.deepEqual(insights.distribution, { 1: 1, 2: 0, 3: 0, 4: 1, 5: 0 });
  const fast = (await admin(s, '/v1/insights?by=agent')).json;
  assert.deepEqual(fast, (await admin(s, '/v1/insights?by=agent&engine=core')).json);
  await s.stop();
  assert.equal(sqlite(db, 'PRAGMA integrity_check'), 'ok');
});

test('a version 2 store (old-basis hashes) migrates through 3 to 4 and equals the version 3 store of the same ratings', async (t) => {
  const dir = tempDir(t);
  const { a, b2, c, ratings } = sampleRatings();
  const db2 = join(dir, 'v2.sqlite3');
  const db3 = join(dir, 'v3.sqlite3');
  buildOldStore(db2, 2, ratings);
  buildOldStore(db3, 3, ratings);
  assert.notEqual(sqlite(db2, 'SELECT content_hash FROM ratings ORDER BY id'),
    sqlite(db3, 'SELECT content_hash FROM ratings ORDER BY id'));
  for (const db of [db3, db2]) {
    const s = await startCollector(t, { dir, db });
    assert.deepEqual(statuses(await post(s, a)), ['duplicate']);
    assert.deepEqual(statuses(await post(s, b2)), ['duplicate']);
    assert.deepEqual(statuses(await post(s, c)), ['duplicate']);
    await s.stop();
    assert.equal(sqlite(db, 'PRAGMA user_version'), LATEST);
  }
  const all = 'SELECT * FROM ratings ORDER BY id; SELECT * FROM revisions ORDER BY id; SELECT * FROM answers ORDER BY rating_row, position;';
  // received_at/first_seen_at come from Date.now() in buildOldStore: compare without them.
  const strip = (db) => sqlite(db, all).replace(/\d{13}/g, 'T');
  assert.equal(strip(db2), strip(db3));
  assert.equal(sqlite(db2, 'SELECT content_hash FROM ratings ORDER BY id'),
    sqlite(db3, 'SELECT content_hash FROM ratings ORDER BY id'));
});

test('a version 3 store holding a record the core refuses is not migrated, and nothing changes', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'ratings.sqlite3');
  const { ratings } = sampleRatings();
  buildOldStore(db, 3, ratings);
  sqlite(db, `UPDATE ratings SET record = '{"schema":"rating.v1"}' WHERE id = 2`);
  const before = sqlite(db, 'SELECT * FROM ratings ORDER BY id; SELECT * FROM revisions ORDER BY id');
  await assert.rejects(startCollector(t, { dir, db }), /migration to version 4 failed: ratings row 2 holds a record the core refuses/);
  assert.equal(sqlite(db, 'PRAGMA user_version'), '3');
  assert.equal(sqlite(db, 'SELECT * FROM ratings ORDER BY id; SELECT * FROM revisions ORDER BY id'), before);
  assert.equal(sqlite(db, "SELECT count(*) FROM sqlite_master WHERE name = 'answers'"), '0');
});

test('a v2 write after the migration stores answers, rater, subject and properties', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'ratings.sqlite3');
  buildOldStore(db, 3, sampleRatings().ratings);
  const s = await startCollector(t, { dir, db });
  const rec = recordV2({ rater_id: 'u-1', subject_id: 'msg-9', properties: { model: 'm-2', temp: 0.5, beta: true },
    answers: [{ question: 'HELPFUL_THUMBS', scale: 'thumbs', score: 0 }, answer({ question: 'EXPERIENCE_THUMBS', scale: 'thumbs', score: 1 })] });
  assert.deepEqual(statuses(await post(s, rec)), ['accepted']);
  assert.equal(sqlite(db, `SELECT rater_id, subject_id, properties FROM ratings WHERE rating_id = '${rec.rating_id}'`),
    'u-1|msg-9|{"beta":true,"model":"m-2","temp":0.5}');
  assert.equal(sqlite(db, `SELECT key, value FROM rating_properties p JOIN ratings r ON r.id = p.rating_row WHERE r.rating_id = '${rec.rating_id}' ORDER BY key`),
    'beta|true\nmodel|m-2\ntemp|0.5');
  assert.equal(sqlite(db, `SELECT question, score, low FROM answers a JOIN ratings r ON r.id = a.rating_row WHERE r.rating_id = '${rec.rating_id}' ORDER BY position`),
    'HELPFUL_THUMBS|0|1\nEXPERIENCE_THUMBS|1|0');
  await s.stop();
});

// Version 7 → 8 (issue 15): webhook_outbox.lease_until, on the backend of this pass (SQLite,
// or PostgreSQL under SR_TEST_DB=postgres: its one-row schema_version table). The version 7
// store is what a version 7 collector left: the same tables without the column, a pending
// outbox row among them, which the upgraded collector still delivers.
test('migration 7 → 8 on this backend: the outbox gains lease_until, rows and ratings are kept, a pending row is delivered', async (t) => {
  const got = [];
  const { createServer } = await import('node:http');
  const rec = createServer((req, res) => { let b = ''; req.on('data', (c) => { b += c; }); req.on('end', () => { got.push(JSON.parse(b)); res.end('ok'); }); });
  await new Promise((r) => rec.listen(0, '127.0.0.1', r));
  t.after(() => rec.close());
  const first = await startCollector(t);
  const hook = { id: 'crm', url: 'http://127.0.0.1:1/unreachable', secret: 'whsec-test-0123456789abcdef', events: ['rating.revision'] };
  assert.equal((await admin(first, '/v1/config', { method: 'PATCH', body: { webhooks: [hook] } })).status, 200);
  const r = recordV2();
  assert.deepEqual(statuses(await post(first, r)), ['accepted']);
  await first.kill9();  // the row stays pending (port 1 refuses; first retry in seconds)
  const v7 = TEST_DB === 'postgres'
    ? 'ALTER TABLE webhook_outbox DROP COLUMN lease_until; UPDATE schema_version SET version = 7;'
    : 'ALTER TABLE webhook_outbox DROP COLUMN lease_until; PRAGMA user_version = 7;';
  sqlite(first.db, v7);
  assert.equal(sqlite(first.db, 'PRAGMA user_version'), '7');
  const before = sqlite(first.db, 'SELECT rating_id, record FROM ratings ORDER BY id');
  const row = sqlite(first.db, "SELECT delivery_id, status FROM webhook_outbox");
  assert.match(row, /^wh_[0-9a-f]{24}\|pending$/);

  const second = await startCollector(t, { db: first.db, args: ['--webhook-backoff-ms', '100'] });
  assert.equal(sqlite(first.db, 'PRAGMA user_version'), '8');
  assert.equal(sqlite(first.db, 'SELECT rating_id, record FROM ratings ORDER BY id'), before);
  // The column exists and the row is kept; the new collector's worker may already have
  // claimed it (lease_until set) by the time this reads it, so either state counts.
  assert.equal(sqlite(first.db, 'SELECT count(*) FROM webhook_outbox WHERE lease_until IS NULL OR lease_until >= 0'), '1');
  // The same row, delivered once the endpoint answers.
  hook.url = `http://127.0.0.1:${rec.address().port}/h`;
  assert.equal((await admin(second, '/v1/config', { method: 'PATCH', body: { webhooks: [hook] } })).status, 200);
  const deadline = Date.now() + 20000;
  while (got.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  assert.equal(got.length, 1);
  assert.equal(got[0].id, row.split('|')[0]);
  assert.equal(got[0].data.rating_id, r.rating_id);
  await second.stop();
});
