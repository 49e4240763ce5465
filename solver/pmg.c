/*
 * pmg.c - p-multigrid for P2: a P1 level on the same mesh between P2 and GAMG.
 *
 * P1 functions are P2 functions on the same tetrahedra, so the P1 -> P2 interpolation is exact
 * and simple: a P2 vertex node takes its vertex's value, an edge node the mean of its two
 * vertices.  For the same reason the P1 stiffness matrix of the same form (rediscretised,
 * deviatoric in mixed regions, see vfekernels.h) equals the Galerkin product P^T A P, so the
 * coarse level is assembled directly, which is cheaper than a triple product.  The cycle: PCMG
 * with two levels, Chebyshev/point-block-Jacobi smoothing on P2, and on P1 one V-cycle of GAMG with the
 * rigid-body near-null space.  GAMG then works on a matrix ~8x smaller with ~20x fewer
 * nonzeros than the P2 one, which is where P2 + GAMG spent its set-up time (docs/performance.md).
 * Options: prefix vfe_pmg_ (-vfe_pmg_mg_levels_ksp_max_it, -vfe_pmg_mg_coarse_pc_gamg_threshold,
 * ...).  Later solves with new values keep the interpolation and GAMG's aggregates.
 */
#include "vfesolverimpl.h"
#include "vfekernels.h"

struct _n_VfePMG {
  VfeSpace sp1;  /* the P1 space on a clone of the plex */
  VfeProblem p1; /* P1 problem: same regions, materials, forms and Dirichlet surfaces */
  Mat P;         /* interpolation P1 -> P2 */
  Mat Ks;        /* single-precision copy of the P2 operator for the P2 smoother and residual (single.c), or NULL */
};

PetscErrorCode VfePMGDestroy(VfePMG *mgp)
{
  VfePMG mg = *mgp;

  PetscFunctionBeginUser;
  if (!mg) PetscFunctionReturn(0);
  PetscCall(VfeProblemDestroy(&mg->p1));
  PetscCall(VfeSpaceDestroy(&mg->sp1));
  PetscCall(MatDestroy(&mg->P));
  PetscCall(MatDestroy(&mg->Ks));
  PetscCall(PetscFree(mg));
  *mgp = NULL;
  PetscFunctionReturn(0);
}

/* Marker (local, ghosts included) of the Dirichlet dofs of a space: 1 where constrained. */
static PetscErrorCode VfePMGBCMarker(VfeSpace sp, IS bcrows, Vec *ml)
{
  Vec g;
  const PetscInt *rows;
  PetscInt nr, rstart;

  PetscFunctionBeginUser;
  PetscCall(DMCreateGlobalVector(sp->dm, &g));
  PetscCall(DMCreateLocalVector(sp->dm, ml));
  PetscCall(VecSet(g, 0));
  PetscCall(VecGetOwnershipRange(g, &rstart, NULL));
  PetscCall(ISGetLocalSize(bcrows, &nr));
  PetscCall(ISGetIndices(bcrows, &rows));
  for (PetscInt k = 0; k < nr; ++k) PetscCall(VecSetValue(g, rows[k], 1.0, INSERT_VALUES));
  PetscCall(ISRestoreIndices(bcrows, &rows));
  PetscCall(VecAssemblyBegin(g));
  PetscCall(VecAssemblyEnd(g));
  PetscCall(DMGlobalToLocal(sp->dm, g, INSERT_VALUES, *ml));
  PetscCall(VecDestroy(&g));
  PetscFunctionReturn(0);
}

/* P1 -> P2 interpolation in the constrained spaces: a fine Dirichlet dof takes only its own
 * vertex's coarse dof (identity), and no free fine dof takes a value from a constrained coarse
 * dof (the correction there is zero).  With that, P^T A P equals the rediscretised P1 matrix
 * with its Dirichlet rows and columns eliminated, row for row. */
static PetscErrorCode VfePMGInterpolation(VfeProblem prob, Mat *P)
{
  VfeSpace s2 = prob->space, s1 = prob->mg->sp1;
  MPI_Comm comm = PetscObjectComm((PetscObject)s2->dm);
  Vec m2, m1;
  const PetscScalar *b2, *b1;

  PetscFunctionBeginUser;
  PetscCall(VfePMGBCMarker(s2, prob->bcrows, &m2));
  PetscCall(VfePMGBCMarker(s1, prob->mg->p1->bcrows, &m1));
  PetscCall(VecGetArrayRead(m2, &b2));
  PetscCall(VecGetArrayRead(m1, &b1));
  PetscCall(MatCreate(comm, P));
  PetscCall(MatSetSizes(*P, 3 * s2->nowned, 3 * s1->nowned, 3 * s2->nglobal, 3 * s1->nglobal));
  PetscCall(MatSetBlockSizes(*P, 3, 3));
  PetscCall(MatSetType(*P, VfeDeviceMatType(s2->dm)));
  PetscCall(MatSeqAIJSetPreallocation(*P, 2, NULL));
  PetscCall(MatMPIAIJSetPreallocation(*P, 2, NULL, 2, NULL));
  for (PetscInt n = 0; n < s2->nnodes; ++n) {
    const PetscInt pt = s2->node_point[n];
    PetscInt cn[2], nc = 0;
    PetscScalar w;
    if (!s2->owned[n]) continue;
    if (s2->is_vertex[n]) {
      cn[nc++] = s1->point_node[pt - s1->pStart];
      w        = 1.0;
    } else {
      const PetscInt *cone;
      PetscCall(DMPlexGetCone(s2->dm, pt, &cone));
      for (int k = 0; k < 2; ++k) cn[nc++] = s1->point_node[cone[k] - s1->pStart];
      w = 0.5;
    }
    for (int i = 0; i < 3; ++i) {
      const PetscInt row  = 3 * s2->gnode[n] + i;
      const PetscBool fbc = PetscRealPart(b2[3 * n + i]) > 0 ? PETSC_TRUE : PETSC_FALSE;
      for (PetscInt k = 0; k < nc; ++k) {
        const PetscInt col  = 3 * s1->gnode[cn[k]] + i;
        const PetscBool cbc = PetscRealPart(b1[3 * cn[k] + i]) > 0 ? PETSC_TRUE : PETSC_FALSE;
        if (fbc != cbc || (fbc && !s2->is_vertex[n])) continue;
        PetscCall(MatSetValue(*P, row, col, w, INSERT_VALUES));
      }
    }
  }
  PetscCall(MatAssemblyBegin(*P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*P, MAT_FINAL_ASSEMBLY));
  PetscCall(VecRestoreArrayRead(m2, &b2));
  PetscCall(VecRestoreArrayRead(m1, &b1));
  PetscCall(VecDestroy(&m2));
  PetscCall(VecDestroy(&m1));
  PetscFunctionReturn(0);
}

PetscErrorCode VfePMGCreate(VfeProblem prob)
{
  VfeSpace s2 = prob->space;
  VfePMG mg;
  DM dm1;

  PetscFunctionBeginUser;
  if (prob->mg) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(1, &mg));
  PetscCall(DMClone(s2->dm, &dm1));
  PetscCall(VfeSpaceCreate(dm1, 1, &mg->sp1));
  PetscCall(DMDestroy(&dm1));
  PetscCall(VfeProblemCreate(mg->sp1, prob->nregions, &mg->p1));
  PetscCall(PetscStrncpy(mg->p1->backend, prob->backend, sizeof mg->p1->backend)); /* P1 level on the same backend */
  PetscCall(PetscStrncpy(mg->p1->matprefix, "vfe_pmg_p1_", sizeof mg->p1->matprefix)); /* -vfe_mat_type: P2 only */
  for (PetscInt k = 0; k < prob->nbc; ++k)
    if (prob->bc[k].kind == 0)
      PetscCall(VfeProblemAddDirichlet(mg->p1, prob->bc[k].surface, prob->bc[k].comp, NULL, NULL));
  prob->mg = mg;
  PetscFunctionReturn(0);
}

/* The P1 matrix with the current materials, Dirichlet rows and columns eliminated. */
PetscErrorCode VfePMGAssemble(VfeProblem prob)
{
  VfePMG mg;
  VfeProblem p1;
  const PetscInt *rows;
  PetscInt nrows;
  PetscBool first;

  PetscFunctionBeginUser;
  PetscCall(VfePMGCreate(prob));
  mg    = prob->mg;
  p1    = mg->p1;
  first = p1->K ? PETSC_FALSE : PETSC_TRUE;
  PetscCall(VfeProblemSetCellModulus(p1, prob->cellE)); /* same DM: the same cells */
  for (PetscInt r = 0; r < prob->nregions; ++r) {
    const PetscInt form = prob->form[r] == VFE_FORM_DEV ? VFE_FORM_DEV : VFE_FORM_FULL; /* B-bar of P1 is P1 */
    if (p1->E[r] != prob->E[r] || p1->nu[r] != prob->nu[r] || p1->form[r] != form)
      p1->el_valid = PETSC_FALSE; /* new materials (the baseline): the kept element part of the P1 level is stale */
    p1->E[r]    = prob->E[r];
    p1->nu[r]   = prob->nu[r];
    p1->form[r] = form;
  }
  if (first) PetscCall(VfeMembersDeriveP1(prob, p1));
  if (first) PetscCall(VfeFibresDeriveP1(prob, p1));
  VfeMembersSyncP1(prob, p1);
  VfeFibresSyncP1(prob, p1);
  PetscCall(VfeProblemAssembleMatrixInto(p1));
  if (first) {
    PetscCall(VfeProblemDirichletRowsOnly(p1));
    PetscCall(VfeSpaceRigidBodyModes(mg->sp1, p1->K));
    PetscCall(VfePMGInterpolation(prob, &mg->P));
  }
  PetscCall(ISGetLocalSize(p1->bcrows, &nrows));
  PetscCall(ISGetIndices(p1->bcrows, &rows));
  PetscCall(MatZeroRowsColumns(p1->K, nrows, rows, 1.0, NULL, NULL));
  PetscCall(ISRestoreIndices(p1->bcrows, &rows));
  PetscFunctionReturn(0);
}

/* The P2 smoother's preconditioner: point-block Jacobi (one 3 x 3 block per node), which takes ~11 % fewer
 * Krylov iterations on the default segment than plain Jacobi, at the same cost per iteration with PETSc's
 * PCPBJACOBI on BAIJ and ~10 % more with vfe's shell on SBAIJ (docs/performance.md); plain Jacobi on the device, where
 * PETSc 3.18's PCPBJACOBI would apply on the host. */
static PetscErrorCode VfePMGSmootherPC(VfeProblem prob, PC pcs)
{
  PetscBool sb;

  PetscFunctionBeginUser;
  if (strcmp(prob->backend, "cpu")) {
    PetscCall(PCSetType(pcs, PCJACOBI));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscObjectTypeCompareAny((PetscObject)prob->K, &sb, MATSEQSBAIJ, MATMPISBAIJ, ""));
  if (!sb) {
    PetscCall(PCSetType(pcs, PCPBJACOBI));
  } else /* PETSc 3.18's PCPBJACOBI needs MatInvertBlockDiagonal, which its SBAIJ types lack: vfe's shell (patch.c) */
    PetscCall(VfePatchPCSet(prob, pcs, PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode VfePMGSetUpPC(VfeProblem prob, PC pc)
{
  VfePMG mg = prob->mg;
  KSP kc, ks;
  PC pcc, pcs;

  PetscFunctionBeginUser;
  PetscCheck(mg, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "VfePMGSetUpPC before VfeProblemAssemble");
  PetscCall(PCSetType(pc, PCMG));
  PetscCall(PCMGSetLevels(pc, 2, NULL));
  PetscCall(PCMGSetType(pc, PC_MG_MULTIPLICATIVE));
  PetscCall(PCMGSetGalerkin(pc, PC_MG_GALERKIN_NONE));
  PetscCall(PCMGSetInterpolation(pc, 1, mg->P));
  PetscCall(PCMGGetCoarseSolve(pc, &kc));
  PetscCall(KSPSetOperators(kc, mg->p1->K, mg->p1->K));
  PetscCall(KSPSetType(kc, KSPPREONLY));
  PetscCall(KSPGetPC(kc, &pcc));
  PetscCall(VfeGAMGSetDefaults(pcc));
  PetscCall(PCMGGetSmoother(pc, 1, &ks));
  PetscCall(KSPSetType(ks, KSPCHEBYSHEV));
  PetscCall(KSPGetPC(ks, &pcs));
  if (prob->pmg_single && !strcmp(prob->backend, "cpu") && VfeMatSingleApplies(prob->K)) {
    /* the smoother and the P2 level's residual multiply the single-precision copy (single.c); its Pmat is the copy
     * too (PCMG would replace a smoother Pmat equal to its own), which hands PCPBJACOBI the double diagonal blocks */
    PetscCall(MatDestroy(&mg->Ks));
    PetscCall(VfeMatSingleCreate(prob->K, &mg->Ks));
    PetscCall(KSPSetOperators(ks, mg->Ks, mg->Ks));
    PetscCall(PCMGSetResidual(pc, 1, PCMGResidualDefault, mg->Ks));
    PetscCall(PCSetType(pcs, PCPBJACOBI));
  } else
    PetscCall(VfePMGSmootherPC(prob, pcs));
  /* in the B-bar regions, vertex-star patches instead of the point blocks (patch.c); a region of another form has none
   */
  if (strcmp(prob->pmg_patch, "false") && !strcmp(prob->backend, "cpu")) {
    VfeSpace d    = prob->space;
    PetscInt n[2] = {0, d->ncells}, g[2];
    for (PetscInt c = 0; c < d->ncells; ++c) n[0] += prob->form[d->cell_region[c]] == VFE_FORM_BBAR;
    PetscCall(MPIU_Allreduce(n, g, 2, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)pc)));
    /* auto: only where the B-bar regions are inclusions (the discs of a segment: 11 % of the cells by default).  In a
     * body that is nearly incompressible throughout (the Lame sphere) the patches spread the small eigenvalues that
     * point blocks leave in one cluster, and CG needs more iterations (docs/performance.md) */
    if (g[0] > 0 && (!strcmp(prob->pmg_patch, "true") || 2 * g[0] < g[1]))
      PetscCall(VfePatchPCSet(prob, pcs, PETSC_TRUE));
  }
  PetscCall(PCSetFromOptions(pc));
  PetscFunctionReturn(0);
}

/* Before a set-up or solve: the single-precision copy takes the operator's current values. */
PetscErrorCode VfePMGSync(VfeProblem prob)
{
  PetscFunctionBeginUser;
  if (prob->mg && prob->mg->Ks) PetscCall(VfeMatSingleSync(prob->mg->Ks));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeProblemSmootherPatches(VfeProblem prob, PetscInt *n)
{
  PetscFunctionBeginUser;
  PetscCall(MPIU_Allreduce(&prob->npatch, n, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)prob->space->dm)));
  PetscFunctionReturn(0);
}

const char *VfeProblemSmootherPrecision(VfeProblem prob)
{
  if (!prob->mg || !prob->pcu) return "";
  return prob->mg->Ks ? "single" : "double";
}
