/*
 * test_cellmodulus.c - verification of the per-cell Young's modulus (VfeProblemSetCellModulus, the route
 * of density-mapped CT bone): a column 10 x 10 x 20 mm of two regions split at z = 8, on rollers, nu = 0,
 * loaded by a uniform traction p on its top: uniaxial stress, so the top moves p (8 / E_lower + 12 / E_upper)
 * (the Reuss sum of the layers) for any mesh, P1 or P2.
 *
 * Both regions get a nominal modulus of 50 MPa that the cell moduli must override:
 *   case 1: every cell its own modulus (100 below, 400 above);
 *   case 2: the upper cells 0 (keep the region's), the upper region 400 MPa;
 *   case 3: the cell moduli removed (NULL): both regions 50 MPa.
 *   test_cellmodulus -order 1|2       (run on 1 and 2 ranks; P2 uses the p-multigrid's P1 level too)
 */
#include "vfepost.h"

static int failures = 0;

static PetscErrorCode Traction(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal t[3])
{
  t[0] = t[1] = 0;
  t[2]        = *(PetscReal *)ctx;
  return 0;
}

int main(int argc, char **argv)
{
  const PetscReal p = -2.0, Elo = 100, Eup = 400, Enom = 50;
  const PetscBool zonly[3] = {PETSC_FALSE, PETSC_FALSE, PETSC_TRUE}, xonly[3] = {PETSC_TRUE, PETSC_FALSE, PETSC_FALSE},
                  yonly[3] = {PETSC_FALSE, PETSC_TRUE, PETSC_FALSE};
  MPI_Comm comm;
  PetscInt order = 1, top, lo, up;
  PetscMPIInt rank;
  DM dm;
  VfeMeshInfo info;
  VfeSpace sp;
  VfeProblem prob;
  Vec u, ul, ones;
  PetscReal *Ecell;
  int err = 0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  comm = PETSC_COMM_WORLD;
  PetscCall(VfeRegisterEvents());
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-order", &order, NULL));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) err = VfeShapeBox("cellmodulus_column.msh", 10, 10, 20, 8, 2.5, 0.2);
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_LIB, "mesh generation failed");
  PetscCall(VfeMeshLoad(comm, "cellmodulus_column.msh", &dm, &info));
  PetscCall(VfeSpaceCreate(dm, order, &sp));
  PetscCall(VfeProblemCreate(sp, info.nregions, &prob));
  PetscCall(VfeProblemSetFromOptions(prob));
  lo = VfeMeshInfoFindRegion(&info, "lower"), up = VfeMeshInfoFindRegion(&info, "upper");
  PetscCall(VfeProblemSetMaterial(prob, lo, Enom, 0.0));
  PetscCall(VfeProblemSetMaterial(prob, up, Enom, 0.0));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "zmin"), zonly, NULL, NULL));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "xmin"), xonly, NULL, NULL));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "ymin"), yonly, NULL, NULL));
  top = VfeMeshInfoFindSurface(&info, "zmax");
  PetscCall(VfeProblemAddTraction(prob, top, Traction, (void *)&p));
  PetscCall(VfeSpaceCreateGlobalVector(sp, &u));
  PetscCall(VfeSpaceCreateLocalVector(sp, &ul));
  PetscCall(VecDuplicate(ul, &ones));
  PetscCall(VecSet(ones, 1.0));
  PetscCall(PetscMalloc1(sp->ncells, &Ecell));
  for (int k = 1; k <= 3; ++k) {
    PetscReal usum[3], cnt[3], uz, uex;
    for (PetscInt c = 0; c < sp->ncells; ++c) Ecell[c] = sp->cell_region[c] == lo ? Elo : (k == 1 ? Eup : 0);
    if (k == 2) PetscCall(VfeProblemSetMaterial(prob, up, Eup, 0.0));
    PetscCall(VfeProblemSetCellModulus(prob, k == 3 ? NULL : Ecell));
    if (k == 3) PetscCall(VfeProblemSetMaterial(prob, up, Enom, 0.0));
    PetscCall(VfeProblemAssemble(prob));
    PetscCall(VfeProblemSolve(prob, u));
    PetscCall(VfeSpaceGlobalToLocal(sp, u, ul));
    PetscCall(VfeSpaceSurfaceSum(sp, top, ul, usum));
    PetscCall(VfeSpaceSurfaceSum(sp, top, ones, cnt));
    uz  = usum[2] / cnt[2];
    uex = k == 3 ? p * 20 / Enom : p * (8 / Elo + 12 / Eup);
    {
      const PetscReal rel = uz / uex - 1;
      const int ok        = PetscAbsReal(rel) < 1e-7;
      PetscCall(PetscPrintf(comm, "P%d case %d: top u_z %.9e, exact %.9e, rel. error %.2e  %s\n", (int)order, k,
                            (double)uz, (double)uex, (double)rel, ok ? "ok" : "FAILED"));
      if (!ok) failures++;
    }
  }
  /* a negative or non-finite modulus is an error, not a solve */
  {
    PetscErrorCode ierr;
    Ecell[0] = -1;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = VfeProblemSetCellModulus(prob, Ecell);
    PetscCall(PetscPopErrorHandler());
    if (sp->ncells && !ierr) {
      failures++;
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "a negative cell modulus was accepted  FAILED\n"));
    }
  }
  PetscCall(PetscFree(Ecell));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&ul));
  PetscCall(VecDestroy(&ones));
  PetscCall(VfeProblemDestroy(&prob));
  PetscCall(VfeSpaceDestroy(&sp));
  PetscCall(DMDestroy(&dm));
  PetscCall(VfeMeshInfoDestroy(&info));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, comm));
  PetscCall(PetscPrintf(comm, "%s\n", failures ? "FAILED" : "all checks passed"));
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
