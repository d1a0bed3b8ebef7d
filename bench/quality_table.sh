#!/usr/bin/env bash
# The docs/results.md table: full SetFit (stage 1 + logistic head) against the linear probe
# (stage 1 skipped, num_epochs = [0, 16]) on the default GloVe body, 8 examples per label,
# seeds 0-4, on sst2, cr, emotion, ag_news and spamassassin from ../shared/data (beside
# the checkout in this project's sessions and CI, not on a user's machine).
#
#   bench/quality_table.sh [STAGE1_LR] [extra setfit train flags...]
#
# Every run is `setfit train` with the config below; extra flags (e.g. --set
# args.loss=\"ContrastiveLoss\") are passed on to the full runs. Not a test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
setfit=${SETFIT:-$root/build/bin/setfit}
data=${SETFIT_SHARED_DATA:-$root/../shared/data}
lr=${1:-3e-3}
shift || true
if [ ! -d "$data" ]; then
  echo "no $data: the quality table needs ../shared/data beside the checkout" >&2
  exit 2
fi
"$setfit" -q fetch glove-100d >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results=$work/results.txt
for ds in sst2 cr emotion ag_news spamassassin; do
  for seed in 0 1 2 3 4; do
    for method in probe full; do
      epochs=$([ $method = probe ] && echo 0 || echo 1)
      cat > "$work/run.toml" <<EOT
[data]
train = "$data/$ds/train.jsonl"
test = "$data/$ds/test.jsonl"
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
      extra=()
      [ $method = full ] && extra=("$@")
      acc=$("$setfit" -q --threads 1 train "$work/run.toml" "${extra[@]}" | awk '/^accuracy/{print $2}')
      echo "$ds $seed $method $acc" | tee -a "$results" >&2
    done
  done
done
python3 - "$results" <<'EOT'
import sys, statistics as st, collections
acc = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    ds, seed, method, value = line.split()
    acc[(ds, method)][int(seed)] = float(value)
print("| data set | linear probe | full SetFit | paired difference (pp) | seeds won |")
print("|---|---|---|---|---|")
for ds in ["sst2", "cr", "emotion", "ag_news", "spamassassin"]:
    probe, full = acc[(ds, "probe")], acc[(ds, "full")]
    diffs = [full[s] - probe[s] for s in sorted(full)]
    print(f"| {ds} | {st.mean(probe.values()):.3f} +- {st.pstdev(probe.values()):.3f} "
          f"| {st.mean(full.values()):.3f} +- {st.pstdev(full.values()):.3f} "
          f"| {100 * st.mean(diffs):+.2f} | {sum(d > 0 for d in diffs)}/{len(diffs)} |")
EOT
