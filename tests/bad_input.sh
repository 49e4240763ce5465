#!/usr/bin/env bash
# Bad input ends with a one-line error naming the problem, a non-zero exit code of DESIGN.md and
# no output that looks complete.   usage: bad_input.sh VFE WORKDIR
set -uo pipefail
vfe=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail=0 n=0
# expect CODE PATTERN -- ARGS... : run vfe, check exit code, stderr pattern, and no summary.json in out/
expect() {
  local code=$1 pat=$2; shift 3
  rm -rf out; n=$((n + 1))
  "$vfe" "$@" -output_dir out >stdout.txt 2>stderr.txt; local rc=$?
  local msg; msg=$(grep "vfe: error" stderr.txt | head -1)
  if [ "$rc" != "$code" ] || ! grep -q -- "$pat" stderr.txt || [ -e out/summary.json ] || [ -e out/fields.hdf ]; then
    echo "FAILED: vfe $* -> exit $rc (want $code), message: ${msg:-<none>} (want /$pat/)"; fail=$((fail + 1))
  else
    echo "ok: exit $rc: $msg"
  fi
}
printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 5}\n' > good.yaml
printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 5\n  order: [1\n' > broken.yaml
printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 5}\ncement: {colour: red}\n' > unknown.yaml
printf 'mesh: {geometry: simple, size_mm: 5}\n' > noversion.yaml
printf 'case_version: 7\nmesh: {geometry: simple, size_mm: 5}\n' > version7.yaml
# a one-tetrahedron mesh with negative orientation (nodes 2 and 3 swapped)
cat > inverted.msh <<'MSH'
$MeshFormat
2.2 0 8
$EndMeshFormat
$PhysicalNames
2
2 2 "load_top"
3 1 "body"
$EndPhysicalNames
$Nodes
4
1 0 0 0
2 1 0 0
3 0 1 0
4 0 0 1
$EndNodes
$Elements
2
1 2 2 2 1 2 3 4
2 4 2 1 1 1 3 2 4
$EndElements
MSH
expect 1 "case file 'missing.yaml' cannot be opened" -- run missing.yaml
expect 1 "not valid YAML" -- run broken.yaml
expect 1 "unknown key 'cement_colour'" -- run unknown.yaml
expect 1 "unknown key 'no_such_key'" -- run good.yaml -no_such_key 3
# solver options that do not apply: the mixed or B-bar form on P1, an unknown formulation
expect 1 "vfe_formulation mixed needs mesh_order 2" -- run good.yaml -mesh_order 1 -vfe_formulation mixed
expect 1 "vfe_formulation" -- run good.yaml -mesh_order 2 -vfe_formulation hybrid
expect 1 "has no case_version" -- run noversion.yaml
expect 1 "case_version '7' is not supported" -- run version7.yaml
expect 1 "material_cancellous_E = -5" -- run good.yaml -material_cancellous_E -5
expect 1 "material_annulus_nu = 0.5" -- run good.yaml -material_annulus_nu 0.5
expect 1 "no region uses a material 'steel'" -- run good.yaml -material_steel_E 200000
expect 1 "mesh file 'nope.msh' cannot be opened" -- run good.yaml -mesh_file nope.msh
expect 1 "inverted or degenerate" -- run good.yaml -mesh_file inverted.msh
expect 1 "bc_fixed = 'floor' matches no boundary" -- run good.yaml -bc_fixed floor
expect 1 "mesh_order = 3" -- run good.yaml -mesh_order 3
expect 1 "mesh_geometry: unknown value 'cube'" -- run good.yaml -mesh_geometry cube
expect 1 "unknown command 'walk'" -- walk
expect 2 "did not converge" -- run good.yaml -ksp_max_it 2
expect 2 "did not converge" -- run good.yaml -mesh_order 2 -vfe_formulation mixed -ksp_max_it 2
expect 1 "cement_pattern" -- mesh -mesh_geometry segment -cement_pattern blob
expect 1 "load_moment_Nm = 7.5 needs a direction" -- run good.yaml -load_moment_Nm 7.5
expect 1 "load_case: unknown value" -- run good.yaml -load_case jumping
"$vfe" --version | grep -q "^vfe " && echo "ok: --version" || { echo "FAILED: --version"; fail=$((fail + 1)); }
"$vfe" --help > help.txt; grep -q "usage: vfe run" help.txt && grep -q "^  cement_fill_ratio " help.txt && echo "ok: --help (usage and every key)" || { echo "FAILED: --help"; fail=$((fail + 1)); }
expect 1 "cement_fill_ratio = 1.5 is not allowed" -- run good.yaml -cement_fill_ratio 1.5
expect 1 "load_axial_N = abc is not allowed" -- run good.yaml -load_axial_N abc
echo "$((n + 2 - fail)) passed, $fail failed"
exit $((fail > 0))
