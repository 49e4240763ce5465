/*
 * run.c - one case, from the options database to the files in its output directory.
 *
 *   mesh       from -mesh_file, or built from the case keys (mesh/segment.c, or the simple geometry)
 *   materials  per region from the material library and the material_* keys; a fractured level
 *   solve      the case, and with -baseline the intact segment (cement -> the level's cancellous bone)
 *   post       region statistics, risk indices, fields.hdf, metrics.csv, summary.json (written last)
 *
 * The output directory is one transaction (util/file.c, VfeDirTxn*): every file is written into a
 * new temporary directory beside it (each file there under a temporary name, renamed when complete,
 * summary.json last), and that directory replaces the output directory only when the case has
 * finished; a failed or killed run leaves the earlier result exactly as it was.  Messages and records
 * (summary.json, mesh.json, metrics.csv) name the output directory, never the temporary one.  The
 * run holds the directory's lock (<parent>/.<name>.vfe.lock, flock on rank 0): a second run into it
 * exits 3 naming the directory.
 */
#include "vfeapp.h"
#include "vfempi.h"
#include "vfepost.h"
#include "vfeoutput.h"
#include "vferegion.h"
#include "vfefile.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* This process's time in event ev so far (PETSc's event times add up over the process). */
static PetscReal VfeEventLocalTime(PetscLogEvent ev)
{
  PetscEventPerfInfo info;
  return PetscLogEventGetPerfInfo(0, ev, &info) ? 0 : (PetscReal)info.time;
}

/* The time spent in ev since t0 (this process's VfeEventLocalTime at the case's start; a sweep runs
 * many cases in one process), the maximum over the ranks. */
static PetscReal VfeEventTime(MPI_Comm comm, PetscLogEvent ev, PetscReal t0)
{
  PetscReal t = VfeEventLocalTime(ev) - t0, tmax = 0;
  MPI_Allreduce(&t, &tmax, 1, MPIU_REAL, MPIU_MAX, comm);
  return tmax;
}

/* Mesh from the case keys: the anatomical segment (mesh/segment.c), with mesh_geometry simple the
 * three-cylinder benchmark segment of the peers, with mesh_geometry ct a vertebra from a CT label image
 * (mesh/ctmesh.c), with mesh_geometry surfaces a segment from STL bodies and hexahedral discs (mesh/surfmesh.c,
 * reported as a segment).  Gmsh (and CGAL) run on rank 0 only. */
static PetscErrorCode VfeBuildSegmentMesh(MPI_Comm comm, const char *meshfile, VfeSegmentReport *rep, VfeCTReport *ct)
{
  char geom[32] = "segment";
  PetscMPIInt rank;
  PetscReal h = 1.5;
  int err     = 0;

  PetscFunctionBeginUser;
  *rep = NULL, *ct = NULL;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh_geometry", geom, sizeof geom, NULL));
  PetscCheck(!strcmp(geom, "simple") || !strcmp(geom, "segment") || !strcmp(geom, "ct") || !strcmp(geom, "surfaces"),
             comm, PETSC_ERR_USER_INPUT, "mesh_geometry: unknown value '%s' (allowed: segment, simple, ct, surfaces)",
             geom);
  if (!strcmp(geom, "surfaces")) {
    PetscCall(VfeSurfacesMesh(comm, meshfile, rep));
    PetscFunctionReturn(0);
  }
  if (!strcmp(geom, "ct")) {
    PetscCall(VfeCTMesh(comm, meshfile, ct));
    PetscFunctionReturn(0);
  }
  if (!strcmp(geom, "segment")) {
    PetscCall(VfeSegmentMesh(comm, meshfile, rep));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-mesh_size_mm", &h, NULL));
  PetscCheck(h > 0, comm, PETSC_ERR_USER_INPUT, "mesh_size_mm = %g must be > 0", (double)h);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) err = VfeShapeSimpleSegment(meshfile, h);
  PetscCall(VfeBcastIntIdle(comm, &err)); /* the others sleep while rank 0 meshes */
  if (err && !rank) PetscCall(err);       /* rank 0 keeps the mesher's own message (e.g. the file it could not write) */
  PetscCheck(!err, comm, err, "meshing failed on rank 0");
  PetscFunctionReturn(0);
}

/* The bone of a level: <lvl>.cancellous, or the homogenised <lvl>.body of the simple geometry; -1. */
static PetscErrorCode VfeLevelBone(const VfeMeshInfo *info, const char *lvl, PetscInt *r, char *name, size_t len)
{
  PetscFunctionBeginUser;
  PetscCall(VfeRegionFormat(name, len, lvl, "cancellous"));
  *r = VfeMeshInfoFindRegion(info, name);
  if (*r < 0) {
    PetscCall(VfeRegionFormat(name, len, lvl, "body"));
    *r = VfeMeshInfoFindRegion(info, name);
  }
  PetscFunctionReturn(0);
}

/* A fractured, untreated (or not yet treated) vertebra: -fracture_cancellous_factor f scales the
 * cancellous modulus and strength of the treated level by f (0 < f <= 1).  Returns the intact E
 * (0 when no factor is set) so the baseline can restore it.  treated: the first level of
 * segment_treated ("" when not set). */
static PetscErrorCode VfeFracturedLevel(const VfeMeshInfo *info, VfeSegmentReport seg, const char *treated,
                                        VfeMaterial *mats, PetscInt *fractured, PetscReal *intactE)
{
  PetscReal f = 1;
  PetscBool set;
  char lvl[32] = "", name[VFE_NAME_LEN];

  PetscFunctionBeginUser;
  *intactE   = 0;
  *fractured = -1;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-fracture_cancellous_factor", &f, &set));
  if (!set) PetscFunctionReturn(0);
  PetscCheck(f > 0 && f <= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "fracture_cancellous_factor = %g must lie in (0, 1]", (double)f);
  PetscCall(PetscStrncpy(lvl, seg && seg->treated[0] ? seg->treated : treated, sizeof lvl));
  PetscCheck(lvl[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "fracture_cancellous_factor: set segment_treated to the fractured level");
  PetscCall(VfeLevelBone(info, lvl, fractured, name, sizeof name));
  PetscCheck(*fractured >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "fracture_cancellous_factor: the mesh has no region '%s' (set segment_treated to the fractured level)",
             name);
  *intactE = mats[*fractured].E;
  mats[*fractured].E *= f;
  mats[*fractured].strength *= f;
  PetscFunctionReturn(0);
}

/* Material of the intact baseline: cement regions become the cancellous bone of their level. */
static PetscErrorCode VfeBaselineMaterials(const VfeMeshInfo *info, const VfeMaterial *mats, VfeMaterial *base)
{
  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < info->nregions; ++r) {
    const char *name = info->regions[r].name, *tissue;
    char lvl[VFE_NAME_LEN];
    base[r] = mats[r];
    if (VfeRegionSplit(name, lvl, sizeof lvl, &tissue) && !strncmp(tissue, "cement", 6)) {
      char bone[VFE_NAME_LEN];
      PetscInt b;
      PetscCall(VfeLevelBone(info, lvl, &b, bone, sizeof bone));
      PetscCheck(b >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "baseline: no bone region next to '%s' to replace the cement with", name);
      base[r] = mats[b];
    }
  }
  PetscFunctionReturn(0);
}

/* What the cases of one process share: the mesh, space and problem (with its preconditioner
 * hierarchy) of the last case that solved.  A later case (the next case of a sweep) whose mesh file
 * has the same bytes and whose solver options are the same takes them over: its solves only change
 * the materials and the load, as the baseline solve does, so the hierarchy is reused.  The load the
 * problem's traction reads lives here, so that it outlives the case that created the problem. */
typedef struct {
  PetscBool valid;
  char hash[17];  /* FNV-1a 64 of the mesh file */
  char sig[2048]; /* the options that shape the discretisation and the solver, and the rank count */
  DM dm;
  VfeMeshInfo info;
  VfeSpace sp;
  VfeProblem prob;
  VfeLoad load; /* the traction's context (VfeLoadTraction) */
  /* the mesh vfe built for that case from its keys, for a later case with the same geometry keys */
  char geosig[2048];                /* the keys that shape the mesh (VfeRunGeometrySignature); "" when none */
  char geomesh[PETSC_MAX_PATH_LEN]; /* where that case's mesh.msh was committed */
  char geohash[17];                 /* its bytes' hash: a copy that differs is not used */
  VfeSegmentReport seg;             /* its segment report (NULL for the simple geometry) */
} VfeRunCache;
static VfeRunCache vfe_cache;

/* sig = "ranks=N" and every option (with its value) whose key starts with one of prefixes[] and is none of skip[] */
static PetscErrorCode VfeOptionsSignature(MPI_Comm comm, const char *const *prefixes, size_t np,
                                          const char *const *skip, size_t ns, char *sig, size_t len)
{
  char *all, *save = NULL;
  PetscBool keep = PETSC_FALSE;
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscSNPrintf(sig, len, "ranks=%d", (int)size));
  PetscCall(PetscOptionsGetAll(NULL, &all)); /* "-key value -key value ..." */
  for (char *tok = strtok_r(all, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    if (tok[0] == '-' && !(tok[1] >= '0' && tok[1] <= '9') && tok[1] != '.') {
      keep = PETSC_FALSE;
      for (size_t k = 0; k < np && !keep; ++k)
        if (!strncmp(tok, prefixes[k], strlen(prefixes[k]))) keep = PETSC_TRUE;
      for (size_t k = 0; k < ns && keep; ++k)
        if (!strncmp(tok, skip[k], strlen(skip[k]))) keep = PETSC_FALSE;
    }
    if (keep) {
      PetscCall(PetscStrlcat(sig, " ", len));
      PetscCall(PetscStrlcat(sig, tok, len));
    }
  }
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* The options that must be equal for a reuse: mesh order, boundary names, vfe_* solver options,
 * PETSc's solver options (ksp_, pc_, mg_, mat_, dm_), the model's structures (model_, fibre_,
 * ligament_: fibres, ligaments and contact are built with the problem), and the number of ranks. */
static PetscErrorCode VfeRunCacheSignature(MPI_Comm comm, char *sig, size_t len)
{
  static const char *const prefixes[] = {"-vfe_",   "-ksp_",      "-pc_",        "-mg_",
                                         "-mat_",   "-dm_",       "-bc_",        "-model_",
                                         "-fibre_", "-ligament_", "-mesh_order", "-load_displacement_mm"};
  static const char *const skip[]     = {"-vfe_write_fields", "-dm_plex_gmsh_"}; /* the mesh reader's own settings */

  PetscFunctionBeginUser;
  PetscCall(VfeOptionsSignature(comm, prefixes, sizeof prefixes / sizeof prefixes[0], skip,
                                sizeof skip / sizeof skip[0], sig, len));
  PetscFunctionReturn(0);
}

/* The keys that shape a mesh vfe builds (mesh/segment.c, cement.c, surfmesh.c, ctmesh.c, shapes.c read the
 * segment_*, cement_*, fracture_*, mesh_*, ct_* and surfaces_* keys, run.c mesh_geometry); the cement's material
 * and Gmsh's chatter do not.  Two cases with the same signature get the same mesh file, byte for byte (the mesher
 * is deterministic for a given mesh_threads: test segment_determinism). */
static PetscErrorCode VfeRunGeometrySignature(MPI_Comm comm, char *sig, size_t len)
{
  static const char *const prefixes[] = {"-segment_", "-cement_", "-fracture_", "-mesh_", "-ct_", "-surfaces_"};
  static const char *const skip[]     = {"-cement_material", "-mesh_verbose", "-mesh_file"};

  PetscFunctionBeginUser;
  PetscCall(VfeOptionsSignature(comm, prefixes, sizeof prefixes / sizeof prefixes[0], skip,
                                sizeof skip / sizeof skip[0], sig, len));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeRunCacheClear(void)
{
  PetscFunctionBeginUser;
  if (vfe_cache.prob) PetscCall(VfeProblemDestroy(&vfe_cache.prob));
  if (vfe_cache.sp) PetscCall(VfeSpaceDestroy(&vfe_cache.sp));
  PetscCall(DMDestroy(&vfe_cache.dm));
  if (vfe_cache.valid) PetscCall(VfeMeshInfoDestroy(&vfe_cache.info));
  if (vfe_cache.seg) PetscCall(VfeSegmentReportDestroy(&vfe_cache.seg));
  PetscCall(PetscMemzero(&vfe_cache, sizeof vfe_cache));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeRunFinalize(void)
{
  return VfeRunCacheClear();
}

/* Forces of the ligaments and facet contacts, fibre state and active-set iterations of the last solve. */
static PetscErrorCode VfeRunRecordStructures(VfeProblem prob, VfeRunRecord *rec)
{
  VfeMemberGroupInfo *g;
  VfeSolveInfo si;
  PetscInt n;

  PetscFunctionBeginUser;
  PetscCall(VfeProblemGetSolveInfo(prob, &si));
  rec->active_its  = si.active_its;
  rec->its_total   = si.its_total;
  rec->pc_rebuilds = si.pc_rebuilds;
  PetscCall(VfeProblemGetMemberGroups(prob, &n, &g));
  rec->nmembers = PetscMin(n, VFE_RUN_MAX_MEMBERS);
  for (PetscInt k = 0; k < rec->nmembers; ++k) rec->members[k] = g[k];
  PetscCall(PetscFree(g));
  PetscCall(VfeFibresTautFraction(prob, &rec->fibre_taut));
  if (!VfeProblemHasFibres(prob)) rec->fibre_taut = -1;
  for (PetscInt k = 0; k < rec->nmembers; ++k) {
    const VfeMemberGroupInfo *m = &rec->members[k];
    const MPI_Comm comm         = PetscObjectComm((PetscObject)VfeProblemGetSpace(prob)->dm);
    if (m->contact)
      PetscCall(PetscPrintf(
          comm, "vfe: facet %-22s %9.2f N on %" PetscInt_FMT " of %" PetscInt_FMT " nodes, least gap %.3f mm\n",
          m->name, (double)m->force, m->nactive, m->nmembers, (double)m->min_measure));
    else
      PetscCall(PetscPrintf(comm, "vfe: ligament %-19s %9.2f N, strain %.4f\n", m->name, (double)m->force,
                            (double)m->strain));
  }
  PetscFunctionReturn(0);
}

/* Solve one load case with the given materials; statistics, indices, plate displacement.  The
 * problem *probp is created by the first call and kept: the baseline solve on the same mesh
 * only changes the materials and reuses the preconditioner hierarchy. */
static PetscErrorCode VfeSolveCase(VfeSpace sp, const VfeMeshInfo *info, const VfeMaterial *mats, PetscInt sfix,
                                   PetscInt sload, VfeLoad *load, const PetscReal *rbody, const char *treated,
                                   const PetscReal *cellE, VfeRunRecord *rec, PetscBool baseline, Vec *ulocal,
                                   VfeCellFields *cf, VfeProblem *probp)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)sp->dm);
  VfeProblem prob;
  VfeRegionStats *stats;
  Vec u, ul, fl, ones, f;
  VfeSolveInfo si;
  PetscReal *ys, usum[3], cnt[3];

  PetscFunctionBeginUser;
  if (!*probp) {
    PetscCall(VfeProblemCreate(sp, info->nregions, probp));
    PetscCall(VfeProblemSetFromOptions(*probp));
    PetscCall(VfeProblemAddDirichlet(*probp, sfix, NULL, NULL, NULL));
    if (load->disp > 0) { /* displacement control: the load surface moves down, free sideways */
      const PetscBool z[3] = {PETSC_FALSE, PETSC_FALSE, PETSC_TRUE};
      PetscCall(VfeProblemAddDirichlet(*probp, sload, z, VfeLoadPlateDisplacement, load));
    } else
      PetscCall(VfeProblemAddTraction(*probp, sload, VfeLoadTraction, load));
    PetscCall(VfeModelAddStructures(*probp, info));
  }
  prob = *probp;
  PetscCall(VfeProblemSetRegionBodyForce(prob, rbody)); /* the follower load's path forces (NULL: none) */
  for (PetscInt r = 0; r < info->nregions; ++r) PetscCall(VfeProblemSetMaterial(prob, r, mats[r].E, mats[r].nu));
  PetscCall(VfeProblemSetCellModulus(prob, cellE)); /* CT: density-mapped bone (NULL: the regions' moduli) */
  PetscCall(VfeProblemAssemble(prob));
  PetscCall(VfeSpaceCreateGlobalVector(sp, &u));
  PetscCall(VfeProblemSolve(prob, u));
  PetscCall(VfeProblemGetSolveInfo(prob, &si));
  if (si.nsolves == 1) PetscCall(PetscPrintf(comm, "vfe: formulation: %s\n", VfeProblemDescribe(prob)));
  if (si.active_its > 1)
    PetscCall(PetscPrintf(comm,
                          "vfe: %sactive set (fibres, ligaments, contact) settled after %" PetscInt_FMT
                          " iterations, %" PetscInt_FMT " Krylov iterations in all%s\n",
                          baseline ? "baseline " : "", si.active_its, si.its_total,
                          si.pc_rebuilds == 1   ? "; GAMG's hierarchy built anew once (contact pairs changed branch)"
                          : si.pc_rebuilds == 2 ? "; GAMG's hierarchy built anew twice (contact pairs changed branch)"
                                                : ""));
  if (si.pc_retries)
    PetscCall(PetscPrintf(comm,
                          "vfe: %sactive set: %" PetscInt_FMT
                          " linear solve broke down with the reused hierarchy and was "
                          "solved again with GAMG's hierarchy built anew\n",
                          baseline ? "baseline " : "", si.pc_retries));
  PetscCall(PetscPrintf(comm,
                        "vfe: %ssolver converged (%s) in %" PetscInt_FMT
                        " iterations, residual norm %.3e; set-up %.2f s%s, solve %.2f s\n",
                        baseline ? "baseline " : "", KSPConvergedReasons[si.reason], si.its, (double)si.rnorm,
                        (double)si.t_pcsetup, si.nsolves > 1 ? " (hierarchy reused)" : "", (double)si.t_solve));
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
    PetscCall(VfeProblemGetLoadVector(prob, &f));
    PetscCall(VfeSpaceGlobalToLocal(sp, f, fl));
    PetscCall(VfeSpaceResultant(sp, -1, fl, load->c, rec->Fapp, rec->Mapp));
    PetscCall(VfeProblemInternalForce(prob, ul, fl));
    PetscCall(VfeSpaceResultant(sp, sfix, fl, load->c, rec->Freac, rec->Mreac));
    /* K u = f + R: at the fixed nodes (no load there) K u is the support reaction R on the segment; under
       displacement control the applied force is K u at the load surface's nodes, and the axial force that reaction */
    if (load->disp > 0) {
      PetscCall(VfeSpaceResultant(sp, sload, fl, load->c, rec->Fapp, rec->Mapp));
      rec->load.force = -rec->Fapp[2];
    }
    PetscCall(VecDestroy(&fl));
    rec->plate_uz           = usum[2] / cnt[2];
    rec->stiffness          = rec->plate_uz != 0 ? rec->load.force / PetscAbsReal(rec->plate_uz) : 0;
    rec->its                = si.its;
    rec->reason             = KSPConvergedReasons[si.reason];
    rec->rnorm              = si.rnorm;
    rec->formulation        = VfeProblemDescribe(prob);
    rec->matrix_type        = VfeProblemMatrixType(prob);
    rec->smoother_precision = VfeProblemSmootherPrecision(prob);
    PetscCall(VfeProblemSmootherPatches(prob, &rec->smoother_patches));
    rec->t_pc1 = si.t_pcsetup;
    PetscCall(VfeComputeMotion(sp, prob, ul, info, rec->load.force, &rec->motion));
    PetscCall(VfeRunRecordStructures(prob, rec));
  } else {
    PetscReal F        = load->force;
    rec->base_plate_uz = usum[2] / cnt[2];
    if (load->disp > 0) { /* the baseline's own reaction */
      PetscReal Fb[3], Mb[3];
      PetscCall(VfeSpaceCreateLocalVector(sp, &fl));
      PetscCall(VfeProblemInternalForce(prob, ul, fl));
      PetscCall(VfeSpaceResultant(sp, sload, fl, load->c, Fb, Mb));
      PetscCall(VecDestroy(&fl));
      F = -Fb[2];
    }
    rec->base_stiffness = rec->base_plate_uz != 0 ? F / PetscAbsReal(rec->base_plate_uz) : 0;
    rec->base_its       = si.its;
    rec->base_t_pc      = si.t_pcsetup;
  }
  PetscCall(VfeComputeCellFields(prob, ul, cf));
  PetscCall(PetscMalloc1(info->nregions, &stats));
  PetscCall(PetscMalloc1(info->nregions, &ys));
  for (PetscInt r = 0; r < info->nregions; ++r) ys[r] = mats[r].yield_strain;
  PetscCall(VfeRegionStatistics(sp, cf, info->nregions, ys, stats));
  PetscCall(PetscFree(ys));
  if (baseline) {
    rec->base_stats = stats;
    PetscCall(VfeComputeIndices(info, mats, stats, treated, &rec->base_ix));
  } else {
    rec->stats = stats;
    PetscCall(VfeComputeIndices(info, mats, stats, treated, &rec->ix));
  }
  PetscCall(PetscLogEventEnd(VfeEv.post, 0, 0, 0, 0));
  PetscCall(VecDestroy(&u));
  *ulocal = ul;
  PetscFunctionReturn(0);
}

/* Everything one case needs between its steps. */
typedef struct {
  MPI_Comm comm;
  const char *casefile;
  PetscBool mesh_only;
  PetscLogDouble t0;
  /* options; outdir and meshfile as recorded, wdir and meshpath where the files are */
  char outdir[PETSC_MAX_PATH_LEN], meshfile[PETSC_MAX_PATH_LEN], fixed[VFE_NAME_LEN], load[VFE_NAME_LEN];
  char wdir[PETSC_MAX_PATH_LEN];     /* the output directory's temporary directory: every file goes here */
  char meshpath[PETSC_MAX_PATH_LEN]; /* the mesh read: meshfile, or wdir/mesh.msh when vfe meshes */
  char treated[32];                  /* first level of segment_treated, "" when not set */
  PetscBool writefields, baseline;
  PetscInt order, nmat;
  char **matkeys; /* the material_* keys, checked against the mesh's regions */
  /* mesh, materials, boundaries */
  DM dm;
  PetscBool have_info;
  VfeMeshInfo info;
  VfeMaterial *mats, *bmats;
  PetscInt sfix, sload, fractured;
  PetscReal intactE; /* cancellous E of the fractured level before softening (0: no fracture) */
  /* discretisation and results */
  VfeSpace sp;
  VfeProblem prob;              /* kept for the baseline: same mesh, new materials, reused hierarchy */
  char meshhash[17], sig[2048]; /* for the reuse by a later case (VfeRunCache) */
  char geosig[2048];            /* the keys of the mesh vfe built (VfeRunGeometrySignature); "" otherwise */
  PetscBool reused;             /* dm, info, sp and prob came from the previous case */
  PetscReal ev0[7]; /* event times at the case's start: mesh, setup, assembly, pcsetup, solve, post, output */
  Vec ul;
  PetscBool have_cf;
  VfeCellFields cf;
  VfeRunRecord rec;
  VfeMetricsRow *row; /* where the caller wants the metrics row (may be NULL) */
  PetscReal *rbody;   /* load_follower: body force per region (nregions x 3), else NULL */
  VfeCTMap ctmap;     /* -ct_image: density-mapped bone (ctmap.info.on) */
} VfeRun;

/* The keys the run reads itself; every key is checked first. */
static PetscErrorCode VfeRunReadOptions(VfeRun *run, const char *outdir)
{
  MPI_Comm comm = run->comm;
  char *comma;
  PetscBool cuda;

  PetscFunctionBeginUser;
  PetscCall(VfeCheckKeys(comm, &run->nmat, &run->matkeys));
  PetscCall(VfeDeviceFromOptions(comm, &cuda)); /* -vfe_device cuda without a device: one line now, not after meshing */
  PetscCall(PetscStrncpy(run->outdir, "out/default", sizeof run->outdir));
  if (outdir)
    PetscCall(PetscStrncpy(run->outdir, outdir, sizeof run->outdir));
  else {
    const char *v;
    PetscBool set;
    PetscCall(PetscOptionsFindPair(NULL, NULL, "-output_dir", &v, &set));
    PetscCheck(!set || !v || strlen(v) < sizeof run->outdir, comm, PETSC_ERR_FILE_WRITE,
               "output directory '%.48s...' is too long (%zu characters; at most 2048)", v, v ? strlen(v) : 0);
    PetscCall(PetscOptionsGetString(NULL, NULL, "-output_dir", run->outdir, sizeof run->outdir, NULL));
  }
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh_file", run->meshfile, sizeof run->meshfile, NULL));
  run->order = 1;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-mesh_order", &run->order, NULL));
  PetscCheck(run->order == 1 || run->order == 2, comm, PETSC_ERR_USER_INPUT,
             "mesh_order = %" PetscInt_FMT ": allowed values are 1 and 2", run->order);
  PetscCall(PetscStrncpy(run->fixed, "fixed_bottom", sizeof run->fixed));
  PetscCall(PetscStrncpy(run->load, "load_top", sizeof run->load));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bc_fixed", run->fixed, sizeof run->fixed, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bc_load", run->load, sizeof run->load, NULL));
  run->writefields = PETSC_TRUE;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-vfe_write_fields", &run->writefields, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-baseline", &run->baseline, NULL));
  PetscCall(PetscStrncpy(run->rec.cement_material, "pmma", sizeof run->rec.cement_material));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-cement_material", run->rec.cement_material,
                                  sizeof run->rec.cement_material, NULL));
  PetscCall(PetscStrncpy(run->rec.bone_density, "normal", sizeof run->rec.bone_density));
  PetscCall(
      PetscOptionsGetString(NULL, NULL, "-bone_density", run->rec.bone_density, sizeof run->rec.bone_density, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-segment_treated", run->treated, sizeof run->treated, NULL));
  if ((comma = strchr(run->treated, ','))) *comma = 0;
  PetscCall(VfeLoadFromOptions(comm, &run->rec.load));
  { /* the parametric segment's posterior elements: the case's choice, else on where they carry load */
    VfePosteriorChoice pc;
    PetscCall(VfePosteriorDefault(&pc));
    if (pc.applies) {
      PetscCall(PetscOptionsSetValue(NULL, "-segment_posterior_elements", pc.on ? "true" : "false"));
      PetscCall(PetscSNPrintf(run->rec.posterior_default, sizeof run->rec.posterior_default, "%s: %s",
                              pc.on ? "on" : "off", pc.why));
      PetscCall(PetscPrintf(comm,
                            "vfe: posterior elements, facet joints and ligaments %s by default: %s "
                            "(segment_posterior_elements sets them)\n",
                            pc.on ? "on" : "off", pc.why));
    }
    PetscCall(PetscOptionsGetBool(NULL, NULL, "-segment_posterior_elements", &run->rec.posterior, NULL));
  }
  PetscFunctionReturn(0);
}

/* The mesh: from -mesh_file, or built from the case keys into wdir/mesh.msh (recorded as
 * outdir/mesh.msh, where the commit puts it); then loaded, checked and distributed. */
/* The previous case's mesh, space and problem when this case's mesh file has the same bytes and its
 * solver options are the same; otherwise the cache is emptied (its memory freed before the new mesh). */
static PetscErrorCode VfeRunCacheTake(VfeRun *run)
{
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(run->comm, &rank));
  if (!rank) VfeHashFile(run->meshpath, run->meshhash);
  PetscCallMPI(MPI_Bcast(run->meshhash, sizeof run->meshhash, MPI_CHAR, 0, run->comm));
  PetscCall(VfeRunCacheSignature(run->comm, run->sig, sizeof run->sig));
  if (vfe_cache.valid && strcmp(run->meshhash, "none") && !strcmp(vfe_cache.hash, run->meshhash) &&
      !strcmp(vfe_cache.sig, run->sig)) {
    run->dm = vfe_cache.dm, run->info = vfe_cache.info, run->sp = vfe_cache.sp, run->prob = vfe_cache.prob;
    run->reused     = PETSC_TRUE;
    vfe_cache.valid = PETSC_FALSE, vfe_cache.dm = NULL, vfe_cache.sp = NULL, vfe_cache.prob = NULL;
    PetscCall(PetscPrintf(run->comm,
                          "vfe: same mesh (hash %s) and solver options as the previous case: its mesh, "
                          "space and preconditioner hierarchy are reused\n",
                          run->meshhash));
  } else
    PetscCall(VfeRunCacheClear());
  PetscFunctionReturn(0);
}

/* After a case that solved: its mesh, space and problem stay for the next case (VfeRunCacheTake). */
static PetscErrorCode VfeRunCacheKeep(VfeRun *run)
{
  PetscFunctionBeginUser;
  if (run->mesh_only || !run->prob || !strcmp(run->meshhash, "none") || !run->meshhash[0]) PetscFunctionReturn(0);
  PetscCall(VfeRunCacheClear());
  PetscCall(PetscStrncpy(vfe_cache.hash, run->meshhash, sizeof vfe_cache.hash));
  PetscCall(PetscStrncpy(vfe_cache.sig, run->sig, sizeof vfe_cache.sig));
  vfe_cache.dm = run->dm, vfe_cache.info = run->info, vfe_cache.sp = run->sp, vfe_cache.prob = run->prob;
  vfe_cache.valid = PETSC_TRUE;
  if (run->geosig[0]) { /* a mesh vfe built: the next case with the same geometry keys copies it */
    PetscCall(PetscStrncpy(vfe_cache.geosig, run->geosig, sizeof vfe_cache.geosig));
    PetscCall(PetscStrncpy(vfe_cache.geomesh, run->meshfile, sizeof vfe_cache.geomesh));
    PetscCall(PetscStrncpy(vfe_cache.geohash, run->meshhash, sizeof vfe_cache.geohash));
    vfe_cache.seg = run->rec.seg, run->rec.seg = NULL;
  }
  run->dm = NULL, run->sp = NULL, run->prob = NULL, run->have_info = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Copy of the file src to dst (rank 0's files); 0 or an errno. */
static int VfeCopyFile(const char *src, const char *dst)
{
  char buf[1 << 16];
  size_t n;
  int err  = 0;
  FILE *in = fopen(src, "rb"), *out;

  if (!in) return errno ? errno : EIO;
  if (!(out = fopen(dst, "wb"))) {
    err = errno ? errno : EIO;
    fclose(in);
    return err;
  }
  while (!err && (n = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, n, out) != n) err = errno ? errno : EIO;
  if (!err && ferror(in)) err = EIO;
  fclose(in);
  if (fclose(out) && !err) err = errno ? errno : EIO;
  return err;
}

/* A sweep's case whose geometry keys equal the previous solved case's takes that case's mesh file (and segment
 * report) instead of meshing again: the mesher would write the same bytes.  The copy must hash like the original
 * (a file changed since is not used); on any failure the case meshes as usual. */
static PetscErrorCode VfeRunMeshFromCache(VfeRun *run, PetscBool *copied)
{
  PetscMPIInt rank;
  int err = 0;

  PetscFunctionBeginUser;
  *copied = PETSC_FALSE;
  if (!vfe_cache.geosig[0] || strcmp(vfe_cache.geosig, run->geosig)) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(run->comm, &rank));
  if (!rank) {
    char h[17];
    err = VfeCopyFile(vfe_cache.geomesh, run->meshpath);
    if (!err) VfeHashFile(run->meshpath, h);
    if (!err && strcmp(h, vfe_cache.geohash)) err = EIO;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, run->comm));
  if (err) {
    PetscCall(PetscPrintf(run->comm, "vfe: the previous case's mesh %s has changed or cannot be read: meshing again\n",
                          vfe_cache.geomesh));
    PetscFunctionReturn(0);
  }
  if (vfe_cache.seg) {
    PetscCall(PetscNew(&run->rec.seg));
    PetscCall(PetscMemcpy(run->rec.seg, vfe_cache.seg, sizeof *run->rec.seg));
  }
  PetscCall(PetscPrintf(run->comm,
                        "vfe: same geometry keys as the previous case: its mesh %s is reused, not built again\n",
                        vfe_cache.geomesh));
  *copied = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeRunMesh(VfeRun *run)
{
  MPI_Comm comm = run->comm;
  PetscInt cStart, cEnd, nc;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(VfeEv.mesh, 0, 0, 0, 0));
  if (!run->meshfile[0]) {
    PetscCall(PetscSNPrintf(run->meshfile, sizeof run->meshfile, "%s/mesh.msh", run->outdir));
    PetscBool copied = PETSC_FALSE;
    PetscCall(PetscSNPrintf(run->meshpath, sizeof run->meshpath, "%s/mesh.msh", run->wdir));
    PetscCall(VfeRunGeometrySignature(comm, run->geosig, sizeof run->geosig));
    if (!run->mesh_only) PetscCall(VfeRunMeshFromCache(run, &copied));
    if (!copied) PetscCall(VfeBuildSegmentMesh(comm, run->meshpath, &run->rec.seg, &run->rec.ct));
    if (run->rec.ct) run->geosig[0] = 0; /* the CT route's report is not kept: it meshes every time */
    if (run->rec.seg) PetscCall(VfeSegmentReportView(run->rec.seg, PETSC_VIEWER_STDOUT_(comm)));
    if (run->rec.ct) PetscCall(VfeCTReportView(run->rec.ct, PETSC_VIEWER_STDOUT_(comm)));
  } else
    PetscCall(PetscStrncpy(run->meshpath, run->meshfile, sizeof run->meshpath));
  if (!run->mesh_only) PetscCall(VfeRunCacheTake(run));
  if (!run->reused) {
    PetscCall(VfeMeshLoad(comm, run->meshpath, &run->dm, &run->info));
    PetscCall(DMSetFromOptions(run->dm));
  }
  run->have_info = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(VfeEv.mesh, 0, 0, 0, 0));
  PetscCall(DMPlexGetHeightStratum(run->dm, 0, &cStart, &cEnd));
  nc = cEnd - cStart;
  PetscCallMPI(MPI_Allreduce(&nc, &run->rec.ncells, 1, MPIU_INT, MPI_SUM, comm));
  PetscCall(PetscPrintf(
      comm, "vfe: mesh %s: %" PetscInt_FMT " tetrahedra, %" PetscInt_FMT " regions, %" PetscInt_FMT " boundaries",
      run->meshfile, run->rec.ncells, run->info.nregions, run->info.nsurfaces));
  if (run->info.npoints) PetscCall(PetscPrintf(comm, ", %" PetscInt_FMT " point groups", run->info.npoints));
  PetscCall(PetscPrintf(comm, "\n"));
  PetscFunctionReturn(0);
}

/* Materials of the mesh's regions (material_* keys checked against them), a fractured level, and
 * the warning for nearly incompressible regions on P1. */
static PetscErrorCode VfeRunMaterials(VfeRun *run)
{
  const VfeMeshInfo *info = &run->info;
  const char **names;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(info->nregions, &run->mats));
  PetscCall(PetscMalloc1(info->nregions, &names));
  for (PetscInt r = 0; r < info->nregions; ++r) names[r] = info->regions[r].name;
  for (PetscInt k = 0; k < run->nmat; ++k) PetscCall(VfeMaterialsCheckKey(run->matkeys[k], info->nregions, names));
  PetscCall(VfeMaterialsResolve(info->nregions, names, run->mats));
  PetscCall(PetscFree(names));
  PetscCall(VfeFracturedLevel(info, run->rec.seg, run->treated, run->mats, &run->fractured, &run->intactE));
  if (run->order == 1)
    for (PetscInt r = 0; r < info->nregions; ++r)
      if (run->mats[r].nu >= 0.49)
        PetscCall(PetscPrintf(run->comm,
                              "vfe: warning: region %s has nu = %g: P1 tetrahedra lock for nearly incompressible "
                              "material; use mesh_order 2 "
                              "for locking-free results there\n",
                              info->regions[r].name, (double)run->mats[r].nu));
  PetscFunctionReturn(0);
}

/* The clamped and the loaded boundary surfaces by name. */
static PetscErrorCode VfeRunBoundaries(VfeRun *run)
{
  PetscFunctionBeginUser;
  run->sfix  = VfeMeshInfoFindSurface(&run->info, run->fixed);
  run->sload = VfeMeshInfoFindSurface(&run->info, run->load);
  PetscCheck(run->sfix >= 0, run->comm, PETSC_ERR_USER_INPUT, "bc_fixed = '%s' matches no boundary surface of the mesh",
             run->fixed);
  PetscCheck(run->sload >= 0, run->comm, PETSC_ERR_USER_INPUT, "bc_load = '%s' matches no boundary surface of the mesh",
             run->load);
  PetscFunctionReturn(0);
}

/* vfe mesh: the region list, mesh.hdf and mesh.json. */
static PetscErrorCode VfeRunWriteMeshOutputs(VfeRun *run)
{
  MPI_Comm comm = run->comm;

  PetscFunctionBeginUser;
  PetscCall(PetscPrintf(comm, "vfe: mesh checked: %" PetscInt_FMT " regions:", run->info.nregions));
  for (PetscInt r = 0; r < run->info.nregions; ++r) PetscCall(PetscPrintf(comm, " %s", run->info.regions[r].name));
  PetscCall(PetscPrintf(comm, "\n"));
  PetscCall(VfeSpaceCreate(run->dm, 1, &run->sp));
  PetscCall(VfeWriteMeshOutputs(comm, run->wdir, run->sp, &run->info, run->rec.seg, run->rec.ct, run->meshfile,
                                run->meshpath));
  PetscFunctionReturn(0);
}

/* Discretisation, load set-up and the solve of the case; the equilibrium and stiffness report. */
static PetscErrorCode VfeRunSolve(VfeRun *run)
{
  MPI_Comm comm     = run->comm;
  VfeRunRecord *rec = &run->rec;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(VfeEv.setup, 0, 0, 0, 0));
  if (!run->sp) PetscCall(VfeSpaceCreate(run->dm, run->order, &run->sp));
  PetscCall(VfeLoadSetUp(run->sp, run->sload, &rec->load));
  vfe_cache.load = rec->load; /* the problem's traction reads this copy (VfeRunCache) */
  if (rec->load.follower) {
    const char **names;
    PetscCall(PetscMalloc1(run->info.nregions, &names));
    for (PetscInt r = 0; r < run->info.nregions; ++r) names[r] = run->info.regions[r].name;
    PetscCall(PetscMalloc1(3 * run->info.nregions, &run->rbody));
    PetscCall(VfeFollowerSetUp(run->sp, run->info.nregions, names, &rec->load, &rec->follower, run->rbody));
    PetscCall(PetscFree(names));
  }
  PetscCall(VfeCTMapCreate(comm, run->sp, &run->info, &run->ctmap));
  PetscCall(VfeCTMapView(comm, &run->ctmap));
  rec->ctmap = run->ctmap.info;
  PetscCall(PetscLogEventEnd(VfeEv.setup, 0, 0, 0, 0));
  rec->ndofs = 3 * run->sp->nglobal;
  rec->order = run->order;
  if (rec->load.disp > 0)
    PetscCall(PetscPrintf(comm,
                          "vfe: P%" PetscInt_FMT ", %" PetscInt_FMT
                          " dofs on %d ranks; displacement control: %s moves %.6g mm down\n",
                          run->order, rec->ndofs, rec->size, run->load, (double)rec->load.disp));
  else
    PetscCall(PetscPrintf(
        comm, "vfe: P%" PetscInt_FMT ", %" PetscInt_FMT " dofs on %d ranks; load %s: %.6g N axial, %.6g N m %s\n",
        run->order, rec->ndofs, rec->size, rec->load.preset, (double)rec->load.force, (double)(rec->load.moment / 1000),
        rec->load.mode));
  if (rec->load.follower) {
    PetscCall(PetscPrintf(
        comm, "vfe: follower load %.6g N along the path through the body centroids:", (double)rec->load.force));
    for (PetscInt k = 0; k < rec->follower.nlevels; ++k)
      PetscCall(PetscPrintf(comm, "%s %s (%.4g, %.4g, %.4g) mm, path force (%.4g, %.4g, %.4g) N", k ? ";" : "",
                            rec->follower.level[k], (double)rec->follower.centroid[k][0],
                            (double)rec->follower.centroid[k][1], (double)rec->follower.centroid[k][2],
                            (double)rec->follower.force[k][0], (double)rec->follower.force[k][1],
                            (double)rec->follower.force[k][2]));
    PetscCall(PetscPrintf(comm, "\n"));
  }
  PetscCall(VfeSolveCase(run->sp, &run->info, run->mats, run->sfix, run->sload, &vfe_cache.load, run->rbody,
                         run->treated, run->ctmap.E, rec, PETSC_FALSE, &run->ul, &run->cf, &run->prob));
  run->have_cf = PETSC_TRUE;
  PetscCall(PetscPrintf(
      comm,
      "vfe: applied force (%.4g, %.4g, %.4g) N, reaction (%.4g, %.4g, %.4g) N; applied moment (%.4g, %.4g, %.4g) N mm, "
      "reaction (%.4g, %.4g, %.4g) N mm\n",
      (double)rec->Fapp[0], (double)rec->Fapp[1], (double)rec->Fapp[2], (double)rec->Freac[0], (double)rec->Freac[1],
      (double)rec->Freac[2], (double)rec->Mapp[0], (double)rec->Mapp[1], (double)rec->Mapp[2], (double)rec->Mreac[0],
      (double)rec->Mreac[1], (double)rec->Mreac[2]));
  PetscCall(PetscPrintf(comm, "vfe: load-plate displacement %.6g mm, segment stiffness %.6g N/mm\n",
                        (double)rec->plate_uz, (double)rec->stiffness));
  PetscCall(VfeMotionView(comm, &rec->motion));
  PetscFunctionReturn(0);
}

/* The intact baseline: the same mesh and load, cement replaced by its level's bone, no fracture. */
static PetscErrorCode VfeRunBaseline(VfeRun *run)
{
  const VfeMeshInfo *info = &run->info;
  Vec bul;
  VfeCellFields bcf;
  PetscReal *bE = NULL;

  PetscFunctionBeginUser;
  if (run->ctmap.E) PetscCall(VfeCTMapBaseline(run->comm, run->sp, info, &run->ctmap, &bE));
  PetscCall(PetscMalloc1(info->nregions, &run->bmats));
  PetscCall(VfeBaselineMaterials(info, run->mats, run->bmats));
  if (run->intactE > 0) /* the intact baseline has no fracture: restore the treated level's bone */
    for (PetscInt r = 0; r < info->nregions; ++r)
      if (run->bmats[r].E == run->mats[r].E && !strcmp(run->mats[r].name, "cancellous") && r == run->fractured)
        run->bmats[r].E = run->intactE;
  vfe_cache.load = run->rec.load;
  PetscCall(VfeSolveCase(run->sp, info, run->bmats, run->sfix, run->sload, &vfe_cache.load, run->rbody, run->treated,
                         bE, &run->rec, PETSC_TRUE, &bul, &bcf, &run->prob));
  PetscCall(PetscFree(bE));
  PetscCall(VecDestroy(&bul));
  PetscCall(VfeCellFieldsDestroy(&bcf));
  PetscFunctionReturn(0);
}

/* The headline indices on the terminal (relative ones with the baseline). */
static PetscErrorCode VfeRunPrintIndices(VfeRun *run)
{
  const VfeRunRecord *rec = &run->rec;

  PetscFunctionBeginUser;
  if (rec->ix.treated[0] && !rec->ix.above[0] && !rec->ix.below[0]) /* a single vertebra: no adjacent level */
    PetscCall(PetscPrintf(run->comm, "vfe: treated %s: factor of risk %.3g; no adjacent level in the model\n",
                          rec->ix.treated, (double)rec->ix.treated_risk));
  else if (rec->ix.treated[0])
    PetscCall(PetscPrintf(run->comm,
                          "vfe: treated %s: factor of risk %.3g; adjacent endplates (%s inferior, %s superior): von "
                          "Mises mean %.4g, %.4g MPa\n",
                          rec->ix.treated, (double)rec->ix.treated_risk, rec->ix.above[0] ? rec->ix.above : "none",
                          rec->ix.below[0] ? rec->ix.below : "none", (double)rec->ix.adj_above_vm_mean,
                          (double)rec->ix.adj_below_vm_mean));
  if (run->baseline && rec->ix.treated[0] && !rec->ix.above[0] && !rec->ix.below[0])
    PetscCall(PetscPrintf(run->comm, "vfe: relative to the intact baseline: stiffness %.3g, treated risk %.3g\n",
                          (double)(rec->stiffness / rec->base_stiffness),
                          (double)(rec->ix.treated_risk / rec->base_ix.treated_risk)));
  else if (run->baseline && rec->ix.treated[0])
    PetscCall(PetscPrintf(run->comm,
                          "vfe: relative to the intact baseline: stiffness %.3g, treated risk %.3g, adjacent risk %.3g "
                          "(above), %.3g (below)\n",
                          (double)(rec->stiffness / rec->base_stiffness),
                          (double)(rec->ix.treated_risk / rec->base_ix.treated_risk),
                          (double)(rec->ix.adj_above_risk / rec->base_ix.adj_above_risk),
                          (double)(rec->ix.adj_below_risk / rec->base_ix.adj_below_risk)));
  PetscFunctionReturn(0);
}

/* fields.hdf, then metrics.csv and summary.json (last: it marks a finished case) with the timings,
 * all into wdir. */
static PetscErrorCode VfeRunWriteOutputs(VfeRun *run)
{
  MPI_Comm comm     = run->comm;
  VfeRunRecord *rec = &run->rec;
  char path[PETSC_MAX_PATH_LEN];
  PetscLogDouble t1;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(VfeEv.output, 0, 0, 0, 0));
  if (run->writefields) {
    PetscCall(PetscSNPrintf(path, sizeof path, "%s/fields.hdf", run->wdir));
    PetscReal *Eall = NULL;
    if (run->ctmap.E) { /* every cell's modulus: mapped, else its region's */
      PetscCall(PetscMalloc1(run->sp->ncells, &Eall));
      for (PetscInt c = 0; c < run->sp->ncells; ++c)
        Eall[c] = run->ctmap.E[c] > 0 ? run->ctmap.E[c] : run->mats[run->sp->cell_region[c]].E;
    }
    PetscCall(VfeWriteFields(comm, path, run->sp, run->ul, &run->cf, &run->info, &rec->ix, run->ctmap.rho, Eall));
    PetscCall(PetscFree(Eall));
  }
  PetscCall(PetscLogEventEnd(VfeEv.output, 0, 0, 0, 0));
  PetscCall(PetscTime(&t1));
  rec->casefile = run->casefile, rec->meshfile = run->meshfile, rec->meshpath = run->meshpath;
  rec->meshhash = run->meshhash; /* hashed once, for the reuse check (VfeRunCacheTake) */
  rec->outdir = run->outdir, rec->writedir = run->wdir, rec->info = &run->info;
  rec->mats    = run->mats;
  rec->t_mesh  = VfeEventTime(comm, VfeEv.mesh, run->ev0[0]);
  rec->t_setup = VfeEventTime(comm, VfeEv.setup, run->ev0[1]);
  rec->t_asm   = VfeEventTime(comm, VfeEv.assembly, run->ev0[2]);
  rec->t_pc    = VfeEventTime(comm, VfeEv.pcsetup, run->ev0[3]);
  rec->t_solve = VfeEventTime(comm, VfeEv.solve, run->ev0[4]);
  rec->t_post  = VfeEventTime(comm, VfeEv.post, run->ev0[5]);
  rec->t_out   = VfeEventTime(comm, VfeEv.output, run->ev0[6]);
  rec->t_total = (PetscReal)(t1 - run->t0);
  PetscCall(VfeWriteRunOutputs(comm, rec, run->row));
  PetscFunctionReturn(0);
}

/* What the run wrote, once it is in place. */
static PetscErrorCode VfeRunReportWritten(VfeRun *run)
{
  const VfeRunRecord *rec = &run->rec;

  PetscFunctionBeginUser;
  if (run->mesh_only)
    PetscCall(PetscPrintf(run->comm, "vfe: wrote %s/mesh.hdf (ParaView, cell data region) and %s/mesh.json\n",
                          run->outdir, run->outdir));
  else
    PetscCall(PetscPrintf(run->comm,
                          "vfe: wrote %s/summary.json%s (mesh %.2f s, assembly %.2f s, solver set-up %.2f s, solve "
                          "%.2f s, total %.2f s)\n",
                          run->outdir, run->writefields ? " and fields.hdf" : "", (double)rec->t_mesh,
                          (double)rec->t_asm, (double)rec->t_pc, (double)rec->t_solve, (double)rec->t_total));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeRunDestroy(VfeRun *run)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < run->nmat; ++k) PetscCall(PetscFree(run->matkeys[k]));
  PetscCall(PetscFree(run->matkeys));
  if (run->have_cf) PetscCall(VfeCellFieldsDestroy(&run->cf));
  PetscCall(PetscFree(run->rec.stats));
  PetscCall(PetscFree(run->rec.base_stats));
  PetscCall(PetscFree(run->bmats));
  PetscCall(PetscFree(run->rbody));
  PetscCall(VfeCTMapDestroy(&run->ctmap));
  if (run->rec.seg) PetscCall(VfeSegmentReportDestroy(&run->rec.seg));
  if (run->rec.ct) PetscCall(VfeCTReportDestroy(&run->rec.ct));
  PetscCall(VecDestroy(&run->ul));
  if (run->prob) PetscCall(VfeProblemDestroy(&run->prob));
  if (run->sp) PetscCall(VfeSpaceDestroy(&run->sp));
  PetscCall(DMDestroy(&run->dm));
  if (run->have_info) PetscCall(VfeMeshInfoDestroy(&run->info));
  PetscCall(PetscFree(run->mats));
  PetscFunctionReturn(0);
}

/* The steps of a case, writing into the output directory's temporary directory wdir. */
static PetscErrorCode VfeRunSteps(VfeRun *run)
{
  PetscFunctionBeginUser;
  PetscCall(VfeRunMesh(run));
  PetscCall(VfeRunMaterials(run));
  PetscCall(VfeRunBoundaries(run));
  if (run->mesh_only) {
    PetscCall(VfeRunWriteMeshOutputs(run));
  } else {
    PetscCall(VfeRunSolve(run));
    if (run->baseline) PetscCall(VfeRunBaseline(run));
    PetscCall(VfeRunPrintIndices(run));
    PetscCall(VfeRunWriteOutputs(run));
  }
  PetscFunctionReturn(0);
}

/* The names a run writes into its output directory: an earlier result's files of these names are
 * replaced by the new result (or dropped when it does not write them), any other file there is kept. */
static const char *const VfeRunOutputNames[] = {"mesh.msh",     "mesh.hdf",    "mesh.json", "fields.hdf",
                                                "summary.json", "metrics.csv", NULL};

/* One case from the current options database, writing into outdir (NULL: -output_dir); mesh_only:
 * stop after the mesh checks and write the mesh outputs.  The output directory is one transaction
 * (VfeDirTxn): locked first (a second run into it exits 3 before writing anything), written in a
 * temporary directory beside it, swapped in when every step has succeeded on every rank.  On an error
 * the temporary directory is removed, the lock released and the earlier result left as it was; an
 * I/O error's message says so.  The steps' resources are left to the process exit then, as before (a
 * sweep goes on with the next case). */
static PetscErrorCode VfeRunCaseInternal(MPI_Comm comm, const char *casefile, const char *outdir, PetscBool mesh_only,
                                         VfeMetricsRow *row)
{
  VfeRun run;
  VfeDirTxn txn;
  PetscErrorCode ierr;
  int mine, any = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&run, sizeof run));
  if (row) PetscCall(PetscMemzero(row, sizeof *row));
  run.comm = comm, run.casefile = casefile, run.mesh_only = mesh_only, run.fractured = -1, run.row = row;
  PetscCall(PetscTime(&run.t0));
  PetscCallMPI(MPI_Comm_size(comm, &run.rec.size));
  PetscCall(VfeRegisterEvents());
  {
    const PetscLogEvent evs[7] = {VfeEv.mesh,  VfeEv.setup, VfeEv.assembly, VfeEv.pcsetup,
                                  VfeEv.solve, VfeEv.post,  VfeEv.output};
    for (int k = 0; k < 7; ++k) run.ev0[k] = VfeEventLocalTime(evs[k]);
  }
  PetscCall(VfeRunReadOptions(&run, outdir));
  PetscCall(VfeDirTxnBegin(comm, run.outdir, VfeRunOutputNames, run.meshfile[0] ? run.meshfile : NULL, &txn));
  PetscCall(PetscStrncpy(run.wdir, txn.tmp, sizeof run.wdir));
  ierr = VfeRunSteps(&run);
  /* every rank must agree before the commit (a rank-0 writer may have failed alone) */
  mine = (int)ierr;
  if (MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm)) any = PETSC_ERR_MPI;
  if (!ierr && any) {
    ierr = (PetscErrorCode)any;
    (void)PetscError(comm, __LINE__, PETSC_FUNCTION_NAME, __FILE__, ierr, PETSC_ERROR_INITIAL,
                     "the case failed on another rank");
  }
  if (!ierr) ierr = VfeDirTxnCommit(comm, &txn);
  VfeDirTxnAbort(&txn);
  if (ierr == PETSC_ERR_FILE_WRITE) { /* name the output directory and say that it was not changed */
    const char *text = NULL;
    char *msg        = NULL, copy[1024];
    PetscErrorMessage(ierr, &text, &msg);
    PetscCall(PetscStrncpy(copy, msg && msg[0] ? msg : (text ? text : "I/O error"), sizeof copy));
    SETERRQ(comm, ierr, "%s; output directory '%s' %s", copy, run.outdir,
            txn.existed ? "left as it was" : "not created");
  }
  PetscCall(ierr);
  PetscCall(VfeRunReportWritten(&run));
  PetscCall(VfeRunCacheKeep(&run));
  PetscCall(VfeRunDestroy(&run));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeRunCase(MPI_Comm comm, const char *casefile, const char *outdir, VfeMetricsRow *row)
{
  PetscFunctionBeginUser;
  PetscCall(VfeRunCaseInternal(comm, casefile, outdir, PETSC_FALSE, row));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMeshCase(MPI_Comm comm, const char *casefile, const char *outdir, VfeMetricsRow *row)
{
  PetscFunctionBeginUser;
  PetscCall(VfeRunCaseInternal(comm, casefile, outdir, PETSC_TRUE, row));
  PetscFunctionReturn(0);
}
