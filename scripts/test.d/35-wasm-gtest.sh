#!/usr/bin/env bash
# The GoogleTest suite (native-tests/) compiled with em++ and run under Node, against the core
# built with the widget's WASM flags (preset wasm-tests; own build dir, build/wasm — what ships —
# is left alone). Every test in the executable must run and pass: the CLI tests, which start
# the native CLI as a child process, are a separate native-only executable
# (native-tests/cli/), so nothing is excluded here.
set -euo pipefail
cd "$SR_ROOT"

cmake --preset wasm-tests >/dev/null
cmake --build --preset wasm-tests -j "$SR_JOBS"
tests=(node build/wasm-tests/native-tests/session_rating_tests.js)

# Number of tests in the executable (from gtest's indented listing).
total=$("${tests[@]}" --gtest_list_tests | grep -c '^  ')

log=build/wasm-tests/gtest.log
set +e
"${tests[@]}" --gtest_brief=1 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# Count what gtest says passed, not what was asked for: an abort mid-run prints no summary, and
# a skipped test (GTEST_SKIP) is not a pass.
passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\.$/\1/p' "$log")
if [ "$rc" != 0 ] || [ "${passed:-0}" != "$total" ]; then
  echo "35-wasm-gtest: FAILED (exit $rc; ${passed:-0} of $total tests passed)" >&2
  exit 1
fi
echo "wasm gtest: all $passed tests ran and passed under Node"
