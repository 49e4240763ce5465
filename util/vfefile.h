/*
 * vfefile.h - file output, one way for every writer in vfe.
 *
 * Atomic output: a file is written under a temporary name <path>.part (the writer may need a
 * suffix after it, e.g. Gmsh picks the format from ".msh") and renamed to <path> only when it is
 * complete and every write and the close succeeded, so an interrupted run never leaves a
 * complete-looking file.  The .part is created exclusively and never through a symbolic link.  A run's
 * output directory is one transaction (VfeDirTxn*): written beside it, swapped in when complete.
 * Directories are created like `mkdir -p`.  Files are identified in manifests by the FNV-1a 64 hash of
 * their bytes.
 */
#pragma once
#include <petscsys.h>
#include <limits.h>
#include <stdio.h>

/* A stdio file being written atomically. */
typedef struct {
  FILE *f; /* write here */
  char path[PETSC_MAX_PATH_LEN], part[PETSC_MAX_PATH_LEN];
} VfeAtomicFile;

/* Open <path>.part for writing, created exclusively (O_EXCL | O_NOFOLLOW) after removing a stale
 * regular file of that name; error (PETSC_ERR_FILE_WRITE) naming it if it cannot be created, e.g.
 * when a symbolic link is there (never followed, never removed). */
PETSC_EXTERN PetscErrorCode VfeAtomicOpen(const char *path, VfeAtomicFile *af);
/* Check every write and the close, then rename <path>.part to <path>; on failure the .part is removed. */
PETSC_EXTERN PetscErrorCode VfeAtomicCommit(VfeAtomicFile *af);
/* Give up: close and remove <path>.part (no error). */
PETSC_EXTERN void VfeAtomicAbort(VfeAtomicFile *af);

/* For writers that create the file themselves (HDF5, Gmsh): the temporary name <path>.part<suffix>
 * (suffix may be NULL), and the rename into place (an error naming both). */
PETSC_EXTERN PetscErrorCode VfeFilePartName(const char *path, const char *suffix, char *part, size_t len);
PETSC_EXTERN PetscErrorCode VfeFilePublish(const char *part, const char *path);
/* Create part exclusively as VfeAtomicOpen does, and close it, for a writer that then opens it by name
 * (HDF5, Gmsh, gnuplot): 0, or the errno (EEXIST: something not a regular file is there). */
PETSC_EXTERN int VfeFilePartClaim(const char *part);
/* The rename alone, for a collective writer that renames on one rank: 0 or errno. */
PETSC_EXTERN int VfeFileRename(const char *part, const char *path);

/* mkdir -p on the calling process: 0 or the errno of the failing step. */
PETSC_EXTERN int VfeMkdirP(const char *dir);
/* The lock of an output directory <parent>/<name>: flock(LOCK_EX | LOCK_NB) on <parent>/.<name>.vfe.lock
 * (beside the directory, since a run swaps the directory itself; created O_CREAT | O_NOFOLLOW |
 * O_CLOEXEC, it stays behind, empty) on rank 0 of comm; *fd is its descriptor there, -1 on the other
 * ranks.  "." and ".." and a symbolic link as the last component are resolved first.  Collective.  An
 * error PETSC_ERR_FILE_WRITE (exit 3) naming dir when another process holds the lock or it cannot be
 * taken. */
PETSC_EXTERN PetscErrorCode VfeDirLock(MPI_Comm comm, const char *dir, int *fd);
/* Release the lock (close the descriptor); fd becomes -1.  Safe on -1. */
PETSC_EXTERN void VfeDirUnlock(int *fd);

/* A run's output directory as a transaction: every file goes into a new temporary directory beside it,
 * which replaces the directory as a whole only when every file is complete.  A failed or killed run
 * leaves the earlier result exactly as it was.  See file.c for the invariants. */
typedef struct {
  char dir[PETSC_MAX_PATH_LEN];    /* the output directory as given (messages and records name it) */
  char parent[PETSC_MAX_PATH_LEN]; /* rank 0: where it lives (resolved when it is ".", ".." or a link) */
  char name[NAME_MAX + 1];         /* rank 0: its last component */
  char path[PETSC_MAX_PATH_LEN];   /* rank 0: <parent>/<name>, what the new tree replaces */
  char tmp[PETSC_MAX_PATH_LEN];    /* every rank: <parent>/.<name>.vfe-tmp-XXXXXX, where the run writes */
  char keep[NAME_MAX + 1];         /* rank 0: an entry of the earlier result that the new one keeps */
  const char *const *owned;        /* the names vfe writes there (NULL-terminated): replaced, not kept */
  PetscBool existed;               /* every rank: the directory existed when the run began */
  PetscMPIInt rank;
  int lock; /* rank 0: the lock's descriptor (VfeDirLock's lock) */
} VfeDirTxn;

/* Begin writing the output directory dir (collective): check it (at most 2048 characters; if it
 * exists: a directory, not a mount point, not holding the working directory, no subdirectory that
 * vfe did not write), create its parent (mkdir -p), take its lock, remove temporary directories that
 * killed runs into it left, and create txn->tmp.  owned: the names vfe writes into such a directory
 * (an earlier result's entries of those names are replaced, any other file or link is kept in the new
 * result by a hard link).  keep (may be NULL): a file the run reads, e.g. its mesh; when it is an entry
 * of the earlier result it is kept as well.  Errors PETSC_ERR_FILE_WRITE (exit 3), one message naming
 * dir; nothing is held then. */
PETSC_EXTERN PetscErrorCode VfeDirTxnBegin(MPI_Comm comm, const char *dir, const char *const *owned, const char *keep,
                                           VfeDirTxn *txn);
/* Commit (collective, after every rank has closed its files): fsync the new files, keep the earlier
 * result's other entries, swap the new tree in (renameat2 RENAME_EXCHANGE, or rename aside and in where
 * the file system cannot exchange), remove the old tree, release the lock.  On an error (exit 3) the
 * earlier result is as it was and the temporary directory is removed. */
PETSC_EXTERN PetscErrorCode VfeDirTxnCommit(MPI_Comm comm, VfeDirTxn *txn);
/* Give up (any rank, not collective, no error): rank 0 removes the temporary directory (best effort)
 * and releases the lock.  Safe after a commit and twice. */
PETSC_EXTERN void VfeDirTxnAbort(VfeDirTxn *txn);
/* For tests: 1 makes the commit use the fallback (rename aside, rename in) instead of RENAME_EXCHANGE. */
PETSC_EXTERN int VfeDirTxnFallback;

/* PETSC_TRUE if path can be opened for reading. */
PETSC_EXTERN PetscBool VfeFileReadable(const char *path);

/* One CSV field per RFC 4180: quoted when it holds a comma, a quote, CR or LF, with quotes doubled
 * (NULL: an empty field). */
PETSC_EXTERN void VfeCSVField(FILE *f, const char *s);

/* FNV-1a 64: start with VFE_FNV1A64_INIT, feed bytes. */
#define VFE_FNV1A64_INIT 1469598103934665603ULL
PETSC_EXTERN unsigned long long VfeFNV1a64(unsigned long long h, const void *buf, size_t n);
/* FNV-1a 64 of a file as 16 hex digits, "none" if it cannot be read. */
PETSC_EXTERN void VfeHashFile(const char *path, char out[17]);
