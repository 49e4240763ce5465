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
 * geometry reads, keys it does not read (segment_* and most cement_* with simple or ct, ct_* with
 * segment or simple), an empty mesh_file, and the predicted element count against
 * mesh_max_elements (a mesh size of 1e-3 mm would otherwise mesh for hours; the CT mesher checks
 * it once it has read the mask).
 */
#include "vfemesh.h"
#include "vfekeys.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VFE_MAX_ELEMENTS_DEFAULT 5e6

/* The mesh's checked readers: the registry's (util/vfekeys.h) with the mesh key table. */
PetscErrorCode VfeMeshOptionReal(const char *key, PetscReal *v, PetscBool *set)
{
  return VfeKeyGetReal(&VfeMeshKeys, key, v, set);
}

PetscErrorCode VfeMeshOptionInt(const char *key, PetscInt *v, PetscBool *set)
{
  return VfeKeyGetInt(&VfeMeshKeys, key, v, set);
}

PetscErrorCode VfeMeshOptionBool(const char *key, PetscBool *v, PetscBool *set)
{
  return VfeKeyGetBool(&VfeMeshKeys, key, v, set);
}

PetscErrorCode VfeMeshCheckElementCount(PetscReal volume, PetscReal h, PetscReal per_h3, const char *geometry)
{
  PetscReal max = VFE_MAX_ELEMENTS_DEFAULT, n = per_h3 * volume / (h * h * h);

  PetscFunctionBeginUser;
  PetscCall(VfeMeshOptionReal("mesh_max_elements", &max, NULL));
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
  if (!strncmp(key, "segment_", 8) || !strncmp(key, "cement_", 7) || !strncmp(key, "ct_", 3)) return PETSC_TRUE;
  return (!strcmp(key, "fracture_wedge") || !strcmp(key, "mesh_threads") || !strcmp(key, "mesh_volume_mesher") ||
          !strcmp(key, "mesh_verbose"))
             ? PETSC_TRUE
             : PETSC_FALSE;
}

/* keys that the CT geometry does not read: the parametric segment's (segment_*, fracture_wedge, cement_* but the
 * cement material, which the CT's cement region gets) and the Gmsh mesher's threads and volume mesher */
static PetscBool VfeNotForCT(const char *key)
{
  if (!strcmp(key, "cement_material")) return PETSC_FALSE;
  if (!strncmp(key, "segment_", 8) || !strncmp(key, "cement_", 7)) return PETSC_TRUE;
  return (!strcmp(key, "fracture_wedge") || !strcmp(key, "mesh_threads") || !strcmp(key, "mesh_volume_mesher"))
             ? PETSC_TRUE
             : PETSC_FALSE;
}

/* keys that the surfaces geometry does not read: ct_*, the parametric segment's morphometry and posterior elements
 * (segment_* but segment_levels and segment_treated), fracture_wedge and the Gmsh mesher's threads and volume mesher */
static PetscBool VfeNotForSurfaces(const char *key)
{
  if (!strcmp(key, "segment_levels") || !strcmp(key, "segment_treated")) return PETSC_FALSE;
  if (!strncmp(key, "segment_", 8) || !strncmp(key, "ct_", 3)) return PETSC_TRUE;
  return (!strcmp(key, "fracture_wedge") || !strcmp(key, "mesh_threads") || !strcmp(key, "mesh_volume_mesher"))
             ? PETSC_TRUE
             : PETSC_FALSE;
}

/* whether key is one that geometry does not read */
static PetscBool VfeNotFor(const char *key, const char *geometry)
{
  if (!strcmp(geometry, "simple")) return VfeNotForSimple(key);
  if (!strncmp(key, "surfaces_", 9)) return strcmp(geometry, "surfaces") ? PETSC_TRUE : PETSC_FALSE;
  if (!strcmp(geometry, "ct")) return VfeNotForCT(key);
  if (!strcmp(geometry, "surfaces")) return VfeNotForSurfaces(key);
  return strncmp(key, "ct_", 3) ? PETSC_FALSE : PETSC_TRUE; /* segment */
}

PetscBool VfeMeshKeyAppliesTo(const char *key, const char *geometry)
{
  return VfeNotFor(key, geometry) ? PETSC_FALSE : PETSC_TRUE;
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
  PetscCheck(!strcmp(geometry, "simple") || !strcmp(geometry, "segment") || !strcmp(geometry, "ct") ||
                 !strcmp(geometry, "surfaces"),
             comm, PETSC_ERR_USER_INPUT, "mesh_geometry: unknown value '%s' (allowed: segment, simple, ct, surfaces)",
             geometry);
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt i = 0; i < n; ++i)
    if (VfeNotFor(names[i], geometry)) {
      if (nbad++ < 4) {
        PetscCall(PetscStrlcat(bad, nbad > 1 ? ", " : "", sizeof bad));
        PetscCall(PetscStrlcat(bad, names[i], sizeof bad));
      }
    }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscCheck(!nbad, comm, PETSC_ERR_USER_INPUT, "%s%s: %s with mesh_geometry %s (%s)", bad, nbad > 4 ? ", ..." : "",
             nbad > 1 ? "do not apply" : "does not apply", geometry,
             !strcmp(geometry, "simple") ? "these keys are read by the segment or ct geometry only"
             : !strcmp(geometry, "ct")   ? "the CT geometry reads ct_* and mesh_* keys"
             : !strcmp(geometry, "surfaces")
                 ? "the surfaces geometry reads surfaces_*, segment_levels, segment_treated, cement_* and mesh_* keys"
                 : "ct_* keys are read by the CT geometry only, surfaces_* keys by the surfaces geometry only");
  if (!strcmp(geometry, "simple")) {
    PetscReal h = 1.5;

    PetscCall(VfeMeshOptionReal("mesh_size_mm", &h, NULL));
    PetscCheck(h > 0 && h <= 50, comm, PETSC_ERR_USER_INPUT, "mesh_size_mm = %g is out of range: allowed (0, 50] mm",
               (double)h);
    /* three elliptic cylinders (22.5 x 17 mm, 26 mm) and two discs (10 mm); Gmsh makes about
       4.5 V / h^3 tetrahedra there */
    PetscCall(VfeMeshCheckElementCount(PETSC_PI * 22.5 * 17.0 * (3 * 26.0 + 2 * 10.0), h, 4.5, "simple"));
  }
  if (!strcmp(geometry, "ct")) {
    PetscReal h = 1.0;
    PetscBool set;

    PetscCall(VfeMeshOptionReal("mesh_size_mm", &h, NULL));
    PetscCheck(h > 0 && h <= 50, comm, PETSC_ERR_USER_INPUT, "mesh_size_mm = %g is out of range: allowed (0, 50] mm",
               (double)h);
    PetscCall(PetscOptionsHasName(NULL, NULL, "-ct_mask", &set));
    PetscCheck(set, comm, PETSC_ERR_USER_INPUT,
               "mesh_geometry ct needs ct_mask: the label image (NIfTI) of the vertebra");
    /* the element count depends on the mask: VfeCTMesh checks it once it has read the image */
  }
  if (!strcmp(geometry, "surfaces")) {
    PetscReal h = 2.0;
    PetscBool set;

    PetscCall(VfeMeshOptionReal("mesh_size_mm", &h, NULL));
    PetscCheck(h >= 0.3 && h <= 20, comm, PETSC_ERR_USER_INPUT,
               "mesh_size_mm = %g is out of range: allowed 0.3..20 mm with mesh_geometry surfaces", (double)h);
    PetscCall(PetscOptionsHasName(NULL, NULL, "-surfaces_dir", &set));
    PetscCheck(set, comm, PETSC_ERR_USER_INPUT,
               "mesh_geometry surfaces needs surfaces_dir: a folder with stl_mm/<LVL>_vertebral_body.stl and "
               "discs_mm/<L12>_disc_hex_mm.vtk");
    /* the element count depends on the surfaces: VfeSurfacesMesh checks it once it has rasterised them */
  }
  PetscFunctionReturn(0);
}
