// The widget under a hostile page (issue 13, "Faults, measured at the store"): headless
// Chromium with the built widget (dist/) on a page served by the test (its own origin), posting
// across origins to the real collector on 127.0.0.1 (--allow-origin the page). Each page either
// works — the rating is stored, counted at the collector — or fails quietly with `rating-error`;
// nothing is ever thrown into the page (window.onerror, unhandledrejection and Playwright's
// pageerror all stay at 0).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from '../../test-support/browser.mjs';
import { startCollector, COLLECTOR, WRITE_KEY } from '../../../collector/tests/helpers.mjs';
import { faultServer, pageHtml, storedRatings } from '../../../collector/tests/faults-lib.mjs';

const NONCE = 'r4nd0mN0nce42';
let browser, server, fs;
const cleanups = []; // the collector and the page server, stopped after the last test

// Counts everything thrown into the page, from before any of its scripts run.
const COUNT_ERRORS = `window.__thrown = 0; window.__violations = [];
addEventListener('error', () => { window.__thrown++; }, true);
addEventListener('unhandledrejection', () => { window.__thrown++; });
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`;

function csp(wasm) {
  return `default-src 'none'; script-src 'nonce-${NONCE}' 'strict-dynamic'${wasm ? " 'wasm-unsafe-eval'" : ''}; `
    + `connect-src 'self' ${server.url}; style-src 'nonce-${NONCE}'; img-src 'none'; base-uri 'none'; object-src 'none'; form-action 'none'`;
}

// A nonce'd inline script or style in the page's head, before the widget's script.
const script = (js) => `<script nonce="${NONCE}">${js}</script>`;
const style = (css) => `<style nonce="${NONCE}">${css}</style>`;

const HOSTILE_CSS = `*, *::before, *::after { all: unset !important; }
:root * { font: 40px/0 serif !important; letter-spacing: .5em !important; word-spacing: 2em !important;
  text-transform: uppercase !important; visibility: visible !important; cursor: none !important; }
body { display: block !important; }
session-rating { display: inline !important; width: 0 !important; contain: none !important; }`;

const FETCH_THROWS = `window.fetch = function () { throw new TypeError('fetch is disabled on this page'); };`;
const STORAGE_GETTER_THROWS = `Object.defineProperty(window, 'localStorage', { configurable: true,
  get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });`;
const SETITEM_THROWS = `Storage.prototype.setItem = function () { throw new DOMException('quota', 'QuotaExceededError'); };`;

before(async () => {
  if (!COLLECTOR) throw new Error('session-rating-collector is not built (cmake --build --preset native --target session-rating-collector)');
  const t = { after: (fn) => cleanups.push(fn) };
  fs = await faultServer(t, { target: () => server?.url ?? null, pages: {} });
  server = await startCollector(t, { args: ['--allow-origin', fs.url] });
  const pages = {
    '/h/csp.html': { body: pageHtml({ nonce: NONCE }), headers: { 'Content-Security-Policy': csp(true) } },
    '/h/csp-no-wasm.html': { body: pageHtml({ nonce: NONCE }), headers: { 'Content-Security-Policy': csp(false) } },
    '/h/fetch-throws.html': { body: pageHtml({ nonce: NONCE, head: script(FETCH_THROWS) }), headers: { 'Content-Security-Policy': csp(true) } },
    '/h/storage-getter-throws.html': { body: pageHtml({ head: script(STORAGE_GETTER_THROWS) }) },
    '/h/setitem-throws.html': { body: pageHtml({ head: script(SETITEM_THROWS) }) },
    '/h/css.html': { body: pageHtml({ head: style(HOSTILE_CSS) }) },
    '/h/plain.html': { body: pageHtml() },
  };
  // faultServer's page table is looked up per request: fill it now that the collector's URL is known.
  Object.assign(fs.pages, pages);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  for (const fn of cleanups.reverse()) await fn();
});

async function open(name, session, { n = 1 } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageerrors = [];
  page.on('pageerror', (e) => pageerrors.push(String(e)));
  await page.addInitScript(COUNT_ERRORS);
  const endpoint = `${server.url}/v1/ratings`;
  await page.goto(`${fs.url}/h/${name}.html?session=${session}&key=${WRITE_KEY}&n=${n}&endpoint=${encodeURIComponent(endpoint)}`);
  return { context, page, pageerrors };
}

const thrown = async (page, pageerrors) => (await page.evaluate(() => window.__thrown)) + pageerrors.length;

async function rateAndStore(page, session, score = 5) {
  const el = page.locator('#w1');
  await el.getByRole('radio', { name: `${score} stars`, exact: true }).click({ timeout: 30000 });
  await el.getByRole('button', { name: 'Change rating' }).waitFor();
  for (let i = 0; i < 150; i++) {
    const got = await storedRatings(server, session);
    if (got.length) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
  return storedRatings(server, session);
}

async function settleCount(session) {
  await new Promise((r) => setTimeout(r, 800));
  return (await storedRatings(server, session)).length;
}

test('strict nonce CSP with wasm-unsafe-eval: the widget works, no CSP violation, 1 rating stored', { timeout: 60000 }, async () => {
  const { page, pageerrors, context } = await open('csp', 'h-csp');
  const stored = await rateAndStore(page, 'h-csp');
  assert.equal(stored.length, 1);
  assert.equal(await settleCount('h-csp'), 1);
  assert.equal(await page.evaluate(() => window.__sr.delivered), 1);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.equal(await thrown(page, pageerrors), 0);
  await context.close();
});

test('strict nonce CSP without wasm-unsafe-eval: rating-error wasm_unavailable, nothing thrown into the page', { timeout: 60000 }, async () => {
  const { page, pageerrors, context } = await open('csp-no-wasm', 'h-nowasm');
  await page.waitForFunction(() => window.__sr && window.__sr.errors.length > 0, null, { timeout: 30000 });
  assert.deepEqual(await page.evaluate(() => window.__sr.errors), ['wasm_unavailable']);
  assert.equal(await page.locator('#w1').getByRole('radio').count(), 0, 'nothing rendered');
  assert.equal(await thrown(page, pageerrors), 0);
  assert.equal((await storedRatings(server, 'h-nowasm')).length, 0);
  await context.close();
});

test('a page whose fetch throws: rating-error wasm_unavailable (the core cannot be fetched), nothing thrown', { timeout: 60000 }, async () => {
  const { page, pageerrors, context } = await open('fetch-throws', 'h-fetch');
  await page.waitForFunction(() => window.__sr && window.__sr.errors.length > 0, null, { timeout: 30000 });
  assert.deepEqual(await page.evaluate(() => window.__sr.errors), ['wasm_unavailable']);
  assert.equal(await thrown(page, pageerrors), 0);
  await context.close();
});

test('fetch starts throwing after the widget loaded: the rating waits in the outbox, goes by sendBeacon on pagehide, stored once', { timeout: 60000 }, async () => {
  const { page, pageerrors, context } = await open('plain', 'h-fetch-late');
  const el = page.locator('#w1');
  await el.getByRole('radio', { name: '5 stars', exact: true }).waitFor();
  await page.evaluate((js) => (0, eval)(js), FETCH_THROWS);
  fs.reset();
  await el.getByRole('radio', { name: '4 stars', exact: true }).click();
  await el.getByRole('button', { name: 'Change rating' }).waitFor();
  await new Promise((r) => setTimeout(r, 1500)); // a retry or two, each a throwing fetch
  assert.equal((await storedRatings(server, 'h-fetch-late')).length, 0, 'nothing could be sent yet');
  assert.equal(await thrown(page, pageerrors), 0);
  assert.deepEqual(await page.evaluate(() => window.__sr.errors), []);
  await page.close({ runBeforeUnload: true }); // pagehide → sendBeacon
  let n = 0;
  for (let i = 0; i < 100 && !n; i++) {
    n = (await storedRatings(server, 'h-fetch-late')).length;
    if (!n) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(n, 1, 'the beacon delivered it');
  assert.equal(await settleCount('h-fetch-late'), 1);
  await context.close();
});

for (const [name, what] of [['storage-getter-throws', 'a localStorage getter that throws'], ['setitem-throws', 'localStorage.setItem that throws']]) {
  test(`${what}: the widget works from memory, 1 rating stored, nothing thrown`, { timeout: 60000 }, async () => {
    const session = `h-${name}`;
    const { page, pageerrors, context } = await open(name, session);
    const stored = await rateAndStore(page, session, 4);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].answers[0].score, 4);
    assert.equal(await settleCount(session), 1);
    assert.deepEqual(await page.evaluate(() => window.__sr.errors), []);
    assert.equal(await thrown(page, pageerrors), 0);
    await context.close();
  });
}

test('aggressive host CSS (* { all: unset !important } and friends): the widget still renders, is clickable, 1 rating stored', { timeout: 60000 }, async () => {
  const { page, pageerrors, context } = await open('css', 'h-css');
  const radio = page.locator('#w1').getByRole('radio', { name: '5 stars', exact: true });
  await radio.waitFor();
  const box = await radio.boundingBox();
  assert.ok(box && box.width >= 16 && box.height >= 16, `a 5-star option of ${JSON.stringify(box)}`);
  const stored = await rateAndStore(page, 'h-css');
  assert.equal(stored.length, 1);
  assert.equal(await settleCount('h-css'), 1);
  assert.equal(await thrown(page, pageerrors), 0);
  await context.close();
});
