#!/usr/bin/env bash
# The native tests again under AddressSanitizer + UndefinedBehaviorSanitizer (preset asan; its
# test preset sets ASAN_OPTIONS / UBSAN_OPTIONS). The installed-package tests are not part of it.
# This is also the fuzz replay stage: ctest runs Fuzz.replay_<target> (fuzz/CMakeLists.txt),
# every committed corpus file and every generated big seed once through each fuzz target's
# properties, under ASan + UBSan (the collector's target runs in stage 10: this preset has no
# collector). docs/fuzzing.md.
set -euo pipefail
cd "$SR_ROOT"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$SR_JOBS"
ctest --preset asan -j "$SR_JOBS"
