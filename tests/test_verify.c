/*
 * test_verify.c - verification of the elasticity solver against exact answers (VALIDATION.md).
 *
 *   test_verify patch  -order 1|2     linear field on a distorted mesh, nodal error < 1e-10
 *   test_verify mms    -order 1|2     manufactured solution with two materials: L2/H1 rates
 *   test_verify column                bimaterial column in compression: Reuss stiffness < 0.5 %
 *   test_verify lame   -nu 0.3|0.4999 thick sphere under internal pressure (P2): u_r and hoop
 *                                     stress < 1 % at h = b/20
 * Each prints the measured numbers (3 digits) and exits non-zero when a tolerance is missed.
 */
#include "vfepost.h"
#include "vfekernels.h"

static PetscInt VfeTestIts(VfeProblem prob)
{
  VfeSolveInfo si;
  return VfeProblemGetSolveInfo(prob, &si) ? -1 : si.its;
}
#include <string.h>

static int failures    = 0;
static PetscInt digits = 4; /* -verify_digits: more to compare two runs (tests/gpu_agree.sh: device against CPU) */

static void check(MPI_Comm comm, const char *what, double value, double lo, double hi)
{
  const int ok = value >= lo && value <= hi;
  PetscPrintf(comm, "%-48s %12.*e  [%g, %g]  %s\n", what, (int)digits, value, lo, hi, ok ? "ok" : "FAILED");
  if (!ok) failures++;
}

static PetscErrorCode Setup(MPI_Comm comm, const char *msh, PetscInt order, DM *dm, VfeMeshInfo *info, VfeSpace *sp,
                            VfeProblem *prob)
{
  PetscFunctionBeginUser;
  PetscCall(VfeMeshLoad(comm, msh, dm, info));
  PetscCall(VfeSpaceCreate(*dm, order, sp));
  PetscCall(VfeProblemCreate(*sp, info->nregions, prob));
  PetscCall(VfeProblemSetFromOptions(*prob));
  PetscFunctionReturn(0);
}

static PetscErrorCode Teardown(DM *dm, VfeMeshInfo *info, VfeSpace *sp, VfeProblem *prob)
{
  PetscFunctionBeginUser;
  PetscCall(VfeProblemDestroy(prob));
  PetscCall(VfeSpaceDestroy(sp));
  PetscCall(DMDestroy(dm));
  PetscCall(VfeMeshInfoDestroy(info));
  PetscFunctionReturn(0);
}

static PetscErrorCode MakeMesh(MPI_Comm comm, const char *path, PetscErrorCode (*fn)(const char *, void *), void *ctx)
{
  PetscMPIInt rank;
  int err = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) err = fn(path, ctx);
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_LIB, "mesh generation failed");
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ patch test ---------------- */
static const PetscReal PatchA[9] = {1.0e-3, 2.0e-3, -1.5e-3, 0.5e-3, -2.0e-3, 1.0e-3, 3.0e-3, 0.2e-3, -1.0e-3};

static PetscErrorCode PatchExact(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal u[3])
{
  for (int i = 0; i < 3; ++i)
    u[i] = 1e-2 * (i + 1) + PatchA[3 * i] * x[0] + PatchA[3 * i + 1] * x[1] + PatchA[3 * i + 2] * x[2];
  return 0;
}

typedef struct {
  PetscReal h, distort;
} BoxCtx;

static PetscErrorCode MakeBox(const char *path, void *ctx)
{
  BoxCtx *b = (BoxCtx *)ctx;
  return VfeShapeBox(path, 1.0, 1.2, 1.5, 0.7, b->h, b->distort);
}

static PetscErrorCode TestPatch(MPI_Comm comm, PetscInt order)
{
  DM dm;
  VfeMeshInfo info;
  VfeSpace sp;
  VfeProblem prob;
  Vec u, ul;
  BoxCtx box       = {0.25, 0.12};
  PetscReal maxerr = 0, maxu = 0, gerr, gu;
  const PetscScalar *a;

  PetscFunctionBeginUser;
  PetscCall(MakeMesh(comm, "verify_patch.msh", MakeBox, &box));
  PetscCall(Setup(comm, "verify_patch.msh", order, &dm, &info, &sp, &prob));
  /* two materials: a linear field is exact only for a single material, so use equal ones */
  for (PetscInt r = 0; r < info.nregions; ++r) PetscCall(VfeProblemSetMaterial(prob, r, 500.0, 0.3));
  for (PetscInt s = 0; s < info.nsurfaces; ++s) PetscCall(VfeProblemAddDirichlet(prob, s, NULL, PatchExact, NULL));
  PetscCall(VfeProblemAssemble(prob));
  PetscCall(VfeSpaceCreateGlobalVector(sp, &u));
  PetscCall(VfeProblemSolve(prob, u));
  PetscCall(VfeSpaceCreateLocalVector(sp, &ul));
  PetscCall(VfeSpaceGlobalToLocal(sp, u, ul));
  PetscCall(VecGetArrayRead(ul, &a));
  for (PetscInt i = 0; i < sp->nnodes; ++i) {
    PetscReal ue[3], z[3] = {0, 0, 0};
    PetscCall(PatchExact(&sp->xyz[3 * i], z, NULL, ue));
    for (int d = 0; d < 3; ++d) {
      maxerr = PetscMax(maxerr, PetscAbsReal(PetscRealPart(a[3 * i + d]) - ue[d]));
      maxu   = PetscMax(maxu, PetscAbsReal(ue[d]));
    }
  }
  PetscCall(VecRestoreArrayRead(ul, &a));
  PetscCallMPI(MPI_Allreduce(&maxerr, &gerr, 1, MPIU_REAL, MPIU_MAX, comm));
  PetscCallMPI(MPI_Allreduce(&maxu, &gu, 1, MPIU_REAL, MPIU_MAX, comm));
  check(comm, order == 1 ? "patch P1: max nodal error / max |u|" : "patch P2: max nodal error / max |u|", gerr / gu, 0,
        1e-10);
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&ul));
  PetscCall(Teardown(&dm, &info, &sp, &prob));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ manufactured solution ------ */
/* u = w / E(z), w smooth and zero on the interface z = zs: u is continuous and the traction
 * sigma(u) n = S(grad w) n is continuous across the interface (same nu on both sides). */
#define MMS_ZS 0.7
static const PetscReal MmsE[2] = {100.0, 1000.0}, MmsNu = 0.3;

static void MmsW(const PetscReal x[3], PetscReal w[3])
{
  const PetscReal s = (x[2] - MMS_ZS) * PetscSinReal(PETSC_PI * x[0]) * PetscCosReal(0.8 * PETSC_PI * x[1]);
  w[0]              = s;
  w[1]              = 0.5 * s * PetscCosReal(PETSC_PI * x[2]);
  w[2]              = (x[2] - MMS_ZS) * PetscSinReal(PETSC_PI * x[1]) * (1.0 + x[0] * x[0]);
}

static PetscErrorCode MmsExact(const PetscReal x[3], void *ctx, PetscReal u[3], PetscReal g[9])
{
  const PetscReal E = x[2] < MMS_ZS ? MmsE[0] : MmsE[1], h = 1e-5;
  PetscReal w[3];
  MmsW(x, w);
  for (int i = 0; i < 3; ++i) u[i] = w[i] / E;
  if (g)
    for (int k = 0; k < 3; ++k) {
      PetscReal xp[3] = {x[0], x[1], x[2]}, xm[3] = {x[0], x[1], x[2]}, wp[3], wm[3];
      xp[k] += h, xm[k] -= h;
      MmsW(xp, wp);
      MmsW(xm, wm);
      for (int i = 0; i < 3; ++i) g[3 * i + k] = (wp[i] - wm[i]) / (2 * h * E);
    }
  return 0;
}

/* sigma(x) from w by central differences, in the region given by `below` */
static void MmsStress(const PetscReal x[3], PetscBool below, PetscReal s[6])
{
  const PetscReal E = below ? MmsE[0] : MmsE[1], h = 1e-4;
  PetscReal lam, mu, gu[3][3], w1[3], w2[3];
  vfe_lame(E, MmsNu, &lam, &mu);
  for (int k = 0; k < 3; ++k) {
    PetscReal xp[3] = {x[0], x[1], x[2]}, xm[3] = {x[0], x[1], x[2]};
    xp[k] += h, xm[k] -= h;
    MmsW(xp, w1);
    MmsW(xm, w2);
    for (int i = 0; i < 3; ++i) gu[i][k] = (w1[i] - w2[i]) / (2 * h * E);
  }
  {
    const PetscReal tr = gu[0][0] + gu[1][1] + gu[2][2];
    for (int i = 0; i < 3; ++i) s[i] = lam * tr + 2 * mu * gu[i][i];
    s[3] = mu * (gu[0][1] + gu[1][0]), s[4] = mu * (gu[1][2] + gu[2][1]), s[5] = mu * (gu[0][2] + gu[2][0]);
  }
}

/* body force f = -div sigma */
static PetscErrorCode MmsBody(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal f[3])
{
  const PetscReal h     = 1e-3;
  const PetscBool below = x[2] < MMS_ZS ? PETSC_TRUE : PETSC_FALSE;
  const int idx[3][3]   = {{0, 3, 5}, {3, 1, 4}, {5, 4, 2}};
  f[0] = f[1] = f[2] = 0;
  for (int k = 0; k < 3; ++k) {
    PetscReal xp[3] = {x[0], x[1], x[2]}, xm[3] = {x[0], x[1], x[2]}, sp[6], sm[6];
    xp[k] += h, xm[k] -= h;
    MmsStress(xp, below, sp);
    MmsStress(xm, below, sm);
    for (int i = 0; i < 3; ++i) f[i] -= (sp[idx[i][k]] - sm[idx[i][k]]) / (2 * h);
  }
  return 0;
}

static PetscErrorCode MmsDirichlet(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal u[3])
{
  return MmsExact(x, ctx, u, NULL);
}

static PetscErrorCode TestMMS(MPI_Comm comm, PetscInt order)
{
  const PetscReal hs[3] = {0.2, 0.1, 0.05}; /* P2 uses 0.3, 0.15 */
  const PetscInt nl     = order == 1 ? 3 : 2;
  PetscReal eL2[3], eH1[3], hh[3];

  PetscFunctionBeginUser;
  for (PetscInt l = 0; l < nl; ++l) {
    DM dm;
    VfeMeshInfo info;
    VfeSpace sp;
    VfeProblem prob;
    Vec u, ul;
    BoxCtx box = {order == 1 ? hs[l] : 1.5 * hs[l], 0.0};
    PetscReal err[4];
    PetscInt ncell, ntot;

    PetscCall(MakeMesh(comm, "verify_mms.msh", MakeBox, &box));
    PetscCall(Setup(comm, "verify_mms.msh", order, &dm, &info, &sp, &prob));
    PetscCheck(info.nregions == 2, comm, PETSC_ERR_PLIB, "expected 2 regions");
    PetscCall(VfeProblemSetMaterial(prob, VfeMeshInfoFindRegion(&info, "lower"), MmsE[0], MmsNu));
    PetscCall(VfeProblemSetMaterial(prob, VfeMeshInfoFindRegion(&info, "upper"), MmsE[1], MmsNu));
    for (PetscInt s = 0; s < info.nsurfaces; ++s) PetscCall(VfeProblemAddDirichlet(prob, s, NULL, MmsDirichlet, NULL));
    PetscCall(VfeProblemSetBodyForce(prob, MmsBody, NULL));
    PetscCall(VfeProblemAssemble(prob));
    PetscCall(VfeSpaceCreateGlobalVector(sp, &u));
    PetscCall(VfeProblemSolve(prob, u));
    PetscCall(VfeSpaceCreateLocalVector(sp, &ul));
    PetscCall(VfeSpaceGlobalToLocal(sp, u, ul));
    PetscCall(VfeSpaceErrorNorms(sp, ul, MmsExact, NULL, err));
    ncell = sp->ncells;
    PetscCallMPI(MPI_Allreduce(&ncell, &ntot, 1, MPIU_INT, MPI_SUM, comm));
    hh[l]  = PetscPowReal(1.8 / ntot, 1.0 / 3.0); /* volume / cells, cube root */
    eL2[l] = err[0] / err[2];
    eH1[l] = err[1] / err[3];
    PetscCall(PetscPrintf(comm,
                          "mms P%" PetscInt_FMT ": %7" PetscInt_FMT
                          " cells, h_eff %.4f: L2 %.3e  H1 %.3e  (%" PetscInt_FMT " its)\n",
                          order, ntot, (double)hh[l], (double)eL2[l], (double)eH1[l], VfeTestIts(prob)));
    PetscCall(VecDestroy(&u));
    PetscCall(VecDestroy(&ul));
    PetscCall(Teardown(&dm, &info, &sp, &prob));
  }
  {
    const PetscInt a = nl - 2, b = nl - 1;
    const PetscReal r  = PetscLogReal(hh[a] / hh[b]);
    const PetscReal rL = PetscLogReal(eL2[a] / eL2[b]) / r, rH = PetscLogReal(eH1[a] / eH1[b]) / r;
    if (order == 1) {
      check(comm, "mms P1: L2 rate (expected 2)", rL, 1.8, 2.4);
      check(comm, "mms P1: H1 rate (expected 1)", rH, 0.85, 1.3);
    } else {
      check(comm, "mms P2: L2 rate (expected 3)", rL, 2.7, 3.5);
      check(comm, "mms P2: H1 rate (expected 2)", rH, 1.8, 2.4);
    }
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ bimaterial column ---------- */
static PetscErrorCode ColumnPressure(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal t[3])
{
  t[0] = t[1] = 0;
  t[2]        = -*(PetscReal *)ctx;
  return 0;
}

static PetscErrorCode MakeColumn(const char *path, void *ctx)
{
  return VfeShapeBox(path, 10.0, 10.0, 20.0, 8.0, 2.5, 0.0);
}

static PetscErrorCode TestColumn(MPI_Comm comm, PetscInt order)
{
  DM dm;
  VfeMeshInfo info;
  VfeSpace sp;
  VfeProblem prob;
  Vec u, ul, ones;
  PetscReal p = 2.0, usum[3], cnt[3], E1 = 100.0, E2 = 10000.0, K, Kex;
  const PetscBool zonly[3] = {PETSC_FALSE, PETSC_FALSE, PETSC_TRUE}, xonly[3] = {PETSC_TRUE, PETSC_FALSE, PETSC_FALSE},
                  yonly[3] = {PETSC_FALSE, PETSC_TRUE, PETSC_FALSE};

  PetscFunctionBeginUser;
  PetscCall(MakeMesh(comm, "verify_column.msh", MakeColumn, NULL));
  PetscCall(Setup(comm, "verify_column.msh", order, &dm, &info, &sp, &prob));
  /* nu = 0: layers of different E have compatible (zero) lateral strain, so uniaxial stress is exact */
  PetscCall(VfeProblemSetMaterial(prob, VfeMeshInfoFindRegion(&info, "lower"), E1, 0.0));
  PetscCall(VfeProblemSetMaterial(prob, VfeMeshInfoFindRegion(&info, "upper"), E2, 0.0));
  /* rollers: uniaxial stress in each layer, free lateral contraction */
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "zmin"), zonly, NULL, NULL));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "xmin"), xonly, NULL, NULL));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "ymin"), yonly, NULL, NULL));
  PetscCall(VfeProblemAddTraction(prob, VfeMeshInfoFindSurface(&info, "zmax"), ColumnPressure, &p));
  PetscCall(VfeProblemAssemble(prob));
  PetscCall(VfeSpaceCreateGlobalVector(sp, &u));
  PetscCall(VfeProblemSolve(prob, u));
  PetscCall(VfeSpaceCreateLocalVector(sp, &ul));
  PetscCall(VfeSpaceGlobalToLocal(sp, u, ul));
  PetscCall(VecDuplicate(ul, &ones));
  PetscCall(VecSet(ones, 1.0));
  PetscCall(VfeSpaceSurfaceSum(sp, VfeMeshInfoFindSurface(&info, "zmax"), ul, usum));
  PetscCall(VfeSpaceSurfaceSum(sp, VfeMeshInfoFindSurface(&info, "zmax"), ones, cnt));
  K   = p * 100.0 / PetscAbsReal(usum[2] / cnt[2]);
  Kex = 100.0 / (8.0 / E1 + 12.0 / E2); /* A / sum(L_i / E_i) */
  PetscCall(PetscPrintf(comm, "column: stiffness %.6g N/mm, Reuss %.6g N/mm\n", (double)K, (double)Kex));
  check(comm, "bimaterial column: |K - K_Reuss| / K_Reuss", PetscAbsReal(K - Kex) / Kex, 0, 5e-3);
  PetscCall(VecDestroy(&ones));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&ul));
  PetscCall(Teardown(&dm, &info, &sp, &prob));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ Lame sphere ---------------- */
typedef struct {
  PetscReal a, b, p, E, nu;
} Lame;

static PetscErrorCode LameExact(const PetscReal x[3], void *ctx, PetscReal u[3], PetscReal g[9])
{
  const Lame *L       = (const Lame *)ctx;
  const PetscReal r   = PetscSqrtReal(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
  const PetscReal c   = L->p * L->a * L->a * L->a / (L->E * (L->b * L->b * L->b - L->a * L->a * L->a));
  const PetscReal ur  = c * ((1 - 2 * L->nu) * r + (1 + L->nu) * L->b * L->b * L->b / (2 * r * r));
  const PetscReal dur = c * ((1 - 2 * L->nu) - (1 + L->nu) * L->b * L->b * L->b / (r * r * r));
  for (int i = 0; i < 3; ++i) u[i] = ur * x[i] / r;
  if (g) /* d(ur x_i / r)/dx_k = (dur - ur/r) x_i x_k / r^2 + ur/r delta_ik */
    for (int i = 0; i < 3; ++i)
      for (int k = 0; k < 3; ++k) g[3 * i + k] = (dur - ur / r) * x[i] * x[k] / (r * r) + (i == k ? ur / r : 0);
  return 0;
}

static PetscErrorCode LamePressure(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal t[3])
{
  const Lame *L = (const Lame *)ctx;
  for (int d = 0; d < 3; ++d) t[d] = -L->p * n[d];
  return 0;
}

static PetscErrorCode MakeSphere(const char *path, void *ctx)
{
  const Lame *L = (const Lame *)ctx;
  return VfeShapeSphereOctant(path, L->a, L->b, L->b / 20.0);
}

static PetscErrorCode TestLame(MPI_Comm comm, PetscReal nu, PetscInt *its)
{
  DM dm;
  VfeMeshInfo info;
  VfeSpace sp;
  VfeProblem prob;
  Vec u, ul;
  Lame L = {1.0, 2.0, 1.0, 1000.0, nu};
  PetscReal err[4], loc[2] = {0, 0}, glob[2];
  const PetscBool cx[3] = {PETSC_TRUE, PETSC_FALSE, PETSC_FALSE}, cy[3] = {PETSC_FALSE, PETSC_TRUE, PETSC_FALSE},
                  cz[3] = {PETSC_FALSE, PETSC_FALSE, PETSC_TRUE};
  VfeCellFields cf;
  char what[128];

  PetscFunctionBeginUser;
  PetscCall(MakeMesh(comm, "verify_lame.msh", MakeSphere, &L));
  PetscCall(Setup(comm, "verify_lame.msh", 2, &dm, &info, &sp, &prob));
  PetscCall(VfeProblemSetMaterial(prob, 0, L.E, L.nu));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "sym_x"), cx, NULL, NULL));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "sym_y"), cy, NULL, NULL));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "sym_z"), cz, NULL, NULL));
  PetscCall(VfeProblemAddTraction(prob, VfeMeshInfoFindSurface(&info, "inner"), LamePressure, &L));
  PetscCall(VfeProblemAssemble(prob));
  PetscCall(VfeSpaceCreateGlobalVector(sp, &u));
  PetscCall(VfeProblemSolve(prob, u));
  PetscCall(VfeSpaceCreateLocalVector(sp, &ul));
  PetscCall(VfeSpaceGlobalToLocal(sp, u, ul));
  PetscCall(VfeSpaceErrorNorms(sp, ul, LameExact, &L, err));
  /* hoop stress: the cell value (cell data, as written for ParaView) against the cell average of
   * the exact sigma_tt = p a^3/(b^3-a^3) (1 + b^3/(2 r^3)) (4-point rule), volume-weighted
   * relative L2 error; t is a unit tangent at the centroid */
  PetscCall(VfeComputeCellFields(prob, ul, &cf));
  for (PetscInt c = 0; c < sp->ncells; ++c) {
    PetscReal X[30], xc[3] = {0, 0, 0}, t[3], s[9], sh, ex = 0;
    const PetscReal *sv = &cf.stress[6 * c];
    VfeSpaceCellCoordinates(sp, c, X);
    for (int v = 0; v < 4; ++v)
      for (int d = 0; d < 3; ++d) xc[d] += 0.25 * X[3 * v + d];
    /* tangent: e_z x x_c (or e_x x x_c near the pole) */
    if (PetscAbsReal(xc[2]) < 0.9 * PetscSqrtReal(xc[0] * xc[0] + xc[1] * xc[1] + xc[2] * xc[2]))
      t[0] = -xc[1], t[1] = xc[0], t[2] = 0;
    else
      t[0] = 0, t[1] = -xc[2], t[2] = xc[1];
    {
      const PetscReal tn = PetscSqrtReal(t[0] * t[0] + t[1] * t[1] + t[2] * t[2]);
      for (int d = 0; d < 3; ++d) t[d] /= tn;
    }
    s[0] = sv[0], s[4] = sv[1], s[8] = sv[2], s[1] = s[3] = sv[3], s[5] = s[7] = sv[4], s[2] = s[6] = sv[5];
    sh = 0;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) sh += t[i] * s[3 * i + j] * t[j];
    for (int q = 0; q < 4; ++q) { /* exact stress tensor at the quadrature point, projected on t */
      PetscReal x[3] = {0, 0, 0}, r, rh[3], srr, stt, tr;
      for (int v = 0; v < 4; ++v)
        for (int d = 0; d < 3; ++d) x[d] += (v == q ? VFE_QP2_A : VFE_QP2_B) * X[3 * v + d];
      r = PetscSqrtReal(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
      for (int d = 0; d < 3; ++d) rh[d] = x[d] / r;
      srr = L.p * L.a * L.a * L.a / (L.b * L.b * L.b - L.a * L.a * L.a) * (1 - L.b * L.b * L.b / (r * r * r));
      stt = L.p * L.a * L.a * L.a / (L.b * L.b * L.b - L.a * L.a * L.a) * (1 + L.b * L.b * L.b / (2 * r * r * r));
      tr  = rh[0] * t[0] + rh[1] * t[1] + rh[2] * t[2]; /* sigma = stt I + (srr - stt) rh rh^T */
      ex += 0.25 * (stt + (srr - stt) * tr * tr);
    }
    loc[0] += cf.vol[c] * PetscSqr(sh - ex);
    loc[1] += cf.vol[c] * PetscSqr(ex);
  }
  PetscCall(VfeCellFieldsDestroy(&cf));
  PetscCallMPI(MPI_Allreduce(loc, glob, 2, MPIU_REAL, MPIU_SUM, comm));
  PetscCall(PetscPrintf(comm, "lame nu=%g: %" PetscInt_FMT " dofs, %" PetscInt_FMT " iterations (%s)\n", (double)nu,
                        3 * sp->nglobal, VfeTestIts(prob), VfeProblemDescribe(prob)));
  if (its) *its = VfeTestIts(prob);
  PetscCall(PetscSNPrintf(what, sizeof what, "lame P2 nu=%g: rel. L2 error of u", (double)nu));
  check(comm, what, err[0] / err[2], 0, 1e-2);
  PetscCall(PetscSNPrintf(what, sizeof what, "lame P2 nu=%g: rel. L2 error of hoop stress", (double)nu));
  check(comm, what, PetscSqrtReal(glob[0] / glob[1]), 0, 1e-2);
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&ul));
  PetscCall(Teardown(&dm, &info, &sp, &prob));
  PetscFunctionReturn(0);
}

/* The mixed form's iteration count must not grow as nu -> 0.5: the Lame sphere at nu = 0.3, 0.49,
 * 0.4999 and 0.49999 in one process, each within 1 % (TestLame), and the count at 0.49999 at most
 * 1.5x that at 0.3. */
static PetscErrorCode TestLameRobust(MPI_Comm comm)
{
  const PetscReal nus[4] = {0.3, 0.49, 0.4999, 0.49999};
  PetscInt its[4];

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsSetValue(NULL, "-vfe_formulation", "mixed"));
  PetscCall(PetscOptionsSetValue(NULL, "-vfe_incompressible_nu", "0")); /* the same mixed method at every nu */
  for (int k = 0; k < 4; ++k) PetscCall(TestLame(comm, nus[k], &its[k]));
  PetscCall(PetscPrintf(comm,
                        "lame mixed: iterations %" PetscInt_FMT " / %" PetscInt_FMT " / %" PetscInt_FMT
                        " / %" PetscInt_FMT " at nu = 0.3 / 0.49 / 0.4999 / 0.49999\n",
                        its[0], its[1], its[2], its[3]));
  check(comm, "lame mixed: iterations(0.49999) / iterations(0.3)", (PetscReal)its[3] / (PetscReal)its[0], 0, 1.5);
  PetscFunctionReturn(0);
}

/* Confined compression (oedometer): a nearly incompressible block in a rigid box (rollers on the
 * four sides and the bottom), pressure q on the top.  Exact: eps_zz = -q / (lambda + 2 mu),
 * sigma_xx = sigma_yy = lambda eps_zz, so the pressure -tr(sigma)/3 = q (1 + 2 nu / (1 - nu)) / 3
 * (q within 0.04 % at nu = 0.4999).  Asserted: the volume mean of the cell pressure within 1 %, and
 * every cell within 1 % of it (a checkerboard would show as a cell-to-cell spread). */
static PetscErrorCode TestConfined(MPI_Comm comm, PetscReal nu)
{
  DM dm;
  VfeMeshInfo info;
  VfeSpace sp;
  VfeProblem prob;
  Vec u, ul;
  VfeCellFields cf;
  PetscReal q = 1.0, pex = q * (1 + 2 * nu / (1 - nu)) / 3.0, loc[3] = {0, 0, 0}, glob[3], spread;
  const PetscBool zonly[3] = {PETSC_FALSE, PETSC_FALSE, PETSC_TRUE}, xonly[3] = {PETSC_TRUE, PETSC_FALSE, PETSC_FALSE},
                  yonly[3] = {PETSC_FALSE, PETSC_TRUE, PETSC_FALSE};
  const char *sx[2] = {"xmin", "xmax"}, *sy[2] = {"ymin", "ymax"};

  PetscFunctionBeginUser;
  PetscCall(MakeMesh(comm, "verify_column.msh", MakeColumn, NULL));
  PetscCall(Setup(comm, "verify_column.msh", 2, &dm, &info, &sp, &prob));
  PetscCall(VfeProblemSetMaterial(prob, VfeMeshInfoFindRegion(&info, "lower"), 1.0, nu));
  PetscCall(VfeProblemSetMaterial(prob, VfeMeshInfoFindRegion(&info, "upper"), 1.0, nu));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "zmin"), zonly, NULL, NULL));
  for (int k = 0; k < 2; ++k) {
    PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, sx[k]), xonly, NULL, NULL));
    PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, sy[k]), yonly, NULL, NULL));
  }
  PetscCall(VfeProblemAddTraction(prob, VfeMeshInfoFindSurface(&info, "zmax"), ColumnPressure, &q));
  PetscCall(VfeProblemAssemble(prob));
  PetscCall(VfeSpaceCreateGlobalVector(sp, &u));
  PetscCall(VfeProblemSolve(prob, u));
  PetscCall(VfeSpaceCreateLocalVector(sp, &ul));
  PetscCall(VfeSpaceGlobalToLocal(sp, u, ul));
  PetscCall(VfeComputeCellFields(prob, ul, &cf));
  for (PetscInt c = 0; c < sp->ncells; ++c) {
    const PetscReal pc = -(cf.stress[6 * c] + cf.stress[6 * c + 1] + cf.stress[6 * c + 2]) / 3.0;
    loc[0] += cf.vol[c] * pc;
    loc[1] += cf.vol[c];
    loc[2] = PetscMax(loc[2], PetscAbsReal(pc - pex) / pex);
  }
  PetscCallMPI(MPI_Allreduce(loc, glob, 2, MPIU_REAL, MPIU_SUM, comm));
  PetscCallMPI(MPI_Allreduce(&loc[2], &spread, 1, MPIU_REAL, MPIU_MAX, comm));
  PetscCall(PetscPrintf(comm, "confined nu=%g: mean pressure %.6g (exact %.6g), %" PetscInt_FMT " iterations (%s)\n",
                        (double)nu, (double)(glob[0] / glob[1]), (double)pex, VfeTestIts(prob),
                        VfeProblemDescribe(prob)));
  check(comm, "confined: |mean pressure - exact| / exact", PetscAbsReal(glob[0] / glob[1] - pex) / pex, 0, 1e-2);
  check(comm, "confined: max cell |pressure - exact| / exact", spread, 0, 1e-2);
  PetscCall(VfeCellFieldsDestroy(&cf));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&ul));
  PetscCall(Teardown(&dm, &info, &sp, &prob));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscInt order = 1;
  PetscReal nu   = 0.3;
  MPI_Comm comm;

  VfeDeviceDefaultOptions();
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  comm = PETSC_COMM_WORLD;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-order", &order, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-nu", &nu, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-verify_digits", &digits, NULL));
  PetscCheck(digits >= 1 && digits <= 17, comm, PETSC_ERR_USER_INPUT, "-verify_digits %" PetscInt_FMT ": allowed 1..17",
             digits);
  PetscCheck(argc > 1, comm, PETSC_ERR_USER_INPUT, "usage: test_verify patch|mms|column|lame [-order N] [-nu NU]");
  if (!strcmp(argv[1], "patch"))
    PetscCall(TestPatch(comm, order));
  else if (!strcmp(argv[1], "mms"))
    PetscCall(TestMMS(comm, order));
  else if (!strcmp(argv[1], "column"))
    PetscCall(TestColumn(comm, order));
  else if (!strcmp(argv[1], "lame"))
    PetscCall(TestLame(comm, nu, NULL));
  else if (!strcmp(argv[1], "lame_robust"))
    PetscCall(TestLameRobust(comm));
  else if (!strcmp(argv[1], "confined"))
    PetscCall(TestConfined(comm, nu));
  else
    SETERRQ(comm, PETSC_ERR_USER_INPUT, "unknown test '%s'", argv[1]);
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
