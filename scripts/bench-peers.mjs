#!/usr/bin/env node
// scripts/bench-peers.mjs — issue 14's side-by-side figures: the widget against a plain star
// widget and PostHog's survey renderer, in ONE run. A benchmark, not a test: it prints figures
// (and one JSON line with --json); it never fails on a target.
//
//   node web/build.mjs && node scripts/bench-peers.mjs [--runs 12] [--cpu 1,4] [--loop 1000] [--json]
//       [--save FILE]  also write the result as JSON (print it again: node scripts/bench/peers-report.mjs FILE)
//       [--shots DIR]  a screenshot of each column after the first click of the first run
//       [--dist DIR]   serve the widget from another build's dist/ (default: this checkout's), e.g.
//                      a build of an earlier commit, for a before/after pair of runs
// While developing keep it small (--runs 2 --cpu 1 --loop 50); a full run takes ~5 min on 2 cores.
//
// Columns (each a page served from 127.0.0.1, loaded in a fresh browser context, i.e. empty
// cache and storage; the same page text around each):
//   blank        the page alone
//   star         star-rating.js (npm `star-rating.js`): its CSS + script (async), a 5-option
//                <select> enhanced into stars — a plain widget, no flow, no delivery
//   ph-preview   PostHog's survey renderer alone: posthog-js/dist/surveys-preview.js (ES module,
//                `renderSurveysPreview`) rendering one 5-point rating question in place
//   ph-full      the full PostHog library (posthog-js/dist/array.full.js, surveys bundled):
//                `posthog.init` against this server (its endpoints stubbed below), then
//                `posthog.renderSurvey(survey, '#slot')` with the same question
//   ours         dist/ (session-rating.js, async, which fetches session-rating.wasm): an inline
//                <session-rating> with a comment, as in scripts/bench-web.mjs
// Peer packages live in scripts/bench/peers/ (package.json + package-lock.json, installed here
// with `npm ci` when node_modules is missing) and never in web/package.json.
//
// Method (per CPU rate in --cpu, CDP Emulation.setCPUThrottlingRate, set before navigation; the
// columns interleaved run by run so machine load hits each alike):
//  * added time to interactive (bench-web.mjs's definition): performance.now() when the
//    widget's first option is rendered and two animation frames have passed, minus the blank
//    page's load + two frames; median over the runs of (variant − the same run's blank);
//  * long tasks ≥ 50 ms (PerformanceObserver 'longtask', from the first script) during load and
//    the first click; median count per load, and the longest;
//  * first click → next paint: the Event Timing duration (PerformanceObserver 'event',
//    durationThreshold 16 — the lowest Chromium allows; durations are rounded to 8 ms) of the
//    interaction of a click on the second option (pointerdown/pointerup/click, the longest).
//    Below 16 ms no entry is reported: shown as "<16" (sorted as 0; the upper median is
//    reported, an observed value). A rAF figure (click's timeStamp → next
//    animation frame + a task) is printed alongside as a finer cross-check;
//  * ours only: every later interaction of a full rating (problem pick, typing a comment:
//    the longest keystroke, submit) the same way;
//  * JS heap growth vs blank: Runtime.getHeapUsage used size after two forced GCs at ready,
//    minus the same run's blank page (1× only: throttling does not change it);
//  * bytes: gzip -9 / brotli -q 11 of each file the page downloaded from the server for the
//    widget (the stubbed PostHog API answers are not counted);
//  * WASM initial memory: the byte length of every WebAssembly.Memory the page instantiated;
//  * ours: 1,000 prompts (--loop) opened and closed on one page (`SessionRating.mount` inline,
//    await ready, `destroy()`, element removed): JS heap after GC and WASM memory after 10 and
//    after all of them.
// Nothing leaves 127.0.0.1: Chromium runs with a host resolver that maps every other host to
// nothing, and the script counts any request that was not for 127.0.0.1/localhost.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const peersDir = join(root, 'scripts/bench/peers');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 && i + 1 < args.length ? args[i + 1] : def; };
const RUNS = Number(opt('--runs', 12)) || 12;
const RATES = String(opt('--cpu', '1,4')).split(',').map(Number).filter((x) => x >= 1);
const LOOP = Number(opt('--loop', 1000));
const JSON_OUT = args.includes('--json');
const SHOTS = opt('--shots', null);
const SAVE = opt('--save', null);
const DIST = resolve(opt('--dist', join(root, 'dist')));
const log = (...a) => { if (!JSON_OUT) console.log(...a); else console.error(...a); };

if (!existsSync(join(peersDir, 'node_modules/star-rating.js')) || !existsSync(join(peersDir, 'node_modules/posthog-js'))) {
  log('bench-peers: installing the benchmark-only peers (npm ci in scripts/bench/peers)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: peersDir, stdio: ['ignore', process.stderr, 'inherit'] }); // stdout stays JSON-only
}

const require = createRequire(join(root, 'web/package.json'));
const { chromium } = require('playwright-core');
const { startServer } = await import(pathToFileURL(join(root, 'web/test-support/server.mjs')).href);
const { ARGS, CHROMIUM, assertBuilt } = await import(pathToFileURL(join(root, 'web/test-support/browser.mjs')).href);
const { printReport } = await import(pathToFileURL(join(root, 'scripts/bench/peers-report.mjs')).href);
const { MEM_PROBE, LONGTASK_PROBE, eventProbe, DEEP_PROBE, readyDeep, READY_BLANK, heap, PAGE_HEAD, PAGE_TEXT, PAGE_START, widgetPage } = await import(pathToFileURL(join(root, 'scripts/bench/probes.mjs')).href);

const median = (a) => { if (!a.length) return null; const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
// Event Timing durations are multiples of 8 ms: their median is the upper middle value (an
// observed duration), never the mean of the two middle ones (which would give 8 from <16 and 16).
const medianUpper = (a) => { if (!a.length) return null; const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const round = (x, d = 1) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);
const gzip = (b) => gzipSync(b, { level: 9 }).length;
const brotli = (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length;

if (opt('--dist', null) == null) assertBuilt();
else for (const f of ['session-rating.js', 'session-rating.wasm']) if (!existsSync(join(DIST, f))) throw new Error(`${join(DIST, f)} is missing`);
const server = await startServer({ dist: DIST });
const nm = join(peersDir, 'node_modules');
const peerVersion = (p) => JSON.parse(readFileSync(join(nm, p, 'package.json'), 'utf8')).version;
const versions = { 'star-rating.js': peerVersion('star-rating.js'), 'posthog-js': peerVersion('posthog-js') };

// Peer files, served by the test server (its `file()` map: exact paths, CORS, no-store).
const local = new Map(); // URL path -> bytes, for the byte counts
function serve(path, type, file) {
  const body = readFileSync(file);
  local.set(path, body);
  server.file(path, type, body);
}
serve('/peers/star-rating.min.js', 'text/javascript', join(nm, 'star-rating.js/dist/star-rating.min.js'));
serve('/peers/star-rating.min.css', 'text/css', join(nm, 'star-rating.js/dist/star-rating.min.css'));
// Its CSS draws the stars with ../img/star-{empty,full}.svg.
serve('/img/star-empty.svg', 'image/svg+xml', join(nm, 'star-rating.js/img/star-empty.svg'));
serve('/img/star-full.svg', 'image/svg+xml', join(nm, 'star-rating.js/img/star-full.svg'));
serve('/peers/surveys-preview.js', 'text/javascript', join(nm, 'posthog-js/dist/surveys-preview.js'));
serve('/peers/array.full.js', 'text/javascript', join(nm, 'posthog-js/dist/array.full.js'));
// PostHog's API, stubbed (answers are not counted as bytes): remote config, flags, surveys,
// event capture. Whatever else it asks for gets the server's 404.
const TOKEN = 'phc_bench';
const SURVEY = {
  id: 'bench-survey', name: 'Call rating', type: 'api', description: '', linked_flag_key: null, targeting_flag_key: null,
  internal_targeting_flag_key: null, conditions: null, appearance: null, start_date: '2026-01-01T00:00:00Z', end_date: null,
  current_iteration: null, current_iteration_start_date: null, schedule: 'once', enable_partial_responses: false,
  questions: [{ id: 'q1', type: 'rating', question: 'How was the call?', description: '', display: 'number', scale: 5,
    lowerBoundLabel: 'Bad', upperBoundLabel: 'Great', buttonText: 'Submit' }],
};
const stubs = new Set();
function stub(path, body) { stubs.add(path); server.file(path, 'application/json', JSON.stringify(body)); }
const remoteConfig = { token: TOKEN, supportedCompression: ['gzip', 'gzip-js'], hasFeatureFlags: false, captureDeadClicks: false,
  capturePerformance: false, autocapture_opt_out: true, autocaptureExceptions: false, analytics: { endpoint: '/i/v0/e/' },
  elementsChainAsString: true, errorTracking: { autocaptureExceptions: false, suppressionRules: [] }, sessionRecording: false,
  heatmaps: false, surveys: true, defaultIdentifiedOnly: true, siteApps: [] };
stub(`/array/${TOKEN}/config`, remoteConfig);
server.file(`/array/${TOKEN}/config.js`, 'text/javascript', `(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};window._POSTHOG_REMOTE_CONFIG[${JSON.stringify(TOKEN)}]={config:${JSON.stringify(remoteConfig)},siteApps:[]}})();`);
stubs.add(`/array/${TOKEN}/config.js`);
stub('/flags/', { featureFlags: {}, featureFlagPayloads: {}, errorsWhileComputingFlags: false, ...remoteConfig });
stub('/decide/', { featureFlags: {}, featureFlagPayloads: {}, ...remoteConfig });
stub('/api/surveys/', { surveys: [SURVEY] });
for (const p of ['/e/', '/i/v0/e/', '/batch/', '/s/', '/engage/']) stub(p, { status: 1 });

const VARIANTS = {
  blank: () => `${PAGE_START}</main></body></html>`,
  star: () => `${PAGE_HEAD}<link rel="stylesheet" href="/peers/star-rating.min.css"></head><body>${PAGE_TEXT}
<label for="r">How was the call?</label>
<select id="r" class="star-rating"><option value="">Select a rating</option><option value="5">Excellent</option><option value="4">Very good</option><option value="3">Average</option><option value="2">Poor</option><option value="1">Terrible</option></select>
<script src="/peers/star-rating.min.js" async onload="window.__sr = new StarRating('.star-rating')"></script>
</main></body></html>`,
  'ph-preview': () => `${PAGE_START}<div id="slot"></div>
<script type="module">import { renderSurveysPreview } from '/peers/surveys-preview.js';
renderSurveysPreview({ survey: ${JSON.stringify({ ...SURVEY, type: 'popover' })}, parentElement: document.getElementById('slot'), previewPageIndex: 0, forceDisableHtml: true });</script>
</main></body></html>`,
  'ph-full': () => `${PAGE_START}<div id="slot"></div>
<script src="/peers/array.full.js" async onload="
posthog.init(${JSON.stringify(TOKEN).replace(/"/g, '&quot;')}, { api_host: location.origin, ui_host: location.origin, persistence: 'localStorage',
  loaded: (ph) => { window.__ph = ph; } });
const t = () => { try { if (posthog.surveys && posthog.surveys._surveyManager) { posthog.renderSurvey(${JSON.stringify(SURVEY).replace(/"/g, '&quot;')}, '#slot'); return; } } catch (e) { window.__phErr = String(e); } setTimeout(t, 5); }; t();
"></script>
</main></body></html>`,
  ours: (id) => widgetPage(server.endpoint, id),
};
const COLUMNS = ['star', 'ph-preview', 'ph-full', 'ours'];

// The first interactive option of each widget (deep: open shadow roots included).
const OPTION = {
  star: '.gl-star-rating--stars > span',
  'ph-preview': '.ratings-number, .rating-options-number button, button.ratings-number',
  'ph-full': '.ratings-number, .rating-options-number button, button.ratings-number',
  ours: '.panel:not([hidden]) .opt',
};

const INIT = MEM_PROBE + LONGTASK_PROBE + eventProbe({ threshold: 16,
  fields: '{ name: e.name, id: e.interactionId, start: e.startTime, duration: e.duration, processing: e.processingEnd - e.processingStart }' }) + DEEP_PROBE;
const READY = readyDeep;

const browser = await chromium.launch({ executablePath: CHROMIUM,
  args: [...ARGS, '--enable-precise-memory-info', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost'] });

const external = new Set();
const downloaded = {}; // variant -> Set of paths
const isLocal = (u) => { try { const h = new URL(u).hostname; return h === '127.0.0.1' || h === 'localhost'; } catch { return true; } };

// Event Timing: the longest entry of the interaction(s) that started after `since`; null when
// nothing reached the 16 ms threshold.
async function eventSince(p, since, names, field = 'duration') {
  const ev = await p.evaluate(() => window.__evt);
  const d = ev.filter((e) => e.start >= since && (!names || names.includes(e.name))).map((e) => e[field]);
  return d.length ? Math.max(...d) : null;
}

async function centre(p, sel, i = 0) {
  return p.evaluate(([sel, i]) => { const el = window.__deep(sel)[i]; if (!el) return null; el.scrollIntoView({ block: 'center' });
    const r = el.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; }, [sel, i]);
}
// A click by CDP at coordinates (no Playwright helper script evaluated in the page), with the
// rAF cross-check: the click event's timeStamp → next animation frame + a task.
async function click(p, sel, i) {
  const c = await centre(p, sel, i);
  if (!c) return { since: null, raf: null };
  const since = await p.evaluate(() => {
    window.__raf = undefined;
    addEventListener('click', (e) => { const s = e.timeStamp; requestAnimationFrame(() => setTimeout(() => { window.__raf = performance.now() - s; }, 0)); }, { once: true, capture: true });
    return performance.now();
  });
  await p.mouse.click(c.x, c.y);
  let r = null; // polled by plain evaluate (waitForFunction would inject Playwright's helper script)
  for (let k = 0; k < 250 && r == null; k++) { await new Promise((res) => setTimeout(res, 20)); r = (await p.evaluate(() => window.__raf)) ?? null; }
  await p.waitForTimeout(150);
  return { since, raf: r };
}

async function load(variant, rate, i) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  await p.addInitScript(INIT);
  const cdp = await ctx.newCDPSession(p);
  if (rate > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  const seen = (downloaded[variant] ||= new Set());
  p.on('request', (r) => { if (!isLocal(r.url())) external.add(r.url()); else seen.add(new URL(r.url()).pathname); });
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  await p.goto(server.page(VARIANTS[variant](`bench-${rate}-${i}`)));
  const out = { errors };
  if (variant === 'blank') {
    out.t = await p.evaluate(READY_BLANK);
  } else {
    out.t = await Promise.race([p.evaluate(READY(OPTION[variant])), p.waitForTimeout(30000).then(() => null)]);
    if (out.t == null) { out.failed = 'not interactive within 30 s'; await ctx.close(); return out; }
  }
  if (rate === 1) {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    out.heap = await heap(cdp);
  }
  out.mem = await p.evaluate(() => window.__mem.reduce((n, m) => n + m.buffer.byteLength, 0));
  if (variant !== 'blank') {
    // First click: the second option (2 stars / "2" / our 2-star radio, which opens details).
    const c = await click(p, OPTION[variant], 1);
    out.click = c.since == null ? undefined : await eventSince(p, c.since);
    out.clickProc = c.since == null ? undefined : await eventSince(p, c.since, null, 'processing');
    out.clickRaf = c.raf;
    // --shots DIR: a screenshot of each column after the first click (first run), to check what was measured.
    if (SHOTS && i === 0) await p.screenshot({ path: join(SHOTS, `${variant}-${rate}x.png`) });
    out.longs = await p.evaluate(() => window.__long);
    if (variant === 'ours') {
      const later = {};
      let s = await click(p, '.panel:not([hidden]) input[type=checkbox]', 0);
      later.problem = await eventSince(p, s.since);
      s = await click(p, '.panel:not([hidden]) textarea', 0);
      const since = await p.evaluate(() => performance.now());
      await p.keyboard.type('The audio kept dropping out', { delay: 30 });
      await p.waitForTimeout(150);
      later.typing = await eventSince(p, since, ['keydown', 'keypress', 'keyup', 'input', 'beforeinput']);
      s = await click(p, '[part=submit]', 0);
      later.submit = await eventSince(p, s.since);
      out.later = later;
      out.longsFlow = await p.evaluate(() => window.__long);
    }
  }
  await ctx.close();
  return out;
}

// 1,000 prompts opened and closed on one page.
async function promptLoop(n) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  await p.addInitScript(INIT);
  const cdp = await ctx.newCDPSession(p);
  await p.goto(server.page(`${PAGE_START}<div id="slot"></div>
<script src="/dist/session-rating.js" data-session-id="loop-0" data-endpoint="${server.endpoint}" data-write-key="pk_test" data-mode="inline" data-target="#slot" async></script></main></body></html>`));
  await p.evaluate(READY(OPTION.ours));
  const step = (from, to) => p.evaluate(async ([from, to, endpoint]) => {
    let shown = 0;
    for (let k = from; k < to; k++) {
      const slot = document.createElement('div');
      document.querySelector('main').append(slot);
      const r = window.SessionRating.mount(slot, { sessionId: `loop-${k + 1}`, endpoint, writeKey: 'pk_test', mode: 'inline', config: { comment: { enabled: true } } });
      await r.ready;
      // The first render may come a task after ready: wait up to 60 frames for the options.
      for (let f = 0; f < 60; f++) {
        if (r.element.shadowRoot && r.element.shadowRoot.querySelector('.panel:not([hidden]) .opt')) { shown++; break; }
        await new Promise((res) => requestAnimationFrame(res));
      }
      r.destroy();
      slot.remove();
    }
    return shown;
  }, [from, to, server.endpoint]);
  const memNow = () => p.evaluate(() => window.__mem.reduce((a, m) => a + m.buffer.byteLength, 0));
  const first = Math.min(10, n);
  let shown = await step(0, first);
  const heap10 = await heap(cdp), mem10 = await memNow();
  const half = Math.max(first, n >> 1);
  shown += await step(first, half);
  const heapHalf = await heap(cdp), memHalf = await memNow();
  shown += await step(half, n);
  const heapN = await heap(cdp), memN = await memNow();
  await ctx.close();
  return { prompts: n, shown, half, heap_after_10: heap10, heap_after_half: heapHalf, heap_after_all: heapN, heap_growth: heapN - heap10,
    wasm_after_10: mem10, wasm_after_half: memHalf, wasm_after_all: memN };
}

const t0 = Date.now();
const load0 = os.loadavg();
const res = {}; // rate -> variant -> [runs]
for (const rate of RATES) {
  res[rate] = Object.fromEntries(['blank', ...COLUMNS].map((v) => [v, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const v of ['blank', ...COLUMNS]) res[rate][v].push(await load(v, rate, i));
    log(`  cpu ${rate}x run ${i + 1}/${RUNS} done (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
}
let loop = null;
if (LOOP > 0) { log(`  ${LOOP} prompts opened and closed on one page…`); loop = await promptLoop(LOOP); }
const load1 = os.loadavg();
await browser.close();
await server.close();

// Bytes of what each variant downloaded (stubs excluded).
const bytes = {};
for (const v of COLUMNS) {
  const files = [...(downloaded[v] || [])].filter((pth) => !stubs.has(pth) && !/^\/p\/\d+\.html$/.test(pth)).sort();
  const rows = [];
  for (const pth of files) {
    const body = local.get(pth) || (pth.startsWith('/dist/') && existsSync(join(DIST, pth.slice(6))) ? readFileSync(join(DIST, pth.slice(6))) : null);
    if (body) rows.push({ file: pth, raw: body.length, gzip: gzip(body), brotli: brotli(body) });
  }
  const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
  bytes[v] = { files: rows, total, other_requests: files.filter((pth) => !rows.some((r) => r.file === pth)) };
}

// How sure a run is of "ours against the plain widget" for the added time to interactive: a
// percentile bootstrap over the runs (each run's blank, plain and ours loads were made one after
// another, so a run is resampled whole), 2,000 resamples with a fixed seed (the same result for
// the same loads). Gives the 2.5 % and 97.5 % points of median(ours) / median(plain) and of
// median(ours) − median(plain); resamples whose plain median is ≤ 0 ms are left out of the ratio.
function bootstrapTti(R) {
  if (!R.ours || !R.star) return null;
  const pairs = R.ours.map((r, i) => [r, R.star[i], R.blank[i]])
    .filter(([o, s, b]) => o.t != null && !o.failed && s.t != null && !s.failed && b.t != null)
    .map(([o, s, b]) => [o.t - b.t, s.t - b.t]);
  if (pairs.length < 4) return null;
  let seed = 0x2f6b1d3;
  const rnd = () => { // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ratios = [], diffs = [];
  for (let k = 0; k < 2000; k++) {
    const o = [], s = [];
    for (let i = 0; i < pairs.length; i++) {
      const [a, b] = pairs[Math.floor(rnd() * pairs.length)];
      o.push(a);
      s.push(b);
    }
    const mo = median(o), ms = median(s);
    diffs.push(mo - ms);
    if (ms > 0) ratios.push(mo / ms);
  }
  const pct = (a, q) => { const x = [...a].sort((u, v) => u - v); return x[Math.min(x.length - 1, Math.floor(q * x.length))]; };
  return {
    loads: pairs.length,
    ratio_95: ratios.length ? [round(pct(ratios, 0.025), 2), round(pct(ratios, 0.975), 2)] : null,
    diff_ms_95: [round(pct(diffs, 0.025)), round(pct(diffs, 0.975))],
  };
}

const figures = {};
for (const rate of RATES) {
  const R = res[rate];
  figures[rate] = {};
  for (const v of COLUMNS) {
    const runs = R[v];
    const ok = runs.map((r, i) => ({ r, b: R.blank[i] })).filter(({ r }) => r.t != null && !r.failed);
    const clicks = ok.map(({ r }) => r.click);
    const f = {
      runs: runs.length, failed: runs.filter((r) => r.failed).length,
      errors: [...new Set(runs.flatMap((r) => r.errors || []))].slice(0, 3),
      added_tti_ms: round(median(ok.map(({ r, b }) => r.t - b.t))),
      added_tti_all: ok.map(({ r, b }) => round(r.t - b.t)),
      tti_ms: round(median(ok.map(({ r }) => r.t))), blank_tti_ms: round(median(R.blank.map((b) => b.t))),
      long_tasks_per_load_median: median(ok.map(({ r }) => (r.longs || []).filter((d) => d >= 50).length)),
      long_tasks_total: ok.reduce((n, { r }) => n + (r.longs || []).filter((d) => d >= 50).length, 0),
      longest_task_ms: round(Math.max(0, ...ok.flatMap(({ r }) => r.longs || []))),
      // Event Timing: null = under the 16 ms threshold; sorted as 0 for the median.
      first_click_event_timing_ms: clicks.length ? medianUpper(clicks.map((c) => c ?? 0)) : null,
      first_click_event_timing_all: clicks.map((c) => c ?? 0),
      first_click_under_16: clicks.filter((c) => c == null).length,
      // Handler time (processingEnd − processingStart) of the longest-processing entry; only
      // for clicks that reached the 16 ms threshold.
      first_click_processing_ms: round(median(ok.map(({ r }) => r.clickProc).filter((x) => x != null))),
      first_click_raf_ms: round(median(ok.map(({ r }) => r.clickRaf).filter((x) => x != null))),
      heap_growth_bytes: rate === 1 ? median(ok.map(({ r, b }) => r.heap - b.heap)) : null,
      wasm_memory_bytes: median(ok.map(({ r }) => r.mem)),
    };
    if (v === 'ours') {
      f.later_event_timing_ms = {};
      for (const k of ['problem', 'typing', 'submit']) {
        const xs = ok.map(({ r }) => r.later && r.later[k]).filter((x) => x !== undefined);
        f.later_event_timing_ms[k] = { median: xs.length ? medianUpper(xs.map((x) => x ?? 0)) : null, under_16: xs.filter((x) => x == null).length, n: xs.length, all: xs.map((x) => x ?? 0) };
      }
      f.long_tasks_full_rating_total = ok.reduce((n, { r }) => n + (r.longsFlow || []).filter((d) => d >= 50).length, 0);
      f.added_tti_vs_plain_bootstrap = bootstrapTti(R);
    }
    figures[rate][v] = f;
  }
}

const result = {
  date: new Date().toISOString(), runs: RUNS, cpu: RATES, versions, dist: DIST, chromium: browser.version?.() ?? null,
  loadavg_before: load0.map((x) => round(x, 2)), loadavg_after: load1.map((x) => round(x, 2)), cores: os.cpus().length,
  external_requests: [...external], bytes, figures, prompt_loop: loop,
};

if (SAVE) writeFileSync(SAVE, JSON.stringify(result) + '\n');
if (JSON_OUT) console.log(JSON.stringify(result));
else printReport(result);
