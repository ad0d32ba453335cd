// The three ways in (script tag, element, JS API), should_prompt before opening, config from
// a URL, and failure modes: WASM blocked by CSP, an invalid config — never throwing into the host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, tearDown, newPage, scriptPage, elementPage, events, waitFor, widget, sleep } from '../../test-support/browser.mjs';

let server, browser;
before(async () => ({ server, browser } = await setUp()));
after(() => tearDown(server, browser));

const storedFor = (id) => server.records().filter((r) => r.session_id === id);

test('script tag: popup opens once the page is ready, with inline JSON config', async () => {
  const page = await newPage(browser);
  await page.goto(scriptPage(server, { sessionId: 'tag-1', config: { scale: 'emoji', comment: { enabled: true } } }));
  const w = widget(page);
  await w.option('Neutral').waitFor();
  assert.equal(await page.evaluate(() => typeof window.SessionRating.mount), 'function');
  await w.option('Neutral').click();
  await w.comment.fill('ok');
  await w.submit.click();
  await w.change.waitFor();
  await waitFor(() => storedFor('tag-1').length === 1);
  assert.equal(storedFor('tag-1')[0].answers[0].scale, 'emoji');
  assert.equal(storedFor('tag-1')[0].answers[0].comment, 'ok');
  await page.context().close();
});

test('script tag: data-auto-open="false" waits for SessionRating.open(); data-config-url', async () => {
  server.file('/site-config.json', 'application/json', JSON.stringify({ scale: 'thumbs', preset: 'chat' }));
  const page = await newPage(browser);
  await page.goto(scriptPage(server, { sessionId: 'tag-2', data: { 'data-auto-open': 'false', 'data-config-url': '/site-config.json' } }));
  await page.waitForFunction(() => window.SessionRating && window.SessionRating.controller);
  await page.evaluate(() => window.SessionRating.controller.ready);
  await sleep(200);
  assert.equal(await page.locator('session-rating').evaluate((e) => !e.shadowRoot || !e.shadowRoot.querySelector('.panel')), true, 'nothing shown yet');
  assert.equal(await page.evaluate(() => window.SessionRating.open()), true);
  const w = widget(page);
  await w.option('Thumbs down').click();
  await w.checkbox('My question was not answered').check();
  await w.submit.click();
  await w.change.waitFor();
  await waitFor(() => storedFor('tag-2').length === 1);
  assert.deepEqual(storedFor('tag-2')[0].answers[0].problems, ['not_answered']);
  await page.context().close();
});

test('element: attributes, inline, locale from lang', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'el-1', lang: 'de', extra: { scale: 'stars', comment: true, topic: 'billing', 'agent-id': 'agent-7' } }));
  const w = widget(page);
  await w.host.getByRole('radio', { name: '2 Sterne' }).click();
  await w.host.getByRole('checkbox', { name: 'Ton' }).check();
  await w.host.getByRole('textbox', { name: 'Erzählen Sie uns mehr' }).fill('Echo');
  await w.host.getByRole('button', { name: 'Senden' }).click();
  await w.host.getByRole('button', { name: 'Bewertung ändern' }).waitFor();
  await waitFor(() => storedFor('el-1').length === 1);
  const r = storedFor('el-1')[0];
  assert.equal(r.topic, 'billing');
  assert.equal(r.agent_id, 'agent-7');
  assert.deepEqual(r.answers[0].problems, ['audio']);
  await page.context().close();
});

test('JS API: mount() into a chat thread; events carry the record; open/close/destroy', async () => {
  const page = await newPage(browser);
  const url = server.page(`<!doctype html><html lang="en"><head><title>Chat</title></head><body><main><h1>Chat</h1>
<ol id="thread"></ol><div id="slot"></div></main>
<script src="/dist/session-rating.js"></script>
<script>
  const thread = document.getElementById('thread');
  window.ctl = SessionRating.mount(document.getElementById('slot'), {
    sessionId: 'chat-1', endpoint: ${JSON.stringify(server.endpoint)}, writeKey: 'pk_test',
    config: { scale: 'stars', preset: 'chat' }, context: { topic: 'orders' }, mode: 'inline' });
  document.getElementById('slot').addEventListener('rating-submit', (e) => {
    const li = document.createElement('li'); li.textContent = 'rated ' + e.detail.answers[0].score + ' ★'; thread.append(li);
  });
</script></body></html>`);
  await page.goto(url);
  const w = widget(page);
  await w.option('4 stars').click();
  await page.getByText('rated 4 ★').waitFor();
  await waitFor(async () => (await events(page, 'rating-delivered')).length === 1);
  assert.equal(storedFor('chat-1')[0].topic, 'orders');
  assert.equal(await page.evaluate(() => ctl.element.tagName), 'SESSION-RATING');
  await page.evaluate(() => ctl.destroy());
  assert.equal(await page.locator('session-rating').count(), 0);
  await page.context().close();
});

test('should_prompt: already rated, cooldown and sampling suppress the prompt (rating-suppressed)', async () => {
  const context = await browser.newContext();
  // Rate session s-sup in one page...
  const page = await newPage(browser, context);
  await page.goto(scriptPage(server, { sessionId: 'sup-1', config: { scale: 'thumbs', finalise: { window_seconds: 0 } } }));
  await widget(page).option('Thumbs up').click();
  await waitFor(() => storedFor('sup-1').length === 1);
  // ...then a second prompt for the same session (another rating id) is suppressed: already rated.
  const p2 = await newPage(browser, context);
  await p2.goto(scriptPage(server, { sessionId: 'sup-1', data: { 'data-rating-id': 'sup-1-b' }, config: { scale: 'thumbs' } }));
  await waitFor(async () => (await events(p2, 'rating-suppressed')).length === 1, { message: 'suppressed' });
  assert.equal((await events(p2, 'rating-suppressed'))[0].detail.reason, 'already_rated');
  assert.equal(await p2.locator('session-rating').evaluate((e) => !e.shadowRoot), true, 'nothing rendered');
  // Cooldown per agent + session: a second prompt for agent-1 in cool-a within 7 days waits.
  const cfg = { throttle: { key: 'agent_session', cooldown_days: 7 } };
  const p3 = await newPage(browser, context);
  await p3.goto(scriptPage(server, { sessionId: 'cool-a', data: { 'data-agent-id': 'agent-1', 'data-rating-id': 'cool-x' }, config: cfg }));
  await widget(p3).group.waitFor();
  await p3.reload(); // same rating: the stored flow continues (not a new prompt)
  await widget(p3).group.waitFor();
  const p4 = await newPage(browser, context);
  await p4.goto(scriptPage(server, { sessionId: 'cool-a', data: { 'data-agent-id': 'agent-1', 'data-rating-id': 'cool-y' }, config: cfg }));
  await waitFor(async () => (await events(p4, 'rating-suppressed')).length === 1, { message: 'cooldown' });
  assert.equal((await events(p4, 'rating-suppressed'))[0].detail.reason, 'cooldown');
  // Sampling: 0 % → never.
  const p5 = await newPage(browser, context);
  await p5.goto(scriptPage(server, { sessionId: 'samp-1', config: { throttle: { sample_percent: 0 } } }));
  await waitFor(async () => (await events(p5, 'rating-suppressed')).length === 1, { message: 'sampled out' });
  assert.equal((await events(p5, 'rating-suppressed'))[0].detail.reason, 'sampled_out');
  await context.close();
});

test('WASM blocked by CSP: renders nothing, one console error, rating-error, no exception in the host', async () => {
  const page = await newPage(browser);
  const csp = `default-src 'self'; script-src 'self'; connect-src 'self' ${server.endpoint.replace(/\/v1.*/, '')}`;
  await page.goto(scriptPage(server, { sessionId: 'csp-1', csp, body: '<p id="after">host still works</p>' }));
  await waitFor(async () => (await events(page, 'rating-error')).length === 1, { message: 'rating-error' });
  const [e] = await events(page, 'rating-error');
  assert.equal(e.detail.code, 'wasm_unavailable');
  assert.match(e.detail.message, /wasm-unsafe-eval/);
  await sleep(300);
  const ours = page.consoleErrors.filter((t) => t.startsWith('session-rating:'));
  assert.equal(ours.length, 1, JSON.stringify(page.consoleErrors));
  assert.deepEqual(page.errors, []);
  assert.equal(await page.locator('session-rating').evaluate((el) => !el.shadowRoot || !el.shadowRoot.querySelector('.panel:not([hidden])')), true);
  assert.equal(await page.evaluate(() => window.SessionRating.open()), false);
  await page.context().close();
});

test("strict CSP with 'wasm-unsafe-eval' (no unsafe-inline styles): works fully", async () => {
  const page = await newPage(browser);
  const csp = `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self' ${server.endpoint.replace(/\/v1.*/, '')}`;
  await page.goto(scriptPage(server, { sessionId: 'csp-2', csp, config: {} }));
  const w = widget(page);
  await w.option('5 stars').click();
  await w.change.waitFor();
  await waitFor(() => storedFor('csp-2').length === 1);
  // Styles applied (adopted stylesheet): the panel has its border radius.
  assert.equal(await w.panel.evaluate((e) => getComputedStyle(e).borderTopLeftRadius), '12px');
  assert.deepEqual(page.consoleErrors.filter((t) => /Content Security Policy/i.test(t)), []);
  await page.context().close();
});

test('invalid config: rating-error with every error from the core; nothing rendered', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'bad-cfg', config: { scale: 'hearts', comment: { max_length: 0 }, colour: 1 } }));
  await waitFor(async () => (await events(page, 'rating-error')).length === 1, { message: 'rating-error' });
  const [e] = await events(page, 'rating-error');
  assert.equal(e.detail.code, 'invalid_config');
  const paths = e.detail.errors.map((x) => x.path).sort();
  assert.deepEqual(paths, ['/colour', '/comment/max_length', '/scale']);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
