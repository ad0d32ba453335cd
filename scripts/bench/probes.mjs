// scripts/bench/probes.mjs — the page probes scripts/bench-web.mjs, scripts/bench-peers.mjs and
// scripts/bench/*.mjs share: init-script parts (WASM memories, long tasks, Event Timing), the
// bench page's text, the "ready" promises evaluated in the page, and the JS heap after GC
// through CDP. Text only (evaluated in the page).

// Every WebAssembly.Memory the page instantiates, in window.__mem.
export const MEM_PROBE = `
window.__mem = [];
for (const k of ['instantiate', 'instantiateStreaming']) {
  const orig = WebAssembly[k];
  WebAssembly[k] = async function (...a) {
    const r = await orig.apply(this, a);
    const inst = r.instance || r;
    for (const v of Object.values(inst.exports || {})) if (v instanceof WebAssembly.Memory) window.__mem.push(v);
    return r;
  };
}
`;

// Long task durations (PerformanceObserver 'longtask', buffered), in window.__long.
export const LONGTASK_PROBE = `
window.__long = [];
try { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: true }); } catch {}
`;

// Event Timing entries in window.__evt: `filter` (an expression over the entry `e`, or '' for
// all), `threshold` (durationThreshold, ms), `fields` (the object literal pushed per entry).
export const eventProbe = ({ filter = '', threshold, fields }) => `
window.__evt = [];
try { new PerformanceObserver((l) => { for (const e of l.getEntries()) ${filter ? `if (${filter}) ` : ''}window.__evt.push(${fields}); }).observe({ type: 'event', durationThreshold: ${threshold}, buffered: true }); } catch {}
`;

// Elements matching a selector anywhere, open shadow roots included: window.__deep(sel).
export const DEEP_PROBE = `
window.__deep = (sel) => {
  const walk = (r) => { const f = r.querySelectorAll(sel); if (f.length) return [...f];
    for (const el of r.querySelectorAll('*')) if (el.shadowRoot) { const g = walk(el.shadowRoot); if (g.length) return g; } return []; };
  return walk(document);
};
`;

// The bench page: the same text around each widget, in every column and benchmark.
export const PAGE_HEAD = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>';
export const PAGE_TEXT = '<main><h1>Call ended</h1><p>Thanks for joining.</p>';
// The page's start up to its text (for pages that add nothing to the head).
export const PAGE_START = `${PAGE_HEAD}</head><body>${PAGE_TEXT}`;
// Our widget's bench page: an inline <session-rating> with a comment, session-rating.js async.
export const widgetPage = (endpoint, id) => `${PAGE_START}
<session-rating session-id="${id}" endpoint="${endpoint}" write-key="pk_test" comment></session-rating>
<script src="/dist/session-rating.js" async></script>
</main></body></html>`;

// Resolves performance.now() two animation frames after the page's load event.
export const READY_BLANK = `new Promise((res) => { const t = () => requestAnimationFrame(() => requestAnimationFrame(() => res(performance.now())));
  if (document.readyState === 'complete') t(); else addEventListener('load', t); })`;

// Resolves performance.now() two animation frames after `sel` matches (window.__deep).
export const readyDeep = (sel) => `new Promise((res) => { const t = () => { const ok = window.__deep(${JSON.stringify(sel)}).length;
  if (ok) requestAnimationFrame(() => requestAnimationFrame(() => res(performance.now()))); else requestAnimationFrame(t); }; t(); })`;

// Resolves performance.now() two animation frames after the first <session-rating>'s options
// are shown.
export const READY_WIDGET = `new Promise((res) => { const t = () => { const el = document.querySelector('session-rating');
  const ok = el && el.shadowRoot && el.shadowRoot.querySelector('.panel:not([hidden]) .opt');
  if (ok) requestAnimationFrame(() => requestAnimationFrame(() => res(performance.now()))); else requestAnimationFrame(t); }; t(); })`;

// Used JS heap (bytes) after two forced garbage collections.
export async function heap(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  return (await cdp.send('Runtime.getHeapUsage')).usedSize;
}
