// Several questions in one prompt, the numeric and NPS scales, and the 360 px layout
// (issue 11): every question is its own radio group named by its text, its low score reveals
// its own problem picks and comment, one Submit sends one record with an answer per question.
// The widget runs the real WebAssembly core (dist/); delivery is asserted at the test server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, tearDown, newPage, elementPage, scriptPage, events, waitFor, axe, widget } from '../../test-support/browser.mjs';

let server, browser;
before(async () => ({ server, browser } = await setUp()));
after(() => tearDown(server, browser));

const storedFor = (id) => server.records().filter((r) => r.session_id === id).sort((a, b) => a.revision - b.revision || a.final - b.final);
const block = (w, id) => w.host.locator(`[part=question-block][data-q="${id}"]`);
const groupNames = (w) => w.host.getByRole('radiogroup').evaluateAll((els) => els.map((g) => {
  const root = g.getRootNode();
  return g.getAttribute('aria-labelledby').split(' ').map((id) => root.getElementById(id).textContent).join(' ');
}));
// The element's text of the active element inside the shadow root (name of a radio, etc.).
const focused = (page) => page.evaluate(() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  const group = a && a.closest('[part=question-block]');
  return a && { name: a.getAttribute('aria-label') || a.textContent.trim(), question: group && group.dataset.q };
});

async function noViolations(page, step) {
  const v = await axe(page);
  assert.deepEqual(v, [], `axe violations in ${step}: ${JSON.stringify(v, null, 1)}`);
}

const TWO_THUMBS = {
  questions: [
    { id: 'HELPFUL_THUMBS', problems: [{ id: 'wrong', label: 'Wrong answer' }, { id: 'slow', label: 'Too slow' }], comment: { enabled: true } },
    { id: 'EXPERIENCE_THUMBS', comment: { enabled: true } },
  ],
};

test('two thumbs questions: two named radio groups, per-question details, one Submit → one record with 2 answers', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'two-q', config: TWO_THUMBS }));
  const w = widget(page);
  await block(w, 'EXPERIENCE_THUMBS').waitFor();
  const texts = await w.host.evaluate((e) => e.view.questions.map((q) => q.text));
  assert.equal(texts.length, 2);
  assert.notEqual(texts[0], texts[1]);
  assert.deepEqual(await groupNames(w), texts, 'each group is named by its question text');
  for (const t of texts) {
    const g = w.host.getByRole('radiogroup', { name: t, exact: true });
    assert.deepEqual(await g.getByRole('radio').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))), ['Thumbs down', 'Thumbs up']);
  }
  assert.equal(await w.panel.getAttribute('aria-label'), 'Rating');
  assert.equal(await w.submit.isVisible(), false, 'no Submit before any answer');
  await noViolations(page, 'two questions, score');

  const helpful = block(w, 'HELPFUL_THUMBS');
  const experience = block(w, 'EXPERIENCE_THUMBS');
  // A low score on the first question reveals only its own picks and comment; nothing is sent.
  await helpful.getByRole('radio', { name: 'Thumbs down' }).click();
  await helpful.getByRole('checkbox', { name: 'Wrong answer' }).waitFor();
  assert.equal(await w.live.textContent(), 'What went wrong?');
  assert.equal(await helpful.getByRole('textbox', { name: 'Tell us more' }).isVisible(), true);
  assert.equal(await experience.getByRole('textbox').isVisible(), false, 'the other question shows nothing yet');
  assert.equal(await w.submit.isVisible(), true);
  assert.equal(await w.submit.getAttribute('aria-disabled'), 'false', 'the first question is the only required one');
  await helpful.getByRole('checkbox', { name: 'Wrong answer' }).check();
  await helpful.getByRole('textbox').fill('It linked the wrong page');
  // A high score on the second: no details for it, and no submit by itself (several questions).
  await experience.getByRole('radio', { name: 'Thumbs up' }).click();
  assert.equal(await experience.getByRole('textbox').isVisible(), false);
  assert.equal(await w.step(), 'details');
  assert.deepEqual(await events(page, 'rating-submit'), []);
  await noViolations(page, 'two questions, details');
  // Changing the second to low reveals its comment; back to high hides it again.
  await experience.getByRole('radio', { name: 'Thumbs down' }).click();
  await experience.getByRole('textbox', { name: 'Tell us more' }).waitFor();
  await experience.getByRole('radio', { name: 'Thumbs up' }).click();
  await waitFor(async () => !(await experience.getByRole('textbox').isVisible()), { message: 'second comment hidden' });

  await w.submit.click();
  await w.change.waitFor();
  await noViolations(page, 'two questions, thanks');
  const [submitted] = await events(page, 'rating-submit');
  assert.equal(submitted.detail.schema, 'rating.v2');
  await waitFor(() => storedFor('two-q').length === 1, { message: 'record at the server' });
  const [r] = storedFor('two-q');
  assert.equal(r.schema, 'rating.v2');
  assert.deepEqual(r.answers.map((a) => [a.question, a.scale, a.score, a.problems, a.comment]), [
    ['HELPFUL_THUMBS', 'thumbs', 0, ['wrong'], 'It linked the wrong page'],
    ['EXPERIENCE_THUMBS', 'thumbs', 1, [], ''],
  ]);
  assert.deepEqual(submitted.detail, r, 'the event carries the record that was delivered');

  // Change: back to both questions with the answers kept; one Submit is revision 2.
  await w.change.click();
  await helpful.getByRole('checkbox', { name: 'Wrong answer' }).waitFor();
  assert.equal(await helpful.getByRole('radio', { name: 'Thumbs down' }).getAttribute('aria-checked'), 'true');
  assert.equal(await experience.getByRole('radio', { name: 'Thumbs up' }).getAttribute('aria-checked'), 'true');
  await helpful.getByRole('radio', { name: 'Thumbs up' }).click();
  await w.submit.click();
  await waitFor(() => storedFor('two-q').length === 2, { message: 'revision 2' });
  assert.deepEqual(storedFor('two-q')[1].answers.map((a) => [a.question, a.score, a.problems]),
    [['HELPFUL_THUMBS', 1, []], ['EXPERIENCE_THUMBS', 1, []]]);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('several questions: Submit before a required answer is refused and the reason announced', async () => {
  const page = await newPage(browser);
  const config = { questions: [{ id: 'q1', scale: 'stars' }, { id: 'q2', scale: 'stars', required: true }] };
  await page.goto(elementPage(server, { sessionId: 'req-q', config }));
  const w = widget(page);
  await block(w, 'q1').getByRole('radio', { name: '4 stars' }).click();
  await w.submit.waitFor();
  assert.equal(await w.submit.getAttribute('aria-disabled'), 'true');
  await w.submit.click({ force: true });
  const msg = await w.host.evaluate((e) => e.view.strings.err_answer_required);
  assert.ok(msg);
  assert.equal(await w.error.textContent(), msg);
  assert.equal(await w.live.textContent(), msg);
  await block(w, 'q2').getByRole('radio', { name: '5 stars' }).click();
  await w.submit.click();
  await waitFor(() => storedFor('req-q').length === 1, { message: 'stored' });
  assert.deepEqual(storedFor('req-q')[0].answers.map((a) => [a.question, a.score]), [['q1', 4], ['q2', 5]]);
  await page.context().close();
});

test('keyboard across two groups: one tab stop each, arrows stay in their group, Space picks', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'keys-q', config: TWO_THUMBS, before: '<button>before</button>' }));
  const w = widget(page);
  await block(w, 'EXPERIENCE_THUMBS').waitFor();
  await page.getByRole('button', { name: 'before' }).focus();
  await page.keyboard.press('Tab');
  assert.deepEqual(await focused(page), { name: 'Thumbs down', question: 'HELPFUL_THUMBS' });
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await focused(page), { name: 'Thumbs up', question: 'HELPFUL_THUMBS' });
  await page.keyboard.press('ArrowRight'); // wraps inside its own group
  assert.deepEqual(await focused(page), { name: 'Thumbs down', question: 'HELPFUL_THUMBS' });
  await page.keyboard.press('End');
  await page.keyboard.press('Tab'); // the next group's one tab stop
  assert.deepEqual(await focused(page), { name: 'Thumbs down', question: 'EXPERIENCE_THUMBS' });
  await page.keyboard.press('ArrowLeft');
  assert.deepEqual(await focused(page), { name: 'Thumbs up', question: 'EXPERIENCE_THUMBS' });
  assert.deepEqual(await w.host.evaluate((e) => e.view.questions.map((q) => q.score)), [null, null], 'arrows pick nothing');
  await page.keyboard.press('Space');
  assert.deepEqual(await w.host.evaluate((e) => e.view.questions.map((q) => q.score)), [null, 1], 'Space picks in its own question');
  await page.keyboard.press('Shift+Tab'); // back to the first group's roving option
  assert.deepEqual(await focused(page), { name: 'Thumbs up', question: 'HELPFUL_THUMBS' });
  await page.keyboard.press('Enter');
  assert.deepEqual(await w.host.evaluate((e) => e.view.questions.map((q) => q.score)), [1, 1]);
  assert.equal(await w.radios.evaluateAll((els) => els.filter((e) => e.tabIndex === 0).length), 2, 'one tab stop per group');
  // Tab on to Submit, Enter sends both.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).name, 'Submit');
  await page.keyboard.press('Enter');
  await w.change.waitFor();
  assert.equal((await focused(page)).name, 'Change rating');
  await waitFor(() => storedFor('keys-q').length === 1, { message: 'stored' });
  assert.deepEqual(storedFor('keys-q')[0].answers.map((a) => a.score), [1, 1]);
  await page.context().close();
});

test('numeric and NPS: options named "N out of M", end labels shown, axe-clean (also in forced colors)', async () => {
  const page = await newPage(browser);
  const config = { questions: [
    { id: 'effort', scale: 'numeric', range: [1, 7], labels: { min: 'Very hard', max: 'Very easy' }, text: 'How easy was it?' },
    { id: 'nps', scale: 'nps', required: true },
  ] };
  await page.goto(elementPage(server, { sessionId: 'num-1', config }));
  const w = widget(page);
  await block(w, 'nps').waitFor();
  const effort = w.host.getByRole('radiogroup', { name: 'How easy was it?', exact: true });
  assert.deepEqual(await effort.getByRole('radio').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))),
    [1, 2, 3, 4, 5, 6, 7].map((n) => `${n} out of 7`));
  assert.deepEqual(await effort.getByRole('radio').evaluateAll((els) => els.map((e) => e.textContent)), ['1', '2', '3', '4', '5', '6', '7']);
  const npsView = await w.host.evaluate((e) => e.view.questions[1]);
  const nps = w.host.getByRole('radiogroup', { name: npsView.text, exact: true });
  assert.deepEqual(await nps.getByRole('radio').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))),
    Array.from({ length: 11 }, (_, n) => `${n} out of 10`));
  // End labels: visible next to the row, and the group's description.
  const ends = block(w, 'effort').locator('[part=end-labels]');
  assert.equal(await ends.isVisible(), true);
  assert.deepEqual(await ends.locator('span').allTextContents(), ['Very hard', 'Very easy']);
  assert.ok(npsView.end_labels.min && npsView.end_labels.max, 'NPS has default end labels');
  assert.deepEqual(await block(w, 'nps').locator('[part=end-labels] span').allTextContents(), [npsView.end_labels.min, npsView.end_labels.max]);
  assert.equal(await effort.evaluate((g) => g.getRootNode().getElementById(g.getAttribute('aria-describedby')).textContent), 'Very hardVery easy');
  assert.equal(await block(w, 'stars').count(), 0);
  await noViolations(page, 'numeric + nps');
  await effort.getByRole('radio', { name: '6 out of 7' }).click();
  await nps.getByRole('radio', { name: '9 out of 10' }).click();
  assert.equal(await nps.getByRole('radio', { name: '9 out of 10' }).getAttribute('aria-checked'), 'true');
  await noViolations(page, 'numeric + nps, picked');
  await page.emulateMedia({ forcedColors: 'active' });
  await noViolations(page, 'numeric + nps, forced colors');
  await w.submit.click();
  await waitFor(() => storedFor('num-1').length === 1, { message: 'stored' });
  const [r] = storedFor('num-1');
  assert.deepEqual(r.answers.map((a) => [a.question, a.scale, a.range, a.score, a.sentiment]),
    [['effort', 'numeric', [1, 7], 6, 'positive'], ['nps', 'nps', [0, 10], 9, 'positive']]);
  await page.context().close();
});

test('one NPS question keeps the one-question flow: a promoter score submits at once, a detractor asks why', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'nps-1', config: { scale: 'nps', comment: { enabled: true } } }));
  const w = widget(page);
  await w.option('3 out of 10').click();
  await w.comment.waitFor();
  await w.comment.fill('Too many steps');
  await w.submit.click();
  await w.change.waitFor();
  await w.change.click();
  await w.option('10 out of 10').click();
  await waitFor(() => storedFor('nps-1').length === 2, { message: 'two revisions' });
  assert.deepEqual(storedFor('nps-1').map((r) => [r.revision, r.answers[0].question, r.answers[0].score, r.answers[0].comment]),
    [[1, 'overall', 3, 'Too many steps'], [2, 'overall', 10, '']]);
  await page.context().close();
});

for (const [mode, open] of [['inline', elementPage], ['popup', scriptPage]]) {
  test(`360 px wide (${mode}): the NPS row of 11 fits on one line, no horizontal scroll`, async () => {
    const page = await newPage(browser);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(open(server, { sessionId: `narrow-${mode}`, config: { questions: [{ id: 'nps', scale: 'nps' }, { id: 'HELPFUL_THUMBS' }] } }));
    const w = widget(page);
    await block(w, 'nps').waitFor();
    const boxes = await block(w, 'nps').getByRole('radio').evaluateAll((els) => els.map((e) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, width: r.width, height: r.height };
    }));
    assert.equal(boxes.length, 11);
    for (const b of boxes) {
      assert.ok(b.left >= 0 && b.right <= 360, `inside the viewport: ${JSON.stringify(b)}`);
      assert.ok(b.width >= 24 && b.height >= 24, `a target of at least 24 × 24 px: ${JSON.stringify(b)}`);
      assert.equal(b.top, boxes[0].top, 'one row');
    }
    const ends = await block(w, 'nps').locator('[part=end-labels]').boundingBox();
    assert.ok(ends.x >= 0 && ends.x + ends.width <= 360);
    const scroll = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll[0] <= scroll[1], `no horizontal scroll: ${scroll}`);
    await noViolations(page, `360 px ${mode}`);
    await page.context().close();
  });
}
