/*
 * test_file.c - util/file.c as a unit (issue 8, B.1): the atomic writer's .part is created
 * exclusively and never through a planted symbolic link, a stale regular .part is replaced, and the
 * output directory's lock refuses a second holder.
 *
 *   test_file WORKDIR      (an empty or missing directory; the checks write below it)
 */
#include "vfefile.h"
#include "vfetest.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
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
    snprintf(lockpath, sizeof lockpath, "%s/.vfe.lock", ldir);
    unlink(lockpath);
    snprintf(victim, sizeof victim, "%s/victim.txt", dir);
    VfeTestCheck(symlink("../victim.txt", lockpath) == 0, "symbolic link planted at .vfe.lock");
    ierr = VfeDirLock(PETSC_COMM_SELF, ldir, &lock1);
    VfeTestCheck(ierr == PETSC_ERR_FILE_WRITE && lock1 < 0, "VfeDirLock does not open a .vfe.lock that is a link");
    VfeDirUnlock(&lock1);
  }

  PetscPopErrorHandler();
  PetscFinalize();
  return VfeTestSummary();
}
