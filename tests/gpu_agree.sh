#!/usr/bin/env bash
# The CUDA element-kernel backend gives the same answer as the CPU one (P1 and P2).
# usage: gpu_agree.sh VFE WORKDIR      (registered only in builds with -DVFE_ENABLE_CUDA=ON)
set -euo pipefail
vfe=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
printf 'case_version: 1\nmesh: {geometry: simple}\n' > plain.yaml
"$vfe" mesh plain.yaml -mesh_geometry simple -mesh_size_mm 4 -output_dir mesh >/dev/null
for order in 1 2; do
  for b in cpu cuda; do
    "$vfe" run plain.yaml -mesh_file mesh/mesh.msh -mesh_order $order -vfe_backend $b -ksp_rtol 1e-10 -vfe_write_fields false -output_dir $b$order >/dev/null
  done
done
python3 - <<'PY'
import json, sys
bad = 0
for order in (1, 2):
    a, b = (json.load(open(f"{k}{order}/summary.json")) for k in ("cpu", "cuda"))
    for key in ("plate_uz_mm", "stiffness_N_per_mm"):
        d = abs(a["metrics"][key] - b["metrics"][key]) / abs(a["metrics"][key])
        ok = d < 1e-8
        bad += not ok
        print(("ok" if ok else "FAILED") + f": P{order} {key} cpu {a['metrics'][key]} cuda {b['metrics'][key]} (rel. diff {d:.1e})")
print(f"{4 - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
