#!/usr/bin/env node
// scripts/bench/heap-apis.mjs — what the JS heap grows by when a page touches one Web API, or
// loads the widget (issue 14's heap work; docs/benchmarks.md, "JS heap per Web API"). A
// benchmark: it prints figures and never fails.
//
//   node web/build.mjs && node scripts/bench/heap-apis.mjs [--runs 3] [--dist DIR] [case ...]
//
// Each case is the same small page (the bench pages' text) with one inline script, loaded in a
// fresh browser context, measured after 0.8 s (the widget: 2.5 s) as Runtime.getHeapUsage used
// size after two forced GCs, minus the blank page's (median of --runs). `never` is the bundle
// wrapped in a function that is never called (parse cost only); `script` the bundle with no
// widget on the page; `ours` the page with an inline <session-rating> (as bench-peers.mjs).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args.splice(i, 2)[1] : def; };
const RUNS = Number(opt('--runs', 3));
const DIST = resolve(opt('--dist', join(root, 'dist')));
const require = createRequire(join(root, 'web/package.json'));
const { chromium } = require('playwright-core');
const { startServer } = await import(pathToFileURL(join(root, 'web/test-support/server.mjs')).href);
const { ARGS, CHROMIUM } = await import(pathToFileURL(join(root, 'web/test-support/browser.mjs')).href);
const { heap, PAGE_START: H } = await import(pathToFileURL(join(root, 'scripts/bench/probes.mjs')).href);

const server = await startServer({ dist: DIST });
server.file('/x/never.js', 'text/javascript', `function never(){${readFileSync(join(DIST, 'session-rating.js'), 'utf8')}}`);
const SVG = "document.createElementNS('http://www.w3.org/2000/svg',";
const host = "const d=document.createElement('div');document.body.append(d);const r=d.attachShadow({mode:'open'});";
const CASES = {
  blank: '',
  'createElement div': "document.body.append(document.createElement('div'));",
  'class extends HTMLElement (defined)': "customElements.define('x-y', class extends HTMLElement{});",
  'document.currentScript': 'document.currentScript.src;',
  'div + shadow root': host,
  'div + shadow root + adopted sheet': host + "const s=new CSSStyleSheet();s.replaceSync(':host{color:red}');r.adoptedStyleSheets=[s];",
  'div + shadow root + svg/path (createElementNS)': host + `const s=${SVG}'svg');s.append(${SVG}'path'));r.append(s);`,
  'div + shadow root + 5 buttons, textarea, fieldset, legend, checkbox': host + "for(let i=0;i<5;i++)r.append(document.createElement('button'));const f=document.createElement('fieldset');const i=document.createElement('input');i.type='checkbox';f.append(document.createElement('legend'),i);r.append(document.createElement('textarea'),f);",
  'navigator.locks': 'navigator.locks;',
  'localStorage.getItem': "localStorage.getItem('x');",
  'new URL + searchParams': "new URL('/a', document.baseURI).searchParams.set('k','v');",
  'fetch': "fetch('/nothing').catch(()=>{});",
  'CustomEvent dispatched': "document.dispatchEvent(new CustomEvent('x',{detail:1,bubbles:true,composed:true}));",
  'AbortController + signal listener': "addEventListener('x',()=>{},{signal:new AbortController().signal});",
  'scheduler.yield': 'scheduler.yield();',
  'TextEncoder + TextDecoder': "new TextEncoder().encode('x');new TextDecoder().decode(new Uint8Array(2));",
  'WebAssembly.instantiateStreaming (the .wasm, failing imports)': "WebAssembly.instantiateStreaming(fetch('/dist/session-rating.wasm'),{}).catch(()=>{});",
  never: { src: '/x/never.js' },
  script: { src: '/dist/session-rating.js' },
  ours: { src: '/dist/session-rating.js', el: true },
};
const pick = args.length ? ['blank', ...args] : Object.keys(CASES);
const page = (c) => typeof c === 'string' ? `${H}<script>${c}</script></main></body></html>`
  : `${H}${c.el ? `<session-rating session-id="heap-1" endpoint="${server.endpoint}" write-key="pk_test" comment></session-rating>` : ''}<script src="${c.src}" async></script></main></body></html>`;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
const got = {};
for (let r = 0; r < RUNS; r++) for (const name of pick) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const cdp = await ctx.newCDPSession(p);
  await p.goto(server.page(page(CASES[name])));
  await p.waitForTimeout(typeof CASES[name] === 'string' ? 800 : 2500);
  (got[name] ||= []).push(await heap(cdp));
  await ctx.close();
}
await browser.close();
server.close?.();
const med = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
const blank = med(got.blank);
console.log(`JS heap vs blank (KB, median of ${RUNS}; blank ${(blank / 1024).toFixed(1)} KB), dist ${DIST}`);
for (const name of pick.slice(1)) console.log(`${((med(got[name]) - blank) / 1024).toFixed(1).padStart(7)}  ${name}`);
process.exit(0);
