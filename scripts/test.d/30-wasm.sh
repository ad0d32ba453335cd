#!/usr/bin/env bash
# WebAssembly build of the core (preset wasm), the JS tests, and native <-> WASM parity.
# The size cap is checked once, on what ships (dist/), by 40-web.sh.
set -euo pipefail
cd "$SR_ROOT"

cmake --preset wasm >/dev/null
cmake --build --preset wasm -j "$SR_JOBS"

failed=()

# JS API tests (node's runner; --expose-gc lets the FinalizationRegistry test run).
node --expose-gc --test web/test/*.test.mjs || failed+=("JS tests")

# Parity: both runners over the same scenarios must print the same thing, exit the same way,
# and dump the same actual result (as JSON values) for every step of every scenario.
native=build/native/core/session-rating
if [ ! -x "$native" ]; then
  echo "30-wasm: $native is missing (stage 10 builds it)" >&2
  exit 1
fi
# (the checks above ran even if an earlier one failed; the stage fails at the end)
out=build/wasm/parity
mkdir -p "$out"
paths=(native-tests/scenarios examples/flow-tests)
set +e
"$native" test "${paths[@]}" --dump "$out/native.jsonl" >"$out/native.txt" 2>&1
native_rc=$?
node web/bin/session-rating.mjs test "${paths[@]}" --dump "$out/wasm.jsonl" >"$out/wasm.txt" 2>&1
wasm_rc=$?
set -e
status=0
if [ "$native_rc" != "$wasm_rc" ]; then
  echo "parity: exit codes differ: native $native_rc, wasm $wasm_rc" >&2
  status=1
fi
# Compared as JSON values, not bytes: each runner prints JSON with its own library (nlohmann
# natively, JSON.parse/JSON.stringify in JS), so the JSON part of a line counts as the same when
# both parse to equal values (docs/json.md, "Parity"); all other text must match exactly.
if ! node - "$out/native.txt" "$out/wasm.txt" "$out/native.jsonl" "$out/wasm.jsonl" <<'EOF'
const fs = require('fs');
const { isDeepStrictEqual } = require('util');
const [nativeTxt, wasmTxt, nativeDump, wasmDump] =
  process.argv.slice(2).map((f) => fs.readFileSync(f, 'utf8').split('\n'));
const parse = (t) => {
  try {
    return { v: JSON.parse(t) };
  } catch {
    return undefined;
  }
};
const sameJson = (a, b) => {
  const x = parse(a);
  const y = parse(b);
  return x !== undefined && y !== undefined && isDeepStrictEqual(x.v, y.v);
};
// A report line "<label>: <JSON>" matches when the labels match and the JSON values are equal.
const sameLine = (a, b) => {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const i = a.indexOf(': ');
  const j = b.indexOf(': ');
  return i >= 0 && a.slice(0, i) === b.slice(0, j) && sameJson(a.slice(i + 2), b.slice(j + 2));
};
let ok = true;
let header = false;
for (let i = 0; i < Math.max(nativeTxt.length, wasmTxt.length); i++) {
  if (sameLine(nativeTxt[i], wasmTxt[i])) continue;
  if (!header) console.error('parity: runner output differs (native <, wasm >):');
  header = true;
  console.error(`  line ${i + 1}\n  < ${nativeTxt[i]}\n  > ${wasmTxt[i]}`);
  ok = false;
}
header = false;
for (let i = 0; i < Math.max(nativeDump.length, wasmDump.length); i++) {
  const a = nativeDump[i];
  const b = wasmDump[i];
  if (a === b || (a !== undefined && b !== undefined && sameJson(a, b))) continue;
  if (!header) console.error('parity: actual results differ for these scenarios:');
  header = true;
  const name = (a || b || '').match(/"file":"([^"]*)"/);
  console.error('  ' + (name ? name[1] : 'line ' + (i + 1)));
  ok = false;
}
process.exitCode = ok ? 0 : 1;
EOF
then
  status=1
fi
# Fuzz corpora (issue 13): native (build/native/fuzz/replay-* --print) and WASM (the tools
# build, raw bytes through its C exports) give the same accept/reject and error codes on every
# input of the config, context, events and records corpora. docs/fuzzing.md.
node fuzz/wasm-agree.mjs build/native || failed+=("fuzz corpus agreement")

scenarios=$(wc -l <"$out/native.jsonl")
if [ "$status" = 0 ]; then
  echo "parity: native and WASM agree on $scenarios scenarios ($(tail -n 1 "$out/native.txt"), exit $native_rc)"
else
  failed+=("parity")
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "30-wasm: failed: ${failed[*]}" >&2
  exit 1
fi
