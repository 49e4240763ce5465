#!/usr/bin/env bash
# The CT route end to end (issue 11): synthetic images (tests/ctimage.c) meshed, density-mapped and compressed
# between the plates; every bone region gets nu = 0, so the body is in uniaxial stress and the answers are exact:
#   - uniform cylinder, 200 mg/cm^3 (E = -34.7 + 3230 * 0.2 = 611.3 MPa, Kopperdahl linear): the stiffness against
#     E V / L^2 (V the body's mesh volume, L its height: a prism), CGAL and voxel meshers, within 1 %;
#   - two layers, 100 and 300 mg/cm^3: against the Reuss stiffness A / (L1/E1 + L2/E2), within 2 % (the elements
#     that straddle the density interface average both sides);
#   - the law: kopperdahl_power and morgan2003 scale the stiffness by the ratio of E(200) (uniform density; within
#     1e-3: the steel plates add a compliance of about 1e-4 that does not scale);
#   - displacement control (load_displacement_mm 0.1): the plate moves 0.1 mm, the stiffness (reaction / 0.1) within
#     1 % of the force-controlled one (a rigid plate against a uniform traction), in equilibrium;
#   - HU input: the same image read as HU with HU = -100 + 2 rho gives rho = 150 mg/cm^3 (stiffness ratio
#     E(150) / E(200)); 1 and 2 ranks agree to 1e-6;
#   - a post-operative image as ct_image (the sphere: 200 HU bone, 3000 HU cement, read with HU = rho) and as
#     ct_cement_image: the mapping leaves the cement voxels out, so every bone element gets E(200) exactly (before
#     the fix the elements next to the cement sampled it: mean 215 mg/cm^3, E up to 6417 MPa);
#   - outputs: summary.json density_mapping (law, species, mean density, clamped voxels), metrics.csv
#     ct_density_mean_mg_cm3 and ct_E_mean_MPa, fields.hdf opens with cell data density and E (pvpython, when there);
#   - bad input (exit 1, one line): hu without its calibration, calibration without hu, an unknown law, a NaN voxel.
# usage: ct_solve.sh VFE CTIMAGE WORKDIR MPIEXEC...
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
vfe=$1 ctimage=$2 work=$3
shift 3
mpiexec=("$@")
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
"$ctimage" cyl cylinder > /dev/null && "$ctimage" lay layers > /dev/null && "$ctimage" nan cylinder --nan > /dev/null &&
  "$ctimage" sph sphere > /dev/null ||
  { echo "FAILED: ctimage"; exit 1; }
nu0=(-material_cancellous_nu 0 -material_cortical_nu 0 -material_endplate_nu 0)
run() { # out image-dir args...
  local out=$1 dir=$2; shift 2
  "$vfe" run -mesh_geometry ct -ct_image "$dir/image.nii.gz" -ct_mask "$dir/mask.nii.gz" -ct_labels_body 1 \
    -mesh_size_mm 1 -mesh_order 1 -load_axial_N 1000 -baseline false -ksp_rtol 1e-10 "${nu0[@]}" -output_dir "$out" \
    "$@" > "$out.log" 2>&1
}
check "cylinder, cgal" run cyl_cgal cyl
check "cylinder, voxel" run cyl_vox cyl -ct_mesher voxel -vfe_write_fields false
check "cylinder, cgal, 2 ranks" "${mpiexec[@]}" -n 2 "$vfe" run -mesh_geometry ct -ct_image cyl/image.nii.gz \
  -ct_mask cyl/mask.nii.gz -ct_labels_body 1 -mesh_size_mm 1 -mesh_order 1 -load_axial_N 1000 -baseline false \
  -ksp_rtol 1e-10 "${nu0[@]}" -output_dir cyl_mpi -vfe_write_fields false > cyl_mpi.log 2>&1
check "layers" run lay_cgal lay -vfe_write_fields false
check "law kopperdahl_power" run cyl_pow cyl -ct_density_law kopperdahl_power -vfe_write_fields false
check "law morgan2003" run cyl_mor cyl -ct_density_law morgan2003 -vfe_write_fields false
check "displacement control" run cyl_disp cyl -load_displacement_mm 0.1 -vfe_write_fields false
check "HU input" run cyl_hu cyl -ct_density_unit hu -ct_density_slope 2 -ct_density_intercept -100 -vfe_write_fields false
check "post-operative ct_image" "$vfe" run -mesh_geometry ct -ct_image sph/postop.nii.gz -ct_density_unit hu \
  -ct_density_slope 1 -ct_density_intercept 0 -ct_mask sph/mask.nii.gz -ct_labels_body 1 \
  -ct_cement_image sph/postop.nii.gz -mesh_size_mm 2 -mesh_order 1 -baseline false -output_dir sph_post \
  -vfe_write_fields false > sph_post.log 2>&1

python3 - <<'PY' || fail=$((fail + 1))
import csv, json
from checks import ok, failures
S = {k: json.load(open(f"{k}/summary.json")) for k in ("cyl_cgal", "cyl_vox", "cyl_mpi", "lay_cgal", "cyl_pow", "cyl_mor", "cyl_hu", "cyl_disp")}
k = {n: s["metrics"]["stiffness_N_per_mm"] for n, s in S.items()}
E = lambda rho: -34.7 + 3230 * rho / 1000
for n in ("cyl_cgal", "cyl_vox"):
    ct = S[n]["ct"]
    L, V = ct["body_height_mm"], ct["body_volume_mm3"]
    ex = E(200) * V / L**2
    ok(abs(k[n] / ex - 1) < 0.01, f"{n}: stiffness {k[n]:.1f} N/mm against E V / L^2 = {ex:.1f} ({k[n] / ex - 1:+.2%})")
ct = S["lay_cgal"]["ct"]
L, V = ct["body_height_mm"], ct["body_volume_mm3"]
reuss = (V / L) / (L / 2 / E(100) + L / 2 / E(300))
ok(abs(k["lay_cgal"] / reuss - 1) < 0.02, f"layers: stiffness {k['lay_cgal']:.1f} N/mm against Reuss {reuss:.1f} ({k['lay_cgal'] / reuss - 1:+.2%})")
for n, Eref in (("cyl_pow", 2980 * 0.2**1.05), ("cyl_mor", 4730 * 0.2**1.56), ("cyl_hu", E(150))):
    r, ex = k[n] / k["cyl_cgal"], Eref / E(200)
    ok(abs(r / ex - 1) < 1e-3, f"{n}: stiffness ratio {r:.8f} against E ratio {ex:.8f} (the steel plates add ~1e-4)")
ld = S["cyl_disp"]["load"]
ok(abs(S["cyl_disp"]["metrics"]["plate_uz_mm"] + 0.1) < 1e-9 and abs(k["cyl_disp"] / k["cyl_cgal"] - 1) < 0.01
   and ld["equilibrium_force_error"] < 1e-6,
   f"displacement control: 0.1 mm, stiffness {k['cyl_disp']:.1f} N/mm (force control {k['cyl_cgal']:.1f}), "
   f"force {ld['axial_N']:.2f} N, equilibrium error {ld['equilibrium_force_error']:.1e}")
d = abs(k["cyl_mpi"] / k["cyl_cgal"] - 1)
ok(d < 1e-6, f"1 and 2 ranks: stiffness {k['cyl_cgal']:.6f} and {k['cyl_mpi']:.6f} N/mm (rel. diff {d:.1e})")
dm = S["cyl_cgal"]["density_mapping"]
ok(dm["law"] == "kopperdahl_linear" and dm["density_species"] == "K2HPO4" and abs(dm["density_mean_mg_cm3"] - 200) < 1e-3
   and dm["voxels_clamped"] == 0 and dm["elements_without_bone"] == 0,
   f"summary.json density_mapping: {dm['law']}, {dm['density_species']}, mean {dm['density_mean_mg_cm3']:.3f} mg/cm^3")
ok(S["cyl_hu"]["density_mapping"]["input"].startswith("HU") and abs(S["cyl_hu"]["density_mapping"]["density_mean_mg_cm3"] - 150) < 1e-3,
   "HU input: named in summary.json, mean density 150 mg/cm^3")
dp = json.load(open("sph_post/summary.json"))
ok(abs(dp["density_mapping"]["density_mean_mg_cm3"] - 200) < 1e-3 and abs(dp["density_mapping"]["E_max_MPa"] - E(200)) < 1e-3
   and dp["ct"]["cement"]["fill_ratio_voxels"] > 0.04,
   f"post-operative ct_image: cement left out of the mapping (mean {dp['density_mapping']['density_mean_mg_cm3']:.3f} "
   f"mg/cm^3, E max {dp['density_mapping']['E_max_MPa']:.1f} MPa, cement rate {dp['ct']['cement']['fill_ratio_voxels']:.4f})")
log = open("sph_post.log").read()
ok("no adjacent level in the model" in log and "nan" not in log, "a single vertebra: the terminal names no adjacent level, prints no nan")
row = next(csv.DictReader(open("cyl_cgal/metrics.csv")))
ok(abs(float(row["ct_density_mean_mg_cm3"]) - 200) < 1e-3 and abs(float(row["ct_E_mean_MPa"]) - E(200)) < 1e-3,
   "metrics.csv: ct_density_mean_mg_cm3, ct_E_mean_MPa")
print("python checks: all passed" if not failures() else f"python checks: {failures()} FAILED")
raise SystemExit(1 if failures() else 0)
PY

if command -v pvpython > /dev/null; then
  cat > pv.py <<'PY'
import sys
from paraview.simple import OpenDataFile
from paraview import servermanager as sm
r = OpenDataFile("cyl_cgal/fields.hdf"); r.UpdatePipeline()
cd = sm.Fetch(r).GetCellData()
rho, E = cd.GetArray("density"), cd.GetArray("E")
ok = rho is not None and E is not None and abs(E.GetRange()[1] - 210000) < 1 and abs(rho.GetRange()[1] - 200) < 1e-3
print(("ok" if ok else "FAILED") + ": fields.hdf opens in ParaView with cell data density and E")
sys.exit(0 if ok else 1)
PY
  check "fields.hdf in ParaView" pvpython pv.py
fi

badrun() { # what expected-text args...
  local what=$1 text=$2; shift 2
  "$vfe" run -mesh_geometry ct -ct_image cyl/image.nii.gz -ct_mask cyl/mask.nii.gz -ct_labels_body 1 -mesh_size_mm 2 \
    -mesh_order 1 -output_dir badout "$@" > bad.log 2>&1
  local rc=$?
  if [ $rc -eq 1 ] && grep -q -- "$text" bad.log && [ "$(grep -c '^\[0\]PETSC ERROR\|^vfe: error' bad.log)" -le 1 ]; then
    ok "bad input: $what (exit 1)"
  else
    bad "bad input: $what (exit $rc)"; cat bad.log
  fi
}
badrun "hu without calibration" "needs the phantom calibration" -ct_density_unit hu
badrun "calibration without hu" "need ct_density_unit hu" -ct_density_slope 2 -ct_density_intercept 0
badrun "unknown law" "ct_density_law" -ct_density_law bonemat
badrun "NaN voxel in the image" "NaN" -ct_image nan/image.nii.gz -ct_mask nan/mask.nii.gz
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
