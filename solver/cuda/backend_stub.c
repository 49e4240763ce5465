/*
 * backend_stub.c - the CUDA element-kernel backend when vfe is built without CUDA.
 *
 * The interface code never tests for CUDA with #ifdef: it calls VfeAssembleCOO_CUDA(), which is
 * either the real kernel launcher (solver/cuda/assemble.cu, built with -DVFE_ENABLE_CUDA=ON) or
 * this stub that says so.
 */
#include "vfesolverimpl.h"

PetscErrorCode VfeAssembleCOO_CUDA(VfeProblem prob)
{
  (void)prob;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
          "vfe_backend cuda: this vfe was built without CUDA (configure with -DVFE_ENABLE_CUDA=ON, a CUDA toolkit and "
          "a CUDA-enabled PETSc)");
}
