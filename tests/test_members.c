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
 *     tension (+F): the bottom reaction is F (to 1e-6), the spring carries F and its extension is the
 *       analytic one of the bilinear law (to 1e-3: the spring acts along its node sets' centroids, a
 *       little off the vertical), and the contact carries nothing.
 *   Each case reports its active-set iterations; more than 10 fail.  Run on 1, 2 and 4 ranks.
 *   Then the pairing at a rim (RimCase): base top as slave on the smaller punch bottom, only the base nodes
 *   inside the punch's footprint are paired.
 *   Then the annulus fibres (solver/fibres.c) in a column: slack in compression, taut in tension,
 *   against the exact uniaxial answer (FibreCase).
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
      /* the spring acts along the line of its two node sets' centroids (no moment from the end forces), which the
         16 nearest nodes of each point put up to ~0.5 mm off the vertical A-B: its force is load / cos(tilt), a few
         1e-4 above the load (the reaction above checks the equilibrium exactly) */
      PetscCall(PetscSNPrintf(line, sizeof line, "P%d tension: spring force / load - 1", (int)order));
      check(comm, line, s->force / load - 1, 0, 1e-3);
      PetscCall(PetscSNPrintf(line, sizeof line, "P%d tension: spring extension / analytic - 1", (int)order));
      check(comm, line, s->min_measure / eex - 1, 0, 1e-3);
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

/* Fibres: a column 10 x 10 x 20 mm, the upper 12 mm fibre-reinforced with axial fibres (angle 90:
 * both families along z) of phi E_f = 0.1 x 500 MPa each, on rollers, nu = 0: uniaxial stress, so
 * the top moves p (8 / E + 12 / E_eff) with E_eff = E in compression (fibres slack) and
 * E + 2 phi E_f in tension (taut). */
static PetscErrorCode FibreCase(MPI_Comm comm, PetscInt order, PetscReal p)
{
  const PetscReal E = 100, Ef = 500, phi = 0.1, axis[3] = {0, 0, 1};
  const PetscBool zonly[3] = {PETSC_FALSE, PETSC_FALSE, PETSC_TRUE}, xonly[3] = {PETSC_TRUE, PETSC_FALSE, PETSC_FALSE},
                  yonly[3] = {PETSC_FALSE, PETSC_TRUE, PETSC_FALSE};
  DM dm;
  VfeMeshInfo info;
  VfeSpace sp;
  VfeProblem prob;
  Vec u, ul, ones;
  PetscReal usum[3], cnt[3], uz, uex, frac;
  PetscInt top;
  VfeSolveInfo si;
  PetscMPIInt rank;
  int err = 0;
  char line[96];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) err = VfeShapeBox("members_column.msh", 10, 10, 20, 8, 2.5, 0);
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_LIB, "mesh generation failed");
  PetscCall(VfeMeshLoad(comm, "members_column.msh", &dm, &info));
  PetscCall(VfeSpaceCreate(dm, order, &sp));
  PetscCall(VfeProblemCreate(sp, info.nregions, &prob));
  PetscCall(VfeProblemSetFromOptions(prob));
  for (PetscInt r = 0; r < info.nregions; ++r) PetscCall(VfeProblemSetMaterial(prob, r, E, 0.0));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "zmin"), zonly, NULL, NULL));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "xmin"), xonly, NULL, NULL));
  PetscCall(VfeProblemAddDirichlet(prob, VfeMeshInfoFindSurface(&info, "ymin"), yonly, NULL, NULL));
  top = VfeMeshInfoFindSurface(&info, "zmax");
  PetscCall(VfeProblemAddTraction(prob, top, Traction, &p));
  PetscCall(VfeProblemAddFibres(prob, VfeMeshInfoFindRegion(&info, "upper"), VfeMeshInfoFindRegion(&info, "lower"),
                                axis, 90.0, 1, &Ef, &phi));
  PetscCall(VfeProblemAssemble(prob));
  PetscCall(VfeSpaceCreateGlobalVector(sp, &u));
  PetscCall(VfeProblemSolve(prob, u));
  PetscCall(VfeProblemGetSolveInfo(prob, &si));
  PetscCall(VfeFibresTautFraction(prob, &frac));
  PetscCall(VfeSpaceCreateLocalVector(sp, &ul));
  PetscCall(VfeSpaceGlobalToLocal(sp, u, ul));
  PetscCall(VecDuplicate(ul, &ones));
  PetscCall(VecSet(ones, 1.0));
  PetscCall(VfeSpaceSurfaceSum(sp, top, ul, usum));
  PetscCall(VfeSpaceSurfaceSum(sp, top, ones, cnt));
  uz  = usum[2] / cnt[2];
  uex = p * (8 / E + 12 / (p > 0 ? E + 2 * phi * Ef : E));
  PetscCall(PetscPrintf(comm,
                        "P%" PetscInt_FMT " fibres, %s: top u_z %.6e (exact %.6e), %" PetscInt_FMT
                        " active-set iterations, taut fraction %.3f\n",
                        order, p > 0 ? "tension" : "compression", (double)uz, (double)uex, si.active_its,
                        (double)frac));
  PetscCall(PetscSNPrintf(line, sizeof line, "P%d fibres %s: top u_z / exact - 1", (int)order,
                          p > 0 ? "tension" : "compression"));
  check(comm, line, uz / uex - 1, -1e-8, 1e-8);
  PetscCall(
      PetscSNPrintf(line, sizeof line, "P%d fibres %s: taut fraction", (int)order, p > 0 ? "tension" : "compression"));
  check(comm, line, frac, p > 0 ? 1 : 0, p > 0 ? 1 : 0);
  PetscCall(VecDestroy(&u));
  PetscCall(VecDestroy(&ul));
  PetscCall(VecDestroy(&ones));
  PetscCall(VfeProblemDestroy(&prob));
  PetscCall(VfeSpaceDestroy(&sp));
  PetscCall(DMDestroy(&dm));
  PetscCall(VfeMeshInfoDestroy(&info));
  PetscFunctionReturn(0);
}

/* Contact pairing at a rim: the base's top (20 x 20 mm) as slave on the punch's bottom (10 x 10 mm, footprint
   x, y in [5, 15]) as master.  A base node outside the footprint faces nothing and must not be paired, even within
   the search distance (2 mm) of the punch's edge: the pairs are exactly the base-top nodes inside the footprint. */
static PetscErrorCode RimCase(MPI_Comm comm, PetscInt order)
{
  DM dm;
  VfeMeshInfo info;
  VfeSpace sp;
  VfeProblem prob;
  VfeMemberGroupInfo *gi;
  PetscInt ng, s, nf, *faces, inside = 0, near = 0, sum[2];
  PetscBool *seen;
  char line[96];

  PetscFunctionBeginUser;
  PetscCall(VfeMeshLoad(comm, "members_blocks.msh", &dm, &info)); /* written by RunCase */
  PetscCall(VfeSpaceCreate(dm, order, &sp));
  PetscCall(VfeProblemCreate(sp, info.nregions, &prob));
  s = VfeMeshInfoFindSurface(&info, "lower_top");
  PetscCall(VfeProblemAddContact(prob, "rim", s, VfeMeshInfoFindSurface(&info, "upper_bottom"), 1e4, 2.0));
  PetscCall(VfeProblemGetMemberGroups(prob, &ng, &gi));
  PetscCall(PetscCalloc1(sp->nnodes, &seen));
  PetscCall(VfeSpaceGetBoundaryFaces(sp, s, &nf, &faces));
  for (PetscInt f = 0; f < nf; ++f) {
    PetscInt nodes[6];
    PetscReal area, n[3];
    PetscCall(VfeSpaceFaceGeometry(sp, faces[f], nodes, &area, n));
    for (PetscInt k = 0; k < (order == 2 ? 6 : 3); ++k) {
      const PetscInt v  = nodes[k];
      const PetscReal x = sp->xyz[3 * v], y = sp->xyz[3 * v + 1], tol = 1e-6;
      const PetscReal dx = PetscMax(PetscMax(5 - x, x - 15), 0), dy = PetscMax(PetscMax(5 - y, y - 15), 0);
      if (seen[v] || !sp->owned[v]) continue;
      seen[v] = PETSC_TRUE;
      if (dx <= tol && dy <= tol)
        inside++;
      else if (dx * dx + dy * dy + 0.25 <= 4.0)
        near++; /* within the search distance of the punch's edge */
    }
  }
  PetscCall(PetscFree(faces));
  PetscCall(PetscFree(seen));
  sum[0] = inside, sum[1] = near;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, sum, 2, MPIU_INT, MPI_SUM, comm));
  PetscCall(PetscSNPrintf(line, sizeof line, "P%d rim: base nodes near the punch's edge (must exist)", (int)order));
  check(comm, line, (double)sum[1], 1, 1e9);
  PetscCall(PetscSNPrintf(line, sizeof line, "P%d rim: pairs - base nodes inside the footprint", (int)order));
  check(comm, line, (double)(ng == 1 ? gi[0].nmembers - sum[0] : -1e9), 0, 0);
  PetscCall(PetscFree(gi));
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
  /* the active set's inexact tolerance: proportional to the changes, within [loose, rough]; a warm-started solve
   * (a sweep's next case) may change few branches first and many later, which must not give rtol >= 1 */
  PetscCheck(VfeActiveSetRtol(0.1, 1e-4, 1000, 1000) == 0.1 &&
                 PetscAbsReal(VfeActiveSetRtol(0.1, 1e-4, 10, 1000) - 1e-3) < 1e-15 &&
                 VfeActiveSetRtol(0.1, 1e-4, 1, 1000) == 1e-4 && VfeActiveSetRtol(0.1, 1e-4, 5000, 3) == 0.1 &&
                 VfeActiveSetRtol(0.1, 1e-4, 7, 0) == 1e-4,
             comm, PETSC_ERR_PLIB, "VfeActiveSetRtol out of [loose, rough]");
  PetscCall(RunCase(comm, order, load, PETSC_FALSE));
  PetscCall(RunCase(comm, order, load, PETSC_TRUE));
  PetscCall(RimCase(comm, order));
  PetscCall(FibreCase(comm, order, -2.0));
  PetscCall(FibreCase(comm, order, 2.0));
  PetscCall(PetscPrintf(comm, "%s\n", failures ? "FAILED" : "all checks passed"));
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
