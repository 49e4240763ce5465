/*
 * vfesolver.h - discretisation, assembly and solution of small-strain linear elasticity.
 *
 * Life cycle (PETSc style):
 *   VfeSpaceCreate(dm, order, &sp)           nodes (vertices, + edges for P2), cells, global numbering
 *   VfeProblemCreate(sp, &prob)             per-region materials, boundary conditions, body force
 *   VfeProblemSetMaterial / AddDirichlet / AddTraction / SetBodyForce
 *   VfeProblemAssemble(prob)                  K (COO or blocked insertion, chosen by -vfe_assembly) and f
 *   VfeProblemSolve(prob, u)                  CG + GAMG with the rigid-body near-null space
 *   VfeSpaceDestroy / VfeProblemDestroy
 * Element kernels live in vfekernels.h; the backend that calls them is chosen at run time with
 * -vfe_backend cpu|cuda (cuda reports "not compiled" unless built with VFE_ENABLE_CUDA); -vfe_device cuda
 * (solver/device.c) puts the vectors, the matrices and the solve on the GPU as well.
 */
#pragma once
#include <petscksp.h>
#include <petscdmplex.h>
#include "vferegion.h"

typedef struct _n_VfeSpace *VfeSpace;
typedef struct _n_VfeProblem *VfeProblem; /* opaque: its struct is private to solver/ (vfesolverimpl.h) */

/* The discretisation: a DMPlex with a 3-dof-per-node section, and flat tables of the local nodes
 * (vertices, and edge midpoints for P2) and cells that the kernels work on.  The struct is public
 * and read-only outside solver/space.c: post-processing walks its cell and node tables. */
struct _n_VfeSpace {
  DM dm;                 /* distributed plex; its local section holds 3 dofs per node point */
  PetscInt order;        /* 1 or 2 */
  PetscInt npc;          /* nodes per cell: 4 or 10 */
  PetscInt ncells;       /* local cells (all owned: overlap 0) */
  PetscInt *cell_nodes;  /* ncells x npc local node ids, vertices then edges in VTK order */
  PetscInt *cell_region; /* region index per cell */
  PetscInt nnodes;       /* local nodes, owned and ghost */
  PetscInt nowned;       /* owned nodes */
  PetscInt nglobal;      /* global nodes */
  PetscReal *xyz;        /* nnodes x 3 coordinates */
  PetscInt *gnode;       /* global node (block) index of each local node */
  PetscBool *owned;      /* node owned by this rank */
  PetscInt pStart, pEnd;
  PetscInt *point_node; /* plex point -> local node, -1 for points without dofs */
  PetscBool *is_vertex; /* node is a mesh vertex (not an edge midpoint) */
  PetscInt *node_point; /* local node -> plex point (vertex or edge) */
};

PETSC_EXTERN PetscErrorCode VfeSpaceCreate(DM dm, PetscInt order, VfeSpace *sp);
/* -vfe_device cpu | cuda (solver/device.c): *cuda when the device path is asked for; fails with one line when it
 * cannot run (PETSc without CUDA, vfe without its CUDA backend, no device).  Collective. */
PETSC_EXTERN PetscErrorCode VfeDeviceFromOptions(MPI_Comm comm, PetscBool *cuda);
/* Before PetscInitialize: -use_gpu_aware_mpi 0 by default where PETSc has CUDA and MPI is known not to take device
 * pointers (solver/device.c), else PETSc aborts when it starts the device. */
PETSC_EXTERN void VfeDeviceDefaultOptions(void);
PETSC_EXTERN PetscErrorCode VfeSpaceDestroy(VfeSpace *sp);
/* Global vector (3 dofs per owned node, block size 3) and a local one (all local nodes). */
PETSC_EXTERN PetscErrorCode VfeSpaceCreateGlobalVector(VfeSpace sp, Vec *v);
PETSC_EXTERN PetscErrorCode VfeSpaceCreateLocalVector(VfeSpace sp, Vec *v);
PETSC_EXTERN PetscErrorCode VfeSpaceGlobalToLocal(VfeSpace sp, Vec g, Vec l);
/* Boundary faces of surface `s` (label vfe_boundary): local face points, caller frees with PetscFree. */
PETSC_EXTERN PetscErrorCode VfeSpaceGetBoundaryFaces(VfeSpace sp, PetscInt s, PetscInt *nf, PetscInt **faces);
/* Nodes (vertex and, for P2, edge nodes) of a face, and its area and outward unit normal. */
PETSC_EXTERN PetscErrorCode VfeSpaceFaceGeometry(VfeSpace sp, PetscInt face, PetscInt nodes[6], PetscReal *area,
                                                 PetscReal n[3]);
/* Element coordinates of a cell (npc x 3; edge nodes at midpoints). */
PETSC_EXTERN void VfeSpaceCellCoordinates(VfeSpace sp, PetscInt c, PetscReal *X);

/* f(x, n, ctx, out): a vector-valued function of position (and outward normal on surfaces). */
typedef PetscErrorCode (*VfeVectorFn)(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal out[3]);

PETSC_EXTERN PetscErrorCode VfeProblemCreate(VfeSpace sp, PetscInt nregions, VfeProblem *prob);
PETSC_EXTERN PetscErrorCode VfeProblemDestroy(VfeProblem *prob);
PETSC_EXTERN PetscErrorCode VfeProblemSetMaterial(VfeProblem prob, PetscInt region, PetscReal E, PetscReal nu);
/* Young's modulus per local cell (space->ncells values, MPa), e.g. mapped from CT density: a value > 0 replaces
 * the region's E in that cell (Poisson's ratio stays the region's); 0 keeps the region's.  Copied; NULL removes them.
 * A negative or non-finite value is an error. */
PETSC_EXTERN PetscErrorCode VfeProblemSetCellModulus(VfeProblem prob, const PetscReal *E);
PETSC_EXTERN PetscErrorCode VfeProblemAddDirichlet(VfeProblem prob, PetscInt surface, const PetscBool comp[3],
                                                   VfeVectorFn fn, void *ctx);
PETSC_EXTERN PetscErrorCode VfeProblemAddTraction(VfeProblem prob, PetscInt surface, VfeVectorFn fn, void *ctx);
PETSC_EXTERN PetscErrorCode VfeProblemSetBodyForce(VfeProblem prob, VfeVectorFn fn, void *ctx);
/* A constant body force per region, b[3 r + i] in N/mm^3 (nregions x 3, copied; NULL removes it),
 * added to the load vector at the next VfeProblemAssemble as consistent nodal forces (the same
 * quadrature as VfeProblemSetBodyForce).  A region's resultant is b_r times its volume, acting at
 * its volume centroid.  The follower load (VfeFollowerSetUp) uses it. */
PETSC_EXTERN PetscErrorCode VfeProblemSetRegionBodyForce(VfeProblem prob, const PetscReal *b);
PETSC_EXTERN PetscErrorCode VfeProblemSetFromOptions(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeProblemAssemble(VfeProblem prob);
/* Solve K u = f.  A second call after new materials (VfeProblemSetMaterial + VfeProblemAssemble)
 * reuses the preconditioner hierarchy: the same aggregates and interpolations, new values. */
PETSC_EXTERN PetscErrorCode VfeProblemSolve(VfeProblem prob, Vec u);
/* The active set's inexact tolerance after an update that changed `changed` > 0 branches, the first having changed
 * `changed0`: rough x changed / changed0, within [loose, rough] (loose when changed0 is 0). */
PETSC_EXTERN PetscReal VfeActiveSetRtol(PetscReal rough, PetscReal loose, PetscInt changed, PetscInt changed0);
/* Strain and stress of local cell c at barycentric point L, consistent with its formulation
 * (mixed regions: sigma = 2 mu dev eps - p I with the solved pressure).  ue: the cell's nodal
 * displacements (3 per node). */
PETSC_EXTERN void VfeProblemCellStress(VfeProblem prob, PetscInt c, const PetscReal L[4], const PetscReal *ue,
                                       PetscReal eps[6], PetscReal sig[6]);
/* PETSC_TRUE where region r's reported pressure needs the B-bar vertex recovery (postproc). */
PETSC_EXTERN PetscBool VfeProblemRegionIsBbar(VfeProblem prob, PetscInt r);
/* One line naming the formulation and preconditioner actually used (for logs and the manifest). */
PETSC_EXTERN const char *VfeProblemDescribe(VfeProblem prob);
/* The storage of the operator (aij, sbaij, baij, aijcusparse; "" before the first assembly). */
PETSC_EXTERN const char *VfeProblemMatrixType(VfeProblem prob);
/* the P2 smoother's copy of the operator under the p-multigrid: "single", "double", or "" without p-multigrid */
PETSC_EXTERN const char *VfeProblemSmootherPrecision(VfeProblem prob);
/* Vertex-star patches of the P2 smoother (p-multigrid, B-bar regions), summed over the ranks; 0 without.  Collective.
 */
PETSC_EXTERN PetscErrorCode VfeProblemSmootherPatches(VfeProblem prob, PetscInt *n);
/* What the last VfeProblemSolve did. */
typedef struct {
  PetscInt its;                 /* iterations */
  KSPConvergedReason reason;    /* why it stopped */
  PetscReal rnorm;              /* final residual norm */
  PetscReal t_pcsetup, t_solve; /* seconds of preconditioner set-up and of the solve */
  PetscInt nsolves;             /* solves so far with this problem (after the first: hierarchy reused) */
  PetscInt active_its;          /* active-set iterations of the last VfeProblemSolve (1 without members) */
  PetscInt its_total;           /* Krylov iterations summed over those active-set iterations */
  PetscInt pc_rebuilds;         /* GAMG hierarchies built anew in that loop (contact pairs changed branch) */
  PetscInt pc_retries; /* linear solves of that loop repeated with the hierarchy built anew after a breakdown */
} VfeSolveInfo;
PETSC_EXTERN PetscErrorCode VfeProblemGetSolveInfo(VfeProblem prob, VfeSolveInfo *info);
/* The problem's space, number of regions, and assembled load vector (before Dirichlet elimination;
 * owned by the problem). */
PETSC_EXTERN VfeSpace VfeProblemGetSpace(VfeProblem prob);
PETSC_EXTERN PetscInt VfeProblemGetNumRegions(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeProblemGetLoadVector(VfeProblem prob, Vec *f);

/* ---- members (solver/members.c): tension-only springs and frictionless contact ------------------
 * One-dimensional members with piecewise-linear laws, solved inside VfeProblemSolve by an active-set
 * loop that reuses the preconditioner hierarchy (see members.c).  Add them after VfeProblemCreate and
 * before the first VfeProblemAssemble; collective, with the same arguments on every rank. */
#define VFE_MEMBER_NAME_LEN 64
/* Bilinear tension-only law of a ligament: modulus E1 (MPa) up to the transition strain, E2 above,
 * cross-section area (mm^2); nothing in compression. */
typedef struct {
  PetscReal E1, E2, strain_t, area;
} VfeSpringLaw;
/* A spring from point A to point B: each end is the mean displacement of the (at most 16) nodes
 * nearest to its point, within radius (mm), that belong to a cell of a region flagged in regA / regB
 * (nregions flags). */
PETSC_EXTERN PetscErrorCode VfeProblemAddSpring(VfeProblem prob, const char *name, const PetscReal A[3],
                                                const PetscReal B[3], PetscReal radius, const PetscBool *regA,
                                                const PetscBool *regB, const VfeSpringLaw *law);
/* Frictionless node-to-surface contact: nodes of boundary surface `slave` against the faces of
 * boundary surface `master` within `search` mm; penalty in N/mm^3 (times each slave node's area). */
PETSC_EXTERN PetscErrorCode VfeProblemAddContact(VfeProblem prob, const char *name, PetscInt slave, PetscInt master,
                                                 PetscReal penalty, PetscReal search);
/* Tension-only collagen fibres in the cells of `region` (the annulus): two families at +/- angle_deg
 * to the plane normal to `axis`, circumferential about the centroid of region `inner` (the nucleus);
 * nlayers lamellae by radial position, outer first, each with fibre modulus E[l] (MPa) and volume
 * fraction phi[l] (solver/fibres.c). */
PETSC_EXTERN PetscErrorCode VfeProblemAddFibres(VfeProblem prob, PetscInt region, PetscInt inner,
                                                const PetscReal axis[3], PetscReal angle_deg, PetscInt nlayers,
                                                const PetscReal E[], const PetscReal phi[]);
/* Fraction of the fibre integration points that are taut after the last solve (0 without fibres);
 * whether the problem has fibres. */
PETSC_EXTERN PetscBool VfeProblemHasFibres(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeFibresTautFraction(VfeProblem prob, PetscReal *frac);
/* Per group (one spring, or one contact pair of surfaces) after a solve: the sum of |force| (N),
 * the members carrying force, the least measure (contact: the smallest gap, negative = penetration;
 * spring: its extension), and for a spring its strain and reference length.  Caller frees *info. */
typedef struct {
  char name[VFE_MEMBER_NAME_LEN];
  PetscBool contact;
  PetscInt nmembers, nactive;
  PetscReal force, min_measure, strain, length;
} VfeMemberGroupInfo;
PETSC_EXTERN PetscErrorCode VfeProblemGetMemberGroups(VfeProblem prob, PetscInt *n, VfeMemberGroupInfo **info);

/* Internal force K u, assembled element by element into a local vector (no matrix needed): at the
 * fixed nodes it is the reaction. */
PETSC_EXTERN PetscErrorCode VfeProblemInternalForce(VfeProblem prob, Vec ulocal, Vec flocal);
/* The same, from the cells of the regions r with regions[r] true only (NULL: all): the nodal forces
 * that the rest of the body exerts on that part, e.g. on a disc (summed over ranks, like the above). */
PETSC_EXTERN PetscErrorCode VfeProblemInternalForceRegions(VfeProblem prob, Vec ulocal, const PetscBool *regions,
                                                           Vec flocal);
/* Sum over surface s of a local nodal vector (each node counted once, on its owner): e.g. reaction. */
PETSC_EXTERN PetscErrorCode VfeSpaceSurfaceSum(VfeSpace sp, PetscInt s, Vec vlocal, PetscReal sum[3]);

/* Error norms against an exact solution (and its gradient): ||u - uex||_L2, |u - uex|_H1,
 * ||uex||_L2, |uex|_H1 (global). */
typedef PetscErrorCode (*VfeExactFn)(const PetscReal x[3], void *ctx, PetscReal u[3], PetscReal gradu[9]);
PETSC_EXTERN PetscErrorCode VfeSpaceErrorNorms(VfeSpace sp, Vec ulocal, VfeExactFn exact, void *ctx, PetscReal err[4]);

/* Log events of the stages, registered once. */
typedef struct {
  PetscLogEvent mesh, setup, assembly, pcsetup, solve, post, output;
} VfeEvents;
PETSC_EXTERN VfeEvents VfeEv;
PETSC_EXTERN PetscErrorCode VfeRegisterEvents(void);

/* ---- loads (solver/loads.c) ------------------------------------------------------------------
 * Axial force and pure moments on the load surface: a uniform traction -F/A e_z plus a traction
 * linear in the position about the surface centroid c that has zero resultant and moment M:
 *   flexion/extension (about x):     t_z = -/+ M (y - c_y) / I_xx   (anterior is +y)
 *   lateral bending left/right (y):  t_z = -/+ M (x - c_x) / I_yy   (left is +x)
 *   axial torsion left/right (z):    t = +/- M / J (-(y - c_y), x - c_x, 0),  J = I_xx + I_yy
 * with I_xx = int (y - c_y)^2 dA, I_yy = int (x - c_x)^2 dA over the (flat) load surface. */
typedef struct {
  char preset[32];  /* load_case: none, standing, flexion, extension, lateral_bending, axial_rotation */
  char mode[32];    /* load_mode: none, flexion, extension, lateral_left, lateral_right, torsion_left, torsion_right */
  PetscReal force;  /* N, compression positive (applied along -z) */
  PetscReal moment; /* N mm (load_moment_Nm x 1000) */
  PetscReal area, c[3], Ixx, Iyy;
  PetscBool follower; /* load_follower: the axial force also follows the path of the body centroids */
  PetscReal disp;     /* load_displacement_mm > 0: displacement control, the load surface moves -disp e_z (mm) and the
                         force is the reaction; 0: force control (the tractions above) */
} VfeLoad;

PETSC_EXTERN PetscErrorCode VfeLoadFromOptions(MPI_Comm comm, VfeLoad *load);
PETSC_EXTERN PetscErrorCode VfeLoadSetUp(VfeSpace sp, PetscInt surface, VfeLoad *load);
/* Displacement control: the prescribed displacement (0, 0, -disp) of the load surface (a VfeVectorFn, ctx a VfeLoad).
 */
PETSC_EXTERN PetscErrorCode VfeLoadPlateDisplacement(const PetscReal x[3], const PetscReal n[3], void *ctx,
                                                     PetscReal u[3]);
PETSC_EXTERN PetscErrorCode VfeLoadTraction(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal t[3]);
/* The moment vector (N mm) that the load applies about c. */
PETSC_EXTERN void VfeLoadMomentVector(const VfeLoad *load, PetscReal M[3]);
/* Resultant force and moment about c (c may be NULL: no moment) of a local nodal vector over the
 * nodes of surface s (s < 0: all nodes), each node counted once. */
PETSC_EXTERN PetscErrorCode VfeSpaceResultant(VfeSpace sp, PetscInt s, Vec vlocal, const PetscReal c[3], PetscReal F[3],
                                              PetscReal M[3]);

/* ---- follower load (solver/loads.c) -----------------------------------------------------------
 * The axial force F (load_axial_N) as a follower load along the path through the centroids c_i of
 * the vertebral bodies (levels cranial to caudal; a body = the level's regions except posterior and
 * cement_leak).  Small strain: the path is the undeformed one and does not follow the deformation.
 * The load plate keeps the axial traction (F along -e_z), and each body i gets the force of a
 * cable under tension F that runs through guides at the centroids,
 *   g_i = F (t_out,i - t_in,i),   t_in,0 = -e_z (the plate's direction),   t_in,i = unit(c_i - c_{i-1}),
 *   t_out,i = unit(c_{i+1} - c_i),   t_out,last = t_in,last (the cable goes on into the fixed base),
 * as a uniform body force g_i / V_i over the body (resultant g_i at c_i, no moment about it).  Per
 * disc U over L this is +F t on U and -F t on L with t = unit(c_L - c_U) (the cable pulls adjacent
 * bodies together), plus +F e_z on the top body and +F t on the bottom one; so every disc carries
 * F along its piece of the path, the support reaction is F along the last piece, and a straight
 * path adds nothing to the plain axial load. */
typedef struct {
  PetscInt nlevels;                   /* levels on the path, cranial to caudal (0: none) */
  char level[VFE_NLEVELS][8];         /* their names */
  PetscReal centroid[VFE_NLEVELS][3]; /* body volume centroid (mm) */
  PetscReal volume[VFE_NLEVELS];      /* body volume (mm^3) */
  PetscReal force[VFE_NLEVELS][3];    /* g_i (N) */
} VfeFollowerPath;

/* The path of the mesh's regions (names[r] of region r) and the body force per region (body:
 * nregions x 3, N/mm^3, zero outside the bodies) for the load's axial force.  Collective. */
PETSC_EXTERN PetscErrorCode VfeFollowerSetUp(VfeSpace sp, PetscInt nregions, const char *const names[],
                                             const VfeLoad *load, VfeFollowerPath *path, PetscReal *body);
