/*
 * test_file.c - util/file.c as a unit (issue 8, B.1, B.6): the atomic writer's .part is created
 * exclusively and never through a planted symbolic link, a stale regular .part is replaced, a write
 * beyond the file size limit (a full disk, simulated) publishes nothing, the output directory's lock
 * (beside the directory) refuses a second holder, and the output directory transaction (VfeDirTxn*):
 * a commit replaces the directory as a whole (keeping files vfe did not write), an abort leaves it as
 * it was, with and without RENAME_EXCHANGE; stale temporary directories are removed; a directory that
 * cannot be replaced safely is refused before anything is written.
 *
 *   test_file WORKDIR      (an empty or missing directory; the checks write below it)
 */
#define _GNU_SOURCE /* nftw */
#include "vfefile.h"
#include "vfetest.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static void WriteText(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static int HasText(const char *path, const char *text)
{
  char buf[256] = "";
  FILE *f       = fopen(path, "r");
  size_t n;
  if (!f) return 0;
  n      = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  return !strcmp(buf, text);
}

/* The number of entries of dir whose name starts with prefix. */
static int CountEntries(const char *dir, const char *prefix)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (!d) return -1;
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, prefix, strlen(prefix))) ++n;
  closedir(d);
  return n;
}

static int RemoveEntry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st, (void)flag, (void)ftw;
  return remove(path) && errno != ENOENT;
}

/* path = dir/name, written with text (a file of the earlier result). */
static void Put(const char *dir, const char *name, const char *text)
{
  char path[PETSC_MAX_PATH_LEN];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  WriteText(path, text);
}

static int Has(const char *dir, const char *name, const char *text)
{
  char path[PETSC_MAX_PATH_LEN];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return text ? HasText(path, text) : access(path, F_OK) == 0;
}

static const char *const owned[] = {"summary.json", "metrics.csv", "mesh.msh", NULL};

/* The transaction: commit, keep, abort, stale temporary directories, refusals (see the file top). */
static void TestTransaction(const char *top)
{
  char dir[1100], t[1200], p[PETSC_MAX_PATH_LEN], victim[PETSC_MAX_PATH_LEN], cwd[PETSC_MAX_PATH_LEN];
  VfeDirTxn txn;
  PetscErrorCode ierr;
  struct stat st, st2;
  int lock = -1;

  snprintf(dir, sizeof dir, "%.1000s/txn", top);
  nftw(dir, RemoveEntry, 16, FTW_DEPTH | FTW_PHYS); /* a fresh start */
  VfeTestCheck(VfeMkdirP(dir) == 0, "transaction work directory created");

  /* a new directory: nothing there until the commit, then exactly the new files */
  snprintf(t, sizeof t, "%s/t1", dir);
  ierr = VfeDirTxnBegin(PETSC_COMM_SELF, t, owned, NULL, &txn);
  VfeTestCheck(!ierr && txn.tmp[0] && !txn.existed, "VfeDirTxnBegin on a new directory");
  VfeTestCheck(CountEntries(dir, ".t1.vfe-tmp-") == 1 && access(t, F_OK) != 0,
               "the run writes into .t1.vfe-tmp-XXXXXX beside it; t1 does not exist yet");
  VfeTestCheck(VfeDirLock(PETSC_COMM_SELF, t, &lock) == PETSC_ERR_FILE_WRITE,
               "while the transaction runs, the directory's lock is held (a second run exits 3)");
  Put(txn.tmp, "summary.json", "new\n");
  ierr = VfeDirTxnCommit(PETSC_COMM_SELF, &txn);
  VfeTestCheck(!ierr && Has(t, "summary.json", "new\n"), "the commit puts the new directory in place");
  VfeTestCheck(CountEntries(dir, ".t1.vfe-") == 0, "nothing left beside it but the lock file");
  {
    mode_t mask = umask(0);
    umask(mask);
    VfeTestCheck(!stat(t, &st) && (st.st_mode & 0777) == (0777 & ~mask), "it has the mode mkdir gives");
  }
  ierr = VfeDirLock(PETSC_COMM_SELF, t, &lock);
  VfeTestCheck(!ierr && lock >= 0, "the commit released the lock");
  VfeDirUnlock(&lock);

  /* an earlier result: vfe's files replaced or dropped, other files kept, stale .part dropped */
  Put(t, "metrics.csv", "old metrics\n");
  Put(t, "notes.txt", "my notes\n");
  Put(t, "x.json.part", "stale\n");
  Put(t, "mesh.msh", "the mesh read\n");
  snprintf(p, sizeof p, "%s/mesh.msh", t);
  stat(p, &st2);
  chmod(t, 0750);
  ierr = VfeDirTxnBegin(PETSC_COMM_SELF, t, owned, p, &txn);
  VfeTestCheck(!ierr && txn.existed, "VfeDirTxnBegin on an earlier result");
  Put(txn.tmp, "summary.json", "newer\n");
  ierr = VfeDirTxnCommit(PETSC_COMM_SELF, &txn);
  VfeTestCheck(!ierr && Has(t, "summary.json", "newer\n"), "commit: summary.json is the new one");
  VfeTestCheck(!Has(t, "metrics.csv", NULL), "commit: an earlier vfe output the run did not write is gone");
  VfeTestCheck(Has(t, "notes.txt", "my notes\n"), "commit: a file vfe did not write is kept");
  VfeTestCheck(!Has(t, "x.json.part", NULL), "commit: a stale .part is gone");
  VfeTestCheck(!stat(p, &st) && st.st_ino == st2.st_ino && Has(t, "mesh.msh", "the mesh read\n"),
               "commit: the mesh the run read from the directory is kept (the same file)");
  VfeTestCheck(!stat(t, &st) && (st.st_mode & 0777) == 0750, "commit: the directory keeps its mode");
  VfeTestCheck(CountEntries(dir, ".t1.vfe-") == 0, "commit: the old tree is removed");

  /* abort: the earlier result exactly as it was, nothing beside it */
  ierr = VfeDirTxnBegin(PETSC_COMM_SELF, t, owned, NULL, &txn);
  Put(txn.tmp, "summary.json", "never\n");
  Put(txn.tmp, "mesh.msh", "never\n");
  VfeDirTxnAbort(&txn);
  VfeDirTxnAbort(&txn); /* twice is safe */
  VfeTestCheck(!ierr && Has(t, "summary.json", "newer\n") && Has(t, "mesh.msh", "the mesh read\n") &&
                   !Has(t, "metrics.csv", NULL) && CountEntries(t, "") == 5,
               "abort: the earlier result is as it was (same files, same contents)");
  VfeTestCheck(CountEntries(dir, ".t1.vfe-") == 0, "abort: the temporary directory is removed");
  ierr = VfeDirLock(PETSC_COMM_SELF, t, &lock);
  VfeTestCheck(!ierr && lock >= 0, "abort released the lock");
  VfeDirUnlock(&lock);

  /* a killed run's temporary directory (with a link out of it) is removed by the next run; a look-alike stays */
  snprintf(victim, sizeof victim, "%s/victim.txt", dir);
  WriteText(victim, "original\n");
  snprintf(p, sizeof p, "%s/.t1.vfe-tmp-Ab12Cd", dir);
  VfeMkdirP(p);
  Put(p, "fields.hdf.part", "partial\n");
  snprintf(p, sizeof p, "%s/.t1.vfe-tmp-Ab12Cd/link", dir);
  VfeTestCheck(symlink(victim, p) == 0, "a link planted in a stale temporary directory");
  snprintf(p, sizeof p, "%s/.t1.vfe-tmp-notmine", dir);
  VfeMkdirP(p);
  ierr = VfeDirTxnBegin(PETSC_COMM_SELF, t, owned, NULL, &txn);
  VfeTestCheck(!ierr && CountEntries(dir, ".t1.vfe-tmp-Ab12Cd") == 0, "a stale temporary directory is removed");
  VfeTestCheck(HasText(victim, "original\n"), "a link in it is removed, not followed");
  VfeTestCheck(CountEntries(dir, ".t1.vfe-tmp-notmine") == 1, "a name that is not a vfe temporary one stays");
  rmdir(p);

  /* the commit without RENAME_EXCHANGE: aside, in, old removed */
  VfeDirTxnFallback = 1;
  Put(txn.tmp, "summary.json", "fallback\n");
  ierr              = VfeDirTxnCommit(PETSC_COMM_SELF, &txn);
  VfeDirTxnFallback = 0;
  VfeTestCheck(!ierr && Has(t, "summary.json", "fallback\n") && Has(t, "notes.txt", "my notes\n") &&
                   CountEntries(dir, ".t1.vfe-") == 0,
               "the fallback commit (rename aside, rename in) gives the same result");

  /* a symbolic link to the output directory: the directory it names is replaced, the link stays */
  snprintf(p, sizeof p, "%s/lnk", dir);
  unlink(p);
  VfeTestCheck(symlink("t1", p) == 0, "a symbolic link lnk -> t1");
  ierr = VfeDirTxnBegin(PETSC_COMM_SELF, p, owned, NULL, &txn);
  if (!ierr) {
    Put(txn.tmp, "summary.json", "through link\n");
    ierr = VfeDirTxnCommit(PETSC_COMM_SELF, &txn);
  }
  VfeTestCheck(!ierr && !lstat(p, &st) && S_ISLNK(st.st_mode) && Has(t, "summary.json", "through link\n"),
               "through a link: the linked directory is replaced, the link is still a link");

  /* refused before anything is written: exit 3, no temporary directory */
  snprintf(p, sizeof p, "%s/sub", t);
  VfeMkdirP(p);
  ierr = VfeDirTxnBegin(PETSC_COMM_SELF, t, owned, NULL, &txn);
  VfeTestCheck(ierr == PETSC_ERR_FILE_WRITE && CountEntries(dir, ".t1.vfe-tmp-") == 0,
               "a directory holding a subdirectory vfe did not write is refused (exit 3)");
  rmdir(p);
  snprintf(p, sizeof p, "%s/afile", dir);
  WriteText(p, "x");
  ierr = VfeDirTxnBegin(PETSC_COMM_SELF, p, owned, NULL, &txn);
  VfeTestCheck(ierr == PETSC_ERR_FILE_WRITE && CountEntries(dir, ".afile.") == 0,
               "a file as output directory is refused, no lock file made beside it");
  snprintf(p, sizeof p, "%s/.t2.vfe.lock", dir);
  VfeTestCheck(symlink(victim, p) == 0, "a link planted at .t2.vfe.lock");
  snprintf(p, sizeof p, "%s/t2", dir);
  ierr = VfeDirTxnBegin(PETSC_COMM_SELF, p, owned, NULL, &txn);
  VfeTestCheck(ierr == PETSC_ERR_FILE_WRITE && HasText(victim, "original\n"),
               "a link planted at the lock file is not opened (exit 3)");
  if (getcwd(cwd, sizeof cwd) && !chdir(t)) {
    ierr = VfeDirTxnBegin(PETSC_COMM_SELF, ".", owned, NULL, &txn);
    VfeTestCheck(ierr == PETSC_ERR_FILE_WRITE, "the working directory (or one holding it) is refused");
    if (!ierr) VfeDirTxnAbort(&txn);
    if (chdir(cwd)) VfeTestCheck(0, "back to the working directory");
  }
  {
    char longdir[3000];
    memset(longdir, 'o', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = 0;
    ierr                        = VfeDirTxnBegin(PETSC_COMM_SELF, longdir, owned, NULL, &txn);
    VfeTestCheck(ierr == PETSC_ERR_FILE_WRITE, "an output directory over 2048 characters is refused (exit 3)");
  }
}

/* A write beyond the file size limit (as a full disk) fails at the commit and publishes nothing. */
static void TestFull(const char *dir)
{
  char path[PETSC_MAX_PATH_LEN], part[PETSC_MAX_PATH_LEN], block[4096];
  struct rlimit old, lim;
  VfeAtomicFile af;
  PetscErrorCode ierr;

  snprintf(path, sizeof path, "%s/full.txt", dir);
  snprintf(part, sizeof part, "%s/full.txt.part", dir);
  memset(block, 'x', sizeof block);
  signal(SIGXFSZ, SIG_IGN);
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old, lim.rlim_cur = 20000;
  VfeTestCheck(!setrlimit(RLIMIT_FSIZE, &lim), "file size limit set to 20000 bytes");
  ierr = VfeAtomicOpen(path, &af);
  if (!ierr) {
    for (int i = 0; i < 10; ++i) fwrite(block, 1, sizeof block, af.f);
    ierr = VfeAtomicCommit(&af);
  }
  setrlimit(RLIMIT_FSIZE, &old);
  VfeTestCheck(ierr == PETSC_ERR_FILE_WRITE, "a write past the limit fails the commit (exit 3)");
  VfeTestCheck(access(path, F_OK) != 0 && access(part, F_OK) != 0, "nothing published, no .part left");
}

int main(int argc, char **argv)
{
  char dir[1024], victim[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN], part[PETSC_MAX_PATH_LEN];
  VfeAtomicFile af;
  PetscErrorCode ierr;
  struct stat st;
  int lock1 = -1, lock2 = -1;

  if (argc < 2) {
    fprintf(stderr, "usage: test_file WORKDIR\n");
    return 1;
  }
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  snprintf(dir, sizeof dir, "%.1000s", argv[1]);
  VfeTestCheck(VfeMkdirP(dir) == 0, "work directory created");
  snprintf(victim, sizeof victim, "%s/victim.txt", dir);
  snprintf(path, sizeof path, "%s/out.txt", dir);
  snprintf(part, sizeof part, "%s/out.txt.part", dir);
  unlink(part);
  unlink(path);

  /* a planted symbolic link at the .part name is not written through */
  WriteText(victim, "original\n");
  VfeTestCheck(symlink("victim.txt", part) == 0, "symbolic link planted at out.txt.part");
  ierr = VfeAtomicOpen(path, &af);
  VfeTestCheck(ierr == PETSC_ERR_FILE_WRITE, "VfeAtomicOpen refuses a .part that is a symbolic link (exit 3)");
  if (!ierr) {
    fputs("overwritten\n", af.f);
    (void)VfeAtomicCommit(&af);
  } else
    VfeAtomicAbort(&af); /* must not remove the link it did not create */
  VfeTestCheck(HasText(victim, "original\n"), "the link's target keeps its contents");
  VfeTestCheck(!lstat(part, &st) && S_ISLNK(st.st_mode), "the link is left alone (not removed, not replaced)");
  VfeTestCheck(access(path, F_OK) != 0, "no out.txt published");
  VfeTestCheck(VfeFilePartClaim(part) == EEXIST, "VfeFilePartClaim refuses the link too (EEXIST)");
  VfeTestCheck(HasText(victim, "original\n"), "the link's target still keeps its contents");
  unlink(part);

  /* a dangling link (to a file that does not exist yet) does not create its target either */
  VfeTestCheck(symlink("created_through_link.txt", part) == 0, "dangling symbolic link planted");
  ierr = VfeAtomicOpen(path, &af);
  if (!ierr) (void)VfeAtomicCommit(&af);
  snprintf(victim, sizeof victim, "%s/created_through_link.txt", dir);
  VfeTestCheck(ierr == PETSC_ERR_FILE_WRITE && access(victim, F_OK) != 0,
               "a dangling link is refused and its target not created");
  unlink(part);

  /* a stale regular .part (a killed run's) is replaced */
  WriteText(part, "stale junk from a killed run, longer than the new contents\n");
  ierr = VfeAtomicOpen(path, &af);
  VfeTestCheck(!ierr, "VfeAtomicOpen replaces a stale regular .part");
  if (!ierr) {
    fputs("new\n", af.f);
    ierr = VfeAtomicCommit(&af);
    VfeTestCheck(!ierr && HasText(path, "new\n"), "out.txt holds exactly the new contents");
    VfeTestCheck(access(part, F_OK) != 0, "no .part left after the commit");
  }
  WriteText(part, "stale\n");
  VfeTestCheck(VfeFilePartClaim(part) == 0 && !stat(part, &st) && st.st_size == 0,
               "VfeFilePartClaim replaces a stale regular .part with an empty one");
  unlink(part);

  /* the directory lock: a second holder (another open file description, as another process) is refused */
  ierr = VfeDirLock(PETSC_COMM_SELF, dir, &lock1);
  VfeTestCheck(!ierr && lock1 >= 0, "first VfeDirLock takes the lock");
  ierr = VfeDirLock(PETSC_COMM_SELF, dir, &lock2);
  VfeTestCheck(ierr == PETSC_ERR_FILE_WRITE && lock2 < 0,
               "a second VfeDirLock on the same directory is refused (exit 3)");
  VfeDirUnlock(&lock1);
  VfeTestCheck(lock1 == -1, "VfeDirUnlock resets the descriptor");
  ierr = VfeDirLock(PETSC_COMM_SELF, dir, &lock2);
  VfeTestCheck(!ierr && lock2 >= 0, "after the release the lock can be taken again");
  VfeDirUnlock(&lock2);
  {
    char lockpath[PETSC_MAX_PATH_LEN], ldir[1100];
    snprintf(ldir, sizeof ldir, "%s/linked", dir);
    VfeMkdirP(ldir);
    snprintf(lockpath, sizeof lockpath, "%s/.linked.vfe.lock", dir);
    unlink(lockpath);
    snprintf(victim, sizeof victim, "%s/victim.txt", dir);
    VfeTestCheck(symlink("victim.txt", lockpath) == 0, "symbolic link planted at .linked.vfe.lock");
    ierr = VfeDirLock(PETSC_COMM_SELF, ldir, &lock1);
    VfeTestCheck(ierr == PETSC_ERR_FILE_WRITE && lock1 < 0,
                 "VfeDirLock does not open a lock file (beside the directory) that is a link");
    VfeDirUnlock(&lock1);
  }

  TestTransaction(dir);
  TestFull(dir);

  PetscPopErrorHandler();
  PetscFinalize();
  return VfeTestSummary();
}
