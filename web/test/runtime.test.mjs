// The widget bundles' WASM loader (web/src/wasm-runtime.mjs, in place of the Emscripten glue):
// it finds its names in the glue, answers like the glue, grows memory, and loads by fetch
// (streaming; the ArrayBuffer fallback for a wrong MIME type; a missing file rejects).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { builtWasmDir, repoRoot } from '../bin/built-core.mjs';
import { createCore } from '../core.mjs';
import { runtimeNames } from '../glue-names.mjs';
import { runtime } from '../src/wasm-runtime.mjs';

const dir = builtWasmDir();
const gluePath = path.join(dir, 'session_rating_core.mjs');
const wasm = readFileSync(path.join(dir, 'session_rating_core.wasm'));
const names = runtimeNames(readFileSync(gluePath, 'utf8'));

test('the glue gives the runtime every export of wasm/exports.txt and both imports', () => {
  assert.ok(names, 'runtimeNames() found the names in the glue');
  const listed = readFileSync(path.join(repoRoot, 'wasm/exports.txt'), 'utf8').split(/\s+/).filter(Boolean);
  assert.deepEqual(Object.keys(names.exports).sort(), [...listed].sort());
  assert.ok(names.abort && names.resize && names.memory && names.ctors);
  // A glue with an import the runtime does not provide is refused (the build bundles the glue).
  assert.equal(runtimeNames('var asmLibraryArg={"a":_abort,"b":_fd_write};'), null);
});

test('answers exactly like the glue, before and after the memory grows', async () => {
  const glueFactory = (await import(pathToFileURL(gluePath).href)).default;
  const mine = await createCore(runtime(names), { wasmBinary: wasm });
  const glue = await createCore(glueFactory, { wasmBinary: wasm });
  const config = { scale: 'stars', comment: { enabled: true } };
  const context = { session_id: 's-1', rating_id: 'r-1' };
  const run = (core) => {
    const out = [core.validateConfig(config), core.validateConfig('{"scale": 3}')];
    const flow = core.createFlow(config, context);
    assert.equal(flow.ok, true, JSON.stringify(flow.errors));
    out.push(flow.dispatch({ type: 'score', value: 2, at: 1000 }));
    out.push(flow.dispatch({ type: 'comment', text: 'mail me: a@b.example', at: 1100 }));
    out.push(flow.dispatch({ type: 'submit', at: 1200 }));
    const again = core.restoreFlow(config, flow.snapshot());
    out.push(again.view(), flow.dispatch('{"type":"nope","at":1}'));
    flow.destroy();
    again.destroy();
    out.push(core.shouldPrompt([], context, 5000, { cooldown_days: 7 }));
    return out;
  };
  const start = mine.memoryBytes;
  assert.deepEqual(run(mine), run(glue));
  // A 4 MB input does not fit the initial memory: emscripten_resize_heap must grow it.
  const big = JSON.stringify({ strings: { submit: 'x'.repeat(4 << 20) } });
  assert.deepEqual(mine.validateConfig(big), glue.validateConfig(big));
  assert.ok(mine.memoryBytes >= start + (4 << 20), `memory grew from ${start} to ${mine.memoryBytes}`);
  assert.deepEqual(run(mine), run(glue)); // fresh views after the growth
  assert.equal(mine.liveFlows, 0);
});

test('loads by fetch: streaming, the ArrayBuffer fallback for a wrong MIME type, a missing file rejects', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/ok.wasm') res.writeHead(200, { 'Content-Type': 'application/wasm' }).end(wasm);
    else if (req.url === '/plain.wasm') res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(wasm);
    else res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;
  const load = async (file) => {
    const printed = [];
    const asked = [];
    const m = await runtime(names)({
      locateFile: (p) => (asked.push(p), `${base}/${file}`),
      printErr: (text) => printed.push(text),
    });
    return { m, printed, asked };
  };

  const ok = await load('ok.wasm');
  assert.deepEqual(ok.printed, []);
  assert.deepEqual(ok.asked, [names.file]);
  assert.equal(typeof ok.m._sr_flow_create, 'function');
  assert.ok(ok.m.HEAPU8.length > 0);

  const plain = await load('plain.wasm');
  assert.match(plain.printed[0], /^wasm streaming compile failed/);
  assert.equal(plain.printed[1], 'falling back to ArrayBuffer instantiation');
  assert.equal(typeof plain.m._sr_alloc, 'function');

  await assert.rejects(load('missing.wasm'), (e) =>
    e instanceof WebAssembly.RuntimeError && /both async and sync fetching of the wasm failed/.test(e.message));
});
