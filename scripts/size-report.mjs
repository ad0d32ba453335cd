#!/usr/bin/env node
// The one size gate of session-rating: the bytes a site downloads to show the prompt.
//
//   node scripts/size-report.mjs [--check] [--json] [--dist DIR]
//       raw / gzip -9 / brotli -q 11 bytes of each file in dist/ (.js, .wasm, .css: the
//       script-tag bundle with the CSS inlined, and the core's .wasm), their total, and, for
//       information, the WASM core's parts from the WASM build (build/wasm/wasm: WASM, glue as
//       built, glue minified as a SR_BUNDLE_GLUE=1 bundle would carry it). --check exits 1 when the dist/ total is
//       above the hard cap: 60 KB gzip (docs/build.md, "Size gate"). Run by scripts/test.d/40-web.sh
//       after `node web/build.mjs`.
//   node scripts/size-report.mjs --functions [N] [--wasm FILE]
//       where the bytes go: code bytes per function and per area, read from the
//       --profiling-funcs build (`cmake --build --preset wasm-profiling`); top N functions
//       (--full-names: with their template arguments and parameters).
//
// Imported (scripts/bench-web.mjs): sizes(dir) -> {rows: [{file, raw, gzip, brotli}], total}.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length && !args[i + 1].startsWith('--') ? args[i + 1] : def;
};
const dir = path.resolve(root, opt('--dir', process.env.SR_WASM_DIR || 'build/wasm/wasm'));
const distDir = path.resolve(root, opt('--dist', 'dist'));

// The hard cap, gzip, on everything dist/ ships (JS + WASM + CSS). Goal: 36 KB brotli (issue 14;
// a goal, printed, never enforced).
export const CAP_GZIP = 60 * 1024;
export const GOAL_BROTLI = 36 * 1024;

const gzip = (b) => gzipSync(b, { level: 9 }).length;
const brotli = (b) =>
  brotliCompressSync(b, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: b.length,
    },
  }).length;
/** raw / gzip -9 / brotli q11 bytes of one file's contents (the settings of every figure here). */
export const measure = (file, bytes) => ({ file, raw: bytes.length, gzip: gzip(bytes), brotli: brotli(bytes) });

/** raw / gzip / brotli of every .js, .wasm and .css file in `dist` (what a site downloads). */
export function sizes(dist = distDir) {
  const files = readdirSync(dist).filter((f) => /\.(js|wasm|css)$/.test(f)).sort();
  const rows = files.map((f) => measure(f, readFileSync(path.join(dist, f))));
  const total = { file: 'total', raw: 0, gzip: 0, brotli: 0 };
  for (const r of rows) for (const k of ['raw', 'gzip', 'brotli']) total[k] += r[k];
  return { rows, total };
}

// The glue minified as web/build.mjs would bundle it (with SR_BUNDLE_GLUE=1; by default the
// bundles carry web/src/wasm-runtime.mjs instead).
async function minifiedGlue(code) {
  const esbuildPath = path.join(root, 'web/node_modules/esbuild/lib/main.js');
  if (!existsSync(esbuildPath)) return null;
  const { transform } = await import(pathToFileURL(esbuildPath).href);
  const out = await transform(code, { minify: true, format: 'esm', legalComments: 'none', logLevel: 'silent' });
  return Buffer.from(out.code);
}

// The WASM core's parts (not capped on their own; they are inside dist/'s files).
async function coreParts() {
  const wasm = path.join(dir, 'session_rating_core.wasm');
  const glue = path.join(dir, 'session_rating_core.mjs');
  if (!existsSync(wasm) || !existsSync(glue)) return [];
  const rows = [
    measure(path.relative(root, wasm), readFileSync(wasm)),
    measure(path.relative(root, glue), readFileSync(glue)),
  ];
  const glueMin = await minifiedGlue(readFileSync(glue, 'utf8'));
  if (glueMin) rows.push(measure('  glue minified (bundled only with SR_BUNDLE_GLUE=1)', glueMin));
  const api = path.join(root, 'web/core.mjs');
  if (existsSync(api)) rows.push(measure('web/core.mjs (JS API, as written)', readFileSync(api)));
  return rows;
}

async function report() {
  if (!existsSync(distDir)) {
    console.error(`size-report: ${path.relative(root, distDir) || distDir}/ not found (run node web/build.mjs first)`);
    process.exit(2);
  }
  const { rows, total } = sizes();
  if (rows.length === 0) {
    console.error(`size-report: no .js/.wasm/.css files in ${path.relative(root, distDir)}/`);
    process.exit(2);
  }
  const ok = total.gzip <= CAP_GZIP;
  if (args.includes('--json')) {
    console.log(JSON.stringify({ rows, total, cap_gzip: CAP_GZIP, goal_brotli: GOAL_BROTLI, parts: await coreParts() }));
  } else {
    const pad = (x, n) => String(x).padStart(n);
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    const line = (name, a, b, c) => console.log(`${name.padEnd(48)} ${pad(a, 8)} ${pad(b, 8)} ${pad(c, 8)}`);
    line('file (bytes)', 'raw', 'gzip', 'brotli');
    for (const r of rows) line(`${path.relative(root, distDir)}/${r.file}`, r.raw, r.gzip, r.brotli);
    line('total (what a site downloads)', total.raw, total.gzip, total.brotli);
    const parts = await coreParts();
    if (parts.length) {
      console.log('the WASM core and its JS API as built (for information; inside the files above):');
      for (const r of parts) line(r.file, r.raw, r.gzip, r.brotli);
    }
    console.log(
      `size: ${total.gzip} bytes gzip = ${kb(total.gzip)} (hard cap ${kb(CAP_GZIP)} gzip: ` +
        `${ok ? 'under' : 'OVER'}); ${kb(total.brotli)} brotli (goal ${kb(GOAL_BROTLI)})`,
    );
  }
  if (args.includes('--check') && !ok) {
    console.error(`size-report: FAIL — dist/ is ${total.gzip} bytes gzip, over the ${CAP_GZIP}-byte cap`);
    process.exit(1);
  }
}

// --- --functions: parse the wasm binary (code section + "name" custom section) ---------------

function readWasm(file) {
  const buf = readFileSync(file);
  let p = 8;
  const leb = () => {
    let r = 0, s = 0, b;
    do {
      b = buf[p++];
      r += (b & 0x7f) * 2 ** s;
      s += 7;
    } while (b & 0x80);
    return r;
  };
  let imported = 0;
  const names = new Map();
  const bodies = [];
  const sections = [];
  while (p < buf.length) {
    const id = buf[p++];
    const len = leb();
    const end = p + len;
    let name = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export',
      'start', 'elem', 'code', 'data', 'datacount'][id] || `#${id}`;
    if (id === 2) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 2; k++) {
          const l = leb(); // module name, then field name
          p += l;
        }
        const kind = buf[p++];
        if (kind === 0) { leb(); imported++; }
        else if (kind === 1) { p++; const f = leb(); leb(); if (f & 1) leb(); }
        else if (kind === 2) { const f = leb(); leb(); if (f & 1) leb(); }
        else if (kind === 3) p += 2;
      }
    } else if (id === 10) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        const l = leb();
        bodies.push(l);
        p += l;
      }
    } else if (id === 0) {
      const l = leb();
      const custom = buf.toString('utf8', p, p + l);
      name = `custom "${custom}"`;
      p += l;
      if (custom === 'name') {
        while (p < end) {
          const sub = buf[p++];
          const sl = leb();
          const se = p + sl;
          if (sub === 1) {
            const n = leb();
            for (let i = 0; i < n; i++) {
              const idx = leb();
              const nl = leb();
              names.set(idx, buf.toString('utf8', p, p + nl));
              p += nl;
            }
          }
          p = se;
        }
      }
    }
    sections.push([name, len]);
    p = end;
  }
  const funcs = bodies.map((size, i) => ({ size, name: names.get(i + imported) || `func${i + imported}` }));
  return { funcs, sections, named: names.size > 0 };
}

// Collapses template arguments: a<b<c>, d>::f(x) -> a<…>::f(…)
function shortName(name) {
  let out = '', depth = 0;
  for (const ch of name) {
    if (ch === '<' || ch === '(') {
      if (depth++ === 0) out += ch + '…';
    } else if (ch === '>' || ch === ')') {
      if (--depth === 0) out += ch;
    } else if (depth === 0) out += ch;
  }
  return out.replace(/nlohmann::json_abi_v[\d_]+::/g, 'nlohmann::').replace(/std::__2::/g, 'std::');
}

function area(name) {
  if (/ordered_map/.test(name)) return 'nlohmann (ordered_json instantiation)';
  if (/^nlohmann::|[^:]nlohmann::/.test(name) && !/^session_rating::|^sr_/.test(name)) return 'nlohmann/json';
  if (/^sr_|^\(anonymous namespace\)::(created|adopt|verdict|to_c)/.test(name)) return 'bridge (with inlined core code)';
  if (/^session_rating::/.test(name)) return 'core (session_rating::)';
  if (/^(strtod|strtof|strtold|snprintf|vsnprintf)$|parse_decimal|scale_pow10/.test(name)) return 'size shims (strtod, snprintf)';
  if (/^__cxxabiv1|^__cxa|typeinfo|^std::__2::(exception|bad_|logic_error|runtime_error)/.test(name)) return 'C++ ABI / RTTI';
  if (/^std::/.test(name)) return 'libc++ (std::)';
  if (/^(malloc|free|realloc|calloc|emmalloc|attempt_allocate|claim_more_memory|sbrk|.*_region|.*_bucket|posix_memalign|memalign|aligned_alloc)/.test(name)) return 'allocator (emmalloc)';
  if (/^__(add|sub|mul|div|trunc|extend|fix|float|eq|ne|lt|le|gt|ge|unord|compare)[a-z]*[tdsx]f[23]?$|l$/.test(name)) return 'soft-float / long double';
  return 'libc and other';
}

function functions() {
  const file = path.resolve(root, opt('--wasm', path.join(dir, 'session_rating_core_profiling.wasm')));
  if (!existsSync(file)) {
    console.error(`size-report: ${path.relative(root, file)} not found; build it with\n` +
      `  cmake --preset wasm && cmake --build --preset wasm-profiling`);
    process.exit(2);
  }
  const top = Number(opt('--functions', '40')) || 40;
  const { funcs, sections, named } = readWasm(file);
  console.log(`sections of ${path.relative(root, file)}:`);
  for (const [n, l] of sections) console.log(`  ${n.padEnd(28)} ${String(l).padStart(8)}`);
  if (!named) console.log('(no function names: not a --profiling-funcs build)');
  const total = funcs.reduce((a, f) => a + f.size, 0);
  const byArea = new Map();
  for (const f of funcs) {
    const a = area(f.name);
    const e = byArea.get(a) || { size: 0, count: 0 };
    e.size += f.size;
    e.count++;
    byArea.set(a, e);
  }
  console.log(`\ncode bytes by area (total ${total}, ${funcs.length} functions):`);
  for (const [a, e] of [...byArea].sort((x, y) => y[1].size - x[1].size)) {
    console.log(`  ${String(e.size).padStart(7)} ${((100 * e.size) / total).toFixed(1).padStart(5)}%  ${String(e.count).padStart(4)} fns  ${a}`);
  }
  console.log(`\nlargest ${top} functions (code bytes):`);
  for (const f of [...funcs].sort((a, b) => b.size - a.size).slice(0, top)) {
    const shown = args.includes('--full-names') ? f.name : shortName(f.name).slice(0, 140);
    console.log(`  ${String(f.size).padStart(7)}  ${shown}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (args.includes('--functions')) functions();
  else await report();
}
