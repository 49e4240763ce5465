/*
 * case.c - a case into the options database.
 *
 * Configuration is the PETSc options database only: the case file (YAML, read by PETSc's libyaml
 * reader, nested maps joined with '_') goes in first, then the command-line options again, so that
 * the command line wins.  Before any work, every key is checked against the key registry (keys.c);
 * an unknown key is an error naming it.
 *
 * A case file cannot write or read outside the run: PETSc options that name a file or a viewer
 * (-log_view, -ksp_view, -ksp_monitor ascii:FILE, -options_file, ...; VfeFileOptionKey) are refused
 * in it, and allowed only on the command line.  An -options_file on the command line is read here,
 * not by PetscInitialize, so that a file that is not a PETSc options file gives one error line that
 * names it and does not quote it (PETSc's own message shows the offending line).
 */
#include "vfeapp.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

extern const char VfeDefaultCaseYAML[]; /* cases/default.yaml, compiled in (app/CMakeLists.txt) */

/* No option in opts (a case file's) may name a file or a viewer. */
static PetscErrorCode VfeCheckFileOptions(MPI_Comm comm, PetscOptions opts, const char *file)
{
  PetscInt n;
  char **names, **values;
  const char *bad = NULL;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsLeftGet(opts, &n, &names, &values));
  for (PetscInt i = 0; i < n && !bad; ++i)
    if (VfeFileOptionKey(names[i], values[i])) bad = names[i];
  if (bad) {
    char key[256];
    PetscCall(PetscStrncpy(key, bad, sizeof key));
    PetscCall(PetscOptionsLeftRestore(opts, &n, &names, &values));
    SETERRQ(comm, PETSC_ERR_USER_INPUT,
            "case file '%s': key '%s' names a file or viewer; PETSc output and file options (views, monitors with a "
            "file, log_view, options_file, ...) are allowed only on the command line",
            file, key);
  }
  PetscCall(PetscOptionsLeftRestore(opts, &n, &names, &values));
  PetscFunctionReturn(0);
}

PetscBool VfeOptionsFileArg(const char *arg)
{
  return !strcmp(arg, "-options_file") || !strcmp(arg, "-options_file_yaml") ? PETSC_TRUE : PETSC_FALSE;
}

/* -options_file(_yaml) F: tried on rank 0 into a scratch database first, so that a bad file is one
 * error that does not quote it (and no rank waits on a rank that failed), then read for real. */
static PetscErrorCode VfeInsertOptionsFile(MPI_Comm comm, const char *opt, const char *file)
{
  PetscMPIInt rank;
  int ok         = 1;
  PetscBool yaml = strstr(opt, "yaml") ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    PetscOptions scratch;
    PetscErrorCode ierr;
    PetscCall(PetscOptionsCreate(&scratch));
    ierr = yaml ? PetscOptionsInsertFileYAML(PETSC_COMM_SELF, scratch, file, PETSC_TRUE)
                : PetscOptionsInsertFile(PETSC_COMM_SELF, scratch, file, PETSC_TRUE);
    PetscCall(PetscOptionsDestroy(&scratch));
    ok = !ierr;
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
  PetscCheck(ok, comm, PETSC_ERR_USER_INPUT, "options file '%s' (%s) cannot be read as %s (contents not shown)", file,
             opt, yaml ? "a YAML map of PETSc options" : "PETSc options (lines of -key value)");
  if (yaml)
    PetscCall(PetscOptionsInsertFileYAML(comm, NULL, file, PETSC_TRUE));
  else
    PetscCall(PetscOptionsInsertFile(comm, NULL, file, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeInsertCommandLine(MPI_Comm comm, int argc, char **argv, int firstopt)
{
  char cmdline[8192] = "";

  PetscFunctionBeginUser;
  for (int i = firstopt; i < argc; ++i)
    if (VfeOptionsFileArg(argv[i])) {
      PetscCheck(i + 1 < argc && argv[i + 1][0], comm, PETSC_ERR_USER_INPUT, "%s needs a file name", argv[i]);
      PetscCall(VfeInsertOptionsFile(comm, argv[i], argv[i + 1]));
      ++i;
    }
  for (int i = firstopt; i < argc; ++i) {
    if (VfeOptionsFileArg(argv[i])) {
      ++i;
      continue;
    }
    PetscCall(PetscStrlcat(cmdline, " ", sizeof cmdline));
    PetscCall(PetscStrlcat(cmdline, argv[i], sizeof cmdline));
  }
  PetscCall(PetscOptionsInsertString(NULL, cmdline));
  PetscFunctionReturn(0);
}

/* Read the case file into the options database, then re-insert the command line so it wins. */
PetscErrorCode VfeLoadCase(MPI_Comm comm, const char *casefile, int argc, char **argv, int firstopt)
{
  PetscOptions scratch;
  FILE *f;
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
  if (ierr) PetscCall(PetscOptionsDestroy(&scratch));
  PetscCheck(!ierr, comm, PETSC_ERR_USER_INPUT, "case file '%s' is not valid YAML (or not a map of keys to values)",
             casefile ? casefile : "built-in");
  ierr = VfeCheckFileOptions(comm, scratch, casefile ? casefile : "built-in");
  PetscCall(PetscOptionsDestroy(&scratch));
  PetscCall(ierr);
  if (casefile)
    PetscCall(PetscOptionsInsertFileYAML(comm, NULL, casefile, PETSC_TRUE));
  else
    PetscCall(PetscOptionsInsertStringYAML(NULL, VfeDefaultCaseYAML));
  PetscCall(VfeInsertCommandLine(comm, argc, argv, firstopt));
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
