/*
 * ctcore.h - package-private tetrahedral-mesh helpers of mesh/ctmesh.c, shared with mesh/surfmesh.c (both mesh a
 * label image with CGAL and then work on the tetrahedra: faces between classes, distance layers, quality, MSH
 * writing).  Not for use outside mesh/.
 */
#pragma once
#include "vfemesh.h"
#include <stdint.h>

/* a tetrahedral mesh with a class (image label) and a region slot per tetrahedron */
typedef struct {
  PetscInt nv, nt;
  PetscReal *x;      /* 3 nv: working index coordinates, then world mm */
  PetscInt *t;       /* 4 nt */
  unsigned char *cl; /* nt classes */
  int *reg;          /* nt region slots */
} CTMesh;

typedef struct {
  PetscInt a[3]; /* sorted node ids */
  PetscInt t;    /* tetrahedron */
} CTFace;

/* a face of the body surface or of a boundary group, with world geometry */
typedef struct {
  PetscInt v[3];  /* nodes, ordered so that the normal points out of the inner tetrahedron */
  PetscInt t;     /* inner tetrahedron */
  int other;      /* class on the other side */
  PetscReal n[3]; /* unit outward normal */
  PetscReal c[3]; /* centroid */
  PetscReal area;
} CTSurf;

/* a face between two classes: tetrahedra t1, t2 (t2 = -1: mesh boundary), sorted node ids a */
typedef struct {
  PetscInt t1, t2;
  PetscInt a[3];
} CTPair;

/* faces binned in a uniform grid of cell g; each face listed in every cell its box grown by r touches */
typedef struct {
  PetscReal lo[3], g;
  PetscInt n[3];
  PetscInt *start, *item; /* CSR: faces of cell c are item[start[c] .. start[c+1]) */
} CTBins;

/* squared distance (mm^2) to the nearest voxel with g = 0 (others 1e20), on an n[0] x n[1] x n[2] box, in place */
PETSC_INTERN PetscErrorCode VfeCTEdt(const PetscInt n[3], const PetscReal sp[3], double *g);
PETSC_INTERN PetscErrorCode VfeCTMeshDestroy(CTMesh *M);
/* every face between two classes or on the mesh boundary; an error if a face has more than two tetrahedra */
PETSC_INTERN PetscErrorCode VfeCTFacePairs(const CTMesh *M, CTPair **pairs, PetscInt *npairs);
/* the face's geometry, oriented out of tetrahedron t; other = the class on the other side */
PETSC_INTERN void VfeCTSurfMake(const CTMesh *M, const CTPair *p, PetscInt t, int other, CTSurf *S);
PETSC_INTERN PetscErrorCode VfeCTBinsBuild(const CTMesh *M, const CTSurf *S, PetscInt ns, PetscReal r, CTBins *B);
/* squared distances from p: d2[0] to any face, d2[b] (b = 1, 2) to faces whose flag has bit b; exact within r */
PETSC_INTERN void VfeCTBinsDist2(const CTBins *B, const CTMesh *M, const CTSurf *S, const unsigned char *flag,
                                 const PetscReal p[3], PetscReal d2[3]);
PETSC_INTERN PetscErrorCode VfeCTBinsDestroy(CTBins *B);
/* FNV-1a 64 */
PETSC_INTERN uint64_t VfeCTFnv(uint64_t h, const void *data, size_t n);
/* signed volume and quality q = 6 sqrt(2) V / l_rms^3 of tetrahedron t */
PETSC_INTERN PetscReal VfeCTTetVolQ(const CTMesh *M, PetscInt t, PetscReal *q);
/* MSH 4.1 through Gmsh (discrete entities, physical groups), atomically: region r = the tetrahedra with
   M->reg == slot_of[r], named names[r]; faces of S with sflag bit 32 form load_top, bit 64 fixed_bottom; surface group
   g (facet joints) = the faces F[i] with fgrp[i] == g, named fg_name[g] (left out when empty); point group p (ligament
   attachment points) = the node pt_node[p], named pt_name[p] */
PETSC_INTERN PetscErrorCode VfeCTWriteMsh(const char *path, const CTMesh *M, int nreg, const int slot_of[],
                                          const char names[][VFE_NAME_LEN], const CTSurf *S, const unsigned char *sflag,
                                          PetscInt ns, PetscInt nf, const CTSurf *F, const int *fgrp, int nfg,
                                          const char fg_name[][VFE_NAME_LEN], int npt,
                                          const char pt_name[][VFE_NAME_LEN], const PetscInt pt_node[]);
