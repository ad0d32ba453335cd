// End to end in headless Chromium (Debian's, driven by playwright-core from web/): rate in each
// example served by the real collector → the record is in the store → the dashboard shows the
// new CSAT; a comment holding markup shows as text and no dialog fires.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, admin, ROOT, WRITE_KEY, ADMIN_TOKEN, SITE_MOUNTS } from './helpers.mjs';

const require = createRequire(join(ROOT, 'web/package.json'));
const CHROMIUM = process.env.SR_CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const XSS = '<img src=x onerror=alert(1)>';

function missing() {
  if (!existsSync(join(ROOT, 'dist/session-rating.js'))) return 'dist/session-rating.js (node web/build.mjs)';
  try { require.resolve('playwright-core'); } catch { return 'playwright-core (npm ci in web/)'; }
  if (!existsSync(CHROMIUM)) return CHROMIUM;
  return null;
}

async function waitFor(fn, what, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function storedFor(server, sessionId) {
  return waitFor(async () => {
    const r = await admin(server, `/v1/ratings?session_id=${encodeURIComponent(sessionId)}`);
    return r.json && r.json.ratings.length ? r.json.ratings[0] : null;
  }, `a stored rating for ${sessionId}`);
}

async function dashboardCsat(page, server) {
  await page.goto(`${server.url}/dashboard/#token=${ADMIN_TOKEN}`);
  await page.waitForSelector('body[data-loaded]');
  return (await page.locator('#kpi-csat').textContent()).trim();
}

test('rate in both examples; the dashboard shows it; markup in a comment stays text', { timeout: 120000 }, async (t) => {
  const why = missing();
  if (why) {
    if (process.env.SR_REQUIRE_E2E) assert.fail(`e2e needs ${why}`);
    t.skip(`needs ${why}`);
    return;
  }
  const { chromium } = require('playwright-core');
  const server = await startCollector(t, { args: SITE_MOUNTS });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.after(() => browser.close());
  const context = await browser.newContext();
  const dialogs = [];
  const problems = [];
  const page = await context.newPage();
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });

  // Empty store: the dashboard has no CSAT yet.
  assert.equal(await dashboardCsat(page, server), '–');

  // 1. Support site, script tag in popup mode: end the chat, give 5 stars.
  await page.goto(`${server.url}/examples/script-tag/?key=${WRITE_KEY}`);
  const conversation = (await page.locator('#conversation-id').textContent()).trim();
  await page.getByRole('button', { name: 'End chat' }).click();
  const popup = page.locator('session-rating').first();
  await popup.getByRole('radio', { name: '5 stars', exact: true }).click();
  const first = await storedFor(server, conversation);
  assert.equal(first.schema, 'rating.v2');
  assert.equal(first.answers[0].score, 5);
  assert.equal(first.topic, 'billing');
  assert.equal(first.agent_id, 'agent-ana');
  assert.equal(await dashboardCsat(page, server), '100%');

  // 2. Video call end screen, inline element: leave, 2 stars, Audio, a comment with markup.
  await page.goto(`${server.url}/examples/call-end-screen/?key=${WRITE_KEY}`);
  const callId = await page.evaluate(() => sessionStorage.getItem('meetnow-call'));
  await page.getByRole('button', { name: 'Leave call' }).click();
  const inline = page.locator('#rating-slot session-rating');
  await inline.getByRole('radio', { name: '2 stars', exact: true }).click();
  for (const name of ['Audio', 'Video', 'Connection', 'Screen share']) {
    await inline.getByRole('checkbox', { name, exact: true }).waitFor();
  }
  await inline.getByRole('checkbox', { name: 'Audio', exact: true }).check();
  await inline.getByRole('textbox').fill(XSS);
  await inline.getByRole('button', { name: 'Submit', exact: true }).click();
  const second = await storedFor(server, callId);
  assert.equal(second.answers[0].score, 2);
  assert.deepEqual(second.answers[0].problems, ['audio']);
  assert.equal(second.answers[0].comment, XSS);

  // 3. Dashboard: CSAT 1 of 2, the comment rendered as text, nothing executed.
  assert.equal(await dashboardCsat(page, server), '50%');
  assert.equal((await page.locator('#kpi-count').textContent()).trim(), '2');
  const comment = page.locator('#low-list .comment').first();
  assert.equal(await comment.textContent(), XSS);
  assert.equal(await page.locator('#low-list img').count(), 0);
  await page.waitForTimeout(300);
  assert.deepEqual(dialogs, []);
  const csp = problems.filter((p) => /Content Security Policy/i.test(p));
  assert.deepEqual(csp, [], 'the dashboard runs under its CSP without violations');

  // The dashboard page is served with a strict CSP.
  const res = await fetch(`${server.url}/dashboard/`);
  assert.match(res.headers.get('content-security-policy'), /script-src 'self'/);
  assert.doesNotMatch(res.headers.get('content-security-policy'), /unsafe-inline/);
});
