#!/usr/bin/env bash
# build.sh [DIR] [cmake args...]: configures awareday with CMake + Ninja and builds it.
# DIR defaults to build/ and is taken relative to the repository root; the extra arguments go to
# the configure step, e.g.  scripts/build.sh build-asan -DAW_SANITIZE=ON
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dir=${1:-build}
[ "$#" -gt 0 ] && shift
cmake -S "$root" -B "$dir" -G Ninja "$@"
cmake --build "$dir" -j2
