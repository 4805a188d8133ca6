#!/usr/bin/env bash
# The Redis server the redis:// backend tests run against.
#
#   scripts/servers/redis.sh start STATE_DIR   install redis-server if missing, start a private instance
#                                              on 127.0.0.1:$BATON_REDIS_PORT (default 46379) unless ours
#                                              already answers, print `export BATON_TEST_REDIS_URL=…`
#   scripts/servers/redis.sh stop STATE_DIR    stop that instance (by the process id in its pid file)
#
# The instance keeps nothing on disk (--save '' --appendonly no); its pid file, log and working
# directory live under STATE_DIR/redis. Everything but the export line goes to stderr, since
# scripts/test.sh appends stdout to its env file.
set -euo pipefail

command="${1:-}"
state="${2:-}"
if [ -z "$command" ] || [ -z "$state" ]; then
  echo "usage: $0 start|stop STATE_DIR" >&2
  exit 64
fi

port="${BATON_REDIS_PORT:-46379}"
dir="$(mkdir -p "$state/redis" && cd "$state/redis" && pwd)"
pidfile="$dir/redis.pid"

case "$command" in
  start)
    if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
      echo "== installing redis-server" >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
    fi

    if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" != "PONG" ]; then
      redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --pidfile "$pidfile" --dir "$dir" --logfile "$dir/redis.log" >&2
      for _ in $(seq 1 100); do
        [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" = "PONG" ] && break
        sleep 0.1
      done
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" != "PONG" ]; then
        echo "redis-server did not answer on 127.0.0.1:$port; see $dir/redis.log" >&2
        exit 69
      fi
    fi

    echo "export BATON_TEST_REDIS_URL=redis://127.0.0.1:$port"
    ;;
  stop)
    if [ -f "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    fi
    ;;
  *)
    echo "usage: $0 start|stop STATE_DIR" >&2
    exit 64
    ;;
esac
