#!/usr/bin/env bash
# The one-command demo: installs what is missing, builds native + WASM + web, starts the
# reference collector on 127.0.0.1 with a fresh SQLite file and generated dev keys, and prints
# the URLs of the three examples and the dashboard. Runs until Ctrl-C.
#
#   scripts/demo.sh              # everything
#   scripts/demo.sh --no-build   # start again without building
#   SR_DEMO_PORT=9000 scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
JOBS="${SR_JOBS:-$(nproc)}"
PORT="${SR_DEMO_PORT:-8787}"
BUILD=1
[ "${1:-}" = "--no-build" ] && BUILD=0

if [ "$BUILD" = 1 ]; then
  bash scripts/setup.sh
  echo "demo: native build (build/native)"
  cmake --preset native >/dev/null
  cmake --build --preset native -j "$JOBS" --target session-rating session-rating-collector
  echo "demo: WebAssembly build (build/wasm)"
  cmake --preset wasm >/dev/null
  cmake --build --preset wasm -j "$JOBS"
  echo "demo: widget build (dist/)"
  node web/build.mjs
fi

# The example flow tests a team would keep in CI, through the native core.
if [ -x build/native/core/session-rating ]; then
  echo "demo: example scenarios (examples/flow-tests) through session-rating test"
  build/native/core/session-rating test examples/flow-tests || true
fi

COLLECTOR="${SR_COLLECTOR:-$ROOT/build/native/collector/session-rating-collector}"
[ -x "$COLLECTOR" ] || { echo "demo: $COLLECTOR is missing (run without --no-build)"; exit 1; }
[ -f dist/session-rating.js ] || echo "demo: warning: dist/session-rating.js is missing; the examples need it"

# Fresh database and dev keys for this run (var/ is git-ignored).
mkdir -p var
DB="var/demo.sqlite3"
rm -f "$DB" "$DB-wal" "$DB-shm"
rand() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
WRITE_KEY="pk_dev_$(rand)"
ADMIN_TOKEN="admin_dev_$(rand)"
# A token of the agent scope (docs/programme.md): the agent console's "Ask for rating".
AGENT_TOKEN="agent_dev_$(rand)"
LOG="var/demo-collector.log"

start() {
  # Every served folder is named here: the binary has no path of this repository built in.
  "$COLLECTOR" --listen "127.0.0.1:$1" --db "$DB" \
    --mount "/dist/=$ROOT/dist" \
    --mount "/examples/script-tag/=$ROOT/examples/script-tag" \
    --mount "/examples/call-end-screen/=$ROOT/examples/call-end-screen" \
    --mount "/examples/ai-answers/=$ROOT/examples/ai-answers" \
    --mount "/dashboard/=$ROOT/collector/dashboard" \
    --write-key "$WRITE_KEY" --admin-token "$ADMIN_TOKEN" --token "agent:$AGENT_TOKEN" >"$LOG" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do
    if grep -q '"event":"listening"' "$LOG" 2>/dev/null; then return 0; fi
    kill -0 "$PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
if ! start "$PORT"; then
  echo "demo: port $PORT is busy; using a free port"
  start 0 || { cat "$LOG"; echo "demo: the collector did not start"; exit 1; }
fi
PORT=$(grep '"event":"listening"' "$LOG" | head -1 | sed -E 's/.*"port":([0-9]+).*/\1/')
BASE="http://127.0.0.1:$PORT"

# A fresh database starts with ratings OFF (docs/programme.md): POST /v1/ratings answers
# 403 ratings_disabled until an operator switches them on. The demo switches them on here,
# through the same API as the dashboard's Features switch, and says so.
echo "demo: turning ratings on: PATCH /v1/config {\"enabled\": true} (a fresh database starts with them off)"
ENABLED=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H "Authorization: Bearer $ADMIN_TOKEN" \
  "$BASE/v1/config" -d '{"enabled": true}' || true)
[ "$ENABLED" = 200 ] || echo "demo: warning: switching ratings on answered $ENABLED"

# The site config served at /v1/widget-config (for pages that load it with config-url; the
# examples carry their own config): a chat with a comment box. The dashboard's Features panel
# changes the same settings.
curl -s -o /dev/null -X PATCH -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE/v1/config" \
  -d '{"config": {"preset": "chat", "question": "How was your chat?", "comment": {"enabled": true}}}' || true

STOPPING=0
stop() {
  [ "$STOPPING" = 1 ] && return
  STOPPING=1
  echo
  echo "demo: stopping the collector"
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  exit 0
}
trap stop INT TERM

cat <<MSG

  session-rating demo is running (collector pid $PID, log $LOG, database $DB)

  Support site, script tag in popup mode, two thumbs questions in one prompt:
    $BASE/examples/script-tag/?key=$WRITE_KEY
  Its agent console ("Ask for rating" opens the visitor's prompt at once; paste the
  conversation id shown on the support site, or follow its "agent console" link):
    $BASE/examples/script-tag/agent.html#token=$AGENT_TOKEN
  Video call end screen, inline <session-rating>; every participant rates the call
  (open its invite link in another browser for a second participant):
    $BASE/examples/call-end-screen/?key=$WRITE_KEY
  AI answers, one "That helped?" button (mode="button") per answer:
    $BASE/examples/ai-answers/?key=$WRITE_KEY
  Insights dashboard (admin; add &session=ID to open one session's ratings):
    $BASE/dashboard/#token=$ADMIN_TOKEN

  Write key:   $WRITE_KEY
  Admin token: $ADMIN_TOKEN
  Agent token: $AGENT_TOKEN
  API:         curl -H "Authorization: Bearer $ADMIN_TOKEN" $BASE/v1/insights

  Ratings are ON (switched on by this script; a fresh database starts with them off).
  Switch them off and on with the dashboard's Features panel or
    curl -X PATCH -H "Authorization: Bearer $ADMIN_TOKEN" $BASE/v1/config -d '{"enabled": false}'

  Rate in an example, then press Refresh on the dashboard. Ctrl-C stops.

MSG
wait "$PID"
