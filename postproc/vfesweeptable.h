/*
 * vfesweeptable.h - the results of a sweep: one tidy table (sweep.csv), the fill-ratio window
 * report (windows.md, windows.csv) and plots (plots/).  The application runs the cases
 * (app/sweep.c) and hands each case over in case order; this component only formats and analyses.
 * Rank 0 only (no collective calls).  Format of the files: docs/sweeps.md.
 */
#pragma once
#include <petscsys.h>

/* One case's metrics in memory: column names and values, as in its metrics.csv. */
typedef struct {
  PetscInt n;
  char **names, **values;
} VfeMetricsRow;

PETSC_EXTERN PetscErrorCode VfeMetricsRowDestroy(VfeMetricsRow *row);
/* A number written as text (a table cell, a study value): NaN when empty or not a number. */
PETSC_EXTERN double VfeSweepParseNumber(const char *s);
/* The row a finished run recorded in <dir>/summary.json ("table"); n = 0 if it has none or the
 * file cannot be read (no error: the case then shows only its varied values). */
PETSC_EXTERN PetscErrorCode VfeMetricsRowFromSummary(const char *dir, VfeMetricsRow *row);

typedef struct _n_VfeSweepTable *VfeSweepTable;

/* A table for nrows cases whose first columns are the nvary varied keys (study order).  study is
 * the study file's name (for the report), threshold the adjacent relative-risk bound of a window. */
PETSC_EXTERN PetscErrorCode VfeSweepTableCreate(const char *study, PetscReal threshold, PetscInt nvary,
                                                const char *const keys[], PetscInt nrows, VfeSweepTable *t);
/* One case: its varied values (nvary), status ("ok", "resumed", "failed:<code>"), directory relative
 * to the sweep's output dir, and its nm metrics as name/value strings (empty value: no number). */
PETSC_EXTERN PetscErrorCode VfeSweepTableAddRow(VfeSweepTable t, const char *const vals[], const char *status,
                                                const char *casedir, PetscInt nm, const char *const names[],
                                                const char *const values[]);
/* outdir/sweep.csv, outdir/windows.md and windows.csv, outdir/plots/; each file atomically. */
PETSC_EXTERN PetscErrorCode VfeSweepTableWrite(VfeSweepTable t, const char *outdir);
PETSC_EXTERN PetscErrorCode VfeSweepTableDestroy(VfeSweepTable *t);
