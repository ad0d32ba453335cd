#!/usr/bin/env bash
# Web widget (issue 5): build dist/ (needs the WASM build; web/build.mjs runs it when missing),
# size cap (60 KB gzip for JS + WASM + CSS), headless-Chromium browser tests, npm pack test.
set -euo pipefail
cd "$SR_ROOT"
[ -d web/node_modules ] || (cd web && npm ci --no-audit --no-fund --loglevel=error)
node web/build.mjs
node web/size.mjs
node --test --test-concurrency=1 web/test/browser/
