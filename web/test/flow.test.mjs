// Mirrors native-tests/flow_test.cpp through the JS API and the WASM core.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore, make, ev, score } from './helpers.mjs';

const core = await getCore();

test('flow: high_score_emits_one_record_and_thanks', () => {
  const flow = make(core);
  const r = flow.dispatch(score(5, 1000));
  assert.equal(r.ok, true);
  assert.equal(r.view.step, 'thanks');
  assert.equal(r.emit.length, 1);
  assert.equal(r.emit[0].schema, 'rating.v2');
  assert.deepEqual(r.emit[0].answers.map((a) => [a.question, a.score]), [['overall', 5]]);
  assert.equal(r.emit[0].revision, 1);
  flow.destroy();
});

test('flow: emitted_record_passes_record_validation', () => {
  const flow = make(core, { comment: { enabled: true } }, { session_id: 's', topic: 'billing', agent_id: 'a1' });
  flow.dispatch(score(1, 10));
  flow.dispatch({ type: 'toggle_problem', id: 'audio', at: 11 });
  flow.dispatch({ type: 'comment', text: 'call me on 030 1234 5678', at: 12 });
  const r = flow.dispatch(ev('submit', 13));
  assert.equal(r.emit.length, 1);
  assert.deepEqual(core.validateRecord(r.emit[0]), { ok: true, errors: [] });
  assert.deepEqual(r.emit[0].answers[0].problems, ['audio']);
  assert.ok(!r.emit[0].answers[0].comment.includes('1234'), r.emit[0].answers[0].comment);
  flow.destroy();
});

test('flow: refused_event_changes_nothing', () => {
  const flow = make(core);
  flow.dispatch(score(2, 1000));
  const before = flow.snapshotJSON();
  for (const bad of [
    { type: 'toggle_problem', id: 'nope', at: 5000 },
    { type: 'score', value: 9, at: 5000 },
    { type: 'edit', at: 5000 },
    { type: 'x', at: 5000 },
  ]) {
    const r = flow.dispatch(bad);
    assert.equal(r.ok, false, JSON.stringify(bad));
    assert.deepEqual(r.emit, []);
    assert.equal(flow.snapshotJSON(), before, JSON.stringify(bad));
  }
  flow.destroy();
});

test('flow: error_result_has_code_message_view_and_emit', () => {
  const flow = make(core);
  const r = JSON.parse(flow.dispatchJSON('{"type":"submit","at":1}'));
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'not_allowed');
  assert.equal(typeof r.error.message, 'string');
  assert.equal(typeof r.view, 'object');
  assert.ok(Array.isArray(r.emit));
  flow.destroy();
});

test('flow: comment_text_never_appears_in_error_messages', () => {
  const flow = make(core, { comment: { enabled: true, max_length: 10 } });
  flow.dispatch(score(1, 10));
  const r = flow.dispatch({ type: 'comment', text: 'secret jane@example.com text', at: 11 });
  assert.equal(r.error.code, 'comment_too_long');
  assert.ok(!r.error.message.includes('jane'));
  flow.destroy();
});

test('flow: final_record_is_emitted_exactly_once', () => {
  const flow = make(core, { finalise: { window_seconds: 1 } });
  flow.dispatch(score(4, 0));
  let finals = 0;
  for (let t = 500; t < 5000; t += 500) {
    for (const rec of flow.dispatch(ev('tick', t)).emit) finals += rec.final === true ? 1 : 0;
  }
  assert.equal(finals, 1);
  assert.equal(flow.view().step, 'final');
  flow.destroy();
});

test('flow: view_has_every_documented_field', () => {
  const flow = make(core);
  const v = flow.view();
  for (const key of ['step', 'open', 'locale', 'dir', 'questions', 'can_submit', 'can_edit', 'revision',
    'edit_deadline', 'final', 'strings']) {
    assert.ok(key in v, key);
  }
  for (const key of ['scale', 'question', 'options', 'score', 'low', 'problems', 'comment']) assert.ok(!(key in v), `${key} moved into questions[]`);
  const [q] = v.questions;
  for (const key of ['id', 'text', 'scale', 'range', 'options', 'end_labels', 'required', 'score', 'low', 'problems', 'comment']) {
    assert.ok(key in q, key);
  }
  for (const key of ['enabled', 'required', 'text', 'max_length', 'remaining']) assert.ok(key in q.comment, key);
  for (const key of ['trigger', 'n_of_m', 'nps_min', 'nps_max', 'numeric_min', 'numeric_max', 'err_answer_required']) {
    assert.equal(typeof v.strings[key], 'string', key);
  }
  assert.equal(v.strings.comment_label, 'Tell us more');
  flow.destroy();
});

// Tab, line feed and carriage return are the control characters a comment may hold (issue 13).
test('flow: control_characters_in_comment_are_escaped_in_json', () => {
  const flow = make(core, { comment: { enabled: true }, redact_pii: false });
  flow.dispatch(score(1, 10));
  const text = 'line1\nline2\t"quoted" \\ back \r end — ünïcödé 😀';
  flow.dispatch({ type: 'comment', text, at: 11 });
  const r = flow.dispatch(ev('submit', 12));
  assert.equal(r.emit[0].answers[0].comment, text);
  flow.destroy();
});

test('flow: deadline_uses_first_submit_not_later_changes', () => {
  const flow = make(core, { finalise: { window_seconds: 100 } });
  flow.dispatch(score(5, 1000));
  let r = flow.dispatch(score(4, 50000));
  assert.equal(r.emit[0].edit_deadline, 101000);
  r = flow.dispatch(score(3, 101000));
  assert.equal(r.error.code, 'finalised');
  assert.equal(r.emit[0].revision, 2);
  assert.equal(r.emit[0].final, true);
  flow.destroy();
});

test('flow: raw_invalid_utf8_event_is_invalid_utf8 (bridge bytes)', () => {
  const flow = make(core, { comment: { enabled: true } });
  flow.dispatch(score(1, 10));
  // JS strings cannot hold invalid UTF-8: write the raw bytes through the bridge.
  const m = core._m;
  const bytes = Buffer.from('{"type":"comment","text":"\xc3\x28","at":11}', 'latin1');
  const p = m._sr_alloc(bytes.length);
  m.HEAPU8.set(bytes, p);
  const slot = m._sr_alloc(4);
  const n = m._sr_flow_dispatch(flow._handle, p, bytes.length, slot);
  m._sr_free(p);
  const at = m.HEAPU32[slot >> 2];
  m._sr_free(slot);
  // The bridge's own buffer, `n` bytes (and a NUL): read, not freed.
  assert.equal(m.HEAPU8[at + n], 0);
  const r = JSON.parse(Buffer.from(m.HEAPU8.subarray(at, at + n)).toString('utf8'));
  assert.equal(r.ok, false); // a refusal: the whole answer object, not the bare view
  assert.equal(r.error.code, 'invalid_utf8');
  flow.destroy();
});
