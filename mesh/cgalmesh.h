/*
 * cgalmesh.h - C interface of mesh/cgalmesh.cpp, the one C++ translation unit of vfe: CGAL Mesh_3's
 * labelled-image domain.  Package-private to mesh/ (ctmesh.c is its only caller).
 */
#pragma once
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A tetrahedral mesh in continuous voxel-index coordinates of the input grid (voxel (i,j,k) has its
 * centre at (i,j,k)). */
typedef struct {
  long nv, nt;
  double *xyz; /* 3 nv */
  long *tet;   /* 4 nt, 0-based vertex indices, CGAL's orientation in the (i,j,k) * spacing frame */
  int *label;  /* nt subdomain indices = the image labels */
} VfeCgalMesh;

/* Mesh the nonzero labels of the image (uint8, n[0]*n[1]*n[2], i fastest, voxel size spacing mm).  Criteria
 * in mm: facet_size, facet_distance, cell_size, cell radius-edge ratio; facet angle 30 degrees.  With exude,
 * CGAL's sliver exuder runs after refinement (no time limit: a time limit would make the mesh depend on the
 * machine's load).  CGAL's progress messages go to stdout only with verbose.  The mesh is deterministic (CGAL
 * reseeds its generators).  0 on success; otherwise the error text in err and a non-zero return (1: CGAL
 * failed, 2: out of memory). */
int VfeCgalMeshLabels(const unsigned char *labels, const long n[3], const double spacing[3], double facet_size,
                      double facet_distance, double cell_size, double radius_edge, int exude, int verbose,
                      VfeCgalMesh *out, char *err, size_t errlen);
/* The same with every size (facet size and distance, cell size) fine_scale times smaller where fine[] (one byte per
   voxel, in the order of labels) is non-zero; fine NULL: VfeCgalMeshLabels */
int VfeCgalMeshLabelsFine(const unsigned char *labels, const long n[3], const double spacing[3], double facet_size,
                          double facet_distance, double cell_size, double radius_edge, int exude, int verbose,
                          const unsigned char *fine, double fine_scale, VfeCgalMesh *out, char *err, size_t errlen);
void VfeCgalMeshFree(VfeCgalMesh *m);

#ifdef __cplusplus
}
#endif
