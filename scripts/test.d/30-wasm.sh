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
# and dump the same actual result for every step of every scenario.
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
if ! cmp -s "$out/native.txt" "$out/wasm.txt"; then
  echo "parity: runner output differs (native vs wasm):" >&2
  diff "$out/native.txt" "$out/wasm.txt" | head -40 >&2 || true
  status=1
fi
if ! cmp -s "$out/native.jsonl" "$out/wasm.jsonl"; then
  echo "parity: actual results differ for these scenarios:" >&2
  node -e '
    const fs = require("fs");
    const [a, b] = process.argv.slice(1).map((f) => fs.readFileSync(f, "utf8").split("\n"));
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] === b[i]) continue;
      const name = (a[i] || b[i] || "").match(/"file":"([^"]*)"/);
      console.error("  " + (name ? name[1] : "line " + (i + 1)));
    }' "$out/native.jsonl" "$out/wasm.jsonl"
  status=1
fi
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
