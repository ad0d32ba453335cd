#!/usr/bin/env bash
# The GoogleTest suite (native-tests/) compiled with em++ and run under Node, against the core
# built with the widget's WASM flags. Own build dir: build/wasm (what ships) is left alone.
set -euo pipefail
cd "$SR_ROOT"

build=build/wasm-tests
emcmake cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=MinSizeRel -DSR_WASM_TESTS=ON \
  -DSR_WERROR=ON -DSR_SANITIZE=OFF >/dev/null
cmake --build "$build" -j "$SR_JOBS" --target session_rating_tests
tests=(node "$build/native-tests/session_rating_tests.js")

# Tests that cannot run under WebAssembly, excluded by name (the tests themselves are not
# changed). Each runs the native `session-rating insights` CLI as a child process, found
# through readlink("/proc/self/exe") and started with std::system(): a WASM program under Node
# has neither (no /proc/self/exe of its own, and system() cannot spawn processes). The CLI is
# native-only code (core/cli/) and is tested by stage 10 and 20.
excluded=(
  Insights.cli_prints_result_with_invalid_lines
  Insights.cli_strict_stops_at_first_invalid_line_with_its_number
  Insights.cli_usage_errors_exit_2
  Insights.cli_long_lines_and_many_lines
)

# "Suite.name" of every test in the executable (from gtest's indented listing).
list_tests() {
  "${tests[@]}" --gtest_list_tests "$@" | awk '
    /^[^ ]/ { suite = $1; next }
    /^  /   { print suite $1 }'
}
all=$(list_tests)
total=$(wc -l <<<"$all")
# A stale name would silently exclude nothing: fail instead, so the list stays accurate.
for name in "${excluded[@]}"; do
  if ! grep -qxF "$name" <<<"$all"; then
    echo "35-wasm-gtest: excluded test $name does not exist (renamed? update the list)" >&2
    exit 1
  fi
done
filter="-$(IFS=:; echo "${excluded[*]}")"
expected=$(list_tests --gtest_filter="$filter" | wc -l)

log="$build/gtest.log"
set +e
"${tests[@]}" --gtest_brief=1 --gtest_filter="$filter" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# Count what gtest says passed, not what was asked for: an abort mid-run prints no summary.
passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\.$/\1/p' "$log")
if [ "$rc" != 0 ] || [ "${passed:-0}" != "$expected" ]; then
  echo "35-wasm-gtest: FAILED (exit $rc; ${passed:-0} of $expected selected tests passed)" >&2
  exit 1
fi
echo "wasm gtest: $passed of $total tests ran and passed under Node;" \
     "${#excluded[@]} excluded (CLI child-process tests, see this script)"
