#!/usr/bin/env node
// scripts/bench/wasm-split-estimate.mjs — what a show-only first .wasm would weigh (issue 14's
// 36 KB brotli goal is for "everything needed to show the prompt"). A measurement, not a build
// step: nothing here ships. docs/wasm.md, "A show-only first file", has the figures and why the
// split was not taken.
//
//   node scripts/bench/wasm-split-estimate.mjs [--wasm build/wasm/wasm/session_rating_core.wasm]
//
// Splits the widget's .wasm with Binaryen's wasm-split (Debian's binaryen, a dependency of its
// emscripten) into a primary module that keeps every function the start-up's exports can reach
// (sr_alloc, free, the constructors, sr_flow_create, sr_flow_view, sr_flow_snapshot,
// sr_flow_destroy, sr_flow_count, sr_validate_config, sr_should_prompt: the calls the widget
// makes before the prompt is on screen) and a secondary module with the rest (the event path,
// restore, the record, redaction...). The core makes no indirect calls (its table is empty), so
// the direct call graph is the whole call graph and "reachable" is exact: a primary that keeps
// it can show the prompt, whatever the config, without the secondary. Then both are passed
// through wasm-opt -Oz and measured raw / gzip -9 / brotli q11 (the settings of
// scripts/size-report.mjs), against the unsplit .wasm.
//
// It also runs the two files, to show the split is real: the primary alone (each call into
// the secondary throws) checks configs (bad ones included), asks should_prompt, and makes and
// shows a flow for each scale, a comment, another locale and a two-question config; an event
// then throws. With the secondary instantiated on the primary's exports, five of those flows
// take a score, a problem pick, a comment (its phone number redacted) and a submit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from '../size-report.mjs';
import { Core } from '../../web/core.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const at = args.indexOf('--wasm');
const wasm = resolve(root, at >= 0 ? args[at + 1] : 'build/wasm/wasm/session_rating_core.wasm');
const glue = wasm.replace(/\.wasm$/, '.mjs');
const { runtimeNames } = await import(join(root, 'web/glue-names.mjs'));
const names = runtimeNames(readFileSync(glue, 'utf8'));
if (!names) throw new Error(`${glue}: not a glue web/glue-names.mjs reads`);
const SHOW = ['_sr_alloc', '_sr_free', '_sr_flow_create', '_sr_flow_view', '_sr_flow_snapshot', '_sr_flow_destroy',
  '_sr_flow_count', '_sr_validate_config', '_sr_should_prompt'];
const roots = [names.ctors, ...SHOW.map((n) => names.exports[n])];
if (roots.some((r) => !r)) throw new Error(`an export of ${SHOW.join(', ')} is missing in ${glue}`);

const dir = mkdtempSync(join(tmpdir(), 'sr-split-'));
const FEATURES = ['--enable-bulk-memory', '--enable-mutable-globals'];
const run = (cmd, ...a) => execFileSync(cmd, [...FEATURES, ...a], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  run('wasm-dis', wasm, '-o', join(dir, 'in.wat'));
  let wat = readFileSync(join(dir, 'in.wat'), 'utf8');
  // Binaryen 108's wasm-split asserts on a table without an element segment (the core's
  // table is empty): the table becomes growable and unexported, with one entry at index 1
  // (the constructors, kept anyway). The code is unchanged.
  const table = wat.match(/\(table \$0 1 1 funcref\)/);
  const tableExport = wat.match(/ \(export "\w+" \(table \$0\)\)\n/);
  if (!table || !tableExport) throw new Error('the .wasm has not the one empty table this expects');
  const exportOf = (key) => wat.match(new RegExp(`\\(export "${key}" \\(func (\\$\\w+)\\)\\)`))?.[1];
  const ctors = exportOf(names.ctors);
  wat = wat.replace(tableExport[0], '\n').replace(table[0], `(table $0 2 funcref)\n (elem (i32.const 1) ${ctors})`);
  writeFileSync(join(dir, 'in2.wat'), wat);
  run('wasm-as', join(dir, 'in2.wat'), '-o', join(dir, 'in.wasm'));

  // The direct call graph, from the disassembly (one `(func $N` per function).
  const calls = new Map();
  let cur = null;
  for (const line of wat.split('\n')) {
    const f = line.match(/^ \(func (\$\w+)/);
    if (f) calls.set((cur = f[1]), new Set());
    else if (cur) for (const c of line.matchAll(/\(call (\$\w+)/g)) calls.get(cur).add(c[1]);
    if (cur && /call_indirect|call_ref|return_call/.test(line)) throw new Error(`${cur}: an indirect or tail call`);
  }
  const keep = new Set();
  const todo = roots.map(exportOf);
  while (todo.length) {
    const f = todo.pop();
    if (keep.has(f) || !calls.has(f)) continue;
    keep.add(f);
    todo.push(...calls.get(f));
  }
  writeFileSync(join(dir, 'keep.txt'), [...keep].map((f) => f.slice(1)).join('\n') + '\n');
  run('wasm-split', '--split', `--keep-funcs=@${join(dir, 'keep.txt')}`, join(dir, 'in.wasm'),
    '-o1', join(dir, 'p.wasm'), '-o2', join(dir, 's.wasm'));
  for (const f of ['p', 's']) run('wasm-opt', '-Oz', '--strip-debug', '--strip-producers', join(dir, `${f}.wasm`), '-o', join(dir, `${f}.wasm`));

  await exercise(readFileSync(join(dir, 'p.wasm')), readFileSync(join(dir, 's.wasm')));

  const whole = measure(wasm, readFileSync(wasm));
  const p = measure('p', readFileSync(join(dir, 'p.wasm')));
  const s = measure('s', readFileSync(join(dir, 's.wasm')));
  const row = (name, x) => console.log(`${name.padEnd(34)} ${String(x.raw).padStart(7)} ${String(x.gzip).padStart(7)} ${String(x.brotli).padStart(7)}`);
  console.log(`${wasm}: ${keep.size} of ${calls.size} functions reachable from the start-up's exports\n`);
  console.log(`${''.padEnd(34)} ${'raw'.padStart(7)} ${'gzip'.padStart(7)} ${'brotli'.padStart(7)}`);
  row('the .wasm as shipped', whole);
  row('primary (shows the prompt)', p);
  row('secondary (the rest)', s);
  row('primary + secondary', { raw: p.raw + s.raw, gzip: p.gzip + s.gzip, brotli: p.brotli + s.brotli });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// The primary alone shows the prompt; with the secondary, the same flows take a whole rating.
async function exercise(primary, secondary) {
  let memory;
  const m = {};
  const views = () => Object.assign(m, { HEAP8: new Int8Array(memory.buffer), HEAPU8: new Uint8Array(memory.buffer), HEAPU32: new Uint32Array(memory.buffer) });
  const split = new Proxy({}, { get: (_, k) => () => { throw new Error(`placeholder ${String(k)}: a call into the secondary`); } });
  const { instance } = await WebAssembly.instantiate(primary, {
    [names.mod]: {
      [names.abort]: () => { throw new Error('abort'); },
      [names.resize]: (size) => { memory.grow(Math.ceil((size - memory.buffer.byteLength) / 65536)); views(); return 1; },
    },
    placeholder: split,
  });
  memory = instance.exports[names.memory];
  views();
  instance.exports[names.ctors]();
  for (const [name, short] of Object.entries(names.exports)) m[name] = instance.exports[short];
  const core = new Core(m);
  const configs = [{}, { scale: 'emoji' }, { scale: 'thumbs' }, { scale: 'nps' }, { comment: { enabled: true }, locale: 'de' },
    { questions: [{ id: 'q1', scale: 'stars', comment: { enabled: true } }, { id: 'q2', scale: 'numeric', range: [1, 7] }], locale: 'ar' }];
  const flows = [];
  for (const config of configs) {
    const ctx = { session_id: `s-${flows.length}`, rater_id: 'r-1' };
    if (!core.validateConfig(config).ok) throw new Error(`primary: ${JSON.stringify(config)} refused`);
    if (core.shouldPrompt([], ctx, Date.now()).prompt !== true) throw new Error('primary: should_prompt');
    const flow = core.createFlow(config, ctx);
    if (!flow.ok || flow.view().step !== 'score' || !flow.snapshot().context) throw new Error(`primary: no flow for ${JSON.stringify(config)}`);
    flows.push(flow);
  }
  for (const bad of [{ scale: 'hearts' }, { questions: 3 }, { comment: { max_length: -1 } }, '{"scale":']) {
    if (core.validateConfig(bad).ok !== false || core.createFlow(bad, { session_id: 's' }).ok !== false) throw new Error(`primary: ${JSON.stringify(bad)} taken`);
  }
  let threw = false;
  try { flows[0].dispatch({ type: 'score', value: 1, at: Date.now() }); } catch { threw = true; }
  if (!threw) throw new Error('an event ran without the secondary: the split kept the event path');
  await WebAssembly.instantiate(secondary, { primary: instance.exports });
  let submitted = 0;
  for (const flow of flows.slice(1)) {
    const q = flow.view().questions[0];
    const at = Date.now();
    const send = (e) => { const r = flow.dispatch({ ...e, at }); if (!r.ok) throw new Error(`secondary: ${JSON.stringify(r.error)}`); return r; };
    for (const question of flow.view().questions) send({ type: 'score', value: question.options[0].value, question: question.id });
    if (q.problems.length) send({ type: 'toggle_problem', id: q.problems[0].id, question: q.id });
    if (q.comment.enabled) send({ type: 'comment', text: 'call me on +44 20 7946 0958', question: q.id });
    const { emit } = send({ type: 'submit' });
    if (q.comment.enabled && !JSON.stringify(emit).includes('call me on [phone]')) throw new Error(`secondary: the phone number was not redacted: ${JSON.stringify(emit)}`);
    submitted += emit.length;
    flow.destroy();
  }
  if (submitted !== flows.length - 1) throw new Error(`secondary: ${submitted} records`);
  console.log(`checked: the primary alone checks ${configs.length + 4} configs and shows ${flows.length} flows; with the secondary, ${submitted} ratings submitted`);
}
