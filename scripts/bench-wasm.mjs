#!/usr/bin/env node
// Dispatch throughput of the WASM core under Node vs the native core, in the same run, and the
// median latency of one dispatch.
//
//   node scripts/bench-wasm.mjs [--seconds 3] [--native build/native/native-tests/flow_bench]
//                               [--browser]
//
// The workload is native-tests/bench/flow_bench.cpp's BM_DispatchDetailsEvents: the same
// config, context and five events on the details step, repeated. Native figures come from that
// Google Benchmark (--benchmark_filter=BM_DispatchDetailsEvents, JSON output).
// (and BM_DispatchDetailsEventsWire: the same with the answer in the wire form the bridge sends,
// docs/view.md). WASM is measured two ways:
//   object flow.dispatch(object) -> object: the JS API as the widget uses it (the event written
//          into WASM memory, the core's wire answer read from it, the whole view re-assembled;
//          docs/wasm.md, "Speed")
//   text   flow.dispatchJSON(text) -> text: JSON text in, the whole result as JSON text out
//          (the object path + JSON.stringify of the result)
// --browser adds the object path in headless Chromium, the widget's browser (scripts/bench/
// wasm-browser.mjs: per wall second, as a page has no CPU clock; run it on a quiet machine).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { builtWasmDir, loadBuiltCore, repoRoot } from '../web/bin/built-core.mjs';
import { browserDispatch } from './bench/wasm-browser.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const seconds = Number(opt('--seconds', '3'));
const inBrowser = args.includes('--browser');
const nativeBench = path.resolve(repoRoot, opt('--native', 'build/native/native-tests/flow_bench'));

const CONFIG = '{"comment":{"enabled":true}}';
const CONTEXT = '{"session_id":"sess-20261122-abc","rating_id":"rt-1"}';
const EVENTS = [
  '{"type":"toggle_problem","id":"audio","at":1001}',
  '{"type":"toggle_problem","id":"video","at":1002}',
  '{"type":"comment","text":"The audio kept dropping out","at":1003}',
  '{"type":"score","value":1,"at":1004}',
  '{"type":"tick","at":1005}',
];
const EVENT_OBJECTS = EVENTS.map((e) => JSON.parse(e));

const core = await loadBuiltCore('session_rating_core'); // the widget's build: what ships

function newFlow() {
  const flow = core.createFlow(CONFIG, CONTEXT);
  if (!flow.ok) throw new Error(JSON.stringify(flow.errors));
  flow.dispatchJSON('{"type":"score","value":2,"at":1000}');
  return flow;
}

// Calls/second of `call(i)` over about `seconds`, per second of this process's CPU time (user +
// system, as Google Benchmark's items_per_second counts the native side: on a shared, loaded
// machine wall time also counts the time other processes held the CPU) and per wall second.
function throughput(call) {
  for (let i = 0; i < 20000; i++) call(i); // warm-up (JIT, allocator)
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let k = 0; k < 1000; k++, n++) call(n);
    elapsed = process.hrtime.bigint() - start;
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpu: n / ((cpu.user + cpu.system) / 1e6), wall: n / (Number(elapsed) / 1e9) };
}

// Median and 99th percentile of single calls, in microseconds.
function latency(call, samples = 50000) {
  for (let i = 0; i < 20000; i++) call(i);
  const t = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const a = process.hrtime.bigint();
    call(i);
    t[i] = Number(process.hrtime.bigint() - a) / 1000;
  }
  t.sort();
  return { median: t[samples >> 1], p99: t[Math.floor(samples * 0.99)] };
}

const flow = newFlow();
const textCall = (i) => flow.dispatchJSON(EVENTS[i % 5]);
const objectCall = (i) => flow.dispatch(EVENT_OBJECTS[i % 5]);

const wasmText = throughput(textCall);
const wasmObject = throughput(objectCall);
const latText = latency(textCall);
const latObject = latency(objectCall);
// The core alone: _sr_flow_dispatch on events already in WASM memory, its answer (the bridge's
// own buffer) left unread.
const m = core._m;
const eventPtrs = EVENTS.map((e) => {
  const bytes = new TextEncoder().encode(e);
  const p = m._sr_alloc(bytes.length);
  m.HEAPU8.set(bytes, p);
  return [p, bytes.length];
});
const answerSlot = m._sr_alloc(4);
const rawCall = (i) => m._sr_flow_dispatch(flow._handle, ...eventPtrs[i % 5], answerSlot);
const latRaw = latency(rawCall);
const wireBytes = m._sr_flow_dispatch(flow._handle, ...eventPtrs[4], answerSlot);
for (const [p] of eventPtrs) m._sr_free(p);
m._sr_free(answerSlot);
const resultBytes = Buffer.byteLength(flow.dispatchJSON(EVENTS[4]));
flow.destroy();

const natives = [];
if (existsSync(nativeBench)) {
  const out = execFileSync(nativeBench, [
    '--benchmark_filter=BM_DispatchDetailsEvents',
    '--benchmark_format=json',
    `--benchmark_min_time=${seconds}`,
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  for (const b of JSON.parse(out).benchmarks) {
    natives.push({ name: b.name, perSecond: b.items_per_second, nsPerCall: b.cpu_time,
      bytes: b.result_bytes });
  }
}
const native = natives.find((b) => b.name === 'BM_DispatchDetailsEvents');

const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(`workload: BM_DispatchDetailsEvents (5 details-step events, ~${resultBytes} bytes of whole result JSON each)`);
for (const b of natives) {
  console.log(`native ${b.name}: ${fmt(b.perSecond)} dispatches/s of CPU  (${(b.nsPerCall / 1000).toFixed(2)} µs CPU/call, ${Math.round(b.bytes)} result bytes)`);
}
if (!native) {
  console.log(`native: ${path.relative(process.cwd(), nativeBench)} not built (stage 10 / libbenchmark-dev); ratio not measured`);
}
for (const [label, perSecond, lat] of [
  ['wasm, JS objects in/out', wasmObject, latObject],
  ['wasm, text in/out', wasmText, latText],
]) {
  const ratio = native ? `  = ${(perSecond.cpu / native.perSecond).toFixed(2)}x native` : '';
  console.log(
    `${(label + ':').padEnd(27)} ${fmt(perSecond.cpu)} dispatches/s of CPU${ratio} ` +
      `(${fmt(perSecond.wall)}/s wall); latency median ${lat.median.toFixed(1)} µs, p99 ${lat.p99.toFixed(1)} µs`,
  );
}
console.log(`wasm, raw _sr_flow_dispatch:  latency median ${latRaw.median.toFixed(1)} µs, p99 ${latRaw.p99.toFixed(1)} µs (${wireBytes} bytes written: the wire form)`);
if (inBrowser) {
  const b = await browserDispatch({ root: repoRoot, wasmDir: builtWasmDir(), seconds, config: CONFIG,
    context: CONTEXT, events: EVENTS, warmUp: '{"type":"score","value":2,"at":1000}' });
  // Per wall second, GC pauses included: it counts the time other processes held the CPU
  // too, so it is only comparable with the native CPU rate on a quiet machine.
  const ratio = native ? `  = ${(b.perSecond / native.perSecond).toFixed(2)}x native` : '';
  console.log(`chromium, JS objects in/out: ${fmt(b.perSecond)} dispatches/s wall${ratio}; ` +
    `median 1,000-call batch ${b.median.toFixed(2)} µs/call (${b.version.match(/Chrome\/[\d.]+/)?.[0] ?? b.version})`);
}
console.log('(ratios against native BM_DispatchDetailsEvents: the whole result, as the native CLI writes it)');
console.log('targets (issue 14): throughput >= 0.4x native, median latency <= 5 µs');
