/*
 * test_loads.c - solver/loads.c as a unit: presets, the traction of each moment direction at
 * chosen points of a load surface with known area, centroid and second moments, the moment
 * vector, and bad input.  Hand-computed from the formulas in solver/vfesolver.h:
 *   t_z = -F/A - M (y - c_y) / I_xx (flexion), + for extension; -/+ M (x - c_x) / I_yy (lateral
 *   left/right); torsion left: t = M / (I_xx + I_yy) (-(y - c_y), x - c_x, 0).
 */
#include "vfesolver.h"
#include "vfetest.h"
#include <string.h>

static PetscErrorCode FromOptions(const char *opts, VfeLoad *L, PetscErrorCode *ierr)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  *ierr = VfeLoadFromOptions(PETSC_COMM_SELF, L);
  PetscCall(PetscOptionsClear(NULL));
  /* a load surface: area 100 mm^2, centroid (1, 2, 50), I_xx 200, I_yy 300 mm^4 */
  L->area = 100, L->c[0] = 1, L->c[1] = 2, L->c[2] = 50, L->Ixx = 200, L->Iyy = 300;
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  VfeLoad L;
  PetscErrorCode ierr;
  const PetscReal x[3] = {4, 6, 50}, n[3] = {0, 0, 1}; /* dx = 3, dy = 4 from the centroid */
  PetscReal t[3], M[3];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));

  PetscCall(FromOptions("", &L, &ierr));
  VfeTestCheck(!ierr && !strcmp(L.preset, "none") && !strcmp(L.mode, "none"), "defaults: no preset, no moment");
  VfeTestClose(L.force, 500, 1e-12, "default axial force (N)");
  VfeLoadTraction(x, n, &L, t);
  VfeTestClose(t[2], -5, 1e-12, "axial traction -F/A");

  PetscCall(FromOptions("-load_case flexion", &L, &ierr));
  VfeTestCheck(!ierr && !strcmp(L.mode, "flexion"), "preset flexion sets mode flexion");
  VfeTestClose(L.moment, 7500, 1e-12, "preset moment 7.5 N m = 7500 N mm");
  VfeLoadTraction(x, n, &L, t);
  VfeTestClose(t[2], -5 - 7500 * 4 / 200.0, 1e-12, "flexion traction at dy = 4");
  VfeLoadMomentVector(&L, M);
  VfeTestClose(M[0], -7500, 1e-12, "flexion moment about -x");

  PetscCall(FromOptions("-load_case lateral_bending", &L, &ierr));
  VfeTestCheck(!ierr && !strcmp(L.mode, "lateral_left"), "preset lateral_bending -> lateral_left");
  VfeLoadTraction(x, n, &L, t);
  VfeTestClose(t[2], -5 - 7500 * 3 / 300.0, 1e-12, "lateral-left traction at dx = 3");

  PetscCall(FromOptions("-load_axial_N 0 -load_moment_Nm 2 -load_mode torsion_left", &L, &ierr));
  VfeLoadTraction(x, n, &L, t);
  VfeTestClose(t[0], -2000 * 4 / 500.0, 1e-12, "torsion-left traction x");
  VfeTestClose(t[1], 2000 * 3 / 500.0, 1e-12, "torsion-left traction y");
  VfeTestClose(t[2], 0, 1e-12, "torsion-left traction z (no axial force)");
  VfeLoadMomentVector(&L, M);
  VfeTestClose(M[2], 2000, 1e-12, "torsion-left moment about +z");

  PetscCall(FromOptions("-load_moment_Nm 7.5", &L, &ierr));
  VfeTestCheck(ierr != 0, "a moment without load_mode: error");
  PetscCall(FromOptions("-load_case jumping", &L, &ierr));
  VfeTestCheck(ierr != 0, "an unknown preset: error");
  PetscCall(FromOptions("-load_mode sideways", &L, &ierr));
  VfeTestCheck(ierr != 0, "an unknown mode: error");
  {
    int code = VfeTestSummary();
    PetscCall(PetscFinalize());
    return code;
  }
}
