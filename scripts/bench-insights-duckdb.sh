#!/usr/bin/env bash
# Issue 14: `session-rating insights` (native CLI, every record validated) against DuckDB
# computing the same totals, on the same generated JSONL file, in one run. A benchmark: it
# prints figures and never fails on a target; it exits 1 only when the two disagree.
#
#   bash scripts/bench-insights-duckdb.sh [N]      (default 1000000 lines)
#   env: BUILD_DIR (build/native), JOBS (1), ROUNDS (3: each tool run ROUNDS times, interleaved),
#        THREADS (2: DuckDB's threads and the CLI's --threads, the same count for both)
#
# Data: native-tests/bench/insights_bench --generate (the generator scripts/bench-insights.sh
# uses: ~20 % rating.v1, retries, edits, final copies), in a temp folder removed afterwards.
# Ours: `session-rating insights --threads THREADS FILE` (validation on, as shipped). DuckDB: npm @duckdb/node-api
# (prebuilt binary from the npm registry; a dev dependency of the benchmarks only, in
# scripts/bench/peers, `npm ci` on first use), scripts/bench/duckdb-insights.mjs: read_json with
# the columns given and QUALIFY row_number() for each rating's winning record. Each run under
# /usr/bin/time -v: wall time and peak RSS (DuckDB's include starting Node.js and loading the
# library; its query time is measured inside). The file is read once before timing (page cache).
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-1000000}"
build="${BUILD_DIR:-build/native}"
jobs="${JOBS:-1}"
rounds="${ROUNDS:-3}"
threads="${THREADS:-2}"
peers=scripts/bench/peers

[ -x /usr/bin/time ] || { echo "bench-insights-duckdb: /usr/bin/time is missing (Debian package 'time'; scripts/setup.sh installs it)" >&2; exit 2; }
if [ ! -d "$peers/node_modules/@duckdb/node-api" ]; then
  echo "bench-insights-duckdb: installing the benchmark-only packages (npm ci in $peers)"
  (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error)
fi
cmake --preset native -B "$build" >/dev/null
cmake --build "$build" -j "$jobs" --target session-rating insights_bench >/dev/null

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "generator: $("$build/native-tests/insights_bench" --generate "$tmp/records.jsonl" "$lines")"
size=$(stat -c %s "$tmp/records.jsonl")
cat "$tmp/records.jsonl" >/dev/null
duckver=$(node -p "require('./$peers/node_modules/@duckdb/node-api/package.json').version")
echo "file: $lines lines, $size bytes ($(( size / lines )) bytes/line); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); DuckDB @duckdb/node-api $duckver; $threads threads each"

# wall seconds and peak RSS (KB) from /usr/bin/time -v's report in $1
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.3f", s }' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
cpu() { awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$1"; }

for r in $(seq 1 "$rounds"); do
  /usr/bin/time -v "$build/core/session-rating" insights --threads "$threads" "$tmp/records.jsonl" > "$tmp/ours.json" 2> "$tmp/ours.time"
  /usr/bin/time -v node scripts/bench/duckdb-insights.mjs "$tmp/records.jsonl" "$threads" > "$tmp/duck.json" 2> "$tmp/duck.time"
  q=$(node -p "JSON.parse(require('fs').readFileSync('$tmp/duck.json','utf8')).query_ms")
  printf 'round %d  session-rating insights: wall %s s, cpu %s s, peak RSS %s MB   |   DuckDB: wall %s s (query %s s), cpu %s s, peak RSS %s MB\n' "$r" \
    "$(wall "$tmp/ours.time")" "$(cpu "$tmp/ours.time")" "$(( $(rss "$tmp/ours.time") / 1024 ))" \
    "$(wall "$tmp/duck.time")" "$(awk -v q="$q" 'BEGIN { printf "%.3f", q / 1000 }')" "$(cpu "$tmp/duck.time")" "$(( $(rss "$tmp/duck.time") / 1024 ))"
  echo "$(wall "$tmp/ours.time") $(rss "$tmp/ours.time") $(wall "$tmp/duck.time") $q $(rss "$tmp/duck.time")" >> "$tmp/rounds"
done
sort -n -k1,1 "$tmp/rounds" | awk -v n="$rounds" 'NR == int((n + 1) / 2) { printf "median wall  session-rating insights: %s s", $1 }'
sort -n -k3,3 "$tmp/rounds" | awk -v n="$rounds" 'NR == int((n + 1) / 2) { printf "   DuckDB: %s s (query %.3f s)\n", $3, $4 / 1000 }'
sort -n -k2,2 "$tmp/rounds" | awk 'END { printf "peak RSS (max over rounds)  session-rating insights: %d MB", $2 / 1024 }'
sort -n -k5,5 "$tmp/rounds" | awk 'END { printf "   DuckDB: %d MB\n", $5 / 1024 }'
echo "last run, both: "
node - "$tmp/ours.json" "$tmp/duck.json" <<'JS'
const fs = require('fs');
const ours = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const duck = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const keys = ['ratings', 'answers', 'raters', 'excluded_internal', 'csat', 'mean'];
const bad = [];
for (const k of keys) {
  const a = ours[k], b = duck[k];
  const same = a == null || b == null ? a === b : Math.abs(a - b) <= 5e-7 * Math.max(1, Math.abs(b));
  console.log(`  ${k.padEnd(18)} ours ${String(a).padStart(12)}   duckdb ${String(b).padStart(20)}   ${same ? 'same' : 'MISMATCH'}`);
  if (!same) bad.push(k);
}
for (const s of ['1', '2', '3', '4', '5']) if (ours.distribution[s] !== duck.distribution[s]) bad.push(`distribution.${s}`);
console.log(`  distribution       ours ${JSON.stringify(ours.distribution)}   duckdb ${JSON.stringify(duck.distribution)}`);
if (ours.invalid_lines) console.log(`  (ours: ${ours.invalid_lines} invalid lines skipped)`);
if (bad.length) { console.log(`\n!!!!! MISMATCH between session-rating insights and DuckDB: ${bad.join(', ')} !!!!!`); process.exit(1); }
console.log('  => both give the same numbers');
JS
