/*
 * test_interp.c - mesh/interp.c's VfeMeshInterpolate against PETSc's DMPlexInterpolate, one process.
 *
 *   test_interp [-h H]
 *
 * Meshes (Gmsh, written by mesh/shapes.c and read uninterpolated as VfeMeshLoad reads them): a distorted
 * two-region box and the two separate blocks.  For each, both interpolations of the same cell-vertex DM:
 *   - vfe's construction ran (its log event counted once), not the DMPlexInterpolate fallback;
 *   - the same chart and depth strata; DMPlexCheckSymmetry, DMPlexCheckSkeleton, DMPlexCheckFaces and
 *     DMPlexCheckGeometry pass on vfe's;
 *   - every cell's closure gives the vertices of its uninterpolated cone, in that order, as PETSc's does;
 *   - every face and every edge has the same vertex set as PETSc's (sorted tuples), and the same closure
 *     vertex sequence (so the same edge orientations);
 *   - the same cones and cone orientations at every point, the same cell types, labels and coordinates.
 */
#include "vfemesh.h"
#include "vfetest.h"
#include <string.h>

/* The vertices in the closure of p, in closure order. */
static PetscErrorCode ClosureVertices(DM dm, PetscInt p, PetscInt *nv, PetscInt v[])
{
  PetscInt vStart, vEnd, n, *cl = NULL;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(DMPlexGetTransitiveClosure(dm, p, PETSC_TRUE, &n, &cl));
  *nv = 0;
  for (PetscInt i = 0; i < n; ++i)
    if (cl[2 * i] >= vStart && cl[2 * i] < vEnd) v[(*nv)++] = cl[2 * i];
  PetscCall(DMPlexRestoreTransitiveClosure(dm, p, PETSC_TRUE, &n, &cl));
  PetscFunctionReturn(0);
}

/* An error code of a PETSc check, without aborting. */
static PetscErrorCode Quiet(PetscErrorCode (*check)(DM), DM dm, PetscErrorCode *ierr)
{
  PetscFunctionBeginUser;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  *ierr = check(dm);
  PetscCall(PetscPopErrorHandler());
  PetscFunctionReturn(0);
}
static PetscErrorCode CheckSkeleton(DM dm)
{
  return DMPlexCheckSkeleton(dm, 0);
}
static PetscErrorCode CheckFaces(DM dm)
{
  return DMPlexCheckFaces(dm, 0);
}

static PetscErrorCode CompareMesh(const char *path, const char *what)
{
  DM dm, a, b;
  PetscLogEvent ev;
  PetscEventPerfInfo before, after;
  PetscLogDouble t0, t1, t2;
  PetscInt pStart, pEnd, qStart, qEnd, cStart, cEnd, badCell = 0, badFace = 0, badEdge = 0, badCone = 0, badType = 0;
  PetscBool same;
  PetscErrorCode ierr = 0;
  char line[256], *msg = NULL;

  PetscFunctionBeginUser;
  PetscCall(DMPlexCreateGmshFromFile(PETSC_COMM_SELF, path, PETSC_FALSE, &dm));
  PetscCall(PetscLogEventGetId("VfeInterpolate", &ev)); /* -1 until VfeMeshInterpolate's first call registers it */
  PetscCall(PetscMemzero(&before, sizeof before));
  if (ev >= 0) PetscCall(PetscLogEventGetPerfInfo(PETSC_DETERMINE, ev, &before));
  PetscCall(PetscTime(&t0));
  PetscCall(VfeMeshInterpolate(dm, &a));
  PetscCall(PetscTime(&t1));
  PetscCall(DMPlexInterpolate(dm, &b));
  PetscCall(PetscTime(&t2));
  PetscCall(PetscLogEventGetId("VfeInterpolate", &ev));
  PetscCheck(ev >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "no VfeInterpolate event");
  PetscCall(PetscLogEventGetPerfInfo(PETSC_DETERMINE, ev, &after));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: VfeMeshInterpolate %.4f s, DMPlexInterpolate %.4f s\n", what, t1 - t0,
                        t2 - t1));
  snprintf(line, sizeof line, "%s: vfe's construction ran (not the DMPlexInterpolate fallback)", what);
  VfeTestCheck(after.count == before.count + 1, line);

  PetscCall(DMPlexGetChart(a, &pStart, &pEnd));
  PetscCall(DMPlexGetChart(b, &qStart, &qEnd));
  snprintf(line, sizeof line, "%s: chart [%d, %d) = PETSc's [%d, %d)", what, (int)pStart, (int)pEnd, (int)qStart,
           (int)qEnd);
  VfeTestCheck(pStart == qStart && pEnd == qEnd, line);
  for (PetscInt d = 0; d <= 3; ++d) {
    PetscInt s0, e0, s1, e1;

    PetscCall(DMPlexGetDepthStratum(a, d, &s0, &e0));
    PetscCall(DMPlexGetDepthStratum(b, d, &s1, &e1));
    snprintf(line, sizeof line, "%s: depth %d points [%d, %d) = PETSc's [%d, %d)", what, (int)d, (int)s0, (int)e0,
             (int)s1, (int)e1);
    VfeTestCheck(s0 == s1 && e0 == e1, line);
  }
  if (pStart != qStart || pEnd != qEnd) goto done;

  {
    /* PETSc's checks on a clone (the same mesh): a failed one leaves a work array checked out, and the clone is
       then left undestroyed rather than abort the test at DMDestroy */
    PetscErrorCode (*check[4])(DM) = {DMPlexCheckSymmetry, CheckSkeleton, CheckFaces, DMPlexCheckGeometry};
    const char *name[4] = {"DMPlexCheckSymmetry", "DMPlexCheckSkeleton", "DMPlexCheckFaces", "DMPlexCheckGeometry"};
    PetscBool failed    = PETSC_FALSE;
    DM ac;

    PetscCall(DMClone(a, &ac));
    for (int i = 0; i < 4; ++i) {
      PetscCall(Quiet(check[i], ac, &ierr));
      snprintf(line, sizeof line, "%s: %s", what, name[i]);
      VfeTestCheck(!ierr, line);
      if (ierr) failed = PETSC_TRUE;
    }
    if (!failed) PetscCall(DMDestroy(&ac));
  }

  /* cells: closure vertices = the uninterpolated cone = PETSc's closure */
  PetscCall(DMPlexGetHeightStratum(a, 0, &cStart, &cEnd));
  for (PetscInt c = cStart; c < cEnd; ++c) {
    const PetscInt *cone;
    PetscInt na, nb, va[8], vb[8];

    PetscCall(DMPlexGetCone(dm, c, &cone));
    PetscCall(ClosureVertices(a, c, &na, va));
    PetscCall(ClosureVertices(b, c, &nb, vb));
    if (na != 4 || nb != 4 || memcmp(va, vb, 4 * sizeof va[0]) || memcmp(va, cone, 4 * sizeof va[0])) ++badCell;
  }
  snprintf(line, sizeof line, "%s: %d cells, closure vertices = cone = PETSc's (%d differ)", what, (int)(cEnd - cStart),
           (int)badCell);
  VfeTestCheck(badCell == 0, line);

  /* faces and edges: the same sorted vertex tuple at the same point, and the same closure order */
  for (PetscInt h = 1; h <= 2; ++h) {
    PetscInt s, e, *bad = h == 1 ? &badFace : &badEdge;

    PetscCall(DMPlexGetHeightStratum(a, h, &s, &e));
    for (PetscInt p = s; p < e; ++p) {
      PetscInt na, nb, va[8], vb[8];
      PetscBool order;

      PetscCall(ClosureVertices(a, p, &na, va));
      PetscCall(ClosureVertices(b, p, &nb, vb));
      order = na == nb && !memcmp(va, vb, (size_t)na * sizeof va[0]);
      PetscCall(PetscSortInt(na, va));
      PetscCall(PetscSortInt(nb, vb));
      if (na != 4 - h || !order || memcmp(va, vb, (size_t)na * sizeof va[0])) ++*bad;
    }
    snprintf(line, sizeof line, "%s: %d %s, vertex sets and closure order = PETSc's (%d differ)", what, (int)(e - s),
             h == 1 ? "faces" : "edges", (int)*bad);
    VfeTestCheck(*bad == 0, line);
  }

  /* every point: cone, cone orientation, cell type */
  for (PetscInt p = pStart; p < pEnd; ++p) {
    const PetscInt *ca, *cb, *oa, *ob;
    PetscInt na, nb;
    DMPolytopeType ta, tb;

    PetscCall(DMPlexGetConeSize(a, p, &na));
    PetscCall(DMPlexGetConeSize(b, p, &nb));
    PetscCall(DMPlexGetCone(a, p, &ca));
    PetscCall(DMPlexGetCone(b, p, &cb));
    PetscCall(DMPlexGetConeOrientation(a, p, &oa));
    PetscCall(DMPlexGetConeOrientation(b, p, &ob));
    if (na != nb || memcmp(ca, cb, (size_t)na * sizeof ca[0]) || memcmp(oa, ob, (size_t)na * sizeof oa[0])) ++badCone;
    PetscCall(DMPlexGetCellType(a, p, &ta));
    PetscCall(DMPlexGetCellType(b, p, &tb));
    if (ta != tb) ++badType;
  }
  snprintf(line, sizeof line, "%s: cones and orientations = PETSc's at every point (%d differ)", what, (int)badCone);
  VfeTestCheck(badCone == 0, line);
  snprintf(line, sizeof line, "%s: cell types = PETSc's (%d differ)", what, (int)badType);
  VfeTestCheck(badType == 0, line);

  /* labels (all of them, depth and celltype included) and coordinates */
  PetscCall(DMCompareLabels(a, b, &same, &msg));
  snprintf(line, sizeof line, "%s: labels = PETSc's%s%.120s", what, same ? "" : ": ", same ? "" : msg);
  VfeTestCheck(same, line);
  PetscCall(PetscFree(msg));
  {
    Vec xa, xb;

    PetscCall(DMGetCoordinatesLocal(a, &xa));
    PetscCall(DMGetCoordinatesLocal(b, &xb));
    PetscCall(VecEqual(xa, xb, &same));
    snprintf(line, sizeof line, "%s: coordinates = PETSc's", what);
    VfeTestCheck(same, line);
  }
done:
  PetscCall(DMDestroy(&a));
  PetscCall(DMDestroy(&b));
  PetscCall(DMDestroy(&dm));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscReal h = 2.5;
  PetscMPIInt size;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCheck(size == 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "test_interp runs on one process");
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-h", &h, NULL));
  PetscCall(PetscLogDefaultBegin()); /* for VfeInterpolate's event count */
  PetscCall(PetscOptionsSetValue(NULL, "-dm_plex_gmsh_use_regions", "true"));
  PetscCall(VfeShapeBox("interp_box.msh", 10, 10, 20, 8, h, 0.2));
  PetscCall(CompareMesh("interp_box.msh", "distorted box"));
  PetscCall(VfeShapeTwoBlocks("interp_blocks.msh", 20, 10, 0.5, h));
  PetscCall(CompareMesh("interp_blocks.msh", "two blocks"));
  PetscCall(PetscFinalize());
  return VfeTestSummary();
}
