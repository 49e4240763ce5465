/*
 * run.c - one case, from the options database to the files in its output directory.
 *
 *   mesh       from -mesh_file, or built from the case keys (mesh/segment.c, or the simple geometry)
 *   materials  per region from the material library and the material_* keys; a fractured level
 *   solve      the case, and with -baseline the intact segment (cement -> the level's cancellous bone)
 *   post       region statistics, risk indices, fields.hdf, metrics.csv, summary.json (written last)
 *
 * Outputs are written under temporary names and renamed when complete; summary.json is written
 * last, so its presence marks a finished case.
 */
#include "vfeapp.h"
#include "vfepost.h"
#include "vfeoutput.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static PetscErrorCode VfeMkdirP(MPI_Comm comm, const char *dir)
{
  PetscMPIInt rank;
  int err = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    char tmp[PETSC_MAX_PATH_LEN];
    PetscCall(PetscStrncpy(tmp, dir, sizeof tmp));
    for (char *p = tmp + 1; *p && !err; ++p)
      if (*p == '/') {
        *p = 0;
        if (mkdir(tmp, 0777) && errno != EEXIST) err = errno;
        *p = '/';
      }
    if (!err && mkdir(tmp, 0777) && errno != EEXIST) err = errno;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "output_dir '%s' cannot be created: %s", dir, strerror(err));
  PetscFunctionReturn(0);
}

static PetscReal VfeEventTime(MPI_Comm comm, PetscLogEvent ev)
{
  PetscEventPerfInfo info;
  PetscReal t = 0, tmax = 0;
  if (!PetscLogEventGetPerfInfo(0, ev, &info)) t = info.time;
  MPI_Allreduce(&t, &tmax, 1, MPIU_REAL, MPIU_MAX, comm);
  return tmax;
}

/* Mesh from the case keys: the anatomical segment (mesh/segment.c) or, with mesh_geometry simple,
 * the three-cylinder benchmark segment of the peers.  Gmsh runs on rank 0 only. */
static PetscErrorCode VfeBuildSegmentMesh(MPI_Comm comm, const char *meshfile, VfeSegmentReport *rep)
{
  char geom[32] = "segment";
  PetscMPIInt rank;
  PetscReal h = 1.5;
  int err     = 0;

  PetscFunctionBeginUser;
  *rep = NULL;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh_geometry", geom, sizeof geom, NULL));
  PetscCheck(!strcmp(geom, "simple") || !strcmp(geom, "segment"), comm, PETSC_ERR_USER_INPUT,
             "mesh_geometry: unknown value '%s' (allowed: segment, simple)", geom);
  if (!strcmp(geom, "segment")) {
    PetscCall(VfeSegmentMesh(comm, meshfile, rep));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-mesh_size_mm", &h, NULL));
  PetscCheck(h > 0, comm, PETSC_ERR_USER_INPUT, "mesh_size_mm = %g must be > 0", (double)h);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) err = VfeShapeSimpleSegment(meshfile, h);
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, err, "%s", rank ? "meshing failed on rank 0" : "meshing failed");
  PetscFunctionReturn(0);
}

static PetscInt rec_fractured_region = -1;

/* A fractured, untreated (or not yet treated) vertebra: -fracture_cancellous_factor f scales the
 * cancellous modulus and strength of the treated level by f (0 < f <= 1).  Returns the intact E
 * (0 when no factor is set) so the baseline can restore it. */
static PetscErrorCode VfeFracturedLevel(const VfeMeshInfo *info, VfeSegmentReport seg, VfeMaterial *mats,
                                        PetscReal *intactE)
{
  PetscReal f = 1;
  PetscBool set;
  char lvl[32] = "", name[VFE_NAME_LEN];

  PetscFunctionBeginUser;
  *intactE             = 0;
  rec_fractured_region = -1;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-fracture_cancellous_factor", &f, &set));
  if (!set) PetscFunctionReturn(0);
  PetscCheck(f > 0 && f <= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "fracture_cancellous_factor = %g must lie in (0, 1]", (double)f);
  if (seg && seg->treated[0])
    PetscCall(PetscStrncpy(lvl, seg->treated, sizeof lvl));
  else
    PetscCall(PetscOptionsGetString(NULL, NULL, "-segment_treated", lvl, sizeof lvl, NULL));
  PetscCheck(lvl[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "fracture_cancellous_factor: set segment_treated to the fractured level");
  if (strchr(lvl, ',')) *strchr(lvl, ',') = 0;
  PetscCall(PetscSNPrintf(name, sizeof name, "%s.cancellous", lvl));
  rec_fractured_region = VfeMeshInfoFindRegion(info, name);
  if (rec_fractured_region < 0) { /* a homogenised body (simple geometry) */
    PetscCall(PetscSNPrintf(name, sizeof name, "%s.body", lvl));
    rec_fractured_region = VfeMeshInfoFindRegion(info, name);
  }
  PetscCheck(rec_fractured_region >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "fracture_cancellous_factor: the mesh has no region '%s' (set segment_treated to the fractured level)",
             name);
  *intactE = mats[rec_fractured_region].E;
  mats[rec_fractured_region].E *= f;
  mats[rec_fractured_region].strength *= f;
  PetscFunctionReturn(0);
}

/* Material of the intact baseline: cement regions become the cancellous bone of their level. */
static PetscErrorCode VfeBaselineMaterials(const VfeMeshInfo *info, const VfeMaterial *mats, VfeMaterial *base)
{
  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < info->nregions; ++r) {
    const char *name = info->regions[r].name, *dot = strrchr(name, '.');
    base[r] = mats[r];
    if (dot && !strncmp(dot + 1, "cement", 6)) {
      char bone[VFE_NAME_LEN];
      PetscInt b;
      PetscCall(PetscSNPrintf(bone, sizeof bone, "%.*s.cancellous", (int)(dot - name), name));
      b = VfeMeshInfoFindRegion(info, bone);
      if (b < 0) {
        PetscCall(PetscSNPrintf(bone, sizeof bone, "%.*s.body", (int)(dot - name), name));
        b = VfeMeshInfoFindRegion(info, bone);
      }
      PetscCheck(b >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "baseline: no bone region next to '%s' to replace the cement with", name);
      base[r] = mats[b];
    }
  }
  PetscFunctionReturn(0);
}

/* Solve one load case with the given materials; statistics, indices, plate displacement. */
static PetscErrorCode VfeSolveCase(VfeSpace sp, const VfeMeshInfo *info, const VfeMaterial *mats, PetscInt sfix,
                                   PetscInt sload, VfeLoad *load, VfeRunRecord *rec, PetscBool baseline, Vec *ulocal,
                                   VfeCellFields *cf)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)sp->dm);
  VfeProblem prob;
  Vec u, ul, fl, ones;
  VfeRegionStats *stats;
  PetscReal *ys, usum[3], cnt[3];

  PetscFunctionBeginUser;
  PetscCall(VfeProblemCreate(sp, info->nregions, &prob));
  for (PetscInt r = 0; r < info->nregions; ++r) PetscCall(VfeProblemSetMaterial(prob, r, mats[r].E, mats[r].nu));
  PetscCall(VfeProblemSetFromOptions(prob));
  PetscCall(VfeProblemAddDirichlet(prob, sfix, NULL, NULL, NULL));
  PetscCall(VfeProblemAddTraction(prob, sload, VfeLoadTraction, load));
  PetscCall(VfeProblemAssemble(prob));
  PetscCall(VfeSpaceCreateGlobalVector(sp, &u));
  PetscCall(VfeProblemSolve(prob, u));
  PetscCall(PetscPrintf(comm, "vfe: %ssolver converged (%s) in %" PetscInt_FMT " CG iterations, residual norm %.3e\n",
                        baseline ? "baseline " : "", KSPConvergedReasons[prob->reason], prob->its,
                        (double)prob->rnorm));
  PetscCall(PetscLogEventBegin(VfeEv.post, 0, 0, 0, 0));
  PetscCall(VfeSpaceCreateLocalVector(sp, &ul));
  PetscCall(VfeSpaceGlobalToLocal(sp, u, ul));
  PetscCall(VecDuplicate(ul, &ones));
  PetscCall(VecSet(ones, 1.0));
  PetscCall(VfeSpaceSurfaceSum(sp, sload, ul, usum));
  PetscCall(VfeSpaceSurfaceSum(sp, sload, ones, cnt));
  PetscCall(VecDestroy(&ones));
  if (!baseline) {
    /* equilibrium check: applied load and reaction (internal force K u at the fixed nodes) */
    PetscCall(VfeSpaceCreateLocalVector(sp, &fl));
    PetscCall(VfeSpaceGlobalToLocal(sp, prob->f, fl));
    PetscCall(VfeSpaceResultant(sp, -1, fl, load->c, rec->Fapp, rec->Mapp));
    PetscCall(VfeProblemInternalForce(prob, ul, fl));
    PetscCall(VfeSpaceResultant(sp, sfix, fl, load->c, rec->Freac, rec->Mreac));
    /* K u = f + R: at the fixed nodes (no load there) K u is the support reaction R on the segment */
    PetscCall(VecDestroy(&fl));
    rec->plate_uz  = usum[2] / cnt[2];
    rec->stiffness = rec->plate_uz != 0 ? load->force / PetscAbsReal(rec->plate_uz) : 0;
    rec->its       = prob->its;
    rec->reason    = KSPConvergedReasons[prob->reason];
    rec->rnorm     = prob->rnorm;
  } else {
    rec->base_plate_uz  = usum[2] / cnt[2];
    rec->base_stiffness = rec->base_plate_uz != 0 ? load->force / PetscAbsReal(rec->base_plate_uz) : 0;
    rec->base_its       = prob->its;
  }
  PetscCall(VfeComputeCellFields(prob, ul, cf));
  PetscCall(PetscMalloc1(info->nregions, &stats));
  PetscCall(PetscMalloc1(info->nregions, &ys));
  for (PetscInt r = 0; r < info->nregions; ++r) ys[r] = mats[r].yield_strain;
  PetscCall(VfeRegionStatistics(sp, cf, info->nregions, ys, stats));
  PetscCall(PetscFree(ys));
  if (baseline) {
    rec->base_stats = stats;
    PetscCall(VfeComputeIndices(info, mats, stats, &rec->base_ix));
  } else {
    rec->stats = stats;
    PetscCall(VfeComputeIndices(info, mats, stats, &rec->ix));
  }
  PetscCall(PetscLogEventEnd(VfeEv.post, 0, 0, 0, 0));
  PetscCall(VecDestroy(&u));
  PetscCall(VfeProblemDestroy(&prob));
  *ulocal = ul;
  PetscFunctionReturn(0);
}

/* One case from the current options database, writing into outdir (NULL: -output_dir); mesh_only:
 * stop after the mesh checks and write the mesh outputs. */
static PetscErrorCode VfeRunCaseInternal(MPI_Comm comm, const char *casefile, const char *outdir_in, PetscBool mesh_only)
{
  char outdir[PETSC_MAX_PATH_LEN] = "out/default", meshfile[PETSC_MAX_PATH_LEN] = "",
       fixed[VFE_NAME_LEN] = "fixed_bottom", load[VFE_NAME_LEN] = "load_top", path[PETSC_MAX_PATH_LEN];
  PetscBool set, writefields = PETSC_TRUE, baseline = PETSC_FALSE;
  PetscInt order = 1, nmat = 0, sfix, sload;
  char **matkeys = NULL;
  DM dm;
  VfeMeshInfo info;
  VfeMaterial *mats, *bmats = NULL;
  VfeSpace sp;
  Vec ul, bul;
  VfeRunRecord rec;
  VfeCellFields cf, bcf;
  PetscLogDouble t0, t1;
  const char **names;
  PetscReal intact_cancellous_E = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscMemzero(&rec, sizeof rec));
  PetscCallMPI(MPI_Comm_size(comm, &rec.size));
  PetscCall(VfeRegisterEvents());
  PetscCall(VfeCheckKeys(comm, &nmat, &matkeys));
  if (outdir_in)
    PetscCall(PetscStrncpy(outdir, outdir_in, sizeof outdir));
  else
    PetscCall(PetscOptionsGetString(NULL, NULL, "-output_dir", outdir, sizeof outdir, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh_file", meshfile, sizeof meshfile, &set));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-mesh_order", &order, NULL));
  PetscCheck(order == 1 || order == 2, comm, PETSC_ERR_USER_INPUT,
             "mesh_order = %" PetscInt_FMT ": allowed values are 1 and 2", order);
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bc_fixed", fixed, sizeof fixed, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bc_load", load, sizeof load, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-vfe_write_fields", &writefields, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-baseline", &baseline, NULL));
  PetscCall(PetscStrncpy(rec.cement_material, "pmma", sizeof rec.cement_material));
  PetscCall(
      PetscOptionsGetString(NULL, NULL, "-cement_material", rec.cement_material, sizeof rec.cement_material, NULL));
  PetscCall(PetscStrncpy(rec.bone_density, "normal", sizeof rec.bone_density));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bone_density", rec.bone_density, sizeof rec.bone_density, NULL));
  PetscCall(VfeLoadFromOptions(comm, &rec.load));
  PetscCall(VfeMkdirP(comm, outdir));

  /* mesh: from a file, or built from the case keys */
  PetscCall(PetscLogEventBegin(VfeEv.mesh, 0, 0, 0, 0));
  if (!meshfile[0]) {
    PetscCall(PetscSNPrintf(meshfile, sizeof meshfile, "%s/mesh.msh", outdir));
    PetscCall(VfeBuildSegmentMesh(comm, meshfile, &rec.seg));
    if (rec.seg) PetscCall(VfeSegmentReportView(rec.seg, PETSC_VIEWER_STDOUT_(comm)));
  }
  PetscCall(VfeMeshLoad(comm, meshfile, &dm, &info));
  PetscCall(DMSetFromOptions(dm));
  PetscCall(PetscLogEventEnd(VfeEv.mesh, 0, 0, 0, 0));
  {
    PetscInt cStart, cEnd, nc;
    PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
    nc = cEnd - cStart;
    PetscCallMPI(MPI_Allreduce(&nc, &rec.ncells, 1, MPIU_INT, MPI_SUM, comm));
  }
  PetscCall(PetscPrintf(
      comm, "vfe: mesh %s: %" PetscInt_FMT " tetrahedra, %" PetscInt_FMT " regions, %" PetscInt_FMT " boundaries\n",
      meshfile, rec.ncells, info.nregions, info.nsurfaces));

  /* materials */
  PetscCall(PetscMalloc1(info.nregions, &mats));
  PetscCall(PetscMalloc1(info.nregions, &names));
  for (PetscInt r = 0; r < info.nregions; ++r) names[r] = info.regions[r].name;
  for (PetscInt k = 0; k < nmat; ++k) PetscCall(VfeMaterialsCheckKey(matkeys[k], info.nregions, names));
  PetscCall(VfeMaterialsResolve(info.nregions, names, mats));
  PetscCall(PetscFree(names));
  PetscCall(VfeFracturedLevel(&info, rec.seg, mats, &intact_cancellous_E));
  for (PetscInt k = 0; k < nmat; ++k) PetscCall(PetscFree(matkeys[k]));
  PetscCall(PetscFree(matkeys));
  if (order == 1)
    for (PetscInt r = 0; r < info.nregions; ++r)
      if (mats[r].nu >= 0.49)
        PetscCall(PetscPrintf(comm,
                              "vfe: warning: region %s has nu = %g: P1 tetrahedra lock for nearly incompressible "
                              "material; use mesh_order 2 "
                              "for locking-free results there\n",
                              info.regions[r].name, (double)mats[r].nu));

  sfix  = VfeMeshInfoFindSurface(&info, fixed);
  sload = VfeMeshInfoFindSurface(&info, load);
  PetscCheck(sfix >= 0, comm, PETSC_ERR_USER_INPUT, "bc_fixed = '%s' matches no boundary surface of the mesh", fixed);
  PetscCheck(sload >= 0, comm, PETSC_ERR_USER_INPUT, "bc_load = '%s' matches no boundary surface of the mesh", load);
  if (mesh_only) {
    PetscCall(PetscPrintf(comm, "vfe: mesh checked: %" PetscInt_FMT " regions:", info.nregions));
    for (PetscInt r = 0; r < info.nregions; ++r) PetscCall(PetscPrintf(comm, " %s", info.regions[r].name));
    PetscCall(PetscPrintf(comm, "\n"));
    PetscCall(VfeSpaceCreate(dm, 1, &sp));
    PetscCall(VfeWriteMeshOutputs(comm, outdir, sp, &info, rec.seg, meshfile));
    PetscCall(VfeSpaceDestroy(&sp));
    PetscCall(
        PetscPrintf(comm, "vfe: wrote %s/mesh.hdf (ParaView, cell data region) and %s/mesh.json\n", outdir, outdir));
    PetscCall(DMDestroy(&dm));
    PetscCall(VfeMeshInfoDestroy(&info));
    PetscCall(PetscFree(mats));
    if (rec.seg) PetscCall(VfeSegmentReportDestroy(&rec.seg));
    PetscFunctionReturn(0);
  }

  /* discretisation, loads, solve(s) */
  PetscCall(PetscLogEventBegin(VfeEv.setup, 0, 0, 0, 0));
  PetscCall(VfeSpaceCreate(dm, order, &sp));
  PetscCall(VfeLoadSetUp(sp, sload, &rec.load));
  PetscCall(PetscLogEventEnd(VfeEv.setup, 0, 0, 0, 0));
  rec.ndofs = 3 * sp->nglobal;
  rec.order = order;
  PetscCall(PetscPrintf(
      comm, "vfe: P%" PetscInt_FMT ", %" PetscInt_FMT " dofs on %d ranks; load %s: %.6g N axial, %.6g N m %s\n", order,
      rec.ndofs, rec.size, rec.load.preset, (double)rec.load.force, (double)(rec.load.moment / 1000), rec.load.mode));
  PetscCall(VfeSolveCase(sp, &info, mats, sfix, sload, &rec.load, &rec, PETSC_FALSE, &ul, &cf));
  PetscCall(PetscPrintf(
      comm,
      "vfe: applied force (%.4g, %.4g, %.4g) N, reaction (%.4g, %.4g, %.4g) N; applied moment (%.4g, %.4g, %.4g) N mm, "
      "reaction (%.4g, %.4g, %.4g) N mm\n",
      (double)rec.Fapp[0], (double)rec.Fapp[1], (double)rec.Fapp[2], (double)rec.Freac[0], (double)rec.Freac[1],
      (double)rec.Freac[2], (double)rec.Mapp[0], (double)rec.Mapp[1], (double)rec.Mapp[2], (double)rec.Mreac[0],
      (double)rec.Mreac[1], (double)rec.Mreac[2]));
  PetscCall(PetscPrintf(comm, "vfe: load-plate displacement %.6g mm, segment stiffness %.6g N/mm\n",
                        (double)rec.plate_uz, (double)rec.stiffness));
  if (baseline) {
    PetscCall(PetscMalloc1(info.nregions, &bmats));
    PetscCall(VfeBaselineMaterials(&info, mats, bmats));
    if (intact_cancellous_E > 0) /* the intact baseline has no fracture: restore the treated level's bone */
      for (PetscInt r = 0; r < info.nregions; ++r)
        if (bmats[r].E == mats[r].E && !strcmp(mats[r].name, "cancellous") && r == rec_fractured_region)
          bmats[r].E = intact_cancellous_E;
    PetscCall(VfeSolveCase(sp, &info, bmats, sfix, sload, &rec.load, &rec, PETSC_TRUE, &bul, &bcf));
    PetscCall(VecDestroy(&bul));
    PetscCall(VfeCellFieldsDestroy(&bcf));
  }
  if (rec.ix.treated[0])
    PetscCall(PetscPrintf(comm,
                          "vfe: treated %s: factor of risk %.3g; adjacent endplates (%s inferior, %s superior): von "
                          "Mises mean %.4g, %.4g MPa\n",
                          rec.ix.treated, (double)rec.ix.treated_risk, rec.ix.above, rec.ix.below,
                          (double)rec.ix.adj_above_vm_mean, (double)rec.ix.adj_below_vm_mean));
  if (baseline && rec.ix.treated[0])
    PetscCall(PetscPrintf(comm,
                          "vfe: relative to the intact baseline: stiffness %.3g, treated risk %.3g, adjacent risk %.3g "
                          "(above), %.3g (below)\n",
                          (double)(rec.stiffness / rec.base_stiffness),
                          (double)(rec.ix.treated_risk / rec.base_ix.treated_risk),
                          (double)(rec.ix.adj_above_risk / rec.base_ix.adj_above_risk),
                          (double)(rec.ix.adj_below_risk / rec.base_ix.adj_below_risk)));

  PetscCall(PetscLogEventBegin(VfeEv.output, 0, 0, 0, 0));
  if (writefields) {
    PetscCall(PetscSNPrintf(path, sizeof path, "%s/fields.hdf", outdir));
    PetscCall(VfeWriteFields(comm, path, sp, ul, &cf, &info, &rec.ix));
  }
  PetscCall(PetscLogEventEnd(VfeEv.output, 0, 0, 0, 0));
  PetscCall(PetscTime(&t1));
  rec.casefile = casefile, rec.meshfile = meshfile, rec.outdir = outdir, rec.info = &info, rec.mats = mats;
  rec.t_mesh = VfeEventTime(comm, VfeEv.mesh), rec.t_setup = VfeEventTime(comm, VfeEv.setup);
  rec.t_asm = VfeEventTime(comm, VfeEv.assembly), rec.t_pc = VfeEventTime(comm, VfeEv.pcsetup);
  rec.t_solve = VfeEventTime(comm, VfeEv.solve), rec.t_post = VfeEventTime(comm, VfeEv.post);
  rec.t_out = VfeEventTime(comm, VfeEv.output), rec.t_total = (PetscReal)(t1 - t0);
  PetscCall(VfeWriteRunOutputs(comm, &rec));
  PetscCall(PetscPrintf(
      comm,
      "vfe: wrote %s/summary.json%s (mesh %.2f s, assembly %.2f s, solver set-up %.2f s, solve %.2f s, total %.2f s)\n",
      outdir, writefields ? " and fields.hdf" : "", (double)rec.t_mesh, (double)rec.t_asm, (double)rec.t_pc,
      (double)rec.t_solve, (double)rec.t_total));
  PetscCall(VfeCellFieldsDestroy(&cf));
  PetscCall(PetscFree(rec.stats));
  PetscCall(PetscFree(rec.base_stats));
  PetscCall(PetscFree(bmats));
  if (rec.seg) PetscCall(VfeSegmentReportDestroy(&rec.seg));
  PetscCall(VecDestroy(&ul));
  PetscCall(VfeSpaceDestroy(&sp));
  PetscCall(DMDestroy(&dm));
  PetscCall(VfeMeshInfoDestroy(&info));
  PetscCall(PetscFree(mats));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeRunCase(MPI_Comm comm, const char *casefile, const char *outdir)
{
  PetscFunctionBeginUser;
  PetscCall(VfeRunCaseInternal(comm, casefile, outdir, PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMeshCase(MPI_Comm comm, const char *casefile, const char *outdir)
{
  PetscFunctionBeginUser;
  PetscCall(VfeRunCaseInternal(comm, casefile, outdir, PETSC_TRUE));
  PetscFunctionReturn(0);
}
