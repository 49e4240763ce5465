/*
 * loads.c - load cases on the load plate: axial force, pure moments and the literature presets.
 *
 * Presets (load_case) follow the in-vitro protocols of lumbar FE studies: 500 N follower-like
 * axial preload alone (standing) or with 7.5 N m in one direction (VALIDATION.md; Rohlmann 2006,
 * BMC Musculoskelet Disord 2022).  Explicit load_axial_N, load_moment_Nm and load_mode override
 * the preset.  The moment is applied as a linear traction distribution on the flat load surface
 * (see vfesolver.h); because the load plate is much stiffer than bone, this acts like a rigid
 * plate under a pure moment.
 *
 * Follower load (load_follower, Patwardhan 1999; Rohlmann 2001): the axial force also runs along
 * the path through the vertebral bodies' centroids, as the guide forces of a cable under tension F
 * (VfeFollowerSetUp, formulas in vfesolver.h).  In this linear small-strain model the path is the
 * undeformed one: the load does not turn with the vertebrae, which is what a follower load does in
 * a large-rotation model; the approximation holds while the rotations stay small (a few degrees).
 */
#include "vfesolverimpl.h"
#include "vfekeys.h"
#include "vfekernels.h"
#include <string.h>

static const char *vfe_modes[]   = {"none",          "flexion",      "extension",     "lateral_left",
                                    "lateral_right", "torsion_left", "torsion_right", NULL};
static const char *vfe_presets[] = {"none",           "standing", "flexion", "extension", "lateral_bending",
                                    "axial_rotation", NULL};

static PetscBool VfeInList(const char *v, const char **list)
{
  for (int i = 0; list[i]; ++i)
    if (!strcmp(v, list[i])) return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode VfeLoadFromOptions(MPI_Comm comm, VfeLoad *L)
{
  PetscReal Nm = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(L, sizeof *L));
  PetscCall(PetscStrncpy(L->preset, "none", sizeof L->preset));
  PetscCall(PetscStrncpy(L->mode, "none", sizeof L->mode));
  L->force = 500.0;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-load_case", L->preset, sizeof L->preset, NULL));
  PetscCheck(
      VfeInList(L->preset, vfe_presets), comm, PETSC_ERR_USER_INPUT,
      "load_case: unknown value '%s' (allowed: none, standing, flexion, extension, lateral_bending, axial_rotation)",
      L->preset);
  if (strcmp(L->preset, "none") && strcmp(L->preset, "standing")) {
    Nm = 7.5;
    if (!strcmp(L->preset, "lateral_bending"))
      PetscCall(PetscStrncpy(L->mode, "lateral_left", sizeof L->mode));
    else if (!strcmp(L->preset, "axial_rotation"))
      PetscCall(PetscStrncpy(L->mode, "torsion_left", sizeof L->mode));
    else
      PetscCall(PetscStrncpy(L->mode, L->preset, sizeof L->mode));
  }
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-load_axial_N", &L->force, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-load_moment_Nm", &Nm, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-load_mode", L->mode, sizeof L->mode, NULL));
  PetscCall(VfeKeyGetBool(&VfeSolverKeys, "load_follower", &L->follower, NULL));
  PetscCall(VfeKeyGetReal(&VfeSolverKeys, "load_displacement_mm", &L->disp, NULL));
  PetscCheck(L->disp == 0 || (Nm == 0 && !L->follower), comm, PETSC_ERR_USER_INPUT,
             "load_displacement_mm = %g (displacement control) cannot be combined with a moment or load_follower: it "
             "moves the load surface down uniformly",
             (double)L->disp);
  PetscCheck(VfeInList(L->mode, vfe_modes), comm, PETSC_ERR_USER_INPUT,
             "load_mode: unknown value '%s' (allowed: flexion, extension, lateral_left, lateral_right, torsion_left, "
             "torsion_right)",
             L->mode);
  PetscCheck(Nm == 0 || strcmp(L->mode, "none"), comm, PETSC_ERR_USER_INPUT,
             "load_moment_Nm = %g needs a direction: set load_mode (flexion, extension, lateral_left, lateral_right, "
             "torsion_left, "
             "torsion_right)",
             (double)Nm);
  PetscCheck(Nm >= 0, comm, PETSC_ERR_USER_INPUT, "load_moment_Nm = %g must be >= 0 (the direction is load_mode)",
             (double)Nm);
  L->moment = 1000.0 * Nm;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeLoadSetUp(VfeSpace sp, PetscInt s, VfeLoad *L)
{
  PetscInt nf, *faces;
  PetscReal loc[6] = {0, 0, 0, 0, 0, 0}, glob[6];
  MPI_Comm comm    = PetscObjectComm((PetscObject)sp->dm);

  PetscFunctionBeginUser;
  PetscCall(VfeSpaceGetBoundaryFaces(sp, s, &nf, &faces));
  for (int pass = 0; pass < 2; ++pass) {
    for (PetscInt i = 0; i < nf; ++i) {
      PetscInt nodes[6];
      PetscReal a, n[3];
      PetscCall(VfeSpaceFaceGeometry(sp, faces[i], nodes, &a, n));
      for (int e = 0; e < 3; ++e) { /* edge-midpoint rule: exact for quadratics on a triangle */
        const PetscReal *p = &sp->xyz[3 * nodes[e]], *q = &sp->xyz[3 * nodes[(e + 1) % 3]];
        PetscReal m[3] = {0.5 * (p[0] + q[0]), 0.5 * (p[1] + q[1]), 0.5 * (p[2] + q[2])};
        if (!pass) {
          loc[0] += a / 3;
          for (int d = 0; d < 3; ++d) loc[1 + d] += a / 3 * m[d];
        } else {
          loc[4] += a / 3 * PetscSqr(m[1] - L->c[1]);
          loc[5] += a / 3 * PetscSqr(m[0] - L->c[0]);
        }
      }
    }
    PetscCallMPI(MPI_Allreduce(loc, glob, 6, MPIU_REAL, MPIU_SUM, comm));
    if (!pass) {
      L->area = glob[0];
      PetscCheck(L->area > 0, comm, PETSC_ERR_USER_INPUT, "the load surface has zero area");
      for (int d = 0; d < 3; ++d) L->c[d] = glob[1 + d] / glob[0];
    } else {
      L->Ixx = glob[4];
      L->Iyy = glob[5];
    }
  }
  PetscCall(PetscFree(faces));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeLoadPlateDisplacement(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal u[3])
{
  const VfeLoad *L = (const VfeLoad *)ctx;
  u[0] = u[1] = 0;
  u[2]        = -L->disp;
  return 0;
}

PetscErrorCode VfeLoadTraction(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal t[3])
{
  const VfeLoad *L   = (const VfeLoad *)ctx;
  const PetscReal dx = x[0] - L->c[0], dy = x[1] - L->c[1], M = L->moment;

  t[0] = t[1] = 0;
  t[2]        = -L->force / L->area;
  if (!strcmp(L->mode, "flexion"))
    t[2] -= M * dy / L->Ixx;
  else if (!strcmp(L->mode, "extension"))
    t[2] += M * dy / L->Ixx;
  else if (!strcmp(L->mode, "lateral_left"))
    t[2] -= M * dx / L->Iyy;
  else if (!strcmp(L->mode, "lateral_right"))
    t[2] += M * dx / L->Iyy;
  else if (!strcmp(L->mode, "torsion_left"))
    t[0] = -M * dy / (L->Ixx + L->Iyy), t[1] = M * dx / (L->Ixx + L->Iyy);
  else if (!strcmp(L->mode, "torsion_right"))
    t[0] = M * dy / (L->Ixx + L->Iyy), t[1] = -M * dx / (L->Ixx + L->Iyy);
  return 0;
}

void VfeLoadMomentVector(const VfeLoad *L, PetscReal M[3])
{
  M[0] = M[1] = M[2] = 0;
  /* moment of t about c: int (x - c) x t dA */
  if (!strcmp(L->mode, "flexion"))
    M[0] = -L->moment;
  else if (!strcmp(L->mode, "extension"))
    M[0] = L->moment;
  else if (!strcmp(L->mode, "lateral_left"))
    M[1] = L->moment;
  else if (!strcmp(L->mode, "lateral_right"))
    M[1] = -L->moment;
  else if (!strcmp(L->mode, "torsion_left"))
    M[2] = L->moment;
  else if (!strcmp(L->mode, "torsion_right"))
    M[2] = -L->moment;
}

/* The regions that make up a vertebral body: every region of the level except the posterior
 * elements and a cement leak (outside the body). */
static PetscBool VfeIsBodyRegion(const char *name, char *level, size_t len)
{
  const char *tissue;
  if (!VfeRegionSplit(name, level, len, &tissue) || VfeLevelIndex(level) < 0) return PETSC_FALSE;
  return strcmp(tissue, "posterior") && strcmp(tissue, "cement_leak") ? PETSC_TRUE : PETSC_FALSE;
}

static void VfeUnit(const PetscReal a[3], const PetscReal b[3], PetscReal t[3])
{
  PetscReal n = 0;
  for (int d = 0; d < 3; ++d) t[d] = b[d] - a[d], n += t[d] * t[d];
  n = PetscSqrtReal(n);
  for (int d = 0; d < 3; ++d) t[d] = n > 0 ? t[d] / n : 0;
}

PetscErrorCode VfeFollowerSetUp(VfeSpace sp, PetscInt nregions, const char *const names[], const VfeLoad *load,
                                VfeFollowerPath *path, PetscReal *body)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)sp->dm);
  PetscInt *lev, slot[VFE_NLEVELS];
  PetscReal loc[4 * VFE_NLEVELS], glob[4 * VFE_NLEVELS], tin[3] = {0, 0, -1};
  char level[VFE_REGION_LEN];

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(path, sizeof *path));
  PetscCall(PetscArrayzero(loc, 4 * VFE_NLEVELS));
  PetscCall(PetscArrayzero(body, 3 * nregions));
  PetscCall(PetscMalloc1(nregions, &lev));
  for (PetscInt r = 0; r < nregions; ++r)
    lev[r] = VfeIsBodyRegion(names[r], level, sizeof level) ? VfeLevelIndex(level) : -1;
  /* volume and volume centroid of each level's body (cells are not shared between ranks) */
  for (PetscInt c = 0; c < sp->ncells; ++c) {
    const PetscInt i = lev[sp->cell_region[c]];
    PetscReal X[30], G[4][3], v;
    if (i < 0) continue;
    VfeSpaceCellCoordinates(sp, c, X);
    v = PetscAbsReal(vfe_tet_gradients(X, G)) / 6.0;
    loc[4 * i] += v;
    for (int d = 0; d < 3; ++d) loc[4 * i + 1 + d] += v * 0.25 * (X[d] + X[3 + d] + X[6 + d] + X[9 + d]);
  }
  PetscCallMPI(MPI_Allreduce(loc, glob, 4 * VFE_NLEVELS, MPIU_REAL, MPIU_SUM, comm));
  for (PetscInt i = 0; i < VFE_NLEVELS; ++i) {
    PetscInt k;
    slot[i] = -1;
    if (!(glob[4 * i] > 0)) continue;
    k = slot[i] = path->nlevels++;
    PetscCall(PetscStrncpy(path->level[k], VfeLevelNames[i], sizeof path->level[k]));
    path->volume[k] = glob[4 * i];
    for (int d = 0; d < 3; ++d) path->centroid[k][d] = glob[4 * i + 1 + d] / glob[4 * i];
  }
  PetscCheck(path->nlevels > 0, comm, PETSC_ERR_USER_INPUT,
             "load_follower: the mesh has no vertebral body (regions <lvl>.<tissue>, lvl in T12, L1..L5) for the "
             "follower path; set load_follower false");
  /* guide forces g_k = F (t_out - t_in) */
  for (PetscInt k = 0; k < path->nlevels; ++k) {
    PetscReal tout[3];
    if (k + 1 < path->nlevels)
      VfeUnit(path->centroid[k], path->centroid[k + 1], tout);
    else
      for (int d = 0; d < 3; ++d) tout[d] = tin[d];
    for (int d = 0; d < 3; ++d) path->force[k][d] = load->force * (tout[d] - tin[d]);
    for (int d = 0; d < 3; ++d) tin[d] = tout[d];
  }
  for (PetscInt r = 0; r < nregions; ++r) {
    const PetscInt k = lev[r] >= 0 ? slot[lev[r]] : -1;
    if (k < 0) continue;
    for (int d = 0; d < 3; ++d) body[3 * r + d] = path->force[k][d] / path->volume[k];
  }
  PetscCall(PetscFree(lev));
  PetscFunctionReturn(0);
}
