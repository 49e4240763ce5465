/*
 * structures.c - constants of the osteoligamentous structures: the annulus fibres and the seven
 * lumbar ligaments (values as tabulated in ../shared/VALIDATION.md, after Shirazi-Adl; see
 * docs/theory.md for the sources), with their case-file overrides.
 */
#include "vfematerials.h"
#include "vfekeys.h"
#include <string.h>

/* Ligaments, bilinear tension-only: E below / above the transition strain (MPa), transition strain,
 * cross-section area (mm^2). BMC Musculoskelet Disord 2013;14:220 Table 1, after Shirazi-Adl. */
static const struct {
  const char *name;
  PetscReal E1, E2, strain_t, area;
} vfe_ligaments[] = {
    {"ALL", 7.8, 20.0, 0.12, 63.7}, {"PLL", 10.0, 20.0, 0.11, 20.0}, {"LF", 15.0, 19.0, 0.062, 40.0},
    {"CL", 7.5, 33.0, 0.25, 30.0},  {"ITL", 10.0, 59.0, 0.18, 1.8},  {"ISL", 10.0, 12.0, 0.14, 40.0},
    {"SSL", 8.0, 15.0, 0.20, 30.0},
};
#define NLIG (sizeof vfe_ligaments / sizeof vfe_ligaments[0])

PetscBool VfeMaterialsIsLigament(const char *name)
{
  for (size_t i = 0; i < NLIG; ++i)
    if (!strcmp(name, vfe_ligaments[i].name)) return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode VfeMaterialsLigament(const char *name, VfeLigamentLaw *law)
{
  size_t i;
  char key[64];

  PetscFunctionBeginUser;
  for (i = 0; i < NLIG; ++i)
    if (!strcmp(name, vfe_ligaments[i].name)) break;
  PetscCheck(i < NLIG, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "unknown ligament '%s' (known: ALL, PLL, LF, CL, ITL, ISL, SSL)", name);
  law->E1       = vfe_ligaments[i].E1;
  law->E2       = vfe_ligaments[i].E2;
  law->strain_t = vfe_ligaments[i].strain_t;
  law->area     = vfe_ligaments[i].area;
  PetscCall(PetscSNPrintf(key, sizeof key, "ligament_%s_E1", name));
  PetscCall(VfeKeyGetReal(&VfeMaterialsKeys, key, &law->E1, NULL));
  PetscCall(PetscSNPrintf(key, sizeof key, "ligament_%s_E2", name));
  PetscCall(VfeKeyGetReal(&VfeMaterialsKeys, key, &law->E2, NULL));
  PetscCall(PetscSNPrintf(key, sizeof key, "ligament_%s_strain_t", name));
  PetscCall(VfeKeyGetReal(&VfeMaterialsKeys, key, &law->strain_t, NULL));
  PetscCall(PetscSNPrintf(key, sizeof key, "ligament_%s_area", name));
  PetscCall(VfeKeyGetReal(&VfeMaterialsKeys, key, &law->area, NULL));
  PetscFunctionReturn(0);
}

/* Annulus fibres, tension only, lamellae outer -> inner: E 550, 495, 413, 358 MPa and cross-sections
 * 0.50, 0.39, 0.31, 0.24 mm^2 (same source); +/-30 deg to the transverse plane (Shirazi-Adl 1986).
 * The fibres take 16 % of the annulus volume (Shirazi-Adl et al. 1984), shared between the lamellae
 * in proportion to the cross-sections and equally between the two families. */
PetscErrorCode VfeMaterialsFibres(VfeFibreLaw *f)
{
  const PetscReal E[4] = {550, 495, 413, 358}, A[4] = {0.50, 0.39, 0.31, 0.24};
  PetscReal mean = 0, vf = 0.16;

  PetscFunctionBeginUser;
  f->nlayers   = 4;
  f->angle_deg = 30;
  PetscCall(VfeKeyGetReal(&VfeMaterialsKeys, "fibre_angle_deg", &f->angle_deg, NULL));
  PetscCall(VfeKeyGetReal(&VfeMaterialsKeys, "fibre_volume_fraction", &vf, NULL));
  for (int l = 0; l < 4; ++l) mean += A[l] / 4;
  for (int l = 0; l < 4; ++l) {
    f->E[l]   = E[l];
    f->phi[l] = 0.5 * vf * A[l] / mean;
  }
  PetscFunctionReturn(0);
}
