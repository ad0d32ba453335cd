// Every string crossing the boundary is freed: 100,000 dispatches and 10,000 create/destroy
// cycles must not grow WASM memory after warm-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore, make } from './helpers.mjs';

const core = await getCore();

const CONFIG = { comment: { enabled: true }, finalise: { window_seconds: 3600 } };

// A cycle of events through every step, with refusals mixed in (1 cycle = 10 dispatches).
function* cycle(at) {
  yield { type: 'score', value: 2, at };
  yield { type: 'toggle_problem', id: 'audio', at: at + 1 };
  yield { type: 'toggle_problem', id: 'nope', at: at + 2 }; // refused
  yield { type: 'comment', text: 'call me on 030 1234 5678, jane@example.com 😀', at: at + 3 };
  yield { type: 'submit', at: at + 4 };
  yield { type: 'edit', at: at + 5 };
  yield { type: 'score', value: 9, at: at + 6 }; // refused
  yield { type: 'score', value: 5, at: at + 7 };
  yield { type: 'tick', at: at + 8 };
  yield 'not json'; // refused
}

function dispatchMany(flowCount, dispatches) {
  let n = 0;
  while (n < dispatches) {
    const flow = make(core, CONFIG, { session_id: `s-${n}` });
    for (let k = 0; k < dispatches / flowCount && n < dispatches; k += 10) {
      for (const event of cycle(k * 10)) {
        flow.dispatch(event);
        n++;
      }
    }
    flow.view();
    flow.snapshot();
    flow.destroy();
  }
}

test('memory: 100000 dispatches do not grow wasm memory after warm-up', () => {
  dispatchMany(10, 10000); // warm-up: allocator free lists, input buffer, vectors
  const before = core.memoryBytes;
  const live = core.liveFlows;
  dispatchMany(100, 100000);
  assert.equal(core.memoryBytes, before, `memory grew from ${before} to ${core.memoryBytes} bytes`);
  assert.equal(core.liveFlows, live);
});

test('memory: 10000 create/destroy cycles do not grow wasm memory after warm-up', () => {
  const once = () => {
    const flow = make(core, CONFIG, { session_id: 's' });
    flow.dispatch({ type: 'score', value: 5, at: 1 });
    const snap = flow.snapshotJSON();
    flow.destroy();
    const restored = core.restoreFlow(CONFIG, snap);
    restored.destroy();
    core.createFlow({ scale: 'bad' }, {}); // refused: errors string freed too
    core.validateConfig(CONFIG);
    core.redact('jane@example.com');
    core.shouldPrompt([], { session_id: 's' }, 5, {});
  };
  for (let i = 0; i < 1000; i++) once();
  const before = core.memoryBytes;
  const live = core.liveFlows;
  for (let i = 0; i < 10000; i++) once();
  assert.equal(core.memoryBytes, before, `memory grew from ${before} to ${core.memoryBytes} bytes`);
  assert.equal(core.liveFlows, live);
});
