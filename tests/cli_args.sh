#!/usr/bin/env bash
# The command line reaches vfe as an argument vector (issue 8, B.2 and B.7):
#  - a value with spaces stays one value (-output_dir "out dir" writes to "out dir/");
#  - "--" ends the options, so `vfe run -- CASE` runs CASE, not the built-in default;
#  - a stray argument is an error naming it;
#  - on 2 ranks an error is one line from vfe (mpiexec -q silences mpiexec's own banner), exit 1.
#   usage: cli_args.sh VFE WORKDIR MPIEXEC...
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
vfe=$1 work=$2
shift 2
mpiexec=("$@")
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 8, order: 1}\nbaseline: false\n' > case.yaml
printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 8, order: 1}\nload: {axial_N: nan}\n' > nanload.yaml

"$vfe" run case.yaml -output_dir "out dir" -vfe_write_fields false >space.log 2>&1
check "a value with a space is one value (exit $?)" test -s "out dir/summary.json"
check "nothing written to out/" test ! -e out

"$vfe" run -- nanload.yaml -output_dir dd >dd.log 2>&1
rc=$?
check "'--' then CASE runs CASE: exit 1 (got $rc)" test "$rc" = 1
check "'--' then CASE: the case's bad load is named" grep -q "load_axial_N" dd.log
check "'--' then CASE: the default case did not run" test ! -e out/default

"$vfe" run case.yaml stray -output_dir st >stray.log 2>&1
rc=$?
check "a stray argument: exit 1 (got $rc)" test "$rc" = 1
check "a stray argument is named" grep -q "unexpected argument 'stray'" stray.log

for bad in "nanload.yaml" "case.yaml -mesh_size_mm nan" "case.yaml -unknown_key 1"; do
  # shellcheck disable=SC2086
  "${mpiexec[@]}" -q -n 2 "$vfe" run $bad -output_dir np >np.log 2>&1
  rc=$?
  check "2 ranks, '$bad': exit 1 (got $rc)" test "$rc" = 1
  check "2 ranks, '$bad': one line (got $(wc -l <np.log))" test "$(wc -l <np.log)" = 1
  check "2 ranks, '$bad': the line is vfe's error" grep -q "^vfe: error: " np.log
done
echo "cli_args: $pass passed, $fail failed"
test "$fail" = 0
