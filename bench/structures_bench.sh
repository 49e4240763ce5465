#!/usr/bin/env bash
# Cost of the active set (fibres, ligaments, facet and tip contact) against one linear solve, issue 10's "a case
# costs at most 3x its linear solve".  The default L1-L3 with posterior elements is meshed once (5 mm P2 unless
# --size), then every load runs on that mesh, no baseline: "linear" is extension with the structures off
# (-model_fibres false -model_ligaments false -model_facet_contact false: one linear solve), then standing (500 N),
# flexion, extension, lateral bending and axial rotation (500 N + 7.5 N m).  With VFE_REF=path/to/an/older/vfe
# every load also runs with that binary, right after the new one, so the ratios compare like with like.
#
#   bench/structures_bench.sh [--ranks N] [--size MM] [--work DIR] [-- extra vfe options]
#
# Prints one row per run: active-set iterations, Krylov iterations in all, GAMG hierarchies built anew, solve s and
# wall s (summary.json), the ratios to the linear solve of the same binary, and the range of motion L1-L2 about the
# load's axis (the answers must agree between binaries).
# Environment: VFE=path/to/vfe (default build/app/vfe), VFE_REF (optional).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VFE=${VFE:-$REPO/build/app/vfe}
VFE_REF=${VFE_REF:-}
RANKS=2
SIZE=5
WORK=/tmp/vfe-structures-bench
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) RANKS=$2; shift ;;
    --size) SIZE=$2; shift ;;
    --work) WORK=$2; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "usage: $0 [--ranks N] [--size MM] [--work DIR] [-- extra vfe options]" >&2; exit 1 ;;
  esac
  shift
done
mkdir -p "$WORK"
echo "# vfe structures benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# vfe: $VFE${VFE_REF:+; ref: $VFE_REF}; $RANKS rank(s); ${SIZE} mm P2; extra options: ${EXTRA[*]:-none}"
"$VFE" mesh -segment_posterior_elements true -mesh_size_mm "$SIZE" -mesh_order 2 -output_dir "$WORK/mesh" \
  > "$WORK/mesh.log" 2>&1
: > "$WORK/wall.txt"
TAGS=(new)
[ -n "$VFE_REF" ] && TAGS+=(ref)
LOADS=(linear standing flexion extension lateral_bending axial_rotation)
for load in "${LOADS[@]}"; do
  for tag in "${TAGS[@]}"; do
    bin=$VFE
    [ "$tag" = ref ] && bin=$VFE_REF
    args=(-load_case "$load")
    [ "$load" = linear ] && args=(-load_case extension -model_fibres false -model_ligaments false
      -model_facet_contact false)
    out="$WORK/$tag-$load"
    rm -rf "$out"
    t0=$(date +%s.%N)
    mpiexec --allow-run-as-root --oversubscribe -n "$RANKS" "$bin" run -segment_posterior_elements true -mesh_file "$WORK/mesh/mesh.msh" -baseline false \
      -vfe_write_fields false -output_dir "$out" "${args[@]}" "${EXTRA[@]}" > "$out.log" 2>&1 ||
      { echo "FAILED: $tag $load (see $out.log)"; exit 1; }
    t1=$(date +%s.%N)
    echo "$tag $load $(echo "$t1 - $t0" | bc)" >> "$WORK/wall.txt"
  done
done
python3 - "$WORK" "${TAGS[@]}" <<'PY'
import json, sys
work, tags = sys.argv[1], sys.argv[2:]
wall = {}
for line in open(f"{work}/wall.txt"):
    t, l, w = line.split()
    wall[(t, l)] = float(w)
axis = {"linear": 0, "standing": 0, "flexion": 0, "extension": 0, "lateral_bending": 1, "axial_rotation": 2}
print("| vfe | load | active-set its | Krylov its | hierarchies anew | solve s | wall s | Krylov / linear | solve / linear | ROM L1L2 (deg) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for load in axis:
    for t in tags:
        s = json.load(open(f"{work}/{t}-{load}/summary.json"))
        st = s.get("structures", {})
        lin = json.load(open(f"{work}/{t}-linear/summary.json"))
        its = st.get("krylov_iterations_all", s["solver"]["iterations"])
        lits = lin["solver"]["iterations"]
        solve_s = lambda x: x["manifest"]["timings_s"]["solve"]
        rom = s["rom"]["segments"]["L1L2"]["rom_deg"][axis[load]]
        print(f"| {t} | {load} | {st.get('active_set_iterations', 1)} | {its} | {st.get('hierarchy_rebuilds', '-')} "
              f"| {solve_s(s):.1f} | {wall[(t, load)]:.1f} | {its / lits:.2f} | {solve_s(s) / solve_s(lin):.2f} | {rom:.6g} |")
PY
