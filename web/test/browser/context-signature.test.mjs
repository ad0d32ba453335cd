// Signed context (issue 13; docs/security.md "Signed context"), through a real browser: the
// host backend's token in the `context-signature` attribute (element), `data-context-signature`
// (script tag) or the `contextSignature` option (mount()) reaches the posted record untouched,
// with the context fields it was made for; a malformed token is the core's invalid_context.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { setUp, tearDown, newPage, elementPage, scriptPage, events, waitFor, widget } from '../../test-support/browser.mjs';

let server, browser;
before(async () => ({ server, browser } = await setUp()));
after(() => tearDown(server, browser));

const storedFor = (id) => server.records().filter((r) => r.session_id === id);
const SECRET = 'a-site-secret-of-at-least-32-bytes!!';

// What the host's backend does (the docs' Node snippet, inlined).
function sign(exp, { session_id, rater_id = null, subject_id = null, agent_id = null, internal = false }) {
  const payload = JSON.stringify(['sr1', exp, session_id, rater_id, subject_id, agent_id, internal]);
  return `sr1.${exp}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
}

test('the context-signature attribute reaches the posted record with the fields it signs', async () => {
  const page = await newPage(browser);
  const token = sign(Date.now() + 3600_000, { session_id: 'sig-1', rater_id: 'user-7', agent_id: 'agent-4', internal: true });
  await page.goto(elementPage(server, { sessionId: 'sig-1', config: { scale: 'thumbs' },
    extra: { 'rater-id': 'user-7', 'agent-id': 'agent-4', internal: true, 'context-signature': token } }));
  await widget(page).option('Thumbs up').click();
  await waitFor(() => storedFor('sig-1').length === 1, { message: 'stored' });
  const [r] = storedFor('sig-1');
  assert.equal(r.context_signature, token);
  assert.deepEqual([r.rater_id, r.subject_id, r.agent_id, r.internal], ['user-7', null, 'agent-4', true]);
  assert.equal(Object.keys(r).at(-1), 'context_signature', 'written last');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('with a signature and no rater-id no pseudonymous rater is added; the script tag and mount() pass it too', async () => {
  const page = await newPage(browser);
  const token = sign(Date.now() + 3600_000, { session_id: 'sig-2' });
  await page.goto(scriptPage(server, { sessionId: 'sig-2', config: { scale: 'thumbs' }, data: { 'data-context-signature': token } }));
  await widget(page).option('Thumbs up').click();
  await waitFor(() => storedFor('sig-2').length === 1, { message: 'stored' });
  const [r] = storedFor('sig-2');
  assert.equal(r.context_signature, token);
  assert.equal(r.rater_id, null, 'the signed context has no rater; none is added');
  await page.context().close();

  const p2 = await newPage(browser);
  const t2 = sign(Date.now() + 3600_000, { session_id: 'sig-3', subject_id: 'm-1' });
  await p2.goto(server.page(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mount</title></head>
<body><main><h1>Mount</h1><div id="w"></div></main><script src="/dist/session-rating.js"></script>
<script>window.ctl = SessionRating.mount(document.getElementById('w'), { sessionId: 'sig-3', subjectId: 'm-1',
  endpoint: ${JSON.stringify(server.endpoint)}, writeKey: ${JSON.stringify(server.writeKey)},
  config: { scale: 'thumbs' }, contextSignature: ${JSON.stringify(t2)} });</script></body></html>`));
  await p2.evaluate(() => window.ctl.ready);
  await widget(p2).option('Thumbs up').click();
  await waitFor(() => storedFor('sig-3').length === 1, { message: 'stored' });
  assert.equal(storedFor('sig-3')[0].context_signature, t2);
  assert.equal(storedFor('sig-3')[0].subject_id, 'm-1');
  await p2.context().close();
});

test('without the attribute the record has no context_signature key', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'sig-0', config: { scale: 'thumbs' } }));
  await widget(page).option('Thumbs up').click();
  await waitFor(() => storedFor('sig-0').length === 1, { message: 'stored' });
  assert.equal('context_signature' in storedFor('sig-0')[0], false);
  await page.context().close();
});

test('a malformed token: rating-error invalid_context at /context/context_signature; nothing rendered', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'sig-bad', extra: { 'context-signature': 'sr1.0123.not-a-mac' } }));
  await waitFor(async () => (await events(page, 'rating-error')).length === 1, { message: 'rating-error' });
  const [e] = await events(page, 'rating-error');
  assert.equal(e.detail.code, 'invalid_context');
  assert.deepEqual(e.detail.errors.map((x) => [x.path, x.code]), [['/context/context_signature', 'invalid_value']]);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
