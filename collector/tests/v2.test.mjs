// Rating model v2 in the collector (issue 11): every rater of a session stored and counted,
// rating.v1 read and returned as rating.v2, filters by rater/subject/agent/property, insights
// per question (NPS) and by property, session ends reported by a server, bad v2 input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startCollector, record, recordV2, answer, post, admin, setClock, sqlite, CLI, WRITE_KEY, TEST_DB,
} from './helpers.mjs';

const statuses = (r) => r.json.results.map((x) => x.status);

async function ratingsOf(server, query) {
  const r = await admin(server, '/v1/ratings' + query);
  assert.equal(r.status, 200, r.text);
  return r.json.ratings;
}

test('two raters of one session: both stored, both counted, both in the session view', async (t) => {
  const s = await startCollector(t);
  const session = 'call-42';
  const ann = recordV2({ rating_id: 'rt-aaaa', session_id: session, rater_id: 'u-ann', answers: [{ score: 5 }] });
  const bob = recordV2({ rating_id: 'rt-bbbb', session_id: session, rater_id: 'u-bob', answers: [{ score: 2, problems: ['audio'] }] });
  assert.deepEqual(statuses(await post(s, ann)), ['accepted']);
  assert.deepEqual(statuses(await post(s, bob)), ['accepted']);
  assert.equal(sqlite(s.db, `SELECT count(*) FROM ratings WHERE session_id = '${session}'`), '2');

  const both = await ratingsOf(s, `?session_id=${session}`);
  assert.deepEqual(both.map((r) => r.rater_id), ['u-bob', 'u-ann']);
  assert.deepEqual((await ratingsOf(s, '?rater_id=u-ann')).map((r) => r.rating_id), ['rt-aaaa']);

  const ins = (await admin(s, '/v1/insights')).json;
  assert.equal(ins.ratings, 2);
  assert.equal(ins.raters, 2);
  assert.equal(ins.answers, 2);
  assert.ok(Math.abs(ins.csat - 0.5) < 1e-9);

  const view = await admin(s, `/v1/sessions/${session}`);
  assert.equal(view.status, 200, view.text);
  assert.equal(view.json.session_id, session);
  assert.equal(view.json.ended_at, null);
  assert.deepEqual(view.json.ratings.map((r) => r.rating_id), ['rt-aaaa', 'rt-bbbb']);
  assert.deepEqual((await admin(s, '/v1/sessions/nobody-here')).json, { ended_at: null, ratings: [], session_id: 'nobody-here' });
  assert.equal((await admin(s, `/v1/sessions/${session}`, { token: null })).status, 401);
  assert.equal((await admin(s, `/v1/sessions/${session}`, { token: WRITE_KEY })).status, 401);
  assert.equal((await admin(s, '/v1/sessions/a%20b')).status, 400);
  assert.equal((await admin(s, `/v1/sessions/${session}/other`)).status, 404);
  assert.equal((await admin(s, `/v1/sessions/${session}?colour=red`)).status, 400);

  // The same rating_id keeps today's rules: another content under the same revision is a conflict.
  const r = await post(s, { ...bob, answers: [{ ...bob.answers[0], problems: ['video'] }] });
  assert.equal(r.status, 409);
  assert.deepEqual(statuses(r), ['conflict']);
});

test('a rating.v1 record is stored, listed and exported as a one-answer rating.v2 record', async (t) => {
  const s = await startCollector(t);
  const v1 = record({ score: 2, problems: ['audio'], comment: 'call me on +44 20 7946 0958', topic: 'calls' });
  assert.deepEqual(statuses(await post(s, v1)), ['accepted']);
  const [row] = await ratingsOf(s, `?session_id=${v1.session_id}`);
  assert.equal(row.schema, 'rating.v2');
  assert.equal(row.rater_id, null);
  assert.equal(row.subject_id, null);
  assert.deepEqual(row.properties, {});
  assert.equal(row.topic, 'calls');
  assert.equal(row.answers.length, 1);
  const [a] = row.answers;
  assert.deepEqual({ ...a, comment: undefined, redactions: undefined }, {
    question: 'overall', scale: 'stars', range: [1, 5], score: 2, positive: false, sentiment: 'negative',
    problems: ['audio'], comment: undefined, redactions: undefined, thresholds: { low_score_max: 3, positive_min: 4 },
  });
  assert.ok(!a.comment.includes('7946'), `phone number re-redacted: ${a.comment}`);
  assert.equal(a.redactions[0].kind, 'phone');
  const exp = await admin(s, '/v1/export.jsonl');
  const lines = exp.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(lines.length, 1);
  assert.equal(lines[0].schema, 'rating.v2');
  assert.deepEqual(lines[0].answers, row.answers);
  // The row is the record plus the collector's context_trust (signed context; no secret: none).
  const { context_trust: trust, ...stored } = row;
  assert.equal(trust, 'none');
  // The same rating sent again by a v2 widget (same content) is a duplicate of the v1 one.
  const again = { ...stored, submitted_at: v1.submitted_at, first_submitted_at: v1.first_submitted_at,
    edit_deadline: v1.edit_deadline, answers: [{ ...a, comment: v1.comment, redactions: [] }] };
  assert.deepEqual(statuses(await post(s, again)), ['duplicate']);
});

test('GET /v1/ratings filters: rater_id, subject_id, agent_id, property.KEY; bad filters answered 400 at once', async (t) => {
  const s = await startCollector(t);
  const recs = [
    recordV2({ rater_id: 'u-1', subject_id: 'msg-1', agent_id: 'bot-a', properties: { model: 'm-1', temp: 0.5, beta: true } }),
    recordV2({ rater_id: 'u-1', subject_id: 'msg-2', agent_id: 'bot-a', properties: { model: 'm-2', temp: 1 } }),
    recordV2({ rater_id: 'u-2', subject_id: 'msg-1', agent_id: 'bot-b', properties: { model: 'm-2', beta: false } }),
    recordV2({ agent_id: 'bot-b' }),
  ];
  for (const r of recs) assert.deepEqual(statuses(await post(s, r)), ['accepted']);
  const ids = async (qs) => (await ratingsOf(s, qs)).map((r) => r.rating_id).sort();
  const want = (...i) => i.map((k) => recs[k].rating_id).sort();
  assert.deepEqual(await ids('?rater_id=u-1'), want(0, 1));
  assert.deepEqual(await ids('?subject_id=msg-1'), want(0, 2));
  assert.deepEqual(await ids('?agent_id=bot-b'), want(2, 3));
  assert.deepEqual(await ids('?property.model=m-2'), want(1, 2));
  assert.deepEqual(await ids('?property.model=m-2&property.beta=false'), want(2));
  assert.deepEqual(await ids('?property.temp=0.5'), want(0));
  assert.deepEqual(await ids('?property.temp=1'), want(1));
  assert.deepEqual(await ids('?property.beta=true&rater_id=u-1&subject_id=msg-1'), want(0));
  assert.deepEqual(await ids('?property.model=m-3'), []);
  assert.deepEqual(await ids('?property.colour=red'), []);

  const bad = await admin(s, '/v1/ratings?rater_id=a%20b&property.Model=x&property.model=&subject_id=&agent_id=' + 'x'.repeat(129) +
    '&property.topic=' + 'y'.repeat(201));
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json.errors.map((e) => e.path).sort(),
    ['/query/agent_id', '/query/property.Model', '/query/property.model', '/query/property.topic', '/query/rater_id', '/query/subject_id']);
  for (const e of bad.json.errors) assert.deepEqual(Object.keys(e).sort(), ['code', 'message', 'path']);
  assert.equal((await admin(s, '/v1/ratings?property.model=a&property.model=b')).status, 400);
  assert.equal((await admin(s, '/v1/insights?property.model=a')).status, 400);
});

test('insights per question: NPS and CSAT equal a count by hand, by=property, fast = core = CLI', async (t) => {
  const s = await startCollector(t);
  const npsScores = [10, 9, 8, 7, 6, 0, 10, 3];
  const csatScores = [5, 4, 2, 1, 5, 3, 4, null];  // the last rating answers NPS only
  const models = ['m-1', 'm-2', 'm-1', 'm-2', 'm-1', null, 'm-2', 'm-1'];
  const recs = npsScores.map((nps, i) => recordV2({
    rater_id: `u-${i % 5}`, // five distinct raters
    agent_id: i % 2 ? 'bob' : 'ann',
    properties: models[i] ? { model: models[i] } : {},
    answers: [
      { question: 'NPS', scale: 'nps', score: nps },
      ...(csatScores[i] === null ? [] : [{ question: 'CSAT', scale: 'stars', score: csatScores[i], problems: csatScores[i] <= 3 ? ['audio'] : [] }]),
    ],
  }));
  recs.push(recordV2({ internal: true, answers: [{ question: 'NPS', scale: 'nps', score: 0 }] }));
  recs.push(record({ score: 4 })); // a rating.v1 record: question "overall"
  const numeric = recordV2({ properties: { model: 'm-2' }, answers: [{ question: 'EFFORT', scale: 'numeric', range: [1, 7], score: 6 }] });
  recs.push(numeric);
  for (const r of recs) assert.deepEqual(statuses(await post(s, r)), ['accepted']);
  // An edit: the second rating's NPS answer goes from 9 to 4 (revision 2 wins).
  const edited = { ...recs[1], revision: 2, answers: [{ ...recs[1].answers[0], score: 4, positive: false, sentiment: 'negative' }, recs[1].answers[1]] };
  assert.deepEqual(statuses(await post(s, edited)), ['accepted']);
  npsScores[1] = 4;

  // By hand: promoters 9–10, passives 7–8, detractors 0–6 (internal left out).
  const promoters = npsScores.filter((x) => x >= 9).length;
  const passives = npsScores.filter((x) => x === 7 || x === 8).length;
  const detractors = npsScores.filter((x) => x <= 6).length;
  const npsHand = (100 * (promoters - detractors)) / npsScores.length;

  const nps = (await admin(s, '/v1/insights?question=NPS')).json;
  assert.equal(nps.question, 'NPS');
  assert.equal(nps.ratings, npsScores.length);
  assert.equal(nps.excluded_internal, 1);
  assert.equal(nps.raters, 5);
  assert.deepEqual({ ...nps.nps, score: undefined }, { promoters, passives, detractors, responses: npsScores.length, score: undefined });
  assert.ok(Math.abs(nps.nps.score - npsHand) < 1e-6, `${nps.nps.score} vs ${npsHand}`);
  assert.equal(nps.csat, null);

  const csat = (await admin(s, '/v1/insights?question=CSAT')).json;
  const answered = csatScores.filter((x) => x !== null);
  assert.equal(csat.ratings, answered.length);
  assert.ok(Math.abs(csat.csat - answered.filter((x) => x >= 4).length / answered.length) < 1e-6);
  assert.equal(csat.problems.audio, answered.filter((x) => x <= 3).length);

  const all = (await admin(s, '/v1/insights')).json;
  assert.equal(all.ratings, recs.length - 1);
  assert.deepEqual(Object.keys(all.questions).sort(), ['CSAT', 'EFFORT', 'NPS', 'overall']);
  assert.equal(all.questions.NPS.nps.promoters, promoters);

  const byModel = (await admin(s, '/v1/insights?by=property:model&question=NPS')).json;
  const handGroup = (m) => npsScores.filter((_, i) => (models[i] ?? '(none)') === m);
  for (const m of ['m-1', 'm-2', '(none)']) {
    const g = handGroup(m);
    assert.equal(byModel.groups[m].ratings, g.length, m);
    assert.equal(byModel.groups[m].nps.promoters, g.filter((x) => x >= 9).length, m);
    assert.equal(byModel.groups[m].nps.detractors, g.filter((x) => x <= 6).length, m);
  }

  const queries = ['', '?question=NPS', '?question=CSAT', '?question=overall', '?question=NOPE', '?by=property:model',
    '?by=property:model&question=CSAT', '?by=property:absent', '?by=agent&question=NPS', '?by=day', '?by=topic&question=EFFORT'];
  for (const q of queries) {
    const fast = await admin(s, '/v1/insights' + q);
    assert.equal(fast.status, 200, `${q}: ${fast.text}`);
    const core = (await admin(s, '/v1/insights' + (q ? q + '&' : '?') + 'engine=core')).json;
    assert.deepEqual(fast.json, core, q);
  }
  for (const q of ['?question=a%20b', '?question=' + 'q'.repeat(41), '?by=property:Model', '?by=property:']) {
    const r = await admin(s, '/v1/insights' + q);
    assert.equal(r.status, 400, q);
    assert.match(r.json.errors[0].path, /^\/query\/(question|by)$/);
  }

  if (CLI) {
    const file = join(s.dir, 'export.jsonl');
    writeFileSync(file, (await admin(s, '/v1/export.jsonl')).text);
    for (const [by, question] of [['', 'NPS'], ['property:model', ''], ['property:model', 'CSAT'], ['agent', 'NPS']]) {
      const args = ['insights', file, ...(by ? ['--by', by] : []), ...(question ? ['--question', question] : []), '--strict'];
      const cli = spawnSync(CLI, args, { encoding: 'utf8' });
      assert.equal(cli.status, 0, cli.stderr);
      const fromCli = JSON.parse(cli.stdout);
      delete fromCli.invalid_lines;
      const qs = [by && `by=${by}`, question && `question=${question}`].filter(Boolean).join('&');
      assert.deepEqual((await admin(s, '/v1/insights?' + qs)).json, fromCli, qs);
    }
  } else {
    t.diagnostic('session-rating CLI not built: export/CLI comparison skipped');
  }
});

test('session end: reported by a server, first end wins, the window counts from it', async (t) => {
  const s = await startCollector(t);
  let r = await admin(s, '/v1/config', { method: 'PATCH', body: { config: { finalise: { from: 'session_end', window_seconds: 60 } } } });
  assert.equal(r.status, 200, r.text);
  const session = 'chat-7';
  const first = recordV2({ session_id: session, rater_id: 'u-1', subject_id: 'answer-1', rating_id: 'rt-1' });
  assert.deepEqual(statuses(await post(s, first)), ['accepted']);
  let [row] = await ratingsOf(s, '?subject_id=answer-1');
  assert.equal(row.edit_deadline, null); // not known until the end is reported
  assert.equal(row.final, false);
  assert.equal(sqlite(s.db, "SELECT deadline_at FROM ratings WHERE rating_id = 'rt-1'"), '253402300799999');

  // An hour later the conversation is still live: the rating is still editable.
  await setClock(s, 3600_000);
  assert.deepEqual(statuses(await post(s, { ...first, revision: 2, answers: [answer({ score: 4 })] })), ['accepted']);
  const serverNow = (await admin(s, '/healthz')).json.now;

  // Not the admin token → 401; bad bodies → 400 with paths; nothing stored.
  assert.equal((await admin(s, `/v1/sessions/${session}/end`, { method: 'POST', body: {}, token: null })).status, 401);
  assert.equal((await admin(s, `/v1/sessions/${session}/end`, { method: 'POST', body: {}, token: WRITE_KEY })).status, 401);
  for (const [body, path] of [[{ at: 'soon' }, '/at'], [{ at: -1 }, '/at'], [{ at: 1.5 }, '/at'], [{ at: 1, colour: 1 }, '/colour'], [[1], '']]) {
    r = await admin(s, `/v1/sessions/${session}/end`, { method: 'POST', body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.errors[0].path, path, JSON.stringify(body));
  }
  r = await fetch(`${s.url}/v1/sessions/${session}/end`, { method: 'POST', headers: { Authorization: 'Bearer test-admin-token' }, body: '{"at":' });
  assert.equal(r.status, 400);
  assert.equal((await admin(s, '/v1/sessions/a%20b/end', { method: 'POST', body: {} })).status, 400);
  assert.equal(sqlite(s.db, 'SELECT count(*) FROM sessions'), '0');

  // The end, in ms on any server's clock (here the collector's "now" + 1 s).
  const end = serverNow + 1000;
  r = await admin(s, `/v1/sessions/${session}/end`, { method: 'POST', body: { at: end } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { ended_at: end, ratings_updated: 1, session_id: session, status: 'accepted' });
  [row] = await ratingsOf(s, '?subject_id=answer-1');
  assert.equal(row.edit_deadline, end + 60_000);
  assert.equal(row.revision, 2);
  const revisions = (await admin(s, '/v1/export.jsonl')).text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.deepEqual(revisions.map((x) => x.edit_deadline), [end + 60_000, end + 60_000]);
  // Idempotent: the same end again, or an end without a time, answer the stored end.
  r = await admin(s, `/v1/sessions/${session}/end`, { method: 'POST', body: { at: end } });
  assert.deepEqual([r.status, r.json.status, r.json.ended_at], [200, 'duplicate', end]);
  r = await admin(s, `/v1/sessions/${session}/end`, { method: 'POST' });
  assert.deepEqual([r.status, r.json.status, r.json.ended_at], [200, 'duplicate', end]);
  r = await admin(s, `/v1/sessions/${session}/end`, { method: 'POST', body: { at: end + 5 } });
  assert.equal(r.status, 409);
  assert.deepEqual(r.json.errors.map((e) => [e.path, e.code]), [['/at', 'conflict']]);
  const view = (await admin(s, `/v1/sessions/${session}`)).json;
  assert.equal(view.ended_at, end);

  // Inside the window after the end: another rater's first rating and a change are accepted.
  await setClock(s, 3600_000 + 30_000);
  const second = recordV2({ session_id: session, rater_id: 'u-2', rating_id: 'rt-2', edit_deadline: null });
  assert.deepEqual(statuses(await post(s, second)), ['accepted']);
  [row] = await ratingsOf(s, '?rater_id=u-2');
  assert.equal(row.edit_deadline, end + 60_000);
  assert.deepEqual(statuses(await post(s, { ...first, revision: 3, answers: [answer({ score: 3 })] })), ['accepted']);

  // After end + window: final; a new revision is refused, a late first rating is stored final.
  await setClock(s, 3600_000 + 62_000);
  r = await post(s, { ...first, revision: 4 });
  assert.equal(r.status, 409);
  assert.deepEqual(statuses(r), ['finalised']);
  [row] = await ratingsOf(s, '?rater_id=u-1');
  assert.deepEqual([row.final, row.revision], [true, 3]);
  const late = recordV2({ session_id: session, rater_id: 'u-3', rating_id: 'rt-3' });
  assert.deepEqual(statuses(await post(s, late)), ['accepted']);
  [row] = await ratingsOf(s, '?rater_id=u-3');
  assert.equal(row.final, true);
  assert.ok(row.edit_deadline >= row.first_submitted_at);
  assert.deepEqual((await admin(s, `/v1/sessions/${session}`)).json.ratings.map((x) => [x.rating_id, x.final]),
    [['rt-1', true], ['rt-2', true], ['rt-3', true]]);

  // A session whose end is reported with no body ends now on the collector's clock; its
  // ratings made before then keep their window from that end.
  const other = recordV2({ session_id: 'chat-8', rating_id: 'rt-8' });
  await post(s, other);
  const before = (await admin(s, '/healthz')).json.now;
  r = await admin(s, '/v1/sessions/chat-8/end', { method: 'POST' });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.ended_at >= before && r.json.ended_at < before + 5000);
  [row] = await ratingsOf(s, '?session_id=chat-8');
  assert.equal(row.edit_deadline, r.json.ended_at + 60_000);
});

test('session end with finalise from first submit: stored, deadlines unchanged', async (t) => {
  const s = await startCollector(t);
  const rec = recordV2({ session_id: 'call-9' });
  await post(s, rec);
  const [before] = await ratingsOf(s, '?session_id=call-9');
  const r = await admin(s, '/v1/sessions/call-9/end', { method: 'POST', body: { at: before.first_submitted_at + 10 } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ratings_updated, 0);
  const [after] = await ratingsOf(s, '?session_id=call-9');
  assert.equal(after.edit_deadline, before.first_submitted_at + 3600_000);
});

test('bad v2 input: the core\'s errors, 400, nothing stored', async (t) => {
  const s = await startCollector(t);
  const cases = {
    'v1 with an unknown field': [{ ...record(), colour: 'red' }, '/colour', 'unknown_field'],
    'v2 answer contradicting its thresholds': [
      recordV2({ answers: [{ score: 3 }] }), null, 'conflict'],
    '21 properties': [
      recordV2({ properties: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`p${i}`, i])) }), '/properties', 'out_of_range'],
    'a 201-code-point property value': [
      recordV2({ properties: { model: '\u{1F600}'.repeat(201) } }), '/properties/model', 'out_of_range'],
    'an answer with an unknown scale': [
      recordV2({ answers: [{ score: 5 }] }), null, null],
  };
  // A 3 on stars with thresholds 3/4 is low and neutral; claiming it positive contradicts them.
  cases['v2 answer contradicting its thresholds'][0].answers[0].positive = true;
  cases['v2 answer contradicting its thresholds'][0].answers[0].sentiment = 'positive';
  cases['an answer with an unknown scale'][0].answers[0].scale = 'hearts';
  for (const [name, [rec, path, code]] of Object.entries(cases)) {
    const r = await post(s, rec);
    assert.equal(r.status, 400, `${name}: ${r.text}`);
    assert.equal(r.json.results[0].status, 'invalid', name);
    const errors = r.json.results[0].errors;
    assert.ok(errors.length > 0, name);
    if (path) assert.ok(errors.some((e) => e.path === path && e.code === code), `${name}: ${JSON.stringify(errors)}`);
    else if (code) assert.ok(errors.some((e) => e.path.startsWith('/answers/0/') && e.code === code), `${name}: ${JSON.stringify(errors)}`);
    for (const e of errors) assert.deepEqual(Object.keys(e).sort(), ['code', 'message', 'path']);
  }
  assert.equal(sqlite(s.db, 'SELECT count(*) FROM ratings'), '0');
  assert.equal(sqlite(s.db, 'SELECT count(*) FROM revisions'), '0');
  assert.equal(sqlite(s.db, 'SELECT count(*) FROM answers'), '0');
  assert.equal(sqlite(s.db, 'SELECT count(*) FROM rating_properties'), '0');
  // The edges that are allowed: 20 properties, a 200-code-point value.
  const ok = recordV2({ properties: { ...Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`p${i}`, i])), model: '\u{1F600}'.repeat(200) } });
  assert.deepEqual(statuses(await post(s, ok)), ['accepted']);
  assert.equal(sqlite(s.db, 'SELECT count(*) FROM rating_properties'), '20');
});

// Two processes on one database (issue 15, docs/store.md): a session's end reported to B
// while A stores the session's first rating. Each decides on what its transaction reads (A:
// is the end known? B: which open ratings get end + window?), so without an order between
// the two a rating could be stored with an open deadline after B set the deadlines: never
// final. Both take the session's advisory lock before reading its end, so one decides after
// the other: every rating ends with end + window as its deadline, whichever commits first.
test('two processes: a session end on B racing the session\'s first rating on A leaves no rating with an open deadline', {
  skip: TEST_DB === 'postgres' ? false : 'needs SR_TEST_DB=postgres (two processes, one database)',
}, async (t) => {
  const a = await startCollector(t);
  const b = await startCollector(t, { db: a.db });
  const r = await admin(a, '/v1/config', { method: 'PATCH', body: { config: { finalise: { from: 'session_end', window_seconds: 3600 } } } });
  assert.equal(r.status, 200, r.text);
  const deadline = Date.now() + 3000;
  while ((await admin(b, '/v1/config')).json.config?.finalise?.from !== 'session_end') {
    assert.ok(Date.now() < deadline, 'the config did not reach B');
    await new Promise((res) => setTimeout(res, 25));
  }
  // A stores the first ratings of 100 sessions in one batch (one transaction) while B ends
  // those sessions one by one: ends commit before, during and after A's transaction.
  const N = 100;
  const sessions = Array.from({ length: N }, (_, i) => `race-${i}`);
  const [ingest] = await Promise.all([
    post(a, sessions.map((session) => recordV2({ session_id: session }))),
    (async () => {
      for (const session of sessions) {
        const end = await admin(b, `/v1/sessions/${session}/end`, { method: 'POST', body: {} });
        assert.equal(end.status, 200, end.text);
      }
    })(),
  ]);
  assert.equal(ingest.status, 200, ingest.text);
  assert.deepEqual(new Set(ingest.json.results.map((x) => x.status)), new Set(['accepted']));
  assert.equal(sqlite(a.db, "SELECT count(*) FROM ratings WHERE session_id LIKE 'race-%'"), String(N));
  const open = sqlite(a.db, "SELECT count(*) FROM ratings WHERE session_id LIKE 'race-%' AND deadline_at = 253402300799999");
  assert.equal(open, '0', `${open} of ${N} ratings kept an open deadline after their session ended`);
  assert.equal(sqlite(a.db, "SELECT count(*) FROM ratings r JOIN sessions s USING (session_id) WHERE r.session_id LIKE 'race-%' AND r.deadline_at = GREATEST(s.ended_at + 3600000, r.first_seen_at)"), String(N));
});
