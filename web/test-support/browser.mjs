// web/test-support/browser.mjs — shared pieces of the browser tests (Playwright driving Debian's
// chromium; no browser download).
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startServer } from './server.mjs';

const require = createRequire(import.meta.url);
export const AXE_PATH = require.resolve('axe-core/axe.min.js');
export const CHROMIUM = process.env.SR_CHROMIUM || '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function assertBuilt() {
  for (const f of ['dist/session-rating.js', 'dist/session-rating.wasm']) {
    if (!existsSync(join(repoRoot, f))) throw new Error(`${f} is missing: run node web/build.mjs first`);
  }
}

/** A fresh browser (default temporary profile: every context starts with empty storage). */
export function launch() {
  assertBuilt();
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** Collects every rating-* event that reaches the document into window.__events. */
export const EVENTS_SCRIPT = `
window.__events = [];
for (const t of ['rating-submit','rating-final','rating-dismiss','rating-delivered','rating-error','rating-suppressed','rating-requested'])
  document.addEventListener(t, (e) => window.__events.push({ type: t, detail: e.detail, composed: e.composed, bubbles: e.bubbles }));
`;

export async function newPage(browser, context) {
  const ctx = context || (await browser.newContext());
  const page = await ctx.newPage();
  await page.addInitScript(EVENTS_SCRIPT);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.consoleErrors.push(m.text()); });
  return page;
}

export function attrs(obj) {
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined && v !== null && v !== false)
    .map(([k, v]) => (v === true ? k : `${k}='${String(v).replace(/&/g, '&amp;').replace(/'/g, '&#39;')}'`))
    .join(' ');
}

/** A page with one inline <session-rating> element. */
export function elementPage(server, { sessionId = 's-1', config, lang = 'en', extra = {}, before = '', after = '' } = {}) {
  return server.page(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Call ended</title></head>
<body><main><h1>Call ended</h1>${before}
<session-rating ${attrs({ 'session-id': sessionId, endpoint: server.endpoint, 'write-key': server.writeKey, config: config && JSON.stringify(config), ...extra })}></session-rating>
</main><script src="/dist/session-rating.js" async></script>${after}</body></html>`);
}

/** A page with the script tag in popup mode. */
export function scriptPage(server, { sessionId = 's-1', config, data = {}, lang = 'en', body = '', csp } = {}) {
  const d = { 'data-session-id': sessionId, 'data-endpoint': server.endpoint, 'data-write-key': server.writeKey, 'data-config': config && JSON.stringify(config), ...data };
  return server.page(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Support</title></head>
<body><main><h1>Help centre</h1><p>Article text.</p>${body}</main>
<script src="/dist/session-rating.js" ${attrs(d)} async></script></body></html>`, { csp });
}

export async function events(page, type) {
  const all = await page.evaluate(() => window.__events);
  return type ? all.filter((e) => e.type === type) : all;
}

export async function waitFor(fn, { timeout = 10000, interval = 50, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** The test server and a browser for one test file: `({ server, browser } = await setUp())` in
 * `before`, `tearDown(server, browser)` in `after`. */
export async function setUp() {
  const server = await startServer();
  return { server, browser: await launch() };
}
export async function tearDown(server, browser) {
  await browser?.close();
  await server?.close();
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs axe-core over the page (open shadow roots included); returns the violations. */
export async function axe(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

/** Locator of the first <session-rating>'s parts (Playwright pierces open shadow roots). */
export function widget(page) {
  const host = page.locator('session-rating').first();
  return {
    host,
    panel: host.locator('.panel'),
    option: (name) => host.getByRole('radio', { name, exact: true }),
    radios: host.getByRole('radio'),
    group: host.getByRole('radiogroup'),
    checkbox: (name) => host.getByRole('checkbox', { name, exact: true }),
    comment: host.getByRole('textbox', { name: 'Tell us more' }),
    submit: host.getByRole('button', { name: 'Submit', exact: true }),
    change: host.getByRole('button', { name: 'Change rating', exact: true }),
    close: host.getByRole('button', { name: 'Close', exact: true }),
    count: host.locator('[part=count]'),
    thanks: host.locator('[part=thanks]'),
    timeLeft: host.locator('[part=time-left]'),
    error: host.locator('[part=error]'),
    live: host.locator('[role=status]'),
    step: () => host.evaluate((e) => e.view && e.view.step),
  };
}
