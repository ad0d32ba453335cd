// Every step of every scale, by mouse and by keyboard, with the DOM events and axe-core on
// each step. The widget runs the real WebAssembly core (dist/); the endpoint is the test
// server, and delivery is asserted on what reached it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, tearDown, newPage, elementPage, scriptPage, events, waitFor, axe, widget, sleep } from '../../test-support/browser.mjs';

let server, browser;
before(async () => ({ server, browser } = await setUp()));
after(() => tearDown(server, browser));

const SCALES = {
  stars: { names: ['1 star', '2 stars', '3 stars', '4 stars', '5 stars'], low: '2 stars', lowValue: 2, high: '5 stars', highValue: 5 },
  emoji: { names: ['Very dissatisfied', 'Dissatisfied', 'Neutral', 'Satisfied', 'Very satisfied'], low: 'Dissatisfied', lowValue: 2, high: 'Very satisfied', highValue: 5 },
  thumbs: { names: ['Thumbs down', 'Thumbs up'], low: 'Thumbs down', lowValue: 0, high: 'Thumbs up', highValue: 1 },
};

async function noViolations(page, step) {
  const v = await axe(page);
  assert.deepEqual(v, [], `axe violations in step ${step}: ${JSON.stringify(v, null, 1)}`);
}

function serverRecords(id) {
  return server.records().filter((r) => r.session_id === id).sort((a, b) => a.revision - b.revision || a.final - b.final);
}

for (const [scale, s] of Object.entries(SCALES)) {
  test(`${scale}: every step by mouse, with events, delivery and axe`, async () => {
    const id = `mouse-${scale}`;
    const page = await newPage(browser);
    await page.goto(elementPage(server, { sessionId: id, config: { scale, comment: { enabled: true } } }));
    const w = widget(page);
    await w.group.waitFor();
    assert.deepEqual(await w.radios.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))), s.names);
    assert.equal(await w.group.getAttribute('aria-labelledby'), 'q0');
    await noViolations(page, 'score');

    // A low score opens the details step.
    await w.option(s.low).click();
    await w.checkbox('Audio').waitFor();
    assert.equal(await w.option(s.low).getAttribute('aria-checked'), 'true');
    assert.equal(await w.live.textContent(), 'What went wrong?');
    for (const name of ['Audio', 'Video', 'Connection', 'Screen sharing', 'Other']) assert.ok(await w.checkbox(name).isVisible(), name);
    assert.equal(await w.count.textContent(), '500 characters left');
    await w.checkbox('Audio').check();
    await w.checkbox('Connection').check();
    await w.checkbox('Connection').uncheck();
    await w.comment.fill('The sound kept dropping');
    assert.equal(await w.count.textContent(), '477 characters left');
    assert.equal(await w.submit.getAttribute('aria-disabled'), 'false');
    await noViolations(page, 'details');
    assert.equal((await events(page, 'rating-submit')).length, 0, 'nothing emitted before submit');

    await w.submit.click();
    await w.change.waitFor();
    assert.equal(await w.thanks.textContent(), 'Thanks for your feedback!');
    assert.match(await w.timeLeft.textContent(), /^You can change your rating for (1:00:00|59:[0-5]\d)\.$/);
    await noViolations(page, 'thanks');
    const [submitted] = await events(page, 'rating-submit');
    assert.ok(submitted.composed && submitted.bubbles);
    assert.equal(submitted.detail.revision, 1);
    assert.equal(submitted.detail.answers[0].score, s.lowValue);
    assert.deepEqual(submitted.detail.answers[0].problems, ['audio']);
    assert.equal(submitted.detail.answers[0].comment, 'The sound kept dropping');
    await waitFor(async () => (await events(page, 'rating-delivered')).length === 1, { message: 'rating-delivered' });
    assert.equal((await events(page, 'rating-delivered'))[0].detail.revision, 1);
    assert.deepEqual(serverRecords(id).map((r) => [r.revision, r.answers[0].score, r.final]), [[1, s.lowValue, false]]);

    // Change rating: back to details with earlier values kept; a high re-pick submits at once.
    await w.change.click();
    await w.checkbox('Audio').waitFor();
    assert.equal(await w.checkbox('Audio').isChecked(), true);
    assert.equal(await w.comment.inputValue(), 'The sound kept dropping');
    await w.option(s.high).click();
    await w.change.waitFor();
    await waitFor(() => serverRecords(id).length === 2, { message: 'revision 2 at the server' });
    const r2 = serverRecords(id)[1];
    assert.equal(r2.revision, 2);
    assert.equal(r2.answers[0].score, s.highValue);
    assert.deepEqual(r2.answers[0].problems, []);
    assert.equal(r2.answers[0].comment, '');
    const ev = (await events(page)).map((e) => e.type);
    assert.deepEqual(ev.filter((t) => t === 'rating-submit').length, 2);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test(`${scale}: keyboard only, end to end`, async () => {
    const id = `keys-${scale}`;
    const page = await newPage(browser);
    await page.goto(elementPage(server, { sessionId: id, config: { scale, comment: { enabled: true } }, before: '<button>before</button>' }));
    const w = widget(page);
    await w.group.waitFor();
    await page.getByRole('button', { name: 'before' }).focus();
    await page.keyboard.press('Tab');
    const focusedName = () => page.evaluate(() => {
      let a = document.activeElement;
      while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
      if (a && a.tagName === 'INPUT') return a.closest('label').textContent.trim();
      return a && (a.getAttribute('aria-label') || a.textContent.trim() || a.tagName);
    });
    assert.equal(await focusedName(), s.names[0], 'Tab lands on the first option (roving tabindex)');
    // Arrows move focus without picking (a pick can submit at once); wrap around; Home/End.
    await page.keyboard.press('ArrowRight');
    assert.equal(await focusedName(), s.names[1]);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await focusedName(), s.names[s.names.length - 1]);
    await page.keyboard.press('Home');
    assert.equal(await focusedName(), s.names[0]);
    await page.keyboard.press('End');
    assert.equal(await focusedName(), s.names[s.names.length - 1]);
    assert.equal((await events(page)).length, 0, 'moving focus picks nothing');
    // Only one option is in the tab order.
    assert.equal(await w.radios.evaluateAll((els) => els.filter((e) => e.tabIndex === 0).length), 1);

    // Enter on the high option submits at once → thanks, focus on "Change rating".
    await page.keyboard.press('Enter');
    await w.change.waitFor();
    assert.equal(await focusedName(), 'Change rating');
    assert.match(await w.live.textContent(), /^Thanks for your feedback! You can change your rating for/);
    await page.keyboard.press('Space');
    // A non-low rating returns to the score step with the pick kept; focus on the picked one.
    await w.group.waitFor();
    assert.equal(await focusedName(), s.high);
    // Go to the low option with arrows and pick it with Space.
    const lowIndex = s.names.indexOf(s.low);
    await page.keyboard.press('Home');
    for (let i = 0; i < lowIndex; i++) await page.keyboard.press('ArrowRight');
    assert.equal(await focusedName(), s.low);
    await page.keyboard.press('Space');
    await w.checkbox('Audio').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await focusedName(), 'Audio');
    await page.keyboard.press('Space');
    assert.equal(await w.checkbox('Audio').isChecked(), true);
    for (let i = 0; i < 5; i++) await page.keyboard.press('Tab'); // Video, Connection, Screen sharing, Other, comment
    await page.keyboard.type('Echo');
    assert.equal(await w.comment.inputValue(), 'Echo');
    await page.keyboard.press('Tab');
    assert.equal(await focusedName(), 'Submit');
    await page.keyboard.press('Enter');
    await w.change.waitFor();
    await waitFor(() => serverRecords(id).length === 2, { message: 'two revisions at the server' });
    const [r1, r2] = serverRecords(id);
    assert.equal(r1.answers[0].score, s.highValue);
    assert.equal(r2.revision, 2);
    assert.equal(r2.answers[0].score, s.lowValue);
    assert.deepEqual(r2.answers[0].problems, ['audio']);
    assert.equal(r2.answers[0].comment, 'Echo');
    // Focus is visible: the focused control has an outline from :focus-visible.
    const outline = await page.evaluate(() => {
      const a = document.querySelector('session-rating').shadowRoot.activeElement;
      return a && getComputedStyle(a).outlineStyle;
    });
    assert.equal(outline, 'solid');
    await page.context().close();
  });
}

test('after the deadline the rating is locked; the final record is emitted and delivered', async () => {
  const id = 'locked-1';
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: id, config: { finalise: { window_seconds: 2 } } }));
  const w = widget(page);
  await w.option('4 stars').click();
  await w.change.waitFor();
  assert.match(await w.timeLeft.textContent(), /^You can change your rating for 0:0[12]\.$/);
  await waitFor(async () => (await w.thanks.textContent()) === 'Your rating is final.', { message: 'locked', timeout: 6000 });
  assert.equal(await w.change.isVisible(), false);
  assert.equal(await w.radios.first().isVisible(), false);
  const finals = await events(page, 'rating-final');
  assert.equal(finals.length, 1);
  assert.equal(finals[0].detail.final, true);
  assert.equal(finals[0].detail.revision, 1);
  await waitFor(() => serverRecords(id).some((r) => r.final), { message: 'final record at the server' });
  assert.deepEqual(serverRecords(id).map((r) => [r.revision, r.final]), [[1, false], [1, true]]);
  await noViolations(page, 'final');
  await page.context().close();
});

test('window 0: the first submit is final at once (rating-submit and rating-final)', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'w0', config: { scale: 'thumbs', finalise: { window_seconds: 0 } } }));
  const w = widget(page);
  await w.option('Thumbs up').click();
  await waitFor(async () => (await w.thanks.textContent()) === 'Your rating is final.', { message: 'final' });
  const types = (await events(page)).map((e) => e.type);
  assert.deepEqual(types.slice(0, 2), ['rating-submit', 'rating-final']);
  await waitFor(() => serverRecords('w0').length === 1);
  assert.equal(serverRecords('w0')[0].final, true);
  await page.context().close();
});

test('required comment: the core refuses submit, the error is shown and announced', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'req-1', config: { scale: 'emoji', comment: { enabled: true, required: true, max_length: 10 } } }));
  const w = widget(page);
  await w.option('Very dissatisfied').click();
  await w.comment.waitFor();
  assert.equal(await w.submit.getAttribute('aria-disabled'), 'true');
  assert.equal(await w.comment.getAttribute('aria-required'), 'true');
  await w.submit.click({ force: true }); // aria-disabled, still focusable and clickable: the core says why
  assert.equal(await w.error.textContent(), 'Please tell us more before submitting.');
  assert.equal(await w.live.textContent(), 'Please tell us more before submitting.');
  assert.equal(await w.comment.getAttribute('aria-invalid'), 'true');
  await noViolations(page, 'details with error');
  // Longer than max_length (counted in code points by the core): kept to what fits.
  await w.comment.fill('😀😀😀😀😀😀😀😀😀😀😀😀');
  assert.equal(await w.comment.inputValue(), '😀😀😀😀😀😀😀😀😀😀');
  assert.equal(await w.count.textContent(), '0 characters left');
  assert.equal(await w.error.textContent(), 'Your comment is too long.');
  await w.submit.click();
  await w.change.waitFor();
  await waitFor(() => serverRecords('req-1').length === 1);
  assert.equal(serverRecords('req-1')[0].answers[0].comment, '😀😀😀😀😀😀😀😀😀😀');
  await page.context().close();
});

test('popup: opens in the corner, Escape dismisses (rating-dismiss), nothing is sent', async () => {
  const page = await newPage(browser);
  await page.goto(scriptPage(server, { sessionId: 'pop-esc', config: { scale: 'stars' } }));
  const w = widget(page);
  await w.group.waitFor();
  assert.equal(await w.host.getAttribute('mode'), 'popup');
  const box = await w.panel.boundingBox();
  const vp = page.viewportSize();
  assert.ok(box.x + box.width > vp.width - 40 && box.y + box.height > vp.height - 40, 'bottom corner');
  assert.equal(await w.panel.getAttribute('role'), 'dialog');
  await noViolations(page, 'popup score');
  await w.option('3 stars').focus();
  await page.keyboard.press('Escape');
  await waitFor(async () => !(await w.panel.isVisible()), { message: 'popup closed' });
  const [d] = await events(page, 'rating-dismiss');
  assert.equal(d.detail.step, 'dismissed');
  assert.equal(d.detail.session_id, 'pop-esc');
  await sleep(300);
  assert.equal(server.posts().filter((p) => p.record?.session_id === 'pop-esc').length, 0);
  await page.context().close();
});

test('popup close button after a submit just closes it; the record still arrives', async () => {
  const page = await newPage(browser);
  await page.goto(scriptPage(server, { sessionId: 'pop-close', config: { scale: 'thumbs' } }));
  const w = widget(page);
  await w.option('Thumbs up').click();
  await w.change.waitFor();
  await w.close.click();
  await waitFor(async () => !(await w.panel.isVisible()), { message: 'closed' });
  const [d] = await events(page, 'rating-dismiss');
  assert.equal(d.detail.step, 'thanks');
  await waitFor(() => serverRecords('pop-close').length === 1);
  await page.context().close();
});

test('right-to-left locale from the view; dark mode, reduced motion and forced colors apply', async () => {
  const page = await newPage(browser);
  await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
  await page.goto(elementPage(server, { sessionId: 'rtl-1', lang: 'ar', config: { scale: 'stars' } }));
  const w = widget(page);
  await w.group.waitFor();
  assert.equal(await w.panel.getAttribute('dir'), 'rtl');
  assert.equal(await w.panel.getAttribute('lang'), 'ar');
  assert.equal(await w.radios.first().getAttribute('aria-label'), 'نجمة واحدة');
  // In RTL the first option is on the right, and ArrowLeft moves to the next one.
  const [a, b] = await w.radios.evaluateAll((els) => els.slice(0, 2).map((e) => e.getBoundingClientRect().x));
  assert.ok(a > b, 'first option is rightmost');
  await w.radios.first().focus();
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.evaluate(() => document.querySelector('session-rating').shadowRoot.activeElement.getAttribute('aria-label')), 'نجمتان');
  const bg = await w.panel.evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(bg, 'rgb(31, 35, 40)', 'dark background');
  assert.equal(await w.panel.evaluate((e) => getComputedStyle(e).animationName), 'none');
  await noViolations(page, 'rtl dark');
  await page.emulateMedia({ forcedColors: 'active', colorScheme: 'light' });
  await noViolations(page, 'forced colors');
  await page.context().close();
});

test('host CSS cannot reach inside; theming goes through custom properties and parts', async () => {
  const page = await newPage(browser);
  const css = `<style>button{background:red!important;display:none!important} p{color:red!important}
session-rating{--sr-accent:#123456} session-rating::part(submit){text-transform:uppercase}</style>`;
  await page.goto(elementPage(server, { sessionId: 'theme-1', before: css, config: { comment: { enabled: true } } }));
  const w = widget(page);
  await w.option('1 star').click();
  await w.submit.waitFor();
  assert.equal(await w.submit.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(18, 52, 86)');
  assert.equal(await w.submit.evaluate((e) => getComputedStyle(e).textTransform), 'uppercase');
  assert.ok(await w.option('2 stars').isVisible());
  await page.context().close();
});
