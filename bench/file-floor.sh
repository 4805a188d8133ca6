#!/bin/sh
# The file backend's speed targets (issue 3) in one run: the C floor (bench/native) — the bare
# delete-on-release cycle, lock+unlock, and the very system calls Baton's cycle makes — Baton's
# file:// backend, fasteners and oslo.concurrency, side by side, one markdown table with ratios
# against the C delete-on-release floor, against the C loop of Baton's calls and against fasteners.
# See bench/README.md.
#
#   bench/file-floor.sh [--dir DIR] [--keep] [--no-build] [harness options such as --seconds 1 --trials 10]
#
# DIR (default: a fresh directory under ${TMPDIR:-/tmp}) holds one subdirectory per subject;
# tmpfs (/dev/shm/...) and disk give different figures, so say which one you measured.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir="" keep=0 build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        --no-build) build=0; shift ;;
        *) break ;;
    esac
done
if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/baton-file-floor-XXXXXX")
    [ "$keep" = 1 ] || trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir/c" "$dir/baton" "$dir/fasteners" "$dir/oslo"
dir=$(cd "$dir" && pwd)

floor=$("$root/bench/native/build.sh")
if [ "$build" = 1 ] && ! out=$(dotnet build "$root/bench/Baton.SideBySide" -c Release -v quiet -nologo 2>&1); then
    printf '%s\nfile-floor.sh: building Baton.SideBySide failed\n' "$out" >&2
    exit 1
fi
harness="$root/bench/Baton.SideBySide/bin/Release/net10.0/Baton.SideBySide.dll"
python=/usr/bin/python3  # Debian's, which sees python3-fasteners and python3-oslo.concurrency

set -- --subject "process:C floor (delete-on-release)=$floor --peer --cycle delete --dir $dir/c" \
    --subject "process:C (same calls as Baton)=$floor --peer --cycle baton --dir $dir/c" \
    --subject "process:C floor (lock)=$floor --peer --cycle lock --dir $dir/c" --vs 'C (same calls as Baton)' "$@"
if dotnet "$harness" --subjects "baton:file://$dir/baton" --measures uncontended --cycles 1 \
    --warmup-cycles 0 --warmup-ms 0 >/dev/null 2>&1; then
    set -- "$@" --subject "baton:file://$dir/baton"
else
    echo "note: baton:file:// does not work in this build yet; measuring the others only" >&2
fi
if "$python" -c 'import fasteners' 2>/dev/null; then
    set -- "$@" --subject "process:fasteners=$python $root/bench/peers/fasteners_peer.py --dir $dir/fasteners" --vs fasteners
else
    echo "note: no fasteners (apt-get install -y python3-fasteners)" >&2
fi
if "$python" -c 'import oslo_concurrency' 2>/dev/null; then
    set -- "$@" --subject "process:oslo.concurrency=$python $root/bench/peers/oslo_peer.py --dir $dir/oslo"
fi

echo "lock files in $dir ($(stat -f -c %T "$dir"))" >&2
status=0
dotnet "$harness" --vs 'C floor (delete-on-release)' "$@" || status=$?
exit $status  # not exec: the EXIT trap removes the temporary directory
