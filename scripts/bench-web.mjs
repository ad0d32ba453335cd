#!/usr/bin/env node
// scripts/bench-web.mjs — the widget's figures (issue 5). A benchmark, not a test: it prints
// numbers (and a JSON line with --json); it does not fail on targets.
//
//   node web/build.mjs && node scripts/bench-web.mjs [--runs 20] [--json]
//
// In headless Chromium (Debian's /usr/bin/chromium, via web/node_modules/playwright-core) on
// pages served from 127.0.0.1, each run a fresh browser context (empty cache and storage):
//  * bytes a site downloads (dist/: JS + WASM + CSS), gzip -9 and brotli -q 11;
//  * requests the widget makes before it is interactive;
//  * added time to interactive: a page with the widget (inline element, async script) until
//    the widget's options are rendered and a frame has passed, against the same page without
//    the widget until load + a frame; median of N paired runs;
//  * long tasks (≥ 50 ms, PerformanceObserver 'longtask') during load and one full rating
//    (low score, problem, comment, submit) under 4× CPU throttling;
//  * click → next paint: Event Timing duration of the click that opens the details step
//    (includes the WASM dispatch and the re-render; 8 ms granularity), its handler time, a
//    rAF-based figure, and a trivial click (checkbox toggle) as the frame-cadence baseline;
//  * WASM memory when ready (the instance's Memory byte length) and after a rating;
//  * JS heap growth: used JS heap after GC with the widget ready minus the blank page's.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'web/package.json'));
const { chromium } = require('playwright-core');
const { startServer } = await import(pathToFileURL(join(root, 'web/test-support/server.mjs')).href);
const { ARGS, CHROMIUM, assertBuilt } = await import(pathToFileURL(join(root, 'web/test-support/browser.mjs')).href);
const { sizes } = await import(pathToFileURL(join(root, 'scripts/size-report.mjs')).href);
const { MEM_PROBE, LONGTASK_PROBE, eventProbe, READY_WIDGET, READY_BLANK, heap, PAGE_START, widgetPage } = await import(pathToFileURL(join(root, 'scripts/bench/probes.mjs')).href);

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1]) || 20;
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

assertBuilt();
const server = await startServer();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, '--enable-precise-memory-info'] });

// Captures WebAssembly memories and long tasks from the very start of each page.
const INIT = MEM_PROBE + LONGTASK_PROBE + eventProbe({ filter: "e.name === 'click'", threshold: 0,
  fields: '{ name: e.name, duration: e.duration, processing: e.processingEnd - e.processingStart }' });

const page = (withWidget, id) => server.page(withWidget ? widgetPage(server.endpoint, id) : `${PAGE_START}</main></body></html>`);

const blankT = [], widgetT = [], added = [], reqs = [], heapGrowth = [], memReady = [], clickEvt = [], clickRaf = [], clickProc = [], baseEvt = [];
for (let i = 0; i < RUNS; i++) {
  // Blank page.
  let ctx = await browser.newContext();
  let p = await ctx.newPage();
  let cdp = await ctx.newCDPSession(p);
  await p.goto(page(false));
  const tb = await p.evaluate(READY_BLANK);
  const hb = await heap(cdp);
  await ctx.close();
  // The same page with the widget.
  ctx = await browser.newContext();
  p = await ctx.newPage();
  await p.addInitScript(INIT);
  cdp = await ctx.newCDPSession(p);
  const seen = [];
  p.on('request', (r) => seen.push({ url: r.url(), t: Date.now() }));
  const t0 = Date.now();
  await p.goto(page(true, `bench-${i}`));
  const tw = await p.evaluate(READY_WIDGET);
  const tReady = Date.now();
  const hw = await heap(cdp);
  reqs.push(seen.filter((r) => r.t <= tReady && r.t >= t0 && !/\/p\/\d+\.html$/.test(r.url)).length);
  memReady.push(await p.evaluate(() => window.__mem.reduce((n, m) => n + m.buffer.byteLength, 0)));
  // Click → next paint on the click that opens the details step.
  const rafP = p.evaluate(() => new Promise((res) => {
    const el = document.querySelector('session-rating');
    el.shadowRoot.addEventListener('click', (e) => {
      const start = e.timeStamp;
      requestAnimationFrame(() => setTimeout(() => res(performance.now() - start), 0));
    }, { once: true, capture: true });
  }));
  await p.locator('session-rating').getByRole('radio', { name: '2 stars' }).click();
  clickRaf.push(await rafP);
  await p.waitForTimeout(100);
  // A trivial click in the same page (toggling a checkbox) as the frame-cadence baseline.
  await p.locator('session-rating').getByRole('checkbox', { name: 'Audio' }).click();
  await p.waitForTimeout(100);
  const ev = await p.evaluate(() => window.__evt);
  if (ev.length >= 2) {
    clickEvt.push(ev[0].duration);
    clickProc.push(ev[0].processing);
    baseEvt.push(ev[1].duration);
  }
  await ctx.close();
  blankT.push(tb);
  widgetT.push(tw);
  added.push(tw - tb);
  heapGrowth.push(hw - hb);
}

// Long tasks under 4× CPU throttling: load + a full low rating with comment.
const longs = [];
let memAfter = 0;
let heapAfterFlow = 0;
for (let i = 0; i < 3; i++) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  await p.addInitScript(INIT);
  const cdp = await ctx.newCDPSession(p);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await p.goto(page(true, `throttled-${i}`));
  await p.evaluate(READY_WIDGET);
  // Input through CDP only (mouse/keyboard at coordinates read by a tiny evaluate): Playwright's
  // locators inject a large helper script whose own evaluation would show up as long tasks.
  const at = (sel, i = 0) => p.evaluate(([sel, i]) => {
    const r = document.querySelector('session-rating').shadowRoot.querySelectorAll(sel)[i].getBoundingClientRect();
    return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
  }, [sel, i]);
  const click = async (sel, i) => { const c = await at(sel, i); await p.mouse.click(c.x, c.y); await p.waitForTimeout(100); };
  await click('.opt', 1);
  await click('input[type=checkbox]', 0);
  await click('textarea');
  await p.keyboard.type('The audio kept dropping out', { delay: 5 });
  await click('[part=submit]');
  await p.waitForFunction(() => !document.querySelector('session-rating').shadowRoot.querySelector('[part=change]').hidden);
  await p.waitForTimeout(300);
  longs.push(...(await p.evaluate(() => window.__long)));
  memAfter = Math.max(memAfter, await p.evaluate(() => window.__mem.reduce((n, m) => n + m.buffer.byteLength, 0)));
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  heapAfterFlow = Math.max(heapAfterFlow, await heap(cdp));
  await ctx.close();
}

await browser.close();
await server.close();

const { rows, total } = sizes();
const result = {
  bytes: { files: rows, total },
  requests_before_interactive: { median: median(reqs), max: Math.max(...reqs) },
  time_to_interactive_ms: { blank_median: round(median(blankT)), widget_median: round(median(widgetT)), added_median: round(median(added)), runs: RUNS },
  long_tasks_4x: { count_50ms_or_more: longs.filter((d) => d >= 50).length, longest_ms: round(longs.length ? Math.max(...longs) : 0) },
  click_to_next_paint_ms: { event_timing_median: clickEvt.length ? median(clickEvt) : null, processing_median: clickProc.length ? round(median(clickProc)) : null,
    raf_median: round(median(clickRaf)), trivial_click_event_timing_median: baseEvt.length ? median(baseEvt) : null },
  wasm_memory_bytes: { ready_median: median(memReady), after_rating_max: memAfter },
  js_heap_growth_bytes: { median: median(heapGrowth) },
  js_heap_after_rating_bytes: heapAfterFlow,
};

if (args.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log('bytes (dist/, what a site downloads):');
  for (const r of [...rows, total]) console.log(`  ${r.file.padEnd(22)} raw ${kb(r.raw).padStart(9)}  gzip ${kb(r.gzip).padStart(9)}  brotli ${kb(r.brotli).padStart(9)}`);
  console.log(`requests before interactive: ${result.requests_before_interactive.median} (max ${result.requests_before_interactive.max})`);
  console.log(`time to interactive, median of ${RUNS}: blank ${result.time_to_interactive_ms.blank_median} ms, widget ${result.time_to_interactive_ms.widget_median} ms, added ${result.time_to_interactive_ms.added_median} ms (target <= 60)`);
  console.log(`long tasks under 4x CPU throttling (load + one rating, 3 runs): ${result.long_tasks_4x.count_50ms_or_more} of >= 50 ms, longest ${result.long_tasks_4x.longest_ms} ms`);
  const c = result.click_to_next_paint_ms;
  console.log(`click -> next paint (the click that opens details): Event Timing median ${c.event_timing_median} ms (8 ms steps), of which handler ${c.processing_median} ms; rAF-based ${c.raf_median} ms; a trivial checkbox click in the same page: ${c.trivial_click_event_timing_median} ms (target <= 16)`);
  console.log(`WASM memory: ${kb(result.wasm_memory_bytes.ready_median)} when ready, ${kb(result.wasm_memory_bytes.after_rating_max)} after a rating (target <= 256 KiB)`);
  console.log(`JS heap growth (after GC, widget vs blank, median): ${kb(result.js_heap_growth_bytes.median)} (target <= 200 KB)`);
}
