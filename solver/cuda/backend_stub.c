/*
 * backend_stub.c - the CUDA element-kernel backend when vfe is built without CUDA.
 *
 * The interface code never tests for CUDA with #ifdef: it calls VfeAssembleMatrixCOO_CUDA() and
 * VfeCudaDeviceCount(), which are either the real ones (solver/cuda/assemble.cu, built with
 * -DVFE_ENABLE_CUDA=ON) or these stubs that say so.
 */
#include "vfesolverimpl.h"

#define VFE_NO_CUDA                                                                                                    \
  "this vfe was built without its CUDA backend (configure with -DVFE_ENABLE_CUDA=ON, a CUDA toolkit and a "            \
  "CUDA-enabled PETSc; docs/gpu.md)"

PetscErrorCode VfeAssembleMatrixCOO_CUDA(VfeProblem prob)
{
  (void)prob;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP_SYS, "vfe_backend cuda: " VFE_NO_CUDA);
}

PetscErrorCode VfeCudaDeviceCount(int *n, char *why, size_t len)
{
  (void)why, (void)len;
  *n = 0;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP_SYS, "vfe_device cuda: " VFE_NO_CUDA);
}
