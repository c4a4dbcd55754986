#!/usr/bin/env bash
# Runs each libFuzzer target for a while on a scratch copy of its seed corpus
# (the committed corpus only grows by hand, with findings worth keeping).
set -euo pipefail
build="${1:-build-fuzz}"
seconds="${2:-30}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

run() {
  local fuzzer="$1" corpus="$2"
  shift 2
  local work="${build}/fuzz-corpus/${fuzzer}"
  mkdir -p "${work}"
  cp -n "${here}/corpus/${corpus}"/* "${work}/" 2>/dev/null || true
  local log="${build}/fuzz-${fuzzer}.log"
  echo "== ${fuzzer}: ${seconds}s (log: ${log})"
  local code=0
  "${build}/tests/fuzz/${fuzzer}" "${work}" -max_total_time="${seconds}" \
    -print_final_stats=1 -artifact_prefix="${build}/fuzz-artifacts-${fuzzer}-" \
    "$@" >"${log}" 2>&1 || code=$?
  grep -E "^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::new_units_added|SUMMARY|==[0-9]+==ERROR)" "${log}" || true
  if [ "${code}" -ne 0 ]; then
    echo "!! ${fuzzer} found a problem (exit ${code}); see ${log}"
  fi
  return "${code}"
}

status=0
run manifest_fuzzer manifest || status=1
run json_fuzzer json || status=1
if [ -x "${build}/tests/fuzz/value_conversion_fuzzer" ]; then
  # The fuzzer keeps one host (and both engines) for the whole run on
  # purpose, so leak checking, per input and at exit, would only report it.
  ASAN_OPTIONS=detect_leaks=0 \
    run value_conversion_fuzzer json -detect_leaks=0 -rss_limit_mb=4096 ||
    status=1
fi
exit "${status}"
