/*
 * density.c - density-mapped bone of the CT route: the image value -> calibrated density -> Young's modulus.
 *
 *   density  ct_density_unit mg_cm3: the value itself (a density-calibrated image, mg/cm^3 of the phantom
 *            species ct_density_species); hu: rho = (HU - beta) / sigma from the phantom calibration
 *            HU = beta + sigma rho (ct_density_intercept beta, ct_density_slope sigma).  A negative density
 *            (air, fat, noise) is clamped to 0 and counted.
 *   modulus  E = a + b rho^c (rho in g/cm^3) with the law ct_density_law from the library (library.yaml,
 *            density_laws: with sources), at least ct_modulus_min (the linear law is negative below
 *            rho = -a/b).
 */
#include "vfematerials.h"
#include "vfematerialsimpl.h"
#include "vfekeys.h"
#include <math.h>
#include <string.h>

PetscErrorCode VfeMaterialsDensityLaw(VfeDensityLaw *law)
{
  PetscOptions lib;
  char key[96], unit[16] = "mg_cm3", species[16] = "k2hpo4";
  PetscBool found, sset, iset;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(law, sizeof *law));
  PetscCall(PetscStrncpy(law->law, "kopperdahl_linear", sizeof law->law));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-ct_density_law", law->law, sizeof law->law, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-ct_density_unit", unit, sizeof unit, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-ct_density_species", species, sizeof species, NULL));
  PetscCall(PetscStrncpy(law->species, strcmp(species, "cha") ? "K2HPO4" : "CHA", sizeof law->species));
  law->hu   = strcmp(unit, "hu") ? PETSC_FALSE : PETSC_TRUE;
  law->Emin = 1.0;
  PetscCall(VfeKeyGetReal(&VfeMaterialsKeys, "ct_modulus_min", &law->Emin, NULL));
  PetscCall(VfeKeyGetReal(&VfeMaterialsKeys, "ct_density_slope", &law->slope, &sset));
  PetscCall(VfeKeyGetReal(&VfeMaterialsKeys, "ct_density_intercept", &law->intercept, &iset));
  PetscCheck(!law->hu || (sset && iset), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "ct_density_unit hu needs the phantom calibration HU = intercept + slope * rho: set ct_density_slope "
             "(HU per mg/cm^3) and ct_density_intercept (HU)");
  PetscCheck(law->hu || (!sset && !iset), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "ct_density_slope and ct_density_intercept calibrate HU: they need ct_density_unit hu (the image is "
             "read as mg/cm^3 otherwise)");
  PetscCall(VfeLibraryGet(&lib));
  PetscCall(PetscSNPrintf(key, sizeof key, "-density_laws_%s_b", law->law));
  PetscCall(PetscOptionsGetReal(lib, NULL, key, &law->b, &found));
  PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "ct_density_law: unknown law '%s' (allowed: kopperdahl_linear, kopperdahl_power, morgan2003)", law->law);
  PetscCall(PetscSNPrintf(key, sizeof key, "-density_laws_%s_a", law->law));
  PetscCall(PetscOptionsGetReal(lib, NULL, key, &law->a, NULL));
  PetscCall(PetscSNPrintf(key, sizeof key, "-density_laws_%s_c", law->law));
  PetscCall(PetscOptionsGetReal(lib, NULL, key, &law->c, NULL));
  PetscCall(PetscSNPrintf(key, sizeof key, "-density_laws_%s_species", law->law));
  PetscCall(PetscOptionsGetString(lib, NULL, key, law->law_species, sizeof law->law_species, NULL));
  PetscCall(PetscSNPrintf(key, sizeof key, "-density_laws_%s_source", law->law));
  PetscCall(PetscOptionsGetString(lib, NULL, key, law->source, sizeof law->source, NULL));
  PetscFunctionReturn(0);
}

PetscReal VfeDensityOf(const VfeDensityLaw *law, PetscReal value, PetscBool *clamped)
{
  const PetscReal rho = law->hu ? (value - law->intercept) / law->slope : value;
  *clamped            = rho < 0 ? PETSC_TRUE : PETSC_FALSE;
  return rho < 0 ? 0 : rho;
}

PetscReal VfeDensityModulus(const VfeDensityLaw *law, PetscReal rho)
{
  const PetscReal g = rho / 1000.0; /* g/cm^3 */
  const PetscReal E = law->a + law->b * (law->c == 1 ? g : pow(g, law->c));
  return E > law->Emin ? E : law->Emin;
}
