#!/usr/bin/env bash
# A run's output directory is one transaction (issue 8, B.1 and B.6):
#   (a) a rerun that fails, or is killed (kill -9) during its solve, leaves the earlier result's files
#       and bytes exactly as they were and adds no file; a killed run leaves at most its hidden
#       temporary directory beside the target, which the next run removes; records and messages name
#       the output directory, never the temporary one;
#   (b) two concurrent runs into one directory: the second exits 3 with one line naming it, while the
#       first holds the lock beside the directory (.<name>.vfe.lock);
#   (c) an output path of about 230 characters works (on 2 ranks when MPIEXEC is given) and its
#       fields.hdf opens (ParaView's reader when pvpython is there, else the HDF5 signature); a 4 KB one
#       is exit 3 with one line naming it, never a signal;
#   (d) a full disk (a small tmpfs in a user namespace, where one can be mounted) and a file size limit
#       (RLIMIT_FSIZE, SIGXFSZ ignored) on each writer in turn (Gmsh's mesh.msh, HDF5's fields.hdf,
#       summary.json / metrics.csv): exit 3, one line, the earlier result intact.
#   usage: output_txn.sh VFE WORKDIR [PVPYTHON|none] [MPIEXEC...]
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
export LC_ALL=C
vfe=$1 work=$2 pv=${3:-none}
shift $(($# < 3 ? $# : 3))
mpiexec=("$@")
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
# every file below a directory with its hash, names relative to it
hashes() { (cd "$1" && find . -print0 | sort -z | xargs -0 md5sum 2>/dev/null; find . | sort); }
# what lies beside the output directory area/out (the lock file is expected there)
beside() { ls -A area | grep -v '^\.out\.vfe\.lock$' | tr '\n' ' '; }
errlines() { grep -c 'vfe: error' "$1"; }
printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 5, order: 1}\n' > case.yaml
mkdir area # the outputs go to area/out, the logs stay here
# a solve that does not end by itself (GMRES without preconditioner to an unreachable tolerance)
slow=(-ksp_type gmres -pc_type none -ksp_rtol 1e-300 -ksp_atol 0 -ksp_divtol 1e300 -ksp_max_it 1000000000)

# ---- (a) the earlier result survives a failed and a killed rerun
"$vfe" run case.yaml -output_dir area/out >good.log 2>&1
check "a first run into area/out exits 0 (got $?)" test -s area/out/summary.json
check "summary.json records area/out/mesh.msh as the mesh file" \
  grep -q '"mesh_file": "area/out/mesh.msh"' area/out/summary.json
check "metrics.csv's case column is area/out" test "$(sed -n 2p area/out/metrics.csv | cut -d, -f1)" = area/out
check "no output and no message names the temporary directory" \
  test -z "$(grep -l 'vfe-tmp' area/out/summary.json area/out/metrics.csv good.log)"
check "vfe: wrote names area/out" grep -q '^vfe: wrote area/out/summary.json' good.log
before=$(hashes area/out) listing=$(beside)
# (a different mesh size: a rerun that wrote into the directory itself would leave a different mesh.msh)
"$vfe" run case.yaml -output_dir area/out -mesh_size_mm 6 -bc_load nosuch >fail.log 2>&1
rc=$?
check "a rerun failing after meshing exits 1 (got $rc)" test "$rc" = 1
check "after the failed rerun: the same files, the same bytes" test "$(hashes area/out)" = "$before"
check "after the failed rerun: nothing new beside area/out ($(beside))" test "$(beside)" = "$listing"
"$vfe" mesh case.yaml -output_dir area/out -mesh_size_mm 6 -material_cancellous_E -5 >failmesh.log 2>&1
check "a failing vfe mesh into it exits 1 (got $?), the result untouched" test "$(hashes area/out)" = "$before"

"$vfe" run case.yaml -output_dir area/out -mesh_size_mm 6 "${slow[@]}" >slow.log 2>&1 &
slowpid=$!
for _ in $(seq 300); do grep -q '^vfe: P1' slow.log && break; sleep 0.1; done
sleep 0.5
check "the slow run is solving (its mesh written in its temporary directory)" \
  test -n "$(ls area/.out.vfe-tmp-*/mesh.msh 2>/dev/null)"

# ---- (b) a second run meanwhile is refused, the lock is beside the directory
check "the running case holds .out.vfe.lock beside out" bash -c '! flock -n area/.out.vfe.lock true'
"$vfe" run case.yaml -output_dir area/out >second.log 2>&1
rc=$?
check "a concurrent second run into area/out exits 3 (got $rc)" test "$rc" = 3
check "with one line naming the directory: $(grep -m1 'vfe: error' second.log | cut -c1-100)" \
  test "$(errlines second.log)" = 1 -a -n "$(grep "vfe: error: output directory 'area/out' is in use" second.log)"
check "the second run wrote nothing" test "$(ls -d area/.out.vfe-tmp-* | wc -l)" = 1

kill -9 $slowpid
wait $slowpid 2>/dev/null
check "after kill -9 during the solve: the same files, the same bytes" test "$(hashes area/out)" = "$before"
check "after kill -9: only a hidden temporary directory beside area/out ($(beside))" \
  test "$(beside)" = "$(cd area && ls -d .out.vfe-tmp-*) $listing"
"$vfe" run case.yaml -output_dir area/out -load_axial_N 800 >after.log 2>&1
rc=$?
check "the next run exits 0 (got $rc) and replaces the result" \
  test "$rc" = 0 -a "$(hashes area/out)" != "$before" -a -n "$(grep '"force_N": "800"' area/out/summary.json)"
check "the killed run's temporary directory is gone ($(beside))" test "$(beside)" = "$listing"
check "the new result has exactly the files of a run" \
  test "$(cd area/out && ls -A | tr '\n' ' ')" = "fields.hdf mesh.msh metrics.csv summary.json "

# ---- (c) long output paths
long=$(printf 'long%.0s' $(seq 4))/$(printf 'ooooooooo/%.0s' $(seq 21))ooooo
"${mpiexec[@]}" "$vfe" run case.yaml -output_dir "$long" >long.log 2>&1
rc=$?
check "an output path of ${#long} characters: exit $rc (want 0)" test "$rc" = 0 -a -s "$long/fields.hdf"
check "its summary.json names it" grep -q "\"mesh_file\": \"$long/mesh.msh\"" "$long/summary.json"
if [ "$pv" != none ]; then
  check "ParaView opens its fields.hdf" "$pv" "$here/pv_check.py" "$long/fields.hdf" --cell von_mises:1 --point displacement:3
else
  check "its fields.hdf is HDF5 (signature)" test "$(head -c 8 "$long/fields.hdf" | od -An -c | tr -d ' ')" = '211HDF\r\n032\n'
fi
huge=$(printf 'o%.0s' $(seq 250))
huge=$(printf "$huge/%.0s" $(seq 16))$huge
"$vfe" run case.yaml -output_dir "$huge" >huge.log 2>&1
rc=$?
check "an output path of ${#huge} characters: exit 3 (got $rc), one line naming it" \
  test "$rc" = 3 -a "$(errlines huge.log)" = 1 -a -n "$(grep "vfe: error: output directory 'ooo" huge.log)"

# ---- (d) full disk
before=$(hashes area/out) listing=$(beside)
# fsize LIMIT CMD...: CMD under a file size limit (SIGXFSZ ignored: writes fail with EFBIG instead);
# PMIx keeps its job data in memory, not in files the limit would cut
fsize() {
  PMIX_MCA_gds=hash python3 -c 'import resource, signal, subprocess, sys
n = int(sys.argv[1])
def lim():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (n, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
sys.exit(subprocess.run(sys.argv[2:], preexec_fn=lim).returncode % 256)' "$@"
}
cp area/out/mesh.msh given.msh
for t in "mesh.msh 50000" "fields.hdf 600000" "summary.json 4000 -mesh_file given.msh -vfe_write_fields false"; do
  set -- $t
  what=$1 lim=$2
  shift 2
  fsize "$lim" "$vfe" run case.yaml -output_dir area/out "$@" >full.log 2>&1
  rc=$?
  check "file size limit $lim, $what fails: exit 3 (got $rc), one line: $(grep -m1 'vfe: error' full.log | cut -c1-110)" \
    test "$rc" = 3 -a "$(errlines full.log)" = 1 \
    -a -n "$(grep "vfe: error: .*$what.*output directory 'area/out' left as it was" full.log)"
  check "file size limit $lim: the earlier result intact, nothing new beside it" \
    test "$(hashes area/out)" = "$before" -a "$(beside)" = "$listing"
done

# a real full disk: a tmpfs of 4 MB, filled up to leave room for the mesh but not the fields
if unshare -rm true 2>/dev/null; then
  mkdir -p disk
  unshare -rm bash -c '
    mount -t tmpfs -o size=4m tmpfs disk && cd disk && cp ../case.yaml . || exit 9
    "$0" run case.yaml -output_dir out >good.log 2>&1 || exit 8
    find out -type f | sort | xargs md5sum >before.md5
    avail=$(df -k . | awk "END { print \$4 }")
    dd if=/dev/zero of=filler bs=1k count=$((avail - 700)) status=none
    "$0" run case.yaml -output_dir out >full.log 2>&1
    echo "rc=$?" >result.txt
    md5sum --quiet -c before.md5 >>result.txt 2>&1 && echo intact >>result.txt
    ls -A | tr "\n" " " >>result.txt
    echo >>result.txt
    grep "vfe: error" full.log >>result.txt
    cp result.txt ..' "$vfe"
  rc=$?
  if [ "$rc" = 0 ]; then
    check "a full disk (tmpfs): exit 3, the earlier result intact, nothing beside it: $(tr '\n' ' ' <result.txt | cut -c1-200)" \
      test "$(sed -n 1p result.txt)" = rc=3 -a "$(sed -n 2p result.txt)" = intact \
      -a "$(sed -n 3p result.txt)" = ".out.vfe.lock before.md5 case.yaml filler full.log good.log out result.txt " \
      -a "$(grep -c 'vfe: error' result.txt)" = 1
  else
    bad "the tmpfs run did not complete (exit $rc)"
  fi
else
  echo "skipped: no tmpfs (unshare -rm not permitted); the file size limit checks above stand for a full disk"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
