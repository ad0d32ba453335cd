// Mirrors native-tests/property_test.cpp (Property, Snapshot) through the JS API.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore, make, ev, score, rng } from './helpers.mjs';

const core = await getCore();

const CONFIGS = [
  {},
  { scale: 'thumbs' },
  { scale: 'emoji', comment: { enabled: true, required: true, max_length: 20 } },
  { finalise: { window_seconds: 0 } },
  { finalise: { window_seconds: 60, from: 'session_end' } },
];
const CONTEXT = { session_id: 's-1', rating_id: 'r-1', session_ended_at: 5000 };

function randomEvent(next, at) {
  const types = ['score', 'toggle_problem', 'comment', 'submit', 'edit', 'dismiss', 'tick'];
  const type = types[Math.floor(next() * types.length)];
  if (type === 'score') return { type, value: Math.floor(next() * 7) - 1, at };
  if (type === 'toggle_problem') return { type, id: next() < 0.8 ? 'audio' : 'nope', at };
  if (type === 'comment') return { type, text: next() < 0.5 ? 'mail a@b.com' : 'x'.repeat(30), at };
  return { type, at };
}

test('property: random_sequences_keep_invariants', () => {
  const next = rng(7);
  for (let run = 0; run < 300; run++) {
    const config = CONFIGS[run % CONFIGS.length];
    const flow = make(core, config, CONTEXT);
    let revision = 0;
    let finals = 0;
    let finalSeen = false;
    let at = 0;
    for (let i = 0; i < 40; i++) {
      at += Math.floor(next() * 20000);
      const r = flow.dispatch(randomEvent(next, at));
      assert.ok(r.view.revision >= revision, 'revision never decreases');
      revision = r.view.revision;
      for (const rec of r.emit) {
        assert.ok(!finalSeen, 'nothing emitted after the final record');
        if (rec.final) {
          finals++;
          finalSeen = true;
        }
        assert.deepEqual(core.validateRecord(rec), { ok: true, errors: [] });
      }
    }
    assert.ok(finals <= 1, 'at most one final record');
    flow.destroy();
  }
});

test('property: snapshot_round_trip_at_every_step', () => {
  const next = rng(11);
  for (let run = 0; run < 100; run++) {
    const config = CONFIGS[run % CONFIGS.length];
    let flow = make(core, config, CONTEXT);
    let at = 0;
    for (let i = 0; i < 25; i++) {
      const snap = flow.snapshotJSON();
      const copy = core.restoreFlow(config, snap);
      assert.equal(copy.ok, true, JSON.stringify(copy.errors));
      assert.equal(copy.snapshotJSON(), snap);
      at += Math.floor(next() * 20000);
      const event = JSON.stringify(randomEvent(next, at));
      const a = flow.dispatch(event);
      const b = copy.dispatch(event);
      // The comment draft is kept redacted in snapshots, so compare records and steps.
      assert.deepEqual(b.emit, a.emit, event);
      assert.equal(b.ok, a.ok, event);
      assert.equal(b.view.step, a.view.step, event);
      assert.equal(b.view.revision, a.view.revision, event);
      flow.destroy();
      flow = copy; // continue with the restored one
    }
    flow.destroy();
  }
});

test('snapshot: refuses_another_config', () => {
  const flow = make(core, {});
  flow.dispatch(score(2, 1));
  const r = core.restoreFlow({ comment: { enabled: true } }, flow.snapshot());
  assert.equal(r.ok, false);
  assert.deepEqual(r.errors.map((e) => [e.path, e.code]), [['/snapshot/config', 'conflict']]);
  flow.destroy();
});

test('snapshot: refuses_malformed_snapshots', () => {
  const flow = make(core, {});
  flow.dispatch(score(5, 1));
  const good = flow.snapshot();
  const live = core.liveFlows;
  assert.equal(core.restoreFlow({}, 'not json').ok, false);
  assert.equal(core.restoreFlow({}, []).ok, false);
  for (const key of ['step', 'draft', 'revision', 'submitted', 'context', 'last_at']) {
    const r = core.restoreFlow({}, { ...good, [key]: 'garbage' });
    assert.equal(r.ok, false, key);
  }
  assert.equal(core.liveFlows, live, 'refused restores leave no flow behind');
  flow.destroy();
});

test('snapshot: never_holds_the_unredacted_comment', () => {
  const flow = make(core, { comment: { enabled: true } });
  flow.dispatch(score(1, 1));
  flow.dispatch({ type: 'comment', text: 'reach me at jane.doe@example.com', at: 2 });
  assert.ok(!flow.snapshotJSON().includes('jane.doe'));
  flow.dispatch(ev('submit', 3));
  assert.ok(!flow.snapshotJSON().includes('jane.doe'));
  flow.destroy();
});
