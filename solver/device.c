/*
 * device.c - where the solve runs: -vfe_device cpu | cuda.
 *
 * `cuda` is the one switch for the device path.  The DM of every space gets VECCUDA vectors and
 * MATAIJCUSPARSE matrices (VfeSpaceCreate), so K, the P1 level of the p-multigrid, the load and
 * solution vectors and every Krylov vector live on the GPU, and CG, the Chebyshev/Jacobi smoothers,
 * GAMG's Galerkin products and the SpMVs run there; and the element matrices come from the CUDA
 * kernels (vfe_backend cuda, solver/cuda/assemble.cu), handed to MatSetValuesCOO as device pointers.
 * What stays on the host is listed in docs/gpu.md.
 *
 * The path needs three things, checked once here, each failing with one line that names what is
 * missing: a PETSc built with CUDA (PETSC_HAVE_CUDA), a vfe built with -DVFE_ENABLE_CUDA=ON (the CUDA
 * backend, not its stub), and a CUDA device on every rank.  The check is collective.
 */
#include "vfesolverimpl.h"
#include <string.h>
#if defined(OPEN_MPI) && OPEN_MPI
#  include <mpi-ext.h> /* MPIX_CUDA_AWARE_SUPPORT */
#endif

PetscErrorCode VfeDeviceFromOptions(MPI_Comm comm, PetscBool *cuda)
{
  static PetscBool checked = PETSC_FALSE; /* the device was found once: no second query */
  char dev[16] = "cpu", why[256] = "";
  int ndev = 0, nmin;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-vfe_device", dev, sizeof dev, NULL));
  PetscCheck(!strcmp(dev, "cpu") || !strcmp(dev, "cuda"), comm, PETSC_ERR_USER_INPUT,
             "vfe_device: unknown value '%s' (allowed: cpu, cuda)", dev);
  *cuda = strcmp(dev, "cuda") ? PETSC_FALSE : PETSC_TRUE;
  if (!*cuda || checked) PetscFunctionReturn(0);
#if !defined(PETSC_HAVE_CUDA)
  SETERRQ(comm, PETSC_ERR_SUP_SYS,
          "vfe_device cuda: this vfe is linked with PETSc %d.%d.%d, which was built without CUDA (build one with "
          "scripts/build-petsc-cuda.sh and configure vfe with -DPETSC_DIR=... -DVFE_ENABLE_CUDA=ON; docs/gpu.md)",
          PETSC_VERSION_MAJOR, PETSC_VERSION_MINOR, PETSC_VERSION_SUBMINOR);
#endif
  PetscCall(VfeCudaDeviceCount(&ndev, why, sizeof why));
  PetscCallMPI(MPI_Allreduce(&ndev, &nmin, 1, MPI_INT, MPI_MIN, comm));
  PetscCheck(nmin > 0, comm, PETSC_ERR_SUP_SYS, "vfe_device cuda: no CUDA device %s(%s)",
             ndev > 0 ? "on some rank " : "", ndev > 0 ? "another rank found none" : why);
  checked = PETSC_TRUE;
  PetscFunctionReturn(0);
}

MatType VfeDeviceMatType(DM dm)
{
  MatType t = NULL;
  return !DMGetMatType(dm, &t) && t && strstr(t, "cusparse") ? MATAIJCUSPARSE : MATAIJ;
}

VecType VfeDeviceVecType(DM dm)
{
  VecType t = NULL;
  return !DMGetVecType(dm, &t) && t && strstr(t, "cuda") ? VECCUDA : VECSTANDARD;
}

/* A PETSc with CUDA checks, when it starts its device, that MPI accepts device pointers, and aborts if not (PETSc's
 * -use_gpu_aware_mpi, on by default).  An Open MPI built without CUDA, as Debian's, says so at compile time
 * (MPIX_CUDA_AWARE_SUPPORT 0 in mpi-ext.h): then the default becomes -use_gpu_aware_mpi 0 (PETSc stages its messages
 * through the host).  Set before PetscInitialize, so the command line, PETSC_OPTIONS and .petscrc still override it. */
void VfeDeviceDefaultOptions(void)
{
#if defined(PETSC_HAVE_CUDA) && defined(MPIX_CUDA_AWARE_SUPPORT) && !MPIX_CUDA_AWARE_SUPPORT
  (void)PetscOptionsSetValue(NULL, "-use_gpu_aware_mpi", "0");
#endif
}
