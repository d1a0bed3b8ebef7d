#!/usr/bin/env bash
# bench/sweep: wall time of bench/sweep_bench.toml with stage-1 sharing against --no-share,
# each into a fresh run store, with the same --jobs. Not a test. Target: >= 2x.
#
#   bench/sweep_bench.sh [JOBS]      # default 2
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
setfit=${SETFIT:-$root/build/bin/setfit}
jobs=${1:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$setfit" -q fetch glove-100d >/dev/null
"$setfit" -q fetch spamassassin >/dev/null
time_it() {
  local start end
  start=$(date +%s.%N)
  "$setfit" -q sweep run "$root/bench/sweep_bench.toml" --db "$work/$1.db" --jobs "$jobs" "${@:2}" >/dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}
shared=$(time_it shared)
alone=$(time_it alone --no-share)
echo "12 runs, $jobs jobs: shared stage 1 ${shared}s, --no-share ${alone}s, speed-up $(awk -v a="$alone" -v s="$shared" 'BEGIN { printf "%.2f", a / s }')x"
