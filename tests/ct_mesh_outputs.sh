#!/usr/bin/env bash
# `vfe mesh` of a CT case on 2 ranks (ctimage's cement sphere, YAML keys nested as a user writes them):
# mesh.msh, mesh.hdf and mesh.json are written, no .part file is left; mesh.json lists the 7 regions and
# the CT report (cement rate on the voxels and on the mesh within 0.5 points of each other and of the exact
# 4.27 %); ParaView opens mesh.hdf with as many tetrahedra (when pvpython is there).
# usage: ct_mesh_outputs.sh VFE IMAGES OUTDIR PVPYTHON|none MPIEXEC [MPIEXEC-ARGS...]
set -euo pipefail
vfe=$1 img=$2 out=$3 pv=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out"
cat > "$out/case.yaml" <<YAML
case_version: 1
mesh: {geometry: ct, size_mm: 1.5}
ct:
  mask: $img/sphere1/mask.nii.gz
  image: $img/sphere1/image.nii.gz
  cement_image: $img/sphere1/postop.nii.gz
  labels: {body: [1]}
  level: L3
output: {dir: $out/run}
YAML
"$@" -n 2 "$vfe" mesh "$out/case.yaml"
for f in mesh.msh mesh.hdf mesh.json; do
  test -s "$out/run/$f" || { echo "FAIL: $out/run/$f missing"; exit 1; }
done
if ls "$out"/run/*.part* > /dev/null 2>&1; then echo "FAIL: leftover .part file"; exit 1; fi
ncells=$(python3 - "$out/run/mesh.json" <<'PY'
import json, math, sys
j = json.load(open(sys.argv[1]))
names = [r["name"] for r in j["regions"]]
want = ["L3.cancellous", "L3.cortical", "L3.endplate_sup", "L3.endplate_inf", "L3.cement", "load_plate", "base_plate"]
assert names == want, names
c = j["ct"]
exact = (4 / 3 * math.pi * 6 ** 3) / (math.pi * 15 ** 2 * 30)
cem = c["cement"]
assert cem["source"] == "image" and cem["threshold_method"] == "otsu", cem
assert abs(cem["fill_ratio"] - cem["fill_ratio_voxels"]) <= 0.005, cem
assert abs(cem["fill_ratio_voxels"] - exact) <= 0.005, (cem["fill_ratio_voxels"], exact)
assert set(c["regions"]) == set(want) and sum(r["tetrahedra"] for r in c["regions"].values()) == c["tetrahedra"]
assert c["mesher"] == "cgal" and c["level"] == "L3" and c["plates"] is True
print(c["tetrahedra"])
PY
)
echo "PASS: mesh.json: 7 regions, CT report, cement rate; $ncells tetrahedra"
if [ "$pv" != none ]; then
  "$pv" "$here/pv_check.py" "$out/run/mesh.hdf" --cell region:1 --range region 0 6 --expect-cells "$ncells"
fi
