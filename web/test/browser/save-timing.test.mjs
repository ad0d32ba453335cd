// The flow snapshot is stored after the click's paint (docs/widget.md, "Storage keys"), and is
// never lost for it: a reload at once, destroy() or a disconnect right after a click still
// leave the new state stored, and a submit's snapshot is stored with its records.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, tearDown, newPage, elementPage, waitFor, widget } from '../../test-support/browser.mjs';

let server, browser;
before(async () => ({ server, browser } = await setUp()));
after(() => tearDown(server, browser));

const CONFIG = { scale: 'stars' };
const score = (w) => w.host.evaluate((e) => e.view && e.view.questions[0].score);

// In one task (no frame can pass): the stored flow text, a click on the second star, the
// stored flow text again, then `then` (a page script), then the stored text once more.
const clickThen = (w, then) => w.host.evaluate((e, then) => {
  const stored = () => {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k.startsWith('session-rating:v1:flow:')) return localStorage.getItem(k);
    }
    return null;
  };
  const before = stored();
  e.shadowRoot.querySelectorAll('[role=radio]')[1].click();
  const atClick = stored();
  new Function('e', then)(e);
  return { before, atClick, after: stored(), score: e.view && e.view.questions[0].score };
}, then);

test('a score changed and the page reloaded at once: the reload restores it (stored on pagehide)', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'save-reload', config: CONFIG }));
  const w = widget(page);
  await w.option('4 stars').click();
  await waitFor(async () => (await score(w)) === 4, { message: 'first score' });
  await page.waitForTimeout(100); // the first score is stored after its paint
  const nav = page.waitForEvent('load');
  // pagehide is what a reload, a navigation or a closed tab fires first (before any frame).
  const r = await clickThen(w, "dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false })); location.reload()");
  assert.equal(r.score, 2);
  assert.ok(r.before, 'the flow was stored before the click');
  assert.equal(r.atClick, r.before, 'the click handler does not write the snapshot (it goes after the paint)');
  assert.notEqual(r.after, r.before, 'written at once on pagehide');
  await nav;
  const w2 = widget(page);
  await w2.group.waitFor();
  await waitFor(async () => (await score(w2)) === 2, { message: 'restored score 2 after the reload' });
  assert.equal(await w2.option('2 stars').getAttribute('aria-checked'), 'true');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('destroy() or a disconnect right after a click keeps the snapshot; a later paint stores it too', async () => {
  for (const [id, then] of [['save-destroy', 'e.destroy()'], ['save-remove', 'e.remove()'], ['save-paint', '']]) {
    const page = await newPage(browser);
    await page.goto(elementPage(server, { sessionId: id, config: CONFIG }));
    const w = widget(page);
    await w.group.waitFor();
    await page.waitForTimeout(100); // the opened flow is stored after the first paint
    const r = await clickThen(w, then);
    assert.equal(r.atClick, r.before, `${id}: not written in the click handler`);
    if (then) assert.notEqual(r.after, r.before, `${id}: written synchronously by ${then}`);
    else {
      // Written after the paint (two frames and a task later), without any page event.
      const now = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('session-rating:v1:flow:')).map((k) => localStorage.getItem(k))[0]);
      await waitFor(async () => (await now()) !== r.before, { message: `${id}: written after the paint` });
    }
    await page.goto(elementPage(server, { sessionId: id, config: CONFIG }));
    const w2 = widget(page);
    await w2.group.waitFor();
    await waitFor(async () => (await score(w2)) === 2, { message: `${id}: restored score 2` });
    assert.deepEqual(page.errors, [], id);
    await page.close();
  }
});

test('a submit stores its snapshot with its records: a reload at once shows the submitted rating', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'save-submit', config: { scale: 'stars', finalise: { window_seconds: 60 } } }));
  const w = widget(page);
  await w.option('2 stars').click();
  await w.submit.waitFor();
  await page.waitForTimeout(100);
  const nav = page.waitForEvent('load');
  const r = await w.host.evaluate((e) => {
    const stored = () => Object.keys(localStorage).filter((k) => k.startsWith('session-rating:v1:flow:')).map((k) => localStorage.getItem(k))[0];
    const before = stored();
    [...e.shadowRoot.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Submit').click();
    const atClick = stored();
    location.reload();
    return { before, atClick, revision: e.view.revision };
  });
  assert.equal(r.revision, 1);
  assert.notEqual(r.atClick, r.before, 'stored in the submit itself, before the records go to the outbox');
  await nav;
  const w2 = widget(page);
  await waitFor(async () => (await w2.host.evaluate((e) => e.view && e.view.revision)) === 1, { message: 'restored revision 1' });
  await waitFor(() => server.records().some((x) => x.session_id === 'save-submit'), { message: 'delivered' });
  assert.deepEqual(page.errors, []);
  await page.close();
});
