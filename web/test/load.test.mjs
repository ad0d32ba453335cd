// loadCore() finds the glue only where it is told (glueUrl / moduleFactory) or next to
// core.mjs as shipped — never in the repo's build folder. With a file: glue in Node it reads
// the .wasm beside it (Node cannot fetch() a file path). The build's location comes from the
// test support (SR_WASM_DIR, default build/wasm/wasm), not from the library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { loadCore, createCore, ToolsCore } from '../core.mjs';
import { builtWasmDir } from '../bin/built-core.mjs';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('load: without options it looks next to core.mjs only, not in the build folder', async () => {
  assert.equal(existsSync(path.join(web, 'session_rating_core.mjs')), false, 'no glue is shipped next to web/core.mjs in a checkout');
  await assert.rejects(loadCore(), (err) => {
    assert.match(err.message, /cannot load the WebAssembly glue from file:.*\/web\/session_rating_core\.mjs;/);
    assert.doesNotMatch(err.message, /build/);
    return true;
  });
});

test('load: glueUrl from the test support loads the built core, once (after a failed load)', async () => {
  const glue = pathToFileURL(path.join(builtWasmDir(), 'session_rating_core.mjs'));
  const core = await loadCore({ glueUrl: glue });
  const again = await loadCore({ wasmBinary: new Uint8Array(0) }); // options of later calls are ignored
  assert.equal(again, core);
  const flow = core.createFlow({ scale: 'thumbs' }, { session_id: 's-1' });
  const result = flow.dispatch({ type: 'score', value: 1, at: 10 });
  assert.equal(result.ok, true);
  assert.equal(result.emit.length, 1);
  assert.equal(result.emit[0].answers[0].positive, true);
  flow.destroy();
  assert.equal(core.liveFlows, 0);
});

test('load: createCore() makes a new core from the factory each time (no cache, no glue search)', async () => {
  const dir = builtWasmDir();
  const { default: factory } = await import(pathToFileURL(path.join(dir, 'session_rating_core.mjs')).href);
  const wasmBinary = readFileSync(path.join(dir, 'session_rating_core.wasm'));
  const [a, b] = await Promise.all([createCore(factory, { wasmBinary }), createCore(factory, { wasmBinary })]);
  assert.notEqual(a, b);
  for (const core of [a, b]) {
    const flow = core.createFlow({ scale: 'stars' }, { session_id: 's-2' });
    assert.equal(flow.dispatch({ type: 'score', value: 5, at: 10 }).emit[0].answers[0].score, 5);
    flow.destroy();
    assert.equal(core.liveFlows, 0);
  }
});

test('load: the widget build ships the flow only; insights and record validation are in the tools build', async () => {
  const dir = builtWasmDir();
  const widget = await import(pathToFileURL(path.join(dir, 'session_rating_core.mjs')).href);
  const core = await createCore(widget.default, { wasmBinary: readFileSync(path.join(dir, 'session_rating_core.wasm')) });
  assert.equal(core.validateConfig({ scale: 'nps' }).ok, true);
  assert.equal(core.aggregate, undefined, 'the widget API has no tools functions');
  const onWidgetBuild = Object.setPrototypeOf(core, ToolsCore.prototype);
  for (const call of [() => onWidgetBuild.aggregate([]), () => onWidgetBuild.validateRecord({}), () => onWidgetBuild.redact('x')])
    assert.throws(call, { name: 'CoreUsageError', message: /tools build/ });
  const tools = await import(pathToFileURL(path.join(dir, 'session_rating_tools.mjs')).href);
  const full = await createCore(tools.default, { wasmBinary: readFileSync(path.join(dir, 'session_rating_tools.wasm')) }, ToolsCore);
  assert.equal(full.aggregate([]).ratings, 0);
  assert.equal(full.redact('mail a@b.example').text, 'mail [email]');
});
