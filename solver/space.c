/*
 * space.c - the function space (discretisation): which mesh points carry displacement dofs and how they are numbered.
 *
 * P1 puts 3 dofs on every vertex, P2 also on every edge (straight-sided: the edge node sits at the
 * edge midpoint).  A PetscSection on the distributed DMPlex gives every local node point a local
 * offset (3 x local node id, owned nodes and ghosts alike) and the global section a global offset
 * (3 x global node id; negative, encoded -(off+1), for ghosts), so the global numbering and the
 * ghost exchange (DMGlobalToLocal / DMLocalToGlobal) are PETSc's.  From these we build flat
 * tables the kernels use: cell -> nodes (vertices first, then edges in VTK order, found by matching
 * each edge's cone to the cell's vertices, so plex orientation never matters), node coordinates,
 * node -> global index.
 */
#include "vfesolverimpl.h"
#include "vfekernels.h"

VfeEvents VfeEv;

PetscErrorCode VfeRegisterEvents(void)
{
  static PetscBool done = PETSC_FALSE;
  PetscClassId id;

  PetscFunctionBeginUser;
  if (done) PetscFunctionReturn(0);
  done = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("vfe", &id));
  PetscCall(PetscLogEventRegister("VfeMesh", id, &VfeEv.mesh));
  PetscCall(PetscLogEventRegister("VfeSetUp", id, &VfeEv.setup));
  PetscCall(PetscLogEventRegister("VfeAssembly", id, &VfeEv.assembly));
  PetscCall(PetscLogEventRegister("VfeSolverSetUp", id, &VfeEv.pcsetup));
  PetscCall(PetscLogEventRegister("VfeSolve", id, &VfeEv.solve));
  PetscCall(PetscLogEventRegister("VfePostproc", id, &VfeEv.post));
  PetscCall(PetscLogEventRegister("VfeOutput", id, &VfeEv.output));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSpaceCreate(DM dm, PetscInt order, VfeSpace *sp)
{
  VfeSpace d;
  PetscSection s, gs;
  PetscInt vStart, vEnd, eStart, eEnd, cStart, cEnd, n = 0;
  DMLabel region;
  Vec coords;
  PetscSection csec;
  const PetscScalar *ca;
  PetscBool cuda;

  PetscFunctionBeginUser;
  PetscCheck(order == 1 || order == 2, PetscObjectComm((PetscObject)dm), PETSC_ERR_USER_INPUT,
             "mesh_order = %" PetscInt_FMT ": allowed values are 1 (P1) and 2 (P2)", order);
  PetscCall(VfeRegisterEvents());
  PetscCall(VfeDeviceFromOptions(PetscObjectComm((PetscObject)dm), &cuda));
  if (cuda) { /* the device path: every vector and matrix of this DM (and its clones) on the GPU */
    PetscCall(DMSetVecType(dm, VECCUDA));
    PetscCall(DMSetMatType(dm, MATAIJCUSPARSE));
  }
  PetscCall(PetscCalloc1(1, &d));
  d->dm    = dm;
  d->order = order;
  d->npc   = order == 1 ? 4 : 10;
  PetscCall(PetscObjectReference((PetscObject)dm));
  PetscCall(DMPlexGetChart(dm, &d->pStart, &d->pEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 1, &eStart, &eEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));

  PetscCall(PetscSectionCreate(PetscObjectComm((PetscObject)dm), &s));
  PetscCall(PetscSectionSetNumFields(s, 1));
  PetscCall(PetscSectionSetFieldComponents(s, 0, 3));
  PetscCall(PetscSectionSetFieldName(s, 0, "displacement"));
  PetscCall(PetscSectionSetChart(s, d->pStart, d->pEnd));
  for (PetscInt p = vStart; p < vEnd; ++p) {
    PetscCall(PetscSectionSetDof(s, p, 3));
    PetscCall(PetscSectionSetFieldDof(s, p, 0, 3));
  }
  if (order == 2)
    for (PetscInt p = eStart; p < eEnd; ++p) {
      PetscCall(PetscSectionSetDof(s, p, 3));
      PetscCall(PetscSectionSetFieldDof(s, p, 0, 3));
    }
  PetscCall(PetscSectionSetUp(s));
  PetscCall(DMSetLocalSection(dm, s));
  PetscCall(PetscSectionDestroy(&s));
  PetscCall(DMGetLocalSection(dm, &s));
  PetscCall(DMGetGlobalSection(dm, &gs));

  /* node tables */
  PetscCall(PetscSectionGetStorageSize(s, &n));
  d->nnodes = n / 3;
  PetscCall(PetscMalloc5(d->nnodes * 3, &d->xyz, d->nnodes, &d->gnode, d->nnodes, &d->owned, d->pEnd - d->pStart,
                         &d->point_node, d->nnodes, &d->is_vertex));
  PetscCall(PetscMalloc1(d->nnodes, &d->node_point));
  for (PetscInt p = d->pStart; p < d->pEnd; ++p) d->point_node[p - d->pStart] = -1;
  PetscCall(DMGetCoordinatesLocal(dm, &coords));
  PetscCall(DMGetCoordinateSection(dm, &csec));
  PetscCall(VecGetArrayRead(coords, &ca));
  d->nowned = 0;
  for (PetscInt p = d->pStart; p < d->pEnd; ++p) {
    PetscInt dof, off, goff, node;
    PetscCall(PetscSectionGetDof(s, p, &dof));
    if (!dof) continue;
    PetscCall(PetscSectionGetOffset(s, p, &off));
    PetscCall(PetscSectionGetOffset(gs, p, &goff));
    node                         = off / 3;
    d->point_node[p - d->pStart] = node;
    d->node_point[node]          = p;
    d->owned[node]               = goff >= 0 ? PETSC_TRUE : PETSC_FALSE;
    d->gnode[node]               = (goff >= 0 ? goff : -(goff + 1)) / 3;
    d->is_vertex[node]           = (p >= vStart && p < vEnd) ? PETSC_TRUE : PETSC_FALSE;
    if (d->owned[node]) d->nowned++;
    if (p >= vStart && p < vEnd) {
      PetscInt coff;
      PetscCall(PetscSectionGetOffset(csec, p, &coff));
      for (int k = 0; k < 3; ++k) d->xyz[3 * node + k] = PetscRealPart(ca[coff + k]);
    }
  }
  if (order == 2)
    for (PetscInt e = eStart; e < eEnd; ++e) {
      const PetscInt *cone;
      PetscInt node = d->point_node[e - d->pStart], v0, v1, c0, c1;
      PetscCall(DMPlexGetCone(dm, e, &cone));
      v0 = cone[0], v1 = cone[1];
      PetscCall(PetscSectionGetOffset(csec, v0, &c0));
      PetscCall(PetscSectionGetOffset(csec, v1, &c1));
      for (int k = 0; k < 3; ++k) d->xyz[3 * node + k] = 0.5 * (PetscRealPart(ca[c0 + k]) + PetscRealPart(ca[c1 + k]));
    }
  PetscCall(VecRestoreArrayRead(coords, &ca));
  PetscCallMPI(MPI_Allreduce(&d->nowned, &d->nglobal, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)dm)));

  /* cell tables */
  d->ncells = cEnd - cStart;
  PetscCall(PetscMalloc2(d->ncells * d->npc, &d->cell_nodes, d->ncells, &d->cell_region));
  PetscCall(DMGetLabel(dm, "vfe_region", &region));
  PetscCheck(region, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "the mesh has no vfe_region label: load it with VfeMeshLoad()");
  for (PetscInt c = cStart; c < cEnd; ++c) {
    PetscInt *cl = NULL, ncl, nv = 0, verts[4], *cn = &d->cell_nodes[(c - cStart) * d->npc];
    PetscCall(DMLabelGetValue(region, c, &d->cell_region[c - cStart]));
    PetscCheck(d->cell_region[c - cStart] >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "cell %" PetscInt_FMT " has no region",
               c);
    PetscCall(DMPlexGetTransitiveClosure(dm, c, PETSC_TRUE, &ncl, &cl));
    for (PetscInt i = 0; i < ncl; ++i) {
      const PetscInt p = cl[2 * i];
      if (p >= vStart && p < vEnd) verts[nv++] = p;
    }
    PetscCheck(nv == 4, PETSC_COMM_SELF, PETSC_ERR_PLIB, "cell %" PetscInt_FMT " has %" PetscInt_FMT " vertices", c,
               nv);
    for (int a = 0; a < 4; ++a) cn[a] = d->point_node[verts[a] - d->pStart];
    if (order == 2)
      for (PetscInt i = 0; i < ncl; ++i) {
        const PetscInt p = cl[2 * i];
        const PetscInt *cone;
        int a = -1, b = -1;
        if (p < eStart || p >= eEnd) continue;
        PetscCall(DMPlexGetCone(dm, p, &cone));
        for (int k = 0; k < 4; ++k) {
          if (verts[k] == cone[0]) a = k;
          if (verts[k] == cone[1]) b = k;
        }
        for (int e = 0; e < 6; ++e)
          if ((VfeTetEdges[e][0] == a && VfeTetEdges[e][1] == b) || (VfeTetEdges[e][0] == b && VfeTetEdges[e][1] == a))
            cn[4 + e] = d->point_node[p - d->pStart];
      }
    PetscCall(DMPlexRestoreTransitiveClosure(dm, c, PETSC_TRUE, &ncl, &cl));
  }
  *sp = d;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSpaceDestroy(VfeSpace *sp)
{
  VfeSpace d = *sp;

  PetscFunctionBeginUser;
  if (!d) PetscFunctionReturn(0);
  PetscCall(PetscFree2(d->cell_nodes, d->cell_region));
  PetscCall(PetscFree5(d->xyz, d->gnode, d->owned, d->point_node, d->is_vertex));
  PetscCall(PetscFree(d->node_point));
  PetscCall(DMDestroy(&d->dm));
  PetscCall(PetscFree(d));
  *sp = NULL;
  PetscFunctionReturn(0);
}

void VfeSpaceCellCoordinates(VfeSpace sp, PetscInt c, PetscReal *X)
{
  const PetscInt *cn = &sp->cell_nodes[c * sp->npc];
  for (PetscInt a = 0; a < sp->npc; ++a)
    for (int k = 0; k < 3; ++k) X[3 * a + k] = sp->xyz[3 * cn[a] + k];
}

PetscErrorCode VfeSpaceCreateGlobalVector(VfeSpace sp, Vec *v)
{
  PetscFunctionBeginUser;
  PetscCall(DMCreateGlobalVector(sp->dm, v));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSpaceCreateLocalVector(VfeSpace sp, Vec *v)
{
  PetscFunctionBeginUser;
  PetscCall(DMCreateLocalVector(sp->dm, v));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSpaceGlobalToLocal(VfeSpace sp, Vec g, Vec l)
{
  PetscFunctionBeginUser;
  PetscCall(DMGlobalToLocalBegin(sp->dm, g, INSERT_VALUES, l));
  PetscCall(DMGlobalToLocalEnd(sp->dm, g, INSERT_VALUES, l));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSpaceGetBoundaryFaces(VfeSpace sp, PetscInt s, PetscInt *nf, PetscInt **faces)
{
  DMLabel label;
  IS is;
  const PetscInt *p;

  PetscFunctionBeginUser;
  *nf    = 0;
  *faces = NULL;
  PetscCall(DMGetLabel(sp->dm, "vfe_boundary", &label));
  if (!label) PetscFunctionReturn(0);
  PetscCall(DMLabelGetStratumIS(label, s, &is));
  if (!is) PetscFunctionReturn(0);
  PetscCall(ISGetLocalSize(is, nf));
  PetscCall(PetscMalloc1(*nf, faces));
  PetscCall(ISGetIndices(is, &p));
  PetscCall(PetscArraycpy(*faces, p, *nf));
  PetscCall(ISRestoreIndices(is, &p));
  PetscCall(ISDestroy(&is));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSpaceFaceGeometry(VfeSpace sp, PetscInt face, PetscInt nodes[6], PetscReal *area, PetscReal n[3])
{
  PetscInt *cl = NULL, ncl, nv = 0, ne = 0, vtx[3], edg[3];
  const PetscInt *supp;
  PetscInt nsupp;
  PetscReal a[3], b[3], fc[3] = {0, 0, 0}, cc[3] = {0, 0, 0}, len, X[30];

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetTransitiveClosure(sp->dm, face, PETSC_TRUE, &ncl, &cl));
  for (PetscInt i = 0; i < ncl; ++i) {
    const PetscInt node = sp->point_node[cl[2 * i] - sp->pStart];
    PetscInt depth;
    if (node < 0) continue;
    PetscCall(DMPlexGetPointDepth(sp->dm, cl[2 * i], &depth));
    if (depth == 0)
      vtx[nv++] = cl[2 * i];
    else
      edg[ne++] = cl[2 * i];
  }
  PetscCall(DMPlexRestoreTransitiveClosure(sp->dm, face, PETSC_TRUE, &ncl, &cl));
  PetscCheck(nv == 3, PETSC_COMM_SELF, PETSC_ERR_PLIB, "face %" PetscInt_FMT " is not a triangle", face);
  for (int k = 0; k < 3; ++k) nodes[k] = sp->point_node[vtx[k] - sp->pStart];
  /* edge k of the face is opposite... order edges as (01, 12, 02) of the face vertices */
  if (sp->order == 2) {
    const int fe[3][2] = {{0, 1}, {1, 2}, {0, 2}};
    for (int e = 0; e < ne; ++e) {
      const PetscInt *cone;
      int i = -1, j = -1;
      PetscCall(DMPlexGetCone(sp->dm, edg[e], &cone));
      for (int k = 0; k < 3; ++k) {
        if (vtx[k] == cone[0]) i = k;
        if (vtx[k] == cone[1]) j = k;
      }
      for (int k = 0; k < 3; ++k)
        if ((fe[k][0] == i && fe[k][1] == j) || (fe[k][0] == j && fe[k][1] == i))
          nodes[3 + k] = sp->point_node[edg[e] - sp->pStart];
    }
  }
  for (int d = 0; d < 3; ++d) {
    a[d]  = sp->xyz[3 * nodes[1] + d] - sp->xyz[3 * nodes[0] + d];
    b[d]  = sp->xyz[3 * nodes[2] + d] - sp->xyz[3 * nodes[0] + d];
    fc[d] = (sp->xyz[3 * nodes[0] + d] + sp->xyz[3 * nodes[1] + d] + sp->xyz[3 * nodes[2] + d]) / 3.0;
  }
  n[0]  = a[1] * b[2] - a[2] * b[1];
  n[1]  = a[2] * b[0] - a[0] * b[2];
  n[2]  = a[0] * b[1] - a[1] * b[0];
  len   = PetscSqrtReal(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  *area = 0.5 * len;
  for (int d = 0; d < 3; ++d) n[d] /= len;
  /* outward: away from the centroid of the (single) adjacent cell */
  PetscCall(DMPlexGetSupportSize(sp->dm, face, &nsupp));
  PetscCall(DMPlexGetSupport(sp->dm, face, &supp));
  if (nsupp > 0) {
    PetscInt cStart;
    PetscCall(DMPlexGetHeightStratum(sp->dm, 0, &cStart, NULL));
    VfeSpaceCellCoordinates(sp, supp[0] - cStart, X);
    for (int v = 0; v < 4; ++v)
      for (int d = 0; d < 3; ++d) cc[d] += 0.25 * X[3 * v + d];
    if ((fc[0] - cc[0]) * n[0] + (fc[1] - cc[1]) * n[1] + (fc[2] - cc[2]) * n[2] < 0)
      for (int d = 0; d < 3; ++d) n[d] = -n[d];
  }
  PetscFunctionReturn(0);
}
