/*
 * vferegion.h - the region-name convention of DESIGN.md, in one place.
 *
 * A region of a vertebral segment is named <lvl>.<tissue>: the level (T12, L1..L5) or the disc
 * (L1L2, ...) before the last '.', the tissue after it (cortical, cancellous, endplate_sup,
 * endplate_inf, posterior, facet_sup, facet_inf, cement, cement_leak, nucleus, annulus; body and disc in the simple
 * geometry).  A name without a '.' (a generic mesh: "shell", "lower") has no level and is its own
 * tissue.  Levels run cranial to caudal in VfeLevelNames order.
 */
#pragma once
#include <petscsys.h>

#define VFE_NLEVELS 6
#define VFE_REGION_LEN 64 /* a region name and its terminating zero (VFE_NAME_LEN of vfemesh.h) */
PETSC_EXTERN const char *const VfeLevelNames[VFE_NLEVELS]; /* T12, L1, ..., L5 */

/* Index of a level name in VfeLevelNames, or -1. */
PETSC_EXTERN PetscInt VfeLevelIndex(const char *level);
/* The tissue of a region name: after the last '.', or the whole name. */
PETSC_EXTERN const char *VfeRegionTissue(const char *name);
/* Split name into its level (copied, "" when there is no '.') and tissue; PETSC_TRUE if it has a level. */
PETSC_EXTERN PetscBool VfeRegionSplit(const char *name, char *level, size_t len, const char **tissue);
/* PETSC_TRUE if name is <level>.<tissue> exactly. */
PETSC_EXTERN PetscBool VfeRegionIs(const char *name, const char *level, const char *tissue);
/* PETSC_TRUE if both names have the same (non-empty) level. */
PETSC_EXTERN PetscBool VfeRegionSameLevel(const char *a, const char *b);
/* <level>.<tissue> into buf; an error if it does not fit. */
PETSC_EXTERN PetscErrorCode VfeRegionFormat(char *buf, size_t len, const char *level, const char *tissue);
