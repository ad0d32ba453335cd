#!/usr/bin/env bash
# Reference collector (issue 6): integration tests against the real binary on 127.0.0.1
# (statuses, clock skew, concurrency, kill -9, hostile HTTP clients: slow/idle connections,
# unread bodies, gzip, ranges, header smuggling, SIGTERM), event streams and webhooks (issue 12:
# a local receiver, kill -9, the 24 h limit, https), the dashboard's CSV escaping, and end to end in
# headless Chromium through the examples and the dashboard (needs dist/ from 40-web.sh): e2e.test.mjs,
# and e2e-v2.test.mjs for rating model v2 (two raters of one call, per-answer button ratings, two
# questions in one record, NPS against a hand count, every example at 360 px).
# The suite runs twice (issue 15, docs/store.md): on SQLite, then on PostgreSQL in a throw-away
# cluster (scripts/pg.sh; PostgreSQL missing is a failure, setup installs it). Tests of
# SQLite's own behaviour (old-version migrations, a full disk) use a SQLite file in both passes.
set -euo pipefail
cd "$SR_ROOT"
cmake --preset native >/dev/null
cmake --build --preset native -j "$SR_JOBS" --target session-rating session-rating-collector
[ -f dist/session-rating.js ] || node web/build.mjs
export SR_COLLECTOR="$SR_ROOT/build/native/collector/session-rating-collector"
export SR_CLI="$SR_ROOT/build/native/core/session-rating"
export SR_REQUIRE_E2E=1
echo "collector suite on SQLite"
node --test --test-concurrency=1 collector/tests/
echo "collector suite on PostgreSQL"
SR_TEST_DB=postgres bash scripts/pg.sh run node --test --test-concurrency=1 collector/tests/
