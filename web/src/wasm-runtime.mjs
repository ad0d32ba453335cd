// wasm-runtime.mjs — the widget bundles' stand-in for the Emscripten glue (docs/wasm.md,
// "The widget's runtime"). web/build.mjs reads the names this needs from the glue the WASM
// build wrote (the minified import/export names of the .wasm) and bundles
// `runtime({...those names})` instead of the glue; when the glue holds anything else (another
// Emscripten version, a new import) the bundle keeps the glue. Tools, tests and the CLI
// runner (Node) load the glue itself.
//
// What the glue did for the shipped core, and this does too: fetch and instantiate the .wasm
// (streaming, with the ArrayBuffer fallback of a server sending the wrong MIME type), the two
// imports (abort; memory growth with the glue's growth policy and fresh views), the
// constructors, and the module object the JS API reads (`_sr_*`, HEAP8, HEAPU8, HEAPU32).
//
// `names`: {mod, abort, resize, memory, ctors, file, exports: {_sr_x: 'e', ...}}.
export const runtime = (names) => async (arg) => {
  const printErr = arg.printErr || (() => {});
  let memory;
  const views = (b = memory.buffer) => {
    arg.HEAP8 = new Int8Array(b);
    arg.HEAPU8 = new Uint8Array(b);
    arg.HEAPU32 = new Uint32Array(b);
  };
  const abort = (what) => {
    printErr((what = `Aborted(${what})`));
    throw new WebAssembly.RuntimeError(what);
  };
  const max = 2 ** 31;
  const info = {
    [names.mod]: {
      [names.abort]: () => abort(''),
      // emscripten_resize_heap: the glue's policy (grow by 20 %, less when that fails).
      [names.resize]: (size) => {
        const old = memory.buffer.byteLength;
        if ((size >>>= 0) > max) return 0;
        for (let cut = 1; cut <= 4; cut *= 2) {
          const want = Math.max(size, Math.min(old * (1 + 0.2 / cut), size + 100663296));
          try {
            memory.grow((Math.min(max, Math.ceil(want / 65536) * 65536) - old + 65535) >>> 16);
            views();
            return 1;
          } catch {}
        }
        return 0;
      },
    },
  };
  // The glue's chain and messages: a failed fetch rejects as is; a failed streaming compile
  // (e.g. a server's wrong MIME type) falls back to the ArrayBuffer path, which aborts.
  const instantiate = (bytes) =>
    bytes.then((b) => WebAssembly.instantiate(b, info)).catch((e) => {
      printErr(`failed to asynchronously prepare wasm: ${e}`);
      abort(e);
    });
  let result;
  if (arg.wasmBinary) result = await instantiate(Promise.resolve(arg.wasmBinary));
  else {
    const url = arg.locateFile ? arg.locateFile(names.file, '') : new URL(names.file, import.meta.url).href;
    const get = () => fetch(url, { credentials: 'same-origin' });
    result = await WebAssembly.instantiateStreaming(await get(), info).catch((e) => {
      printErr(`wasm streaming compile failed: ${e}`);
      printErr('falling back to ArrayBuffer instantiation');
      return instantiate(get().then((r) => {
        if (!r.ok) throw 0;
        return r.arrayBuffer();
      }).catch(() => abort('both async and sync fetching of the wasm failed')));
    });
  }
  const exports = result.instance.exports;
  memory = exports[names.memory];
  views();
  exports[names.ctors]();
  for (const [name, short] of Object.entries(names.exports)) arg[name] = exports[short];
  return arg;
};
