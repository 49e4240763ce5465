#if defined(__linux__) && !defined(_GNU_SOURCE)
#  define _GNU_SOURCE /* sched_getaffinity, CPU_SET */
#endif
#include "vfempi.h"
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#  include <sched.h>
#endif

PetscErrorCode VfeMesherCoresBegin(void **saved)
{
  PetscFunctionBeginUser;
  *saved = NULL;
#if defined(__linux__)
  {
    cpu_set_t *old, all;
    const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    PetscCall(PetscNew(&old));
    if (sched_getaffinity(0, sizeof *old, old)) {
      PetscCall(PetscFree(old));
      PetscFunctionReturn(0);
    }
    CPU_ZERO(&all);
    for (long c = 0; c < ncpu && c < CPU_SETSIZE; ++c) CPU_SET((int)c, &all);
    if (CPU_EQUAL(&all, old) || sched_setaffinity(0, sizeof all, &all)) { /* nothing to widen, or not allowed */
      PetscCall(PetscFree(old));
      PetscFunctionReturn(0);
    }
    *saved = old;
  }
#endif
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMesherCoresEnd(void **saved)
{
  PetscFunctionBeginUser;
#if defined(__linux__)
  if (*saved) (void)sched_setaffinity(0, sizeof(cpu_set_t), (cpu_set_t *)*saved);
#endif
  PetscCall(PetscFree(*saved));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeBcastIntIdle(MPI_Comm comm, int *v)
{
  MPI_Request req;
  int done = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Ibcast(v, 1, MPI_INT, 0, comm, &req));
  for (;;) {
    const struct timespec nap = {0, 2000000}; /* 2 ms: nothing next to a mesher's seconds */
    PetscCallMPI(MPI_Test(&req, &done, MPI_STATUS_IGNORE));
    if (done) break;
    nanosleep(&nap, NULL);
  }
  PetscFunctionReturn(0);
}
