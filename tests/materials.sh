#!/usr/bin/env bash
# Materials: bone quality (named levels, QCT BMD through Kopperdahl 2002), the diffuse
# cement-bone composite (Hashin-Shtrikman), a fractured level, bad values.
# usage: materials.sh VFE WORKDIR
set -uo pipefail
vfe=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
# an explicit plain case (the built-in default case would add its own keys: segment, baseline, ...)
printf 'case_version: 1\nmesh: {geometry: simple}\n' > plain.yaml
"$vfe" mesh plain.yaml -mesh_geometry simple -mesh_size_mm 6 -output_dir mesh >/dev/null || exit 1
run() { local d=$1; shift; "$vfe" run plain.yaml -mesh_file mesh/mesh.msh -vfe_write_fields false -output_dir "$d" "$@" >/dev/null 2>err.txt; }
run normal -bone_density normal
run osteo -bone_density osteoporotic
run penic -bone_density osteopenic
run bmd100 -bone_density 100
run diffuse -cement_pattern diffuse -cement_diffuse_fraction 0.5
run frac -segment_treated L2 -fracture_cancellous_factor 0.5 -baseline true
python3 - <<'PY'
import json, sys
def reg(d, r): return json.load(open(f"{d}/summary.json"))["regions"][r]
checks = []
def check(ok, what): checks.append(ok); print(("ok: " if ok else "FAILED: ") + what)
close = lambda a, b, t=1e-9: abs(a - b) <= t * max(abs(b), 1)
check(close(reg("normal", "L2.body")["E_MPa"], 100), "normal cancellous E = 100")
check(close(reg("osteo", "L2.body")["E_MPa"], 34), "osteoporotic cancellous E = 34")
check(close(reg("penic", "L2.body")["E_MPa"], 67), "osteopenic cancellous E = 67 (halfway)")
check(close(reg("bmd100", "L2.body")["E_MPa"], -34.7 + 3230 * 0.1, 1e-6), "BMD 100: E = -34.7 + 3230 rho (Kopperdahl 2002)")
check(close(reg("bmd100", "L2.body")["strength_MPa"], -0.75 + 24.9 * 0.1, 1e-6), "BMD 100: yield = -0.75 + 24.9 rho")
c = reg("diffuse", "L2.cement")
# HS estimate lies between the Reuss and Voigt bounds of 50 % PMMA (3000) in bone (100)
reuss, voigt = 1 / (0.5 / 100 + 0.5 / 3000), 0.5 * 100 + 0.5 * 3000
check(reuss < c["E_MPa"] < voigt and c["material"] == "pmma_bone_composite",
      "diffuse composite E %.4g between Reuss %.4g and Voigt %.4g" % (c["E_MPa"], reuss, voigt))
f = json.load(open("frac/summary.json"))
check(close(f["regions"]["L2.body"]["E_MPa"], 50), "fracture_cancellous_factor 0.5 halves L2 bone E")
check(f["metrics"]["relative_stiffness"] is not None and f["metrics"]["relative_stiffness"] < 1, "fractured segment softer than intact baseline")
print("%d passed, %d failed" % (sum(checks), len(checks) - sum(checks)))
sys.exit(0 if all(checks) else 1)
PY
rc=$?
for bad in "-bone_density 400:outside the plausible range" "-bone_density dense:bone_density: unknown value" \
           "-fracture_cancellous_factor 2:fracture_cancellous_factor = 2"; do
  args=${bad%%:*} pat=${bad#*:}
  if run bad $args && true; then echo "FAILED: $args accepted"; rc=1
  elif grep -q "$pat" err.txt; then echo "ok: $args rejected: $(grep 'vfe: error' err.txt)"
  else echo "FAILED: $args: $(cat err.txt)"; rc=1; fi
done
exit $rc
