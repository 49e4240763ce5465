/*
 * main.c - the vfe command-line driver.
 *
 *   vfe run   [CASE.yaml] [-key value ...]   mesh, solve and post-process one case
 *   vfe mesh  [CASE.yaml] [-key value ...]   only build and check the mesh
 *   vfe sweep STUDY.yaml                     many cases, one table (see docs/user-guide.md)
 *   vfe --help | --version
 *
 * Configuration is the PETSc options database only: the case file (YAML, read by PETSc's libyaml
 * reader, nested maps joined with '_') goes in first, then the command-line options again, so that
 * the command line wins.  Before any work, every key is checked against the keys that vfe's
 * components and PETSc's solver prefixes read; an unknown key is an error naming it.
 *
 * Exit codes: 0 success; 1 bad input (case file, options, geometry, mesh); 2 the solver did not
 * converge; 3 I/O failure.  Errors are printed as one line "vfe: error: <message>".  Outputs are
 * written under temporary names and renamed when complete; summary.json is written last.
 */
#include "vfepost.h"
#include "vfeoutput.h"
#include "vfeconfig.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

extern const char VfeDefaultCaseYAML[]; /* cases/default.yaml, compiled in */

static const char usage[] = "usage: vfe run   [CASE.yaml] [-key value ...]   mesh, solve and post-process one case\n"
                            "       vfe mesh  [CASE.yaml] [-key value ...]   only build and check the mesh\n"
                            "       vfe sweep STUDY.yaml                     many cases, one table and plots\n"
                            "       vfe --help | --version\n"
                            "Without CASE the built-in default case (cases/default.yaml) runs.\n"
                            "Every case-file key is also an option: segment: {levels: L1-L3} is -segment_levels L1-L3.\n"
                            "Exit codes: 0 ok, 1 bad input, 2 solver did not converge, 3 I/O failure.\n"
                            "Documentation: docs/user-guide.md (keys, outputs), docs/theory.md (equations).\n";

/* keys the driver reads itself */
static const char *driver_keys[] = {"case_version", "output_dir", "mesh_file", "mesh_order", "load_axial_N", "bc_fixed", "bc_load", "vfe_assembly",
                                    "vfe_backend", "vfe_write_fields", "mesh_geometry", NULL};
/* PETSc's own option prefixes (solver, DM, logging, debugging) */
static const char *petsc_prefixes[] = {"ksp_", "pc_", "mg_", "dm_", "mat_", "vec_", "vfe_mat_", "log", "options_", "info", "malloc", "help",
                                       "version", "on_error", "fp_trap", "memory_view", "check_pointer_intensity", "use_gpu_aware_mpi",
                                       "viewer_", "history", "no_signal_handler", "petscpartitioner_", "petscsf_", "sf_", "skip_petscrc",
                                       "objects_dump", "options_left", "device_", "cuda_", "nox", "mpiuni", NULL};

static PetscBool VfeKnownKey(const char *key)
{
  for (int i = 0; driver_keys[i]; ++i)
    if (!strcmp(key, driver_keys[i])) return PETSC_TRUE;
  for (int i = 0; petsc_prefixes[i]; ++i)
    if (!strncmp(key, petsc_prefixes[i], strlen(petsc_prefixes[i]))) return PETSC_TRUE;
  if (VfeMaterialsKnownKey(key)) return PETSC_TRUE;
  return VfeSegmentKnownKey(key);
}

/* FNV-1a 64 of a file, as 16 hex digits ("none" if unreadable). */
static void VfeHashFile(const char *path, char out[17])
{
  FILE              *f = path ? fopen(path, "rb") : NULL;
  unsigned long long h = 1469598103934665603ULL;
  unsigned char      buf[65536];
  size_t             n;
  if (!f) {
    snprintf(out, 17, "none");
    return;
  }
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    for (size_t i = 0; i < n; ++i) h = (h ^ buf[i]) * 1099511628211ULL;
  fclose(f);
  snprintf(out, 17, "%016llx", h);
}

static PetscErrorCode VfeMkdirP(MPI_Comm comm, const char *dir)
{
  PetscMPIInt rank;
  int         err = 0;

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

/* Read the case file into the options database, then re-insert the command line so it wins. */
static PetscErrorCode VfeLoadCase(MPI_Comm comm, const char *casefile, int argc, char **argv, int firstopt)
{
  PetscOptions scratch;
  FILE        *f;
  char         cmdline[8192] = "";
  PetscErrorCode ierr;
  PetscInt     version = -1;
  PetscBool    set;

  PetscFunctionBeginUser;
  if (casefile) {
    f = fopen(casefile, "r");
    PetscCheck(f, comm, PETSC_ERR_FILE_OPEN, "case file '%s' cannot be opened: %s", casefile, strerror(errno));
    fclose(f);
  }
  /* validate into a scratch database first: a YAML syntax error names the file */
  PetscCall(PetscOptionsCreate(&scratch));
  ierr = casefile ? PetscOptionsInsertFileYAML(comm, scratch, casefile, PETSC_TRUE) : PetscOptionsInsertStringYAML(scratch, VfeDefaultCaseYAML);
  PetscCall(PetscOptionsDestroy(&scratch));
  PetscCheck(!ierr, comm, PETSC_ERR_USER_INPUT, "case file '%s' is not valid YAML (or not a map of keys to values)", casefile ? casefile : "built-in");
  if (casefile) PetscCall(PetscOptionsInsertFileYAML(comm, NULL, casefile, PETSC_TRUE));
  else PetscCall(PetscOptionsInsertStringYAML(NULL, VfeDefaultCaseYAML));
  if (!casefile) casefile = "(built-in default case)";
  for (int i = firstopt; i < argc; ++i) {
    PetscCall(PetscStrlcat(cmdline, " ", sizeof cmdline));
    PetscCall(PetscStrlcat(cmdline, argv[i], sizeof cmdline));
  }
  PetscCall(PetscOptionsInsertString(NULL, cmdline));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-case_version", &version, &set));
  PetscCheck(set, comm, PETSC_ERR_USER_INPUT, "case file '%s' has no case_version key (this vfe reads case_version: 1)", casefile);
  PetscCheck(version == 1, comm, PETSC_ERR_USER_INPUT, "case file '%s': case_version %" PetscInt_FMT " is not supported (this vfe reads 1)",
             casefile, version);
  PetscFunctionReturn(0);
}

/* Every option must be one some part of vfe or PETSc reads. Returns the material_* keys for the
 * check against the mesh's regions. */
static PetscErrorCode VfeCheckKeys(MPI_Comm comm, PetscInt *nmat, char ***matkeys)
{
  PetscInt n;
  char   **names, **values;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  PetscCall(PetscMalloc1(n + 1, matkeys));
  *nmat = 0;
  for (PetscInt i = 0; i < n; ++i) {
    PetscCheck(VfeKnownKey(names[i]), comm, PETSC_ERR_USER_INPUT,
               "unknown key '%s' (case-file keys are listed in docs/user-guide.md; PETSc solver options start with ksp_, pc_, mg_, dm_, mat_)",
               names[i]);
    if (!strncmp(names[i], "material_", 9)) PetscCall(PetscStrallocpy(names[i], &(*matkeys)[(*nmat)++]));
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscReal t[3];
} VfeConstTraction;

static PetscErrorCode VfeConstantTraction(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal out[3])
{
  const VfeConstTraction *c = (const VfeConstTraction *)ctx;
  for (int d = 0; d < 3; ++d) out[d] = c->t[d];
  return 0;
}

static PetscReal VfeEventTime(MPI_Comm comm, PetscLogEvent ev)
{
  PetscEventPerfInfo info;
  PetscReal          t = 0, tmax = 0;
  if (!PetscLogEventGetPerfInfo(0, ev, &info)) t = info.time;
  MPI_Allreduce(&t, &tmax, 1, MPIU_REAL, MPIU_MAX, comm);
  return tmax;
}

static void VfeJSONString(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; ++s) {
    if (*s == '"' || *s == '\\') fputc('\\', f), fputc(*s, f);
    else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
    else fputc(*s, f);
  }
  fputc('"', f);
}

static PetscErrorCode VfeRenameInto(const char *tmp, const char *path)
{
  PetscFunctionBeginUser;
  PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
  PetscFunctionReturn(0);
}

typedef struct {
  const char    *command, *casefile, *meshfile, *outdir;
  PetscMPIInt    size;
  VfeMeshInfo   *info;
  VfeMaterial   *mats;
  VfeRegionStats *stats;
  VfeProblem     prob;
  PetscReal      force, area, reaction[3], plate_uz, stiffness;
  PetscInt       nglobal_cells, ndofs;
  PetscReal      t_mesh, t_setup, t_asm, t_pc, t_solve, t_post, t_out, t_total;
  VfeSegmentReport seg; /* NULL when the mesh came from a file or the simple geometry */
} VfeRunRecord;

static PetscErrorCode VfeWriteSummary(MPI_Comm comm, const VfeRunRecord *r)
{
  PetscMPIInt rank;
  char        path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN], csv[PETSC_MAX_PATH_LEN], ctmp[PETSC_MAX_PATH_LEN];
  char        hcase[17], hmesh[17], *opts = NULL;
  FILE       *f;
  time_t      now = time(NULL);
  char        stamp[64];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  if (rank) {
    PetscCall(PetscFree(opts));
    PetscFunctionReturn(0);
  }
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  VfeHashFile(r->casefile, hcase);
  VfeHashFile(r->meshfile, hmesh);
  /* CSV row of metrics (header + one row) */
  PetscCall(PetscSNPrintf(csv, sizeof csv, "%s/metrics.csv", r->outdir));
  PetscCall(PetscSNPrintf(ctmp, sizeof ctmp, "%s.part", csv));
  f = fopen(ctmp, "w");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s': %s", ctmp, strerror(errno));
  fprintf(f, "case,dofs,iterations,force_N,plate_uz_mm,stiffness_N_per_mm");
  for (PetscInt i = 0; i < r->info->nregions; ++i) {
    const char *n = r->info->regions[i].name;
    fprintf(f, ",%s.vm_mean,%s.vm_p95,%s.vm_max,%s.comp_p95", n, n, n, n);
  }
  fprintf(f, "\n%s,%" PetscInt_FMT ",%" PetscInt_FMT ",%.6g,%.6g,%.6g", r->casefile ? r->casefile : "default", r->ndofs, r->prob->its,
          (double)r->force, (double)r->plate_uz, (double)r->stiffness);
  for (PetscInt i = 0; i < r->info->nregions; ++i)
    fprintf(f, ",%.6g,%.6g,%.6g,%.6g", (double)r->stats[i].vm_mean, (double)r->stats[i].vm_p95, (double)r->stats[i].vm_max,
            (double)r->stats[i].comp_p95);
  fprintf(f, "\n");
  PetscCheck(fclose(f) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s'", ctmp);
  PetscCall(VfeRenameInto(ctmp, csv));

  PetscCall(PetscSNPrintf(path, sizeof path, "%s/summary.json", r->outdir));
  PetscCall(PetscSNPrintf(tmp, sizeof tmp, "%s.part", path));
  f = fopen(tmp, "w");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s': %s", tmp, strerror(errno));
  fprintf(f, "{\n  \"manifest\": {\n    \"vfe_version\": \"%s\",\n    \"git_hash\": \"%s\",\n    \"date\": \"%s\",\n", VFE_VERSION_STRING,
          VFE_GIT_HASH, stamp);
  fprintf(f, "    \"case_file\": ");
  VfeJSONString(f, r->casefile ? r->casefile : "(built-in default)");
  fprintf(f, ",\n    \"case_hash\": \"%s\",\n    \"mesh_file\": ", hcase);
  VfeJSONString(f, r->meshfile);
  fprintf(f, ",\n    \"mesh_hash\": \"%s\",\n    \"ranks\": %d,\n    \"options\": ", hmesh, r->size);
  VfeJSONString(f, opts ? opts : "");
  fprintf(f, ",\n    \"timings_s\": {\"mesh\": %.4f, \"setup\": %.4f, \"assembly\": %.4f, \"solver_setup\": %.4f, \"solve\": %.4f, "
             "\"postproc\": %.4f, \"output\": %.4f, \"total\": %.4f}\n  },\n",
          (double)r->t_mesh, (double)r->t_setup, (double)r->t_asm, (double)r->t_pc, (double)r->t_solve, (double)r->t_post, (double)r->t_out,
          (double)r->t_total);
  fprintf(f, "  \"mesh\": {\"cells\": %" PetscInt_FMT ", \"order\": %" PetscInt_FMT ", \"dofs\": %" PetscInt_FMT "},\n", r->nglobal_cells,
          r->prob->disc->order, r->ndofs);
  if (r->seg) {
    fprintf(f, "  \"segment\": ");
    PetscCall(VfeSegmentReportWriteJSON(r->seg, f));
    fprintf(f, ",\n");
  }
  fprintf(f, "  \"solver\": {\"ksp\": \"cg\", \"pc\": \"gamg\", \"iterations\": %" PetscInt_FMT ", \"converged_reason\": \"%s\", \"residual_norm\": %.6e},\n",
          r->prob->its, KSPConvergedReasons[r->prob->reason], (double)r->prob->rnorm);
  fprintf(f, "  \"load\": {\"axial_N\": %.6g, \"load_area_mm2\": %.6g, \"reaction_N\": [%.6g, %.6g, %.6g], \"equilibrium_error\": %.3e},\n",
          (double)r->force, (double)r->area, (double)r->reaction[0], (double)r->reaction[1], (double)r->reaction[2],
          (double)(PetscAbsReal(r->reaction[2] - r->force) / (r->force != 0 ? PetscAbsReal(r->force) : 1.0)));
  fprintf(f, "  \"metrics\": {\"plate_uz_mm\": %.6g, \"stiffness_N_per_mm\": %.6g},\n", (double)r->plate_uz, (double)r->stiffness);
  fprintf(f, "  \"regions\": {\n");
  for (PetscInt i = 0; i < r->info->nregions; ++i) {
    const VfeRegionStats *s = &r->stats[i];
    const VfeMaterial    *m = &r->mats[i];
    fprintf(f, "    ");
    VfeJSONString(f, r->info->regions[i].name);
    fprintf(f,
            ": {\"material\": \"%s\", \"E_MPa\": %.6g, \"nu\": %.6g, \"cells\": %" PetscInt_FMT ", \"volume_mm3\": %.6g, "
            "\"von_mises\": {\"mean\": %.6g, \"p95\": %.6g, \"max\": %.6g}, "
            "\"compression\": {\"mean\": %.6g, \"p95\": %.6g, \"max\": %.6g}, \"min_principal_min\": %.6g, \"sed_mean\": %.6g}%s\n",
            m->name, (double)m->E, (double)m->nu, s->ncells, (double)s->volume, (double)s->vm_mean, (double)s->vm_p95, (double)s->vm_max,
            (double)s->comp_mean, (double)s->comp_p95, (double)s->comp_max, (double)s->minp_min, (double)s->sed_mean,
            i + 1 < r->info->nregions ? "," : "");
  }
  fprintf(f, "  },\n  \"note\": \"comparative engineering indices, not clinical predictions\"\n}\n");
  PetscCheck(fclose(f) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s'", tmp);
  PetscCall(VfeRenameInto(tmp, path));
  PetscCall(PetscFree(opts));
  PetscFunctionReturn(0);
}

/* Fields for ParaView: the local nodes as points (P1: vertices; P2: vertices and edge nodes with
 * quadratic tetrahedra), displacement as point data, stresses and region as cell data. */
static PetscErrorCode VfeWriteFields(MPI_Comm comm, const char *path, VfeDisc d, Vec ulocal, const VfeCellFields *cf)
{
  const PetscScalar *u;
  PetscReal         *disp, *reg;
  VfeField           pf[1], cfl[6];

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(3 * d->nnodes, &disp, d->ncells, &reg));
  PetscCall(VecGetArrayRead(ulocal, &u));
  for (PetscInt i = 0; i < 3 * d->nnodes; ++i) disp[i] = PetscRealPart(u[i]);
  PetscCall(VecRestoreArrayRead(ulocal, &u));
  for (PetscInt c = 0; c < d->ncells; ++c) reg[c] = (PetscReal)d->cell_region[c];
  pf[0]  = (VfeField){"displacement", 3, disp};
  cfl[0] = (VfeField){"stress", 6, cf->stress};
  cfl[1] = (VfeField){"von_mises", 1, cf->vm};
  cfl[2] = (VfeField){"min_principal", 1, cf->minp};
  cfl[3] = (VfeField){"strain_energy_density", 1, cf->sed};
  cfl[4] = (VfeField){"strain", 6, cf->strain};
  cfl[5] = (VfeField){"region", 1, reg};
  PetscCall(VfeWriteVTKHDF(comm, path, d->nnodes, d->xyz, d->ncells, d->npc, d->cell_nodes, 1, pf, 6, cfl));
  PetscCall(PetscFree2(disp, reg));
  PetscFunctionReturn(0);
}

/* Mesh from the case keys: the anatomical segment (mesh/segment.c) or, with mesh_geometry simple,
 * the three-cylinder benchmark segment of the peers.  Gmsh runs on rank 0 only. */
static PetscErrorCode VfeBuildSegmentMesh(MPI_Comm comm, const char *meshfile, VfeSegmentReport *rep)
{
  char        geom[32] = "segment";
  PetscMPIInt rank;
  PetscReal   h = 1.5;
  int         err = 0;

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

static PetscErrorCode VfeSweep(MPI_Comm comm, const char *study, int argc, char **argv, int firstopt)
{
  PetscFunctionBeginUser;
  SETERRQ(comm, PETSC_ERR_SUP, "vfe sweep is not available in this version (%s): run the cases one by one with vfe run", VFE_VERSION_STRING);
}

static PetscErrorCode VfeRun(MPI_Comm comm, const char *command, const char *casefile, int argc, char **argv, int firstopt)
{
  char         outdir[PETSC_MAX_PATH_LEN] = "out/default", meshfile[PETSC_MAX_PATH_LEN] = "", fixed[VFE_NAME_LEN] = "fixed_bottom",
       load[VFE_NAME_LEN] = "load_top", path[PETSC_MAX_PATH_LEN];
  PetscBool    set, writefields = PETSC_TRUE;
  PetscInt     order = 1, nmat = 0, sfix, sload;
  char       **matkeys = NULL;
  DM           dm;
  VfeMeshInfo  info;
  VfeMaterial *mats;
  VfeDisc      disc;
  VfeProblem   prob;
  Vec          u, ul, fl;
  VfeRunRecord rec;
  PetscLogDouble t0, t1;
  VfeConstTraction trac = {{0, 0, 0}};
  PetscMPIInt  rank;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscMemzero(&rec, sizeof rec));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &rec.size));
  PetscCall(VfeRegisterEvents());
  PetscCall(VfeLoadCase(comm, casefile, argc, argv, firstopt));
  PetscCall(VfeCheckKeys(comm, &nmat, &matkeys));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-output_dir", outdir, sizeof outdir, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh_file", meshfile, sizeof meshfile, &set));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-mesh_order", &order, NULL));
  PetscCheck(order == 1 || order == 2, comm, PETSC_ERR_USER_INPUT, "mesh_order = %" PetscInt_FMT ": allowed values are 1 and 2", order);
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bc_fixed", fixed, sizeof fixed, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bc_load", load, sizeof load, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-load_axial_N", &rec.force, &set));
  if (!set) rec.force = 500.0;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-vfe_write_fields", &writefields, NULL));
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
    PetscCallMPI(MPI_Allreduce(&nc, &rec.nglobal_cells, 1, MPIU_INT, MPI_SUM, comm));
  }
  PetscCall(PetscPrintf(comm, "vfe: mesh %s: %" PetscInt_FMT " tetrahedra, %" PetscInt_FMT " regions, %" PetscInt_FMT " boundaries\n", meshfile,
                        rec.nglobal_cells, info.nregions, info.nsurfaces));

  /* materials */
  PetscCall(PetscMalloc1(info.nregions, &mats));
  {
    const char **names;
    PetscCall(PetscMalloc1(info.nregions, &names));
    for (PetscInt r = 0; r < info.nregions; ++r) names[r] = info.regions[r].name;
    for (PetscInt k = 0; k < nmat; ++k) PetscCall(VfeMaterialsCheckKey(matkeys[k], info.nregions, names));
    PetscCall(VfeMaterialsResolve(info.nregions, names, mats));
    PetscCall(PetscFree(names));
  }
  if (order == 1)
    for (PetscInt r = 0; r < info.nregions; ++r)
      if (mats[r].nu >= 0.49)
        PetscCall(PetscPrintf(comm, "vfe: warning: region %s has nu = %g: P1 tetrahedra lock for nearly incompressible material; use mesh_order 2 "
                              "for locking-free results there\n", info.regions[r].name, (double)mats[r].nu));
  for (PetscInt k = 0; k < nmat; ++k) PetscCall(PetscFree(matkeys[k]));
  PetscCall(PetscFree(matkeys));

  if (!strcmp(command, "mesh")) {
    PetscCall(PetscPrintf(comm, "vfe: mesh checked: %" PetscInt_FMT " regions:", info.nregions));
    for (PetscInt r = 0; r < info.nregions; ++r) PetscCall(PetscPrintf(comm, " %s", info.regions[r].name));
    PetscCall(PetscPrintf(comm, "\n"));
    PetscCall(DMDestroy(&dm));
    PetscCall(VfeMeshInfoDestroy(&info));
    PetscCall(PetscFree(mats));
    if (rec.seg) PetscCall(VfeSegmentReportDestroy(&rec.seg));
    PetscFunctionReturn(0);
  }

  /* discretisation and problem */
  PetscCall(PetscLogEventBegin(VfeEv.setup, 0, 0, 0, 0));
  sfix  = VfeMeshInfoFindSurface(&info, fixed);
  sload = VfeMeshInfoFindSurface(&info, load);
  PetscCheck(sfix >= 0, comm, PETSC_ERR_USER_INPUT, "bc_fixed = '%s' matches no boundary surface of the mesh", fixed);
  PetscCheck(sload >= 0, comm, PETSC_ERR_USER_INPUT, "bc_load = '%s' matches no boundary surface of the mesh", load);
  PetscCall(VfeDiscCreate(dm, order, &disc));
  PetscCall(VfeProblemCreate(disc, info.nregions, &prob));
  for (PetscInt r = 0; r < info.nregions; ++r) PetscCall(VfeProblemSetMaterial(prob, r, mats[r].E, mats[r].nu));
  PetscCall(VfeProblemSetFromOptions(prob));
  PetscCall(VfeProblemAddDirichlet(prob, sfix, NULL, NULL, NULL));
  PetscCall(VfeDiscSurfaceArea(disc, sload, &rec.area));
  PetscCheck(rec.area > 0, comm, PETSC_ERR_USER_INPUT, "bc_load surface '%s' has zero area", load);
  trac.t[2] = -rec.force / rec.area;
  PetscCall(VfeProblemAddTraction(prob, sload, VfeConstantTraction, &trac));
  PetscCall(PetscLogEventEnd(VfeEv.setup, 0, 0, 0, 0));
  rec.ndofs = 3 * disc->nglobal;
  PetscCall(PetscPrintf(comm, "vfe: P%" PetscInt_FMT ", %" PetscInt_FMT " dofs on %d ranks\n", order, rec.ndofs, rec.size));

  PetscCall(VfeProblemAssemble(prob));
  PetscCall(VfeDiscCreateGlobalVector(disc, &u));
  PetscCall(VfeProblemSolve(prob, u));
  PetscCall(PetscPrintf(comm, "vfe: solver converged (%s) in %" PetscInt_FMT " CG iterations, residual norm %.3e\n",
                        KSPConvergedReasons[prob->reason], prob->its, (double)prob->rnorm));

  /* post-processing */
  PetscCall(PetscLogEventBegin(VfeEv.post, 0, 0, 0, 0));
  PetscCall(VfeDiscCreateLocalVector(disc, &ul));
  PetscCall(VfeDiscCreateLocalVector(disc, &fl));
  PetscCall(VfeDiscGlobalToLocal(disc, u, ul));
  PetscCall(VfeProblemInternalForce(prob, ul, fl));
  PetscCall(VfeDiscSurfaceSum(disc, sfix, fl, rec.reaction));
  {
    PetscReal usum[3], cnt[3];
    Vec       ones;
    PetscCall(VecDuplicate(ul, &ones));
    PetscCall(VecSet(ones, 1.0));
    PetscCall(VfeDiscSurfaceSum(disc, sload, ul, usum));
    PetscCall(VfeDiscSurfaceSum(disc, sload, ones, cnt));
    PetscCall(VecDestroy(&ones));
    rec.plate_uz  = usum[2] / cnt[2];
    rec.stiffness = rec.plate_uz != 0 ? rec.force / PetscAbsReal(rec.plate_uz) : 0;
  }
  {
    VfeCellFields cf;
    PetscCall(VfeComputeCellFields(prob, ul, &cf));
    PetscCall(PetscMalloc1(info.nregions, &rec.stats));
    PetscCall(VfeRegionStatistics(disc, &cf, info.nregions, rec.stats));
    PetscCall(PetscLogEventEnd(VfeEv.post, 0, 0, 0, 0));
    PetscCall(PetscPrintf(comm, "vfe: load %.6g N on %s (%.6g mm^2), reaction on %s %.6g N, load-plate displacement %.6g mm, stiffness %.6g N/mm\n",
                          (double)rec.force, load, (double)rec.area, fixed, (double)rec.reaction[2], (double)rec.plate_uz, (double)rec.stiffness));
    PetscCall(PetscLogEventBegin(VfeEv.output, 0, 0, 0, 0));
    if (writefields) {
      PetscCall(PetscSNPrintf(path, sizeof path, "%s/fields.hdf", outdir));
      PetscCall(VfeWriteFields(comm, path, disc, ul, &cf));
    }
    PetscCall(VfeCellFieldsDestroy(&cf));
    PetscCall(PetscLogEventEnd(VfeEv.output, 0, 0, 0, 0));
  }
  PetscCall(PetscTime(&t1));
  rec.command = command, rec.casefile = casefile, rec.meshfile = meshfile, rec.outdir = outdir;
  rec.info = &info, rec.mats = mats, rec.prob = prob;
  rec.t_mesh = VfeEventTime(comm, VfeEv.mesh), rec.t_setup = VfeEventTime(comm, VfeEv.setup);
  rec.t_asm = VfeEventTime(comm, VfeEv.assembly), rec.t_pc = VfeEventTime(comm, VfeEv.pcsetup);
  rec.t_solve = VfeEventTime(comm, VfeEv.solve), rec.t_post = VfeEventTime(comm, VfeEv.post);
  rec.t_out = VfeEventTime(comm, VfeEv.output), rec.t_total = (PetscReal)(t1 - t0);
  PetscCall(VfeWriteSummary(comm, &rec));
  PetscCall(PetscPrintf(comm, "vfe: wrote %s/summary.json%s (mesh %.2f s, assembly %.2f s, solver set-up %.2f s, solve %.2f s, total %.2f s)\n",
                        outdir, writefields ? " and fields.hdf" : "", (double)rec.t_mesh, (double)rec.t_asm, (double)rec.t_pc,
                        (double)rec.t_solve, (double)rec.t_total));
  PetscCall(PetscFree(rec.stats));
  if (rec.seg) PetscCall(VfeSegmentReportDestroy(&rec.seg));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&ul));
  PetscCall(VecDestroy(&fl));
  PetscCall(VfeProblemDestroy(&prob));
  PetscCall(VfeDiscDestroy(&disc));
  PetscCall(DMDestroy(&dm));
  PetscCall(VfeMeshInfoDestroy(&info));
  PetscCall(PetscFree(mats));
  PetscFunctionReturn(0);
}

static int VfeExitCode(PetscErrorCode ierr)
{
  switch (ierr) {
  case 0: return 0;
  case PETSC_ERR_NOT_CONVERGED: return 2;
  case PETSC_ERR_FILE_WRITE: return 3; /* a malformed input file (FILE_UNEXPECTED) is bad input: 1 */
  default: return 1;
  }
}

int main(int argc, char **argv)
{
  PetscErrorCode ierr;
  const char    *command, *casefile = NULL;
  int            firstopt = 2, code;

  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 1 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("vfe %s (git %s)\n", VFE_VERSION_STRING, VFE_GIT_HASH);
    return 0;
  }
  command = argv[1];
  if (strcmp(command, "run") && strcmp(command, "mesh") && strcmp(command, "sweep")) {
    fprintf(stderr, "vfe: error: unknown command '%s' (allowed: run, mesh, sweep, --help, --version)\n", command);
    return 1;
  }
  if (argc > 2 && argv[2][0] != '-') casefile = argv[2], firstopt = 3;
  ierr = PetscInitialize(&argc, &argv, NULL, NULL);
  if (ierr) {
    fprintf(stderr, "vfe: error: PETSc initialisation failed (%d)\n", (int)ierr);
    return 1;
  }
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  PetscLogDefaultBegin(); /* per-stage timings for the manifest */
  if (!strcmp(command, "sweep")) ierr = VfeSweep(PETSC_COMM_WORLD, casefile, argc, argv, firstopt);
  else ierr = VfeRun(PETSC_COMM_WORLD, command, casefile, argc, argv, firstopt);
  code = VfeExitCode(ierr);
  if (ierr) {
    const char *text = NULL;
    char       *msg  = NULL;
    PetscMPIInt size;
    PetscErrorMessage(ierr, &text, &msg);
    fprintf(stderr, "vfe: error: %s\n", msg && msg[0] ? msg : (text ? text : "unknown error"));
    fflush(stderr);
    MPI_Comm_size(PETSC_COMM_WORLD, &size);
    if (size > 1) MPI_Abort(PETSC_COMM_WORLD, code);
  }
  PetscPopErrorHandler();
  PetscFinalize();
  return code;
}
