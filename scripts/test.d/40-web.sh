#!/usr/bin/env bash
# Web widget (issue 5): build dist/ (needs the WASM build; web/build.mjs runs it when missing),
# the one size gate (scripts/size-report.mjs: 60 KB gzip for everything dist/ ships, JS + WASM +
# CSS), headless-Chromium browser tests, npm pack test.
# Runs every check, then fails if any failed.
set -uo pipefail
cd "$SR_ROOT"
[ -d web/node_modules ] || (cd web && npm ci --no-audit --no-fund --loglevel=error) || exit 1
node web/build.mjs || exit 1
status=0
node scripts/size-report.mjs --check || status=1
node --test --test-concurrency=1 web/test/browser/ || status=1
exit "$status"
