#!/usr/bin/env bash
# Every built plugin links the lean SDK only: the shared libraries it needs, and those
# that the project's own libraries among them need, name no SQLite, GMime, libxml2,
# OpenSSL or utf8proc, and not libsetfit itself. (Debian's LibTorch pulls some of these
# in on its own; they are not counted, since a plugin cannot avoid LibTorch.)
set -euo pipefail
lib_dir=$1
shift

forbidden='^lib(setfit\.so|sqlite3|SQLiteCpp|gmime|xml2|ssl|crypto|utf8proc)'
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

checked=0
for plugin in "$@"; do
  [ -f "$plugin" ] || { echo "FAIL: no plugin at $plugin"; exit 1; }
  queue=("$plugin") seen=""
  while [ ${#queue[@]} -gt 0 ]; do
    file=${queue[0]} queue=("${queue[@]:1}")
    for lib in $(needed "$file"); do
      if [[ $lib =~ $forbidden ]]; then
        echo "FAIL: $(basename "$plugin") needs $lib (through $(basename "$file"))"
        exit 1
      fi
      # Follow the project's own libraries, whose dependencies a plugin inherits.
      if [[ $lib == libsetfit* ]] && [[ " $seen " != *" $lib "* ]]; then
        seen="$seen $lib"
        queue+=("$lib_dir/$lib")
      fi
    done
  done
  checked=$((checked + 1))
done
echo "$checked plugins need only the plugin SDK and LibTorch"
