#!/usr/bin/env bash
# The built-in default case end to end (`vfe run`: mesh, treated solve, intact baseline, output), issue 9's
# "default vfe run in 30 s on the 2-core machine".  With VFE_REF=path/to/an/older/vfe the same runs alternate
# with that binary in the same invocation (new, ref, new, ref, ...), so the ratios compare like with like on a
# shared machine.
#
#   bench/default_run_bench.sh [--ranks N] [--repeat R] [--work DIR] [-- extra vfe options]
#
# Prints one row per run: wall s of the whole command, vfe's own stage times (summary.json), the Krylov
# iterations of the treated and the baseline solves summed over their active-set iterations, the stiffness;
# then the medians and the ratios vfe / VFE_REF of the medians.
# Environment: VFE=path/to/vfe (default build/app/vfe), VFE_REF (optional).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VFE=${VFE:-$REPO/build/app/vfe}
VFE_REF=${VFE_REF:-}
RANKS=2
REPEAT=2
WORK=/tmp/vfe-default-bench
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) RANKS=$2; shift ;;
    --repeat) REPEAT=$2; shift ;;
    --work) WORK=$2; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "usage: $0 [--ranks N] [--repeat R] [--work DIR] [-- extra vfe options]" >&2; exit 1 ;;
  esac
  shift
done
mkdir -p "$WORK"
echo "# vfe default-run benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# vfe: $VFE${VFE_REF:+; ref: $VFE_REF}; $RANKS rank(s); extra options: ${EXTRA[*]:-none}"
TAGS=(new)
[ -n "$VFE_REF" ] && TAGS+=(ref)
for r in $(seq 1 "$REPEAT"); do
  # the order alternates (new ref, ref new, ...): in a fixed order the first of each pair ran 6-8 % slower on the
  # 2-core machine, whichever binary it was (2026-12-03, docs/performance.md); use an even --repeat
  order=("${TAGS[@]}")
  [ "${#TAGS[@]}" = 2 ] && [ $((r % 2)) = 0 ] && order=(ref new)
  for tag in "${order[@]}"; do
    bin=$VFE
    [ "$tag" = ref ] && bin=$VFE_REF
    out="$WORK/$tag-$r"
    rm -rf "$out"
    launch=("$bin")
    [ "$RANKS" -gt 1 ] && launch=(mpiexec --allow-run-as-root --oversubscribe -n "$RANKS" "$bin")
    t0=$(date +%s.%N)
    "${launch[@]}" run -output_dir "$out" "${EXTRA[@]}" > "$out.log" 2>&1 ||
      { echo "default_run_bench: $tag run $r failed (see $out.log)" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk "BEGIN { print $t1 - $t0 }" > "$out.wall"
  done
done
python3 - "$WORK" "$REPEAT" "${TAGS[*]}" <<'PY'
import json, re, statistics, sys
work, rep, tags = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
cols = ["wall", "mesh", "assembly", "solver_setup", "solve", "total", "its", "its_base"]
print("| vfe | run | wall s | mesh s | assembly s | set-up s | solve s | vfe total s | Krylov treated | Krylov baseline | stiffness N/mm |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
R = {t: {c: [] for c in cols} for t in tags}
for r in range(1, rep + 1):
    for tag in tags:
        d = f"{work}/{tag}-{r}"
        s = json.load(open(f"{d}/summary.json"))
        t = s["manifest"]["timings_s"]
        log = open(f"{d}.log").read()
        m = re.findall(r"active set \(fibres, ligaments, contact\) settled after \d+ iterations, (\d+) Krylov", log)
        its = [int(x) for x in m] + [0, 0]
        row = {"wall": float(open(f"{d}.wall").read()), "its": its[0], "its_base": its[1]}
        row.update({k: t[k] for k in ["mesh", "assembly", "solver_setup", "solve", "total"]})
        for c in cols:
            R[tag][c].append(row[c])
        print(f"| {tag} | {r} | {row['wall']:.1f} | {row['mesh']:.2f} | {row['assembly']:.2f} | {row['solver_setup']:.2f} | "
              f"{row['solve']:.2f} | {row['total']:.1f} | {row['its']} | {row['its_base']} | "
              f"{s['metrics']['stiffness_N_per_mm']:.4f} |")
med = {t: {c: statistics.median(R[t][c]) for c in cols} for t in tags}
print()
for t in tags:
    m = med[t]
    print(f"median {t}: wall {m['wall']:.1f} s, mesh {m['mesh']:.2f} s, solve {m['solve']:.2f} s, "
          f"Krylov {m['its']:.0f} + {m['its_base']:.0f}")
if "ref" in tags:
    a, b = med["new"], med["ref"]
    print("ratio new / ref (medians): " + ", ".join(f"{c} {a[c] / b[c]:.2f}" for c in ["wall", "mesh", "solve", "its", "its_base"] if b[c]))
PY
