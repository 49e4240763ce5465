/*
 * region.c - parse and format region names <lvl>.<tissue> (vferegion.h).
 */
#include "vferegion.h"
#include <string.h>

const char *const VfeLevelNames[VFE_NLEVELS] = {"T12", "L1", "L2", "L3", "L4", "L5"};

PetscInt VfeLevelIndex(const char *level)
{
  for (PetscInt i = 0; i < VFE_NLEVELS; ++i)
    if (level && !strcmp(level, VfeLevelNames[i])) return i;
  return -1;
}

const char *VfeRegionTissue(const char *name)
{
  const char *dot = strrchr(name, '.');
  return dot ? dot + 1 : name;
}

PetscBool VfeRegionSplit(const char *name, char *level, size_t len, const char **tissue)
{
  const char *dot = strrchr(name, '.');
  size_t n        = dot ? (size_t)(dot - name) : 0;
  if (len) {
    if (n >= len) n = len - 1;
    memcpy(level, name, n);
    level[n] = 0;
  }
  if (tissue) *tissue = dot ? dot + 1 : name;
  return dot ? PETSC_TRUE : PETSC_FALSE;
}

PetscBool VfeRegionIs(const char *name, const char *level, const char *tissue)
{
  const char *dot = strrchr(name, '.');
  size_t n        = strlen(level);
  return dot && (size_t)(dot - name) == n && !strncmp(name, level, n) && !strcmp(dot + 1, tissue) ? PETSC_TRUE
                                                                                                  : PETSC_FALSE;
}

PetscBool VfeRegionSameLevel(const char *a, const char *b)
{
  const char *da = strrchr(a, '.'), *db = strrchr(b, '.');
  return da && db && da - a == db - b && da > a && !strncmp(a, b, (size_t)(da - a)) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode VfeRegionFormat(char *buf, size_t len, const char *level, const char *tissue)
{
  PetscFunctionBeginUser;
  PetscCheck(strlen(level) + strlen(tissue) + 2 <= len, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "region name '%s.%s' is too long (at most %d characters)", level, tissue, (int)len - 1);
  PetscCall(PetscSNPrintf(buf, len, "%s.%s", level, tissue));
  PetscFunctionReturn(0);
}
