// The rating programme end to end (issue 12, "Must show"): headless Chromium (Debian's, driven
// by playwright-core, a fresh profile per context) against the real collector binary on
// 127.0.0.1, through the support-site example, its agent console and a test page:
// - the agent presses "Ask for rating" → the visitor's prompt opens within 1 s (Server-Sent
//   Events, no polling) → the rating arrives in the conversation's timeline and the console's
//   thread; a second ask within 7 days is refused (409), from another browser context too;
//   another agent's ask opens a rating of its own, carrying that agent_id;
// - ratings switched off → a widget on the collector's config shows nothing, a widget with
//   inline config gets 403 ratings_disabled (rating-suppressed reason disabled, nothing queued,
//   nothing stored), the agent's ask is refused; switched on → the prompt shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCollector, admin, ROOT, WRITE_KEY, SITE_MOUNTS } from './helpers.mjs';
import { launch, newPage, waitFor } from './browser.mjs';

const AGENT_TOKEN = 'agent-token-0123456789abcdef';
const ARGS = [...SITE_MOUNTS, '--mount', `/t/=${join(ROOT, 'collector/tests/pages')}`, '--token', `agent:${AGENT_TOKEN}`];
const DAY = 86400e3;

const agent = (server, path, opts = {}) => admin(server, path, { token: AGENT_TOKEN, ...opts });
const askRating = (server, session, agentId) => agent(server, `/v1/sessions/${encodeURIComponent(session)}/rating-requests`,
  { method: 'POST', body: { agent_id: agentId, channel: 'chat' } });
const timeline = async (server, session) => {
  const r = await agent(server, `/v1/sessions/${encodeURIComponent(session)}/timeline`);
  assert.equal(r.status, 200, r.text);
  return r.json.events;
};
const panel = (page) => page.locator('session-rating').first().locator('.panel');
// Resolves once the page's EventSource has its answer's head (the collector holds the stream).
const streamOpened = (page) => page.waitForResponse((r) => /\/v1\/sessions\/[^/]+\/events\?/.test(r.url()) && r.status() === 200);

test('agent asks → the visitor\'s prompt opens within 1 s → the rating is in the timeline; a second ask is refused, from another browser too', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t, { args: ARGS });
  const problems = [];

  // The visitor: the support site (script tag, popup, auto-open off, data-listen).
  const visitor = await newPage(await browser.newContext(), problems);
  const opened = streamOpened(visitor);
  await visitor.goto(`${server.url}/examples/script-tag/?key=${WRITE_KEY}`);
  const conversation = (await visitor.locator('#conversation-id').textContent()).trim();
  const stream = await opened;
  assert.match(stream.url(), new RegExp(`/v1/sessions/${conversation}/events\\?key=${WRITE_KEY}$`));
  assert.equal(await panel(visitor).count(), 0, 'nothing shown before the ask');
  const consoleHref = await visitor.locator('#agent-link').getAttribute('href');
  assert.equal(consoleHref, `agent.html?session=${conversation}`);

  // The agent: the console, with the dev agent token in the fragment (never sent).
  const agentCtx = await browser.newContext();
  const console1 = await newPage(agentCtx, problems);
  const sentTokens = [];
  console1.on('request', (r) => { if (r.url().includes(AGENT_TOKEN)) sentTokens.push(r.url()); });
  await console1.goto(`${server.url}/examples/script-tag/${consoleHref}#token=${AGENT_TOKEN}`);
  assert.equal(new URL(console1.url()).hash, '', 'the token leaves the address bar');
  const ask = console1.locator('#ask');
  await waitFor(async () => ask.isEnabled(), 'the Ask for rating button enabled');
  assert.equal((await console1.locator('#conversation').textContent()).trim(), conversation);

  await ask.click();
  const asked = Date.now();
  await panel(visitor).waitFor({ state: 'visible', timeout: 1000 });
  const openedIn = Date.now() - asked;
  t.diagnostic(`agent's click → visitor's prompt visible: ${openedIn} ms`);
  await visitor.locator('#messages li', { hasText: 'Ana asked you to rate this chat.' }).waitFor();

  // The visitor rates: both thumbs up → one record, for agent-ana.
  const popup = visitor.locator('session-rating').first();
  await popup.getByRole('radiogroup', { name: 'Was this helpful?', exact: true }).getByRole('radio', { name: 'Thumbs up', exact: true }).click();
  await popup.getByRole('radiogroup', { name: 'How was your experience?', exact: true }).getByRole('radio', { name: 'Thumbs up', exact: true }).click();
  await popup.getByRole('button', { name: 'Submit', exact: true }).click();

  const events = await waitFor(async () => {
    const ev = await timeline(server, conversation);
    return ev.some((e) => e.type === 'rating_received') && ev;
  }, 'the rating in the timeline');
  assert.deepEqual(events.map((e) => e.type), ['rating_requested', 'rating_received']);
  assert.equal(events[0].agent_id, 'agent-ana');
  assert.equal(events[0].channel, 'chat');
  assert.ok(events[0].at >= asked - 5000 && events[0].at <= Date.now());
  assert.equal(events[1].agent_id, 'agent-ana');
  assert.equal(events[1].sentiment, 'positive');
  assert.deepEqual(events[1].answers.map((a) => [a.question, a.score]), [['HELPFUL_THUMBS', 1], ['EXPERIENCE_THUMBS', 1]]);

  // The console's thread shows both events, the rating as a positive one; the button is off.
  await console1.locator('#thread .event[data-type="rating_requested"]').waitFor({ timeout: 10000 });
  await console1.locator('#thread .event.positive[data-type="rating_received"]').waitFor({ timeout: 10000 });
  assert.match(await console1.locator('#thread .event.positive').textContent(), /Rating received: positive/);
  await waitFor(async () => !(await ask.isEnabled()), 'the button disabled');
  assert.match(await console1.locator('#ask-state').textContent(), /you can ask again on/);

  // A second ask within 7 days: 409 with the time it opens again (the server's rule).
  const again = await askRating(server, conversation, 'agent-ana');
  assert.equal(again.status, 409, again.text);
  assert.equal(again.json.errors[0].code, 'already_requested');
  assert.equal(again.json.errors[0].path, '/agent_id');
  assert.ok(Math.abs(again.json.next_allowed_at - (events[0].at + 7 * DAY)) < 1000);

  // Another browser context (another device, empty storage): the same rule holds.
  const console2 = await newPage(await browser.newContext(), problems);
  await console2.goto(`${server.url}/examples/script-tag/agent.html?session=${conversation}#token=${AGENT_TOKEN}`);
  await waitFor(async () => /you can ask again on/.test(await console2.locator('#ask-state').textContent()), 'the rule shown in the other browser');
  assert.equal(await console2.locator('#ask').isEnabled(), false);
  const fromOther = await console2.evaluate(async ({ session, token }) => {
    const r = await fetch(`/v1/sessions/${encodeURIComponent(session)}/rating-requests`, { method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ agent_id: 'agent-ana' }) });
    return { status: r.status, retryAfter: Number(r.headers.get('Retry-After')), body: await r.json() };
  }, { session: conversation, token: AGENT_TOKEN });
  assert.equal(fromOther.status, 409);
  assert.equal(fromOther.body.errors[0].code, 'already_requested');
  assert.ok(fromOther.retryAfter > 6 * 86400, `Retry-After ${fromOther.retryAfter}`);

  // Another agent of the conversation asks: a rating of its own, carrying that agent_id.
  const bo = await askRating(server, conversation, 'agent-bo');
  assert.equal(bo.status, 201, bo.text);
  await waitFor(async () => (await popup.evaluate((e) => e.view && e.view.step)) === 'score', 'a fresh prompt for agent-bo', 2000);
  await popup.getByRole('radiogroup', { name: 'Was this helpful?', exact: true }).getByRole('radio', { name: 'Thumbs down', exact: true }).click();
  await popup.getByRole('radiogroup', { name: 'How was your experience?', exact: true }).getByRole('radio', { name: 'Thumbs up', exact: true }).click();
  await popup.getByRole('button', { name: 'Submit', exact: true }).click();
  const all = await waitFor(async () => {
    const ev = await timeline(server, conversation);
    return ev.filter((e) => e.type === 'rating_received').length === 2 && ev;
  }, 'agent-bo\'s rating in the timeline');
  const received = all.filter((e) => e.type === 'rating_received');
  assert.deepEqual(received.map((e) => [e.agent_id, e.sentiment]), [['agent-ana', 'positive'], ['agent-bo', 'negative']]);
  assert.notEqual(received[0].rating_id, received[1].rating_id);
  assert.equal(received[1].subject_id, 'agent-bo');
  await console1.locator('#thread .event.negative[data-type="rating_received"]').waitFor({ timeout: 10000 });

  assert.deepEqual(sentTokens, [], 'the agent token is never in a URL');
  assert.deepEqual(problems.filter((p) => !/status of 409/.test(p)), [], 'only the refused asks are logged');
});

test('switch off → no prompt, POST refused (rating-suppressed disabled, nothing queued), ask refused; switch on → prompt', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t, { args: ARGS });
  const off = await admin(server, '/v1/config', { method: 'PATCH', body: { enabled: false } });
  assert.equal(off.status, 200, off.text);
  const problems = [];
  const ctx = await browser.newContext();
  const events = (page, type) => page.evaluate((ty) => window.__events.filter((e) => e.type === ty), type);

  // A widget on the collector's config: nothing shows.
  const onConfig = await newPage(ctx, problems);
  await onConfig.goto(`${server.url}/t/programme.html?session=off-1&key=${WRITE_KEY}&config-url=/v1/widget-config&listen`);
  await waitFor(async () => (await events(onConfig, 'rating-suppressed')).length === 1, 'rating-suppressed');
  assert.equal((await events(onConfig, 'rating-suppressed'))[0].detail.reason, 'disabled');
  assert.equal(await panel(onConfig).count(), 0, 'no prompt');

  // The agent cannot ask while ratings are off.
  const refusedAsk = await askRating(server, 'off-1', 'agent-ana');
  assert.equal(refusedAsk.status, 403, refusedAsk.text);
  assert.equal(refusedAsk.json.errors[0].code, 'ratings_disabled');

  // A widget with inline config shows, but its rating is refused and kept out of the queue.
  const inline = await newPage(ctx, problems);
  const posts = [];
  inline.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/v1/ratings')) posts.push(r.url()); });
  await inline.goto(`${server.url}/t/programme.html?session=off-2&key=${WRITE_KEY}&config=${encodeURIComponent('{"scale":"thumbs"}')}`);
  await panel(inline).waitFor({ state: 'visible' });
  await inline.locator('session-rating').getByRole('radio', { name: 'Thumbs up', exact: true }).click();
  await waitFor(async () => (await events(inline, 'rating-suppressed')).length === 1, 'rating-suppressed on the refused POST');
  const [sup] = await events(inline, 'rating-suppressed');
  assert.equal(sup.detail.reason, 'disabled');
  assert.equal(sup.detail.record.session_id, 'off-2');
  await new Promise((r) => setTimeout(r, 2500)); // past the first retry's backoff
  assert.equal(posts.length, 1, 'one POST, not retried');
  assert.deepEqual(await inline.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('session-rating:v1:out:'))), [], 'nothing queued');
  assert.equal((await events(inline, 'rating-error')).length, 0);
  const stored = await admin(server, '/v1/ratings?session_id=off-2');
  assert.equal(stored.json.ratings.length, 0, 'nothing stored');

  // Switched on: a fresh browser shows the prompt at once; the same page after the 5 s cache bound.
  const on = await admin(server, '/v1/config', { method: 'PATCH', body: { enabled: true } });
  assert.equal(on.status, 200, on.text);
  const fresh = await newPage(await browser.newContext(), problems);
  await fresh.goto(`${server.url}/t/programme.html?session=on-1&key=${WRITE_KEY}&config-url=/v1/widget-config`);
  await panel(fresh).waitFor({ state: 'visible', timeout: 10000 });
  await new Promise((r) => setTimeout(r, 5200)); // Cache-Control: max-age=5 on /v1/widget-config
  await onConfig.reload();
  await panel(onConfig).waitFor({ state: 'visible', timeout: 10000 });
  assert.deepEqual(await events(onConfig, 'rating-suppressed'), []);

  // And the agent's ask reaches a listening widget again.
  const opened = streamOpened(onConfig);
  await onConfig.goto(`${server.url}/t/programme.html?session=on-2&key=${WRITE_KEY}&config-url=/v1/widget-config&listen&auto-open=false&agent=agent-ana`);
  await opened;
  assert.equal(await panel(onConfig).count(), 0);
  const okAsk = await askRating(server, 'on-2', 'agent-ana');
  assert.equal(okAsk.status, 201, okAsk.text);
  await panel(onConfig).waitFor({ state: 'visible', timeout: 1000 });
  assert.equal((await events(onConfig, 'rating-requested'))[0].detail.agent_id, 'agent-ana');
  assert.deepEqual(problems.filter((p) => !/status of 40[34]/.test(p)), []);
});

test('the agent console at 360×640: no sideways scroll, the Ask for rating button reachable, the thread readable', { timeout: 60000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t, { args: ARGS });
  const problems = [];
  const page = await newPage(await browser.newContext({ viewport: { width: 360, height: 640 } }), problems);
  await page.goto(`${server.url}/examples/script-tag/agent.html?session=narrow-1#token=${AGENT_TOKEN}`);
  const ask = page.locator('#ask');
  await waitFor(async () => ask.isEnabled(), 'the button enabled');
  await ask.click();
  await page.locator('#thread .event[data-type="rating_requested"]').waitFor({ timeout: 10000 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `scrollWidth ${width}`);
  const box = await ask.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, 'the button fits the screen');
  const ev = await page.locator('#thread .event').first().boundingBox();
  assert.ok(ev.x + ev.width <= 360, 'the event line fits');
  assert.match(await page.locator('#ask-state').textContent(), /Asked|ask again/);
  assert.deepEqual(problems, []);
});
