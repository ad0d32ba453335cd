#!/usr/bin/env bash
# Idempotent setup: installs the Debian packages and npm packages session-rating needs.
# Safe to run again; does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  cmake g++ make pkg-config          # native build
  libgtest-dev libbenchmark-dev      # native tests and benchmarks
  nlohmann-json3-dev                 # JSON in the core
  emscripten binaryen                # WebAssembly build (wasm-opt: second -Oz pass, wasm/CMakeLists.txt)
  libboost1.81-dev libsqlite3-dev sqlite3    # reference collector (Boost.Beast/Asio, header-only)
  libssl-dev openssl                 # collector: HMAC-SHA256 and https webhooks (OpenSSL); tests make a certificate
  postgresql libpq-dev               # collector's PostgreSQL backend (libpq) and its throw-away test cluster (scripts/pg.sh)
  python3                            # signed context: the docs' Python snippet is run by a test
  chromium                           # browser tests (driven by playwright-core)
  brotli gzip wrk time               # size reports and load benchmarks (/usr/bin/time -v: peak RSS in bench-insights-duckdb.sh)
  clang libclang-rt-14-dev           # fuzzing: libFuzzer + ASan/UBSan runtimes (preset fuzz, scripts/fuzz.sh)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm: any install will do (the machine image may ship a Node.js build that bundles
# npm, which conflicts with Debian's npm package), so only ask apt when the command is absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for the web widget and browser tests (locked in web/package-lock.json).
if [ -f web/package.json ]; then
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    echo "setup: installing npm packages in web/"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
echo "setup: ok"
