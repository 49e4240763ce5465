/*
 * interp.c - faces and edges of a tetrahedral cell-vertex DMPlex (VfeMeshInterpolate).
 *
 * PETSc 3.18's DMPlexInterpolate finds every face and edge through a hash table of vertex tuples and asks the
 * "celltype" label for the type of every point (a DMLabelGetValue each time); on one process that was 7.5 s of a
 * 10 s load for a 543,743-tetrahedron mesh.  Here the same DMPlex is built from sorted lists:
 *   1. every cell's 4 faces (the vertex triples of PETSc's tetrahedron faces, DMPlexGetRawFaces_Internal in
 *      plexinterpolate.c: {0,1,2}, {0,3,1}, {0,2,3}, {2,1,3}) are grouped by their sorted triple (a radix
 *      sort: one stable counting sort per vertex);
 *   2. faces are numbered in the order PETSc meets them (cell by cell, face by face): a face is new at the
 *      first (cell, face) slot of its group; the cone of a face is that slot's triple, and every cell's
 *      orientation of the face is the triangle arrangement (DMPolytopeTypeGetVertexArrangment) taking the
 *      face's cone to the cell's triple, as DMPolytopeGetVertexOrientation gives it;
 *   3. the same for the edges of the faces, taken face by face in face order ({0,1}, {1,2}, {2,0} of the
 *      face's cone), orientation 0 or -1.
 * The new DM keeps PETSc's layout: cells, then vertices (both with their numbers, so labels copy unchanged),
 * then faces, then edges, each in PETSc's order, with the same cones and cone orientations as DMPlexInterpolate
 * (tests/test_interp.c compares them point by point).  Cell types are set as four strata of the "celltype"
 * label, coordinates copied with DMPlexCopyCoordinates, labels with DMCopyLabels.
 *
 * On a distributed mesh every rank builds its own part this way, and then does what PETSc 3.18's
 * DMPlexInterpolate does on more than one process: the point SF is extended in PETSc's two steps (faces from the
 * shared vertices, on a DM of cells, vertices and faces whose cones are vertices, then edges on the full DAG;
 * DMPlexInterpolatePointSF both times), and DMPlexOrientInterface_Internal (exported, declared only in PETSc's
 * private headers) makes the shared faces' and edges' cones agree with their owners'.  Same points, cones,
 * orientations and point SF as DMPlexInterpolate on 2 and 4 ranks (unit_mesh_interp_mpi2, _mpi4).  Meshes with
 * overlap, ranks without cells or a point SF without a graph are left to DMPlexInterpolate (on all ranks).
 */
#include "vfemesh.h"
#include <petscsf.h>

/* PETSc 3.18 exports this (libpetsc_real.so) but declares it only in its private headers (petsc/private/dmpleximpl.h),
   which Debian's petsc-dev does not install.  DMPlexInterpolate calls it last on a distributed mesh: it reorders
   the cones of the shared faces and edges of every rank as on their owner, fixing the orientations to match. */
PETSC_EXTERN PetscErrorCode DMPlexOrientInterface_Internal(DM);

static PetscLogEvent VfeInterpEvent = -1;

/* PETSc 3.18's tetrahedron faces, as local vertex indices in its order (DMPlexGetRawFaces_Internal). */
static const int vfe_tet_faces[4][3] = {{0, 1, 2}, {0, 3, 1}, {0, 2, 3}, {2, 1, 3}};

typedef struct {
  PetscInt w[3], s; /* a slot's vertices, sorted (w[2] = 0 for edges), and the slot */
} VfeSlotKey;

/* Group n simplices of k (2 or 3) vertices each, given by the vertex indices v[k*s .. k*s+k-1] in 0..nv-1:
   rep[s] = the smallest slot with the same vertex set (rep[s] = s for the first one).  The slots' sorted vertex
   tuples are sorted by a least-significant-digit radix sort, one stable counting sort per vertex (largest
   first), so equal tuples end up together and in slot order. */
static PetscErrorCode VfeGroupSimplices(PetscInt n, PetscInt k, const PetscInt *v, PetscInt nv, PetscInt *rep)
{
  PetscInt *count;
  VfeSlotKey *keys, *tmp, *k0, *k1; /* k0, k1: the two arrays; keys, tmp: their roles, swapped each pass */

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nv + 1, &count));
  PetscCall(PetscMalloc2(n, &k0, n, &k1));
  keys = k0;
  tmp  = k1;
  for (PetscInt s = 0; s < n; ++s) {
    const PetscInt *w = &v[k * s];
    PetscInt a = w[0], b = w[1], c = k == 3 ? w[2] : 0, t;

    if (a > b) t = a, a = b, b = t;
    if (k == 3) {
      if (b > c) t = b, b = c, c = t;
      if (a > b) t = a, a = b, b = t;
    }
    PetscCheck(a >= 0 && (k == 3 ? c : b) < nv, PETSC_COMM_SELF, PETSC_ERR_PLIB, "vertex index out of range");
    keys[s].w[0] = a;
    keys[s].w[1] = b;
    keys[s].w[2] = c;
    keys[s].s    = s;
  }
  for (PetscInt d = k - 1; d >= 0; --d) {
    VfeSlotKey *x;

    PetscCall(PetscArrayzero(count, nv + 1));
    for (PetscInt i = 0; i < n; ++i) ++count[keys[i].w[d] + 1];
    for (PetscInt a = 0; a < nv; ++a) count[a + 1] += count[a];
    for (PetscInt i = 0; i < n; ++i) tmp[count[keys[i].w[d]]++] = keys[i];
    x = keys, keys = tmp, tmp = x;
  }
  for (PetscInt i = 0; i < n;) {
    PetscInt j = i + 1;

    while (j < n && keys[j].w[0] == keys[i].w[0] && keys[j].w[1] == keys[i].w[1] && keys[j].w[2] == keys[i].w[2]) ++j;
    for (PetscInt l = i; l < j; ++l) rep[keys[l].s] = keys[i].s; /* keys[i].s is the group's smallest slot */
    i = j;
  }
  PetscCall(PetscFree2(k0, k1));
  PetscCall(PetscFree(count));
  PetscFunctionReturn(0);
}

/* Number the groups in the order of their first slot: id[s] in 0..*count-1, first[g] = the first slot of group g. */
static PetscErrorCode VfeNumberGroups(PetscInt n, const PetscInt *rep, PetscInt *id, PetscInt *count, PetscInt **first)
{
  PetscInt m = 0;

  PetscFunctionBeginUser;
  for (PetscInt s = 0; s < n; ++s) id[s] = rep[s] == s ? m++ : id[rep[s]]; /* rep[s] <= s: already numbered */
  PetscCall(PetscMalloc1(m, first));
  for (PetscInt s = 0; s < n; ++s)
    if (rep[s] == s) (*first)[id[s]] = s;
  *count = m;
  PetscFunctionReturn(0);
}

/* The orientation o of PETSc's convention with target[i] == source[arr_o[i]] (DMPolytopeGetVertexOrientation). */
static inline PetscInt VfeTriangleOrientation(const PetscInt source[3], const PetscInt target[3])
{
  for (PetscInt o = -3; o < 3; ++o) {
    const PetscInt *arr = DMPolytopeTypeGetVertexArrangment(DM_POLYTOPE_TRIANGLE, o);
    if (target[0] == source[arr[0]] && target[1] == source[arr[1]] && target[2] == source[arr[2]]) return o;
  }
  return PETSC_MIN_INT;
}

static PetscErrorCode VfeSetStratum(DMLabel label, PetscInt value, PetscInt pStart, PetscInt pEnd)
{
  IS is;

  PetscFunctionBeginUser;
  if (pEnd <= pStart) PetscFunctionReturn(0);
  PetscCall(ISCreateStride(PETSC_COMM_SELF, pEnd - pStart, pStart, 1, &is));
  PetscCall(DMLabelSetStratumIS(label, value, is));
  PetscCall(ISDestroy(&is));
  PetscFunctionReturn(0);
}

/* Whether dm is what VfeMeshInterpolateLocal builds on: 3-D, cell-vertex, tetrahedra only (by cone size and,
   where the DM has one, by its "celltype" label), numbered cells first, then vertices. */
static PetscErrorCode VfeMeshIsPlainTets(DM dm, PetscBool *ok)
{
  DMLabel ctLabel;
  DMPlexInterpolatedFlag interpolated;
  PetscInt dim, pStart, pEnd, cStart, cEnd, vStart, vEnd;

  PetscFunctionBeginUser;
  *ok = PETSC_FALSE;
  PetscCall(DMGetDimension(dm, &dim));
  PetscCall(DMPlexIsInterpolated(dm, &interpolated));
  if (dim != 3 || interpolated != DMPLEX_INTERPOLATED_NONE) PetscFunctionReturn(0);
  PetscCall(DMPlexGetChart(dm, &pStart, &pEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  if (cStart != pStart || vStart != cEnd || vEnd != pEnd) PetscFunctionReturn(0);
  for (PetscInt c = cStart; c < cEnd; ++c) {
    PetscInt n;

    PetscCall(DMPlexGetConeSize(dm, c, &n));
    if (n != 4) PetscFunctionReturn(0);
  }
  PetscCall(DMGetLabel(dm, "celltype", &ctLabel));
  if (ctLabel) {
    PetscInt ntet;

    PetscCall(DMLabelGetStratumSize(ctLabel, DM_POLYTOPE_TETRAHEDRON, &ntet));
    if (ntet != cEnd - cStart) PetscFunctionReturn(0);
  }
  *ok = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* The cells' cones (their 4 faces, numbered fStart + fid[4 c + k]) and orientations fo[4 c + k] in a DM whose cone
   section is cs. */
static PetscErrorCode VfeSetCellCones(PetscSection cs, PetscInt cStart, PetscInt nc, PetscInt fStart,
                                      const PetscInt *fid, const PetscInt *fo, PetscInt *cones, PetscInt *ornts)
{
  PetscFunctionBeginUser;
  for (PetscInt c = 0; c < nc; ++c) {
    PetscInt off;

    PetscCall(PetscSectionGetOffset(cs, cStart + c, &off));
    for (int f = 0; f < 4; ++f) {
      cones[off + f] = fStart + fid[4 * c + f];
      ornts[off + f] = fo[4 * c + f];
    }
  }
  PetscFunctionReturn(0);
}

/* PETSc 3.18's first interpolation step on a distributed mesh, for its point SF: the DM of cells, vertices and
   faces (cells' cones: faces; faces' cones: their 3 vertices, as DMPlexInterpolate's intermediate DM has them),
   numbered as in the final DM, and DMPlexInterpolatePointSF on it with sfV (dm's SF: the shared vertices).
   *sfVF: sfV's leaves, then the shared faces.  A face is shared (and owned) by the rule DMPlexInterpolatePointSF
   applies to its cone points, so the faces' cones must be vertices here, as in PETSc: found from their edges
   instead, a face's owner can differ on 4 ranks (tests/test_interp.c). */
static PetscErrorCode VfeMeshFacePointSF(DM dm, PetscSF sfV, PetscInt nf, const PetscInt *fv, const PetscInt *fid,
                                         const PetscInt *ffirst, const PetscInt *ornt, PetscSF *sfVF)
{
  DM fdm;
  DMLabel ctLabel;
  PetscSection cs;
  PetscInt pStart, pEnd, cStart, cEnd, vStart, vEnd, fStart, *cones, *ornts;
  PetscSF sf;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetChart(dm, &pStart, &pEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  fStart = pEnd;
  PetscCall(DMCreate(PetscObjectComm((PetscObject)dm), &fdm));
  PetscCall(DMSetType(fdm, DMPLEX));
  PetscCall(DMSetDimension(fdm, 3));
  PetscCall(DMPlexSetChart(fdm, pStart, fStart + nf));
  PetscCall(DMCreateLabel(fdm, "celltype"));
  PetscCall(DMPlexGetConeSection(fdm, &cs));
  for (PetscInt p = cStart; p < cEnd; ++p) PetscCall(PetscSectionSetDof(cs, p, 4));
  for (PetscInt p = fStart; p < fStart + nf; ++p) PetscCall(PetscSectionSetDof(cs, p, 3));
  PetscCall(DMSetUp(fdm));
  PetscCall(DMPlexGetCones(fdm, &cones));
  PetscCall(DMPlexGetConeOrientations(fdm, &ornts));
  PetscCall(VfeSetCellCones(cs, cStart, cEnd - cStart, fStart, fid, ornt, cones, ornts));
  for (PetscInt f = 0; f < nf; ++f) {
    PetscInt off;

    PetscCall(PetscSectionGetOffset(cs, fStart + f, &off));
    for (int j = 0; j < 3; ++j) {
      cones[off + j] = vStart + fv[3 * ffirst[f] + j];
      ornts[off + j] = 0;
    }
  }
  PetscCall(DMPlexGetCellTypeLabel(fdm, &ctLabel));
  PetscCall(VfeSetStratum(ctLabel, DM_POLYTOPE_POINT, vStart, vEnd));
  PetscCall(VfeSetStratum(ctLabel, DM_POLYTOPE_TETRAHEDRON, cStart, cEnd));
  PetscCall(VfeSetStratum(ctLabel, DM_POLYTOPE_TRIANGLE, fStart, fStart + nf));
  PetscCall(DMPlexSymmetrize(fdm));
  PetscCall(DMPlexStratify(fdm));
  PetscCall(DMPlexInterpolatePointSF(fdm, sfV));
  PetscCall(DMGetPointSF(fdm, &sf));
  PetscCall(PetscObjectReference((PetscObject)sf));
  *sfVF = sf;
  PetscCall(DMDestroy(&fdm));
  PetscFunctionReturn(0);
}

/* The DAG of this rank's part (the whole construction on one process); dm is a cell-vertex mesh of tetrahedra
   numbered cells first, then vertices.  Cones, orientations and cell types only: see VfeMeshCopyFrom.  With sfV
   (dm's point SF, on more than one process) also the point SF, in PETSc 3.18's two steps: the shared faces from
   the shared vertices (VfeMeshFacePointSF), then the shared edges from both (DMPlexInterpolatePointSF skips the
   faces: their supports are cells). */
static PetscErrorCode VfeMeshInterpolateLocal(DM dm, PetscSF sfV, DM *idmOut)
{
  DM idm;
  DMLabel ctLabel;
  PetscSection cs;
  PetscInt pStart, pEnd, cStart, cEnd, vStart, vEnd, nc, nv, nf, ne, fStart, eStart, eEnd;
  PetscInt *fv, *frep, *fid, *ffirst, *fo, *ev, *erep, *eid, *efirst, *cones, *ornts;
  PetscSF sfVF = NULL;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetChart(dm, &pStart, &pEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  nc = cEnd - cStart;
  nv = vEnd - vStart;
  /* 1. faces: slot 4 c + f is face f of cell c, its vertices (0-based) in PETSc's order */
  PetscCall(PetscMalloc3(12 * nc, &fv, 4 * nc, &frep, 4 * nc, &fid));
  for (PetscInt c = 0; c < nc; ++c) {
    const PetscInt *cone;
    PetscInt n;

    PetscCall(DMPlexGetConeSize(dm, cStart + c, &n));
    PetscCheck(n == 4, PETSC_COMM_SELF, PETSC_ERR_PLIB, "cell %" PetscInt_FMT " has %" PetscInt_FMT " vertices",
               cStart + c, n);
    PetscCall(DMPlexGetCone(dm, cStart + c, &cone));
    for (int f = 0; f < 4; ++f)
      for (int j = 0; j < 3; ++j) fv[12 * c + 3 * f + j] = cone[vfe_tet_faces[f][j]] - vStart;
  }
  PetscCall(VfeGroupSimplices(4 * nc, 3, fv, nv, frep));
  PetscCall(VfeNumberGroups(4 * nc, frep, fid, &nf, &ffirst));
  /* every cell's orientation of its faces */
  PetscCall(PetscMalloc1(4 * nc, &fo));
  for (PetscInt s = 0; s < 4 * nc; ++s) {
    fo[s] = VfeTriangleOrientation(&fv[3 * frep[s]], &fv[3 * s]);
    PetscCheck(fo[s] != PETSC_MIN_INT, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "no triangle orientation for face %d of cell %" PetscInt_FMT, (int)(s % 4), cStart + s / 4);
  }
  if (sfV) PetscCall(VfeMeshFacePointSF(dm, sfV, nf, fv, fid, ffirst, fo, &sfVF));

  /* 2. edges: slot 3 f + e is edge e of face f (its cone: the vertices of its first slot) */
  PetscCall(PetscMalloc3(6 * nf, &ev, 3 * nf, &erep, 3 * nf, &eid));
  for (PetscInt f = 0; f < nf; ++f) {
    const PetscInt *w = &fv[3 * ffirst[f]];
    for (int e = 0; e < 3; ++e) {
      ev[6 * f + 2 * e]     = w[e];
      ev[6 * f + 2 * e + 1] = w[(e + 1) % 3];
    }
  }
  PetscCall(VfeGroupSimplices(3 * nf, 2, ev, nv, erep));
  PetscCall(VfeNumberGroups(3 * nf, erep, eid, &ne, &efirst));

  /* 3. the DAG: cells, vertices, faces, edges */
  fStart = pEnd;
  eStart = fStart + nf;
  eEnd   = eStart + ne;
  PetscCall(DMCreate(PetscObjectComm((PetscObject)dm), &idm));
  PetscCall(DMSetType(idm, DMPLEX));
  PetscCall(DMSetDimension(idm, 3));
  PetscCall(DMPlexSetChart(idm, pStart, eEnd));
  /* cell types are given, not computed point by point (DMCreateLabel first, as DMPlexInterpolate does) */
  PetscCall(DMCreateLabel(idm, "celltype"));
  PetscCall(DMPlexGetConeSection(idm, &cs));
  for (PetscInt p = cStart; p < cEnd; ++p) PetscCall(PetscSectionSetDof(cs, p, 4));
  for (PetscInt p = fStart; p < eStart; ++p) PetscCall(PetscSectionSetDof(cs, p, 3));
  for (PetscInt p = eStart; p < eEnd; ++p) PetscCall(PetscSectionSetDof(cs, p, 2));
  PetscCall(DMSetUp(idm));
  PetscCall(DMPlexGetCones(idm, &cones));
  PetscCall(DMPlexGetConeOrientations(idm, &ornts));
  PetscCall(VfeSetCellCones(cs, cStart, nc, fStart, fid, fo, cones, ornts));
  for (PetscInt f = 0; f < nf; ++f) {
    PetscInt off;

    PetscCall(PetscSectionGetOffset(cs, fStart + f, &off));
    for (int e = 0; e < 3; ++e) {
      const PetscInt s = 3 * f + e;

      cones[off + e] = eStart + eid[s];
      ornts[off + e] = ev[2 * s] == ev[2 * erep[s]] ? 0 : -1; /* segment arrangement -1 is {1, 0} */
    }
  }
  for (PetscInt e = 0; e < ne; ++e) {
    PetscInt off;

    PetscCall(PetscSectionGetOffset(cs, eStart + e, &off));
    cones[off]     = vStart + ev[2 * efirst[e]];
    cones[off + 1] = vStart + ev[2 * efirst[e] + 1];
    ornts[off] = ornts[off + 1] = 0;
  }
  PetscCall(PetscFree3(ev, erep, eid));
  PetscCall(PetscFree(efirst));
  PetscCall(PetscFree3(fv, frep, fid));
  PetscCall(PetscFree(ffirst));
  PetscCall(PetscFree(fo));
  PetscCall(DMPlexGetCellTypeLabel(idm, &ctLabel));
  PetscCall(VfeSetStratum(ctLabel, DM_POLYTOPE_POINT, vStart, vEnd));
  PetscCall(VfeSetStratum(ctLabel, DM_POLYTOPE_TETRAHEDRON, cStart, cEnd));
  PetscCall(VfeSetStratum(ctLabel, DM_POLYTOPE_TRIANGLE, fStart, eStart));
  PetscCall(VfeSetStratum(ctLabel, DM_POLYTOPE_SEGMENT, eStart, eEnd));
  PetscCall(DMPlexSymmetrize(idm));
  PetscCall(DMPlexStratify(idm));
  if (sfVF) {
    PetscCall(DMPlexInterpolatePointSF(idm, sfVF)); /* the edges */
    PetscCall(PetscSFDestroy(&sfVF));
  }
  *idmOut = idm;
  PetscFunctionReturn(0);
}

/* What DMPlexInterpolate carries over from dm to idm: name, coordinates, labels, and the distribution defaults. */
static PetscErrorCode VfeMeshCopyFrom(DM dm, DM idm)
{
  const PetscReal *maxCell, *Lstart, *L;
  PetscBool dist;
  DMPlexReorderDefaultFlag reorder;
  const char *name;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectGetName((PetscObject)dm, &name));
  PetscCall(PetscObjectSetName((PetscObject)idm, name));
  PetscCall(DMPlexCopyCoordinates(dm, idm));
  PetscCall(DMCopyLabels(dm, idm, PETSC_COPY_VALUES, PETSC_FALSE, DM_COPY_LABELS_FAIL));
  PetscCall(DMGetPeriodicity(dm, &maxCell, &Lstart, &L));
  PetscCall(DMSetPeriodicity(idm, maxCell, Lstart, L));
  PetscCall(DMPlexDistributeGetDefault(dm, &dist));
  PetscCall(DMPlexDistributeSetDefault(idm, dist));
  PetscCall(DMPlexReorderGetDefault(dm, &reorder));
  PetscCall(DMPlexReorderSetDefault(idm, reorder));
  PetscCall(DMPlexSetOverlap(idm, dm, 0));
  PetscFunctionReturn(0);
}

/* Whether VfeMeshInterpolate can build idm itself (on every rank, so the answer is collective): tetrahedra as
   VfeMeshIsPlainTets; on more than one process also cells on every rank, no overlap and a point SF with a
   graph (the cases DMPlexInterpolate itself treats differently are left to it). */
static PetscErrorCode VfeMeshCanInterpolate(DM dm, PetscMPIInt size, PetscBool *ok)
{
  PetscFunctionBeginUser;
  PetscCall(VfeMeshIsPlainTets(dm, ok));
  if (size > 1) {
    PetscSF sf;
    PetscInt cStart, cEnd, overlap, nroots;
    int all;

    PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
    PetscCall(DMPlexGetOverlap(dm, &overlap));
    PetscCall(DMGetPointSF(dm, &sf));
    PetscCall(PetscSFGetGraph(sf, &nroots, NULL, NULL, NULL));
    all = *ok && cEnd > cStart && overlap == 0 && nroots >= 0;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_MIN, PetscObjectComm((PetscObject)dm)));
    *ok = all ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMeshInterpolate(DM dm, DM *idm)
{
  PetscMPIInt size;
  PetscBool ok = PETSC_FALSE, orient = PETSC_TRUE;
  PetscSF sfV = NULL;

  PetscFunctionBeginUser;
  if (VfeInterpEvent < 0) PetscCall(PetscLogEventRegister("VfeInterpolate", DM_CLASSID, &VfeInterpEvent));
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)dm), &size));
  PetscCall(VfeMeshCanInterpolate(dm, size, &ok));
  if (!ok) {
    PetscCall(DMPlexInterpolate(dm, idm));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscLogEventBegin(VfeInterpEvent, dm, 0, 0, 0));
  /* DMPlexInterpolate's order: the DAG and point SF, then coordinates and labels, then the interface orientation */
  if (size > 1) PetscCall(DMGetPointSF(dm, &sfV));
  PetscCall(VfeMeshInterpolateLocal(dm, sfV, idm));
  PetscCall(VfeMeshCopyFrom(dm, *idm));
  if (size > 1) {
    PetscOptions options;
    const char *prefix;

    PetscCall(PetscObjectGetOptions((PetscObject)dm, &options));
    PetscCall(PetscObjectGetOptionsPrefix((PetscObject)dm, &prefix));
    PetscCall(PetscOptionsGetBool(options, prefix, "-dm_plex_interpolate_orient_interfaces", &orient, NULL));
    if (orient) PetscCall(DMPlexOrientInterface_Internal(*idm));
  }
  PetscCall(PetscLogEventEnd(VfeInterpEvent, dm, 0, 0, 0));
  PetscFunctionReturn(0);
}
