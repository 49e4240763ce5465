#!/usr/bin/env bash
# Loading an MSH file into vfe's distributed DMPlex (VfeMeshLoad): the peers' 543,743-tetrahedron P1 mesh
# (../shared/peers/make_mesh.py --h 1, made once and cached), read by `vfe mesh` on 1 and 2 ranks with
# -log_view.  With VFE_REF=path/to/an/older/vfe the same runs are repeated with that binary in the same
# invocation, so the ratios compare like with like on a shared machine.
#
#   bench/meshload_bench.sh [--h H] [--ranks "1 2"] [--work DIR]
#
# Prints one row per binary and rank count: wall s of the whole command, the VfeMesh event (file to
# distributed, labelled DMPlex) and its parts (PETSc's Gmsh reader, partitioning, migration, interpolation:
# DMPlexInterpolate, or vfe's VfeInterpolate event on one rank; max over ranks), and the peak RSS (MiB,
# largest rank); then the ratios vfe / VFE_REF.
# Environment: VFE=path/to/vfe (default build/app/vfe), VFE_REF (optional), PEERS (default ../shared/peers).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VFE=${VFE:-$REPO/build/app/vfe}
VFE_REF=${VFE_REF:-}
PEERS=${PEERS:-$REPO/../shared/peers}
H=1
RANKS="1 2"
WORK=/tmp/vfe-meshload-bench
while [ $# -gt 0 ]; do
  case "$1" in
    --h) H=$2; shift ;;
    --ranks) RANKS=$2; shift ;;
    --work) WORK=$2; shift ;;
    *) echo "usage: $0 [--h H] [--ranks \"1 2\"] [--work DIR]" >&2; exit 1 ;;
  esac
  shift
done
mkdir -p "$WORK"
MESH=$WORK/spine_h${H}_p1.msh
if [ ! -s "$MESH" ]; then
  /usr/bin/python3 "$PEERS/make_mesh.py" --h "$H" --order 1 -o "$WORK/spine_h${H}_p1" > "$WORK/make_mesh.log" 2>&1 ||
    { echo "meshload_bench: make_mesh.py failed (see $WORK/make_mesh.log)" >&2; exit 1; }
fi
# the peers' materials, so that `vfe mesh` accepts the file's region names
MATS=$(python3 - "$PEERS/materials.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
print(" ".join("-material_%s_E %g -material_%s_nu %g" % (k, v["E"], k, v["nu"]) for k, v in m.items() if not k.startswith("_")))
EOF
)
printf 'case_version: 1\nload: {axial_N: 800}\n' > "$WORK/plain.yaml"
echo "# vfe mesh-load benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
TAGS=(new)
[ -n "$VFE_REF" ] && TAGS+=(ref)
for np in $RANKS; do
  for tag in "${TAGS[@]}"; do
    bin=$VFE
    [ "$tag" = ref ] && bin=$VFE_REF
    out="$WORK/$tag-n$np"
    rm -rf "$out"
    launch=("$bin")
    [ "$np" -gt 1 ] && launch=(mpiexec --allow-run-as-root --oversubscribe -n "$np" "$bin")
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    /usr/bin/time -f "%M" -o "$out.rss" "${launch[@]}" mesh "$WORK/plain.yaml" -mesh_file "$MESH" -bc_fixed bottom \
      -bc_load top $MATS -output_dir "$out" -log_view ":$out.log_view" > "$out.log" 2>&1 ||
      { echo "meshload_bench: $tag on $np ranks failed (see $out.log)" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk "BEGIN { print $t1 - $t0 }" > "$out.wall"
  done
done
python3 - "$WORK" "$RANKS" "${TAGS[*]}" <<'PY'
import os, re, sys
work, ranks, tags = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
EV = ["VfeMesh", "DMPlexCreateGmsh", "Mesh Partition", "Mesh Migration", "DMPlexInterp", "VfeInterpolate"]
def events(path):
    t = {}
    for line in open(path):
        for e in EV:
            m = re.match(r"^%s\s+\d+\s+\S+\s+(\S+)" % re.escape(e), line)
            if m and e not in t:
                t[e] = float(m.group(1))
    return t
print("| vfe | ranks | wall s | VfeMesh s | Gmsh reader s | partition s | migration s | interpolation s | peak MiB |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
R = {}
for np_ in ranks:
    for tag in tags:
        out = os.path.join(work, f"{tag}-n{np_}")
        ev = events(out + ".log_view")
        wall = float(open(out + ".wall").read())
        rss = int(open(out + ".rss").read().split()[-1]) / 1024
        R[tag, np_] = (wall, ev.get("VfeMesh"), rss)
        f = lambda e: "%.2f" % ev[e] if e in ev else "–"
        if "DMPlexInterp" not in ev and "VfeInterpolate" in ev:  # vfe's own on one rank (mesh/interp.c)
            ev["DMPlexInterp"] = ev["VfeInterpolate"]
        print(f"| {tag} | {np_} | {wall:.2f} | {f('VfeMesh')} | {f('DMPlexCreateGmsh')} | {f('Mesh Partition')} | "
              f"{f('Mesh Migration')} | {f('DMPlexInterp')} | {rss:.0f} |")
if "ref" in tags:
    print()
    for np_ in ranks:
        (w, m, r), (w0, m0, r0) = R["new", np_], R["ref", np_]
        print(f"ranks {np_}: wall new/ref {w / w0:.2f}, VfeMesh new/ref {m / m0:.2f}, peak memory new/ref {r / r0:.2f}")
PY
