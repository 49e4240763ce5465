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

static const char usage[] =
    "usage: vfe run   [CASE.yaml] [-key value ...]   mesh, solve and post-process one case\n"
    "       vfe mesh  [CASE.yaml] [-key value ...]   only build and check the mesh\n"
    "       vfe sweep STUDY.yaml                     many cases, one table and plots\n"
    "       vfe help [--markdown] | --help | --version\n"
    "Without CASE the built-in default case (cases/default.yaml) runs.\n"
    "Every case-file key is also an option: segment: {levels: L1-L3} is -segment_levels L1-L3.\n"
    "Exit codes: 0 ok, 1 bad input, 2 solver did not converge, 3 I/O failure.\n"
    "Documentation: docs/user-guide.md (keys, outputs), docs/theory.md (equations).\n";

int main(int argc, char **argv)
{
  PetscErrorCode ierr;
  const char *command, *casefile = NULL;
  int firstopt = 2, code, pargc = 0;
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
    printf("vfe %s (git %s)\n", VFE_VERSION_STRING, VFE_GIT_HASH);
    return 0;
  }
  command = argv[1];
  if (strcmp(command, "run") && strcmp(command, "mesh") && strcmp(command, "sweep")) {
    fprintf(stderr, "vfe: error: unknown command '%s' (allowed: run, mesh, sweep, --help, --version)\n", command);
    return 1;
  }
  if (argc > 2 && argv[2][0] != '-') casefile = argv[2], firstopt = 3;
  if (!strcmp(command, "sweep") && !casefile) {
    fprintf(stderr, "vfe: error: vfe sweep needs a study file: vfe sweep STUDY.yaml (see docs/sweeps.md)\n");
    return 1;
  }
  /* PetscInitialize sees the command line without -options_file(_yaml) F: VfeInsertCommandLine reads
   * those itself, so that a file that is not an options file is not quoted in the error */
  pargv = (char **)calloc((size_t)argc + 1, sizeof *pargv);
  if (!pargv) return 1;
  for (int i = 0; i < argc; ++i) {
    if (i >= firstopt && VfeOptionsFileArg(argv[i])) {
      ++i;
      continue;
    }
    pargv[pargc++] = argv[i];
  }
  ierr = PetscInitialize(&pargc, &pargv, NULL, NULL);
  if (ierr) {
    fprintf(stderr, "vfe: error: PETSc initialisation failed (%d)\n", (int)ierr);
    return 1;
  }
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  PetscLogDefaultBegin(); /* per-stage timings for the manifest */
  if (!strcmp(command, "sweep")) {
    ierr = VfeInsertCommandLine(PETSC_COMM_WORLD, argc, argv, firstopt);
    if (!ierr) ierr = VfeSweep(PETSC_COMM_WORLD, casefile, VfeRunCase);
  } else {
    ierr = VfeLoadCase(PETSC_COMM_WORLD, casefile, argc, argv, firstopt);
    if (!ierr)
      ierr = (strcmp(command, "mesh") ? VfeRunCase : VfeMeshCase)(
          PETSC_COMM_WORLD, casefile ? casefile : "(built-in default case)", NULL, NULL);
  }
  code = VfeExitCode(ierr);
  if (ierr) {
    const char *text = NULL;
    char *msg        = NULL;
    PetscMPIInt size;
    PetscErrorMessage(ierr, &text, &msg);
    fprintf(stderr, "vfe: error: %s\n", msg && msg[0] ? msg : (text ? text : "unknown error"));
    fflush(stderr);
    MPI_Comm_size(PETSC_COMM_WORLD, &size);
    if (size > 1) MPI_Abort(PETSC_COMM_WORLD, code);
  }
  PetscPopErrorHandler();
  PetscFinalize();
  free(pargv);
  return code;
}
