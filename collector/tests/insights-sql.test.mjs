// GET /v1/insights against the core (issue 15): on PostgreSQL the figures are SQL aggregates
// (collector/src/pg_insights.cpp), on SQLite the Tally over the typed columns; on both backends
// the answer must equal, field by field, the core's `session-rating insights` (the CLI) over
// the exported JSONL of the same data, and the core's Aggregator over the stored rows
// (?engine=core) for the filters the CLI does not have (from, to, topic).
//
// The data is random-ish (a fixed seed, so a failure is reproducible) and has what the
// counting rules care about: several questions on every scale (stars, emoji, thumbs, numeric,
// NPS), edits that change scores, drop or add questions and move a rating between topics,
// retries, finalised ratings, internal ratings (one made internal by its edit, one made
// public by its edit), rating.v1 records (one edited by v1, one by v2), raters shared across
// ratings and groups, properties (strings, a number, a boolean, a string "1" against the
// number 1), a topic spelled "(none)", and three UTC days.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startCollector, record, recordV2, post, admin, setClock, CLI, TEST_DB,
} from './helpers.mjs';
import { rng } from '../../web/test/helpers.mjs'; // mulberry32, seeded

const DAY = 86400_000;


const QUESTIONS = [
  { question: 'overall', scale: 'stars' },
  { question: 'mood', scale: 'emoji' },
  { question: 'helpful', scale: 'thumbs' },
  { question: 'nps', scale: 'nps' },
  { question: 'effort', scale: 'numeric', range: [1, 7] },
];

function randomAnswers(rand) {
  const n = 1 + Math.floor(rand() * 3);
  const picked = [...QUESTIONS].sort(() => rand() - 0.5).slice(0, n);
  return picked.map((q) => {
    const [min, max] = q.range ?? { stars: [1, 5], emoji: [1, 5], thumbs: [0, 1], nps: [0, 10] }[q.scale];
    const score = min + Math.floor(rand() * (max - min + 1));
    const problems = rand() < 0.5 ? ['audio'] : rand() < 0.5 ? ['audio', 'video'] : [];
    return { ...q, score, problems };
  });
}

// Paths at which two JSON values differ ("" = the root).
function differences(a, b, path = '', out = []) {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(k in a) || !(k in b)) out.push(`${path}/${k} (only in ${k in a ? 'server' : 'reference'})`);
      else differences(a[k], b[k], `${path}/${k}`, out);
    }
  } else if (a !== b) {
    out.push(`${path}: server ${JSON.stringify(a)} vs reference ${JSON.stringify(b)}`);
  }
  return out;
}

function sameFigures(server, reference, label) {
  const diff = differences(server, reference);
  assert.deepEqual(diff, [], `${label}: the figures differ at ${diff.slice(0, 8).join('; ')}`);
  assert.deepEqual(server, reference, label);
}

async function insights(s, query) {
  const r = await admin(s, '/v1/insights' + query);
  assert.equal(r.status, 200, `${query}: ${r.text}`);
  return r.json;
}

test(`insights (${TEST_DB}): the server's figures equal the CLI over the export, field by field`, async (t) => {
  const s = await startCollector(t);
  const rand = rng(15);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const raters = ['u-1', 'u-2', 'u-3', 'u-4', 'u-5', null, null];
  const topics = ['billing', 'calls', '(none)', null];
  const agents = ['ann', 'bob', null];
  const models = [{ model: 'm-1' }, { model: 'm-2', beta: true }, { model: 1 }, { model: '1' }, {}];
  const accepted = (r, label) => {
    assert.equal(r.status, 200, `${label}: ${r.text}`);
    assert.deepEqual(r.json.results.map((x) => x.status), ['accepted'], label);
  };

  // Edits are made on the day of their rating (later, the rating would be final: the edit
  // window is an hour). Per day: about a third of the v2 ratings get a revision 2 with new
  // scores, sometimes a question added (a stored question may not be dropped:
  // identity_mismatch), sometimes another topic; one rating becomes internal, one internal
  // rating becomes public; two send a `final: true` claim (finality comes by time: the edit
  // window is an hour, so the first days' ratings are final at the end);
  // one v1 rating is edited by a v1 revision 2, one by a v2 revision 2.
  let madeInternal = false, madePublic = false, edits = 0, firstDay = [];
  const editDay = async (v2, v1) => {
    for (const rec of v2.slice(0, -2)) {
      let internal = rec.internal;
      if (!madeInternal && !rec.internal) { internal = true; madeInternal = true; }
      else if (!madePublic && rec.internal) { internal = false; madePublic = true; }
      else if (rand() > 0.35) continue;
      const rescored = rec.answers.map((x) => {
        const [min, max] = x.range;
        return { question: x.question, scale: x.scale, range: x.range,
          score: min + Math.floor(rand() * (max - min + 1)), problems: rand() < 0.5 ? ['video'] : [] };
      });
      const extra = QUESTIONS.find((q) => !rec.answers.some((x) => x.question === q.question));
      if (extra && rand() < 0.5) rescored.push({ ...extra, score: extra.scale === 'nps' ? 10 : 1 });
      const edit = { ...rec, revision: 2, internal, answers: recordV2({ answers: rescored }).answers,
        topic: rand() < 0.3 ? pick(topics) : rec.topic };
      accepted(await post(s, edit), `edit of ${rec.rating_id}`);
      ++edits;
    }
    for (const rec of v2.slice(-2)) accepted(await post(s, { ...rec, revision: 2, final: true }), 'final claim');
    accepted(await post(s, { ...v1[0], revision: 2, score: 1, positive: false, sentiment: 'negative',
      problems: ['audio'] }), 'v1 edit');
    accepted(await post(s, recordV2({ rating_id: v1[1].rating_id, session_id: v1[1].session_id, revision: 2,
      answers: [{ question: 'overall', scale: v1[1].scale, score: 1 }] })), 'v1 edited by v2');
  };

  for (const [day, offset] of [[0, -2 * DAY], [1, -DAY], [2, 0]]) {
    await setClock(s, offset);
    const v2 = [], v1 = [];
    for (let i = 0; i < 24; ++i) {
      const rec = recordV2({
        rater_id: pick(raters), topic: pick(topics), agent_id: pick(agents),
        properties: pick(models), internal: rand() < 0.12, answers: randomAnswers(rand),
      });
      accepted(await post(s, rec), `day ${day} rating ${i}`);
      v2.push(rec);
      if (rand() < 0.2) {  // a retry: the same content again changes nothing
        const again = await post(s, rec);
        assert.deepEqual(again.json.results.map((x) => x.status), ['duplicate']);
      }
    }
    // rating.v1 from old widgets: stars and thumbs, answering "overall".
    for (const over of [{ score: 2, topic: 'calls' }, { scale: 'thumbs', score: 0, agent_id: 'bob' },
      { score: 5 }, { score: 4, internal: true }]) {
      const rec = record(over);
      accepted(await post(s, rec), `day ${day} v1`);
      v1.push(rec);
    }
    await editDay(v2, v1);
    if (day === 0) firstDay = v2;
  }
  assert.ok(madeInternal && madePublic && edits > 10, `${edits} edits`);
  // The first days' ratings are final by now (their hour is over): an edit is refused.
  const late = await post(s, { ...firstDay[0], revision: 5 });
  assert.deepEqual(late.json.results.map((x) => x.status), ['finalised']);

  const exp = await admin(s, '/v1/export.jsonl');
  assert.equal(exp.status, 200);
  const file = join(s.dir, 'export.jsonl');
  writeFileSync(file, exp.text);
  assert.ok(CLI, 'the session-rating CLI is built (SR_CLI)');

  const cases = [
    [''], ['by=topic', '--by', 'topic'], ['by=agent', '--by', 'agent'], ['by=day', '--by', 'day'],
    ['by=property:model', '--by', 'property:model'], ['by=property:beta', '--by', 'property:beta'],
    ['question=nps', '--question', 'nps'], ['question=overall&by=topic', '--question', 'overall', '--by', 'topic'],
    ['question=effort&by=day', '--question', 'effort', '--by', 'day'],
    ['question=unknown', '--question', 'unknown'],
  ];
  let checked = 0;
  for (const [query, ...args] of cases) {
    const cli = spawnSync(CLI, ['insights', file, ...args, '--strict'], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    const reference = JSON.parse(cli.stdout);
    assert.equal(reference.invalid_lines, 0);
    delete reference.invalid_lines;
    const server = await insights(s, query ? '?' + query : '');
    sameFigures(server, reference, `?${query} vs session-rating insights ${args.join(' ')}`);
    ++checked;
  }
  // The data exercises what it should (else the comparison proves little).
  const total = await insights(s, '');
  assert.ok(total.ratings > 60 && total.excluded_internal >= 4, JSON.stringify([total.ratings, total.excluded_internal]));
  assert.ok(total.nps && total.nps.responses > 5);
  assert.ok(total.raters >= 4 && total.raters < total.ratings);
  assert.equal(Object.keys(total.questions).length, 5);
  assert.equal(Object.keys((await insights(s, '?by=day')).groups).length, 3);

  // The filters the CLI has not: the core's Aggregator over the stored rows (?engine=core).
  const now = Date.now();
  for (const query of ['topic=calls', 'topic=(none)', `from=${now - DAY - 3600_000}`,
    `from=${now - 3 * DAY}&to=${now - DAY / 2}&by=agent`, 'topic=billing&question=nps&by=property:model',
    `to=${now - 3 * DAY}`]) {
    const server = await insights(s, '?' + query);
    const core = await insights(s, `?${query}&engine=core`);
    sameFigures(server, core, `?${query} vs engine=core`);
    ++checked;
  }
  t.diagnostic(`${checked} queries compared field by field on ${TEST_DB}`);
});

test(`insights (${TEST_DB}): an empty store and a store of internal ratings only`, async (t) => {
  const s = await startCollector(t);
  const empty = await insights(s, '?by=topic');
  const core = await insights(s, '?by=topic&engine=core');
  sameFigures(empty, core, 'empty store');
  assert.equal(empty.ratings, 0);
  assert.equal(empty.csat, null);
  assert.deepEqual(empty.groups, {});
  await post(s, recordV2({ internal: true, topic: 'calls', answers: [{ scale: 'nps', question: 'nps', score: 3 }] }));
  const internal = await insights(s, '?by=topic');
  sameFigures(internal, await insights(s, '?by=topic&engine=core'), 'internal only');
  assert.equal(internal.groups.calls.ratings, 0);
  assert.equal(internal.groups.calls.excluded_internal, 1);
  assert.equal(internal.nps, null);
});
