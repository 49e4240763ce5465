/*
 * plexio.c - MSH file -> checked, distributed DMPlex with region and boundary labels.
 *
 * First rank 0 checks the file's structure (VfeMshCheck, mesh/mshcheck.c): PETSc's reader trusts
 * counts and tags and crashes on a corrupted file, so it only ever sees files that passed.
 * The check also keeps the physical names and the corner coordinates of the surface triangles.
 * PETSc's Gmsh reader (DMPlexCreateGmshFromFile, with -dm_plex_gmsh_use_regions) then reads the file on
 * rank 0 uninterpolated (cells and vertices only) and makes one label per physical name, whose value is
 * the physical tag.  PETSc 3.18 labels the vertex of a point group (dim 0) only with
 * -dm_plex_gmsh_mark_vertices, which also adds every labelled cell's and face's vertices to its label; so
 * that option is on only for files with point groups.  On rank 0 we then
 *   1. list the physical groups by the dimension of their name: volume groups with cells, surface groups
 *      with triangles, point groups with their vertex's coordinates,
 *   2. check the mesh: 3-D, tetrahedra only, no inverted or degenerate cell (det J <= 0 at the
 *      affine map), every cell in exactly one volume group,
 *   3. write the region index of every cell into label "vfe_region",
 * broadcast the group table and distribute the cells with DMPlexDistribute (labels travel with them).
 * Only then is the mesh interpolated, every rank building the faces and edges of its own part
 * (VfeMeshInterpolate, mesh/interp.c): interpolating the whole mesh serially on rank 0 was most of the load
 * time (docs/performance.md).  VfeMeshInterpolate builds the same interpolated DMPlex as DMPlexInterpolate from
 * sorted face and edge lists instead of PETSc 3.18's hash tables (0.56 s against 7.8 s for 543,743 tetrahedra
 * on one process), and on more extends the point SF and orients the shared faces and edges as PETSc does.  Last,
 * every rank labels in "vfe_boundary" the faces that are surface triangles of the file, found by their corner
 * vertices (VfeMeshLabelFaces).
 * Errors found on rank 0 are broadcast so every rank fails with the same code and message.
 */
#include "vfemesh.h"
#include <petscbt.h>
#include <petscsf.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Rank-0 work on the serial, uninterpolated mesh (cells and vertices only): list the groups from the
 * file's physical names (volume groups with cells, surface groups with triangles, point groups with a
 * vertex), check the cells, write vfe_region.  Errors are returned with a message, never collective. */
static PetscErrorCode VfeMeshSerialSetUp(DM dm, const char *path, const VfeMshContents *mc, VfeMeshInfo *info)
{
  PetscInt dim, cStart, cEnd, vStart, vEnd, nbad = 0, firstbad = -1, nnone = 0, nmulti = 0;
  DMLabel region;
  PetscInt *cellreg;

  PetscFunctionBeginUser;
  PetscCall(DMGetDimension(dm, &dim));
  PetscCheck(dim == 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh file '%s' is %" PetscInt_FMT "-D: vfe needs a 3-D tetrahedral mesh", path, dim);
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCheck(cEnd > cStart, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "mesh file '%s' has no volume elements", path);

  /* physical groups, by the dimension their name has in the file */
  PetscCall(
      PetscCalloc3(mc->nnames + 1, &info->regions, mc->nnames + 1, &info->surfaces, mc->nnames + 1, &info->points));
  info->nregions = info->nsurfaces = info->npoints = 0;
  for (PetscInt l = 0; l < mc->nnames; ++l) {
    const VfeGroup *n = &mc->names[l];
    DMLabel label;
    IS pts;
    PetscInt np, ncells = 0, p0 = -1;
    const PetscInt *p;

    for (PetscInt k = 0; k < l; ++k)
      PetscCheck(strcmp(mc->names[k].name, n->name), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "mesh file '%s': physical name '%s' is used by more than one group", path, n->name);
    PetscCheck(!VfeIsStdLabel(n->name), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "mesh file '%s': physical name '%s' is reserved", path, n->name);
    if (n->dim == 2) {
      for (PetscInt t = 0; t < mc->ntri; ++t)
        if (mc->tri_tag[t] == n->tag) {
          VfeGroup *g = &info->surfaces[info->nsurfaces++];
          *g          = *n;
          break;
        }
      continue;
    }
    if (n->dim != 3 && n->dim != 0) continue;
    PetscCall(DMGetLabel(dm, n->name, &label));
    if (!label) continue; /* no element of the group (the label's one value is the name's tag: names are unique) */
    PetscCall(DMLabelGetStratumIS(label, n->tag, &pts));
    if (!pts) continue;
    PetscCall(ISGetLocalSize(pts, &np));
    PetscCall(ISGetIndices(pts, &p));
    for (PetscInt i = 0; i < np; ++i) {
      if (p[i] >= cStart && p[i] < cEnd) ++ncells;
      if (p0 < 0 && p[i] >= vStart && p[i] < vEnd) p0 = p[i];
    }
    PetscCall(ISRestoreIndices(pts, &p));
    PetscCall(ISDestroy(&pts));
    if (n->dim == 3 && ncells > 0) info->regions[info->nregions++] = *n;
    if (n->dim == 0 && p0 >= 0) {
      VfeGroup *g = &info->points[info->npoints++];
      *g          = *n;
      PetscCall(VfeVertexCoordinates(dm, p0, g->xyz));
    }
  }
  PetscCheck(info->nregions > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh file '%s' has no named volume physical group: vfe needs one per region", path);
  qsort(info->regions, (size_t)info->nregions, sizeof(VfeGroup), VfeGroupCompare);
  qsort(info->surfaces, (size_t)info->nsurfaces, sizeof(VfeGroup), VfeGroupCompare);
  qsort(info->points, (size_t)info->npoints, sizeof(VfeGroup), VfeGroupCompare);

  /* cells: tetrahedra, positive volume (det J of the affine map, from the four vertices of the
     uninterpolated cell), exactly one region */
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
  PetscFunctionReturn(0);
}

/* Vertices of the local mesh sorted by their coordinates, to find a file node's vertex exactly (the
 * coordinates are the file's own doubles on every rank: the reader and DMPlexDistribute copy them). */
typedef struct {
  PetscReal x[3];
  PetscInt v;
} VfeVertexKey;

static int VfeVertexKeyCompare(const void *a, const void *b)
{
  const PetscReal *x = ((const VfeVertexKey *)a)->x, *y = ((const VfeVertexKey *)b)->x;
  for (int k = 0; k < 3; ++k)
    if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
  return 0;
}

/* [*lo, *hi) of the keys at exactly x (empty when the vertex is not on this rank). */
static void VfeVertexFind(const VfeVertexKey *keys, PetscInt n, const PetscReal x[3], PetscInt *lo, PetscInt *hi)
{
  VfeVertexKey key;
  PetscInt a = 0, b = n;

  for (int k = 0; k < 3; ++k) key.x[k] = x[k];
  while (a < b) { /* first key >= x */
    PetscInt m = a + (b - a) / 2;
    if (VfeVertexKeyCompare(&keys[m], &key) < 0)
      a = m + 1;
    else
      b = m;
  }
  *lo = *hi = a;
  while (*hi < n && !VfeVertexKeyCompare(&keys[*hi], &key)) ++*hi;
}

/* Collective, on the interpolated (distributed) mesh: label every face that is a surface triangle of the
 * file with its boundary index in "vfe_boundary".  Rank 0's triangles are broadcast; each rank finds the
 * face of the three corner vertices it has (DMPlexGetFullJoin); every triangle must be a face of the
 * tetrahedra, found by the rank that owns the face. */
static PetscErrorCode VfeMeshLabelFaces(DM dm, const char *path, const VfeMshContents *mc, const VfeMeshInfo *info)
{
  MPI_Comm comm;
  PetscMPIInt rank;
  PetscInt ntri  = 0, vStart, vEnd, fStart, fEnd, nleaves, nkeys, nmissing;
  PetscReal *xyz = NULL;
  PetscInt *sidx = NULL;
  char *found, *allfound;
  VfeVertexKey *keys;
  Vec coords;
  PetscSection cs;
  PetscSF sf;
  const PetscInt *leaves;
  const PetscScalar *a;
  PetscBT shared;
  DMLabel boundary;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectGetComm((PetscObject)dm, &comm));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) { /* the triangles of the surface groups, with their group index */
    PetscCall(PetscMalloc2(9 * mc->ntri + 1, &xyz, mc->ntri + 1, &sidx));
    for (PetscInt t = 0; t < mc->ntri; ++t) {
      PetscInt s = -1;
      for (PetscInt k = 0; k < info->nsurfaces; ++k)
        if (info->surfaces[k].tag == mc->tri_tag[t]) s = k;
      if (s < 0) continue;
      for (int k = 0; k < 9; ++k) xyz[9 * ntri + k] = mc->tri_xyz[9 * t + k];
      sidx[ntri++] = s;
    }
  }
  PetscCallMPI(MPI_Bcast(&ntri, 1, MPIU_INT, 0, comm));
  if (rank) PetscCall(PetscMalloc2(9 * ntri + 1, &xyz, ntri + 1, &sidx));
  PetscCallMPI(MPI_Bcast(xyz, (PetscMPIInt)(9 * ntri), MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(sidx, (PetscMPIInt)ntri, MPIU_INT, 0, comm));

  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 1, &fStart, &fEnd));
  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(DMGetCoordinatesLocal(dm, &coords));
  PetscCall(VecGetArrayRead(coords, &a));
  nkeys = vEnd - vStart;
  PetscCall(PetscMalloc1(nkeys + 1, &keys));
  for (PetscInt v = vStart; v < vEnd; ++v) {
    PetscInt off;
    PetscCall(PetscSectionGetOffset(cs, v, &off));
    for (int k = 0; k < 3; ++k) keys[v - vStart].x[k] = PetscRealPart(a[off + k]);
    keys[v - vStart].v = v;
  }
  PetscCall(VecRestoreArrayRead(coords, &a));
  qsort(keys, (size_t)nkeys, sizeof *keys, VfeVertexKeyCompare);

  /* faces this rank does not own (leaves of the point SF) */
  PetscCall(DMGetPointSF(dm, &sf));
  PetscCall(PetscSFGetGraph(sf, NULL, &nleaves, &leaves, NULL));
  PetscCall(PetscBTCreate(fEnd - fStart, &shared));
  for (PetscInt i = 0; i < nleaves && nleaves > 0; ++i) {
    PetscInt p = leaves ? leaves[i] : i;
    if (p >= fStart && p < fEnd) PetscCall(PetscBTSet(shared, p - fStart));
  }

  PetscCall(DMCreateLabel(dm, "vfe_boundary"));
  PetscCall(DMGetLabel(dm, "vfe_boundary", &boundary));
  PetscCall(PetscCalloc2(ntri + 1, &found, ntri + 1, &allfound));
  for (PetscInt t = 0; t < ntri; ++t) {
    PetscInt lo[3], hi[3], face = -1;

    for (int k = 0; k < 3; ++k) VfeVertexFind(keys, nkeys, &xyz[9 * t + 3 * k], &lo[k], &hi[k]);
    for (PetscInt i = lo[0]; i < hi[0] && face < 0; ++i) /* (more than one vertex at a place: try each) */
      for (PetscInt j = lo[1]; j < hi[1] && face < 0; ++j)
        for (PetscInt k = lo[2]; k < hi[2] && face < 0; ++k) {
          PetscInt pts[3] = {keys[i].v, keys[j].v, keys[k].v}, njoin;
          const PetscInt *join;

          PetscCall(DMPlexGetFullJoin(dm, 3, pts, &njoin, &join));
          if (njoin == 1 && join[0] >= fStart && join[0] < fEnd) face = join[0];
          PetscCall(DMPlexRestoreJoin(dm, 3, pts, &njoin, &join));
        }
    if (face < 0) continue;
    PetscCall(DMLabelSetValue(boundary, face, sidx[t]));
    if (!PetscBTLookup(shared, face - fStart)) found[t] = 1;
  }
  PetscCallMPI(MPI_Allreduce(found, allfound, (PetscMPIInt)ntri, MPI_CHAR, MPI_MAX, comm));
  nmissing = 0;
  for (PetscInt t = 0; t < ntri; ++t)
    if (!allfound[t]) ++nmissing;
  if (nmissing) {
    PetscInt t = 0;
    while (allfound[t]) ++t;
    SETERRQ(comm, PETSC_ERR_USER_INPUT,
            "mesh file '%s': %" PetscInt_FMT " of its surface triangles are not faces of its tetrahedra (first: in "
            "'%s', with a corner at %g %g %g)",
            path, nmissing, info->surfaces[sidx[t]].name, (double)xyz[9 * t], (double)xyz[9 * t + 1],
            (double)xyz[9 * t + 2]);
  }
  PetscCall(PetscFree2(found, allfound));
  PetscCall(PetscBTDestroy(&shared));
  PetscCall(PetscFree(keys));
  PetscCall(PetscFree2(xyz, sidx));
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

/* Face key of a tetrahedron's face (its three vertices, sorted) and the cell it belongs to. */
typedef struct {
  PetscInt v[3], cell;
} VfeFaceKey;

static int VfeFaceKeyCompare(const void *a, const void *b)
{
  const VfeFaceKey *x = (const VfeFaceKey *)a, *y = (const VfeFaceKey *)b;
  for (int k = 0; k < 3; ++k)
    if (x->v[k] != y->v[k]) return x->v[k] < y->v[k] ? -1 : 1;
  return (x->cell > y->cell) - (x->cell < y->cell);
}

/* Collective, on the serial uninterpolated mesh (all cells on rank 0): partition the cells with PETSc's
 * partitioner (PTScotch; -petscpartitioner_type) on their face-adjacency graph, and hand the result to
 * DMPlexDistribute through the DM's partitioner (type shell).  PETSc 3.18 builds that graph for an
 * uninterpolated mesh with DMPlexCreateNeighborCSR, which took 21 s for 544k tetrahedra; here it comes
 * from sorting the cells' faces by their vertices (0.3 s). */
static PetscErrorCode VfeMeshSetPartition(DM dm)
{
  MPI_Comm comm;
  PetscMPIInt size;
  PetscInt cStart, cEnd, nc = 0, *start, *adj = NULL, *sizes, nadj = 0;
  VfeFaceKey *keys = NULL;
  PetscPartitioner part, shell;
  PetscSection ps;
  IS is;
  const PetscInt *pts;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectGetComm((PetscObject)dm, &comm));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(0);
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  nc = cEnd - cStart;
  PetscCall(PetscCalloc1(nc + 1, &start));
  if (nc > 0) {
    PetscCall(PetscMalloc1(4 * nc, &keys));
    for (PetscInt c = cStart; c < cEnd; ++c) {
      const PetscInt *cone;
      PetscInt n;

      PetscCall(DMPlexGetConeSize(dm, c, &n));
      PetscCheck(n == 4, PETSC_COMM_SELF, PETSC_ERR_PLIB, "cell %" PetscInt_FMT " has %" PetscInt_FMT " vertices", c,
                 n);
      PetscCall(DMPlexGetCone(dm, c, &cone));
      for (int f = 0; f < 4; ++f) {
        VfeFaceKey *k = &keys[4 * (c - cStart) + f];
        PetscInt m    = 0;
        for (int j = 0; j < 4; ++j)
          if (j != f) k->v[m++] = cone[j];
        PetscCall(PetscSortInt(3, k->v));
        k->cell = c - cStart;
      }
    }
    qsort(keys, (size_t)(4 * nc), sizeof *keys, VfeFaceKeyCompare);
    for (PetscInt i = 0; i + 1 < 4 * nc; ++i) /* degrees: a shared face joins two cells */
      if (!memcmp(keys[i].v, keys[i + 1].v, sizeof keys[i].v)) ++start[keys[i].cell + 1], ++start[keys[i + 1].cell + 1];
    for (PetscInt c = 0; c < nc; ++c) start[c + 1] += start[c];
    nadj = start[nc];
    PetscCall(PetscMalloc1(nadj + 1, &adj));
    {
      PetscInt *fill;
      PetscCall(PetscMalloc1(nc, &fill));
      for (PetscInt c = 0; c < nc; ++c) fill[c] = start[c];
      for (PetscInt i = 0; i + 1 < 4 * nc; ++i)
        if (!memcmp(keys[i].v, keys[i + 1].v, sizeof keys[i].v)) {
          adj[fill[keys[i].cell]++]     = keys[i + 1].cell;
          adj[fill[keys[i + 1].cell]++] = keys[i].cell;
        }
      PetscCall(PetscFree(fill));
    }
    PetscCall(PetscFree(keys));
  }
  /* PT-Scotch 7 partitions with threads, and the partition then changes from run to run (and with it the
     Krylov iterations and the last digits of every answer on more than one rank); one thread makes it the
     same every run.  A user's own SCOTCH_PTHREAD_NUMBER is kept. */
  setenv("SCOTCH_PTHREAD_NUMBER", "1", 0);
  PetscCall(PetscPartitionerCreate(comm, &part));
  PetscCall(PetscPartitionerSetFromOptions(part));
  PetscCall(PetscSectionCreate(comm, &ps));
  PetscCall(PetscPartitionerPartition(part, size, nc, start, adj, NULL, NULL, ps, &is));
  PetscCall(PetscMalloc1(size, &sizes));
  for (PetscMPIInt p = 0; p < size; ++p) PetscCall(PetscSectionGetDof(ps, p, &sizes[p]));
  PetscCall(ISGetIndices(is, &pts));
  PetscCall(DMPlexGetPartitioner(dm, &shell));
  PetscCall(PetscPartitionerSetType(shell, PETSCPARTITIONERSHELL));
  PetscCall(PetscPartitionerShellSetPartition(shell, size, sizes, pts));
  PetscCall(ISRestoreIndices(is, &pts));
  PetscCall(ISDestroy(&is));
  PetscCall(PetscFree(sizes));
  PetscCall(PetscSectionDestroy(&ps));
  PetscCall(PetscPartitionerDestroy(&part));
  PetscCall(PetscFree(start));
  PetscCall(PetscFree(adj));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMeshLoad(MPI_Comm comm, const char *path, DM *dm, VfeMeshInfo *info)
{
  PetscMPIInt rank;
  int err   = 0;
  DM serial = NULL, dist = NULL, idm = NULL;
  PetscInt npn = 0;
  PetscInt n[3];
  VfeMshContents mc;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(info, sizeof *info));
  PetscCall(PetscMemzero(&mc, sizeof mc));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck(path && path[0], comm, PETSC_ERR_USER_INPUT, "mesh_file is empty: give the path of an MSH file");
  PetscCheck(strlen(path) < PETSC_MAX_PATH_LEN - 1, comm, PETSC_ERR_USER_INPUT,
             "mesh file '%.64s...' has a path of %d characters (allowed < %d)", path, (int)strlen(path),
             PETSC_MAX_PATH_LEN - 1);
  /* rank 0 checks the file's structure before PETSc's reader trusts its counts and tags, and keeps the
     physical names and the surface triangles */
  if (rank == 0) {
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    err = VfeMshRead(path, &mc);
    PetscCall(PetscPopErrorHandler());
    for (PetscInt l = 0; l < mc.nnames; ++l)
      if (mc.names[l].dim == 0) ++npn;
  }
  PetscCall(VfeMeshRaiseRank0(comm, rank, err));
  PetscCallMPI(MPI_Bcast(&npn, 1, MPIU_INT, 0, comm));
  PetscCall(PetscOptionsSetValue(NULL, "-dm_plex_gmsh_mark_vertices", npn > 0 ? "true" : "false"));

  PetscCall(PetscOptionsSetValue(NULL, "-dm_plex_gmsh_use_regions", "true"));
  /* vfe's tetrahedra are straight-sided (P2 edge nodes at the midpoints, solver/space.c): a file with
     second-order (10-node) tetrahedra is read by its vertices, not as a curved coordinate field */
  PetscCall(PetscOptionsSetValue(NULL, "-dm_plex_gmsh_highorder", "false"));
  /* cells and vertices only: rank 0 does not build the faces and edges of the whole mesh */
  PetscCall(DMPlexCreateGmshFromFile(comm, path, PETSC_FALSE, &serial));
  if (rank == 0) {
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    err = VfeMeshSerialSetUp(serial, path, &mc, info);
    PetscCall(PetscPopErrorHandler());
  } else
    PetscCall(DMCreateLabel(serial, "vfe_region"));
  if (err) {
    PetscCall(DMDestroy(&serial));
    PetscCall(VfeMshContentsDestroy(&mc));
  }
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

  /* distribute the cells, then let every rank build the faces and edges of its own part (vfe's
     VfeMeshInterpolate) */
  PetscCall(VfeMeshSetPartition(serial));
  PetscCall(DMPlexDistribute(serial, 0, NULL, &dist));
  if (dist)
    PetscCall(DMDestroy(&serial));
  else
    dist = serial;
  PetscCall(VfeMeshInterpolate(dist, &idm)); /* copies the coordinates and labels */
  PetscCall(DMDestroy(&dist));
  PetscCall(VfeMeshLabelFaces(idm, path, &mc, info));
  PetscCall(VfeMshContentsDestroy(&mc));
  *dm = idm;
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
