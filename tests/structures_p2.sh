#!/usr/bin/env bash
# The full osteoligamentous L1-L3 (posterior elements, facets, tips, ligaments, fibres) at 5 mm P2 on 2 ranks under
# the four moments (500 N + 7.5 N m), issue 10 (label slow: about 2 minutes on 2 cores):
#   - every load runs to the end (exit 0); the contact pairs start closed, GAMG's hierarchy is built anew once they
#     open (summary.json structures.hierarchy_rebuilds >= 1), and a linear solve that breaks down on a reused
#     hierarchy is solved again with a new one (the log says so; reported, not required);
#   - a case costs at most 3x its linear solve in Krylov iterations (issue 10's target), the linear solve being
#     extension with the structures off on the same mesh;
#   - range of motion L1-L2 about the load's axis: flexion > 0, extension < 0, lateral bending and axial rotation
#     > 0, and equal within 1e-6 (relative) to the answer with the hierarchy kept (-vfe_active_set_rebuild 1) for
#     flexion and extension.
# usage: structures_p2.sh VFE WORKDIR MPIEXEC...
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
vfe=$1 work=$2
shift 2
mpiexec=("$@")
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
"$vfe" mesh -segment_posterior_elements true -mesh_size_mm 5 -mesh_order 2 -output_dir mesh > mesh.log 2>&1 ||
  { echo "FAILED: vfe mesh"; cat mesh.log; exit 1; }
run() {
  local out=$1
  shift
  "${mpiexec[@]}" -n 2 "$vfe" run -segment_posterior_elements true -mesh_file mesh/mesh.msh -baseline false \
    -vfe_write_fields false -output_dir "$out" "$@" > "$out.log" 2>&1
}
check "linear (extension, structures off)" run linear -load_case extension -model_fibres false -model_ligaments false \
  -model_facet_contact false
for load in flexion extension lateral_bending axial_rotation; do
  check "$load" run "$load" -load_case "$load"
done
check "flexion, hierarchy kept" run flexion_keep -load_case flexion -vfe_active_set_rebuild 1
check "extension, hierarchy kept" run extension_keep -load_case extension -vfe_active_set_rebuild 1
for load in flexion extension lateral_bending axial_rotation; do
  grep -h "broke down" "$load.log" | sed "s/^/info ($load): /"
done

python3 - <<'PY' || fail=$((fail + 1))
import json
from checks import ok, failures
S = {k: json.load(open(f"{k}/summary.json")) for k in
     ("linear", "flexion", "extension", "lateral_bending", "axial_rotation", "flexion_keep", "extension_keep")}
lin = S["linear"]["solver"]["iterations"]
axis = {"flexion": 0, "extension": 0, "lateral_bending": 1, "axial_rotation": 2}
sign = {"flexion": 1, "extension": -1, "lateral_bending": 1, "axial_rotation": 1}
for load, a in axis.items():
    st = S[load]["structures"]
    its = st["krylov_iterations_all"]
    ok(st["hierarchy_rebuilds"] >= 1, f"{load}: GAMG's hierarchy built anew ({st['hierarchy_rebuilds']})")
    ok(its <= 3 * lin, f"{load}: Krylov iterations {its} <= 3 x linear {lin} ({its / lin:.2f}x)")
    rom = S[load]["rom"]["segments"]["L1L2"]["rom_deg"][a]
    ok(sign[load] * rom > 0.5, f"{load}: ROM L1L2 {rom:.4f} deg, sign {sign[load]:+d}")
for load in ("flexion", "extension"):
    a = S[load]["rom"]["segments"]["L1L2"]["rom_deg"][0]
    b = S[load + "_keep"]["rom"]["segments"]["L1L2"]["rom_deg"][0]
    ok(abs(a - b) <= 1e-6 * abs(b), f"{load}: ROM built anew {a:.9g} = kept {b:.9g} (1e-6)")
    ok(S[load + "_keep"]["structures"]["hierarchy_rebuilds"] == 0, f"{load}, kept: no hierarchy built anew")
raise SystemExit(1 if failures() else 0)
PY
echo "structures_p2: $pass passed, $fail failed"
[ "$fail" = 0 ]
