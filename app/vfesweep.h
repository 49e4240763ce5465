/*
 * vfesweep.h - `vfe sweep STUDY.yaml`: run every combination of a study's varied keys on a base case,
 * in-process (every MPI rank takes part in every case), resume finished cases, and write one tidy
 * table (sweep.csv), gnuplot plots and the fill-ratio window report.  Format: docs/sweeps.md.
 */
#pragma once

#include <petscsys.h>
#include "vfesweeptable.h"

/* Runs one case with the CURRENT options database (the sweep has inserted the base case, the
 * study's fixed overrides, the command line and the varied values), writing into outdir.
 * casefile is the base case's path (for the manifest).  row (may be NULL) receives the case's
 * metrics row (at least on rank 0); the caller destroys it.  Collective on comm. */
typedef PetscErrorCode (*VfeRunCaseFn)(MPI_Comm comm, const char *casefile, const char *outdir, VfeMetricsRow *row);

/* Runs the study in studyfile.  Bad studies fail before any case runs with PETSC_ERR_USER_INPUT and a
 * message naming the key or file.  A failing case is recorded (status column) and the sweep goes
 * on; at the end the first failure's error code is returned.  On return the options database holds
 * what it held on entry.  Collective on comm. */
PETSC_EXTERN PetscErrorCode VfeSweep(MPI_Comm comm, const char *studyfile, VfeRunCaseFn run);
/* The command-line options argv[firstopt..argc-1] (kept, not copied), which each case re-inserts as an
 * argument vector (VfeInsertCommandLine: a value with spaces stays one value).  Without it a case
 * re-inserts the options database's text as it was on entry. */
PETSC_EXTERN void VfeSweepSetCommandLine(int argc, char **argv, int firstopt);
