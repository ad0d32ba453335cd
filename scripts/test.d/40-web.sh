#!/usr/bin/env bash
# Web widget (issue 5): build dist/ (needs the WASM build; web/build.mjs runs it when missing),
# the one size gate (scripts/size-report.mjs: 60 KB gzip for everything dist/ ships, JS + WASM +
# CSS), the type declarations (tsc), headless-Chromium browser tests, npm pack test.
# Runs every check, then fails if any failed.
set -uo pipefail
cd "$SR_ROOT"
[ -d web/node_modules ] || (cd web && npm ci --no-audit --no-fund --loglevel=error) || exit 1
node web/build.mjs || exit 1
status=0
# The type declarations against web/test/types.test.mjs (which stage 30 runs against the core).
web/node_modules/.bin/tsc -p web/test && echo "types: web/core.d.mts and web/src/index.d.ts check" || status=1
node scripts/size-report.mjs --check || status=1
node --test --test-concurrency=1 web/test/browser/ || status=1
exit "$status"
