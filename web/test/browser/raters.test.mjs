// Who and what is rated (issue 11), through a real browser: mode="button" per answer in a chat
// thread, the pseudonymous rater id (per origin, per page without storage, the host's own
// wins), two raters of one session, and custom properties reaching the record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, tearDown, newPage, elementPage, attrs, events, waitFor, axe, widget } from '../../test-support/browser.mjs';

let server, browser;
before(async () => ({ server, browser } = await setUp()));
after(() => tearDown(server, browser));

const storedFor = (id) => server.records().filter((r) => r.session_id === id);
const RATER = /^sr-[0-9a-f]{32}$/;
const RATER_KEY = 'session-rating:v1:rater';

/** A chat thread with one <session-rating mode="button"> per answer. */
function threadPage(sessionId, answers, extra = {}) {
  const items = answers.map(([subject, more]) => `<li><p>Answer ${subject}</p>
<session-rating ${attrs({ 'session-id': sessionId, 'subject-id': subject, endpoint: server.endpoint, 'write-key': server.writeKey,
    mode: 'button', config: JSON.stringify({ scale: 'thumbs', preset: 'chat' }), ...extra, ...more })}></session-rating></li>`).join('\n');
  return server.page(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Assistant</title></head>
<body><main><h1>Assistant</h1><ol>${items}</ol></main><script src="/dist/session-rating.js" async></script></body></html>`);
}
const nth = (page, i) => {
  const host = page.locator('session-rating').nth(i);
  return { host, trigger: host.locator('[part=trigger]'), panel: host.locator('.panel'), option: (n) => host.getByRole('radio', { name: n, exact: true }) };
};
const activeInside = (page) => page.evaluate(() => {
  const el = document.activeElement;
  const a = el && el.shadowRoot && el.shadowRoot.activeElement;
  return a && { subject: el.getAttribute('subject-id'), role: a.getAttribute('role'), part: a.getAttribute('part') };
});

test('mode="button": three answers rated side by side → three ratings with their own ids and stored flows', async () => {
  const page = await newPage(browser);
  await page.goto(threadPage('chat-3', [['msg-1'], ['msg-2', { 'trigger-label': 'That helped?' }], ['msg-3']]));
  const [a, b, c] = [0, 1, 2].map((i) => nth(page, i));
  await c.trigger.waitFor();
  assert.equal(await a.host.getAttribute('mode'), 'button');
  assert.deepEqual(await Promise.all([a, b, c].map((x) => x.trigger.textContent())), ['Rate this answer', 'That helped?', 'Rate this answer']);
  for (const x of [a, b, c]) {
    assert.equal(await x.trigger.getAttribute('aria-expanded'), 'false');
    assert.equal(await x.panel.isVisible(), false, 'folded until pressed');
  }
  assert.deepEqual(await axe(page), []);
  await page.evaluate(() => {
    window.__by = [];
    for (const el of document.querySelectorAll('session-rating')) {
      el.addEventListener('rating-delivered', (e) => window.__by.push([el.getAttribute('subject-id'), e.detail.subject_id]));
    }
  });

  // Pressing a trigger opens its prompt in place and moves focus into it.
  await a.trigger.click();
  assert.equal(await a.trigger.getAttribute('aria-expanded'), 'true');
  assert.equal(await a.panel.isVisible(), true);
  assert.deepEqual(await activeInside(page), { subject: 'msg-1', role: 'radio', part: 'option' });
  assert.deepEqual(await axe(page), []);
  await a.option('Thumbs up').click();
  await a.host.getByRole('button', { name: 'Change rating' }).waitFor();

  // The next answers are not suppressed by the first rating of the same session.
  await b.trigger.focus();
  await page.keyboard.press('Enter');
  assert.deepEqual(await activeInside(page), { subject: 'msg-2', role: 'radio', part: 'option' });
  await page.keyboard.press('Escape'); // folds back, focus on its trigger
  assert.equal(await b.trigger.getAttribute('aria-expanded'), 'false');
  assert.deepEqual(await activeInside(page), { subject: 'msg-2', role: null, part: 'trigger' });
  await page.keyboard.press('Enter');
  await b.option('Thumbs down').click();
  await b.host.getByRole('checkbox', { name: 'The answer was wrong' }).check();
  await b.host.getByRole('button', { name: 'Submit' }).click();
  await b.host.getByRole('button', { name: 'Change rating' }).waitFor();
  await c.trigger.click();
  await c.option('Thumbs up').click();

  await waitFor(() => storedFor('chat-3').length === 3, { message: 'three ratings at the server' });
  const records = storedFor('chat-3').sort((x, y) => x.subject_id.localeCompare(y.subject_id));
  assert.deepEqual(records.map((r) => [r.subject_id, r.answers[0].score, r.answers[0].problems]),
    [['msg-1', 1, []], ['msg-2', 0, ['wrong_answer']], ['msg-3', 1, []]]);
  assert.equal(new Set(records.map((r) => r.rating_id)).size, 3, 'three distinct rating ids');
  for (const r of records) assert.match(r.rating_id, /^rt-[0-9a-f]{32}$/);
  assert.equal(new Set(records.map((r) => r.rater_id)).size, 1, 'one rater');
  const submits = await events(page, 'rating-submit');
  assert.deepEqual(submits.map((e) => e.detail.subject_id).sort(), ['msg-1', 'msg-2', 'msg-3']);
  await waitFor(async () => (await events(page, 'rating-delivered')).length === 3, { message: 'three rating-delivered' });
  // Each notice reached the element of its own rating.
  const by = await page.evaluate(() => window.__by.sort());
  assert.deepEqual(by, [['msg-1', 'msg-1'], ['msg-2', 'msg-2'], ['msg-3', 'msg-3']]);
  const flowKeys = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':flow:')));
  assert.equal(flowKeys.length, 3, `one stored flow per answer: ${flowKeys}`);
  for (const r of records) assert.ok(flowKeys.some((k) => k.endsWith('|' + r.rating_id)), r.rating_id);
  const history = await page.evaluate(() => localStorage.getItem('session-rating:v1:history'));
  assert.equal(history, null, 'a prompt the person asked for does not count against should_prompt');

  // After a reload each answer continues its own rating.
  await page.reload();
  await nth(page, 2).trigger.waitFor();
  await nth(page, 1).trigger.click();
  await nth(page, 1).host.getByRole('button', { name: 'Change rating' }).waitFor();
  assert.equal(await nth(page, 0).panel.isVisible(), false);
  await nth(page, 1).host.getByRole('button', { name: 'Change rating' }).click();
  assert.equal(await nth(page, 1).option('Thumbs down').getAttribute('aria-checked'), 'true');
  await nth(page, 1).option('Thumbs up').click();
  await waitFor(() => storedFor('chat-3').length === 4, { message: 'revision 2 of msg-2' });
  const r2 = storedFor('chat-3').find((r) => r.revision === 2);
  assert.equal(r2.subject_id, 'msg-2');
  assert.equal(r2.rating_id, records[1].rating_id);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('mode="button" through mount(): open()/close() unfold and fold; a rating event per element', async () => {
  const page = await newPage(browser);
  await page.goto(server.page(`<!doctype html><html lang="en"><head><title>Chat</title></head><body><main><h1>Chat</h1>
<div id="a1"></div><div id="a2"></div></main><script src="/dist/session-rating.js"></script>
<script>window.ctls = ['a1', 'a2'].map((id) => SessionRating.mount(document.getElementById(id), { sessionId: 'mnt-1', subjectId: id,
  endpoint: ${JSON.stringify(server.endpoint)}, writeKey: 'pk_test', mode: 'button', triggerLabel: 'Rate ' + id,
  config: { scale: 'emoji' }, properties: { model: 'm-' + id } }));</script></body></html>`));
  await page.evaluate(() => Promise.all(ctls.map((c) => c.ready)));
  const a2 = nth(page, 1);
  assert.equal(await a2.trigger.textContent(), 'Rate a2');
  assert.equal(await page.evaluate(() => ctls[1].open()), true);
  assert.equal(await a2.trigger.getAttribute('aria-expanded'), 'true');
  await page.evaluate(() => ctls[1].close());
  assert.equal(await a2.trigger.getAttribute('aria-expanded'), 'false');
  await page.evaluate(() => ctls[1].open());
  await a2.option('Very satisfied').click();
  await waitFor(() => storedFor('mnt-1').length === 1, { message: 'stored' });
  const [r] = storedFor('mnt-1');
  assert.equal(r.subject_id, 'a2');
  assert.deepEqual(r.properties, { model: 'm-a2' });
  assert.equal(await nth(page, 0).trigger.getAttribute('aria-expanded'), 'false', 'the other answer is untouched');
  await page.context().close();
});

test('rater id: made once per origin, kept in localStorage and reused; another browser profile gets another', async () => {
  const context = await browser.newContext();
  const p1 = await newPage(browser, context);
  await p1.goto(elementPage(server, { sessionId: 'rid-1', config: { scale: 'thumbs' } }));
  await widget(p1).option('Thumbs up').click();
  await waitFor(() => storedFor('rid-1').length === 1, { message: 'rid-1 stored' });
  const id = storedFor('rid-1')[0].rater_id;
  assert.match(id, RATER);
  assert.equal(await p1.evaluate((k) => JSON.parse(localStorage.getItem(k)), RATER_KEY), id);
  const p2 = await newPage(browser, context);
  await p2.goto(elementPage(server, { sessionId: 'rid-2', config: { scale: 'thumbs' } }));
  await widget(p2).option('Thumbs up').click();
  await waitFor(() => storedFor('rid-2').length === 1, { message: 'rid-2 stored' });
  assert.equal(storedFor('rid-2')[0].rater_id, id, 'reused by the next page of the origin');
  await context.close();

  const other = await newPage(browser);
  await other.goto(elementPage(server, { sessionId: 'rid-3', config: { scale: 'thumbs' } }));
  await widget(other).option('Thumbs up').click();
  await waitFor(() => storedFor('rid-3').length === 1, { message: 'rid-3 stored' });
  assert.match(storedFor('rid-3')[0].rater_id, RATER);
  assert.notEqual(storedFor('rid-3')[0].rater_id, id);
  await other.context().close();
});

test('two participants of one call (two browsers, same session-id): both ratings are stored', async () => {
  const ids = [];
  for (const pick of ['5 stars', '2 stars']) {
    const page = await newPage(browser);
    await page.goto(elementPage(server, { sessionId: 'call-2p', config: { scale: 'stars' } }));
    const w = widget(page);
    await w.option(pick).click();
    if (pick === '2 stars') await w.submit.click();
    await w.change.waitFor();
    await waitFor(async () => (await events(page, 'rating-delivered')).length === 1, { message: 'delivered' });
    assert.deepEqual(await events(page, 'rating-error'), []);
    ids.push((await events(page, 'rating-delivered'))[0].detail.rating_id);
    await page.context().close();
  }
  assert.notEqual(ids[0], ids[1]);
  const records = storedFor('call-2p');
  assert.equal(records.length, 2);
  assert.deepEqual(records.map((r) => r.answers[0].score).sort(), [2, 5]);
  assert.notEqual(records[0].rater_id, records[1].rater_id);
});

test('rater id without storage: a per-page id, shared by the page\'s widgets, new after a reload', async () => {
  const page = await newPage(browser);
  await page.addInitScript(() => {
    for (const m of ['getItem', 'setItem', 'removeItem', 'key', 'clear']) {
      Storage.prototype[m] = () => { throw new DOMException('denied', 'SecurityError'); };
    }
    Object.defineProperty(Storage.prototype, 'length', { get() { throw new DOMException('denied', 'SecurityError'); } });
  });
  await page.goto(threadPage('nostore-1', [['m1'], ['m2']]));
  for (const i of [0, 1]) {
    await nth(page, i).trigger.click();
    await nth(page, i).option('Thumbs up').click();
  }
  await waitFor(() => storedFor('nostore-1').length === 2, { message: 'both stored' });
  const [x, y] = storedFor('nostore-1');
  assert.match(x.rater_id, RATER);
  assert.equal(x.rater_id, y.rater_id, 'one id for the page');
  await page.reload();
  await nth(page, 0).trigger.click();
  await nth(page, 0).option('Thumbs down').click();
  await nth(page, 0).host.getByRole('button', { name: 'Submit' }).click();
  await waitFor(() => storedFor('nostore-1').length === 3, { message: 'third stored' });
  const z = storedFor('nostore-1')[2];
  assert.match(z.rater_id, RATER);
  assert.notEqual(z.rater_id, x.rater_id, 'a new page, a new id');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('host-set rater-id wins (no id is made), and the properties attribute reaches the record', async () => {
  const page = await newPage(browser);
  const properties = { model: 'gpt-x', prompt_version: 7, beta: true };
  await page.goto(elementPage(server, { sessionId: 'host-r', config: { scale: 'thumbs' },
    extra: { 'rater-id': 'user-7f3a', properties: JSON.stringify(properties) } }));
  await widget(page).option('Thumbs up').click();
  await waitFor(() => storedFor('host-r').length === 1, { message: 'stored' });
  const [r] = storedFor('host-r');
  assert.equal(r.rater_id, 'user-7f3a');
  assert.deepEqual(r.properties, properties);
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), RATER_KEY), null, 'no pseudonymous id was made');
  const submitted = (await events(page, 'rating-submit'))[0].detail;
  assert.equal(submitted.rater_id, 'user-7f3a');
  assert.deepEqual(submitted.properties, properties);
  await page.context().close();
});

test('bad properties: rating-error invalid_context with the core\'s paths; nothing rendered', async () => {
  const page = await newPage(browser);
  const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i]));
  await page.goto(elementPage(server, { sessionId: 'bad-p', extra: { properties: JSON.stringify(many) } }));
  await waitFor(async () => (await events(page, 'rating-error')).length === 1, { message: 'rating-error' });
  const [e] = await events(page, 'rating-error');
  assert.equal(e.detail.code, 'invalid_context');
  assert.deepEqual(e.detail.errors.map((x) => [x.path, x.code]), [['/context/properties', 'out_of_range']]);
  assert.equal(await page.locator('session-rating').evaluate((el) => !el.shadowRoot || !el.shadowRoot.querySelector('.panel:not([hidden])')), true);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
