/*
 * plexio.c - MSH file -> checked, distributed DMPlex with region and boundary labels.
 *
 * First rank 0 checks the file's structure (VfeMshCheck, mesh/mshcheck.c): PETSc's reader trusts
 * counts and tags and crashes on a corrupted file, so it only ever sees files that passed.
 * PETSc's Gmsh reader (DMPlexCreateGmshFromFile, with -dm_plex_gmsh_use_regions) reads the file on
 * rank 0 and makes one label per physical name, whose value is the physical tag.  PETSc 3.18 labels the
 * vertex of a point group (dim 0) only with -dm_plex_gmsh_mark_vertices, which also adds every labelled
 * cell's and face's vertices to its label; so that option is on only for files with point groups (the check
 * counts them), and a group's dimension is the largest depth among its points.  On rank 0 we then
 *   1. list the physical groups (label name, tag, dimension of its points; a point group's coordinates),
 *   2. check the mesh: 3-D, tetrahedra only, no inverted or degenerate cell (det J <= 0 at the
 *      affine map), every cell in exactly one volume group,
 *   3. write the region index of every cell into label "vfe_region" and the boundary index of
 *      every face of a surface group into "vfe_boundary",
 * broadcast the group table, and distribute with DMPlexDistribute (labels travel with the cells).
 * Errors found on rank 0 are broadcast so every rank fails with the same code and message.
 */
#include "vfemesh.h"
#include <stdio.h>
#include <string.h>

static const char *vfe_std_labels[] = {"depth",       "celltype", "Cell Sets",  "Face Sets",   "Edge Sets",
                                       "Vertex Sets", "marker",   "vfe_region", "vfe_boundary"};

static PetscBool VfeIsStdLabel(const char *name)
{
  for (size_t i = 0; i < sizeof vfe_std_labels / sizeof vfe_std_labels[0]; ++i)
    if (!strcmp(name, vfe_std_labels[i])) return PETSC_TRUE;
  return PETSC_FALSE;
}

static int VfeGroupCompare(const void *a, const void *b)
{
  const VfeGroup *ga = (const VfeGroup *)a, *gb = (const VfeGroup *)b;
  return (ga->tag > gb->tag) - (ga->tag < gb->tag);
}

/* Points of a physical group (its named label's stratum); release with VfeGroupPointsRestore. */
static PetscErrorCode VfeGroupPoints(DM dm, const VfeGroup *g, IS *is, PetscInt *np, const PetscInt **p)
{
  DMLabel label;

  PetscFunctionBeginUser;
  PetscCall(DMGetLabel(dm, g->name, &label));
  PetscCall(DMLabelGetStratumIS(label, g->tag, is));
  PetscCall(ISGetLocalSize(*is, np));
  PetscCall(ISGetIndices(*is, p));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeGroupPointsRestore(IS *is, const PetscInt **p)
{
  PetscFunctionBeginUser;
  PetscCall(ISRestoreIndices(*is, p));
  PetscCall(ISDestroy(is));
  PetscFunctionReturn(0);
}

/* Coordinates of vertex v of the serial mesh. */
static PetscErrorCode VfeVertexCoordinates(DM dm, PetscInt v, PetscReal xyz[3])
{
  PetscSection cs;
  Vec coords;
  const PetscScalar *a;
  PetscInt off, dof;

  PetscFunctionBeginUser;
  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(DMGetCoordinatesLocal(dm, &coords));
  PetscCall(PetscSectionGetDof(cs, v, &dof));
  PetscCall(PetscSectionGetOffset(cs, v, &off));
  PetscCheck(dof == 3, PETSC_COMM_SELF, PETSC_ERR_PLIB, "vertex %" PetscInt_FMT " has %" PetscInt_FMT " coordinates", v,
             dof);
  PetscCall(VecGetArrayRead(coords, &a));
  for (int k = 0; k < 3; k++) xyz[k] = PetscRealPart(a[off + k]);
  PetscCall(VecRestoreArrayRead(coords, &a));
  PetscFunctionReturn(0);
}

/* Rank-0 work on the serial mesh: list groups, check cells, write vfe_region / vfe_boundary.
 * Errors are returned with a message, never collective. */
static PetscErrorCode VfeMeshSerialSetUp(DM dm, const char *path, VfeMeshInfo *info)
{
  PetscInt nlabels, dim, cStart, cEnd, fStart, fEnd, nbad = 0, firstbad = -1, nnone = 0, nmulti = 0;
  DMLabel region, boundary;
  PetscInt *cellreg;

  PetscFunctionBeginUser;
  PetscCall(DMGetDimension(dm, &dim));
  PetscCheck(dim == 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh file '%s' is %" PetscInt_FMT "-D: vfe needs a 3-D tetrahedral mesh", path, dim);
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 1, &fStart, &fEnd));
  PetscCheck(cEnd > cStart, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "mesh file '%s' has no volume elements", path);

  /* physical groups */
  PetscCall(DMGetNumLabels(dm, &nlabels));
  PetscCall(PetscCalloc3(nlabels, &info->regions, nlabels, &info->surfaces, nlabels, &info->points));
  info->nregions = info->nsurfaces = info->npoints = 0;
  for (PetscInt l = 0; l < nlabels; ++l) {
    const char *name;
    DMLabel label;
    IS vals, pts;
    PetscInt nv, np, p0, depth;
    const PetscInt *v, *p;

    PetscCall(DMGetLabelName(dm, l, &name));
    if (VfeIsStdLabel(name)) continue;
    PetscCall(DMGetLabel(dm, name, &label));
    PetscCall(DMLabelGetValueIS(label, &vals));
    PetscCall(ISGetLocalSize(vals, &nv));
    PetscCheck(nv == 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "mesh file '%s': physical name '%s' is used by %" PetscInt_FMT " groups", path, name, nv);
    PetscCall(ISGetIndices(vals, &v));
    PetscCall(DMLabelGetStratumIS(label, v[0], &pts));
    PetscCall(ISGetLocalSize(pts, &np));
    if (np > 0) {
      PetscCall(ISGetIndices(pts, &p));
      depth = -1, p0 = p[0];
      for (PetscInt i = 0; i < np; ++i) { /* the group's own dimension (mark_vertices adds vertices to all) */
        PetscInt d;
        PetscCall(DMPlexGetPointDepth(dm, p[i], &d));
        if (d > depth) depth = d, p0 = p[i];
      }
      PetscCall(ISRestoreIndices(pts, &p));
      if (depth == 3 || depth == 2) {
        VfeGroup *g = depth == 3 ? &info->regions[info->nregions++] : &info->surfaces[info->nsurfaces++];
        PetscCall(PetscStrncpy(g->name, name, sizeof g->name));
        g->tag = v[0];
        g->dim = depth;
      } else if (depth == 0) {
        VfeGroup *g = &info->points[info->npoints++];
        PetscCall(PetscStrncpy(g->name, name, sizeof g->name));
        g->tag = v[0];
        g->dim = 0;
        PetscCall(VfeVertexCoordinates(dm, p0, g->xyz));
      }
    }
    PetscCall(ISDestroy(&pts));
    PetscCall(ISRestoreIndices(vals, &v));
    PetscCall(ISDestroy(&vals));
  }
  PetscCheck(info->nregions > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh file '%s' has no named volume physical group: vfe needs one per region", path);
  qsort(info->regions, (size_t)info->nregions, sizeof(VfeGroup), VfeGroupCompare);
  qsort(info->surfaces, (size_t)info->nsurfaces, sizeof(VfeGroup), VfeGroupCompare);
  qsort(info->points, (size_t)info->npoints, sizeof(VfeGroup), VfeGroupCompare);

  /* cells: tetrahedra, positive volume, exactly one region */
  PetscCall(PetscMalloc1(cEnd - cStart, &cellreg));
  for (PetscInt c = cStart; c < cEnd; ++c) cellreg[c - cStart] = -1;
  for (PetscInt c = cStart; c < cEnd; ++c) {
    DMPolytopeType ct;
    PetscReal v0[3], J[9], invJ[9], detJ;

    PetscCall(DMPlexGetCellType(dm, c, &ct));
    PetscCheck(ct == DM_POLYTOPE_TETRAHEDRON, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "mesh file '%s': cell %" PetscInt_FMT " is a %s; vfe meshes are tetrahedral", path, c,
               DMPolytopeTypes[ct]);
    PetscCall(DMPlexComputeCellGeometryAffineFEM(dm, c, v0, J, invJ, &detJ));
    if (!(detJ > 0)) {
      if (firstbad < 0) firstbad = c;
      ++nbad;
    }
  }
  PetscCheck(nbad == 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh file '%s' has %" PetscInt_FMT
             " inverted or degenerate tetrahedra (det J <= 0; first: element %" PetscInt_FMT ")",
             path, nbad, firstbad + 1);
  PetscCall(DMCreateLabel(dm, "vfe_region"));
  PetscCall(DMGetLabel(dm, "vfe_region", &region));
  for (PetscInt r = 0; r < info->nregions; ++r) {
    IS pts;
    PetscInt np;
    const PetscInt *p;

    PetscCall(VfeGroupPoints(dm, &info->regions[r], &pts, &np, &p));
    for (PetscInt i = 0; i < np; ++i) {
      if (p[i] < cStart || p[i] >= cEnd) continue;
      if (cellreg[p[i] - cStart] >= 0) ++nmulti;
      cellreg[p[i] - cStart] = r;
    }
    PetscCall(VfeGroupPointsRestore(&pts, &p));
  }
  for (PetscInt c = cStart; c < cEnd; ++c) {
    if (cellreg[c - cStart] < 0)
      ++nnone;
    else
      PetscCall(DMLabelSetValue(region, c, cellreg[c - cStart]));
  }
  PetscCall(PetscFree(cellreg));
  PetscCheck(nnone == 0 && nmulti == 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh file '%s': %" PetscInt_FMT " tetrahedra belong to no volume group and %" PetscInt_FMT
             " to more than one; every tetrahedron must be in exactly one region",
             path, nnone, nmulti);

  PetscCall(DMCreateLabel(dm, "vfe_boundary"));
  PetscCall(DMGetLabel(dm, "vfe_boundary", &boundary));
  for (PetscInt s = 0; s < info->nsurfaces; ++s) {
    IS pts;
    PetscInt np;
    const PetscInt *p;

    PetscCall(VfeGroupPoints(dm, &info->surfaces[s], &pts, &np, &p));
    for (PetscInt i = 0; i < np; ++i)
      if (p[i] >= fStart && p[i] < fEnd) PetscCall(DMLabelSetValue(boundary, p[i], s));
    PetscCall(VfeGroupPointsRestore(&pts, &p));
  }
  PetscFunctionReturn(0);
}

/* Collective: raise rank 0's error `err` (0: none) on every rank, with its message on rank 0. */
static PetscErrorCode VfeMeshRaiseRank0(MPI_Comm comm, PetscMPIInt rank, int err)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  if (err) {
    const char *text;
    char *msg = NULL;

    PetscCall(PetscErrorMessage(err, &text, &msg));
    if (rank == 0) SETERRQ(PETSC_COMM_SELF, err, "%s", msg ? msg : text);
    SETERRQ(PETSC_COMM_SELF, err, "mesh check failed on rank 0 (see its message)");
  }
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMeshLoad(MPI_Comm comm, const char *path, DM *dm, VfeMeshInfo *info)
{
  PetscMPIInt rank;
  int err   = 0;
  DM serial = NULL, dist = NULL;
  PetscInt npn = 0;
  PetscInt n[3];

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(info, sizeof *info));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck(path && path[0], comm, PETSC_ERR_USER_INPUT, "mesh_file is empty: give the path of an MSH file");
  PetscCheck(strlen(path) < PETSC_MAX_PATH_LEN - 1, comm, PETSC_ERR_USER_INPUT,
             "mesh file '%.64s...' has a path of %d characters (allowed < %d)", path, (int)strlen(path),
             PETSC_MAX_PATH_LEN - 1);
  /* rank 0 checks the file's structure before PETSc's reader trusts its counts and tags */
  if (rank == 0) {
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    err = VfeMshCheckPointNames(path, &npn);
    PetscCall(PetscPopErrorHandler());
  }
  PetscCall(VfeMeshRaiseRank0(comm, rank, err));
  PetscCallMPI(MPI_Bcast(&npn, 1, MPIU_INT, 0, comm));
  PetscCall(PetscOptionsSetValue(NULL, "-dm_plex_gmsh_mark_vertices", npn > 0 ? "true" : "false"));

  PetscCall(PetscOptionsSetValue(NULL, "-dm_plex_gmsh_use_regions", "true"));
  /* vfe's tetrahedra are straight-sided (P2 edge nodes at the midpoints, solver/space.c): a file with
     second-order (10-node) tetrahedra is read by its vertices, not as a curved coordinate field */
  PetscCall(PetscOptionsSetValue(NULL, "-dm_plex_gmsh_highorder", "false"));
  PetscCall(DMPlexCreateGmshFromFile(comm, path, PETSC_TRUE, &serial));
  if (rank == 0) {
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    err = VfeMeshSerialSetUp(serial, path, info);
    PetscCall(PetscPopErrorHandler());
  } else {
    PetscCall(DMCreateLabel(serial, "vfe_region"));
    PetscCall(DMCreateLabel(serial, "vfe_boundary"));
  }
  if (err) PetscCall(DMDestroy(&serial));
  PetscCall(VfeMeshRaiseRank0(comm, rank, err));
  n[0] = info->nregions;
  n[1] = info->nsurfaces;
  n[2] = info->npoints;
  PetscCallMPI(MPI_Bcast(n, 3, MPIU_INT, 0, comm));
  if (rank) {
    info->nregions  = n[0];
    info->nsurfaces = n[1];
    info->npoints   = n[2];
    PetscCall(PetscCalloc3(n[0] + 1, &info->regions, n[1] + 1, &info->surfaces, n[2] + 1, &info->points));
  }
  PetscCallMPI(MPI_Bcast(info->regions, (int)(n[0] * sizeof(VfeGroup)), MPI_BYTE, 0, comm));
  PetscCallMPI(MPI_Bcast(info->surfaces, (int)(n[1] * sizeof(VfeGroup)), MPI_BYTE, 0, comm));
  PetscCallMPI(MPI_Bcast(info->points, (int)(n[2] * sizeof(VfeGroup)), MPI_BYTE, 0, comm));

  PetscCall(DMPlexDistribute(serial, 0, NULL, &dist));
  if (dist) {
    PetscCall(DMDestroy(&serial));
    *dm = dist;
  } else
    *dm = serial;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMeshInfoDestroy(VfeMeshInfo *info)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(info->regions, info->surfaces, info->points));
  info->nregions = info->nsurfaces = info->npoints = 0;
  PetscFunctionReturn(0);
}

PetscInt VfeMeshInfoFindRegion(const VfeMeshInfo *info, const char *name)
{
  for (PetscInt r = 0; r < info->nregions; ++r)
    if (!strcmp(info->regions[r].name, name)) return r;
  return -1;
}

PetscInt VfeMeshInfoFindSurface(const VfeMeshInfo *info, const char *name)
{
  for (PetscInt s = 0; s < info->nsurfaces; ++s)
    if (!strcmp(info->surfaces[s].name, name)) return s;
  return -1;
}

PetscInt VfeMeshInfoFindPoint(const VfeMeshInfo *info, const char *name)
{
  for (PetscInt s = 0; s < info->npoints; ++s)
    if (!strcmp(info->points[s].name, name)) return s;
  return -1;
}
