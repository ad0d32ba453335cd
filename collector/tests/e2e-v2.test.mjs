// Rating model v2 end to end (issue 11, "Must show"): headless Chromium (Debian's, driven by
// playwright-core, a fresh profile per context) against the real collector binary on
// 127.0.0.1, through the example pages and the dashboard:
// - two participants of one call (two browser contexts, one session id) → 2 ratings, counted 2;
// - 3 answers of one AI chat rated with mode="button" → 3 ratings, 3 rating ids, 3 subject ids;
// - the support site's two thumbs questions → ONE record with 2 answers;
// - NPS from 8 widgets → /v1/insights?question=NPS equals the count made here by hand;
// - every example page at 360×640: no sideways scroll, the chat's "End chat" button uncovered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCollector, admin, ROOT, WRITE_KEY, ADMIN_TOKEN, SITE_MOUNTS } from './helpers.mjs';
import { launch, newPage, waitFor, axeViolations } from './browser.mjs';

const MOUNTS = [...SITE_MOUNTS, '--mount', `/t/=${join(ROOT, 'collector/tests/pages')}`];

// The stored ratings of a session once there are `n` of them (then a short settle to catch extras).
async function ratingsOf(server, sessionId, n) {
  await waitFor(async () => {
    const r = await admin(server, `/v1/ratings?session_id=${encodeURIComponent(sessionId)}&limit=1000`);
    return r.json && r.json.ratings.length >= n;
  }, `${n} stored ratings for ${sessionId}`);
  await new Promise((r) => setTimeout(r, 300));
  const r = await admin(server, `/v1/ratings?session_id=${encodeURIComponent(sessionId)}&limit=1000`);
  assert.equal(r.status, 200);
  return r.json.ratings;
}

async function insights(server, query = '') {
  const r = await admin(server, `/v1/insights${query}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function openDashboard(page, server, hash = '') {
  await page.goto(`${server.url}/dashboard/#token=${ADMIN_TOKEN}${hash}`);
  await page.waitForSelector('body[data-loaded]');
}

test('two participants of one call (two browsers, one session id) → 2 ratings stored, insights count 2', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t, { args: MOUNTS });
  const problems = [];
  const first = await newPage(await browser.newContext(), problems);
  await first.goto(`${server.url}/examples/call-end-screen/?key=${WRITE_KEY}`);
  const callId = await first.evaluate(() => sessionStorage.getItem('meetnow-call'));
  const invite = await first.locator('#invite-link').getAttribute('href');
  assert.equal(new URL(invite).searchParams.get('call'), callId);

  // The second participant: another browser context (own storage, so its own rater id).
  const second = await newPage(await browser.newContext(), problems);
  await second.goto(invite);
  assert.equal(await second.evaluate(() => sessionStorage.getItem('meetnow-call')), callId);

  for (const [page, stars] of [[first, '4 stars'], [second, '5 stars']]) {
    await page.getByRole('button', { name: 'Leave call' }).click();
    await page.locator('#rating-slot session-rating').getByRole('radio', { name: stars, exact: true }).click();
  }
  const stored = await ratingsOf(server, callId, 2);
  assert.equal(stored.length, 2, 'both participants\' ratings are stored');
  assert.deepEqual(stored.map((r) => r.answers[0].score).sort(), [4, 5]);
  const raters = new Set(stored.map((r) => r.rater_id));
  assert.equal(raters.size, 2, 'two raters');
  for (const r of stored) {
    assert.equal(r.schema, 'rating.v2');
    assert.equal(r.session_id, callId);
    assert.match(r.rater_id, /^sr-[0-9a-f]{32}$/);
  }
  assert.equal(new Set(stored.map((r) => r.rating_id)).size, 2, 'two ratings, not two revisions of one');

  const all = await insights(server);
  assert.equal(all.ratings, 2);
  assert.equal(all.raters, 2);
  assert.equal(all.csat, 1);

  // The dashboard's session view lists both, opened from #session=ID.
  await openDashboard(first, server, `&session=${encodeURIComponent(callId)}`);
  await first.waitForSelector(`body[data-session="${callId}"]`);
  assert.equal(await first.locator('#session-list > li').count(), 2);
  assert.match(await first.locator('#session-status').textContent(), /^2 ratings · 2 raters · 0 subjects/);
  const shownRaters = await first.locator('#session-list > li').evaluateAll((lis) => lis.map((li) => li.textContent));
  for (const id of raters) assert.ok(shownRaters.some((text) => text.includes(`rater: ${id}`)), `rater ${id} shown`);
  assert.equal((await first.locator('#kpi-raters').textContent()).trim(), '2');
  // Labelled, keyboard-usable controls: the session form by keyboard alone, then axe.
  await first.evaluate(() => {
    document.getElementById('session-id').value = '';
    document.getElementById('session-list').replaceChildren();
    delete document.body.dataset.session;
  });
  await first.getByRole('textbox', { name: 'Session id' }).focus();
  await first.keyboard.type(callId);
  await first.keyboard.press('Enter');
  await first.waitForSelector(`body[data-session="${callId}"]`);
  assert.equal(await first.locator('#session-list > li').count(), 2);
  assert.deepEqual(await axeViolations(first), []);
  assert.deepEqual(problems, []);
});

test('3 answers in one AI chat rated with mode="button" → 3 ratings, 3 rating ids, the 3 subject ids', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t, { args: MOUNTS });
  const problems = [];
  const page = await newPage(await browser.newContext(), problems);
  await page.goto(`${server.url}/examples/ai-answers/?key=${WRITE_KEY}`);
  const conversation = (await page.locator('#conversation-id').textContent()).trim();
  const picks = { 'answer-1': ['Very satisfied', 5], 'answer-2': ['Satisfied', 4], 'answer-3': ['Very dissatisfied', 1] };
  for (const [answer, [face]] of Object.entries(picks)) {
    const el = page.locator(`#${answer} session-rating`);
    const trigger = el.getByRole('button', { name: 'That helped?' });
    await trigger.click();
    assert.equal(await trigger.getAttribute('aria-expanded'), 'true');
    await el.getByRole('radio', { name: face, exact: true }).click();
    if (face === 'Very dissatisfied') {
      await el.getByRole('checkbox', { name: 'Too slow', exact: true }).check();
      await el.getByRole('button', { name: 'Submit', exact: true }).click();
    }
  }
  const stored = await ratingsOf(server, conversation, 3);
  assert.equal(stored.length, 3);
  assert.equal(new Set(stored.map((r) => r.rating_id)).size, 3, '3 distinct rating ids');
  assert.deepEqual(stored.map((r) => r.subject_id).sort(), ['answer-1', 'answer-2', 'answer-3']);
  for (const r of stored) {
    assert.equal(r.answers.length, 1);
    assert.equal(r.answers[0].scale, 'emoji');
    assert.equal(r.answers[0].score, picks[r.subject_id][1], r.subject_id);
    assert.deepEqual(r.properties, { model: 'm-2', prompt_version: 'v7' });
  }
  assert.deepEqual(stored.find((r) => r.subject_id === 'answer-3').answers[0].problems, ['too_slow']);
  const one = await admin(server, `/v1/ratings?session_id=${encodeURIComponent(conversation)}&subject_id=answer-2`);
  assert.deepEqual(one.json.ratings.map((r) => r.subject_id), ['answer-2']);

  // The dashboard groups by the custom property: one group m-2 holding the 3 ratings.
  await openDashboard(page, server);
  await page.getByLabel('Group by').selectOption('property');
  await page.getByLabel('Property key').fill('model');
  await page.getByRole('button', { name: 'Group', exact: true }).click();
  const row = page.locator('#groups-body tr', { hasText: 'm-2' });
  await row.waitFor();
  const cells = await row.locator('td').allTextContents();
  assert.deepEqual(cells.slice(0, 3), ['m-2', '3', '1'], 'group m-2: 3 ratings, 1 rater');
  assert.equal(cells[3], '66.7%', 'CSAT 2 of 3');
  assert.deepEqual(problems, []);
});

test('the support site\'s two thumbs questions → ONE stored record with 2 answers', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t, { args: MOUNTS });
  const problems = [];
  const page = await newPage(await browser.newContext(), problems);
  await page.goto(`${server.url}/examples/script-tag/?key=${WRITE_KEY}`);
  const conversation = (await page.locator('#conversation-id').textContent()).trim();
  await page.getByRole('button', { name: 'End chat' }).click();
  const popup = page.locator('session-rating').first();
  const helpful = popup.getByRole('radiogroup', { name: 'Was this helpful?', exact: true });
  const experience = popup.getByRole('radiogroup', { name: 'How was your experience?', exact: true });
  await helpful.getByRole('radio', { name: 'Thumbs up', exact: true }).click();
  await experience.getByRole('radio', { name: 'Thumbs down', exact: true }).click();
  await popup.getByRole('checkbox', { name: 'Too slow', exact: true }).check();
  await popup.getByRole('button', { name: 'Submit', exact: true }).click();

  const stored = await ratingsOf(server, conversation, 1);
  assert.equal(stored.length, 1, 'one rating');
  const [r] = stored;
  assert.equal(r.revision, 1);
  assert.equal(r.topic, 'billing');
  assert.equal(r.agent_id, 'agent-ana');
  assert.deepEqual(r.answers.map((a) => [a.question, a.scale, a.score]),
    [['HELPFUL_THUMBS', 'thumbs', 1], ['EXPERIENCE_THUMBS', 'thumbs', 0]]);
  assert.deepEqual(r.answers[1].problems, ['too_slow']);
  const jsonl = (await admin(server, '/v1/export.jsonl')).text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(jsonl.filter((x) => x.session_id === conversation).length, 1, 'one stored record (revision)');

  // Insights: one rating, two answers; the dashboard's picker offers both questions.
  const all = await insights(server);
  assert.equal(all.ratings, 1);
  assert.equal(all.answers, 2);
  await openDashboard(page, server);
  const options = await page.locator('#question').locator('option').allTextContents();
  assert.deepEqual(options, ['All questions', 'EXPERIENCE_THUMBS', 'HELPFUL_THUMBS']);
  await page.locator('#question').selectOption('HELPFUL_THUMBS');
  await waitFor(async () => (await page.locator('#kpi-csat').textContent()).trim() === '100%', 'CSAT of HELPFUL_THUMBS');
  await page.locator('#question').selectOption('EXPERIENCE_THUMBS');
  await waitFor(async () => (await page.locator('#kpi-csat').textContent()).trim() === '0%', 'CSAT of EXPERIENCE_THUMBS');
  assert.deepEqual(problems, []);
});

test('NPS insights equal a count made by hand from scores given through the widget', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t, { args: MOUNTS });
  const problems = [];
  const page = await newPage(await browser.newContext(), problems);
  const scores = [10, 9, 10, 9, 8, 7, 6, 0];
  const session = 'survey-nps-1';
  const config = { questions: [{ id: 'NPS', scale: 'nps' }] };
  await page.goto(`${server.url}/t/widgets.html?session=${session}&key=${WRITE_KEY}&n=${scores.length}`
    + `&config=${encodeURIComponent(JSON.stringify(config))}`);
  for (const [i, score] of scores.entries()) {
    const el = page.locator(`#w${i + 1}`);
    await el.getByRole('radio', { name: `${score} out of 10`, exact: true }).click();
    if (score <= 6) await el.getByRole('button', { name: 'Submit', exact: true }).click(); // a low score asks for details
  }
  const stored = await ratingsOf(server, session, scores.length);
  assert.equal(stored.length, scores.length);
  assert.deepEqual(stored.map((r) => r.answers[0].score).sort((a, b) => a - b), [...scores].sort((a, b) => a - b));

  // By hand: promoters 9–10, passives 7–8, detractors 0–6; NPS = % promoters − % detractors.
  const promoters = scores.filter((s) => s >= 9).length;
  const passives = scores.filter((s) => s === 7 || s === 8).length;
  const detractors = scores.filter((s) => s <= 6).length;
  const expected = ((promoters - detractors) / scores.length) * 100;
  const got = await insights(server, '?question=NPS');
  assert.equal(got.question, 'NPS');
  assert.equal(got.ratings, scores.length);
  assert.deepEqual({ ...got.nps, score: undefined },
    { promoters, passives, detractors, responses: scores.length, score: undefined });
  assert.ok(Math.abs(got.nps.score - expected) < 1e-6, `NPS ${got.nps.score} = ${expected}`);
  assert.equal(got.csat, null, 'NPS answers are not CSAT');

  // The dashboard shows it once NPS is picked.
  await openDashboard(page, server);
  await page.locator('#question').selectOption('NPS');
  await waitFor(async () => !(await page.locator('#kpi-nps-card').isHidden()), 'the NPS card');
  assert.equal((await page.locator('#kpi-nps').textContent()).trim(), `+${expected}`);
  assert.equal((await page.locator('#kpi-nps-counts').textContent()).trim(),
    `${promoters} promoters · ${passives} passives · ${detractors} detractors`);
  assert.deepEqual(problems, []);
});

test('the Features panel keeps a site config with questions: only on/off and the window are saved', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t, { args: MOUNTS });
  const questions = [{ id: 'HELPFUL_THUMBS' }, { id: 'EXPERIENCE_THUMBS' }];
  const patched = await admin(server, '/v1/config', { method: 'PATCH', body: { config: { questions } } });
  assert.equal(patched.status, 200, patched.text);
  const problems = [];
  const page = await newPage(await browser.newContext(), problems);
  await openDashboard(page, server);
  await page.locator('#features-questions').waitFor();
  assert.equal(await page.getByLabel('Scale').isDisabled(), true);
  await page.getByLabel('Change window (minutes, 0 = final at once)').fill('30');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await waitFor(async () => /^Saved/.test(await page.locator('#features-status').textContent()), 'Saved');
  const doc = (await admin(server, '/v1/config')).json;
  assert.deepEqual(doc.config.questions, questions);
  assert.equal(doc.config.finalise.window_seconds, 1800);
  assert.equal(doc.config.scale, undefined);
  assert.deepEqual(problems, []);
});

test('every example page at 360×640: no sideways scroll, the End chat button is not covered', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t, { args: MOUNTS });
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await newPage(context, problems);
  const scrollWidth = () => page.evaluate(() => document.scrollingElement.scrollWidth);
  // The element at the centre of a button (scrolled into view) is the button itself.
  const uncovered = (selector) => page.evaluate((sel) => {
    const b = document.querySelector(sel);
    b.scrollIntoView({ block: 'center' });
    const r = b.getBoundingClientRect();
    return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === b;
  }, selector);

  // Support site: before and after the chat ends (the rating popup is open then).
  await page.goto(`${server.url}/examples/script-tag/?key=${WRITE_KEY}`);
  await page.locator('#end-chat').waitFor();
  assert.ok(await scrollWidth() <= 360, `support site scrollWidth ${await scrollWidth()}`);
  assert.equal(await uncovered('#end-chat'), true, 'End chat is not covered');
  await page.getByRole('button', { name: 'End chat' }).click();
  await page.locator('session-rating').first().getByRole('radiogroup', { name: 'Was this helpful?' }).waitFor();
  assert.ok(await scrollWidth() <= 360, `support site with the popup: scrollWidth ${await scrollWidth()}`);
  assert.equal(await uncovered('#end-chat'), true, 'End chat is not covered by the popup');
  assert.equal(await uncovered('#new-chat'), true, 'Start a new chat is not covered by the popup');

  // Call: the call screen and the end screen with the rating.
  await page.goto(`${server.url}/examples/call-end-screen/?key=${WRITE_KEY}`);
  await page.locator('#leave').waitFor();
  assert.ok(await scrollWidth() <= 360, `call scrollWidth ${await scrollWidth()}`);
  assert.equal(await uncovered('#leave'), true, 'Leave call is not covered');
  await page.getByRole('button', { name: 'Leave call' }).click();
  await page.locator('#rating-slot session-rating').getByRole('radio', { name: '1 star', exact: true }).waitFor();
  assert.ok(await scrollWidth() <= 360, `call end screen scrollWidth ${await scrollWidth()}`);

  // AI answers: the thread, then every prompt unfolded.
  await page.goto(`${server.url}/examples/ai-answers/?key=${WRITE_KEY}`);
  await page.locator('#answer-3 session-rating').getByRole('button', { name: 'That helped?' }).waitFor();
  assert.ok(await scrollWidth() <= 360, `AI answers scrollWidth ${await scrollWidth()}`);
  for (const i of [1, 2, 3]) {
    const el = page.locator(`#answer-${i} session-rating`);
    await el.getByRole('button', { name: 'That helped?' }).click();
    await el.getByRole('radio', { name: 'Very satisfied', exact: true }).waitFor();
  }
  assert.ok(await scrollWidth() <= 360, `AI answers with 3 prompts open: scrollWidth ${await scrollWidth()}`);

  // The dashboard too (tables scroll inside their card, not the page).
  await openDashboard(page, server);
  assert.ok(await scrollWidth() <= 360, `dashboard scrollWidth ${await scrollWidth()}`);
  assert.deepEqual(problems, []);
});

test('a read token opens the dashboard read-only: figures shown, settings visible but not editable', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const READ = 'read_token_for_dashboard_0001';
  const server = await startCollector(t, { args: [...MOUNTS, '--token', `read:${READ}`] });
  const page = await newPage(await browser.newContext(), []);
  await page.goto(`${server.url}/dashboard/#token=${READ}`);
  await page.waitForSelector('body[data-loaded]');
  assert.equal(await page.locator('#features-readonly').isVisible(), true);
  assert.equal(await page.getByRole('checkbox', { name: 'Ratings enabled' }).isDisabled(), true);
  assert.equal(await page.getByRole('button', { name: 'Save' }).isDisabled(), true);
  assert.notEqual(await page.locator('#kpi-count').textContent(), '–', 'the figures load');
  // The admin token: the same page is editable.
  const adminPage = await newPage(await browser.newContext(), []);
  await openDashboard(adminPage, server);
  assert.equal(await adminPage.locator('#features-readonly').isVisible(), false);
  assert.equal(await adminPage.getByRole('checkbox', { name: 'Ratings enabled' }).isDisabled(), false);
});
