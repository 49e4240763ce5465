/*
 * file.c - atomic file output, mkdir -p and file hashes (vfefile.h).
 */
#include "vfefile.h"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

PetscErrorCode VfeFilePartName(const char *path, const char *suffix, char *part, size_t len)
{
  PetscFunctionBeginUser;
  PetscCheck(strlen(path) + 5 + (suffix ? strlen(suffix) : 0) < len, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
             "output path '%s' is too long (at most %d characters)", path, (int)len - 6);
  PetscCall(PetscSNPrintf(part, len, "%s.part%s", path, suffix ? suffix : ""));
  PetscFunctionReturn(0);
}

int VfeFileRename(const char *part, const char *path)
{
  return rename(part, path) ? (errno ? errno : EIO) : 0;
}

PetscErrorCode VfeFilePublish(const char *part, const char *path)
{
  int err = VfeFileRename(part, path);

  PetscFunctionBeginUser;
  PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename '%s' to '%s': %s", part, path, strerror(err));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeAtomicOpen(const char *path, VfeAtomicFile *af)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(af, sizeof *af));
  PetscCall(PetscStrncpy(af->path, path, sizeof af->path));
  PetscCall(VfeFilePartName(path, NULL, af->part, sizeof af->part));
  af->f = fopen(af->part, "w");
  PetscCheck(af->f, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s': %s", af->part, strerror(errno));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeAtomicCommit(VfeAtomicFile *af)
{
  int bad, err;

  PetscFunctionBeginUser;
  bad   = ferror(af->f);
  err   = fclose(af->f) ? errno : 0;
  af->f = NULL;
  if (bad || err) remove(af->part);
  PetscCheck(!bad && !err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "write error on '%s': %s", af->part,
             strerror(err ? err : EIO));
  PetscCall(VfeFilePublish(af->part, af->path));
  PetscFunctionReturn(0);
}

void VfeAtomicAbort(VfeAtomicFile *af)
{
  if (af->f) fclose(af->f);
  af->f = NULL;
  if (af->part[0]) remove(af->part);
}

int VfeMkdirP(const char *dir)
{
  char tmp[PETSC_MAX_PATH_LEN];
  if (strlen(dir) >= sizeof tmp) return ENAMETOOLONG;
  strcpy(tmp, dir);
  for (char *p = tmp + 1; *p; ++p)
    if (*p == '/') {
      *p = 0;
      if (mkdir(tmp, 0777) && errno != EEXIST) return errno;
      *p = '/';
    }
  if (mkdir(tmp, 0777) && errno != EEXIST) return errno;
  return 0;
}

PetscErrorCode VfeMkdirPCollective(MPI_Comm comm, const char *dir, const char *what)
{
  PetscMPIInt rank;
  int err = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) err = VfeMkdirP(dir);
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "%s '%s' cannot be created: %s", what, dir, strerror(err));
  PetscFunctionReturn(0);
}

PetscBool VfeFileReadable(const char *path)
{
  FILE *f = path ? fopen(path, "r") : NULL;
  if (!f) return PETSC_FALSE;
  fclose(f);
  return PETSC_TRUE;
}

unsigned long long VfeFNV1a64(unsigned long long h, const void *buf, size_t n)
{
  const unsigned char *b = (const unsigned char *)buf;
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ULL;
  return h;
}

void VfeHashFile(const char *path, char out[17])
{
  FILE *f              = path ? fopen(path, "rb") : NULL;
  unsigned long long h = VFE_FNV1A64_INIT;
  unsigned char buf[65536];
  size_t n;
  if (!f) {
    snprintf(out, 17, "none");
    return;
  }
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) h = VfeFNV1a64(h, buf, n);
  fclose(f);
  snprintf(out, 17, "%016llx", h);
}

void VfeCSVField(FILE *f, const char *s)
{
  if (!s) return;
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; ++s) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}
