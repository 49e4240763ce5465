/*
 * problem.c - the elasticity problem on a discretisation: materials, boundary conditions, loads,
 * assembly of K and f, Dirichlet elimination and the CG + GAMG solve.
 *
 * Assembly.  The default path (-vfe_assembly coo) builds, once per mesh, the pattern of node pairs
 * that share a cell (a CSR over local nodes, each row sorted), hands it to MatSetPreallocationCOO
 * as 3x3 blocks, and then assembles by summing element matrices into one value per pattern entry
 * before MatSetValuesCOO: PETSc sees each node pair once, not once per element, which keeps the
 * set-up cost and memory of the COO maps small (a naive per-element list is ~10x larger).  Ghost
 * rows are routed to their owners by PETSc.  The alternative path (-vfe_assembly blocked) uses the
 * DMPlex-preallocated matrix and MatSetValuesBlocked per cell.
 *
 * Formulation (per region, fixed at the first assembly): pure displacement; or, on P2 and in
 * regions with nu >= VFE_BBAR_NU, the mean-dilatation B-bar form (default: -vfe_formulation auto
 * or bbar) or the mixed Taylor-Hood u-p form of solver/mixed.c (-vfe_formulation mixed, whose
 * iteration count does not grow as nu -> 0.5; on the anatomical segment its block preconditioner
 * still needs more iterations than B-bar with p-multigrid, docs/performance.md).  Solver: P1 CG + GAMG; P2 CG +
 * p-multigrid (solver/pmg.c); mixed FGMRES + block-triangular Schur preconditioner (solver/mixed.c).  The
 * preconditioner objects live as long as the problem, so a second solve after new materials
 * (the intact baseline) reuses the hierarchy and only recomputes values.
 *
 * Dirichlet conditions are imposed by MatZeroRowsColumns (keeps K symmetric for CG, moves the
 * known values to the right-hand side).  Which owned dofs are constrained is found with a marker
 * vector summed over ranks (DMLocalToGlobal with ADD), because the face that constrains a node may
 * live on another rank than the node's owner.
 */
#include "vfesolverimpl.h"
#include "vfekernels.h"
#include <string.h>

PetscErrorCode VfeProblemCreate(VfeSpace sp, PetscInt nregions, VfeProblem *prob)
{
  VfeProblem p;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(1, &p));
  p->space    = sp;
  p->nregions = nregions;
  PetscCall(PetscCalloc2(nregions, &p->E, nregions, &p->nu));
  for (PetscInt r = 0; r < nregions; ++r) p->E[r] = -1; /* unset */
  PetscCall(PetscCalloc1(nregions, &p->form));
  for (PetscInt r = 0; r < nregions; ++r) p->form[r] = -1; /* not yet chosen */
  PetscCall(PetscStrncpy(p->formulation, "auto", sizeof p->formulation));
  p->pmg        = sp->order == 2 ? PETSC_TRUE : PETSC_FALSE;
  p->pmg_single = PETSC_TRUE;
  PetscCall(PetscStrncpy(p->pmg_patch, "auto", sizeof p->pmg_patch));
  p->inc_nu = VFE_BBAR_NU;
  PetscCall(PetscStrncpy(p->assembly, "coo", sizeof p->assembly));
  PetscCall(PetscStrncpy(p->backend, "cpu", sizeof p->backend));
  PetscCall(PetscStrncpy(p->matprefix, "vfe_", sizeof p->matprefix));
  *prob = p;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeProblemDestroy(VfeProblem *prob)
{
  VfeProblem p = *prob;

  PetscFunctionBeginUser;
  if (!p) PetscFunctionReturn(0);
  PetscCall(PetscFree2(p->E, p->nu));
  PetscCall(PetscFree(p->cellE));
  PetscCall(PetscFree(p->form));
  PetscCall(PetscFree(p->rbody));
  PetscCall(VfeMixedDestroy(&p->mx));
  PetscCall(VfePMGDestroy(&p->mg));
  PetscCall(PCDestroy(&p->pcu));
  PetscCall(MatDestroy(&p->K));
  PetscCall(VecDestroy(&p->f));
  PetscCall(VecDestroy(&p->ubc));
  PetscCall(VecDestroy(&p->ulast));
  PetscCall(VecDestroy(&p->blift));
  PetscCall(ISDestroy(&p->bcrows));
  PetscCall(KSPDestroy(&p->ksp));
  PetscCall(PetscFree(p->row_start)); /* allocated separately (VfeBuildPattern) */
  PetscCall(PetscFree(p->row_cols));
  if (p->backend_destroy) PetscCall(p->backend_destroy(p->backend_data));
  PetscCall(VfeMembersDestroy(&p->mem));
  PetscCall(VfeFibresDestroy(&p->fib));
  PetscCall(PetscFree(p->coo_el));
  PetscCall(PetscFree(p->mem_ij));
  PetscCall(PetscFree(p));
  *prob = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeProblemSetMaterial(VfeProblem prob, PetscInt region, PetscReal E, PetscReal nu)
{
  PetscFunctionBeginUser;
  prob->el_valid = PETSC_FALSE;
  PetscCheck(region >= 0 && region < prob->nregions, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "region %" PetscInt_FMT " out of range", region);
  PetscCheck(E > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Young's modulus %g of region %" PetscInt_FMT " must be > 0",
             (double)E, region);
  PetscCheck(nu > -1 && nu < 0.5, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Poisson's ratio %g of region %" PetscInt_FMT " must lie in (-1, 0.5)", (double)nu, region);
  prob->E[region]  = E;
  prob->nu[region] = nu;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeProblemSetCellModulus(VfeProblem prob, const PetscReal *E)
{
  const PetscInt n = prob->space->ncells;

  PetscFunctionBeginUser;
  prob->el_valid = PETSC_FALSE;
  if (!E) {
    PetscCall(PetscFree(prob->cellE));
    PetscFunctionReturn(0);
  }
  for (PetscInt c = 0; c < n; ++c)
    PetscCheck(PetscIsNormalReal(E[c]) || E[c] == 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "cell modulus %g of local cell %" PetscInt_FMT " is not a finite number", (double)E[c], c);
  for (PetscInt c = 0; c < n; ++c)
    PetscCheck(E[c] >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "cell modulus %g of local cell %" PetscInt_FMT " is negative", (double)E[c], c);
  if (!prob->cellE) PetscCall(PetscMalloc1(n, &prob->cellE));
  PetscCall(PetscArraycpy(prob->cellE, E, n));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeProblemAddBC(VfeProblem prob, PetscInt surface, PetscInt kind, const PetscBool comp[3],
                                      VfeVectorFn fn, void *ctx)
{
  PetscInt k = prob->nbc;

  PetscFunctionBeginUser;
  PetscCheck(k < 16, PETSC_COMM_SELF, PETSC_ERR_SUP, "at most 16 boundary conditions");
  prob->bc[k].surface = surface;
  prob->bc[k].kind    = kind;
  for (int d = 0; d < 3; ++d) prob->bc[k].comp[d] = comp ? comp[d] : PETSC_TRUE;
  prob->bc[k].fn  = fn;
  prob->bc[k].ctx = ctx;
  prob->nbc++;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeProblemAddDirichlet(VfeProblem prob, PetscInt surface, const PetscBool comp[3], VfeVectorFn fn,
                                      void *ctx)
{
  return VfeProblemAddBC(prob, surface, 0, comp, fn, ctx);
}

PetscErrorCode VfeProblemAddTraction(VfeProblem prob, PetscInt surface, VfeVectorFn fn, void *ctx)
{
  return VfeProblemAddBC(prob, surface, 1, NULL, fn, ctx);
}

PetscErrorCode VfeProblemSetBodyForce(VfeProblem prob, VfeVectorFn fn, void *ctx)
{
  prob->body     = fn;
  prob->body_ctx = ctx;
  return 0;
}

PetscErrorCode VfeProblemSetRegionBodyForce(VfeProblem prob, const PetscReal *b)
{
  PetscFunctionBeginUser;
  if (!b) {
    PetscCall(PetscFree(prob->rbody));
    PetscFunctionReturn(0);
  }
  if (!prob->rbody) PetscCall(PetscMalloc1(3 * prob->nregions, &prob->rbody));
  PetscCall(PetscArraycpy(prob->rbody, b, 3 * prob->nregions));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeProblemSetFromOptions(VfeProblem prob)
{
  MPI_Comm comm    = PetscObjectComm((PetscObject)prob->space->dm);
  PetscBool pmgset = PETSC_FALSE, cuda;

  PetscFunctionBeginUser;
  PetscCall(VfeDeviceFromOptions(comm, &cuda));
  if (cuda) PetscCall(PetscStrncpy(prob->backend, "cuda", sizeof prob->backend)); /* the default on the device path */
  PetscOptionsBegin(PetscObjectComm((PetscObject)prob->space->dm), NULL, "vfe solver options", "VfeProblem");
  PetscCall(PetscOptionsString("-vfe_assembly", "assembly path: coo or blocked", "VfeProblemAssemble", prob->assembly,
                               prob->assembly, sizeof prob->assembly, NULL));
  PetscCall(PetscOptionsString("-vfe_backend", "element-kernel backend: cpu or cuda", "VfeProblemAssemble",
                               prob->backend, prob->backend, sizeof prob->backend, NULL));
  PetscCall(PetscOptionsString(
      "-vfe_formulation",
      "nearly incompressible regions on P2: auto (= bbar), mixed (Taylor-Hood u-p), bbar or displacement",
      "VfeProblemAssemble", prob->formulation, prob->formulation, sizeof prob->formulation, NULL));
  PetscCall(PetscOptionsReal("-vfe_incompressible_nu", "regions with nu at least this get the B-bar or mixed form (P2)",
                             "VfeProblemAssemble", prob->inc_nu, &prob->inc_nu, NULL));
  PetscCall(PetscOptionsBool("-vfe_pmg", "P2: p-multigrid (P2 -> P1 -> GAMG) for the displacement block",
                             "VfeProblemSolve", prob->pmg, &prob->pmg, &pmgset));
  PetscCall(
      PetscOptionsBool("-vfe_pmg_single",
                       "P2 p-multigrid on the CPU: the P2 smoother multiplies a single-precision copy of the operator",
                       "VfeProblemSolve", prob->pmg_single, &prob->pmg_single, NULL));
  PetscCall(PetscOptionsString("-vfe_pmg_patch",
                               "P2 p-multigrid on the CPU: vertex-star patches in the B-bar regions of the P2 smoother "
                               "(auto: where those regions hold less than half of the cells)",
                               "VfeProblemSolve", prob->pmg_patch, prob->pmg_patch, sizeof prob->pmg_patch, NULL));
  PetscOptionsEnd();
  PetscCheck(!strcmp(prob->pmg_patch, "auto") || !strcmp(prob->pmg_patch, "true") || !strcmp(prob->pmg_patch, "false"),
             comm, PETSC_ERR_USER_INPUT, "vfe_pmg_patch: unknown value '%s' (allowed: auto, true, false)",
             prob->pmg_patch);
  PetscCheck(prob->inc_nu >= 0 && prob->inc_nu <= 0.5, comm, PETSC_ERR_USER_INPUT,
             "vfe_incompressible_nu = %g is not allowed: 0 <= value <= 0.5", (double)prob->inc_nu);
  PetscCheck(!strcmp(prob->formulation, "auto") || !strcmp(prob->formulation, "mixed") ||
                 !strcmp(prob->formulation, "bbar") || !strcmp(prob->formulation, "displacement"),
             comm, PETSC_ERR_USER_INPUT,
             "vfe_formulation: unknown value '%s' (allowed: auto, mixed, bbar, displacement)", prob->formulation);
  PetscCheck(prob->space->order == 2 || (strcmp(prob->formulation, "mixed") && strcmp(prob->formulation, "bbar")), comm,
             PETSC_ERR_USER_INPUT,
             "vfe_formulation %s needs mesh_order 2 (P1 keeps the pure displacement form; use mesh_order 2 for "
             "locking-free results)",
             prob->formulation);
  if (pmgset && prob->pmg && prob->space->order == 1) {
    PetscCall(
        PetscPrintf(comm, "vfe: warning: vfe_pmg applies to mesh_order 2 only (P2 -> P1 -> GAMG); ignored on P1\n"));
    prob->pmg = PETSC_FALSE;
  }
  PetscCheck(!strcmp(prob->assembly, "coo") || !strcmp(prob->assembly, "blocked"), PETSC_COMM_SELF,
             PETSC_ERR_USER_INPUT, "vfe_assembly: unknown value '%s' (allowed: coo, blocked)", prob->assembly);
  PetscCheck(!strcmp(prob->backend, "cpu") || !strcmp(prob->backend, "cuda"), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "vfe_backend: unknown value '%s' (allowed: cpu, cuda)", prob->backend);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- quadrature (PETSc's) ---------- */

/* Stroud conical-product rule on the simplex of dimension dim, returned as barycentric points
 * (dim+1 per point) and weights summing to 1. */
static PetscErrorCode VfeSimplexRule(PetscInt dim, PetscInt n, PetscInt *np, PetscReal **bary, PetscReal **w)
{
  PetscQuadrature q;
  const PetscReal *pts, *wts;
  PetscInt qdim, nc;
  PetscReal sum = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscDTStroudConicalQuadrature(dim, 1, n, -1.0, 1.0, &q));
  PetscCall(PetscQuadratureGetData(q, &qdim, &nc, np, &pts, &wts));
  PetscCall(PetscMalloc2((*np) * (dim + 1), bary, *np, w));
  for (PetscInt i = 0; i < *np; ++i) sum += wts[i];
  for (PetscInt i = 0; i < *np; ++i) {
    PetscReal l0 = 1.0;
    for (PetscInt d = 0; d < dim; ++d) {
      (*bary)[i * (dim + 1) + d + 1] = 0.5 * (pts[i * dim + d] + 1.0);
      l0 -= (*bary)[i * (dim + 1) + d + 1];
    }
    (*bary)[i * (dim + 1)] = l0;
    (*w)[i]                = wts[i] / sum;
  }
  PetscCall(PetscQuadratureDestroy(&q));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- markers and sums -------------- */

/* Local vector with 1 at the dofs (components comp) of every node of surface s, consistent over
 * ranks: contributions are summed on owners and sent back to ghosts. */
static PetscErrorCode VfeSurfaceMarker(VfeSpace sp, PetscInt s, const PetscBool comp[3], Vec mlocal)
{
  PetscInt nf, *faces;
  PetscScalar *m;
  Vec g;

  PetscFunctionBeginUser;
  PetscCall(VecSet(mlocal, 0));
  PetscCall(VfeSpaceGetBoundaryFaces(sp, s, &nf, &faces));
  PetscCall(VecGetArray(mlocal, &m));
  for (PetscInt i = 0; i < nf; ++i) {
    PetscInt nodes[6], nn = sp->order == 1 ? 3 : 6;
    PetscReal area, n[3];
    PetscCall(VfeSpaceFaceGeometry(sp, faces[i], nodes, &area, n));
    for (PetscInt k = 0; k < nn; ++k)
      for (int d = 0; d < 3; ++d)
        if (comp[d]) m[3 * nodes[k] + d] = 1;
  }
  PetscCall(VecRestoreArray(mlocal, &m));
  PetscCall(PetscFree(faces));
  PetscCall(DMGetGlobalVector(sp->dm, &g));
  PetscCall(VecSet(g, 0));
  PetscCall(DMLocalToGlobal(sp->dm, mlocal, ADD_VALUES, g));
  PetscCall(DMGlobalToLocal(sp->dm, g, INSERT_VALUES, mlocal));
  PetscCall(DMRestoreGlobalVector(sp->dm, &g));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSpaceResultant(VfeSpace sp, PetscInt s, Vec vlocal, const PetscReal c[3], PetscReal F[3],
                                 PetscReal M[3])
{
  Vec m                  = NULL;
  const PetscScalar *mv  = NULL, *v;
  const PetscBool all[3] = {PETSC_TRUE, PETSC_TRUE, PETSC_TRUE};
  PetscReal loc[6]       = {0, 0, 0, 0, 0, 0}, glob[6];

  PetscFunctionBeginUser;
  if (s >= 0) {
    PetscCall(DMGetLocalVector(sp->dm, &m));
    PetscCall(VfeSurfaceMarker(sp, s, all, m));
    PetscCall(VecGetArrayRead(m, &mv));
  }
  PetscCall(VecGetArrayRead(vlocal, &v));
  for (PetscInt i = 0; i < sp->nnodes; ++i) {
    PetscReal f[3], r[3];
    if (!sp->owned[i] || (mv && !(PetscRealPart(mv[3 * i]) > 0))) continue;
    for (int d = 0; d < 3; ++d) f[d] = PetscRealPart(v[3 * i + d]), loc[d] += f[d];
    if (!c) continue;
    for (int d = 0; d < 3; ++d) r[d] = sp->xyz[3 * i + d] - c[d];
    loc[3] += r[1] * f[2] - r[2] * f[1];
    loc[4] += r[2] * f[0] - r[0] * f[2];
    loc[5] += r[0] * f[1] - r[1] * f[0];
  }
  PetscCall(VecRestoreArrayRead(vlocal, &v));
  if (m) {
    PetscCall(VecRestoreArrayRead(m, &mv));
    PetscCall(DMRestoreLocalVector(sp->dm, &m));
  }
  PetscCallMPI(MPI_Allreduce(loc, glob, 6, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject)sp->dm)));
  for (int d = 0; d < 3; ++d) {
    F[d] = glob[d];
    if (M) M[d] = glob[3 + d];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSpaceSurfaceSum(VfeSpace sp, PetscInt s, Vec vlocal, PetscReal sum[3])
{
  return VfeSpaceResultant(sp, s, vlocal, NULL, sum, NULL);
}

/* ---------------------------------------------------------------- assembly ---------------------- */

/* Node-pair pattern over local nodes: row_start (nnodes+1), row_cols sorted per row. */
static PetscErrorCode VfeBuildPattern(VfeProblem prob)
{
  VfeSpace d = prob->space;
  PetscInt *cstart, *clist, *mark, nnz = 0, *tmp;
  const PetscInt npc = d->npc;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc3(d->nnodes + 1, &cstart, d->ncells * npc, &clist, d->nnodes, &mark));
  for (PetscInt c = 0; c < d->ncells; ++c)
    for (PetscInt a = 0; a < npc; ++a) cstart[d->cell_nodes[c * npc + a] + 1]++;
  for (PetscInt i = 0; i < d->nnodes; ++i) cstart[i + 1] += cstart[i];
  {
    PetscInt *fill;
    PetscCall(PetscMalloc1(d->nnodes, &fill));
    PetscCall(PetscArraycpy(fill, cstart, d->nnodes));
    for (PetscInt c = 0; c < d->ncells; ++c)
      for (PetscInt a = 0; a < npc; ++a) clist[fill[d->cell_nodes[c * npc + a]]++] = c;
    PetscCall(PetscFree(fill));
  }
  for (PetscInt i = 0; i < d->nnodes; ++i) mark[i] = -1;
  /* first pass: count, second pass: fill */
  PetscCall(PetscMalloc1(d->nnodes + 1, &prob->row_start));
  prob->row_start[0] = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (PetscInt i = 0; i < d->nnodes; ++i) mark[i] = -1;
    for (PetscInt a = 0; a < d->nnodes; ++a) {
      PetscInt cnt = 0;
      for (PetscInt k = cstart[a]; k < cstart[a + 1]; ++k) {
        const PetscInt *cn = &d->cell_nodes[clist[k] * npc];
        for (PetscInt b = 0; b < npc; ++b)
          if (mark[cn[b]] != a) {
            mark[cn[b]] = a;
            if (pass) prob->row_cols[prob->row_start[a] + cnt] = cn[b];
            cnt++;
          }
      }
      if (!pass)
        prob->row_start[a + 1] = prob->row_start[a] + cnt;
      else
        PetscCall(PetscSortInt(cnt, &prob->row_cols[prob->row_start[a]]));
    }
    if (!pass) {
      nnz = prob->row_start[d->nnodes];
      PetscCall(PetscMalloc1(nnz, &tmp));
      prob->row_cols = tmp;
    }
  }
  prob->ncoo = nnz;
  PetscCall(PetscFree3(cstart, clist, mark));
  PetscFunctionReturn(0);
}

/* CPU backend: element matrices summed into one value per node pair (3x3 blocks). */
PetscErrorCode VfeAssembleCOO_CPU(VfeProblem prob)
{
  VfeSpace d         = prob->space;
  const PetscInt npc = d->npc, ld = 3 * npc;
  PetscScalar *v = prob->coo_vals;
  PetscReal X[30], Ke[900];

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(v, 9 * prob->ncoo));
  for (PetscInt c = 0; c < d->ncells; ++c) {
    const PetscInt *cn = &d->cell_nodes[c * npc];
    const PetscInt r   = d->cell_region[c];
    VfeSpaceCellCoordinates(d, c, X);
    vfe_element_stiffness_form((int)d->order, (int)prob->form[r], X, VfeCellE(prob, c, r), prob->nu[r], Ke);
    VfeCOOAddElement(prob, npc, cn, Ke, v);
  }
  PetscCall(PetscLogFlops(2.0 * d->ncells * ld * ld * (d->order == 1 ? 1 : 4)));
  PetscFunctionReturn(0);
}

/* Block types (BAIJ, SBAIJ): PETSc 3.18 has no COO assembly of its own for them, and its generic one inserts entry
 * by entry through a hash in every active-set iteration (the default segment: 15 s of assembly against 4 s with
 * AIJ).  The node-pair pattern is a block pattern, so it is preallocated once through MATPREALLOCATOR and every
 * assembly adds one block row per local node (its 3 x 3 blocks are the 9 COO values of each pair, row-major);
 * the member entries (springs, contact) go in one by one.  On SBAIJ the lower triangle is ignored. */
static PetscErrorCode VfeBlockAddValues(VfeProblem prob, Mat A, const PetscScalar *v, InsertMode mode)
{
  VfeSpace d    = prob->space;
  PetscInt maxc = 0, *gcols;
  PetscScalar *buf;

  PetscFunctionBeginUser;
  for (PetscInt a = 0; a < d->nnodes; ++a) maxc = PetscMax(maxc, prob->row_start[a + 1] - prob->row_start[a]);
  PetscCall(PetscMalloc2(maxc, &gcols, 9 * maxc, &buf));
  for (PetscInt a = 0; a < d->nnodes; ++a) {
    const PetscInt k0 = prob->row_start[a], nc = prob->row_start[a + 1] - k0;
    for (PetscInt kk = 0; kk < nc; ++kk) {
      gcols[kk] = d->gnode[prob->row_cols[k0 + kk]];
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) buf[i * 3 * nc + 3 * kk + j] = v ? v[9 * (k0 + kk) + 3 * i + j] : 0;
    }
    PetscCall(MatSetValuesBlocked(A, 1, &d->gnode[a], nc, gcols, buf, mode));
  }
  for (PetscCount m = 0; m < prob->nmemcoo; ++m) {
    const PetscScalar x = v ? v[9 * prob->ncoo + m] : 0;
    PetscCall(MatSetValues(A, 1, &prob->mem_ij[2 * m], 1, &prob->mem_ij[2 * m + 1], &x, mode));
  }
  PetscCall(PetscFree2(gcols, buf));
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeBlockPreallocate(VfeProblem prob, const PetscInt *mi, const PetscInt *mj)
{
  Mat pre;
  PetscInt m, n, M, N;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(2 * prob->nmemcoo, &prob->mem_ij));
  for (PetscCount k = 0; k < prob->nmemcoo; ++k) prob->mem_ij[2 * k] = mi[k], prob->mem_ij[2 * k + 1] = mj[k];
  PetscCall(MatGetLocalSize(prob->K, &m, &n));
  PetscCall(MatGetSize(prob->K, &M, &N));
  PetscCall(MatCreate(PetscObjectComm((PetscObject)prob->K), &pre));
  PetscCall(MatSetType(pre, MATPREALLOCATOR));
  PetscCall(MatSetSizes(pre, m, n, M, N));
  PetscCall(MatSetBlockSize(pre, 3));
  PetscCall(MatSetUp(pre));
  PetscCall(VfeBlockAddValues(prob, pre, NULL, INSERT_VALUES));
  PetscCall(MatPreallocatorPreallocate(pre, PETSC_TRUE, prob->K));
  PetscCall(MatDestroy(&pre));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeAssembleMatrix(VfeProblem prob)
{
  VfeSpace d    = prob->space;
  MPI_Comm comm = PetscObjectComm((PetscObject)d->dm);

  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < prob->nregions; ++r)
    PetscCheck(prob->E[r] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "region %" PetscInt_FMT " has no material",
               r);
  if (!strcmp(prob->assembly, "coo")) {
    if (!prob->K) {
      PetscInt *ci, *cj;
      MatType mtype;
      PetscCall(VfeBuildPattern(prob));
      PetscCall(VfeMembersCOOCount(prob, &prob->nmemcoo));
      PetscCall(DMGetMatType(d->dm, &mtype));
      /* The P2 operator under the p-multigrid only multiplies (Chebyshev, residuals, CG), so on the CPU it is
       * block CSR with 3 x 3 blocks: the same iterations, products 2.2-2.6x faster and less memory than AIJ
       * (docs/performance.md).  On one rank symmetric (SBAIJ, the upper triangle: fastest, least memory); on
       * more, BAIJ, because PETSc 3.18's MPISBAIJ has no MatZeroRowsColumns.  GAMG (P1, the P1 level,
       * -vfe_pmg false) needs AIJ.  -vfe_mat_type overrides. */
      if (d->order == 2 && prob->pmg && !strcmp(prob->backend, "cpu") && (!mtype || !strcmp(mtype, MATAIJ))) {
        PetscMPIInt size;
        PetscCallMPI(MPI_Comm_size(comm, &size));
        mtype = size == 1 ? MATSBAIJ : MATBAIJ;
      }
      PetscCall(MatCreate(comm, &prob->K));
      PetscCall(MatSetSizes(prob->K, 3 * d->nowned, 3 * d->nowned, 3 * d->nglobal, 3 * d->nglobal));
      PetscCall(MatSetType(prob->K, mtype ? mtype : MATAIJ));
      PetscCall(MatSetBlockSize(prob->K, 3));
      PetscCall(MatSetOptionsPrefix(prob->K, prob->matprefix));
      PetscCall(MatSetFromOptions(prob->K));
      /* on the CPU every type (AIJ too) takes the element pairs as block rows on a pattern preallocated once: PETSc
       * 3.18's AIJ COO path keeps two 8-byte maps per nonzero besides the matrix (about 200 MB on the peers'
       * 544k-tetrahedron P1 mesh, docs/performance.md); the device assembles by COO (solver/cuda/assemble.cu) */
      prob->blockK = (PetscBool)(strcmp(prob->backend, "cuda") != 0);
      if (prob->blockK) { /* the element pairs go in as blocks: only the members' scalar indices */
        PetscBool sb;
        PetscCall(PetscMalloc2(prob->nmemcoo, &ci, prob->nmemcoo, &cj));
        PetscCall(VfeMembersCOO(prob, ci, cj, NULL));
        PetscCall(PetscObjectTypeCompareAny((PetscObject)prob->K, &sb, MATSEQSBAIJ, MATMPISBAIJ, ""));
        PetscCall(VfeBlockPreallocate(prob, ci, cj));
        if (sb) PetscCall(MatSetOption(prob->K, MAT_IGNORE_LOWER_TRIANGULAR, PETSC_TRUE)); /* SBAIJ: the upper one */
      } else {
        PetscCall(PetscMalloc2(9 * prob->ncoo + prob->nmemcoo, &ci, 9 * prob->ncoo + prob->nmemcoo, &cj));
        for (PetscInt a = 0; a < d->nnodes; ++a)
          for (PetscInt k = prob->row_start[a]; k < prob->row_start[a + 1]; ++k) {
            const PetscInt b = prob->row_cols[k];
            for (int i = 0; i < 3; ++i)
              for (int j = 0; j < 3; ++j) {
                ci[9 * k + 3 * i + j] = 3 * d->gnode[a] + i;
                cj[9 * k + 3 * i + j] = 3 * d->gnode[b] + j;
              }
          }
        PetscCall(VfeMembersCOO(prob, ci + 9 * prob->ncoo, cj + 9 * prob->ncoo, NULL));
        PetscCall(MatSetPreallocationCOO(prob->K, 9 * prob->ncoo + prob->nmemcoo, ci, cj));
      }
      PetscCall(PetscFree2(ci, cj));
    }
    PetscCheck(!prob->cellE || strcmp(prob->backend, "cuda"), comm, PETSC_ERR_USER_INPUT,
               "vfe_backend cuda takes one modulus per region, not the per-cell moduli of a CT model: use vfe_backend "
               "cpu");
    if (!strcmp(prob->backend, "cuda")) { /* the same steps with the values on the device (solver/cuda/assemble.cu) */
      PetscCall(VfeAssembleMatrixCOO_CUDA(prob));
      prob->el_state++;
    } else {
      PetscCall(PetscMalloc1(9 * prob->ncoo + prob->nmemcoo, &prob->coo_vals));
      if ((prob->mem || prob->fib) && prob->el_valid) /* active-set iteration: the elements have not changed */
        PetscCall(PetscArraycpy(prob->coo_vals, prob->coo_el, 9 * prob->ncoo));
      else {
        prob->el_state++; /* new element matrices (the P2 smoother's patches are taken again, patch.c) */
        PetscCall(VfeAssembleCOO_CPU(prob));
        if (prob->mem || prob->fib) {
          if (!prob->coo_el) PetscCall(PetscMalloc1(9 * prob->ncoo, &prob->coo_el));
          PetscCall(PetscArraycpy(prob->coo_el, prob->coo_vals, 9 * prob->ncoo));
          prob->el_valid = PETSC_TRUE;
        }
      }
      PetscCall(VfeFibresAddCOO(prob, prob->coo_vals));
      PetscCall(VfeMembersCOO(prob, NULL, NULL, prob->coo_vals + 9 * prob->ncoo));
      if (prob->blockK) {
        PetscCall(MatZeroEntries(prob->K));
        PetscCall(VfeBlockAddValues(prob, prob->K, prob->coo_vals, ADD_VALUES));
      } else
        PetscCall(MatSetValuesCOO(prob->K, prob->coo_vals, INSERT_VALUES));
      PetscCall(PetscFree(prob->coo_vals));
    }
  } else {
    const PetscInt npc = d->npc;
    PetscReal X[30], Ke[900];
    PetscInt gidx[10];
    PetscCheck(!strcmp(prob->backend, "cpu"), comm, PETSC_ERR_USER_INPUT,
               "vfe_assembly blocked runs only with vfe_backend cpu");
    PetscCheck(!prob->mem, comm, PETSC_ERR_USER_INPUT,
               "vfe_assembly blocked does not assemble springs or contact: use vfe_assembly coo (the default)");
    if (!prob->K) {
      PetscCall(DMCreateMatrix(d->dm, &prob->K));
      PetscCall(MatSetOption(prob->K, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
    }
    PetscCall(MatZeroEntries(prob->K));
    prob->el_state++;
    for (PetscInt c = 0; c < d->ncells; ++c) {
      const PetscInt *cn = &d->cell_nodes[c * npc];
      const PetscInt r   = d->cell_region[c];
      for (PetscInt a = 0; a < npc; ++a) gidx[a] = d->gnode[cn[a]];
      VfeSpaceCellCoordinates(d, c, X);
      vfe_element_stiffness_form((int)d->order, (int)prob->form[r], X, VfeCellE(prob, c, r), prob->nu[r], Ke);
      PetscCall(VfeFibresAddCell(prob, c, X, Ke));
      PetscCall(MatSetValuesBlocked(prob->K, npc, gidx, npc, gidx, Ke, ADD_VALUES));
    }
    PetscCall(MatAssemblyBegin(prob->K, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(prob->K, MAT_FINAL_ASSEMBLY));
  }
  PetscCall(MatSetOption(prob->K, MAT_SYMMETRIC, PETSC_TRUE));
  {
    PetscBool baij; /* PETSc 3.18's BAIJ refuses MAT_SPD ("unknown option") */
    PetscCall(PetscObjectTypeCompareAny((PetscObject)prob->K, &baij, MATSEQBAIJ, MATMPIBAIJ, ""));
    if (!baij) PetscCall(MatSetOption(prob->K, MAT_SPD, PETSC_TRUE));
  }
  PetscFunctionReturn(0);
}

/* Load vector: tractions on faces and body forces (the function and the per-region constants) in cells,
 * assembled over ranks. */
static PetscErrorCode VfeAssembleLoad(VfeProblem prob)
{
  VfeSpace d = prob->space;
  Vec fl;
  PetscScalar *f;
  PetscInt np2, np3;
  PetscReal *b2, *w2, *b3, *w3;

  PetscFunctionBeginUser;
  if (!prob->f) PetscCall(DMCreateGlobalVector(d->dm, &prob->f));
  PetscCall(DMGetLocalVector(d->dm, &fl));
  PetscCall(VecSet(fl, 0));
  PetscCall(VecGetArray(fl, &f));
  PetscCall(VfeSimplexRule(2, 3, &np2, &b2, &w2));
  PetscCall(VfeSimplexRule(3, 3, &np3, &b3, &w3));
  for (PetscInt k = 0; k < prob->nbc; ++k) {
    PetscInt nf, *faces;
    if (prob->bc[k].kind != 1) continue;
    PetscCall(VfeSpaceGetBoundaryFaces(d, prob->bc[k].surface, &nf, &faces));
    for (PetscInt i = 0; i < nf; ++i) {
      PetscInt nodes[6];
      PetscReal area, n[3];
      PetscCall(VfeSpaceFaceGeometry(d, faces[i], nodes, &area, n));
      for (PetscInt q = 0; q < np2; ++q) {
        const PetscReal *L = &b2[3 * q];
        PetscReal x[3]     = {0, 0, 0}, t[3], N[6];
        for (int v = 0; v < 3; ++v)
          for (int dd = 0; dd < 3; ++dd) x[dd] += L[v] * d->xyz[3 * nodes[v] + dd];
        PetscCall(prob->bc[k].fn(x, n, prob->bc[k].ctx, t));
        if (d->order == 1) {
          for (int v = 0; v < 3; ++v) N[v] = L[v];
        } else {
          for (int v = 0; v < 3; ++v) N[v] = L[v] * (2 * L[v] - 1);
          N[3] = 4 * L[0] * L[1], N[4] = 4 * L[1] * L[2], N[5] = 4 * L[0] * L[2];
        }
        for (int a = 0; a < (d->order == 1 ? 3 : 6); ++a)
          for (int dd = 0; dd < 3; ++dd) f[3 * nodes[a] + dd] += w2[q] * area * N[a] * t[dd];
      }
    }
    PetscCall(PetscFree(faces));
  }
  if (prob->body || prob->rbody) {
    for (PetscInt c = 0; c < d->ncells; ++c) {
      const PetscInt *cn  = &d->cell_nodes[c * d->npc];
      const PetscReal *rb = prob->rbody ? &prob->rbody[3 * d->cell_region[c]] : NULL;
      PetscReal X[30], G[4][3], vol, N[10];
      if (!prob->body && !rb[0] && !rb[1] && !rb[2]) continue;
      VfeSpaceCellCoordinates(d, c, X);
      vol = PetscAbsReal(vfe_tet_gradients(X, G)) / 6.0;
      for (PetscInt q = 0; q < np3; ++q) {
        const PetscReal *L = &b3[4 * q];
        PetscReal x[3] = {0, 0, 0}, bf[3], zero[3] = {0, 0, 0};
        for (int v = 0; v < 4; ++v)
          for (int dd = 0; dd < 3; ++dd) x[dd] += L[v] * X[3 * v + dd];
        if (prob->body)
          PetscCall(prob->body(x, zero, prob->body_ctx, bf));
        else
          bf[0] = bf[1] = bf[2] = 0;
        if (rb)
          for (int dd = 0; dd < 3; ++dd) bf[dd] += rb[dd];
        vfe_shape_values((int)d->order, L, N);
        for (PetscInt a = 0; a < d->npc; ++a)
          for (int dd = 0; dd < 3; ++dd) f[3 * cn[a] + dd] += w3[q] * vol * N[a] * bf[dd];
      }
    }
  }
  PetscCall(PetscFree2(b2, w2));
  PetscCall(PetscFree2(b3, w3));
  PetscCall(VecRestoreArray(fl, &f));
  PetscCall(VecSet(prob->f, 0));
  PetscCall(DMLocalToGlobal(d->dm, fl, ADD_VALUES, prob->f));
  PetscCall(DMRestoreLocalVector(d->dm, &fl));
  PetscFunctionReturn(0);
}

/* Owned Dirichlet rows and their values (later conditions win where they overlap). */
static PetscErrorCode VfeDirichletRows(VfeProblem prob)
{
  VfeSpace d = prob->space;
  Vec m, vals;
  PetscInt *rows, nrows = 0;
  PetscScalar *val;
  const PetscScalar *mv;
  PetscBool *isbc;

  PetscFunctionBeginUser;
  if (!prob->ubc) PetscCall(DMCreateGlobalVector(d->dm, &prob->ubc));
  PetscCall(VecSet(prob->ubc, 0));
  PetscCall(PetscCalloc1(3 * d->nnodes, &isbc));
  PetscCall(DMGetLocalVector(d->dm, &m));
  PetscCall(DMGetLocalVector(d->dm, &vals));
  PetscCall(VecSet(vals, 0));
  PetscCall(VecGetArray(vals, &val));
  for (PetscInt k = 0; k < prob->nbc; ++k) {
    if (prob->bc[k].kind != 0) continue;
    PetscCall(VfeSurfaceMarker(d, prob->bc[k].surface, prob->bc[k].comp, m));
    PetscCall(VecGetArrayRead(m, &mv));
    for (PetscInt i = 0; i < d->nnodes; ++i) {
      PetscReal g[3], zero[3] = {0, 0, 0};
      PetscBool any = PETSC_FALSE;
      if (!d->owned[i]) continue;
      for (int c = 0; c < 3; ++c)
        if (PetscRealPart(mv[3 * i + c]) > 0) any = PETSC_TRUE;
      if (!any) continue;
      if (prob->bc[k].fn)
        PetscCall(prob->bc[k].fn(&d->xyz[3 * i], zero, prob->bc[k].ctx, g));
      else
        g[0] = g[1] = g[2] = 0;
      for (int c = 0; c < 3; ++c)
        if (PetscRealPart(mv[3 * i + c]) > 0) {
          isbc[3 * i + c] = PETSC_TRUE;
          val[3 * i + c]  = g[c];
        }
    }
    PetscCall(VecRestoreArrayRead(m, &mv));
  }
  for (PetscInt i = 0; i < 3 * d->nnodes; ++i) nrows += isbc[i] ? 1 : 0;
  PetscCall(PetscMalloc1(nrows, &rows));
  nrows = 0;
  for (PetscInt i = 0; i < d->nnodes; ++i)
    for (int c = 0; c < 3; ++c)
      if (isbc[3 * i + c]) rows[nrows++] = 3 * d->gnode[i] + c;
  PetscCall(VecRestoreArray(vals, &val));
  PetscCall(DMLocalToGlobal(d->dm, vals, INSERT_VALUES, prob->ubc));
  PetscCall(DMRestoreLocalVector(d->dm, &vals));
  PetscCall(DMRestoreLocalVector(d->dm, &m));
  PetscCall(PetscFree(isbc));
  PetscCall(ISDestroy(&prob->bcrows));
  PetscCall(PetscSortInt(nrows, rows));
  PetscCall(ISCreateGeneral(PetscObjectComm((PetscObject)d->dm), nrows, rows, PETSC_OWN_POINTER, &prob->bcrows));
  PetscFunctionReturn(0);
}

/* Formulation of each region from its material and -vfe_formulation (see the file head).
 * Returns PETSC_TRUE in *changed when it differs from the one the preconditioner was built for. */
static PetscErrorCode VfeChooseForms(VfeProblem prob, PetscBool *changed)
{
  const PetscInt order = prob->space->order;
  PetscBool mixed = PETSC_FALSE, anyinc = PETSC_FALSE;

  PetscFunctionBeginUser;
  *changed = PETSC_FALSE;
  for (PetscInt r = 0; r < prob->nregions; ++r) {
    const PetscBool inc = order == 2 && prob->nu[r] >= prob->inc_nu ? PETSC_TRUE : PETSC_FALSE;
    PetscInt f          = VFE_FORM_FULL;
    if (inc && !strcmp(prob->formulation, "mixed")) f = VFE_FORM_DEV;
    if (inc && (!strcmp(prob->formulation, "auto") || !strcmp(prob->formulation, "bbar"))) f = VFE_FORM_BBAR;
    if (prob->form[r] != f) *changed = PETSC_TRUE;
    prob->form[r] = f;
    if (f == VFE_FORM_DEV) mixed = PETSC_TRUE;
    if (inc) anyinc = PETSC_TRUE;
  }
  if (!anyinc && !strcmp(prob->formulation, "mixed") && !prob->nsolves)
    PetscCall(PetscPrintf(PetscObjectComm((PetscObject)prob->space->dm),
                          "vfe: warning: vfe_formulation mixed: no region has nu >= %g, so there is no pressure "
                          "unknown; solving the pure displacement form\n",
                          (double)VFE_BBAR_NU));
  prob->mixed = mixed;
  PetscFunctionReturn(0);
}

const char *VfeProblemDescribe(VfeProblem prob)
{
  if (prob->mixed)
    return prob->pmg
               ? "mixed u-p (Taylor-Hood P2/P1 where nu >= 0.45), FGMRES + block Schur (p-multigrid P2->P1->GAMG, "
                 "scaled pressure mass)"
               : "mixed u-p (Taylor-Hood P2/P1 where nu >= 0.45), FGMRES + block Schur (GAMG, scaled pressure "
                 "mass)";
  if (prob->space->order == 1) return "displacement P1, CG + GAMG";
  for (PetscInt r = 0; r < prob->nregions; ++r)
    if (prob->form[r] == VFE_FORM_BBAR)
      return prob->pmg ? "displacement P2 with B-bar where nu >= 0.45, CG + p-multigrid (P2->P1->GAMG)"
                       : "displacement P2 with B-bar where nu >= 0.45, CG + GAMG";
  return prob->pmg ? "displacement P2, CG + p-multigrid (P2->P1->GAMG)" : "displacement P2, CG + GAMG";
}

const char *VfeProblemMatrixType(VfeProblem prob)
{
  MatType t = NULL;
  if (prob->K && MatGetType(prob->K, &t)) t = NULL;
  return t ? t : "";
}

PetscBool VfeProblemRegionIsBbar(VfeProblem prob, PetscInt r)
{
  return prob->form[r] == VFE_FORM_BBAR ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode VfeProblemAssemble(VfeProblem prob)
{
  PetscBool changed;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(VfeEv.assembly, 0, 0, 0, 0));
  prob->el_valid = PETSC_FALSE;
  for (PetscInt r = 0; r < prob->nregions; ++r)
    PetscCheck(prob->E[r] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "region %" PetscInt_FMT " has no material",
               r);
  PetscCall(VfeChooseForms(prob, &changed));
  if (changed && prob->nsolves) { /* another set of pressure regions: build the solver anew */
    PetscCall(VfeMixedDestroy(&prob->mx));
    PetscCall(VfePMGDestroy(&prob->mg));
    PetscCall(PCDestroy(&prob->pcu));
    PetscCall(KSPDestroy(&prob->ksp));
    prob->nsolves = 0;
  }
  PetscCall(VfeAssembleMatrix(prob));
  PetscCall(VfeAssembleLoad(prob));
  PetscCall(VfeDirichletRows(prob));
  if (prob->mixed) PetscCall(VfeMixedAssemble(prob));
  if (prob->space->order == 2 && prob->pmg) PetscCall(VfePMGAssemble(prob));
  PetscCall(PetscLogEventEnd(VfeEv.assembly, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Matrix only (no load, no Dirichlet values): the P1 level of the p-multigrid. */
PetscErrorCode VfeProblemAssembleMatrixInto(VfeProblem prob)
{
  PetscFunctionBeginUser;
  PetscCall(VfeAssembleMatrix(prob));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeProblemDirichletRowsOnly(VfeProblem prob)
{
  PetscFunctionBeginUser;
  PetscCall(VfeDirichletRows(prob));
  PetscFunctionReturn(0);
}

/* Rigid-body near-null space (from the node coordinates) attached to A for GAMG. */
PetscErrorCode VfeSpaceRigidBodyModes(VfeSpace d, Mat A)
{
  Vec coords, cl;
  MatNullSpace nsp;
  PetscScalar *c;

  PetscFunctionBeginUser;
  PetscCall(DMCreateGlobalVector(d->dm, &coords));
  PetscCall(DMGetLocalVector(d->dm, &cl));
  PetscCall(VecGetArray(cl, &c));
  for (PetscInt i = 0; i < 3 * d->nnodes; ++i) c[i] = d->xyz[i];
  PetscCall(VecRestoreArray(cl, &c));
  PetscCall(DMLocalToGlobal(d->dm, cl, INSERT_VALUES, coords));
  PetscCall(DMRestoreLocalVector(d->dm, &cl));
  PetscCall(VecSetBlockSize(coords, 3));
  PetscCall(MatNullSpaceCreateRigidBody(coords, &nsp));
  PetscCall(MatSetNearNullSpace(A, nsp));
  PetscCall(MatNullSpaceDestroy(&nsp));
  PetscCall(VecDestroy(&coords));
  PetscFunctionReturn(0);
}

/* GAMG as vfe sets it up: aggregation threshold 0.01 (drop weak couplings: on the peers' segment
 * 75 -> 40 CG iterations, on the anatomical segment 252 -> 168, docs/performance.md) and, for
 * later solves with new values, the same interpolation with a new Galerkin product. */
static PetscErrorCode VfeGAMGDefaults(PC pc)
{
  PetscReal thr[1] = {0.01};

  PetscFunctionBeginUser;
  PetscCall(PCSetType(pc, PCGAMG));
  PetscCall(PCGAMGSetThreshold(pc, thr, 1));
  PetscCall(PCGAMGSetReuseInterpolation(pc, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* The displacement-block preconditioner: p-multigrid on P2 (solver/pmg.c) or GAMG. */
static PetscErrorCode VfeDisplacementPC(VfeProblem prob)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)prob->space->dm);

  PetscFunctionBeginUser;
  if (prob->pcu) PetscFunctionReturn(0);
  PetscCall(PCCreate(comm, &prob->pcu));
  PetscCall(PCSetOperators(prob->pcu, prob->K, prob->K));
  if (prob->space->order == 2 && prob->pmg) {
    PetscCall(PCSetOptionsPrefix(prob->pcu, "vfe_pmg_"));
    PetscCall(VfePMGSetUpPC(prob, prob->pcu));
  } else {
    PetscCall(VfeGAMGDefaults(prob->pcu));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode VfeGAMGSetDefaults(PC pc)
{
  return VfeGAMGDefaults(pc);
}

/* GAMG (the P1 level's coarse solver under the p-multigrid, or the displacement preconditioner) keeps its interpolation
 * for a new matrix (reuse) or builds its hierarchy anew at the next set-up (no reuse).  Nothing when another
 * preconditioner was chosen by options. */
static PetscErrorCode VfeGAMGReuse(VfeProblem prob, PetscBool reuse)
{
  PC pc = prob->pcu;
  PetscBool mg, gamg;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCMG, &mg));
  if (mg && prob->mg) {
    KSP kc;
    PetscCall(PCMGGetCoarseSolve(pc, &kc));
    PetscCall(KSPGetPC(kc, &pc));
  }
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCGAMG, &gamg));
  if (gamg) PetscCall(PCGAMGSetReuseInterpolation(pc, reuse));
  PetscFunctionReturn(0);
}

/* The next linear solve has the last one's matrix and right-hand side: an active-set iteration in which no branch
 * changed (reuse_pc is set only then).  The mixed form assembles again: its solve also eliminates the Dirichlet
 * rows of its coupling block, and its right-hand side is not kept. */
static PetscBool VfeSameSystem(VfeProblem prob)
{
  return (PetscBool)(prob->reuse_pc && !prob->mixed);
}

/* One linear solve K u = rhs with the Dirichlet conditions (K is modified: assemble again before the
 * next one, unless it is the same system: VfeSameSystem).  A solve that does not converge is an error, unless
 * may_fail: then it returns with prob->reason <= 0. */
static PetscErrorCode VfeLinearSolve(VfeProblem prob, Vec rhs, Vec u, PetscBool may_fail)
{
  VfeSpace d    = prob->space;
  MPI_Comm comm = PetscObjectComm((PetscObject)d->dm);
  Vec b;
  const PetscInt *rows;
  PetscInt nrows;
  PetscLogDouble t0, t1, t2;
  PetscBool fresh;

  PetscFunctionBeginUser;
  PetscCall(ISGetLocalSize(prob->bcrows, &nrows));
  PetscCall(VecDuplicate(rhs, &b));
  PetscCall(VecCopy(rhs, b));
  if (!prob->warm)
    PetscCall(VecCopy(prob->ubc, u));
  else { /* warm: u is the last active-set iteration's answer; its Dirichlet values come back exactly (an
          * inexact solve leaves them off by its tolerance, and MatZeroRowsColumns takes them from u) */
    const PetscInt *rows;
    const PetscScalar *g;
    PetscScalar *x;
    PetscInt rstart;
    PetscCall(VecGetOwnershipRange(u, &rstart, NULL));
    PetscCall(ISGetIndices(prob->bcrows, &rows));
    PetscCall(VecGetArrayRead(prob->ubc, &g));
    PetscCall(VecGetArray(u, &x));
    for (PetscInt k = 0; k < nrows; ++k) x[rows[k] - rstart] = g[rows[k] - rstart];
    PetscCall(VecRestoreArray(u, &x));
    PetscCall(VecRestoreArrayRead(prob->ubc, &g));
    PetscCall(ISRestoreIndices(prob->bcrows, &rows));
  }
  PetscCall(ISGetIndices(prob->bcrows, &rows));
  if (VfeSameSystem(prob) && prob->blift) /* K is still eliminated, and b would be the same */
    PetscCall(VecCopy(prob->blift, b));
  else {
    PetscCall(MatZeroRowsColumns(prob->K, nrows, rows, 1.0, u, b));
    if (!prob->mixed) {
      if (!prob->blift) PetscCall(VecDuplicate(b, &prob->blift));
      PetscCall(VecCopy(b, prob->blift));
    }
  }
  if (prob->warm && prob->rescale) { /* u = c + alpha d, c its Dirichlet values, d the rest, alpha minimising the energy
                                        error: (d.b)/(d.K d); no better than zero (alpha <= 0): start from c */
    Vec d, Kd;
    PetscScalar db, dKd;
    PetscCall(VecDuplicate(u, &d));
    PetscCall(VecDuplicate(u, &Kd));
    PetscCall(VecCopy(u, d));
    PetscCall(VecISSet(d, prob->bcrows, 0.0));
    PetscCall(MatMult(prob->K, d, Kd));
    PetscCall(VecDot(d, b, &db));
    PetscCall(VecDot(d, Kd, &dKd));
    PetscCall(VecAXPY(u, -1.0, d)); /* c */
    if (PetscRealPart(dKd) > 0 && PetscRealPart(db) > 0 && PetscIsNormalReal(PetscRealPart(db / dKd)))
      PetscCall(VecAXPY(u, db / dKd, d));
    PetscCall(PetscInfo(prob->ksp, "initial guess: the last answer scaled by %g\n",
                        (double)(PetscRealPart(dKd) > 0 ? PetscRealPart(db / dKd) : 0)));
    PetscCall(VecDestroy(&d));
    PetscCall(VecDestroy(&Kd));
  }
  PetscCall(ISRestoreIndices(prob->bcrows, &rows));
  if (!(d->order == 2 && prob->pmg) && !prob->nsolves) PetscCall(VfeSpaceRigidBodyModes(d, prob->K));

  PetscCall(PetscLogEventBegin(VfeEv.pcsetup, 0, 0, 0, 0));
  PetscCall(PetscTime(&t0));
  PetscCall(VfeDisplacementPC(prob));
  PetscCall(VfePMGSync(prob));
  /* a hierarchy to build anew: GAMG reuses nothing in this solve (PCMG sets its coarse solver up within the solve) */
  fresh = (PetscBool)(!prob->nsolves || (prob->fresh_pc && !prob->reuse_pc));
  PetscCall(VfeGAMGReuse(prob, (PetscBool) !(fresh && prob->nsolves)));
  if (!prob->mixed) {
    if (!prob->ksp) {
      PetscCall(KSPCreate(comm, &prob->ksp));
      PetscCall(KSPSetType(prob->ksp, KSPCG));
      PetscCall(KSPSetPC(prob->ksp, prob->pcu));
      PetscCall(KSPSetTolerances(prob->ksp, 1e-8, 1e-50, PETSC_DEFAULT, 2000));
    }
    PetscCall(KSPSetOperators(prob->ksp, prob->K, prob->K));
    if (!prob->nsolves) {
      PetscCall(KSPSetFromOptions(prob->ksp));
      PetscCall(KSPGetTolerances(prob->ksp, &prob->rtol_user, NULL, NULL, NULL));
    }
    PetscCall(KSPSetInitialGuessNonzero(prob->ksp, prob->warm));
    PetscCall(KSPSetReusePreconditioner(prob->ksp, prob->reuse_pc));
    PetscCall(KSPSetTolerances(prob->ksp, PetscMax(prob->rtol_loose, prob->rtol_user), PETSC_DEFAULT, PETSC_DEFAULT,
                               PETSC_DEFAULT));
    PetscCall(KSPSetUp(prob->ksp));
  } else {
    PetscCall(PCSetUp(prob->pcu));
  }
  if (fresh) { /* the hierarchy is built on the current branches */
    PetscCall(VfeMembersMarkBuilt(prob));
    prob->fresh_pc = PETSC_FALSE;
  }
  PetscCall(PetscTime(&t1));
  PetscCall(PetscLogEventEnd(VfeEv.pcsetup, 0, 0, 0, 0));

  PetscCall(PetscLogEventBegin(VfeEv.solve, 0, 0, 0, 0));
  if (prob->mixed)
    PetscCall(VfeMixedSolve(prob, b, u)); /* sets up its own outer KSP (within the solve event) */
  else {
    PetscCall(KSPSolve(prob->ksp, b, u));
    PetscCall(KSPGetIterationNumber(prob->ksp, &prob->its));
    PetscCall(KSPGetConvergedReason(prob->ksp, &prob->reason));
    PetscCall(KSPGetResidualNorm(prob->ksp, &prob->rnorm));
  }
  PetscCall(PetscTime(&t2));
  PetscCall(PetscLogEventEnd(VfeEv.solve, 0, 0, 0, 0));
  prob->t_pcsetup = (PetscReal)(t1 - t0);
  prob->t_solve   = (PetscReal)(t2 - t1);
  prob->nsolves++;
  PetscCall(VecDestroy(&b));
  PetscCall(PetscInfo(prob->ksp, "solve: %s after %" PetscInt_FMT " iterations\n", KSPConvergedReasons[prob->reason],
                      prob->its));
  PetscCheck(
      prob->reason > 0 || may_fail, comm, PETSC_ERR_NOT_CONVERGED,
      "the linear solver did not converge: %s after %" PetscInt_FMT
      " iterations (residual norm %g); check the boundary conditions (a free body is singular) or raise -ksp_max_it",
      KSPConvergedReasons[prob->reason], prob->its, (double)prob->rnorm);
  PetscFunctionReturn(0);
}

/* Matrix of the current member branches (the element part is reused), and the blocks built on it. */
static PetscErrorCode VfeReassemble(VfeProblem prob)
{
  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(VfeEv.assembly, 0, 0, 0, 0));
  PetscCall(VfeAssembleMatrix(prob));
  if (prob->mixed) PetscCall(VfeMixedAssemble(prob));
  if (prob->space->order == 2 && prob->pmg) PetscCall(VfePMGAssemble(prob));
  PetscCall(PetscLogEventEnd(VfeEv.assembly, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* the answer, kept as the next solve's initial guess */
static PetscErrorCode VfeKeepAnswer(VfeProblem prob, Vec u)
{
  PetscFunctionBeginUser;
  if (prob->mixed) PetscFunctionReturn(0);
  if (!prob->ulast) PetscCall(VecDuplicate(u, &prob->ulast));
  PetscCall(VecCopy(u, prob->ulast));
  PetscFunctionReturn(0);
}

PetscReal VfeActiveSetRtol(PetscReal rough, PetscReal loose, PetscInt changed, PetscInt changed0)
{
  if (changed0 <= 0) return loose;
  return PetscMin(rough, PetscMax(loose, rough * (PetscReal)changed / (PetscReal)changed0));
}

PetscErrorCode VfeProblemSolve(VfeProblem prob, Vec u)
{
  MPI_Comm comm  = PetscObjectComm((PetscObject)prob->space->dm);
  PetscInt maxit = 30, changed = 0, fch, changed0 = 0;
  PetscReal tpc = 0, tsolve = 0, loose = 1e-4, rough = 1e-1, rebuild = 0.1, rt;
  PetscBool final = PETSC_FALSE, same = PETSC_FALSE;
  Vec b;

  PetscFunctionBeginUser;
  prob->active_its = 1;
  /* a later solve on this problem (the baseline, the next case of a sweep) starts from the last answer, scaled */
  if (prob->ulast && !prob->mixed) PetscCall(VecCopy(prob->ulast, u));
  prob->warm = prob->rescale = (PetscBool)(prob->ulast && !prob->mixed);
  if (!VfeMembersCount(prob) && !VfeProblemHasFibres(prob)) {
    PetscCall(VfeLinearSolve(prob, prob->f, u, PETSC_FALSE));
    prob->its_total = prob->its;
    prob->warm = prob->rescale = PETSC_FALSE;
    PetscCall(VfeKeepAnswer(prob, u));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-vfe_active_set_max_it", &maxit, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-vfe_active_set_rtol", &loose, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-vfe_active_set_rtol_first", &rough, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-vfe_active_set_rebuild", &rebuild, NULL));
  rough = PetscMax(rough, loose);
  rt    = rough;
  PetscCall(VecDuplicate(prob->f, &b));
  prob->its_total   = 0;
  prob->pc_rebuilds = 0;
  prob->pc_retries  = 0;
  VfeMembersSetSlack(prob, PETSC_TRUE);
  for (PetscInt it = 0; it < maxit; ++it) {
    /* no branch changed since the last solve (it settled at a looser tolerance): the matrix and the right-hand side
     * are the same, so they are not assembled again, and the preconditioner is kept (GAMG's numeric set-up and the
     * Chebyshev estimates are not redone).  Otherwise the first uses VfeProblemAssemble's matrix. */
    prob->reuse_pc = (PetscBool)(it && same);
    if (it && !VfeSameSystem(prob)) PetscCall(VfeReassemble(prob));
    if (it) prob->warm = PETSC_TRUE, prob->rescale = PETSC_FALSE; /* later iterations start from the last answer */
    /* inexact while the branches move, then the user's tolerance (rt: see below) */
    prob->rtol_loose = final ? 0 : rt;
    /* a hierarchy reused on other branches can break down (CG: indefinite preconditioner; the smoothers' eigenvalue
     * bounds were estimated on another matrix): once per solve, build it anew on this matrix and solve again */
    for (;;) {
      PetscCall(VecCopy(prob->f, b));
      PetscCall(VfeMembersRHS(prob, b));
      PetscCall(VfeLinearSolve(prob, b, u, (PetscBool)!prob->pc_retries));
      tpc += prob->t_pcsetup, tsolve += prob->t_solve;
      prob->its_total += prob->its;
      if (prob->reason > 0) break;
      PetscCall(PetscInfo(prob->ksp,
                          "solve %s after %" PetscInt_FMT " iterations: again with the hierarchy built anew\n",
                          KSPConvergedReasons[prob->reason], prob->its));
      prob->pc_retries++;
      prob->fresh_pc = PETSC_TRUE, prob->reuse_pc = PETSC_FALSE, prob->warm = prob->rescale = PETSC_FALSE;
      PetscCall(VfeReassemble(prob));
    }
    PetscCall(VfeMembersUpdate(prob, u, &changed));
    PetscCall(VfeFibresUpdate(prob, u, &fch));
    if (changed && prob->pc_rebuilds < 2) {
      /* more than a tenth (-vfe_active_set_rebuild) of the contact pairs on another branch than when GAMG's hierarchy
       * was built (the first solve holds every pair closed, and under most loads most of them open): build it anew on
       * the next matrix. Aggregates built across closed pairs couple the two sides, and once the pairs open that coarse
       * space is poor (the default segment with posterior elements, standing: 344 Krylov iterations in the final solve
       * against 89; docs/performance.md).  At most twice per solve */
      PetscInt ncon, drift = VfeMembersContactDrift(prob, &ncon);
      PetscCall(PetscInfo(prob->ksp,
                          "contact pairs on another branch than at the hierarchy's build: %" PetscInt_FMT
                          " of %" PetscInt_FMT "\n",
                          drift, ncon));
      if (drift > rebuild * ncon && drift) prob->fresh_pc = PETSC_TRUE, prob->pc_rebuilds++;
    }
    changed += fch;
    if (!it) changed0 = changed;
    prob->active_its = it + 1;
    PetscCall(PetscInfo(prob->ksp,
                        "active set iteration %" PetscInt_FMT ": %" PetscInt_FMT " Krylov iterations, %" PetscInt_FMT
                        " members changed branch\n",
                        it + 1, prob->its, changed));
    /* the next solve's rtol: the first stopped at `rough`, each later one at rough x (branches changed by the last
     * update / by the first; a warm start may change few branches first, so at most `rough`), but not below `loose`:
     * while many branches change, a tighter solve is wasted on a system about to change.  Settled at a rough tolerance:
     * once more at `loose` before the final solve */
    same = (PetscBool)!changed;
    if (changed)
      rt = VfeActiveSetRtol(rough, loose, changed, changed0);
    else if (!final && rt > loose) {
      rt      = loose;
      changed = 1;
    }
    if (!changed) {
      PetscReal slack, active, fnorm;
      VfeMembersSlackForce(prob, &slack, &active);
      PetscCall(VecNorm(prob->f, NORM_1, &fnorm));
      if (final && slack <= 1e-12 * (active + fnorm)) break;
      /* settled: solve once more to the user's tolerance and without the slack regularisation */
      if (slack > 1e-12 * (active + fnorm)) VfeMembersSetSlack(prob, PETSC_FALSE), same = PETSC_FALSE;
      final   = PETSC_TRUE;
      changed = 1;
    }
  }
  prob->t_pcsetup = tpc, prob->t_solve = tsolve;
  prob->warm = prob->rescale = PETSC_FALSE;
  prob->rtol_loose           = 0;
  prob->reuse_pc             = PETSC_FALSE;
  PetscCall(VecDestroy(&b));
  PetscCall(VfeKeepAnswer(prob, u));
  PetscCheck(!changed, comm, PETSC_ERR_NOT_CONVERGED,
             "the contact / tension-only active set did not converge: %" PetscInt_FMT
             " members still changed branch after %" PetscInt_FMT " iterations (raise -vfe_active_set_max_it)",
             changed, prob->active_its);
  PetscFunctionReturn(0);
}

void VfeProblemCellStress(VfeProblem prob, PetscInt c, const PetscReal L[4], const PetscReal *ue, PetscReal eps[6],
                          PetscReal sig[6])
{
  VfeSpace d = prob->space;
  PetscReal X[30], G[4][3];
  const PetscInt r = d->cell_region[c];

  VfeSpaceCellCoordinates(d, c, X);
  (void)vfe_tet_gradients(X, G);
  if (prob->form[r] == VFE_FORM_DEV)
    vfe_element_stress_mixed(G, L, ue, VfeCellE(prob, c, r), prob->nu[r], VfeMixedCellPressure(prob, c, L), eps, sig);
  else if (prob->form[r] == VFE_FORM_BBAR)
    vfe_element_stress((int)d->order, G, L, ue, VfeCellE(prob, c, r), prob->nu[r], eps, sig);
  else {
    double lam, mu;
    vfe_lame(VfeCellE(prob, c, r), prob->nu[r], &lam, &mu);
    vfe_strain_stress((int)d->order, G, L, ue, lam, mu, eps, sig);
  }
  VfeFibresCellStress(prob, c, L, ue, sig);
}

PetscErrorCode VfeProblemInternalForce(VfeProblem prob, Vec ulocal, Vec flocal)
{
  return VfeProblemInternalForceRegions(prob, ulocal, NULL, flocal);
}

PetscErrorCode VfeProblemInternalForceRegions(VfeProblem prob, Vec ulocal, const PetscBool *regions, Vec flocal)
{
  VfeSpace d         = prob->space;
  const PetscInt npc = d->npc, ld = 3 * npc;
  const PetscScalar *u;
  PetscScalar *f;
  PetscReal X[30], Ke[900], ue[30];
  Vec g;

  PetscFunctionBeginUser;
  PetscCall(VecSet(flocal, 0));
  PetscCall(VecGetArrayRead(ulocal, &u));
  PetscCall(VecGetArray(flocal, &f));
  for (PetscInt c = 0; c < d->ncells; ++c) {
    const PetscInt *cn = &d->cell_nodes[c * npc];
    const PetscInt r   = d->cell_region[c];
    if (regions && !regions[r]) continue;
    VfeSpaceCellCoordinates(d, c, X);
    vfe_element_stiffness_form((int)d->order, (int)prob->form[r], X, VfeCellE(prob, c, r), prob->nu[r], Ke);
    PetscCall(VfeFibresAddCell(prob, c, X, Ke));
    for (PetscInt a = 0; a < npc; ++a)
      for (int i = 0; i < 3; ++i) ue[3 * a + i] = PetscRealPart(u[3 * cn[a] + i]);
    for (PetscInt a = 0; a < npc; ++a)
      for (int i = 0; i < 3; ++i) {
        PetscReal s = 0;
        for (PetscInt k = 0; k < ld; ++k) s += Ke[(3 * a + i) * ld + k] * ue[k];
        f[3 * cn[a] + i] += s;
      }
  }
  if (prob->mixed) PetscCall(VfeMixedAddInternalForce(prob, regions, f));
  PetscCall(VecRestoreArray(flocal, &f));
  PetscCall(VecRestoreArrayRead(ulocal, &u));
  PetscCall(DMGetGlobalVector(d->dm, &g));
  PetscCall(VecSet(g, 0));
  PetscCall(DMLocalToGlobal(d->dm, flocal, ADD_VALUES, g));
  if (prob->mem && !regions) PetscCall(VfeMembersAddForces(prob, g)); /* all regions: + the members (last measures) */
  PetscCall(DMGlobalToLocal(d->dm, g, INSERT_VALUES, flocal));
  PetscCall(DMRestoreGlobalVector(d->dm, &g));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSpaceErrorNorms(VfeSpace d, Vec ulocal, VfeExactFn exact, void *ctx, PetscReal err[4])
{
  const PetscScalar *u;
  PetscInt np;
  PetscReal *b, *w, loc[4] = {0, 0, 0, 0};

  PetscFunctionBeginUser;
  PetscCall(VfeSimplexRule(3, 4, &np, &b, &w));
  PetscCall(VecGetArrayRead(ulocal, &u));
  for (PetscInt c = 0; c < d->ncells; ++c) {
    const PetscInt *cn = &d->cell_nodes[c * d->npc];
    PetscReal X[30], G[4][3], vol, N[10], dN[10][3];
    VfeSpaceCellCoordinates(d, c, X);
    vol = PetscAbsReal(vfe_tet_gradients(X, G)) / 6.0;
    for (PetscInt q = 0; q < np; ++q) {
      const PetscReal *L = &b[4 * q];
      PetscReal x[3] = {0, 0, 0}, ue[3], ge[9], uh[3] = {0, 0, 0}, gh[9] = {0};
      for (int v = 0; v < 4; ++v)
        for (int k = 0; k < 3; ++k) x[k] += L[v] * X[3 * v + k];
      PetscCall(exact(x, ctx, ue, ge));
      vfe_shape_values((int)d->order, L, N);
      vfe_shape_gradients((int)d->order, G, L, dN);
      for (PetscInt a = 0; a < d->npc; ++a)
        for (int i = 0; i < 3; ++i) {
          const PetscReal ua = PetscRealPart(u[3 * cn[a] + i]);
          uh[i] += N[a] * ua;
          for (int k = 0; k < 3; ++k) gh[3 * i + k] += ua * dN[a][k];
        }
      for (int i = 0; i < 3; ++i) {
        loc[0] += w[q] * vol * PetscSqr(uh[i] - ue[i]);
        loc[2] += w[q] * vol * PetscSqr(ue[i]);
      }
      for (int k = 0; k < 9; ++k) {
        loc[1] += w[q] * vol * PetscSqr(gh[k] - ge[k]);
        loc[3] += w[q] * vol * PetscSqr(ge[k]);
      }
    }
  }
  PetscCall(VecRestoreArrayRead(ulocal, &u));
  PetscCall(PetscFree2(b, w));
  PetscCallMPI(MPI_Allreduce(loc, err, 4, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject)d->dm)));
  for (int k = 0; k < 4; ++k) err[k] = PetscSqrtReal(err[k]);
  PetscFunctionReturn(0);
}

PetscErrorCode VfeProblemGetSolveInfo(VfeProblem prob, VfeSolveInfo *info)
{
  PetscFunctionBeginUser;
  info->its         = prob->its;
  info->reason      = prob->reason;
  info->rnorm       = prob->rnorm;
  info->t_pcsetup   = prob->t_pcsetup;
  info->t_solve     = prob->t_solve;
  info->nsolves     = prob->nsolves;
  info->active_its  = prob->active_its;
  info->its_total   = prob->its_total;
  info->pc_rebuilds = prob->pc_rebuilds;
  info->pc_retries  = prob->pc_retries;
  PetscFunctionReturn(0);
}

VfeSpace VfeProblemGetSpace(VfeProblem prob)
{
  return prob->space;
}

PetscInt VfeProblemGetNumRegions(VfeProblem prob)
{
  return prob->nregions;
}

PetscErrorCode VfeProblemGetLoadVector(VfeProblem prob, Vec *f)
{
  PetscFunctionBeginUser;
  *f = prob->f;
  PetscFunctionReturn(0);
}
