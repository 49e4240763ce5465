/*
 * vfeapp.h - the application layer: what the `vfe` command does with the other components.
 *
 *   keys.c   the key registry: every key vfe reads and the PETSc prefixes it passes on
 *   case.c   a case file (or the built-in default case) and the command line into the options database
 *   run.c    one case: mesh, materials, solve (and the intact baseline), post-processing, outputs
 *   sweep.c  many cases of a study (vfesweep.h); the table and plots are postproc's (vfesweeptable.h)
 *   main.c   the command line (the `vfe` executable only)
 *
 * The application is the only layer that knows all the others: app -> postproc -> solver -> mesh,
 * materials.  Exit codes: 0 success; 1 bad input; 2 the solver did not converge; 3 I/O failure.
 */
#pragma once
#include <petscsys.h>
#include <stdio.h>
#include "vfesweep.h"
#include "vfesolver.h"
#include "vfemesh.h"
#include "vfematerials.h"
#include "vfepost.h"

/* PETSC_TRUE if some part of vfe or PETSc reads the option `key` (no leading dash). */
PETSC_EXTERN PetscBool VfeKnownKey(const char *key);
/* PETSC_TRUE if the PETSc option `key` (no leading dash) with `value` (NULL or "": none) names a file or
 * a viewer, or starts a program: any key containing _view or ending in view, log_trace*, options_file*,
 * history*, viewer_*, malloc_dump*, objects_dump*, the debugger options, and *monitor*,
 * *converged_reason* and info* with a value.  Case and study files may not set these (the command
 * line may).  vfe's own keys are never such keys. */
PETSC_EXTERN PetscBool VfeFileOptionKey(const char *key, const char *value);
/* Check the value of a key of the registry (type, choices, range); other keys pass. */
PETSC_EXTERN PetscErrorCode VfeKeysCheckValue(const char *key, const char *value);
/* `vfe help`: every key of every component; `vfe help --markdown`: the table of docs/user-guide.md. */
PETSC_EXTERN PetscErrorCode VfeKeysPrintHelp(FILE *f);
PETSC_EXTERN PetscErrorCode VfeKeysPrintMarkdown(FILE *f);

/* Read the case file (NULL: the built-in default case) into the options database, then insert the
 * command-line options argv[firstopt..argc-1] again so that they win; checks case_version. */
PETSC_EXTERN PetscErrorCode VfeLoadCase(MPI_Comm comm, const char *casefile, int argc, char **argv, int firstopt);
/* The command-line options argv[firstopt..argc-1] into the options database: each -options_file F and
 * -options_file_yaml F is read first (checked on rank 0: an unreadable or malformed file is an error
 * naming it, never echoing its contents), then the other options, which win. */
PETSC_EXTERN PetscErrorCode VfeInsertCommandLine(MPI_Comm comm, int argc, char **argv, int firstopt);
/* PETSC_TRUE for -options_file and -options_file_yaml: the options VfeInsertCommandLine reads itself
 * (main() keeps them, with their values, from PetscInitialize). */
PETSC_EXTERN PetscBool VfeOptionsFileArg(const char *arg);
/* Every option in the database must be a known key; returns the material_* keys (caller frees each
 * and the array with PetscFree) for the check against the mesh's regions. */
PETSC_EXTERN PetscErrorCode VfeCheckKeys(MPI_Comm comm, PetscInt *nmat, char ***matkeys);

/* Run one case from the current options database, writing into outdir (NULL: -output_dir).
 * casefile is only recorded in the manifest; row (may be NULL) receives the metrics row.
 * Collective.  A VfeRunCaseFn for VfeSweep. */
PETSC_EXTERN PetscErrorCode VfeRunCase(MPI_Comm comm, const char *casefile, const char *outdir, VfeMetricsRow *row);
/* `vfe mesh`: build (or load) and check the mesh, write mesh.hdf and mesh.json; no solve. */
PETSC_EXTERN PetscErrorCode VfeMeshCase(MPI_Comm comm, const char *casefile, const char *outdir, VfeMetricsRow *row);

/* Free what the cases of this process kept for reuse (the last case's mesh, space and problem). */
PETSC_EXTERN PetscErrorCode VfeRunFinalize(void);
/* Checked readers of the application's own keys (keys.c). */
PETSC_EXTERN PetscErrorCode VfeAppKeyGetBool(const char *name, PetscBool *v, PetscBool *set);
PETSC_EXTERN PetscErrorCode VfeAppKeyGetReal(const char *name, PetscReal *v, PetscBool *set);
/* Annulus fibres, ligaments and facet contact of the model, from the mesh's names (structures.c). */
PETSC_EXTERN PetscErrorCode VfeModelAddStructures(VfeProblem prob, const VfeMeshInfo *info);
/* segment_posterior_elements when a case leaves it unset and vfe builds the parametric segment (structures.c):
 * on under a moment or with a wedge fracture, where the posterior column and the ligaments carry load; off under a
 * compressive load alone on an unfractured segment, where they carry almost none of it (docs/validation.md) */
typedef struct {
  PetscBool applies; /* the key is unset and the geometry reads it */
  PetscBool on;      /* the default for this case */
  char why[128];
} VfePosteriorChoice;
/* Reads the options database (never an error for a bad load or wedge value: the run reports those) */
PETSC_EXTERN PetscErrorCode VfePosteriorDefault(VfePosteriorChoice *c);
/* A sweep: on for every case when c->on (c: the study's reason), NULL: each case by itself again */
PETSC_EXTERN void VfePosteriorSetStudy(const VfePosteriorChoice *c);

/* The process exit code of a PETSc error code (0, 1, 2 or 3, see above). */
PETSC_EXTERN int VfeExitCode(PetscErrorCode ierr);

/* Density-mapped bone (ctmap.c): with -ct_image, a Young's modulus and a density per local cell of the bone
 * regions (0 elsewhere: the region's material), from the calibrated CT (Bonemat-style, see ctmap.c). */
typedef struct {
  VfeDensityMapInfo info; /* what it did (summary.json density_mapping) */
  VfeDensityLaw law;
  PetscReal *E, *rho; /* per local cell: MPa, mg/cm^3 (0 outside the bone regions) */
} VfeCTMap;
PETSC_EXTERN PetscErrorCode VfeCTMapCreate(MPI_Comm comm, VfeSpace sp, const VfeMeshInfo *info, VfeCTMap *map);
/* The baseline's cell moduli (caller frees): cement cells take their level's mean mapped cancellous modulus. */
PETSC_EXTERN PetscErrorCode VfeCTMapBaseline(MPI_Comm comm, VfeSpace sp, const VfeMeshInfo *info, const VfeCTMap *map,
                                             PetscReal **bE);
PETSC_EXTERN PetscErrorCode VfeCTMapView(MPI_Comm comm, const VfeCTMap *map);
PETSC_EXTERN PetscErrorCode VfeCTMapDestroy(VfeCTMap *map);
