/*
 * file.c - atomic file output, mkdir -p, the output directory's lock and file hashes (vfefile.h).
 *
 * A temporary <path>.part is created exclusively (O_CREAT | O_EXCL | O_NOFOLLOW): a stale .part that
 * is a regular file (left by a killed run) is removed first; anything else under that name, a
 * symbolic link planted to redirect the write above all, is left alone and the write fails naming it.
 */
#include "vfefile.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Remove a stale regular file at part (0 if there was none); anything else stays (O_EXCL then fails). */
static int VfeFileRemoveStale(const char *part)
{
  struct stat st;
  if (lstat(part, &st)) return errno == ENOENT ? 0 : errno;
  if (S_ISREG(st.st_mode) && unlink(part) && errno != ENOENT) return errno;
  return 0;
}

/* The descriptor of a newly created part, or -1 with errno set. */
static int VfeFileCreatePart(const char *part)
{
  int err = VfeFileRemoveStale(part);
  if (err) {
    errno = err;
    return -1;
  }
  return open(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
}

int VfeFilePartClaim(const char *part)
{
  int fd = VfeFileCreatePart(part);
  if (fd < 0) return errno ? errno : EIO;
  return close(fd) ? errno : 0;
}

PetscErrorCode VfeAtomicOpen(const char *path, VfeAtomicFile *af)
{
  int fd;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(af, sizeof *af));
  PetscCall(PetscStrncpy(af->path, path, sizeof af->path));
  PetscCall(VfeFilePartName(path, NULL, af->part, sizeof af->part));
  fd = VfeFileCreatePart(af->part);
  if (fd >= 0 && !(af->f = fdopen(fd, "w"))) {
    int err = errno;
    close(fd);
    unlink(af->part);
    errno = err;
  }
  if (!af->f) {
    int err     = errno;
    af->part[0] = 0; /* not ours: VfeAtomicAbort must not remove it */
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s.part': %s%s", path, strerror(err),
            err == EEXIST ? " (not a regular file: a link or directory there is never written through)" : "");
  }
  PetscFunctionReturn(0);
}

PetscErrorCode VfeDirLock(MPI_Comm comm, const char *dir, int *fd)
{
  PetscMPIInt rank;
  int err = 0;
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  *fd = -1;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/.vfe.lock", dir));
  if (!rank) {
    *fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (*fd < 0)
      err = errno ? errno : EIO;
    else if (flock(*fd, LOCK_EX | LOCK_NB)) {
      err = errno == EWOULDBLOCK ? EWOULDBLOCK : (errno ? errno : EIO);
      close(*fd);
      *fd = -1;
    }
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(err != EWOULDBLOCK, comm, PETSC_ERR_FILE_WRITE,
             "output directory '%s' is in use by another vfe run (it holds %s/.vfe.lock); wait for it or choose "
             "another output_dir",
             dir, dir);
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "output directory '%s': cannot lock %s/.vfe.lock: %s", dir, dir,
             strerror(err));
  PetscFunctionReturn(0);
}

void VfeDirUnlock(int *fd)
{
  if (*fd >= 0) close(*fd); /* closing the descriptor releases the flock */
  *fd = -1;
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
