#!/usr/bin/env bash
# Startup of the `baton` command as a user feels it (a whole process: exec, connect, lock, start of the
# command, wait, release, exit) against util-linux flock(1), in one run, alternating the subjects so that
# drift of the machine hits all of them alike.
#
#   bench/cli-startup.sh [RUNS]      default 50 runs per subject
#
# Subjects: flock FILE true; baton run NAME -- true, Native AOT (the default `dotnet publish`, which links
# the native spawn helper when a C compiler is present, and makes two executables: `baton`, with the file
# and memory backends, and `baton-network` with every backend); the same command run by `baton-network`
# (what one executable with every backend costs: baton-aot-all); the AOT build without the helper
# (-p:BatonNativeSpawn=false: the command starts through setpriv/env/sh, as on a machine without cc); JIT
# (framework-dependent apphost, PublishAot=false); JIT with ReadyToRun; and the floor: a Native AOT
# "hello world" published with the same settings as baton (it writes nothing and exits). Both lockers
# lock in the same fresh directory under /tmp. Timing: bash's $EPOCHREALTIME (no fork).
set -euo pipefail
runs="${1:-50}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/baton-startup.XXXXXX)"
trap 'rm -rf "$work"' EXIT

echo "== publishing (AOT, AOT without the spawn helper, JIT, JIT+ReadyToRun, AOT hello world) into $work" >&2
dotnet publish "$repo/src/Baton.Cli" -c Release -o "$work/aot" --nologo -v quiet >&2
dotnet publish "$repo/src/Baton.Cli" -c Release -o "$work/aot-setpriv" -p:BatonNativeSpawn=false --nologo -v quiet >&2
dotnet publish "$repo/src/Baton.Cli" -c Release -o "$work/jit" -p:PublishAot=false --nologo -v quiet >&2
dotnet publish "$repo/src/Baton.Cli" -c Release -o "$work/r2r" -p:PublishAot=false -p:PublishReadyToRun=true -r linux-x64 --self-contained false --nologo -v quiet >&2
# The floor: the AOT settings of src/Baton.Cli/Baton.Cli.csproj, nothing else.
mkdir -p "$work/hello-src"
cat > "$work/hello-src/hello.csproj" <<'PROJECT'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <PublishAot>true</PublishAot>
    <InvariantGlobalization>true</InvariantGlobalization>
    <IlcDehydrate>false</IlcDehydrate>
  </PropertyGroup>
</Project>
PROJECT
echo 'return 0;' > "$work/hello-src/Program.cs"
dotnet publish "$work/hello-src" -c Release -o "$work/hello" --nologo -v quiet >&2

locks="file://$work/locks"
names=(flock hello-aot baton-aot baton-aot-all baton-aot-setpriv baton-jit baton-r2r)
declare -A commands=(
  [flock]="flock $work/flock.lock true"
  [hello-aot]="$work/hello/hello"
  [baton-aot]="$work/aot/baton run startup --backend $locks -- true"
  [baton-aot-all]="$work/aot/baton-network run startup --backend $locks -- true"
  [baton-aot-setpriv]="$work/aot-setpriv/baton run startup --backend $locks -- true"
  [baton-jit]="$work/jit/baton run startup --backend $locks -- true"
  [baton-r2r]="$work/r2r/baton run startup --backend $locks -- true"
)
for name in "${names[@]}"; do : > "$work/$name.ms"; ${commands[$name]}; done   # warm the page cache

for ((i = 0; i < runs; i++)); do
  for ((j = 0; j < ${#names[@]}; j++)); do
    name="${names[$(((i + j) % ${#names[@]}))]}"   # rotate the order every round
    start=$EPOCHREALTIME
    ${commands[$name]}
    end=$EPOCHREALTIME
    echo "$start $end" | awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' >> "$work/$name.ms"
  done
done

printf '%-17s %6s %8s %8s %8s %8s\n' subject runs median mean p90 min
for name in "${names[@]}"; do
  sort -n "$work/$name.ms" | awk -v n="$name" '{ v[NR] = $1; s += $1 } END {
    printf "%-17s %6d %8.2f %8.2f %8.2f %8.2f\n", n, NR, v[int((NR + 1) / 2)], s / NR, v[int(NR * 0.9 + 0.5)], v[1] }'
done
