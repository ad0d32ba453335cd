#!/usr/bin/env node
// web/test-support/serve.mjs — serves dist/ and demo pages (one per scale, several questions,
// mode=button per answer) on 127.0.0.1
// and prints what reaches the endpoint, for poking at the widget by hand:
//   node web/build.mjs && node web/test-support/serve.mjs
import { startServer } from './server.mjs';

const s = await startServer();
const demo = (mode, scale) => s.page(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>demo</title></head><body><main><h1>Demo</h1>
<session-rating session-id="demo-${scale}-${mode}" endpoint="${s.endpoint}" write-key="pk_test" scale="${scale}" comment mode="${mode}"></session-rating></main>
<script src="/dist/session-rating.js" async></script></body></html>`);
for (const sc of ['stars', 'emoji', 'thumbs', 'nps']) console.log(sc, demo('inline', sc));
const page = (title, body) => s.page(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title></head><body><main><h1>${title}</h1>${body}</main><script src="/dist/session-rating.js" async></script></body></html>`);
const two = JSON.stringify({ questions: [{ id: 'HELPFUL_THUMBS', comment: { enabled: true } }, { id: 'EXPERIENCE_THUMBS' }, { id: 'nps', scale: 'nps' }] });
console.log('questions', page('Questions', `<session-rating session-id="demo-questions" endpoint="${s.endpoint}" write-key="pk_test" config='${two}'></session-rating>`));
console.log('button', page('Answers', [1, 2, 3].map((n) => `<p>Answer ${n}</p>
<session-rating mode="button" session-id="demo-chat" subject-id="answer-${n}" endpoint="${s.endpoint}" write-key="pk_test" config='{"scale":"emoji","preset":"chat"}'></session-rating>`).join('')));
console.log('arrivals are printed as they come; Ctrl-C to stop');
setInterval(() => { while (s.arrivals.length) { const a = s.arrivals.shift(); console.log(a.method, a.path, a.secFetchMode, a.body); } }, 500);
