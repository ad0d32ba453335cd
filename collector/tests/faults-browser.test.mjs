// Faults measured at the store (issue 13), in headless Chromium with the real widget
// (dist/session-rating.js) against the real collector on 127.0.0.1. The page's origin is a
// small server of the test (faults-lib.mjs) that relays POST /v1/ratings to the collector and
// injects the fault: the collector down for 60 s, answers lost after the commit, 500s for the
// first tries, requests held while the renderer crashes. Every test counts what the store holds
// (GET /v1/ratings, the export, /v1/insights) and the attempts seen on the wire, and prints its
// counts (`# faults: ...`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, admin, WRITE_KEY } from './helpers.mjs';
import { launch, newPage, waitFor } from './browser.mjs';
import { faultServer, storedRatings, exported, skewClock } from './faults-lib.mjs';

const DOWN_MS = Number(process.env.SR_FAULT_DOWN_MS || 60000);

const starName = (score) => (score === 1 ? '1 star' : `${score} stars`);

// Loads the test page with `n` widgets of `session` and waits until each shows its stars.
async function openPage(context, fs, session, n, problems, init) {
  const page = await newPage(context, problems);
  if (init) await page.addInitScript(init);
  await page.goto(`${fs.url}/f/page.html?session=${session}&key=${WRITE_KEY}&n=${n}`);
  for (let i = 1; i <= n; i++) await page.locator(`#w${i}`).getByRole('radio', { name: '5 stars', exact: true }).waitFor({ timeout: 60000 });
  return page;
}

// Rates widget i: a high score submits at once, a low one (≤ 3) asks for details, then Submit.
async function rate(page, i, score) {
  const el = page.locator(`#w${i}`);
  await el.getByRole('radio', { name: starName(score), exact: true }).click();
  if (score <= 3) await el.getByRole('button', { name: 'Submit', exact: true }).click();
  await el.getByRole('button', { name: 'Change rating' }).waitFor();
}

// Revisions of the given sessions in the export, and whether any (rating_id, revision) repeats.
async function revisionsOf(server, sessions) {
  const rows = (await exported(server)).filter((r) => sessions.includes(r.session_id));
  return { rows: rows.length, distinct: new Set(rows.map((r) => `${r.rating_id}|${r.revision}`)).size };
}

// What the page logged, without the browser's own lines about failed requests (the faults).
const own = (problems) => problems.filter((p) => !p.startsWith('console: Failed to load resource'));

const pageErrors = (pages) => Promise.all(pages.map((p) => p.evaluate(() => window.__sr.pageErrors)));

test(`collector down ${DOWN_MS / 1000} s while 200 ratings are made in 20 tabs: 200 stored, 0 duplicates, CSAT as made`, { timeout: 300000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  let server = await startCollector(t);
  let up = true;
  const fs = await faultServer(t, { target: () => (up ? server.url : null) });
  const context = await browser.newContext(); // one profile: the 20 tabs share one outbox in localStorage
  const problems = [];
  const TABS = 20, PER_TAB = 10;
  const sessions = Array.from({ length: TABS }, (_, i) => `down-${i}`);
  const pages = [];
  for (let i = 0; i < TABS; i += 5) {
    pages.push(...await Promise.all(sessions.slice(i, i + 5).map((s) => openPage(context, fs, s, PER_TAB, problems))));
  }

  await server.kill9();
  up = false;
  const downAt = Date.now();
  // Scores spread over 1–5 (low ones go through the details step); the reference CSAT is
  // positive answers (≥ 4 stars, the default thresholds) ÷ answers, computed here.
  const scores = pages.map((_, tab) => Array.from({ length: PER_TAB }, (_, i) => 1 + ((tab * 7 + i * 3) % 5)));
  await Promise.all(pages.map(async (page, tab) => {
    for (let i = 1; i <= PER_TAB; i++) await rate(page, i, scores[tab][i - 1]);
  }));
  // Every rating is made while the collector is down; it stays down at least DOWN_MS, longer
  // if making the 200 took longer (a loaded 2-core machine).
  const madeMs = Date.now() - downAt;
  const all = scores.flat();
  const csat = all.filter((s) => s >= 4).length / all.length;
  const whileDown = fs.total();
  assert.ok(whileDown >= TABS * PER_TAB, `every record was tried while down (${whileDown} attempts)`);

  await new Promise((r) => setTimeout(r, Math.max(0, DOWN_MS - (Date.now() - downAt))));
  const downMs = Date.now() - downAt;
  server = await startCollector(t, { db: server.db, dir: server.dir, enable: false });
  up = true;
  const backAt = Date.now();
  let count = 0;
  await waitFor(async () => (count = (await admin(server, '/v1/insights')).json?.ratings) >= 200, '200 stored ratings', 150000)
    .catch((e) => { throw new Error(`${e.message}: ${count} stored, ${fs.total()} attempts on the wire, `
      + `${fs.attempts.size} records seen (${whileDown} attempts while down)`); });
  const deliveredMs = Date.now() - backAt;
  await new Promise((r) => setTimeout(r, 2000)); // any late extra would show now

  const stored = (await Promise.all(sessions.map((s) => storedRatings(server, s)))).flat();
  assert.equal(stored.length, 200, 'exactly 200 stored');
  assert.equal(new Set(stored.map((r) => r.rating_id)).size, 200, '200 distinct rating ids');
  const revs = await revisionsOf(server, sessions);
  assert.equal(revs.rows, 200, 'one revision each');
  assert.equal(revs.distinct, revs.rows, 'no revision stored twice');
  assert.deepEqual(stored.map((r) => r.answers[0].score).sort(), [...all].sort(), 'the scores given');
  const ins = await admin(server, '/v1/insights');
  assert.equal(ins.status, 200);
  assert.equal(ins.json.ratings, 200);
  assert.equal(ins.json.csat, Math.round(csat * 1e6) / 1e6, `CSAT ${ins.json.csat} = reference ${csat}`);

  const perRecord = [...fs.attempts.values()];
  const maxAttempts = Math.max(...perRecord);
  // Backoff 1 s doubling, jitter ×[0.5, 1): at most 7 tries in 60 s down, then the one that lands.
  assert.ok(maxAttempts <= 10, `a record was tried ${maxAttempts} times`);
  assert.equal(fs.attempts.get('unreadable'), undefined);
  const delivered = (await Promise.all(pages.map((p) => p.evaluate(() => window.__sr.delivered)))).reduce((a, b) => a + b, 0);
  assert.deepEqual(await pageErrors(pages), pages.map(() => 0), 'no error thrown into any page');
  assert.deepEqual(own(problems), []);
  // A record whose 2xx reached the browser twice was sent again by another tab after it was
  // delivered (harmless at the store, a duplicate; counted to keep it visible).
  const twice = [...fs.acked.values()].filter((n) => n > 1).length;
  t.diagnostic(`faults: down ${downMs} ms, ${TABS} tabs × ${PER_TAB}: made in ${madeMs} ms; stored ${stored.length}, `
    + `${revs.rows} revisions, 0 duplicates, CSAT ${ins.json.csat} = reference; attempts ${fs.total()} (${whileDown} while down, `
    + `max ${maxAttempts} per record, beacons ${[...fs.beacons.values()].reduce((a, b) => a + b, 0)}); all stored ${deliveredMs} ms after the restart; `
    + `rating-delivered events ${delivered}, records acknowledged twice ${twice}`);
});

test('lost acknowledgements (cut after the commit, twice) and 500s for the first 3 tries: each rating stored once, attempts exactly k + 1', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t);
  const fs = await faultServer(t, { target: () => server.url });
  const problems = [];
  const report = [];
  for (const [name, fault, k] of [['lost-ack', 'cutAfter', 2], ['fail500', 'fail500', 3]]) {
    fs.reset();
    fs.cutAfter = 0;
    fs.fail500 = 0;
    fs[fault] = k;
    const page = await openPage(await browser.newContext(), fs, name, 3, problems);
    for (const [i, score] of [[1, 5], [2, 2], [3, 4]]) await rate(page, i, score);
    await waitFor(() => page.evaluate(() => window.__sr.delivered >= 3), `${name}: 3 delivered`, 30000);
    await new Promise((r) => setTimeout(r, 1500));
    const stored = await storedRatings(server, name);
    assert.equal(stored.length, 3, `${name}: 3 stored`);
    const revs = await revisionsOf(server, [name]);
    assert.equal(revs.rows, 3, `${name}: one revision each`);
    assert.equal(revs.distinct, 3);
    assert.deepEqual([...fs.attempts.values()], [k + 1, k + 1, k + 1], `${name}: attempts per record`);
    assert.equal(await page.evaluate(() => window.__sr.delivered), 3);
    assert.deepEqual(await page.evaluate(() => window.__sr.errors), []);
    assert.deepEqual(await pageErrors([page]), [0]);
    report.push(`${name} k=${k}: stored ${stored.length}, ${revs.rows} revisions, attempts ${[...fs.attempts.values()].join('/')}`);
  }
  assert.deepEqual(own(problems), []);
  t.diagnostic(`faults: ${report.join('; ')}`);
});

test('renderer crash right after submit (no pagehide): a new page of the same profile delivers it, stored once', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t);
  const fs = await faultServer(t, { target: () => server.url });
  const context = await browser.newContext();
  const problems = [];
  const page = await openPage(context, fs, 'crash', 1, []);
  fs.hold = true; // the send leaves the page and is never answered
  await rate(page, 1, 5);
  await waitFor(() => fs.total() >= 1, 'the send to reach the wire');
  const cdp = await context.newCDPSession(page);
  const crashed = new Promise((r) => page.once('crash', r));
  cdp.send('Page.crash').catch(() => {}); // the renderer dies: no pagehide, no beacon (never answers)
  await crashed;
  fs.release();
  fs.hold = false;
  assert.equal((await storedRatings(server, 'crash')).length, 0, 'nothing reached the collector before the crash');
  const crashedAt = Date.now();
  const again = await newPage(context, problems);
  await again.goto(`${fs.url}/f/page.html?session=crash&key=${WRITE_KEY}&n=1`);
  // The stored flow: the thank-you of the rating made before the crash.
  await again.locator('#w1').getByRole('button', { name: 'Change rating' }).waitFor();
  await waitFor(async () => (await storedRatings(server, 'crash')).length >= 1, 'the rating stored after the crash', 60000);
  const recoveredMs = Date.now() - crashedAt;
  await new Promise((r) => setTimeout(r, 1500));
  const stored = await storedRatings(server, 'crash');
  assert.equal(stored.length, 1);
  assert.equal(stored[0].answers[0].score, 5);
  const revs = await revisionsOf(server, ['crash']);
  assert.equal(revs.rows, 1);
  // The crashed tab's lease (30 s) is not waited out: the next page holds the record's Web Lock,
  // which proves nobody is sending it.
  assert.ok(recoveredMs < 10000, `delivered ${recoveredMs} ms after the crash`);
  const attempts = [...fs.attempts.values()];
  assert.equal(attempts.length, 1, 'one record');
  assert.ok(attempts[0] <= 3, `attempts ${attempts[0]}`);
  assert.deepEqual(await pageErrors([again]), [0]);
  assert.deepEqual(own(problems), []);
  t.diagnostic(`faults: renderer crash: stored ${stored.length}, ${revs.rows} revision, attempts ${attempts[0]} (1 held at the crash), `
    + `delivered ${recoveredMs} ms after the crash by the next page`);
});

test('client clocks 2 h ahead and 3 days behind: each rating stored once, with the server\'s times', { timeout: 120000 }, async (t) => {
  const browser = await launch(t);
  if (!browser) return;
  const server = await startCollector(t);
  const fs = await faultServer(t, { target: () => server.url });
  const problems = [];
  const report = [];
  for (const [name, offset] of [['ahead-2h', 2 * 3600e3], ['behind-3d', -3 * 86400e3]]) {
    fs.reset();
    const page = await openPage(await browser.newContext(), fs, name, 2, problems, skewClock(offset));
    assert.ok(Math.abs(await page.evaluate(() => Date.now()) - Date.now() - offset) < 5000, 'the page clock is skewed');
    const before = Date.now();
    await rate(page, 1, 5);
    await rate(page, 2, 1);
    // A change of the first rating: revision 2 from the skewed clock.
    await page.locator('#w1').getByRole('button', { name: 'Change rating' }).click();
    await page.locator('#w1').getByRole('radio', { name: '4 stars', exact: true }).click();
    await page.locator('#w1').getByRole('button', { name: 'Change rating' }).waitFor();
    await waitFor(() => page.evaluate(() => window.__sr.delivered >= 3), `${name}: 3 delivered`, 30000);
    await new Promise((r) => setTimeout(r, 1000));
    const stored = await storedRatings(server, name);
    assert.equal(stored.length, 2, `${name}: 2 stored`);
    const revs = await revisionsOf(server, [name]);
    assert.equal(revs.rows, 3, `${name}: 3 revisions`);
    assert.equal(revs.distinct, 3);
    const w1 = stored.find((r) => r.subject_id === 'subject-1');
    assert.equal(w1.revision, 2);
    assert.equal(w1.answers[0].score, 4);
    for (const r of stored) {
      assert.ok(r.first_submitted_at >= before - 1000 && r.first_submitted_at <= Date.now() + 1000,
        `${name}: first_submitted_at ${new Date(r.first_submitted_at).toISOString()} is the server's time`);
      assert.equal(r.final, false, `${name}: not final early`);
    }
    assert.deepEqual([...fs.attempts.values()], [1, 1, 1], `${name}: one attempt per record`);
    assert.deepEqual(await pageErrors([page]), [0]);
    report.push(`${name}: stored ${stored.length} ratings / ${revs.rows} revisions, attempts ${fs.total()}`);
  }
  assert.deepEqual(own(problems), []);
  t.diagnostic(`faults: ${report.join('; ')}`);
});
