#!/usr/bin/env bash
# Runs every row of docs/RELIABILITY.md's results: the long runs of the reliability harness, one after
# another (about 11 minutes on 2 cores), then the network partition cases. Prints the markdown rows.
#
#   ./scripts/reliability.sh              every row, seed 11 (the report's)
#   ./scripts/reliability.sh --seed 42    the same rows with another seed
#
# It installs stress-ng when missing and starts the servers as scripts/test.sh does. It exits 1 when a row
# that must be clean shows a violation, or a control arm shows none (the checker must see violations there).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
seed=11
[ "${1:-}" = "--seed" ] && seed="${2:?--seed needs a value}"

command -v stress-ng >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null; }
state="$repo/.test-state"
mkdir -p "$state"
: > "$state/env"
for server in scripts/servers/*.sh; do
  bash "$server" start "$state" >> "$state/env"
done
# shellcheck disable=SC1091
source "$state/env"
pg="$BATON_TEST_POSTGRES_URL" redis="$BATON_TEST_REDIS_URL" etcd="$BATON_TEST_ETCD_URL" zk="$BATON_TEST_ZOOKEEPER_URL"

for project in tests/Baton.Reliability.Runner tests/Baton.Partition.Tests; do
  dotnet build "$project" -c Release --nologo -v quiet >/dev/null
done

# expect: clean (no violation allowed), control (violations required), finding (a known finding: reported only).
rows=(
  "control|--backend none --fault none --processes 4 --iterations 50"
  "control|--backend naive --fault delete --processes 4 --iterations 50"
  "clean|--backend memory:// --fault none --processes 8 --iterations 200"
  "clean|--backend file:// --fault none --processes 4 --iterations 100"
  "clean|--backend file:// --fault kill --processes 4 --iterations 100 --hold-ms 20 --faults 10"
  "clean|--backend file:// --fault clean --processes 4 --iterations 100"
  "clean|--backend file:// --fault delete --processes 4 --iterations 50"
  "clean|--backend file://?api=flock --fault delete --processes 4 --iterations 50"
  "clean|--backend file://?layout=oslo&prefix=svc --fault delete --processes 4 --iterations 50"
  "clean|--backend file:// --fault starve --processes 4 --iterations 100 --hold-ms 20 --starve-seconds 15"
  "clean|--backend $pg --fault none --processes 4 --iterations 100"
  "clean|--backend $pg --fault kill --processes 4 --iterations 100 --hold-ms 20 --faults 10"
  "clean|--backend postgres://private --fault restart --processes 3 --iterations 10 --hold-ms 1000"
  "clean|--backend $pg --fault starve --processes 4 --iterations 100 --hold-ms 20 --starve-seconds 15"
  "clean|--backend $redis?ttl=2s --fault kill --processes 4 --iterations 60 --hold-ms 20 --faults 5"
  "clean|--backend $redis?ttl=2s --fault stop --processes 3 --iterations 30 --hold-ms 100"
  "control|--backend $redis?ttl=2s --fault stop --processes 3 --iterations 30 --fencing off --hold-ms 100 --faults 2"
  "clean|--backend redis://private?ttl=2s --fault restart --processes 3 --iterations 10 --hold-ms 1000"
  "clean|--backend $redis?ttl=2s --fault starve --processes 4 --iterations 100 --hold-ms 20 --starve-seconds 15"
  "clean|--backend $etcd?ttl=2s --fault kill --processes 4 --iterations 60 --hold-ms 20 --faults 5"
  "clean|--backend $etcd?ttl=2s --fault stop --processes 3 --iterations 30 --hold-ms 100"
  "clean|--backend etcd://private?ttl=2s --fault restart --processes 3 --iterations 10 --hold-ms 1000"
  "clean|--backend etcd://private?ttl=2s --fault leader-kill --processes 3 --iterations 10 --hold-ms 1000"
  "clean|--backend etcd://private?ttl=2s --fault cluster-crash --processes 3 --iterations 10 --hold-ms 1000"
  "clean|--backend $etcd?ttl=2s --fault starve --processes 4 --iterations 100 --hold-ms 20 --starve-seconds 15"
  "clean|--backend $zk?ttl=2s --fault kill --processes 4 --iterations 60 --hold-ms 20 --faults 5"
  "clean|--backend $zk?ttl=2s --fault stop --processes 3 --iterations 30 --hold-ms 100"
  "clean|--backend zookeeper://private?ttl=2s --fault restart --processes 3 --iterations 10 --hold-ms 1000"
  "clean|--backend zookeeper://private?ttl=2s --fault leader-kill --processes 3 --iterations 10 --hold-ms 1000"
  "clean|--backend zookeeper://private?ttl=2s --fault cluster-crash --processes 3 --iterations 10 --hold-ms 1000"
  "clean|--backend $zk?ttl=2s --fault starve --processes 4 --iterations 100 --hold-ms 20 --starve-seconds 15"
)

status=0
header=--header
for row in "${rows[@]}"; do
  expect="${row%%|*}"
  # shellcheck disable=SC2086  # the options are words
  set -- ${row#*|}
  output="$(dotnet run -c Release --no-build --project tests/Baton.Reliability.Runner -- "$@" --seed "$seed" $header)" && rc=0 || rc=$?
  printf '%s\n' "$output" | grep '^|' || true
  header=
  case "$expect:$rc" in
    clean:0|control:1|finding:*) ;;
    *) echo "!! unexpected exit $rc for a $expect row: $*" >&2; status=1 ;;
  esac
done

echo
echo "== network partitions"
dotnet test tests/Baton.Partition.Tests -c Release --no-build --nologo --logger "console;verbosity=detailed" \
  | grep -E "after the cut|^\s+(Passed|Failed) " || status=1
exit "$status"
