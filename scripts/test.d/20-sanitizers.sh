#!/usr/bin/env bash
# The native tests again under AddressSanitizer + UndefinedBehaviorSanitizer (preset asan; its
# test preset sets ASAN_OPTIONS / UBSAN_OPTIONS). The installed-package tests are not part of it.
set -euo pipefail
cd "$SR_ROOT"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$SR_JOBS"
ctest --preset asan -j "$SR_JOBS"
