/*
 * test_interp.c - mesh/interp.c's VfeMeshInterpolate against PETSc's DMPlexInterpolate, on any number of ranks
 * (ctest: 1, 2 and 4).
 *
 *   [mpiexec -n N] test_interp [-h H]
 *
 * Meshes (Gmsh, written by mesh/shapes.c and read uninterpolated as VfeMeshLoad reads them): a distorted
 * two-region box and the two separate blocks; on more than one rank each is distributed twice, with the default
 * partitioner and with PETSc's "simple" one (contiguous cell ranges: ragged interfaces, vertices owned by ranks
 * that hold none of their faces).  For each, both interpolations of the same cell-vertex DM, compared on every
 * rank (a check passes when it passes on all ranks; rank 0 reports):
 *   - vfe's construction ran (its log event counted once), not the DMPlexInterpolate fallback;
 *   - the same chart and depth strata; DMPlexCheckSymmetry, DMPlexCheckSkeleton, DMPlexCheckFaces and
 *     DMPlexCheckGeometry pass on vfe's;
 *   - every cell's closure gives the vertices of its uninterpolated cone, in that order, as PETSc's does;
 *   - every face and every edge has the same vertex set as PETSc's (sorted tuples), and the same closure
 *     vertex sequence (so the same edge orientations);
 *   - the same cones and cone orientations at every point, the same cell types, labels and coordinates;
 *   - on more than one rank: the same point SF graph (leaf -> (rank, point)) up to the order of the leaves, shared
 *     faces and edges in it, and DMPlexCheckPointSF and DMPlexCheckInterfaceCones pass on vfe's.
 */
#include "vfemesh.h"
#include "vfetest.h"
#include <petscsf.h>
#include <stdio.h>
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

static PetscErrorCode CheckPointSF(DM dm)
{
  return DMPlexCheckPointSF(dm, NULL, PETSC_FALSE);
}

/* A check that holds on every rank (collective; rank 0 prints). */
static PetscErrorCode CheckAll(PetscBool ok, const char *line)
{
  int all = ok ? 1 : 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD));
  VfeTestCheck(all, line);
  PetscFunctionReturn(0);
}

/* The sum over the ranks. */
static PetscErrorCode SumAll(PetscInt *x)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, x, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

/* A point SF graph as (leaf, rank, root) triples sorted by leaf; *n = -1 for an SF without a graph. */
static PetscErrorCode SFTriples(DM dm, PetscInt *nroots, PetscInt *n, PetscInt **t)
{
  PetscSF sf;
  const PetscInt *il;
  const PetscSFNode *ir;
  PetscInt *leaf, *perm;

  PetscFunctionBeginUser;
  PetscCall(DMGetPointSF(dm, &sf));
  PetscCall(PetscSFGetGraph(sf, nroots, n, &il, &ir));
  *t = NULL;
  if (*nroots < 0) {
    *n = -1;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(3 * *n, t));
  PetscCall(PetscMalloc2(*n, &leaf, *n, &perm));
  for (PetscInt l = 0; l < *n; ++l) {
    leaf[l] = il ? il[l] : l;
    perm[l] = l;
  }
  PetscCall(PetscSortIntWithPermutation(*n, leaf, perm));
  for (PetscInt l = 0; l < *n; ++l) {
    (*t)[3 * l]     = leaf[perm[l]];
    (*t)[3 * l + 1] = ir[perm[l]].rank;
    (*t)[3 * l + 2] = ir[perm[l]].index;
  }
  PetscCall(PetscFree2(leaf, perm));
  PetscFunctionReturn(0);
}

static PetscErrorCode CompareMesh(const char *path, const char *what, const char *partitioner)
{
  DM dm, a, b;
  PetscLogEvent ev;
  PetscEventPerfInfo before, after;
  PetscLogDouble t0, t1, t2;
  PetscInt pStart, pEnd, qStart, qEnd, cStart, cEnd, badCell = 0, badFace = 0, badEdge = 0, badCone = 0, badType = 0;
  PetscBool same, sameChart;
  PetscMPIInt size;
  PetscErrorCode ierr = 0;
  char line[256], *msg = NULL;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(DMPlexCreateGmshFromFile(PETSC_COMM_WORLD, path, PETSC_FALSE, &dm));
  if (size > 1) {
    PetscPartitioner part;
    DM dist = NULL;

    PetscCall(DMPlexGetPartitioner(dm, &part));
    if (partitioner) PetscCall(PetscPartitionerSetType(part, partitioner));
    PetscCall(DMPlexDistribute(dm, 0, NULL, &dist));
    PetscCheck(dist, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "%s was not distributed", path);
    PetscCall(DMDestroy(&dm));
    dm = dist;
  }
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
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: VfeMeshInterpolate %.4f s, DMPlexInterpolate %.4f s (rank 0)\n", what,
                        t1 - t0, t2 - t1));
  snprintf(line, sizeof line, "%s: vfe's construction ran (not the DMPlexInterpolate fallback)", what);
  PetscCall(CheckAll(after.count == before.count + 1, line));

  PetscCall(DMPlexGetChart(a, &pStart, &pEnd));
  PetscCall(DMPlexGetChart(b, &qStart, &qEnd));
  snprintf(line, sizeof line, "%s: chart [%d, %d) = PETSc's [%d, %d)", what, (int)pStart, (int)pEnd, (int)qStart,
           (int)qEnd);
  sameChart = pStart == qStart && pEnd == qEnd;
  PetscCall(CheckAll(sameChart, line));
  for (PetscInt d = 0; d <= 3; ++d) {
    PetscInt s0, e0, s1, e1;

    PetscCall(DMPlexGetDepthStratum(a, d, &s0, &e0));
    PetscCall(DMPlexGetDepthStratum(b, d, &s1, &e1));
    snprintf(line, sizeof line, "%s: depth %d points [%d, %d) = PETSc's [%d, %d)", what, (int)d, (int)s0, (int)e0,
             (int)s1, (int)e1);
    PetscCall(CheckAll(s0 == s1 && e0 == e1, line));
  }
  {
    int all = sameChart;

    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD));
    if (!all) goto done;
  }

  {
    /* PETSc's checks on a clone (the same mesh): a failed one leaves a work array checked out, and the clone is
       then left undestroyed rather than abort the test at DMDestroy */
    PetscErrorCode (*check[6])(DM) = {DMPlexCheckSymmetry, CheckSkeleton, CheckFaces,
                                      DMPlexCheckGeometry, CheckPointSF,  DMPlexCheckInterfaceCones};
    const char *name[6]            = {"DMPlexCheckSymmetry", "DMPlexCheckSkeleton", "DMPlexCheckFaces",
                                      "DMPlexCheckGeometry", "DMPlexCheckPointSF",  "DMPlexCheckInterfaceCones"};
    PetscBool failed               = PETSC_FALSE;
    DM ac;

    PetscCall(DMClone(a, &ac));
    for (int i = 0; i < (size > 1 ? 6 : 4); ++i) {
      PetscCall(Quiet(check[i], ac, &ierr));
      snprintf(line, sizeof line, "%s: %s", what, name[i]);
      PetscCall(CheckAll(!ierr, line));
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
  {
    PetscInt nc = cEnd - cStart;

    PetscCall(SumAll(&nc));
    PetscCall(SumAll(&badCell));
    snprintf(line, sizeof line, "%s: %d cells, closure vertices = cone = PETSc's (%d differ)", what, (int)nc,
             (int)badCell);
  }
  PetscCall(CheckAll(badCell == 0, line));

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
    {
      PetscInt np = e - s;

      PetscCall(SumAll(&np));
      PetscCall(SumAll(bad));
      snprintf(line, sizeof line, "%s: %d %s (all ranks), vertex sets and closure order = PETSc's (%d differ)", what,
               (int)np, h == 1 ? "faces" : "edges", (int)*bad);
    }
    PetscCall(CheckAll(*bad == 0, line));
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
  PetscCall(SumAll(&badCone));
  PetscCall(SumAll(&badType));
  snprintf(line, sizeof line, "%s: cones and orientations = PETSc's at every point (%d differ)", what, (int)badCone);
  PetscCall(CheckAll(badCone == 0, line));
  snprintf(line, sizeof line, "%s: cell types = PETSc's (%d differ)", what, (int)badType);
  PetscCall(CheckAll(badType == 0, line));

  /* the point SF: the same graph up to the order of the leaves; shared faces and edges in it on more ranks */
  if (size > 1) {
    PetscInt ra, rb, na, nb, *ta, *tb, fs, fe, es, ee, nf = 0, ne = 0, nl;

    PetscCall(SFTriples(a, &ra, &na, &ta));
    PetscCall(SFTriples(b, &rb, &nb, &tb));
    same = ra == rb && na == nb && (na <= 0 || !memcmp(ta, tb, 3 * (size_t)na * sizeof ta[0]));
    PetscCall(DMPlexGetHeightStratum(a, 1, &fs, &fe));
    PetscCall(DMPlexGetDepthStratum(a, 1, &es, &ee));
    for (PetscInt l = 0; l < na; ++l) {
      if (ta[3 * l] >= fs && ta[3 * l] < fe) ++nf;
      if (ta[3 * l] >= es && ta[3 * l] < ee) ++ne;
    }
    nl = PetscMax(na, 0);
    PetscCall(SumAll(&nl));
    PetscCall(SumAll(&nf));
    PetscCall(SumAll(&ne));
    snprintf(line, sizeof line, "%s: point SF = PETSc's up to leaf order (%d leaves on all ranks, %d faces, %d edges)",
             what, (int)nl, (int)nf, (int)ne);
    PetscCall(CheckAll(same, line));
    snprintf(line, sizeof line, "%s: the point SF has shared faces and edges", what);
    PetscCall(CheckAll(nf > 0 && ne > 0, line));
    PetscCall(PetscFree(ta));
    PetscCall(PetscFree(tb));
  }

  /* labels (all of them, depth and celltype included) and coordinates */
  PetscCall(DMCompareLabels(a, b, &same, &msg));
  snprintf(line, sizeof line, "%s: labels = PETSc's%s%.120s", what, same ? "" : ": ", same ? "" : msg);
  PetscCall(CheckAll(same, line));
  PetscCall(PetscFree(msg));
  {
    Vec xa, xb;

    PetscCall(DMGetCoordinatesLocal(a, &xa));
    PetscCall(DMGetCoordinatesLocal(b, &xb));
    PetscCall(VecEqual(xa, xb, &same));
    snprintf(line, sizeof line, "%s: coordinates = PETSc's", what);
    PetscCall(CheckAll(same, line));
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
  PetscMPIInt size, rank;
  PetscErrorCode err = 0;
  char what[128];
  const char *parts[2] = {NULL, PETSCPARTITIONERSIMPLE}, *shape[2] = {"distorted box", "two blocks"},
             *file[2] = {"interp_box.msh", "interp_blocks.msh"};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (rank && !freopen("/dev/null", "w", stdout)) return 1; /* rank 0 reports; every check is reduced */
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-h", &h, NULL));
  PetscCall(PetscLogDefaultBegin()); /* for VfeInterpolate's event count */
  PetscCall(PetscOptionsSetValue(NULL, "-dm_plex_gmsh_use_regions", "true"));
  if (!rank) {
    err = VfeShapeBox(file[0], 10, 10, 20, 8, h, 0.2);
    if (!err) err = VfeShapeTwoBlocks(file[1], 20, 10, 0.5, h);
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  PetscCheck(!err, PETSC_COMM_WORLD, PETSC_ERR_LIB, "could not write the test meshes");
  for (int m = 0; m < 2; ++m)
    for (int p = 0; p < (size > 1 ? 2 : 1); ++p) {
      if (size > 1)
        snprintf(what, sizeof what, "%s, %d ranks, %s partitioner", shape[m], (int)size, p ? parts[p] : "default");
      else
        snprintf(what, sizeof what, "%s", shape[m]);
      PetscCall(CompareMesh(file[m], what, parts[p]));
    }
  PetscCall(PetscFinalize());
  return VfeTestSummary();
}
