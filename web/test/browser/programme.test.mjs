// The widget's side of the rating programme (docs/programme.md, docs/widget.md "Listening"):
// a rating refused with 403 ratings_disabled is suppressed and never queued; a config URL that
// answers ratings_disabled shows nothing; `listen` opens the prompt when an agent asks, over one
// EventSource per session that reconnects with Last-Event-ID and closes on destroy/disconnect.
// Against the test server's stand-in of the collector (web/test-support/server.mjs); the same
// behaviour against the real collector is in collector/tests/programme-e2e.test.mjs.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, tearDown, newPage, elementPage, scriptPage, events, waitFor, widget, sleep } from '../../test-support/browser.mjs';

let server, browser;
before(async () => ({ server, browser } = await setUp()));
after(() => tearDown(server, browser));
afterEach(() => { server.disabled = false; });

const postsFor = (id) => server.posts().filter((p) => p.record && p.record.session_id === id);
const openStreams = (id) => server.streams.filter((s) => s.session === id && s.open);
const outboxKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('session-rating:v1:out:')));
const ask = (session, agent, extra = {}) =>
  server.request(session, { request_id: `rq-${Math.random().toString(36).slice(2)}`, session_id: session, agent_id: agent, channel: 'chat', requested_at: Date.now(), ...extra });

test('403 ratings_disabled: rating-suppressed reason disabled, no rating-error, removed from the outbox, never retried', async () => {
  server.disabled = true;
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'off-1' }));
  const w = widget(page);
  await w.option('5 stars').click();
  await waitFor(async () => (await events(page, 'rating-suppressed')).length === 1, { message: 'rating-suppressed' });
  const [s] = await events(page, 'rating-suppressed');
  assert.equal(s.detail.reason, 'disabled');
  assert.equal(s.detail.session_id, 'off-1');
  assert.equal(s.detail.record.session_id, 'off-1');
  assert.equal(s.detail.rating_id, s.detail.record.rating_id);
  assert.ok(s.composed && s.bubbles);
  assert.equal((await events(page, 'rating-submit')).length, 1, 'the person still saw their answer taken');
  assert.deepEqual(await outboxKeys(page), [], 'nothing queued');
  await sleep(2500); // longer than the first backoff (1 s)
  assert.equal(postsFor('off-1').length, 1, 'one attempt');
  assert.equal((await events(page, 'rating-error')).length, 0);
  // Switched on again: a reload sends nothing old (it was dropped), the thank-you stays.
  server.disabled = false;
  await page.reload();
  await w.change.waitFor();
  await sleep(800);
  assert.equal(postsFor('off-1').length, 1);
  await page.context().close();
});

test('403 without ratings_disabled is still rating-error rejected', async () => {
  const page = await newPage(browser);
  await page.route('**/v1/ratings**', (route, req) => route.fulfill({ status: 403,
    headers: { 'Access-Control-Allow-Origin': req.headers().origin, 'Content-Type': 'application/json' },
    body: JSON.stringify({ errors: [{ path: '', code: 'origin_not_allowed', message: 'no' }] }) }));
  await page.goto(elementPage(server, { sessionId: 'forbidden-1' }));
  await widget(page).option('5 stars').click();
  await waitFor(async () => (await events(page, 'rating-error')).length === 1, { message: 'rating-error' });
  assert.equal((await events(page, 'rating-error'))[0].detail.code, 'rejected');
  assert.equal((await events(page, 'rating-suppressed')).length, 0);
  await page.context().close();
});

test('config URL answering 404 ratings_disabled: nothing shows, rating-suppressed reason disabled, no error', async () => {
  const page = await newPage(browser);
  await page.route('**/cfg-off.json', (route) => route.fulfill({ status: 404, headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ errors: [{ path: '', code: 'ratings_disabled', message: 'ratings are switched off' }] }) }));
  await page.goto(scriptPage(server, { sessionId: 'cfg-off', data: { 'data-config-url': '/cfg-off.json' } }));
  await waitFor(async () => (await events(page, 'rating-suppressed')).length === 1, { message: 'rating-suppressed' });
  const [s] = await events(page, 'rating-suppressed');
  assert.equal(s.detail.reason, 'disabled');
  assert.equal(s.detail.session_id, 'cfg-off');
  await sleep(300);
  assert.equal(await page.locator('session-rating').evaluate((e) => e.shadowRoot ? e.shadowRoot.childElementCount : 0), 0, 'nothing rendered');
  assert.equal((await events(page, 'rating-error')).length, 0);
  assert.deepEqual(page.consoleErrors.filter((t) => t.startsWith('session-rating')), []);
  // Any other 404 is still config_unavailable.
  const page2 = await newPage(browser);
  await page2.goto(scriptPage(server, { sessionId: 'cfg-missing', data: { 'data-config-url': '/nope.json' } }));
  await waitFor(async () => (await events(page2, 'rating-error')).length === 1, { message: 'rating-error' });
  assert.equal((await events(page2, 'rating-error'))[0].detail.code, 'config_unavailable');
  await page.context().close();
  await page2.context().close();
});

test('listen: an agent asks → the prompt opens for that agent, rating-requested fires, the record carries agent_id', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'ls-1', extra: { listen: true, 'auto-open': 'false' } }));
  await waitFor(() => openStreams('ls-1').length === 1, { message: 'stream open' });
  const [st] = openStreams('ls-1');
  assert.equal(st.key, server.writeKey, 'the write key in ?key=');
  assert.equal(st.lastEventId, null);
  assert.equal(st.origin, server.origin, 'cross-origin EventSource, like the endpoint');
  const w = widget(page);
  await sleep(300);
  assert.equal(await w.panel.count(), 0, 'auto-open off: nothing shown before the ask');
  const t0 = Date.now();
  const data = { request_id: 'rq-1', session_id: 'ls-1', agent_id: 'agent-7', channel: 'chat', requested_at: t0 };
  server.request('ls-1', data);
  await w.panel.waitFor({ state: 'visible', timeout: 1000 });
  const [r] = await events(page, 'rating-requested');
  assert.deepEqual(r.detail, data);
  assert.ok(r.composed && r.bubbles);
  await w.option('5 stars').click();
  await waitFor(() => postsFor('ls-1').length === 1, { message: 'record posted' });
  const rec = postsFor('ls-1')[0].record;
  assert.equal(rec.agent_id, 'agent-7');
  assert.equal(rec.subject_id, 'agent-7', 'the agent is what this rating is about');
  assert.equal((await events(page, 'rating-error')).length, 0);
  await page.context().close();
});

test('listen: dismissed, then the same agent asks again → it opens again; another agent → a rating of its own', async () => {
  const page = await newPage(browser);
  await page.goto(scriptPage(server, { sessionId: 'ls-2', data: { 'data-listen': '', 'data-auto-open': 'false' } }));
  await waitFor(() => openStreams('ls-2').length === 1, { message: 'stream open' });
  const w = widget(page);
  ask('ls-2', 'agent-1');
  await w.panel.waitFor({ state: 'visible', timeout: 1000 });
  await w.close.click();
  await w.panel.waitFor({ state: 'hidden' });
  ask('ls-2', 'agent-1');
  await w.panel.waitFor({ state: 'visible', timeout: 1000 });
  await w.option('4 stars').click();
  await w.change.waitFor();
  ask('ls-2', 'agent-2');
  await waitFor(async () => (await w.step()) === 'score', { message: 'a fresh prompt for agent-2', timeout: 2000 });
  assert.ok(await w.panel.isVisible());
  await w.option('2 stars').click();
  await w.submit.click();
  await waitFor(() => postsFor('ls-2').length === 2, { message: 'two records' });
  const [a, b] = postsFor('ls-2').map((p) => p.record);
  assert.deepEqual([a.agent_id, b.agent_id], ['agent-1', 'agent-2']);
  assert.notEqual(a.rating_id, b.rating_id, 'one rating per agent');
  assert.deepEqual([a.revision, b.revision], [1, 1]);
  assert.equal(a.rater_id, b.rater_id, 'the same visitor');
  assert.equal((await events(page, 'rating-requested')).length, 3);
  assert.equal((await events(page, 'rating-error')).length, 0);
  await page.context().close();
});

test('listen: an ask opens a prompt that should_prompt would suppress (sampled out)', async () => {
  const page = await newPage(browser);
  await page.goto(scriptPage(server, { sessionId: 'ls-3', config: { throttle: { sample_percent: 0 } }, data: { 'data-listen': 'true' } }));
  await waitFor(async () => (await events(page, 'rating-suppressed')).length === 1, { message: 'sampled out' });
  assert.equal((await events(page, 'rating-suppressed'))[0].detail.reason, 'sampled_out');
  await waitFor(() => openStreams('ls-3').length === 1, { message: 'stream open' });
  ask('ls-3', 'agent-3');
  await widget(page).panel.waitFor({ state: 'visible', timeout: 1000 });
  await page.context().close();
});

test('listen: one EventSource per session for two widgets; closed on destroy() and on removal', async () => {
  const page = await newPage(browser);
  const url = elementPage(server, { sessionId: 'ls-4', extra: { listen: true, 'auto-open': 'false', 'subject-id': 'm-1' },
    before: `<session-rating session-id="ls-4" subject-id="m-2" listen auto-open="false" endpoint="${server.endpoint}" write-key="${server.writeKey}"></session-rating>` });
  await page.goto(url);
  await waitFor(() => openStreams('ls-4').length === 1, { message: 'stream open' });
  await sleep(300);
  assert.equal(server.streams.filter((s) => s.session === 'ls-4').length, 1, 'one stream for both');
  await page.evaluate(() => document.querySelectorAll('session-rating')[0].destroy());
  await sleep(300);
  assert.equal(openStreams('ls-4').length, 1, 'still open: the other widget listens');
  await page.evaluate(() => document.querySelectorAll('session-rating')[1].remove());
  await waitFor(() => openStreams('ls-4').length === 0, { message: 'stream closed' });
  // A new listening widget: a new stream.
  const back = await page.evaluate(() => {
    const el = document.createElement('session-rating');
    for (const [k, v] of Object.entries({ 'session-id': 'ls-4', listen: '', 'auto-open': 'false' })) el.setAttribute(k, v);
    el.setAttribute('endpoint', document.querySelectorAll('session-rating')[0].getAttribute('endpoint'));
    el.setAttribute('write-key', document.querySelectorAll('session-rating')[0].getAttribute('write-key'));
    document.body.append(el);
    return true;
  });
  assert.ok(back);
  await waitFor(() => openStreams('ls-4').length === 1, { message: 'a new stream' });
  await page.context().close();
});

test('listen: a dropped stream reconnects with Last-Event-ID and gets the request it missed (no polling)', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'ls-5', extra: { listen: true, 'auto-open': 'false' } }));
  await waitFor(() => openStreams('ls-5').length === 1, { message: 'stream open' });
  const first = ask('ls-5', 'agent-5');
  const w = widget(page);
  await w.panel.waitFor({ state: 'visible', timeout: 1000 });
  server.dropStreams('ls-5');
  const missed = ask('ls-5', 'agent-6'); // while no stream is open
  await waitFor(async () => (await events(page, 'rating-requested')).length === 2, { message: 'replayed request', timeout: 5000 });
  const again = server.streams.filter((s) => s.session === 'ls-5');
  assert.equal(again.length, 2, 'one reconnect');
  assert.equal(again[1].lastEventId, String(first));
  assert.equal((await events(page, 'rating-requested'))[1].detail.agent_id, 'agent-6');
  assert.ok(missed > first);
  await sleep(1500);
  assert.equal(server.streams.filter((s) => s.session === 'ls-5').length, 2, 'no polling: the stream stays');
  await page.context().close();
});

test('listen: a widget whose config was refused as disabled starts again when an agent asks (ratings on again)', async () => {
  const page = await newPage(browser);
  let off = true;
  await page.route('**/cfg-switch.json', (route) => route.fulfill(off
    ? { status: 404, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ errors: [{ path: '', code: 'ratings_disabled', message: 'off' }] }) }
    : { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ scale: 'thumbs' }) }));
  await page.goto(scriptPage(server, { sessionId: 'ls-6', data: { 'data-config-url': '/cfg-switch.json', 'data-listen': '' } }));
  await waitFor(async () => (await events(page, 'rating-suppressed')).length === 1, { message: 'suppressed' });
  await waitFor(() => openStreams('ls-6').length === 1, { message: 'stream open' });
  off = false;
  ask('ls-6', 'agent-1');
  const w = widget(page);
  await w.panel.waitFor({ state: 'visible', timeout: 1000 });
  await w.option('Thumbs up').click();
  await waitFor(() => postsFor('ls-6').length === 1, { message: 'posted' });
  assert.equal(postsFor('ls-6')[0].record.agent_id, 'agent-1');
  assert.equal((await events(page, 'rating-error')).length, 0);
  await page.context().close();
});
