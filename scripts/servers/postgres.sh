#!/usr/bin/env bash
# Installs (if missing) and starts a private PostgreSQL for the Baton.Postgres tests.
#
#   scripts/servers/postgres.sh start STATE_DIR   start unless ours already answers; print the export line
#   scripts/servers/postgres.sh stop STATE_DIR [fast|immediate]   stop the instance started in STATE_DIR
#                                                 (immediate: as a crash; recovery follows the next start)
#
# The data directory lives in STATE_DIR/postgres (owned by the postgres user: the server refuses
# to run as root); the server listens on 127.0.0.1 only, on BATON_TEST_POSTGRES_PORT (default 55432).
set -euo pipefail

action="${1:?usage: postgres.sh start|stop STATE_DIR}"
state="$(mkdir -p "${2:?usage: postgres.sh start|stop STATE_DIR}" && cd "$2" && pwd)"
port="${BATON_TEST_POSTGRES_PORT:-55432}"
data="$state/postgres"

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/postgres" ] && { echo "$dir"; return 0; }
  done
  return 1
}

bin="$(find_bin || true)"
if [ -z "$bin" ]; then
  echo "== installing postgresql" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bin="$(find_bin)"
fi

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

# Ours: the server whose data directory is this STATE_DIR's and which is still running.
ours() { [ -s "$data/postmaster.pid" ] && kill -0 "$(head -1 "$data/postmaster.pid")" 2>/dev/null; }

case "$action" in
  start)
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && ! ours; then
      # Another checkout's instance (its clone may be gone, and PostgreSQL shuts down within a minute once
      # its data directory is): never reuse it; stop it and start ours.
      echo "== stopping a PostgreSQL of another checkout on port $port" >&2
      # A fast shutdown (SIGINT), and a wait for the postmaster itself to be gone: it holds the port until it
      # exits, well after it stops accepting connections.
      pkill -INT -f -- "postgres -D .* -p $port -k " || true
      for _ in $(seq 1 300); do
        pgrep -f -- "postgres -D .* -p $port -k " >/dev/null || break
        sleep 0.1
      done
    fi
    if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      if [ ! -s "$data/PG_VERSION" ]; then
        mkdir -p "$data"
        chown postgres "$data" 2>/dev/null || true
        chmod 700 "$data"
        as_postgres "$bin/initdb" -D "$data" -A trust -U postgres >"$state/postgres-initdb.log" 2>&1
      fi
      # Detached: the server outlives this script; its log stays beside the data directory.
      as_postgres "$bin/postgres" -D "$data" -p "$port" -k "$data" -c listen_addresses=127.0.0.1 \
        >"$state/postgres.log" 2>&1 </dev/null &
      for _ in $(seq 1 100); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
        sleep 0.1
      done
      "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || { echo "postgres did not start; see $state/postgres.log" >&2; exit 1; }
    fi
    echo "export BATON_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -s "$data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$data" -m "${3:-fast}" stop >&2 || true
    ;;
  *)
    echo "usage: postgres.sh start|stop STATE_DIR" >&2
    exit 64
    ;;
esac
