#!/usr/bin/env bash
# The key table of docs/user-guide.md is the key registry's: the lines between the markers
# <!-- keys:begin (vfe help --markdown) --> and <!-- keys:end --> must equal `vfe help --markdown`.
#   usage: docs_keys.sh VFE DOC          check (ctest docs_keys)
#          docs_keys.sh VFE DOC --write  rewrite the section of DOC from the registry
set -uo pipefail
vfe=$1 doc=$2 mode=${3:-check}
begin='<!-- keys:begin (vfe help --markdown) -->' end='<!-- keys:end -->'
grep -qxF -- "$begin" "$doc" && grep -qxF -- "$end" "$doc" || { echo "FAILED: $doc has no key-table markers"; exit 1; }
want=$(mktemp) have=$(mktemp)
trap 'rm -f "$want" "$have"' EXIT
"$vfe" help --markdown > "$want" || { echo "FAILED: vfe help --markdown"; exit 1; }
awk -v b="$begin" -v e="$end" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' "$doc" > "$have"
if [ "$mode" = --write ]; then
  awk -v b="$begin" -v e="$end" -v f="$want" '
    $0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
    $0 == e { skip = 0 } !skip { print }' "$doc" > "$doc.new" && mv "$doc.new" "$doc"
  echo "rewrote the key table of $doc ($(wc -l < "$want") lines)"; exit 0
fi
if diff -u "$have" "$want"; then
  echo "ok: the key table of $doc matches the registry ($(($(wc -l < "$want") - 2)) keys)"
else
  echo "FAILED: the key table of $doc differs from the registry (- doc, + vfe help --markdown);"
  echo "        refresh it with: bash tests/docs_keys.sh build/app/vfe $doc --write"
  exit 1
fi
