/*
 * fields.c - stresses per cell and their per-region statistics.
 *
 * Stress is evaluated at the cell centroid consistently with the element's formulation
 * (VfeProblemCellStress: in mixed regions with the solved P1 pressure at the centroid).
 * In nearly incompressible P2 regions solved with -vfe_formulation bbar the element pressure is constant
 * per element and, as in any P2-P0 pair, noisy from element to element; the reported pressure is
 * recovered by averaging it (volume-weighted) to the vertices of the region and back to the cell
 * (mean of its four vertices).  On the Lame sphere at nu = 0.4999 this takes the hoop-stress error
 * from 1.1 % to 0.4 %, the accuracy of nu = 0.3 (tests/test_verify.c).
 * Statistics are volume-weighted: mean = sum(v_i x_i) / sum(v_i); the 95th percentile is the
 * smallest value x such that cells with values <= x hold 95 % of the region's volume.  The values
 * are gathered on rank 0 and sorted there, so the percentiles do not depend on the partition;
 * sums are formed in a fixed (sorted) order for the same reason.
 */
#include "vfepost.h"
#include "vfekernels.h"

/* Pressure of region r averaged to its vertices (over ranks) and back to its cells. */
static PetscErrorCode VfeRecoverPressure(VfeSpace d, PetscInt r, VfeCellFields *cf)
{
  Vec l, g;
  PetscScalar *a;

  PetscFunctionBeginUser;
  PetscCall(DMGetLocalVector(d->dm, &l));
  PetscCall(DMGetGlobalVector(d->dm, &g));
  PetscCall(VecSet(l, 0));
  PetscCall(VecGetArray(l, &a));
  for (PetscInt c = 0; c < d->ncells; ++c) {
    const PetscReal pc = (cf->stress[6 * c] + cf->stress[6 * c + 1] + cf->stress[6 * c + 2]) / 3.0;
    if (d->cell_region[c] != r) continue;
    for (int v = 0; v < 4; ++v) {
      const PetscInt n = d->cell_nodes[c * d->npc + v];
      a[3 * n] += cf->vol[c] * pc;
      a[3 * n + 1] += cf->vol[c];
    }
  }
  PetscCall(VecRestoreArray(l, &a));
  PetscCall(VecSet(g, 0));
  PetscCall(DMLocalToGlobal(d->dm, l, ADD_VALUES, g));
  PetscCall(DMGlobalToLocal(d->dm, g, INSERT_VALUES, l));
  PetscCall(VecGetArray(l, &a));
  for (PetscInt c = 0; c < d->ncells; ++c) {
    PetscReal pc, ps = 0;
    if (d->cell_region[c] != r) continue;
    pc = (cf->stress[6 * c] + cf->stress[6 * c + 1] + cf->stress[6 * c + 2]) / 3.0;
    for (int v = 0; v < 4; ++v) {
      const PetscInt n = d->cell_nodes[c * d->npc + v];
      ps += 0.25 * PetscRealPart(a[3 * n]) / PetscRealPart(a[3 * n + 1]);
    }
    for (int k = 0; k < 3; ++k) cf->stress[6 * c + k] += ps - pc;
  }
  PetscCall(VecRestoreArray(l, &a));
  PetscCall(DMRestoreGlobalVector(d->dm, &g));
  PetscCall(DMRestoreLocalVector(d->dm, &l));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeComputeCellFields(VfeProblem prob, Vec ulocal, VfeCellFields *cf)
{
  VfeSpace d = VfeProblemGetSpace(prob);
  const PetscScalar *u;
  const PetscReal L[4] = {0.25, 0.25, 0.25, 0.25};

  PetscFunctionBeginUser;
  cf->ncells = d->ncells;
  PetscCall(PetscMalloc6(6 * d->ncells, &cf->stress, d->ncells, &cf->vm, d->ncells, &cf->minp, d->ncells, &cf->sed,
                         6 * d->ncells, &cf->strain, d->ncells, &cf->vol));
  PetscCall(VecGetArrayRead(ulocal, &u));
  for (PetscInt c = 0; c < d->ncells; ++c) {
    const PetscInt *cn = &d->cell_nodes[c * d->npc];
    PetscReal X[30], G[4][3], ue[30], *s = &cf->stress[6 * c], *e = &cf->strain[6 * c];
    VfeSpaceCellCoordinates(d, c, X);
    cf->vol[c] = PetscAbsReal(vfe_tet_gradients(X, G)) / 6.0;
    for (PetscInt a = 0; a < d->npc; ++a)
      for (int i = 0; i < 3; ++i) ue[3 * a + i] = PetscRealPart(u[3 * cn[a] + i]);
    VfeProblemCellStress(prob, c, L, ue, e, s);
    cf->sed[c] = 0.5 * (s[0] * e[0] + s[1] * e[1] + s[2] * e[2] + 2.0 * (s[3] * e[3] + s[4] * e[4] + s[5] * e[5]));
  }
  PetscCall(VecRestoreArrayRead(ulocal, &u));
  if (d->order == 2)
    for (PetscInt r = 0; r < VfeProblemGetNumRegions(prob); ++r)
      if (VfeProblemRegionIsBbar(prob, r)) PetscCall(VfeRecoverPressure(d, r, cf));
  for (PetscInt c = 0; c < d->ncells; ++c) {
    PetscReal p[3];
    cf->vm[c] = vfe_von_mises(&cf->stress[6 * c]);
    vfe_principal(&cf->stress[6 * c], p);
    cf->minp[c] = p[2];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode VfeCellFieldsDestroy(VfeCellFields *cf)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree6(cf->stress, cf->vm, cf->minp, cf->sed, cf->strain, cf->vol));
  cf->ncells = 0;
  PetscFunctionReturn(0);
}

#define NV 7 /* values gathered per cell */

typedef struct {
  PetscReal x, v;
} VfeValVol;

static int VfeValVolCompare(const void *a, const void *b)
{
  const VfeValVol *p = (const VfeValVol *)a, *q = (const VfeValVol *)b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  return (p->v > q->v) - (p->v < q->v);
}

/* mean, 95th percentile and max of (x, v) pairs sorted by x */
static void VfeSortedStats(VfeValVol *a, PetscInt n, PetscReal *mean, PetscReal *p95, PetscReal *max, PetscReal *min)
{
  PetscReal sv = 0, sx = 0, acc = 0;
  qsort(a, (size_t)n, sizeof(VfeValVol), VfeValVolCompare);
  for (PetscInt i = 0; i < n; ++i) sv += a[i].v, sx += a[i].x * a[i].v;
  *mean = sv > 0 ? sx / sv : 0;
  *p95  = n ? a[n - 1].x : 0;
  for (PetscInt i = 0; i < n; ++i) {
    acc += a[i].v;
    if (acc >= 0.95 * sv) {
      *p95 = a[i].x;
      break;
    }
  }
  *max = n ? a[n - 1].x : 0;
  if (min) *min = n ? a[0].x : 0;
}

PetscErrorCode VfeRegionStatistics(VfeSpace d, const VfeCellFields *cf, PetscInt nregions,
                                   const PetscReal *yield_strain, VfeRegionStats *stats)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)d->dm);
  PetscMPIInt rank, size;
  PetscReal *send;
  PetscInt nc = d->ncells, ntot = 0;
  int *counts = NULL, *displs = NULL, n5 = (int)(NV * nc);
  PetscReal *all = NULL;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  /* (region, vm, minp, sed, vol, pressure, beyond-yield) per cell, gathered on rank 0 */
  PetscCall(PetscMalloc1(NV * nc + 1, &send));
  for (PetscInt c = 0; c < nc; ++c) {
    const PetscInt r   = d->cell_region[c];
    const PetscReal *s = &cf->stress[6 * c], *e = &cf->strain[6 * c];
    PetscReal pe[3];
    vfe_principal(e, pe);
    send[NV * c + 0] = (PetscReal)r;
    send[NV * c + 1] = cf->vm[c];
    send[NV * c + 2] = cf->minp[c];
    send[NV * c + 3] = cf->sed[c];
    send[NV * c + 4] = cf->vol[c];
    send[NV * c + 5] = -(s[0] + s[1] + s[2]) / 3.0;
    send[NV * c + 6] = (yield_strain && yield_strain[r] > 0 && -pe[2] > yield_strain[r]) ? 1.0 : 0.0;
  }
  if (!rank) PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCallMPI(MPI_Gather(&n5, 1, MPI_INT, counts, 1, MPI_INT, 0, comm));
  if (!rank) {
    displs[0] = 0;
    for (int i = 1; i < size; ++i) displs[i] = displs[i - 1] + counts[i - 1];
    ntot = (displs[size - 1] + counts[size - 1]) / NV;
    PetscCall(PetscMalloc1(NV * ntot + 1, &all));
  }
  PetscCallMPI(MPI_Gatherv(send, n5, MPIU_REAL, all, counts, displs, MPIU_REAL, 0, comm));
  PetscCall(PetscFree(send));
  PetscCall(PetscMemzero(stats, nregions * sizeof(VfeRegionStats)));
  if (!rank) {
    VfeValVol *a;
    PetscInt *cnt;
    PetscCall(PetscCalloc1(nregions, &cnt));
    PetscCall(PetscMalloc1(ntot + 1, &a));
    for (PetscInt i = 0; i < ntot; ++i) cnt[(PetscInt)all[NV * i]]++;
    for (PetscInt r = 0; r < nregions; ++r) {
      PetscInt n        = 0;
      VfeRegionStats *s = &stats[r];
      PetscReal dummy;
      s->ncells = cnt[r];
      for (PetscInt i = 0; i < ntot; ++i) /* rank order is fixed for a given partition; sum in sorted order below */
        if ((PetscInt)all[NV * i] == r) a[n].x = all[NV * i + 4], a[n++].v = 1.0;
      qsort(a, (size_t)n, sizeof(VfeValVol), VfeValVolCompare);
      for (PetscInt i = 0; i < n; ++i) s->volume += a[i].x;
      n = 0;
      for (PetscInt i = 0; i < ntot; ++i)
        if ((PetscInt)all[NV * i] == r) a[n].x = all[NV * i + 1], a[n++].v = all[NV * i + 4];
      VfeSortedStats(a, n, &s->vm_mean, &s->vm_p95, &s->vm_max, NULL);
      n = 0;
      for (PetscInt i = 0; i < ntot; ++i)
        if ((PetscInt)all[NV * i] == r) a[n].x = -all[NV * i + 2], a[n++].v = all[NV * i + 4];
      VfeSortedStats(a, n, &s->comp_mean, &s->comp_p95, &s->comp_max, NULL);
      s->minp_mean = -s->comp_mean;
      s->minp_min  = -s->comp_max;
      n            = 0;
      for (PetscInt i = 0; i < ntot; ++i)
        if ((PetscInt)all[NV * i] == r) a[n].x = all[NV * i + 3], a[n++].v = all[NV * i + 4];
      VfeSortedStats(a, n, &s->sed_mean, &dummy, &dummy, NULL);
      n = 0;
      for (PetscInt i = 0; i < ntot; ++i)
        if ((PetscInt)all[NV * i] == r) a[n].x = all[NV * i + 5], a[n++].v = all[NV * i + 4];
      VfeSortedStats(a, n, &s->pressure_mean, &dummy, &dummy, NULL);
      n = 0;
      for (PetscInt i = 0; i < ntot; ++i)
        if ((PetscInt)all[NV * i] == r) a[n].x = all[NV * i + 6], a[n++].v = all[NV * i + 4];
      VfeSortedStats(a, n, &s->yield_fraction, &dummy, &dummy, NULL);
    }
    PetscCall(PetscFree(a));
    PetscCall(PetscFree(cnt));
    PetscCall(PetscFree(all));
    PetscCall(PetscFree2(counts, displs));
  }
  PetscCallMPI(MPI_Bcast(stats, (int)(nregions * sizeof(VfeRegionStats)), MPI_BYTE, 0, comm));
  PetscFunctionReturn(0);
}
