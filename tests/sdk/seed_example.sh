#!/bin/sh
# Runs examples/seed_example on a model folder and checks that it trained, evaluated and
# predicted: an accuracy line in [0, 1] and two predicted labels.
set -eu
example=$1
model=$2
out=$("$example" "$model")
echo "$out"
echo "$out" | grep -Eq '^accuracy: (0\.[0-9]{4}|1\.0000)$' || { echo "no accuracy line" >&2; exit 1; }
echo "$out" | grep -Eq '^predictions: (negative|positive), (negative|positive)$' ||
  { echo "no predictions line" >&2; exit 1; }
# Without a model folder it must fail with a usage message, not crash.
if "$example" 2>/dev/null; then echo "ran without a model folder" >&2; exit 1; fi
