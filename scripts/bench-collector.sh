#!/usr/bin/env bash
# Collector figures (issue 6), on 127.0.0.1, bounded in time:
#  1. sustained ingest: wrk (Debian) POSTs one new rating per request (scripts/bench/post-rating.lua)
#     → ratings/s and p99 latency; every 2xx means the row was committed (synchronous=FULL, WAL).
#  2. a raw SQLite insert loop of the same rows with the collector's own statements, in the same
#     run: (a) with the same rows per commit as the collector's group commit achieved under wrk,
#     (b) one commit per row (first 2,000 rows), (c) all rows in one transaction; ratio = 1 / (a).
#  3. GET /v1/insights over 1,000,000 stored ratings (total, by=day, by=topic), median of 5.
#
#   scripts/bench-collector.sh            # BENCH_SECONDS=10 BENCH_CONNECTIONS=16 BENCH_RATINGS=1000000
#
# Before/after in one run: BENCH_BASELINE=/path/to/an/older/session-rating-collector runs the
# ingest step with that binary and with this build, alternately, BENCH_ROUNDS times (default 2)
# each, then continues. BENCH_INGEST_ONLY=1 stops after the ingest step(s); BENCH_FLAGS adds
# flags to this build's collector (e.g. "--io-threads 4").
#
# Webhooks on vs off in one run: BENCH_WEBHOOKS=1 runs the ingest step BENCH_ROUNDS times
# (default 2) with no webhook configured and with one endpoint (a local receiver,
# scripts/bench/webhook-receiver.mjs, answering 200) subscribed to every revision,
# alternately, and prints how many of the run's outbox rows were delivered by its end; a third
# variant points the endpoint at a receiver that never answers (enqueue cost alone).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SECONDS_RUN="${BENCH_SECONDS:-10}"
CONNS="${BENCH_CONNECTIONS:-16}"
N_INSIGHTS="${BENCH_RATINGS:-1000000}"
BUILD="${BENCH_BUILD_DIR:-build/native}"  # the native preset (CMakePresets.json), in its own folder or another
SYNC="${BENCH_SYNCHRONOUS:-full}"   # full: fsync per commit; normal: survives kill -9, not power loss

BUILD_JOBS="${SR_JOBS:-$(nproc)}"
source scripts/bench/collector-build.sh  # builds; sets COLLECTOR and BENCH; needs wrk

mkdir -p var
TMP="$(mktemp -d "$ROOT/var/bench.XXXXXX")"
PID=""
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

start_collector() {  # $1 = db, $2 = binary (default: this build), $3 = extra flags
  : >"$TMP/log"
  "${2:-$COLLECTOR}" --listen 127.0.0.1:0 --db "$1" --write-key bench-key --admin-token bench-admin-token \
    --rate-limit 0 --quiet --synchronous "$SYNC" ${3:-} >"$TMP/log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do
    grep -q '"event":"listening"' "$TMP/log" && break
    sleep 0.1
  done
  PORT=$(grep '"event":"listening"' "$TMP/log" | sed -E 's/.*"port":([0-9]+).*/\1/')
  URL="http://127.0.0.1:$PORT"
  # A fresh database starts with ratings off (docs/programme.md): switch them on, as an
  # operator does, or every POST would be 403 ratings_disabled.
  curl -s -o /dev/null -X PATCH -H 'Authorization: Bearer bench-admin-token' "$URL/v1/config" \
    -d '{"enabled": true}'
}
stop_collector() { kill -TERM "$PID"; wait "$PID" || true; PID=""; }
json_field() { sed -E "s/.*\"$1\":([0-9.eE+-]+).*/\1/"; }

ingest() {  # $1 = label, $2 = binary
  echo "== ingest ($1): wrk -t2 -c$CONNS -d${SECONDS_RUN}s, one rating per POST, synchronous=$SYNC (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  rm -f "$TMP/ingest.sqlite3"*
  start_collector "$TMP/ingest.sqlite3" "$2" "${3:-}"
  # A fresh database starts with ratings off (issue 12); older binaries ignore or refuse this.
  config='{"enabled":true}'
  [ -n "${4:-}" ] && config="{\"enabled\":true,\"webhooks\":[{\"id\":\"bench\",\"url\":\"$4\",\"secret\":\"bench-secret-0123456789\"}]}"
  curl -s -o /dev/null -X PATCH -H 'Authorization: Bearer bench-admin-token' -d "$config" "$URL/v1/config" || true
  before=$(curl -s "$URL/healthz")
  wrk -t2 -c"$CONNS" -d"${SECONDS_RUN}s" --timeout 5s -s scripts/bench/post-rating.lua \
    "$URL/v1/ratings?key=bench-key" >"$TMP/wrk.txt"
  after=$(curl -s "$URL/healthz")
  ticks=$(awk '{print $14 + $15}' "/proc/$PID/stat")  # user + system CPU of the collector
  outbox=""
  if [ -n "${4:-}" ]; then
    outbox=$(sqlite3 "$TMP/ingest.sqlite3" "SELECT count(*), sum(status = 'delivered') FROM webhook_outbox" 2>/dev/null || true)
  fi
  stop_collector
  result=$(grep WRK_RESULT "$TMP/wrk.txt" | sed 's/^WRK_RESULT //')
  requests=$(echo "$result" | json_field requests)
  duration=$(echo "$result" | json_field duration_s)
  non2xx=$(echo "$result" | json_field non_2xx)
  p99=$(echo "$result" | json_field p99_ms)
  stored=$(sqlite3 "$TMP/ingest.sqlite3" "SELECT count(*) FROM ratings")
  jobs=$(( $(echo "$after" | json_field jobs) - $(echo "$before" | json_field jobs) ))
  commits=$(( $(echo "$after" | json_field commits) - $(echo "$before" | json_field commits) ))
  group=$(( (jobs + commits / 2) / (commits > 0 ? commits : 1) ))
  [ "$group" -ge 1 ] || group=1
  rate=$(awk -v r="$requests" -v n="$non2xx" -v d="$duration" 'BEGIN { printf "%.0f", (r - n) / d }')
  cpu=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$stored" 'BEGIN { printf "%.0f", (n > 0 ? t / hz * 1e6 / n : 0) }')
  echo "collector ($1): $rate ratings/s ($requests requests, $non2xx non-2xx, $stored rows stored), p99 ${p99} ms; $commits commits, ${group} ratings per commit; collector CPU ${cpu} µs per rating"
  if [ -n "$outbox" ]; then
    echo "webhooks ($1): ${outbox%%|*} outbox rows enqueued, ${outbox##*|} delivered by the end of the run"
  fi
}

if [ -n "${BENCH_WEBHOOKS:-}" ]; then
  node scripts/bench/webhook-receiver.mjs >"$TMP/receiver.log" &
  RECEIVER=$!
  for _ in $(seq 1 50); do grep -q port "$TMP/receiver.log" && break; sleep 0.1; done
  HOOK_URL="http://127.0.0.1:$(sed -E 's/.*"port":([0-9]+).*/\1/' "$TMP/receiver.log" | head -1)/hook"
  node scripts/bench/webhook-receiver.mjs --hang >"$TMP/hang.log" &
  HANGER=$!
  for _ in $(seq 1 50); do grep -q port "$TMP/hang.log" && break; sleep 0.1; done
  HANG_URL="http://127.0.0.1:$(sed -E 's/.*"port":([0-9]+).*/\1/' "$TMP/hang.log" | head -1)/hook"
  for round in $(seq 1 "${BENCH_ROUNDS:-2}"); do
    ingest "webhooks off, round $round" "$COLLECTOR" "${BENCH_FLAGS:-}"
    ingest "webhooks on, round $round" "$COLLECTOR" "${BENCH_FLAGS:-}" "$HOOK_URL"
    # Enqueue only: the receiver holds the 16 deliveries in flight for the whole run.
    ingest "webhooks on, receiver holding, round $round" "$COLLECTOR" "${BENCH_FLAGS:-} --webhook-timeout 300" "$HANG_URL"
  done
  kill -TERM "$RECEIVER" "$HANGER"; wait "$RECEIVER" "$HANGER" || true
  echo "receiver: $(tail -1 "$TMP/receiver.log")"
elif [ -n "${BENCH_BASELINE:-}" ]; then
  for round in $(seq 1 "${BENCH_ROUNDS:-2}"); do
    ingest "baseline, round $round" "$BENCH_BASELINE"
    ingest "this build, round $round" "$COLLECTOR" "${BENCH_FLAGS:-}"
  done
else
  ingest "this build" "$COLLECTOR"
fi
[ -n "${BENCH_INGEST_ONLY:-}" ] && exit 0

echo "== raw SQLite insert loop of the same rows (collector's statements, no HTTP/JSON/validation)"
rows=$(( stored > 0 ? stored : 1000 ))
raw_same=$("$BENCH" raw-insert --db "$TMP/raw1.sqlite3" --count "$rows" --per-txn "$group" --synchronous "$SYNC")
raw_one=$("$BENCH" raw-insert --db "$TMP/raw2.sqlite3" --count 2000 --per-txn 1 --synchronous "$SYNC")
raw_all=$("$BENCH" raw-insert --db "$TMP/raw3.sqlite3" --count "$rows" --per-txn "$rows" --synchronous "$SYNC")
r_same=$(echo "$raw_same" | json_field rows_per_s)
r_one=$(echo "$raw_one" | json_field rows_per_s)
r_all=$(echo "$raw_all" | json_field rows_per_s)
printf 'raw, %s rows per commit (same as the collector): %.0f rows/s\n' "$group" "$r_same"
printf 'raw, 1 row per commit:                       %.0f rows/s\n' "$r_one"
printf 'raw, all %s rows in one transaction:      %.0f rows/s\n' "$rows" "$r_all"
awk -v c="$rate" -v a="$r_same" -v b="$r_one" -v d="$r_all" 'BEGIN {
  printf "ratio collector / raw: %.2fx (same rows per commit), %.2fx (1 per commit), %.2fx (one transaction)\n", c / a, c / b, c / d }'

echo "== GET /v1/insights over $N_INSIGHTS stored ratings"
"$BENCH" load --db "$TMP/insights.sqlite3" --count "$N_INSIGHTS" | sed 's/^/load: /'
start_collector "$TMP/insights.sqlite3"
for q in "" "?by=day" "?by=topic" "?by=agent"; do
  times=()
  for _ in 1 2 3 4 5; do
    times+=("$(curl -s -o "$TMP/insights.json" -w '%{time_total}' -H 'Authorization: Bearer bench-admin-token' "$URL/v1/insights$q")")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  printf 'insights%-10s median %.0f ms (runs: %s s); ratings=%s\n' "$q" "$(awk -v t="$median" 'BEGIN{print t*1000}')" \
    "${times[*]}" "$(grep -o '"ratings":[0-9]*' "$TMP/insights.json" | tail -1 | cut -d: -f2)"
done
stop_collector
