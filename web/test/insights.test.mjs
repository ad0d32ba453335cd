// Mirrors native-tests/insights_test.cpp through the JS API (aggregate).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore, make, score } from './helpers.mjs';

const core = await getCore();

function recordFor(sessionId, value, at, extra = {}) {
  const flow = make(core, { finalise: { window_seconds: 10 } }, { session_id: sessionId, ...extra });
  let r = flow.dispatch(score(value, at));
  if (r.emit.length === 0) r = flow.dispatch({ type: 'submit', at }); // a low score: submit it
  const rec = r.emit[0];
  flow.destroy();
  return rec;
}

test('insights: empty_input_gives_nulls_and_zeros', () => {
  const r = core.aggregate([]);
  assert.equal(r.ratings, 0);
  assert.equal(r.csat, null);
  assert.equal(r.mean, null);
});

test('insights: counts_only_the_highest_revision_in_any_order', () => {
  const a1 = recordFor('a', 2, 1000);
  const a2 = { ...a1, revision: 2, score: 5, positive: true, sentiment: 'positive', submitted_at: 2000 };
  const b = recordFor('b', 4, 1000);
  for (const order of [[a1, a2, b], [b, a2, a1], [a2, a1, b, a1]]) {
    const r = core.aggregate(order);
    assert.equal(r.ratings, 2);
    assert.equal(r.csat, 1);
    assert.equal(r.mean, 4.5);
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
});

test('insights: aggregate_json_refuses_invalid_records_with_indexed_paths', () => {
  const good = recordFor('a', 5, 1);
  const r = core.aggregate([good, { ...good, score: 9 }]);
  assert.ok(Array.isArray(r.error));
  assert.ok(r.error.some((e) => e.path.startsWith('/1/')), JSON.stringify(r.error));
});

test('insights: aggregate_json_reports_bad_by_and_bad_json', () => {
  assert.ok(core.aggregate([], { by: 'week' }).error.some((e) => e.path === '/by'));
  assert.ok(Array.isArray(core.aggregate('[').error));
  assert.ok(Array.isArray(core.aggregate({}).error));
});
