/*
 * main.c - the vfe command line.
 *
 *   vfe run   [CASE.yaml] [-key value ...]   mesh, solve and post-process one case
 *   vfe mesh  [CASE.yaml] [-key value ...]   only build and check the mesh
 *   vfe sweep STUDY.yaml                     many cases, one table (see docs/sweeps.md)
 *   vfe --help | --version                   (vfe help: every key; vfe help --markdown: the key table
 *                                            of docs/user-guide.md)
 *
 * Exit codes: 0 success; 1 bad input (case file, options, geometry, mesh); 2 the solver did not
 * converge; 3 I/O failure.  Errors are printed as one line "vfe: error: <message>".  The work is
 * the application library's (vfeapp.h); this file only reads the command line.
 */
#include "vfeapp.h"
#include "vfeconfig.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(PETSC_HAVE_CUDA)
#  define VFE_PETSC_CUDA " with CUDA"
#else
#  define VFE_PETSC_CUDA ""
#endif

static const char usage[] =
    "usage: vfe run   [CASE.yaml] [-key value ...]   mesh, solve and post-process one case\n"
    "       vfe mesh  [CASE.yaml] [-key value ...]   only build and check the mesh\n"
    "       vfe sweep STUDY.yaml                     many cases, one table and plots\n"
    "       vfe help [--markdown] | --help | --version\n"
    "Without CASE the built-in default case (cases/default.yaml) runs.\n"
    "Every case-file key is also an option: segment: {levels: L1-L3} is -segment_levels L1-L3.\n"
    "Exit codes: 0 ok, 1 bad input, 2 solver did not converge, 3 I/O failure.\n"
    "Documentation: docs/user-guide.md (keys, outputs), docs/theory.md (equations).\n";

/* One error line for the whole run.  vfe's errors are collective (every rank raises the same one), so
 * the failing ranks meet in a reduction on their own communicator: when every rank joins, rank 0
 * prints the line and all exit normally with the code.  A rank whose error the others do not share
 * (they are still working, or waiting for it) prints its own line after a grace period and aborts
 * the job, which cannot otherwise end. */
static void VfeReportError(PetscErrorCode ierr, int code, MPI_Comm errcomm)
{
  const char *text = NULL;
  char *msg        = NULL;
  int size, rank, one = 1, all = 0, done = 0;
  MPI_Request req;

  PetscErrorMessage(ierr, &text, &msg);
  MPI_Comm_size(errcomm, &size);
  MPI_Comm_rank(errcomm, &rank);
  if (size > 1) {
    MPI_Iallreduce(&one, &all, 1, MPI_INT, MPI_SUM, errcomm, &req);
    for (int t = 0; t < 500 && !done; ++t) { /* up to 5 s */
      MPI_Test(&req, &done, MPI_STATUS_IGNORE);
      if (!done) usleep(10000);
    }
  }
  if (size == 1 || (done && !rank) || !done)
    fprintf(stderr, "vfe: error: %s\n", msg && msg[0] ? msg : (text ? text : "unknown error"));
  fflush(stderr);
  if (size > 1 && !done) MPI_Abort(MPI_COMM_WORLD, code);
}

int main(int argc, char **argv)
{
  PetscErrorCode ierr;
  const char *command, *casefile = NULL;
  int firstopt = 2, code, pargc = 0;
  MPI_Comm errcomm;
  char **pargv;

  if (argc < 2) {
    fputs(usage, stderr);
    return 1;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    if (argc > 2 && !strcmp(argv[2], "--markdown")) return VfeKeysPrintMarkdown(stdout) ? 1 : 0;
    fputs(usage, stdout);
    fputc('\n', stdout);
    return VfeKeysPrintHelp(stdout) ? 1 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("vfe %s (git %s), PETSc %d.%d.%d%s\n", VFE_VERSION_STRING, VFE_GIT_HASH, PETSC_VERSION_MAJOR,
           PETSC_VERSION_MINOR, PETSC_VERSION_SUBMINOR, VFE_PETSC_CUDA);
    return 0;
  }
  command = argv[1];
  if (strcmp(command, "run") && strcmp(command, "mesh") && strcmp(command, "sweep")) {
    fprintf(stderr, "vfe: error: unknown command '%s' (allowed: run, mesh, sweep, --help, --version)\n", command);
    return 1;
  }
  /* vfe CMD [--] [CASE] [-key value ...]: "--" ends the options, so CASE may start with a dash */
  if (argc > 2 && !strcmp(argv[2], "--")) {
    if (argc > 3) casefile = argv[3];
    firstopt = 4;
  } else if (argc > 2 && argv[2][0] != '-')
    casefile = argv[2], firstopt = 3;
  if (casefile && !casefile[0]) {
    fprintf(stderr, "vfe: error: the case file name is empty\n");
    return 1;
  }
  if (!strcmp(command, "sweep") && !casefile) {
    fprintf(stderr, "vfe: error: vfe sweep needs a study file: vfe sweep STUDY.yaml (see docs/sweeps.md)\n");
    return 1;
  }
  /* PetscInitialize sees the command line without -options_file(_yaml) F: VfeInsertCommandLine reads
   * those itself, so that a file that is not an options file is not quoted in the error */
  pargv = (char **)calloc((size_t)argc + 1, sizeof *pargv);
  if (!pargv) return 1;
  pargv[pargc++] = argv[0]; /* the program, then the options: never the command or the case file */
  for (int i = firstopt; i < argc; ++i) {
    if (VfeOptionsFileArg(argv[i])) {
      ++i;
      continue;
    }
    pargv[pargc++] = argv[i];
  }
  VfeDeviceDefaultOptions();
  ierr = PetscInitialize(&pargc, &pargv, NULL, NULL);
  if (ierr) {
    fprintf(stderr, "vfe: error: PETSc initialisation failed (%d)\n", (int)ierr);
    return 1;
  }
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  MPI_Comm_dup(PETSC_COMM_WORLD, &errcomm); /* for VfeReportError only */
  PetscLogDefaultBegin();                   /* per-stage timings for the manifest */
  if (!strcmp(command, "sweep")) {
    ierr = VfeInsertCommandLine(PETSC_COMM_WORLD, argc, argv, firstopt);
    VfeSweepSetCommandLine(argc, argv, firstopt);
    if (!ierr) ierr = VfeSweep(PETSC_COMM_WORLD, casefile, VfeRunCase);
  } else {
    ierr = VfeLoadCase(PETSC_COMM_WORLD, casefile, argc, argv, firstopt);
    if (!ierr)
      ierr = (strcmp(command, "mesh") ? VfeRunCase : VfeMeshCase)(
          PETSC_COMM_WORLD, casefile ? casefile : "(built-in default case)", NULL, NULL);
  }
  code = VfeExitCode(ierr);
  if (ierr) VfeReportError(ierr, code, errcomm);
  PetscPopErrorHandler();
  if (!ierr) (void)VfeRunFinalize();
  MPI_Comm_free(&errcomm);
  { /* PETSc 3.19 and later list the options nobody read at PetscFinalize unless -options_left is false: vfe checks
     * its keys itself (an unknown key is an error), and after an error the case's keys are rightly unread */
    PetscBool set = PETSC_FALSE;
    if (!PetscOptionsHasName(NULL, NULL, "-options_left", &set) && !set)
      (void)PetscOptionsSetValue(NULL, "-options_left", "false");
  }
  PetscFinalize();
  free(pargv);
  return code;
}
