#!/usr/bin/env bash
# A segment from surfaces (mesh_geometry surfaces, mesh/surfmesh.c) on the shared lumbar-artisynth L1-L2 at a
# coarse size (mesh 3 mm, voxels 0.75 mm, P1); skipped (77) without ../shared.  Checks:
#   - regions: per level cancellous, cortical, endplate_sup, endplate_inf, L1.cement; L1L2.nucleus, .annulus;
#     load_plate; boundaries load_top and fixed_bottom;
#   - conformal interfaces: the disc shares mesh faces with the body above and the body below over at least
#     1000 mm^2 each (its cross-section is about 1600 mm^2; a gap would make it 0);
#   - volumes: every body and the disc on the mesh within 2 % of the source (STL by the divergence theorem, hexahedra
#     by Gauss quadrature);
#   - cement: fill ratio on the mesh within 0.005 of the request (0.20, compact) and within 0.01 on the voxels;
#   - the P1 solve converges, in equilibrium (force error < 1e-6); 2 ranks give the same stiffness (1e-6), mesh
#     hash and fill ratio;
#   - sides: the files' +y is the left (x anterior, z superior, right-handed) and stays vfe's +x (left): L1's STL
#     moved 3 mm along the files' +y moves L1's voxel centroid (mesh.json) by +3 mm in x and not in y;
#   - ALL and PLL (the surfaces have no posterior elements, so only the body ligaments): the mesh has their
#     attachment points, the run builds exactly L1L2.ALL and L1L2.PLL; 7.5 N m flexion stretches the PLL and slackens
#     the ALL, extension the reverse, and in both the taut ligament lowers the ROM against model_ligaments false;
#   - posterior elements from the whole-vertebra surfaces (surfaces_posterior_elements): regions L1.posterior and
#     L2.posterior, two facet joints with contact and nine ligaments; flexion stretches ISL, SSL and LF and leaves the
#     facets nearly unloaded, extension loads both facets (> 100 N in all) and slackens ISL, SSL and LF; the posterior
#     elements lower the ROM in both against the same runs without them;
#   - `vfe sweep` runs on it unchanged: a study over cement_fill_ratio 0.10 / 0.20 with the intact baseline, both
#     cases ok, fill ratios within 0.005, baseline stiffness and relative stiffness in sweep.csv (cement stiffens);
#   - bad input (exit 1, one line naming the file): a missing STL, a corrupt STL, an open STL, a corrupt VTK, a
#     missing disc, a disc from another segment, keys of another geometry.
# usage: surfaces.sh VFE SHARED_DIR WORKDIR MPIEXEC...
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
vfe=$1 shared=$2 work=$3
shift 3
mpiexec=("$@")
src=$shared/data/anatomy/lumbar-artisynth
[ -f "$src/stl_mm/L1_vertebral_body.stl" ] || { echo "skipped: no $src"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
args=(-mesh_geometry surfaces -surfaces_dir "$src" -segment_levels L1-L2 -segment_treated L1 -cement_pattern compact
  -cement_fill_ratio 0.2 -cement_material pmma -mesh_size_mm 3 -surfaces_voxel_mm 0.75 -mesh_order 1 -load_axial_N 500
  -baseline false -ksp_rtol 1e-10 -vfe_write_fields false)
check "L1-L2, 1 rank" "$vfe" run "${args[@]}" -output_dir one > one.log 2>&1
check "L1-L2, 2 ranks" "${mpiexec[@]}" -n 2 "$vfe" run "${args[@]}" -output_dir two > two.log 2>&1
python3 - <<'PY' || fail=$((fail + 1))
import json
from checks import ok, failures
s1, s2 = (json.load(open(f"{d}/summary.json")) for d in ("one", "two"))
seg = s1["segment"]
sf = seg["surfaces"]
want = [f"{l}.{t}" for l in ("L1", "L2") for t in ("cancellous", "cortical", "endplate_sup", "endplate_inf")]
want += ["L1.cement", "L1L2.nucleus", "L1L2.annulus", "load_plate"]
ok(set(want) <= set(seg["regions"]) and "L2.cement" not in seg["regions"], "regions: " + ", ".join(seg["regions"]))
ok(sf["load_top_area_mm2"] > 800 and sf["fixed_bottom_area_mm2"] > 800,
   f"load_top {sf['load_top_area_mm2']:.0f} mm2, fixed_bottom {sf['fixed_bottom_area_mm2']:.0f} mm2")
d = sf["parts"]["L1L2"]
ok(d["contact_above_mm2"] > 1000 and d["contact_below_mm2"] > 1000,
   f"disc shares faces with L1 over {d['contact_above_mm2']:.0f} mm2 and with L2 over {d['contact_below_mm2']:.0f} mm2")
for p, v in sf["parts"].items():
    e = v["mesh_volume_mm3"] / v["source_volume_mm3"] - 1
    ok(abs(e) < 0.02, f"{p}: mesh {v['mesh_volume_mm3']:.0f} mm3 against source {v['source_volume_mm3']:.0f} ({e:+.2%})")
ok(abs(seg["fill_ratio"] - 0.2) <= 0.005 and abs(sf["fill_ratio_voxels"] - 0.2) <= 0.01,
   f"fill ratio {seg['fill_ratio']:.4f} on the mesh, {sf['fill_ratio_voxels']:.4f} on the voxels (requested 0.2)")
ld, sol = s1["load"], s1["solver"]
ok(sol["converged_reason"].startswith("CONVERGED") and ld["equilibrium_force_error"] < 1e-6,
   f"solve {sol['converged_reason']}, equilibrium error {ld['equilibrium_force_error']:.1e}")
k1, k2 = s1["metrics"]["stiffness_N_per_mm"], s2["metrics"]["stiffness_N_per_mm"]
ok(k1 > 0 and abs(k2 / k1 - 1) < 1e-6, f"stiffness {k1:.3f} N/mm on 1 rank, {k2:.3f} on 2")
ok(seg["mesh_hash"] == s2["segment"]["mesh_hash"] and seg["fill_ratio"] == s2["segment"]["fill_ratio"],
   f"mesh hash {seg['mesh_hash']} on both")
raise SystemExit(1 if failures() else 0)
PY

# ALL and PLL under flexion and extension, against the same runs without ligaments
for lc in flexion extension; do
  check "L1-L2, $lc" "$vfe" run "${args[@]}" -load_case $lc -output_dir "$lc" > "$lc.log" 2>&1
  check "L1-L2, $lc, model_ligaments false" "$vfe" run "${args[@]}" -load_case $lc -model_ligaments false \
    -output_dir "${lc}_nolig" > "${lc}_nolig.log" 2>&1
done
python3 - <<'PY' || fail=$((fail + 1))
import json
from checks import ok, failures
for lc, taut, slack, sign in (("flexion", "PLL", "ALL", 1), ("extension", "ALL", "PLL", -1)):
    s, n = (json.load(open(f"{d}/summary.json")) for d in (lc, lc + "_nolig"))
    lig = s["structures"]["ligaments"]
    ok(sorted(lig) == ["L1L2.ALL", "L1L2.PLL"] and not n["structures"]["ligaments"],
       f"{lc}: ligaments {sorted(lig)}; without: {sorted(n['structures']['ligaments'])}")
    ft, fs = lig["L1L2." + taut]["force_N"], lig["L1L2." + slack]["force_N"]
    ok(ft > 0.5 and fs == 0, f"{lc}: {taut} {ft:.2f} N (taut), {slack} {fs:.2f} N (slack)")
    r, r0 = (x["rom"]["segments"]["L1L2"]["rom_deg"][0] for x in (s, n))
    ok(sign * r > 0 and sign * r < sign * r0, f"{lc}: L1L2 ROM {r:.4f} deg with ALL and PLL, {r0:.4f} without")
raise SystemExit(1 if failures() else 0)
PY

# posterior elements, facet joints and the seven ligaments from the whole-vertebra surfaces
for lc in flexion extension; do
  check "L1-L2 with posterior elements, $lc" "$vfe" run "${args[@]}" -load_case $lc -surfaces_posterior_elements true \
    -output_dir "${lc}_post" > "${lc}_post.log" 2>&1
done
python3 - <<'PY' || fail=$((fail + 1))
import json
from checks import ok, failures
for lc, sign in (("flexion", 1), ("extension", -1)):
    s, n = (json.load(open(f"{d}/summary.json")) for d in (lc + "_post", lc))
    seg = s["segment"]
    post = seg["surfaces"]["posterior_elements"]
    ok({"L1.posterior", "L2.posterior"} <= set(seg["regions"]) and post and post["split_nodes"] < 50,
       f"{lc}: posterior regions; {post and post['split_nodes']} nodes split between the vertebrae")
    lig, fac = s["structures"]["ligaments"], s["structures"]["facet_joints"]
    ok(len(lig) == 9 and sorted(fac) == ["L1L2.facet_left", "L1L2.facet_right"],
       f"{lc}: {len(lig)} ligaments, facet joints {sorted(fac)}")
    post_lig = sum(lig["L1L2." + k]["force_N"] for k in ("ISL", "SSL", "LF"))
    ff = sum(v["force_N"] for v in fac.values())
    if lc == "flexion":
        ok(post_lig > 5 and ff < 50, f"flexion: ISL + SSL + LF {post_lig:.1f} N, facets {ff:.1f} N")
    else:
        ok(post_lig == 0 and ff > 100, f"extension: ISL + SSL + LF {post_lig:.1f} N, facets {ff:.1f} N")
    r, r0 = (x["rom"]["segments"]["L1L2"]["rom_deg"][0] for x in (s, n))
    ok(sign * r > 0 and sign * r < sign * r0, f"{lc}: L1L2 ROM {r:.4f} deg with posterior elements, {r0:.4f} without")
raise SystemExit(1 if failures() else 0)
PY

# sides: L1 moved 3 mm to the left (the files' +y) must move 3 mm along vfe's +x (left)
mkdir -p left/stl_mm left/discs_mm
cp "$src"/stl_mm/L2_vertebral_body.stl left/stl_mm/ && cp "$src"/discs_mm/L12_disc_hex_mm.vtk left/discs_mm/
python3 - "$src/stl_mm/L1_vertebral_body.stl" left/stl_mm/L1_vertebral_body.stl <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
n = struct.unpack_from("<I", b, 80)[0]
for t in range(n):
    for v in range(3):
        off = 84 + 50 * t + 12 + 12 * v + 4  # the vertex's y
        struct.pack_into("<f", b, off, struct.unpack_from("<f", b, off)[0] + 3.0)
open(sys.argv[2], "wb").write(b)
PY
chmod -R u+w left
sides=(-mesh_geometry surfaces -segment_levels L1-L2 -segment_treated L1 -cement_pattern none -mesh_size_mm 3
  -surfaces_voxel_mm 0.75)
check "sides: the segment as given" "$vfe" mesh "${sides[@]}" -surfaces_dir "$src" -output_dir side0 > side0.log 2>&1
check "sides: L1 moved 3 mm left" "$vfe" mesh "${sides[@]}" -surfaces_dir left -output_dir side1 > side1.log 2>&1
python3 - <<'PY' || fail=$((fail + 1))
import json
c = [json.load(open(f"side{i}/mesh.json"))["segment"]["surfaces"]["parts"]["L1"]["voxel_centroid_mm"] for i in (0, 1)]
dx, dy = c[1][0] - c[0][0], c[1][1] - c[0][1]
ok = abs(dx - 3) < 0.3 and abs(dy) < 0.3
print(("ok" if ok else "FAILED") + f": L1 moved left by 3 mm in the files moves {dx:+.3f} mm in x (left) and {dy:+.3f} mm in y")
raise SystemExit(0 if ok else 1)
PY

# vfe sweep on the surfaces segment, with the intact baseline
cat > sweep_base.yaml <<EOF
case_version: 1
segment:  { levels: L1-L2, treated: L1 }
cement:   { material: pmma, pattern: compact, fill_ratio: 0.20 }
load:     { axial_N: 500 }
baseline: true
mesh:     { geometry: surfaces, size_mm: 3.0, order: 1 }
surfaces: { dir: "$src", voxel_mm: 0.75 }
EOF
cat > sweep_study.yaml <<'EOF'
study_version: 1
base: sweep_base.yaml
vary:
  cement_fill_ratio: [0.10, 0.20]
set:
  vfe_write_fields: false
output: { dir: sweep_out }
EOF
check "vfe sweep on the surfaces segment" "$vfe" sweep sweep_study.yaml > sweep.log 2>&1
python3 - <<'PY' || fail=$((fail + 1))
import csv
rows = list(csv.DictReader(open("sweep_out/sweep.csv")))
ok = len(rows) == 2 and all(r["status"] == "ok" for r in rows)
ok = ok and all(abs(float(r["fill_ratio"]) - float(r["fill_ratio_requested"])) < 0.005 for r in rows)
ok = ok and all(float(r["baseline_stiffness_N_per_mm"]) > 0 and float(r["relative_stiffness"]) > 1 for r in rows)
print(("ok" if ok else "FAILED") + ": sweep.csv: " + ", ".join(
    f"fill {float(r['fill_ratio']):.4f} stiffness {float(r['stiffness_N_per_mm']):.1f} (baseline "
    f"{float(r['baseline_stiffness_N_per_mm']):.1f}, relative {float(r['relative_stiffness']):.3f})" for r in rows))
raise SystemExit(0 if ok else 1)
PY

# bad input
mkdir -p data/stl_mm data/discs_mm
cp "$src"/stl_mm/L1_vertebral_body.stl "$src"/stl_mm/L2_vertebral_body.stl data/stl_mm/
cp "$src"/discs_mm/L12_disc_hex_mm.vtk data/discs_mm/
chmod -R u+w data
badrun() { # what text dir args...
  local what=$1 text=$2 dir=$3; shift 3
  "$vfe" mesh -mesh_geometry surfaces -surfaces_dir "$dir" -segment_levels L1-L2 -mesh_size_mm 4 \
    -surfaces_voxel_mm 1 -output_dir badout "$@" > bad.log 2>&1
  local rc=$?
  if [ $rc -eq 1 ] && grep -q -- "$text" bad.log && [ "$(grep -c '^\[0\]PETSC ERROR\|^vfe: error' bad.log)" -le 1 ]; then
    ok "bad input: $what (exit 1)"
  else
    bad "bad input: $what (exit $rc)"; cat bad.log
  fi
}
cp -r data nostl && rm nostl/stl_mm/L2_vertebral_body.stl
badrun "missing STL" "L2_vertebral_body.stl" nostl
cp -r data corrupt && head -c 5000 data/stl_mm/L2_vertebral_body.stl > corrupt/stl_mm/L2_vertebral_body.stl
badrun "truncated binary STL" "is not an STL file" corrupt
cp -r data open && python3 - <<'PY'
import struct
b = bytearray(open("data/stl_mm/L2_vertebral_body.stl", "rb").read())
n = struct.unpack_from("<I", b, 80)[0]
struct.pack_into("<I", b, 80, n - 1)
open("open/stl_mm/L2_vertebral_body.stl", "wb").write(b[:84 + 50 * (n - 1)])
PY
badrun "open STL (one triangle removed)" "not closed" open
cp -r data badvtk && sed -e '2200,2210s/^8 /7 /' data/discs_mm/L12_disc_hex_mm.vtk > badvtk/discs_mm/L12_disc_hex_mm.vtk
badrun "corrupt VTK (a 7-node cell)" "L12_disc_hex_mm.vtk: not a legacy VTK" badvtk
cp -r data nodisc && rm nodisc/discs_mm/L12_disc_hex_mm.vtk
badrun "missing disc" "L12_disc_hex_mm.vtk" nodisc
cp -r data otherdisc && cp "$src"/discs_mm/L45_disc_hex_mm.vtk otherdisc/discs_mm/L12_disc_hex_mm.vtk
badrun "a disc of another segment" "does not touch" otherdisc
badrun "a ct key" "does not apply" data -ct_level L2
badrun "a surfaces key with the segment geometry" "apply with mesh_geometry segment" data -mesh_geometry segment
badrun "one level" "at least two levels" data -segment_levels L1
badrun "posterior elements without the whole-vertebra surfaces" "L1_vertebra.stl" data -surfaces_posterior_elements true
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
