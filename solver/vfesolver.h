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
 * -vfe_backend cpu|cuda (cuda reports "not compiled" unless built with VFE_ENABLE_CUDA).
 */
#pragma once
#include <petscksp.h>
#include <petscdmplex.h>

typedef struct _n_VfeSpace *VfeSpace;
typedef struct _n_VfeProblem *VfeProblem;
typedef struct _n_VfeMixed *VfeMixed; /* private to solver/mixed.c */
typedef struct _n_VfePMG *VfePMG;     /* private to solver/pmg.c */

/* The discretisation: a DMPlex with a 3-dof-per-node section, and flat tables of the local nodes
 * (vertices, and edge midpoints for P2) and cells that the kernels work on. */
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

struct _n_VfeProblem {
  VfeSpace space; /* the function space (discretisation) */
  PetscInt nregions;
  PetscReal *E, *nu; /* per region */
  /* boundary conditions */
  PetscInt nbc;
  struct {
    PetscInt surface;  /* boundary index */
    PetscInt kind;     /* 0 Dirichlet, 1 traction */
    PetscBool comp[3]; /* Dirichlet components */
    VfeVectorFn fn;
    void *ctx;
  } bc[16];
  VfeVectorFn body;
  void *body_ctx;
  /* assembled system */
  Mat K;
  Vec f;     /* load vector before Dirichlet elimination */
  Vec ubc;   /* prescribed values at Dirichlet dofs */
  IS bcrows; /* owned Dirichlet rows */
  KSP ksp;
  char assembly[16]; /* coo | blocked */
  char backend[16];  /* cpu | cuda */
  /* COO pattern, built once per mesh */
  PetscCount ncoo;     /* block pairs (each 9 scalar entries) */
  PetscInt *row_start; /* local CSR of the node-pair pattern over local nodes */
  PetscInt *row_cols;
  PetscScalar *coo_vals;
  /* backend data (the CUDA backend's device arrays), freed by backend_destroy */
  void *backend_data;
  PetscErrorCode (*backend_destroy)(void *);
  /* formulation (solver/mixed.c): -vfe_formulation auto | mixed | bbar | displacement */
  char formulation[16];
  PetscReal inc_nu; /* regions with nu >= inc_nu are "nearly incompressible" (default 0.45) */
  PetscInt *form;   /* per region: VFE_FORM_FULL, VFE_FORM_BBAR or VFE_FORM_DEV (vfekernels.h) */
  PetscBool mixed;  /* some region carries pressure unknowns (Taylor-Hood P2/P1 there) */
  VfeMixed mx;      /* pressure space, coupling blocks, block preconditioner; NULL unless mixed */
  PetscBool pmg;    /* P2: p-multigrid (P2 -> P1 on the same mesh -> GAMG) for the displacement block */
  VfePMG mg;        /* the P1 level of the p-multigrid; NULL unless pmg */
  PC pcu;           /* preconditioner of the displacement block: PCMG (P2, pmg) or GAMG */
  PetscInt nsolves; /* solves so far with this problem (1 and later: the hierarchy is reused) */
  /* results of the last solve */
  PetscInt its;
  KSPConvergedReason reason;
  PetscReal rnorm;
  PetscReal t_pcsetup, t_solve; /* seconds of the last solve's preconditioner set-up and solve */
};

/* Position of node `key` in a sorted row of the node-pair pattern (row_cols of one node), or -1. */
static inline PetscInt VfePatternFind(const PetscInt *cols, PetscInt n, PetscInt key)
{
  PetscInt lo = 0, hi = n - 1;
  while (lo <= hi) {
    const PetscInt mid = (lo + hi) / 2;
    if (cols[mid] < key)
      lo = mid + 1;
    else if (cols[mid] > key)
      hi = mid - 1;
    else
      return mid;
  }
  return -1;
}

PETSC_EXTERN PetscErrorCode VfeProblemCreate(VfeSpace sp, PetscInt nregions, VfeProblem *prob);
PETSC_EXTERN PetscErrorCode VfeProblemDestroy(VfeProblem *prob);
PETSC_EXTERN PetscErrorCode VfeProblemSetMaterial(VfeProblem prob, PetscInt region, PetscReal E, PetscReal nu);
PETSC_EXTERN PetscErrorCode VfeProblemAddDirichlet(VfeProblem prob, PetscInt surface, const PetscBool comp[3],
                                                   VfeVectorFn fn, void *ctx);
PETSC_EXTERN PetscErrorCode VfeProblemAddTraction(VfeProblem prob, PetscInt surface, VfeVectorFn fn, void *ctx);
PETSC_EXTERN PetscErrorCode VfeProblemSetBodyForce(VfeProblem prob, VfeVectorFn fn, void *ctx);
PETSC_EXTERN PetscErrorCode VfeProblemSetFromOptions(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeProblemAssemble(VfeProblem prob);
/* Solve K u = f.  A second call after new materials (VfeProblemSetMaterial + VfeProblemAssemble)
 * reuses the preconditioner hierarchy: the same aggregates and interpolations, new values. */
PETSC_EXTERN PetscErrorCode VfeProblemSolve(VfeProblem prob, Vec u);
/* Strain and stress of local cell c at barycentric point L, consistent with its formulation
 * (mixed regions: sigma = 2 mu dev eps - p I with the solved pressure).  ue: the cell's nodal
 * displacements (3 per node). */
PETSC_EXTERN void VfeProblemCellStress(VfeProblem prob, PetscInt c, const PetscReal L[4], const PetscReal *ue,
                                       PetscReal eps[6], PetscReal sig[6]);
/* PETSC_TRUE where region r's reported pressure needs the B-bar vertex recovery (postproc). */
PETSC_EXTERN PetscBool VfeProblemRegionIsBbar(VfeProblem prob, PetscInt r);
/* One line naming the formulation and preconditioner actually used (for logs and the manifest). */
PETSC_EXTERN const char *VfeProblemDescribe(VfeProblem prob);

/* ---- private to the solver (problem.c, mixed.c, pmg.c) ---- */
PETSC_EXTERN PetscErrorCode VfeProblemAssembleMatrixInto(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeProblemDirichletRowsOnly(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeSpaceRigidBodyModes(VfeSpace sp, Mat A);
PETSC_EXTERN PetscErrorCode VfeGAMGSetDefaults(PC pc);
PETSC_EXTERN PetscErrorCode VfeMixedCreate(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeMixedDestroy(VfeMixed *mx);
PETSC_EXTERN PetscErrorCode VfeMixedAssemble(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeMixedSolve(VfeProblem prob, Vec b, Vec u);
PETSC_EXTERN PetscErrorCode VfeMixedAddInternalForce(VfeProblem prob, PetscScalar *f);
PETSC_EXTERN PetscReal VfeMixedCellPressure(VfeProblem prob, PetscInt c, const PetscReal L[4]);
PETSC_EXTERN PetscErrorCode VfePMGCreate(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfePMGDestroy(VfePMG *mg);
PETSC_EXTERN PetscErrorCode VfePMGAssemble(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfePMGSetUpPC(VfeProblem prob, PC pc);
/* Internal force K u, assembled element by element into a local vector (no matrix needed): at the
 * fixed nodes it is the reaction. */
PETSC_EXTERN PetscErrorCode VfeProblemInternalForce(VfeProblem prob, Vec ulocal, Vec flocal);
/* Sum over surface s of a local nodal vector (each node counted once, on its owner): e.g. reaction. */
PETSC_EXTERN PetscErrorCode VfeSpaceSurfaceSum(VfeSpace sp, PetscInt s, Vec vlocal, PetscReal sum[3]);

/* Error norms against an exact solution (and its gradient): ||u - uex||_L2, |u - uex|_H1,
 * ||uex||_L2, |uex|_H1 (global). */
typedef PetscErrorCode (*VfeExactFn)(const PetscReal x[3], void *ctx, PetscReal u[3], PetscReal gradu[9]);
PETSC_EXTERN PetscErrorCode VfeSpaceErrorNorms(VfeSpace sp, Vec ulocal, VfeExactFn exact, void *ctx, PetscReal err[4]);

/* Assembly backends: element matrices for a batch of cells. */
PETSC_EXTERN PetscErrorCode VfeAssembleCOO_CPU(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeAssembleCOO_CUDA(VfeProblem prob);

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
} VfeLoad;

PETSC_EXTERN PetscErrorCode VfeLoadFromOptions(MPI_Comm comm, VfeLoad *load);
PETSC_EXTERN PetscErrorCode VfeLoadSetUp(VfeSpace sp, PetscInt surface, VfeLoad *load);
PETSC_EXTERN PetscErrorCode VfeLoadTraction(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal t[3]);
/* The moment vector (N mm) that the load applies about c. */
PETSC_EXTERN void VfeLoadMomentVector(const VfeLoad *load, PetscReal M[3]);
/* Resultant force and moment about c (c may be NULL: no moment) of a local nodal vector over the
 * nodes of surface s (s < 0: all nodes), each node counted once. */
PETSC_EXTERN PetscErrorCode VfeSpaceResultant(VfeSpace sp, PetscInt s, Vec vlocal, const PetscReal c[3], PetscReal F[3],
                                              PetscReal M[3]);
