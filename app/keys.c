/*
 * keys.c - the key registry: which options vfe reads.  Each component declares its keys once in
 * its own table (util/vfekeys.h: app here, mesh/keys.c, materials/keys.c, solver/keys.c); this
 * file aggregates them.  The tables drive the key check of a case (case.c), `vfe help`, the keys a
 * sweep accepts (sweep.c) and the key table of docs/user-guide.md (`vfe help --markdown`, compared
 * by the test docs_keys).  PETSc's solver, DM and logging options are passed on by prefix.
 */
#include "vfeapp.h"
#include "vfekeys.h"
#include <stdio.h>
#include <string.h>

#define POS (VFE_KEY_MIN | VFE_KEY_MIN_OPEN)

/* keys the application reads itself (case.c, run.c) */
static const VfeKey app_keys[] = {
    {"case_version", VFE_KEY_INT, "", 0, 0, 0, NULL, "—", "must be 1"},
    {"output_dir", VFE_KEY_STRING, "", 0, 0, 0, NULL, "`out/default`", "output directory (created)"},
    {"mesh_geometry", VFE_KEY_STRING, "", 0, 0, 0, "segment|simple|ct|surfaces", "`segment`",
     "`segment`: the parametric anatomy below; `simple`: three elliptic cylinders and two discs with an ellipsoidal "
     "cement bolus in L2 (the peers' benchmark geometry); `ct`: one vertebra from a CT label image (`ct_*` keys); "
     "`surfaces`: a segment from STL "
     "bodies and hexahedral discs (`surfaces_*` keys)"},
    {"mesh_file", VFE_KEY_STRING, "", 0, 0, 0, NULL, "—",
     "solve this MSH file instead of meshing (volume physical groups = regions, surface groups = boundaries)"},
    {"fracture_cancellous_factor", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 1, NULL, "—",
     "fractured, untreated level: scales the treated level's cancellous E and strength; the baseline restores it"},
    {"baseline", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "false",
     "also solve the intact baseline (same mesh and load, cement replaced by the level's cancellous bone, no fracture "
     "softening) and report relative indices"},
    {"bc_fixed", VFE_KEY_STRING, "", 0, 0, 0, NULL, "`fixed_bottom`",
     "boundary surface clamped (all displacement components zero)"},
    {"bc_load", VFE_KEY_STRING, "", 0, 0, 0, NULL, "`load_top`", "boundary surface loaded"},
    {"vfe_write_fields", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "true", "write `fields.hdf`"},
    {"model_fibres", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "true",
     "tension-only collagen fibres in every `<disc>.annulus` with a `<disc>.nucleus` (false: isotropic annulus)"},
    {"model_ligaments", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "true",
     "tension-only ligaments between the mesh's attachment points `<disc>.<LIG>_upper` / `_lower`, where it has them "
     "(the segment with posterior elements: all seven; mesh_geometry surfaces: ALL and PLL)"},
    {"model_facet_contact", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "true",
     "frictionless contact across the facet joints `<disc>.facet_<side>_upper` / `_lower`, where the mesh has them"},
    {"model_facet_penalty", VFE_KEY_REAL, "N/mm³", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 1e7, NULL, "1000",
     "facet contact penalty (contact pressure per mm of penetration)"},
    {"model_ligament_radius_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MIN_OPEN | VFE_KEY_MAX, 0, 50, NULL,
     "max(3, 1.2 mesh_size_mm)", "radius around each attachment point whose nodes carry the ligament"},
};
static const VfeKeyTable app_table = {"app", app_keys, sizeof app_keys / sizeof app_keys[0]};

PetscErrorCode VfeAppKeyGetBool(const char *name, PetscBool *v, PetscBool *set)
{
  return VfeKeyGetBool(&app_table, name, v, set);
}

PetscErrorCode VfeAppKeyGetReal(const char *name, PetscReal *v, PetscBool *set)
{
  return VfeKeyGetReal(&app_table, name, v, set);
}

/* every component's table, in the order `vfe help` and the user guide list them */
static const VfeKeyTable *const vfe_tables[] = {&app_table, &VfeMeshKeys, &VfeMaterialsKeys, &VfeSolverKeys};
#define NTABLES (sizeof vfe_tables / sizeof vfe_tables[0])

/* PETSc's own option prefixes (solver, DM, logging, debugging) */
static const char *petsc_prefixes[] = {"ksp_",
                                       "pc_",
                                       "mg_",
                                       "dm_",
                                       "mat_",
                                       "vec_",
                                       "vfe_mat_",
                                       "vfe_pmg_",
                                       "vfe_schur_",
                                       "log",
                                       "options_",
                                       "info",
                                       "malloc",
                                       "help",
                                       "version",
                                       "on_error",
                                       "fp_trap",
                                       "memory_view",
                                       "check_pointer_intensity",
                                       "use_gpu_aware_mpi",
                                       "viewer_",
                                       "history",
                                       "no_signal_handler",
                                       "petscpartitioner_",
                                       "petscsf_",
                                       "sf_",
                                       "skip_petscrc",
                                       "objects_dump",
                                       "options_left",
                                       "device_",
                                       "cuda_",
                                       "nox",
                                       "mpiuni",
                                       NULL};

static const VfeKey *VfeKeyLookup(const char *key)
{
  for (size_t i = 0; i < NTABLES; ++i) {
    const VfeKey *k = VfeKeyFind(vfe_tables[i], key);
    if (k) return k;
  }
  return NULL;
}

static PetscBool VfePetscKey(const char *key)
{
  for (int i = 0; petsc_prefixes[i]; ++i)
    if (!strncmp(key, petsc_prefixes[i], strlen(petsc_prefixes[i]))) return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscBool VfeKnownKey(const char *key)
{
  return VfeKeyLookup(key) || VfePetscKey(key) ? PETSC_TRUE : PETSC_FALSE;
}

/* PETSc options that write or read a file, or start a program, named by their value or by themselves:
 * refused in case and study files (VfeFileOptionKey), allowed on the command line. */
static const char *file_prefixes[] = {"log_trace",
                                      "options_file",
                                      "history",
                                      "viewer_",
                                      "malloc_dump",
                                      "objects_dump",
                                      "on_error_attach_debugger",
                                      "start_in_debugger",
                                      "debugger",
                                      NULL};

PetscBool VfeFileOptionKey(const char *key, const char *value)
{
  size_t n           = strlen(key);
  PetscBool hasvalue = value && value[0] ? PETSC_TRUE : PETSC_FALSE;

  if (VfeKeyLookup(key)) return PETSC_FALSE; /* vfe's own keys (output_dir, mesh_file) are vfe's to check */
  if (strstr(key, "_view") || (n >= 4 && !strcmp(key + n - 4, "view"))) return PETSC_TRUE;
  for (int i = 0; file_prefixes[i]; ++i)
    if (!strncmp(key, file_prefixes[i], strlen(file_prefixes[i]))) return PETSC_TRUE;
  /* monitors and converged-reason reports take a viewer (ascii:FILE, binary:FILE, ...) as their value;
   * -info takes a file name */
  if (hasvalue && (strstr(key, "monitor") || strstr(key, "converged_reason") || !strncmp(key, "info", 4)))
    return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode VfeKeysCheckValue(const char *key, const char *value)
{
  const VfeKey *k = VfeKeyLookup(key);

  PetscFunctionBeginUser;
  if (k) PetscCall(VfeKeyCheckValue(k, key, value));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeKeysPrintHelp(FILE *f)
{
  PetscFunctionBeginUser;
  fprintf(f, "Keys (case file: nested maps join with '_'; command line: -key value). Defaults in [].\n");
  for (size_t i = 0; i < NTABLES; ++i) {
    fprintf(f, "%s:\n", vfe_tables[i]->component);
    for (PetscInt j = 0; j < vfe_tables[i]->n; ++j) {
      const VfeKey *k = &vfe_tables[i]->keys[j];
      char allowed[256];
      PetscCall(VfeKeyAllowed(k, allowed, sizeof allowed));
      fprintf(f, "  %-36s %s%s%s [%s]\n      %s\n", k->name, allowed, k->unit[0] ? " " : "", k->unit, k->def, k->help);
    }
  }
  fprintf(f, "PETSc options pass through to PETSc: prefixes");
  for (int i = 0; petsc_prefixes[i]; ++i) fprintf(f, " %s", petsc_prefixes[i]);
  fprintf(f, "\n");
  PetscFunctionReturn(0);
}

PetscErrorCode VfeKeysPrintMarkdown(FILE *f)
{
  PetscFunctionBeginUser;
  fprintf(f, "| key | allowed | unit | default | meaning |\n| --- | --- | --- | --- | --- |\n");
  for (size_t i = 0; i < NTABLES; ++i)
    for (PetscInt j = 0; j < vfe_tables[i]->n; ++j) {
      const VfeKey *k = &vfe_tables[i]->keys[j];
      char allowed[256];
      PetscCall(VfeKeyAllowed(k, allowed, sizeof allowed));
      fprintf(f, "| `%s` | %s | %s | %s | %s |\n", k->name, allowed, k->unit[0] ? k->unit : "—", k->def, k->help);
    }
  PetscFunctionReturn(0);
}
