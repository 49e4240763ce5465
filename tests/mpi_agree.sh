#!/usr/bin/env bash
# Results on 1, 2 and 4 MPI ranks agree to solver tolerance (DESIGN.md "Parallel").
# usage: mpi_agree.sh VFE MPIEXEC WORKDIR [GEOMETRY]
# One mesh is built once (vfe mesh) and solved on 1, 2, 4 ranks at rtol 1e-10; every metric of
# summary.json (plate displacement, reaction, per-region statistics) must agree within 1e-6
# relative, and the fields file must be written by every run.  The 2-rank run is made twice: the
# partition (PT-Scotch) is the same every run, so the two agree exactly (iterations, residual, metrics).
set -euo pipefail
vfe=$1 mpiexec=$2 work=$3 geom=${4:-simple}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
# an explicit plain case (the built-in default case would add its own keys: segment, baseline, ...)
printf 'case_version: 1\nmesh: {geometry: simple}\n' > plain.yaml
"$vfe" mesh plain.yaml -mesh_geometry "$geom" -mesh_size_mm 4 -output_dir mesh >/dev/null
for n in 1 2 4 2b; do
  $mpiexec --oversubscribe -n ${n%b} "$vfe" run plain.yaml -mesh_file mesh/mesh.msh -output_dir r$n -ksp_rtol 1e-10 -mesh_order ${ORDER:-1} | grep "vfe: solver" | tee r$n.solver
  test -s r$n/fields.hdf
done
# the solver line without its timings
a=$(sed 's/; set-up.*//' r2.solver) b=$(sed 's/; set-up.*//' r2b.solver)
[ "$a" = "$b" ] || { echo "two 2-rank runs differ: '$a' / '$b'"; exit 1; }
python3 - <<'PY'
import json, math, sys
runs = {n: json.load(open(f"r{n}/summary.json")) for n in (1, 2, 4)}
def flat(d, p=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict): out.update(flat(v, p + k + "."))
        elif isinstance(v, (int, float)) and not isinstance(v, bool): out[p + k] = float(v)
        elif isinstance(v, list): out.update({f"{p}{k}[{i}]": float(x) for i, x in enumerate(v)})
    return out
base = flat({"metrics": runs[1]["metrics"], "regions": runs[1]["regions"], "reaction": runs[1]["load"]["reaction_force_N"]})
assert runs[1]["manifest"]["ranks"] == 1 and runs[4]["manifest"]["ranks"] == 4
worst, bad = 0.0, []
for n in (2, 4):
    other = flat({"metrics": runs[n]["metrics"], "regions": runs[n]["regions"], "reaction": runs[n]["load"]["reaction_force_N"]})
    rmax = max(abs(x) for k, x in base.items() if k.startswith("reaction"))
    for k, v in base.items():
        # each value against its own size; reaction components (x, y are ~0) against the total
        scale = rmax if k.startswith("reaction") else max(abs(v), 1e-12)
        d = abs(other[k] - v) / scale
        worst = max(worst, d)
        if d > 1e-6: bad.append((n, k, v, other[k]))
print(f"{len(base)} metrics compared on 2 and 4 ranks against 1 rank: worst relative difference {worst:.2e} (tolerance 1e-6)")
again = json.load(open("r2b/summary.json"))
same = json.dumps([runs[2]["metrics"], runs[2]["regions"]], sort_keys=True) == json.dumps([again["metrics"], again["regions"]], sort_keys=True)
print("two 2-rank runs: metrics and region statistics", "identical" if same else "DIFFER")
if not same: bad.append((2, "repeat", 0, 0))
for b in bad[:10]: print("MISMATCH ranks=%d %s: %r vs %r" % b)
sys.exit(1 if bad else 0)
PY
