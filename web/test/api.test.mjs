// The JS API itself: loading once, structured errors instead of exceptions, misuse throws,
// the FinalizationRegistry safety net.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadCore } from '../core.mjs';
import { getCore, make, score, rng } from './helpers.mjs';

const core = await getCore();

test('api: loadCore_loads_once_and_returns_the_same_instance', async () => {
  assert.equal(await getCore(), core);
  assert.equal(await loadCore({ wasmUrl: 'ignored-after-the-first-load.wasm' }), core);
});

test('api: create_flow_returns_a_flow_or_structured_errors', () => {
  const flow = core.createFlow({}, { session_id: 's' });
  assert.equal(flow.ok, true);
  assert.equal(flow.destroyed, false);
  flow.destroy();
  const bad = core.createFlow({ scale: 'x' }, { session_id: 's' });
  assert.equal(bad.ok, false);
  assert.deepEqual(Object.keys(bad.errors[0]), ['path', 'code', 'message']);
});

test('api: strings_are_json_text_objects_are_stringified', () => {
  const a = core.createFlow('{"scale":"thumbs"}', '{"session_id":"s"}');
  const b = core.createFlow({ scale: 'thumbs' }, { session_id: 's' });
  assert.equal(a.viewJSON(), b.viewJSON());
  assert.deepEqual(a.dispatch('{"type":"score","value":1,"at":5}'), b.dispatch({ type: 'score', value: 1, at: 5 }));
  a.destroy();
  b.destroy();
});

test('api: destroyed_flow_throws_on_use_and_destroy_is_idempotent', () => {
  const flow = make(core);
  flow.destroy();
  flow.destroy();
  assert.equal(flow.destroyed, true);
  for (const call of [() => flow.dispatch(score(5, 1)), () => flow.view(), () => flow.snapshot(),
    () => flow.dispatchJSON('{}'), () => flow.viewJSON(), () => flow.snapshotJSON()]) {
    assert.throws(call, { name: 'CoreUsageError' });
  }
});

test('api: bad_input_never_throws_or_traps', () => {
  const cyclic = {};
  cyclic.self = cyclic;
  const next = rng(3);
  const junk = [undefined, null, 0, -1, 1.5, NaN, Infinity, '', ' ', '{', '[]', '"x"', 'null', '\u0000',
    '\ud800', '😀', 'x'.repeat(100000), [], [1, [2, [3]]], {}, { a: undefined }, cyclic, 10n ** 30n,
    { type: 'score', value: 1e308, at: -1 }, { type: 'score', value: '5', at: '1' },
    { type: 'comment', text: '\ud800', at: 1 }, '{"type":"score","value":2,"at":1e400}',
    '[' .repeat(50000) + ']'.repeat(50000), '{"at":18446744073709551616,"type":"tick"}'];
  for (let i = 0; i < 300; i++) {
    let s = '';
    const n = Math.floor(next() * 40);
    for (let k = 0; k < n; k++) s += '{}[]:,"\\u0123.eE+-tfnal \n\x01é😀'[Math.floor(next() * 25)];
    junk.push(s);
  }
  const flow = make(core);
  for (const x of junk) {
    for (const y of [junk[0], junk[5], x]) {
      const f = core.createFlow(x, y);
      if (f.ok) f.destroy();
      else assert.ok(Array.isArray(f.errors));
      const g = core.restoreFlow(x, y);
      if (g.ok) g.destroy();
      assert.equal(typeof core.shouldPrompt(x, y, 5, x), 'object');
    }
    const r = flow.dispatch(x);
    assert.equal(typeof r.ok, 'boolean');
    assert.equal(typeof core.validateConfig(x).ok, 'boolean');
    assert.equal(typeof core.validateRecord(x).ok, 'boolean');
    assert.equal(typeof core.aggregate(x, { by: x }), 'object');
    if (typeof x === 'string') assert.equal(typeof core.redact(x), 'object');
  }
  assert.equal(flow.view().step, 'score');
  flow.destroy();
});

test('api: huge_inputs_grow_and_reuse_the_input_buffer', () => {
  const flow = make(core, { comment: { enabled: true, max_length: 5000 } });
  flow.dispatch(score(1, 1));
  const r = flow.dispatch({ type: 'comment', text: 'ü'.repeat(400000), at: 2 });
  assert.equal(r.error.code, 'comment_too_long');
  const ok = flow.dispatch({ type: 'comment', text: '😀'.repeat(5000), at: 3 });
  assert.equal(ok.ok, true);
  assert.equal(ok.view.questions[0].comment.remaining, 0);
  flow.destroy();
});

test('api: finalization_registry_frees_forgotten_flows', { skip: typeof gc !== 'function' && 'needs node --expose-gc' }, async () => {
  const before = core.liveFlows;
  (() => {
    for (let i = 0; i < 2000; i++) core.createFlow({}, { session_id: `s-${i}` }).dispatch(score(5, i));
  })();
  assert.equal(core.liveFlows, before + 2000);
  for (let i = 0; i < 50 && core.liveFlows > before; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(core.liveFlows, before);
});
