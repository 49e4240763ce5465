#!/usr/bin/env bash
# Mesh convergence of the default case's headline metrics (solver issue, item 7).
#
#   bench/convergence.sh [--sizes "5 4 3"] [--work DIR] [--order 2] [--fresh] [--write-docs]
#   (results already in DIR are reused unless --fresh)
#
# Runs the built-in default case (`vfe run`, treated + intact baseline) at each mesh size and
# prints a Markdown table: segment stiffness, adjacent endplate von Mises mean and p95 (L1 inferior,
# L3 superior), intradiscal pressure per nucleus, treated and adjacent relative risk, and the
# change from the next coarser mesh.  The two finest sizes should differ by < 2 % in stiffness.
# Environment: VFE (default build/app/vfe), MPIEXEC and RANKS (default: 1 rank, no mpiexec).
# --write-docs replaces the section between the markers in docs/validation.md.
# Exit status 1 when a run fails or the two finest stiffnesses differ by 2 % or more (ctest
# verify_segment_convergence, label slow).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VFE=${VFE:-$REPO/build/app/vfe}
SIZES="5 4 3" WORK=/tmp/vfe-convergence ORDER=2 WRITE=0 FRESH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift ;;
    --work) WORK=$2; shift ;;
    --order) ORDER=$2; shift ;;
    --write-docs) WRITE=1 ;;
    --fresh) FRESH=1 ;;
    -h|--help) sed -n "2,16p" "$0"; exit 0 ;;
    *) echo "convergence.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
  shift
done
[ "$FRESH" = 0 ] || rm -rf "$WORK"
mkdir -p "$WORK"
run=("$VFE")
if [ -n "${RANKS:-}" ] && [ "${RANKS}" != 1 ]; then run=("${MPIEXEC:-mpiexec}" -n "$RANKS" "$VFE"); fi
for h in $SIZES; do
  out="$WORK/h$h-p$ORDER"
  if [ ! -s "$out/summary.json" ]; then
    echo "[convergence] mesh_size_mm $h, order $ORDER" >&2
    /usr/bin/time -f "%e" -o "$WORK/h$h-p$ORDER.time" "${run[@]}" run -mesh_size_mm "$h" -mesh_order "$ORDER" \
      -vfe_write_fields false -output_dir "$out" >"$WORK/h$h-p$ORDER.log" 2>&1 ||
      { echo "convergence.sh: the run at $h mm failed (see $WORK/h$h-p$ORDER.log)" >&2; exit 1; }
  fi
done
table=$(python3 - "$WORK" "$ORDER" $SIZES <<'PY'
import json, sys
work, order, sizes = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = []
for h in sizes:
    d = json.load(open(f"{work}/h{h}-p{order}/summary.json"))
    m = d["metrics"]
    idp = m.get("intradiscal_pressure_MPa") or {}
    rows.append((h, d["mesh"]["dofs"], d["solver"]["iterations"], m["stiffness_N_per_mm"],
                 m["adj_above_endplate_vm_mean"], m["adj_above_endplate_vm_p95"],
                 m["adj_below_endplate_vm_mean"], m["adj_below_endplate_vm_p95"],
                 idp, m["treated_relative_risk"], m["adj_above_relative_risk"], m["adj_below_relative_risk"]))
discs = sorted({k for r in rows for k in (r[8] or {})})
head = ["mesh_size_mm", "DOF", "its", "stiffness N/mm", "L1 inf. EP vM mean / p95 MPa", "L3 sup. EP vM mean / p95 MPa"]
head += ["IDP %s MPa" % k for k in discs] + ["RR treated", "RR L1", "RR L3"]
print("| " + " | ".join(head) + " |")
print("|" + " --- |" * len(head))
for r in rows:
    cells = [r[0], str(r[1]), str(r[2]), "%.1f" % r[3], "%.3f / %.3f" % (r[4], r[5]), "%.3f / %.3f" % (r[6], r[7])]
    cells += ["%.3f" % r[8][k] if k in r[8] else "-" for k in discs]
    cells += ["%.3f" % r[9], "%.4f" % r[10], "%.4f" % r[11]]
    print("| " + " | ".join(cells) + " |")
print()
def rel(a, b): return 100.0 * (a - b) / b
print("Change from the next coarser mesh (%):")
print()
print("| mesh_size_mm | stiffness | L1 inf. EP vM mean | L1 inf. EP vM p95 | L3 sup. EP vM mean | L3 sup. EP vM p95 | "
      + " | ".join("IDP " + k for k in discs) + " | RR treated | RR L1 | RR L3 |")
print("|" + " --- |" * (9 + len(discs)))
for a, b in zip(rows[1:], rows[:-1]):
    cells = [a[0]] + ["%+.2f" % rel(a[i], b[i]) for i in (3, 4, 5, 6, 7)]
    cells += ["%+.2f" % rel(a[8][k], b[8][k]) if k in a[8] and k in b[8] else "-" for k in discs]
    cells += ["%+.2f" % rel(a[i], b[i]) for i in (9, 10, 11)]
    print("| " + " | ".join(cells) + " |")
fine = rows[-1][3]; prev = rows[-2][3] if len(rows) > 1 else fine
print()
print("Stiffness, two finest meshes: %.2f %% apart (target < 2 %%)." % abs(rel(fine, prev)))
open(f"{work}/verdict", "w").write("ok\n" if abs(rel(fine, prev)) < 2 else "not converged\n")
PY
)
echo "$table"
if [ "$WRITE" = 1 ]; then
  python3 - "$REPO/docs/validation.md" "bench/convergence.sh --sizes \"$SIZES\" --order $ORDER" <<PY
import sys
path, cmd = sys.argv[1], sys.argv[2]
table = open("/dev/stdin").read() if False else """$table"""
begin, end = "<!-- convergence:begin -->", "<!-- convergence:end -->"
text = open(path).read()
block = begin + "\n\nMeasured with \`" + cmd + "\` (the built-in default case, treated and intact baseline).\n\n" + table + "\n\n" + end
if begin in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    sec = "## Validation against published behaviour"
    add = "## Mesh convergence of the default case (P2)\n\n" + block + "\n\n"
    text = text.replace(sec, add + sec, 1) if sec in text else text.rstrip("\n") + "\n\n" + add
open(path, "w").write(text)
PY
fi
test "$(cat "$WORK/verdict")" = ok || { echo "convergence.sh: the two finest meshes differ by 2 % or more in stiffness" >&2; exit 1; }
