/*
 * test_keys.c - the key registry (util/vfekeys.h, app/keys.c) as a unit: placeholder matching,
 * value checks (type, choices, range), the aggregated registry, and the checked readers every
 * component uses (VfeKeyGetReal/Int/Bool).
 */
#include "vfeapp.h"
#include "vfekeys.h"
#include "vfemesh.h"
#include "vfetest.h"
#include <string.h>

/* PETSC_TRUE if the registry accepts key = value */
static PetscBool Accepts(const char *key, const char *value)
{
  PetscErrorCode ierr = VfeKeysCheckValue(key, value);
  return ierr ? PETSC_FALSE : PETSC_TRUE;
}

int main(int argc, char **argv)
{
  const char *levels[] = {"T12", "L1", "L2", "L3", "L4", "L5"};

  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);

  VfeTestCheck(VfeKeyMatch("segment_<LVL>_body_width", "segment_T12_body_width"), "<LVL> matches T12");
  VfeTestCheck(!VfeKeyMatch("segment_<LVL>_body_width", "segment_L9_body_width"), "<LVL> does not match L9");
  VfeTestCheck(VfeKeyMatch("material_<name>_E", "material_pmma_low_modulus_E"), "<name> spans underscores");
  VfeTestCheck(!VfeKeyMatch("material_<name>_E", "material__E"), "<name> is not empty");
  VfeTestCheck(VfeKeyMatch("material_<name>_yield_strain", "material_bone_yield_strain"),
               "material_<name>_yield_strain");

  VfeTestCheck(VfeKnownKey("cement_fill_ratio") && VfeKnownKey("load_axial_N") && VfeKnownKey("bone_density") &&
                   VfeKnownKey("output_dir") && VfeKnownKey("ksp_rtol"),
               "one key of each component and a PETSc option are known");
  VfeTestCheck(!VfeKnownKey("cement_colour") && !VfeKnownKey("segment_L9_body_width") &&
                   !VfeKnownKey("material_x_colour"),
               "unknown keys are unknown");

  VfeTestCheck(Accepts("cement_fill_ratio", "0.25") && !Accepts("cement_fill_ratio", "1") &&
                   !Accepts("cement_fill_ratio", "0") && !Accepts("cement_fill_ratio", "abc"),
               "cement_fill_ratio in (0, 1)");
  VfeTestCheck(Accepts("mesh_order", "2") && !Accepts("mesh_order", "3") && !Accepts("mesh_order", "1.5"),
               "mesh_order an integer in [1, 2]");
  VfeTestCheck(!Accepts("load_axial_N", "nan") && !Accepts("load_axial_N", "inf") && Accepts("load_axial_N", "-100"),
               "load_axial_N finite");
  VfeTestCheck(Accepts("baseline", NULL) && Accepts("baseline", "FALSE") && !Accepts("baseline", "maybe"),
               "bool spellings of PETSc");
  VfeTestCheck(Accepts("cement_pattern", "diffuse") && !Accepts("cement_pattern", "blob"), "cement_pattern choices");
  VfeTestCheck(!Accepts("material_annulus_nu", "0.5") && Accepts("material_annulus_nu", "0.45"), "nu in (-1, 0.5)");
  VfeTestCheck(Accepts("ksp_rtol", "whatever"), "PETSc options are PETSc's to check");

  /* the checked readers: the registry's range and type, the default kept when unset */
  {
    PetscReal h    = 7;
    PetscInt order = 9;
    PetscBool set, b = PETSC_FALSE;
    PetscErrorCode e;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    e = VfeKeyGetReal(&VfeMeshKeys, "mesh_size_mm", &h, &set);
    VfeTestCheck(!e && !set && h == 7, "unset: default kept");
    PetscCall(PetscOptionsSetValue(NULL, "-mesh_size_mm", "2.5"));
    e = VfeKeyGetReal(&VfeMeshKeys, "mesh_size_mm", &h, &set);
    VfeTestCheck(!e && set && h == 2.5, "mesh_size_mm 2.5 read");
    PetscCall(PetscOptionsSetValue(NULL, "-mesh_size_mm", "-1"));
    VfeTestCheck(VfeKeyGetReal(&VfeMeshKeys, "mesh_size_mm", &h, NULL) != 0 && h == 2.5, "mesh_size_mm -1 refused");
    PetscCall(PetscOptionsSetValue(NULL, "-mesh_size_mm", ""));
    VfeTestCheck(VfeKeyGetReal(&VfeMeshKeys, "mesh_size_mm", &h, NULL) != 0, "empty value refused");
    PetscCall(PetscOptionsSetValue(NULL, "-mesh_order", "3"));
    VfeTestCheck(VfeKeyGetInt(&VfeMeshKeys, "mesh_order", &order, NULL) != 0, "mesh_order 3 refused (range 1..2)");
    PetscCall(PetscOptionsSetValue(NULL, "-mesh_order", "99999999999999999999"));
    VfeTestCheck(VfeKeyGetInt(&VfeMeshKeys, "mesh_order", &order, NULL) != 0, "overflowing integer refused");
    PetscCall(PetscOptionsSetValue(NULL, "-mesh_verbose", NULL));
    e = VfeKeyGetBool(&VfeMeshKeys, "mesh_verbose", &b, &set);
    VfeTestCheck(!e && set && b, "bare bool flag is true");
    PetscCall(PetscOptionsSetValue(NULL, "-mesh_verbose", "off"));
    e = VfeKeyGetBool(&VfeMeshKeys, "mesh_verbose", &b, &set);
    VfeTestCheck(!e && !b, "bool off");
    PetscCall(PetscOptionsSetValue(NULL, "-material_pmma_E", "2e6"));
    VfeTestCheck(VfeKeyGetReal(&VfeMaterialsKeys, "material_pmma_E", &h, NULL) != 0,
                 "material E above 1e6 MPa refused");
    VfeTestCheck(VfeKeyGetReal(&VfeMeshKeys, "not_a_key", &h, NULL) != 0, "undeclared key is an error");
    PetscCall(PetscPopErrorHandler());
    PetscCall(PetscOptionsClear(NULL));
  }
  for (size_t l = 0; l < sizeof levels / sizeof levels[0]; ++l) {
    char key[64];
    snprintf(key, sizeof key, "segment_%s_endplate_concavity_inf", levels[l]);
    VfeTestCheck(VfeKnownKey(key), key);
  }
  {
    int code = VfeTestSummary();
    PetscPopErrorHandler();
    PetscFinalize();
    return code;
  }
}
