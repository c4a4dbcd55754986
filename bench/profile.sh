#!/usr/bin/env bash
# Where one benchmark case spends its time: perf record (DWARF call graphs)
# of one case of one bench binary, then the top of perf report --no-children
# (self time, with callers). For saying what bounds a row of `make bench`.
#
# usage: bench/profile.sh BUILD_DIR BINARY FILTER [LINES]
#   e.g. bench/profile.sh build cross_benchmark 'BM_Large/string_echo/ascii'
set -euo pipefail

build_dir=${1:?usage: profile.sh BUILD_DIR BINARY FILTER [LINES]}
binary="$build_dir/bench/${2:?usage: profile.sh BUILD_DIR BINARY FILTER [LINES]}"
filter=${3:?usage: profile.sh BUILD_DIR BINARY FILTER [LINES]}
lines=${4:-60}
if ! command -v perf > /dev/null; then
  echo "profile.sh: perf is not installed (Debian: linux-perf)" >&2
  exit 1
fi
if [ ! -x "$binary" ]; then
  echo "profile.sh: no $binary (build it: cmake --build $build_dir --target $2)" >&2
  exit 1
fi
data="$build_dir/bench/profile-$(echo "$filter" | tr -c 'A-Za-z0-9_-' '_').data"
perf record --call-graph dwarf -o "$data" -- "$binary" \
  --benchmark_filter="$filter" --benchmark_min_time=1 > /dev/null
perf report -i "$data" --no-children --stdio -g none --percent-limit 0.5 \
  --sort dso,symbol 2> /dev/null | grep -v -e "^$" -e "^#" |
  head -n "$lines"
echo "(with callers: perf report -i $data --no-children)"
