// web/core.mjs — the JavaScript API of the session-rating core (compiled to WebAssembly).
//
//   import { loadCore } from './core.mjs';
//   const core = await loadCore({ wasmUrl: '/assets/session_rating_core.wasm' });
//   const flow = core.createFlow({ scale: 'stars' }, { session_id: 's-1' });
//   if (!flow.ok) console.log(flow.errors);            // [{path, code, message}]
//   const result = flow.dispatch({ type: 'score', value: 5, at: Date.now() });
//   // result: {ok, view, emit} or {ok: false, error: {code, message}, view, emit}
//   flow.destroy();
//
// Every result is a plain object with the JSON shape of the core's contracts (docs/). Bad
// input (an invalid config, an unknown event, a malformed record, ...) comes back as the
// structured error, never as an exception. Exceptions are thrown only for misuse: using a
// destroyed flow, calling with the wrong number of arguments... (see core.d.mts).
//
// Objects given to the API are serialised with JSON.stringify (a common event is written
// straight into WASM memory as the same bytes: Core._writeEvent); a *string* given where a JSON
// value is expected (config, context, event, snapshot, record, records, history, throttle)
// is taken as JSON text and handed to the core unchanged. redact(text) takes the text itself.
//
// The WebAssembly glue (session_rating_core.mjs, made by the WASM build) is not imported
// statically, so this file can be bundled on its own: pass `moduleFactory` (the glue's
// default export), or let loadCore() import `glueUrl` (default: ./session_rating_core.mjs
// next to this file — never the repo's build folder). See docs/wasm.md.

/** @type {Promise<Core> | null} */
let loading = null;

/**
 * Loads the core once; later calls return the same instance (their options are ignored).
 * @param {import('./core').LoadOptions} [options]
 * @returns {Promise<import('./core').Core>}
 */
export function loadCore(options = {}) {
  if (!loading) {
    loading = instantiate(options).catch((err) => {
      loading = null; // a failed load (network, CSP) may be retried
      throw err;
    });
  }
  return loading;
}

async function instantiate(options) {
  let factory = options.moduleFactory;
  let glueHref = null;
  if (!factory) {
    // The caller's glueUrl, else the glue next to this file, as shipped. The repo's build
    // folder is never guessed here: tests and tools pass it (web/bin/built-core.mjs).
    glueHref = String(options.glueUrl || new URL('./session_rating_core.mjs', import.meta.url));
    try {
      factory = (await import(/* @vite-ignore */ /* webpackIgnore: true */ glueHref)).default;
    } catch (err) {
      throw new Error(
        `session-rating core: cannot load the WebAssembly glue from ${glueHref}; ` +
          'pass moduleFactory or glueUrl (docs/wasm.md)',
        { cause: err },
      );
    }
  }
  let wasmBinary = options.wasmBinary;
  if (!wasmBinary && !options.wasmUrl && glueHref && glueHref.startsWith('file:') && nodeBuiltin('node:fs')) {
    // Node: the glue would fetch() a file path, which Node refuses; read the .wasm beside it.
    const { readFileSync } = nodeBuiltin('node:fs');
    const { fileURLToPath } = nodeBuiltin('node:url');
    wasmBinary = readFileSync(fileURLToPath(glueHref.replace(/\.mjs$/, '.wasm')));
  }
  return createCore(factory, { wasmBinary, wasmUrl: options.wasmUrl }, options.coreClass);
}

/**
 * A new core from the glue's default export (`moduleFactory`), without loadCore()'s search
 * for the glue and without its load-once cache: for bundles that import the glue themselves.
 * @param {import('./core').LoadOptions['moduleFactory']} moduleFactory
 * @param {{wasmBinary?: ArrayBuffer | Uint8Array, wasmUrl?: string | URL}} [where]
 * @returns {Promise<import('./core').Core>}
 */
export async function createCore(moduleFactory, { wasmBinary, wasmUrl } = {}, CoreClass = Core) {
  /** @type {Record<string, unknown>} */
  const moduleArg = {
    print: () => {},
    printErr: (text) => console.error('session-rating core:', text),
  };
  if (wasmBinary) {
    moduleArg.wasmBinary = wasmBinary;
  } else if (wasmUrl) {
    const url = String(wasmUrl);
    moduleArg.locateFile = (path) => (path.endsWith('.wasm') ? url : path);
  }
  return new CoreClass(await moduleFactory(moduleArg));
}

// A Node.js built-in module without a static import (keeps this file bundleable for browsers);
// null outside Node or on Node versions without process.getBuiltinModule.
function nodeBuiltin(name) {
  const proc = typeof process === 'object' && process ? process : null;
  return proc && typeof proc.getBuiltinModule === 'function' ? proc.getBuiltinModule(name) : null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// The bare wire answer of a dispatch (docs/view.md, "The wire form"), read straight from WASM
// memory instead of decoding it to text and parsing that (0.1 instead of 0.4 µs in Node): a
// flat JSON array of true, false, null, integers and strings, without whitespace, as
// Flow::dispatch_wire writes it. A string whose bytes are those of the string at the same
// position of `prev` (the last answer) is that string: the step and the comment text rarely
// change, so a common answer makes one array and no string. Anything else (an answer object,
// an escape in a string, a fraction or exponent, more than 15 digits, a byte out of place)
// gives undefined, and the caller parses the text with JSON.parse, so this only ever reads
// what JSON.parse reads, the same way. Never reads at or past `end`. Exported for its tests
// (web/test/wire.test.mjs); not part of the documented API (core.d.mts).
export function readWireArray(heap, at, end, prev) {
  if (at >= end || heap[at] !== 0x5b) return undefined; // [
  const out = [];
  let i = at + 1;
  if (i < end && heap[i] === 0x5d) return i + 1 === end ? out : undefined;
  for (;;) {
    if (i >= end) return undefined;
    const c = heap[i];
    let v;
    if (c === 0x22) { // a string: no escapes, no control characters
      const s = ++i;
      let ascii = true;
      for (;; i++) {
        if (i >= end) return undefined;
        const b = heap[i];
        if (b === 0x22) break;
        if (b === 0x5c || b < 0x20) return undefined;
        if (b >= 0x80) ascii = false;
      }
      const old = prev === undefined ? undefined : prev[out.length];
      v = ascii && typeof old === 'string' && sameAscii(old, heap, s, i)
        ? old : decoder.decode(heap.subarray(s, i));
      i++;
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) { // true, false, null
      const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null';
      if (i + word.length > end || !sameAscii(word, heap, i, i + word.length)) return undefined;
      v = c === 0x74 ? true : c === 0x66 ? false : null;
      i += word.length;
    } else { // an integer: -?(0|[1-9][0-9]*), at most 15 digits (exact in a double)
      const negative = c === 0x2d;
      if (negative) i++;
      const s = i;
      let n = 0;
      for (; i < end; i++) {
        const d = heap[i] - 0x30;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
      }
      const digits = i - s;
      if (digits === 0 || digits > 15 || (digits > 1 && heap[s] === 0x30)) return undefined;
      v = negative ? -n : n;
    }
    out.push(v);
    if (i >= end) return undefined;
    const sep = heap[i++];
    if (sep === 0x5d) return i === end ? out : undefined; // ]
    if (sep !== 0x2c) return undefined; // ,
  }
}

// Writes t at view[p] (quoted if asked) and returns the position after it; -1 if t is not
// printable ASCII or has a " or \ (it would need escaping).
function putAscii(view, p, t, quote) {
  if (quote) view[p++] = 0x22;
  for (let k = 0; k < t.length; k++) {
    const c = t.charCodeAt(k);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
    view[p++] = c;
  }
  if (quote) view[p++] = 0x22;
  return p;
}

// Whether the ASCII bytes heap[s, e) are the string t.
function sameAscii(t, heap, s, e) {
  if (t.length !== e - s) return false;
  for (let k = 0; k < t.length; k++) if (t.charCodeAt(k) !== heap[s + k]) return false;
  return true;
}

/** Thrown for misuse of the API (not for bad input, which gives a structured error). */
export class CoreUsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CoreUsageError';
  }
}

// Bytes of `t` in UTF-8 (what TextEncoder writes: a lone surrogate becomes U+FFFD, 3 bytes).
function utf8Length(t) {
  let n = t.length;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < t.length && (t.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a pair: 2 units, 4 bytes
      i++;
    } else n += 2;
  }
  return n;
}

// JSON text of an argument: strings are JSON text already. JSON.stringify failures (cycles,
// BigInt) and `undefined` become text the core rejects as invalid JSON.
function jsonText(value) {
  if (typeof value === 'string') return value;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? '' : text;
  } catch {
    return '';
  }
}

class Core {
  constructor(module) {
    this._m = module;
    this._scratch = 0; // reusable input buffer in WASM memory
    this._scratchSize = 0;
    this._slot = 0; // 4 bytes for a char** out-parameter, inside the scratch block
    this._scratchView = null; // a Uint8Array on the scratch buffer (_scratchBytes); null when it moved
    this._reserve(1024);
    const registry =
      typeof FinalizationRegistry === 'function'
        ? new FinalizationRegistry((handle) => this._m._sr_flow_destroy(handle))
        : null;
    this._registry = registry;
  }

  // Makes the scratch buffer at least `bytes` long (plus the out-parameter slot).
  _reserve(bytes) {
    if (bytes <= this._scratchSize) return;
    const size = Math.max(bytes, this._scratchSize * 2, 1024);
    const m = this._m;
    if (this._scratch) m._sr_free(this._scratch);
    this._scratch = m._sr_alloc(size + 8);
    this._scratchSize = size;
    this._scratchView = null;
    if (!this._scratch) throw new CoreUsageError('session-rating core: out of memory');
    this._slot = (this._scratch + size + 3) & ~3;
  }

  // Writes the strings one after another into the scratch buffer; returns [ptr, len, ...].
  // The buffer is made as large as the UTF-8 text, not its worst case (3 bytes per UTF-16
  // unit): it is kept for the next call, and WebAssembly memory never shrinks, so a 20 KB
  // prompt history reserved at 3x grew the memory from 128 to 256 KiB (docs/wasm.md).
  _write(...texts) {
    let need = 0;
    for (const t of texts) need += utf8Length(t);
    this._reserve(need);
    const heap = this._m.HEAPU8;
    const args = [];
    let at = this._scratch;
    for (const t of texts) {
      const { written } = encoder.encodeInto(t, heap.subarray(at, this._scratch + need));
      args.push(at, written);
      at += written;
    }
    return args;
  }

  // _write() of one text (an event, on every dispatch): its UTF-8 length; it starts at
  // this._scratch. A text that fits at its worst (3 bytes per UTF-16 unit, what encodeInto can
  // write) is not measured first.
  _writeOne(t) {
    if (t.length * 3 > this._scratchSize) this._reserve(utf8Length(t));
    return encoder.encodeInto(t, this._scratchBytes()).written;
  }

  // The scratch buffer as bytes: one Uint8Array, kept until the buffer moves (_reserve) or the
  // memory grows (a new ArrayBuffer behind HEAPU8).
  _scratchBytes() {
    const heap = this._m.HEAPU8;
    let view = this._scratchView;
    if (view === null || view.buffer !== heap.buffer) {
      view = this._scratchView = heap.subarray(this._scratch, this._scratch + this._scratchSize);
    }
    return view;
  }

  // A common event written as JSON straight into the scratch buffer: the bytes JSON.stringify
  // and _writeOne would write, without the text in between (0.1 instead of 0.3 µs in Node).
  // Common: a plain object whose keys are printable ASCII and whose members are strings of
  // printable ASCII, finite numbers, booleans or null, with no " or \ anywhere. Anything else
  // (a comment in another script, a quote, an array, undefined, NaN, toJSON) gives -1, and
  // the caller writes JSON.stringify's text instead. Its UTF-8 length otherwise.
  _writeEvent(e) {
    if (e === null || typeof e !== 'object' || Object.getPrototypeOf(e) !== Object.prototype) return -1;
    const view = this._scratchBytes();
    // Writes past the view's end are dropped (a typed array's bounds): checked once, at the end.
    const keys = Object.keys(e);
    let p = 0;
    view[p++] = 0x7b; // {
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) view[p++] = 0x2c; // ,
      p = putAscii(view, p, keys[i], true);
      if (p < 0) return -1;
      view[p++] = 0x3a; // :
      const v = e[keys[i]];
      p = typeof v === 'string' ? putAscii(view, p, v, true)
        : (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || v === null
          ? putAscii(view, p, String(v), false) : -1;
      if (p < 0 || p > view.length) return -1;
    }
    view[p++] = 0x7d; // }
    return p > view.length ? -1 : p;
  }

  // Reads and frees a char* result; null stays null.
  _take(ptr) {
    if (!ptr) return null;
    const heap = this._m.HEAPU8;
    const end = heap.indexOf(0, ptr);
    const text = decoder.decode(heap.subarray(ptr, end));
    this._m._sr_free(ptr);
    return text;
  }

  _create(fn, a, b, kind) {
    const m = this._m;
    const [pa, la, pb, lb] = this._write(jsonText(a), jsonText(b));
    const handle = fn(pa, la, pb, lb, this._slot);
    if (!handle) {
      const errorsPtr = m.HEAPU32[this._slot >> 2];
      const text = this._take(errorsPtr);
      if (text === null) throw new CoreUsageError(`session-rating core: out of memory in ${kind}`);
      return { ok: false, errors: JSON.parse(text) };
    }
    const flow = new Flow(this, handle);
    if (this._registry) this._registry.register(flow, handle, flow);
    return flow;
  }

  /**
   * Validates config (contract 1) and context (contract 2) and starts a flow.
   * @returns {Flow | {ok: false, errors: Array<{path: string, code: string, message: string}>}}
   */
  createFlow(config, context) {
    return this._create(this._m._sr_flow_create, config, context, 'createFlow');
  }

  /** Rebuilds a flow from snapshot() / snapshotJSON() output with the same config. */
  restoreFlow(config, snapshot) {
    return this._create(this._m._sr_flow_restore, config, snapshot, 'restoreFlow');
  }

  _call(fn, ...texts) {
    if (typeof fn !== 'function')
      throw new CoreUsageError(
        'session-rating core: not in this build (the widget\'s core ships the flow only; ' +
          'validateRecord, redact and aggregate are in the tools build, session_rating_tools)',
      );
    const args = this._write(...texts);
    const text = this._take(fn(...args));
    if (text === null) throw new CoreUsageError('session-rating core: out of memory');
    return JSON.parse(text);
  }

  /** @returns {{ok: boolean, errors: Array<{path: string, code: string, message: string}>}} */
  validateConfig(config) {
    return this._call(this._m._sr_validate_config, jsonText(config));
  }

  /** Whether to show the prompt (contract 7): {key, prompt, reason} or {error: [...]}. */
  shouldPrompt(history, context, now, throttle = {}) {
    const m = this._m;
    const [ph, lh, pc, lc, pt, lt] = this._write(
      jsonText(history),
      jsonText(context),
      jsonText(throttle),
    );
    const nowMs = typeof now === 'number' ? now : NaN;
    const text = this._take(m._sr_should_prompt(ph, lh, pc, lc, nowMs, pt, lt));
    if (text === null) throw new CoreUsageError('session-rating core: out of memory');
    return JSON.parse(text);
  }

  /** Bytes of WASM memory (for leak tests and diagnostics). */
  get memoryBytes() {
    return this._m.HEAP8.buffer.byteLength;
  }

  /** Flows created and not yet destroyed or collected. */
  get liveFlows() {
    return this._m._sr_flow_count();
  }
}

class Flow {
  constructor(core, handle) {
    this._core = core;
    this._handle = handle;
    this._base = null; // the view's config-only parts, from the first view (_constant)
    this._picks = null; // [question][problem][0 | 1]: the problems' shared objects
    this._wire = undefined; // the last wire view: its strings are reused when their bytes recur
  }

  /** Always true: a flow, not an error result (createFlow returns {ok: false} on errors). */
  get ok() {
    return true;
  }

  get destroyed() {
    return this._handle === 0;
  }

  _live(method) {
    if (this._handle === 0) {
      throw new CoreUsageError(`session-rating core: ${method}() on a destroyed flow`);
    }
    return this._handle;
  }

  _text(ptr, method) {
    const text = this._core._take(ptr);
    if (text === null) throw new CoreUsageError(`session-rating core: ${method}() failed`);
    return text;
  }

  // The core's answer in the wire form (docs/view.md, "The wire form"), parsed: its view
  // holds only what events change: the bare wire view (an accepted event without records) or
  // the answer object around it. The text is the bridge's own buffer (not freed here).
  _dispatchWire(event) {
    const handle = this._live('dispatch');
    const core = this._core;
    const m = core._m;
    // First: writing may move the scratch buffer. A string is JSON text already (-1 too).
    let length = core._writeEvent(event);
    if (length < 0) length = core._writeOne(jsonText(event));
    const n = m._sr_flow_dispatch(handle, core._scratch, length, core._slot);
    if (n < 0) throw new CoreUsageError('session-rating core: dispatch() failed');
    const at = m.HEAPU32[core._slot >> 2];
    const heap = m.HEAPU8;
    let r = readWireArray(heap, at, at + n, this._wire);
    if (r === undefined) r = JSON.parse(decoder.decode(heap.subarray(at, at + n)));
    const wire = Array.isArray(r) ? r : r.view;
    if (Array.isArray(wire)) this._wire = wire; // compared with the next answer's strings
    return r;
  }

  // The config-only parts of the view, from one full view of this flow (the first one), and
  // each problem of each question as two frozen objects, not picked and picked: a view shares
  // them (read them, do not change them), so a dispatch makes no object per problem.
  _constant() {
    if (this._base === null) {
      const base = this.view();
      this._picks = base.questions.map((q) => q.problems.map((p) => [false, true].map((selected) =>
        Object.freeze({ id: p.id, label: p.label, selected }))));
      this._base = base;
    }
    return this._base;
  }

  // A whole view (docs/view.md) from a wire view and the flow's constant parts: the same
  // members in the same order as view(). The wire view is one flat array by position
  // (docs/view.md, "The wire form"): step, open, can_submit, can_edit, revision,
  // edit_deadline, final, then five per question: score, low, picks (bit i is problem i),
  // text, remaining. range, options, end_labels, strings and the problems' objects are shared
  // by every view of this flow (read them, do not change them).
  _assemble(w) {
    const base = this._constant();
    const n = base.questions.length;
    const questions = new Array(n);
    for (let q = 0, k = 7; q < n; q++, k += 5) {
      const s = base.questions[q];
      const picks = w[k + 2];
      const shared = this._picks[q];
      const problems = new Array(shared.length);
      for (let i = 0; i < problems.length; i++) problems[i] = shared[i][(picks >>> i) & 1];
      const c = s.comment;
      questions[q] = {
        id: s.id,
        text: s.text,
        scale: s.scale,
        range: s.range,
        options: s.options,
        end_labels: s.end_labels,
        required: s.required,
        score: w[k],
        low: w[k + 1],
        problems,
        comment: {
          enabled: c.enabled,
          required: c.required,
          text: w[k + 3],
          max_length: c.max_length,
          remaining: w[k + 4],
        },
      };
    }
    return {
      step: w[0],
      open: w[1],
      locale: base.locale,
      dir: base.dir,
      questions,
      can_submit: w[2],
      can_edit: w[3],
      revision: w[4],
      edit_deadline: w[5],
      final: w[6],
      strings: base.strings,
    };
  }

  /** Applies one event: {ok, view, emit} or {ok: false, error: {code, message}, view, emit}. */
  dispatch(event) {
    const r = this._dispatchWire(event);
    if (Array.isArray(r)) return { ok: true, view: this._assemble(r), emit: [] };
    r.view = this._assemble(r.view);
    return r;
  }

  /** dispatch() with JSON text in and out (the result as JSON.stringify writes it). */
  dispatchJSON(eventText) {
    return JSON.stringify(this.dispatch(String(eventText)));
  }

  viewJSON() {
    const handle = this._live('view');
    return this._text(this._core._m._sr_flow_view(handle), 'view');
  }

  /** The current view (docs/view.md). */
  view() {
    return JSON.parse(this.viewJSON());
  }

  snapshotJSON() {
    const handle = this._live('snapshot');
    return this._text(this._core._m._sr_flow_snapshot(handle), 'snapshot');
  }

  /** The flow's state; restoreFlow(config, snapshot) resumes it exactly. */
  snapshot() {
    return JSON.parse(this.snapshotJSON());
  }

  /** Releases the flow's WASM memory. Idempotent; any other call afterwards throws. */
  destroy() {
    if (this._handle === 0) return;
    const core = this._core;
    if (core._registry) core._registry.unregister(this);
    core._m._sr_flow_destroy(this._handle);
    this._handle = 0;
  }
}

export { Core, Flow };

/**
 * The core with the tools' functions: record validation, redaction on its own, insights.
 * Needs the tools build (session_rating_tools.{mjs,wasm}); the widget's build leaves these
 * out, and so does the widget's bundle (nothing there refers to this class). Get one with
 * `loadCore({..., coreClass: ToolsCore})` or `createCore(factory, where, ToolsCore)`.
 */
export class ToolsCore extends Core {
  /** Checks a record received from outside (contract 3). Same result shape as validateConfig. */
  validateRecord(record) {
    return this._call(this._m._sr_validate_record, jsonText(record));
  }

  /** @returns {{text: string, redactions: Array<{kind: string, count: number}>} | {error: object}} */
  redact(text) {
    if (typeof text !== 'string') throw new CoreUsageError('redact(text): text must be a string');
    return this._call(this._m._sr_redact, text);
  }

  /**
   * Insights (contract 6) over an array of records (rating.v2 or rating.v1); `by` is 'topic',
   * 'agent', 'day' or 'property:KEY'; `question` counts only that question's answers.
   */
  aggregate(records, { by = '', question = '' } = {}) {
    return this._call(
      this._m._sr_aggregate,
      jsonText(records),
      typeof by === 'string' ? by : '?',
      // Not a string: passed as an invalid id, so the core reports it at "/question".
      typeof question === 'string' ? question : '?',
    );
  }
}
