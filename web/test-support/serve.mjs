#!/usr/bin/env node
// web/test-support/serve.mjs — serves dist/ and three demo pages (one per scale) on 127.0.0.1
// and prints what reaches the endpoint, for poking at the widget by hand:
//   node web/build.mjs && node web/test-support/serve.mjs
import { startServer } from './server.mjs';

const s = await startServer();
const demo = (mode, scale) => s.page(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>demo</title></head><body><main><h1>Demo</h1>
<session-rating session-id="demo-${scale}-${mode}" endpoint="${s.endpoint}" write-key="pk_test" scale="${scale}" comment mode="${mode}"></session-rating></main>
<script src="/dist/session-rating.js" async></script></body></html>`);
for (const sc of ['stars', 'emoji', 'thumbs']) console.log(sc, demo('inline', sc));
console.log('arrivals are printed as they come; Ctrl-C to stop');
setInterval(() => { while (s.arrivals.length) { const a = s.arrivals.shift(); console.log(a.method, a.path, a.secFetchMode, a.body); } }, 500);
