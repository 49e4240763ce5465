/*
 * case.c - a case into the options database.
 *
 * Configuration is the PETSc options database only: the case file (YAML, read by PETSc's libyaml
 * reader, nested maps joined with '_') goes in first, then the command-line options again, so that
 * the command line wins.  Before any work, every key is checked against the key registry (keys.c);
 * an unknown key is an error naming it.
 */
#include "vfeapp.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

extern const char VfeDefaultCaseYAML[]; /* cases/default.yaml, compiled in (app/CMakeLists.txt) */

/* Read the case file into the options database, then re-insert the command line so it wins. */
PetscErrorCode VfeLoadCase(MPI_Comm comm, const char *casefile, int argc, char **argv, int firstopt)
{
  PetscOptions scratch;
  FILE *f;
  char cmdline[8192] = "";
  PetscErrorCode ierr;
  PetscInt version = -1;
  PetscBool set;

  PetscFunctionBeginUser;
  if (casefile) {
    f = fopen(casefile, "r");
    PetscCheck(f, comm, PETSC_ERR_FILE_OPEN, "case file '%s' cannot be opened: %s", casefile, strerror(errno));
    fclose(f);
  }
  /* validate into a scratch database first: a YAML syntax error names the file */
  PetscCall(PetscOptionsCreate(&scratch));
  ierr = casefile ? PetscOptionsInsertFileYAML(comm, scratch, casefile, PETSC_TRUE)
                  : PetscOptionsInsertStringYAML(scratch, VfeDefaultCaseYAML);
  PetscCall(PetscOptionsDestroy(&scratch));
  PetscCheck(!ierr, comm, PETSC_ERR_USER_INPUT, "case file '%s' is not valid YAML (or not a map of keys to values)",
             casefile ? casefile : "built-in");
  if (casefile)
    PetscCall(PetscOptionsInsertFileYAML(comm, NULL, casefile, PETSC_TRUE));
  else
    PetscCall(PetscOptionsInsertStringYAML(NULL, VfeDefaultCaseYAML));
  for (int i = firstopt; i < argc; ++i) {
    PetscCall(PetscStrlcat(cmdline, " ", sizeof cmdline));
    PetscCall(PetscStrlcat(cmdline, argv[i], sizeof cmdline));
  }
  PetscCall(PetscOptionsInsertString(NULL, cmdline));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-case_version", &version, &set));
  PetscCheck(set, comm, PETSC_ERR_USER_INPUT, "case file '%s' has no case_version key (this vfe reads case_version: 1)",
             casefile);
  PetscCheck(version == 1, comm, PETSC_ERR_USER_INPUT,
             "case file '%s': case_version %" PetscInt_FMT " is not supported (this vfe reads 1)", casefile, version);
  PetscFunctionReturn(0);
}

/* Every option must be one some part of vfe or PETSc reads. Returns the material_* keys for the
 * check against the mesh's regions. */
PetscErrorCode VfeCheckKeys(MPI_Comm comm, PetscInt *nmat, char ***matkeys)
{
  PetscInt n;
  char **names, **values;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  PetscCall(PetscMalloc1(n + 1, matkeys));
  *nmat = 0;
  /* first every name, then every value: an unknown key is reported before a bad value */
  for (PetscInt i = 0; i < n; ++i)
    PetscCheck(VfeKnownKey(names[i]), comm, PETSC_ERR_USER_INPUT,
               "unknown key '%s' (case-file keys are listed by vfe help and in docs/user-guide.md; PETSc solver "
               "options start with ksp_, pc_, mg_, dm_, mat_)",
               names[i]);
  for (PetscInt i = 0; i < n; ++i) {
    PetscCall(VfeKeysCheckValue(names[i], values[i]));
    if (!strncmp(names[i], "material_", 9)) PetscCall(PetscStrallocpy(names[i], &(*matkeys)[(*nmat)++]));
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscFunctionReturn(0);
}

int VfeExitCode(PetscErrorCode ierr)
{
  switch (ierr) {
  case 0:
    return 0;
  case PETSC_ERR_NOT_CONVERGED:
    return 2;
  case PETSC_ERR_FILE_WRITE:
    return 3; /* a malformed input file (FILE_UNEXPECTED) is bad input: 1 */
  default:
    return 1;
  }
}
