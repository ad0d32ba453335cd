// The view a dispatch returns is re-assembled in web/core.mjs from the core's wire form and the
// flow's first full view (docs/view.md, "The wire form"): it must equal the core's own whole
// view, member for member and in the same order, after every event.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { readWireArray } from '../core.mjs';
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

// readWireArray (web/core.mjs) reads a common answer straight from WASM memory and leaves
// everything else to JSON.parse: whatever it reads must be what JSON.parse reads.
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function readAt(text, prev) {
  const bytes = utf8.encode(text);
  const heap = new Uint8Array(bytes.length + 8).fill(0x5d); // "]" around it: never read
  heap.set(bytes, 4);
  return readWireArray(heap, 4, 4 + bytes.length, prev);
}

test('wire: readWireArray reads the core\'s flat answers as JSON.parse does', () => {
  const read = [
    '["details",true,true,false,0,null,false,1,true,3,"The audio kept dropping out",473]',
    '["score",true,false,false,0,null,false,null,false,0,"",null]',
    '["thanks",false,false,true,2,1764100000000,true,-1,false,1048575,"ok 😀 ünïcödé",0]',
    '[0,-0,7,999999999999999]',
    '[]',
  ];
  for (const text of read) assert.deepStrictEqual(readAt(text), JSON.parse(text), text);
  // A string equal to the last answer's at its position is reused; a changed one is read.
  const prev = JSON.parse(read[0]);
  assert.deepStrictEqual(readAt(read[0], prev), prev);
  assert.deepStrictEqual(readAt(read[0].replace('kept', 'kepT'), prev),
    JSON.parse(read[0].replace('kept', 'kepT')));
  assert.deepStrictEqual(readAt('["a","b"]', ['b', 'a']), ['a', 'b']);
  // Left to JSON.parse: objects, escapes, control bytes, fractions, exponents, 16 digits,
  // leading zeros, whitespace, and anything that is not JSON.
  const left = ['{"ok":true,"view":[],"emit":[]}', '["a\\"b"]', '["a\\nb"]', '["a\tb"]', '[1.5]',
    '[1e3]', '[1234567890123456]', '[01]', '[ 1]', '[1 ]', '[1,]', '[,1]', '[tru]', '[nul]',
    '[falsy]', '["open', '[1', '[', '', '[1]]', '[-]', '[--1]', '[+1]', '[True]'];
  for (const text of left) assert.equal(readAt(text), undefined, text);
});

test('wire: readWireArray agrees with JSON.parse on 20,000 damaged answers', () => {
  const next = rng(140);
  const base = utf8.encode('["details",true,true,false,12,1764100000000,false,2,true,3,"Ton ünd Bild",4990]');
  const alphabet = utf8.encode('[]{},:"\\-0123456789.eEtrufalsn x\u00e9');
  let readCount = 0;
  for (let i = 0; i < 20000; i++) {
    const bytes = Uint8Array.from(base);
    const edits = 1 + Math.floor(next() * 3);
    for (let k = 0; k < edits; k++) {
      bytes[Math.floor(next() * bytes.length)] = alphabet[Math.floor(next() * alphabet.length)];
    }
    const end = Math.floor(next() * 8) === 0 ? Math.floor(next() * bytes.length) : bytes.length;
    const got = readWireArray(bytes, 0, end, undefined);
    const text = fromUtf8.decode(bytes.subarray(0, end));
    let want;
    try {
      want = JSON.parse(text);
    } catch {
      want = undefined;
    }
    if (got !== undefined) {
      readCount++;
      assert.deepStrictEqual(got, want, text);
    }
  }
  assert.ok(readCount > 1000, `only ${readCount} damaged answers were still flat arrays`);
});

test('wire: an event written straight into WASM memory is JSON.stringify\'s text', () => {
  const heap = () => core._m.HEAPU8;
  const written = (e) => {
    const n = core._writeEvent(e);
    return n < 0 ? null : fromUtf8.decode(heap().subarray(core._scratch, core._scratch + n));
  };
  const direct = [
    { type: 'score', value: 5, at: 1764100000000 },
    { type: 'comment', text: 'call me at jane@example.com ~!', at: 1 },
    { type: 'toggle_problem', question: 'quality', id: 'audio', at: -0 },
    { type: 'tick', at: 1.5e21, extra: null, flag: true, off: false, neg: -3.25 },
    {},
    JSON.parse('{"__proto__":"x","type":"tick"}'),
  ];
  for (const e of direct) assert.equal(written(e), JSON.stringify(e));
  // Everything else is written as JSON.stringify's text by the caller.
  class Event { constructor() { this.type = 'tick'; } }
  const other = [
    { type: 'comment', text: 'Grüße' }, { type: 'comment', text: 'say "hi"' },
    { type: 'comment', text: 'a\\b' }, { type: 'comment', text: 'two\nlines' },
    { type: 'score', value: NaN }, { type: 'score', value: Infinity }, { type: 'x', v: undefined },
    { type: 'x', v: [1] }, { type: 'x', v: {} }, { type: 'x', toJSON: () => 'y' }, { 'ké': 1 },
    { type: 'x', v: 10n }, new Event(), [1, 2], null, 'text', 5, Object.create(null),
    { type: 'comment', text: 'x'.repeat(core._scratchSize) },
  ];
  for (const [i, e] of other.entries()) assert.equal(core._writeEvent(e), -1, `case ${i}`);
  // The long one wrote nothing past the scratch buffer (the char** slot after it is intact).
  const slot = heap()[core._scratch + core._scratchSize];
  core._writeEvent({ text: 'y'.repeat(core._scratchSize + 4) });
  assert.equal(heap()[core._scratch + core._scratchSize], slot);
  // And both ways reach the core alike.
  const flow = make(core, { comment: { enabled: true } });
  flow.dispatch({ type: 'score', value: 1, at: 1 });
  const long = flow.dispatch({ type: 'comment', text: 'y'.repeat(core._scratchSize + 10), at: 2 });
  assert.equal(long.ok, false);
  assert.equal(long.error.code, 'comment_too_long');
  const ok = flow.dispatch({ type: 'comment', text: 'short', at: 3 });
  assert.equal(ok.view.questions[0].comment.text, 'short');
  flow.destroy();
});
