// Mirrors native-tests/insights_test.cpp through the JS API (aggregate): records made by real
// flows (rating.v2), v1 records as old widgets sent them, per-question figures, NPS counted by
// hand, raters, property grouping and the question filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore, make, score } from './helpers.mjs';

const core = await getCore();

/** The record a flow emits for `scores` ({question: value}, or one value for a one-question config). */
function recordFor(sessionId, scores, at, { config = {}, ...context } = {}) {
  const flow = make(core, { finalise: { window_seconds: 10 }, ...config }, { session_id: sessionId, ...context });
  let r;
  if (typeof scores === 'number') {
    r = flow.dispatch(score(scores, at));
  } else {
    for (const [question, value] of Object.entries(scores)) {
      r = flow.dispatch({ type: 'score', value, question, at });
      assert.equal(r.ok, true, JSON.stringify(r));
    }
  }
  if (r.emit.length === 0) r = flow.dispatch({ type: 'submit', at }); // a low score or several questions
  assert.equal(r.emit.length, 1, JSON.stringify(r));
  const rec = r.emit[0];
  flow.destroy();
  return rec;
}

const TWO_THUMBS = { questions: [{ id: 'HELPFUL_THUMBS' }, { id: 'EXPERIENCE_THUMBS' }] };

/** A rating.v1 record as widgets before rating.v2 sent it. */
function v1Record(ratingId, value, at) {
  const positive = value >= 4;
  const low = value <= 3;
  return {
    schema: 'rating.v1', rating_id: ratingId, session_id: `s-${ratingId}`, revision: 1, final: false,
    scale: 'stars', score: value, positive, sentiment: positive ? 'positive' : value <= 2 ? 'negative' : 'neutral',
    problems: low ? ['audio'] : [], comment: '', redactions: [],
    submitted_at: at, first_submitted_at: at, edit_deadline: at + 3600000,
    internal: false, topic: null, agent_id: null, thresholds: { low_score_max: 3, positive_min: 4 },
  };
}

test('insights: empty_input_gives_nulls_and_zeros', () => {
  const r = core.aggregate([]);
  assert.equal(r.ratings, 0);
  assert.equal(r.answers, 0);
  assert.equal(r.raters, 0);
  assert.equal(r.csat, null);
  assert.equal(r.mean, null);
  assert.equal(r.nps, null);
  assert.deepEqual(r.questions, {});
  assert.equal('question' in r, false);
});

test('insights: counts_only_the_highest_revision_in_any_order', () => {
  const a1 = recordFor('a', 2, 1000);
  const a2 = {
    ...a1, revision: 2, submitted_at: 2000,
    answers: [{ ...a1.answers[0], score: 5, positive: true, sentiment: 'positive', problems: [] }],
  };
  const b = recordFor('b', 4, 1000);
  for (const order of [[a1, a2, b], [b, a2, a1], [a2, a1, b, a1]]) {
    const r = core.aggregate(order);
    assert.equal(r.ratings, 2);
    assert.equal(r.csat, 1);
    assert.equal(r.mean, 4.5);
    assert.deepEqual(r.problems, {});
  }
});

test('insights: internal_ratings_are_excluded_and_counted_by_latest_revision', () => {
  const r = core.aggregate([recordFor('a', 5, 1), recordFor('b', 1, 1, { internal: true })]);
  assert.equal(r.ratings, 1);
  assert.equal(r.excluded_internal, 1);
});

test('insights: group_by_topic_with_none_key', () => {
  const r = core.aggregate([recordFor('a', 5, 1, { topic: 'billing' }), recordFor('b', 1, 1)], { by: 'topic' });
  assert.deepEqual(Object.keys(r.groups).sort(), ['(none)', 'billing']);
  assert.equal(r.groups.billing.ratings, 1);
  assert.equal(r.groups.billing.questions.overall.ratings, 1);
});

test('insights: nps_equals_a_count_made_by_hand', () => {
  const scores = [10, 9, 9, 8, 7, 6, 3, 0, 10, 5, 9];
  const records = scores.map((v, i) => recordFor(`n${i}`, v, 1000 + i, { config: { scale: 'nps' } }));
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  for (const v of scores) {
    if (v >= 9) promoters += 1;
    else if (v >= 7) passives += 1;
    else detractors += 1;
  }
  const r = core.aggregate(records);
  assert.deepEqual(r.nps, {
    promoters, passives, detractors, responses: scores.length,
    score: Math.round(((100 * (promoters - detractors)) / scores.length) * 1e6) / 1e6,
  });
  assert.equal(r.nps.score, 9.090909); // (5 - 4) / 11
  assert.equal(r.csat, null); // NPS is not a CSAT scale
  assert.equal(r.questions.overall.nps.responses, scores.length);
});

test('insights: per_question_figures_of_the_two_thumbs_questions', () => {
  const records = [
    recordFor('a', { HELPFUL_THUMBS: 1, EXPERIENCE_THUMBS: 1 }, 1, { config: TWO_THUMBS }),
    recordFor('b', { HELPFUL_THUMBS: 1, EXPERIENCE_THUMBS: 0 }, 1, { config: TWO_THUMBS }),
    recordFor('c', { HELPFUL_THUMBS: 0 }, 1, { config: TWO_THUMBS }), // the second is optional
  ];
  assert.equal(records[0].answers.length, 2);
  assert.equal(records[2].answers.length, 1);
  const r = core.aggregate(records);
  assert.equal(r.ratings, 3);
  assert.equal(r.answers, 5);
  assert.deepEqual(r.thumbs, { down: 2, up: 3 });
  assert.deepEqual(Object.keys(r.questions).sort(), ['EXPERIENCE_THUMBS', 'HELPFUL_THUMBS']);
  assert.equal(r.questions.HELPFUL_THUMBS.ratings, 3);
  assert.equal(r.questions.HELPFUL_THUMBS.csat, 0.666667);
  assert.equal(r.questions.EXPERIENCE_THUMBS.ratings, 2);
  assert.equal(r.questions.EXPERIENCE_THUMBS.csat, 0.5);
  assert.equal(r.csat, 0.6);
  // The question filter: only EXPERIENCE_THUMBS answers, and the result says so.
  const f = core.aggregate(records, { question: 'EXPERIENCE_THUMBS' });
  assert.equal(f.question, 'EXPERIENCE_THUMBS');
  assert.equal(f.ratings, 2); // c did not answer it
  assert.deepEqual(f.thumbs, { down: 1, up: 1 });
  assert.deepEqual(Object.keys(f.questions), ['EXPERIENCE_THUMBS']);
});

test('insights: raters_are_distinct_and_properties_group', () => {
  const records = [
    recordFor('call-1', 5, 1, { rater_id: 'u-1', properties: { model: 'm-2', temp: 0.5 } }),
    recordFor('call-1', 2, 1, { rater_id: 'u-2', properties: { model: 'm-2', beta: true } }),
    recordFor('call-2', 4, 1, { rater_id: 'u-1', properties: { model: 'm-1' } }),
    recordFor('call-3', 5, 1),
  ];
  assert.notEqual(records[0].rating_id, records[1].rating_id); // two raters of one call: two ratings
  const r = core.aggregate(records, { by: 'property:model' });
  assert.equal(r.ratings, 4);
  assert.equal(r.raters, 2);
  assert.deepEqual(Object.keys(r.groups).sort(), ['(none)', 'm-1', 'm-2']);
  assert.equal(r.groups['m-2'].ratings, 2);
  assert.equal(r.groups['m-2'].raters, 2);
  assert.equal(r.groups['m-2'].csat, 0.5);
  assert.equal(r.groups['(none)'].raters, 0);
  assert.deepEqual(Object.keys(core.aggregate(records, { by: 'property:temp' }).groups).sort(), ['(none)', '0.5']);
  assert.deepEqual(Object.keys(core.aggregate(records, { by: 'property:beta' }).groups).sort(), ['(none)', 'true']);
});

test('insights: v1_and_v2_records_mixed', () => {
  const v2 = recordFor('a', 5, 1000);
  const r = core.aggregate([v2, v1Record('old-1', 2, 1000), v1Record('old-2', 4, 1000)]);
  assert.equal(r.ratings, 3);
  assert.deepEqual(r.distribution, { 1: 0, 2: 1, 3: 0, 4: 1, 5: 1 });
  assert.equal(r.questions.overall.ratings, 3); // a v1 record answers "overall"
  assert.equal(r.problems.audio, 1);
});

test('insights: aggregate_json_refuses_invalid_records_with_indexed_paths', () => {
  const good = recordFor('a', 5, 1);
  const bad = { ...good, answers: [{ ...good.answers[0], score: 9 }] };
  const r = core.aggregate([good, bad, { ...v1Record('v', 5, 1), score: 0 }]);
  assert.ok(Array.isArray(r.error));
  assert.ok(r.error.some((e) => e.path.startsWith('/1/answers/0/')), JSON.stringify(r.error));
  assert.ok(r.error.some((e) => e.path.startsWith('/2/')), JSON.stringify(r.error));
  assert.ok(!r.error.some((e) => e.path.startsWith('/0/')), JSON.stringify(r.error));
});

test('insights: aggregate_json_reports_bad_by_question_and_json', () => {
  assert.ok(core.aggregate([], { by: 'week' }).error.some((e) => e.path === '/by'));
  assert.ok(core.aggregate([], { by: 'property:Bad-Key' }).error.some((e) => e.path === '/by'));
  assert.ok(core.aggregate([], { question: 'two words' }).error.some((e) => e.path === '/question'));
  assert.ok(core.aggregate([], { question: 42 }).error.some((e) => e.path === '/question'));
  assert.ok(Array.isArray(core.aggregate('[').error));
  assert.ok(Array.isArray(core.aggregate({}).error));
});
