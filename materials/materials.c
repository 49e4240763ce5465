/*
 * materials.c - material library lookup and region -> material resolution.
 *
 * The library (library.yaml, compiled in as VfeMaterialLibraryYAML) is read with PETSc's own YAML
 * reader into a private options database, so `pmma: {E: 3000}` is looked up as `-pmma_E`.  User
 * values live in the global options database as -material_<name>_<field> and take precedence.
 * Bone quality (-bone_density normal|osteoporotic) selects the *_osteoporotic library values where
 * the library has them.  Invariant: every resolved material has E > 0 and -1 < nu < 0.5.
 */
#include "vfematerials.h"
#include <string.h>

extern const char VfeMaterialLibraryYAML[];

static PetscOptions vfe_library = NULL;

static PetscErrorCode VfeLibraryFinalize(void)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsDestroy(&vfe_library));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeLibraryGet(PetscOptions *lib)
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

/* Material name of a region: tissue after the last '.', endplate_* -> endplate, cement* -> the cement. */
static PetscErrorCode VfeRegionMaterialName(const char *region, char *name, size_t len)
{
  const char *dot = strrchr(region, '.');
  const char *tissue = dot ? dot + 1 : region;

  PetscFunctionBeginUser;
  if (dot && !strncmp(tissue, "endplate", 8)) {
    PetscCall(PetscStrncpy(name, "endplate", len));
  } else if (dot && !strncmp(tissue, "cement", 6)) {
    PetscBool set;
    PetscCall(PetscStrncpy(name, "pmma", len));
    PetscCall(PetscOptionsGetString(NULL, NULL, "-cement_material", name, len, &set));
  } else if (dot && !strcmp(tissue, "body")) {
    PetscCall(PetscStrncpy(name, "cancellous", len)); /* homogenised body of the simple segment */
  } else if (dot && !strcmp(tissue, "disc")) {
    PetscCall(PetscStrncpy(name, "annulus", len)); /* homogenised disc of the simple segment */
  } else {
    PetscCall(PetscStrncpy(name, tissue, len));
  }
  PetscFunctionReturn(0);
}

/* Value of one field: user option -material_<name>_<field>, else the library (osteoporotic variant
 * first when asked for), else not found. */
static PetscErrorCode VfeMaterialField(const char *name, const char *field, PetscBool osteo, PetscReal *v, PetscBool *found)
{
  char         key[256];
  PetscOptions lib;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(key, sizeof key, "-material_%s_%s", name, field));
  PetscCall(PetscOptionsGetReal(NULL, NULL, key, v, found));
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

PetscErrorCode VfeMaterialsResolve(PetscInt nregions, const char *const names[], VfeMaterial mats[])
{
  char      density[64] = "normal";
  PetscBool osteo, found;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-bone_density", density, sizeof density, NULL));
  PetscCheck(!strcmp(density, "normal") || !strcmp(density, "osteoporotic"), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "bone_density: unknown value '%s' (allowed: normal, osteoporotic)", density);
  osteo = strcmp(density, "osteoporotic") ? PETSC_FALSE : PETSC_TRUE;
  for (PetscInt r = 0; r < nregions; ++r) {
    VfeMaterial *m = &mats[r];

    PetscCall(PetscMemzero(m, sizeof *m));
    PetscCall(VfeRegionMaterialName(names[r], m->name, sizeof m->name));
    PetscCall(VfeMaterialField(m->name, "E", osteo, &m->E, &found));
    PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "region '%s': material '%s' is not in the library; define it with material_%s_E and material_%s_nu",
               names[r], m->name, m->name, m->name);
    PetscCall(VfeMaterialField(m->name, "nu", osteo, &m->nu, &found));
    PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "region '%s': material '%s' has no Poisson ratio; set material_%s_nu",
               names[r], m->name, m->name);
    PetscCheck(m->E > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "material_%s_E = %g: Young's modulus must be > 0 (MPa)", m->name,
               (double)m->E);
    PetscCheck(m->nu > -1.0 && m->nu < 0.5, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "material_%s_nu = %g: Poisson's ratio must lie in (-1, 0.5)", m->name, (double)m->nu);
    PetscCall(VfeMaterialField(m->name, "strength", osteo, &m->strength, &found));
    if (!found) m->strength = 0;
    PetscCall(VfeMaterialField(m->name, "yield_strain", osteo, &m->yield_strain, &found));
    if (!found) m->yield_strain = 0;
  }
  PetscFunctionReturn(0);
}

PetscBool VfeMaterialsKnownKey(const char *key)
{
  if (!strncmp(key, "material_", 9)) return PETSC_TRUE;
  return (!strcmp(key, "cement_material") || !strcmp(key, "bone_density")) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode VfeMaterialsCheckKey(const char *key, PetscInt nregions, const char *const names[])
{
  static const char *fields[] = {"_yield_strain", "_strength", "_nu", "_E"};
  char               name[128] = "", libkey[160];
  size_t             klen = strlen(key);
  PetscBool          used = PETSC_FALSE, inlib = PETSC_FALSE;
  PetscOptions       lib;

  PetscFunctionBeginUser;
  if (strncmp(key, "material_", 9)) PetscFunctionReturn(0);
  for (size_t f = 0; f < sizeof fields / sizeof fields[0] && !name[0]; ++f) {
    size_t flen = strlen(fields[f]);
    if (klen > 9 + flen && !strcmp(key + klen - flen, fields[f])) PetscCall(PetscStrncpy(name, key + 9, klen - 9 - flen + 1));
  }
  PetscCheck(name[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "unknown key '%s': material keys are material_<name>_E, _nu, _strength or _yield_strain", key);
  for (PetscInt r = 0; r < nregions && !used; ++r) {
    char m[64];
    PetscCall(VfeRegionMaterialName(names[r], m, sizeof m));
    used = strcmp(m, name) ? PETSC_FALSE : PETSC_TRUE;
  }
  PetscCall(VfeLibraryGet(&lib));
  PetscCall(PetscSNPrintf(libkey, sizeof libkey, "-%s_E", name));
  PetscCall(PetscOptionsHasName(lib, NULL, libkey, &inlib));
  PetscCheck(used || inlib, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "unknown key '%s': no region uses a material '%s' and the library has none by that name", key, name);
  PetscFunctionReturn(0);
}
