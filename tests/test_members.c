/*
 * test_members.c - verification of the tension-only springs and the frictionless contact
 * (solver/members.c) on two separate blocks: a base 20 x 20 x 10 mm fixed at its bottom and a
 * 10 x 10 x 10 mm punch 0.5 mm above it, held laterally at its side faces (a frictionless guide).  The punch touches
 * the base only through a contact pair (punch bottom on base top) and a bilinear spring from the base's fixed bottom
 * centre to the punch's top centre (E 10 / 20 MPa, transition strain 10 %, 20 mm^2, 20.5 mm: it pulls where the punch
 * is loaded and does not deform the base, so the facing surfaces stay apart in tension).
 *
 *   test_members -order 1|2 [-load_N F]
 *     compression (-F on the punch's top): the contact carries F (to 1e-6), the spring nothing,
 *       and no node penetrates more than 2 % of the gap;
 *     tension (+F): the spring carries F (to 1e-6), its extension is the analytic one of the
 *       bilinear law, and the contact carries nothing.
 *   Each case reports its active-set iterations; more than 10 fail.  Run on 1, 2 and 4 ranks.
 */
#include "vfepost.h"
#include <string.h>

static int failures = 0;

static void check(MPI_Comm comm, const char *what, double value, double lo, double hi)
{
  const int ok = value >= lo && value <= hi;
  PetscPrintf(comm, "%-52s %12.6e  [%g, %g]  %s\n", what, value, lo, hi, ok ? "ok" : "FAILED");
  if (!ok) failures++;
}

static PetscErrorCode Traction(const PetscReal x[3], const PetscReal n[3], void *ctx, PetscReal t[3])
{
  t[0] = t[1] = 0;
  t[2]        = *(PetscReal *)ctx;
  return 0;
}

static PetscErrorCode RunCase(MPI_Comm comm, PetscInt order, PetscReal load, PetscBool tension)
{
  const PetscReal L = 20, H = 10, gap = 0.5, penalty = 1e4;
  const PetscBool xy[3]  = {PETSC_TRUE, PETSC_TRUE, PETSC_FALSE};
  const VfeSpringLaw law = {10.0, 20.0, 0.10, 20.0};
  DM dm;
  VfeMeshInfo info;
  VfeSpace sp;
  VfeProblem prob;
  Vec u, ul, fl;
  PetscReal p, A[3] = {10, 10, 0}, B[3] = {10, 10, 2 * H + gap}, R[3];
  PetscBool regA[2] = {PETSC_FALSE, PETSC_FALSE}, regB[2] = {PETSC_FALSE, PETSC_FALSE};
  PetscInt ng, lo, up, bottom;
  VfeMemberGroupInfo *gi;
  VfeSolveInfo si;
  PetscMPIInt rank;
  int err = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) err = VfeShapeTwoBlocks("members_blocks.msh", L, H, gap, 2.0);
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_LIB, "mesh generation failed");
  PetscCall(VfeMeshLoad(comm, "members_blocks.msh", &dm, &info));
  PetscCall(VfeSpaceCreate(dm, order, &sp));
  PetscCall(VfeProblemCreate(sp, info.nregions, &prob));
  PetscCall(VfeProblemSetFromOptions(prob));
  lo = VfeMeshInfoFindRegion(&info, "lower"), up = VfeMeshInfoFindRegion(&info, "upper");
  PetscCall(VfeProblemSetMaterial(prob, lo, 1000.0, 0.3));
  PetscCall(VfeProblemSetMaterial(prob, up, 1000.0, 0.3));
  bottom = VfeMeshInfoFindSurface(&info, "lower_bottom");
  PetscCall(VfeProblemAddDirichlet(prob, bottom, NULL, NULL, NULL));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "upper_sides"), xy, NULL, NULL));
  p = (tension ? 1 : -1) * load / 100.0; /* punch top: 10 x 10 mm */
  PetscCall(VfeProblemAddTraction(prob, VfeMeshInfoFindSurface(&info, "upper_top"), Traction, &p));
  regA[lo] = PETSC_TRUE, regB[up] = PETSC_TRUE;
  PetscCall(VfeProblemAddSpring(prob, "spring", A, B, 3.0, regA, regB, &law));
  PetscCall(VfeProblemAddContact(prob, "contact", VfeMeshInfoFindSurface(&info, "upper_bottom"),
                                 VfeMeshInfoFindSurface(&info, "lower_top"), penalty, 2.0));
  PetscCall(VfeProblemAssemble(prob));
  PetscCall(VfeSpaceCreateGlobalVector(sp, &u));
  PetscCall(VfeProblemSolve(prob, u));
  PetscCall(VfeProblemGetSolveInfo(prob, &si));
  PetscCall(VfeProblemGetMemberGroups(prob, &ng, &gi));
  PetscCall(VfeSpaceCreateLocalVector(sp, &ul));
  PetscCall(VecDuplicate(ul, &fl));
  PetscCall(VfeSpaceGlobalToLocal(sp, u, ul));
  PetscCall(VfeProblemInternalForce(prob, ul, fl));
  PetscCall(VfeSpaceSurfaceSum(sp, bottom, fl, R));
  {
    const char *what = tension ? "tension" : "compression";
    char line[96];
    const VfeMemberGroupInfo *s = &gi[0], *c = &gi[1];
    PetscCall(PetscPrintf(comm,
                          "P%" PetscInt_FMT " %s %g N: %" PetscInt_FMT " active-set iterations, %" PetscInt_FMT
                          " Krylov iterations; spring %g N (extension %.6f mm), contact %g N on %" PetscInt_FMT
                          " of %" PetscInt_FMT " nodes, least gap %.3e mm, bottom reaction %g N\n",
                          order, what, (double)load, si.active_its, si.its_total, (double)s->force,
                          (double)s->min_measure, (double)c->force, c->nactive, c->nmembers, (double)c->min_measure,
                          (double)R[2]));
    PetscCall(PetscSNPrintf(line, sizeof line, "P%d %s: active-set iterations", (int)order, what));
    check(comm, line, (double)si.active_its, 1, 10);
    PetscCall(PetscSNPrintf(line, sizeof line, "P%d %s: bottom reaction / load - 1", (int)order, what));
    check(comm, line, PetscAbsReal(R[2]) / load - 1, -1e-6, 1e-6);
    if (tension) {
      const PetscReal L0 = 2 * H + gap, k1 = law.E1 * law.area / L0, k2 = law.E2 * law.area / L0,
                      et  = law.strain_t * L0;
      const PetscReal eex = load <= k1 * et ? load / k1 : et + (load - k1 * et) / k2;
      PetscCall(PetscSNPrintf(line, sizeof line, "P%d tension: spring force / load - 1", (int)order));
      check(comm, line, s->force / load - 1, -1e-6, 1e-6);
      PetscCall(PetscSNPrintf(line, sizeof line, "P%d tension: spring extension / analytic - 1", (int)order));
      check(comm, line, s->min_measure / eex - 1, -1e-6, 1e-6);
      PetscCall(PetscSNPrintf(line, sizeof line, "P%d tension: contact force / load", (int)order));
      check(comm, line, c->force / load, 0, 1e-6);
    } else {
      PetscCall(PetscSNPrintf(line, sizeof line, "P%d compression: contact force / load - 1", (int)order));
      check(comm, line, c->force / load - 1, -1e-6, 1e-6);
      PetscCall(PetscSNPrintf(line, sizeof line, "P%d compression: spring force / load", (int)order));
      check(comm, line, s->force / load, 0, 1e-6);
      PetscCall(PetscSNPrintf(line, sizeof line, "P%d compression: penetration / gap", (int)order));
      check(comm, line, -c->min_measure / gap, 0, 0.02);
    }
  }
  PetscCall(PetscFree(gi));
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&ul));
  PetscCall(VecDestroy(&fl));
  PetscCall(VfeProblemDestroy(&prob));
  PetscCall(VfeSpaceDestroy(&sp));
  PetscCall(DMDestroy(&dm));
  PetscCall(VfeMeshInfoDestroy(&info));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm comm;
  PetscInt order = 1;
  PetscReal load = 1000.0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  comm = PETSC_COMM_WORLD;
  PetscCall(VfeRegisterEvents());
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-order", &order, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-load_N", &load, NULL));
  PetscCall(RunCase(comm, order, load, PETSC_FALSE));
  PetscCall(RunCase(comm, order, load, PETSC_TRUE));
  PetscCall(PetscPrintf(comm, "%s\n", failures ? "FAILED" : "all checks passed"));
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
