#!/usr/bin/env bash
# vfe performance benchmark against the FEniCSx peer (../shared/peers) on the
# same Gmsh spine-segment meshes, in one run on one machine.
#
#   bench/run_bench.sh [--quick] [--write-docs] [options]
#   bench/run_bench.sh --order 2 [--write-docs] [options]
#
#   --order 2         P2 mode: the peers' P2 mesh (make_mesh.py --order 2, default --h 2:
#                     72k tets, 312k dofs) solved by vfe (defaults: B-bar where nu >= 0.45,
#                     CG + p-multigrid; -vfe_formulation displacement; and the default with
#                     -vfe_pmg_mg_levels_ksp_max_it 1) and FEniCSx P2 on
#                     each rank count; the answers also against FEniCSx on a straight-sided
#                     copy of the mesh (what vfe solves); the mesh load of a P1 mesh
#                     (--load-h) in vfe with its -log_view split and memory; report section
#                     "P2 against FEniCSx on the peers' 312k-DOF mesh" (see P2 mode below)
#   --load-h H        P2 mode: make_mesh.py --h of the P1 mesh-load run (default 1: 544k
#                     tets; "none" skips it)
#   --repeat N        P2 mode: run the vfe / FEniCSx pairs N times (default 1); the report
#                     gives every pair's ratio and their median
#   --quick           skip the ~1.5M-tet mesh (only ~100k and ~500k tets)
#   --sizes "H ..."   make_mesh.py --h values (default "1.8 1 0.7": ~98k, ~544k, ~1.6M tets;
#                     with --order 2: "2")
#   --ranks "N ..."   MPI rank counts (default "1 2")
#   --work DIR        work directory for meshes and runs (default /tmp/vfe-bench);
#                     meshes already there are reused (their generation time is kept)
#   --remesh          regenerate the meshes even if they exist
#   --no-fields       pass -vfe_write_fields false (output column then ~0)
#   --no-extras       skip coo/blocked, stiffness-contrast and GAMG-option runs
#   --no-fenicsx      vfe only
#   --write-docs      also write the Markdown report to docs/performance.md
#                     (bench/performance_discussion.md, if present, is appended); with
#                     --order 2 only the P2 section is written (replaced if present, else
#                     placed after "Locking-free P2 by default"), with
#                     bench/performance_p2_discussion.md appended to it
#   --report-only     no runs: rebuild the report from WORK/results.jsonl
#
# Environment: VFE=path/to/vfe (else built with CMake into $BUILD_DIR, default
# /tmp/build-bench), PEERS=dir of the peer scripts (default <repo>/../shared/peers),
# PY=/usr/bin/python3 (Debian python with dolfinx + gmsh), MPIEXEC=mpiexec.
# Peak memory: each rank runs under /usr/bin/time; the maximum resident set
# sizes of the ranks are summed and divided by the number of dofs.
# Every vfe run writes -log_view to its run directory; the report takes event times from it.
# Probe displacements of vfe come from its fields.hdf (needs python3-h5py; without it, or
# with --no-fields, only vfe's load-plate mean and reaction are compared).
#
# P2 mode: vfe reads the P2 (10-node) file with -dm_plex_gmsh_highorder false: PETSc's
# Gmsh reader then keeps the vertices only (vfe's mesh check rejects the curved
# coordinate field: "inverted or degenerate tetrahedra"), and vfe's P2 space puts its edge
# nodes at the edge midpoints, so vfe solves the straight-sided mesh while FEniCSx uses the
# file's curved geometry.  The like-with-like check runs FEniCSx --order 2 on a
# straight-sided copy (midside nodes dropped with Gmsh, same vertices and tets).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS=${PEERS:-$REPO/../shared/peers}
PY=${PY:-/usr/bin/python3}
MPIEXEC=${MPIEXEC:-mpiexec}
BUILD_DIR=${BUILD_DIR:-/tmp/build-bench}
WORK=/tmp/vfe-bench
SIZES="1.8 1 0.7"
RANKS="1 2"
REPORT_ONLY=0 QUICK=0 REMESH=0 FIELDS=1 EXTRAS=1 FENICSX=1 WRITE_DOCS=0
ORDER=1 LOAD_H=1 SIZES_SET=0 REPEAT=1 REP=1
CMDLINE="${VFE:+VFE=$VFE }bench/run_bench.sh $*"

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --order) ORDER=$2; shift ;;
    --load-h) LOAD_H=$2; shift ;;
    --repeat) REPEAT=$2; shift ;;
    --sizes) SIZES=$2; SIZES_SET=1; shift ;;
    --ranks) RANKS=$2; shift ;;
    --work) WORK=$2; shift ;;
    --remesh) REMESH=1 ;;
    --no-fields) FIELDS=0 ;;
    --no-extras) EXTRAS=0 ;;
    --no-fenicsx) FENICSX=0 ;;
    --write-docs) WRITE_DOCS=1 ;;
    --report-only) REPORT_ONLY=1 ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/p}' "$0"; exit 0 ;;
    *) echo "run_bench.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
  shift
done
case "$ORDER" in 1|2) ;; *) echo "run_bench.sh: --order $ORDER: allowed 1 or 2" >&2; exit 1 ;; esac
case "$REPEAT" in ''|*[!0-9]*|0) echo "run_bench.sh: --repeat $REPEAT: give a positive integer" >&2; exit 1 ;; esac
if [ "$ORDER" = 2 ] && [ "$SIZES_SET" = 0 ]; then SIZES="2"; fi
if [ "$ORDER" = 2 ]; then QUICK=0; fi
if [ "$QUICK" = 1 ]; then
  # drop the finest size (the last of the list)
  SIZES=$(echo "$SIZES" | awk '{ for (i = 1; i < NF; ++i) printf "%s%s", $i, (i < NF - 1 ? " " : ""); if (NF == 1) printf "%s", $1 }')
fi

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=1
log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

RES=$WORK/results.jsonl
[ -f "$PEERS/make_mesh.py" ] || { echo "run_bench.sh: no peer scripts in $PEERS (set PEERS=)" >&2; exit 1; }
BONE_E=$($PY -c "import json;print(json.load(open('$PEERS/materials.json'))['vb_mid']['E'])")
CONTRAST_E=$($PY -c "print('%g' % (1000 * $BONE_E))")
[ -x /usr/bin/time ] || { echo "run_bench.sh: /usr/bin/time (GNU time) is required" >&2; exit 1; }

if [ "$REPORT_ONLY" = 0 ]; then
# ---- 1. vfe binary ----------------------------------------------------------
if [ -z "${VFE:-}" ]; then
  VFE=$BUILD_DIR/app/vfe
  log "building vfe in $BUILD_DIR"
  ok=0
  for attempt in 1 2 3; do
    if cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >"$WORK.cmake.log" 2>&1 &&
       cmake --build "$BUILD_DIR" -j2 --target vfe >>"$WORK.cmake.log" 2>&1; then ok=1; break; fi
    log "build attempt $attempt failed (see $WORK.cmake.log); retrying in 60 s"
    sleep 60
  done
  [ $ok = 1 ] || { echo "run_bench.sh: could not build vfe" >&2; exit 1; }
fi
[ -x "$VFE" ] || { echo "run_bench.sh: VFE=$VFE is not executable" >&2; exit 1; }

mkdir -p "$WORK/meshes" "$WORK/runs"
# an explicit plain case: without one, vfe run applies the built-in default case (anatomical
# segment, osteoporotic bone, intact baseline = a second solve) on top of the options below
printf 'case_version: 1\nload: {axial_N: 800}\n' > "$WORK/plain.yaml"
RES=$WORK/results.jsonl
: >"$RES"
echo "$CMDLINE" >"$WORK/cmdline.txt"
echo "{\"kind\": \"machine\", \"when\": \"start\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"date\": \"$(date -u +%FT%TZ)\"}" >>"$RES"

# materials from the peers' materials.json, as vfe options
MATS=$($PY - "$PEERS/materials.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
print(" ".join("-material_%s_E %g -material_%s_nu %g" % (k, v["E"], k, v["nu"])
               for k, v in m.items() if not k.startswith("_")))
EOF
)

record() { echo "$1" >>"$RES"; }

# ---- 2. meshes ---------------------------------------------------------------
# Mesh keys: MESH[key] = file, MH[key] = make_mesh.py --h, MORD[key] = solution order,
# MOPT[key] = extra vfe options for that file.  P1 mode: key = h.  P2 mode: key = h for the
# P2 file, "<h>lin" for its straight-sided copy (FEniCSx only), "<h>p1" for the P1 load mesh.
declare -A MESH MH MORD MOPT
# peer_mesh H ORDER: make (or reuse) WORK/meshes/spine_h<H>_p<ORDER>.msh, record it; sets PM
peer_mesh() {
  local h=$1 ord=$2 base=$WORK/meshes/spine_h$1_p$2
  if [ "$REMESH" = 1 ] || [ ! -s "$base.msh" ] || [ ! -s "$base.json" ]; then
    log "meshing h=$h order $ord ..."
    local t0 t1
    t0=$(date +%s.%N)
    $PY "$PEERS/make_mesh.py" --h "$h" --order "$ord" -o "$base" >"$base.log" 2>&1 ||
      { echo "run_bench.sh: make_mesh.py --h $h --order $ord failed (see $base.log)" >&2; exit 1; }
    t1=$(date +%s.%N)
    grep '^{' "$base.log" | tail -n 1 | $PY -c "import json,sys; d=json.load(sys.stdin); d['wall_s']=round($t1-$t0,1); print(json.dumps(d))" >"$base.json"
  fi
  $PY -c "import json,sys; d=json.load(open('$base.json')); print(json.dumps({'kind':'mesh','h':$h,'order':$ord,'tets':d['tets'],'nodes':d['nodes'],'gmsh_s':d['mesh_seconds'],'wall_s':d.get('wall_s')}))" >>"$RES"
  log "mesh h=$h order $ord: $($PY -c "import json; d=json.load(open('$base.json')); print('%d tets, %d nodes, gmsh %.1f s, make_mesh.py wall %s s' % (d['tets'], d['nodes'], d['mesh_seconds'], d.get('wall_s')))")"
  PM=$base.msh
}
# straight_copy SRC DST: the P2 file with its midside nodes dropped (same vertices, tets, groups)
straight_copy() {
  [ "$REMESH" = 0 ] && [ -s "$2" ] && [ "$2" -nt "$1" ] && return 0
  $PY - "$1" "$2" <<'PYEOF'
import sys, gmsh
src, dst = sys.argv[1:]
gmsh.initialize()
gmsh.option.setNumber("General.Terminal", 0)
gmsh.merge(src)
gmsh.model.mesh.setOrder(1)
gmsh.model.mesh.renumberNodes()
gmsh.model.mesh.renumberElements()
gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
gmsh.option.setNumber("Mesh.Binary", 0)
gmsh.option.setNumber("Mesh.SaveAll", 0)
gmsh.write(dst)
gmsh.finalize()
PYEOF
}
for h in $SIZES; do
  peer_mesh "$h" "$ORDER"
  MESH[$h]=$PM MH[$h]=$h MORD[$h]=$ORDER MOPT[$h]=""
  if [ "$ORDER" = 2 ]; then
    # vfe keeps the vertices of the 10-node file (see the file head)
    MOPT[$h]="-dm_plex_gmsh_highorder false"
    straight_copy "$PM" "${PM%.msh}_lin.msh"
    MESH[${h}lin]=${PM%.msh}_lin.msh MH[${h}lin]=$h MORD[${h}lin]=2 MOPT[${h}lin]=""
  fi
done
if [ "$ORDER" = 2 ] && [ "$LOAD_H" != none ]; then
  peer_mesh "$LOAD_H" 1
  MESH[${LOAD_H}p1]=$PM MH[${LOAD_H}p1]=$LOAD_H MORD[${LOAD_H}p1]=1 MOPT[${LOAD_H}p1]=""
fi

# ---- 3. solver runs ------------------------------------------------------------
# run_ranks NP OUTDIR CMD... : every rank under GNU time, max RSS per rank in OUTDIR/rss.<rank>
run_ranks() {
  local np=$1 dir=$2; shift 2
  rm -f "$dir"/rss.*
  $MPIEXEC --oversubscribe -n "$np" sh -c '/usr/bin/time -f %M -o "$0/rss.${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}" "$@"' "$dir" "$@" </dev/null
}
rss_sum_kb() { cat "$1"/rss.* 2>/dev/null | awk '/^[0-9]+$/ { s += $1 } END { print s + 0 }'; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# vfe_run TAG KEY NP [extra options...]   (KEY: a mesh key, see above)
vfe_run() {
  local tag=$1 key=$2 np=$3; shift 3
  local dir=$WORK/runs/vfe_${tag}_h${key}_n${np}_r${REP}
  rm -rf "$dir"; mkdir -p "$dir"
  local wf=true; [ "$FIELDS" = 1 ] || wf=false
  log "vfe $tag mesh $(basename "${MESH[$key]}") np=$np $*"
  local t0 t1 rc=0 ld
  ld=$(load1)
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  run_ranks "$np" "$dir" "$VFE" run "$WORK/plain.yaml" -mesh_file "${MESH[$key]}" -output_dir "$dir" \
      -bc_fixed bottom -bc_load top -load_axial_N 800 -mesh_order "${MORD[$key]}" -ksp_rtol 1e-8 \
      -vfe_write_fields $wf ${MOPT[$key]} $MATS -log_view ":$dir/log_view.txt" "$@" >"$dir/stdout.txt" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  grep '^vfe:' "$dir/stdout.txt" | sed 's/^/    /' >&2 || true
  $PY - "$dir" "$tag" "${MH[$key]}" "$np" "$(rss_sum_kb "$dir")" "$rc" "$(awk "BEGIN { print $t1 - $t0 }")" "$*" \
      "$key" "${MORD[$key]}" "$(basename "${MESH[$key]}")" "$ld" "$PEERS" <<'PYEOF' >>"$RES"
import json, os, sys
d, tag, h, np_, rss, rc, wall, opts, key, order, mesh, ld, peers = sys.argv[1:]
out = {"kind": "vfe", "tag": tag, "h": float(h), "np": int(np_), "rc": int(rc),
       "wall_s": float(wall), "rss_kb": int(rss), "opts": opts, "key": key, "order": int(order),
       "mesh": mesh, "load1_before": float(ld), "rep": int(os.environ.get("REP", "1"))}
try:
    s = json.load(open(os.path.join(d, "summary.json")))
    out.update(t=s["manifest"]["timings_s"], its=s["solver"]["iterations"],
               reason=s["solver"].get("converged_reason"),
               formulation=s["solver"].get("formulation"),
               dofs=s["mesh"]["dofs"], cells=s["mesh"]["cells"],
               plate_uz=s.get("metrics", {}).get("plate_uz_mm"),
               stiffness=s.get("metrics", {}).get("stiffness_N_per_mm"),
               reaction_z=(s.get("load", {}).get("reaction_force_N") or [None] * 3)[2])
except Exception as e:  # failed / not converged run: keep what we know
    out["error"] = repr(e)
# -log_view, stage 0: inclusive max-over-ranks time of every event (names may hold spaces;
# each row ends with 20 numeric columns: count, ratio, time, ratio, flop, ratio, 3 message
# columns, 5 global and 5 stage percentages, Mflop/s)
try:
    ev, cnt, on = {}, {}, False
    for line in open(os.path.join(d, "log_view.txt")):
        if line.startswith("--- Event Stage 0"):
            on = True
            continue
        if on and (line.startswith("--- Event Stage") or line.startswith("-----")):
            break
        tok = line.split()
        if on and len(tok) > 20:
            try:
                ev[" ".join(tok[:-20])] = float(tok[-18])
                cnt[" ".join(tok[:-20])] = int(tok[-20])
            except ValueError:
                pass
    out["events"], out["event_counts"] = ev, cnt
except OSError:
    pass
# displacement at the peers' probes (mesh vertices) from fields.hdf
try:
    import h5py
    import numpy as np
    sys.path.insert(0, peers)
    import spine_common as sc
    with h5py.File(os.path.join(d, "fields.hdf"), "r") as f:
        X = f["VTKHDF/Points"][:]
        U = f["VTKHDF/PointData/displacement"][:]
    pr = {}
    for name, p in sc.PROBES.items():
        dist = np.linalg.norm(X - np.asarray(p)[None, :], axis=1)
        i = int(np.argmin(dist))
        if dist[i] < 1e-6:
            pr[name] = float(U[i, 2])
    out["probes"] = pr
except Exception:
    pass
print(json.dumps(out))
PYEOF
}

# fx_run TAG KEY NP [extra fenicsx_solve.py args...]
fx_run() {
  local tag=$1 key=$2 np=$3; shift 3
  local dir=$WORK/runs/fx_${tag}_h${key}_n${np}_r${REP}
  rm -rf "$dir"; mkdir -p "$dir"
  log "fenicsx $tag mesh $(basename "${MESH[$key]}") np=$np $*"
  local t0 t1 rc=0 ld
  ld=$(load1)
  t0=$(date +%s.%N)
  run_ranks "$np" "$dir" "$PY" "$PEERS/fenicsx_solve.py" "${MESH[$key]}" "$@" >"$dir/stdout.txt" 2>"$dir/stderr.txt" || rc=$?
  t1=$(date +%s.%N)
  $PY - "$dir/stdout.txt" "$tag" "${MH[$key]}" "$np" "$(rss_sum_kb "$dir")" "$rc" "$(awk "BEGIN { print $t1 - $t0 }")" \
      "$key" "$(basename "${MESH[$key]}")" "$ld" "$*" <<'PYEOF' >>"$RES"
import json, os, sys
path, tag, h, np_, rss, rc, wall, key, mesh, ld, opts = sys.argv[1:]
out = {"kind": "fx", "tag": tag, "h": float(h), "np": int(np_), "rc": int(rc), "rss_kb": int(rss),
       "wall_s": float(wall), "key": key, "mesh": mesh, "load1_before": float(ld), "opts": opts,
       "rep": int(os.environ.get("REP", "1"))}
try:
    line = [l for l in open(path) if l.startswith("{")][-1]
    d = json.loads(line)
    out.update(t=d["time_s"], its=d["iterations"], dofs=d["ndofs"], probes=d["uz_probe_mm"],
               reaction_z=d["reaction_N"]["z"], order=d["order"], geometry_degree=d["geometry_degree"],
               reason=d.get("ksp_reason"), true_rel_residual=d.get("true_rel_residual"))
except Exception as e:
    out["error"] = repr(e)
print(json.dumps(out))
PYEOF
  tail -n 1 "$dir/stdout.txt" | cut -c1-300 | sed 's/^/    /' >&2 || true
}

first_h=${SIZES%% *}
if [ "$ORDER" = 1 ]; then
# JIT warm-up of the FEniCSx forms on the smallest mesh (not timed; JIT time is
# outside assembly/set-up/solve anyway, but the first compile is slow).
if [ "$FENICSX" = 1 ]; then
  log "FEniCSx JIT warm-up"
  mkdir -p "$WORK/runs/warmup"
  $MPIEXEC --oversubscribe -n 1 "$PY" "$PEERS/fenicsx_solve.py" "${MESH[$first_h]}" </dev/null >"$WORK/runs/warmup/out.txt" 2>&1 || true
fi

for h in $SIZES; do
  for np in $RANKS; do
    vfe_run base "$h" "$np"
    [ "$FENICSX" = 1 ] && fx_run base "$h" "$np"
  done
done

# ---- extras: coo vs blocked, stiffness contrast, GAMG options ------------------
if [ "$EXTRAS" = 1 ]; then
  # middle mesh (the ~500k one) on the largest rank count: blocked assembly
  set -- $SIZES; mid=${2:-$1}
  maxnp=$(echo $RANKS | tr ' ' '\n' | sort -n | tail -n 1)
  vfe_run blocked "$mid" "$maxnp" -vfe_assembly blocked
  # cement E = 1000 x bone E
  vfe_run contrast "$mid" "$maxnp" -material_cement_E "$CONTRAST_E"
  vfe_run contrast_t05 "$mid" "$maxnp" -material_cement_E "$CONTRAST_E" -pc_gamg_threshold 0.05
  # the candidate default (see the GAMG table) on the ~500k mesh
  vfe_run tuned "$mid" "$maxnp" -pc_gamg_threshold 0.05
  if [ "$FENICSX" = 1 ]; then
    $PY -c "import json; m=json.load(open('$PEERS/materials.json')); m['cement']['E']=$CONTRAST_E; json.dump(m, open('$WORK/materials_contrast.json','w'))"
    fx_run contrast "$mid" "$maxnp" --materials "$WORK/materials_contrast.json"
  fi
  # a few GAMG variants on the smallest mesh
  i=0
  while IFS= read -r variant; do
    [ -n "$variant" ] || continue
    i=$((i + 1))
    # shellcheck disable=SC2086
    vfe_run "gamg$i" "$first_h" "$maxnp" $variant
  done <<'EOF'
-pc_gamg_threshold 0.01
-pc_gamg_threshold 0.05
-pc_gamg_square_graph 0
-mg_levels_ksp_max_it 3
-mg_levels_ksp_max_it 4
-pc_gamg_threshold 0.01 -pc_gamg_square_graph 0
-mg_levels_esteig_ksp_type cg -mg_levels_ksp_chebyshev_esteig_steps 20
EOF
fi

else  # ---- P2 mode ------------------------------------------------------------------
# JIT warm-up of FEniCSx's P2 forms (curved 10-node geometry, and P2 on straight tets) on a
# small P2 mesh, not timed
if [ "$FENICSX" = 1 ]; then
  log "FEniCSx JIT warm-up (P2, curved and straight-sided)"
  wu=$WORK/runs/warmup
  mkdir -p "$wu"
  [ -s "$wu/spine_h5_p2.msh" ] || $PY "$PEERS/make_mesh.py" --h 5 --order 2 -o "$wu/spine_h5_p2" >"$wu/mesh.log" 2>&1 || true
  straight_copy "$wu/spine_h5_p2.msh" "$wu/spine_h5_p2_lin.msh" || true
  $MPIEXEC --oversubscribe -n 1 "$PY" "$PEERS/fenicsx_solve.py" "$wu/spine_h5_p2.msh" </dev/null >"$wu/out.txt" 2>&1 || true
  $MPIEXEC --oversubscribe -n 1 "$PY" "$PEERS/fenicsx_solve.py" "$wu/spine_h5_p2_lin.msh" --order 2 </dev/null >>"$wu/out.txt" 2>&1 || true
fi
maxnp=$(echo $RANKS | tr ' ' '\n' | sort -n | tail -n 1)
for h in $SIZES; do
  for REP in $(seq 1 "$REPEAT"); do
    export REP
    for np in $RANKS; do
      # vfe's default P2 solver (B-bar where nu >= 0.45, CG + p-multigrid), FEniCSx P2, then
      # vfe's plain displacement form (the same discretisation as FEniCSx's, on straight tets)
      vfe_run base "$h" "$np"
      [ "$FENICSX" = 1 ] && fx_run base "$h" "$np"
      vfe_run disp "$h" "$np" -vfe_formulation displacement
      # the default with one Chebyshev step per P2 smoothing instead of two (an option, not a
      # code change: a candidate default)
      vfe_run pmg1 "$h" "$np" -vfe_pmg_mg_levels_ksp_max_it 1
    done
  done
  REP=1
  # FEniCSx P2 on the straight-sided copy: the geometry vfe solves (answers only)
  [ "$FENICSX" = 1 ] && fx_run straight "${h}lin" "$maxnp" --order 2
done
# the mesh load of a P1 mesh in vfe (its -log_view splits it) and P1 memory per dof
if [ "$LOAD_H" != none ]; then
  for np in $RANKS; do vfe_run load "${LOAD_H}p1" "$np"; done
fi
fi  # ORDER
echo "{\"kind\": \"machine\", \"when\": \"end\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"date\": \"$(date -u +%FT%TZ)\"}" >>"$RES"
echo "$ORDER" >"$WORK/order.txt"
fi  # REPORT_ONLY
# --report-only: the mode of the run that wrote the results
[ "$REPORT_ONLY" = 1 ] && [ -s "$WORK/order.txt" ] && ORDER=$(cat "$WORK/order.txt")
[ -n "${VFE:-}" ] || VFE=$BUILD_DIR/app/vfe
[ -s "$RES" ] || { echo "run_bench.sh: no results in $RES" >&2; exit 1; }
CMDLINE=$(cat "$WORK/cmdline.txt" 2>/dev/null || echo "$CMDLINE")

# ---- 4./5. report ---------------------------------------------------------------
REPORT=$WORK/report.md
if [ "$ORDER" = 2 ]; then
  $PY "$REPO/bench/report_p2.py" "$RES" "$CMDLINE" "$PEERS/materials.json" >"$REPORT"
else
$PY - "$RES" "$CMDLINE" "$BONE_E" "$CONTRAST_E" "$VFE" >"$REPORT" <<'EOF'
import json, subprocess, sys
res_path, cmdline, bone_e, contrast_e, vfe = sys.argv[1:]
R = [json.loads(l) for l in open(res_path) if l.strip()]
meshes = {r["h"]: r for r in R if r["kind"] == "mesh"}
def find_all(kind, tag, h, np_=None):
    return [r for r in R if r["kind"] == kind and r.get("tag") == tag and abs(r["h"] - h) < 1e-9
            and (np_ is None or r["np"] == np_)]
def find(kind, tag, h, np_=None):
    rs = find_all(kind, tag, h, np_)
    return rs[0] if rs else None
def f(x, fmt="%.2f"):
    return "–" if x is None else fmt % x
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return "?"
def fx_core(r):
    t = r["t"]; return t["assembly"] + t["solver_setup"] + t["solve"]
def vfe_core(r):
    t = r["t"]; return t["assembly"] + t["solver_setup"] + t["solve"]

import glob, os
vfe_ver = sh("'%s' --version 2>/dev/null" % vfe)
for sj in sorted(glob.glob(os.path.join(os.path.dirname(res_path), "runs", "vfe_base_*", "summary.json"))):
    try:
        m = json.load(open(sj))["manifest"]
        vfe_ver = "%s (git %s, as run)" % (m.get("vfe_version", "?"), m.get("git_hash", "?"))
        break
    except Exception:
        pass
P = print
P("## Machine\n")
P("- `nproc`: %s; CPU: %s" % (sh("env -u OMP_NUM_THREADS nproc"), sh("lscpu | sed -n 's/^Model name: *//p' | head -n1") or "?"))
P("- `free -g`:\n\n```\n%s\n```" % subprocess.run("free -g", shell=True, capture_output=True, text=True).stdout.rstrip())
P("- PETSc %s (Debian), FEniCSx/dolfinx %s, Gmsh %s; vfe %s" % (
    sh("pkg-config --modversion PETSc 2>/dev/null || dpkg-query -W -f='${Version}' libpetsc-real3.18 2>/dev/null"),
    sh("/usr/bin/python3 -c 'import dolfinx; print(dolfinx.__version__)' 2>/dev/null"),
    sh("/usr/bin/python3 -c 'import gmsh; print(gmsh.__version__)' 2>/dev/null"),
    vfe_ver))
P("- command: `%s`\n" % cmdline)

P("## Meshes (peers' make_mesh.py, P1)\n")
P("| h (mm) | tets | nodes | P1 dofs | gmsh generate (s) | make_mesh.py wall (s) |")
P("| --- | --- | --- | --- | --- | --- |")
for h in sorted(meshes, reverse=True):
    m = meshes[h]
    P("| %g | %d | %d | %d | %.1f | %s |" % (h, m["tets"], m["nodes"], 3 * m["nodes"], m["gmsh_s"], f(m.get("wall_s"), "%.1f")))
P()

P("## vfe vs FEniCSx, P1, CG + GAMG, rtol 1e-8 (wall seconds)\n")
P("vfe columns are from `summary.json` `timings_s`; FEniCSx columns from its JSON line "
  "(slowest rank, barrier before each lap). Ratio = vfe (assembly + solver set-up + solve) / "
  "FEniCSx (assembly + solver set-up + solve); target <= 0.5 on the ~500k mesh. "
  "Memory = sum over ranks of the peak RSS / dofs.\n")
P("| tets | dofs | ranks | vfe mesh read | vfe setup | vfe assembly | vfe solver set-up | vfe solve | vfe output | vfe its | vfe total | vfe mem (B/dof) | FEniCSx asm + set-up + solve | FEniCSx its | FEniCSx mem (B/dof) | ratio |")
P("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for h in sorted(meshes, reverse=True):
    for r in find_all("vfe", "base", h):
        fx = find("fx", "base", h, r["np"])
        if "t" not in r:
            P("| %d | – | %d | vfe failed (rc %d): %s |" % (meshes[h]["tets"], r["np"], r["rc"], r.get("error", "")))
            continue
        t = r["t"]
        fxs = fx_s = fxits = fxmem = ratio = "–"
        if fx and "t" in fx:
            ft = fx["t"]
            fxs = "%.2f + %.2f + %.2f = %.2f" % (ft["assembly"], ft["solver_setup"], ft["solve"], fx_core(fx))
            fxits = str(fx["its"])
            fxmem = "%.0f" % (fx["rss_kb"] * 1024.0 / fx["dofs"]) if fx["rss_kb"] else "–"
            ratio = "**%.2f**" % (vfe_core(r) / fx_core(fx))
        P("| %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %.2f | %s | %s | %s | %s | %s |" % (
            r["cells"], r["dofs"], r["np"], t["mesh"], t["setup"], t["assembly"], t["solver_setup"], t["solve"],
            t["output"], r["its"], t["total"], "%.0f" % (r["rss_kb"] * 1024.0 / r["dofs"]) if r["rss_kb"] else "–",
            fxs, fxits, fxmem, ratio))
P()

P("## Answers: vfe vs FEniCSx\n")
P("vfe's load-plate displacement (`metrics.plate_uz_mm`) against FEniCSx's displacement at the "
  "top probe (0, 0, 98), and the bottom reactions.\n")
P("| tets | ranks | vfe plate u_z (mm) | FEniCSx probe u_z at top (mm) | rel. diff | vfe stiffness (N/mm) | 800 / abs(FEniCSx u_z) (N/mm) | vfe / FEniCSx reaction z (N) |")
P("| --- | --- | --- | --- | --- | --- | --- | --- |")
for h in sorted(meshes, reverse=True):
    for r in find_all("vfe", "base", h):
        fx = find("fx", "base", h, r["np"])
        if "t" not in r or not fx or "t" not in fx or r.get("plate_uz") is None:
            continue
        pu = fx["probes"]["vb_sup_top"]
        P("| %d | %d | %.5f | %.5f | %.2f%% | %.2f | %.2f | %s / %.3f |" % (
            r["cells"], r["np"], r["plate_uz"], pu, 100 * (r["plate_uz"] - pu) / pu,
            r["stiffness"], 800 / abs(pu), f(r.get("reaction_z"), "%.3f"), fx["reaction_z"]))
P()

extras = [r for r in R if r["kind"] == "vfe" and r["tag"] != "base"]
if extras:
    P("## Assembly path: coo vs blocked\n")
    bl = [r for r in extras if r["tag"] == "blocked"]
    for b in bl:
        c = find("vfe", "base", b["h"], b["np"])
        if c and "t" in c and "t" in b:
            P("| mesh | ranks | coo assembly (s) | blocked assembly (s) | coo total (s) | blocked total (s) | its coo / blocked |")
            P("| --- | --- | --- | --- | --- | --- | --- |")
            P("| %d tets | %d | %.2f | %.2f | %.2f | %.2f | %d / %d |" % (
                c["cells"], b["np"], c["t"]["assembly"], b["t"]["assembly"], c["t"]["total"], b["t"]["total"], c["its"], b["its"]))
        else:
            P("blocked run failed: rc %d %s" % (b["rc"], b.get("error", "")))
    P()
    P("## Stiffness contrast: cement E = %s MPa = 1000 x bone E (%s MPa), rtol 1e-8\n" % (contrast_e, bone_e))
    P("| mesh | ranks | solver | extra options | iterations (target <= 40) | solver set-up (s) | solve (s) | reason |")
    P("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in [x for x in R if x.get("tag", "").startswith("contrast")]:
        if "t" not in r:
            P("| %g mm | %d | %s | | failed (rc %d) | | | |" % (r["h"], r["np"], r["kind"], r["rc"])); continue
        tot = meshes[r["h"]]["tets"]
        P("| %d tets | %d | %s | %s | %d | %.2f | %.2f | %s |" % (tot, r["np"], "vfe" if r["kind"] == "vfe" else "FEniCSx",
            "`%s`" % r["opts"].replace("-material_cement_E %s" % contrast_e, "").strip() if r["kind"] == "vfe" and r["opts"].replace("-material_cement_E %s" % contrast_e, "").strip() else "", r["its"], r["t"]["solver_setup"], r["t"]["solve"], r.get("reason", "") or ""))
    P()
    for tu in [r for r in extras if r["tag"] == "tuned" and "t" in r]:
        b = find("vfe", "base", tu["h"], tu["np"]); fx = find("fx", "base", tu["h"], tu["np"])
        P("## vfe with `%s` on the %d-tet mesh, %d ranks\n" % (tu["opts"], tu["cells"], tu["np"]))
        P("| run | its | assembly (s) | solver set-up (s) | solve (s) | asm + set-up + solve (s) | ratio to FEniCSx |")
        P("| --- | --- | --- | --- | --- | --- | --- |")
        for name, r in (("vfe defaults", b), ("vfe `%s`" % tu["opts"], tu)):
            if r and "t" in r:
                P("| %s | %d | %.2f | %.2f | %.2f | %.2f | %s |" % (name, r["its"], r["t"]["assembly"], r["t"]["solver_setup"],
                  r["t"]["solve"], vfe_core(r), "%.2f" % (vfe_core(r) / fx_core(fx)) if fx and "t" in fx else "–"))
        if fx and "t" in fx:
            P("| FEniCSx | %d | %.2f | %.2f | %.2f | %.2f | 1 |" % (fx["its"], fx["t"]["assembly"], fx["t"]["solver_setup"], fx["t"]["solve"], fx_core(fx)))
        P()
    g = [r for r in extras if r["tag"].startswith("gamg")]
    if g:
        b = find("vfe", "base", g[0]["h"], g[0]["np"])
        P("## GAMG options (vfe, %d tets, %d ranks, rtol 1e-8)\n" % (meshes[g[0]["h"]]["tets"], g[0]["np"]))
        P("| options | its | solver set-up (s) | solve (s) | set-up + solve (s) |")
        P("| --- | --- | --- | --- | --- |")
        for r in ([b] if b else []) + g:
            if "t" not in r:
                P("| `%s` | failed (rc %d) | | | |" % (r["opts"], r["rc"])); continue
            P("| %s | %d | %.2f | %.2f | %.2f |" % ("`%s`" % r["opts"] if r["opts"] else "(defaults)", r["its"],
                r["t"]["solver_setup"], r["t"]["solve"], r["t"]["solver_setup"] + r["t"]["solve"]))
        P()
EOF

fi  # report

cat "$REPORT"
if [ "$WRITE_DOCS" = 1 ] && [ "$ORDER" = 2 ]; then
  # only the P2 section of docs/performance.md: replaced where it is, else placed after the
  # section "Locking-free P2 by default" (or at the end); the other sections stay as they are
  DOC=$REPO/docs/performance.md
  DISC=$REPO/bench/performance_p2_discussion.md
  $PY - "$DOC" "$REPORT" "$DISC" <<'EOF'
import os, sys
doc, report, disc = sys.argv[1:]
sec = open(report).read().rstrip("\n") + "\n"
if os.path.exists(disc):
    sec += "\n" + open(disc).read().rstrip("\n") + "\n"
title = sec.splitlines()[0]
lines = open(doc).read().splitlines(keepends=True) if os.path.exists(doc) else ["# vfe performance\n"]
heads = [i for i, l in enumerate(lines) if l.startswith("## ")]
def section_end(i):
    nxt = [j for j in heads if j > i]
    return nxt[0] if nxt else len(lines)
mine = [i for i in heads if lines[i].rstrip("\n") == title]
if mine:
    a, b = mine[0], section_end(mine[0])
else:
    after = [i for i in heads if lines[i].startswith("## Locking-free P2 by default")]
    a = b = section_end(after[0]) if after else len(lines)
block = sec + ("\n" if b < len(lines) else "")
if a > 0 and lines[a - 1].strip():
    block = "\n" + block
open(doc, "w").write("".join(lines[:a]) + block + "".join(lines[b:]))
EOF
  log "wrote the P2 section of $DOC"
elif [ "$WRITE_DOCS" = 1 ]; then
  DOC=$REPO/docs/performance.md
  HDR=$REPO/bench/performance_header.md
  DISC=$REPO/bench/performance_discussion.md
  {
    echo "# vfe performance"
    echo
    [ -f "$HDR" ] && { cat "$HDR"; echo; }
    cat "$REPORT"
    [ -f "$DISC" ] && { echo; cat "$DISC"; }
  } >"$DOC.new"
  # the sections that follow the discussion in the old file (the P2 section, other
  # engineers' sections) are not this report's: they are kept, in their order, after it
  if [ -f "$DOC" ] && [ -f "$DISC" ]; then
    $PY - "$DOC" "$DISC" <<'EOF' >>"$DOC.new"
import sys
old, disc = (open(p).read().splitlines(keepends=True) for p in sys.argv[1:])
ours = {l.rstrip("\n") for l in disc if l.startswith("## ")}
heads = [i for i, l in enumerate(old) if l.startswith("## ")]
last = [i for i in heads if old[i].rstrip("\n") in ours]
after = [i for i in heads if last and i > last[-1]]
if after:
    sys.stdout.write("\n" + "".join(old[after[0]:]).rstrip("\n") + "\n")
EOF
  fi
  mv "$DOC.new" "$DOC"
  log "wrote $DOC"
fi
log "results in $RES, report in $REPORT"
