/*
 * assemble.cu - CUDA backend of the matrix assembly (-vfe_backend cuda, the default with -vfe_device cuda).
 *
 * The whole COO value array of K (9 values per node pair of the pattern, then the members' entries; see
 * problem.c) is built in device memory and handed to MatSetValuesCOO from there when K is a CUSPARSE
 * matrix, so with -vfe_device cuda the values never cross to the host.  Steps per assembly:
 *   1. materials (E, nu and the formulation of each region) to the device: they change between the
 *      treated and the intact solve, so every assembly sends them (a few numbers);
 *   2. element matrices: the element kernel of the CPU loop (vfe_element_stiffness_form in vfekernels.h,
 *      compiled here with VFE_HD = __host__ __device__) runs one thread per cell; each thread adds its 3x3
 *      node-pair blocks into the value array with atomicAdd at positions looked up once per mesh
 *      (perm[c][a][b] = index of node pair (a, b) of cell c in the pattern).  With fibres or members the
 *      element part is kept in its own array and computed again only when the materials change (the
 *      active-set iterations reuse it, like the CPU path's coo_el);
 *   3. the annulus fibres and the members (springs, contact), whose tension-only states the active-set
 *      loop decides on the host: their terms are computed there (VfeFibresCOOBlocks: one 3x3 block per
 *      node pair of each fibre cell; VfeMembersCOO) and sent over, the fibre blocks added by a kernel at
 *      pattern positions fixed per mesh, the member values copied after the element part;
 *   4. MatSetValuesCOO with the device array (CUSPARSE matrix) or with a copy on the host (any other
 *      matrix type, e.g. a PETSc without CUDA: the kernels still run on the GPU).
 * The summation order of the atomics is not fixed, so K agrees with the CPU backend to rounding, not
 * bit for bit.  Needs double-precision atomicAdd (sm_60+).
 */
#include "vfesolverimpl.h"
#include "vfekernels.h"
#include <cuda_runtime.h>
#include <limits.h>

typedef struct {
  int ncells, npc, nregions;
  size_t nel, nval;          /* 9 ncoo element values; + nmemcoo member values */
  PetscCount nfb;            /* fibre blocks */
  PetscBool ondevice;        /* K is a CUSPARSE matrix: MatSetValuesCOO gets the device array */
  double *xyz, *E, *nu, *el; /* device: coordinates, materials, element part (NULL without fibres/members) */
  double *vals, *fv;         /* device: the COO values; fibre block values */
  int *cell_nodes, *region, *form, *perm;
  PetscCount *fblk;           /* device: pattern block of each fibre block */
  double *hfv, *hmem, *hvals; /* host: fibre blocks, member values, the values for a host matrix */
} VfeCudaData;

#define VFE_CUDA(call)                                                                                                 \
  do {                                                                                                                 \
    cudaError_t e_ = (call);                                                                                           \
    PetscCheck(e_ == cudaSuccess, PETSC_COMM_SELF, PETSC_ERR_LIB, "CUDA error in %s: %s", #call,                       \
               cudaGetErrorString(e_));                                                                                \
  } while (0)

/* K_e of each cell into its node-pair blocks of out (9 values per block). */
__global__ static void VfeCellKernel(VfeCudaData d, int order, double *out)
{
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  double X[30], Ke[900];
  if (c >= d.ncells) return;
  const int npc = d.npc, ld = 3 * npc, r = d.region[c];
  const int *cn = &d.cell_nodes[c * npc];
  for (int a = 0; a < npc; ++a)
    for (int k = 0; k < 3; ++k) X[3 * a + k] = d.xyz[3 * cn[a] + k];
  vfe_element_stiffness_form(order, d.form[r], X, d.E[r], d.nu[r], Ke);
  for (int a = 0; a < npc; ++a)
    for (int b = 0; b < npc; ++b) {
      double *blk = &out[9 * (size_t)d.perm[(c * npc + a) * npc + b]];
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) atomicAdd(&blk[3 * i + j], Ke[(3 * a + i) * ld + 3 * b + j]);
    }
}

/* out[9 blk[k] + j] += v[9 k + j]: the host-computed fibre blocks (several cells share a node pair). */
__global__ static void VfeAddBlocksKernel(PetscCount n, const PetscCount *blk, const double *v, double *out)
{
  const size_t t = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= 9 * (size_t)n) return;
  atomicAdd(&out[9 * (size_t)blk[t / 9] + t % 9], v[t]);
}

static PetscErrorCode VfeCudaDestroy(void *ptr)
{
  VfeCudaData *d = (VfeCudaData *)ptr;
  PetscFunctionBeginUser;
  if (!d) PetscFunctionReturn(0);
  cudaFree(d->xyz), cudaFree(d->E), cudaFree(d->nu), cudaFree(d->el), cudaFree(d->vals), cudaFree(d->fv);
  cudaFree(d->cell_nodes), cudaFree(d->region), cudaFree(d->form), cudaFree(d->perm), cudaFree(d->fblk);
  PetscCall(PetscFree3(d->hfv, d->hmem, d->hvals));
  PetscCall(PetscFree(d));
  PetscFunctionReturn(0);
}

template <typename T> static PetscErrorCode VfeToDevice(T **dst, const T *src, size_t n)
{
  PetscFunctionBeginUser;
  VFE_CUDA(cudaMalloc((void **)dst, (n ? n : 1) * sizeof(T)));
  if (n && src) VFE_CUDA(cudaMemcpy(*dst, src, n * sizeof(T), cudaMemcpyHostToDevice));
  PetscFunctionReturn(0);
}

/* Device arrays of the mesh (once per problem): coordinates, cells, regions, the pattern positions. */
static PetscErrorCode VfeCudaSetUp(VfeProblem prob, VfeCudaData **out)
{
  VfeSpace sp = prob->space;
  VfeCudaData *d;
  const int npc = (int)sp->npc;
  int *perm, *cn, *reg;
  PetscCount *fblk, nfb;

  PetscFunctionBeginUser;
  PetscCheck(prob->ncoo < INT_MAX && (PetscCount)sp->ncells * npc * npc < INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "vfe_backend cuda: %" PetscInt_FMT " cells on one rank is too many for its 32-bit tables; use more ranks",
             sp->ncells);
  PetscCall(PetscCalloc1(1, &d));
  d->ncells   = (int)sp->ncells;
  d->npc      = npc;
  d->nregions = (int)prob->nregions;
  d->nel      = 9 * (size_t)prob->ncoo;
  d->nval     = d->nel + (size_t)prob->nmemcoo;
  PetscCall(PetscObjectTypeCompareAny((PetscObject)prob->K, &d->ondevice, MATSEQAIJCUSPARSE, MATMPIAIJCUSPARSE, ""));
  PetscCall(PetscMalloc3((size_t)d->ncells * npc * npc, &perm, (size_t)d->ncells * npc, &cn, d->ncells, &reg));
  for (int c = 0; c < d->ncells; ++c) {
    for (int a = 0; a < npc; ++a) {
      const PetscInt rs  = prob->row_start[sp->cell_nodes[c * npc + a]],
                     rl  = prob->row_start[sp->cell_nodes[c * npc + a] + 1] - rs;
      const PetscInt *rc = &prob->row_cols[rs];
      cn[c * npc + a]    = (int)sp->cell_nodes[c * npc + a];
      for (int b = 0; b < npc; ++b) {
        const PetscInt pos = VfePatternFind(rc, rl, sp->cell_nodes[c * npc + b]);
        PetscCheck(pos >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "node pair missing from the COO pattern");
        perm[(c * npc + a) * npc + b] = (int)(rs + pos);
      }
    }
    reg[c] = (int)sp->cell_region[c];
  }
  PetscCall(VfeToDevice(&d->xyz, sp->xyz, 3 * (size_t)sp->nnodes));
  PetscCall(VfeToDevice(&d->perm, perm, (size_t)d->ncells * npc * npc));
  PetscCall(VfeToDevice(&d->cell_nodes, cn, (size_t)d->ncells * npc));
  PetscCall(VfeToDevice(&d->region, reg, (size_t)d->ncells));
  PetscCall(PetscFree3(perm, cn, reg));
  PetscCall(VfeToDevice(&d->E, (double *)NULL, (size_t)d->nregions));
  PetscCall(VfeToDevice(&d->nu, (double *)NULL, (size_t)d->nregions));
  PetscCall(VfeToDevice(&d->form, (int *)NULL, (size_t)d->nregions));
  PetscCall(VfeToDevice(&d->vals, (double *)NULL, d->nval));
  if (prob->mem || prob->fib) PetscCall(VfeToDevice(&d->el, (double *)NULL, d->nel));
  /* fibre blocks: positions fixed for the mesh */
  PetscCall(VfeFibresCOOBlocks(prob, &nfb, NULL, NULL));
  d->nfb = nfb;
  PetscCall(PetscMalloc1(nfb ? nfb : 1, &fblk));
  if (nfb) PetscCall(VfeFibresCOOBlocks(prob, &nfb, fblk, NULL));
  PetscCall(VfeToDevice(&d->fblk, fblk, (size_t)nfb));
  PetscCall(PetscFree(fblk));
  PetscCall(VfeToDevice(&d->fv, (double *)NULL, 9 * (size_t)nfb));
  PetscCall(PetscMalloc3(9 * (size_t)nfb + 1, &d->hfv, (size_t)prob->nmemcoo + 1, &d->hmem, d->ondevice ? 1 : d->nval,
                         &d->hvals));
  *out = d;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeAssembleMatrixCOO_CUDA(VfeProblem prob)
{
  VfeCudaData *d       = NULL;
  const int threads    = 128;
  const PetscBool keep = prob->mem || prob->fib ? PETSC_TRUE : PETSC_FALSE; /* element part kept apart */

  PetscFunctionBeginUser;
  if (!prob->backend_data) {
    PetscCall(VfeCudaSetUp(prob, &d));
    prob->backend_data    = d;
    prob->backend_destroy = VfeCudaDestroy;
  }
  d = (VfeCudaData *)prob->backend_data;
  if (!(keep && prob->el_valid)) { /* 1-2: materials and element matrices */
    double *tgt = keep ? d->el : d->vals, *E, *nu;
    int *form;
    PetscCall(PetscMalloc3(d->nregions, &E, d->nregions, &nu, d->nregions, &form));
    for (int r = 0; r < d->nregions; ++r) E[r] = prob->E[r], nu[r] = prob->nu[r], form[r] = (int)prob->form[r];
    VFE_CUDA(cudaMemcpy(d->E, E, d->nregions * sizeof(double), cudaMemcpyHostToDevice));
    VFE_CUDA(cudaMemcpy(d->nu, nu, d->nregions * sizeof(double), cudaMemcpyHostToDevice));
    VFE_CUDA(cudaMemcpy(d->form, form, d->nregions * sizeof(int), cudaMemcpyHostToDevice));
    PetscCall(PetscFree3(E, nu, form));
    VFE_CUDA(cudaMemset(tgt, 0, d->nel * sizeof(double)));
    if (d->ncells) VfeCellKernel<<<(d->ncells + threads - 1) / threads, threads>>>(*d, (int)prob->space->order, tgt);
    VFE_CUDA(cudaGetLastError());
    if (keep) prob->el_valid = PETSC_TRUE;
  }
  if (keep) VFE_CUDA(cudaMemcpy(d->vals, d->el, d->nel * sizeof(double), cudaMemcpyDeviceToDevice));
  if (d->nfb) { /* 3: fibres */
    PetscCount nb;
    PetscCall(VfeFibresCOOBlocks(prob, &nb, NULL, d->hfv));
    VFE_CUDA(cudaMemcpy(d->fv, d->hfv, 9 * (size_t)nb * sizeof(double), cudaMemcpyHostToDevice));
    VfeAddBlocksKernel<<<(unsigned)((9 * (size_t)nb + threads - 1) / threads), threads>>>(nb, d->fblk, d->fv, d->vals);
    VFE_CUDA(cudaGetLastError());
  }
  if (prob->nmemcoo) { /* 3: members */
    PetscCall(VfeMembersCOO(prob, NULL, NULL, d->hmem));
    VFE_CUDA(cudaMemcpy(d->vals + d->nel, d->hmem, (size_t)prob->nmemcoo * sizeof(double), cudaMemcpyHostToDevice));
  }
  VFE_CUDA(cudaDeviceSynchronize()); /* PETSc may read the values on another stream */
  if (d->ondevice)                   /* 4 */
    PetscCall(MatSetValuesCOO(prob->K, d->vals, INSERT_VALUES));
  else {
    VFE_CUDA(cudaMemcpy(d->hvals, d->vals, d->nval * sizeof(double), cudaMemcpyDeviceToHost));
    PetscCall(MatSetValuesCOO(prob->K, d->hvals, INSERT_VALUES));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode VfeCudaDeviceCount(int *n, char *why, size_t len)
{
  cudaError_t e;

  PetscFunctionBeginUser;
  *n = 0;
  e  = cudaGetDeviceCount(n);
  if (e != cudaSuccess) {
    *n = 0;
    PetscCall(PetscSNPrintf(why, len, "cudaGetDeviceCount: %s", cudaGetErrorString(e)));
    (void)cudaGetLastError(); /* clear it */
  } else if (!*n)
    PetscCall(PetscSNPrintf(why, len, "cudaGetDeviceCount found none"));
  PetscFunctionReturn(0);
}
