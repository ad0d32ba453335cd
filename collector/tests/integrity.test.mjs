// Issue 13, rating integrity with the public write key: what a hostile client holding the
// site's write key tried, each refused with nothing stored — another session/subject/rater
// or scale for a stored rating, a revision of 2^63-1, a final: true replay before the
// deadline, problem ids outside the site's configured list — and every free text re-redacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, recordV2, record, post, admin, setClock, sqlite, ADMIN_TOKEN } from './helpers.mjs';

const only = (r) => { assert.equal(r.json.results.length, 1, r.text); return r.json.results[0]; };
const count = (s, sql) => Number(sqlite(s.db, sql));
// Another revision of a rating.v1 record: the same ids, a consistent body for `over`.
const edit = (base, over) => record({ rating_id: base.rating_id, session_id: base.session_id,
  first_submitted_at: base.first_submitted_at, ...over });
async function latest(s, ratingId) {
  const r = await admin(s, '/v1/ratings?limit=1000');
  assert.equal(r.status, 200, r.text);
  return r.json.ratings.find((x) => x.rating_id === ratingId);
}

test('the fields that identify a rating are fixed by its first stored revision (409 identity_mismatch)', async (t) => {
  const s = await startCollector(t);
  const base = recordV2({ rater_id: 'sr-alice', subject_id: 'msg-1',
    answers: [{ question: 'HELPFUL', scale: 'thumbs', score: 1 }] });
  assert.equal(only(await post(s, base)).status, 'accepted');
  const tries = [
    [{ session_id: 'attacker-session' }, '/session_id'],
    [{ subject_id: 'msg-2' }, '/subject_id'],
    [{ subject_id: null }, '/subject_id'],
    [{ rater_id: 'sr-mallory' }, '/rater_id'],
    [{ answers: [{ question: 'HELPFUL', scale: 'stars', score: 1 }].map((a) => ({ ...recordV2({ answers: [a] }).answers[0] })) }, '/answers/0/scale'],
    [{ answers: recordV2({ answers: [{ question: 'OTHER', scale: 'thumbs', score: 1 }] }).answers }, '/answers'],
  ];
  for (const [over, path] of tries) {
    for (const revision of [2, 1]) { // a new revision, and a replay of the stored one
      const r = await post(s, { ...base, ...over, revision });
      assert.equal(r.status, 409, `${JSON.stringify(over)}: ${r.text}`);
      const res = only(r);
      assert.equal(res.status, 'identity_mismatch');
      assert.equal(res.errors[0].code, 'identity_mismatch');
      assert.equal(res.errors[0].path, path);
    }
  }
  assert.equal(count(s, `SELECT count(*) FROM revisions WHERE rating_id='${base.rating_id}'`), 1);
  assert.equal(sqlite(s.db, `SELECT session_id || '|' || revision FROM ratings WHERE rating_id='${base.rating_id}'`),
    `${base.session_id}|1`);
  // The real client's revision 2 (another score, and an optional question answered now) passes.
  const two = { ...base, revision: 2, answers: recordV2({ answers: [
    { question: 'HELPFUL', scale: 'thumbs', score: 0 }, { question: 'EXTRA', scale: 'stars', score: 4 }] }).answers };
  assert.equal(only(await post(s, two)).status, 'accepted');
  assert.equal((await latest(s, base.rating_id)).revision, 2);
});

test('revisions grow by at most 100: 2^63-1 is refused and the real client is not made stale', async (t) => {
  const s = await startCollector(t);
  const base = record({ score: 5 });
  assert.equal(only(await post(s, base)).status, 'accepted');
  for (const revision of [Number.MAX_SAFE_INTEGER, 102]) {
    const r = await post(s, edit(base, { revision, score: 1 }));
    assert.equal(r.status, 409, r.text);
    assert.equal(only(r).status, 'revision_out_of_range');
    assert.equal(only(r).errors[0].path, '/revision');
  }
  const huge = JSON.stringify(edit(base, { score: 1, revision: 1 })).replace('"revision":1', '"revision":9223372036854775807');
  let r = await post(s, huge, { raw: true });
  assert.notEqual(r.status, 200, r.text);
  assert.equal(count(s, `SELECT revision FROM ratings WHERE rating_id='${base.rating_id}'`), 1);
  r = await post(s, edit(base, { revision: 2, score: 4 })); // the real client's next edit
  assert.equal(only(r).status, 'accepted');
  r = await post(s, edit(base, { revision: 102, score: 3 })); // stored 2 + 100: the bound itself
  assert.equal(only(r).status, 'accepted');
  // A first stored revision above 100 is refused too (a squatter cannot start at the top).
  const fresh = record();
  r = await post(s, { ...fresh, revision: 101 });
  assert.equal(only(r).status, 'revision_out_of_range');
  assert.equal(count(s, `SELECT count(*) FROM ratings WHERE rating_id='${fresh.rating_id}'`), 0);
});

test("finality is the server's: final: true before the deadline is stored open, a replay cannot freeze it", async (t) => {
  const s = await startCollector(t);
  let r = await admin(s, '/v1/config', { method: 'PATCH', body: { config: { finalise: { window_seconds: 600 } } } });
  assert.equal(r.status, 200, r.text);
  const base = record({ score: 5 });
  r = await post(s, { ...base, final: true }); // first sight claiming final
  assert.equal(only(r).status, 'accepted');
  let row = await latest(s, base.rating_id);
  assert.equal(row.final, false);
  r = await post(s, { ...base, final: true }); // replaying revision 1 with final: true
  assert.equal(only(r).status, 'duplicate');
  assert.equal(sqlite(s.db, `SELECT final FROM ratings WHERE rating_id='${base.rating_id}'`), '0');
  r = await post(s, edit(base, { revision: 2, score: 2, final: true }));
  assert.equal(only(r).status, 'accepted', r.text);
  r = await post(s, edit(base, { revision: 3, score: 4 })); // still editable: the final claim decided nothing
  assert.equal(only(r).status, 'accepted', r.text);
  row = await latest(s, base.rating_id);
  assert.equal(row.final, false);
  assert.equal(row.revision, 3);
  assert.equal(count(s, `SELECT count(*) FROM revisions WHERE rating_id='${base.rating_id}' AND record LIKE '%"final":true%'`), 0); // compact JSON (record_to_json): one spelling, on both backends
  await setClock(s, 601_000); // the server's deadline passes: final
  row = await latest(s, base.rating_id);
  assert.equal(row.final, true);
  // The same pattern finds the finalised head revision: the check above can fail.
  assert.equal(count(s, `SELECT count(*) FROM revisions WHERE rating_id='${base.rating_id}' AND record LIKE '%"final":true%'`), 1);
  r = await post(s, edit(base, { revision: 4, score: 1 }));
  assert.equal(only(r).status, 'finalised');
});

test('problem ids outside the configured list are refused (400 unknown_problem) once the site config is known', async (t) => {
  const s = await startCollector(t);
  // No config set yet: nothing to check against.
  const early = recordV2({ answers: [{ score: 1, problems: ['anything'] }] });
  assert.equal(only(await post(s, early)).status, 'accepted');
  let r = await admin(s, '/v1/config', { method: 'PATCH', body: { config: { questions: [
    { id: 'overall', text: 'How was it?', scale: 'stars', problems: [{ id: 'audio', label: 'Audio' }, { id: 'video', label: 'Video' }] },
  ] } } });
  assert.equal(r.status, 200, r.text);
  const bad = recordV2({ answers: [{ score: 1, problems: ['audio', 'evil_problem'] }] });
  r = await post(s, bad);
  assert.equal(r.status, 400, r.text);
  assert.equal(only(r).status, 'invalid');
  assert.deepEqual(only(r).errors.map((e) => [e.code, e.path]), [['unknown_problem', '/answers/0/problems/1']]);
  assert.equal(count(s, `SELECT count(*) FROM ratings WHERE rating_id='${bad.rating_id}'`), 0);
  const other = recordV2({ answers: [{ question: 'unconfigured', score: 1, problems: ['nope'] }] });
  r = await post(s, other);
  assert.equal(only(r).errors[0].code, 'unknown_problem');
  const good = recordV2({ answers: [{ score: 1, problems: ['audio', 'video'] }] });
  assert.equal(only(await post(s, good)).status, 'accepted');
  const r1 = await admin(s, '/v1/insights');
  assert.equal(r1.status, 200);
  assert.ok(!JSON.stringify(r1.json).includes('evil_problem'));
});

test('every free text is re-redacted on ingest: comment, topic, string properties', async (t) => {
  const s = await startCollector(t);
  const rec = recordV2({ topic: 'billing for john@example.com', properties: { model: 'm-2', note: 'call +1 415 555 0100 please' },
    answers: [{ score: 1, comment: 'card 4111 1111 1111 1111' }] });
  const r = await post(s, rec);
  assert.equal(only(r).status, 'accepted', r.text);
  const stored = sqlite(s.db, `SELECT record FROM ratings WHERE rating_id='${rec.rating_id}'`);
  const row = JSON.parse(stored);
  assert.ok(!stored.includes('john@example.com'), stored);
  assert.ok(!stored.includes('4111 1111 1111 1111'), stored);
  assert.ok(!stored.includes('555 0100'), stored);
  assert.match(row.topic, /\[email\]/);
  assert.equal(row.properties.model, 'm-2');
  assert.equal(count(s, `SELECT count(*) FROM ratings WHERE topic LIKE '%john@%'`), 0);
  assert.equal(count(s, `SELECT count(*) FROM rating_properties WHERE value LIKE '%555%'`), 0);
  assert.equal(count(s, `SELECT count(*) FROM revisions WHERE record LIKE '%john@%'`), 0);
});

test('look-alike PII is re-redacted on ingest, with counts in the first answer', async (t) => {
  const s = await startCollector(t);
  // No-break spaces inside a card, a full-width @: what a client that does not normalise sends.
  const rec = recordV2({ topic: 'john\uff20example.com',
    answers: [{ score: 1, comment: 'card 4111\u00a01111\u00a01111\u00a01111 ok' }] });
  const r = await post(s, rec);
  assert.equal(only(r).status, 'accepted', r.text);
  const row = JSON.parse(sqlite(s.db, `SELECT record FROM ratings WHERE rating_id='${rec.rating_id}'`));
  assert.equal(row.topic, '[email]');
  assert.equal(row.answers[0].comment, 'card [card] ok');
  assert.deepEqual(row.answers[0].redactions, [{ kind: 'email', count: 1 }, { kind: 'card', count: 1 }]);
});

test('duplicate keys are refused (400 duplicate_key at the second key), in a batch per record', async (t) => {
  const s = await startCollector(t);
  const a = recordV2({ topic: 'a' });
  const b = recordV2({ topic: 'b' });
  // One record alone: the whole request is refused.
  const one = JSON.stringify(a).replace('"topic":"a"', '"topic":"a","topic":"x"');
  let r = await post(s, one, { raw: true });
  assert.equal(r.status, 400, r.text);
  assert.equal(only(r).errors[0].code, 'duplicate_key');
  assert.equal(only(r).errors[0].path, '/topic');
  // A batch: the record with the duplicate is invalid at its own path, the other is stored.
  const batch = `[${JSON.stringify(a)},${JSON.stringify(b).replace('"topic":"b"', '"topic":"b","topic":"y"')}]`;
  r = await post(s, batch, { raw: true });
  assert.equal(r.json.results.length, 2, r.text);
  assert.equal(r.json.results[0].status, 'accepted', r.text);
  assert.equal(r.json.results[1].status, 'invalid', r.text);
  assert.equal(r.json.results[1].errors[0].code, 'duplicate_key');
  assert.equal(r.json.results[1].errors[0].path, '/topic');
  assert.equal(count(s, `SELECT count(*) FROM ratings WHERE rating_id='${b.rating_id}'`), 0);
  assert.equal(count(s, `SELECT count(*) FROM ratings WHERE topic IN ('x', 'y')`), 0);
  // Admin bodies too: a config patch with a duplicate key changes nothing.
  const before = await admin(s, '/v1/config');
  const res = await fetch(`${s.url}/v1/config`, { method: 'PATCH',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    body: '{"enabled":false,"enabled":true}' });
  const text = await res.text();
  assert.equal(res.status, 400, text);
  assert.equal(JSON.parse(text).errors[0].code, 'duplicate_key');
  assert.deepEqual((await admin(s, '/v1/config')).json, before.json);
});
