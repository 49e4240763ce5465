/*
 * vfepost.h - post-processing: cell fields (stress, von Mises, principal stress, strain energy
 * density), per-region statistics, and the run summary.
 */
#pragma once
#include "vfesolver.h"
#include "vfemesh.h"
#include "vfematerials.h"
#include "vfesweeptable.h"

/* Cell-wise fields at the cell centroid (P1: constant per cell; P2: the centroid value). */
typedef struct {
  PetscInt ncells;
  PetscReal *stress; /* 6 per cell: xx, yy, zz, xy, yz, xz (MPa) */
  PetscReal *vm;     /* von Mises (MPa) */
  PetscReal *minp;   /* minimum principal stress (MPa; most compressive) */
  PetscReal *sed;    /* strain energy density 1/2 sigma:eps (mJ/mm^3 = MPa) */
  PetscReal *strain; /* 6 per cell, tensor components */
  PetscReal *vol;    /* cell volume (mm^3) */
} VfeCellFields;

PETSC_EXTERN PetscErrorCode VfeComputeCellFields(VfeProblem prob, Vec ulocal, VfeCellFields *cf);
PETSC_EXTERN PetscErrorCode VfeCellFieldsDestroy(VfeCellFields *cf);

/* Statistics of one region, volume-weighted; identical on all ranks and for any rank count. */
typedef struct {
  PetscInt ncells;
  PetscReal volume;
  PetscReal vm_mean, vm_p95, vm_max;       /* von Mises */
  PetscReal comp_mean, comp_p95, comp_max; /* compression = -(minimum principal stress) */
  PetscReal minp_mean, minp_min;           /* minimum principal stress itself */
  PetscReal sed_mean;
  PetscReal pressure_mean;  /* -(mean hydrostatic stress) = -tr(sigma)/3, volume mean (MPa) */
  PetscReal yield_fraction; /* volume fraction with compressive strain -eps_min > yield strain (0 if none given) */
} VfeRegionStats;

/* yield_strain[r] > 0 enables the yield-fraction statistic of region r (NULL: none). */
PETSC_EXTERN PetscErrorCode VfeRegionStatistics(VfeSpace sp, const VfeCellFields *cf, PetscInt nregions,
                                                const PetscReal *yield_strain, VfeRegionStats *stats);

/* Headline indices of a segment run (postproc/risk.c).  Levels follow the region names
 * (<lvl>.<tissue>, lvl in T12, L1..L5); "above" is the cranial neighbour of the treated level. */
#define VFE_MAX_DISCS 8
typedef struct {
  char treated[8], above[8], below[8];                       /* level names, "" when absent */
  PetscReal adj_above_vm_mean, adj_above_vm_p95;             /* inferior endplate of the level above (NaN: none) */
  PetscReal adj_below_vm_mean, adj_below_vm_p95;             /* superior endplate of the level below */
  PetscReal treated_risk, adj_above_risk, adj_below_risk;    /* factor of risk, see risk.c */
  PetscReal treated_yield, adj_above_yield, adj_below_yield; /* endplate volume fraction beyond yield strain */
  PetscInt ndiscs;
  char disc[VFE_MAX_DISCS][16];
  PetscReal idp[VFE_MAX_DISCS]; /* intradiscal pressure of each nucleus (MPa) */
} VfeIndices;

/* treated: the treated level (e.g. "L2"; NULL or "": the level that holds a <lvl>.cement region). */
PETSC_EXTERN PetscErrorCode VfeComputeIndices(const VfeMeshInfo *info, const VfeMaterial *mats,
                                              const VfeRegionStats *stats, const char *treated, VfeIndices *ix);

/* Rigid-body motion of each vertebral level, range of motion of each motion segment and the load
 * share of each disc (postproc/motion.c).  Angles in degrees, positive in the direction of the load
 * modes flexion (x), lateral_left (y), torsion_left (z): rot = (-theta_x, theta_y, theta_z) for the
 * right-handed small rotation vector theta (+x left, +y anterior, +z cranial). */
typedef struct {
  PetscInt nlevels;                                    /* vertebral levels present, cranial to caudal */
  char level[VFE_NLEVELS][8];                          /* their names */
  PetscInt nodes[VFE_NLEVELS];                         /* nodes of the level (global count) */
  PetscReal center[VFE_NLEVELS][3];                    /* volume centroid of the level's regions (mm) */
  PetscReal trans[VFE_NLEVELS][3];                     /* translation of the center (mm) */
  PetscReal rot[VFE_NLEVELS][3];                       /* rotation (degrees, axes and signs above) */
  PetscReal rms[VFE_NLEVELS];                          /* rms distance of the nodal displacements from the fit (mm) */
  PetscInt nsegs;                                      /* motion segments: adjacent levels U over L */
  char seg[VFE_MAX_DISCS][16];                         /* named by their disc, U L (e.g. L1L2) */
  PetscInt upper[VFE_MAX_DISCS], lower[VFE_MAX_DISCS]; /* indices into level[] */
  PetscReal rom[VFE_MAX_DISCS][3];                     /* rotation of U relative to L (degrees) */
  PetscReal total[3];                                  /* top level relative to the bottom level (degrees) */
  PetscBool posterior;                                 /* the mesh has <lvl>.posterior regions */
  PetscBool have_share;                                /* the load-share fields below were computed */
  PetscReal axial[VFE_MAX_DISCS];                      /* compression through the disc along the U-L centre line (N) */
  PetscReal force[VFE_MAX_DISCS][3];                   /* force of U on the disc, summed over their interface (N) */
  PetscReal balance[VFE_MAX_DISCS];         /* |N(upper interface) - N(lower interface)| / |N|: equilibrium check */
  PetscReal disc_share[VFE_MAX_DISCS];      /* axial / applied axial force (NaN when that is 0) */
  PetscReal posterior_share[VFE_MAX_DISCS]; /* 1 - disc_share with posterior elements, else NaN */
} VfeMotion;

/* The motion of every level: a least-squares rigid-body fit (translation t, small rotation theta)
 * to the displacement of its nodes, u ~ t + theta x (x - c), over the owned nodes of all ranks; then
 * the relative rotations.  With prob (may be NULL) also each disc's axial force and load share:
 * force is the applied axial force (load_axial_N).  Collective; identical on all ranks. */
PETSC_EXTERN PetscErrorCode VfeComputeMotion(VfeSpace sp, VfeProblem prob, Vec ulocal, const VfeMeshInfo *info,
                                             PetscReal force, VfeMotion *m);
/* The k-th metrics column of m (k < VfeMotionNumMetrics(m)): name and value. */
PETSC_EXTERN PetscInt VfeMotionNumMetrics(const VfeMotion *m);
PETSC_EXTERN PetscErrorCode VfeMotionMetric(const VfeMotion *m, PetscInt k, char *name, size_t len, PetscReal *v);
/* Log lines: rotations, ranges of motion, disc forces. */
PETSC_EXTERN PetscErrorCode VfeMotionView(MPI_Comm comm, const VfeMotion *m);

/* What the density mapping of a CT model did (app/ctmap.c), for the outputs. */
typedef struct {
  PetscBool on;
  char image[PETSC_MAX_PATH_LEN];
  char law[32], law_species[16], species[16]; /* ct_density_law, its calibration density, the image's species */
  PetscBool hu;                               /* HU through the phantom calibration (else mg/cm^3) */
  PetscReal a, b, c, Emin;                    /* E = a + b rho^c (MPa, g/cm^3), at least Emin */
  PetscInt ncells;                            /* bone elements mapped (all ranks) */
  PetscReal volume;                           /* their volume (mm^3) */
  PetscReal rho_mean;                         /* volume-weighted mean density (mg/cm^3) */
  PetscReal E_mean, E_min, E_max;             /* MPa */
  PetscInt nclamped;                          /* bone voxels with a negative density, clamped to 0 */
  PetscInt nnearest, noutside;                /* elements that took the nearest bone voxel / none: Emin */
  PetscReal t_map;                            /* seconds, reading the images included */
} VfeDensityMapInfo;

#define VFE_RUN_MAX_MEMBERS 96
/* Everything a run reports (postproc/summary.c writes it). */
typedef struct {
  const char *casefile, *meshfile, *outdir; /* as recorded in the outputs */
  const char *meshpath;                     /* the mesh file to hash (NULL: meshfile), e.g. where vfe wrote it */
  const char *meshhash;                     /* its hash when already known (NULL or "": hashed here) */
  const char *writedir; /* where summary.json and metrics.csv go (NULL: outdir), e.g. a temporary directory */
  PetscMPIInt size;
  const VfeMeshInfo *info;
  const VfeMaterial *mats;
  const VfeRegionStats *stats, *base_stats; /* base_stats NULL without baseline */
  VfeIndices ix, base_ix;
  VfeSegmentReport seg;        /* NULL when the mesh came from a file or the simple geometry */
  PetscBool posterior;         /* seg: segment_posterior_elements */
  char posterior_default[128]; /* seg: why that key took its default ("": the case set it) */
  VfeCTReport ct;              /* the CT mesher's report (mesh_geometry ct), else NULL */
  VfeDensityMapInfo ctmap;     /* density-mapped bone (ctmap.on false: none) */
  VfeLoad load;
  VfeFollowerPath follower; /* with load.follower */
  VfeMotion motion;         /* rotations, range of motion, disc load share (motion.nlevels 0: none) */
  PetscInt nmembers;        /* ligaments and facet contacts (solver groups), at most VFE_RUN_MAX_MEMBERS */
  VfeMemberGroupInfo members[VFE_RUN_MAX_MEMBERS];
  PetscReal fibre_taut;                           /* fraction of the annulus fibre points taut (-1: no fibres) */
  PetscInt active_its, its_total;                 /* active-set iterations and Krylov iterations over them */
  PetscInt pc_rebuilds;                           /* GAMG hierarchies built anew in the active-set loop */
  PetscReal Fapp[3], Mapp[3], Freac[3], Mreac[3]; /* about the load-surface centroid */
  PetscReal plate_uz, stiffness, base_plate_uz, base_stiffness;
  PetscInt ncells, ndofs, order, its, base_its;
  const char *reason;
  const char *formulation;        /* VfeProblemDescribe */
  const char *matrix_type;        /* VfeProblemMatrixType */
  const char *smoother_precision; /* VfeProblemSmootherPrecision */
  PetscInt smoother_patches;      /* VfeProblemSmootherPatches */
  PetscReal rnorm;
  PetscReal t_pc1, base_t_pc; /* preconditioner set-up of the first solve and of the baseline (reused) */
  char cement_material[64], bone_density[64];
  PetscReal t_mesh, t_setup, t_asm, t_pc, t_solve, t_post, t_out, t_total;
} VfeRunRecord;

/* The metrics row of a run (metrics.csv's columns, values as written there; same on every rank). */
PETSC_EXTERN PetscErrorCode VfeRunMetricsRow(const VfeRunRecord *r, VfeMetricsRow *row);
/* summary.json and metrics.csv (rank 0) into r->writedir, atomically; summary.json last.  row (may be NULL) receives
 * the metrics row on every rank; the caller destroys it. */
PETSC_EXTERN PetscErrorCode VfeWriteRunOutputs(MPI_Comm comm, const VfeRunRecord *r, VfeMetricsRow *row);
/* vfe mesh: mesh.hdf (ParaView: the tetrahedra with cell data `region`, the index into the region
 * list) and mesh.json (that list, the MSH file and its hash, the segment or CT report when vfe meshed),
 * written into dir.  meshfile is the name recorded, meshpath (NULL: meshfile) the file hashed. */
PETSC_EXTERN PetscErrorCode VfeWriteMeshOutputs(MPI_Comm comm, const char *dir, VfeSpace d, const VfeMeshInfo *info,
                                                VfeSegmentReport seg, VfeCTReport ct, const char *meshfile,
                                                const char *meshpath);
/* fields.hdf: displacement (points), stress, strain, von Mises, minimum principal stress, strain
 * energy density, region and adjacent-endplate mask (cells); with rho and E (per local cell, a CT model's
 * density-mapped bone: same on every rank whether NULL) also `density` (mg/cm^3) and `E` (MPa, every cell's). */
PETSC_EXTERN PetscErrorCode VfeWriteFields(MPI_Comm comm, const char *path, VfeSpace d, Vec ulocal,
                                           const VfeCellFields *cf, const VfeMeshInfo *info, const VfeIndices *ix,
                                           const PetscReal *rho, const PetscReal *E);
