/*
 * meshkeys.c - checked reading of the mesh component's keys, and the checks a driver runs before
 * meshing.
 *
 * PETSc's getters treat a key given with an empty value as unset (the default silently wins),
 * accept "nan" and "inf", and report a malformed number without the key's name.  The readers here
 * return the value only if the key is unset or holds a finite number (an integer, a boolean);
 * anything else is one error naming the key, the value and what is allowed.  Range checks that
 * depend on other keys stay with the code that knows them (segment.c, cement.c).
 *
 * VfeMeshCheckGeometryKeys() is the pre-meshing check of a driver: values of the keys the chosen
 * geometry reads, keys it does not read, an empty mesh_file, and the predicted element count
 * against mesh_max_elements (a mesh size of 1e-3 mm would otherwise mesh for hours).
 */
#include "vfemesh.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VFE_MAX_ELEMENTS_DEFAULT 5e6

/* value of -key; *value NULL and *set FALSE when unset; empty values are an error */
static PetscErrorCode VfeMeshOptionFind(const char *key, const char *allowed, const char **value, PetscBool *set)
{
  char opt[160];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s", key));
  PetscCall(PetscOptionsFindPair(NULL, NULL, opt, value, set));
  PetscCheck(!*set || (*value && (*value)[0]), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s has an empty value: %s", key,
             allowed);
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMeshOptionReal(const char *key, const char *allowed, PetscReal *v, PetscBool *set)
{
  const char *value;
  char *end;
  double x;
  PetscBool has;

  PetscFunctionBeginUser;
  PetscCall(VfeMeshOptionFind(key, allowed, &value, &has));
  if (set) *set = has;
  if (!has) PetscFunctionReturn(0);
  errno = 0;
  x     = strtod(value, &end);
  while (*end == ' ') ++end;
  PetscCheck(end != value && !*end, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s = '%s' is not a number: %s", key, value,
             allowed);
  PetscCheck(isfinite(x) && errno != ERANGE, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "%s = %s is not a finite number: %s", key, value, allowed);
  *v = (PetscReal)x;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMeshOptionInt(const char *key, const char *allowed, PetscInt *v, PetscBool *set)
{
  const char *value;
  char *end;
  long long x;
  PetscBool has;

  PetscFunctionBeginUser;
  PetscCall(VfeMeshOptionFind(key, allowed, &value, &has));
  if (set) *set = has;
  if (!has) PetscFunctionReturn(0);
  errno = 0;
  x     = strtoll(value, &end, 10);
  while (*end == ' ') ++end;
  PetscCheck(end != value && !*end && errno != ERANGE && x >= PETSC_MIN_INT && x <= PETSC_MAX_INT, PETSC_COMM_SELF,
             PETSC_ERR_USER_INPUT, "%s = '%s' is not an integer: %s", key, value, allowed);
  *v = (PetscInt)x;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMeshOptionBool(const char *key, PetscBool *v, PetscBool *set)
{
  char opt[160];
  const char *value;
  PetscBool has;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s", key));
  PetscCall(PetscOptionsFindPair(NULL, NULL, opt, &value, &has));
  if (set) *set = has;
  if (!has) PetscFunctionReturn(0);
  if (!value) { /* a bare flag on the command line: true */
    *v = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  PetscCheck(value[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s has an empty value: allowed true or false", key);
  if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") || !strcasecmp(value, "on") || !strcmp(value, "1"))
    *v = PETSC_TRUE;
  else if (!strcasecmp(value, "false") || !strcasecmp(value, "no") || !strcasecmp(value, "off") || !strcmp(value, "0"))
    *v = PETSC_FALSE;
  else
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s = '%s' is not a boolean: allowed true or false", key, value);
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMeshCheckElementCount(PetscReal volume, PetscReal h, PetscReal per_h3, const char *geometry)
{
  PetscReal max = VFE_MAX_ELEMENTS_DEFAULT, n = per_h3 * volume / (h * h * h);

  PetscFunctionBeginUser;
  PetscCall(VfeMeshOptionReal("mesh_max_elements", "allowed 1000..1e9", &max, NULL));
  PetscCheck(max >= 1000 && max <= 1e9, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh_max_elements = %g is out of range: allowed 1000..1e9", (double)max);
  PetscCheck(n <= max, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh_size_mm = %g would make about %.3g tetrahedra on the %s geometry (%.3g mm^3), more than "
             "mesh_max_elements = %.3g: use a larger mesh_size_mm or raise mesh_max_elements",
             (double)h, (double)n, geometry, (double)volume, (double)max);
  PetscFunctionReturn(0);
}

/* keys of the segment mesher that the simple geometry does not read (segment_treated does apply:
 * it names the fractured level; cement_pattern and cement_diffuse_fraction do: the materials read
 * them for the diffuse composite) */
static PetscBool VfeNotForSimple(const char *key)
{
  if (!strcmp(key, "segment_treated") || !strcmp(key, "cement_pattern") || !strcmp(key, "cement_diffuse_fraction") ||
      !strcmp(key, "cement_material"))
    return PETSC_FALSE;
  if (!strncmp(key, "segment_", 8) || !strncmp(key, "cement_", 7)) return PETSC_TRUE;
  return (!strcmp(key, "fracture_wedge") || !strcmp(key, "mesh_threads") || !strcmp(key, "mesh_volume_mesher") ||
          !strcmp(key, "mesh_verbose"))
             ? PETSC_TRUE
             : PETSC_FALSE;
}

PetscBool VfeMeshKeyAppliesTo(const char *key, const char *geometry)
{
  return strcmp(geometry, "simple") || !VfeNotForSimple(key) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode VfeMeshCheckGeometryKeys(MPI_Comm comm, const char *geometry)
{
  const char *value;
  PetscBool set;
  PetscInt n;
  char **names, **values, bad[256] = "";
  int nbad = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsFindPair(NULL, NULL, "-mesh_file", &value, &set));
  PetscCheck(!set || (value && value[0]), comm, PETSC_ERR_USER_INPUT,
             "mesh_file has an empty value: give the path of an MSH file, or leave the key out to mesh the geometry");
  PetscCheck(!strcmp(geometry, "simple") || !strcmp(geometry, "segment"), comm, PETSC_ERR_USER_INPUT,
             "mesh_geometry: unknown value '%s' (allowed: segment, simple)", geometry);
  if (!strcmp(geometry, "simple")) {
    PetscReal h = 1.5;

    PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
    for (PetscInt i = 0; i < n; ++i)
      if (VfeNotForSimple(names[i])) {
        if (nbad++ < 4) {
          PetscCall(PetscStrlcat(bad, nbad > 1 ? ", " : "", sizeof bad));
          PetscCall(PetscStrlcat(bad, names[i], sizeof bad));
        }
      }
    PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
    PetscCheck(!nbad, comm, PETSC_ERR_USER_INPUT,
               "%s%s: %s with mesh_geometry simple (these keys are read by the segment geometry only)", bad,
               nbad > 4 ? ", ..." : "", nbad > 1 ? "do not apply" : "does not apply");
    PetscCall(VfeMeshOptionReal("mesh_size_mm", "allowed (0, 50] mm", &h, NULL));
    PetscCheck(h > 0 && h <= 50, comm, PETSC_ERR_USER_INPUT, "mesh_size_mm = %g is out of range: allowed (0, 50] mm",
               (double)h);
    /* three elliptic cylinders (22.5 x 17 mm, 26 mm) and two discs (10 mm); Gmsh makes about
       4.5 V / h^3 tetrahedra there */
    PetscCall(VfeMeshCheckElementCount(PETSC_PI * 22.5 * 17.0 * (3 * 26.0 + 2 * 10.0), h, 4.5, "simple"));
  }
  PetscFunctionReturn(0);
}
