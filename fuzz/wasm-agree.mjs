// Native and WASM agree on every fuzz corpus input (issue 13): for each input of the config,
// context, events and records corpora (committed files and the generated big seeds), the
// native core (replay-<target> --print, one JSON line per input) and the WASM tools build
// (driven here through its C exports with the input's raw bytes, so invalid UTF-8 and NUL
// bytes reach the core exactly as natively) give the same accept/reject and the same error
// codes and paths — for events, per event, and for each snapshot/restore point.
//
//   node fuzz/wasm-agree.mjs BUILD_DIR      (BUILD_DIR/fuzz holds replay-* and sr-fuzz-seeds)
//
// Run by scripts/test.d/30-wasm.sh with the native preset's build.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';

import { loadBuiltCore } from '../web/bin/built-core.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const buildDir = path.resolve(process.argv[2] || path.join(here, '../build/native'));
const bin = path.join(buildDir, 'fuzz');
const targets = ['config', 'context', 'events', 'records'];

const literals = [...fs.readFileSync(path.join(here, 'flow_configs.h'), 'utf8').matchAll(/R"cfg\((.*?)\)cfg"/gs)].map((m) => Buffer.from(m[1]));
const flowConfigs = literals.slice(0, -1);
const flowContext = literals.at(-1);
const contextConfig = Buffer.from('{}'); // fuzz/targets/context.cpp kConfig

const core = await loadBuiltCore();
const m = core._m;

// Raw bytes in, raw bytes out: no UTF-16 round trip on the way.
const put = (buf) => {
  const p = m._sr_alloc(buf.length || 1);
  m.HEAPU8.set(buf, p);
  return p;
};
const takeBytes = (ptr) => {
  const end = m.HEAPU8.indexOf(0, ptr);
  const out = Buffer.from(m.HEAPU8.subarray(ptr, end));
  m._sr_free(ptr);
  return out;
};
const takeJson = (ptr) => JSON.parse(takeBytes(ptr).toString('utf8'));
// sr_flow_dispatch's answer: `n` bytes of the bridge's own buffer, its address in `slot` (not
// freed); the common answer is the bare wire view (docs/view.md, "The wire form").
const readAnswer = (n) => {
  const at = m.HEAPU32[slot >> 2];
  const r = JSON.parse(Buffer.from(m.HEAPU8.subarray(at, at + n)).toString('utf8'));
  return Array.isArray(r) ? { ok: true, view: r, emit: [] } : r;
};
const errs = (list) => list.map((e) => [e.path, e.code]);
const slot = m._sr_alloc(8);

function call(fn, ...bufs) {
  const args = [];
  const ptrs = [];
  for (const b of bufs) {
    const p = put(b);
    ptrs.push(p);
    args.push(p, b.length);
  }
  try {
    return fn(...args);
  } finally {
    for (const p of ptrs) m._sr_free(p);
  }
}

// A flow handle, or {errors}.
function create(fn, a, b) {
  const h = call((...args) => fn(...args, slot), a, b);
  if (h) return { handle: h };
  return { errors: takeJson(m.HEAPU32[slot >> 2]) };
}

function splitLines(buf) {
  const lines = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) {
      lines.push(buf.subarray(start));
      break;
    }
    lines.push(buf.subarray(start, nl));
    start = nl + 1;
  }
  return lines;
}

const wasm = {
  config(input) {
    const r = takeJson(call(m._sr_validate_config, input));
    return { ok: r.ok, errors: errs(r.errors) };
  },
  records(input) {
    const r = takeJson(call(m._sr_validate_record, input));
    return { ok: r.ok, errors: errs(r.errors) };
  },
  context(input) {
    const c = create(m._sr_flow_create, contextConfig, input);
    if (c.handle) m._sr_flow_destroy(c.handle);
    return { ok: !c.errors, errors: c.errors ? errs(c.errors) : [] };
  },
  // Mirrors sr_fuzz_describe() of fuzz/targets/events.cpp.
  events(input) {
    const lines = splitLines(input);
    const sel = lines[0];
    const config =
      sel.length === 1 && sel[0] >= 0x30 && sel[0] - 0x30 < flowConfigs.length ? flowConfigs[sel[0] - 0x30] : sel;
    const events = lines.slice(1, 1 + 512);
    const isMark = (b) => b.toString('latin1') === '#snapshot';
    const marked = events.some(isMark);
    const c = create(m._sr_flow_create, config, flowContext);
    if (c.errors) return { ok: false, errors: errs(c.errors) };
    let h = c.handle;
    const steps = [];
    events.forEach((e, i) => {
      if (marked ? isMark(e) : i === events.length >> 1) {
        const snap = takeBytes(m._sr_flow_snapshot(h));
        const r = create(m._sr_flow_restore, config, snap);
        steps.push(['restore', r.handle ? 1 : 0]);
        if (r.handle) {
          m._sr_flow_destroy(h);
          h = r.handle;
        }
      }
      if (isMark(e)) return;
      const r = readAnswer(call((p, l) => m._sr_flow_dispatch(h, p, l, slot), e));
      steps.push([r.ok ? 1 : 0, r.ok ? '' : r.error.code, r.emit.length]);
    });
    m._sr_flow_destroy(h);
    return { ok: true, errors: [], steps };
  },
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-agree-'));
let failures = 0;
let total = 0;
try {
  for (const t of targets) {
    const corpus = path.join(here, 'corpus', t);
    const gen = path.join(tmp, t);
    fs.mkdirSync(gen);
    execFileSync(path.join(bin, 'sr-fuzz-seeds'), [t, gen], { stdio: 'ignore' });
    const inputs = new Map();
    for (const f of fs.readdirSync(corpus)) inputs.set(f, path.join(corpus, f));
    for (const f of fs.readdirSync(gen)) inputs.set(`generated/${f}`, path.join(gen, f));
    const native = execFileSync(path.join(bin, `replay-${t}`), ['--print', corpus], {
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    let n = 0;
    let bad = 0;
    for (const { input, result } of native) {
      const file = inputs.get(input);
      if (!file) {
        console.error(`wasm-agree ${t}: no input file for ${input}`);
        bad++;
        continue;
      }
      let got;
      try {
        got = wasm[t](fs.readFileSync(file));
      } catch (err) {
        got = { wasm_error: String(err && err.message) };
      }
      n++;
      if (!isDeepStrictEqual(got, result)) {
        bad++;
        if (bad <= 10) {
          console.error(`wasm-agree ${t}: ${input} differs`);
          console.error(`  native: ${JSON.stringify(result).slice(0, 600)}`);
          console.error(`  wasm:   ${JSON.stringify(got).slice(0, 600)}`);
        }
      }
    }
    if (n !== inputs.size) {
      console.error(`wasm-agree ${t}: native ran ${n} of ${inputs.size} inputs`);
      bad++;
    }
    console.log(`wasm-agree ${t}: ${n} inputs, ${bad ? bad + ' differ' : 'native and WASM agree'}`);
    total += n;
    failures += bad;
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`wasm-agree: ${total} inputs, ${failures} differences`);
process.exitCode = failures ? 1 : 0;
