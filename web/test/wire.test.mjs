// The view a dispatch returns is re-assembled in web/core.mjs from the core's wire form and the
// flow's first full view (docs/view.md, "The wire form"): it must equal the core's own whole
// view, member for member and in the same order, after every event.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore, make, rng } from './helpers.mjs';

const core = await getCore();

const CONFIGS = [
  {},
  { scale: 'emoji', comment: { enabled: true, required: true, max_length: 40 }, locale: 'ar' },
  { scale: 'thumbs', locale: 'de', strings: { submit: 'Los' } },
  {
    questions: [
      { id: 'quality', scale: 'stars', problems: [{ id: 'audio', label: 'Audio' },
        { id: 'video', label: 'Video' }], comment: { enabled: true } },
      { id: 'nps', scale: 'nps', required: false },
      { id: 'HELPFUL_THUMBS' },
    ],
    finalise: { window_seconds: 60 },
  },
  // The most problems a question can have: the wire form sends its picks as one number with
  // a bit per problem, and the last one is bit 19.
  {
    problems: Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, label: `Problem ${i}` })),
    comment: { enabled: true },
  },
];

// Random events, valid and not: scores in and out of range, problem picks, comments, submits,
// edits, ticks past the deadline, dismissals, unknown types.
function randomEvent(next, view, at) {
  const q = view.questions[Math.floor(next() * view.questions.length)];
  const question = view.questions.length > 1 ? q.id : undefined;
  const kinds = ['score', 'score', 'toggle_problem', 'comment', 'submit', 'edit', 'tick',
    'dismiss', 'nonsense'];
  const type = kinds[Math.floor(next() * kinds.length)];
  const e = { type, at };
  if (question) e.question = question;
  if (type === 'score') e.value = q.range[0] + Math.floor(next() * (q.range[1] - q.range[0] + 2));
  if (type === 'toggle_problem') {
    e.id = q.problems.length ? q.problems[Math.floor(next() * q.problems.length)].id : 'audio';
  }
  if (type === 'comment') {
    const texts = ['call me at jane@example.com', 'ok 😀', 'a "quoted" \\ back\nslash\t\u0001\u001f\u007f'];
    e.text = texts[Math.floor(next() * texts.length)].repeat(Math.floor(next() * 12));
  }
  return e;
}

test('wire: every dispatched view equals the core\'s whole view', () => {
  for (const [c, config] of CONFIGS.entries()) {
    const next = rng(14 + c);
    const flow = make(core, config);
    let at = 1000;
    let view = flow.view();
    for (let i = 0; i < 300; i++) {
      at += Math.floor(next() * 20000);
      const r = flow.dispatch(randomEvent(next, view, at));
      const whole = flow.view();
      assert.deepStrictEqual(r.view, whole, `config ${c}, event ${i}`);
      assert.deepStrictEqual(Object.keys(r.view), Object.keys(whole));
      assert.deepStrictEqual(Object.keys(r.view.questions[0]), Object.keys(whole.questions[0]));
      view = r.view;
    }
    flow.destroy();
  }
});

test('wire: a restored flow assembles the same views as the flow it came from', () => {
  const config = CONFIGS[3];
  const a = make(core, config);
  a.dispatch({ type: 'score', question: 'quality', value: 2, at: 10 });
  const b = core.restoreFlow(config, a.snapshot());
  const e = { type: 'toggle_problem', question: 'quality', id: 'video', at: 11 };
  assert.deepStrictEqual(b.dispatch(e), a.dispatch(e));
});

test('wire: every one of 20 problems picked and unpicked reaches the view', () => {
  const flow = make(core, CONFIGS[4]);
  flow.dispatch({ type: 'score', value: 1, at: 1 });
  const ids = CONFIGS[4].problems.map((p) => p.id);
  for (const [i, id] of ids.entries()) {
    const r = flow.dispatch({ type: 'toggle_problem', id, at: 2 + i });
    assert.deepStrictEqual(r.view.questions[0].problems.map((p) => p.selected),
      ids.map((_, k) => k <= i));
  }
  const r = flow.dispatch({ type: 'toggle_problem', id: 'p0', at: 30 });
  assert.deepStrictEqual(r.view.questions[0].problems.map((p) => p.selected),
    ids.map((_, k) => k > 0));
  assert.deepStrictEqual(r.view, flow.view());
  flow.destroy();
});

test('wire: a refused event and a record-emitting one come back whole, with the error and the record', () => {
  const flow = make(core, CONFIGS[1]);
  const bad = flow.dispatch({ type: 'score', value: 99, at: 1 });
  assert.equal(bad.ok, false);
  assert.equal(typeof bad.error.code, 'string');
  assert.deepStrictEqual(Object.keys(bad), ['ok', 'error', 'view', 'emit']);
  assert.deepStrictEqual(bad.view, flow.view());
  // A high score goes straight to thanks and emits its record.
  const done = flow.dispatch({ type: 'score', value: 5, at: 2 });
  assert.equal(done.ok, true);
  assert.equal(done.emit.length, 1);
  assert.deepStrictEqual(Object.keys(done), ['ok', 'view', 'emit']);
  assert.deepStrictEqual(done.view, flow.view());
  const plain = flow.dispatch({ type: 'tick', at: 4 });
  assert.deepStrictEqual(Object.keys(plain), ['ok', 'view', 'emit']);
  assert.deepStrictEqual(plain.emit, []);
  flow.destroy();
});

test('wire: dispatchJSON is the assembled result as JSON text', () => {
  const flow = make(core, CONFIGS[1]);
  const text = flow.dispatchJSON('{"type":"score","value":2,"at":5}');
  assert.deepStrictEqual(JSON.parse(text).view, flow.view());
});
