#!/usr/bin/env bash
# Native build + GoogleTest (ctest) + scenario files through the native CLI.
set -euo pipefail
cd "$SR_ROOT"
cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release -DSR_WERROR=ON -DSR_SANITIZE=OFF -DSR_BUILD_TESTS=ON -DSR_BUILD_COLLECTOR=ON >/dev/null
cmake --build build/native -j "$SR_JOBS"
ctest --test-dir build/native --output-on-failure -j "$SR_JOBS"
./build/native/core/session-rating test native-tests/scenarios examples/flow-tests
