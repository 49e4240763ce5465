#!/usr/bin/env bash
# Mesh-generation benchmark of the parametric segment mesher (mesh/segment.c).
#
#   bench/mesh_bench.sh [--sizes "H ..."] [--reps N] [--work DIR]
#
# Times `vfe mesh` (mesher + mesh checks only) for the default segment case
# (L1-L3, bipedicular 25 %, mesh_size_mm 1.5) and for a ~1M-tetrahedron case
# (mesh_size_mm 0.95 by default; pass --sizes to change), printing wall seconds,
# the mesher's own seconds and the tetrahedron count of each run.
# Targets (issue 3): default < 10 s, ~1M tetrahedra < 30 s on 2 cores.
#
# Environment: VFE=path/to/vfe (else built with CMake into $BUILD_DIR, default
# /tmp/build-mesh), OMPI_* variables for running as root are set if unset.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-/tmp/build-mesh}
WORK=/tmp/vfe-mesh-bench
SIZES="1.5 0.95"
REPS=1

while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --work) WORK=$2; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "mesh_bench.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
  shift
done

export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
if [ -z "${VFE:-}" ]; then
  cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$BUILD_DIR" -j2 --target vfe > /dev/null || [ -x "$BUILD_DIR/solver/vfe" ]
  VFE=$BUILD_DIR/solver/vfe
fi
mkdir -p "$WORK"

echo "# vfe mesh benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-10s %-4s %10s %12s %12s %10s\n" size_mm rep wall_s mesher_s tetrahedra nodes
for h in $SIZES; do
  for r in $(seq 1 "$REPS"); do
    out=$WORK/h$h-r$r
    mkdir -p "$out"
    t0=$(date +%s.%N)
    "$VFE" mesh -output_dir "$out" -mesh_geometry segment -mesh_size_mm "$h" > "$out/log.txt" 2>&1 || {
      echo "vfe mesh failed for mesh_size_mm $h (see $out/log.txt)" >&2; exit 1; }
    t1=$(date +%s.%N)
    line=$(grep -E "nodes, [0-9]+ tetrahedra" "$out/log.txt" | head -1)
    nodes=$(echo "$line" | sed -E 's/^ *([0-9]+) nodes.*/\1/')
    tets=$(echo "$line" | sed -E 's/.* ([0-9]+) tetrahedra.*/\1/')
    msec=$(echo "$line" | sed -E 's/.* ([0-9.]+) s, hash.*/\1/')
    printf "%-10s %-4s %10.2f %12s %12s %10s\n" "$h" "$r" "$(echo "$t1 - $t0" | bc)" "$msec" "$tets" "$nodes"
  done
done
