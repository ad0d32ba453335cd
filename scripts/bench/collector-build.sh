# scripts/bench/collector-build.sh — sourced by scripts/bench-collector.sh and
# scripts/bench-collector-pg.sh (after `cd` to the repo root): builds the collector and its load
# client with the native preset into $BUILD (with $BUILD_JOBS jobs), sets COLLECTOR and BENCH to
# their paths under $ROOT, and stops when wrk (the HTTP load generator) is missing.
cmake --preset native -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j "$BUILD_JOBS" --target session-rating-collector session-rating-collector-bench >/dev/null
COLLECTOR="$ROOT/$BUILD/collector/session-rating-collector"
BENCH="$ROOT/$BUILD/collector/session-rating-collector-bench"
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)"; exit 1; }
