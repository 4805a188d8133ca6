#!/usr/bin/env bash
# A private standalone ZooKeeper for the tests, from Debian's packages, on 127.0.0.1.
#
#   scripts/servers/zookeeper.sh start STATE_DIR   install if missing, start unless ours already answers,
#                                                  print the export line the tests read
#   scripts/servers/zookeeper.sh stop STATE_DIR    stop the server this script started
#
# tickTime=500 lets tests ask for sessions down to 1 s (the server's minimum is two ticks). The data
# directory lives on tmpfs (/dev/shm) when there is one: every write is an fsync. Port 42181; override
# with BATON_ZOOKEEPER_PORT. Debian's zookeeper.jar names its dependencies in its manifest's Class-Path,
# so it is the whole class path (no logging binding: the server logs nothing, which is what tests want).
set -euo pipefail
action="${1:?usage: zookeeper.sh start|stop STATE_DIR}"
state="${2:?usage: zookeeper.sh start|stop STATE_DIR}"
port="${BATON_ZOOKEEPER_PORT:-42181}"
pidfile="$state/zookeeper.pid"
data_root=/dev/shm
[ -d "$data_root" ] && [ -w "$data_root" ] || data_root="$state"
data="$data_root/baton-test-zookeeper-$port"
config="$state/zookeeper-$port.cfg"

# `ruok` is enabled in our config (four-letter words are off by default); a server that is not ours
# on the port may not answer it, and then we fail to start rather than use it blindly.
healthy() {
  local reply
  reply="$( { exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'ruok' >&3 && timeout 2 cat <&3; } 2>/dev/null || true)"
  [ "$reply" = "imok" ]
}

case "$action" in
  stop)
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi
    exit 0 ;;
  start) ;;
  *) echo "zookeeper.sh: unknown action '$action'" >&2; exit 64 ;;
esac

missing=()
[ -f /usr/share/java/zookeeper.jar ] || missing+=(zookeeper)
command -v java >/dev/null || missing+=(zookeeper)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import kazoo' 2>/dev/null; } || missing+=(python3-kazoo)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p "$state"
if ! healthy; then
  if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; sleep 0.5; fi
  rm -rf "$data"
  mkdir -p "$data"
  cat > "$config" <<CFG
tickTime=500
initLimit=20
syncLimit=10
dataDir=$data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat
maxClientCnxns=0
CFG
  nohup java -Xmx256m -XX:+UseSerialGC -cp /usr/share/java/zookeeper.jar \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$config" >"$state/zookeeper.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 150); do healthy && break; sleep 0.2; done
  healthy || { echo "ZooKeeper did not start on 127.0.0.1:$port; see $state/zookeeper.log" >&2; exit 69; }
fi

echo "export BATON_TEST_ZOOKEEPER_URL=zookeeper://127.0.0.1:$port"
