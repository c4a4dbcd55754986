#!/usr/bin/env bash
# make bench-peers: issue 13's JavaScript -> Python rows in duet and in
# node-calls-python, back to back, then bench/report.py --peers.
#
# node-calls-python (pinned in package-lock.json) is installed with `npm ci`
# into BUILD_DIR/bench/peers, never the source tree. It is a native addon:
# node-gyp builds it against the machine's node headers (nodedir /usr, so
# nothing is downloaded) and Python's development headers.
#
# usage: bench/peers/run.sh BUILD_DIR
set -euo pipefail

build_dir=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
source_dir=$(cd "$(dirname "$0")" && pwd)
peers_dir="$build_dir/bench/peers"
results="$build_dir/bench/peers-results"

for tool in node npm; do
  if ! command -v "$tool" > /dev/null; then
    echo "bench-peers: $tool is not installed (it needs node and npm)" >&2
    exit 1
  fi
done

# The install, again only when the lock file changed.
addon="$peers_dir/node_modules/node-calls-python/build/Release/nodecallspython.node"
mkdir -p "$peers_dir"
if ! cmp -s "$source_dir/package-lock.json" "$peers_dir/package-lock.json" ||
  [ ! -f "$addon" ]; then
  cp "$source_dir/package.json" "$source_dir/package-lock.json" "$peers_dir/"
  (cd "$peers_dir" && npm_config_nodedir=/usr npm ci --no-audit --no-fund)
fi
if [ ! -f "$addon" ]; then
  echo "bench-peers: npm ci did not build node-calls-python's addon" \
    "($addon); its install script runs node-gyp, which needs make, g++," \
    "python3-dev and node's headers in /usr/include/node" >&2
  exit 1
fi
rm -rf "$results"
mkdir -p "$results"
# Three rounds of duet then the peer, each in a fresh process, so that a
# change of the machine's load falls on both; report.py takes the medians.
for round in 1 2 3; do
  "$build_dir/bench/cross_benchmark" \
    --benchmark_filter='^BM_(Cross/js_to_python|Large/)' \
    --benchmark_out_format=json --benchmark_out="$results/duet-$round.json"
  # NODE_PATH: peer.js, in the source tree, finds the addon in the build one.
  NODE_PATH="$peers_dir/node_modules" node "$source_dir/peer.js" 1 \
    > "$results/peer-$round.json"
done
python3 "$source_dir/../report.py" --peers "$results" | tee "$results/report.md"
