#!/usr/bin/env bash
# Plots without a shell (issue 8, B.5): a study whose vary values and output dir carry gnuplot and shell
# syntax (a backquoted command, quotes, a newline followed by a '!' shell-escape line) must neither run a
# command, when vfe draws the plots or when a user runs the written scripts with gnuplot, nor put a line
# other than vfe's own into plots/*.gp.
#   usage: sweep_hostile.sh TEST_SWEEP WORKDIR     (test_sweep: `vfe sweep` with a fake case runner)
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
vfe=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
command -v gnuplot >/dev/null || echo "note: gnuplot is not installed; the plots are not drawn, only the scripts checked"

printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 5}\n' > base.yaml
# the second material carries a backquoted command (gnuplot runs those, also inside "..."), a
# double-quoted one and quotes; the output dir a newline and a gnuplot shell escape
cat > hostile.yaml <<'YAML'
study_version: 1
base: base.yaml
vary:
  cement_material: [pmma, "`touch PWNED_bq` \"q\" 'x' @mac $(touch PWNED_dollar)"]
  cement_fill_ratio: [0.1, 0.2]
output: {dir: "out/a`touch PWNED_dir`\n!touch PWNED_bang\n"}
YAML
"$vfe" sweep hostile.yaml >hostile.log 2>&1
rc=$?
check "hostile study exits 0 (got $rc)" test "$rc" = 0 || tail -5 hostile.log
# (file names hold a newline: count with -printf, not by lines)
check "plots directory written" test "$(find out -type d -name plots -printf x)" = x
ngp=$(find out -name '*.gp' -printf x | wc -c)
check "3 gnuplot scripts ($ngp)" test "$ngp" = 3
if command -v gnuplot >/dev/null; then
  check "3 PNG plots drawn" test "$(find out -name '*.png' -printf x | wc -c)" = 3
  # a user running the scripts by hand must be as safe as vfe running them
  find out -name '*.gp' -print0 | while IFS= read -r -d '' gp; do
    (cd "$(dirname "$gp")" && gnuplot "$(basename "$gp")" >/dev/null 2>&1)
  done
fi
check "no command ran (no PWNED* file anywhere)" test -z "$(find . -name 'PWNED*' -printf x)"
# every line of a script is vfe's own: a comment, a set/unset/plot command or a plot continuation
odd=$(find out -name '*.gp' -print0 | xargs -0 cat | grep -v -E '^(#|set |unset |plot |  )' | head -3)
check "no foreign line in plots/*.gp (${odd:-none})" test -z "$odd"
check "no '!' line in plots/*.gp" test -z "$(find out -name '*.gp' -print0 | xargs -0 grep -l '^!')"
check "no backquote in plots/*.gp" test -z "$(find out -name '*.gp' -print0 | xargs -0 grep -l '`')"
check "no raw '\$(' or '@' in plots/*.gp" test -z "$(find out -name '*.gp' -print0 | xargs -0 grep -l -F -e '$(' -e '@')"
check "the hostile material still names its line (as text)" \
  test -n "$(find out -name 'adjacent_relative_risk.gp' -print0 | xargs -0 grep -F 'touch PWNED_bq')"
check "no process started through a shell (log)" test -z "$(grep -i 'sh: ' hostile.log)"

# a link planted at a plot's .png.part is not written through by gnuplot
if command -v gnuplot >/dev/null; then
  printf 'study_version: 1\nbase: base.yaml\nvary: {cement_fill_ratio: [0.1, 0.2]}\noutput: {dir: out/link}\n' > link.yaml
  mkdir -p out/link/plots && echo original > victim.txt && ln -s ../../../victim.txt out/link/plots/treated_relative_risk.png.part
  "$vfe" sweep link.yaml >link.log 2>&1
  check "a planted link at treated_relative_risk.png.part: the plot fails naming it" \
    grep -q "plot treated_relative_risk failed: cannot write .*treated_relative_risk.png.part" link.log
  check "the link's target is unchanged" test "$(cat victim.txt)" = original
  check "the other plots are drawn" test -s out/link/plots/adjacent_relative_risk.png
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
