/*
 * mixed.c - the mixed displacement-pressure form in nearly incompressible regions, and its
 * block preconditioner.
 *
 * Regions with nu >= VFE_BBAR_NU on P2 meshes (the nuclei, nu = 0.4999) get a pressure unknown
 * on every vertex of their cells (continuous P1: the Taylor-Hood P2/P1 pair, inf-sup stable).
 * With sigma = 2 mu dev eps(u) - p I and div u + p / kappa = 0 there, the discrete system is
 *
 *     [ A   Bt ] [u]   [f]        A : elasticity, deviatoric only in the mixed regions
 *     [ B  -C  ] [p] = [0],       Bt: -int p div v,  C: int p q / kappa,  B = Bt^T,
 *
 * symmetric and indefinite, uniformly stable as kappa -> infinity (nu -> 0.5): nothing in A
 * grows with kappa, and -C only shrinks.  Elsewhere nothing changes (the pressure lives only on
 * the vertices of mixed cells, so regions without it keep the pure displacement form).
 *
 * Preconditioner (a PCSHELL): the block upper-triangular factor of the Schur factorisation,
 *
 *     P^-1 [ru; rp]:  yp = -Mw^-1 rp,   yu = A^-1 (ru - Bt yp),
 *
 * with S = -C - B A^-1 Bt approximated by -Mw, Mw = int (1/kappa + 1/mu) p q, the pressure mass
 * matrix scaled by the local material (spectrally equivalent to -S uniformly in kappa), applied
 * by Jacobi (prefix vfe_schur_), and A^-1 by one application of the displacement preconditioner
 * (p-multigrid, solver/pmg.c, or GAMG).  The outer Krylov method is FGMRES (right
 * preconditioning: the tolerance is on the true residual), prefix none, so -ksp_rtol applies.
 * The iteration count does not grow as nu -> 0.5 (tests: verify_lame_*).
 *
 * Layout: the operator is a MATNEST of [A, Bt; B, -C] (no copies: A is the displacement matrix
 * of the problem, B a transpose view of Bt); its vectors hold on each rank the rank's
 * displacement dofs, then its pressure dofs, so both blocks are contiguous sub-vectors.
 * Dirichlet conditions: rows and columns of A are eliminated as in the displacement form, the
 * rows of Bt are zeroed (that zeroes the columns of B) after moving -B g to the pressure
 * right-hand side.
 */
#include "vfesolverimpl.h"
#include "vfekernels.h"
#include <string.h>

struct _n_VfeMixed {
  DM dmp;                     /* clone of the plex with one dof on every pressure vertex */
  PetscInt np;                /* local pressure dofs (owned and ghost) */
  PetscInt npowned;           /* owned pressure dofs */
  PetscInt *cell_p;           /* 4 per mixed cell: local pressure dof of each vertex, in the cell's region */
  PetscInt *cell_k;           /* local cell -> index among the mixed cells, or -1 */
  PetscInt *gp;               /* local pressure dof -> global pressure index */
  PetscInt nmc, *mcell;       /* local cells of mixed regions */
  Mat Bt, negC, Mw, B, K, Sp; /* Sp: the Schur approximation actually used (Mw, or selfp) */
  IS is[2];
  Vec x, rhs, wu, tu, plocal, pglobal;
  KSP ksp, kspS, kspA;
  PetscScalar *vB, *vC, *vM;
};

PetscErrorCode VfeMixedDestroy(VfeMixed *mxp)
{
  VfeMixed mx = *mxp;

  PetscFunctionBeginUser;
  if (!mx) PetscFunctionReturn(0);
  PetscCall(DMDestroy(&mx->dmp));
  PetscCall(PetscFree(mx->gp));
  PetscCall(PetscFree(mx->cell_p));
  PetscCall(PetscFree(mx->cell_k));
  PetscCall(PetscFree(mx->mcell));
  PetscCall(MatDestroy(&mx->Bt));
  PetscCall(MatDestroy(&mx->negC));
  PetscCall(MatDestroy(&mx->Mw));
  PetscCall(MatDestroy(&mx->Sp));
  PetscCall(MatDestroy(&mx->B));
  PetscCall(MatDestroy(&mx->K));
  PetscCall(ISDestroy(&mx->is[0]));
  PetscCall(ISDestroy(&mx->is[1]));
  PetscCall(VecDestroy(&mx->x));
  PetscCall(VecDestroy(&mx->rhs));
  PetscCall(VecDestroy(&mx->wu));
  PetscCall(VecDestroy(&mx->tu));
  PetscCall(VecDestroy(&mx->plocal));
  PetscCall(VecDestroy(&mx->pglobal));
  PetscCall(KSPDestroy(&mx->ksp));
  PetscCall(KSPDestroy(&mx->kspS));
  PetscCall(KSPDestroy(&mx->kspA));
  PetscCall(PetscFree3(mx->vB, mx->vC, mx->vM));
  PetscCall(PetscFree(mx));
  *mxp = NULL;
  PetscFunctionReturn(0);
}

/* Pressure space: on every vertex of a mixed cell one dof per mixed region that touches it, so
 * that the pressure is continuous inside a region and free to jump across the interface of two
 * regions (the nucleus and the annulus have different pressures: only sigma n is continuous).
 * The regions are the fields of a section on a clone of the plex.  A vertex may touch a region's
 * cells on one rank only, so the marker (a vertex field with one component per mixed region) is
 * summed over ranks first and every rank then agrees on the dofs. */
static PetscErrorCode VfeMixedPressureSpace(VfeProblem prob, VfeMixed mx)
{
  VfeSpace d    = prob->space;
  MPI_Comm comm = PetscObjectComm((PetscObject)d->dm);
  DM dmv;
  PetscSection sv, sp, gsp;
  PetscInt vStart, vEnd, nmr = 0, *rf;
  Vec ml, mg;
  PetscScalar *m;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(prob->nregions, &rf));
  for (PetscInt r = 0; r < prob->nregions; ++r) rf[r] = prob->form[r] == VFE_FORM_DEV ? nmr++ : -1;
  PetscCall(DMPlexGetDepthStratum(d->dm, 0, &vStart, &vEnd));
  /* marker: nmr dofs per vertex */
  PetscCall(DMClone(d->dm, &dmv));
  PetscCall(PetscSectionCreate(comm, &sv));
  PetscCall(PetscSectionSetChart(sv, d->pStart, d->pEnd));
  for (PetscInt p = vStart; p < vEnd; ++p) PetscCall(PetscSectionSetDof(sv, p, nmr));
  PetscCall(PetscSectionSetUp(sv));
  PetscCall(DMSetLocalSection(dmv, sv));
  PetscCall(DMCreateLocalVector(dmv, &ml));
  PetscCall(DMCreateGlobalVector(dmv, &mg));
  PetscCall(VecSet(ml, 0));
  PetscCall(VecGetArray(ml, &m));
  for (PetscInt k = 0; k < mx->nmc; ++k) {
    const PetscInt f = rf[d->cell_region[mx->mcell[k]]];
    for (int a = 0; a < 4; ++a) {
      PetscInt off;
      PetscCall(PetscSectionGetOffset(sv, d->node_point[d->cell_nodes[mx->mcell[k] * d->npc + a]], &off));
      m[off + f] = 1;
    }
  }
  PetscCall(VecRestoreArray(ml, &m));
  PetscCall(VecSet(mg, 0));
  PetscCall(DMLocalToGlobal(dmv, ml, ADD_VALUES, mg));
  PetscCall(DMGlobalToLocal(dmv, mg, INSERT_VALUES, ml));
  /* pressure section: field f has a dof on the vertices its region touches */
  PetscCall(DMClone(d->dm, &mx->dmp));
  PetscCall(PetscSectionCreate(comm, &sp));
  PetscCall(PetscSectionSetNumFields(sp, nmr));
  PetscCall(PetscSectionSetChart(sp, d->pStart, d->pEnd));
  PetscCall(VecGetArray(ml, &m));
  for (PetscInt p = vStart; p < vEnd; ++p) {
    PetscInt off, n = 0;
    PetscCall(PetscSectionGetOffset(sv, p, &off));
    for (PetscInt f = 0; f < nmr; ++f)
      if (PetscRealPart(m[off + f]) > 0) {
        PetscCall(PetscSectionSetFieldDof(sp, p, f, 1));
        n++;
      }
    if (n) PetscCall(PetscSectionSetDof(sp, p, n));
  }
  PetscCall(VecRestoreArray(ml, &m));
  PetscCall(PetscSectionSetUp(sp));
  PetscCall(DMSetLocalSection(mx->dmp, sp));
  PetscCall(DMGetGlobalSection(mx->dmp, &gsp));
  PetscCall(PetscSectionGetStorageSize(sp, &mx->np));
  PetscCall(PetscMalloc1(mx->np, &mx->gp));
  mx->npowned = 0;
  for (PetscInt p = vStart; p < vEnd; ++p) {
    PetscInt dof, off, goff;
    PetscCall(PetscSectionGetDof(sp, p, &dof));
    if (!dof) continue;
    PetscCall(PetscSectionGetOffset(sp, p, &off));
    PetscCall(PetscSectionGetOffset(gsp, p, &goff));
    for (PetscInt j = 0; j < dof; ++j) mx->gp[off + j] = (goff >= 0 ? goff : -(goff + 1)) + j;
    if (goff >= 0) mx->npowned += dof;
  }
  /* the pressure dofs of each mixed cell's vertices, in its own region */
  PetscCall(PetscMalloc1(4 * mx->nmc, &mx->cell_p));
  for (PetscInt k = 0; k < mx->nmc; ++k) {
    const PetscInt f = rf[d->cell_region[mx->mcell[k]]];
    for (int a = 0; a < 4; ++a)
      PetscCall(PetscSectionGetFieldOffset(sp, d->node_point[d->cell_nodes[mx->mcell[k] * d->npc + a]], f,
                                           &mx->cell_p[4 * k + a]));
  }
  PetscCall(PetscSectionDestroy(&sp));
  PetscCall(PetscSectionDestroy(&sv));
  PetscCall(VecDestroy(&ml));
  PetscCall(VecDestroy(&mg));
  PetscCall(DMDestroy(&dmv));
  PetscCall(PetscFree(rf));
  PetscCall(DMCreateLocalVector(mx->dmp, &mx->plocal));
  PetscCall(DMCreateGlobalVector(mx->dmp, &mx->pglobal));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeMixedApply(PC pc, Vec r, Vec y)
{
  VfeProblem prob;
  VfeMixed mx;
  Vec ru, rp, yu, yp;

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &prob));
  mx = prob->mx;
  PetscCall(VecGetSubVector(r, mx->is[0], &ru));
  PetscCall(VecGetSubVector(r, mx->is[1], &rp));
  PetscCall(VecGetSubVector(y, mx->is[0], &yu));
  PetscCall(VecGetSubVector(y, mx->is[1], &yp));
  PetscCall(KSPSolve(mx->kspS, rp, yp)); /* yp = -Mw^-1 rp */
  PetscCall(VecScale(yp, -1.0));
  PetscCall(MatMult(mx->Bt, yp, mx->tu)); /* yu = A^-1 (ru - Bt yp) */
  PetscCall(VecWAXPY(mx->wu, -1.0, mx->tu, ru));
  if (mx->kspA)
    PetscCall(KSPSolve(mx->kspA, mx->wu, yu));
  else
    PetscCall(PCApply(prob->pcu, mx->wu, yu));
  PetscCall(VecRestoreSubVector(r, mx->is[0], &ru));
  PetscCall(VecRestoreSubVector(r, mx->is[1], &rp));
  PetscCall(VecRestoreSubVector(y, mx->is[0], &yu));
  PetscCall(VecRestoreSubVector(y, mx->is[1], &yp));
  PetscFunctionReturn(0);
}

/* COO pattern of the coupling and pressure blocks: element by element (PETSc sums repeats).
 * The mixed regions are a small part of a segment, so the per-element lists stay small. */
PetscErrorCode VfeMixedCreate(VfeProblem prob)
{
  VfeSpace d    = prob->space;
  MPI_Comm comm = PetscObjectComm((PetscObject)d->dm);
  VfeMixed mx;
  PetscInt *bi, *bj, *ci, *cj, nloc, rstart = 0, npglobal;
  Mat blocks[4];

  PetscFunctionBeginUser;
  if (prob->mx) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(1, &mx));
  prob->mx = mx;
  PetscCall(PetscMalloc1(d->ncells, &mx->mcell));
  PetscCall(PetscMalloc1(d->ncells, &mx->cell_k));
  for (PetscInt c = 0; c < d->ncells; ++c) {
    mx->cell_k[c] = -1;
    if (prob->form[d->cell_region[c]] == VFE_FORM_DEV) mx->cell_k[c] = mx->nmc, mx->mcell[mx->nmc++] = c;
  }
  PetscCall(VfeMixedPressureSpace(prob, mx));
  PetscCallMPI(MPI_Allreduce(&mx->npowned, &npglobal, 1, MPIU_INT, MPI_SUM, comm));

  PetscCall(PetscMalloc2(120 * mx->nmc, &bi, 120 * mx->nmc, &bj));
  PetscCall(PetscMalloc2(16 * mx->nmc, &ci, 16 * mx->nmc, &cj));
  PetscCall(PetscMalloc3(120 * mx->nmc, &mx->vB, 16 * mx->nmc, &mx->vC, 16 * mx->nmc, &mx->vM));
  for (PetscInt k = 0; k < mx->nmc; ++k) {
    const PetscInt *cn = &d->cell_nodes[mx->mcell[k] * d->npc];
    for (int a = 0; a < 10; ++a)
      for (int i = 0; i < 3; ++i)
        for (int b = 0; b < 4; ++b) {
          bi[120 * k + (3 * a + i) * 4 + b] = 3 * d->gnode[cn[a]] + i;
          bj[120 * k + (3 * a + i) * 4 + b] = mx->gp[mx->cell_p[4 * k + b]];
        }
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) {
        ci[16 * k + 4 * a + b] = mx->gp[mx->cell_p[4 * k + a]];
        cj[16 * k + 4 * a + b] = mx->gp[mx->cell_p[4 * k + b]];
      }
  }
  PetscCall(MatCreate(comm, &mx->Bt));
  PetscCall(MatSetSizes(mx->Bt, 3 * d->nowned, mx->npowned, 3 * d->nglobal, npglobal));
  PetscCall(MatSetType(mx->Bt, VfeDeviceMatType(d->dm)));
  PetscCall(MatSetPreallocationCOO(mx->Bt, 120 * mx->nmc, bi, bj));
  PetscCall(MatCreate(comm, &mx->negC));
  PetscCall(MatSetSizes(mx->negC, mx->npowned, mx->npowned, npglobal, npglobal));
  PetscCall(MatSetType(mx->negC, VfeDeviceMatType(d->dm)));
  PetscCall(MatSetPreallocationCOO(mx->negC, 16 * mx->nmc, ci, cj));
  PetscCall(MatCreate(comm, &mx->Mw));
  PetscCall(MatSetSizes(mx->Mw, mx->npowned, mx->npowned, npglobal, npglobal));
  PetscCall(MatSetType(mx->Mw, VfeDeviceMatType(d->dm)));
  PetscCall(MatSetPreallocationCOO(mx->Mw, 16 * mx->nmc, ci, cj));
  PetscCall(PetscFree2(bi, bj));
  PetscCall(PetscFree2(ci, cj));
  PetscCall(MatCreateTranspose(mx->Bt, &mx->B));

  /* nest layout: on each rank its displacement dofs, then its pressure dofs */
  nloc = 3 * d->nowned + mx->npowned;
  PetscCallMPI(MPI_Exscan(&nloc, &rstart, 1, MPIU_INT, MPI_SUM, comm));
  PetscCall(ISCreateStride(comm, 3 * d->nowned, rstart, 1, &mx->is[0]));
  PetscCall(ISCreateStride(comm, mx->npowned, rstart + 3 * d->nowned, 1, &mx->is[1]));
  blocks[0] = prob->K, blocks[1] = mx->Bt, blocks[2] = mx->B, blocks[3] = mx->negC;
  PetscCall(MatCreateNest(comm, 2, mx->is, 2, mx->is, blocks, &mx->K));
  PetscCall(VecCreate(comm, &mx->x));
  PetscCall(VecSetSizes(mx->x, nloc, PETSC_DETERMINE));
  PetscCall(VecSetType(mx->x, VfeDeviceVecType(d->dm)));
  PetscCall(VecDuplicate(mx->x, &mx->rhs));
  PetscCall(MatCreateVecs(prob->K, &mx->wu, &mx->tu));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMixedAssemble(VfeProblem prob)
{
  VfeSpace d = prob->space;
  VfeMixed mx;

  PetscFunctionBeginUser;
  PetscCall(VfeMixedCreate(prob));
  mx = prob->mx;
  for (PetscInt k = 0; k < mx->nmc; ++k) {
    const PetscInt c = mx->mcell[k], r = d->cell_region[c];
    PetscReal X[30], Bt[120], C[16], Mw[16];
    VfeSpaceCellCoordinates(d, c, X);
    vfe_element_mixed(X, VfeCellE(prob, c, r), prob->nu[r], Bt, C, Mw);
    for (int q = 0; q < 120; ++q) mx->vB[120 * k + q] = Bt[q];
    for (int q = 0; q < 16; ++q) mx->vC[16 * k + q] = -C[q], mx->vM[16 * k + q] = Mw[q];
  }
  PetscCall(MatSetValuesCOO(mx->Bt, mx->vB, INSERT_VALUES));
  PetscCall(MatSetValuesCOO(mx->negC, mx->vC, INSERT_VALUES));
  PetscCall(MatSetValuesCOO(mx->Mw, mx->vM, INSERT_VALUES));
  PetscCall(PetscLogFlops(2.0 * mx->nmc * 4 * 30 * 4));
  PetscFunctionReturn(0);
}

/* b: displacement right-hand side after the Dirichlet elimination of A; u: global displacement
 * (in: the Dirichlet values; out: the solution).  The pressure is kept for the stresses. */
PetscErrorCode VfeMixedSolve(VfeProblem prob, Vec b, Vec u)
{
  VfeSpace d    = prob->space;
  MPI_Comm comm = PetscObjectComm((PetscObject)d->dm);
  VfeMixed mx   = prob->mx;
  const PetscInt *rows;
  PetscInt nrows;
  Vec xu, xp, bu, bp;

  PetscFunctionBeginUser;
  /* pressure right-hand side -B g, then the Dirichlet rows of Bt (columns of B) */
  PetscCall(VecGetSubVector(mx->rhs, mx->is[0], &bu));
  PetscCall(VecGetSubVector(mx->rhs, mx->is[1], &bp));
  PetscCall(VecCopy(b, bu));
  PetscCall(MatMultTranspose(mx->Bt, prob->ubc, bp));
  PetscCall(VecScale(bp, -1.0));
  PetscCall(VecRestoreSubVector(mx->rhs, mx->is[0], &bu));
  PetscCall(VecRestoreSubVector(mx->rhs, mx->is[1], &bp));
  PetscCall(ISGetLocalSize(prob->bcrows, &nrows));
  PetscCall(ISGetIndices(prob->bcrows, &rows));
  PetscCall(MatZeroRows(mx->Bt, nrows, rows, 0.0, NULL, NULL));
  PetscCall(ISRestoreIndices(prob->bcrows, &rows));

  {
    char pre[16] = "mass";
    PetscCall(PetscOptionsGetString(NULL, NULL, "-vfe_schur_pre", pre, sizeof pre, NULL));
    PetscCall(MatDestroy(&mx->Sp));
    if (!strcmp(pre, "selfp")) {
      Vec dA;
      Mat DBt;
      PetscCall(MatCreateVecs(prob->K, NULL, &dA));
      PetscCall(MatGetDiagonal(prob->K, dA));
      PetscCall(VecReciprocal(dA));
      PetscCall(MatDuplicate(mx->Bt, MAT_COPY_VALUES, &DBt));
      PetscCall(MatDiagonalScale(DBt, dA, NULL));
      PetscCall(MatTransposeMatMult(mx->Bt, DBt, MAT_INITIAL_MATRIX, PETSC_DEFAULT, &mx->Sp));
      PetscCall(MatAXPY(mx->Sp, -1.0, mx->negC, DIFFERENT_NONZERO_PATTERN));
      PetscCall(MatDestroy(&DBt));
      PetscCall(VecDestroy(&dA));
    } else {
      PetscCall(PetscObjectReference((PetscObject)mx->Mw));
      mx->Sp = mx->Mw;
    }
  }
  if (!mx->kspS) {
    PC pc;
    PetscCall(KSPCreate(comm, &mx->kspS));
    PetscCall(KSPSetOptionsPrefix(mx->kspS, "vfe_schur_"));
    PetscCall(KSPSetType(mx->kspS, KSPPREONLY));
    PetscCall(KSPGetPC(mx->kspS, &pc));
    PetscCall(PCSetType(pc, PCJACOBI));
    PetscCall(KSPSetOperators(mx->kspS, mx->Sp, mx->Sp));
    PetscCall(KSPSetFromOptions(mx->kspS));
  }
  PetscCall(KSPSetOperators(mx->kspS, mx->Sp, mx->Sp));
  PetscCall(KSPSetUp(mx->kspS));
  { /* diagnostic: -vfe_schur_inner solves the A block with CG to vfe_schur_inner_ksp_rtol (1e-3) instead of one
     * application of its preconditioner, to tell the A and the S approximation apart (docs/theory.md) */
    PetscBool inner = PETSC_FALSE;
    PetscCall(PetscOptionsGetBool(NULL, NULL, "-vfe_schur_inner", &inner, NULL));
    if (inner && !mx->kspA) {
      PetscCall(KSPCreate(comm, &mx->kspA));
      PetscCall(KSPSetOptionsPrefix(mx->kspA, "vfe_schur_inner_"));
      PetscCall(KSPSetType(mx->kspA, KSPCG));
      PetscCall(KSPSetPC(mx->kspA, prob->pcu));
      PetscCall(KSPSetOperators(mx->kspA, prob->K, prob->K));
      PetscCall(KSPSetTolerances(mx->kspA, 1e-3, 1e-50, PETSC_DEFAULT, 500));
      PetscCall(KSPSetFromOptions(mx->kspA));
    }
  }
  if (!mx->ksp) {
    PC pc;
    PetscCall(KSPCreate(comm, &mx->ksp));
    PetscCall(KSPSetType(mx->ksp, KSPFGMRES));
    PetscCall(KSPGMRESSetRestart(mx->ksp, 200));
    PetscCall(KSPSetTolerances(mx->ksp, 1e-8, 1e-50, PETSC_DEFAULT, 2000));
    PetscCall(KSPGetPC(mx->ksp, &pc));
    PetscCall(PCSetType(pc, PCSHELL));
    PetscCall(PCShellSetContext(pc, prob));
    PetscCall(PCShellSetApply(pc, VfeMixedApply));
    PetscCall(PCShellSetName(pc, "vfe block upper-triangular Schur: A by the displacement PC, S by -Mw (Jacobi)"));
    PetscCall(KSPSetFromOptions(mx->ksp));
    prob->ksp = mx->ksp;
    PetscCall(PetscObjectReference((PetscObject)mx->ksp));
  }
  PetscCall(MatAssemblyBegin(mx->K, MAT_FINAL_ASSEMBLY)); /* the blocks changed: let the nest know */
  PetscCall(MatAssemblyEnd(mx->K, MAT_FINAL_ASSEMBLY));
  PetscCall(KSPSetOperators(mx->ksp, mx->K, mx->K));
  PetscCall(VecSet(mx->x, 0));
  PetscCall(KSPSolve(mx->ksp, mx->rhs, mx->x));
  PetscCall(KSPGetIterationNumber(mx->ksp, &prob->its));
  PetscCall(KSPGetConvergedReason(mx->ksp, &prob->reason));
  PetscCall(KSPGetResidualNorm(mx->ksp, &prob->rnorm));
  PetscCall(VecGetSubVector(mx->x, mx->is[0], &xu));
  PetscCall(VecGetSubVector(mx->x, mx->is[1], &xp));
  PetscCall(VecCopy(xu, u));
  PetscCall(VecCopy(xp, mx->pglobal));
  PetscCall(VecRestoreSubVector(mx->x, mx->is[0], &xu));
  PetscCall(VecRestoreSubVector(mx->x, mx->is[1], &xp));
  PetscCall(DMGlobalToLocal(mx->dmp, mx->pglobal, INSERT_VALUES, mx->plocal));
  PetscFunctionReturn(0);
}

PetscReal VfeMixedCellPressure(VfeProblem prob, PetscInt c, const PetscReal L[4])
{
  VfeMixed mx = prob->mx;
  const PetscScalar *p;
  PetscReal pc = 0;
  PetscInt k;

  if (!mx || (k = mx->cell_k[c]) < 0 || VecGetArrayRead(mx->plocal, &p)) return 0;
  for (int a = 0; a < 4; ++a) pc += L[a] * PetscRealPart(p[mx->cell_p[4 * k + a]]);
  VecRestoreArrayRead(mx->plocal, &p);
  return pc;
}

/* f += Bt p over the local mixed cells (the pressure's share of the internal force). */
PetscErrorCode VfeMixedAddInternalForce(VfeProblem prob, const PetscBool *regions, PetscScalar *f)
{
  VfeSpace d  = prob->space;
  VfeMixed mx = prob->mx;
  const PetscScalar *p;

  PetscFunctionBeginUser;
  PetscCall(VecGetArrayRead(mx->plocal, &p));
  for (PetscInt k = 0; k < mx->nmc; ++k) {
    const PetscInt c = mx->mcell[k], r = d->cell_region[c], *cn = &d->cell_nodes[c * d->npc];
    PetscReal X[30], Bt[120], C[16], Mw[16], pe[4];
    if (regions && !regions[r]) continue;
    VfeSpaceCellCoordinates(d, c, X);
    vfe_element_mixed(X, VfeCellE(prob, c, r), prob->nu[r], Bt, C, Mw);
    for (int b = 0; b < 4; ++b) pe[b] = PetscRealPart(p[mx->cell_p[4 * k + b]]);
    for (int a = 0; a < 10; ++a)
      for (int i = 0; i < 3; ++i)
        for (int b = 0; b < 4; ++b) f[3 * cn[a] + i] += Bt[(3 * a + i) * 4 + b] * pe[b];
  }
  PetscCall(VecRestoreArrayRead(mx->plocal, &p));
  PetscFunctionReturn(0);
}
