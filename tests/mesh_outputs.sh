#!/usr/bin/env bash
# `vfe mesh` on 2 ranks: mesh.msh, mesh.hdf and mesh.json are written; mesh.json lists the 18 regions
# of an L1-L3 segment with cement and the segment report; ParaView opens mesh.hdf with the same
# number of tetrahedra and a cell array `region` within the region list.
# usage: mesh_outputs.sh VFE OUTDIR PVPYTHON|none MPIEXEC [MPIEXEC-ARGS...]
set -euo pipefail
vfe=$1 out=$2 pv=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
"$@" -n 2 "$vfe" mesh "$here/../cases/default.yaml" -mesh_size_mm 3 -output_dir "$out"
for f in mesh.msh mesh.hdf mesh.json; do
  test -s "$out/$f" || { echo "FAIL: $out/$f missing"; exit 1; }
done
if ls "$out"/*.part* > /dev/null 2>&1; then echo "FAIL: leftover .part file"; exit 1; fi
ncells=$(python3 - "$out/mesh.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
names = [r["name"] for r in j["regions"]]
assert len(names) == 18 and "L2.cement" in names, names
assert [r["index"] for r in j["regions"]] == list(range(18))
s = j["segment"]
assert abs(s["fill_ratio"] - 0.25) <= 0.005, s["fill_ratio"]
assert s["volume_mesher"] == "hxt" and s["mesh_threads"] == 2, (s["volume_mesher"], s["mesh_threads"])
print(s["tetrahedra"])
PY
)
echo "PASS: mesh.json: 18 regions, fill ratio, $ncells tetrahedra"
if [ "$pv" != none ]; then
  "$pv" "$here/pv_check.py" "$out/mesh.hdf" --cell region:1 --range region 0 17 --expect-cells "$ncells"
fi
