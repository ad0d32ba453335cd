// loadCore() with no options, from the source checkout: finds the built glue under
// build/wasm/wasm/ and reads the .wasm beside it (Node cannot fetch() a file path).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadCore } from '../core.mjs';

test('load: loadCore without options finds the built core and loads it once', async () => {
  const core = await loadCore();
  const again = await loadCore({ wasmBinary: new Uint8Array(0) }); // options of later calls are ignored
  assert.equal(again, core);
  const flow = core.createFlow({ scale: 'thumbs' }, { session_id: 's-1' });
  const result = flow.dispatch({ type: 'score', value: 1, at: 10 });
  assert.equal(result.ok, true);
  assert.equal(result.emit.length, 1);
  assert.equal(result.emit[0].positive, true);
  flow.destroy();
  assert.equal(core.liveFlows, 0);
});
