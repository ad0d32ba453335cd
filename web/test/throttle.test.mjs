// Mirrors native-tests/throttle_test.cpp through the JS API (shouldPrompt).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore } from './helpers.mjs';

const core = await getCore();
const NOW = 1_700_000_000_000;
const DAY = 86_400_000;
const ctx = (session_id, agent_id = null) => ({ session_id, agent_id });

test('throttle: key_is_session_id_or_agent_and_session', () => {
  assert.equal(core.shouldPrompt([], ctx('s1', 'a1'), NOW, {}).key, 's1');
  assert.equal(core.shouldPrompt([], ctx('s1', 'a1'), NOW, { key: 'agent_session' }).key, 'a1|s1');
  assert.equal(core.shouldPrompt([], ctx('s1'), NOW, { key: 'agent_session' }).key, 's1');
});

test('throttle: empty_history_full_sample_prompts', () => {
  assert.deepEqual(core.shouldPrompt([], ctx('s1'), NOW, { cooldown_days: 7 }), { key: 's1', prompt: true, reason: 'ok' });
});

test('throttle: already_rated_is_checked_before_cooldown_and_sampling', () => {
  const d = core.shouldPrompt([{ key: 's1', prompted_at: NOW - 1000, rated: true }], ctx('s1'), NOW,
    { cooldown_days: 7, sample_percent: 0 });
  assert.equal(d.reason, 'already_rated');
});

test('throttle: cooldown_window_boundaries', () => {
  const at = (prompted) => core.shouldPrompt([{ key: 's1', prompted_at: prompted, rated: false }], ctx('s1'), NOW,
    { cooldown_days: 7 }).reason;
  assert.equal(at(NOW - 7 * DAY + 1), 'cooldown');
  assert.equal(at(NOW - 7 * DAY), 'ok');
  assert.equal(at(NOW + DAY), 'cooldown');
});

test('throttle: sampling_is_deterministic_per_session', () => {
  let prompted = 0;
  for (let i = 0; i < 2000; i++) {
    const a = core.shouldPrompt([], ctx(`s-${i}`), NOW, { sample_percent: 25 });
    assert.deepEqual(core.shouldPrompt([], ctx(`s-${i}`), NOW, { sample_percent: 25 }), a);
    prompted += a.prompt ? 1 : 0;
  }
  assert.ok(prompted > 400 && prompted < 600, `${prompted} of 2000 at 25 %`);
});

test('throttle: bad_input_lists_every_problem', () => {
  const r = core.shouldPrompt([{ key: '', prompted_at: -1 }], { session_id: '' }, -5, { cooldown_days: 999 });
  const paths = r.error.map((e) => e.path);
  for (const p of ['/now', '/throttle/cooldown_days', '/context/session_id']) assert.ok(paths.includes(p), paths.join());
  assert.ok(paths.some((p) => p.startsWith('/history/0')), paths.join());
  for (const now of [1.5, NaN, '5', undefined, 2 ** 60]) {
    assert.ok(core.shouldPrompt([], ctx('s1'), now, {}).error.some((e) => e.path === '/now'), String(now));
  }
});
