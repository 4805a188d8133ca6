#!/usr/bin/env bash
# A private single-member etcd for the tests, from Debian's packages, on 127.0.0.1.
#
#   scripts/servers/etcd.sh start STATE_DIR   install if missing, start unless ours already answers,
#                                             print the export lines the tests read
#   scripts/servers/etcd.sh stop STATE_DIR    stop the member this script started
#
# The data directory lives on tmpfs (/dev/shm) when there is one: every write is an fsync, and the
# tests write a lot. Ports: 23791 (clients), 23801 (peers); override with BATON_ETCD_PORT/PEER_PORT.
set -euo pipefail
action="${1:?usage: etcd.sh start|stop STATE_DIR}"
state="${2:?usage: etcd.sh start|stop STATE_DIR}"
port="${BATON_ETCD_PORT:-23791}"
peer_port="${BATON_ETCD_PEER_PORT:-23801}"
pidfile="$state/etcd.pid"
data_root=/dev/shm
[ -d "$data_root" ] && [ -w "$data_root" ] || data_root="$state"
data="$data_root/baton-test-etcd-$port"

healthy() { ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$port" --command-timeout=2s endpoint health >/dev/null 2>&1; }

case "$action" in
  stop)
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi
    exit 0 ;;
  start) ;;
  *) echo "etcd.sh: unknown action '$action'" >&2; exit 64 ;;
esac

if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
  echo "== installing etcd-server etcd-client" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client >/dev/null
fi

mkdir -p "$state"
if ! healthy; then
  if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  rm -rf "$data"
  ETCD_UNSUPPORTED_ARCH="" nohup etcd --name baton-test --data-dir "$data" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "baton-test=http://127.0.0.1:$peer_port" --log-level error \
    >"$state/etcd.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 100); do healthy && break; sleep 0.1; done
  healthy || { echo "etcd did not start on 127.0.0.1:$port; see $state/etcd.log" >&2; exit 69; }
fi

echo "export BATON_TEST_ETCD_URL=etcd://127.0.0.1:$port"
