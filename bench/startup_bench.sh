#!/usr/bin/env bash
# bench/startup: wall time, best of N, of commands through the `setfit` front end (no
# LibTorch) against the same commands run by `setfit-engine` (LibTorch loaded, as every
# `setfit` process did before the split), and of a one-sentence `predict` on a MiniLM-sized
# body against the engine's bare start-up. Not a test.
#
#   bench/startup_bench.sh [N]      # default 10
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${SETFIT_BIN_DIR:-$root/build/bin}
runs=${1:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Best wall time of "$@" over $runs runs, in ms.
best_ms() {
  local best=999999 start end ms
  for ((i = 0; i < runs; ++i)); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 </dev/null
    end=$(date +%s%N)
    ms=$(((end - start) / 1000000))
    ((ms < best)) && best=$ms
  done
  echo "$best"
}
row() {  # label, front-end command..., -- engine command...
  local label=$1 front=() engine=()
  shift
  while [[ $1 != -- ]]; do front+=("$1"); shift; done
  shift
  engine=("$@")
  local f e
  f=$(best_ms "${front[@]}")
  e=$(best_ms "${engine[@]}")
  printf '| %-34s | %6s ms | %6s ms | %6sx |\n' "$label" "$f" "$e" \
    "$(awk -v a="$e" -v b="$f" 'BEGIN { printf "%.0f", a / (b > 0 ? b : 1) }')"
}

# A store at this setfit's schema (merging migrates) and a trained MiniLM-sized model.
cp "$root/tests/data/store_v2/runs.db" "$work/old.db"  # reading it must not touch the checkout
"$bin/setfit" -q results merge "$work/runs.db" "$work/old.db" >/dev/null
"$bin/bench_encode" --write-model "$work/body"
printf '{"text": "a fine film", "label": "pos"}\n{"text": "a dull film", "label": "neg"}\n%.0s' \
  1 2 3 4 >"$work/train.jsonl"
cat >"$work/train.toml" <<TOML
[data]
train = "train.jsonl"
[model]
body = "$work/body"
[args]
num_iterations = 1
TOML
"$bin/setfit" -q --threads 1 train "$work/train.toml" --output "$work/model" >/dev/null
echo "a fine film" >"$work/one.txt"

echo "best of $runs runs, $(nproc) cores"
printf '| %-34s | %9s | %9s | %7s |\n' command "setfit" "engine" ratio
printf '|%s|%s|%s|%s|\n' "------------------------------------" "-----------" "-----------" "---------"
row "--version" "$bin/setfit" --version -- "$bin/setfit-engine" --version
row "--help" "$bin/setfit" --help -- "$bin/setfit-engine" --help
row "results list runs.db" "$bin/setfit" results list "$work/runs.db" -- \
  "$bin/setfit-engine" results list "$work/runs.db"
row "sweep status runs.db" "$bin/setfit" sweep status "$work/runs.db" -- \
  "$bin/setfit-engine" sweep status "$work/runs.db"
# Through the front end, as a user runs them (the engine gets huge pages), and the same with
# the huge pages refused.
front=$(best_ms "$bin/setfit" --threads 1 predict "$work/model" --input "$work/one.txt")
bare=$(best_ms "$bin/setfit" --threads 1 -v --version)
small=$(best_ms env GLIBC_TUNABLES=glibc.malloc.hugetlb=0 "$bin/setfit" --threads 1 predict \
  "$work/model" --input "$work/one.txt")
small_bare=$(best_ms env GLIBC_TUNABLES=glibc.malloc.hugetlb=0 "$bin/setfit" --threads 1 -v --version)
echo
echo "one-sentence predict, MiniLM-sized body, 1 thread: ${front} ms; the engine's bare start-up (-v --version): ${bare} ms"
echo "the same with 4 KB pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=0): ${small} ms; bare ${small_bare} ms"
