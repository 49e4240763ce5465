/*
 * single.c - a single-precision copy of the P2 operator for the p-multigrid's P2 smoother (solver/pmg.c).
 *
 * Under the p-multigrid the P2 matrix is only multiplied, and about four fifths of those products are the
 * Chebyshev smoothing and the level residual (docs/performance.md), which only have to be as accurate as the
 * smoother itself.  A product streams the matrix once, so its time is the matrix's bytes: a 3 x 3 block is 72
 * bytes in double and 36 in single.  This MATSHELL keeps the block pattern of the assembled operator (SeqBAIJ,
 * SeqSBAIJ or MPIBAIJ with block size 3) with its values rounded to single precision; a product rounds the
 * vector to single precision once, sums each row in single precision and stores the result in double (summing in
 * double against the double vector gained only 0.74 on the smoothing instead of 0.60: the conversions were the
 * limit).  CG keeps the double operator, so the answer meets the same tolerance; only the preconditioner changes,
 * by rounding (relative 6e-8).
 *
 * VfeMatSingleSync copies the values again when the double operator changed (every active-set iteration,
 * the baseline), and rebuilds the pattern if its nonzero structure changed.  The shell also gives PCPBJACOBI
 * the inverted 3 x 3 diagonal blocks, taken from the double operator.
 */
#include "vfesolverimpl.h"

/* PETSc 3.18 exports this but declares it only in petsc/private/petscimpl.h */
PETSC_EXTERN PetscErrorCode PetscObjectStateGet(PetscObject, PetscObjectState *);

typedef struct {
  Mat K; /* the double operator (referenced) */
  PetscObjectState kstate, knz;
  PetscBool sym; /* SeqSBAIJ: upper block triangle, diagonal blocks in full */
  PetscBool mpi; /* MPIBAIJ: a diagonal and an off-process part */
  PetscInt nb;   /* owned block rows */
  PetscInt *ai, *aj;
  float *av;         /* the diagonal (on-process) part: block CSR, each block column-major as PETSc stores it */
  PetscInt *bi, *bj; /* MPIBAIJ: off-process part, columns numbered as in the ghost vector xg */
  float *bv;
  Vec xg;
  VecScatter sc;
  float *xf;         /* x (and then the ghost values) in single precision */
  PetscScalar *dinv; /* inverted diagonal blocks, 9 per node */
} VfeSingle;

PetscErrorCode VfeInvertNodeBlocks(Mat K, PetscInt nb, PetscScalar *dinv)
{
  PetscInt rs;

  PetscFunctionBeginUser;
  PetscCall(MatGetOwnershipRange(K, &rs, NULL));
  for (PetscInt n = 0; n < nb; ++n) {
    const PetscInt idx[3] = {rs + 3 * n, rs + 3 * n + 1, rs + 3 * n + 2};
    PetscScalar a[9], *v = dinv + 9 * n, det;

    PetscCall(MatGetValues(K, 3, idx, 3, idx, a));
    v[0] = a[4] * a[8] - a[5] * a[7], v[1] = a[2] * a[7] - a[1] * a[8], v[2] = a[1] * a[5] - a[2] * a[4];
    v[3] = a[5] * a[6] - a[3] * a[8], v[4] = a[0] * a[8] - a[2] * a[6], v[5] = a[2] * a[3] - a[0] * a[5];
    v[6] = a[3] * a[7] - a[4] * a[6], v[7] = a[1] * a[6] - a[0] * a[7], v[8] = a[0] * a[4] - a[1] * a[3];
    det = a[0] * v[0] + a[1] * v[3] + a[2] * v[6];
    PetscCheck(PetscAbsScalar(det) > 0, PETSC_COMM_SELF, PETSC_ERR_MAT_LU_ZRPVT,
               "singular 3 x 3 diagonal block at row %" PetscInt_FMT " of the P2 operator", idx[0]);
    for (int k = 0; k < 9; ++k) v[k] /= det;
  }
  PetscFunctionReturn(0);
}

PetscBool VfeMatSingleApplies(Mat K)
{
  PetscBool ok = PETSC_FALSE;
  PetscInt bs  = 0;

  if (PetscObjectTypeCompareAny((PetscObject)K, &ok, MATSEQBAIJ, MATSEQSBAIJ, MATMPIBAIJ, "")) return PETSC_FALSE;
  if (MatGetBlockSize(K, &bs)) return PETSC_FALSE;
  return (PetscBool)(ok && bs == 3);
}

static PetscErrorCode VfeSingleCopyPattern(Mat A, PetscInt *nb, PetscInt **ia, PetscInt **ja, float **va)
{
  const PetscInt *i, *j;
  PetscInt n;
  PetscBool done;

  PetscFunctionBeginUser;
  PetscCall(MatGetRowIJ(A, 0, PETSC_FALSE, PETSC_TRUE, &n, &i, &j, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "no block row structure for the single-precision P2 operator");
  PetscCall(PetscMalloc1(n + 1, ia));
  PetscCall(PetscMalloc1(i[n], ja));
  PetscCall(PetscMalloc1(9 * (size_t)i[n], va));
  PetscCall(PetscArraycpy(*ia, i, n + 1));
  PetscCall(PetscArraycpy(*ja, j, i[n]));
  *nb = n;
  PetscCall(MatRestoreRowIJ(A, 0, PETSC_FALSE, PETSC_TRUE, &n, &i, &j, &done));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeSingleCopyValues(Mat A, PetscBool sym, PetscInt nnzb, float *va)
{
  PetscScalar *a;

  PetscFunctionBeginUser;
  if (sym)
    PetscCall(MatSeqSBAIJGetArray(A, &a));
  else
    PetscCall(MatSeqBAIJGetArray(A, &a));
  for (size_t k = 0; k < 9 * (size_t)nnzb; ++k) va[k] = (float)PetscRealPart(a[k]);
  if (sym)
    PetscCall(MatSeqSBAIJRestoreArray(A, &a));
  else
    PetscCall(MatSeqBAIJRestoreArray(A, &a));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeSingleFreePattern(VfeSingle *c)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(c->ai));
  PetscCall(PetscFree(c->aj));
  PetscCall(PetscFree(c->av));
  PetscCall(PetscFree(c->bi));
  PetscCall(PetscFree(c->bj));
  PetscCall(PetscFree(c->bv));
  PetscCall(VecDestroy(&c->xg));
  PetscCall(VecScatterDestroy(&c->sc));
  PetscCall(PetscFree(c->xf));
  PetscFunctionReturn(0);
}

/* The pattern (and the ghost scatter on more ranks) of the current nonzero structure. */
static PetscErrorCode VfeSingleBuild(VfeSingle *c)
{
  PetscInt nb;

  PetscFunctionBeginUser;
  PetscCall(VfeSingleFreePattern(c));
  PetscCall(PetscObjectTypeCompare((PetscObject)c->K, MATSEQSBAIJ, &c->sym));
  PetscCall(PetscObjectTypeCompare((PetscObject)c->K, MATMPIBAIJ, &c->mpi));
  if (!c->mpi) {
    PetscCall(VfeSingleCopyPattern(c->K, &c->nb, &c->ai, &c->aj, &c->av));
  } else {
    Mat Ad, Ao;
    const PetscInt *garray;
    PetscInt ncol;
    IS is;
    Vec x;

    PetscCall(MatMPIBAIJGetSeqBAIJ(c->K, &Ad, &Ao, &garray));
    PetscCall(VfeSingleCopyPattern(Ad, &c->nb, &c->ai, &c->aj, &c->av));
    PetscCall(VfeSingleCopyPattern(Ao, &nb, &c->bi, &c->bj, &c->bv));
    PetscCheck(nb == c->nb, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "off-process part: %" PetscInt_FMT " block rows, not %" PetscInt_FMT, nb, c->nb);
    PetscCall(MatGetSize(Ao, NULL, &ncol));
    PetscCall(ISCreateBlock(PETSC_COMM_SELF, 3, ncol / 3, garray, PETSC_COPY_VALUES, &is));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, ncol, &c->xg));
    PetscCall(MatCreateVecs(c->K, &x, NULL));
    PetscCall(VecScatterCreate(x, is, c->xg, NULL, &c->sc));
    PetscCall(VecDestroy(&x));
    PetscCall(ISDestroy(&is));
  }
  {
    PetscInt n, ng = 0;
    PetscCall(MatGetLocalSize(c->K, &n, NULL));
    if (c->xg) PetscCall(VecGetLocalSize(c->xg, &ng));
    PetscCall(PetscMalloc1(PetscMax(n, ng) + 1, &c->xf));
  }
  PetscCall(MatGetNonzeroState(c->K, &c->knz));
  c->kstate = -1;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMatSingleSync(Mat A)
{
  VfeSingle *c;
  PetscObjectState st, nz;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  PetscCall(MatGetNonzeroState(c->K, &nz));
  if (nz != c->knz) PetscCall(VfeSingleBuild(c));
  PetscCall(PetscObjectStateGet((PetscObject)c->K, &st));
  if (st == c->kstate) PetscFunctionReturn(0);
  if (!c->mpi)
    PetscCall(VfeSingleCopyValues(c->K, c->sym, c->ai[c->nb], c->av));
  else {
    Mat Ad, Ao;
    PetscCall(MatMPIBAIJGetSeqBAIJ(c->K, &Ad, &Ao, NULL));
    PetscCall(VfeSingleCopyValues(Ad, PETSC_FALSE, c->ai[c->nb], c->av));
    PetscCall(VfeSingleCopyValues(Ao, PETSC_FALSE, c->bi[c->nb], c->bv));
  }
  /* a restore may count as a change of K: take the state after the copy */
  PetscCall(PetscObjectStateGet((PetscObject)c->K, &c->kstate));
  /* a new state of the shell: the smoother sets up again (Chebyshev bounds, block Jacobi) */
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* y (+)= B x over block rows, B in block CSR with column-major 3 x 3 blocks, x in single precision */
static void VfeSingleKernel(PetscInt nb, const PetscInt *ai, const PetscInt *aj, const float *av, const float *x,
                            PetscScalar *y, PetscBool add)
{
  for (PetscInt i = 0; i < nb; ++i) {
    float s0 = 0, s1 = 0, s2 = 0;
    for (PetscInt k = ai[i]; k < ai[i + 1]; ++k) {
      const float *v  = av + 9 * (size_t)k;
      const float *xx = x + 3 * aj[k];
      s0 += v[0] * xx[0] + v[3] * xx[1] + v[6] * xx[2];
      s1 += v[1] * xx[0] + v[4] * xx[1] + v[7] * xx[2];
      s2 += v[2] * xx[0] + v[5] * xx[1] + v[8] * xx[2];
    }
    if (add)
      y[3 * i] += s0, y[3 * i + 1] += s1, y[3 * i + 2] += s2;
    else
      y[3 * i] = s0, y[3 * i + 1] = s1, y[3 * i + 2] = s2;
  }
}

/* y = B x, B symmetric with its upper block triangle stored (SBAIJ), x in single precision */
static void VfeSingleKernelSym(PetscInt nb, const PetscInt *ai, const PetscInt *aj, const float *av, const float *x,
                               PetscScalar *y)
{
  for (PetscInt i = 0; i < 3 * nb; ++i) y[i] = 0;
  for (PetscInt i = 0; i < nb; ++i) {
    const float *xi = x + 3 * i;
    float s0 = 0, s1 = 0, s2 = 0;
    for (PetscInt k = ai[i]; k < ai[i + 1]; ++k) {
      const float *v   = av + 9 * (size_t)k;
      const PetscInt j = aj[k];
      const float *xx  = x + 3 * j;
      s0 += v[0] * xx[0] + v[3] * xx[1] + v[6] * xx[2];
      s1 += v[1] * xx[0] + v[4] * xx[1] + v[7] * xx[2];
      s2 += v[2] * xx[0] + v[5] * xx[1] + v[8] * xx[2];
      if (j != i) {
        PetscScalar *yj = y + 3 * j;
        yj[0] += v[0] * xi[0] + v[1] * xi[1] + v[2] * xi[2];
        yj[1] += v[3] * xi[0] + v[4] * xi[1] + v[5] * xi[2];
        yj[2] += v[6] * xi[0] + v[7] * xi[1] + v[8] * xi[2];
      }
    }
    y[3 * i] += s0, y[3 * i + 1] += s1, y[3 * i + 2] += s2;
  }
}

static PetscErrorCode VfeSingleMult(Mat A, Vec x, Vec y)
{
  VfeSingle *c;
  const PetscScalar *xa, *g;
  PetscScalar *ya;
  PetscInt nnzb, n;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  if (c->sc) PetscCall(VecScatterBegin(c->sc, x, c->xg, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(VecGetLocalSize(x, &n));
  for (PetscInt i = 0; i < n; ++i) c->xf[i] = (float)xa[i];
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscCall(VecGetArrayWrite(y, &ya));
  if (c->sym)
    VfeSingleKernelSym(c->nb, c->ai, c->aj, c->av, c->xf, ya);
  else
    VfeSingleKernel(c->nb, c->ai, c->aj, c->av, c->xf, ya, PETSC_FALSE);
  nnzb = (c->sym ? 2 : 1) * c->ai[c->nb];
  if (c->sc) {
    PetscInt ng;
    PetscCall(VecScatterEnd(c->sc, x, c->xg, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecGetLocalSize(c->xg, &ng));
    PetscCall(VecGetArrayRead(c->xg, &g));
    for (PetscInt i = 0; i < ng; ++i) c->xf[i] = (float)g[i];
    PetscCall(VecRestoreArrayRead(c->xg, &g));
    VfeSingleKernel(c->nb, c->bi, c->bj, c->bv, c->xf, ya, PETSC_TRUE);
    nnzb += c->bi[c->nb];
  }
  PetscCall(VecRestoreArrayWrite(y, &ya));
  PetscCall(PetscLogFlops(18.0 * (PetscLogDouble)nnzb));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeSingleGetDiagonal(Mat A, Vec d)
{
  VfeSingle *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  PetscCall(MatGetDiagonal(c->K, d));
  PetscFunctionReturn(0);
}

/* PCPBJACOBI's set-up, which runs when the shell's state changed (VfeMatSingleSync) */
static PetscErrorCode VfeSingleInvertBlockDiagonal(Mat A, const PetscScalar **values)
{
  VfeSingle *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  if (!c->dinv) PetscCall(PetscMalloc1(9 * c->nb, &c->dinv));
  PetscCall(VfeInvertNodeBlocks(c->K, c->nb, c->dinv));
  *values = c->dinv;
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeSingleDestroy(Mat A)
{
  VfeSingle *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  PetscCall(VfeSingleFreePattern(c));
  PetscCall(PetscFree(c->dinv));
  PetscCall(MatDestroy(&c->K));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMatSingleCreate(Mat K, Mat *A)
{
  VfeSingle *c;
  PetscInt m, n, M, N;

  PetscFunctionBeginUser;
  PetscCheck(VfeMatSingleApplies(K), PetscObjectComm((PetscObject)K), PETSC_ERR_SUP,
             "the single-precision P2 operator needs SeqBAIJ, SeqSBAIJ or MPIBAIJ with block size 3");
  PetscCall(PetscNew(&c));
  PetscCall(PetscObjectReference((PetscObject)K));
  c->K = K;
  PetscCall(MatGetLocalSize(K, &m, &n));
  PetscCall(MatGetSize(K, &M, &N));
  PetscCall(MatCreate(PetscObjectComm((PetscObject)K), A));
  PetscCall(MatSetSizes(*A, m, n, M, N));
  PetscCall(MatSetBlockSizes(*A, 3, 3));
  PetscCall(MatSetType(*A, MATSHELL));
  PetscCall(MatShellSetContext(*A, c));
  PetscCall(MatShellSetOperation(*A, MATOP_MULT, (void (*)(void))VfeSingleMult));
  PetscCall(MatShellSetOperation(*A, MATOP_GET_DIAGONAL, (void (*)(void))VfeSingleGetDiagonal));
  PetscCall(MatShellSetOperation(*A, MATOP_INVERT_BLOCK_DIAGONAL, (void (*)(void))VfeSingleInvertBlockDiagonal));
  PetscCall(MatShellSetOperation(*A, MATOP_DESTROY, (void (*)(void))VfeSingleDestroy));
  PetscCall(MatSetOption(*A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatAssemblyBegin(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*A, MAT_FINAL_ASSEMBLY));
  PetscCall(VfeSingleBuild(c));
  PetscCall(VfeMatSingleSync(*A));
  PetscFunctionReturn(0);
}
