// The npm package as a user gets it: `npm pack`, install the tarball into an empty folder,
// import it from Node (exports, types, SSR-safe), bundle it with esbuild as an app would, and
// run that bundle in Chromium against the test server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startServer } from '../../test-support/server.mjs';
import { launch, newPage, widget, waitFor, events } from '../../test-support/browser.mjs';

const web = join(dirname(fileURLToPath(import.meta.url)), '../..');
let dir, server, browser;
const npm = (args, cwd) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sr-pack-'));
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('npm pack → install into an empty folder → import, bundle, run', async () => {
  const out = npm(['pack', '--json', '--pack-destination', dir], web);
  const [info] = JSON.parse(out.slice(out.indexOf('[')));
  const files = info.files.map((f) => f.path).sort();
  assert.deepEqual(files, ['dist/define.mjs', 'dist/index.d.ts', 'dist/index.mjs', 'dist/session-rating.js', 'dist/session-rating.wasm', 'package.json']);
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  npm(['install', '--offline', join(dir, info.filename)], app);

  // Node: the ES module API imports without a DOM and exposes its exports; subpaths resolve.
  const probe = join(app, 'probe.mjs');
  writeFileSync(probe, `
    import * as sr from 'session-rating';
    const r = (s) => import.meta.resolve(s);
    console.log(JSON.stringify({ keys: Object.keys(sr).sort(), version: sr.version,
      script: r('session-rating/script'), wasm: r('session-rating/session-rating.wasm'), define: r('session-rating/define') }));`);
  const got = JSON.parse(execFileSync('node', [probe], { cwd: app, encoding: 'utf8' }));
  assert.deepEqual(got.keys, ['SessionRatingElement', 'define', 'mount', 'version']);
  assert.equal(got.version, JSON.parse(readFileSync(join(web, 'package.json'), 'utf8')).version);
  for (const k of ['script', 'wasm', 'define']) assert.ok(existsSync(fileURLToPath(got[k])), k);
  const pkgDir = join(app, 'node_modules/session-rating');
  assert.ok(existsSync(join(pkgDir, JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).types)), 'types');

  // A bundler user: import the API and the define module, bundle, ship the .wasm next to it.
  writeFileSync(join(app, 'main.mjs'), `
    import { mount } from 'session-rating';
    import 'session-rating/define';
    window.ctl = mount(document.getElementById('slot'), { sessionId: 'pack-1', endpoint: window.ENDPOINT, writeKey: 'pk_test', config: { scale: 'thumbs' } });`);
  const result = await build({ entryPoints: [join(app, 'main.mjs')], bundle: true, format: 'esm', write: false, absWorkingDir: app, logLevel: 'error' });
  const bundle = result.outputFiles[0].text;
  server.file('/app/main.js', 'text/javascript', bundle);
  server.file('/app/session-rating.wasm', 'application/wasm', readFileSync(join(pkgDir, 'dist/session-rating.wasm')));
  const url = server.page(`<!doctype html><html lang="en"><head><title>App</title></head><body><main><h1>App</h1><div id="slot"></div></main>
<script>window.ENDPOINT = ${JSON.stringify(server.endpoint)}</script><script type="module" src="/app/main.js"></script></body></html>`);
  const page = await newPage(browser);
  await page.goto(url);
  const w = widget(page);
  await w.option('Thumbs up').click();
  await w.change.waitFor();
  await waitFor(() => server.records().some((r) => r.session_id === 'pack-1'), { message: 'record from the bundled app' });
  await waitFor(async () => (await events(page, 'rating-delivered')).length === 1);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
