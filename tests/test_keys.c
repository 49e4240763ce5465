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
  { /* segment_posterior_elements left unset (app/structures.c): on under a moment or a wedge fracture */
    static const struct {
      const char *opts;
      PetscBool applies, on;
      const char *why;
    } C[] = {
        {"", PETSC_TRUE, PETSC_FALSE, "no moment"},
        {"-load_case standing -load_axial_N 1000 -load_follower true", PETSC_TRUE, PETSC_FALSE, "no moment"},
        {"-load_case flexion", PETSC_TRUE, PETSC_TRUE, "the load has a 7.5 N m moment"},
        {"-load_case axial_rotation -load_moment_Nm 2.5", PETSC_TRUE, PETSC_TRUE, "the load has a 2.5 N m moment"},
        {"-load_case flexion -load_moment_Nm 0", PETSC_TRUE, PETSC_FALSE, "no moment"},
        {"-load_moment_Nm 5 -load_mode torsion_left", PETSC_TRUE, PETSC_TRUE, "5 N m moment"},
        {"-load_mode flexion", PETSC_TRUE, PETSC_FALSE, "no moment"},
        {"-fracture_wedge 0.2", PETSC_TRUE, PETSC_TRUE, "wedge fracture (fracture_wedge 0.2)"},
        {"-fracture_wedge 0", PETSC_TRUE, PETSC_FALSE, "no wedge fracture"},
        {"-fracture_wedge nan -load_moment_Nm x", PETSC_TRUE, PETSC_FALSE, "no moment"}, /* the run reports those */
        {"-load_case flexion -segment_posterior_elements false", PETSC_FALSE, PETSC_FALSE, ""},
        {"-segment_posterior_elements true", PETSC_FALSE, PETSC_FALSE, ""},
        {"-load_case flexion -mesh_file m.msh", PETSC_FALSE, PETSC_FALSE, ""},
        {"-load_case flexion -mesh_geometry simple", PETSC_FALSE, PETSC_FALSE, ""},
        {"-load_case flexion -mesh_geometry ct", PETSC_FALSE, PETSC_FALSE, ""},
        {"-load_case flexion -mesh_file \"\"", PETSC_TRUE, PETSC_TRUE, "moment"},
    };
    VfePosteriorChoice c, study = {PETSC_TRUE, PETSC_TRUE, "case x of the study: the load has a moment"};
    for (size_t i = 0; i < sizeof C / sizeof C[0]; ++i) {
      char what[256];
      PetscCall(PetscOptionsClear(NULL));
      PetscCall(PetscOptionsInsertString(NULL, C[i].opts));
      PetscCall(VfePosteriorDefault(&c));
      snprintf(what, sizeof what, "posterior default with '%s': %s (%s)", C[i].opts,
               c.applies ? (c.on ? "on" : "off") : "not applied", c.why);
      VfeTestCheck(c.applies == C[i].applies && c.on == C[i].on && strstr(c.why, C[i].why), what);
    }
    /* a sweep with one moment case: on in every case that leaves the key unset, not where a case sets it */
    VfePosteriorSetStudy(&study);
    PetscCall(PetscOptionsClear(NULL));
    PetscCall(PetscOptionsInsertString(NULL, "-load_case standing"));
    PetscCall(VfePosteriorDefault(&c));
    VfeTestCheck(c.applies && c.on && strstr(c.why, "of the study"), "study default: on in a standing case");
    PetscCall(PetscOptionsInsertString(NULL, "-segment_posterior_elements false"));
    PetscCall(VfePosteriorDefault(&c));
    VfeTestCheck(!c.applies, "study default: a case that sets false keeps it");
    VfePosteriorSetStudy(NULL);
    PetscCall(PetscOptionsClear(NULL));
    PetscCall(PetscOptionsInsertString(NULL, "-load_case standing"));
    PetscCall(VfePosteriorDefault(&c));
    VfeTestCheck(c.applies && !c.on, "study default cleared: standing is off again");
    PetscCall(PetscOptionsClear(NULL));
  }
  {
    int code = VfeTestSummary();
    PetscPopErrorHandler();
    PetscFinalize();
    return code;
  }
}
