#!/usr/bin/python3
"""Markdown section "P2 against FEniCSx on the peers' 312k-DOF mesh" from the results.jsonl
of `bench/run_bench.sh --order 2`.

    report_p2.py RESULTS.jsonl CMDLINE MATERIALS.json > report.md

Every ratio compares two runs of the same script invocation (vfe and FEniCSx one after the
other on the same mesh file and rank count), so machine load shifts both sides of it.  Targets
(solver issue, "Speed and memory"): P2 at most 40 CG iterations at rtol 1e-8; vfe's solver
set-up + solve at most 0.35x FEniCSx's on 1 and 2 ranks; P2 peak memory per dof at most 0.7x
FEniCSx's; P1 peak memory under 1.5 kB per dof; the 544k-tet P1 mesh loaded in at most 3 s.
"""
import glob
import json
import os
import subprocess
import sys

TARGET_ITS = 40
TARGET_SPEED = 0.35
TARGET_MEM = 0.7
TARGET_P1_MEM = 1500.0  # bytes per dof
TARGET_LOAD = 3.0       # s, P1 mesh load on 1 rank

res_path, cmdline, mat_path = sys.argv[1:]
R = [json.loads(line) for line in open(res_path) if line.strip()]
P = print


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def runs(kind, tag, np_=None, order=None, rep=None):
    return [r for r in R if r["kind"] == kind and r.get("tag") == tag and (np_ is None or r["np"] == np_)
            and (order is None or r.get("order") == order) and (rep is None or r.get("rep", 1) == rep)]


def one(kind, tag, np_=None, order=None, rep=None):
    rs = [r for r in runs(kind, tag, np_, order, rep) if "t" in r]
    return rs[0] if rs else None


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return None if not n else (xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2]))


def f(x, fmt="%.2f"):
    return "–" if x is None else fmt % x


def core(r):
    """solver set-up + solve"""
    return r["t"]["solver_setup"] + r["t"]["solve"]


def bpd(r):
    """peak RSS summed over ranks, bytes per dof"""
    return r["rss_kb"] * 1024.0 / r["dofs"] if r.get("rss_kb") else None


def its(r):
    """iterations, with the reason when the solver did not converge (PETSc: reason < 0)"""
    why = r.get("reason")
    bad = why is not None and (str(why).startswith("DIVERGED") or (isinstance(why, int) and why < 0))
    return "%d (%s)" % (r["its"], why) if bad else "%d" % r["its"]


def met(ok):
    return "**met**" if ok else "**not met**"


ranks = sorted({r["np"] for r in R if r["kind"] == "vfe" and r.get("tag") == "base"})
reps = sorted({r.get("rep", 1) for r in R if r["kind"] == "vfe" and r.get("tag") == "base"})
meshes = [r for r in R if r["kind"] == "mesh"]
p2mesh = [m for m in meshes if m.get("order") == 2]
mach = {r["when"]: r for r in R if r["kind"] == "machine"}
mats = json.load(open(mat_path))
incompressible = sorted(k for k, v in mats.items() if not k.startswith("_") and v["nu"] >= 0.45)

# vfe's version and git hash as run (the manifest of a run's summary.json)
vfe_ver = "?"
for sj in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(res_path)), "runs", "vfe_*", "summary.json"))):
    try:
        m = json.load(open(sj))["manifest"]
        vfe_ver = "%s (git %s, as run)" % (m.get("vfe_version", "?"), m.get("git_hash", "?"))
        break
    except (OSError, ValueError, KeyError):
        pass

P("## P2 against FEniCSx on the peers' 312k-DOF mesh\n")
P("Written by `bench/run_bench.sh --order 2` (tables from `bench/report_p2.py`, the discussion "
  "from `bench/performance_p2_discussion.md`).\n")
P("- command: `%s`" % cmdline)
P("- machine: %s cores (`nproc`), %s; **shared with two other engineers' jobs, so wall times are "
  "noisy**: every ratio below compares vfe and FEniCSx runs made one after the other in the same "
  "invocation; the 1-minute load average before each run is in the run table. Load average at "
  "the start / end of the invocation: %s / %s." % (
      sh("env -u OMP_NUM_THREADS nproc"),
      sh("lscpu | sed -n 's/^Model name: *//p' | head -n1") or "?",
      mach.get("start", {}).get("loadavg", "?"), mach.get("end", {}).get("loadavg", "?")))
P("- software: PETSc %s (Debian), dolfinx %s, Gmsh %s; vfe %s" % (
    sh("dpkg-query -W -f='${Version}' libpetsc-real3.18 2>/dev/null"),
    sh("/usr/bin/python3 -c 'import dolfinx; print(dolfinx.__version__)' 2>/dev/null"),
    sh("/usr/bin/python3 -c 'import gmsh; print(gmsh.__version__)' 2>/dev/null"),
    vfe_ver))
for m in p2mesh:
    P("- mesh: `make_mesh.py --h %g --order 2`: %d tets, %d nodes, %d dofs (10-node tets, curved "
      "on the CAD)" % (m["h"], m["tets"], m["nodes"], 3 * m["nodes"]))
for m in meshes:
    if m.get("order") == 1:
        P("- mesh-load run: `make_mesh.py --h %g --order 1`: %d tets, %d nodes, %d dofs" % (
            m["h"], m["tets"], m["nodes"], 3 * m["nodes"]))
P("- vfe: `vfe run plain.yaml -mesh_file spine_h2_p2.msh -dm_plex_gmsh_highorder false -mesh_order 2 "
  "-bc_fixed bottom -bc_load top -load_axial_N 800 -ksp_rtol 1e-8 -material_<group>_E/_nu ...` "
  "(materials from the peers' materials.json) with `-log_view`; defaults: B-bar where nu >= 0.45, "
  "CG + p-multigrid (P2 -> P1 -> GAMG). The rows `-vfe_formulation displacement` and "
  "`-vfe_pmg_mg_levels_ksp_max_it 1` add that option to these.")
P("- FEniCSx: `fenicsx_solve.py spine_h2_p2.msh` (P2 on the curved geometry, CG + GAMG with "
  "rigid-body modes, rtol 1e-8); `straight`: `fenicsx_solve.py spine_h2_p2_lin.msh --order 2`, the "
  "same vertices and tets with the midside nodes dropped, i.e. the straight-sided geometry that vfe "
  "solves.")
P("- set-up + solve: vfe `timings_s.solver_setup + solve` (summary.json), FEniCSx `solver_setup + "
  "solve` (slowest rank). Memory: peak RSS of each rank (GNU time), summed over ranks, per dof. "
  "Wall: the whole `mpiexec` command, from outside.\n")

P("### Runs\n")
P("| code | ranks | rep. | load avg | DOFs | its | mesh read (s) | assembly (s) | solver set-up (s) | solve (s) "
  "| set-up + solve (s) | total wall (s) | peak RSS, sum (MB) | B/DOF | vfe/FEniCSx set-up + solve "
  "| vfe/FEniCSx B/DOF |")
P("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
CONFIGS = [("vfe default (B-bar nu >= 0.45, p-MG)", "vfe", "base"),
           ("vfe `-vfe_formulation displacement`", "vfe", "disp"),
           ("vfe default, `-vfe_pmg_mg_levels_ksp_max_it 1`", "vfe", "pmg1"),
           ("FEniCSx P2 (curved)", "fx", "base")]
for np_ in ranks:
    for rp in reps:
        fx = one("fx", "base", np_, rep=rp)
        for name, kind, tag in CONFIGS:
            r = one(kind, tag, np_, 2 if kind == "vfe" else None, rp)
            if r is None:
                failed = runs(kind, tag, np_, rep=rp)
                if failed:
                    P("| %s | %d | %d | | failed (rc %d): %s |" % (name, np_, rp, failed[0]["rc"],
                                                                 failed[0].get("error", "")))
                continue
            t = r["t"]
            mread = t.get("mesh", t.get("mesh_read"))
            sr = mr = "–"
            if fx and r is not fx:
                sr = "**%.2f**" % (core(r) / core(fx))
                mr = "**%.2f**" % (bpd(r) / bpd(fx)) if bpd(r) and bpd(fx) else "–"
            elif r is fx:
                sr = mr = "1"
            P("| %s | %d | %d | %.1f | %d | %s | %s | %.2f | %.2f | %.2f | %.2f | %.1f | %.0f | %s | %s | %s |" % (
                name, np_, rp, r.get("load1_before", float("nan")), r["dofs"], its(r), f(mread), t["assembly"],
                t["solver_setup"], t["solve"], core(r), r["wall_s"], r["rss_kb"] / 1024.0, f(bpd(r), "%.0f"), sr, mr))
P()

P("### Answers\n")
P("u_z at the peers' three probes (mesh vertices on the axis at the top of each vertebra) and the "
  "bottom reaction. Regions with nu >= 0.45 in materials.json: %s, so vfe's default applies B-bar "
  "there, and FEniCSx solves plain P2. vfe's probes come from its fields.hdf.\n" % (
      ", ".join("%s (nu = %g)" % (k, mats[k]["nu"]) for k in incompressible) or "none"))
ref = one("fx", "base", ranks[-1] if ranks else None, rep=1)
refs = one("fx", "straight")
rows = [("FEniCSx P2, curved (reference)", ref),
        ("FEniCSx P2, straight-sided", refs)]
for np_ in ranks:
    rows.append(("vfe default (B-bar), %d rank%s" % (np_, "s" if np_ > 1 else ""), one("vfe", "base", np_, 2, 1)))
    rows.append(("vfe displacement, %d rank%s" % (np_, "s" if np_ > 1 else ""), one("vfe", "disp", np_, 2, 1)))
    rows.append(("vfe default, `-vfe_pmg_mg_levels_ksp_max_it 1`, %d rank%s" % (np_, "s" if np_ > 1 else ""),
                 one("vfe", "pmg1", np_, 2, 1)))
probes = ["vb_inf_top", "vb_mid_top", "vb_sup_top"]


def rel(a, b):
    return None if a is None or b is None or b == 0 else 100.0 * (a - b) / b


P("| run | u_z vb_inf_top (mm) | u_z vb_mid_top (mm) | u_z vb_sup_top (mm) | reaction z (N) "
  "| vb_sup_top vs FEniCSx curved | vb_sup_top vs FEniCSx straight | max over probes vs FEniCSx straight |")
P("| --- | --- | --- | --- | --- | --- | --- | --- |")
for name, r in rows:
    if r is None:
        continue
    pr = r.get("probes") or {}
    top = pr.get("vb_sup_top")
    d1 = rel(top, ref["probes"]["vb_sup_top"]) if ref else None
    d2 = rel(top, refs["probes"]["vb_sup_top"]) if refs else None
    dmax = None
    if refs and all(pr.get(k) is not None for k in probes):
        dmax = max(abs(rel(pr[k], refs["probes"][k])) for k in probes)
    P("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
        name, *(f(pr.get(k), "%.6f") for k in probes), f(r.get("reaction_z"), "%.4f"),
        f(d1, "%+.3f%%"), f(d2, "%+.4f%%"), f(dmax, "%.1e %%")))
P()

P("### Targets\n")
P("| target | measured | |")
P("| --- | --- | --- |")
def pairs(np_, tag="base"):
    """(vfe run TAG, FEniCSx) of each repetition where both converged"""
    out = []
    for rp in reps:
        v, fx = one("vfe", tag, np_, 2, rp), one("fx", "base", np_, rep=rp)
        if v and fx and not (fx.get("reason") is not None and fx["reason"] < 0):
            out.append((v, fx))
    return out


def listed(xs, fmt="%.2f"):
    """the values, and their median when there are several"""
    s = ", ".join(fmt % x for x in xs)
    return s if len(xs) < 2 else "%s (median %s)" % (s, fmt % median(xs))


for np_ in ranks:
    vs = [v for v in (one("vfe", "base", np_, 2, rp) for rp in reps) if v]
    if vs:
        ok = all(v["its"] <= TARGET_ITS and str(v.get("reason", "")).startswith("CONVERGED") for v in vs)
        P("| P2, %d DOF: <= %d CG iterations at rtol 1e-8, %d rank%s | %s (%s) | %s |" % (
            vs[0]["dofs"], TARGET_ITS, np_, "s" if np_ > 1 else "", listed([v["its"] for v in vs], "%d"),
            ", ".join(sorted({str(v.get("reason")) for v in vs})), met(ok)))
for np_ in ranks:
    pr = pairs(np_)
    if pr:
        xs = [core(v) / core(fx) for v, fx in pr]
        P("| vfe set-up + solve <= %.2fx FEniCSx's, %d rank%s | %s | %s |" % (
            TARGET_SPEED, np_, "s" if np_ > 1 else "",
            "; ".join("%.2f s / %.2f s = %.2f" % (core(v), core(fx), x) for (v, fx), x in zip(pr, xs))
            + ("" if len(xs) < 2 else "; median %.2f" % median(xs)), met(median(xs) <= TARGET_SPEED)))
    else:
        P("| vfe set-up + solve <= %.2fx FEniCSx's, %d rank%s | no pair where both converged | – |" % (
            TARGET_SPEED, np_, "s" if np_ > 1 else ""))
for np_ in ranks:
    pr = pairs(np_, "pmg1")
    if pr:
        xs = [core(v) / core(fx) for v, fx in pr]
        P("| (not the default) the same with `-vfe_pmg_mg_levels_ksp_max_it 1`, %d rank%s | %s its; ratio %s | "
          "would be %s |" % (np_, "s" if np_ > 1 else "", listed([v["its"] for v, _ in pr], "%d"), listed(xs),
                             "met" if median(xs) <= TARGET_SPEED else "not met"))
for np_ in ranks:
    pr = [(v, fx) for v, fx in pairs(np_) if bpd(v) and bpd(fx)]
    if pr:
        xs = [bpd(v) / bpd(fx) for v, fx in pr]
        P("| P2 peak memory per DOF <= %.1fx FEniCSx's, %d rank%s | %.0f B / %.0f B = %s | %s |" % (
            TARGET_MEM, np_, "s" if np_ > 1 else "", median([bpd(v) for v, _ in pr]),
            median([bpd(fx) for _, fx in pr]), listed(xs), met(median(xs) <= TARGET_MEM)))
for r in runs("vfe", "load"):
    if "t" in r and bpd(r):
        P("| P1 peak memory < %.1f kB/DOF (%d tets), %d rank%s | %.0f B/DOF | %s |" % (
            TARGET_P1_MEM / 1000, r["cells"], r["np"], "s" if r["np"] > 1 else "", bpd(r), met(bpd(r) < TARGET_P1_MEM)))
for r in runs("vfe", "load", 1):
    if "t" in r:
        P("| P1 mesh load <= %.0f s (%d tets), 1 rank | %.2f s | %s |" % (
            TARGET_LOAD, r["cells"], r["t"]["mesh"], met(r["t"]["mesh"] <= TARGET_LOAD)))
P()

loads = [r for r in runs("vfe", "load") if "t" in r]
if loads:
    P("### vfe's mesh load, P1 %d tets (`-log_view`, max over ranks, inclusive)\n" % loads[0]["cells"])
    P("vfe's `VfeMesh` event covers reading the file to the distributed, labelled DMPlex: vfe's own "
      "structure check of the MSH file on rank 0 (`VfeMshCheck`, no event of its own), PETSc's Gmsh "
      "reader `DMPlexCreateGmsh` on rank 0 (parsing, then `DMPlexInterpolate` to make faces and edges, "
      "and symmetrize/stratify), vfe's serial checks and labels (`VfeMeshSerialSetUp`) and "
      "`DMPlexDistribute`. Each time is the maximum over ranks: on 2 ranks it includes the time a rank "
      "waits inside the event for rank 0.\n")
    names = [("VfeMesh", "vfe mesh load (VfeMesh)"), ("DMPlexCreateGmsh", "DMPlexCreateGmsh (rank 0)"),
             ("DMPlexInterp", "  of which DMPlexInterpolate"), ("DMPlexSymmetrize", "DMPlexSymmetrize (all calls)"),
             ("DMPlexStratify", "DMPlexStratify (all calls)"), ("DMPlexDistribute", "DMPlexDistribute"),
             ("Mesh Partition", "  of which partitioning"), ("Mesh Migration", "  of which migration"),
             ("DMPlexDistCones", "  of which cones"), ("DMPlexDistLabels", "  of which labels")]
    P("| event | %s |" % " | ".join("%d rank%s" % (r["np"], "s" if r["np"] > 1 else "") for r in loads))
    P("| --- | %s |" % " | ".join("---" for _ in loads))
    for ev, label in names:
        vals = [r.get("events", {}).get(ev) for r in loads]
        if any(v is not None for v in vals):
            P("| %s | %s |" % (label, " | ".join(f(v) for v in vals)))
    rest = []
    for r in loads:
        e = r.get("events", {})
        if "VfeMesh" in e and "DMPlexCreateGmsh" in e:
            rest.append(e["VfeMesh"] - e["DMPlexCreateGmsh"] - e.get("DMPlexDistribute", 0.0))
        else:
            rest.append(None)
    P("| rest of VfeMesh: MSH check, serial checks and labels, DMSetFromOptions | %s |" % " | ".join(f(v) for v in rest))
    P("| peak RSS summed over ranks, B/DOF (%d DOF) | %s |" % (loads[0]["dofs"], " | ".join(f(bpd(r), "%.0f") for r in loads)))
    P("| whole run: its, set-up + solve (s), total (s) | %s |" % " | ".join(
        "%d, %.2f, %.2f" % (r["its"], core(r), r["t"]["total"]) for r in loads))
    P()

# where vfe's P2 time goes: the largest events of its -log_view (inclusive, max over ranks)
v2 = [(r, "%s, %d rank%s" % (r["tag"], r["np"], "s" if r["np"] > 1 else ""))
      for r in R if r["kind"] == "vfe" and r.get("order") == 2 and r.get("events") and "t" in r
      and r.get("rep", 1) == 1]
if v2:
    P("### Where vfe's P2 time goes (`-log_view`, seconds, inclusive, max over ranks, first repetition)\n")
    keep = ["VfeMesh", "VfeSetUp", "VfeAssembly", "MatSetPreallCOO", "MatSetValuesCOO", "VfeSolverSetUp",
            "PCSetUp", "PCSetUp_GAMG+", "PCGAMGCreateL", "MatPtAPSymbolic", "MatPtAPNumeric", "KSPSetUp",
            "VfeSolve", "KSPSolve", "PCApply", "MatMult", "MatResidual", "MatMultAdd", "MatMultTranspose",
            "VecAXPBYCZ", "VecPointwiseMult", "VfePostproc", "VfeOutput"]
    P("| event | %s |" % " | ".join(lbl for _, lbl in v2))
    P("| --- | %s |" % " | ".join("---" for _ in v2))
    for ev in keep:
        vals = [r["events"].get(ev) for r, _ in v2]
        if any(v is not None and v >= 0.01 for v in vals):
            P("| %s | %s |" % (ev, " | ".join(f(v) for v in vals)))
    P("| MatMult calls | %s |" % " | ".join(f(r.get("event_counts", {}).get("MatMult"), "%d") for r, _ in v2))
    P()
