/*
 * test_motion.c - postproc/motion.c's rigid-body fit and solver/loads.c's follower path as units, on
 * the simple three-level segment (5 mm, no solve).
 *
 * Each level gets a known small rigid motion u = t_l + theta_l x (x - p_l) (linearised, so the fit
 * must recover it to rounding), the disc nodes a field that is not rigid at all (it must not leak
 * into any level).  Checked to 1e-10: every level's rotation in the reported convention (-theta_x,
 * theta_y, theta_z in degrees: flexion, left bending, left axial rotation positive), the translation
 * of its centre, a zero fit residual, the ranges of motion (upper minus lower) and the whole
 * segment's, and the metric names.  Then the follower path of the straight column: three levels
 * cranial to caudal, guide forces that sum to F (t_last + e_z) and are ~0 for a straight path, and
 * region body forces whose volume integral over each body is its guide force.
 * Runs on any number of ranks (ctest: 1 and 2).
 */
#include "vfepost.h"
#include "vfetest.h"
#include "vferegion.h"
#include "vfekernels.h"
#include <string.h>

#define DEG (180.0 / PETSC_PI)

static const PetscReal Theta[3][3] = {{-0.010, 0.002, 0.003}, {-0.004, -0.001, 0.0015}, {0.0005, 0.0002, -0.0007}};
static const PetscReal Trans[3][3] = {{0.1, -0.2, -0.5}, {0.05, 0.1, -0.3}, {0.0, 0.01, -0.02}};
static const PetscReal Pivot[3][3] = {{1, 2, 80}, {-3, 0, 50}, {0, 0, 0}};

static void Rigid(PetscInt l, const PetscReal x[3], PetscReal u[3])
{
  const PetscReal *w = Theta[l], *t = Trans[l];
  PetscReal r[3];
  for (int d = 0; d < 3; ++d) r[d] = x[d] - Pivot[l][d];
  u[0] = t[0] + w[1] * r[2] - w[2] * r[1];
  u[1] = t[1] + w[2] * r[0] - w[0] * r[2];
  u[2] = t[2] + w[0] * r[1] - w[1] * r[0];
}

int main(int argc, char **argv)
{
  MPI_Comm comm;
  PetscMPIInt rank;
  DM dm;
  VfeMeshInfo info;
  VfeSpace sp;
  Vec ul;
  PetscScalar *u;
  VfeMotion m;
  PetscReal zlo[3] = {1e30, 1e30, 1e30}, zhi[3] = {-1e30, -1e30, -1e30}, glo[3], ghi[3];
  const char *lv[3] = {"L1", "L2", "L3"};
  PetscInt order    = 1;
  int err           = 0;
  char line[160], name[64];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  comm = PETSC_COMM_WORLD;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-order", &order, NULL));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank && !freopen("/dev/null", "w", stdout)) return 1; /* rank 0 reports; all check the same reduced numbers */
  if (!rank) err = VfeShapeSimpleSegment("test_motion.msh", 5.0);
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_LIB, "meshing the simple segment failed");
  PetscCall(VfeMeshLoad(comm, "test_motion.msh", &dm, &info));
  PetscCall(VfeSpaceCreate(dm, order, &sp));

  /* z range of each level's cells: a node in [zlo, zhi] of level l moves with l, any other (disc) node not rigidly */
  for (PetscInt c = 0; c < sp->ncells; ++c) {
    char lvl[VFE_REGION_LEN];
    PetscInt l = -1;
    VfeRegionSplit(info.regions[sp->cell_region[c]].name, lvl, sizeof lvl, NULL);
    for (int k = 0; k < 3; ++k)
      if (!strcmp(lvl, lv[k])) l = k;
    if (l < 0) continue;
    for (PetscInt a = 0; a < sp->npc; ++a) {
      const PetscReal z = sp->xyz[3 * sp->cell_nodes[c * sp->npc + a] + 2];
      zlo[l] = PetscMin(zlo[l], z), zhi[l] = PetscMax(zhi[l], z);
    }
  }
  PetscCallMPI(MPI_Allreduce(zlo, glo, 3, MPIU_REAL, MPIU_MIN, comm));
  PetscCallMPI(MPI_Allreduce(zhi, ghi, 3, MPIU_REAL, MPIU_MAX, comm));
  PetscCall(VfeSpaceCreateLocalVector(sp, &ul));
  PetscCall(VecGetArray(ul, &u));
  for (PetscInt i = 0; i < sp->nnodes; ++i) {
    const PetscReal *x = &sp->xyz[3 * i];
    PetscReal v[3]     = {1e-3 * x[2] * x[2], 0.5 * PetscSinReal(x[0]), 0.3 * PetscCosReal(x[1] * x[2])};
    for (int l = 0; l < 3; ++l)
      if (x[2] >= glo[l] - 1e-9 && x[2] <= ghi[l] + 1e-9) Rigid(l, x, v);
    for (int d = 0; d < 3; ++d) u[3 * i + d] = v[d];
  }
  PetscCall(VecRestoreArray(ul, &u));

  PetscCall(VfeComputeMotion(sp, NULL, ul, &info, 500, &m));
  VfeTestCheck(m.nlevels == 3 && !strcmp(m.level[0], "L1") && !strcmp(m.level[2], "L3"), "three levels, L1 first");
  VfeTestCheck(m.nsegs == 2 && !strcmp(m.seg[0], "L1L2") && !strcmp(m.seg[1], "L2L3"), "motion segments L1L2, L2L3");
  for (int l = 0; l < 3 && m.nlevels == 3; ++l) {
    const PetscReal want[3] = {-Theta[l][0] * DEG, Theta[l][1] * DEG, Theta[l][2] * DEG};
    PetscReal tc[3];
    Rigid(l, m.center[l], tc);
    for (int d = 0; d < 3; ++d) {
      PetscCall(PetscSNPrintf(line, sizeof line, "%s rotation %c (deg)", lv[l], "xyz"[d]));
      VfeTestClose(m.rot[l][d], want[d], 1e-10, line);
      PetscCall(PetscSNPrintf(line, sizeof line, "%s translation of the centre %c (mm)", lv[l], "xyz"[d]));
      VfeTestClose(m.trans[l][d], tc[d], 1e-10, line);
    }
    PetscCall(PetscSNPrintf(line, sizeof line, "%s fit residual (mm) below 1e-12", lv[l]));
    VfeTestCheck(m.rms[l] < 1e-12, line);
  }
  /* signs: L1's theta_x < 0 is an anterior tilt of its top (flexion): reported positive */
  VfeTestCheck(m.rot[0][0] > 0.5, "L1 tilted anteriorly (theta_x = -0.01 rad) reports flexion +0.573 deg");
  VfeTestClose(m.rom[0][0], (-Theta[0][0] + Theta[1][0]) * DEG, 1e-10, "ROM L1L2 flexion = rot L1 - rot L2");
  VfeTestClose(m.rom[1][2], (Theta[1][2] - Theta[2][2]) * DEG, 1e-10, "ROM L2L3 axial = rot L2 - rot L3");
  VfeTestClose(m.total[1], (Theta[0][1] - Theta[2][1]) * DEG, 1e-10, "whole segment lateral = rot L1 - rot L3");
  {
    PetscReal v;
    VfeTestCheck(VfeMotionNumMetrics(&m) == 9 + 6 + 3, "18 metric columns without the load share");
    PetscCall(VfeMotionMetric(&m, 0, name, sizeof name, &v));
    VfeTestCheck(!strcmp(name, "rot_L1_flexion_deg") && v == m.rot[0][0], "first column rot_L1_flexion_deg");
    PetscCall(VfeMotionMetric(&m, 9 + 5, name, sizeof name, &v));
    VfeTestCheck(!strcmp(name, "rom_L2L3_axial_deg") && v == m.rom[1][2], "column rom_L2L3_axial_deg");
    PetscCall(VfeMotionMetric(&m, 15, name, sizeof name, &v));
    VfeTestCheck(!strcmp(name, "rom_total_flexion_deg") && v == m.total[0], "column rom_total_flexion_deg");
  }

  /* follower path of the straight column */
  {
    VfeLoad load;
    VfeFollowerPath path;
    PetscReal *body, sum[3] = {0, 0, 0}, tl[3], n = 0, vol[3] = {0, 0, 0}, gvol[3], worst = 0;
    const char **names;
    PetscCall(PetscMemzero(&load, sizeof load));
    load.force = 500;
    PetscCall(PetscMalloc2(info.nregions, &names, 3 * info.nregions, &body));
    for (PetscInt r = 0; r < info.nregions; ++r) names[r] = info.regions[r].name;
    PetscCall(VfeFollowerSetUp(sp, info.nregions, names, &load, &path, body));
    VfeTestCheck(path.nlevels == 3 && !strcmp(path.level[0], "L1") && !strcmp(path.level[2], "L3"),
                 "follower path: L1, L2, L3");
    for (int d = 0; d < 3; ++d) tl[d] = path.centroid[2][d] - path.centroid[1][d], n += tl[d] * tl[d];
    for (int k = 0; k < path.nlevels; ++k)
      for (int d = 0; d < 3; ++d) sum[d] += path.force[k][d], worst = PetscMax(worst, PetscAbsReal(path.force[k][d]));
    for (int d = 0; d < 3; ++d) {
      PetscCall(PetscSNPrintf(line, sizeof line, "sum of path forces %c = F (t_last + e_z) (N)", "xyz"[d]));
      VfeTestClose(sum[d], 500 * (tl[d] / PetscSqrtReal(n) + (d == 2)), 1e-10, line);
    }
    PetscCall(PetscSNPrintf(line, sizeof line, "straight column: every path force below 1 N (largest %.3g N)",
                            (double)worst));
    VfeTestCheck(worst < 1, line);
    VfeTestCheck(path.force[2][0] == 0 && path.force[2][1] == 0 && path.force[2][2] == 0,
                 "bottom body: no path force (the cable goes on into the base)");
    /* body force x body volume = path force, L1 in z */
    for (PetscInt c = 0; c < sp->ncells; ++c) {
      PetscReal X[30], G[4][3];
      VfeSpaceCellCoordinates(sp, c, X);
      for (int d = 0; d < 3; ++d)
        vol[d] += PetscAbsReal(vfe_tet_gradients(X, G)) / 6.0 * body[3 * sp->cell_region[c] + d];
    }
    PetscCallMPI(MPI_Allreduce(vol, gvol, 3, MPIU_REAL, MPIU_SUM, comm));
    for (int d = 0; d < 3; ++d) sum[d] = path.force[0][d] + path.force[1][d] + path.force[2][d];
    VfeTestClose(gvol[1], sum[1], 1e-10, "integral of the body forces = sum of the path forces (y, N)");
    PetscCall(PetscFree2(names, body));
  }
  PetscCall(VecDestroy(&ul));
  PetscCall(VfeSpaceDestroy(&sp));
  PetscCall(DMDestroy(&dm));
  PetscCall(VfeMeshInfoDestroy(&info));
  {
    int code = VfeTestSummary();
    PetscCall(PetscFinalize());
    return code;
  }
}
