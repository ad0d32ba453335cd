#!/usr/bin/env bash
# The native tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$SR_ROOT"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DSR_SANITIZE=ON -DSR_BUILD_COLLECTOR=OFF >/dev/null
cmake --build build/asan -j "$SR_JOBS" --target session_rating_tests session-rating
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build/asan --output-on-failure -j "$SR_JOBS"
./build/asan/core/session-rating test native-tests/scenarios examples/flow-tests
