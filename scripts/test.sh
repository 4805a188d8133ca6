#!/usr/bin/env bash
# Runs every test of Baton on this machine, from a fresh clone.
#
#   ./scripts/test.sh            build and run all test projects
#   ./scripts/test.sh --filter X pass a dotnet-test filter through
#
# It first installs and starts, idempotently, the servers the backend tests need
# (scripts/servers/*.sh, one per backend; each prints the URL variables it exports).
# It ends with one line "N passed, N failed" over every test project, and exits
# non-zero when any test failed, any project failed to build, or no test ran.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Tools the file backend's interop tests drive: Debian's python3 with fasteners (fcntl.lockf, as
# oslo.concurrency takes it) and util-linux flock(1) and setpriv(1).
missing=()
[ -x /usr/bin/python3 ] || missing+=(python3)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import fasteners' 2>/dev/null; } || missing+=(python3-fasteners)
command -v setpriv >/dev/null || missing+=(util-linux)
command -v flock >/dev/null || missing+=(util-linux)
# openssl makes the test CA of the etcd backend's TLS test.
command -v openssl >/dev/null || missing+=(openssl)
# The partition tests run a holder in a network namespace of their own (ip) and drop its packets (nft).
command -v ip >/dev/null || missing+=(iproute2)
command -v nft >/dev/null || missing+=(nftables)
# Debian's chromium is the browser of the dashboard's browser tests (Playwright drives it; nothing is downloaded).
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Servers for backend tests. Each script installs its Debian package if missing, starts a
# private instance on 127.0.0.1 (unless one of ours already runs) and appends
# `export BATON_TEST_…=URL` lines to the env file that the tests read.
state="$repo/.test-state"
mkdir -p "$state"
: > "$state/env"
for server in scripts/servers/*.sh; do
  [ -e "$server" ] || continue
  echo "== starting $(basename "$server" .sh)"
  bash "$server" start "$state" >> "$state/env"
done
# shellcheck disable=SC1091
source "$state/env"

results="$state/results"
rm -rf "$results"
mkdir -p "$results"
# The dashboard's browser test leaves its screenshot here (dashboard.png) for people to look at.
export BATON_TEST_RESULTS="$results"

echo "== building"
dotnet build Baton.sln -c Release -warnaserror --nologo -v quiet

echo "== testing"
status=0
dotnet test Baton.sln -c Release --no-build --nologo \
  --logger "trx" --results-directory "$results" \
  --logger "console;verbosity=normal" "$@" || status=$?

# Sum the counters of every test project's TRX report.
passed=0 failed=0 total=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters="$(grep -o '<Counters [^>]*' "$trx" | head -1)"
  field() { local v; v="$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters")"; echo "${v:-0}"; }
  total=$((total + $(field total)))
  passed=$((passed + $(field passed)))
  failed=$((failed + $(field failed) + $(field error) + $(field timeout) + $(field aborted)))
done

# Name each failure again just above the summary, so that the end of the log says what failed and why.
if [ "$failed" -ne 0 ]; then
  /usr/bin/python3 - "$results"/*.trx <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in sys.argv[1:]:
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        if result.get("outcome") != "Passed" and result.get("outcome") != "NotExecuted":
            message = result.findtext(".//t:Message", default="", namespaces=ns).strip()
            print(f"FAILED {result.get('testName')}\n  " + message[:2000].replace("\n", "\n  "))
PY
fi
echo "$passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$total" -eq 0 ]; then
  exit 1
fi
