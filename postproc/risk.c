/*
 * risk.c - headline indices of a segment run: adjacent endplate stress, intradiscal pressure and
 * the risk indices of the treated and the adjacent vertebrae.
 *
 * Levels are read from the region names (<lvl>.<tissue>, util/vferegion.h).  The treated level is
 * the one the caller names (the first of segment_treated), else the level that holds a <lvl>.cement
 * region.  Its neighbours are the
 * previous (cranial, "above") and next (caudal, "below") levels in T12, L1, ..., L5 order that
 * exist in the mesh.
 *
 *  - adjacent endplate stress: von Mises mean and 95th percentile in <above>.endplate_inf and
 *    <below>.endplate_sup (the endplates that face the treated level across a disc);
 *  - intradiscal pressure of each <disc>.nucleus: -(volume mean of tr(sigma)/3);
 *  - factor of risk of a vertebra (Bouxsein 2006, element-level form): the largest ratio
 *    sigma_vM,95 / sigma_y over its bone regions (cortical, cancellous, endplates) that have a
 *    strength; the 95th percentile, not the maximum, so that one element at a geometric corner
 *    does not decide it.  Fracture is expected near 1;
 *  - yield fraction: the volume fraction of an endplate whose compressive strain -eps_min exceeds
 *    the yield strain (~0.8 %); for the adjacent levels the facing endplate, for the treated
 *    level the larger of its two.
 * Relative risk (run with -baseline) is the same index divided by the intact baseline's.
 */
#include "vfepost.h"
#include "vferegion.h"
#include <math.h>
#include <string.h>

#define VFE_NAN ((PetscReal)NAN)

#define vfe_levels VfeLevelNames

static PetscInt VfeFind(const VfeMeshInfo *info, const char *lvl, const char *tissue)
{
  char name[VFE_NAME_LEN];
  if (VfeRegionFormat(name, sizeof name, lvl, tissue)) return -1;
  return VfeMeshInfoFindRegion(info, name);
}

static PetscBool VfeLevelPresent(const VfeMeshInfo *info, const char *lvl)
{
  return VfeFind(info, lvl, "cancellous") >= 0 || VfeFind(info, lvl, "body") >= 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* factor of risk of a level: max over its bone regions of vm_p95 / strength (NaN: no region) */
static PetscReal VfeLevelRisk(const VfeMeshInfo *info, const VfeMaterial *mats, const VfeRegionStats *st,
                              const char *lvl)
{
  static const char *bone[] = {"cortical", "cancellous", "endplate_sup", "endplate_inf", "body"};
  PetscReal risk            = VFE_NAN;
  for (size_t k = 0; k < sizeof bone / sizeof bone[0]; ++k) {
    const PetscInt r = VfeFind(info, lvl, bone[k]);
    if (r < 0 || mats[r].strength <= 0) continue;
    if (PetscIsNanReal(risk) || st[r].vm_p95 / mats[r].strength > risk) risk = st[r].vm_p95 / mats[r].strength;
  }
  return risk;
}

static PetscReal VfeYield(const VfeMeshInfo *info, const VfeRegionStats *st, const char *lvl, const char *tissue)
{
  const PetscInt r = lvl[0] ? VfeFind(info, lvl, tissue) : -1;
  return r >= 0 ? st[r].yield_fraction : VFE_NAN;
}

PetscErrorCode VfeComputeIndices(const VfeMeshInfo *info, const VfeMaterial *mats, const VfeRegionStats *st,
                                 const char *treated, VfeIndices *ix)
{
  const char *buf = treated ? treated : "";
  PetscInt t      = -1;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(ix, sizeof *ix));
  for (PetscInt i = 0; i < VFE_NLEVELS; ++i) {
    if (buf[0] && !strcmp(buf, vfe_levels[i]) && VfeLevelPresent(info, vfe_levels[i])) t = i;
    if (!buf[0] && t < 0 && VfeFind(info, vfe_levels[i], "cement") >= 0) t = i;
  }
  ix->adj_above_vm_mean = ix->adj_above_vm_p95 = ix->adj_below_vm_mean = ix->adj_below_vm_p95 = VFE_NAN;
  ix->treated_risk = ix->adj_above_risk = ix->adj_below_risk = VFE_NAN;
  ix->treated_yield = ix->adj_above_yield = ix->adj_below_yield = VFE_NAN;
  if (t >= 0) {
    PetscCall(PetscStrncpy(ix->treated, vfe_levels[t], sizeof ix->treated));
    for (PetscInt i = t - 1; i >= 0 && !ix->above[0]; --i)
      if (VfeLevelPresent(info, vfe_levels[i])) PetscCall(PetscStrncpy(ix->above, vfe_levels[i], sizeof ix->above));
    for (PetscInt i = t + 1; i < VFE_NLEVELS && !ix->below[0]; ++i)
      if (VfeLevelPresent(info, vfe_levels[i])) PetscCall(PetscStrncpy(ix->below, vfe_levels[i], sizeof ix->below));
    ix->treated_risk = VfeLevelRisk(info, mats, st, ix->treated);
    {
      const PetscReal a = VfeYield(info, st, ix->treated, "endplate_sup"),
                      b = VfeYield(info, st, ix->treated, "endplate_inf");
      ix->treated_yield = PetscIsNanReal(a) ? b : (PetscIsNanReal(b) ? a : PetscMax(a, b));
    }
    if (ix->above[0]) {
      const PetscInt r = VfeFind(info, ix->above, "endplate_inf");
      if (r >= 0) ix->adj_above_vm_mean = st[r].vm_mean, ix->adj_above_vm_p95 = st[r].vm_p95;
      ix->adj_above_risk  = VfeLevelRisk(info, mats, st, ix->above);
      ix->adj_above_yield = VfeYield(info, st, ix->above, "endplate_inf");
    }
    if (ix->below[0]) {
      const PetscInt r = VfeFind(info, ix->below, "endplate_sup");
      if (r >= 0) ix->adj_below_vm_mean = st[r].vm_mean, ix->adj_below_vm_p95 = st[r].vm_p95;
      ix->adj_below_risk  = VfeLevelRisk(info, mats, st, ix->below);
      ix->adj_below_yield = VfeYield(info, st, ix->below, "endplate_sup");
    }
  }
  for (PetscInt r = 0; r < info->nregions && ix->ndiscs < VFE_MAX_DISCS; ++r) {
    const char *tissue;
    if (!VfeRegionSplit(info->regions[r].name, ix->disc[ix->ndiscs], sizeof ix->disc[0], &tissue) ||
        strcmp(tissue, "nucleus"))
      continue;
    ix->idp[ix->ndiscs++] = st[r].pressure_mean;
  }
  PetscFunctionReturn(0);
}
