// The element's lifecycle: attribute changes after start (docs/widget.md, "Attributes after
// start"), destroy() removing every listener the widget put on the page, and the idle warm-up's
// copy of the flow freed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setUp, tearDown, newPage, elementPage, attrs, events, waitFor, widget, sleep } from '../../test-support/browser.mjs';
import { builtWasmDir } from '../../bin/built-core.mjs';
import { runtimeNames } from '../../glue-names.mjs';

let server, browser;
before(async () => ({ server, browser } = await setUp()));
after(() => tearDown(server, browser));

const storedFor = (id) => server.records().filter((r) => r.session_id === id);
const names = (w) => w.radios.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
const set = (w, name, value) => w.host.evaluate((e, [n, v]) => (v === null ? e.removeAttribute(n) : e.setAttribute(n, v)), [name, value]);

// Keeps count of the listeners on window and document that are still registered: removed by
// removeEventListener, by their AbortSignal, or after firing once.
const LISTENERS_SCRIPT = `
(() => {
  const live = new Set();
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  const name = (t) => (t === window ? 'window' : t === document ? 'document' : null);
  const capture = (o) => !!(o && typeof o === 'object' ? o.capture : o);
  EventTarget.prototype.addEventListener = function (type, fn, options) {
    const where = name(this);
    if (where && fn) {
      const entry = { where, type, fn, capture: capture(options) };
      const o = options && typeof options === 'object' ? options : {};
      if (!o.signal || !o.signal.aborted) {
        live.add(entry);
        if (o.signal) add.call(o.signal, 'abort', () => live.delete(entry));
        if (o.once) add.call(this, type, () => live.delete(entry), { once: true });
      }
    }
    return add.call(this, type, fn, options);
  };
  EventTarget.prototype.removeEventListener = function (type, fn, options) {
    const where = name(this);
    for (const e of live) if (e.where === where && e.type === type && e.fn === fn && e.capture === capture(options)) live.delete(e);
    return remove.call(this, type, fn, options);
  };
  window.__listeners = () => [...live].map((e) => e.where + ':' + e.type).sort();
})();`;

// A page with an empty #slot and the script tag, loaded; `init` runs before any of its scripts.
async function slotPage(init) {
  const page = await newPage(browser);
  await page.addInitScript(init);
  await page.goto(server.page(`<!doctype html><html lang="en"><head><title>Chat</title></head><body><main><h1>Chat</h1>
<div id="slot"></div></main><script src="/dist/session-rating.js"></script></body></html>`));
  await page.waitForFunction(() => document.readyState === 'complete');
  return page;
}

test('destroy() removes every page listener the widget added (none left over after mount/destroy cycles)', async () => {
  const page = await slotPage(LISTENERS_SCRIPT);
  const before = await page.evaluate(() => window.__listeners());
  const after = await page.evaluate(async (endpoint) => {
    const out = [];
    const options = (i) => ({ sessionId: `leak-${i}`, endpoint, writeKey: 'pk_test', config: { scale: 'thumbs' } });
    for (let i = 0; i < 4; i++) {
      const ctl = SessionRating.mount(document.getElementById('slot'), options(i));
      if (!(await ctl.ready)) throw new Error('not ready');
      await new Promise((r) => setTimeout(r, 50)); // the first paint and the tick timer
      ctl.destroy();
      out.push(window.__listeners());
    }
    // Destroyed while still starting: nothing stays registered either.
    const early = SessionRating.mount(document.getElementById('slot'), options(9));
    early.destroy();
    out.push([await early.ready, window.__listeners()]);
    return out;
  }, server.endpoint);
  // Nothing was rated, so no outbox was made (it is made when a widget first stores records, or
  // at start-up when storage holds some from an earlier page): no page listener is left.
  assert.deepEqual(after[0], before, 'after the first destroy: none of the widget\'s');
  for (let i = 1; i < 4; i++) assert.deepEqual(after[i], after[0], `cycle ${i + 1} left listeners behind`);
  assert.deepEqual(after[4], [false, after[0]], 'destroyed during start-up');
  // A rating stores a record: the page's outbox (one per endpoint) is made then and keeps
  // delivering after destroy(): its pagehide, pageshow, visibilitychange and online, added once.
  const rated = await page.evaluate(async (endpoint) => {
    const out = [];
    for (let i = 0; i < 2; i++) {
      const ctl = SessionRating.mount(document.getElementById('slot'), { sessionId: `leak-r${i}`, endpoint, writeKey: 'pk_test', config: { scale: 'thumbs' } });
      if (!(await ctl.ready)) throw new Error('not ready');
      await new Promise((r) => setTimeout(r, 50)); // the first paint
      ctl.element.shadowRoot.querySelector('.opt[data-v="1"]').click(); // thumbs up: submitted
      await new Promise((r) => setTimeout(r, 50));
      ctl.destroy();
      out.push(window.__listeners());
    }
    return out;
  }, server.endpoint);
  const outbox = ['document:visibilitychange', 'window:online', 'window:pagehide', 'window:pageshow'];
  assert.deepEqual(rated[0], [...before, ...outbox].sort(), 'after a rating and destroy(): only the outbox\'s');
  assert.deepEqual(rated[1], rated[0], 'a second rating on the same endpoint: the same outbox');
  await waitFor(() => storedFor('leak-r0').length === 1 && storedFor('leak-r1').length === 1, { message: 'both delivered' });
  assert.equal(await page.locator('session-rating').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('element: a session-id change after start starts over for the new rating', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'at-1', config: { scale: 'thumbs' } }));
  const w = widget(page);
  await w.option('Thumbs up').click();
  await w.change.waitFor();
  await waitFor(() => storedFor('at-1').length === 1, { message: 'at-1 stored' });
  await set(w, 'session-id', 'at-2');
  await waitFor(async () => (await w.step()) === 'score', { message: 'a new prompt' });
  assert.equal(await w.option('Thumbs up').getAttribute('aria-checked'), 'false');
  await w.option('Thumbs down').click();
  await w.submit.click();
  await w.change.waitFor();
  await waitFor(() => storedFor('at-2').length === 1, { message: 'at-2 stored' });
  const submits = (await events(page, 'rating-submit')).map((e) => [e.detail.session_id, e.detail.answers[0].score]);
  assert.deepEqual(submits, [['at-1', 1], ['at-2', 0]]);
  assert.equal(storedFor('at-1').length, 1, 'the first rating is untouched');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('element: config attributes rebuild a prompt nothing was picked in (should_prompt is not asked again)', async () => {
  const page = await newPage(browser);
  // A 30-day cooldown per session: asking should_prompt again would answer "cooldown".
  const config = { scale: 'stars', throttle: { key: 'session', cooldown_days: 30 } };
  await page.goto(elementPage(server, { sessionId: 'at-3', config }));
  const w = widget(page);
  await w.group.waitFor();
  assert.equal((await names(w)).length, 5);
  // Several attributes set together act once.
  await w.host.evaluate((e) => { e.setAttribute('scale', 'thumbs'); e.setAttribute('question', 'Was this chat useful?'); e.setAttribute('topic', 'billing'); });
  await waitFor(async () => (await names(w)).length === 2, { message: 'rebuilt as thumbs' });
  assert.deepEqual(await names(w), ['Thumbs down', 'Thumbs up']);
  assert.equal(await w.host.locator('[part=question]').textContent(), 'Was this chat useful?');
  assert.deepEqual(await events(page, 'rating-suppressed'), []);
  const history = await page.evaluate(() => JSON.parse(localStorage.getItem('session-rating:v1:history')));
  assert.equal(history.length, 1, 'one prompt in the history');
  await w.option('Thumbs up').click();
  await waitFor(() => storedFor('at-3').length === 1, { message: 'at-3 stored' });
  assert.equal(storedFor('at-3')[0].answers[0].scale, 'thumbs');
  assert.equal(storedFor('at-3')[0].topic, 'billing');
  assert.deepEqual(await events(page, 'rating-error'), []);
  await page.context().close();
});

test('element: a config change while a rating is in progress waits for the next start', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'at-4', config: { scale: 'stars', comment: { enabled: true } } }));
  const w = widget(page);
  await w.option('2 stars').click();
  await w.comment.fill('half-typed');
  await set(w, 'scale', 'thumbs');
  await sleep(200);
  assert.equal(await w.step(), 'details');
  assert.equal(await w.comment.inputValue(), 'half-typed');
  assert.equal((await names(w)).length, 5);
  await w.submit.click();
  await w.change.waitFor();
  await waitFor(() => storedFor('at-4').length === 1, { message: 'at-4 stored' });
  assert.equal(storedFor('at-4')[0].answers[0].scale, 'stars');
  assert.equal(storedFor('at-4')[0].answers[0].comment, 'half-typed');
  // The next start (another session) uses it.
  await set(w, 'session-id', 'at-5');
  await waitFor(async () => (await w.step()) === 'score' && (await names(w)).length === 2, { message: 'thumbs for at-5' });
  await page.context().close();
});

test('element: waits for a session-id; an invalid config can be fixed; removing session-id stops it', async () => {
  const page = await newPage(browser);
  const host = attrs({ endpoint: server.endpoint, 'write-key': server.writeKey, config: JSON.stringify({ scale: 'hearts' }) });
  await page.goto(server.page(`<!doctype html><html lang="en"><head><title>Call</title></head><body><main><h1>Call</h1>
<session-rating ${host}></session-rating></main><script src="/dist/session-rating.js" async></script></body></html>`));
  const w = widget(page);
  await page.waitForFunction(() => customElements.get('session-rating'));
  await sleep(200);
  assert.deepEqual(await events(page), [], 'nothing happens without a session-id');
  await set(w, 'session-id', 'at-6');
  await waitFor(async () => (await events(page, 'rating-error')).length === 1, { message: 'invalid_config' });
  assert.equal((await events(page, 'rating-error'))[0].detail.code, 'invalid_config');
  await set(w, 'config', JSON.stringify({ scale: 'thumbs' }));
  await w.option('Thumbs up').waitFor();
  assert.equal(await w.host.evaluate((e) => e.shadowRoot.querySelectorAll('.panel').length), 1);
  await set(w, 'session-id', null);
  await waitFor(() => w.host.evaluate((e) => e.shadowRoot.childElementCount === 0), { message: 'stopped' });
  assert.equal(await w.host.evaluate((e) => e.view), null);
  await set(w, 'session-id', 'at-7');
  await w.option('Thumbs up').click();
  await waitFor(() => storedFor('at-7').length === 1, { message: 'at-7 stored' });
  assert.equal((await events(page, 'rating-error')).length, 1, 'no further errors');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('mount(): an element driven by options ignores attribute changes', async () => {
  const page = await newPage(browser);
  await page.goto(server.page(`<!doctype html><html lang="en"><head><title>Chat</title></head><body><main><h1>Chat</h1>
<div id="slot"></div></main><script src="/dist/session-rating.js"></script>
<script>window.ctl = SessionRating.mount(document.getElementById('slot'), { sessionId: 'at-8',
  endpoint: ${JSON.stringify(server.endpoint)}, writeKey: 'pk_test', config: { scale: 'thumbs' } });</script></body></html>`));
  const w = widget(page);
  await w.group.waitFor();
  await w.host.evaluate((e) => { e.setAttribute('session-id', 'other'); e.setAttribute('scale', 'stars'); });
  await sleep(200);
  assert.deepEqual(await names(w), ['Thumbs down', 'Thumbs up']);
  await w.option('Thumbs up').click();
  await waitFor(() => storedFor('at-8').length === 1, { message: 'at-8 stored' });
  assert.equal(storedFor('other').length, 0);
  await page.context().close();
});

// The core's live flows, read from the page's WebAssembly instance (sr_flow_count, by its
// minified export name in the glue the bundle was built from).
const FLOW_COUNT = runtimeNames(readFileSync(path.join(builtWasmDir(), 'session_rating_core.mjs'), 'utf8')).exports._sr_flow_count;
const INSTANCES_SCRIPT = `
window.__instances = [];
for (const k of ['instantiate', 'instantiateStreaming']) {
  const orig = WebAssembly[k];
  WebAssembly[k] = async function (...a) { const r = await orig.apply(this, a); window.__instances.push(r.instance || r); return r; };
}`;

test('element: the idle warm-up frees its copy of the flow, also when the element goes away in the middle of it', async () => {
  const page = await slotPage(INSTANCES_SCRIPT);
  const seen = await page.evaluate(async ([endpoint, count]) => {
    const live = () => window.__instances[0].exports[count]();
    const poll = async (want, ms) => {
      for (const end = performance.now() + ms; performance.now() < end;) {
        if (live() === want) return true;
        await new Promise((r) => setTimeout(r, 5)); // busy enough that idle callbacks run at their 500 ms timeout
      }
      return false;
    };
    const options = (id) => ({ sessionId: id, endpoint, writeKey: 'pk_test', config: { comment: { enabled: true } } });
    // Left alone: the copy is made (2 live flows: the prompt's and the copy), then freed.
    const a = SessionRating.mount(document.getElementById('slot'), options('warm-1'));
    if (!(await a.ready)) throw new Error('not ready');
    const copied = await poll(2, 5000);
    const freed = await poll(1, 5000);
    await new Promise((r) => setTimeout(r, 3000)); // longer than the remaining steps
    const after = live();
    a.destroy();
    const none = await poll(0, 2000);
    // Destroyed while the copy is alive, between two of its steps: both flows are freed.
    const b = SessionRating.mount(document.getElementById('slot'), options('warm-2'));
    if (!(await b.ready)) throw new Error('not ready');
    const copied2 = await poll(2, 5000);
    b.destroy();
    const freed2 = await poll(0, 3000);
    await new Promise((r) => setTimeout(r, 3000));
    return { copied, freed, after, none, copied2, freed2, end: live() };
  }, [server.endpoint, FLOW_COUNT]);
  assert.deepEqual(seen, { copied: true, freed: true, after: 1, none: true, copied2: true, freed2: true, end: 0 });
  assert.deepEqual(server.records().filter((r) => /^warm-/.test(r.session_id)), [], 'the warm-up stores and sends nothing');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
