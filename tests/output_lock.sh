#!/usr/bin/env bash
# One run per output directory, and no write through a planted link (issue 8, B.1): while another
# process holds the directory's lock (.<dir>.vfe.lock beside it), vfe exits 3 with one line naming the
# directory and leaves the earlier result as it was; a run writes into a new directory of its own,
# so a symbolic link planted at a .part name in the output directory is never written through (it
# goes with the earlier tree, its target unchanged); a stale regular .part does not stop a run.
#   usage: output_lock.sh VFE WORKDIR
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
vfe=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
hashes() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 md5sum); }
printf 'case_version: 1\nmesh: {geometry: simple, size_mm: 8}\n' > case.yaml

"$vfe" mesh case.yaml -output_dir out >first.log 2>&1
check "first run into out exits 0 (got $?)" test -s out/mesh.json
before=$(hashes out)

# another process holds the lock (flock(1) takes the same flock(2) lock vfe takes)
# (one process: the subshell becomes the sleep, so killing it releases the lock)
(exec 9>>.out.vfe.lock && flock 9 && exec sleep 60) &
holder=$!
for _ in $(seq 50); do flock -n .out.vfe.lock true 2>/dev/null || break; sleep 0.1; done
"$vfe" mesh case.yaml -output_dir out >second.log 2>&1
rc=$?
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
check "a run into a directory in use exits 3 (got $rc)" test "$rc" = 3
check "one error line" test "$(grep -c 'vfe: error' second.log)" = 1
check "it names the directory: $(grep -m1 'vfe: error' second.log | cut -c1-120)" grep -q "vfe: error: output directory 'out' is in use" second.log
check "the earlier result is untouched" test "$(hashes out)" = "$before"
check "nothing meshed by the refused run" test -z "$(grep -i 'mesh checked' second.log)"
"$vfe" mesh case.yaml -output_dir out >third.log 2>&1
rc=$?
check "once released, a run into the directory exits 0 (got $rc)" test "$rc" = 0

# a link planted at a .part name of every writer (atomic files, Gmsh's mesh.msh, HDF5's mesh.hdf): the
# run writes into its own new directory, never through the link; the link goes with the earlier tree
for part in mesh.json.part mesh.msh.part.msh mesh.hdf.part; do
  d=out_${part//./_}
  mkdir -p $d && echo original > victim_$d.txt && ln -s ../victim_$d.txt $d/$part
  "$vfe" mesh case.yaml -output_dir $d >$d.log 2>&1
  rc=$?
  check "a planted link at $part: the run exits 0 (got $rc)" test "$rc" = 0
  check "a planted link at $part: its target is unchanged" test "$(cat victim_$d.txt)" = original
  check "a planted link at $part: the result is complete, the link gone with the earlier tree" \
    test -s $d/mesh.json -a -s $d/mesh.hdf -a -s $d/mesh.msh -a ! -L $d/$part
done
# a link planted at the lock file is not opened: exit 3 naming the directory, its target unchanged
echo original > victim_lock.txt && ln -s victim_lock.txt .outl.vfe.lock
"$vfe" mesh case.yaml -output_dir outl >lockl.log 2>&1
rc=$?
check "a planted link at the lock file: exit 3 (got $rc), one line naming outl" \
  test "$rc" = 3 -a "$(grep -c 'vfe: error' lockl.log)" = 1 -a -n "$(grep "vfe: error: output directory 'outl'" lockl.log)"
check "a planted link at the lock file: its target is unchanged, nothing written" \
  test "$(cat victim_lock.txt)" = original -a ! -e outl

# a stale regular .part (from a killed run) is replaced
mkdir -p out3 && echo "stale junk" > out3/mesh.json.part
"$vfe" mesh case.yaml -output_dir out3 >stale.log 2>&1
check "a stale regular .part does not stop the run (exit $?)" test -s out3/mesh.json
check "mesh.json is the new one" test -z "$(grep 'stale junk' out3/mesh.json)"
check "no .part left" test -z "$(find out3 -name '*.part*')"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
