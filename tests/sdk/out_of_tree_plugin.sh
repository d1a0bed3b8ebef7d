#!/usr/bin/env bash
# Installs the built project into a scratch prefix, builds examples/out_of_tree_loss
# against that installed SDK only, and has the installed CLI load and check it.
set -euo pipefail
build_dir=$1 example_dir=$2 work=$3

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log"

cmake -S "$example_dir" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log"
cmake --build "$work/build" >"$work/build.log"

plugin=$(find "$work/build" -name 'setfit_loss_scaled_cosine.so' -print -quit)
if [ -z "$plugin" ]; then
  echo "FAIL: the example plugin was not built; see $work/build.log"
  exit 1
fi

# It links the installed lean SDK, not the whole framework.
sdk=$(find "$work/prefix" -name 'libsetfit_sdk.so*' -print -quit)
"$(dirname "$0")/plugin_dependencies.sh" "$(dirname "$sdk")" "$plugin"

setfit="$work/prefix/bin/setfit"
"$setfit" plugins check "$plugin" --conformance
listing=$(SETFIT_PLUGIN_PATH="$(dirname "$plugin")" "$setfit" plugins list --json)
for name in ScaledCosineLoss CosineSimilarityLoss linear oversampling; do
  if ! grep -q "\"name\": \"$name\"" <<<"$listing"; then
    echo "FAIL: the installed setfit does not list $name:"
    echo "$listing"
    exit 1
  fi
done
if grep -q '"reason"' <<<"$listing"; then
  echo "FAIL: load failures in the installed plugin directory:"
  echo "$listing"
  exit 1
fi
echo "out-of-tree plugin built against the installed SDK and loaded"
