/*
 * assemble.cu - CUDA backend of the element assembly (-vfe_backend cuda).
 *
 * The same element kernel as the CPU loop (vfe_element_stiffness in vfekernels.h, compiled here
 * with VFE_HD = __host__ __device__) runs one thread per cell; each thread adds its 3x3 node-pair
 * blocks into the merged COO value array with atomicAdd at positions looked up once per mesh
 * (perm[c][a][b] = index of node pair (a, b) of cell c in the COO pattern).  The device arrays
 * (node coordinates, cell nodes and regions, materials, perm, values) are built on the first
 * assembly and kept on the problem.  With a CUDA-enabled PETSc (aijcusparse) the values could go
 * to MatSetValuesCOO straight from device memory; this version copies them back to
 * prob->coo_vals, which works with any PETSc.  Needs double-precision atomicAdd (sm_60+).
 */
#include "vfesolverimpl.h"
#include "vfekernels.h"
#include <cuda_runtime.h>

typedef struct {
  int ncells, npc, nregions;
  double *xyz, *E, *nu, *vals;
  int *cell_nodes, *region, *perm;
} VfeCudaData;

#define VFE_CUDA(call)                                                                                                 \
  do {                                                                                                                 \
    cudaError_t e_ = (call);                                                                                           \
    PetscCheck(e_ == cudaSuccess, PETSC_COMM_SELF, PETSC_ERR_LIB, "CUDA error in %s: %s", #call,                       \
               cudaGetErrorString(e_));                                                                                \
  } while (0)

__global__ static void VfeCellKernel(VfeCudaData d, int order)
{
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  double X[30], Ke[900];
  if (c >= d.ncells) return;
  const int npc = d.npc, ld = 3 * npc, r = d.region[c];
  const int *cn = &d.cell_nodes[c * npc];
  for (int a = 0; a < npc; ++a)
    for (int k = 0; k < 3; ++k) X[3 * a + k] = d.xyz[3 * cn[a] + k];
  vfe_element_stiffness(order, X, d.E[r], d.nu[r], Ke);
  for (int a = 0; a < npc; ++a)
    for (int b = 0; b < npc; ++b) {
      double *blk = &d.vals[9 * (size_t)d.perm[(c * npc + a) * npc + b]];
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) atomicAdd(&blk[3 * i + j], Ke[(3 * a + i) * ld + 3 * b + j]);
    }
}

static PetscErrorCode VfeCudaDestroy(void *ptr)
{
  VfeCudaData *d = (VfeCudaData *)ptr;
  PetscFunctionBeginUser;
  if (!d) PetscFunctionReturn(0);
  cudaFree(d->xyz), cudaFree(d->E), cudaFree(d->nu), cudaFree(d->vals), cudaFree(d->cell_nodes), cudaFree(d->region),
      cudaFree(d->perm);
  PetscCall(PetscFree(d));
  PetscFunctionReturn(0);
}

template <typename T> static PetscErrorCode VfeToDevice(T **dst, const T *src, size_t n)
{
  PetscFunctionBeginUser;
  VFE_CUDA(cudaMalloc((void **)dst, (n ? n : 1) * sizeof(T)));
  if (n) VFE_CUDA(cudaMemcpy(*dst, src, n * sizeof(T), cudaMemcpyHostToDevice));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeCudaSetUp(VfeProblem prob, VfeCudaData **out)
{
  VfeSpace sp = prob->space;
  VfeCudaData *d;
  const int npc = (int)sp->npc;
  int *perm, *cn, *reg;
  double *E, *nu;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(1, &d));
  d->ncells   = (int)sp->ncells;
  d->npc      = npc;
  d->nregions = (int)prob->nregions;
  PetscCall(PetscMalloc5((size_t)d->ncells * npc * npc, &perm, (size_t)d->ncells * npc, &cn, d->ncells, &reg,
                         d->nregions, &E, d->nregions, &nu));
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
  for (int r = 0; r < d->nregions; ++r) E[r] = prob->E[r], nu[r] = prob->nu[r];
  PetscCall(VfeToDevice(&d->xyz, sp->xyz, 3 * (size_t)sp->nnodes));
  PetscCall(VfeToDevice(&d->perm, perm, (size_t)d->ncells * npc * npc));
  PetscCall(VfeToDevice(&d->cell_nodes, cn, (size_t)d->ncells * npc));
  PetscCall(VfeToDevice(&d->region, reg, (size_t)d->ncells));
  PetscCall(VfeToDevice(&d->E, E, (size_t)d->nregions));
  PetscCall(VfeToDevice(&d->nu, nu, (size_t)d->nregions));
  VFE_CUDA(cudaMalloc((void **)&d->vals, 9 * (size_t)prob->ncoo * sizeof(double)));
  PetscCall(PetscFree5(perm, cn, reg, E, nu));
  *out = d;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeAssembleCOO_CUDA(VfeProblem prob)
{
  VfeCudaData *d;
  const int threads = 128;

  PetscFunctionBeginUser;
  if (!prob->backend_data) {
    PetscCall(VfeCudaSetUp(prob, &d));
    prob->backend_data    = d;
    prob->backend_destroy = VfeCudaDestroy;
  }
  d = (VfeCudaData *)prob->backend_data;
  VFE_CUDA(cudaMemset(d->vals, 0, 9 * (size_t)prob->ncoo * sizeof(double)));
  if (d->ncells) VfeCellKernel<<<(d->ncells + threads - 1) / threads, threads>>>(*d, (int)prob->space->order);
  VFE_CUDA(cudaGetLastError());
  VFE_CUDA(cudaMemcpy(prob->coo_vals, d->vals, 9 * (size_t)prob->ncoo * sizeof(double), cudaMemcpyDeviceToHost));
  PetscFunctionReturn(0);
}
