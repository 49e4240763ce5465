/*
 * gmshutil.c - the one wrapper around the Gmsh C API's error convention, and atomic MSH output.
 *
 * Every Gmsh C function takes `int *ierr` last.  VfeGmshCheck() turns a non-zero value into a PETSc
 * error whose message carries Gmsh's own last error (gmshLoggerGetLastError), so a failed boolean
 * or mesher call reads like any other vfe error.  VfeGmshWriteMesh checks that the file Gmsh wrote
 * is complete (Gmsh does not check its own writes).
 */
#include "vfemesh.h"
#include "vfefile.h"
#include "vfempi.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

PetscErrorCode VfeGmshCheck(int ierr, const char *what, const char *file, int line)
{
  char *msg = NULL;
  int ierr2 = 0;

  if (!ierr) return 0;
  gmshLoggerGetLastError(&msg, &ierr2);
  (void)PetscError(PETSC_COMM_SELF, line, "gmsh", file, PETSC_ERR_LIB, PETSC_ERROR_INITIAL, "Gmsh failed in %s: %s",
                   what, (msg && msg[0]) ? msg : "(no message)");
  if (msg) gmshFree(msg);
  return PETSC_ERR_LIB;
}

/* Whether the MSH file at path is complete: Gmsh's writers do not check their writes (a full disk or
 * a file size limit leaves a truncated file and no error), but every MSH file, ASCII or binary, ends
 * with the line closing its last section, "$End<Section>".  0, or the errno (EIO: truncated). */
static int VfeMshComplete(const char *path)
{
  char tail[64];
  FILE *f = fopen(path, "rb");
  long size;
  size_t n;
  char *end;

  if (!f) return errno ? errno : EIO;
  if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0) {
    fclose(f);
    return EIO;
  }
  if (size > (long)sizeof tail - 1 && fseek(f, size - (long)(sizeof tail - 1), SEEK_SET))
    size = -1;
  else if (size <= (long)sizeof tail - 1)
    rewind(f);
  n       = size < 0 ? 0 : fread(tail, 1, sizeof tail - 1, f);
  tail[n] = 0;
  fclose(f);
  if (n < 6 || tail[n - 1] != '\n') return EIO;
  end = tail + n - 1; /* the last line, found backwards: binary data before it may hold NUL bytes */
  while (end > tail && end[-1] != '\n') --end;
  if (strncmp(end, "$End", 4) || end + 4 == tail + n - 1) return EIO;
  for (char *c = end + 4; c < tail + n - 1; ++c)
    if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z'))) return EIO;
  return 0;
}

PetscErrorCode VfeGmshWriteMesh(const char *path)
{
  char tmp[PETSC_MAX_PATH_LEN];
  int ierr, err;

  PetscFunctionBeginUser;
  /* the temp name keeps the .msh extension: Gmsh picks the format from it */
  PetscCall(VfeFilePartName(path, ".msh", tmp, sizeof tmp));
  /* created here exclusively (never through a planted link); Gmsh then writes into it */
  err = VfeFilePartClaim(tmp);
  PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s': %s%s", tmp, strerror(err),
             err == EEXIST ? " (not a regular file: a link or directory there is never written through)" : "");
  PetscCall(VfeGmshCall((gmshOptionSetNumber("Mesh.MshFileVersion", 4.1, &ierr), ierr), "set MSH version"));
  PetscCall(VfeGmshCall((gmshOptionSetNumber("Mesh.Binary", 1, &ierr), ierr), "set MSH binary"));
  PetscCall(VfeGmshCall((gmshOptionSetNumber("Mesh.SaveAll", 0, &ierr), ierr), "set SaveAll"));
  PetscCall(VfeGmshCall((gmshWrite(tmp, &ierr), ierr), tmp));
  err = VfeMshComplete(tmp);
  if (err) remove(tmp);
  PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "write error on '%s': %s", tmp,
             err == EIO ? "the file Gmsh wrote is incomplete (disk full or file size limit?)" : strerror(err));
  PetscCall(VfeFilePublish(tmp, path));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeGmshNamedGroup(int dim, const int *tags, size_t n, int tag, const char *name)
{
  int ierr;
  PetscFunctionBeginUser;
  PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "no entity found for group '%s'", name);
  PetscCall(VfeGmshCall((gmshModelAddPhysicalGroup(dim, (int *)tags, n, tag, &ierr), ierr), "physical group"));
  PetscCall(VfeGmshCall((gmshModelSetPhysicalName(dim, tag, name, &ierr), ierr), "physical name"));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeGmshGenerate(int dim, const char *what)
{
  int ierr = 0, ierr2 = 0;
  double terminal = 0, verbosity = 5, abort_on_error = 2;
  char **log = NULL, *first = NULL;
  size_t nlog = 0;

  PetscFunctionBeginUser;
  /* Gmsh's API throws on the first error (General.AbortOnError 2), and a throw inside one of its
     OpenMP regions (the surface mesher runs in one) aborts the whole process: keep errors as
     messages during the call, log them, and turn the first one into a PETSc error */
  PetscCall(VfeGmshCall((gmshOptionGetNumber("General.Terminal", &terminal, &ierr), ierr), "option"));
  PetscCall(VfeGmshCall((gmshOptionGetNumber("General.Verbosity", &verbosity, &ierr), ierr), "option"));
  PetscCall(VfeGmshCall((gmshOptionGetNumber("General.AbortOnError", &abort_on_error, &ierr), ierr), "option"));
  if (!terminal) PetscCall(VfeGmshCall((gmshOptionSetNumber("General.Verbosity", 1, &ierr), ierr), "option"));
  PetscCall(VfeGmshCall((gmshOptionSetNumber("General.AbortOnError", 0, &ierr), ierr), "option"));
  PetscCall(VfeGmshCall((gmshLoggerStart(&ierr), ierr), "logger"));
  gmshModelMeshGenerate(dim, &ierr);
  gmshLoggerGet(&log, &nlog, &ierr2);
  gmshLoggerStop(&ierr2);
  gmshOptionSetNumber("General.AbortOnError", abort_on_error, &ierr2);
  gmshOptionSetNumber("General.Verbosity", verbosity, &ierr2);
  for (size_t i = 0; i < nlog; i++) {
    if (!first && !strncmp(log[i], "Error", 5))
      first = log[i];
    else
      gmshFree(log[i]);
  }
  if (log) gmshFree(log);
  if (first) {
    char msg[512];
    PetscCall(PetscSNPrintf(msg, sizeof msg, "%s", first + (strncmp(first, "Error: ", 7) ? 0 : 7)));
    gmshFree(first);
    for (char *c = msg; *c; c++) /* Gmsh's message may span lines (Tetgen's PLC report): keep the first */
      if (*c == '\n' || *c == '\r') {
        *c = 0;
        break;
      }
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "Gmsh failed in %s: %s", what, msg);
  }
  PetscCall(VfeGmshCall(ierr, what));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMeshBuildOnRank0(MPI_Comm comm, const char *what, PetscErrorCode (*build)(const char *, void *),
                                   const char *path, size_t repsize, void **rep)
{
  PetscMPIInt rank;
  PetscErrorCode ierr0 = 0;
  int ierr, gerr = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscCalloc(repsize, rep));
  if (!rank) {
    PetscBool verbose = PETSC_FALSE;
    void *cores;
    PetscCall(VfeMesherCoresBegin(&cores)); /* every core for the mesher's threads while the others sleep */
    gmshInitialize(0, NULL, 0, &gerr);
    PetscCheck(!gerr, PETSC_COMM_SELF, PETSC_ERR_LIB, "Gmsh failed to initialize");
    ierr0 = VfeMeshOptionBool("mesh_verbose", &verbose, NULL);
    if (!ierr0) gmshOptionSetNumber("General.Terminal", verbose ? 1 : 0, &ierr);
    if (!ierr0) ierr0 = build(path, *rep);
    gmshFinalize(&ierr);
    PetscCall(VfeMesherCoresEnd(&cores));
  }
  PetscCall(VfeBcastIntIdle(comm, &ierr0)); /* the others sleep while rank 0 meshes */
  if (ierr0) {
    PetscCall(PetscFree(*rep));
    if (!rank) PetscCall(ierr0);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "%s meshing failed on rank 0", what);
  }
  PetscCallMPI(MPI_Bcast(*rep, (int)repsize, MPI_BYTE, 0, comm));
  PetscFunctionReturn(0);
}
