// scripts/bench/peers-report.mjs — prints scripts/bench-peers.mjs's table and target lines from
// its result object; also a command, to print a saved run again:
//   node scripts/bench-peers.mjs --save run.json   then   node scripts/bench/peers-report.mjs run.json
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const COLUMNS = ['star', 'ph-preview', 'ph-full', 'ours'];
const round = (x, d = 1) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

export function printReport(result) {
const { figures, bytes, versions, runs: RUNS } = result;
const RATES = result.cpu;
const loop = result.prompt_loop;
const load0 = result.loadavg_before, load1 = result.loadavg_after;
const kb = (n) => (n == null ? '—' : `${(n / 1024).toFixed(1)} KB`);
const et = (x) => (x == null ? '—' : x === 0 ? '<16 ms' : `${x} ms`);
const sign = (x) => (x == null ? 'n/a' : `${x >= 0 ? '+' : ''}${x} ms`);
const ratio = (a, b) => (a == null || b == null || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`);
const names = { star: `star-rating.js ${versions['star-rating.js']}`, 'ph-preview': 'PostHog surveys preview', 'ph-full': `PostHog full ${versions['posthog-js']}`, ours: 'session-rating' };
const rows = [];
for (const rate of RATES) rows.push([`added time to interactive, ${rate}× CPU`, ...COLUMNS.map((v) => sign(figures[rate][v].added_tti_ms))]);
for (const rate of RATES) rows.push([`long tasks ≥ 50 ms per load (median; total), ${rate}×`, ...COLUMNS.map((v) => `${figures[rate][v].long_tasks_per_load_median}; ${figures[rate][v].long_tasks_total}`)]);
for (const rate of RATES) rows.push([`first click → next paint (Event Timing), ${rate}×`, ...COLUMNS.map((v) => et(figures[rate][v].first_click_event_timing_ms))]);
for (const rate of RATES) if (COLUMNS.some((v) => figures[rate][v].first_click_processing_ms != null)) rows.push([`… of which event handlers (Event Timing processing), ${rate}×`, ...COLUMNS.map((v) => (figures[rate][v].first_click_processing_ms == null ? '—' : `${figures[rate][v].first_click_processing_ms} ms`))]);
for (const rate of RATES) rows.push([`first click → next rAF + task (cross-check), ${rate}×`, ...COLUMNS.map((v) => `${figures[rate][v].first_click_raf_ms ?? '—'} ms`)]);
if (figures[1]) rows.push(['JS heap after load, vs blank (after GC)', ...COLUMNS.map((v) => kb(figures[1][v].heap_growth_bytes))]);
rows.push(['bytes, gzip -9', ...COLUMNS.map((v) => kb(bytes[v].total.gzip))]);
rows.push(['bytes, brotli -q 11', ...COLUMNS.map((v) => kb(bytes[v].total.brotli))]);
rows.push(['WASM memory when ready', ...COLUMNS.map((v) => (figures[RATES[0]][v].wasm_memory_bytes ? `${figures[RATES[0]][v].wasm_memory_bytes / 1024} KiB` : '—'))]);

console.log(`\nissue 14 side by side — ${result.date}, ${RUNS} loads per column and CPU rate, medians; load average ${load0.map((x) => x.toFixed(2)).join(' ')} → ${load1.map((x) => x.toFixed(2)).join(' ')} on ${result.cores} cores\n`);
console.log(`| | ${COLUMNS.map((v) => names[v]).join(' | ')} |`);
console.log(`|---|${COLUMNS.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

const o = (rate) => figures[rate]?.ours, s = (rate) => figures[rate]?.star;
console.log('\nours against the plain star widget (issue 14 targets; the same run):');
// The bootstrap interval of a run (bench-peers.mjs, bootstrapTti), when it has one.
const boot = (rate, key, unit) => {
  const b = o(rate).added_tti_vs_plain_bootstrap;
  const r = b && b[key];
  return r ? ` (95 % bootstrap interval over ${b.loads} loads: ${r[0]}–${r[1]}${unit})` : '';
};
if (figures[4]) console.log(`  added TTI at 4×: ${sign(o(4).added_tti_ms)} vs ${sign(s(4).added_tti_ms)} = ${ratio(o(4).added_tti_ms, s(4).added_tti_ms)}${boot(4, 'ratio_95', '×')} (target ≤ 1.5×); long tasks ≥ 50 ms: ${o(4).long_tasks_total} in ${o(4).runs} loads (target 0)`);
if (figures[1]) console.log(`  added TTI at 1×: ${sign(o(1).added_tti_ms)} vs ${sign(s(1).added_tti_ms)}: ${round(o(1).added_tti_ms - s(1).added_tti_ms)} ms more${boot(1, 'diff_ms_95', ' ms')} = ${ratio(o(1).added_tti_ms, s(1).added_tti_ms)} (target ≤ plain + 10 ms)`);
for (const rate of RATES) {
  const L = o(rate).later_event_timing_ms;
  console.log(`  Event Timing at ${rate}×: first click ${et(o(rate).first_click_event_timing_ms)} vs plain ${et(s(rate).first_click_event_timing_ms)} (target equal; under the 16 ms threshold in ${o(rate).first_click_under_16} of ${o(rate).runs} loads, plain ${s(rate).first_click_under_16} of ${s(rate).runs}); later: problem pick ${et(L.problem.median)}, typing (longest key) ${et(L.typing.median)}, submit ${et(L.submit.median)}; long tasks over a full rating: ${o(rate).long_tasks_full_rating_total}`);
}
if (figures[1]) console.log(`  JS heap growth: ${kb(o(1).heap_growth_bytes)} vs plain ${kb(s(1).heap_growth_bytes)} = ${ratio(o(1).heap_growth_bytes, s(1).heap_growth_bytes)} (target ≤ 100 KB)`);
console.log(`  bytes brotli: ${kb(bytes.ours.total.brotli)} vs plain ${kb(bytes.star.total.brotli)} = ${ratio(bytes.ours.total.brotli, bytes.star.total.brotli)} (target ≤ 36 KB; cap 60 KB gzip: ${kb(bytes.ours.total.gzip)} gzip)`);
console.log(`  WASM memory when ready: ${figures[RATES[0]].ours.wasm_memory_bytes / 1024} KiB (target ≤ 256 KiB)`);
if (loop) console.log(`  ${loop.prompts} prompts opened and closed on one page (${loop.shown} shown): JS heap ${kb(loop.heap_after_10)} after 10 → ${loop.heap_after_half != null ? `${kb(loop.heap_after_half)} after ${loop.half} → ` : ''}${kb(loop.heap_after_all)} after all (${loop.heap_growth >= 0 ? '+' : ''}${kb(loop.heap_growth)}); WASM memory ${loop.wasm_after_10 / 1024} → ${loop.wasm_after_half != null ? `${loop.wasm_after_half / 1024} → ` : ''}${loop.wasm_after_all / 1024} KiB (target: no growth)`);
console.log('\nbytes per file:');
for (const v of COLUMNS) for (const f of bytes[v].files) console.log(`  ${v.padEnd(11)} ${f.file.padEnd(28)} raw ${kb(f.raw).padStart(9)}  gzip ${kb(f.gzip).padStart(9)}  brotli ${kb(f.brotli).padStart(9)}`);
for (const rate of RATES) for (const v of COLUMNS) {
  const f = figures[rate][v];
  if (f.failed || f.errors.length) console.log(`  note ${v} at ${rate}×: ${f.failed} loads not interactive; page errors: ${f.errors.join(' | ') || 'none'}`);
}
console.log(`requests that were not for 127.0.0.1/localhost (blocked by the host resolver): ${result.external_requests.length ? result.external_requests.join(", ") : "none"}`);
console.log('method: see the header of scripts/bench-peers.mjs and docs/benchmarks.md');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) printReport(JSON.parse(readFileSync(process.argv[2], 'utf8')));
