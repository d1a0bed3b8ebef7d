#!/usr/bin/env bash
# `setfit plugins new` for each kind, against an installed setfit only: the project it writes
# configures, builds and passes its conformance test unchanged, and the installed CLI checks
# the built plugin and finds it by --plugin-dir.
set -euo pipefail
build_dir=$1 work=$2

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log"
setfit="$work/prefix/bin/setfit"

for spec in loss:MyCoolLoss head:TemperatureHead sampler:RandomPairSampler; do
  kind=${spec%%:*} name=${spec#*:}
  project="$work/$kind"
  "$setfit" plugins new "$kind" "$name" --dir "$project" >"$work/$kind.new.log"
  cmake -S "$project" -B "$project/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/$kind.configure.log"
  if ! cmake --build "$project/build" >"$work/$kind.build.log" 2>&1; then
    echo "FAIL: the $kind project does not build:"; tail -30 "$work/$kind.build.log"; exit 1
  fi
  if ! ctest --test-dir "$project/build" --output-on-failure >"$work/$kind.ctest.log" 2>&1; then
    echo "FAIL: the $kind project's conformance test fails:"; cat "$work/$kind.ctest.log"; exit 1
  fi
  plugin=$(find "$project/build" -maxdepth 1 -name "setfit_${kind}_*.so" -print -quit)
  "$setfit" plugins check "$plugin" --conformance | tail -1
  listing=$("$setfit" --plugin-dir "$project/build" plugins list)
  grep -q " $name " <<<"$listing" || { echo "FAIL: $name not listed with --plugin-dir"; exit 1; }
  echo "ok: $kind $name scaffolded, built, tested and loaded"
done
