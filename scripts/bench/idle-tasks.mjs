#!/usr/bin/env node
// scripts/bench/idle-tasks.mjs — the widget's own idle work after start-up, at a CPU rate: how
// long its longest idle callback runs, and the long tasks of the load. A benchmark: it prints
// figures and never fails on them. bench-peers.mjs clicks as soon as the prompt is ready, so
// the idle work after that mostly falls outside its long-task count; this page waits for it.
//
//   node scripts/bench/idle-tasks.mjs [--runs 20] [--cpu 4] [--dist DIR]...
//
// Per load, in a fresh browser context (the bench page of bench-peers.mjs: an inline
// <session-rating> with a comment, session-rating.js async): the page is loaded until its first
// option is shown, then left for 1.5 s. Every requestIdleCallback callback is timed (the page's
// requestIdleCallback is wrapped before any script runs), and long tasks are counted (a
// 'longtask' observer, >= 50 ms, as in bench-peers.mjs). With several --dist, their loads are
// alternated, so machine load hits each alike.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { startServer } from '../../web/test-support/server.mjs';
import { ARGS, CHROMIUM } from '../../web/test-support/browser.mjs';
import { DEEP_PROBE, LONGTASK_PROBE, readyDeep, widgetPage } from './probes.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const RUNS = Number(opt('--runs', 20)) || 20;
const RATE = Number(opt('--cpu', 4)) || 4;
const dists = args.flatMap((a, i) => (a === '--dist' && args[i + 1] ? [resolve(args[i + 1])] : []));
if (!dists.length) dists.push(join(root, 'dist'));

const { chromium } = createRequire(join(root, 'web/package.json'))('playwright-core');
const IDLE_PROBE = `
window.__idle = [];
{
  const ric = window.requestIdleCallback;
  if (ric) window.requestIdleCallback = (fn, o) => ric((d) => {
    const t = performance.now();
    try { return fn(d); } finally { window.__idle.push(performance.now() - t); }
  }, o);
}
`;
const servers = await Promise.all(dists.map((dist) => startServer({ dist })));
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
const out = dists.map(() => ({ longest: [], idleLong: 0, longs: 0 }));
const load0 = os.loadavg()[0].toFixed(2);
try {
  for (let r = 0; r < RUNS; r++) {
    for (let d = 0; d < dists.length; d++) {
      const server = servers[d];
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      const cdp = await ctx.newCDPSession(p);
      if (RATE > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: RATE });
      await p.addInitScript(DEEP_PROBE + LONGTASK_PROBE + IDLE_PROBE);
      await p.goto(server.page(widgetPage(server.endpoint, `idle-${r}`)));
      await p.evaluate(readyDeep('.panel:not([hidden]) .opt'));
      await p.waitForTimeout(1500);
      const [idle, longs] = await p.evaluate(() => [window.__idle, window.__long]);
      out[d].longest.push(Math.round(Math.max(0, ...idle)));
      out[d].idleLong += idle.filter((t) => t >= 50).length;
      out[d].longs += longs.filter((t) => t >= 50).length;
      await ctx.close();
    }
  }
} finally {
  await browser.close();
  for (const s of servers) await s.close();
}
console.log(`idle work after start-up at ${RATE}x CPU, ${RUNS} loads per dist; load average ${load0} -> ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores`);
for (let d = 0; d < dists.length; d++) {
  const l = out[d].longest.sort((a, b) => a - b);
  console.log(`${dists[d]}\n  longest idle callback per load: median ${l[l.length >> 1]} ms, longest ${l.at(-1)} ms` +
    `\n  idle callbacks >= 50 ms: ${out[d].idleLong}; long tasks >= 50 ms (start-up included): ${out[d].longs}`);
}
process.exit(0);
