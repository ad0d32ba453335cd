// Delivery faults (page.route in front of the real test server) and what arrives at the
// server: refused connections, 500s, 429 + Retry-After, 400, page closed right after submit,
// beacons, reload inside the window, two tabs, storage that throws. No preflight, ever.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, tearDown, newPage, elementPage, events, waitFor, widget, sleep } from '../../test-support/browser.mjs';

let server, browser;
before(async () => ({ server, browser } = await setUp()));
after(() => tearDown(server, browser));

const ENDPOINT_GLOB = '**/v1/ratings**';

function arrivalsFor(id) {
  return server.posts().filter((p) => p.record && p.record.session_id === id);
}
function storedFor(id) {
  return server.records().filter((r) => r.session_id === id);
}
function corsHeaders(origin, extra = {}) {
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'Retry-After', 'Content-Type': 'application/json', ...extra };
}

/** Opens a page for `id`, picks `pick` (and submits, for a low pick) → thank-you. */
async function rate(page, id, { config = {}, pick = '5 stars', submit = false } = {}) {
  await page.goto(elementPage(server, { sessionId: id, config }));
  const w = widget(page);
  await w.option(pick).click();
  if (submit) await w.submit.click();
  await w.change.waitFor();
  return w;
}

function assertCorsSimple(list) {
  for (const a of list) {
    assert.equal(a.method, 'POST');
    assert.match(a.contentType, /^text\/plain/);
    assert.equal(a.key, server.writeKey);
    assert.equal(a.authorization, null);
  }
  assert.equal(server.arrivals.filter((a) => a.method === 'OPTIONS').length, 0, 'no preflight');
}

test('endpoint refusing connections for a while: retried with backoff until it is back', async () => {
  const page = await newPage(browser);
  // Down for 2.5 s from the first try (not from page creation: on a loaded machine the
  // widget may take longer than that to load, and the outage would be over unseen).
  let downUntil = null;
  const tries = [];
  await page.route(ENDPOINT_GLOB, (route) => {
    const now = Date.now();
    tries.push(now);
    downUntil ??= now + 2500;
    return now < downUntil ? route.abort('connectionrefused') : route.continue();
  });
  await rate(page, 'refused-1');
  await waitFor(() => storedFor('refused-1').length === 1, { timeout: 15000, message: 'delivery after outage' });
  assert.ok(tries.length >= 2, `retried (${tries.length} tries)`);
  for (let i = 2; i < tries.length; i++) assert.ok(tries[i] - tries[i - 1] >= 400, 'backoff between tries');
  await waitFor(async () => (await events(page, 'rating-delivered')).length === 1);
  assert.equal((await events(page, 'rating-error')).length, 0);
  assertCorsSimple(arrivalsFor('refused-1'));
  await page.context().close();
});

test('500s then 200: retried, delivered once', async () => {
  const page = await newPage(browser);
  let hits = 0;
  await page.route(ENDPOINT_GLOB, (route, req) => {
    hits++;
    if (hits <= 2) return route.fulfill({ status: 500, headers: corsHeaders(req.headers().origin), body: '{}' });
    return route.continue();
  });
  await rate(page, 'five-hundred');
  await waitFor(() => storedFor('five-hundred').length === 1, { timeout: 15000, message: 'delivered' });
  await sleep(500);
  assert.equal(hits, 3);
  assert.equal(arrivalsFor('five-hundred').length, 1);
  assert.equal((await events(page, 'rating-delivered')).length, 1);
  await page.context().close();
});

test('429 with Retry-After: the next try waits that long', async () => {
  const page = await newPage(browser);
  const tries = [];
  await page.route(ENDPOINT_GLOB, (route, req) => {
    tries.push(Date.now());
    if (tries.length === 1) return route.fulfill({ status: 429, headers: corsHeaders(req.headers().origin, { 'Retry-After': '3' }), body: '{}' });
    return route.continue();
  });
  await rate(page, 'too-many');
  await waitFor(() => storedFor('too-many').length === 1, { timeout: 15000, message: 'delivered after Retry-After' });
  assert.equal(tries.length, 2);
  assert.ok(tries[1] - tries[0] >= 2900, `waited ${tries[1] - tries[0]} ms`);
  await page.context().close();
});

test('400: one attempt, rating-error, never retried (not even on the next load)', async () => {
  const page = await newPage(browser);
  let hits = 0;
  await page.route(ENDPOINT_GLOB, (route, req) => {
    hits++;
    return route.fulfill({ status: 400, headers: corsHeaders(req.headers().origin), body: JSON.stringify({ results: [{ status: 'invalid', errors: [{ path: '/score', code: 'out_of_range' }] }] }) });
  });
  await rate(page, 'bad-request');
  await waitFor(async () => (await events(page, 'rating-error')).length === 1, { message: 'rating-error' });
  const [err] = await events(page, 'rating-error');
  assert.equal(err.detail.code, 'rejected');
  assert.equal(err.detail.status, 400);
  assert.equal(err.detail.record.session_id, 'bad-request');
  assert.deepEqual(err.detail.errors, [{ path: '/score', code: 'out_of_range' }]);
  await sleep(2500);
  assert.equal(hits, 1);
  await page.unroute(ENDPOINT_GLOB);
  await page.reload();
  await widget(page).change.waitFor();
  await sleep(1000);
  assert.equal(hits, 1);
  assert.equal(arrivalsFor('bad-request').length, 0);
  await page.context().close();
});

test('page closed right after submit: the record arrives (beacon or next load), once at the server', async () => {
  const context = await browser.newContext();
  const page = await newPage(browser, context);
  await page.goto(elementPage(server, { sessionId: 'closed-1' }));
  const w = widget(page);
  await w.option('4 stars').click();
  await page.close({ runBeforeUnload: true });
  const page2 = await newPage(browser, context);
  await page2.goto(elementPage(server, { sessionId: 'other-page' }));
  await waitFor(() => storedFor('closed-1').length === 1, { timeout: 15000, message: 'record arrived' });
  await sleep(1500);
  assert.equal(storedFor('closed-1').length, 1);
  const bodies = new Set(arrivalsFor('closed-1').map((a) => a.body));
  assert.equal(bodies.size, 1, 'every send of rating_id+revision is the same bytes');
  assertCorsSimple(arrivalsFor('closed-1'));
  await context.close();
});

test('endpoint down, then page hidden: beacon goes out, record stays stored until a readable 2xx', async () => {
  const page = await newPage(browser);
  let up = false;
  // fetch() sends "text/plain"; sendBeacon sends "text/plain;charset=UTF-8": only fetches fail.
  await page.route(ENDPOINT_GLOB, (route, req) =>
    !up && req.headers()['content-type'] === 'text/plain' ? route.abort('connectionrefused') : route.continue());
  await rate(page, 'beacon-1');
  await sleep(300);
  assert.equal(arrivalsFor('beacon-1').length, 0);
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  });
  await waitFor(() => arrivalsFor('beacon-1').length >= 1, { message: 'beacon' });
  const first = arrivalsFor('beacon-1')[0];
  assert.equal(first.secFetchMode, 'no-cors', 'sent by sendBeacon');
  assert.equal(first.key, server.writeKey);
  await sleep(1500);
  assert.equal((await events(page, 'rating-delivered')).length, 0, 'a beacon is not a readable 2xx');
  up = true;
  // The record is still in the outbox: the next fetch retry delivers it readably.
  await waitFor(async () => (await events(page, 'rating-delivered')).length === 1, { timeout: 15000, message: 'delivered by fetch' });
  assert.ok(arrivalsFor('beacon-1').some((a) => a.secFetchMode === 'cors'));
  assert.equal(storedFor('beacon-1').length, 1);
  assert.equal(new Set(arrivalsFor('beacon-1').map((a) => a.body)).size, 1, 'same bytes by beacon and by fetch');
  await page.context().close();
});

test('reload inside the window: thank-you with Change rating, the change is revision 2', async () => {
  const page = await newPage(browser);
  await rate(page, 'reload-1', { pick: '2 stars', submit: true });
  await waitFor(() => storedFor('reload-1').length === 1);
  await page.reload();
  const w2 = widget(page);
  await w2.change.waitFor();
  assert.equal(await w2.thanks.textContent(), 'Thanks for your feedback!');
  assert.match(await w2.timeLeft.textContent(), /for (1:00:00|59:[0-5]\d)\.$/);
  await w2.change.click();
  await w2.option('5 stars').click();
  await w2.change.waitFor();
  await waitFor(() => storedFor('reload-1').length === 2, { message: 'revision 2' });
  assert.deepEqual(storedFor('reload-1').map((r) => r.revision).sort(), [1, 2]);
  assert.equal(storedFor('reload-1').find((r) => r.revision === 2).answers[0].score, 5);
  await page.context().close();
});

test('two tabs: records pending in both are each delivered once; a second tab shows the thank-you', async () => {
  const context = await browser.newContext();
  const a = await newPage(browser, context);
  const b = await newPage(browser, context);
  let downUntil = null;  // 3 s from the first try (a loaded machine may load slowly)
  let hits = 0;
  for (const p of [a, b]) {
    await p.route(ENDPOINT_GLOB, (route) => {
      hits++;
      const now = Date.now();
      downUntil ??= now + 3000;
      return now < downUntil ? route.abort('connectionrefused') : route.continue();
    });
  }
  await rate(a, 'tab-a');
  await rate(b, 'tab-b', { pick: '1 star', submit: true });
  await waitFor(() => storedFor('tab-a').length === 1 && storedFor('tab-b').length === 1, { timeout: 20000, message: 'both delivered' });
  await sleep(2000);
  assert.equal(arrivalsFor('tab-a').length, 1, `tab-a sent once: ${JSON.stringify(arrivalsFor('tab-a').map((x) => [x.at, x.secFetchMode]))}`);
  assert.equal(arrivalsFor('tab-b').length, 1, `tab-b sent once: ${JSON.stringify(arrivalsFor('tab-b').map((x) => [x.at, x.secFetchMode]))}`);
  assert.ok(hits >= 4);
  // A third tab on tab-a's page continues that rating (shared snapshot), sending nothing new.
  const c = await newPage(browser, context);
  await c.goto(elementPage(server, { sessionId: 'tab-a' }));
  await widget(c).change.waitFor();
  await sleep(500);
  assert.equal(arrivalsFor('tab-a').length, 1);
  await context.close();
});

test('storage that throws: delivery still works', async () => {
  const page = await newPage(browser);
  await page.addInitScript(() => {
    for (const m of ['getItem', 'setItem', 'removeItem', 'key', 'clear']) {
      Storage.prototype[m] = () => { throw new DOMException('denied', 'SecurityError'); };
    }
    Object.defineProperty(Storage.prototype, 'length', { get() { throw new DOMException('denied', 'SecurityError'); } });
  });
  await rate(page, 'no-storage', { pick: 'Thumbs up', config: { scale: 'thumbs' } });
  await waitFor(() => storedFor('no-storage').length === 1, { message: 'delivered without storage' });
  await waitFor(async () => (await events(page, 'rating-delivered')).length === 1, { message: 'rating-delivered' });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('localStorage missing entirely (getter throws): delivery still works', async () => {
  const page = await newPage(browser);
  await page.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('denied', 'SecurityError'); } });
  });
  await rate(page, 'no-ls', { pick: 'Very satisfied', config: { scale: 'emoji' } });
  await waitFor(() => storedFor('no-ls').length === 1, { message: 'delivered' });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a rating stored by a widget from before rater ids (keyed by the session id) goes on after the upgrade', async () => {
  const { loadBuiltCore } = await import('../../bin/built-core.mjs');
  const { hash } = await import('../../src/storage.mjs');
  const core = await loadBuiltCore();
  // What the earlier widget stored: rating id = session id, no rater, the page's resolved config.
  const flow = core.createFlow({ scale: 'stars', locale: 'en' }, { session_id: 'legacy-1', rating_id: 'legacy-1' });
  const now = Date.now();
  flow.dispatch({ type: 'score', value: 5, at: now });
  const url = new URL(server.endpoint);
  url.searchParams.set('key', server.writeKey);
  const entry = { key: `session-rating:v1:flow:${hash(url.href)}|legacy-1`, value: JSON.stringify({ snapshot: flow.snapshot(), hkey: 'legacy-1', saved: now, exp: now + 86400e3 }) };
  flow.destroy();
  const page = await newPage(browser);
  await page.addInitScript((e) => { if (!localStorage.getItem(e.key)) localStorage.setItem(e.key, e.value); }, entry);
  await page.goto(elementPage(server, { sessionId: 'legacy-1', config: { scale: 'stars' } }));
  const w = widget(page);
  await w.change.waitFor(); // the stored thank-you, not a new prompt
  await w.change.click();
  await w.option('4 stars').click();
  await waitFor(() => storedFor('legacy-1').length === 1, { message: 'revision 2 delivered' });
  const [r] = storedFor('legacy-1');
  assert.equal(r.revision, 2, 'the same rating, next revision');
  assert.equal(r.rater_id, null);
  assert.equal(r.answers[0].score, 4);
  await waitFor(async () => (await events(page, 'rating-delivered')).length === 1, { message: 'its notice reached the element' });
  await page.context().close();
});
