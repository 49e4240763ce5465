#!/usr/bin/env bash
# segment_posterior_elements when a case leaves it unset (the parametric segment, issue 10):
#   - on under a moment (flexion), off under a compressive load alone (standing); a case's own value wins;
#   - the log says which and why; summary.json `segment.posterior_elements` and `posterior_elements_default`;
#   - a sweep with one moment case puts them in every case that leaves the key unset (one model, one mesh:
#     the second case reuses the first's mesh);
#   - a mesh read from a file gets no default (the key does not apply).
# (the other branches of the choice, the wedge fracture among them: tests/test_keys.c)
# usage: posterior_default.sh VFE WORKDIR
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
vfe=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
printf 'case_version: 1\nsegment: {levels: L1-L2, treated: L1}\ncement: {pattern: none}\nmesh: {size_mm: 6, order: 1}\nbaseline: false\nvfe_write_fields: false\n' > seg.yaml

check "standing run" "$vfe" run seg.yaml -load_case standing -output_dir stand > stand.log 2>&1
check "standing: the log says off and why" grep -q "^vfe: posterior elements, facet joints and ligaments off by default: no moment" stand.log
check "flexion run" "$vfe" run seg.yaml -load_case flexion -output_dir flex > flex.log 2>&1
check "flexion: the log says on and why" grep -q "^vfe: posterior elements, facet joints and ligaments on by default: the load has a 7.5 N m moment" flex.log
check "flexion, the case sets false: meshes" "$vfe" mesh seg.yaml -load_case flexion -segment_posterior_elements false -output_dir flexoff > flexoff.log 2>&1
check "flexion, the case sets false: no posterior elements" bash -c "! grep -q '\"L1.posterior\"' flexoff/mesh.json"
check "the case sets it: no default line" bash -c "! grep -q 'by default' flexoff.log"
check "a run on a mesh file gets no default" bash -c \
  "'$vfe' run seg.yaml -mesh_file stand/mesh.msh -load_case flexion -output_dir runfile > runfile.log 2>&1 && ! grep -q 'by default' runfile.log"

# a sweep over standing and flexion: one model and one mesh
printf 'study_version: 1\nbase: seg.yaml\nvary: {load_case: [standing, flexion]}\noutput: {dir: sweep}\n' > study.yaml
check "sweep over standing and flexion" "$vfe" sweep study.yaml > sweep.log 2>&1
check "sweep: the log says why" grep -q "^sweep: posterior elements on by default in every case that does not set them (case load_case=flexion of the study" sweep.log
check "sweep: the flexion case reuses the standing case's mesh" grep -q "same geometry keys as the previous case" sweep.log

python3 - <<'PY'
import glob, json, sys
from checks import ok, failures

def summary(path):
    return json.load(open(path))

s = summary("stand/summary.json")["segment"]
ok(s["posterior_elements"] is False and s["posterior_elements_default"].startswith("off: no moment")
   and "L1.posterior" not in s["regions"],
   "standing: no posterior elements, default 'off: no moment' (%r)" % s["posterior_elements_default"])
f = summary("flex/summary.json")
s = f["segment"]
ok(s["posterior_elements"] is True and s["posterior_elements_default"].startswith("on: the load has a 7.5 N m moment"),
   "flexion: posterior_elements true, default 'on: the load has a moment' (%r)" % s["posterior_elements_default"])
st = f.get("structures", {})
ok(len(st.get("ligaments", {})) == 9 and len(st.get("facet_joints", {})) >= 2 and "L1.posterior" in s["regions"],
   "flexion: L1's posterior elements, the nine ligaments and the facet joints of L1L2")
ok(summary("runfile/summary.json").get("segment") is None, "a run on a mesh file has no segment report")
cases = sorted(glob.glob("sweep/cases/*/summary.json"))
ok(len(cases) == 2, "sweep: two cases (%d)" % len(cases))
for c in cases:
    s = summary(c)["segment"]
    ok(s["posterior_elements"] is True and "of the study" in (s["posterior_elements_default"] or ""),
       "sweep %s: posterior elements by the study's default (%r)" % (c.split("/")[2], s["posterior_elements_default"]))
sys.exit(1 if failures() else 0)
PY
[ $? = 0 ] && ok "summary checks" || bad "summary checks"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
