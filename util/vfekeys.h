/*
 * vfekeys.h - how a component declares the keys it reads: one table per component, each key
 * once, with its type, unit, allowed range, default and a one-line description.
 *
 * The application aggregates the tables (app/keys.c).  The tables drive the check of every key in
 * a case file or on the command line (unknown keys, types, ranges), `vfe help`, the keys a sweep
 * may vary, and the key table of docs/user-guide.md (`vfe help --markdown`, checked by a test).
 *
 * A key name may hold placeholders: <LVL> stands for a level (T12, L1..L5), any other <...> for
 * one or more of [A-Za-z0-9_], e.g. segment_<LVL>_body_width, material_<name>_E.
 */
#pragma once
#include <petscsys.h>

typedef enum { VFE_KEY_STRING, VFE_KEY_INT, VFE_KEY_REAL, VFE_KEY_BOOL, VFE_KEY_LIST } VfeKeyType;

/* range flags: which bounds apply and whether they are open */
#define VFE_KEY_MIN 1      /* value >= min */
#define VFE_KEY_MAX 2      /* value <= max */
#define VFE_KEY_MIN_OPEN 4 /* value > min (with VFE_KEY_MIN) */
#define VFE_KEY_MAX_OPEN 8 /* value < max (with VFE_KEY_MAX) */

typedef struct {
  const char *name;    /* option name without the leading '-' (case-file key with '_' for nesting) */
  VfeKeyType type;     /* string (choices: allowed values), int, real, bool, list (comma-separated) */
  const char *unit;    /* "mm", "N", "MPa", ... or "" */
  int range;           /* VFE_KEY_* flags for int and real keys; 0: any finite number */
  PetscReal min, max;  /* the bounds the flags name */
  const char *choices; /* string keys: allowed values separated by '|', or NULL (any text) */
  const char *def;     /* the default as documented ("—": none) */
  const char *help;    /* one line (Markdown allowed: `code`) */
} VfeKey;

typedef struct {
  const char *component; /* "app", "solver", "mesh", "materials" */
  const VfeKey *keys;
  PetscInt n;
} VfeKeyTable;

/* PETSC_TRUE if the option `name` is an instance of the (possibly patterned) key name `pattern`. */
PETSC_EXTERN PetscBool VfeKeyMatch(const char *pattern, const char *name);
/* The key of table t that `name` instantiates, or NULL. */
PETSC_EXTERN const VfeKey *VfeKeyFind(const VfeKeyTable *t, const char *name);
/* Check `value` (NULL: given without a value) against the key's type, choices and range.  An error
 * (PETSC_ERR_USER_INPUT) names the option, the value and what is allowed. */
PETSC_EXTERN PetscErrorCode VfeKeyCheckValue(const VfeKey *k, const char *name, const char *value);
/* The checked readers every component uses: the value of option -name (name must be a key of table t,
 * patterns allowed), checked by VfeKeyCheckValue (empty, not a number, not finite, out of the
 * registry's range: an error naming the key and what is allowed); *set (may be NULL) says whether it
 * was given; *v is unchanged when it was not.  A bool given without a value (a bare command-line flag)
 * is true. */
PETSC_EXTERN PetscErrorCode VfeKeyGetReal(const VfeKeyTable *t, const char *name, PetscReal *v, PetscBool *set);
PETSC_EXTERN PetscErrorCode VfeKeyGetInt(const VfeKeyTable *t, const char *name, PetscInt *v, PetscBool *set);
PETSC_EXTERN PetscErrorCode VfeKeyGetBool(const VfeKeyTable *t, const char *name, PetscBool *v, PetscBool *set);
/* The allowed values of a key in words: "a real number in (0, 1]", "one of: a, b", ... */
PETSC_EXTERN PetscErrorCode VfeKeyAllowed(const VfeKey *k, char *buf, size_t len);

/* The components' tables, each defined in its component's keys.c; the application aggregates them. */
PETSC_EXTERN const VfeKeyTable VfeMeshKeys;      /* mesh/keys.c */
PETSC_EXTERN const VfeKeyTable VfeMaterialsKeys; /* materials/keys.c */
PETSC_EXTERN const VfeKeyTable VfeSolverKeys;    /* solver/keys.c */
