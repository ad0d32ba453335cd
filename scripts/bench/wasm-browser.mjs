// The object-path dispatch of scripts/bench-wasm.mjs run in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core, a fresh profile): the browser the widget runs in,
// with its own V8, instead of Node's. Serves web/core.mjs, the glue and the widget's .wasm from
// the WASM build on 127.0.0.1 and calls flow.dispatch(object) on the same workload in the page.
//
// A page has no per-process CPU clock: the rate is per wall second, GC pauses and the time
// other processes held the CPU included (run it on a quiet machine). The latency is the median
// 1,000-call batch per call (the page's clock is coarsened to 100 µs without cross-origin
// isolation, so single calls cannot be timed).
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export async function browserDispatch({ root, wasmDir, seconds, config, context, events, warmUp }) {
  const require = createRequire(path.join(root, 'web/package.json'));
  const { chromium } = require('playwright-core');
  const { ARGS, CHROMIUM } = await import(pathToFileURL(path.join(root, 'web/test-support/browser.mjs')).href);
  const files = {
    '/core.mjs': ['text/javascript', path.join(root, 'web/core.mjs')],
    '/glue.mjs': ['text/javascript', path.join(wasmDir, 'session_rating_core.mjs')],
    '/core.wasm': ['application/wasm', path.join(wasmDir, 'session_rating_core.wasm')],
    '/': ['text/html; charset=utf-8', null],
  };
  const server = createServer((req, res) => {
    const f = files[req.url];
    if (!f) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', f[0]);
    res.end(f[1] ? readFileSync(f[1]) : '<!doctype html><title>bench-wasm</title>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  server.unref();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    return await page.evaluate(async (a) => {
      const { loadCore } = await import('/core.mjs');
      const core = await loadCore({ glueUrl: '/glue.mjs', wasmUrl: '/core.wasm' });
      const flow = core.createFlow(a.config, a.context);
      flow.dispatch(a.warmUp);
      const events = a.events.map((e) => JSON.parse(e));
      for (let i = 0; i < 20000; i++) flow.dispatch(events[i % events.length]);
      const batches = [];
      let n = 0;
      const start = performance.now();
      while (performance.now() - start < a.seconds * 1000) {
        const t = performance.now();
        for (let k = 0; k < 1000; k++, n++) flow.dispatch(events[n % events.length]);
        batches.push(performance.now() - t); // ms per 1,000 calls = µs per call
      }
      const wall = (performance.now() - start) / 1000;
      flow.destroy();
      batches.sort((x, y) => x - y);
      return { perSecond: n / wall, median: batches[batches.length >> 1], version: navigator.userAgent };
    }, { seconds, config, context, events, warmUp: JSON.parse(warmUp) });
  } finally {
    await browser.close();
    server.close();
  }
}
