#!/usr/bin/env bash
# Validation against published behaviour (shared VALIDATION.md items 1-6, docs/validation.md).
#   usage: run_validation.sh [VFE] [WORKDIR]
# Runs the vfe cases below (L1-L3, L2 treated, osteoporotic, the default 3 mm P2 mesh, no field files;
# VALIDATION_MESH_ARGS="-mesh_size_mm 3 -mesh_order 1" for the old P1 runs),
# one mesh per cement pattern / fill, material and load changes reuse a mesh (-mesh_file),
# then tests/validation/validate.py prints the comparison table. Exit status: non-zero if a case
# fails to run or a structural check fails; disagreements with the literature are only reported.
# VALIDATION_WRITE_DOCS=1 also rewrites the last section of docs/validation.md.
# VALIDATION_REUSE=1 keeps finished cases (WORKDIR/<case>/summary.json) instead of rerunning.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
vfe=${1:-$root/build/app/vfe}
work=${2:-$root/build/validation}
case_file=$root/cases/l2-pmma-25.yaml
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}

[ -x "$vfe" ] || { echo "run_validation: vfe executable '$vfe' not found" >&2; exit 1; }
[ "${VALIDATION_REUSE:-0}" = 1 ] || rm -rf "$work"
mkdir -p "$work"
vfe=$(cd "$(dirname "$vfe")" && pwd)/$(basename "$vfe")
work=$(cd "$work" && pwd)

# Common to every case: the default 3 mm P2 mesh, no fields, baseline (intact) solve, summary only.
# The body-and-disc segment (the table of docs/validation.md), also for the wedge and flexion cases that would get
# the posterior elements by default; VALIDATION_MESH_ARGS="... -segment_posterior_elements true" for the full model.
common=(-segment_posterior_elements false ${VALIDATION_MESH_ARGS:--mesh_size_mm 3.0 -mesh_order 2} -vfe_write_fields false
  -baseline true)
failed=()
start=$(date +%s)

# run NAME MESH_FROM KEY VALUE ...   MESH_FROM: "-" meshes, otherwise the case whose mesh.msh is reused
run() {
  local name=$1 from=$2; shift 2
  local dir=$work/$name meshargs=()
  if [ "${VALIDATION_REUSE:-0}" = 1 ] && [ -f "$dir/summary.json" ]; then
    echo "run_validation: $name: kept"; return 0
  fi
  if [ "$from" != - ]; then
    if [ ! -f "$work/$from/mesh.msh" ]; then
      echo "run_validation: $name: FAILED (mesh of $from missing)"; failed+=("$name"); return 0
    fi
    meshargs=(-mesh_file "$work/$from/mesh.msh")
  fi
  local t0=$(date +%s)
  "$vfe" run "$case_file" "${common[@]}" "$@" "${meshargs[@]}" -output_dir "$dir" >"$work/$name.log" 2>&1
  local rc=$?
  if [ $rc -ne 0 ] || [ ! -f "$dir/summary.json" ]; then
    echo "run_validation: $name: FAILED (exit $rc, log $work/$name.log)"; tail -5 "$work/$name.log"
    failed+=("$name")
  else
    echo "run_validation: $name: ok ($(( $(date +%s) - t0 )) s)"
  fi
}

stand=(-load_case standing)
flex=(-load_case flexion)
bridge30=(-cement_pattern endplate_bridging -cement_fill_ratio 0.30)

# Items 1, 2 (stiffening alone), 5: endplate-bridging 30 % fill, PMMA and low-modulus PMMA, standing.
run bridge30_pmma      -          "${bridge30[@]}" -cement_material pmma             "${stand[@]}"
run bridge30_lowmod    bridge30_pmma "${bridge30[@]}" -cement_material pmma_low_modulus "${stand[@]}"
# Item 2: intact segment and an unreduced 30 % wedge without cement, standing and flexion.
run intact_standing    -          -cement_pattern none -fracture_wedge 0.0 "${stand[@]}"
run intact_flexion     intact_standing -cement_pattern none -fracture_wedge 0.0 "${flex[@]}"
run wedge30_standing   -          -cement_pattern none -fracture_wedge 0.3 "${stand[@]}"
run wedge30_flexion    wedge30_standing -cement_pattern none -fracture_wedge 0.3 "${flex[@]}"
# Item 3: weakened L2 (cancellous x 0.5), bipedicular PMMA 0 (untreated), 10, 20, 30, 40 %.
weak=(-fracture_cancellous_factor 0.5)
# (the untreated case reuses the intact mesh: meshing with cement_pattern none leaves the treated
# level unset, and fracture_cancellous_factor then finds no region to weaken)
run weak_fill00        intact_standing -cement_pattern none "${weak[@]}" "${stand[@]}"
for f in 10 20 30 40; do
  run weak_fill${f}_pmma - -cement_pattern bipedicular -cement_fill_ratio 0.$f -cement_material pmma \
      "${weak[@]}" "${stand[@]}"
done
# Item 4: the same meshes, low-modulus PMMA at 20 % and 40 %.
for f in 20 40; do
  run weak_fill${f}_lowmod weak_fill${f}_pmma -cement_pattern bipedicular -cement_fill_ratio 0.$f \
      -cement_material pmma_low_modulus "${weak[@]}" "${stand[@]}"
done
# Item 6: the reference case (bipedicular 25 % PMMA), standing and flexion (500 N + 7.5 N m).
run bipedicular25_standing -      -cement_pattern bipedicular -cement_fill_ratio 0.25 -cement_material pmma "${stand[@]}"
run bipedicular25_flexion bipedicular25_standing -cement_pattern bipedicular -cement_fill_ratio 0.25 \
    -cement_material pmma "${flex[@]}"

echo "run_validation: $(( $(date +%s) - start )) s for the cases; ${#failed[@]} failed${failed:+: ${failed[*]}}"

args=("$work")
[ "${VALIDATION_WRITE_DOCS:-0}" = 1 ] && args+=(--write-docs "$root/docs/validation.md")
python3 "$here/validate.py" "${args[@]}"
rc=$?
[ ${#failed[@]} -eq 0 ] || { echo "run_validation: FAILED: cases did not run: ${failed[*]}" >&2; exit 1; }
exit $rc
