// web/glue-names.mjs — build time only (web/build.mjs, web/test/runtime.test.mjs): the names
// web/src/wasm-runtime.mjs needs (the .wasm's minified import and export names), read from the
// Emscripten glue the WASM build wrote; null when the glue holds anything that runtime does not
// do (then the bundle carries the glue, trimmed).
export function runtimeNames(code) {
  const one = (re) => (code.match(re) || [])[1];
  const imports = one(/var asmLibraryArg=\{([^}]*)\}/);
  const names = {
    mod: one(/var info=\{"(\w+)":asmLibraryArg\}/),
    memory: one(/wasmMemory=Module\["asm"\]\["(\w+)"\]/),
    file: one(/wasmBinaryFile="([^"]+)"/),
    exports: {},
  };
  for (const [, key, fn] of (imports || '').matchAll(/"(\w+)":(\w+)/g)) {
    const role = { _abort: 'abort', _emscripten_resize_heap: 'resize' }[fn];
    if (!role) return null;
    names[role] = key;
  }
  for (const [, name, key] of code.matchAll(/Module\["(\w+)"\]=Module\["asm"\]\["(\w+)"\]/g)) {
    if (name === '___wasm_call_ctors') names.ctors = key;
    else names.exports[name] = key;
  }
  const ok = ['mod', 'memory', 'file', 'abort', 'resize', 'ctors'].every((k) => names[k]) &&
    Object.keys(names.exports).length > 0;
  return ok ? names : null;
}
