#!/usr/bin/env node
// scripts/bench-wasm-startup.mjs — what the browser's compilation of the core's .wasm costs the
// widget's start-up. A benchmark: it prints figures and never fails on a target.
//
//   node web/build.mjs && node scripts/bench-wasm-startup.mjs [--runs 5] [--cpu 4] [--dist DIR ...]
//
// V8 compiles a WebAssembly function on its first call (lazy compilation, on the main thread;
// the streaming compile of the download only validates). The widget's first calls — the
// config checked, the flow made, its view written — therefore pay for compiling every function
// they reach, inside its start-up tasks. Per load (a fresh browser context: empty cache, the
// bench page of scripts/bench-peers.mjs with an inline <session-rating comment>) this reads a
// CDP trace of the `v8.wasm` category from navigation until the prompt's options are shown
// (scripts/bench/probes.mjs readyDeep): the `wasm.CompileLazy` events (count and total time),
// and when the prompt was shown (performance.now()). The CPU rate (CDP
// Emulation.setCPUThrottlingRate) applies to the page's main thread, where lazy compilation
// runs. With several --dist folders (each a dist/ with session-rating.js and .wasm) the loads
// alternate between them, so machine load hits each alike; medians per folder.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 && i + 1 < args.length ? args[i + 1] : def; };
const RUNS = Number(opt('--runs', 5)) || 5;
const RATE = Number(opt('--cpu', 4)) || 4;
const dists = args.flatMap((a, i) => (a === '--dist' && i + 1 < args.length ? [resolve(args[i + 1])] : []));
if (!dists.length) dists.push(join(root, 'dist'));
for (const d of dists) {
  for (const f of ['session-rating.js', 'session-rating.wasm']) {
    if (!existsSync(join(d, f))) throw new Error(`${join(d, f)} is missing (node web/build.mjs writes dist/)`);
  }
}

const require = createRequire(join(root, 'web/package.json'));
const { chromium } = require('playwright-core');
const { startServer } = await import(pathToFileURL(join(root, 'web/test-support/server.mjs')).href);
const { ARGS, CHROMIUM } = await import(pathToFileURL(join(root, 'web/test-support/browser.mjs')).href);
const { readyDeep, DEEP_PROBE, widgetPage } = await import(pathToFileURL(join(root, 'scripts/bench/probes.mjs')).href);

const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const servers = await Promise.all(dists.map((dist) => startServer({ dist })));
const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost'] });
const load0 = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const results = dists.map(() => ({ count: [], lazy: [], ready: [] }));

async function load(k, run) {
  const server = servers[k];
  const html = widgetPage(server.endpoint, `wasm-startup-${run}`);
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.addInitScript(DEEP_PROBE);
    const cdp = await ctx.newCDPSession(page);
    if (RATE > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: RATE });
    const events = [];
    cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
    const complete = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['v8.wasm'] } });
    await page.goto(server.page(html));
    const ready = await Promise.race([page.evaluate(readyDeep('.panel:not([hidden]) .opt')), page.waitForTimeout(30000).then(() => null)]);
    await cdp.send('Tracing.end');
    await complete;
    if (ready == null) throw new Error(`${dists[k]}: the prompt was not shown within 30 s`);
    const lazy = events.filter((e) => e.name === 'wasm.CompileLazy' && e.ph === 'X');
    const r = results[k];
    r.count.push(lazy.length);
    r.lazy.push(lazy.reduce((n, e) => n + e.dur, 0) / 1000);
    r.ready.push(ready);
  } finally {
    await ctx.close();
  }
}

for (let run = 0; run < RUNS; run++) {
  for (let k = 0; k < dists.length; k++) await load(k, run);
}
await browser.close();
await Promise.all(servers.map((s) => s.close?.()));

console.log(`WebAssembly compilation during the widget's start-up — ${new Date().toISOString()}, ${RUNS} loads per build at ${RATE}× CPU, medians; load average ${load0} → ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
console.log('| dist | functions compiled lazily | lazy compilation (main thread) | prompt shown (performance.now()) |');
console.log('|---|---|---|---|');
dists.forEach((d, k) => {
  const r = results[k];
  console.log(`| ${d} | ${median(r.count)} | ${median(r.lazy).toFixed(1)} ms | ${median(r.ready).toFixed(0)} ms |`);
});
process.exit(0);
