/*
 * file.c - atomic file output, the output directory as a transaction, mkdir -p, the output directory's
 * lock and file hashes (vfefile.h).
 *
 * A temporary <path>.part is created exclusively (O_CREAT | O_EXCL | O_NOFOLLOW): a stale .part that
 * is a regular file (left by a killed run) is removed first; anything else under that name, a
 * symbolic link planted to redirect the write above all, is left alone and the write fails naming it.
 *
 * The output directory <parent>/<name> of a run is replaced as a whole (VfeDirTxn*).  Invariants:
 *   - the lock <parent>/.<name>.vfe.lock is held (flock on rank 0) from the first check to the end;
 *     it is beside the directory because the directory itself is swapped;
 *   - the run writes only into <parent>/.<name>.vfe-tmp-XXXXXX (mkdtemp on rank 0), so until the
 *     commit <parent>/<name> is exactly the earlier result (or absent);
 *   - the commit fsyncs the new files, then swaps the two directories in one step
 *     (renameat2 RENAME_EXCHANGE; where the file system lacks it: the old one aside, then the new one
 *     in), and only then removes the old tree, never following a symbolic link;
 *   - entries of the earlier result that vfe did not write (a log, notes) are hard-linked into the new
 *     one, so a rerun loses none of them; a subdirectory that vfe did not write makes the run refuse
 *     the directory before it starts, as does a directory that holds the working directory or is a
 *     mount point;
 *   - temporary directories of the same target left by a killed run are removed when the next run
 *     takes the lock (holding it, no other run can be using them).
 */
#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE */
#include "vfefile.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* the MPI type of PetscBool: an int-sized enum before PETSc 3.24 (MPIU_BOOL), C's bool since (MPI_C_BOOL; MPIU_BOOL
 * is deprecated there) */
#if PETSC_VERSION_LT(3, 24, 0)
#  define VFE_MPI_BOOL MPIU_BOOL
#else
#  define VFE_MPI_BOOL MPI_C_BOOL
#endif

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

/* ------------------------------------------------------------------ the output directory's lock */

/* The longest output directory accepted: half of PATH_MAX, so that the temporary directory beside it
 * (16 more characters), a file's temporary name in there and the absolute path through a working
 * directory of similar length all stay within PATH_MAX. */
#define VFE_DIR_MAX (PETSC_MAX_PATH_LEN / 2)
/* The longest last component: the temporary directory's name adds 16 characters to it. */
#define VFE_NAME_MAX (NAME_MAX - 16)
#define VFE_MSG_LEN (2 * PETSC_MAX_PATH_LEN + 512)

/* Format a message into msg; returns err (for `return VfeFail(...)`). */
static int VfeFail(char *msg, size_t len, int err, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(4, 5);
static int VfeFail(char *msg, size_t len, int err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, len, fmt, ap);
  va_end(ap);
  return err;
}

/* Rank 0's outcome on every rank: an error PETSC_ERR_FILE_WRITE (exit 3) with rank 0's message when
 * err is not 0. */
static PetscErrorCode VfeBcastOutcome(MPI_Comm comm, int err, char *msg, size_t len)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  if (err) {
    PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)len, MPI_CHAR, 0, comm));
    msg[len - 1] = 0;
  }
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "%s", msg);
  PetscFunctionReturn(0);
}

/* dir as <parent>/<name> (trailing slashes dropped; ".", ".." and a symbolic link resolved with
 * realpath first, so that what is swapped is the directory itself): 0 or an errno (EINVAL: the root
 * directory, which cannot be replaced). */
static int VfeDirSplit(const char *dir, char *parent, size_t plen, char *name, size_t nlen)
{
  char buf[PETSC_MAX_PATH_LEN], res[PATH_MAX];
  size_t l = strlen(dir);
  struct stat st;
  char *slash, *base;

  if (!l) return ENOENT;
  if (l >= sizeof buf) return ENAMETOOLONG;
  memcpy(buf, dir, l + 1);
  while (l > 1 && buf[l - 1] == '/') buf[--l] = 0;
  slash = strrchr(buf, '/');
  base  = slash ? slash + 1 : buf;
  if (!strcmp(buf, "/") || !strcmp(base, ".") || !strcmp(base, "..") || (!lstat(buf, &st) && S_ISLNK(st.st_mode))) {
    if (!realpath(buf, res)) return errno ? errno : ENOENT;
    if (!strcmp(res, "/")) return EINVAL;
    if (strlen(res) >= sizeof buf) return ENAMETOOLONG;
    strcpy(buf, res);
    slash = strrchr(buf, '/');
    base  = slash + 1;
  }
  if (strlen(base) >= nlen) return ENAMETOOLONG;
  if (!slash)
    snprintf(parent, plen, ".");
  else if (slash == buf)
    snprintf(parent, plen, "/");
  else if ((size_t)(slash - buf) < plen)
    snprintf(parent, plen, "%.*s", (int)(slash - buf), buf);
  else
    return ENAMETOOLONG;
  strcpy(name, base);
  return 0;
}

/* Rank 0: the lock of <parent>/<name>, flock(LOCK_EX | LOCK_NB) on <parent>/.<name>.vfe.lock (its path
 * in lock): 0 with *fd its descriptor, or an errno (EWOULDBLOCK: another process holds it). */
static int VfeLockTake(const char *parent, const char *name, char *lock, size_t len, int *fd)
{
  *fd = -1;
  if ((size_t)snprintf(lock, len, "%s/.%s.vfe.lock", parent, name) >= len) return ENAMETOOLONG;
  *fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (*fd < 0) return errno ? errno : EIO;
  if (flock(*fd, LOCK_EX | LOCK_NB)) {
    int err = errno == EWOULDBLOCK ? EWOULDBLOCK : (errno ? errno : EIO);
    close(*fd);
    *fd = -1;
    return err;
  }
  return 0;
}

/* The message for a lock that could not be taken. */
static int VfeLockFail(char *msg, size_t len, int err, const char *dir, const char *lock)
{
  if (err == EWOULDBLOCK)
    return VfeFail(msg, len, err,
                   "output directory '%s' is in use by another vfe run (it holds %s); wait for it or choose another "
                   "output_dir",
                   dir, lock);
  return VfeFail(msg, len, err, "output directory '%s': cannot lock %s: %s", dir, lock, strerror(err));
}

PetscErrorCode VfeDirLock(MPI_Comm comm, const char *dir, int *fd)
{
  PetscMPIInt rank;
  int err = 0;
  char parent[PETSC_MAX_PATH_LEN], name[NAME_MAX + 1], lock[PETSC_MAX_PATH_LEN], msg[VFE_MSG_LEN] = "";

  PetscFunctionBeginUser;
  *fd = -1;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    err = VfeDirSplit(dir, parent, sizeof parent, name, sizeof name);
    if (err)
      VfeFail(msg, sizeof msg, err, "output directory '%s': cannot lock it: %s", dir, strerror(err));
    else if ((err = VfeLockTake(parent, name, lock, sizeof lock, fd)))
      VfeLockFail(msg, sizeof msg, err, dir, lock);
  }
  PetscCall(VfeBcastOutcome(comm, err, msg, sizeof msg));
  PetscFunctionReturn(0);
}

void VfeDirUnlock(int *fd)
{
  if (*fd >= 0) close(*fd); /* closing the descriptor releases the flock */
  *fd = -1;
}

/* ------------------------------------------------------------------ the output directory as a transaction */

int VfeDirTxnFallback = 0;

/* Remove name (relative to dfd) and everything below it, never following a symbolic link (a link is
 * removed, not its target): 0 or the first errno.  depth bounds the recursion. */
static int VfeRemoveAt(int dfd, const char *name, int depth)
{
  struct stat st;
  int fd, err = 0;
  DIR *d;
  struct dirent *e;

  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) return errno == ENOENT ? 0 : errno;
  if (!S_ISDIR(st.st_mode)) return unlinkat(dfd, name, 0) && errno != ENOENT ? errno : 0;
  if (depth > 64) return ELOOP;
  fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  if (!(d = fdopendir(fd))) {
    err = errno;
    close(fd);
    return err;
  }
  for (int pass = 0; pass < 3; ++pass) { /* entries removed while reading may hide others: read again */
    int removed = 0;
    rewinddir(d);
    while ((e = readdir(d))) {
      int r;
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      r = VfeRemoveAt(dirfd(d), e->d_name, depth + 1);
      if (r && !err) err = r;
      removed += !r;
    }
    if (!removed) break;
  }
  closedir(d);
  if (unlinkat(dfd, name, AT_REMOVEDIR) && errno != ENOENT && !err) err = errno;
  return err;
}

/* Whether an entry of an earlier result is vfe's own, to be replaced: one of txn->owned, a .part
 * file of the atomic writers, or the lock file of an earlier vfe (it used <dir>/.vfe.lock). */
static int VfeDirTxnOwned(const VfeDirTxn *txn, const char *e)
{
  if (!strcmp(e, ".vfe.lock") || strstr(e, ".part")) return 1;
  for (const char *const *o = txn->owned; o && *o; ++o)
    if (!strcmp(e, *o)) return 1;
  return 0;
}

/* Whether e is <prefix> followed by mkdtemp's six characters. */
static int VfeIsTempName(const char *e, const char *prefix)
{
  size_t l = strlen(prefix);
  if (strncmp(e, prefix, l) || strlen(e) != l + 6) return 0;
  for (const char *c = e + l; *c; ++c)
    if (!isalnum((unsigned char)*c)) return 0;
  return 1;
}

/* Rank 0, holding the lock: remove what killed runs into this target left beside it: temporary
 * directories, and (only when the target exists, i.e. the swap completed) a fallback's old tree. */
static void VfeDirTxnRemoveStale(const VfeDirTxn *txn, int exists)
{
  char tmp[NAME_MAX + 1], old[NAME_MAX + 1];
  int fd = open(txn->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d;
  struct dirent *e;

  if (fd < 0) return;
  if (!(d = fdopendir(fd))) {
    close(fd);
    return;
  }
  /* a name too long for these prefixes is too long for vfe's temporary names too: nothing of ours to remove */
  if (snprintf(tmp, sizeof tmp, ".%s.vfe-tmp-", txn->name) >= (int)sizeof tmp ||
      snprintf(old, sizeof old, ".%s.vfe-old-", txn->name) >= (int)sizeof old) {
    closedir(d);
    return;
  }
  while ((e = readdir(d)))
    if (VfeIsTempName(e->d_name, tmp) || (exists && VfeIsTempName(e->d_name, old)))
      (void)VfeRemoveAt(dirfd(d), e->d_name, 0);
  closedir(d);
}

/* Rank 0: the entries of the earlier result (txn->path, a directory).  tmpfd < 0 (the begin): refuse a
 * mount point, a directory that holds the working directory, or a subdirectory vfe did not write,
 * and find the entry that is the file keep (may be NULL), e.g. the mesh the run reads from there.
 * tmpfd >= 0 (the commit): hard-link every entry vfe did not write, and the kept one, into the new
 * tree (never following a link; a name the run wrote itself stays the run's).  0 or an errno with
 * msg. */
static int VfeDirTxnScan(VfeDirTxn *txn, const char *keep, int tmpfd, char *msg, size_t len)
{
  int fd = open(txn->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err = 0;
  struct stat st, pst, kst;
  int haskeep = keep && !stat(keep, &kst);
  DIR *d;
  struct dirent *e;

  if (fd < 0) return VfeFail(msg, len, errno, "output directory '%s' cannot be read: %s", txn->dir, strerror(errno));
  if (tmpfd < 0) {
    char cwd[PATH_MAX], real[PATH_MAX];
    size_t l;
    if (!fstat(fd, &st) && !stat(txn->parent, &pst) && st.st_dev != pst.st_dev) {
      close(fd);
      return VfeFail(msg, len, EXDEV,
                     "output directory '%s' is a mount point: a run replaces its output directory as a whole, "
                     "which needs an ordinary directory; choose one inside it",
                     txn->dir);
    }
    if (getcwd(cwd, sizeof cwd) && realpath(txn->path, real) && !strncmp(cwd, real, l = strlen(real)) &&
        (cwd[l] == '/' || !cwd[l])) {
      close(fd);
      return VfeFail(msg, len, EBUSY,
                     "output directory '%s' holds the working directory: a run replaces its output directory as a "
                     "whole; run vfe from outside it",
                     txn->dir);
    }
  }
  if (!(d = fdopendir(fd))) {
    err = errno;
    close(fd);
    return VfeFail(msg, len, err, "output directory '%s' cannot be read: %s", txn->dir, strerror(err));
  }
  while (!err && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW)) continue; /* gone meanwhile */
    if (tmpfd < 0 && haskeep && S_ISREG(st.st_mode) && st.st_dev == kst.st_dev && st.st_ino == kst.st_ino)
      snprintf(txn->keep, sizeof txn->keep, "%s", e->d_name);
    if (VfeDirTxnOwned(txn, e->d_name) && strcmp(e->d_name, txn->keep)) continue;
    if (S_ISDIR(st.st_mode))
      err = VfeFail(msg, len, EISDIR,
                    "output directory '%s' holds the directory '%s', which vfe did not write: a run replaces its "
                    "output directory as a whole; move '%s' away or choose another output_dir",
                    txn->dir, e->d_name, e->d_name);
    else if (tmpfd >= 0 && linkat(dirfd(d), e->d_name, tmpfd, e->d_name, 0) && errno != EEXIST)
      err = VfeFail(msg, len, errno, "output directory '%s': cannot keep '%s' in the new result: %s", txn->dir,
                    e->d_name, strerror(errno));
  }
  closedir(d);
  return err;
}

/* Rank 0: the begin of VfeDirTxnBegin, holding nothing yet: check, lock, clean up, create tmp. */
static int VfeDirTxnBeginLocal(VfeDirTxn *txn, const char *keep, char *msg, size_t len)
{
  struct stat st;
  char lock[PETSC_MAX_PATH_LEN];
  size_t l = strlen(txn->dir);
  int err, exists;
  mode_t mode;

  if (!l) return VfeFail(msg, len, ENOENT, "output_dir is empty: name a directory");
  if (l > VFE_DIR_MAX)
    return VfeFail(msg, len, ENAMETOOLONG, "output directory '%.48s...%s' is too long (%d characters; at most %d)",
                   txn->dir, txn->dir + l - 24, (int)l, VFE_DIR_MAX);
  err = VfeDirSplit(txn->dir, txn->parent, sizeof txn->parent, txn->name, sizeof txn->name);
  if (err == EINVAL) return VfeFail(msg, len, err, "output directory '%s' is the root directory", txn->dir);
  if (err) return VfeFail(msg, len, err, "output directory '%s': %s", txn->dir, strerror(err));
  if (strlen(txn->name) > VFE_NAME_MAX)
    return VfeFail(msg, len, ENAMETOOLONG,
                   "output directory '%s': its last component is too long (%d characters; at most %d)", txn->dir,
                   (int)strlen(txn->name), VFE_NAME_MAX);
  if ((size_t)snprintf(txn->path, sizeof txn->path, "%s/%s", txn->parent, txn->name) >= sizeof txn->path ||
      (size_t)snprintf(txn->tmp, sizeof txn->tmp, "%s/.%s.vfe-tmp-XXXXXX", txn->parent, txn->name) >= sizeof txn->tmp)
    return VfeFail(msg, len, ENAMETOOLONG, "output directory '%s' is too long", txn->dir);
  /* before anything is created beside it: a file, a device or a link to one is not a directory */
  exists = !stat(txn->path, &st);
  if (exists && !S_ISDIR(st.st_mode))
    return VfeFail(msg, len, ENOTDIR, "output directory '%s' exists and is not a directory", txn->dir);
  if (!exists && (err = VfeMkdirP(txn->parent)))
    return VfeFail(msg, len, err, "output_dir '%s' cannot be created: %s", txn->dir, strerror(err));
  if (!exists && (stat(txn->parent, &st) || !S_ISDIR(st.st_mode)))
    return VfeFail(msg, len, ENOTDIR, "output_dir '%s' cannot be created: '%s' is not a directory", txn->dir,
                   txn->parent);
  if ((err = VfeLockTake(txn->parent, txn->name, lock, sizeof lock, &txn->lock)))
    return VfeLockFail(msg, len, err, txn->dir, lock);
  /* holding the lock: the earlier result, as it is now */
  exists = !lstat(txn->path, &st);
  if (exists && !S_ISDIR(st.st_mode))
    return VfeFail(msg, len, ENOTDIR, "output directory '%s' exists and is not a directory", txn->dir);
  VfeDirTxnRemoveStale(txn, exists);
  if (exists && (err = VfeDirTxnScan(txn, keep, -1, msg, len))) return err;
  txn->existed = exists ? PETSC_TRUE : PETSC_FALSE;
  if (exists)
    mode = st.st_mode & 07777;
  else {
    mode = umask(0);
    umask(mode);
    mode = 0777 & ~mode;
  }
  if (!mkdtemp(txn->tmp)) {
    err         = errno;
    txn->tmp[0] = 0;
    return VfeFail(msg, len, err, "output directory '%s': cannot create a temporary directory beside it: %s", txn->dir,
                   strerror(err));
  }
  if (chmod(txn->tmp, mode)) {
    err = errno;
    (void)VfeRemoveAt(AT_FDCWD, txn->tmp, 0);
    txn->tmp[0] = 0;
    return VfeFail(msg, len, err, "output directory '%s': cannot set the mode of %s: %s", txn->dir, txn->tmp,
                   strerror(err));
  }
  return 0;
}

PetscErrorCode VfeDirTxnBegin(MPI_Comm comm, const char *dir, const char *const *owned, const char *keep,
                              VfeDirTxn *txn)
{
  int err               = 0;
  char msg[VFE_MSG_LEN] = "";

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(txn, sizeof *txn));
  txn->lock  = -1;
  txn->owned = owned;
  PetscCallMPI(MPI_Comm_rank(comm, &txn->rank));
  PetscCall(PetscStrncpy(txn->dir, dir, sizeof txn->dir));
  if (!txn->rank && (err = VfeDirTxnBeginLocal(txn, keep, msg, sizeof msg))) {
    VfeDirUnlock(&txn->lock);
    txn->tmp[0] = 0;
  }
  PetscCall(VfeBcastOutcome(comm, err, msg, sizeof msg));
  PetscCallMPI(MPI_Bcast(txn->tmp, sizeof txn->tmp, MPI_CHAR, 0, comm));
  PetscCallMPI(MPI_Bcast(&txn->existed, 1, VFE_MPI_BOOL, 0, comm));
  PetscFunctionReturn(0);
}

/* fsync every regular file directly in the directory at path, then the directory: 0 or the errno
 * (a write the kernel could only fail now, e.g. a full disk on a network file system). */
static int VfeSyncDir(const char *path)
{
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err = 0;
  DIR *d;
  struct dirent *e;
  struct stat st;

  if (fd < 0) return errno;
  if (!(d = fdopendir(fd))) {
    err = errno;
    close(fd);
    return err;
  }
  while (!err && (e = readdir(d))) {
    int f;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode)) continue;
    if ((f = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
      err = errno;
    else {
      if (fsync(f) && errno != EINVAL) err = errno; /* EINVAL: a file system that cannot sync */
      if (close(f) && !err) err = errno;
    }
  }
  if (!err && fsync(dirfd(d)) && errno != EINVAL) err = errno;
  closedir(d);
  return err;
}

/* Rank 0: the commit; on success txn->tmp is "" (moved into place). */
static int VfeDirTxnCommitLocal(VfeDirTxn *txn, char *msg, size_t len)
{
  char old[PETSC_MAX_PATH_LEN] = "";
  struct stat st;
  int err, exists, fd;

  if ((err = VfeSyncDir(txn->tmp)))
    return VfeFail(msg, len, err, "output directory '%s': the new result could not be written to disk: %s", txn->dir,
                   strerror(err));
  exists = !lstat(txn->path, &st);
  if (exists && !S_ISDIR(st.st_mode))
    return VfeFail(msg, len, ENOTDIR, "output directory '%s' exists and is not a directory", txn->dir);
  if (exists) {
    fd = open(txn->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return VfeFail(msg, len, errno, "output directory '%s': %s: %s", txn->dir, txn->tmp, strerror(errno));
    err = VfeDirTxnScan(txn, NULL, fd, msg, len);
    close(fd);
    if (err) return err;
  }
  if (!exists) {
    if (rename(txn->tmp, txn->path))
      return VfeFail(msg, len, errno, "output directory '%s': cannot move the new result into place: %s", txn->dir,
                     strerror(errno));
  } else {
    int swapped = 0;
#if defined(RENAME_EXCHANGE)
    if (!VfeDirTxnFallback) {
      if (!renameat2(AT_FDCWD, txn->tmp, AT_FDCWD, txn->path, RENAME_EXCHANGE)) {
        swapped = 1;
        snprintf(old, sizeof old, "%s", txn->tmp); /* the earlier result now sits at the temporary name */
      } else if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return VfeFail(msg, len, errno, "output directory '%s': cannot swap in the new result: %s", txn->dir,
                       strerror(errno));
    }
#endif
    if (!swapped) { /* the file system cannot exchange: the old tree aside, then the new one in */
      if ((size_t)snprintf(old, sizeof old, "%s/.%s.vfe-old-%s", txn->parent, txn->name,
                           txn->tmp + strlen(txn->tmp) - 6) >= sizeof old)
        return VfeFail(msg, len, ENAMETOOLONG, "output directory '%s' is too long", txn->dir);
      if (rename(txn->path, old))
        return VfeFail(msg, len, errno, "output directory '%s': cannot move the earlier result aside: %s", txn->dir,
                       strerror(errno));
      if (rename(txn->tmp, txn->path)) {
        err = errno;
        if (rename(old, txn->path))
          return VfeFail(msg, len, err,
                         "output directory '%s': cannot move the new result into place (%s), and the earlier "
                         "result stays at %s",
                         txn->dir, strerror(err), old);
        return VfeFail(msg, len, err, "output directory '%s': cannot move the new result into place: %s", txn->dir,
                       strerror(err));
      }
    }
  }
  txn->tmp[0] = 0; /* in place: nothing to remove on the way out */
  if ((fd = open(txn->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) { /* the renames to disk, best effort */
    (void)fsync(fd);
    close(fd);
  }
  if (old[0]) (void)VfeRemoveAt(AT_FDCWD, old, 0); /* best effort: a later run removes what is left */
  return 0;
}

PetscErrorCode VfeDirTxnCommit(MPI_Comm comm, VfeDirTxn *txn)
{
  int err               = 0;
  char msg[VFE_MSG_LEN] = "";

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Barrier(comm)); /* every rank has written and closed its files */
  if (!txn->rank) {
    err = VfeDirTxnCommitLocal(txn, msg, sizeof msg);
    VfeDirTxnAbort(txn); /* removes what is left of the new tree after a failure, releases the lock */
  }
  txn->tmp[0] = 0;
  PetscCall(VfeBcastOutcome(comm, err, msg, sizeof msg));
  PetscFunctionReturn(0);
}

void VfeDirTxnAbort(VfeDirTxn *txn)
{
  if (!txn->rank && txn->tmp[0]) (void)VfeRemoveAt(AT_FDCWD, txn->tmp, 0);
  txn->tmp[0] = 0;
  VfeDirUnlock(&txn->lock);
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
