// Group commit (docs/store.md): the writer runs many queued jobs in one transaction, each in
// its own savepoint. A job that fails is answered false alone: the other jobs of its group
// commit. Observed on both backends (SR_TEST_DB) with a trigger that refuses some rating_ids
// (a database error in the middle of a group), among many concurrent valid posts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, record, post, admin, sqlite, TEST_DB } from './helpers.mjs';

const POISON_SQL = TEST_DB === 'postgres'
  ? [
    "CREATE FUNCTION sr_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      + "IF NEW.rating_id LIKE 'poison%' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$",
    'CREATE TRIGGER sr_poison BEFORE INSERT ON ratings FOR EACH ROW EXECUTE FUNCTION sr_poison()',
  ]
  : ["CREATE TRIGGER sr_poison BEFORE INSERT ON ratings WHEN NEW.rating_id LIKE 'poison%' "
      + "BEGIN SELECT RAISE(ABORT, 'poisoned'); END"];

test('GroupCommit, a failing job among many concurrent valid ones: the others are stored', async (t) => {
  const server = await startCollector(t);
  for (const sql of POISON_SQL) sqlite(server.db, sql);
  const VALID = 400;
  const bodies = [];
  for (let i = 0; i < VALID; ++i) bodies.push(record({ rating_id: `ok-${i}`, session_id: `s-${i % 50}` }));
  // Poisoned ones spread through the burst, so they land inside groups, not alone.
  for (let i = 0; i < 8; ++i) bodies.splice(25 + i * 50, 0, record({ rating_id: `poison-${i}` }));
  const before = (await admin(server, '/healthz')).json.writes;
  const answers = [];
  for (let i = 0; i < bodies.length; i += 100) {
    answers.push(...await Promise.all(bodies.slice(i, i + 100).map((b) => post(server, b))));
  }
  for (let i = 0; i < bodies.length; ++i) {
    const poisoned = bodies[i].rating_id.startsWith('poison');
    assert.equal(answers[i].status, poisoned ? 500 : 200, `${bodies[i].rating_id}: ${answers[i].text}`);
    if (poisoned) assert.equal(answers[i].json.errors[0].code, 'storage_error');
  }
  assert.equal(sqlite(server.db, "SELECT count(*) FROM ratings WHERE rating_id LIKE 'ok-%'"), String(VALID));
  assert.equal(sqlite(server.db, "SELECT count(*) FROM ratings WHERE rating_id LIKE 'poison%'"), '0');
  assert.equal(sqlite(server.db, "SELECT count(*) FROM revisions WHERE rating_id LIKE 'ok-%'"), String(VALID));
  const after = (await admin(server, '/healthz')).json.writes;
  const jobs = after.jobs - before.jobs;
  const commits = after.commits - before.commits;
  assert.ok(jobs >= VALID, `writes.jobs grew by ${jobs}`);
  t.diagnostic(`${TEST_DB}: ${jobs} jobs in ${commits} commits (${(jobs / Math.max(commits, 1)).toFixed(1)} per commit)`);
});
