#!/usr/bin/env bash
# Times `session-rating insights` on a generated 1,000,000-line JSONL file (contract 6 target:
# <= 3 s on the 2-core reference machine, validation included). Builds the two targets it needs
# with the native preset (Release), in build/native or BUILD_DIR; the file goes to a temp folder
# that is removed afterwards.
#   scripts/bench-insights.sh [LINES]        (default 1000000; BUILD_DIR, JOBS may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-1000000}"
build="${BUILD_DIR:-build/native}"
jobs="${JOBS:-1}"

cmake --preset native -B "$build" >/dev/null
cmake --build "$build" -j "$jobs" --target session-rating insights_bench >/dev/null

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$build/native-tests/insights_bench" --generate "$tmp/records.jsonl" "$lines"
size=$(stat -c %s "$tmp/records.jsonl")
echo "file: $lines lines, $size bytes ($(( size / lines )) bytes/line)"

for by in "" "--by day" "--by topic"; do
  echo "---- session-rating insights records.jsonl $by"
  /usr/bin/env TIMEFORMAT='real %3R s   user %3U s   sys %3S s' bash -c \
    "time '$build/core/session-rating' insights '$tmp/records.jsonl' $by > '$tmp/out.json'"
  head -c 300 "$tmp/out.json" | tr -d '\n' | tr -s ' '; echo " ..."
done
