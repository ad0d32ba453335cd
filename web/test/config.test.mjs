// Mirrors native-tests/config_test.cpp (Config, Context) through the JS API.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore, make, ev, score } from './helpers.mjs';

const core = await getCore();

test('config: empty_object_gives_documented_defaults', () => {
  assert.deepEqual(core.validateConfig({}), { ok: true, errors: [] });
  const flow = make(core, {});
  const v = flow.view();
  assert.equal(v.locale, 'en');
  assert.equal(v.dir, 'ltr');
  assert.equal(v.questions.length, 1, 'the shorthand is one question');
  const [q] = v.questions;
  assert.equal(q.id, 'overall');
  assert.equal(q.scale, 'stars');
  assert.deepEqual(q.range, [1, 5]);
  assert.equal(q.end_labels, null);
  assert.equal(q.required, true);
  assert.deepEqual(q.problems.map((p) => p.id), ['audio', 'video', 'connection', 'screen_share', 'other']);
  assert.equal(q.comment.enabled, false);
  assert.equal(q.comment.max_length, 500);
  flow.destroy();
});

test('config: invalid_json_is_reported_not_crashed', () => {
  for (const text of ['{', '', 'nul', '{"a":}', '\u0000', '[1,]']) {
    const r = core.validateConfig(text);
    assert.equal(r.ok, false, text);
    assert.equal(r.errors[0].code, 'invalid_json', text);
  }
});

test('config: non_object_is_not_an_object', () => {
  for (const v of [[], 1, 'x', null, true]) {
    const r = core.validateConfig(JSON.stringify(v));
    assert.equal(r.errors[0].code, 'not_an_object', JSON.stringify(v));
  }
});

test('config: every_problem_is_reported_at_once', () => {
  const r = core.validateConfig({
    scale: 'nope',
    low_score_max: 9,
    comment: { max_length: 0 },
    colour: 'red',
    problems: [{ id: 'a', label: 'A' }, { id: 'a', label: 'B' }],
  });
  const got = new Set(r.errors.map((e) => `${e.path} ${e.code}`));
  for (const want of ['/scale invalid_value', '/low_score_max out_of_range',
    '/comment/max_length out_of_range', '/colour unknown_field', '/problems/1/id duplicate_id']) {
    assert.ok(got.has(want), `${want} in ${[...got].join(', ')}`);
  }
});

test('config: integers_reject_fractions_and_booleans', () => {
  for (const v of [2.5, true]) {
    const r = core.validateConfig({ low_score_max: v });
    assert.equal(r.ok, false);
    assert.equal(r.errors[0].path, '/low_score_max');
  }
});

test('config: locale_selects_strings_and_direction', () => {
  const flow = make(core, { locale: 'ar' });
  assert.equal(flow.view().dir, 'rtl');
  flow.destroy();
  const de = make(core, { locale: 'de' });
  assert.notEqual(de.view().strings.submit, 'Submit');
  de.destroy();
  const xx = make(core, { locale: 'xx' });
  assert.equal(xx.view().strings.submit, 'Submit');
  xx.destroy();
});

test('context: ids_are_validated', () => {
  for (const id of ['', 'has space', 'x'.repeat(129), 'ü']) {
    const r = core.createFlow({}, { session_id: id });
    assert.equal(r.ok, false, id);
    assert.equal(r.errors[0].path, '/context/session_id', id);
  }
});

test('context: from session_end, the deadline waits for a session_end event', () => {
  const flow = make(core, { finalise: { from: 'session_end', window_seconds: 60 } }, { session_id: 's' });
  const r1 = flow.dispatch(score(5, 1000));
  assert.equal(r1.emit.length, 1, 'rated while the session is live');
  assert.equal(r1.emit[0].edit_deadline, null, 'the record does not know the deadline yet');
  assert.equal(r1.view.edit_deadline, null, 'no deadline before the end is known');
  assert.equal(r1.view.can_edit, true);
  const r2 = flow.dispatch({ type: 'session_end', at: 5000 });
  assert.equal(r2.ok, true);
  assert.equal(r2.view.edit_deadline, 65000);
  assert.equal(flow.dispatch({ type: 'session_end', at: 6000 }).error.code, 'not_allowed', 'the end is known already');
  const r3 = flow.dispatch(ev('tick', 65000));
  assert.equal(r3.view.step, 'final');
  assert.equal(r3.emit[0].final, true);
  flow.destroy();
});

test('context: rater_id, subject_id and properties are validated with /context paths', () => {
  const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i]));
  const cases = [
    [{ rater_id: 'has space' }, [['/context/rater_id', 'invalid_value']]],
    [{ subject_id: '' }, [['/context/subject_id', 'invalid_value']]],
    [{ properties: many }, [['/context/properties', 'out_of_range']]],
    [{ properties: { Bad: 'x' } }, [['/context/properties/Bad', 'invalid_value']]],
    [{ properties: { a: 'x'.repeat(201) } }, [['/context/properties/a', 'out_of_range']]],
    [{ properties: { a: null } }, [['/context/properties/a', 'wrong_type']]],
  ];
  for (const [extra, want] of cases) {
    const r = core.createFlow({}, { session_id: 's', ...extra });
    assert.equal(r.ok, false, JSON.stringify(extra));
    assert.deepEqual(r.errors.map((e) => [e.path, e.code]), want, JSON.stringify(extra));
  }
});
