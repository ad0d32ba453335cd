// The renderer's DOM patches (issue 14): a view update writes only the nodes and attributes
// that changed, so the frame after a click restyles only those; and the script tag starts the
// core's fetch while the page's widget is still starting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, tearDown, newPage, elementPage, widget, waitFor } from '../../test-support/browser.mjs';

let server, browser;
before(async () => ({ server, browser } = await setUp()));
after(() => tearDown(server, browser));

// Records every mutation in the widget's shadow root from now on, as "what: where".
const OBSERVE = () => {
  const root = document.querySelector('session-rating').shadowRoot;
  const name = (n) => (n.nodeType === 1 ? `${n.localName}${n.getAttribute('part') ? `[part=${n.getAttribute('part')}]` : n.className ? `.${n.className.split(' ')[0]}` : ''}` : `#text<${n.parentNode ? name(n.parentNode) : ''}>`);
  window.__mut = [];
  new MutationObserver((list) => {
    for (const m of list) window.__mut.push(m.type === 'attributes' ? `${m.attributeName}: ${name(m.target)}` : `${m.type}: ${name(m.target)}`);
  }).observe(root, { subtree: true, attributes: true, childList: true, characterData: true });
};
const mutations = async (page) => {
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0))); // observer callbacks delivered
  return page.evaluate(() => window.__mut.splice(0));
};

test('a view update writes only what changed: the score click, a problem pick, typing', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'patch-1', config: { comment: { enabled: true } } }));
  const w = widget(page);
  await w.group.waitFor();
  await page.waitForTimeout(700); // the idle lay-out of the hidden parts (render.mjs _warm) is over
  await page.evaluate(OBSERVE);

  // 2 of 5 stars: the two first options light up, the second is checked and in the tab order,
  // the details (picks, comment, submit) show. Nothing else is written: no text node, no
  // label, no option that stays as it was.
  await w.option('2 stars').click();
  await w.checkbox('Audio').waitFor();
  const first = await mutations(page);
  assert.deepEqual(first.filter((m) => m.includes('button[part=option]')).sort(),
    ['aria-checked: button[part=option]', 'data-on: button[part=option]', 'data-on: button[part=option]', 'tabindex: button[part=option]', 'tabindex: button[part=option]'].sort(),
    `option writes: ${first.join(', ')}`);
  for (const m of first) assert.doesNotMatch(m, /^aria-label|^childList: (p|span|legend|label)|^placeholder/, `rewritten although unchanged: ${m}`);
  assert.ok(first.includes('hidden: fieldset[part=problems]') && first.includes('hidden: div.cm') && first.includes('hidden: div.foot'), first.join(', '));
  assert.ok(first.some((m) => m === 'childList: div.sr'), 'the newly shown details are announced');

  // A problem pick: no attribute or text of the prompt changes (the checkbox state is a property).
  await w.checkbox('Audio').check();
  await page.waitForTimeout(50);
  assert.deepEqual(await mutations(page), []);

  // Typing: only the characters-left count changes (its one text node).
  await w.comment.pressSequentially('Hi');
  await page.waitForTimeout(50);
  const typed = await mutations(page);
  assert.ok(typed.length > 0 && typed.every((m) => m === 'childList: span[part=count]'), typed.join(', '));
  assert.equal(await w.count.textContent(), '498 characters left');
  assert.equal(await w.option('2 stars').getAttribute('aria-checked'), 'true');
  await page.close();
});

test('a low score repaints the options first; the picks, comment, submit row and tab stop follow one frame later', async () => {
  const page = await newPage(browser);
  await page.goto(elementPage(server, { sessionId: 'reveal-1', config: { comment: { enabled: true } } }));
  const w = widget(page);
  await w.group.waitFor();
  // The click and what the prompt looks like in the same task, at the next animation frame
  // (before its paint) and after that frame (a task queued from its callback).
  const seen = await page.evaluate(() => new Promise((resolve) => {
    const root = document.querySelector('session-rating').shadowRoot;
    const state = () => ({
      checked: root.querySelector('[part=option][aria-checked=true]')?.getAttribute('aria-label') ?? null,
      problems: !root.querySelector('[part=problems]').hidden,
      comment: !root.querySelector('[part=comment]').closest('.cm').hidden,
      submit: !root.querySelector('[part=submit]').closest('.foot').hidden,
      said: root.querySelector('[role=status]').textContent,
      stop: [...root.querySelectorAll('[part=option]')].findIndex((b) => b.getAttribute('tabindex') === '0'),
    });
    root.querySelectorAll('[part=option]')[1].focus(); // as a pointer click does
    root.querySelectorAll('[part=option]')[1].click();
    const out = { click: state() };
    requestAnimationFrame(() => {
      out.frame = state();
      setTimeout(() => requestAnimationFrame(() => { out.after = state(); resolve(out); }), 0);
    });
  }));
  // They are announced when they show; the tab stop moves to the clicked option with them
  // (no forced style recalculation in the click's handler).
  assert.deepEqual(seen.click, { checked: '2 stars', problems: false, comment: false, submit: false, said: '', stop: 0 });
  assert.deepEqual(seen.frame, { checked: '2 stars', problems: false, comment: false, submit: false, said: '', stop: 0 });
  assert.deepEqual(seen.after, { checked: '2 stars', problems: true, comment: true, submit: true, said: 'What went wrong?', stop: 1 });
  await page.close();

  // A second event before the reveal's frame: that render shows what was waiting, and says it.
  const page2 = await newPage(browser);
  await page2.goto(elementPage(server, { sessionId: 'reveal-2', config: { comment: { enabled: true } } }));
  const w2 = widget(page2);
  await w2.group.waitFor();
  const twice = await page2.evaluate(() => {
    const root = document.querySelector('session-rating').shadowRoot;
    const shown = () => [!root.querySelector('[part=problems]').hidden, !root.querySelector('.foot').hidden,
      root.querySelector('[role=status]').textContent];
    root.querySelectorAll('[part=option]')[0].click();
    const one = shown();
    root.querySelectorAll('[part=option]')[1].click();
    return [one, shown()];
  });
  assert.deepEqual(twice, [[false, false, ''], [true, true, 'What went wrong?']]);
  assert.equal(await w2.option('2 stars').getAttribute('aria-checked'), 'true');
  await page2.close();
});

test('the widget parses its stylesheet while the core is still loading, not in the first render', async () => {
  const page = await newPage(browser);
  // The .wasm answers a second late. replaceSync() calls are noted with whether the .wasm
  // response had ended by then (its resource timing entry).
  await page.route('**/session-rating.wasm', async (route) => {
    const response = await route.fetch();
    await new Promise((r) => setTimeout(r, 1000));
    await route.fulfill({ response });
  });
  const before = `<script>window.__sheets = []; const r = CSSStyleSheet.prototype.replaceSync;
CSSStyleSheet.prototype.replaceSync = function (t) {
  window.__sheets.push(performance.getEntriesByType('resource').some((e) => e.name.endsWith('.wasm')));
  return r.call(this, t);
};</script>`;
  await page.goto(elementPage(server, { sessionId: 'sheet-1', before }));
  const w = widget(page);
  await w.group.waitFor();
  assert.deepEqual(await page.evaluate(() => window.__sheets), [false], 'parsed once, before the core arrived');
  assert.equal(await page.evaluate(() => document.querySelector('session-rating').shadowRoot.adoptedStyleSheets.length), 1);
  await page.close();
});

test('the script tag starts fetching the core in the task after its evaluation, before the document is parsed', async () => {
  const page = await newPage(browser);
  // fetch() calls noted with whether the script had finished evaluating (its load event, fired
  // right after, in the same task) and the document's readyState. A parser-blocking script that
  // arrives a second late holds DOMContentLoaded back: the widget's own start-up waits for it, so
  // only the early start fetches the core while the document is still loading. Not inside the
  // evaluation: a page's first fetch() is a few ms of main thread (the script's task stays short).
  await page.route('**/slow.js', async (route) => {
    await new Promise((r) => setTimeout(r, 1000));
    await route.fulfill({ contentType: 'text/javascript', body: 'window.__slow = true;' });
  });
  const before = `<script>window.__fetched = []; window.__done = false; const f = window.fetch;
window.fetch = function (u, ...a) { window.__fetched.push([String(u), window.__done, document.readyState]); return f.call(this, u, ...a); };
document.addEventListener('load', (e) => { if (String(e.target.src).endsWith('/session-rating.js')) window.__done = true; }, true);</script>`;
  const url = elementPage(server, { sessionId: 'prefetch-1', before, after: '<script src="/slow.js"></script>' });
  await page.goto(url);
  await widget(page).group.waitFor();
  const fetched = await page.evaluate(() => window.__fetched.filter(([u]) => u.endsWith('.wasm')));
  assert.equal(fetched.length, 1, 'the core is fetched once');
  assert.deepEqual(fetched[0].slice(1), [true, 'loading'],
    'the .wasm fetch began after the script evaluated, while the document was still parsing');
  assert.equal(await page.evaluate(() => window.__slow), true);
  await page.close();
});
