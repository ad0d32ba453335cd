#!/usr/bin/env node
// web/build.mjs — builds the widget.
//
//   node web/build.mjs            # from the repo root (or `npm run build` in web/)
//
// Needs the WebAssembly build of the core (build/wasm/wasm/session_rating_core.{mjs,wasm});
// when it is missing this runs it first (`cmake --preset wasm` + `cmake --build --preset wasm`,
// one job; CMakePresets.json holds the Emscripten settings).
// Writes:
//   dist/session-rating.js      the script-tag bundle (IIFE, minified, CSS inlined)
//   dist/session-rating.wasm    the core
//   web/dist/                   the npm package's files: index.mjs (ES module API), define.mjs,
//                               index.d.ts, session-rating.js, session-rating.wasm
import { build, transform } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtimeNames } from './glue-names.mjs';
import { iconCss } from './src/icon-paths.mjs';

const web = dirname(fileURLToPath(import.meta.url));
const root = resolve(web, '..');
const wasmDir = process.env.SR_WASM_DIR || join(root, 'build/wasm/wasm');
const glue = join(wasmDir, 'session_rating_core.mjs');
const wasm = join(wasmDir, 'session_rating_core.wasm');

function run(cmd, args) {
  console.log(`build: ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
}

if (!existsSync(glue) || !existsSync(wasm)) {
  console.log('build: the WebAssembly core is not built yet; building it (one job)');
  run('cmake', ['--preset', 'wasm']);
  run('cmake', ['--build', '--preset', 'wasm', '-j1']);
}

// Dead code in the Emscripten 3.1.6 glue for a browser-only build (ENVIRONMENT=web): the
// synchronous and XHR file readers and the window-title setter (assigned, never called: the
// .wasm is fetched with fetch()), and the preload maps of the file system the core has not.
const GLUE_CUTS = [
  /\{read_=\(url=>\{[\s\S]*?xhr\.send\(null\)\}\)\}setWindowTitle=\(title=>document\.title=title\)/,
  /Module\["preloadedImages"\]=\{\};Module\["preloadedAudios"\]=\{\};/,
  // Memory views nobody reads (web/core.mjs uses HEAP8, HEAPU8 and HEAPU32).
  ...['HEAP16=new Int16', 'HEAP32=new Int32', 'HEAPU16=new Uint16', 'HEAPF32=new Float32', 'HEAPF64=new Float64']
    .map((v) => `Module["${v.split('=')[0]}"]=${v}Array(buf);`),
  'what+=". Build with -s ASSERTIONS=1 for more info.";',
  // Run-time callbacks given as table indexes (the core registers functions only).
  /var func=callback\.func;if\(typeof func=="number"\)\{[^}]*\}else\{[^}]*\}\}else\{func\([^}]*\)\}/,
  'function getWasmTableEntry(funcPtr){return wasmTable.get(funcPtr)}',
  // The Module.instantiateWasm hook (web/core.mjs never passes one).
  /if\(Module\["instantiateWasm"\]\)\{try\{[^}]*\}catch\(e\)\{[^}]*\}\}/,
];

// The glue's names for the runtime, or null: the glue is bundled (it looks the _sr_* exports
// up by name, so those names are kept then).
const names = process.env.SR_BUNDLE_GLUE || !existsSync(glue) ? null : runtimeNames(readFileSync(glue, 'utf8'));
// The runtime's export map with unquoted keys, so the _sr_* names get short names too.
const namesModule = (n) =>
  `import { runtime } from './wasm-runtime.mjs';\nexport default runtime(${JSON.stringify(n)
    .replace(/"(_sr_\w+)":/g, '$1:')});`;

const version = JSON.parse(readFileSync(join(web, 'package.json'), 'utf8')).version;
const common = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  // Properties named _like_this are private to the bundle and get short names; _sr_* are the
  // WASM core's exports: with the runtime they are mangled too (its export map is bundled);
  // with the glue (it looks them up by name) they keep theirs.
  mangleProps: /^_/,
  ...(names ? {} : { reserveProps: /^_sr_/ }),
  target: 'es2020',
  alias: { 'session-rating-core-glue': glue },
  define: { __SR_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
  // The glue's own wasm lookup (import.meta.url) is never used: the widget passes wasmUrl.
  logOverride: { 'empty-import-meta': 'silent' },
  plugins: [{
    // web/src/wasm-runtime.mjs with the glue's names in place of the glue (−991 B gzip,
    // docs/wasm.md). Otherwise the glue, less code the widget never runs (−361 B gzip, 928 raw);
    // each cut is optional: a glue of another Emscripten version that does not match is used as built.
    name: 'glue-trim',
    setup(b) {
      b.onLoad({ filter: /session_rating_core\.mjs$/ }, (args) => {
        let code = readFileSync(args.path, 'utf8');
        if (names) {
          return {
            contents: namesModule(names),
            resolveDir: join(web, 'src'),
            loader: 'js',
          };
        }
        for (const cut of GLUE_CUTS) code = code.replace(cut, '');
        return { contents: code, loader: 'js' };
      });
    },
  }, {
    // src/*.css → a minified string (the widget adopts it as a constructed stylesheet).
    name: 'css-text',
    setup(b) {
      b.onLoad({ filter: /\.css$/ }, async (args) => {
        // widget.css + the icons' rules, made here from their shapes (no SVG elements at run time).
        const css = readFileSync(args.path, 'utf8') + (args.path.endsWith('widget.css') ? '\n' + iconCss() : '');
        const { code } = await transform(css, { loader: 'css', minify: true });
        return { contents: `export default ${JSON.stringify(code.trim())};`, loader: 'js' };
      });
    },
  }],
};

const dist = join(root, 'dist');
const pkg = join(web, 'dist');
for (const d of [dist, pkg]) {
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
}

await build({
  ...common,
  entryPoints: [join(web, 'src/script.mjs')],
  format: 'iife',
  outfile: join(dist, 'session-rating.js'),
});
copyFileSync(wasm, join(dist, 'session-rating.wasm'));

await build({
  ...common,
  entryPoints: [join(web, 'src/index.mjs')],
  format: 'esm',
  outfile: join(pkg, 'index.mjs'),
});
writeFileSync(join(pkg, 'define.mjs'), "import { define } from './index.mjs';\ndefine();\n");
copyFileSync(join(web, 'src/index.d.ts'), join(pkg, 'index.d.ts'));
copyFileSync(join(dist, 'session-rating.js'), join(pkg, 'session-rating.js'));
copyFileSync(wasm, join(pkg, 'session-rating.wasm'));
console.log(`build: wrote dist/session-rating.js, dist/session-rating.wasm and web/dist/ (npm package ${version})`);
