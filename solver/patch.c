/*
 * patch.c - the P2 smoother's preconditioner with vertex-star patches in the nearly incompressible regions.
 *
 * Point-block Jacobi (one 3 x 3 block per node) smooths the P2 level of the p-multigrid well where the material is
 * compressible, but not in the B-bar regions (nucleus, annulus): there the error that the P1 level cannot correct
 * (it locks) is made of nearly volume-preserving fields, which no single node can change, but the nodes of one
 * vertex star can (a vertex and the midpoints of its edges: the patches of Schoeberl's robust smoothers for
 * nearly incompressible elasticity).  This preconditioner is additive: every node outside the patches gets its
 * 3 x 3 block inverse, and every patch the exact inverse of its own block of the operator (dense, Cholesky).
 * Patches: one per owned vertex of a B-bar cell, with the owned midpoints of all its edges (every cell around the
 * vertex); nodes of another rank are left out, so near a partition boundary a patch is smaller.
 *
 * Set-up takes the blocks from the double operator prob->K (the smoother may multiply its single-precision copy) and
 * keeps the inverses in single precision.  The patches are taken again only when the element matrices were computed
 * again (new materials: the first solve, the baseline, the next case of a sweep; prob->el_state).  An active-set
 * iteration changes only fibre and member branches: it keeps the patches (an SPD inverse of a nearby operator is still
 * a valid smoother; on the default case this took fewer iterations than taking them every time, 331 against 351)
 * and refreshes the point blocks.
 *
 * Without patches (VfePatchPCSet(..., PETSC_FALSE)) it is plain point-block Jacobi: the P2 smoother's preconditioner on
 * SBAIJ, whose PETSc 3.18 types lack the MatInvertBlockDiagonal that PCPBJACOBI needs.
 *
 * Where it is used (pmg.c, -vfe_pmg_patch auto): when the B-bar regions hold less than half of the cells.  On the
 * default segment it halves the Krylov iterations (658 -> 331); in a body nearly incompressible throughout (the Lame
 * sphere at nu = 0.49999: 326 -> 1397) it spreads the small eigenvalues that point blocks leave in one cluster.
 */
#include "vfesolverimpl.h"
#include "vfekernels.h"
#include <petscblaslapack.h>
#include <stdlib.h> /* qsort */

typedef struct {
  VfeProblem prob;
  PetscInt nb;        /* owned nodes */
  PetscScalar *dinv;  /* 3 x 3 inverse per owned node (used where no patch covers it) */
  PetscBool *covered; /* owned node lies in some patch */
  PetscInt np;        /* patches */
  PetscInt *pstart;   /* np + 1 offsets into pnode */
  PetscInt *pnode;    /* owned offset of each patch node (sorted within a patch) */
  size_t *istart;     /* np + 1 offsets into inv */
  float *inv;         /* each patch's inverse, dense (3 m)^2, in single precision (a smoother) */
  PetscScalar *A;     /* work: one patch's block in double, (3 x the largest patch)^2 */
  float *xp, *yp;     /* work, 3 x the largest patch */
  PetscInt maxn;
  PetscInt el_state; /* prob->el_state the patches were taken at, -1 before */
  PetscBool patches; /* false: point blocks only (the SBAIJ smoother without patches, pmg.c) */
} VfePatch;

static int VfeCmpInt(const void *a, const void *b)
{
  const PetscInt x = *(const PetscInt *)a, y = *(const PetscInt *)b;
  return (x > y) - (x < y);
}

/* Vertex stars of the owned vertices of B-bar cells, as owned node offsets. */
static PetscErrorCode VfePatchBuild(VfePatch *c, PetscInt rnode)
{
  VfeProblem prob = c->prob;
  VfeSpace d      = prob->space;
  PetscInt *pid, *cnt, nv = 0, tot = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscFree(c->pstart));
  PetscCall(PetscFree(c->pnode));
  PetscCall(PetscCalloc2(d->nnodes, &pid, d->nnodes, &cnt));
  for (PetscInt a = 0; a < d->nnodes; ++a) pid[a] = -1;
  for (PetscInt e = 0; e < d->ncells; ++e) {
    const PetscInt *cn = d->cell_nodes + e * d->npc;
    if (prob->form[d->cell_region[e]] != VFE_FORM_BBAR) continue;
    for (int i = 0; i < 4; ++i)
      if (d->owned[cn[i]] && pid[cn[i]] < 0) pid[cn[i]] = nv++;
  }
  /* each cell around a patch vertex adds its 3 edges at that vertex (duplicates removed below) */
  for (PetscInt e = 0; e < d->ncells; ++e) {
    const PetscInt *cn = d->cell_nodes + e * d->npc;
    for (int i = 0; i < 4; ++i)
      if (pid[cn[i]] >= 0) cnt[pid[cn[i]]] += 3, tot += 3;
  }
  PetscCall(PetscMalloc1(nv + 1, &c->pstart));
  PetscCall(PetscMalloc1(tot + nv, &c->pnode));
  c->pstart[0] = 0;
  for (PetscInt p = 0; p < nv; ++p) c->pstart[p + 1] = c->pstart[p] + cnt[p] + 1, cnt[p] = 1;
  for (PetscInt a = 0; a < d->nnodes; ++a)
    if (pid[a] >= 0) c->pnode[c->pstart[pid[a]]] = d->gnode[a] - rnode;
  for (PetscInt e = 0; e < d->ncells; ++e) {
    const PetscInt *cn = d->cell_nodes + e * d->npc;
    for (int i = 0; i < 4; ++i) {
      const PetscInt p = pid[cn[i]];
      if (p < 0) continue;
      for (int k = 0; k < 6; ++k)
        if (VfeTetEdges[k][0] == i || VfeTetEdges[k][1] == i) {
          const PetscInt m                  = cn[4 + k];
          c->pnode[c->pstart[p] + cnt[p]++] = d->owned[m] ? d->gnode[m] - rnode : -1;
        }
    }
  }
  /* sort, drop ghosts (-1) and duplicates, compact */
  {
    PetscInt w = 0, maxm = 0;
    for (PetscInt p = 0; p < nv; ++p) {
      PetscInt *s = c->pnode + c->pstart[p], n = c->pstart[p + 1] - c->pstart[p], start = w;
      qsort(s, (size_t)n, sizeof(PetscInt), VfeCmpInt);
      for (PetscInt k = 0; k < n; ++k)
        if (s[k] >= 0 && (w == start || c->pnode[w - 1] != s[k])) c->pnode[w++] = s[k];
      c->pstart[p] = start;
      maxm         = PetscMax(maxm, w - start);
    }
    c->pstart[nv] = w;
    c->np         = nv;
    prob->npatch  = nv;
    c->maxn       = 3 * maxm;
  }
  PetscCall(PetscMemzero(c->covered, c->nb * sizeof(PetscBool)));
  for (PetscInt k = 0; k < c->pstart[c->np]; ++k) c->covered[c->pnode[k]] = PETSC_TRUE;
  PetscCall(PetscFree2(pid, cnt));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfePatchSetUp(PC pc)
{
  VfePatch *c;
  Mat K;
  PetscInt rs, re, *idx;
  PetscScalar *A;
  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &c));
  K = c->prob->K;
  PetscCall(MatGetOwnershipRange(K, &rs, &re));
  if (c->nb != (re - rs) / 3) {
    PetscCall(PetscFree(c->dinv));
    PetscCall(PetscFree(c->covered));
    c->nb = (re - rs) / 3;
    PetscCall(PetscMalloc1(9 * c->nb, &c->dinv));
    PetscCall(PetscCalloc1(c->nb, &c->covered));
  }
  PetscCall(VfeInvertNodeBlocks(K, c->nb, c->dinv));
  /* no patches, or only members or fibres changed: keep the patches */
  if (!c->patches || c->el_state == c->prob->el_state) PetscFunctionReturn(0);
  c->el_state = c->prob->el_state;
  PetscCall(VfePatchBuild(c, rs / 3));
  PetscCall(PetscFree(c->istart));
  PetscCall(PetscFree(c->inv));
  PetscCall(PetscFree2(c->xp, c->yp));
  PetscCall(PetscFree(c->A));
  PetscCall(PetscMalloc1(c->np + 1, &c->istart));
  c->istart[0] = 0;
  for (PetscInt p = 0; p < c->np; ++p) {
    const size_t n   = 3 * (size_t)(c->pstart[p + 1] - c->pstart[p]);
    c->istart[p + 1] = c->istart[p] + n * n;
  }
  PetscCall(PetscMalloc1(c->istart[c->np] + 1, &c->inv));
  PetscCall(PetscMalloc2(c->maxn + 1, &c->xp, c->maxn + 1, &c->yp));
  PetscCall(PetscMalloc1((size_t)c->maxn * c->maxn + 1, &c->A));
  PetscCall(PetscMalloc1(c->maxn + 1, &idx));
  for (PetscInt p = 0; p < c->np; ++p) {
    const PetscInt m = c->pstart[p + 1] - c->pstart[p], n = 3 * m;
    const PetscInt *nodes = c->pnode + c->pstart[p];
    PetscBLASInt bn, info;

    A = c->A;
    for (PetscInt a = 0; a < m; ++a)
      for (int k = 0; k < 3; ++k) idx[3 * a + k] = rs + 3 * nodes[a] + k;
    PetscCall(MatGetValues(K, n, idx, n, idx, A));
    /* SBAIJ returns zero below its stored upper triangle: take every block below the diagonal from its mirror */
    for (PetscInt a = 0; a < m; ++a)
      for (PetscInt b = 0; b < a; ++b)
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 3; ++j) A[(3 * a + i) * n + 3 * b + j] = A[(3 * b + j) * n + 3 * a + i];
    PetscCall(PetscBLASIntCast(n, &bn));
    PetscCallBLAS("LAPACKpotrf", LAPACKpotrf_("U", &bn, A, &bn, &info));
    PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_MAT_CH_ZRPVT,
               "vertex-star patch %" PetscInt_FMT " of the P2 smoother is not positive definite (LAPACK info %d)", p,
               (int)info);
    PetscCallBLAS("LAPACKpotri", LAPACKpotri_("U", &bn, A, &bn, &info));
    PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_LIB, "vertex-star patch %" PetscInt_FMT ": inverse failed", p);
    for (PetscInt i = 0; i < n; ++i) /* column-major upper triangle: fill the lower one */
      for (PetscInt j = 0; j < i; ++j) A[j * n + i] = A[i * n + j];
    for (PetscInt k = 0; k < n * n; ++k) c->inv[c->istart[p] + k] = (float)PetscRealPart(A[k]);
  }
  PetscCall(PetscFree(idx));
  PetscCall(PetscInfo(pc, "%" PetscInt_FMT " vertex-star patches, at most %" PetscInt_FMT " unknowns each\n", c->np,
                      c->maxn));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfePatchApply(PC pc, Vec x, Vec y)
{
  VfePatch *c;
  const PetscScalar *xa;
  PetscScalar *ya;
  PetscLogDouble flops = 0;

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &c));
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(VecGetArrayWrite(y, &ya));
  for (PetscInt k = 0; k < c->nb; ++k) {
    const PetscScalar *v = c->dinv + 9 * k, *xn = xa + 3 * k;
    if (c->covered[k]) {
      ya[3 * k] = ya[3 * k + 1] = ya[3 * k + 2] = 0;
      continue;
    }
    for (int i = 0; i < 3; ++i) ya[3 * k + i] = v[3 * i] * xn[0] + v[3 * i + 1] * xn[1] + v[3 * i + 2] * xn[2];
  }
  for (PetscInt p = 0; p < c->np; ++p) {
    const PetscInt m = c->pstart[p + 1] - c->pstart[p], n = 3 * m;
    const PetscInt *nodes = c->pnode + c->pstart[p];
    const float *A        = c->inv + c->istart[p];
    for (PetscInt a = 0; a < m; ++a)
      for (int k = 0; k < 3; ++k) c->xp[3 * a + k] = (float)xa[3 * nodes[a] + k];
    for (PetscInt i = 0; i < n; ++i) c->yp[i] = 0;
    for (PetscInt j = 0; j < n; ++j) {
      const float xj = c->xp[j], *col = A + (size_t)j * n;
      for (PetscInt i = 0; i < n; ++i) c->yp[i] += col[i] * xj;
    }
    for (PetscInt a = 0; a < m; ++a)
      for (int k = 0; k < 3; ++k) ya[3 * nodes[a] + k] += c->yp[3 * a + k];
    flops += 2.0 * n * n;
  }
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscCall(VecRestoreArrayWrite(y, &ya));
  PetscCall(PetscLogFlops(flops + 15.0 * c->nb));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfePatchDestroy(PC pc)
{
  VfePatch *c;

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &c));
  if (!c) PetscFunctionReturn(0);
  PetscCall(PetscFree(c->dinv));
  PetscCall(PetscFree(c->covered));
  PetscCall(PetscFree(c->pstart));
  PetscCall(PetscFree(c->pnode));
  PetscCall(PetscFree(c->istart));
  PetscCall(PetscFree(c->inv));
  PetscCall(PetscFree2(c->xp, c->yp));
  PetscCall(PetscFree(c->A));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

PetscErrorCode VfePatchPCSet(VfeProblem prob, PC pc, PetscBool patches)
{
  VfePatch *c;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&c));
  c->prob     = prob;
  c->el_state = -1;
  c->patches  = patches;
  PetscCall(PCSetType(pc, PCSHELL));
  PetscCall(PCShellSetContext(pc, c));
  PetscCall(PCShellSetName(pc, patches ? "vfe vertex-star patches in the B-bar regions, point-block Jacobi elsewhere"
                                       : "vfe point-block Jacobi (3 x 3 node blocks)"));
  PetscCall(PCShellSetSetUp(pc, VfePatchSetUp));
  PetscCall(PCShellSetApply(pc, VfePatchApply));
  PetscCall(PCShellSetDestroy(pc, VfePatchDestroy));
  PetscFunctionReturn(0);
}
