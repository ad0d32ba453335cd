#!/usr/bin/env bash
# Runs each libFuzzer target (fuzz/, docs/fuzzing.md) for FUZZ_SECONDS seconds (default 60),
# one target at a time in one process (the machine is shared: no -jobs/-workers above 1).
#
#   bash scripts/fuzz.sh                  # every target
#   FUZZ_SECONDS=120 bash scripts/fuzz.sh events records
#
# Seeds: the committed corpus fuzz/corpus/<target>/ and the generated big seeds (written by
# sr-fuzz-seeds into build/fuzz/runs/<target>/generated/). New coverage goes to
# build/fuzz/runs/<target>/corpus/ (never into the repo), crashes to
# build/fuzz/runs/<target>/artifacts/ (emptied when the target runs again). Prints a table: target, CPU seconds, runs, coverage,
# corpus size, crashes. A crash is not fixed here: copy it into fuzz/corpus/<target>/ as
# regression-<what> once fixed, or into fuzz/findings/<target>/ while it is open.
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
FUZZ_MAX_LEN="${FUZZ_MAX_LEN:-16384}"
all=(config context events records snapshot redact scenario collector)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

cmake --preset fuzz >/dev/null || exit 1
cmake --build --preset fuzz -j "${SR_JOBS:-2}" --target sr-fuzz-seeds "${targets[@]/#/fuzz-}" || exit 1

bin=build/fuzz/fuzz
runs=build/fuzz/runs
summary=()
status=0
for t in "${targets[@]}"; do
  dir="$runs/$t"
  # Artifacts are per run (copy a crash out before running the target again).
  rm -rf "$dir/artifacts"
  mkdir -p "$dir/corpus" "$dir/generated" "$dir/artifacts"
  "$bin/sr-fuzz-seeds" "$t" "$dir/generated" >/dev/null || exit 1
  echo "==== fuzz-$t: ${FUZZ_SECONDS} s"
  # /usr/bin/time: the CPU seconds (user + system) of the whole run, threads included.
  /usr/bin/time -f "%U %S" -o "$dir/time.txt" \
    env ASAN_OPTIONS="abort_on_error=1:detect_leaks=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$bin/fuzz-$t" "$dir/corpus" "fuzz/corpus/$t" "$dir/generated" \
      -max_total_time="$FUZZ_SECONDS" -max_len="$FUZZ_MAX_LEN" -timeout=30 -rss_limit_mb=3072 \
      -artifact_prefix="$dir/artifacts/" -print_final_stats=1 >"$dir/fuzz.log" 2>&1
  rc=$?
  cpu=$(awk '{printf "%.0f", $1 + $2}' "$dir/time.txt" 2>/dev/null || echo "?")
  runs_done=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$dir/fuzz.log" | tail -n 1 | cut -d' ' -f2)
  corpus=$(find "$dir/corpus" -type f | wc -l)
  crashes=$(find "$dir/artifacts" -type f | wc -l)
  line="$t: cpu ${cpu} s, ${runs_done:-?} runs, cov ${cov:-?}, new corpus ${corpus}, artifacts ${crashes}, exit ${rc}"
  echo "$line"
  summary+=("$line")
  if [ "$rc" != 0 ]; then
    status=1
    grep -m 5 -E "ERROR: |fuzz property violated|SUMMARY" "$dir/fuzz.log" || true
  fi
done
echo "==== fuzz summary (${FUZZ_SECONDS} s each)"
printf '%s\n' "${summary[@]}"
exit "$status"
