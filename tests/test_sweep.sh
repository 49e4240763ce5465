#!/usr/bin/env bash
# vfe sweep (app/sweep.c, postproc/sweeptable.c, docs/sweeps.md): a 2 x 2 study on the simple geometry (table, physics
# ratios, plots, windows), resume after deleting one case's summary.json, a failing case, and bad
# studies (exit 1, message naming the problem, no table).
#   usage: test_sweep.sh VFE WORKDIR [fake]
# VFE is vfe, or test_sweep (the same command line with a fake case runner; "fake" adds the window
# checks on a material x fill study).  SWEEP_LAUNCH (e.g. "mpiexec -n 2") prefixes every sweep.
# Exits 77 (ctest: skipped) when VFE's sweep command is not available yet.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
vfe=$1 work=$2 mode=${3:-real}
launch=${SWEEP_LAUNCH:-}
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
sweep() { $launch "$vfe" sweep "$@"; }
# col FILE NAME: column number of NAME in the CSV header (0 if absent)
col() { head -1 "$1" | tr ',' '\n' | grep -nx -- "$2" | cut -d: -f1 | head -1; }
# cell FILE ROW NAME: value in data row ROW (1-based) of column NAME (no quoted commas before it)
cell() { local c; c=$(col "$1" "$3"); [ -n "$c" ] && sed -n "$(($2 + 1))p" "$1" | cut -d, -f"$c"; }

printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 5}\n' > base.yaml
if [ "$mode" != fake ]; then
  # one mesh for all cases: Gmsh does not give the same mesh twice, and the exact load ratio
  # below needs the same mesh
  $launch "$vfe" mesh base.yaml -output_dir mesh >mesh.log 2>&1 || { echo "FAILED: vfe mesh base.yaml"; tail -5 mesh.log; }
  printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 5, file: %s/mesh/mesh.msh}\n' "$PWD" > base.yaml
fi
cat > tiny.yaml <<'EOF'
# 2 cancellous moduli x 2 loads on the simple geometry
study_version: 1
base: base.yaml
vary:
  material_cancellous_E: [50, 100]
  load_axial_N: [400, 800]
set: {vfe_write_fields: false}
output: {dir: out/tiny}
EOF

sweep tiny.yaml >tiny.log 2>&1
rc=$?
if grep -q "not available in this version" tiny.log; then
  echo "SKIPPED: $vfe has no sweep command yet (no sweep command)"
  exit 77
fi
check "tiny study exits 0 (got $rc)" test "$rc" = 0 || tail -20 tiny.log
t=out/tiny/sweep.csv
check "sweep.csv written" test -s $t
check "sweep.csv has 4 data rows" test "$(($(wc -l < $t) - 1))" = 4
check "columns: vary keys in study order, then status" test "$(head -1 $t | cut -d, -f1-3)" = "material_cancellous_E,load_axial_N,status"
check "rows in order (first key slowest)" test "$(tail -n +2 $t | cut -d, -f1,2 | tr '\n' ' ')" = "50,400 50,800 100,400 100,800 "
check "all statuses ok" test "$(tail -n +2 $t | cut -d, -f3 | sort -u)" = "ok"
for c in plate_uz_mm stiffness_N_per_mm; do check "metrics column $c present" test -n "$(col $t $c)"; done
# linear elasticity: plate displacement doubles with load, stiffness does not change with it.
# metrics.csv prints 6 significant digits (%g), so the ratio is good to ~1e-5, not 1e-6.
for r in 1 3; do
  u1=$(cell $t $r plate_uz_mm) u2=$(cell $t $((r + 1)) plate_uz_mm) k1=$(cell $t $r stiffness_N_per_mm) k2=$(cell $t $((r + 1)) stiffness_N_per_mm)
  check "E=$(cell $t $r material_cancellous_E): uz(800)/uz(400) = 2 ($u2 / $u1)" \
    awk -v a="$u1" -v b="$u2" 'BEGIN { r = b / a; exit !(a != 0 && r > 2 - 2e-5 && r < 2 + 2e-5) }'
  check "E=$(cell $t $r material_cancellous_E): stiffness independent of load ($k1, $k2)" \
    awk -v a="$k1" -v b="$k2" 'BEGIN { d = (a - b) / a; exit !(a > 0 && d < 1e-6 && d > -1e-6) }'
done
check "stiffness rises with cancellous E ($(cell $t 1 stiffness_N_per_mm) < $(cell $t 3 stiffness_N_per_mm))" \
  awk -v a="$(cell $t 1 stiffness_N_per_mm)" -v b="$(cell $t 3 stiffness_N_per_mm)" 'BEGIN { exit !(b > a) }'
for p in adjacent_endplate_vm adjacent_relative_risk treated_relative_risk; do
  if [ -s out/tiny/plots/$p.png ]; then ok "plot $p.png"
  elif grep -q "plot.* skipped" tiny.log && ! command -v gnuplot >/dev/null; then ok "plot $p skipped (no gnuplot)"
  elif grep -q "plot $p skipped: \|plots skipped: " tiny.log; then ok "plot $p skipped: $(grep -m1 "plot $p skipped\|plots skipped" tiny.log)"
  else bad "plot $p: no PNG and no reason in the log"; fi
done
check "windows.md written" test -s out/tiny/windows.md
check "windows.csv written" test -s out/tiny/windows.csv
check "no .part files left" test -z "$(find out/tiny -name '*.part')"

# resume: delete one finished case's summary.json; only that case runs again
victim=out/tiny/cases/material_cancellous_E=100_load_axial_N=400
rm -f $victim/summary.json
sweep tiny.yaml >resume.log 2>&1
rc=$?
check "resumed study exits 0 (got $rc)" test "$rc" = 0
check "log says resume for 3 cases" test "$(grep -c 'resume: case' resume.log)" = 3
check "exactly one case ran again" test "$(grep -c ': running' resume.log)" = 1
check "the re-run case is the one without summary.json" grep -q "material_cancellous_E=100_load_axial_N=400: running" resume.log
check "re-run case has summary.json again" test -s $victim/summary.json
check "statuses after resume: resumed x3, ok x1" test "$(tail -n +2 $t | cut -d, -f3 | sort | uniq -c | awk '{printf "%s%s ", $1, $2}')" = "1ok 3resumed "

# a failing case does not stop the sweep; the sweep exits with its code
cat > failing.yaml <<'EOF'
study_version: 1
base: base.yaml
vary: {material_cancellous_E: [-5, 100]}
set: {vfe_write_fields: false}
output: {dir: out/failing}
EOF
sweep failing.yaml >failing.log 2>&1
rc=$?
check "study with a failing case exits 1 (got $rc)" test "$rc" = 1
check "the other case still ran" test "$(cell out/failing/sweep.csv 2 status)" = ok
check "the failing case is marked failed" grep -q '^-5,failed' out/failing/sweep.csv

# bad studies: exit 1, a message naming the problem, no table
expect() {
  local pat=$1 file=$2
  rm -rf out/bad
  sweep "$file" >bad.log 2>&1
  local rc=$? msg
  msg=$(grep -m1 "error" bad.log)
  if [ "$rc" = 1 ] && grep -q -- "$pat" bad.log && [ ! -e out/bad/sweep.csv ]; then ok "$file: exit 1: $msg"
  else bad "$file: exit $rc (want 1), message: ${msg:-<none>} (want /$pat/)"; fi
}
study() { local name=$1; shift; printf '%s\n' "$@" 'output: {dir: out/bad}' > "$name"; }
study empty.yaml 'study_version: 1' 'base: base.yaml' 'vary: {load_axial_N: []}'
study unknown.yaml 'study_version: 1' 'base: base.yaml' 'vary: {cement_colour: [red, blue]}'
study unknownset.yaml 'study_version: 1' 'base: base.yaml' 'vary: {load_axial_N: [400]}' 'set: {mesh_colour: red}'
study nobase.yaml 'study_version: 1' 'base: nope.yaml' 'vary: {load_axial_N: [400]}'
study noversion.yaml 'base: base.yaml' 'vary: {load_axial_N: [400]}'
study version2.yaml 'study_version: 2' 'base: base.yaml' 'vary: {load_axial_N: [400]}'
study novary.yaml 'study_version: 1' 'base: base.yaml' 'set: {load_axial_N: 400}'
study topkey.yaml 'study_version: 1' 'base: base.yaml' 'vary: {load_axial_N: [400]}' 'colour: red'
study twice.yaml 'study_version: 1' 'base: base.yaml' 'vary: {load_axial_N: [400, 400]}'
expect "vary key 'load_axial_N' has an empty list" empty.yaml
expect "vary key 'cement_colour' is not a key vfe knows" unknown.yaml
expect "set key 'mesh_colour' is not a key vfe knows" unknownset.yaml
expect "base case 'nope.yaml'" nobase.yaml
expect "has no study_version" noversion.yaml
expect "study_version is not supported" version2.yaml
expect "varies no keys" novary.yaml
expect "unknown key 'colour'" topkey.yaml
expect "lists '400' twice" twice.yaml
expect "study file 'missing.yaml' cannot be opened" missing.yaml
# file-naming PETSc options (B.4): not in a study's set or vary, nor in its base case
printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 5}\nksp_view: ":stolen.txt"\n' > viewbase_case.yaml
study viewset.yaml 'study_version: 1' 'base: base.yaml' 'vary: {load_axial_N: [400]}' 'set: {log_view: ":stolen.txt"}'
study viewvary.yaml 'study_version: 1' 'base: base.yaml' 'vary: {ksp_monitor: ["ascii:stolen.txt"]}'
study viewbase.yaml 'study_version: 1' 'base: viewbase_case.yaml' 'vary: {load_axial_N: [400]}'
expect "set key 'log_view' names a file or viewer" viewset.yaml
expect "vary key 'ksp_monitor' names a file or viewer" viewvary.yaml
expect "key 'ksp_view' names a file or viewer" viewbase.yaml
check "no file written by a PETSc viewer" test -z "$(find . -name 'stolen*')"

if [ "$mode" = fake ]; then
  # windows on a material x fill study (closed-form risks in test_sweep.c)
  cat > windows.yaml <<'EOF'
study_version: 1
base: base.yaml
vary:
  cement_material: [pmma, pmma_low_modulus, cpc]
  cement_fill_ratio: [0.05, 0.10, 0.20, 0.30, 0.40]
threshold: 1.10
output: {dir: out/windows}
EOF
  sweep windows.yaml >windows.log 2>&1
  rc=$?
  w=out/windows/windows.csv
  check "window study exits 0 (got $rc)" test "$rc" = 0
  check "15 cases" test "$(($(wc -l < out/windows/sweep.csv) - 1))" = 15
  check "pmma window [0.1, 0.2]" grep -q '^pmma / bipedicular,5,0.051,0.401,0.101,0.201,' $w
  check "pmma_low_modulus window [0.2, 0.4]" grep -q '^pmma_low_modulus / bipedicular,5,0.051,0.401,0.201,0.401,' $w
  check "cpc: no window, treated risk named" grep -q '^cpc / bipedicular,5,0.051,0.401,,,,"\?treated relative risk > 1 at' $w
  check "windows.md says no window for cpc" grep -q '| cpc / bipedicular | 5 | no window |' out/windows/windows.md
  if command -v gnuplot >/dev/null; then
    check "3 PNG plots" test "$(ls out/windows/plots/*.png 2>/dev/null | wc -l)" = 3
  fi
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
