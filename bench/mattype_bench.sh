#!/usr/bin/env bash
# The P2 operator's storage: AIJ (PETSc's default, vfe's before) against the block formats vfe now uses under the
# p-multigrid (SBAIJ on one rank, BAIJ on more), on the built-in default case, in one run so the ratios compare
# like with like on a shared machine.
#
#   bench/mattype_bench.sh [--size MM] [--ranks "1 2"] [--work DIR] [-- extra vfe options]
#
# The mesh is made once (vfe mesh) and every run reads it.  Prints one row per run: ranks, matrix type, assembly s,
# solver set-up s, solve s, Krylov iterations (all active-set iterations, treated + baseline), peak RSS (MiB, the
# largest rank: /usr/bin/time), segment stiffness (N/mm); then, per rank count, the solve and memory ratios
# block / AIJ and the largest relative difference of the stiffness and baseline stiffness (the answers must agree
# to the solver tolerance).  Environment: VFE=path/to/vfe (default build/app/vfe).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VFE=${VFE:-$REPO/build/app/vfe}
SIZE=3
RANKS="1 2"
WORK=/tmp/vfe-mattype-bench
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --size) SIZE=$2; shift ;;
    --ranks) RANKS=$2; shift ;;
    --work) WORK=$2; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "usage: $0 [--size MM] [--ranks \"1 2\"] [--work DIR] [-- vfe options]" >&2; exit 1 ;;
  esac
  shift
done
rm -rf "$WORK" && mkdir -p "$WORK"
"$VFE" mesh -mesh_size_mm "$SIZE" -output_dir "$WORK/mesh" > "$WORK/mesh.log" 2>&1 ||
  { echo "mattype_bench: vfe mesh failed (see $WORK/mesh.log)" >&2; exit 1; }
for np in $RANKS; do
  for t in aij block; do
    out="$WORK/n$np-$t"
    launch=("$VFE")
    [ "$np" -gt 1 ] && launch=(mpiexec --allow-run-as-root --oversubscribe -n "$np" "$VFE")
    opt=()
    [ "$t" = aij ] && opt=(-vfe_mat_type aij)
    /usr/bin/time -f "%M" -o "$out.rss" "${launch[@]}" run -mesh_file "$WORK/mesh/mesh.msh" -mesh_size_mm "$SIZE" \
      -output_dir "$out" -vfe_write_fields false "${opt[@]}" "${EXTRA[@]}" > "$out.log" 2>&1 ||
      { echo "mattype_bench: run $out failed (see $out.log)" >&2; exit 1; }
  done
done
python3 - "$WORK" "$RANKS" <<'PY'
import json, os, sys
work, ranks = sys.argv[1], sys.argv[2].split()
def row(np_, t):
    out = os.path.join(work, f"n{np_}-{t}")
    s = json.load(open(os.path.join(out, "summary.json")))
    tm, m = s["manifest"]["timings_s"], s["metrics"]
    rss = int(open(out + ".rss").read().split()[-1]) / 1024
    its = s.get("structures", {}).get("krylov_iterations_all", s["solver"]["iterations"])
    return dict(t=tm, its=its, rss=rss, k=m["stiffness_N_per_mm"], kb=m.get("baseline_stiffness_N_per_mm"),
                mat=s["solver"].get("matrix_type", t))
print("| ranks | matrix | assembly s | set-up s | solve s | Krylov its | peak MiB | stiffness N/mm |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
R = {}
for np_ in ranks:
    for t in ("aij", "block"):
        r = R[np_, t] = row(np_, t)
        print(f"| {np_} | {r['mat']} | {r['t']['assembly']:.2f} | {r['t']['solver_setup']:.2f} | {r['t']['solve']:.2f} "
              f"| {r['its']} | {r['rss']:.0f} | {r['k']:.4f} |")
print()
for np_ in ranks:
    a, b = R[np_, "aij"], R[np_, "block"]
    d = max(abs(b["k"] / a["k"] - 1), abs(b["kb"] / a["kb"] - 1) if a["kb"] and b["kb"] else 0)
    print(f"{np_} rank(s): solve block/AIJ {b['t']['solve'] / a['t']['solve']:.2f}, "
          f"assembly {b['t']['assembly'] / a['t']['assembly']:.2f}, "
          f"total {b['t']['total'] / a['t']['total']:.2f}, peak memory {b['rss'] / a['rss']:.2f}; "
          f"stiffness and baseline stiffness agree to {d:.1e}")
PY
