/*
 * vfepost.h - post-processing: cell fields (stress, von Mises, principal stress, strain energy
 * density), per-region statistics, and the run summary.
 */
#pragma once
#include "vfesolver.h"

/* Cell-wise fields at the cell centroid (P1: constant per cell; P2: the centroid value). */
typedef struct {
  PetscInt   ncells;
  PetscReal *stress;   /* 6 per cell: xx, yy, zz, xy, yz, xz (MPa) */
  PetscReal *vm;       /* von Mises (MPa) */
  PetscReal *minp;     /* minimum principal stress (MPa; most compressive) */
  PetscReal *sed;      /* strain energy density 1/2 sigma:eps (mJ/mm^3 = MPa) */
  PetscReal *strain;   /* 6 per cell, tensor components */
  PetscReal *vol;      /* cell volume (mm^3) */
} VfeCellFields;

PETSC_EXTERN PetscErrorCode VfeComputeCellFields(VfeProblem prob, Vec ulocal, VfeCellFields *cf);
PETSC_EXTERN PetscErrorCode VfeCellFieldsDestroy(VfeCellFields *cf);

/* Statistics of one region, volume-weighted; identical on all ranks and for any rank count. */
typedef struct {
  PetscInt  ncells;
  PetscReal volume;
  PetscReal vm_mean, vm_p95, vm_max;             /* von Mises */
  PetscReal comp_mean, comp_p95, comp_max;       /* compression = -(minimum principal stress) */
  PetscReal minp_mean, minp_min;                 /* minimum principal stress itself */
  PetscReal sed_mean;
} VfeRegionStats;

PETSC_EXTERN PetscErrorCode VfeRegionStatistics(VfeDisc disc, const VfeCellFields *cf, PetscInt nregions, VfeRegionStats *stats);
