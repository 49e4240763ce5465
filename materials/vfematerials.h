/*
 * vfematerials.h - the material library and the mapping from region names to materials.
 *
 * A region's material is found from its name: the part after the last '.' is the tissue
 * (`L2.cancellous` -> cancellous, `L2.endplate_sup` -> endplate, `L1L2.nucleus` -> nucleus);
 * `cement` (and `cement_leak`) take the material named by -cement_material; a region name
 * without a '.' (a generic mesh) is its own material name.  Values come from the built-in library
 * (materials/library.yaml, compiled in) and are overridden by -material_<name>_<field>, which is
 * also how users define new materials.
 */
#pragma once
#include <petscsys.h>

typedef struct {
  char name[64];          /* material name, e.g. "cancellous", "pmma" */
  PetscReal E, nu;        /* Young's modulus (MPa), Poisson's ratio */
  PetscReal strength;     /* MPa, 0 when unknown */
  PetscReal yield_strain; /* 0 when unknown */
} VfeMaterial;

/* Resolve the material of every region (same result on every rank).  Errors name the region and
 * the option that would set the missing or invalid value. */
PETSC_EXTERN PetscErrorCode VfeMaterialsResolve(PetscInt nregions, const char *const names[], VfeMaterial mats[]);
/* PETSC_TRUE if `key` (no leading '-') is a materials option (material_*, cement_material, bone_density). */
PETSC_EXTERN PetscBool VfeMaterialsKnownKey(const char *key);
/* Check one material_<name>_<field> key: the field must be E, nu, strength or yield_strain and the
 * name a material of some region or of the library.  Other keys pass. */
PETSC_EXTERN PetscErrorCode VfeMaterialsCheckKey(const char *key, PetscInt nregions, const char *const names[]);

/* ---- osteoligamentous structures (materials/structures.c) ---- */
/* Bilinear tension-only ligament: E below / above the transition strain (MPa), transition strain,
 * area (mm^2); the library values, overridden by ligament_<name>_E1, _E2, _strain_t, _area. */
typedef struct {
  PetscReal E1, E2, strain_t, area;
} VfeLigamentLaw;
PETSC_EXTERN PetscErrorCode VfeMaterialsLigament(const char *name, VfeLigamentLaw *law);
PETSC_EXTERN PetscBool VfeMaterialsIsLigament(const char *name);
/* Annulus fibres: lamellae outer -> inner with fibre modulus E (MPa) and volume fraction phi of each
 * of the two families; angle to the transverse plane (fibre_angle_deg, fibre_volume_fraction). */
typedef struct {
  PetscInt nlayers;
  PetscReal E[4], phi[4], angle_deg;
} VfeFibreLaw;
PETSC_EXTERN PetscErrorCode VfeMaterialsFibres(VfeFibreLaw *f);

/* ---- density-mapped bone of the CT route (materials/density.c) ---- */
typedef struct {
  char law[32];               /* ct_density_law */
  PetscReal a, b, c;          /* E = a + b rho^c (MPa, rho in g/cm^3), from the library */
  char law_species[16];       /* the density the law was calibrated in (K2HPO4, apparent, ...) */
  char source[256];           /* the law's source */
  char species[16];           /* the image's phantom species (ct_density_species): K2HPO4 or CHA */
  PetscBool hu;               /* ct_density_unit hu: rho = (HU - intercept) / slope */
  PetscReal slope, intercept; /* HU = intercept + slope * rho (rho in mg/cm^3) */
  PetscReal Emin;             /* ct_modulus_min (MPa) */
} VfeDensityLaw;
/* The law and calibration of the ct_density_* keys; errors (one line) for an unknown law or an incomplete calibration.
 */
PETSC_EXTERN PetscErrorCode VfeMaterialsDensityLaw(VfeDensityLaw *law);
/* Density (mg/cm^3) of an image value; a negative one is clamped to 0 and *clamped set. */
PETSC_EXTERN PetscReal VfeDensityOf(const VfeDensityLaw *law, PetscReal value, PetscBool *clamped);
/* Young's modulus (MPa) of a density in mg/cm^3: the law, at least Emin. */
PETSC_EXTERN PetscReal VfeDensityModulus(const VfeDensityLaw *law, PetscReal rho);
