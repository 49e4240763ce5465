#!/usr/bin/env bash
# A mesh file with second-order (10-node) tetrahedra is read by its vertices: vfe's tetrahedra are
# straight-sided, so the 10-node file and its 4-node original give the same answer at mesh_order 2
# (before the fix, PETSc's curved coordinate field made every cell look inverted).
#   usage: mesh_file_p2.sh VFE MSH_CONVERT WORKDIR
set -uo pipefail
vfe=$1 conv=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 6}\nbaseline: false\n' > case.yaml
"$vfe" mesh case.yaml -output_dir m >mesh.log 2>&1 || { cat mesh.log; exit 1; }
"$conv" m/mesh.msh p2.msh 4.1 0 2 || exit 1
for f in m/mesh.msh p2.msh; do
  out=run_$(basename "$f" .msh)
  "$vfe" run case.yaml -mesh_file "$f" -mesh_order 2 -vfe_write_fields false -ksp_rtol 1e-10 -output_dir "$out" \
    >"$out.log" 2>&1 || { echo "FAILED: vfe run on $f"; tail -3 "$out.log"; exit 1; }
done
python3 - <<'PY'
import json, sys
a = json.load(open("run_mesh/summary.json"))["metrics"]["stiffness_N_per_mm"]
b = json.load(open("run_p2/summary.json"))["metrics"]["stiffness_N_per_mm"]
rel = abs(a - b) / abs(a)
print("stiffness: 4-node file %.10g, 10-node file %.10g, relative difference %.1e" % (a, b, rel))
sys.exit(0 if rel < 1e-8 else 1)
PY
