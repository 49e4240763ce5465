#!/usr/bin/env bash
# Every load mode: applied resultant (force and moment about the load-surface centroid) equals
# minus the reaction at the fixed surface, and the applied moment has the requested size and
# axis.   usage: loads.sh VFE WORKDIR
set -euo pipefail
vfe=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
# an explicit plain case (the built-in default case would add its own keys: segment, baseline, ...)
printf 'case_version: 1\nmesh: {geometry: simple}\n' > plain.yaml
"$vfe" mesh plain.yaml -mesh_geometry simple -mesh_size_mm 5 -output_dir mesh >/dev/null
for mode in flexion extension lateral_left lateral_right torsion_left torsion_right; do
  "$vfe" run plain.yaml -mesh_file mesh/mesh.msh -output_dir $mode -load_axial_N 500 -load_moment_Nm 7.5 -load_mode $mode -ksp_rtol 1e-10 \
    -vfe_write_fields false >/dev/null
done
"$vfe" run plain.yaml -mesh_file mesh/mesh.msh -output_dir preset -load_case flexion -vfe_write_fields false >/dev/null
python3 - <<'PY'
import json, sys
axis = {"flexion": (0, -1), "extension": (0, 1), "lateral_left": (1, 1), "lateral_right": (1, -1), "torsion_left": (2, 1), "torsion_right": (2, -1)}
fail = 0
for mode, (ax, sign) in list(axis.items()) + [("preset", (0, -1))]:
    L = json.load(open(f"{mode}/summary.json"))["load"]
    Fa, Fr, Ma, Mr = L["applied_force_N"], L["reaction_force_N"], L["applied_moment_Nmm"], L["reaction_moment_Nmm"]
    ok = abs(Fa[2] + 500) < 1e-6 * 500 and all(abs(Fa[i] + Fr[i]) < 1e-5 * 500 for i in range(3))
    ok &= abs(Ma[ax] - sign * 7500) < 1e-6 * 7500 and all(abs(Ma[i] + Mr[i]) < 1e-5 * 7500 for i in range(3))
    ok &= all(abs(Ma[i]) < 1e-6 * 7500 for i in range(3) if i != ax)
    print("%s: %s applied F %s M %s, reaction F %s M %s" % ("ok" if ok else "FAILED", mode, Fa, Ma, Fr, Mr))
    fail += not ok
print("%d passed, %d failed" % (7 - fail, fail))
sys.exit(1 if fail else 0)
PY
