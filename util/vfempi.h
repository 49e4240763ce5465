/*
 * vfempi.h - rank 0 meshing alone while the other ranks wait.
 *
 * Meshing (Gmsh, CGAL) runs on rank 0 alone, with its own threads, while the other ranks wait for its
 * result.  Two things used to slow it down under mpiexec: Open MPI binds each rank to one core, so the
 * mesher's threads shared rank 0's core, and the waiting ranks polled, keeping their cores busy.  On the
 * 2-core machine the default case's mesh took ~7-8 s on 2 ranks against ~5.5 s on one process.
 *   - VfeMesherCoresBegin / End: rank 0 may use every core the process is allowed while it meshes (its
 *     CPU affinity is widened, then restored, so the solver's ranks stay bound); a no-op elsewhere than
 *     Linux or where the affinity cannot be changed.
 *   - VfeBcastIntIdle: MPI_Bcast of one int from rank 0 in which the other ranks sleep between tests.
 */
#pragma once
#include <petscsys.h>

PETSC_EXTERN PetscErrorCode VfeMesherCoresBegin(void **saved);
PETSC_EXTERN PetscErrorCode VfeMesherCoresEnd(void **saved);
PETSC_EXTERN PetscErrorCode VfeBcastIntIdle(MPI_Comm comm, int *v);
