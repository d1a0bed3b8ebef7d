#!/usr/bin/env bash
# bench/slurm: how big a sweep the Slurm path plans, and how fast the test cluster runs tasks.
#  1. `sweep plan` and `sweep submit --dry-run` of a 10,000-run sweep (1,000 tasks): time and
#     manifest size;
#  2. 100 one-run tasks submitted to the throwaway single-node cluster (scripts/slurm-cluster,
#     SLOTS fake cores, default 8), from submit until the collect job ends: tasks per second,
#     against the same runs through `sweep run` on this machine. Needs root and Slurm's packages.
# Not a test.
#   bench/slurm_bench.sh [SLOTS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
setfit=${SETFIT:-$root/build/bin/setfit}
slots=${1:-8}
work=$(mktemp -d)
chmod 755 "$work"  # munged wants every folder above its socket open to all
cluster_root=$work/cluster
trap '"$root/scripts/slurm-cluster" down "$cluster_root" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$setfit" -q fetch glove-100d >/dev/null
"$setfit" -q fetch spamassassin >/dev/null
seconds() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

t=$EPOCHREALTIME
"$setfit" -q sweep plan "$root/bench/slurm_plan_bench.toml" --dir "$work/plan" --max-runs 10000 > "$work/plan.out"
plan_s=$(seconds "$t")
tasks=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tasks'])" "$work/plan/manifest.json")
size=$(du -sk "$work/plan" | cut -f1)
t=$EPOCHREALTIME
"$setfit" -q sweep submit "$root/bench/slurm_plan_bench.toml" --dir "$work/dry" --max-runs 10000 --dry-run > "$work/dry.out" 2>&1
dry_s=$(seconds "$t")
echo "10,000 runs in $tasks tasks: sweep plan ${plan_s} s, manifest $((size / 1024)) MiB ($(ls "$work/plan/tasks" | wc -l) task files); submit --dry-run ${dry_s} s ($(wc -c < "$work/dry.out") bytes printed)"

if ! why=$("$root/scripts/slurm-cluster" check); then
  echo "task throughput not measured: $why"
  exit 0
fi
CTLD_PORT=$((20000 + RANDOM % 20000)) SLURMD_PORT=$((40000 + RANDOM % 20000)) SLOTS=$slots \
  "$root/scripts/slurm-cluster" up "$cluster_root" >/dev/null
eval "$("$root/scripts/slurm-cluster" env "$cluster_root")"
sleep 4  # a fresh slurmctld starts nothing in its first seconds
t=$EPOCHREALTIME
"$setfit" -q sweep submit "$root/bench/slurm_tasks_bench.toml" --dir "$work/tasks" > "$work/submit.out"
collect=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['submissions'][-1]['collect_job'])" "$work/tasks/slurm/submissions.json")
until [[ "$(squeue -h -t all -j "$collect" -o %T)" =~ ^(COMPLETED|FAILED|CANCELLED)$ ]]; do sleep 0.2; done
slurm_s=$(seconds "$t")
n=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tasks'])" "$work/tasks/manifest.json")
finished=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM runs WHERE status = 'FINISHED'\").fetchone()[0])" "$work/tasks/runs.db")
t=$EPOCHREALTIME
"$setfit" -q sweep run "$root/bench/slurm_tasks_bench.toml" --db "$work/local.db" --jobs "$(nproc)" >/dev/null
local_s=$(seconds "$t")
echo "$n one-run tasks on the test cluster ($slots slots on $(nproc) cores): ${slurm_s} s until collected ($finished FINISHED), $(awk -v n="$n" -v s="$slurm_s" 'BEGIN { printf "%.2f", n / s }') tasks/s; sweep run --jobs $(nproc): ${local_s} s"
