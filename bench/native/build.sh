#!/bin/sh
# Builds the C floor into bench/native/build/floor (ignored by git). Usage: bench/native/build.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/build"
${CC:-cc} -O2 -std=c11 -Wall -Wextra -Werror -o "$here/build/floor" \
    "$here/floor.c" "$here/baton_cycle.c" "$here/measures.c" "$here/report.c" "$here/main.c"
echo "$here/build/floor"
