#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and benchmarks (issue 15, docs/store.md).
#
#   bash scripts/pg.sh run CMD [ARG...]   starts a cluster, runs CMD with SR_PG_URL set to its
#                                         URL, stops and removes the cluster; exits with CMD's
#                                         status
#   bash scripts/pg.sh serve              starts a cluster, prints its URL on the first line of
#                                         stdout, keeps it until SIGTERM/SIGINT or stdin closes
#                                         (for a test runner that starts it in the background)
#
# The cluster: Debian's postgresql (scripts/setup.sh installs it), initdb in a fresh temp folder
# as an unprivileged user (postgres when run as root: initdb and pg_ctl refuse root), a free
# port, listening on 127.0.0.1 only (its Unix socket inside the temp folder), a superuser `sr`
# with a random password (scram-sha-256; no trust authentication). The folder is removed on any
# exit. SR_PG_OPTS adds server options (e.g. "-c fsync=off" for a quick development run; the
# default keeps PostgreSQL's durable settings so benchmarks measure what production pays).
set -euo pipefail

mode="${1:-}"
case "$mode" in
  run) shift; [ $# -gt 0 ] || { echo "pg.sh: run needs a command" >&2; exit 2; } ;;
  serve) shift ;;
  *) echo "usage: pg.sh run CMD [ARG...] | pg.sh serve" >&2; exit 2 ;;
esac

# Debian installs the server binaries under /usr/lib/postgresql/<major>/bin (not on PATH).
pg_bin=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && pg_bin="$d"
done
if [ -z "$pg_bin" ]; then
  if command -v initdb >/dev/null 2>&1; then pg_bin="$(dirname "$(command -v initdb)")"
  else echo "pg.sh: PostgreSQL server binaries not found; run scripts/setup.sh" >&2; exit 1; fi
fi

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "pg.sh: running as root but no postgres user" >&2; exit 1; }
  as_owner=(runuser -u postgres --)
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/sr-pg.XXXXXX")"
data="$tmp/data"
started=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$started" = 1 ]; then
    (cd "$tmp" && "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1) || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ ${#as_owner[@]} -gt 0 ] && chown postgres: "$tmp"
chmod 700 "$tmp"

password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$password" >"$tmp/pw"
[ ${#as_owner[@]} -gt 0 ] && chown postgres: "$tmp/pw"
# cd into the folder: the owner may not be allowed into the caller's working directory.
(cd "$tmp" && "${as_owner[@]}" "$pg_bin/initdb" -D "$data" -U sr --pwfile="$tmp/pw" \
   --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
   >"$tmp/initdb.log" 2>&1) || { cat "$tmp/initdb.log" >&2; exit 1; }
rm -f "$tmp/pw"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# A port can be taken between picking and binding: try a few.
port=""
for attempt in 1 2 3 4 5; do
  candidate="$(free_port)"
  # shellcheck disable=SC2086
  if (cd "$tmp" && "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$candidate -c unix_socket_directories=$tmp ${SR_PG_OPTS:-}" \
        start >/dev/null 2>&1); then
    port="$candidate"
    started=1
    break
  fi
done
if [ -z "$port" ]; then
  echo "pg.sh: the server did not start; its log:" >&2
  cat "$tmp/server.log" >&2 2>/dev/null || true
  exit 1
fi

export SR_PG_URL="postgresql://sr:$password@127.0.0.1:$port/postgres"
export SR_PG_BIN="$pg_bin"

if [ "$mode" = run ]; then
  set +e
  "$@"
  rc=$?
  set -e
  exit "$rc"
fi

echo "$SR_PG_URL"
# Until stdin closes (the parent went away) or a signal arrives; `read` returns on either.
while IFS= read -r _; do :; done
exit 0
