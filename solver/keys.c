/*
 * keys.c - the keys the solver reads (loads.c, problem.c), declared once (util/vfekeys.h).
 */
#include "vfesolverimpl.h"
#include "vfekeys.h"

static const VfeKey solver_keys[] = {
    {"load_case", VFE_KEY_STRING, "", 0, 0, 0, "none|standing|flexion|extension|lateral_bending|axial_rotation",
     "`none`",
     "preset: `standing` (500 N), `flexion`, `extension`, `lateral_bending`, `axial_rotation` (500 N + 7.5 N·m)"},
    {"load_axial_N", VFE_KEY_REAL, "N", VFE_KEY_MIN | VFE_KEY_MAX, -1e5, 1e5, NULL, "500",
     "axial compression on `bc_load`, as a uniform traction (N, downward; 100 kN bounds any physiological load)"},
    {"load_moment_Nm", VFE_KEY_REAL, "N·m", VFE_KEY_MIN | VFE_KEY_MAX, 0, 1e4, NULL, "0 (7.5 with a moment preset)",
     "pure moment on `bc_load` (N·m), needs `load_mode`"},
    {"load_mode", VFE_KEY_STRING, "", 0, 0, 0,
     "none|flexion|extension|lateral_left|lateral_right|torsion_left|torsion_right", "`none`",
     "direction of the moment (frame: +x left, +y anterior, +z cranial)"},
    {"load_displacement_mm", VFE_KEY_REAL, "mm", VFE_KEY_MIN | VFE_KEY_MAX, 0, 50, NULL, "0",
     "displacement control: `bc_load` moves this far down (uniformly, free to slide sideways) and the force is its "
     "reaction (0: force control with `load_axial_N`); stiffness = reaction / displacement"},
    {"load_follower", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "false",
     "`load_axial_N` also as a follower load along the path through the vertebral body centroids (small-strain "
     "approximation: the path does not follow the deformation; see theory.md)"},
    {"vfe_assembly", VFE_KEY_STRING, "", 0, 0, 0, "coo|blocked", "`coo`",
     "`coo` (node-pair COO pattern) or `blocked` (DMPlex preallocation, `MatSetValuesBlocked`)"},
    {"vfe_backend", VFE_KEY_STRING, "", 0, 0, 0, "cpu|cuda", "`cpu` (`cuda` with `vfe_device cuda`)",
     "element-kernel backend; `cuda` needs a CUDA build"},
    {"vfe_device", VFE_KEY_STRING, "", 0, 0, 0, "cpu|cuda", "`cpu`",
     "`cuda`: the solve on the GPU (CUDA vectors, CUSPARSE matrices, element matrices by the CUDA kernels); needs a "
     "CUDA build of vfe and PETSc and a device (docs/gpu.md)"},
    {"vfe_formulation", VFE_KEY_STRING, "", 0, 0, 0, "auto|mixed|bbar|displacement", "`auto`",
     "regions with nu >= 0.45 on P2: `auto` = `bbar` (mean dilatation), `mixed` (Taylor-Hood u-p, block Schur "
     "preconditioner), `displacement`"},
    {"vfe_incompressible_nu", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MAX, 0, 0.5, NULL, "0.45",
     "P2 regions with nu at least this get the `vfe_formulation` treatment (B-bar or mixed)"},
    {"vfe_active_set_max_it", VFE_KEY_INT, "", VFE_KEY_MIN | VFE_KEY_MAX, 1, 1000, NULL, "30",
     "fibres, ligaments, contact: active-set iterations before giving up (exit 2)"},
    {"vfe_active_set_rtol", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MAX | VFE_KEY_MAX_OPEN, 0, 1, NULL, "1e-4",
     "fibres, ligaments, contact: the smallest Krylov rtol of the inexact linear solves while the active set still "
     "changes (the last is solved to `ksp_rtol`)"},
    {"vfe_active_set_rtol_first", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MAX | VFE_KEY_MAX_OPEN, 0, 1, NULL, "1e-1",
     "fibres, ligaments, contact: Krylov rtol of the first linear solve of the active set; each later one stops at "
     "this x (branches changed by the last update / by the first), but not below `vfe_active_set_rtol`"},
    {"vfe_active_set_rebuild", VFE_KEY_REAL, "", VFE_KEY_MIN | VFE_KEY_MAX, 0, 1, NULL, "0.1",
     "contact: GAMG's hierarchy is built anew (at most twice per solve) once more than this fraction of the contact "
     "pairs left the branch it was built on; 1: never"},
    {"vfe_pmg", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "true on P2",
     "P2: p-multigrid (P2 -> P1 on the same mesh -> GAMG) for the displacement block"},
    {"vfe_pmg_single", VFE_KEY_BOOL, "", 0, 0, 0, NULL, "true",
     "P2 p-multigrid on the CPU: the P2 smoother and level residual multiply a single-precision copy of the operator "
     "(half the bytes per product); CG keeps double precision, so answers meet the same `ksp_rtol`"},
    {"vfe_pmg_patch", VFE_KEY_STRING, "", 0, 0, 0, "auto|true|false", "`auto`",
     "P2 p-multigrid on the CPU: the P2 smoother inverts vertex-star patches (a vertex and its edge midpoints) in the "
     "B-bar regions instead of point blocks; `auto`: where those regions hold less than half of the cells (the discs "
     "of a segment: about half the Krylov iterations on the default case)"},
};

const VfeKeyTable VfeSolverKeys = {"solver", solver_keys, sizeof solver_keys / sizeof solver_keys[0]};
