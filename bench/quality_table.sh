#!/usr/bin/env bash
# The docs/results.md table: full SetFit (stage 1 + logistic head) against the linear probe
# (stage 1 skipped, num_epochs = [0, 16]) on the default GloVe body, 8 examples per label,
# on sst2, cr, emotion, ag_news and spamassassin from ../shared/data (beside the checkout in
# this project's sessions and CI, not on a user's machine).
#
#   bench/quality_table.sh [STAGE1_LR] [extra setfit train flags...]
#
# Every run is `setfit train --db` with the config below, recorded in one run store; the
# table is computed from that store by `setfit results compare` (means, sample std) and
# `setfit results diff` (the paired difference over seeds, its standard error, seeds won).
# Extra flags (e.g. --set args.loss=\"ContrastiveLoss\") are passed on to the full runs.
# Not a test. SETFIT_QUALITY_DB keeps the store (default: a temporary folder).
# Environment:
#   SETFIT_QUALITY_SEEDS  seeds (default "0 1 2 3 4")
#   SETFIT_QUALITY_JOBS   runs at a time, 1 thread each (default: the number of cores)
#   SETFIT_QUALITY_BODY   body folder or fetched name (default glove-100d)
#   SETFIT_QUALITY_SPLIT  "test" (default) or "validation": evaluate on rows held out of each
#                         train file (a fixed quarter, at most 1,000 rows) and draw the
#                         few-shot sample from the rest, to choose defaults without the test sets
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
setfit=${SETFIT:-$root/build/bin/setfit}
data=${SETFIT_SHARED_DATA:-$root/../shared/data}
seeds=${SETFIT_QUALITY_SEEDS:-0 1 2 3 4}
jobs=${SETFIT_QUALITY_JOBS:-$(nproc)}
split=${SETFIT_QUALITY_SPLIT:-test}
lr=${1:-3e-3}
shift || true
if [ ! -d "$data" ]; then
  echo "no $data: the quality table needs ../shared/data beside the checkout" >&2
  exit 2
fi
datasets="sst2 cr emotion ag_news spamassassin"
"$setfit" -q fetch glove-100d >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for ds in $datasets; do
  mkdir -p "$work/data/$ds"
  if [ "$split" = validation ]; then
    python3 - "$data/$ds/train.jsonl" "$work/data/$ds" <<'EOT'
import random, sys
rows = open(sys.argv[1]).readlines()
random.Random(42).shuffle(rows)
held = min(1000, len(rows) // 4)
open(sys.argv[2] + "/test.jsonl", "w").writelines(rows[:held])
open(sys.argv[2] + "/train.jsonl", "w").writelines(rows[held:])
EOT
  elif [ "$split" = test ]; then
    ln -s "$data/$ds/train.jsonl" "$data/$ds/test.jsonl" "$work/data/$ds/"
  else
    echo "SETFIT_QUALITY_SPLIT must be test or validation, not '$split'" >&2
    exit 2
  fi
done

# One run: data set, seed, method -> "ds seed method accuracy".
run_one() {
  local ds=$1 seed=$2 method=$3
  local epochs=1 config="$work/run-$ds-$seed-$method.toml"
  [ "$method" = probe ] && epochs=0
  cat >"$config" <<EOT
[data]
train = "$work/data/$ds/train.jsonl"
test = "$work/data/$ds/test.jsonl"
num_samples = 8

[model]
body = "${SETFIT_QUALITY_BODY:-glove-100d}"
head = "logistic_regression"

[args]
num_epochs = [$epochs, 16]
num_iterations = 20
body_learning_rate = [$lr, 1e-5]
seed = $seed
EOT
  local extra=()
  [ "$method" = full ] && eval "extra=($quality_extra)"
  local acc
  acc=$("$setfit" -q --threads 1 train "$config" --db "$store" "${extra[@]}" |
    awk '/^accuracy/{print $2}')
  if [ -z "$acc" ]; then
    echo "run $ds seed $seed $method printed no accuracy (config: $config)" >&2
    return 1
  fi
  echo "$ds $seed $method $acc"
}
export -f run_one
quality_extra=""
[ $# -gt 0 ] && quality_extra=$(printf '%q ' "$@")
store=${SETFIT_QUALITY_DB:-$work/quality.db}
rm -f "$store" "$store-wal" "$store-shm"
export setfit work lr quality_extra store

results=$work/results.txt
for ds in $datasets; do
  for seed in $seeds; do
    for method in probe full; do echo "$ds $seed $method"; done
  done
done | xargs -P "$jobs" -L 1 bash -c 'run_one "$@"' run_one \
  | tee "$results" >&2

echo "| data set | linear probe | full SetFit | paired difference (pp) | seeds won |"
echo "|---|---|---|---|---|"
for ds in $datasets; do
  selection="params.data.train = '$work/data/$ds/train.jsonl'"
  "$setfit" -q results compare "$store" --where "$selection" \
    --group-by params.embedding.num_epochs --agg mean,std,n --format json >"$work/compare.json"
  "$setfit" -q results diff "$store" "params.embedding.num_epochs = 1" \
    "params.embedding.num_epochs = 0" --where "$selection" --format json >"$work/diff.json"
  python3 - "$ds" "$work/compare.json" "$work/diff.json" <<'EOT'
import json, sys
ds, compare, diff = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))[0]
by = {row["params.embedding.num_epochs"]: row for row in compare}
cell = lambda row: f"{row['metrics.accuracy.mean']:.3f} +- {row['metrics.accuracy.std']:.3f}"
spread = f" +- {100 * diff['sem']:.2f}" if diff["sem"] is not None else ""
print(f"| {ds} | {cell(by[0])} | {cell(by[1])} | {100 * diff['mean_difference']:+.2f}{spread} "
      f"| {diff['a_wins']}/{diff['pairs']} |")
EOT
done
