/*
 * vfemesh.h - public interface of the vfe mesh component.
 *
 * The mesh component turns geometry into a tetrahedral mesh with named regions and hands it to
 * the solver as a distributed DMPlex.  Its contract with the rest of vfe:
 *
 *  - Every mesh passes through an MSH 4.1 file written by the Gmsh SDK, with physical groups
 *    whose names are the region names of DESIGN.md (`L2.cancellous`, `L1L2.nucleus`,
 *    `load_top`, ...).  Volume groups are regions, surface groups are boundaries.
 *  - VfeMeshLoad() reads such a file's cells and vertices on rank 0, checks it (tetrahedra only, no
 *    inverted or degenerate element, every cell in exactly one volume group, every surface triangle a
 *    face of the tetrahedra), distributes it with DMPlexDistribute, lets every rank build the faces
 *    and edges of its part (VfeMeshInterpolate) and returns the table of region and boundary names,
 *    identical on every rank.
 *  - Cells carry their region index (0..nregions-1) in the label "vfe_region"; boundary faces
 *    carry their boundary index (0..nsurfaces-1) in the label "vfe_boundary".
 *  - Point groups (dim 0) are listed with their coordinates (VfeMeshInfo.points); their vertices keep
 *    the label PETSc's reader gives them (named as the group) and touch neither label above.
 *
 * Gmsh's C API reports errors through a trailing `int *ierr`; VfeGmshCall() turns that into a
 * PETSc error carrying Gmsh's last error message.
 */
#pragma once
#include <petscdmplex.h>
#include <gmshc.h>

#define VFE_NAME_LEN 64

/* A named physical group of the mesh file. */
typedef struct {
  char name[VFE_NAME_LEN]; /* physical name, e.g. "L2.cement" */
  PetscInt tag;            /* physical tag in the file */
  PetscInt dim;            /* 3: volume region, 2: boundary surface, 0: point */
  PetscReal xyz[3];        /* dim 0: the coordinates of the group's (first) vertex; 0 otherwise */
} VfeGroup;

/* Names of a mesh's regions, boundaries and point groups (same on every rank). */
typedef struct {
  PetscInt nregions, nsurfaces, npoints;
  VfeGroup *regions;  /* volume groups, in tag order */
  VfeGroup *surfaces; /* surface groups, in tag order */
  VfeGroup *points;   /* point groups (dim 0, e.g. ligament attachments "L1L2.ALL_upper"), in tag order, with xyz */
} VfeMeshInfo;

/* Wrap a Gmsh C API call whose last argument is `&ierr`:
 *   PetscCall(VfeGmshCall((gmshModelOccSynchronize(&ierr), ierr), "synchronize"));        */
PETSC_EXTERN PetscErrorCode VfeGmshCheck(int ierr, const char *what, const char *file, int line);
#define VfeGmshCall(expr, what) VfeGmshCheck((expr), (what), __FILE__, __LINE__)

/* Load an MSH file (2.2 or 4.1, ASCII or binary, with physical names), check and distribute it.
 * The file is checked with VfeMshCheck() first, so a corrupted or truncated file is an error
 * naming it (never a crash in PETSc's reader); an empty path is an error. */
PETSC_EXTERN PetscErrorCode VfeMeshLoad(MPI_Comm comm, const char *path, DM *dm, VfeMeshInfo *info);
PETSC_EXTERN PetscErrorCode VfeMeshInfoDestroy(VfeMeshInfo *info);
/* Collective. The faces and edges of a cell-vertex DMPlex, as DMPlexInterpolate builds them (same point numbers,
 * cones, orientations, cell types, coordinates, labels and, distributed, point SF).  For tetrahedra numbered cells
 * then vertices, vfe's own construction from sorted face and edge lists on every rank (mesh/interp.c, 0.42 s against
 * PETSc 3.18's 6.6 s for 543,743 tetrahedra on one process), with the point SF extended and the shared faces and edges
 * oriented as PETSc does; for other meshes (overlap, a rank without cells, other cell types) DMPlexInterpolate. */
PETSC_EXTERN PetscErrorCode VfeMeshInterpolate(DM dm, DM *idm);
/* Not collective. Structural check of an MSH 2.2 / 4.1 file (mesh/mshcheck.c): sections, counts
 * against the file length, node tags, element types and node references.  Errors name the file. */
PETSC_EXTERN PetscErrorCode VfeMshCheck(const char *path);
/* What VfeMshRead keeps of a file besides checking it. */
typedef struct {
  PetscInt nnames;
  VfeGroup *names;    /* every physical name: name, tag, dim (xyz unset) */
  PetscInt ntri;      /* surface triangles (3- or 6-node) that have a physical tag */
  PetscReal *tri_xyz; /* 9 per triangle: the coordinates of its three corner nodes */
  PetscInt *tri_tag;  /* the physical tag of each (4.1: the first of its entity's; 2.2: its first tag) */
} VfeMshContents;
/* The same check, also keeping the contents above (contents may be NULL: check only); on error the
 * contents are released. Release them with VfeMshContentsDestroy. */
PETSC_EXTERN PetscErrorCode VfeMshRead(const char *path, VfeMshContents *contents);
PETSC_EXTERN PetscErrorCode VfeMshContentsDestroy(VfeMshContents *contents);
/* Index of a region / boundary / point group by name, or -1. */
PETSC_EXTERN PetscInt VfeMeshInfoFindRegion(const VfeMeshInfo *info, const char *name);
PETSC_EXTERN PetscInt VfeMeshInfoFindSurface(const VfeMeshInfo *info, const char *name);
PETSC_EXTERN PetscInt VfeMeshInfoFindPoint(const VfeMeshInfo *info, const char *name);

/* gmshModelMeshGenerate(dim) with Gmsh's errors turned into a PETSc error naming `what` (never an
 * exception thrown through Gmsh's OpenMP regions, which would abort the process). */
PETSC_EXTERN PetscErrorCode VfeGmshGenerate(int dim, const char *what);
/* One named physical group of dimension dim from n > 0 entities (tag: the group's number). */
PETSC_EXTERN PetscErrorCode VfeGmshNamedGroup(int dim, const int *tags, size_t n, int tag, const char *name);
/* Collective (the segment, CT and surfaces meshers).  Allocate *rep (repsize bytes, zeroed), run build(path, *rep) on
 * rank 0 inside a Gmsh session (its terminal output with mesh_verbose), and broadcast the report; an error on rank 0
 * reaches every rank (rank 0 keeps the builder's own message, the others say "<what> meshing failed on rank 0") and
 * frees *rep. */
PETSC_EXTERN PetscErrorCode VfeMeshBuildOnRank0(MPI_Comm comm, const char *what,
                                                PetscErrorCode (*build)(const char *, void *), const char *path,
                                                size_t repsize, void **rep);

/* Write the current Gmsh model's mesh as MSH 4.1 to `path`, atomically (temp name + rename); an incomplete
 * file (Gmsh does not check its writes: a full disk) is an error PETSC_ERR_FILE_WRITE. */
PETSC_EXTERN PetscErrorCode VfeGmshWriteMesh(const char *path);

/* Mesh every volume of the current Gmsh model (surfaces already meshed) with HXT, reproducibly:
 * the same surface mesh and thread count give the same tetrahedra (mesh/hxt.c explains why this
 * bypasses Gmsh 4.8's own HXT glue).  method receives "hxt", "delaunay (HXT: <why>)" when HXT
 * failed or had to change the surface mesh and Gmsh's Delaunay 3D did the work, or "gmsh" (a Gmsh
 * other than 4.8: its own generate(3)). */
PETSC_EXTERN PetscErrorCode VfeHxtMeshVolumes(int nthreads, char *method, size_t len);
/* The same with Gmsh's Delaunay 3D (Mesh.Algorithm3D 1): deterministic too, slower. */
PETSC_EXTERN PetscErrorCode VfeDelaunayMeshVolumes(void);

/* --- built-in geometries (mesh/shapes.c), each meshed by Gmsh and written to an MSH file --- */

/* Box [0,lx]x[0,ly]x[0,lz]; regions "lower"/"upper" split at z = zsplit (zsplit <= 0: one region
 * "body"); boundaries "xmin","xmax","ymin","ymax","zmin","zmax".  distort > 0 moves interior
 * nodes randomly by up to distort*h (deterministic seed) to make a distorted mesh. */
PETSC_EXTERN PetscErrorCode VfeShapeBox(const char *path, PetscReal lx, PetscReal ly, PetscReal lz, PetscReal zsplit,
                                        PetscReal h, PetscReal distort);
/* Octant x,y,z >= 0 of a thick-walled sphere, inner radius a, outer b; region "shell";
 * boundaries "inner", "outer", "sym_x", "sym_y", "sym_z" (the planes x=0, y=0, z=0). */
PETSC_EXTERN PetscErrorCode VfeShapeSphereOctant(const char *path, PetscReal a, PetscReal b, PetscReal h);
/* Two separate blocks with a gap (contact and spring checks): base [0,L]^2 x [0,H], punch
 * [L/4,3L/4]^2 x [H+gap, 2H+gap]; regions "lower", "upper"; boundaries "lower_bottom",
 * "lower_top", "upper_bottom", "upper_top", "upper_sides". */
PETSC_EXTERN PetscErrorCode VfeShapeTwoBlocks(const char *path, PetscReal L, PetscReal H, PetscReal gap, PetscReal h);
/* Simple segment used before the anatomical mesher: three elliptic-cylinder vertebral bodies and
 * two discs stacked along z with an ellipsoidal cement bolus in the middle body (the peers'
 * benchmark geometry).  Regions L1.body, L1L2.disc, L2.body, L2.cement, L2L3.disc, L3.body;
 * boundaries load_top, fixed_bottom. */
PETSC_EXTERN PetscErrorCode VfeShapeSimpleSegment(const char *path, PetscReal h);

/* ==== CT images (mesh/image.c) ==== */

/* One 3-D scalar image of a NIfTI-1/2 file: a CT (density or HU) or a label mask. World = the
 * file's scanner frame (NIfTI: RAS, mm); voxel (i,j,k) has its centre at A (i,j,k,1)^T. */
typedef struct {
  PetscInt n[3];        /* voxels along i, j, k */
  PetscReal A[3][4];    /* voxel index (i,j,k,1) -> world mm: the sform when sform_code > 0, else the qform */
  PetscReal Ainv[3][4]; /* world mm -> continuous voxel index */
  PetscReal spacing[3]; /* mm */
  float *v;             /* n0*n1*n2 values, scl_slope/scl_inter applied, i fastest */
  char path[PETSC_MAX_PATH_LEN];
} VfeImage;
/* Not collective.  Read a .nii / .nii.gz (NIfTI-1 or -2).  Errors (one line naming the file,
 * PETSC_ERR_FILE_UNEXPECTED): not NIfTI, unreadable, not 3-D (a 4th dimension of 1 is allowed),
 * an unsupported datatype, a NaN or infinite value, a zero or negative voxel size. */
PETSC_EXTERN PetscErrorCode VfeImageRead(const char *path, VfeImage *img);
/* Collective.  Rank 0's image (header and values) to every rank. */
PETSC_EXTERN PetscErrorCode VfeImageBcast(MPI_Comm comm, VfeImage *img);
/* Not collective.  An error (PETSC_ERR_USER_INPUT) naming both files if their dimensions differ or their
 * voxel-to-world transforms differ by more than 1e-3 mm anywhere on the grid. */
PETSC_EXTERN PetscErrorCode VfeImageSameGrid(const VfeImage *a, const VfeImage *b);
PETSC_EXTERN PetscErrorCode VfeImageDestroy(VfeImage *img);
static inline PetscInt VfeImageIndex(const VfeImage *img, PetscInt i, PetscInt j, PetscInt k)
{
  return i + img->n[0] * (j + img->n[1] * k);
}

/* ==== parametric spine-segment mesher (mesh/segment.c, mesh/cement.c) ==== */

#define VFE_SEG_MAX_REGIONS 64

/* What VfeSegmentMesh() built, identical on every rank (a plain struct, broadcast as bytes).
 * Volumes in mm^3, measured on the final mesh (sum of tetrahedron volumes). Per-treated-level
 * numbers refer to the first treated level. */
typedef struct _n_VfeSegmentReport {
  char levels[32];                /* e.g. "L1-L3" */
  char treated[32];               /* first treated level, e.g. "L2" */
  char pattern[24];               /* cement pattern */
  char leak[16];                  /* cement leak */
  PetscReal fill_requested;       /* requested cement fill ratio */
  PetscReal body_volume;          /* cortical+cancellous+endplates+cement of the treated level */
  PetscReal cement_volume;        /* cement (diffuse: fraction x composite region volume) */
  PetscReal cement_region_volume; /* volume of the <lvl>.cement region */
  PetscReal diffuse_fraction;     /* cement volume fraction of the cement region (1 unless diffuse) */
  PetscReal fill_ratio;           /* cement_volume / body_volume */
  PetscReal larger_side_ratio;    /* cement on the fuller side of x = 0 / body_volume */
  PetscReal leak_volume;          /* <lvl>.cement_leak volume */
  PetscBool touches_endplate_sup, touches_endplate_inf; /* cement shares mesh nodes with them */
  PetscReal wedge;                                      /* fracture_wedge applied to the treated level(s) */
  PetscReal size_mm;                                    /* mesh_size_mm */
  PetscInt order;                                       /* mesh_order (validated; the file is first order) */
  PetscInt nnodes, ntets;
  PetscInt nregions;
  char region[VFE_SEG_MAX_REGIONS][VFE_NAME_LEN];
  PetscInt region_tets[VFE_SEG_MAX_REGIONS];
  PetscReal region_volume[VFE_SEG_MAX_REGIONS];
  PetscReal quality_min, quality_p01;                /* 6*sqrt(2)*V / l_rms^3 (1 = regular tetrahedron) */
  PetscInt remesh_passes;                            /* meshes built to meet the fill ratio */
  PetscReal mesh_seconds;                            /* wall time of the whole build on rank 0 */
  PetscReal t_geometry, t_surface, t_volume, t_rest; /* its split (all passes): OCC model with cement sizing,
                                                        1D+2D mesh, 3D mesh, measuring + MSH writing */
  PetscInt mesh_threads;                             /* threads of the OCC booleans and of HXT */
  char volume_mesher[96];                            /* see VfeHxtMeshVolumes() */
  unsigned long long hash;                           /* FNV-1a 64 of node coordinates and region connectivity */
  /* mesh_geometry surfaces only (mesh/surfmesh.c); geometry is "" for the parametric segment */
  char geometry[16];                 /* "surfaces" */
  char surf_dir[PETSC_MAX_PATH_LEN]; /* surfaces_dir */
  PetscReal surf_voxel_mm, surf_cortex_mm, surf_endplate_mm;
  PetscInt surf_grid[3];                      /* voxels of the label image */
  PetscReal surf_fill_ratio_voxels;           /* cement / body on the voxels */
  PetscInt surf_gap_voxels;                   /* empty voxels between a body and a disc given to the disc */
  PetscBool surf_posterior;                   /* surfaces_posterior_elements */
  PetscReal surf_facet_gap_mm;                /* the gap cut between vertebrae (at least two voxels) */
  PetscReal surf_posterior_volume[6];         /* per level, on the voxels (mm^3) */
  PetscInt surf_split_nodes;                  /* nodes split between two vertebrae (SFSplitLevels) */
  PetscReal load_top_area, fixed_bottom_area; /* mm^2 */
  PetscInt surf_nparts;                       /* levels (top first), then the discs */
  char surf_part[11][16];                     /* "L1", ..., "L1L2", ... */
  PetscReal surf_source_volume[11];           /* STL (divergence theorem) or hexahedra (Gauss) */
  PetscReal surf_voxel_volume[11], surf_mesh_volume[11];
  PetscReal surf_voxel_centroid[11][3]; /* centroid of each part's voxels in vfe's frame (mm) */
  PetscReal surf_contact[5][2];         /* per disc: mesh faces shared with the body above, below (mm^2) */
} * VfeSegmentReport;

/* Collective. Reads the segment_*, fracture_*, cement_* and mesh_* options, builds geometry and
 * mesh with Gmsh on rank 0, writes MSH 4.1 atomically to msh_path, fills *rep on every rank.
 * An error on rank 0 reaches every rank (the others raise "segment meshing failed on rank 0"). */
PETSC_EXTERN PetscErrorCode VfeSegmentMesh(MPI_Comm comm, const char *msh_path, VfeSegmentReport *rep);
/* Human-readable report on an ASCII viewer. */
PETSC_EXTERN PetscErrorCode VfeSegmentReportView(VfeSegmentReport rep, PetscViewer v);
/* The report as one JSON object, no trailing newline. */
PETSC_EXTERN PetscErrorCode VfeSegmentReportWriteJSON(VfeSegmentReport rep, FILE *f);
PETSC_EXTERN PetscErrorCode VfeSegmentReportDestroy(VfeSegmentReport *rep);
/* ==== segment from surfaces (mesh/surfmesh.c) ==== */

/* Collective.  Reads surfaces_*, segment_levels, segment_treated, cement_* and mesh_* options, reads the body
 * STL files and disc hexahedral meshes of surfaces_dir and meshes them on rank 0 (one label image, CGAL), with
 * the parametric segment's region names (<lvl>.cancellous, .cortical, .endplate_sup, .endplate_inf, .cement in
 * treated levels; <disc>.nucleus, .annulus; load_plate; boundaries load_top, fixed_bottom), writes MSH 4.1
 * atomically to msh_path and fills *rep (geometry "surfaces") on every rank. */
PETSC_EXTERN PetscErrorCode VfeSurfacesMesh(MPI_Comm comm, const char *msh_path, VfeSegmentReport *rep);
/* package-private: the surfaces part of VfeSegmentReportView / VfeSegmentReportWriteJSON */
PETSC_INTERN PetscErrorCode VfeSurfacesReportView(VfeSegmentReport rep, PetscViewer v);
PETSC_INTERN PetscErrorCode VfeSurfacesReportWriteJSON(VfeSegmentReport rep, FILE *f);

/* ==== vertebra from CT (mesh/ctmesh.c, mesh/cgalmesh.cpp) ==== */

#define VFE_CT_MAX_REGIONS 8

/* What VfeCTMesh() built, identical on every rank (a plain struct, broadcast as bytes).  Volumes in
 * mm^3: "voxels" ones count voxels of the mask grid, the others sum tetrahedron volumes of the mesh. */
typedef struct _n_VfeCTReport {
  char level[8];                                       /* ct_level, e.g. "L2" */
  char mesher[8];                                      /* "cgal" or "voxel" */
  char mask[PETSC_MAX_PATH_LEN];                       /* ct_mask */
  char image[PETSC_MAX_PATH_LEN];                      /* ct_image ("" when not given; only its grid is checked) */
  char cement_image[PETSC_MAX_PATH_LEN];               /* ct_cement_image ("" when not given) */
  PetscInt n[3];                                       /* mask voxels along i, j, k */
  PetscReal spacing[3];                                /* mm */
  PetscInt si_axis, si_sign;                           /* image axis closest to world S-I; +1: index grows superiorly */
  PetscReal size_mm, cortex_mm, endplate_mm;           /* mesh_size_mm, ct_cortex_mm, ct_endplate_mm */
  PetscBool plates;                                    /* ct_plates */
  PetscReal plate_mm;                                  /* plate thickness beyond the extreme body voxel, as built */
  PetscReal body_height_mm;                            /* extent of the body voxels along the S-I axis */
  PetscReal plate_distance_mm;                         /* between the load_top and fixed_bottom planes (plates) */
  PetscReal load_top_area, fixed_bottom_area;          /* mm^2 */
  PetscReal body_voxel_volume;                         /* body + cement labels (+ cement found in the post-op image) */
  PetscReal body_volume;                               /* mesh: cancellous + cortical + endplates + cement */
  PetscReal body_centroid[3];                          /* mesh, world mm */
  char cement_source[16];                              /* none | image | labels | image+labels */
  char threshold_method[16];                           /* otsu | halfmax | value ("" without a post-op image) */
  PetscReal threshold;                                 /* in the post-op image's units */
  PetscReal cement_voxel_volume, cement_volume;        /* voxels, mesh */
  PetscReal fill_ratio_voxels, fill_ratio;             /* cement / body volume: voxels, mesh */
  PetscReal fill_ratio_thr_minus, fill_ratio_thr_plus; /* voxels, at threshold - 200 and + 200 */
  PetscReal larger_side_ratio_voxels, larger_side_ratio; /* cement on the fuller side of x = centroid / body */
  PetscBool touches_endplate_sup, touches_endplate_inf;  /* cement shares mesh nodes with the endplate layer */
  PetscReal leak_mm, leak_volume; /* ct_leak_mm; above-threshold voxels outside the body, within it */
  PetscInt nnodes, ntets, nregions;
  char region[VFE_CT_MAX_REGIONS][VFE_NAME_LEN];
  PetscInt region_tets[VFE_CT_MAX_REGIONS];
  PetscReal region_volume[VFE_CT_MAX_REGIONS];
  PetscReal quality_min, quality_p01;       /* 6*sqrt(2)*V / l_rms^3 */
  PetscReal mesh_seconds, t_read, t_mesher; /* whole build on rank 0; reading the images; the mesher itself */
  unsigned long long hash;                  /* FNV-1a 64 of node coordinates and region connectivity */
} * VfeCTReport;

/* Collective.  Reads the ct_* and mesh_* options, reads the images and meshes on rank 0, writes MSH 4.1
 * atomically to msh_path (regions <lvl>.cancellous, .cortical, .endplate_sup, .endplate_inf, optionally
 * .posterior and .cement, load_plate and base_plate with ct_plates; boundaries load_top, fixed_bottom)
 * and fills *rep on every rank.  An error on rank 0 reaches every rank. */
PETSC_EXTERN PetscErrorCode VfeCTMesh(MPI_Comm comm, const char *msh_path, VfeCTReport *rep);
/* Human-readable report on an ASCII viewer. */
PETSC_EXTERN PetscErrorCode VfeCTReportView(VfeCTReport rep, PetscViewer v);
/* The report as one JSON object, no trailing newline. */
PETSC_EXTERN PetscErrorCode VfeCTReportWriteJSON(VfeCTReport rep, FILE *f);
PETSC_EXTERN PetscErrorCode VfeCTReportDestroy(VfeCTReport *rep);
/* Collective.  The bone voxels of a label mask (the same on every rank), classified as the CT mesher does
 * (ct_labels_body and ct_labels_posterior, checked the same way) and without the cement the mesher meshes (the
 * ct_labels_cement voxels and, with ct_cement_image, the body voxels above its threshold; that image is read on
 * rank 0): (*bone)[j] = 1 for them, 0 elsewhere; the caller frees it. */
PETSC_EXTERN PetscErrorCode VfeCTBoneVoxels(MPI_Comm comm, const VfeImage *mask, char **bone);

/* ---- checked keys (mesh/meshkeys.c) ---- */

/* Read option -key (key without '-', a key of the mesh's table, mesh/keys.c) with the registry's
 * checked readers (util/vfekeys.h): unset leaves *v and sets *set FALSE; an empty value, a value that
 * is not a finite number (an integer, a boolean) or outside the key's range is an error naming the
 * key and what is allowed.  Ranges that depend on the geometry are checked by the geometry's code. */
PETSC_EXTERN PetscErrorCode VfeMeshOptionReal(const char *key, PetscReal *v, PetscBool *set);
PETSC_EXTERN PetscErrorCode VfeMeshOptionInt(const char *key, PetscInt *v, PetscBool *set);
PETSC_EXTERN PetscErrorCode VfeMeshOptionBool(const char *key, PetscBool *v, PetscBool *set);
/* Refuse a mesh of about per_h3 * volume / h^3 tetrahedra above mesh_max_elements (default 5e6),
 * saying how many it would make. */
PETSC_EXTERN PetscErrorCode VfeMeshCheckElementCount(PetscReal volume, PetscReal h, PetscReal per_h3,
                                                     const char *geometry);
/* Collective; the driver calls it before meshing with the value of mesh_geometry.  Errors (exit 1,
 * one line) for: an unknown geometry; mesh_file given with an empty value; with "simple", keys of
 * the segment mesher that it does not read (segment_*, cement_* but cement_pattern,
 * cement_diffuse_fraction and cement_material; fracture_wedge, mesh_threads, mesh_volume_mesher,
 * mesh_verbose), a malformed or out-of-range mesh_size_mm ((0, 50] mm) and a predicted element
 * count above mesh_max_elements.  VfeSegmentMesh() calls it with "segment" itself. */
PETSC_EXTERN PetscErrorCode VfeMeshCheckGeometryKeys(MPI_Comm comm, const char *geometry);
/* PETSC_FALSE if the option key (no dash) is one that the mesh geometry `geometry` does not read
 * (segment_* and most cement_* keys with the simple geometry). */
PETSC_EXTERN PetscBool VfeMeshKeyAppliesTo(const char *key, const char *geometry);

/* -- package-private interface between segment.c and cement.c (not for use outside mesh/) -- */
typedef enum {
  VFE_CEMENT_NONE,
  VFE_CEMENT_COMPACT,
  VFE_CEMENT_BIPEDICULAR,
  VFE_CEMENT_UNIPEDICULAR,
  VFE_CEMENT_BRIDGING,
  VFE_CEMENT_DIFFUSE
} VfeCementPattern;
typedef enum { VFE_LEAK_NONE, VFE_LEAK_INTRADISCAL, VFE_LEAK_ANTERIOR } VfeCementLeak;
typedef struct {
  VfeCementPattern pattern;
  VfeCementLeak leak;
  PetscReal fill;             /* requested fill ratio */
  PetscReal offset;           /* lateral bolus offset (mm), <0: pattern default */
  PetscBool fused;            /* bipedicular H */
  PetscReal diffuse_fraction; /* cement volume fraction of the diffuse region */
  PetscReal leak_volume;      /* mm^3 */
} VfeCementSpec;
/* Geometry of a treated body as the cement placer sees it (untilted frame, mm). */
typedef struct {
  PetscReal a, be, ye, yflat; /* inner section: ellipse semi-axes, centre y, posterior flat wall */
  PetscReal z0, z1, te;       /* body bottom/top, endplate thickness */
  PetscReal Ras, Rbs, cs;     /* superior endplate lower surface: half-ellipsoid radii/depth (incl. te) */
  PetscReal Rai, Rbi, ci;     /* inferior endplate upper surface */
  int core;                   /* OCC volume tag of the cancellous core (not modified) */
} VfeCementBody;
PETSC_EXTERN PetscErrorCode VfeCementSpecFromOptions(VfeCementSpec *spec);
/* Builds the cement region clipped to body->core for a target region volume; returns its OCC
 * volume tags and the OCC volume. Errors with the largest reachable fill if target is too big. */
PETSC_EXTERN PetscErrorCode VfeCementPlace(const VfeCementSpec *spec, const VfeCementBody *body, PetscReal target,
                                           PetscReal body_volume, int *ntags, int tags[], PetscReal *volume);

/* -- package-private interface between segment.c and posterior.c (not for use outside mesh/) -- */
#define VFE_NLIG 9 /* ligaments per motion segment: ALL PLL LF ISL SSL CL_left CL_right ITL_left ITL_right */
#define VFE_LIG_ATTACH_OFF_MM 2.0 /* ALL / PLL attachment points: this far from the rim next to the disc */
typedef struct {
  char name[8];
  /* body, from segment.c: depth, height, shell and endplate thickness, concavities, rims, inner section */
  PetscReal D, H, t, te, cs, ci, z0, z1, in_a, in_be, in_ye;
  /* morphometry (segment_<LVL>_* keys): pedicle width/height, canal width/depth, transverse process tip span,
     spinous process length, facet angle of the joint below (deg from the sagittal plane) */
  PetscReal pw, ph, cw, cd, tps, spl, facet_deg;
  /* derived (VfePosteriorSetUp): pedicle top below the rim, pedicle axis x, pedicle front end y, lamina
     front / mid / back y, pedicle z range and axis, spinous height */
  PetscReal ptop, xc, ys, ylf, ylm, ylb, zp0, zp1, zpc, sh;
} VfePostLevel;
/* one side of a facet joint: centre (C, zf), unit normal m (upper to lower process), in-plane u, angle of m;
   ztip: the tip (bottom) of the upper level's inferior articular process, tip gap above the lower level's lamina */
typedef struct {
  PetscReal C[2], zf, m[2], u[2], phi, ztip;
} VfeFacetFrame;
typedef struct {
  PetscInt nl;
  VfePostLevel L[6];     /* top first, as in segment.c */
  PetscReal gap, tc;     /* segment_facet_gap_mm, segment_facet_cartilage_mm */
  PetscReal tip;         /* segment_facet_tip_gap_mm; 0: the default, min(1.5, clearance - 0.5) per joint */
  VfeFacetFrame F[5][2]; /* joint j (levels j over j+1); side 0 left (x > 0), 1 right */
} VfePosterior;
/* a ligament attachment point: group name <D>.<LIG>_upper|lower, position, level index, on the body (else
   on the posterior elements) */
typedef struct {
  char name[VFE_NAME_LEN];
  PetscReal xyz[3];
  int level;
  PetscBool body;
} VfeAttach;
/* defaults of level g (index in T12..L5) and its segment_<LVL>_* posterior keys (P->name set) */
PETSC_EXTERN PetscErrorCode VfePosteriorReadLevel(int g, VfePostLevel *P);
/* segment_facet_gap_mm, segment_facet_cartilage_mm */
PETSC_EXTERN PetscErrorCode VfePosteriorReadOptions(VfePosterior *Q);
/* derived dimensions, joint frames and the impossible-morphometry checks; disc_h[j]: disc below level j */
PETSC_EXTERN PetscErrorCode VfePosteriorSetUp(VfePosterior *Q, const PetscReal *disc_h);
/* level l's posterior bone (pedicles, lamina, spinous and transverse processes, articular processes) fused
   into one OCC volume less the OCC volume `body` (the level's outer prism, consumed); an error if it is not one
   piece */
PETSC_EXTERN PetscErrorCode VfePosteriorAddBone(const VfePosterior *Q, int l, int body, int *bone);
/* the cartilage boxes of joint j, side s: on the upper level's inferior and the lower level's superior process */
PETSC_EXTERN PetscErrorCode VfePosteriorAddCartilage(const VfePosterior *Q, int j, int s, int *inf_upper,
                                                     int *sup_lower);
/* whether a face with centre of mass com is a facing cartilage surface: its joint, side, and upper (1) or lower */
PETSC_EXTERN PetscBool VfePosteriorFacetFace(const VfePosterior *Q, const double com[3], int *j, int *s, int *upper);
/* whether a horizontal face (bounding box lo..hi) of level l's posterior bone faces a tip gap: the tip of an inferior
   articular process (upper = 1; joint j = l, side s) or the top of the lamina (upper = 0; joint j = l - 1, s = -1) */
PETSC_EXTERN PetscBool VfePosteriorTipFace(const VfePosterior *Q, int l, const double lo[3], const double hi[3], int *j,
                                           int *s, int *upper);
/* the 2 x VFE_NLIG attachment points of joint j, in the order ALL_upper, ALL_lower, PLL_upper, ... */
PETSC_EXTERN PetscErrorCode VfePosteriorAttachments(const VfePosterior *Q, int j, VfeAttach A[]);
/* rough volume of all posterior bone and cartilage (element-count estimate) */
PETSC_EXTERN PetscReal VfePosteriorVolumeEstimate(const VfePosterior *Q);
