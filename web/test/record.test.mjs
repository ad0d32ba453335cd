// Mirrors native-tests/record_test.cpp through the JS API (validateRecord).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore, make, score } from './helpers.mjs';

const core = await getCore();

function validRecord() {
  const flow = make(core, {});
  const rec = flow.dispatch(score(5, 1000)).emit[0];
  flow.destroy();
  return rec;
}

test('record: valid_record_round_trips_byte_for_byte', () => {
  assert.deepEqual(core.validateRecord(validRecord()), { ok: true, errors: [] });
});

test('record: schema_must_be_rating_v2_or_v1', () => {
  const r = core.validateRecord({ ...validRecord(), schema: 'rating.v3' });
  assert.equal(r.ok, false);
  assert.equal(r.errors[0].path, '/schema');
});

test('record: missing_and_unknown_fields_are_reported', () => {
  const rec = validRecord();
  delete rec.answers[0].score;
  rec.extra = 1;
  const paths = core.validateRecord(rec).errors.map((e) => e.path);
  assert.ok(paths.includes('/answers/0/score'), paths.join());
  assert.ok(paths.includes('/extra'), paths.join());
});

test('record: positive_and_sentiment_must_agree_with_score', () => {
  const rec = validRecord();
  rec.answers[0].positive = false;
  const r = core.validateRecord(rec);
  assert.equal(r.ok, false);
});

test('record: garbage_input_is_an_error_not_a_crash', () => {
  for (const g of ['', '{', '[]', 'null', '{"schema":1}', '"x"', '{"revision":1e999}']) {
    const r = core.validateRecord(g);
    assert.equal(r.ok, false, g);
    assert.ok(r.errors.length > 0, g);
  }
});
