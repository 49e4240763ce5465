/*
 * summary.c - the files a run leaves: summary.json (all metrics and a manifest), metrics.csv (one
 * row, the columns sweeps aggregate) and fields.hdf (ParaView).  The metrics row is built once in
 * memory (VfeRunMetricsRow): metrics.csv, summary.json's "table" and a sweep's table all come
 * from it, so nothing in vfe parses a CSV.
 *
 * Every file is written as NAME.part and renamed when complete, so an interrupted run never
 * leaves a complete-looking file; summary.json is written last and its presence marks a finished
 * case (sweeps resume on it).  JSON is built and written with jansson (strings escaped by it); numbers
 * that are undefined (NaN: an index that does not apply to this mesh) are written as null, in the
 * CSV as an empty cell.
 */
#include "vfepost.h"
#include "vfeoutput.h"
#include "vfeconfig.h"
#include "vfefile.h"
#include "vfesweeptable.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

/* A JSON number, or null when undefined (NaN, inf). */
static json_t *VfeJNum(PetscReal v)
{
  return isfinite((double)v) ? json_real((double)v) : json_null();
}

static json_t *VfeJVec(const PetscReal v[3])
{
  return json_pack("[o, o, o]", VfeJNum(v[0]), VfeJNum(v[1]), VfeJNum(v[2]));
}

/* Add key: value to obj (value NULL: an allocation failed, reported by the writer). */
static void VfeJSet(json_t *obj, const char *key, json_t *value)
{
  if (value) json_object_set_new(obj, key, value);
}

/* Write a JSON document atomically (2-space indent, keys in insertion order). */
static PetscErrorCode VfeJSONWrite(const char *path, json_t *root)
{
  VfeAtomicFile af;

  PetscFunctionBeginUser;
  PetscCheck(root, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot build the JSON document for '%s'", path);
  PetscCall(VfeAtomicOpen(path, &af));
  if (json_dumpf(root, af.f, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) || fputc('\n', af.f) == EOF) {
    VfeAtomicAbort(&af);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s.part'", path);
  }
  PetscCall(VfeAtomicCommit(&af));
  PetscFunctionReturn(0);
}

/* The CT mesher's report (vfemesh.h) as a JSON object: its own JSON text (VfeCTReportWriteJSON), parsed back;
 * NULL if that fails (VfeJSet then reports the document as incomplete). */
static json_t *VfeCTReportJSON(VfeCTReport r)
{
  char *buf  = NULL;
  size_t len = 0;
  FILE *f    = open_memstream(&buf, &len);
  json_t *o  = NULL;

  if (!f) return NULL;
  if (!VfeCTReportWriteJSON(r, f) && !fflush(f)) o = json_loadb(buf, len, 0, NULL);
  fclose(f);
  free(buf);
  return o;
}

/* The segment mesher's report (vfemesh.h) as a JSON object; a segment from surfaces (mesh/surfmesh.c) writes its
 * own, with the surfaces' measures. */
static json_t *VfeSegmentReportJSON(VfeSegmentReport r)
{
  json_t *o, *split, *regions;
  char hash[17];

  if (!strcmp(r->geometry, "surfaces")) {
    char *buf  = NULL;
    size_t len = 0;
    FILE *f    = open_memstream(&buf, &len);
    if (!f) return NULL;
    o = NULL;
    if (!VfeSegmentReportWriteJSON(r, f) && !fflush(f)) o = json_loadb(buf, len, 0, NULL);
    fclose(f);
    free(buf);
    return o;
  }
  o = json_object(), split = json_object(), regions = json_object();

  snprintf(hash, sizeof hash, "%016llx", r->hash);
  VfeJSet(o, "levels", json_string(r->levels));
  VfeJSet(o, "treated", json_string(r->treated));
  VfeJSet(o, "pattern", json_string(r->pattern));
  VfeJSet(o, "leak", json_string(r->leak));
  VfeJSet(o, "wedge", VfeJNum(r->wedge));
  VfeJSet(o, "mesh_size_mm", VfeJNum(r->size_mm));
  VfeJSet(o, "mesh_order", json_integer(r->order));
  VfeJSet(o, "fill_requested", VfeJNum(r->fill_requested));
  VfeJSet(o, "body_volume_mm3", VfeJNum(r->body_volume));
  VfeJSet(o, "cement_volume_mm3", VfeJNum(r->cement_volume));
  VfeJSet(o, "cement_region_volume_mm3", VfeJNum(r->cement_region_volume));
  VfeJSet(o, "cement_fraction", VfeJNum(r->diffuse_fraction));
  VfeJSet(o, "fill_ratio", VfeJNum(r->fill_ratio));
  VfeJSet(o, "larger_side_ratio", VfeJNum(r->larger_side_ratio));
  VfeJSet(o, "leak_volume_mm3", VfeJNum(r->leak_volume));
  VfeJSet(o, "touches_endplate_sup", json_boolean(r->touches_endplate_sup));
  VfeJSet(o, "touches_endplate_inf", json_boolean(r->touches_endplate_inf));
  VfeJSet(o, "nodes", json_integer(r->nnodes));
  VfeJSet(o, "tetrahedra", json_integer(r->ntets));
  VfeJSet(o, "quality_min", VfeJNum(r->quality_min));
  VfeJSet(o, "quality_p01", VfeJNum(r->quality_p01));
  VfeJSet(o, "passes", json_integer(r->remesh_passes));
  VfeJSet(o, "mesh_seconds", VfeJNum(r->mesh_seconds));
  VfeJSet(split, "geometry", VfeJNum(r->t_geometry));
  VfeJSet(split, "surfaces", VfeJNum(r->t_surface));
  VfeJSet(split, "volumes", VfeJNum(r->t_volume));
  VfeJSet(split, "rest", VfeJNum(r->t_rest));
  VfeJSet(o, "mesh_seconds_split", split);
  VfeJSet(o, "mesh_threads", json_integer(r->mesh_threads));
  VfeJSet(o, "volume_mesher", json_string(r->volume_mesher));
  VfeJSet(o, "mesh_hash", json_string(hash));
  for (PetscInt i = 0; i < r->nregions; i++)
    VfeJSet(regions, r->region[i],
            json_pack("{s:I, s:o}", "tetrahedra", (json_int_t)r->region_tets[i], "volume_mm3",
                      VfeJNum(r->region_volume[i])));
  VfeJSet(o, "regions", regions);
  return o;
}

static PetscReal VfeRatio(PetscReal a, PetscReal b)
{
  return (isfinite((double)a) && isfinite((double)b) && b != 0) ? a / b : (PetscReal)NAN;
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

/* Append one column to a row being built (value NULL: empty). */
static PetscErrorCode VfeRowAdd(VfeMetricsRow *row, const char *name, const char *value)
{
  PetscFunctionBeginUser;
  PetscCall(PetscStrallocpy(name, &row->names[row->n]));
  PetscCall(PetscStrallocpy(value ? value : "", &row->values[row->n]));
  row->n++;
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeRowAddNum(VfeMetricsRow *row, const char *name, PetscReal v)
{
  char s[32] = "";

  PetscFunctionBeginUser;
  if (isfinite((double)v)) PetscCall(PetscSNPrintf(s, sizeof s, "%.10g", (double)v));
  PetscCall(VfeRowAdd(row, name, s));
  PetscFunctionReturn(0);
}

/* summary.json's density_mapping: the law, the calibration and what the mapping found. */
static json_t *VfeDensityMapJSON(const VfeDensityMapInfo *m)
{
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "image", m->image, "law", m->law, "law_density",
                        m->law_species, "density_species", m->species, "E_a_MPa", VfeJNum(m->a), "E_b_MPa",
                        VfeJNum(m->b), "E_exponent", VfeJNum(m->c), "E_least_MPa", VfeJNum(m->Emin));
  if (!o) return NULL;
  VfeJSet(o, "input", json_string(m->hu ? "HU (phantom calibration)" : "mg/cm^3"));
  VfeJSet(o, "elements", json_integer((json_int_t)m->ncells));
  VfeJSet(o, "volume_mm3", VfeJNum(m->volume));
  VfeJSet(o, "density_mean_mg_cm3", VfeJNum(m->rho_mean));
  VfeJSet(o, "E_mean_MPa", VfeJNum(m->E_mean));
  VfeJSet(o, "E_min_MPa", VfeJNum(m->E_min));
  VfeJSet(o, "E_max_MPa", VfeJNum(m->E_max));
  VfeJSet(o, "voxels_clamped", json_integer((json_int_t)m->nclamped));
  VfeJSet(o, "elements_nearest_voxel", json_integer((json_int_t)m->nnearest));
  VfeJSet(o, "elements_without_bone", json_integer((json_int_t)m->noutside));
  VfeJSet(o, "seconds", VfeJNum(m->t_map));
  return o;
}

PetscErrorCode VfeRunMetricsRow(const VfeRunRecord *r, VfeMetricsRow *row)
{
  static const char *const stat[] = {"vm_mean", "vm_p95", "vm_max", "comp_p95"};
  VfeMetric m[32];
  int nm       = VfeHeadline(r, m);
  PetscInt cap = 16 + nm + r->ix.ndiscs + 4 * r->info->nregions + VfeMotionNumMetrics(&r->motion) + r->nmembers;
  char s[32], col[VFE_NAME_LEN + 16];

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(row, sizeof *row));
  PetscCall(PetscCalloc2(cap, &row->names, cap, &row->values));
  PetscCall(VfeRowAdd(row, "case", r->outdir));
  PetscCall(VfeRowAdd(row, "cement_material", r->cement_material));
  PetscCall(VfeRowAdd(row, "cement_pattern", r->seg ? r->seg->pattern : ""));
  PetscCall(VfeRowAddNum(row, "fill_ratio_requested", r->seg ? r->seg->fill_requested : (PetscReal)NAN));
  PetscCall(VfeRowAddNum(row, "fill_ratio", r->seg ? r->seg->fill_ratio : (PetscReal)NAN));
  PetscCall(VfeRowAdd(row, "bone_density", r->bone_density));
  PetscCall(VfeRowAdd(row, "load_case", r->load.preset));
  PetscCall(VfeRowAdd(row, "load_mode", r->load.mode));
  PetscCall(PetscSNPrintf(s, sizeof s, "%" PetscInt_FMT, r->ndofs));
  PetscCall(VfeRowAdd(row, "dofs", s));
  PetscCall(PetscSNPrintf(s, sizeof s, "%" PetscInt_FMT, r->its));
  PetscCall(VfeRowAdd(row, "iterations", s));
  PetscCall(VfeRowAddNum(row, "force_N", r->load.force));
  PetscCall(VfeRowAddNum(row, "moment_Nm", r->load.moment / 1000.0));
  for (int i = 0; i < nm; ++i) PetscCall(VfeRowAddNum(row, m[i].name, m[i].value));
  for (PetscInt d = 0; d < r->ix.ndiscs; ++d) {
    PetscCall(PetscSNPrintf(col, sizeof col, "idp_%s_MPa", r->ix.disc[d]));
    PetscCall(VfeRowAddNum(row, col, r->ix.idp[d]));
  }
  for (PetscInt k = 0; k < VfeMotionNumMetrics(&r->motion); ++k) {
    PetscReal v;
    PetscCall(VfeMotionMetric(&r->motion, k, col, sizeof col, &v));
    PetscCall(VfeRowAddNum(row, col, v));
  }
  /* the osteoligamentous structures: ligament and facet-contact forces, fibre state, active set */
  for (PetscInt k = 0; k < r->nmembers; ++k) {
    PetscCall(PetscSNPrintf(col, sizeof col, "force_%s_N", r->members[k].name));
    PetscCall(VfeRowAddNum(row, col, r->members[k].force));
  }
  if (r->fibre_taut >= 0) PetscCall(VfeRowAddNum(row, "fibres_taut_fraction", r->fibre_taut));
  if (r->ctmap.on) {
    PetscCall(VfeRowAddNum(row, "ct_density_mean_mg_cm3", r->ctmap.rho_mean));
    PetscCall(VfeRowAddNum(row, "ct_E_mean_MPa", r->ctmap.E_mean));
  }
  PetscCall(PetscSNPrintf(s, sizeof s, "%" PetscInt_FMT, r->active_its));
  PetscCall(VfeRowAdd(row, "active_set_iterations", s));
  for (PetscInt i = 0; i < r->info->nregions; ++i) {
    const PetscReal v[4] = {r->stats[i].vm_mean, r->stats[i].vm_p95, r->stats[i].vm_max, r->stats[i].comp_p95};
    for (int k = 0; k < 4; ++k) {
      PetscCall(PetscSNPrintf(col, sizeof col, "%s.%s", r->info->regions[i].name, stat[k]));
      PetscCall(VfeRowAddNum(row, col, v[k]));
    }
  }
  PetscFunctionReturn(0);
}

/* metrics.csv: the row's names, then its values, each field per RFC 4180. */
static PetscErrorCode VfeWriteCSV(const char *outdir, const VfeMetricsRow *row)
{
  char path[PETSC_MAX_PATH_LEN];
  VfeAtomicFile af;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/metrics.csv", outdir));
  PetscCall(VfeAtomicOpen(path, &af));
  for (int pass = 0; pass < 2; ++pass) {
    for (PetscInt i = 0; i < row->n; ++i) {
      if (i) fputc(',', af.f);
      VfeCSVField(af.f, pass ? row->values[i] : row->names[i]);
    }
    fputc('\n', af.f);
  }
  PetscCall(VfeAtomicCommit(&af));
  PetscFunctionReturn(0);
}

/* the statistics of one region, added to obj */
static void VfeJSONRegion(json_t *o, const VfeRegionStats *s)
{
  VfeJSet(o, "cells", json_integer(s->ncells));
  VfeJSet(o, "volume_mm3", VfeJNum(s->volume));
  VfeJSet(
      o, "von_mises",
      json_pack("{s:o, s:o, s:o}", "mean", VfeJNum(s->vm_mean), "p95", VfeJNum(s->vm_p95), "max", VfeJNum(s->vm_max)));
  VfeJSet(o, "compression",
          json_pack("{s:o, s:o, s:o}", "mean", VfeJNum(s->comp_mean), "p95", VfeJNum(s->comp_p95), "max",
                    VfeJNum(s->comp_max)));
  VfeJSet(o, "min_principal_min", VfeJNum(s->minp_min));
  VfeJSet(o, "pressure_mean", VfeJNum(s->pressure_mean));
  VfeJSet(o, "sed_mean", VfeJNum(s->sed_mean));
  VfeJSet(o, "yield_fraction", VfeJNum(s->yield_fraction));
}

/* The rom object: per level rotation, translation, centre, nodes and fit residual; per motion segment
 * the range of motion (and the disc's load share); the whole segment. */
static json_t *VfeMotionJSON(const VfeMotion *m)
{
  json_t *o = json_object(), *lv = json_object(), *sg = json_object();

  VfeJSet(
      o, "convention",
      json_string("degrees; [x, y, z] = [flexion +/extension -, left lateral bending +/right -, left axial rotation "
                  "+/right -]: positive in the direction of load_mode flexion, lateral_left, torsion_left; a "
                  "least-squares rigid-body fit to the displacement of each level's nodes"));
  for (PetscInt k = 0; k < m->nlevels; ++k)
    VfeJSet(lv, m->level[k],
            json_pack("{s:o, s:o, s:o, s:I, s:o}", "rotation_deg", VfeJVec(m->rot[k]), "translation_mm",
                      VfeJVec(m->trans[k]), "center_mm", VfeJVec(m->center[k]), "nodes", (json_int_t)m->nodes[k],
                      "fit_rms_mm", VfeJNum(m->rms[k])));
  VfeJSet(o, "levels", lv);
  for (PetscInt s = 0; s < m->nsegs; ++s) {
    json_t *x = json_pack("{s:s, s:s, s:o}", "upper", m->level[m->upper[s]], "lower", m->level[m->lower[s]], "rom_deg",
                          VfeJVec(m->rom[s]));
    if (x && m->have_share) {
      VfeJSet(x, "disc_axial_force_N", VfeJNum(m->axial[s]));
      VfeJSet(x, "force_on_disc_N", VfeJVec(m->force[s]));
      VfeJSet(x, "disc_share", VfeJNum(m->disc_share[s]));
      VfeJSet(x, "posterior_share", VfeJNum(m->posterior_share[s]));
      VfeJSet(x, "interface_balance", VfeJNum(m->balance[s]));
    }
    VfeJSet(sg, m->seg[s], x);
  }
  VfeJSet(o, "segments", sg);
  if (m->nlevels > 1)
    VfeJSet(o, "total",
            json_pack("{s:s, s:s, s:o}", "upper", m->level[0], "lower", m->level[m->nlevels - 1], "rom_deg",
                      VfeJVec(m->total)));
  if (m->have_share)
    VfeJSet(o, "load_share_method",
            json_string("axial force = compression along the centre line of the adjacent levels, from the disc's own "
                        "internal force summed over its interfaces with them (theory.md); share = that / load_axial_N; "
                        "posterior_share = 1 - disc_share when the mesh has <lvl>.posterior regions"));
  return o;
}

/* The follower path (load.follower) as a JSON array. */
static json_t *VfeFollowerJSON(const VfeFollowerPath *p)
{
  json_t *a = json_array();
  for (PetscInt k = 0; k < p->nlevels; ++k)
    json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o}", "level", p->level[k], "centroid_mm",
                                       VfeJVec(p->centroid[k]), "body_volume_mm3", VfeJNum(p->volume[k]),
                                       "path_force_N", VfeJVec(p->force[k])));
  return a;
}

/* summary.json: manifest, segment report, mesh, solver, load and equilibrium, levels, metrics,
 * regions. */
static PetscErrorCode VfeWriteSummary(const VfeRunRecord *r, const VfeMetricsRow *row, const char *opts)
{
  char path[PETSC_MAX_PATH_LEN], hcase[17], hmesh[17], stamp[64];
  time_t now = time(NULL);
  VfeMetric m[32];
  int nm       = VfeHeadline(r, m);
  json_t *root = json_object(), *man = json_object(), *solver, *load, *metrics = json_object(), *idp, *regions;
  PetscReal ef = 0, em = 0, sf = PetscMax(PetscAbsReal(r->load.force), 1e-12), sm = PetscMax(r->load.moment, sf * 10.0);
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  VfeHashFile(r->casefile, hcase);
  if (r->meshhash && r->meshhash[0])
    PetscCall(PetscStrncpy(hmesh, r->meshhash, sizeof hmesh));
  else
    VfeHashFile(r->meshpath ? r->meshpath : r->meshfile, hmesh);
  VfeJSet(man, "vfe_version", json_string(VFE_VERSION_STRING));
  VfeJSet(man, "git_hash", json_string(VFE_GIT_HASH));
  {
    char pv[64];
    PetscCall(
        PetscSNPrintf(pv, sizeof pv, "%d.%d.%d", PETSC_VERSION_MAJOR, PETSC_VERSION_MINOR, PETSC_VERSION_SUBMINOR));
    VfeJSet(man, "petsc_version", json_string(pv));
  }
  VfeJSet(man, "date", json_string(stamp));
  VfeJSet(man, "case_file", json_string(r->casefile));
  VfeJSet(man, "case_hash", json_string(hcase));
  VfeJSet(man, "mesh_file", json_string(r->meshfile));
  VfeJSet(man, "mesh_hash", json_string(hmesh));
  VfeJSet(man, "ranks", json_integer(r->size));
  VfeJSet(man, "options", json_string(opts ? opts : ""));
  VfeJSet(man, "timings_s",
          json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "mesh", VfeJNum(r->t_mesh), "setup",
                    VfeJNum(r->t_setup), "assembly", VfeJNum(r->t_asm), "solver_setup", VfeJNum(r->t_pc), "solve",
                    VfeJNum(r->t_solve), "postproc", VfeJNum(r->t_post), "output", VfeJNum(r->t_out), "total",
                    VfeJNum(r->t_total)));
  VfeJSet(root, "manifest", man);
  if (r->seg) {
    json_t *seg = VfeSegmentReportJSON(r->seg);
    if (seg) {
      VfeJSet(seg, "posterior_elements", json_boolean(r->posterior));
      VfeJSet(seg, "posterior_elements_default",
              r->posterior_default[0] ? json_string(r->posterior_default) : json_null());
    }
    VfeJSet(root, "segment", seg);
  }
  if (r->ct) VfeJSet(root, "ct", VfeCTReportJSON(r->ct));
  if (r->ctmap.on) VfeJSet(root, "density_mapping", VfeDensityMapJSON(&r->ctmap));
  VfeJSet(root, "mesh",
          json_pack("{s:I, s:I, s:I}", "cells", (json_int_t)r->ncells, "order", (json_int_t)r->order, "dofs",
                    (json_int_t)r->ndofs));
  solver = json_pack("{s:s, s:I, s:s, s:o, s:o}", "formulation", r->formulation ? r->formulation : "", "iterations",
                     (json_int_t)r->its, "converged_reason", r->reason ? r->reason : "", "residual_norm",
                     VfeJNum(r->rnorm), "pc_setup_s", VfeJNum(r->t_pc1));
  if (solver) VfeJSet(solver, "matrix_type", json_string(r->matrix_type ? r->matrix_type : ""));
  if (solver) VfeJSet(solver, "smoother_precision", json_string(r->smoother_precision ? r->smoother_precision : ""));
  if (solver) VfeJSet(solver, "smoother_patches", json_integer((json_int_t)r->smoother_patches));
  if (solver && r->base_stats) {
    VfeJSet(solver, "baseline_iterations", json_integer(r->base_its));
    VfeJSet(solver, "baseline_pc_setup_s", VfeJNum(r->base_t_pc));
  }
  VfeJSet(root, "solver", solver);
  /* equilibrium: applied + reaction = 0, relative to the load's size */
  for (int d = 0; d < 3; ++d)
    ef = PetscMax(ef, PetscAbsReal(r->Fapp[d] + r->Freac[d])),
    em = PetscMax(em, PetscAbsReal(r->Mapp[d] + r->Mreac[d]));
  load = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "case", r->load.preset, "mode",
                   r->load.mode, "axial_N", VfeJNum(r->load.force), "moment_Nm", VfeJNum(r->load.moment / 1000.0),
                   "load_area_mm2", VfeJNum(r->load.area), "centroid_mm", VfeJVec(r->load.c), "applied_force_N",
                   VfeJVec(r->Fapp), "reaction_force_N", VfeJVec(r->Freac), "applied_moment_Nmm", VfeJVec(r->Mapp),
                   "reaction_moment_Nmm", VfeJVec(r->Mreac), "equilibrium_force_error", VfeJNum(ef / sf),
                   "equilibrium_moment_error", VfeJNum(em / sm));
  if (load) {
    VfeJSet(load, "follower", json_boolean(r->load.follower));
    if (r->load.follower) VfeJSet(load, "follower_path", VfeFollowerJSON(&r->follower));
  }
  VfeJSet(root, "load", load);
  VfeJSet(root, "levels",
          json_pack("{s:s, s:s, s:s}", "treated", r->ix.treated, "above", r->ix.above, "below", r->ix.below));
  for (int i = 0; i < nm; ++i) VfeJSet(metrics, m[i].name, VfeJNum(m[i].value));
  idp = json_object();
  for (PetscInt d = 0; d < r->ix.ndiscs; ++d) VfeJSet(idp, r->ix.disc[d], VfeJNum(r->ix.idp[d]));
  VfeJSet(metrics, "intradiscal_pressure_MPa", idp);
  if (r->base_stats) {
    idp = json_object();
    for (PetscInt d = 0; d < r->base_ix.ndiscs; ++d) VfeJSet(idp, r->base_ix.disc[d], VfeJNum(r->base_ix.idp[d]));
    VfeJSet(metrics, "baseline_intradiscal_pressure_MPa", idp);
  }
  VfeJSet(root, "metrics", metrics);
  if (r->motion.nlevels) VfeJSet(root, "rom", VfeMotionJSON(&r->motion));
  { /* ligaments (force N, strain), facet joints (contact force N, nodes in contact, least gap mm), fibres */
    json_t *st = json_object(), *lig = json_object(), *fac = json_object();
    for (PetscInt k = 0; k < r->nmembers; ++k) {
      const VfeMemberGroupInfo *g = &r->members[k];
      if (g->contact)
        VfeJSet(fac, g->name,
                json_pack("{s:o, s:I, s:I, s:o}", "force_N", VfeJNum(g->force), "nodes_in_contact",
                          (json_int_t)g->nactive, "nodes", (json_int_t)g->nmembers, "least_gap_mm",
                          VfeJNum(g->min_measure)));
      else
        VfeJSet(lig, g->name,
                json_pack("{s:o, s:o, s:o}", "force_N", VfeJNum(g->force), "strain", VfeJNum(g->strain), "length_mm",
                          VfeJNum(g->length)));
    }
    VfeJSet(st, "ligaments", lig);
    VfeJSet(st, "facet_joints", fac);
    VfeJSet(st, "fibres_taut_fraction", r->fibre_taut >= 0 ? VfeJNum(r->fibre_taut) : json_null());
    VfeJSet(st, "active_set_iterations", json_integer((json_int_t)r->active_its));
    VfeJSet(st, "krylov_iterations_all", json_integer((json_int_t)r->its_total));
    VfeJSet(st, "hierarchy_rebuilds", json_integer((json_int_t)r->pc_rebuilds));
    VfeJSet(root, "structures", st);
  }
  regions = json_object();
  for (PetscInt i = 0; i < r->info->nregions; ++i) {
    const VfeMaterial *mt = &r->mats[i];
    json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:o}", "index", (json_int_t)i, "material", mt->name, "E_MPa",
                          VfeJNum(mt->E), "nu", VfeJNum(mt->nu), "strength_MPa", VfeJNum(mt->strength));
    if (!o) continue;
    VfeJSONRegion(o, &r->stats[i]);
    if (r->base_stats) {
      json_t *b = json_object();
      VfeJSONRegion(b, &r->base_stats[i]);
      VfeJSet(o, "baseline", b);
    }
    VfeJSet(regions, r->info->regions[i].name, o);
  }
  VfeJSet(root, "regions", regions);
  {
    json_t *table = json_object(); /* metrics.csv's row, for the sweep to resume from (keys in column order) */
    for (PetscInt i = 0; i < row->n; ++i) VfeJSet(table, row->names[i], json_string(row->values[i]));
    VfeJSet(root, "table", table);
  }
  VfeJSet(root, "note", json_string("comparative engineering indices, not clinical predictions"));
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/summary.json", r->writedir ? r->writedir : r->outdir));
  ierr = VfeJSONWrite(path, root);
  json_decref(root);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode VfeWriteRunOutputs(MPI_Comm comm, const VfeRunRecord *r, VfeMetricsRow *rowout)
{
  PetscMPIInt rank;
  char *opts = NULL;
  VfeMetricsRow row;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  PetscCall(VfeRunMetricsRow(r, &row));
  if (!rank) {
    PetscCall(VfeWriteCSV(r->writedir ? r->writedir : r->outdir, &row));
    PetscCall(VfeWriteSummary(r, &row, opts));
  }
  PetscCall(PetscFree(opts));
  if (rowout)
    *rowout = row;
  else
    PetscCall(VfeMetricsRowDestroy(&row));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeWriteFields(MPI_Comm comm, const char *path, VfeSpace d, Vec ulocal, const VfeCellFields *cf,
                              const VfeMeshInfo *info, const VfeIndices *ix, const PetscReal *rho, const PetscReal *E)
{
  const PetscScalar *u;
  PetscReal *disp, *reg, *mask;
  VfeField pf[1], cfl[9];
  PetscInt ncf   = 7;
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
  if (rho && E) {
    cfl[ncf++] = (VfeField){"density", 1, (PetscReal *)rho};
    cfl[ncf++] = (VfeField){"E", 1, (PetscReal *)E};
  }
  PetscCall(VfeWriteVTKHDF(comm, path, d->nnodes, d->xyz, d->ncells, d->npc, d->cell_nodes, 1, pf, ncf, cfl));
  PetscCall(PetscFree3(disp, reg, mask));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeWriteMeshOutputs(MPI_Comm comm, const char *dir, VfeSpace d, const VfeMeshInfo *info,
                                   VfeSegmentReport seg, VfeCTReport ct, const char *meshfile, const char *meshpath)
{
  char path[PETSC_MAX_PATH_LEN], hash[17];
  PetscReal *reg;
  VfeField cf[1];
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(d->ncells, &reg));
  for (PetscInt c = 0; c < d->ncells; ++c) reg[c] = (PetscReal)d->cell_region[c];
  cf[0] = (VfeField){"region", 1, reg};
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/mesh.hdf", dir));
  PetscCall(VfeWriteVTKHDF(comm, path, d->nnodes, d->xyz, d->ncells, d->npc, d->cell_nodes, 0, NULL, 1, cf));
  PetscCall(PetscFree(reg));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    json_t *root = json_object(), *regions = json_array();
    PetscErrorCode ierr;
    VfeHashFile(meshpath ? meshpath : meshfile, hash);
    VfeJSet(root, "vfe_version", json_string(VFE_VERSION_STRING));
    VfeJSet(root, "mesh_file", json_string(meshfile));
    VfeJSet(root, "mesh_file_hash", json_string(hash));
    for (PetscInt r = 0; r < info->nregions; ++r)
      json_array_append_new(regions, json_pack("{s:I, s:s}", "index", (json_int_t)r, "name", info->regions[r].name));
    VfeJSet(root, "regions", regions);
    if (seg) VfeJSet(root, "segment", VfeSegmentReportJSON(seg));
    if (ct) VfeJSet(root, "ct", VfeCTReportJSON(ct));
    PetscCall(PetscSNPrintf(path, sizeof path, "%s/mesh.json", dir));
    ierr = VfeJSONWrite(path, root);
    json_decref(root);
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}
