#!/usr/bin/env bash
# Several collectors on one PostgreSQL against one collector on SQLite (issue 15), on
# 127.0.0.1, bounded in time and count. Prints figures; never fails on a timing.
#
#  1. Ingest (scripts/bench-collector.sh's load: wrk, one new rating per POST, the same
#     post-rating.lua rows), in one run: 1 collector on SQLite, then 2 and then 3 collector
#     processes on one PostgreSQL database with the load spread over them (one wrk per
#     process, BENCH_CONNECTIONS split between them) → ratings/s (acknowledged ÷ seconds) and
#     p99 (the worst process's). Every acknowledged rating_id is written down by wrk
#     (scripts/bench/post-rating-acked.lua); afterwards the store is checked: lost =
#     acknowledged ids missing from it, duplicated = ratings rows − distinct rating_ids and
#     revisions rows − distinct (rating_id, revision).
#  2. kill -9: 3 collectors on PostgreSQL under the same load; half-way one of them is killed
#     with SIGKILL while the other two go on; then the same check (every acknowledged
#     rating present, none twice).
#  3. GET /v1/insights over BENCH_RATINGS stored ratings (default 1,000,000; 10,000,000 works,
#     given ~20 GB of disk and ~40 min): the same rows in SQLite and in PostgreSQL, timed
#     through one collector on each, both running, the runs alternating between them (total,
#     by=day, by=topic, by=property:model, question=nps), median of BENCH_RUNS (default 3),
#     the ratio PostgreSQL ÷ SQLite, and whether both answered byte-identical JSON.
#     How the data is made: session-rating-collector-bench load --shape v2 fills the SQLite
#     store through the collector's own insert path (RatingRow, answers, properties; 30 days,
#     4 topics, 7 agents, 2 % internal, a rater on 4 of 5 ratings, NPS on every third, a
#     property "model"); its ratings, answers and rating_properties tables (what insights
#     reads) are then copied into PostgreSQL with COPY (sqlite3 -csv | psql \copy), secondary
#     indexes dropped during the copy and built afterwards, then VACUUM ANALYZE.
#
#   scripts/bench-collector-pg.sh   # BENCH_SECONDS=10 BENCH_CONNECTIONS=16 BENCH_RATINGS=1000000
#   BENCH_ONLY=ingest|insights      # one part only
#
# The PostgreSQL cluster is scripts/pg.sh's throw-away one (the script re-runs itself under
# `scripts/pg.sh run`), with SR_PG_OPTS (default: shared_buffers=512MB, max_wal_size=4GB;
# fsync and synchronous_commit stay on). SQLite runs with synchronous=FULL, as in
# scripts/bench-collector.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
if [ -z "${SR_PG_URL:-}" ]; then
  export SR_PG_OPTS="${SR_PG_OPTS:--c shared_buffers=512MB -c max_wal_size=4GB}"
  exec bash scripts/pg.sh run bash "$0" "$@"
fi
SECONDS_RUN="${BENCH_SECONDS:-10}"
CONNS="${BENCH_CONNECTIONS:-16}"
N_INSIGHTS="${BENCH_RATINGS:-1000000}"
RUNS="${BENCH_RUNS:-3}"
BUILD="${BENCH_BUILD_DIR:-build/native}"

BUILD_JOBS="${SR_JOBS:-2}"
source scripts/bench/collector-build.sh  # builds; sets COLLECTOR and BENCH; needs wrk

mkdir -p var
TMP="$(mktemp -d "$ROOT/var/bench-pg.XXXXXX")"
PIDS=()
URLS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }
json_field() { sed -E "s/.*\"$1\":([0-9.eE+-]+).*/\1/"; }
pg_db() {  # a fresh database on the cluster → its URL
  PGOPTIONS='-c client_min_messages=warning' psql "$SR_PG_URL" -qAtc "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
  echo "${SR_PG_URL%/*}/$1"
}
sql() {  # $1 = db (file or URL), $2 = SQL
  case "$1" in
    postgres*) psql "$1" -qAtc "$2" ;;
    *) sqlite3 "$1" "$2" ;;
  esac
}

start_collectors() {  # $1 = db, $2 = how many; sets PIDS and URLS
  PIDS=()
  URLS=()
  for i in $(seq 1 "$2"); do
    "$COLLECTOR" --listen 127.0.0.1:0 --db "$1" --write-key bench-key --admin-token bench-admin-token \
      --rate-limit 0 --quiet --synchronous full >"$TMP/c$i.log" 2>&1 &
    PIDS+=($!)
    # Up to 2 min: a collector opening a large store finalises what is due first.
    for _ in $(seq 1 1200); do
      grep -q '"event":"listening"' "$TMP/c$i.log" && break
      sleep 0.1
    done
    port=$(grep '"event":"listening"' "$TMP/c$i.log" | sed -E 's/.*"port":([0-9]+).*/\1/')
    [ -n "$port" ] || { echo "bench: collector $i did not start:"; cat "$TMP/c$i.log"; exit 1; }
    URLS+=("http://127.0.0.1:$port")
  done
  # A fresh database starts with ratings off (docs/programme.md): switched on once; every
  # process applies the change (LISTEN/NOTIFY on PostgreSQL), checked on each.
  curl -s -o /dev/null -X PATCH -H 'Authorization: Bearer bench-admin-token' "${URLS[0]}/v1/config" -d '{"enabled": true}'
  for u in "${URLS[@]}"; do
    for _ in $(seq 1 50); do
      curl -s -H 'Authorization: Bearer bench-admin-token' "$u/v1/config" | grep -q '"enabled":true' && break
      sleep 0.1
    done
  done
}
stop_collectors() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}

ingest() {  # $1 = label, $2 = db, $3 = processes, $4 = "kill" to SIGKILL the last one half-way
  local n="$3" per=$(( CONNS / $3 ))
  [ "$per" -ge 1 ] || per=1
  echo "== ingest: $1 — $n process(es), wrk -t1 -c$per -d${SECONDS_RUN}s each, one rating per POST (load average: $(load))"
  rm -f "$TMP"/acked-* "$TMP"/wrk-*
  start_collectors "$2" "$n"
  local wrks=()
  for i in $(seq 1 "$n"); do
    wrk -t1 -c"$per" -d"${SECONDS_RUN}s" --timeout 5s -s scripts/bench/post-rating-acked.lua \
      "${URLS[$((i - 1))]}/v1/ratings?key=bench-key" -- "$(( i * 10 ))" "$TMP/acked-$i" >"$TMP/wrk-$i.txt" 2>&1 &
    wrks+=($!)
  done
  local killed=""
  if [ "${4:-}" = kill ]; then
    sleep "$(( SECONDS_RUN / 2 ))"
    local victim=$(( n - 1 ))
    kill -KILL "${PIDS[$victim]}"
    wait "${PIDS[$victim]}" 2>/dev/null || true
    # Its client stops too (a balancer would send that share to the others; wrk cannot):
    # SIGINT makes wrk print its summary; its acknowledged ids are already on disk.
    kill -INT "${wrks[$victim]}" 2>/dev/null || true
    killed=" (process $n killed with SIGKILL after $(( SECONDS_RUN / 2 )) s, its wrk stopped; the other processes went on)"
    unset "PIDS[$victim]"
  fi
  for w in "${wrks[@]}"; do wait "$w" || true; done
  stop_collectors
  local acked=0 worst=0 p99s="" errors=0
  cat "$TMP"/acked-* 2>/dev/null | sort -u >"$TMP/acked.txt"
  acked=$(wc -l <"$TMP/acked.txt")
  for i in $(seq 1 "$n"); do
    # A wrk stopped with SIGINT (the killed process's) may end before printing its summary;
    # its acknowledged ids are on disk all the same.
    r=$(grep WRK_RESULT "$TMP/wrk-$i.txt" | sed 's/^WRK_RESULT //' || true)
    if [ -z "$r" ]; then p99s="$p99s (no summary)"; continue; fi
    p=$(echo "$r" | json_field p99_ms)
    p99s="$p99s ${p}"
    worst=$(awk -v a="$worst" -v b="$p" 'BEGIN { print (b > a ? b : a) }')
    errors=$(( errors + $(echo "$r" | json_field socket_errors) + $(echo "$r" | json_field non_2xx) ))
  done
  sql "$2" "SELECT rating_id FROM ratings" | sort -u >"$TMP/stored.txt"
  local rows distinct revs revs_distinct lost unacked
  rows=$(sql "$2" "SELECT count(*) FROM ratings")
  distinct=$(wc -l <"$TMP/stored.txt")
  revs=$(sql "$2" "SELECT count(*) FROM revisions")
  revs_distinct=$(sql "$2" "SELECT count(*) FROM (SELECT DISTINCT rating_id, revision FROM revisions) d")
  lost=$(comm -23 "$TMP/acked.txt" "$TMP/stored.txt" | wc -l)
  unacked=$(comm -13 "$TMP/acked.txt" "$TMP/stored.txt" | wc -l)
  rate=$(awk -v a="$acked" -v d="$SECONDS_RUN" 'BEGIN { printf "%.0f", a / d }')
  echo "collector ($1): $rate ratings/s acknowledged ($acked in ${SECONDS_RUN} s), p99 ${worst} ms (per process:${p99s} ms); $errors socket errors or non-2xx$killed"
  echo "check ($1): $acked acknowledged, $rows ratings rows ($distinct distinct rating_ids), $revs revisions ($revs_distinct distinct); lost: $lost, duplicated: $(( rows - distinct )) ratings + $(( revs - revs_distinct )) revisions; stored but not acknowledged (in flight at the end or at the kill): $unacked"
}

if [ "${BENCH_ONLY:-ingest}" = ingest ] || [ -z "${BENCH_ONLY:-}" ]; then
  ingest "SQLite" "$TMP/ingest.sqlite3" 1
  ingest "PostgreSQL" "$(pg_db bench_ingest2)" 2
  ingest "PostgreSQL" "$(pg_db bench_ingest3)" 3
  ingest "PostgreSQL, kill -9" "$(pg_db bench_kill)" 3 kill
  psql "$SR_PG_URL" -qAtc "DROP DATABASE bench_ingest2" -c "DROP DATABASE bench_ingest3" -c "DROP DATABASE bench_kill" >/dev/null
fi
[ "${BENCH_ONLY:-}" = ingest ] && exit 0

echo "== GET /v1/insights over $N_INSIGHTS stored ratings, SQLite and PostgreSQL, same rows (load average: $(load))"
t0=$(date +%s)
"$BENCH" load --db "$TMP/insights.sqlite3" --count "$N_INSIGHTS" --shape v2 | sed 's/^/load into SQLite: /'
PG_INSIGHTS="$(pg_db bench_insights)"
start_collectors "$PG_INSIGHTS" 1  # creates the schema
stop_collectors
t1=$(date +%s)
# Secondary indexes of the three tables: dropped for the copy, built again after it.
psql "$PG_INSIGHTS" -qAtc "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
  AND tablename IN ('ratings', 'answers', 'rating_properties') AND indexname NOT LIKE '%_pkey'
  AND indexname NOT LIKE '%_key'" >"$TMP/indexes.sql"
psql "$PG_INSIGHTS" -qAtc "SELECT 'DROP INDEX ' || indexname || ';' FROM pg_indexes WHERE schemaname = 'public'
  AND tablename IN ('ratings', 'answers', 'rating_properties') AND indexname NOT LIKE '%_pkey'
  AND indexname NOT LIKE '%_key'" | psql "$PG_INSIGHTS" -q >/dev/null
RCOLS="id, rating_id, session_id, revision, final, internal, topic, agent_id, first_seen_at, submitted_at, deadline_at, content_hash, record, rater_id, subject_id, properties, context_trust"
ACOLS="rating_row, position, question, scale, score, positive, sentiment, low, problems, has_comment"
PCOLS="rating_row, key, value"
sqlite3 -csv "$TMP/insights.sqlite3" "SELECT $RCOLS FROM ratings" |
  psql "$PG_INSIGHTS" -qc "\\copy ratings ($RCOLS) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (properties, context_trust, record))"
sqlite3 -csv "$TMP/insights.sqlite3" "SELECT $ACOLS FROM answers" |
  psql "$PG_INSIGHTS" -qc "\\copy answers ($ACOLS) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (problems))"
sqlite3 -csv "$TMP/insights.sqlite3" "SELECT $PCOLS FROM rating_properties" |
  psql "$PG_INSIGHTS" -qc "\\copy rating_properties ($PCOLS) FROM STDIN WITH (FORMAT csv)"
sed 's/$/;/' "$TMP/indexes.sql" | psql "$PG_INSIGHTS" -q >/dev/null
psql "$PG_INSIGHTS" -qc "VACUUM ANALYZE ratings" -c "VACUUM ANALYZE answers" -c "VACUUM ANALYZE rating_properties" >/dev/null
t2=$(date +%s)
echo "copy into PostgreSQL: $(( t2 - t1 )) s (SQLite load: $(( t1 - t0 )) s); rows: ratings $(sql "$PG_INSIGHTS" "SELECT count(*) FROM ratings") / $(sql "$TMP/insights.sqlite3" "SELECT count(*) FROM ratings"), answers $(sql "$PG_INSIGHTS" "SELECT count(*) FROM answers") / $(sql "$TMP/insights.sqlite3" "SELECT count(*) FROM answers") (PostgreSQL / SQLite)"
echo "sizes: SQLite file $(du -sh "$TMP/insights.sqlite3" | cut -f1), PostgreSQL database $(psql "$SR_PG_URL" -qAtc "SELECT pg_size_pretty(pg_database_size('bench_insights'))")"

# One collector on each store, both running; the runs alternate SQLite, PostgreSQL, SQLite, …
# per query, so a change in machine load hits both alike.
"$COLLECTOR" --listen 127.0.0.1:0 --db "$TMP/insights.sqlite3" --write-key bench-key \
  --admin-token bench-admin-token --quiet >"$TMP/cs.log" 2>&1 &
PIDS=($!)
"$COLLECTOR" --listen 127.0.0.1:0 --db "$PG_INSIGHTS" --write-key bench-key \
  --admin-token bench-admin-token --quiet >"$TMP/cp.log" 2>&1 &
PIDS+=($!)
declare -A URL_OF
for b in s p; do
  for _ in $(seq 1 1200); do grep -q '"event":"listening"' "$TMP/c$b.log" && break; sleep 0.1; done
  port=$(grep '"event":"listening"' "$TMP/c$b.log" | sed -E 's/.*"port":([0-9]+).*/\1/')
  [ -n "$port" ] || { echo "bench: a collector did not start:"; cat "$TMP/c$b.log"; exit 1; }
  URL_OF[$b]="http://127.0.0.1:$port"
done
echo "insights timings start (load average: $(load)); median of $RUNS runs each, alternating"
for q in "" "?by=day" "?by=topic" "?by=property:model" "?question=nps"; do
  ts=() tp=()
  for _ in $(seq 1 "$RUNS"); do
    ts+=("$(curl -s -o "$TMP/answer-s.json" -w '%{time_total}' -H 'Authorization: Bearer bench-admin-token' "${URL_OF[s]}/v1/insights$q")")
    tp+=("$(curl -s -o "$TMP/answer-p.json" -w '%{time_total}' -H 'Authorization: Bearer bench-admin-token' "${URL_OF[p]}/v1/insights$q")")
  done
  ms=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  mp=$(printf '%s\n' "${tp[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  same=different
  cmp -s "$TMP/answer-s.json" "$TMP/answer-p.json" && same=identical
  awk -v q="$q" -v s="$ms" -v p="$mp" -v same="$same" -v rs="${ts[*]}" -v rp="${tp[*]}" \
    -v n="$(grep -o '"ratings":[0-9]*' "$TMP/answer-p.json" | tail -1 | cut -d: -f2)" 'BEGIN {
    printf "insights%-20s SQLite %6.0f ms, PostgreSQL %6.0f ms, ratio PostgreSQL / SQLite %.2f; answers %s (ratings=%s; runs: SQLite %s s, PostgreSQL %s s)\n",
      q, s * 1000, p * 1000, p / s, same, n, rs, rp }'
done
stop_collectors
psql "$SR_PG_URL" -qAtc "DROP DATABASE bench_insights" >/dev/null
echo "load average at the end: $(load)"
