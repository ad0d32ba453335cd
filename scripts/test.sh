#!/usr/bin/env bash
# Runs every test of session-rating: installs what is missing, builds, then runs each stage in
# scripts/test.d/ in name order. Any failing stage fails the whole run (after running all).
set -uo pipefail
cd "$(dirname "$0")/.."
export SR_ROOT="$PWD"
export SR_JOBS="${SR_JOBS:-$(nproc)}"
bash scripts/setup.sh || exit 1

failed=()
for stage in scripts/test.d/*.sh; do
  echo "==== $(basename "$stage")"
  start=$(date +%s)
  if bash "$stage"; then
    echo "==== $(basename "$stage"): ok ($(( $(date +%s) - start )) s)"
  else
    echo "==== $(basename "$stage"): FAILED ($(( $(date +%s) - start )) s)"
    failed+=("$(basename "$stage")")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed stages: ${failed[*]}"
  exit 1
fi
echo "all test stages passed"
