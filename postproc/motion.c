/*
 * motion.c - rotation of each vertebral level, range of motion of each motion segment, and the
 * axial force and load share of each disc.
 *
 * Rigid-body fit.  A level is every region <lvl>.<tissue> of a vertebral level (T12, L1..L5) except
 * a cement leak; its nodes are the nodes of those regions' cells, found with a marker vector summed
 * over ranks (a node's cells in the level may live on another rank than the node's owner), and
 * each node counts once, on its owner.  With r = x - c (c: the level's volume centroid) the small rigid
 * motion u ~ t + theta x r is fitted by least squares: the 6 x 6 normal equations
 *     sum [ I      -[r]x         ] [t    ]   sum [ u     ]
 *         [ [r]x   |r|^2 I - r r^T] [theta] =     [ r x u ]
 * are summed over the owned nodes and reduced over ranks (so 1, 2, 4 ranks agree to rounding) and
 * solved by Gaussian elimination with partial pivoting.  A linearised rigid motion is recovered
 * exactly; the translation is that of c.  Reported angles are (-theta_x, theta_y, theta_z) in degrees: positive in the
 * direction of the load modes flexion, lateral_left and torsion_left (solver/loads.c: their moment vectors are -x, +y,
 * +z).  Range of motion of the segment U over L (disc UL): rot_U - rot_L (small angles add as vectors); the whole
 * segment: top level relative to the bottom level.
 *
 * Disc force.  The internal force of the disc's cells alone, f = K_disc u (VfeProblemInternalForceRegions),
 * is at each node the force the rest of the segment exerts on the disc; it vanishes at the disc's
 * interior and free-surface nodes (equilibrium, no load there), so its sum over the nodes shared
 * with U is the force U exerts on the disc, and over the nodes shared with L minus that.  The axial
 * force is its component along the centre line a = unit(c_U - c_L), compression positive, the mean
 * of the two interfaces (their difference, `balance`, is the solver residual).  This is exactly the
 * force through any cross-section of the disc, domed endplates included.  Disc share = axial force
 * / applied axial force; with posterior elements the posterior column carries the rest.
 */
#include "vfepost.h"
#include "vferegion.h"
#include "vfekernels.h"
#include <math.h>
#include <string.h>

#define VFE_DEG (180.0 / PETSC_PI)

/* Marker: 1 at the nodes of the cells whose region is in the set, summed over ranks. */
static PetscErrorCode VfeNodeMarker(VfeSpace sp, const PetscBool *inset, Vec m)
{
  PetscScalar *a;
  Vec g;

  PetscFunctionBeginUser;
  PetscCall(VecSet(m, 0));
  PetscCall(VecGetArray(m, &a));
  for (PetscInt c = 0; c < sp->ncells; ++c)
    if (inset[sp->cell_region[c]])
      for (PetscInt k = 0; k < sp->npc; ++k) a[3 * sp->cell_nodes[c * sp->npc + k]] = 1;
  PetscCall(VecRestoreArray(m, &a));
  PetscCall(DMGetGlobalVector(sp->dm, &g));
  PetscCall(VecSet(g, 0));
  PetscCall(DMLocalToGlobal(sp->dm, m, ADD_VALUES, g));
  PetscCall(DMGlobalToLocal(sp->dm, g, INSERT_VALUES, m));
  PetscCall(DMRestoreGlobalVector(sp->dm, &g));
  PetscFunctionReturn(0);
}

/* Solve the n x n system A x = b (row-major; A and b are overwritten); PETSC_FALSE if singular. */
static PetscBool VfeSolveDense(PetscInt n, PetscReal *A, PetscReal *b, PetscReal *x)
{
  PetscReal scale = 0;
  for (PetscInt i = 0; i < n * n; ++i) scale = PetscMax(scale, PetscAbsReal(A[i]));
  for (PetscInt k = 0; k < n; ++k) {
    PetscInt p = k;
    for (PetscInt i = k + 1; i < n; ++i)
      if (PetscAbsReal(A[i * n + k]) > PetscAbsReal(A[p * n + k])) p = i;
    if (!(PetscAbsReal(A[p * n + k]) > 1e-14 * scale)) return PETSC_FALSE;
    if (p != k) {
      for (PetscInt j = 0; j < n; ++j) {
        PetscReal t  = A[k * n + j];
        A[k * n + j] = A[p * n + j], A[p * n + j] = t;
      }
      {
        PetscReal t = b[k];
        b[k] = b[p], b[p] = t;
      }
    }
    for (PetscInt i = k + 1; i < n; ++i) {
      const PetscReal f = A[i * n + k] / A[k * n + k];
      for (PetscInt j = k; j < n; ++j) A[i * n + j] -= f * A[k * n + j];
      b[i] -= f * b[k];
    }
  }
  for (PetscInt k = n - 1; k >= 0; --k) {
    PetscReal s = b[k];
    for (PetscInt j = k + 1; j < n; ++j) s -= A[k * n + j] * x[j];
    x[k] = s / A[k * n + k];
  }
  return PETSC_TRUE;
}

/* Volume centroid of the cells whose region is in the set (reduced over ranks). */
static PetscErrorCode VfeVolumeCentroid(VfeSpace sp, const PetscBool *inset, PetscReal c[3])
{
  PetscReal loc[4] = {0, 0, 0, 0}, glob[4];

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < sp->ncells; ++k) {
    PetscReal X[30], G[4][3], v;
    if (!inset[sp->cell_region[k]]) continue;
    VfeSpaceCellCoordinates(sp, k, X);
    v = PetscAbsReal(vfe_tet_gradients(X, G)) / 6.0;
    loc[0] += v;
    for (int d = 0; d < 3; ++d) loc[1 + d] += 0.25 * v * (X[d] + X[3 + d] + X[6 + d] + X[9 + d]);
  }
  PetscCallMPI(MPI_Allreduce(loc, glob, 4, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject)sp->dm)));
  for (int d = 0; d < 3; ++d) c[d] = glob[0] > 0 ? glob[1 + d] / glob[0] : (PetscReal)NAN;
  PetscFunctionReturn(0);
}

/* Least-squares rigid motion of the owned nodes with mask > 0 about the centre c: translation t of
 * c, rotation theta (radians, right-handed), rms residual and node count.  NaN when the nodes do not
 * fix it. */
static PetscErrorCode VfeRigidFit(VfeSpace sp, const PetscScalar *u, const PetscScalar *mask, const PetscReal c[3],
                                  PetscReal t[3], PetscReal theta[3], PetscReal *rms, PetscInt *count)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)sp->dm);
  PetscReal M[36], b[6], a[6], sums[43], gsums[43], res = 0, gres;

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(sums, 43));
  for (PetscInt i = 0; i < sp->nnodes; ++i) {
    PetscReal r[3], v[3], A[3][6];
    if (!sp->owned[i] || !(PetscRealPart(mask[3 * i]) > 0)) continue;
    sums[42] += 1;
    for (int d = 0; d < 3; ++d) r[d] = sp->xyz[3 * i + d] - c[d], v[d] = PetscRealPart(u[3 * i + d]);
    /* A = [I, -[r]x]: A (t, theta) = t + theta x r */
    for (int p = 0; p < 3; ++p)
      for (int q = 0; q < 6; ++q) A[p][q] = (q == p) ? 1.0 : 0.0;
    A[0][4] = r[2], A[0][5] = -r[1];
    A[1][3] = -r[2], A[1][5] = r[0];
    A[2][3] = r[1], A[2][4] = -r[0];
    for (int p = 0; p < 6; ++p) {
      for (int q = 0; q < 6; ++q) sums[6 * p + q] += A[0][p] * A[0][q] + A[1][p] * A[1][q] + A[2][p] * A[2][q];
      sums[36 + p] += A[0][p] * v[0] + A[1][p] * v[1] + A[2][p] * v[2];
    }
  }
  PetscCallMPI(MPI_Allreduce(sums, gsums, 43, MPIU_REAL, MPIU_SUM, comm));
  *count = (PetscInt)gsums[42];
  PetscCall(PetscArraycpy(M, gsums, 36));
  PetscCall(PetscArraycpy(b, gsums + 36, 6));
  if (*count < 3 || !VfeSolveDense(6, M, b, a)) {
    for (int d = 0; d < 3; ++d) t[d] = theta[d] = (PetscReal)NAN;
    *rms = (PetscReal)NAN;
    PetscFunctionReturn(0);
  }
  for (int d = 0; d < 3; ++d) t[d] = a[d], theta[d] = a[3 + d];
  for (PetscInt i = 0; i < sp->nnodes; ++i) {
    PetscReal r[3], e[3];
    if (!sp->owned[i] || !(PetscRealPart(mask[3 * i]) > 0)) continue;
    for (int d = 0; d < 3; ++d) r[d] = sp->xyz[3 * i + d] - c[d];
    e[0] = PetscRealPart(u[3 * i]) - t[0] - (theta[1] * r[2] - theta[2] * r[1]);
    e[1] = PetscRealPart(u[3 * i + 1]) - t[1] - (theta[2] * r[0] - theta[0] * r[2]);
    e[2] = PetscRealPart(u[3 * i + 2]) - t[2] - (theta[0] * r[1] - theta[1] * r[0]);
    res += e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
  }
  PetscCallMPI(MPI_Allreduce(&res, &gres, 1, MPIU_REAL, MPIU_SUM, comm));
  *rms = PetscSqrtReal(gres / *count);
  PetscFunctionReturn(0);
}

/* the level index (VfeLevelNames) of a region that belongs to a vertebral level's fit, or -1 */
static PetscInt VfeRegionLevel(const char *name)
{
  char lvl[VFE_REGION_LEN];
  const char *tissue;
  if (!VfeRegionSplit(name, lvl, sizeof lvl, &tissue) || !strcmp(tissue, "cement_leak")) return -1;
  return VfeLevelIndex(lvl);
}

/* Axial force of disc k (its regions: inset) from the internal force of its cells. */
static PetscErrorCode VfeDiscForce(VfeProblem prob, Vec ulocal, const PetscBool *inset, Vec mu, Vec ml, PetscReal force,
                                   VfeMotion *m, PetscInt k)
{
  VfeSpace sp   = VfeProblemGetSpace(prob);
  MPI_Comm comm = PetscObjectComm((PetscObject)sp->dm);
  const PetscScalar *f, *au, *al;
  PetscReal loc[6] = {0, 0, 0, 0, 0, 0}, glob[6], ax[3], nrm = 0, nu, nl;
  Vec fl;

  PetscFunctionBeginUser;
  PetscCall(VfeSpaceCreateLocalVector(sp, &fl));
  PetscCall(VfeProblemInternalForceRegions(prob, ulocal, inset, fl));
  PetscCall(VecGetArrayRead(fl, &f));
  PetscCall(VecGetArrayRead(mu, &au));
  PetscCall(VecGetArrayRead(ml, &al));
  for (PetscInt i = 0; i < sp->nnodes; ++i) {
    if (!sp->owned[i]) continue;
    if (PetscRealPart(au[3 * i]) > 0)
      for (int d = 0; d < 3; ++d) loc[d] += PetscRealPart(f[3 * i + d]);
    if (PetscRealPart(al[3 * i]) > 0)
      for (int d = 0; d < 3; ++d) loc[3 + d] += PetscRealPart(f[3 * i + d]);
  }
  PetscCall(VecRestoreArrayRead(ml, &al));
  PetscCall(VecRestoreArrayRead(mu, &au));
  PetscCall(VecRestoreArrayRead(fl, &f));
  PetscCall(VecDestroy(&fl));
  PetscCallMPI(MPI_Allreduce(loc, glob, 6, MPIU_REAL, MPIU_SUM, comm));
  for (int d = 0; d < 3; ++d) {
    ax[d] = m->center[m->upper[k]][d] - m->center[m->lower[k]][d];
    nrm += ax[d] * ax[d];
  }
  nrm = PetscSqrtReal(nrm);
  nu = nl = 0;
  for (int d = 0; d < 3; ++d) {
    ax[d] /= nrm;
    m->force[k][d] = glob[d];
    nu -= glob[d] * ax[d];
    nl += glob[3 + d] * ax[d];
  }
  m->axial[k]           = 0.5 * (nu + nl);
  m->balance[k]         = m->axial[k] != 0 ? PetscAbsReal(nu - nl) / PetscAbsReal(m->axial[k]) : (PetscReal)NAN;
  m->disc_share[k]      = force != 0 ? m->axial[k] / force : (PetscReal)NAN;
  m->posterior_share[k] = m->posterior ? 1 - m->disc_share[k] : (PetscReal)NAN;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeComputeMotion(VfeSpace sp, VfeProblem prob, Vec ulocal, const VfeMeshInfo *info, PetscReal force,
                                VfeMotion *m)
{
  const PetscInt nr = info->nregions;
  PetscBool *inset;
  Vec mark[VFE_NLEVELS];
  const PetscScalar *u;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(m, sizeof *m));
  PetscCall(PetscMalloc1(nr, &inset));
  for (PetscInt r = 0; r < nr; ++r)
    if (VfeRegionLevel(info->regions[r].name) >= 0 && !strcmp(VfeRegionTissue(info->regions[r].name), "posterior"))
      m->posterior = PETSC_TRUE;
  /* levels present, cranial to caudal, and their node markers */
  PetscCall(VecGetArrayRead(ulocal, &u));
  for (PetscInt l = 0; l < VFE_NLEVELS; ++l) {
    PetscBool any = PETSC_FALSE;
    const PetscScalar *a;
    PetscReal theta[3];
    PetscInt k = m->nlevels;
    for (PetscInt r = 0; r < nr; ++r) {
      inset[r] = VfeRegionLevel(info->regions[r].name) == l ? PETSC_TRUE : PETSC_FALSE;
      any      = any || inset[r] ? PETSC_TRUE : PETSC_FALSE;
    }
    if (!any) continue;
    PetscCall(VfeSpaceCreateLocalVector(sp, &mark[k]));
    PetscCall(VfeNodeMarker(sp, inset, mark[k]));
    PetscCall(VfeVolumeCentroid(sp, inset, m->center[k]));
    PetscCall(VecGetArrayRead(mark[k], &a));
    PetscCall(VfeRigidFit(sp, u, a, m->center[k], m->trans[k], theta, &m->rms[k], &m->nodes[k]));
    PetscCall(VecRestoreArrayRead(mark[k], &a));
    m->rot[k][0] = -theta[0] * VFE_DEG;
    m->rot[k][1] = theta[1] * VFE_DEG;
    m->rot[k][2] = theta[2] * VFE_DEG;
    PetscCall(PetscStrncpy(m->level[k], VfeLevelNames[l], sizeof m->level[k]));
    m->nlevels++;
  }
  PetscCall(VecRestoreArrayRead(ulocal, &u));
  /* motion segments: adjacent levels present */
  for (PetscInt k = 0; k + 1 < m->nlevels && m->nsegs < VFE_MAX_DISCS; ++k) {
    const PetscInt s = m->nsegs++;
    PetscCall(PetscSNPrintf(m->seg[s], sizeof m->seg[s], "%s%s", m->level[k], m->level[k + 1]));
    m->upper[s] = k, m->lower[s] = k + 1;
    for (int d = 0; d < 3; ++d) m->rom[s][d] = m->rot[k][d] - m->rot[k + 1][d];
    m->axial[s] = m->balance[s] = m->disc_share[s] = m->posterior_share[s] = (PetscReal)NAN;
    for (int d = 0; d < 3; ++d) m->force[s][d] = (PetscReal)NAN;
  }
  for (int d = 0; d < 3; ++d) m->total[d] = m->nlevels > 1 ? m->rot[0][d] - m->rot[m->nlevels - 1][d] : (PetscReal)NAN;
  /* the disc of each motion segment: regions <U><L>.<tissue> */
  if (prob) {
    m->have_share = PETSC_TRUE;
    for (PetscInt s = 0; s < m->nsegs; ++s) {
      PetscBool any = PETSC_FALSE;
      for (PetscInt r = 0; r < nr; ++r) {
        char lvl[VFE_REGION_LEN];
        inset[r] = VfeRegionSplit(info->regions[r].name, lvl, sizeof lvl, NULL) && !strcmp(lvl, m->seg[s])
                       ? PETSC_TRUE
                       : PETSC_FALSE;
        any      = any || inset[r] ? PETSC_TRUE : PETSC_FALSE;
      }
      if (any) PetscCall(VfeDiscForce(prob, ulocal, inset, mark[m->upper[s]], mark[m->lower[s]], force, m, s));
    }
  }
  for (PetscInt k = 0; k < m->nlevels; ++k) PetscCall(VecDestroy(&mark[k]));
  PetscCall(PetscFree(inset));
  PetscFunctionReturn(0);
}

/* metrics columns: per level 3 rotations, per segment 3 ranges of motion, 3 for the whole segment,
 * and with the load share 3 per segment */
PetscInt VfeMotionNumMetrics(const VfeMotion *m)
{
  if (!m->nlevels) return 0;
  return 3 * m->nlevels + 3 * m->nsegs + (m->nlevels > 1 ? 3 : 0) + (m->have_share ? 3 * m->nsegs : 0);
}

PetscErrorCode VfeMotionMetric(const VfeMotion *m, PetscInt k, char *name, size_t len, PetscReal *v)
{
  static const char *const axis[3]  = {"flexion", "lateral", "axial"};
  static const char *const share[3] = {"disc_force_%s_N", "disc_share_%s", "posterior_share_%s"};

  PetscFunctionBeginUser;
  if (k < 3 * m->nlevels) {
    PetscCall(PetscSNPrintf(name, len, "rot_%s_%s_deg", m->level[k / 3], axis[k % 3]));
    *v = m->rot[k / 3][k % 3];
    PetscFunctionReturn(0);
  }
  k -= 3 * m->nlevels;
  if (k < 3 * m->nsegs) {
    PetscCall(PetscSNPrintf(name, len, "rom_%s_%s_deg", m->seg[k / 3], axis[k % 3]));
    *v = m->rom[k / 3][k % 3];
    PetscFunctionReturn(0);
  }
  k -= 3 * m->nsegs;
  if (m->nlevels > 1) {
    if (k < 3) {
      PetscCall(PetscSNPrintf(name, len, "rom_total_%s_deg", axis[k]));
      *v = m->total[k];
      PetscFunctionReturn(0);
    }
    k -= 3;
  }
  PetscCheck(m->have_share && k < 3 * m->nsegs, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "no motion metric %d",
             (int)k);
  PetscCall(PetscSNPrintf(name, len, share[k % 3], m->seg[k / 3]));
  *v = k % 3 == 0 ? m->axial[k / 3] : (k % 3 == 1 ? m->disc_share[k / 3] : m->posterior_share[k / 3]);
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMotionView(MPI_Comm comm, const VfeMotion *m)
{
  PetscFunctionBeginUser;
  if (!m->nlevels) PetscFunctionReturn(0);
  PetscCall(PetscPrintf(comm, "vfe: rotation (deg; flexion +, left bending +, left axial rotation +):"));
  for (PetscInt k = 0; k < m->nlevels; ++k)
    PetscCall(PetscPrintf(comm, "%s %s (%.4g, %.4g, %.4g)", k ? "," : "", m->level[k], (double)m->rot[k][0],
                          (double)m->rot[k][1], (double)m->rot[k][2]));
  PetscCall(PetscPrintf(comm, "\n"));
  if (m->nsegs) {
    PetscCall(PetscPrintf(comm, "vfe: range of motion (deg, upper relative to lower):"));
    for (PetscInt s = 0; s < m->nsegs; ++s)
      PetscCall(PetscPrintf(comm, " %s (%.4g, %.4g, %.4g),", m->seg[s], (double)m->rom[s][0], (double)m->rom[s][1],
                            (double)m->rom[s][2]));
    PetscCall(PetscPrintf(comm, " %s-%s (%.4g, %.4g, %.4g)\n", m->level[0], m->level[m->nlevels - 1],
                          (double)m->total[0], (double)m->total[1], (double)m->total[2]));
  }
  if (m->have_share && m->nsegs) {
    PetscCall(PetscPrintf(comm, "vfe: disc axial force:"));
    for (PetscInt s = 0; s < m->nsegs; ++s) {
      if (PetscIsNanReal(m->axial[s])) continue;
      PetscCall(PetscPrintf(comm, " %s %.5g N", m->seg[s], (double)m->axial[s]));
      if (!PetscIsNanReal(m->disc_share[s]))
        PetscCall(PetscPrintf(comm, " (%.1f %% of the axial load%s)", (double)(100 * m->disc_share[s]),
                              m->posterior ? "; the rest through the posterior column" : ""));
      PetscCall(PetscPrintf(comm, s + 1 < m->nsegs ? "," : ""));
    }
    PetscCall(PetscPrintf(comm, "\n"));
  }
  PetscFunctionReturn(0);
}
