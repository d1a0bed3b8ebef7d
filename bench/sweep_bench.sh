#!/usr/bin/env bash
# bench/sweep: wall time of bench/sweep_bench.toml (24 runs in 8 stage-1 groups), each into a
# fresh run store with the same --jobs: warm workers with stage-1 sharing (the default),
# a new worker per unit (--fresh-workers), and --no-share with warm workers. Not a test.
# Targets: sharing >= 2x --no-share; warm >= 2x fresh workers.
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
# Every store must hold the same results: the modes differ in speed only.
summary() {
  "$setfit" results sql "$work/$1.db" --format csv \
    "SELECT r.run_key, s.key, s.value FROM run_summary s JOIN runs r ON r.id = s.run_id ORDER BY 1, 2" |
    md5sum | cut -c1-12
}
warm=$(time_it warm)
fresh=$(time_it fresh --fresh-workers)
alone=$(time_it alone --no-share)
echo "24 runs, $jobs jobs: warm + shared ${warm}s, fresh workers ${fresh}s ($(awk -v a="$fresh" -v s="$warm" 'BEGIN { printf "%.2f", a / s }')x), --no-share ${alone}s ($(awk -v a="$alone" -v s="$warm" 'BEGIN { printf "%.2f", a / s }')x)"
echo "results: warm $(summary warm), fresh $(summary fresh)"
