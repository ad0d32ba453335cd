// Mirrors native-tests/config_test.cpp (Config, Context) through the JS API.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore, make } from './helpers.mjs';

const core = await getCore();

test('config: empty_object_gives_documented_defaults', () => {
  assert.deepEqual(core.validateConfig({}), { ok: true, errors: [] });
  const flow = make(core, {});
  const v = flow.view();
  assert.equal(v.scale, 'stars');
  assert.equal(v.locale, 'en');
  assert.equal(v.dir, 'ltr');
  assert.deepEqual(v.problems.map((p) => p.id), ['audio', 'video', 'connection', 'screen_share', 'other']);
  assert.equal(v.comment.enabled, false);
  assert.equal(v.comment.max_length, 500);
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

test('context: session_end_needs_session_ended_at', () => {
  const r = core.createFlow({ finalise: { from: 'session_end' } }, { session_id: 's' });
  assert.equal(r.ok, false);
  assert.deepEqual(r.errors.map((e) => [e.path, e.code]), [['/finalise/from', 'conflict']]);
});
