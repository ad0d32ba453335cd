#!/usr/bin/env bash
# Native build (preset native: Release, -Werror, tests + collector) and everything ctest runs:
# GoogleTest, the CLI tests (scenario files through `session-rating test`, the insights CLI),
# and the installed CMake package with a tiny consumer app (native-tests/CMakeLists.txt).
set -euo pipefail
cd "$SR_ROOT"
cmake --preset native >/dev/null
cmake --build --preset native -j "$SR_JOBS"
ctest --preset native -j "$SR_JOBS"
