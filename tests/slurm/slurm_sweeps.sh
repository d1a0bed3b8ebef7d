#!/usr/bin/env bash
# Sweeps on a real single-node Slurm cluster (started here by scripts/slurm-cluster):
#  1. a 12-run GloVe sweep submitted and collected equals `setfit sweep run` of the same file
#     (run keys and bit-identical metrics), every run recording its array task;
#  2. a task whose plugin crashes fails only its own runs;
#  3. scancel of one running task, then `setfit sweep cancel` of the rest, then
#     `sweep submit --resume`: every run FINISHED exactly once;
#  4. a task Slurm reports COMPLETED whose store is missing is named by status and collect, and
#     resubmitted alone; a changed sweep file is refused by --resume, and planned again with
#     --allow-changed, training only the new runs;
#  5. bad input: no Slurm on the PATH, sbatch refusing a job, a folder already planned;
#  6. a sweep of more tasks than MaxArraySize allows strides over a smaller array.
# Exit 77 (SKIP) with the reason where a cluster cannot start, except under CI, where it fails.
set -uo pipefail
setfit=$1 cache=$2 hazard=$3
here=$(cd "$(dirname "$0")" && pwd)
cluster="$here/../../scripts/slurm-cluster"

if ! why=$("$cluster" check); then
  if [ -n "${CI:-}" ]; then echo "FAIL: no Slurm cluster can start here: $why"; exit 1; fi
  echo "SKIPPED: no Slurm cluster can start here: $why"
  exit 77
fi
root=$(mktemp -d /tmp/setfit-slurm-test.XXXXXX)
rmdir "$root/" 2>/dev/null || true
work=$(mktemp -d /tmp/setfit-slurm-work.XXXXXX)
# Ports of their own, so that two runs of this test on one machine do not meet.
export CTLD_PORT=$((20000 + RANDOM % 20000)) SLURMD_PORT=$((40000 + RANDOM % 20000))
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
cleanup() {
  "$cluster" down "$root" >/dev/null 2>&1 || true
  if [ "$failures" -gt 0 ]; then tail -n 20 "$root"/log/*.log 2>/dev/null; fi
  rm -rf "$root" "$work"
}
trap cleanup EXIT
start=$EPOCHREALTIME
SLOTS=8 "$cluster" up "$root" || { echo "FAIL: the cluster did not start"; exit 1; }
eval "$("$cluster" env "$root")"

sf() { "$setfit" -q --cache-dir "$cache" "$@"; }
sfh() { "$setfit" -q --cache-dir "$cache" --plugin-dir "$hazard" "$@"; }
# The collect job of DIR's latest submission, once it has ended (Slurm keeps its record).
wait_collect() {
  local dir=$1 job state
  job=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['submissions'][-1]['collect_job'])" "$dir/slurm/submissions.json")
  for _ in $(seq 1 600); do
    state=$(squeue -h -t all -j "$job" -o %T 2>/dev/null)
    case $state in COMPLETED | FAILED | CANCELLED | TIMEOUT) echo "$state"; return 0 ;; esac
    sleep 0.25
  done
  echo "TIMEOUT waiting for collect job $job"
  return 1
}
# The state of array task TASK of DIR's latest submission.
task_state() {
  local job
  job=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['submissions'][-1]['array_job'])" "$1/slurm/submissions.json")
  squeue -h -r -t all -j "$job" -o '%K %T' | awk -v t="$2" '$1 == t {print $2}'
}
# run_key, metric key, value (exact) of every run in a store, sorted.
metrics() {
  python3 - "$1" <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT r.run_key, s.key, s.value FROM runs r JOIN run_summary s ON s.run_id = r.id")
for key, metric, value in sorted((k, m, repr(v)) for k, m, v in rows):
    print(key, metric, value)
PY
}
query() { python3 -c "import sqlite3,sys; [print(*r) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]" "$@"; }

if ! { sf fetch glove-100d >/dev/null && sf fetch spamassassin >/dev/null; }; then
  if [ -n "${CI:-}" ]; then echo "FAIL: fetching glove-100d and spamassassin"; exit 1; fi
  echo "SKIPPED: glove-100d and spamassassin could not be fetched (is the npm registry reachable?)"
  exit 77
fi

# 1. The same sweep through Slurm and through `sweep run`.
t=$EPOCHREALTIME
cp "$here/glove12.toml" "$work/g.toml"
sf sweep submit "$work/g.toml" --dir "$work/a" --cpus-per-task 1 > "$work/a.out" || fail "submit: $(cat "$work/a.out")"
grep -q "submitted job array" "$work/a.out" && pass "submitted: $(grep 'submitted job array' "$work/a.out")"
state=$(wait_collect "$work/a")
[ "$state" = COMPLETED ] && pass "collect job COMPLETED" || fail "collect job $state: $(cat "$work"/a/logs/collect-*.out)"
echo "12-run sweep on Slurm: $(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s"
# One LibTorch thread per worker on both sides (2 workers on 2 cores; --cpus-per-task 1).
sf sweep run "$here/glove12.toml" --db "$work/direct.db" --jobs "$(nproc)" >/dev/null 2>&1 || fail "sweep run"
metrics "$work/a/runs.db" > "$work/slurm.txt"; metrics "$work/direct.db" > "$work/direct.txt"
n=$(wc -l < "$work/slurm.txt")
if [ "$n" -eq 12 ] && cmp -s "$work/slurm.txt" "$work/direct.txt"; then
  pass "12 runs: the same run keys and bit-identical metrics as sweep run"
else
  fail "collected ($n rows) differs from sweep run:"; diff "$work/slurm.txt" "$work/direct.txt" | head
fi
jobs=$(query "$work/a/runs.db" "SELECT count(*) FROM runs WHERE scheduler_job LIKE 'slurm %\_%' ESCAPE '\\' AND status = 'FINISHED'")
[ "$jobs" = 12 ] && pass "every run records its array task" || fail "runs with a scheduler job: $jobs"
sf sweep status "$work/a" > "$work/a.status"; rc=$?
[ $rc -eq 0 ] && grep -q "9 of 9 tasks done" "$work/a.status" && pass "status: every task done" || fail "status rc=$rc: $(cat "$work/a.status")"

# 4. COMPLETED, yet no store: named by status and collect, resubmitted alone.
mv "$work/a/shards/task-3.db" "$work/task-3.db.bak"
sf sweep status "$work/a" > "$work/a.status"; rc=$?
grep -E "^ +3 .*COMPLETED without a published store" "$work/a.status" >/dev/null && [ $rc -eq 1 ] \
  && pass "status names task 3: COMPLETED without a published store" || fail "status: $(cat "$work/a.status")"
sf sweep collect "$work/a" --db "$work/a/runs.db" > "$work/a.collect"
grep -q "tasks without a published store: 3" "$work/a.collect" && pass "collect lists task 3 as missing" || fail "collect: $(cat "$work/a.collect")"
sf sweep submit --resume "$work/a" > "$work/a.resume" 2>&1
grep -q "resubmitting 1 task: 3" "$work/a.resume" && pass "resume resubmits task 3 alone" || fail "resume: $(cat "$work/a.resume")"
state=$(wait_collect "$work/a")
[ "$state" = COMPLETED ] && [ -f "$work/a/shards/task-3.db" ] && pass "task 3 published again" || fail "after resume: $state"
sed -i 's/^seeds = \[0, 1, 2\]/seeds = [0, 1, 2, 3]/' "$work/g.toml"
out=$(sf sweep submit --resume "$work/a" 2>&1)
grep -q "the sweep changed since" <<<"$out" && pass "a changed sweep file is refused" || fail "changed sweep: $out"
sf sweep submit --resume "$work/a" --allow-changed > "$work/a.changed" 2>&1
grep -q "planned again into .*, 4 runs to train in 3 tasks" "$work/a.changed" && pass "--allow-changed: $(head -1 "$work/a.changed")" || fail "allow-changed: $(cat "$work/a.changed")"
state=$(wait_collect "$work/a")
got=$(query "$work/a/runs.db" "SELECT count(*), count(DISTINCT run_key), sum(status = 'FINISHED') FROM runs")
[ "$got" = "16 16 16" ] && pass "after --allow-changed: 16 runs, each FINISHED once" || fail "after allow-changed: $got ($state): $(cat "$work"/a/logs/collect-*.out | tail -5)"

# 2. A crashing plugin fails its own task's runs only.
"$setfit" -q --cache-dir "$cache" --plugin-dir "$hazard" sweep submit "$here/crash.toml" --dir "$work/c" > "$work/c.out" 2>&1 || fail "submit crash: $(cat "$work/c.out")"
state=$(wait_collect "$work/c")
[ "$state" = FAILED ] && pass "collect job FAILED (a task left runs unfinished)" || fail "crash collect job: $state"
got=$(query "$work/c/runs.db" "SELECT p.value_text, r.status FROM runs r JOIN params p ON p.run_id = r.id AND p.key = 'loss' ORDER BY 1" | paste -sd' ')
[ "$got" = '"CosineSimilarityLoss" FINISHED "CrashingLoss" FAILED' ] && pass "crashing loss: its run FAILED, the other FINISHED" || fail "crash runs: $got"
err=$(query "$work/c/runs.db" "SELECT error FROM runs WHERE status = 'FAILED'")
grep -q "signal 11" <<<"$err" && pass "the failure says how: signal 11" || fail "crash error: $err"

# 3. scancel of one running task, `sweep cancel` of the rest, then --resume.
sfh sweep submit "$here/slow.toml" --dir "$work/s" --max-parallel 2 > "$work/s.out" 2>&1 || fail "submit slow: $(cat "$work/s.out")"
array=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['submissions'][-1]['array_job'])" "$work/s/slurm/submissions.json")
for _ in $(seq 1 600); do
  [ "$(task_state "$work/s" 0)" = RUNNING ] && [ "$(task_state "$work/s" 1)" = RUNNING ] && grep -qs "stage 1" "$work/s/logs/${array}_0.out" && break
  sleep 0.1
done
sleep 1  # inside stage 1
scancel "${array}_0"
for _ in $(seq 1 100); do [ "$(task_state "$work/s" 0)" = CANCELLED ] && break; sleep 0.1; done
[ "$(task_state "$work/s" 0)" = CANCELLED ] && [ "$(task_state "$work/s" 1)" = RUNNING ] \
  && pass "scancel of task 0: CANCELLED, task 1 runs on" || fail "after scancel: 0 $(task_state "$work/s" 0), 1 $(task_state "$work/s" 1)"
sf sweep cancel "$work/s" > "$work/s.cancel" 2>&1
grep -q "cancelled job array $array" "$work/s.cancel" && pass "sweep cancel: $(head -1 "$work/s.cancel")" || fail "cancel: $(cat "$work/s.cancel")"
state=$(wait_collect "$work/s")
got=$(query "$work/s/runs.db" "SELECT status, count(*) FROM runs GROUP BY status" | paste -sd' ')
# Tasks 0 and 1 ran; task 2 may have started between the two cancels. Every run that ran was
# stopped: KILLED, none finished or failed; the tasks that never started published nothing.
killed=$(query "$work/s/runs.db" "SELECT count(*) FROM runs WHERE status = 'KILLED'")
[[ "$got" =~ ^KILLED\ [234]$ ]] && [ "$(ls "$work/s/shards" | wc -l)" = "$killed" ] \
  && pass "the $killed stopped runs are KILLED in the collected store" || fail "after cancel: $got; $(cat "$work"/s/logs/collect-*.out)"
sf sweep status "$work/s" > "$work/s.status"
sfh sweep submit --resume "$work/s" > "$work/s.resume" 2>&1
grep -q "resubmitting 4 tasks: 0, 1, 2, 3" "$work/s.resume" && pass "resume resubmits the 4 unfinished tasks" || fail "resume: $(cat "$work/s.resume"; cat "$work/s.status")"
state=$(wait_collect "$work/s")
got=$(query "$work/s/runs.db" "SELECT count(*), count(DISTINCT run_key), sum(status = 'FINISHED') FROM runs")
[ "$got" = "4 4 4" ] && pass "after resume: 4 runs, each FINISHED once" || fail "after resume: $got ($state)"
sfh sweep submit --resume "$work/s" > "$work/s.resume2" 2>&1
grep -q "nothing to resubmit" "$work/s.resume2" && pass "resume of a finished sweep submits nothing" || fail "resume again: $(cat "$work/s.resume2")"

# 5. Bad input.
out=$(PATH=/usr/bin/nothing-here "$setfit" -q --cache-dir "$cache" sweep submit "$here/glove12.toml" --dir "$work/x" 2>&1)
grep -q "cannot run '.*': not found on the PATH (install Slurm's client tools" <<<"$out" && [ ! -e "$work/x/manifest.json" ] \
  && pass "no Slurm on the PATH: $out" || fail "no Slurm: $out"
out=$(sf sweep submit "$here/glove12.toml" --dir "$work/p" --partition no-such-partition 2>&1)
grep -q "sbatch refused .*: .*[Ii]nvalid partition" <<<"$out" && pass "sbatch's refusal shown: $(grep "sbatch refused" <<<"$out")" || fail "bad partition: $out"
out=$(sf sweep submit "$work/g.toml" --dir "$work/a" 2>&1)
grep -q "already holds a planned sweep" <<<"$out" && pass "a planned folder is not planned over" || fail "planned folder: $out"
echo "a file, not a folder" > "$work/in-the-way"
out=$(sf sweep submit "$work/g.toml" --dir "$work/in-the-way" 2>&1)
grep -q "in-the-way: cannot create the manifest folder" <<<"$out" && [ -z "$(squeue -h -t PENDING,RUNNING -o %i)" ] \
  && pass "an unwritable folder, nothing submitted: $out" || fail "unwritable folder: $out"

# 6. More tasks than MaxArraySize allows: the array strides over the task list.
sed -i 's/^MaxArraySize=.*/MaxArraySize=4/' "$SLURM_CONF"
scontrol reconfigure
for _ in $(seq 1 50); do scontrol show config | grep -q "MaxArraySize *= 4" && break; sleep 0.1; done
sf sweep submit "$here/glove12.toml" --dir "$work/m" > "$work/m.out" 2>&1 || fail "strided submit: $(cat "$work/m.out")"
grep -q -- "--array=0-2" "$work/m.out" && pass "9 tasks past MaxArraySize 4: $(grep 'submitted job array' "$work/m.out")" || fail "strided: $(cat "$work/m.out")"
state=$(wait_collect "$work/m")
metrics "$work/m/runs.db" > "$work/strided.txt"
[ "$state" = COMPLETED ] && cmp -s "$work/strided.txt" "$work/direct.txt" \
  && pass "3 array tasks ran the 9 tasks: the 12 runs of sweep run, bit-identical" || fail "strided: $state; $(diff "$work/strided.txt" "$work/direct.txt" | head -5)"

echo "slurm test: $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s, $failures failure(s)"
[ "$failures" -eq 0 ]
