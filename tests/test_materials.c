/*
 * test_materials.c - materials/ as a unit: the material of a region name, library values, bone
 * quality (named levels and the QCT density laws of Kopperdahl 2002), user overrides, the diffuse
 * cement-bone composite, and the check of material_* keys.  Hand-computed values from
 * materials/library.yaml and docs/theory.md.
 */
#include "vfematerials.h"
#include "vfetest.h"
#include <string.h>

static const char *const names[] = {"L2.cortical",  "L2.cancellous", "L2.endplate_sup", "L2.cement",
                                    "L1L2.nucleus", "L1L2.annulus",  "L3.body",         "L2L3.disc"};
#define NREG 8

/* Resolve with the options in opts ("-key value ..."), the database cleared before and after. */
static PetscErrorCode Resolve(const char *opts, VfeMaterial m[NREG], PetscErrorCode *ierr)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  *ierr = VfeMaterialsResolve(NREG, names, m);
  PetscCall(PetscOptionsClear(NULL));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  VfeMaterial m[NREG];
  PetscErrorCode ierr;
  PetscReal reuss, voigt;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));

  PetscCall(Resolve("", m, &ierr));
  VfeTestCheck(!ierr, "normal bone, default cement resolves");
  VfeTestCheck(!strcmp(m[0].name, "cortical") && !strcmp(m[2].name, "endplate") && !strcmp(m[3].name, "pmma") &&
                   !strcmp(m[6].name, "cancellous") && !strcmp(m[7].name, "annulus"),
               "region -> material: tissue after the '.', endplate_* -> endplate, cement -> pmma, body -> cancellous, "
               "disc -> annulus");
  VfeTestClose(m[0].E, 12000, 1e-12, "cortical E");
  VfeTestClose(m[1].E, 100, 1e-12, "cancellous E");
  VfeTestClose(m[1].strength, 2.0, 1e-12, "cancellous strength");
  VfeTestClose(m[1].yield_strain, 0.0077, 1e-12, "cancellous yield strain");
  VfeTestClose(m[3].E, 3000, 1e-12, "pmma E");
  VfeTestClose(m[4].nu, 0.4999, 1e-12, "nucleus nu");

  PetscCall(Resolve("-bone_density osteoporotic", m, &ierr));
  VfeTestClose(m[1].E, 34, 1e-12, "osteoporotic cancellous E");
  VfeTestClose(m[1].strength, 0.9, 1e-12, "osteoporotic cancellous strength");
  VfeTestClose(m[0].E, 8040, 1e-12, "osteoporotic cortical E");
  PetscCall(Resolve("-bone_density osteopenic", m, &ierr));
  VfeTestClose(m[1].E, 67, 1e-12, "osteopenic cancellous E (halfway)");
  PetscCall(Resolve("-bone_density 100", m, &ierr));
  VfeTestClose(m[1].E, -34.7 + 3230 * 0.1, 1e-9, "BMD 100 mg/cm3: E = -34.7 + 3230 rho");
  VfeTestClose(m[1].strength, -0.75 + 24.9 * 0.1, 1e-9, "BMD 100 mg/cm3: strength = -0.75 + 24.9 rho");
  PetscCall(Resolve("-bone_density 400", m, &ierr));
  VfeTestCheck(ierr != 0, "BMD 400 mg/cm3 is outside 20..300: error");

  PetscCall(Resolve("-cement_material mycement -material_mycement_E 1500 -material_mycement_nu 0.3", m, &ierr));
  VfeTestCheck(!ierr && !strcmp(m[3].name, "mycement"), "a user material");
  VfeTestClose(m[3].E, 1500, 1e-12, "user material E");
  PetscCall(Resolve("-material_cancellous_E 250", m, &ierr));
  VfeTestClose(m[1].E, 250, 1e-12, "override of a library value");
  PetscCall(Resolve("-cement_material steel", m, &ierr));
  VfeTestCheck(ierr != 0, "a cement material that is nowhere: error");
  PetscCall(Resolve("-material_annulus_nu 0.5", m, &ierr));
  VfeTestCheck(ierr != 0, "nu = 0.5: error");

  /* diffuse: Hashin-Shtrikman estimate of 50 % PMMA in cancellous bone, between Reuss and Voigt */
  PetscCall(Resolve("-cement_pattern diffuse -cement_diffuse_fraction 0.5", m, &ierr));
  reuss = 1 / (0.5 / 100 + 0.5 / 3000), voigt = 0.5 * 100 + 0.5 * 3000;
  VfeTestCheck(!ierr && !strcmp(m[3].name, "pmma_bone_composite"), "diffuse cement is a pmma-bone composite");
  VfeTestCheck(m[3].E > reuss && m[3].E < voigt, "composite E between the Reuss and Voigt bounds");
  VfeTestClose(m[3].strength, 0.5 * 90 + 0.5 * 2.0, 1e-12, "composite strength: rule of mixtures");

  {
    const char *used[] = {"L2.cancellous", "L2.cement"};
    ierr               = VfeMaterialsCheckKey("material_cancellous_E", 2, used);
    VfeTestCheck(!ierr, "material_cancellous_E: a material of the mesh");
    ierr = VfeMaterialsCheckKey("material_steel_E", 2, used);
    VfeTestCheck(ierr != 0, "material_steel_E: no region uses it and it is not in the library: error");
    ierr = VfeMaterialsCheckKey("material_cancellous_colour", 2, used);
    VfeTestCheck(ierr != 0, "material_cancellous_colour: not a material field: error");
  }
  VfeTestCheck(VfeMaterialsKnownKey("bone_density") && VfeMaterialsKnownKey("material_x_yield_strain") &&
                   !VfeMaterialsKnownKey("cement_pattern"),
               "the materials' key table");
  {
    int code = VfeTestSummary();
    PetscCall(PetscFinalize());
    return code;
  }
}
