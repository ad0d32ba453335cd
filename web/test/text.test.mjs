// Text handed to the core is written into WebAssembly memory as UTF-8 in a buffer sized to the
// text's exact UTF-8 length (web/core.mjs utf8Length, docs/wasm.md "WebAssembly memory over
// many prompts"): a miscount would cut the text short or run past the buffer. Every width of
// UTF-8 character, lone surrogates (which TextEncoder writes as U+FFFD) and texts long enough
// to grow the buffer must reach the core whole. (Events are JSON.stringify'd, which escapes a
// lone surrogate, and the core refuses a surrogate escape: so those are checked on the buffer.)
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore, rng } from './helpers.mjs';

const core = await getCore();

test('text: comments of every UTF-8 width reach the core whole', () => {
  const flow = core.createFlow({ comment: { enabled: true, max_length: 5000 } }, { session_id: 'text-1', rating_id: 'text-1' });
  try {
    assert.equal(flow.dispatch({ type: 'score', value: 1, at: 1000 }).ok, true);
    const texts = [
      'plain ascii',
      'é ü ß', // 2 bytes each
      '€ 日本語', // 3 bytes
      '😀 🎉 𝄞', // 4 bytes (surrogate pairs)
      '😀'.repeat(1200), // 4,800 bytes: the buffer grows
      'é'.repeat(2500), // 5,000 bytes
      'abc',
    ];
    for (const text of texts) {
      const r = flow.dispatch({ type: 'comment', text, at: 1001 });
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.equal(r.view.questions[0].comment.text, text, `comment ${JSON.stringify(text.slice(0, 20))}`);
    }
  } finally {
    flow.destroy();
  }
});

test('text: the input buffer holds exactly what TextEncoder writes, lone surrogates included', () => {
  const texts = ['', 'abc', 'é', '€', '😀', 'a\ud83db', 'x\ude00y', '\ud83d', '\ude00\ud83d', '😀\ud83d😀',
    'x'.repeat(3000) + 'ü😀€'];
  const next = rng(14);
  for (let k = 0; k < 300; k++) {
    let t = '';
    for (let j = 0; j < 12; j++) t += String.fromCharCode(Math.floor(next() * 0x10000));
    texts.push(t);
  }
  for (const t of texts) {
    const bytes = new TextEncoder().encode(t);
    const [p, n] = core._write(t);
    assert.equal(n, bytes.length, `written length of ${JSON.stringify(t)}`);
    assert.deepEqual(core._m.HEAPU8.slice(p, p + n), bytes, `bytes of ${JSON.stringify(t)}`);
  }
});

test('text: a 200-entry prompt history is read whole by should_prompt', () => {
  const now = 1767225600000;
  const history = Array.from({ length: 200 }, (_, i) => ({ key: `sess-${i}`, prompted_at: now - i * 60000, rated: i === 123 }));
  // The same entries plus one the one-pass reader leaves to the tree path (a non-ASCII key):
  // the same decisions.
  const odd = [...history, { key: 'sess-é', prompted_at: now, rated: false }];
  for (const h of [history, odd]) {
    assert.equal(core.shouldPrompt(h, { session_id: 'sess-123' }, now, {}).reason, 'already_rated');
    assert.equal(core.shouldPrompt(h, { session_id: 'sess-199' }, now, { cooldown_days: 1 }).reason, 'cooldown');
    assert.equal(core.shouldPrompt(h, { session_id: 'sess-199' }, now, {}).reason, 'ok');
    assert.equal(core.shouldPrompt(h, { session_id: 'sess-new' }, now, {}).prompt, true);
  }
});
