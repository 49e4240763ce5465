/*
 * vfesolverimpl.h - private to solver/: the problem's struct and the functions that the solver's files
 * (problem.c, mixed.c, pmg.c, space.c, the assembly backends) share.  Nothing outside solver/ includes
 * it; they use the accessors of vfesolver.h.
 */
#pragma once
#include "vfesolver.h"

typedef struct _n_VfeMixed *VfeMixed;     /* private to solver/mixed.c */
typedef struct _n_VfePMG *VfePMG;         /* private to solver/pmg.c */
typedef struct _n_VfeMembers *VfeMembers; /* private to solver/members.c */
typedef struct _n_VfeFibres *VfeFibres;   /* private to solver/fibres.c */

struct _n_VfeProblem {
  VfeSpace space; /* the function space (discretisation) */
  PetscInt nregions;
  PetscReal *E, *nu; /* per region */
  PetscReal *cellE;  /* per local cell Young's modulus (density-mapped bone), or NULL: the region's E */
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
  PetscReal *rbody; /* constant body force per region (nregions x 3, N/mm^3), or NULL */
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
  PetscReal inc_nu;     /* regions with nu >= inc_nu are "nearly incompressible" (default 0.45) */
  PetscInt *form;       /* per region: VFE_FORM_FULL, VFE_FORM_BBAR or VFE_FORM_DEV (vfekernels.h) */
  PetscBool mixed;      /* some region carries pressure unknowns (Taylor-Hood P2/P1 there) */
  VfeMixed mx;          /* pressure space, coupling blocks, block preconditioner; NULL unless mixed */
  PetscBool pmg;        /* P2: p-multigrid (P2 -> P1 on the same mesh -> GAMG) for the displacement block */
  VfePMG mg;            /* the P1 level of the p-multigrid; NULL unless pmg */
  PetscBool pmg_single; /* CPU p-multigrid: the P2 smoother multiplies a single-precision copy (-vfe_pmg_single) */
  char pmg_patch[8]; /* CPU p-multigrid: vertex-star patches in the B-bar regions of the P2 smoother: auto|true|false */
  PetscInt npatch;   /* the smoother's patches on this rank (patch.c), 0 without */
  PC pcu;            /* preconditioner of the displacement block: PCMG (P2, pmg) or GAMG */
  char matprefix[24];   /* options prefix of K: "vfe_", or "vfe_pmg_p1_" for the p-multigrid's P1 level */
  PetscBool blockK;     /* CPU (any type): values go in by block rows (VfeBlockAddValues), not by COO (device) */
  PetscInt *mem_ij;     /* blockK: global row and column of each member COO entry (2 nmemcoo) */
  PetscInt nsolves;     /* solves so far with this problem (1 and later: the hierarchy is reused) */
  VfeMembers mem;       /* springs and contact (solver/members.c); NULL without */
  VfeFibres fib;        /* tension-only fibres (solver/fibres.c); NULL without */
  PetscCount nmemcoo;   /* COO entries of the members after the 9 ncoo element entries */
  PetscScalar *coo_el;  /* element part of the COO values, kept while members exist (active-set loop) */
  PetscBool el_valid;   /* coo_el holds the current materials */
  PetscInt el_state;    /* counts the assemblies that computed the element matrices (not those that reused them) */
  PetscInt active_its;  /* active-set iterations of the last solve */
  PetscInt its_total;   /* Krylov iterations over them */
  PetscBool warm;       /* the next linear solve starts from u (active-set iterations after the first) */
  PetscBool rescale;    /* with warm: u is the last solve's answer, scaled by the best factor first */
  Vec ulast;            /* the answer of the last solve (the next solve's initial guess), NULL before */
  PetscReal rtol_loose; /* > 0: the next linear solve stops at max(this, the user's rtol) (inexact iterations) */
  PetscReal rtol_user;  /* the Krylov rtol after the options (-ksp_rtol) */
  PetscBool reuse_pc;   /* the next linear solve keeps the preconditioner (its matrix has not changed) */
  PetscBool fresh_pc;   /* the next linear solve builds GAMG's hierarchy anew (the contact branches moved away) */
  PetscInt pc_rebuilds; /* hierarchies built anew by the last solve's active-set loop */
  PetscInt pc_retries;  /* linear solves of that loop repeated with the hierarchy built anew after a breakdown */
  Vec blift;            /* the right-hand side of the last linear solve after the Dirichlet elimination */
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

/* Add the element matrix Ke (node-major, npc nodes cn) to the COO values v of the node-pair pattern. */
static inline void VfeCOOAddElement(VfeProblem prob, PetscInt npc, const PetscInt *cn, const PetscReal *Ke,
                                    PetscScalar *v)
{
  const PetscInt ld = 3 * npc;
  for (PetscInt a = 0; a < npc; ++a) {
    const PetscInt rs = prob->row_start[cn[a]], rl = prob->row_start[cn[a] + 1] - rs;
    const PetscInt *rc = &prob->row_cols[rs];
    for (PetscInt b = 0; b < npc; ++b) {
      PetscScalar *blk   = &v[9 * (rs + VfePatternFind(rc, rl, cn[b]))];
      const PetscReal *k = &Ke[3 * a * ld + 3 * b];
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) blk[3 * i + j] += k[i * ld + j];
    }
  }
}

/* Allgatherv of n items of `width` reals each (the same width on every rank); *out (ntot items) is
 * allocated, caller frees. */
PETSC_EXTERN PetscErrorCode VfeGatherReals(MPI_Comm comm, PetscInt n, PetscInt width, const PetscReal *in,
                                           PetscInt *ntot, PetscReal **out);
PETSC_EXTERN PetscErrorCode VfeProblemAssembleMatrixInto(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeProblemDirichletRowsOnly(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeSpaceRigidBodyModes(VfeSpace sp, Mat A);
PETSC_EXTERN PetscErrorCode VfeGAMGSetDefaults(PC pc);
PETSC_EXTERN PetscErrorCode VfeMixedCreate(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeMixedDestroy(VfeMixed *mx);
PETSC_EXTERN PetscErrorCode VfeMixedAssemble(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeMixedSolve(VfeProblem prob, Vec b, Vec u);
PETSC_EXTERN PetscErrorCode VfeMixedAddInternalForce(VfeProblem prob, const PetscBool *regions, PetscScalar *f);
PETSC_EXTERN PetscReal VfeMixedCellPressure(VfeProblem prob, PetscInt c, const PetscReal L[4]);
PETSC_EXTERN PetscErrorCode VfePMGCreate(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfePMGDestroy(VfePMG *mg);
PETSC_EXTERN PetscErrorCode VfePMGAssemble(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfePMGSetUpPC(VfeProblem prob, PC pc);
PETSC_EXTERN PetscErrorCode VfePMGSync(VfeProblem prob);
/* single.c: single-precision copy of a 3 x 3 block operator (MATSHELL) for the P2 smoother */
PETSC_EXTERN PetscBool VfeMatSingleApplies(Mat K);
PETSC_EXTERN PetscErrorCode VfeMatSingleCreate(Mat K, Mat *A);
PETSC_EXTERN PetscErrorCode VfeMatSingleSync(Mat A);
PETSC_EXTERN PetscErrorCode VfeInvertNodeBlocks(Mat K, PetscInt nb, PetscScalar *dinv);
/* Assembly backends: element matrices for a batch of cells. */
PETSC_EXTERN PetscErrorCode VfeAssembleCOO_CPU(VfeProblem prob);
/* The CUDA backend (solver/cuda/assemble.cu, or the stub that says it was not compiled): assembles the whole COO
 * value array of K on the device (elements by the kernels, the host-computed fibre and member terms added there)
 * and calls MatSetValuesCOO with it, from device memory when K is a CUSPARSE matrix. */
PETSC_EXTERN PetscErrorCode VfeAssembleMatrixCOO_CUDA(VfeProblem prob);
/* The AIJ matrix and vector types of the matrices and vectors vfe creates beside the DM's (mixed blocks, p-multigrid
 * interpolation): the CUSPARSE / CUDA ones on the device path (DM types set by -vfe_device cuda), else MATAIJ /
 * VECSTANDARD. */
PETSC_EXTERN MatType VfeDeviceMatType(DM dm);
PETSC_EXTERN VecType VfeDeviceVecType(DM dm);
/* Number of CUDA devices visible to this process (0 and the reason in `why` when none). */
PETSC_EXTERN PetscErrorCode VfeCudaDeviceCount(int *n, char *why, size_t len);
/* members (solver/members.c) */
PETSC_EXTERN PetscErrorCode VfeMembersDestroy(VfeMembers *m);
PETSC_EXTERN PetscInt VfeMembersCount(VfeProblem prob);
PETSC_EXTERN PetscErrorCode VfeMembersCOOCount(VfeProblem prob, PetscCount *n);
PETSC_EXTERN PetscErrorCode VfeMembersCOO(VfeProblem prob, PetscInt *ci, PetscInt *cj, PetscScalar *v);
PETSC_EXTERN PetscErrorCode VfeMembersRHS(VfeProblem prob, Vec b);
PETSC_EXTERN PetscErrorCode VfeMembersAddForces(VfeProblem prob, Vec g);
PETSC_EXTERN PetscErrorCode VfeMembersUpdate(VfeProblem prob, Vec u, PetscInt *changed);
PETSC_EXTERN PetscErrorCode VfeMembersDeriveP1(VfeProblem p2, VfeProblem p1);
PETSC_EXTERN void VfeMembersSyncP1(VfeProblem p2, VfeProblem p1);
PETSC_EXTERN void VfeMembersSlackForce(VfeProblem prob, PetscReal *slack, PetscReal *active);
PETSC_EXTERN void VfeMembersSetSlack(VfeProblem prob, PetscBool on);
PETSC_EXTERN PetscErrorCode VfeMembersMarkBuilt(VfeProblem prob);
PETSC_EXTERN PetscInt VfeMembersContactDrift(VfeProblem prob, PetscInt *ncontact);
/* fibres (solver/fibres.c) */
PETSC_EXTERN PetscErrorCode VfeFibresDestroy(VfeFibres *f);
PETSC_EXTERN PetscErrorCode VfeFibresAddCell(VfeProblem prob, PetscInt c, const PetscReal *X, PetscReal *Ke);
PETSC_EXTERN PetscErrorCode VfeFibresAddCOO(VfeProblem prob, PetscScalar *v);
PETSC_EXTERN PetscErrorCode VfeFibresCOOBlocks(VfeProblem prob, PetscCount *nb, PetscCount *blk, PetscScalar *v);
PETSC_EXTERN PetscErrorCode VfeFibresUpdate(VfeProblem prob, Vec u, PetscInt *changed);
PETSC_EXTERN void VfeFibresCellStress(VfeProblem prob, PetscInt c, const PetscReal L[4], const PetscReal *ue,
                                      PetscReal sig[6]);
PETSC_EXTERN PetscErrorCode VfeFibresDeriveP1(VfeProblem p2, VfeProblem p1);
PETSC_EXTERN void VfeFibresSyncP1(VfeProblem p2, VfeProblem p1);

/* Young's modulus of local cell c in region r: the cell's own (VfeProblemSetCellModulus) where set, else the region's.
 */
static inline PetscReal VfeCellE(VfeProblem prob, PetscInt c, PetscInt r)
{
  return prob->cellE && prob->cellE[c] > 0 ? prob->cellE[c] : prob->E[r];
}
/* the P2 smoother's preconditioner (solver/patch.c): point-block Jacobi, with vertex-star patches in the B-bar regions
 * when `patches` */
PetscErrorCode VfePatchPCSet(VfeProblem prob, PC pc, PetscBool patches);
