// Headless Chromium for the collector's browser tests: Debian's /usr/bin/chromium driven by
// playwright-core from web/node_modules, a fresh profile per launch.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ROOT } from './helpers.mjs';

const require = createRequire(join(ROOT, 'web/package.json'));
export const CHROMIUM = process.env.SR_CHROMIUM || '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// What is missing for a browser test, or null.
export function missing() {
  if (!existsSync(join(ROOT, 'dist/session-rating.js'))) return 'dist/session-rating.js (node web/build.mjs)';
  try { require.resolve('playwright-core'); } catch { return 'playwright-core (npm ci in web/)'; }
  if (!existsSync(CHROMIUM)) return CHROMIUM;
  return null;
}

// The browser, or null after t.skip (a failure when SR_REQUIRE_E2E is set, as in scripts/test.sh).
export async function launch(t) {
  const why = missing();
  if (why) {
    if (process.env.SR_REQUIRE_E2E) assert.fail(`browser test needs ${why}`);
    t.skip(`needs ${why}`);
    return null;
  }
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.after(() => browser.close());
  return browser;
}

// A page that records page errors and console errors into `problems`.
export async function newPage(context, problems = []) {
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  return page;
}

export async function waitFor(fn, what, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// axe-core (web/node_modules) WCAG 2 A/AA violations of the page, as "rule: targets" strings.
// Injected through the DevTools protocol, which the dashboard's CSP does not govern.
export async function axeViolations(page) {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate(async () => (await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }))
    .violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
}
