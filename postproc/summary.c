/*
 * summary.c - the files a run leaves: summary.json (all metrics and a manifest), metrics.csv (one
 * row, the columns sweeps aggregate) and fields.hdf (ParaView).
 *
 * Every file is written as NAME.part and renamed when complete, so an interrupted run never
 * leaves a complete-looking file; summary.json is written last and its presence marks a finished
 * case (sweeps resume on it).  JSON numbers that are undefined (NaN: an index that does not apply
 * to this mesh) are written as null; in the CSV as an empty cell.
 */
#include "vfepost.h"
#include "vfeoutput.h"
#include "vfeconfig.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* FNV-1a 64 of a file, as 16 hex digits ("none" if unreadable). */
static void VfeHashFile(const char *path, char out[17])
{
  FILE *f              = path ? fopen(path, "rb") : NULL;
  unsigned long long h = 1469598103934665603ULL;
  unsigned char buf[65536];
  size_t n;
  if (!f) {
    snprintf(out, 17, "none");
    return;
  }
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    for (size_t i = 0; i < n; ++i) h = (h ^ buf[i]) * 1099511628211ULL;
  fclose(f);
  snprintf(out, 17, "%016llx", h);
}

static void VfeJSONString(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; ++s) {
    if (*s == '"' || *s == '\\')
      fputc('\\', f), fputc(*s, f);
    else if ((unsigned char)*s < 0x20)
      fprintf(f, "\\u%04x", *s);
    else
      fputc(*s, f);
  }
  fputc('"', f);
}

static void VfeJSONNumber(FILE *f, PetscReal v)
{
  if (isfinite((double)v))
    fprintf(f, "%.6g", (double)v);
  else
    fprintf(f, "null");
}

static void VfeCSVNumber(FILE *f, PetscReal v)
{
  if (isfinite((double)v))
    fprintf(f, ",%.10g", (double)v);
  else
    fprintf(f, ",");
}

static PetscReal VfeRatio(PetscReal a, PetscReal b)
{
  return (isfinite((double)a) && isfinite((double)b) && b != 0) ? a / b : (PetscReal)NAN;
}

static FILE *VfeOpenPart(const char *path, char *tmp, size_t len)
{
  snprintf(tmp, len, "%s.part", path);
  return fopen(tmp, "w");
}

static PetscErrorCode VfeClosePart(FILE *f, const char *tmp, const char *path)
{
  PetscFunctionBeginUser;
  PetscCheck(fclose(f) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s': %s", tmp, strerror(errno));
  PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename '%s' to '%s': %s", tmp, path,
             strerror(errno));
  PetscFunctionReturn(0);
}

/* the headline metrics, shared by the JSON and the CSV: name and value */
typedef struct {
  const char *name;
  PetscReal value;
} VfeMetric;

static int VfeHeadline(const VfeRunRecord *r, VfeMetric *m)
{
  const VfeIndices *x = &r->ix, *b = r->base_stats ? &r->base_ix : NULL;
  int n  = 0;
  m[n++] = (VfeMetric){"plate_uz_mm", r->plate_uz};
  m[n++] = (VfeMetric){"stiffness_N_per_mm", r->stiffness};
  m[n++] = (VfeMetric){"adj_above_endplate_vm_mean", x->adj_above_vm_mean};
  m[n++] = (VfeMetric){"adj_above_endplate_vm_p95", x->adj_above_vm_p95};
  m[n++] = (VfeMetric){"adj_below_endplate_vm_mean", x->adj_below_vm_mean};
  m[n++] = (VfeMetric){"adj_below_endplate_vm_p95", x->adj_below_vm_p95};
  m[n++] = (VfeMetric){"treated_risk", x->treated_risk};
  m[n++] = (VfeMetric){"adj_above_risk", x->adj_above_risk};
  m[n++] = (VfeMetric){"adj_below_risk", x->adj_below_risk};
  m[n++] = (VfeMetric){"treated_yield_fraction", x->treated_yield};
  m[n++] = (VfeMetric){"adj_above_yield_fraction", x->adj_above_yield};
  m[n++] = (VfeMetric){"adj_below_yield_fraction", x->adj_below_yield};
  m[n++] = (VfeMetric){"baseline_stiffness_N_per_mm", b ? r->base_stiffness : (PetscReal)NAN};
  m[n++] = (VfeMetric){"relative_stiffness", b ? VfeRatio(r->stiffness, r->base_stiffness) : (PetscReal)NAN};
  m[n++] = (VfeMetric){"adj_above_endplate_vm_mean_relative",
                       b ? VfeRatio(x->adj_above_vm_mean, b->adj_above_vm_mean) : (PetscReal)NAN};
  m[n++] = (VfeMetric){"adj_below_endplate_vm_mean_relative",
                       b ? VfeRatio(x->adj_below_vm_mean, b->adj_below_vm_mean) : (PetscReal)NAN};
  m[n++] = (VfeMetric){"treated_relative_risk", b ? VfeRatio(x->treated_risk, b->treated_risk) : (PetscReal)NAN};
  m[n++] = (VfeMetric){"adj_above_relative_risk", b ? VfeRatio(x->adj_above_risk, b->adj_above_risk) : (PetscReal)NAN};
  m[n++] = (VfeMetric){"adj_below_relative_risk", b ? VfeRatio(x->adj_below_risk, b->adj_below_risk) : (PetscReal)NAN};
  return n;
}

static PetscErrorCode VfeWriteCSV(const VfeRunRecord *r)
{
  char path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8];
  FILE *f;
  VfeMetric m[32];
  int nm = VfeHeadline(r, m);

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/metrics.csv", r->outdir));
  f = VfeOpenPart(path, tmp, sizeof tmp);
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s': %s", tmp, strerror(errno));
  fprintf(f, "case,cement_material,cement_pattern,fill_ratio_requested,fill_ratio,bone_density,load_case,load_mode,"
             "dofs,iterations,force_N,"
             "moment_Nm");
  for (int i = 0; i < nm; ++i) fprintf(f, ",%s", m[i].name);
  for (PetscInt d = 0; d < r->ix.ndiscs; ++d) fprintf(f, ",idp_%s_MPa", r->ix.disc[d]);
  for (PetscInt i = 0; i < r->info->nregions; ++i) {
    const char *n = r->info->regions[i].name;
    fprintf(f, ",%s.vm_mean,%s.vm_p95,%s.vm_max,%s.comp_p95", n, n, n, n);
  }
  fprintf(f, "\n%s,%s,%s", r->outdir, r->cement_material, r->seg ? r->seg->pattern : "");
  VfeCSVNumber(f, r->seg ? r->seg->fill_requested : (PetscReal)NAN);
  VfeCSVNumber(f, r->seg ? r->seg->fill_ratio : (PetscReal)NAN);
  fprintf(f, ",%s,%s,%s,%" PetscInt_FMT ",%" PetscInt_FMT, r->bone_density, r->load.preset, r->load.mode, r->ndofs,
          r->its);
  VfeCSVNumber(f, r->load.force);
  VfeCSVNumber(f, r->load.moment / 1000.0);
  for (int i = 0; i < nm; ++i) VfeCSVNumber(f, m[i].value);
  for (PetscInt d = 0; d < r->ix.ndiscs; ++d) VfeCSVNumber(f, r->ix.idp[d]);
  for (PetscInt i = 0; i < r->info->nregions; ++i) {
    VfeCSVNumber(f, r->stats[i].vm_mean);
    VfeCSVNumber(f, r->stats[i].vm_p95);
    VfeCSVNumber(f, r->stats[i].vm_max);
    VfeCSVNumber(f, r->stats[i].comp_p95);
  }
  fprintf(f, "\n");
  PetscCall(VfeClosePart(f, tmp, path));
  PetscFunctionReturn(0);
}

static void VfeJSONVec(FILE *f, const PetscReal v[3])
{
  fprintf(f, "[");
  for (int d = 0; d < 3; ++d) {
    VfeJSONNumber(f, v[d]);
    if (d < 2) fprintf(f, ", ");
  }
  fprintf(f, "]");
}

static void VfeJSONRegion(FILE *f, const VfeRegionStats *s)
{
  fprintf(f,
          "\"cells\": %" PetscInt_FMT
          ", \"volume_mm3\": %.6g, \"von_mises\": {\"mean\": %.6g, \"p95\": %.6g, \"max\": %.6g}, "
          "\"compression\": {\"mean\": %.6g, \"p95\": %.6g, \"max\": %.6g}, \"min_principal_min\": %.6g, "
          "\"pressure_mean\": %.6g, "
          "\"sed_mean\": %.6g, \"yield_fraction\": %.6g",
          s->ncells, (double)s->volume, (double)s->vm_mean, (double)s->vm_p95, (double)s->vm_max, (double)s->comp_mean,
          (double)s->comp_p95, (double)s->comp_max, (double)s->minp_min, (double)s->pressure_mean, (double)s->sed_mean,
          (double)s->yield_fraction);
}

PetscErrorCode VfeWriteRunOutputs(MPI_Comm comm, const VfeRunRecord *r)
{
  PetscMPIInt rank;
  char path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8], hcase[17], hmesh[17], *opts = NULL, stamp[64];
  FILE *f;
  time_t now = time(NULL);
  VfeMetric m[32];
  int nm = VfeHeadline(r, m);

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  if (rank) {
    PetscCall(PetscFree(opts));
    PetscFunctionReturn(0);
  }
  PetscCall(VfeWriteCSV(r));
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  VfeHashFile(r->casefile, hcase);
  VfeHashFile(r->meshfile, hmesh);
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/summary.json", r->outdir));
  f = VfeOpenPart(path, tmp, sizeof tmp);
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s': %s", tmp, strerror(errno));
  fprintf(f,
          "{\n  \"manifest\": {\n    \"vfe_version\": \"%s\",\n    \"git_hash\": \"%s\",\n    \"date\": \"%s\",\n    "
          "\"case_file\": ",
          VFE_VERSION_STRING, VFE_GIT_HASH, stamp);
  VfeJSONString(f, r->casefile);
  fprintf(f, ",\n    \"case_hash\": \"%s\",\n    \"mesh_file\": ", hcase);
  VfeJSONString(f, r->meshfile);
  fprintf(f, ",\n    \"mesh_hash\": \"%s\",\n    \"ranks\": %d,\n    \"options\": ", hmesh, r->size);
  VfeJSONString(f, opts ? opts : "");
  fprintf(f,
          ",\n    \"timings_s\": {\"mesh\": %.4f, \"setup\": %.4f, \"assembly\": %.4f, \"solver_setup\": %.4f, "
          "\"solve\": %.4f, "
          "\"postproc\": %.4f, \"output\": %.4f, \"total\": %.4f}\n  },\n",
          (double)r->t_mesh, (double)r->t_setup, (double)r->t_asm, (double)r->t_pc, (double)r->t_solve,
          (double)r->t_post, (double)r->t_out, (double)r->t_total);
  if (r->seg) {
    fprintf(f, "  \"segment\": ");
    PetscCall(VfeSegmentReportWriteJSON(r->seg, f));
    fprintf(f, ",\n");
  }
  fprintf(f, "  \"mesh\": {\"cells\": %" PetscInt_FMT ", \"order\": %" PetscInt_FMT ", \"dofs\": %" PetscInt_FMT "},\n",
          r->ncells, r->order, r->ndofs);
  fprintf(f,
          "  \"solver\": {\"ksp\": \"cg\", \"pc\": \"gamg\", \"iterations\": %" PetscInt_FMT
          ", \"converged_reason\": \"%s\", \"residual_norm\": %.6e",
          r->its, r->reason, (double)r->rnorm);
  if (r->base_stats) fprintf(f, ", \"baseline_iterations\": %" PetscInt_FMT, r->base_its);
  fprintf(f,
          "},\n  \"load\": {\"case\": \"%s\", \"mode\": \"%s\", \"axial_N\": %.6g, \"moment_Nm\": %.6g, "
          "\"load_area_mm2\": %.6g, \"centroid_mm\": ",
          r->load.preset, r->load.mode, (double)r->load.force, (double)(r->load.moment / 1000.0), (double)r->load.area);
  VfeJSONVec(f, r->load.c);
  fprintf(f, ",\n    \"applied_force_N\": ");
  VfeJSONVec(f, r->Fapp);
  fprintf(f, ", \"reaction_force_N\": ");
  VfeJSONVec(f, r->Freac);
  fprintf(f, ",\n    \"applied_moment_Nmm\": ");
  VfeJSONVec(f, r->Mapp);
  fprintf(f, ", \"reaction_moment_Nmm\": ");
  VfeJSONVec(f, r->Mreac);
  {
    /* equilibrium: applied + reaction = 0, relative to the load's size */
    PetscReal ef = 0, em = 0, sf = PetscMax(PetscAbsReal(r->load.force), 1e-12),
              sm = PetscMax(r->load.moment, sf * 10.0);
    for (int d = 0; d < 3; ++d)
      ef = PetscMax(ef, PetscAbsReal(r->Fapp[d] + r->Freac[d])),
      em = PetscMax(em, PetscAbsReal(r->Mapp[d] + r->Mreac[d]));
    fprintf(f, ",\n    \"equilibrium_force_error\": %.3e, \"equilibrium_moment_error\": %.3e},\n", (double)(ef / sf),
            (double)(em / sm));
  }
  fprintf(f, "  \"levels\": {\"treated\": \"%s\", \"above\": \"%s\", \"below\": \"%s\"},\n", r->ix.treated, r->ix.above,
          r->ix.below);
  fprintf(f, "  \"metrics\": {");
  for (int i = 0; i < nm; ++i) {
    fprintf(f, "%s\n    \"%s\": ", i ? "," : "", m[i].name);
    VfeJSONNumber(f, m[i].value);
  }
  fprintf(f, ",\n    \"intradiscal_pressure_MPa\": {");
  for (PetscInt d = 0; d < r->ix.ndiscs; ++d) {
    fprintf(f, "%s\"%s\": ", d ? ", " : "", r->ix.disc[d]);
    VfeJSONNumber(f, r->ix.idp[d]);
  }
  fprintf(f, "}");
  if (r->base_stats) {
    fprintf(f, ",\n    \"baseline_intradiscal_pressure_MPa\": {");
    for (PetscInt d = 0; d < r->base_ix.ndiscs; ++d) {
      fprintf(f, "%s\"%s\": ", d ? ", " : "", r->base_ix.disc[d]);
      VfeJSONNumber(f, r->base_ix.idp[d]);
    }
    fprintf(f, "}");
  }
  fprintf(f, "\n  },\n  \"regions\": {\n");
  for (PetscInt i = 0; i < r->info->nregions; ++i) {
    const VfeMaterial *mt = &r->mats[i];
    fprintf(f, "    ");
    VfeJSONString(f, r->info->regions[i].name);
    fprintf(f,
            ": {\"index\": %" PetscInt_FMT
            ", \"material\": \"%s\", \"E_MPa\": %.6g, \"nu\": %.6g, \"strength_MPa\": %.6g, ",
            i, mt->name, (double)mt->E, (double)mt->nu, (double)mt->strength);
    VfeJSONRegion(f, &r->stats[i]);
    if (r->base_stats) {
      fprintf(f, ", \"baseline\": {");
      VfeJSONRegion(f, &r->base_stats[i]);
      fprintf(f, "}");
    }
    fprintf(f, "}%s\n", i + 1 < r->info->nregions ? "," : "");
  }
  fprintf(f, "  },\n  \"note\": \"comparative engineering indices, not clinical predictions\"\n}\n");
  PetscCall(VfeClosePart(f, tmp, path));
  PetscCall(PetscFree(opts));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeWriteFields(MPI_Comm comm, const char *path, VfeSpace d, Vec ulocal, const VfeCellFields *cf,
                              const VfeMeshInfo *info, const VfeIndices *ix)
{
  const PetscScalar *u;
  PetscReal *disp, *reg, *mask;
  VfeField pf[1], cfl[7];
  PetscInt above = -1, below = -1;
  char name[VFE_NAME_LEN];

  PetscFunctionBeginUser;
  if (ix && ix->above[0]) {
    PetscCall(PetscSNPrintf(name, sizeof name, "%s.endplate_inf", ix->above));
    above = VfeMeshInfoFindRegion(info, name);
  }
  if (ix && ix->below[0]) {
    PetscCall(PetscSNPrintf(name, sizeof name, "%s.endplate_sup", ix->below));
    below = VfeMeshInfoFindRegion(info, name);
  }
  PetscCall(PetscMalloc3(3 * d->nnodes, &disp, d->ncells, &reg, d->ncells, &mask));
  PetscCall(VecGetArrayRead(ulocal, &u));
  for (PetscInt i = 0; i < 3 * d->nnodes; ++i) disp[i] = PetscRealPart(u[i]);
  PetscCall(VecRestoreArrayRead(ulocal, &u));
  for (PetscInt c = 0; c < d->ncells; ++c) {
    reg[c]  = (PetscReal)d->cell_region[c];
    mask[c] = d->cell_region[c] == above ? 1.0 : (d->cell_region[c] == below ? 2.0 : 0.0);
  }
  pf[0]  = (VfeField){"displacement", 3, disp};
  cfl[0] = (VfeField){"stress", 6, cf->stress};
  cfl[1] = (VfeField){"von_mises", 1, cf->vm};
  cfl[2] = (VfeField){"min_principal", 1, cf->minp};
  cfl[3] = (VfeField){"strain_energy_density", 1, cf->sed};
  cfl[4] = (VfeField){"strain", 6, cf->strain};
  cfl[5] = (VfeField){"region", 1, reg};
  cfl[6] = (VfeField){"adjacent_endplate", 1, mask};
  PetscCall(VfeWriteVTKHDF(comm, path, d->nnodes, d->xyz, d->ncells, d->npc, d->cell_nodes, 1, pf, 7, cfl));
  PetscCall(PetscFree3(disp, reg, mask));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeWriteMeshOutputs(MPI_Comm comm, const char *outdir, VfeSpace d, const VfeMeshInfo *info,
                                   VfeSegmentReport seg, const char *meshfile)
{
  char path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8], hash[17];
  PetscReal *reg;
  VfeField cf[1];
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(d->ncells, &reg));
  for (PetscInt c = 0; c < d->ncells; ++c) reg[c] = (PetscReal)d->cell_region[c];
  cf[0] = (VfeField){"region", 1, reg};
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/mesh.hdf", outdir));
  PetscCall(VfeWriteVTKHDF(comm, path, d->nnodes, d->xyz, d->ncells, d->npc, d->cell_nodes, 0, NULL, 1, cf));
  PetscCall(PetscFree(reg));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    FILE *f;
    PetscCall(PetscSNPrintf(path, sizeof path, "%s/mesh.json", outdir));
    f = VfeOpenPart(path, tmp, sizeof tmp);
    PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create '%s': %s", tmp, strerror(errno));
    VfeHashFile(meshfile, hash);
    fprintf(f, "{\n  \"vfe_version\": ");
    VfeJSONString(f, VFE_VERSION_STRING);
    fprintf(f, ",\n  \"mesh_file\": ");
    VfeJSONString(f, meshfile);
    fprintf(f, ",\n  \"mesh_file_hash\": \"%s\",\n  \"regions\": [", hash);
    for (PetscInt r = 0; r < info->nregions; ++r) {
      fprintf(f, "%s\n    {\"index\": %d, \"name\": ", r ? "," : "", (int)r);
      VfeJSONString(f, info->regions[r].name);
      fprintf(f, "}");
    }
    fprintf(f, "\n  ]");
    if (seg) {
      fprintf(f, ",\n  \"segment\": ");
      PetscCall(VfeSegmentReportWriteJSON(seg, f));
    }
    fprintf(f, "\n}\n");
    PetscCall(VfeClosePart(f, tmp, path));
  }
  PetscFunctionReturn(0);
}
