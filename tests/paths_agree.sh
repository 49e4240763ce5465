#!/usr/bin/env bash
# The same answer by every solver path: P2 on the simple segment (discs at nu = 0.45) with
# p-multigrid and with plain GAMG, in the B-bar and the mixed form; each run also solves the intact
# baseline with the reused hierarchy.  Stiffness and baseline stiffness must agree to solver
# tolerance between the preconditioners (same form), and to discretisation accuracy (3 % at 5 mm: P2/P0 against P2/P1 pressure)
# between the forms.  The P2 operator's storage (SBAIJ under the p-multigrid on one rank, against
# -vfe_mat_type aij) changes nothing but the speed: the same stiffnesses to 1e-9, the same iterations (the
# point-block smoother on both), and summary.json names the storage.  The P2 smoother's single-precision copy of the
# operator (the default on the CPU, against -vfe_pmg_single false) changes the preconditioner by rounding only: the
# same stiffnesses to 1e-9 and iterations within 2.  The P2 smoother's vertex-star patches in the B-bar regions (the
# discs here: `auto` turns them on, they hold less than half of the cells) against point blocks (-vfe_pmg_patch false):
# the same stiffnesses to solver tolerance, and summary.json counts the patches (none without p-multigrid or with
# the mixed form, whose discs are not B-bar).   usage: paths_agree.sh VFE WORKDIR
set -uo pipefail
vfe=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
run() { # name, options...
  local name=$1; shift
  "$vfe" run -mesh_geometry simple -mesh_size_mm 5 -mesh_order 2 -baseline true -vfe_write_fields false \
    -ksp_rtol 1e-10 -output_dir "$name" "$@" > "$name.log" 2>&1 || { echo "FAILED: run $name"; cat "$name.log"; exit 1; }
}
run bbar_pmg
run bbar_gamg -vfe_pmg false
run bbar_pmg_aij -vfe_mat_type aij
run bbar_pmg_double -vfe_pmg_single false
run bbar_pmg_nopatch -vfe_pmg_patch false
run mixed_pmg -vfe_formulation mixed
run mixed_gamg -vfe_formulation mixed -vfe_pmg false
python3 - <<'PY'
import json, sys
r = {n: json.load(open(n + "/summary.json")) for n in ["bbar_pmg", "bbar_gamg", "mixed_pmg", "mixed_gamg", "bbar_pmg_aij", "bbar_pmg_double", "bbar_pmg_nopatch"]}
def stiff(n, key):
    def find(d):
        if isinstance(d, dict):
            if key in d and isinstance(d[key], (int, float)): return d[key]
            for v in d.values():
                x = find(v)
                if x is not None: return x
        return None
    x = find(r[n])
    if x is None: raise SystemExit("no %s in %s/summary.json" % (key, n))
    return x
fail = 0
for key in ["stiffness_N_per_mm", "baseline_stiffness_N_per_mm"]:
    v = {n: stiff(n, key) for n in r}
    for a, b, tol in [("bbar_pmg", "bbar_gamg", 1e-6), ("mixed_pmg", "mixed_gamg", 1e-6), ("bbar_pmg", "mixed_pmg", 3e-2),
                      ("bbar_pmg", "bbar_pmg_aij", 1e-9), ("bbar_pmg", "bbar_pmg_double", 1e-9),
                      ("bbar_pmg", "bbar_pmg_nopatch", 1e-6)]:
        d = abs(v[a] - v[b]) / abs(v[b])
        ok = d <= tol
        fail += not ok
        print("%-40s %-10s %-10s %.3e (<= %g) %s" % (key, a, b, d, tol, "ok" if ok else "FAILED"))
# the P2 smoother is point-block Jacobi on both storages: PETSc's PCPBJACOBI on AIJ, vfe's own shell on SBAIJ (PETSc
# 3.18's SBAIJ has no block inverse); the same operation, so the same iteration counts (+-1 for rounding)
for key in ["iterations", "baseline_iterations"]:
    a, b = r["bbar_pmg_double"]["solver"][key], r["bbar_pmg_aij"]["solver"][key]
    ok = abs(a - b) <= 1
    fail += not ok
    print("solver.%-30s sbaij %d aij %d %s" % (key, a, b, "ok" if ok else "FAILED"))
    a, b = r["bbar_pmg"]["solver"][key], r["bbar_pmg_double"]["solver"][key]
    ok = abs(a - b) <= 2
    fail += not ok
    print("solver.%-30s single %d double %d %s" % (key, a, b, "ok" if ok else "FAILED"))
sp = {n: r[n]["solver"].get("smoother_precision") for n in ("bbar_pmg", "bbar_pmg_double", "bbar_pmg_aij", "bbar_gamg")}
ok = sp == {"bbar_pmg": "single", "bbar_pmg_double": "double", "bbar_pmg_aij": "double", "bbar_gamg": ""}
fail += not ok
print("solver.smoother_precision %s %s" % (sp, "ok" if ok else "FAILED"))
np = {n: r[n]["solver"].get("smoother_patches") for n in ("bbar_pmg", "bbar_pmg_aij", "bbar_pmg_nopatch", "bbar_gamg", "mixed_pmg")}
ok = np["bbar_pmg"] > 0 and np["bbar_pmg_aij"] == np["bbar_pmg"] and np["bbar_pmg_nopatch"] == 0 and np["bbar_gamg"] == 0 and np["mixed_pmg"] == 0
fail += not ok
print("solver.smoother_patches %s %s" % (np, "ok" if ok else "FAILED"))
mt = {n: r[n]["solver"].get("matrix_type") for n in ("bbar_pmg", "bbar_pmg_aij", "bbar_gamg")}
ok = mt == {"bbar_pmg": "seqsbaij", "bbar_pmg_aij": "seqaij", "bbar_gamg": "seqaij"}
fail += not ok
print("solver.matrix_type %s %s" % (mt, "ok" if ok else "FAILED"))
sys.exit(1 if fail else 0)
PY
