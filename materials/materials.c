/*
 * materials.c - material library lookup and region -> material resolution.
 *
 * The library (library.yaml, compiled in as VfeMaterialLibraryYAML) is read with PETSc's own YAML
 * reader into a private options database, so `pmma: {E: 3000}` is looked up as `-pmma_E`.  User
 * values live in the global options database as -material_<name>_<field> and take precedence.
 * Bone quality, -bone_density:
 *   normal        library values;
 *   osteoporotic  the *_osteoporotic library values (cortical, endplate, posterior: 67 % of normal;
 *                 cancellous 34 MPa; J Orthop Surg Res 2020);
 *   osteopenic    halfway between the two;
 *   a number      a QCT BMD in mg/cm^3 (20..300): cancellous E and yield strength from the QCT
 *                 density laws of Kopperdahl, Morgan & Keaveny 2002 (vertebral trabecular bone,
 *                 on-axis): E = -34.7 + 3230 rho, sigma_y = -0.75 + 24.9 rho, rho = BMD/1000
 *                 g/cm^3 (chosen over Morgan 2003's apparent-density law because clinical input is a
 *                 QCT BMD, which Kopperdahl calibrated against directly); cortical, endplate and
 *                 posterior E scale from 100 % at BMD >= 120 (ACR normal) to 67 % at BMD <= 80
 *                 (osteoporotic threshold), linearly between.
 * The diffuse cement pattern's composite (<lvl>.cement with -cement_pattern diffuse) gets the
 * Hashin-Shtrikman estimate (mean of the HS upper and lower bounds of bulk and shear modulus) of
 * cement at volume fraction -cement_diffuse_fraction in the level's cancellous bone.
 * Invariant: every resolved material has E > 0 and -1 < nu < 0.5.
 */
#include "vfematerials.h"
#include "vfematerialsimpl.h"
#include "vfekeys.h"
#include "vferegion.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the fields of material_<name>_<field> (their ranges are the registry's, materials/keys.c) */
static const char *const vfe_material_fields[] = {"_yield_strain", "_strength", "_nu", "_E"};
#define VFE_MATERIAL_NAME_MAX 63 /* VfeMaterial.name holds 63 characters and the terminator */

extern const char VfeMaterialLibraryYAML[];

static PetscOptions vfe_library = NULL;

static PetscErrorCode VfeLibraryFinalize(void)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsDestroy(&vfe_library));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeLibraryGet(PetscOptions *lib)
{
  PetscFunctionBeginUser;
  if (!vfe_library) {
    PetscCall(PetscOptionsCreate(&vfe_library));
    PetscCall(PetscOptionsInsertStringYAML(vfe_library, VfeMaterialLibraryYAML));
    PetscCall(PetscRegisterFinalize(VfeLibraryFinalize));
  }
  *lib = vfe_library;
  PetscFunctionReturn(0);
}

/* Material name of a region: tissue after the last '.', endplate_* -> endplate, cement* -> the cement,
   facet_* -> facet_cartilage. */
static PetscErrorCode VfeRegionMaterialName(const char *region, char *name, size_t len)
{
  const char *tissue;
  char level[VFE_REGION_LEN];
  const PetscBool dot = VfeRegionSplit(region, level, sizeof level, &tissue);

  PetscFunctionBeginUser;
  if (dot && !strncmp(tissue, "endplate", 8)) {
    PetscCall(PetscStrncpy(name, "endplate", len));
  } else if (dot && !strncmp(tissue, "cement", 6)) {
    PetscBool set;
    PetscCall(PetscStrncpy(name, "pmma", len));
    PetscCall(PetscOptionsGetString(NULL, NULL, "-cement_material", name, len, &set));
    PetscCheck(!set || name[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "cement_material has an empty value: allowed a material of the library (pmma, cpc, ...) or one "
               "defined with material_<name>_E and material_<name>_nu");
  } else if (dot && !strncmp(tissue, "facet", 5)) {
    PetscCall(PetscStrncpy(name, "facet_cartilage", len)); /* facet_sup, facet_inf of the posterior elements */
  } else if (dot && !strcmp(tissue, "body")) {
    PetscCall(PetscStrncpy(name, "cancellous", len)); /* homogenised body of the simple segment */
  } else if (dot && !strcmp(tissue, "disc")) {
    PetscCall(PetscStrncpy(name, "annulus", len)); /* homogenised disc of the simple segment */
  } else {
    PetscCall(PetscStrncpy(name, tissue, len));
  }
  PetscFunctionReturn(0);
}

/* The user's value of option `key` (-material_<name>_<field>), checked by the registry's reader
 * (materials/keys.c: set but empty, not a number, not finite or outside the field's range is an
 * error naming the key and the range). */
static PetscErrorCode VfeMaterialUserReal(const char *key, PetscReal *v, PetscBool *set)
{
  PetscFunctionBeginUser;
  PetscCheck(key[0] == '-' && VfeKeyFind(&VfeMaterialsKeys, key + 1), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "unknown key '%s': material keys are material_<name>_E, _nu, _strength or _yield_strain", key + 1);
  PetscCall(VfeKeyGetReal(&VfeMaterialsKeys, key + 1, v, set));
  PetscFunctionReturn(0);
}

/* Value of one field: user option -material_<name>_<field>, else the library (osteoporotic variant
 * first when asked for), else not found. */
static PetscErrorCode VfeMaterialField(const char *name, const char *field, PetscBool osteo, PetscReal *v,
                                       PetscBool *found)
{
  char key[256];
  PetscOptions lib;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(key, sizeof key, "-material_%s_%s", name, field));
  PetscCall(VfeMaterialUserReal(key, v, found));
  if (*found) PetscFunctionReturn(0);
  PetscCall(VfeLibraryGet(&lib));
  if (osteo) {
    PetscCall(PetscSNPrintf(key, sizeof key, "-%s_%s_osteoporotic", name, field));
    PetscCall(PetscOptionsGetReal(lib, NULL, key, v, found));
    if (*found) PetscFunctionReturn(0);
  }
  PetscCall(PetscSNPrintf(key, sizeof key, "-%s_%s", name, field));
  PetscCall(PetscOptionsGetReal(lib, NULL, key, v, found));
  PetscFunctionReturn(0);
}

/* bone-quality scaling: returns the osteoporotic weight w in [0,1] (0 normal, 1 osteoporotic) and,
 * for a BMD, the cancellous E and strength from Kopperdahl 2002 */
static PetscErrorCode VfeBoneQuality(PetscReal *w, PetscBool *qct, PetscReal *Ec, PetscReal *Sc)
{
  char density[64] = "normal", *end;
  PetscReal bmd;
  PetscBool set;

  PetscFunctionBeginUser;
  *qct = PETSC_FALSE;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bone_density", density, sizeof density, &set));
  PetscCheck(!set || density[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "bone_density has an empty value: allowed normal, osteopenic, osteoporotic, or a QCT BMD in mg/cm^3 "
             "(20..300)");
  if (!strcmp(density, "normal"))
    *w = 0;
  else if (!strcmp(density, "osteopenic"))
    *w = 0.5;
  else if (!strcmp(density, "osteoporotic"))
    *w = 1;
  else {
    bmd = strtod(density, &end);
    PetscCheck(end != density && !*end, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "bone_density: unknown value '%s' (allowed: normal, osteopenic, osteoporotic, or a QCT BMD in mg/cm^3)",
               density);
    PetscCheck(bmd >= 20 && bmd <= 300, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "bone_density = %g mg/cm^3 is outside the plausible range 20..300 of vertebral trabecular QCT BMD", bmd);
    *qct = PETSC_TRUE;
    *Ec  = -34.7 + 3230.0 * bmd / 1000.0;
    *Sc  = -0.75 + 24.9 * bmd / 1000.0;
    *w   = bmd >= 120 ? 0 : (bmd <= 80 ? 1 : (120 - bmd) / 40.0);
    PetscCheck(*Ec > 0 && *Sc > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "bone_density = %g mg/cm^3 gives a non-positive modulus", bmd);
  }
  PetscFunctionReturn(0);
}

/* one field: user value, else library value interpolated between normal and osteoporotic by w */
static PetscErrorCode VfeMaterialValue(const char *name, const char *field, PetscReal w, PetscReal *v, PetscBool *found)
{
  PetscReal vo;
  PetscBool fo, user;
  char key[256];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(key, sizeof key, "-material_%s_%s", name, field));
  PetscCall(VfeMaterialUserReal(key, v, &user));
  *found = user;
  if (user) PetscFunctionReturn(0);
  PetscCall(VfeMaterialField(name, field, PETSC_FALSE, v, found));
  if (!*found || w == 0) PetscFunctionReturn(0);
  PetscCall(VfeMaterialField(name, field, PETSC_TRUE, &vo, &fo));
  if (fo) *v = (1 - w) * *v + w * vo;
  PetscFunctionReturn(0);
}

/* Hashin-Shtrikman estimate (mean of the bounds) of a two-phase isotropic composite */
static void VfeHashinShtrikman(PetscReal E1, PetscReal nu1, PetscReal E2, PetscReal nu2, PetscReal f2, PetscReal *E,
                               PetscReal *nu)
{
  const PetscReal K1 = E1 / (3 * (1 - 2 * nu1)), G1 = E1 / (2 * (1 + nu1)), K2 = E2 / (3 * (1 - 2 * nu2)),
                  G2 = E2 / (2 * (1 + nu2));
  const PetscReal f1 = 1 - f2;
  /* phase 1 is the softer (lower bound with it as matrix), phase 2 the stiffer */
  const PetscReal Klo = K1 + f2 / (1 / (K2 - K1) + 3 * f1 / (3 * K1 + 4 * G1));
  const PetscReal Kup = K2 + f1 / (1 / (K1 - K2) + 3 * f2 / (3 * K2 + 4 * G2));
  const PetscReal Glo = G1 + f2 / (1 / (G2 - G1) + 6 * f1 * (K1 + 2 * G1) / (5 * G1 * (3 * K1 + 4 * G1)));
  const PetscReal Gup = G2 + f1 / (1 / (G1 - G2) + 6 * f2 * (K2 + 2 * G2) / (5 * G2 * (3 * K2 + 4 * G2)));
  const PetscReal K = 0.5 * (Klo + Kup), G = 0.5 * (Glo + Gup);
  *E  = 9 * K * G / (3 * K + G);
  *nu = (3 * K - 2 * G) / (2 * (3 * K + G));
}

PetscErrorCode VfeMaterialsResolve(PetscInt nregions, const char *const names[], VfeMaterial mats[])
{
  PetscBool found, qct, diffuse = PETSC_FALSE;
  PetscReal w = 0, Ec = 0, Sc = 0, frac = 0.8;
  char pattern[64] = "";

  PetscFunctionBeginUser;
  PetscCall(VfeBoneQuality(&w, &qct, &Ec, &Sc));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-cement_pattern", pattern, sizeof pattern, NULL));
  diffuse = strcmp(pattern, "diffuse") ? PETSC_FALSE : PETSC_TRUE;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-cement_diffuse_fraction", &frac, NULL));
  for (PetscInt r = 0; r < nregions; ++r) {
    VfeMaterial *m = &mats[r];
    PetscBool user;

    PetscCall(PetscMemzero(m, sizeof *m));
    PetscCall(VfeRegionMaterialName(names[r], m->name, sizeof m->name));
    PetscCall(VfeMaterialValue(m->name, "E", w, &m->E, &found));
    PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "region '%s': material '%s' is not in the library; define it with material_%s_E and material_%s_nu",
               names[r], m->name, m->name, m->name);
    PetscCall(VfeMaterialValue(m->name, "nu", w, &m->nu, &found));
    PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "region '%s': material '%s' has no Poisson ratio; set material_%s_nu", names[r], m->name, m->name);
    PetscCall(VfeMaterialValue(m->name, "strength", w, &m->strength, &found));
    if (!found) m->strength = 0;
    PetscCall(VfeMaterialValue(m->name, "yield_strain", w, &m->yield_strain, &found));
    if (!found) m->yield_strain = 0;
    if (qct && !strcmp(m->name, "cancellous")) { /* the density law, unless the user set the value */
      PetscCall(PetscOptionsHasName(NULL, NULL, "-material_cancellous_E", &user));
      if (!user) m->E = Ec;
      PetscCall(PetscOptionsHasName(NULL, NULL, "-material_cancellous_strength", &user));
      if (!user) m->strength = Sc;
    }
    PetscCheck(m->E > 0 && PetscIsNormalReal(m->E), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "material_%s_E = %g: Young's modulus must be finite and > 0 (MPa)", m->name, (double)m->E);
    PetscCheck(m->nu > -1.0 && m->nu < 0.5, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "material_%s_nu = %g: Poisson's ratio must lie in (-1, 0.5)", m->name, (double)m->nu);
  }
  if (diffuse) { /* cement-bone composite: HS estimate with the level's cancellous bone */
    PetscCheck(frac > 0 && frac <= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "cement_diffuse_fraction = %g must lie in (0, 1]", (double)frac);
    for (PetscInt r = 0; r < nregions; ++r) {
      if (!strchr(names[r], '.') || strcmp(VfeRegionTissue(names[r]), "cement")) continue;
      for (PetscInt b = 0; b < nregions; ++b) {
        const char *bt = VfeRegionTissue(names[b]);
        char cement[64];
        if ((strcmp(bt, "cancellous") && strcmp(bt, "body")) || !VfeRegionSameLevel(names[b], names[r])) continue;
        VfeHashinShtrikman(mats[b].E, mats[b].nu, mats[r].E, mats[r].nu, frac, &mats[r].E, &mats[r].nu);
        mats[r].strength = frac * mats[r].strength + (1 - frac) * mats[b].strength;
        PetscCall(PetscStrncpy(cement, mats[r].name, sizeof cement));
        PetscCall(PetscSNPrintf(mats[r].name, sizeof mats[r].name, "%s_bone_composite", cement));
      }
    }
  }
  PetscFunctionReturn(0);
}

PetscBool VfeMaterialsKnownKey(const char *key)
{
  return VfeKeyFind(&VfeMaterialsKeys, key) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode VfeMaterialsCheckKey(const char *key, PetscInt nregions, const char *const names[])
{
  char name[VFE_MATERIAL_NAME_MAX + 1] = "", libkey[VFE_MATERIAL_NAME_MAX + 8], opt[VFE_MATERIAL_NAME_MAX + 32];
  size_t klen = strlen(key), nlen = 0;
  PetscBool used = PETSC_FALSE, inlib = PETSC_FALSE, set;
  PetscOptions lib;
  PetscReal v;

  PetscFunctionBeginUser;
  if (!strncmp(key, "ligament_", 9)) { /* ligament_<name>_<field>: a known ligament, a value in range */
    const char *fields[] = {"_E1", "_E2", "_strain_t", "_area"};
    char lig[16]         = "";
    for (size_t f = 0; f < 4; ++f) {
      size_t flen = strlen(fields[f]);
      if (klen > 9 + flen && klen - 9 - flen < sizeof lig && !strcmp(key + klen - flen, fields[f])) {
        memcpy(lig, key + 9, klen - 9 - flen);
        lig[klen - 9 - flen] = 0;
      }
    }
    PetscCheck(lig[0] && VfeMaterialsIsLigament(lig), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "unknown key '%s': ligament keys are ligament_<ALL|PLL|LF|CL|ITL|ISL|SSL>_<E1|E2|strain_t|area>", key);
    PetscCall(PetscSNPrintf(opt, sizeof opt, "%s", key));
    PetscCall(VfeKeyGetReal(&VfeMaterialsKeys, opt, &v, &set));
    PetscFunctionReturn(0);
  }
  if (strncmp(key, "material_", 9)) PetscFunctionReturn(0);
  for (size_t f = 0; f < sizeof vfe_material_fields / sizeof vfe_material_fields[0] && !nlen; ++f) {
    size_t flen = strlen(vfe_material_fields[f]);
    if (klen > 9 + flen && !strcmp(key + klen - flen, vfe_material_fields[f])) nlen = klen - 9 - flen;
  }
  PetscCheck(nlen, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "unknown key '%s': material keys are material_<name>_E, _nu, _strength or _yield_strain", key);
  PetscCheck(nlen <= VFE_MATERIAL_NAME_MAX, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "material key '%.60s...' is too long: its material name has %d characters (allowed 1..%d)", key, (int)nlen,
             VFE_MATERIAL_NAME_MAX);
  memcpy(name, key + 9, nlen);
  name[nlen] = 0;
  for (PetscInt r = 0; r < nregions && !used; ++r) {
    char m[VFE_MATERIAL_NAME_MAX + 1];
    PetscCall(VfeRegionMaterialName(names[r], m, sizeof m));
    used = strcmp(m, name) ? PETSC_FALSE : PETSC_TRUE;
  }
  PetscCall(VfeLibraryGet(&lib));
  PetscCall(PetscSNPrintf(libkey, sizeof libkey, "-%s_E", name));
  PetscCall(PetscOptionsHasName(lib, NULL, libkey, &inlib));
  PetscCheck(used || inlib, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "unknown key '%s': no region uses a material '%s' and the library has none by that name", key, name);
  PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s", key));
  PetscCall(VfeMaterialUserReal(opt, &v, &set));
  PetscFunctionReturn(0);
}
