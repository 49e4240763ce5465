/*
 * test_segment_posterior.c - posterior elements and facet joints of the segment mesher (issue 10, geometry).
 *
 * Meshes L1-L2 with segment_posterior_elements true at 5 mm (no cement: one pass), loads the file with
 * VfeMeshLoad and checks:
 *  1. regions L1.posterior, L2.posterior, L1.facet_inf, L2.facet_sup exist with positive volume, and nothing
 *     else was lost (the body regions are still there);
 *  1b. the posterior elements share nodes with their body's cortical shell (bonded, conformal) and the cartilage
 *     with its process, but no level's posterior elements or cartilage share a node with another level's or
 *     with a disc (the facet gap is the only place where two levels face each other);
 *  2. the four facet surface groups L1L2.facet_<left|right>_<upper|lower> exist, each side's upper and lower
 *     surfaces share no node, and the smallest distance between their nodes is the gap (0.5 mm) within 10 %;
 *  2b. the tip surfaces L1L2.facet_tip_<left|right>_upper lie the tip gap (1.5 mm) above the flat lamina top
 *     L1L2.facet_tip_lower, on their side, sharing no node with it;
 *  3. all 18 point groups L1L2.<LIG>_<upper|lower> exist, each at a mesh vertex on the boundary whose cells all
 *     belong to the right level (L1 for _upper, L2 for _lower) and to bone (cortical for ALL / PLL, posterior
 *     for the others), on the right side for the _left / _right ones and on the midline for the others;
 *  4. a mesh without point groups (the same case with posterior elements off) loads with npoints = 0.
 * Options after the program name are added to the case (e.g. -segment_facet_gap_mm 1).
 * -test_load FILE (segment_posterior_mpi, on 2 ranks): only load FILE (the mesh of 1-3) and check that every rank
 * has the same 18 point groups (names, tags, coordinates) and the same region and boundary tables.
 */
#include "vfemesh.h"
#include "vferegion.h"

static int failures = 0;

static void Check(PetscBool ok, const char *what, double got, double want, double tol)
{
  PetscCallAbort(PETSC_COMM_WORLD, PetscPrintf(PETSC_COMM_WORLD, "%s %-52s got %.6g want %.6g tol %.3g\n",
                                               ok ? "ok  " : "FAIL", what, got, want, tol));
  if (!ok) failures++;
}

static double Region(VfeSegmentReport r, const char *name)
{
  for (PetscInt i = 0; i < r->nregions; i++)
    if (!strcmp(r->region[i], name)) return r->region_volume[i];
  return -1;
}

/* coordinates of the vertices of the faces labelled vfe_boundary = s (allocated, *n of them, repeats allowed) */
static PetscErrorCode SurfaceNodes(DM dm, PetscInt s, PetscReal **x, PetscInt *n)
{
  DMLabel lab;
  IS is;
  PetscInt nf, vs, ve, cap = 0;
  const PetscInt *f;
  Vec coords;
  PetscSection cs;
  const PetscScalar *a;

  PetscFunctionBeginUser;
  *n = 0;
  *x = NULL;
  PetscCall(DMGetLabel(dm, "vfe_boundary", &lab));
  PetscCall(DMLabelGetStratumIS(lab, s, &is));
  if (!is) PetscFunctionReturn(0);
  PetscCall(ISGetLocalSize(is, &nf));
  PetscCall(ISGetIndices(is, &f));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vs, &ve));
  PetscCall(DMGetCoordinatesLocal(dm, &coords));
  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(VecGetArrayRead(coords, &a));
  cap = 3 * nf;
  PetscCall(PetscMalloc1(3 * cap, x));
  for (PetscInt i = 0; i < nf; i++) {
    PetscInt *cl = NULL, ncl, off;
    PetscCall(DMPlexGetTransitiveClosure(dm, f[i], PETSC_TRUE, &ncl, &cl));
    for (PetscInt k = 0; k < ncl; k++)
      if (cl[2 * k] >= vs && cl[2 * k] < ve && *n < cap) {
        PetscCall(PetscSectionGetOffset(cs, cl[2 * k], &off));
        for (int d = 0; d < 3; d++) (*x)[3 * (*n) + d] = PetscRealPart(a[off + d]);
        (*n)++;
      }
    PetscCall(DMPlexRestoreTransitiveClosure(dm, f[i], PETSC_TRUE, &ncl, &cl));
  }
  PetscCall(VecRestoreArrayRead(coords, &a));
  PetscCall(ISRestoreIndices(is, &f));
  PetscCall(ISDestroy(&is));
  PetscFunctionReturn(0);
}

/* the mesh vertex nearest xyz and its distance */
static PetscErrorCode NearestVertex(DM dm, const PetscReal *xyz, PetscInt *v, PetscReal *dist)
{
  PetscInt vs, ve, off;
  Vec coords;
  PetscSection cs;
  const PetscScalar *a;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vs, &ve));
  PetscCall(DMGetCoordinatesLocal(dm, &coords));
  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(VecGetArrayRead(coords, &a));
  *dist = PETSC_MAX_REAL, *v = -1;
  for (PetscInt p = vs; p < ve; p++) {
    PetscReal d = 0;
    PetscCall(PetscSectionGetOffset(cs, p, &off));
    for (int k = 0; k < 3; k++) d += PetscSqr(PetscRealPart(a[off + k]) - xyz[k]);
    if (d < *dist) *dist = d, *v = p;
  }
  *dist = PetscSqrtReal(*dist);
  PetscCall(VecRestoreArrayRead(coords, &a));
  PetscFunctionReturn(0);
}

/* whether every cell around vertex v is in level `lvl` and tissue `tissue`, and v is on the boundary */
static PetscErrorCode VertexCheck(DM dm, const VfeMeshInfo *info, PetscInt v, const char *lvl, const char *tissue,
                                  PetscBool *ok)
{
  DMLabel reg;
  PetscInt *st = NULL, nst, cs, ce, fs, fe, ncell = 0;
  PetscBool onb = PETSC_FALSE;

  PetscFunctionBeginUser;
  *ok = PETSC_TRUE;
  PetscCall(DMGetLabel(dm, "vfe_region", &reg));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cs, &ce));
  PetscCall(DMPlexGetHeightStratum(dm, 1, &fs, &fe));
  PetscCall(DMPlexGetTransitiveClosure(dm, v, PETSC_FALSE, &nst, &st));
  for (PetscInt k = 0; k < nst; k++) {
    PetscInt p = st[2 * k], r, ns;
    if (p >= cs && p < ce) {
      PetscCall(DMLabelGetValue(reg, p, &r));
      ncell++;
      if (r < 0 || !VfeRegionIs(info->regions[r].name, lvl, tissue)) *ok = PETSC_FALSE;
    } else if (p >= fs && p < fe) {
      PetscCall(DMPlexGetSupportSize(dm, p, &ns));
      if (ns == 1) onb = PETSC_TRUE;
    }
  }
  PetscCall(DMPlexRestoreTransitiveClosure(dm, v, PETSC_FALSE, &nst, &st));
  *ok = (PetscBool)(*ok && onb && ncell > 0);
  PetscFunctionReturn(0);
}

/* number of vertices shared by the cells of regions a and b */
static PetscErrorCode SharedVertices(DM dm, const VfeMeshInfo *info, const char *a, const char *b, PetscInt *n)
{
  DMLabel reg;
  PetscInt cs, ce, vs, ve, ra = VfeMeshInfoFindRegion(info, a), rb = VfeMeshInfoFindRegion(info, b);
  char *mark;

  PetscFunctionBeginUser;
  *n = -1;
  if (ra < 0 || rb < 0) PetscFunctionReturn(0);
  PetscCall(DMGetLabel(dm, "vfe_region", &reg));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cs, &ce));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vs, &ve));
  PetscCall(PetscCalloc1(ve - vs, &mark));
  for (PetscInt c = cs; c < ce; c++) {
    PetscInt r, *cl = NULL, ncl;
    PetscCall(DMLabelGetValue(reg, c, &r));
    if (r != ra && r != rb) continue;
    PetscCall(DMPlexGetTransitiveClosure(dm, c, PETSC_TRUE, &ncl, &cl));
    for (PetscInt k = 0; k < ncl; k++)
      if (cl[2 * k] >= vs && cl[2 * k] < ve) mark[cl[2 * k] - vs] |= r == ra ? 1 : 2;
    PetscCall(DMPlexRestoreTransitiveClosure(dm, c, PETSC_TRUE, &ncl, &cl));
  }
  *n = 0;
  for (PetscInt v = 0; v < ve - vs; v++) *n += mark[v] == 3;
  PetscCall(PetscFree(mark));
  PetscFunctionReturn(0);
}

/* conformal where bonded: posterior to its body's shell, cartilage to its process; nothing shared between levels */
static PetscErrorCode CheckConnections(DM dm, const VfeMeshInfo *info)
{
  const char *pairs[][3] = {{"L1.posterior", "L1.cortical", "+"},  {"L2.posterior", "L2.cortical", "+"},
                            {"L1.facet_inf", "L1.posterior", "+"}, {"L2.facet_sup", "L2.posterior", "+"},
                            {"L1.posterior", "L2.posterior", "0"}, {"L1.facet_inf", "L2.facet_sup", "0"},
                            {"L1.facet_inf", "L2.posterior", "0"}, {"L2.facet_sup", "L1.posterior", "0"},
                            {"L1.posterior", "L1L2.annulus", "0"}, {"L2.posterior", "L1L2.annulus", "0"},
                            {"L1.posterior", "L1.cancellous", "0"}};

  PetscFunctionBeginUser;
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    PetscInt n;
    char what[96];
    PetscBool pos = (PetscBool)(pairs[i][2][0] == '+');
    PetscCall(SharedVertices(dm, info, pairs[i][0], pairs[i][1], &n));
    PetscCall(PetscSNPrintf(what, sizeof what, "nodes shared by %s and %s: %s", pairs[i][0], pairs[i][1],
                            pos ? "some" : "none"));
    Check((PetscBool)(pos ? n > 10 : n == 0), what, (double)n, pos ? 10 : 0, 0);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckFacets(DM dm, const VfeMeshInfo *info, PetscReal gap)
{
  static const char *const side[2] = {"left", "right"};

  PetscFunctionBeginUser;
  for (int s = 0; s < 2; s++) {
    char nu[64], nl[64], what[96];
    PetscInt su, sl, n1 = 0, n2 = 0;
    PetscReal *x1 = NULL, *x2 = NULL, dmin = PETSC_MAX_REAL;
    PetscCall(PetscSNPrintf(nu, sizeof nu, "L1L2.facet_%s_upper", side[s]));
    PetscCall(PetscSNPrintf(nl, sizeof nl, "L1L2.facet_%s_lower", side[s]));
    su = VfeMeshInfoFindSurface(info, nu), sl = VfeMeshInfoFindSurface(info, nl);
    Check((PetscBool)(su >= 0), nu, (double)su, 0, 0);
    Check((PetscBool)(sl >= 0), nl, (double)sl, 0, 0);
    if (su < 0 || sl < 0) continue;
    PetscCall(SurfaceNodes(dm, su, &x1, &n1));
    PetscCall(SurfaceNodes(dm, sl, &x2, &n2));
    for (PetscInt i = 0; i < n1; i++)
      for (PetscInt j = 0; j < n2; j++) {
        PetscReal d = PetscSqrtReal(PetscSqr(x1[3 * i] - x2[3 * j]) + PetscSqr(x1[3 * i + 1] - x2[3 * j + 1]) +
                                    PetscSqr(x1[3 * i + 2] - x2[3 * j + 2]));
        dmin        = PetscMin(dmin, d);
      }
    PetscCall(PetscSNPrintf(what, sizeof what, "%s: node entries on both surfaces", side[s]));
    Check((PetscBool)(n1 > 3 && n2 > 3), what, (double)PetscMin(n1, n2), 4, 0);
    PetscCall(PetscSNPrintf(what, sizeof what, "%s facet gap (min node distance)", side[s]));
    Check((PetscBool)(PetscAbsReal(dmin - gap) <= 0.1 * gap), what, dmin, gap, 0.1 * gap);
    /* left is x > 0 */
    if (n1 > 0) {
      PetscCall(PetscSNPrintf(what, sizeof what, "%s facet on its side (x)", side[s]));
      Check((PetscBool)((s == 0 ? 1 : -1) * x1[0] > 0), what, x1[0], 0, 0);
    }
    PetscCall(PetscFree(x1));
    PetscCall(PetscFree(x2));
  }
  PetscFunctionReturn(0);
}

/* the tip gaps: L1L2.facet_tip_<side>_upper (L1's inferior process tips) lie tip above L1L2.facet_tip_lower (L2's
   lamina top), both flat, on their side (x) and sharing no node */
static PetscErrorCode CheckTips(DM dm, const VfeMeshInfo *info, PetscReal tip)
{
  static const char *const side[2] = {"left", "right"};
  PetscInt sl = VfeMeshInfoFindSurface(info, "L1L2.facet_tip_lower"), n2 = 0;
  PetscReal *x2 = NULL, zl = 0;

  PetscFunctionBeginUser;
  Check((PetscBool)(sl >= 0), "L1L2.facet_tip_lower", (double)sl, 0, 0);
  if (sl < 0) PetscFunctionReturn(0);
  PetscCall(SurfaceNodes(dm, sl, &x2, &n2));
  Check((PetscBool)(n2 > 3), "lamina top: node entries", (double)n2, 4, 0);
  for (PetscInt j = 0; j < n2; j++) zl = PetscMax(zl, PetscAbsReal(x2[3 * j + 2] - x2[2]));
  Check((PetscBool)(zl < 1e-9), "lamina top: flat (max |z - z0|)", (double)zl, 0, 1e-9);
  for (int s = 0; s < 2; s++) {
    char nu[64], what[96];
    PetscInt su, n1 = 0, shared = 0;
    PetscReal *x1 = NULL, dz = 0, xs = PETSC_MAX_REAL;
    PetscCall(PetscSNPrintf(nu, sizeof nu, "L1L2.facet_tip_%s_upper", side[s]));
    su = VfeMeshInfoFindSurface(info, nu);
    Check((PetscBool)(su >= 0), nu, (double)su, 0, 0);
    if (su < 0) continue;
    PetscCall(SurfaceNodes(dm, su, &x1, &n1));
    for (PetscInt i = 0; i < n1; i++) {
      dz = PetscMax(dz, PetscAbsReal(x1[3 * i + 2] - x2[2] - tip));
      xs = PetscMin(xs, (s == 0 ? 1 : -1) * x1[3 * i]);
      for (PetscInt j = 0; j < n2; j++)
        if (x1[3 * i] == x2[3 * j] && x1[3 * i + 1] == x2[3 * j + 1] && x1[3 * i + 2] == x2[3 * j + 2]) shared++;
    }
    PetscCall(PetscSNPrintf(what, sizeof what, "%s tip: gap above the lamina (max error)", side[s]));
    Check((PetscBool)(n1 > 3 && dz < 1e-9), what, (double)dz, 0, 1e-9);
    PetscCall(PetscSNPrintf(what, sizeof what, "%s tip: on its side (min signed x)", side[s]));
    Check((PetscBool)(xs > 0), what, (double)xs, 0, 0);
    PetscCall(PetscSNPrintf(what, sizeof what, "%s tip: nodes shared with the lamina", side[s]));
    Check((PetscBool)(shared == 0), what, (double)shared, 0, 0);
    PetscCall(PetscFree(x1));
  }
  PetscCall(PetscFree(x2));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckPoints(DM dm, const VfeMeshInfo *info)
{
  static const char *const lig[9] = {"ALL", "PLL", "LF", "ISL", "SSL", "CL_left", "CL_right", "ITL_left", "ITL_right"};

  PetscFunctionBeginUser;
  Check((PetscBool)(info->npoints == 18), "point groups (one motion segment)", (double)info->npoints, 18, 0);
  for (int k = 0; k < 9; k++)
    for (int w = 0; w < 2; w++) {
      char name[64], what[96];
      PetscInt i, v = -1;
      PetscReal d = PETSC_MAX_REAL, side;
      PetscBool ok;
      PetscCall(PetscSNPrintf(name, sizeof name, "L1L2.%s_%s", lig[k], w ? "lower" : "upper"));
      i = VfeMeshInfoFindPoint(info, name);
      Check((PetscBool)(i >= 0 && info->points[i].dim == 0), name, (double)i, 0, 0);
      if (i < 0) continue;
      PetscCall(NearestVertex(dm, info->points[i].xyz, &v, &d));
      if (k < 2) { /* ALL, PLL: on the body's anterior / posterior midline, 2 mm from the rim next to the L1L2 disc
                      (L2 spans z 0..25, the disc 25..34, L1 34..59; the body is 33.5 mm deep) */
        PetscReal want[3] = {0, (k ? -1 : 1) * 33.5 / 2, w ? 23 : 36}, e = 0;
        for (int c = 0; c < 3; c++) e = PetscMax(e, PetscAbsReal(info->points[i].xyz[c] - want[c]));
        PetscCall(PetscSNPrintf(what, sizeof what, "  %s: where the construction puts it", name));
        Check((PetscBool)(e < 1e-6), what, e, 0, 1e-6);
      }
      PetscCall(VertexCheck(dm, info, v, w ? "L2" : "L1", k < 2 ? "cortical" : "posterior", &ok));
      PetscCall(PetscSNPrintf(what, sizeof what, "  %s: on the boundary of %s.%s", name, w ? "L2" : "L1",
                              k < 2 ? "cortical" : "posterior"));
      Check(ok, what, (double)ok, 1, 0);
      side = k >= 5 ? ((k == 5 || k == 7) ? 1 : -1) : 0;
      PetscCall(PetscSNPrintf(what, sizeof what, "  %s: side (x)", name));
      if (side == 0)
        Check((PetscBool)(PetscAbsReal(info->points[i].xyz[0]) < 1e-9), what, info->points[i].xyz[0], 0, 0);
      else
        Check((PetscBool)(side * info->points[i].xyz[0] > 5), what, info->points[i].xyz[0], 5 * side, 0);
    }
  PetscFunctionReturn(0);
}

/* every rank has rank 0's group tables (names, tags, dims, coordinates) */
static PetscErrorCode CheckSameOnRanks(const VfeMeshInfo *info)
{
  PetscInt n[3] = {info->nregions, info->nsurfaces, info->npoints}, n0[3];
  int same      = 1, all;

  PetscFunctionBeginUser;
  PetscCall(PetscArraycpy(n0, n, 3));
  PetscCallMPI(MPI_Bcast(n0, 3, MPIU_INT, 0, PETSC_COMM_WORLD));
  same = n[0] == n0[0] && n[1] == n0[1] && n[2] == n0[2];
  for (int k = 0; k < 3 && same; k++) {
    const VfeGroup *g = k == 0 ? info->regions : k == 1 ? info->surfaces : info->points;
    VfeGroup *g0;
    PetscCall(PetscMalloc1(n[k] + 1, &g0));
    PetscCall(PetscArraycpy(g0, g, n[k]));
    PetscCallMPI(MPI_Bcast(g0, (int)(n[k] * sizeof(VfeGroup)), MPI_BYTE, 0, PETSC_COMM_WORLD));
    for (PetscInt i = 0; i < n[k]; i++)
      same = same && !strcmp(g[i].name, g0[i].name) && g[i].tag == g0[i].tag && g[i].dim == g0[i].dim &&
             g[i].xyz[0] == g0[i].xyz[0] && g[i].xyz[1] == g0[i].xyz[1] && g[i].xyz[2] == g0[i].xyz[2];
    PetscCall(PetscFree(g0));
  }
  PetscCallMPI(MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD));
  Check((PetscBool)all, "group tables identical on every rank", all, 1, 0);
  Check((PetscBool)(info->npoints == 18), "18 point groups on this rank", (double)info->npoints, 18, 0);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  VfeSegmentReport r;
  VfeMeshInfo info;
  DM dm;
  PetscReal gap = 0.5, tip = 1.5;
  const char *need[] = {"L1.posterior", "L2.posterior", "L1.facet_inf", "L2.facet_sup", "L1.cortical", "L2.cancellous"};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  {
    char file[PETSC_MAX_PATH_LEN];
    PetscBool load = PETSC_FALSE;
    PetscCall(PetscOptionsGetString(NULL, NULL, "-test_load", file, sizeof file, &load));
    if (load) {
      PetscCall(VfeMeshLoad(PETSC_COMM_WORLD, file, &dm, &info));
      PetscCall(CheckSameOnRanks(&info));
      PetscCall(VfeMeshInfoDestroy(&info));
      PetscCall(DMDestroy(&dm));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", failures ? "FAILED" : "PASSED"));
      PetscCall(PetscFinalize());
      return failures ? 1 : 0;
    }
  }
  PetscCall(PetscOptionsInsertString(NULL, "-segment_levels L1-L2 -segment_posterior_elements true -mesh_size_mm 5 "
                                           "-cement_pattern none"));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-segment_facet_gap_mm", &gap, NULL));
  PetscCall(VfeSegmentMesh(PETSC_COMM_WORLD, "test_segment_posterior.msh", &r));
  PetscCall(VfeSegmentReportView(r, PETSC_VIEWER_STDOUT_WORLD));
  for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
    Check((PetscBool)(Region(r, need[i]) > 0), need[i], Region(r, need[i]), 0, 0);
  Check((PetscBool)(Region(r, "L1.facet_sup") < 0 && Region(r, "L2.facet_inf") < 0),
        "no cartilage without a partner (L1 sup, L2 inf)", 0, 0, 0);
  Check((PetscBool)(r->quality_min > 0.01), "minimum quality", r->quality_min, 0.01, 0);
  PetscCall(VfeSegmentReportDestroy(&r));

  PetscCall(VfeMeshLoad(PETSC_COMM_WORLD, "test_segment_posterior.msh", &dm, &info));
  PetscCall(CheckConnections(dm, &info));
  PetscCall(CheckFacets(dm, &info, gap));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-segment_facet_tip_gap_mm", &tip, NULL));
  PetscCall(CheckTips(dm, &info, tip));
  PetscCall(CheckPoints(dm, &info));
  Check(
      (PetscBool)(VfeMeshInfoFindSurface(&info, "load_top") >= 0 && VfeMeshInfoFindSurface(&info, "fixed_bottom") >= 0),
      "load_top and fixed_bottom still there", (double)info.nsurfaces, 6, 0);
  PetscCall(VfeMeshInfoDestroy(&info));
  PetscCall(DMDestroy(&dm));

  /* 4. no point groups: npoints 0 */
  PetscCall(PetscOptionsSetValue(NULL, "-segment_posterior_elements", "false"));
  PetscCall(VfeSegmentMesh(PETSC_COMM_WORLD, "test_segment_posterior_off.msh", &r));
  PetscCall(VfeSegmentReportDestroy(&r));
  PetscCall(VfeMeshLoad(PETSC_COMM_WORLD, "test_segment_posterior_off.msh", &dm, &info));
  Check((PetscBool)(info.npoints == 0 && info.nsurfaces == 2), "posterior off: no point groups, 2 boundaries",
        (double)info.npoints, 0, 0);
  PetscCall(VfeMeshInfoDestroy(&info));
  PetscCall(DMDestroy(&dm));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", failures ? "FAILED" : "PASSED"));
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
