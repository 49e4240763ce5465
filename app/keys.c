/*
 * keys.c - the key registry: which options vfe reads.  The application's own keys are listed
 * here; the materials and the segment mesher answer for theirs (VfeMaterialsKnownKey,
 * VfeSegmentKnownKey); PETSc's solver, DM and logging options are passed on by prefix.
 */
#include "vfeapp.h"
#include "vfematerials.h"
#include "vfemesh.h"
#include <string.h>

/* keys the driver reads itself */
static const char *driver_keys[] = {"case_version",
                                    "output_dir",
                                    "mesh_file",
                                    "mesh_order",
                                    "load_axial_N",
                                    "bc_fixed",
                                    "bc_load",
                                    "vfe_assembly",
                                    "vfe_backend",
                                    "vfe_write_fields",
                                    "mesh_geometry",
                                    "baseline",
                                    "load_case",
                                    "load_moment_Nm",
                                    "load_mode",
                                    "fracture_cancellous_factor",
                                    NULL};
/* PETSc's own option prefixes (solver, DM, logging, debugging) */
static const char *petsc_prefixes[] = {"ksp_",
                                       "pc_",
                                       "mg_",
                                       "dm_",
                                       "mat_",
                                       "vec_",
                                       "vfe_mat_",
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

/* PETSC_TRUE if some part of vfe or PETSc reads the option `key` (no leading dash). */
PetscBool VfeKnownKey(const char *key)
{
  for (int i = 0; driver_keys[i]; ++i)
    if (!strcmp(key, driver_keys[i])) return PETSC_TRUE;
  for (int i = 0; petsc_prefixes[i]; ++i)
    if (!strncmp(key, petsc_prefixes[i], strlen(petsc_prefixes[i]))) return PETSC_TRUE;
  if (VfeMaterialsKnownKey(key)) return PETSC_TRUE;
  return VfeSegmentKnownKey(key);
}
