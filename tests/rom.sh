#!/usr/bin/env bash
# Range of motion, disc load share and the follower load on the simple segment (5 mm, P1), issue 10:
#   - flexion (1 and 2 ranks) and extension: summary.json has `rom` (levels L1..L3, segments L1L2,
#     L2L3, total), metrics.csv has the rom columns with the same values, the log has the lines;
#   - flexion gives positive rotations about x, extension negative, both mainly about x;
#   - 1 and 2 ranks agree (1e-6 of the largest rotation);
#   - standing: each disc carries the axial load (share 1 within 1e-4, no posterior elements);
#   - standing with load_follower: equilibrium (reaction = F), disc forces equal the plain load's
#     within 1e-3 relative (the column is straight), and the path is recorded;
#   - with a region named <lvl>.posterior (the simple mesh's cement renamed) posterior_share is
#     reported as 1 - disc_share;
#   - a two-case sweep over load_case has the rom columns in sweep.csv.
# usage: rom.sh VFE WORKDIR MPIEXEC...
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
vfe=$1 work=$2
shift 2
mpiexec=("$@")
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
printf 'case_version: 1\nmesh: {geometry: simple}\n' > plain.yaml
"$vfe" mesh plain.yaml -mesh_size_mm 5 -output_dir mesh >/dev/null || { echo "FAILED: vfe mesh"; exit 1; }
# run OUT RANKS KEY VALUE ...
run() {
  local out=$1 n=$2 launch=()
  shift 2
  [ "$n" = 1 ] || launch=("${mpiexec[@]}" -n "$n")
  "${launch[@]}" "$vfe" run plain.yaml -mesh_file mesh/mesh.msh -output_dir "$out" -ksp_rtol 1e-10 -vfe_write_fields false \
    "$@" > "$out.log" 2>&1
}
check "flexion on 1 rank" run flex1 1 -load_case flexion
check "flexion on 2 ranks" run flex2 2 -load_case flexion
check "extension" run ext 1 -load_case extension
check "standing" run stand 1 -load_case standing
check "standing, follower load" run foll 1 -load_case standing -load_follower true
# the reporting path of posterior elements: the simple mesh with its cement region renamed L2.posterior
sed 's/"L2\.cement"/"L2.posterior"/' mesh/mesh.msh > posterior.msh
check "standing, a <lvl>.posterior region" "$vfe" run plain.yaml -mesh_file posterior.msh -output_dir post -load_case standing \
  -vfe_write_fields false > post.log 2>&1
check "log: posterior column named" grep -q "the rest through the posterior column" post.log
check "log: rotation line" grep -q "^vfe: rotation (deg; flexion +" flex1.log
check "log: range of motion line" grep -q "^vfe: range of motion (deg, upper relative to lower): L1L2 (" flex1.log
check "log: disc force line" grep -q "^vfe: disc axial force: L1L2 " flex1.log
check "log: follower path line" grep -q "^vfe: follower load 500 N along the path" foll.log

python3 - <<'PY' || fail=$((fail + 1))
import csv, json, sys
from checks import ok, failures
S = {k: json.load(open(f"{k}/summary.json")) for k in ("flex1", "flex2", "ext", "stand", "foll")}
rows = {k: next(csv.DictReader(open(f"{k}/metrics.csv"))) for k in S}
rom = S["flex1"].get("rom", {})
ok(sorted(rom.get("levels", {})) == ["L1", "L2", "L3"], "summary.json rom.levels: L1, L2, L3")
ok(sorted(rom.get("segments", {})) == ["L1L2", "L2L3"], "summary.json rom.segments: L1L2, L2L3")
ok(rom.get("total", {}).get("upper") == "L1" and rom["total"].get("lower") == "L3", "summary.json rom.total: L1 over L3")
# metrics.csv columns, equal to summary.json's numbers
cols = ["rot_L1_flexion_deg", "rot_L3_axial_deg", "rom_L1L2_flexion_deg", "rom_L2L3_lateral_deg", "rom_total_flexion_deg",
        "disc_force_L1L2_N", "disc_share_L2L3", "posterior_share_L1L2"]
ok(all(c in rows["flex1"] for c in cols), "metrics.csv has the rom and load-share columns")
ok(abs(float(rows["flex1"]["rom_L1L2_flexion_deg"]) - rom["segments"]["L1L2"]["rom_deg"][0]) < 1e-8,
   "metrics.csv rom_L1L2_flexion_deg = summary.json")
ok(abs(float(rows["flex1"]["rot_L1_flexion_deg"]) - rom["levels"]["L1"]["rotation_deg"][0]) < 1e-8,
   "metrics.csv rot_L1_flexion_deg = summary.json")
ok(rows["flex1"]["posterior_share_L1L2"] == "", "no posterior elements: posterior_share empty")
# signs
def segs(k):
    r = S[k]["rom"]
    return [r["segments"][s]["rom_deg"] for s in ("L1L2", "L2L3")] + [r["total"]["rom_deg"]]
f, e = segs("flex1"), segs("ext")
print("flexion ROM L1L2, L2L3, total (deg):", [round(x[0], 4) for x in f])
print("extension ROM L1L2, L2L3, total (deg):", [round(x[0], 4) for x in e])
ok(all(x[0] > 0.1 for x in f), "flexion: ROM about x positive in every segment")
ok(all(x[0] < -0.1 for x in e), "extension: ROM about x negative in every segment")
ok(all(abs(x[1]) < 0.05 * abs(x[0]) and abs(x[2]) < 0.05 * abs(x[0]) for x in f + e),
   "flexion and extension rotate mainly about x (y, z below 5 %)")
ok(S["flex1"]["rom"]["levels"]["L1"]["rotation_deg"][0] > S["flex1"]["rom"]["levels"]["L2"]["rotation_deg"][0] > 0,
   "flexion: L1 rotates more than L2")
# 1 and 2 ranks
a, b = S["flex1"]["rom"], S["flex2"]["rom"]
scale = max(abs(v) for l in a["levels"].values() for v in l["rotation_deg"])
worst = max(abs(a["levels"][l]["rotation_deg"][i] - b["levels"][l]["rotation_deg"][i]) for l in a["levels"] for i in range(3)) / scale
worst = max(worst, max(abs(a["segments"][s]["rom_deg"][i] - b["segments"][s]["rom_deg"][i]) for s in a["segments"] for i in range(3)) / scale)
fw = max(abs(a["segments"][s]["disc_axial_force_N"] - b["segments"][s]["disc_axial_force_N"]) for s in a["segments"]) / 500
ok(S["flex2"]["manifest"]["ranks"] == 2 and worst < 1e-6, f"1 and 2 ranks: rotations and ROM agree ({worst:.1e} of the largest)")
ok(fw < 1e-6, f"1 and 2 ranks: disc forces agree ({fw:.1e} of 500 N)")
# load share, plain and follower
for k in ("stand", "foll"):
    for s, v in S[k]["rom"]["segments"].items():
        print(f"{k} {s}: disc axial force {v['disc_axial_force_N']:.6f} N, share {v['disc_share']:.6f}, balance {v['interface_balance']:.1e}")
ok(all(abs(v["disc_share"] - 1) < 1e-4 for v in S["stand"]["rom"]["segments"].values()), "standing: each disc carries the axial load (share 1 within 1e-4)")
P = json.load(open("post/summary.json"))["rom"]["segments"]["L1L2"]
ok(P["posterior_share"] is not None and abs(P["disc_share"] + P["posterior_share"] - 1) < 1e-9 and abs(P["posterior_share"]) < 1e-4,
   f"with a posterior region: posterior_share = 1 - disc_share ({P['posterior_share']:.1e}: nothing bypasses the disc here)")
L = S["foll"]["load"]
ok(L["follower"] is True and [p["level"] for p in L["follower_path"]] == ["L1", "L2", "L3"], "follower: path L1, L2, L3 in summary.json")
R = L["reaction_force_N"]
ok(abs((R[0] ** 2 + R[1] ** 2 + R[2] ** 2) ** 0.5 - 500) < 1e-3 and L["equilibrium_force_error"] < 1e-6, f"follower: support reaction = F ({R})")
diff = max(abs(S["foll"]["rom"]["segments"][s]["disc_axial_force_N"] - S["stand"]["rom"]["segments"][s]["disc_axial_force_N"]) for s in ("L1L2", "L2L3")) / 500
ok(diff < 1e-3, f"straight column: follower and plain disc forces agree ({diff:.1e} relative)")
sys.exit(1 if failures() else 0)
PY

# the rom columns in a sweep's table
cat > study.yaml <<EOF
study_version: 1
base: plain.yaml
vary: {load_case: [flexion, extension]}
set: {mesh_file: $PWD/mesh/mesh.msh, baseline: false, vfe_write_fields: false}
output: {dir: sweep}
EOF
check "sweep over load_case" "$vfe" sweep study.yaml > sweep.log 2>&1
check "sweep.csv has rom_L1L2_flexion_deg" grep -q "rom_L1L2_flexion_deg" sweep/sweep.csv
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
