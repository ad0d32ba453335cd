// Schema version 2 → 3: ratings.content_hash was FNV-1a with a mistyped offset basis
// (1469598103934665603) over the client's record; version 3 recomputes every stored value
// with the core's fnv1a_64 (docs/collector.md, "content_hash"). A version 2 database must open
// with everything else unchanged, and retries of stored submissions must still be duplicates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCollector, record, post, admin, sqlite, tempDir } from './helpers.mjs';

const statuses = (r) => r.json.results.map((x) => x.status);
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

const ALL_BUT_HASH = 'id, rating_id, session_id, revision, final, scale, score, positive, sentiment, ' +
  'low, problems, has_comment, internal, topic, agent_id, first_seen_at, submitted_at, deadline_at, record';

test('a version 2 store with old-basis hashes: hashes recomputed, all else kept, retries still duplicates', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'ratings.sqlite3');

  // A store written through the API: a rating, an edited one with a redacted comment, a final one.
  let s = await startCollector(t, { dir, db });
  const a = record({ score: 5, topic: 'billing' });
  const b = record({ score: 2, problems: ['audio'], comment: 'mail me: jane@example.com' });
  const b2 = { ...b, revision: 2, score: 1, submitted_at: b.submitted_at + 1000 };
  const c = record({ scale: 'thumbs', score: 1, final: true });
  for (const rec of [a, b, b2, c]) assert.deepEqual(statuses(await post(s, rec)), ['accepted']);
  await s.stop();
  assert.equal(sqlite(db, 'PRAGMA user_version'), '3');
  const hashes = sqlite(db, 'SELECT rating_id, content_hash FROM ratings ORDER BY id');
  const rows = sqlite(db, `SELECT ${ALL_BUT_HASH} FROM ratings ORDER BY id`);
  const revisions = sqlite(db, 'SELECT * FROM revisions ORDER BY id');

  // The definition (store.h, record_content_hash): the client's record, final false, the two
  // server-set times zeroed. Record `a` has nothing to re-redact, so it is computable here.
  const hashA = fnv1a64(JSON.stringify({ ...a, final: false, first_submitted_at: 0, edit_deadline: 0 }), FNV_BASIS);
  assert.equal(sqlite(db, `SELECT content_hash FROM ratings WHERE rating_id = '${a.rating_id}'`), hashA);

  // Turn it into the store a version 2 collector left: its hash (old basis over the client's
  // record with final false) in content_hash, user_version 2. The tables are otherwise the same.
  const redacted = { ...b2, comment: 'mail me: [email]', redactions: [{ kind: 'email', count: 1 }] };
  const legacy = [[a, a], [b, redacted], [c, c]].map(([stored, sent]) =>
    [stored.rating_id, fnv1a64(JSON.stringify({ ...sent, final: false }), LEGACY_BASIS)]);
  for (const [id, h] of legacy) sqlite(db, `UPDATE ratings SET content_hash = ${h} WHERE rating_id = '${id}'`);
  sqlite(db, 'PRAGMA user_version = 2');
  assert.notEqual(sqlite(db, 'SELECT rating_id, content_hash FROM ratings ORDER BY id'), hashes);

  // Opened by this collector: migrated to 3, the same hashes as if written today, nothing else touched.
  s = await startCollector(t, { dir, db });
  assert.equal(sqlite(db, 'PRAGMA user_version'), '3');
  assert.equal(sqlite(db, 'SELECT rating_id, content_hash FROM ratings ORDER BY id'), hashes);
  assert.equal(sqlite(db, `SELECT ${ALL_BUT_HASH} FROM ratings ORDER BY id`), rows);
  assert.equal(sqlite(db, 'SELECT * FROM revisions ORDER BY id'), revisions);
  assert.equal(sqlite(db, 'PRAGMA integrity_check'), 'ok');

  // Retries of what is stored are still duplicates; other content under a stored revision is not.
  assert.deepEqual(statuses(await post(s, a)), ['duplicate']);
  assert.deepEqual(statuses(await post(s, b2)), ['duplicate']);
  assert.deepEqual(statuses(await post(s, c)), ['duplicate']);
  assert.deepEqual(statuses(await post(s, { ...b2, comment: 'another text' })), ['conflict']);
  const insights = await admin(s, '/v1/insights');
  assert.equal(insights.status, 200, insights.text);
  assert.equal(insights.json.ratings, 3);
  await s.stop();
});

test('a version 2 store holding a record the core refuses is not migrated, and nothing changes', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'ratings.sqlite3');
  let s = await startCollector(t, { dir, db });
  const a = record({ score: 4 });
  assert.deepEqual(statuses(await post(s, a)), ['accepted']);
  await s.stop();
  sqlite(db, "UPDATE ratings SET content_hash = 42, record = '{\"schema\":\"rating.v1\"}'");
  sqlite(db, 'PRAGMA user_version = 2');
  await assert.rejects(startCollector(t, { dir, db }), /migration to version 3 failed/);
  assert.equal(sqlite(db, 'PRAGMA user_version'), '2');
  assert.equal(sqlite(db, 'SELECT content_hash FROM ratings'), '42');
});
