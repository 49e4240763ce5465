/*
 * fibres.c - tension-only collagen fibres embedded in the annulus (Shirazi-Adl's fibre-reinforced
 * annulus), as a term of the constitutive law.
 *
 * In a fibre region every cell carries two fibre families with unit directions a+ and a-, at
 * +/- angle to the transverse plane in the local circumferential-axial plane:
 *     a = cos(angle) e_theta +/- sin(angle) e_axis,
 * e_theta the circumferential direction about the centroid of the inner region (the nucleus).
 * Each family adds the uniaxial, tension-only stress of its fibres, smeared over the cell,
 *     sigma_f = phi E_f max(eps_ff, 0) a (x) a,   eps_ff = a . eps(u) a,
 * phi E_f per lamella: the cell's lamella is its radial position s = d_in / (d_in + d_out) (d_in:
 * distance to the nearest node of the inner region, d_out: to the region's outer surface), cut
 * into nlayers equal bands, outer band first in the tables.  The law is piecewise linear: at each
 * quadrature point (1 for P1, the 4 of the stiffness rule for P2) a family is taut (eps_ff > 0) or
 * slack, and the active-set loop of VfeProblemSolve sets those states together with the springs
 * and contacts of members.c.  A taut family at point q adds
 *     K_ab += w_q |K| phi E_f (a . grad N_a)(a . grad N_b) a a^T,
 * a rank-one term per point that lands on the element's own pattern: the element part of the COO
 * values is kept and only the fibre terms are added again in each iteration.
 * The P1 level of the p-multigrid gets the same fibres with one point per cell, taut with the
 * fraction of its P2 points that are taut (a preconditioner only needs to be close).
 */
#include "vfesolverimpl.h"
#include "vfekernels.h"
#include <petscsf.h>

struct _n_VfeFibres {
  PetscInt nfc, cap;   /* fibre cells on this rank */
  PetscInt *cell;      /* local cell of each */
  PetscReal *dir;      /* 6 per fibre cell: a+ then a- */
  PetscReal *k;        /* phi E_f (MPa) per fibre cell */
  PetscInt nq;         /* points per cell: 1 (P1) or 4 (P2) */
  PetscReal *taut;     /* nfc x 2 x nq: 1 taut, 0 slack (P1 level: the fraction taut) */
  PetscInt *cell_fc;   /* local cell -> fibre cell, or -1 */
  PetscReal angle_deg; /* for the description */
};

PetscErrorCode VfeFibresDestroy(VfeFibres *fp)
{
  VfeFibres f = *fp;

  PetscFunctionBeginUser;
  if (!f) PetscFunctionReturn(0);
  PetscCall(PetscFree4(f->cell, f->dir, f->k, f->taut));
  PetscCall(PetscFree(f->cell_fc));
  PetscCall(PetscFree(f));
  *fp = NULL;
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeFibresReserve(VfeFibres f, PetscInt add)
{
  PetscFunctionBeginUser;
  if (f->nfc + add > f->cap) {
    const PetscInt cap = f->nfc + add;
    PetscInt *cell;
    PetscReal *dir, *k, *taut;
    PetscCall(PetscMalloc4(cap, &cell, 6 * cap, &dir, cap, &k, 2 * f->nq * cap, &taut));
    if (f->nfc) {
      PetscCall(PetscArraycpy(cell, f->cell, f->nfc));
      PetscCall(PetscArraycpy(dir, f->dir, 6 * f->nfc));
      PetscCall(PetscArraycpy(k, f->k, f->nfc));
      PetscCall(PetscArraycpy(taut, f->taut, 2 * f->nq * f->nfc));
    }
    PetscCall(PetscFree4(f->cell, f->dir, f->k, f->taut));
    f->cell = cell, f->dir = dir, f->k = k, f->taut = taut, f->cap = cap;
  }
  PetscFunctionReturn(0);
}

/* quadrature points of the fibre term (the stiffness rule): barycentrics and weights */
static void VfeFibreRule(PetscInt nq, PetscInt q, PetscReal L[4], PetscReal *w)
{
  if (nq == 1) {
    L[0] = L[1] = L[2] = L[3] = 0.25;
    *w                        = 1.0;
    return;
  }
  for (int i = 0; i < 4; ++i) L[i] = i == q ? VFE_QP2_A : VFE_QP2_B;
  *w = 0.25;
}

/* Coordinates of the vertices of the cells of region r (each rank: those of its cells), gathered on
 * every rank; and the centroid of those cells (volume-weighted). */
static PetscErrorCode VfeRegionVertices(VfeSpace sp, PetscInt r, PetscInt *n, PetscReal **xyz, PetscReal c[3])
{
  MPI_Comm comm = PetscObjectComm((PetscObject)sp->dm);
  PetscReal *loc, acc[4] = {0, 0, 0, 0};
  PetscInt nl = 0;
  PetscBool *seen;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(sp->nnodes, &seen));
  PetscCall(PetscMalloc1(3 * sp->nnodes + 1, &loc));
  for (PetscInt e = 0; e < sp->ncells; ++e) {
    PetscReal X[30], G[4][3], V;
    if (sp->cell_region[e] != r) continue;
    VfeSpaceCellCoordinates(sp, e, X);
    V = PetscAbsReal(vfe_tet_gradients(X, G)) / 6.0;
    for (int a = 0; a < 4; ++a) {
      const PetscInt nd = sp->cell_nodes[e * sp->npc + a];
      for (int d = 0; d < 3; ++d) acc[d] += 0.25 * V * X[3 * a + d];
      if (seen[nd]) continue; /* ghosts too: a vertex of an inner cell may be owned by a rank without one */
      seen[nd] = PETSC_TRUE;
      for (int d = 0; d < 3; ++d) loc[3 * nl + d] = sp->xyz[3 * nd + d];
      nl++;
    }
    acc[3] += V;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, acc, 4, MPIU_REAL, MPIU_SUM, comm));
  PetscCheck(acc[3] > 0, comm, PETSC_ERR_USER_INPUT, "fibres: the inner region %" PetscInt_FMT " has no cells", r);
  for (int d = 0; d < 3; ++d) c[d] = acc[d] / acc[3];
  PetscCall(VfeGatherReals(comm, nl, 3, loc, n, xyz));
  PetscCall(PetscFree(loc));
  PetscCall(PetscFree(seen));
  PetscFunctionReturn(0);
}

/* Vertices of the faces on the mesh's outer boundary that belong to cells of region r, gathered.  A
 * face is on the outer boundary when it has one cell over all ranks: with overlap 0 a face between
 * two ranks' cells has one cell on each, so the support sizes are summed through the point SF. */
static PetscErrorCode VfeRegionOuterVertices(VfeSpace sp, PetscInt r, PetscInt *n, PetscReal **xyz)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)sp->dm);
  PetscSF sf;
  PetscInt nl = 0, cStart, fStart, fEnd, pStart, pEnd, *cnt, *root, *leaf;
  PetscReal *loc;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetChart(sp->dm, &pStart, &pEnd));
  PetscCall(DMPlexGetHeightStratum(sp->dm, 0, &cStart, NULL));
  PetscCall(DMPlexGetHeightStratum(sp->dm, 1, &fStart, &fEnd));
  PetscCall(PetscCalloc3(pEnd - pStart, &cnt, pEnd - pStart, &root, pEnd - pStart, &leaf));
  for (PetscInt f = fStart; f < fEnd; ++f) PetscCall(DMPlexGetSupportSize(sp->dm, f, &cnt[f - pStart]));
  PetscCall(PetscArraycpy(root, cnt, pEnd - pStart));
  PetscCall(PetscArraycpy(leaf, cnt, pEnd - pStart));
  PetscCall(DMGetPointSF(sp->dm, &sf));
  PetscCall(PetscSFReduceBegin(sf, MPIU_INT, cnt, root, MPI_SUM));
  PetscCall(PetscSFReduceEnd(sf, MPIU_INT, cnt, root, MPI_SUM));
  PetscCall(PetscSFBcastBegin(sf, MPIU_INT, root, leaf, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(sf, MPIU_INT, root, leaf, MPI_REPLACE));
  { /* the total on every copy: roots hold it, leaves received it */
    PetscInt nleaves;
    const PetscInt *ilocal;
    PetscCall(PetscSFGetGraph(sf, NULL, &nleaves, &ilocal, NULL));
    for (PetscInt p = 0; p < pEnd - pStart; ++p) cnt[p] = root[p];
    for (PetscInt k = 0; k < nleaves && nleaves > 0; ++k) {
      const PetscInt p = ilocal ? ilocal[k] : k;
      cnt[p - pStart]  = leaf[p - pStart];
    }
  }
  PetscCall(PetscMalloc1(9 * (fEnd - fStart) + 1, &loc));
  for (PetscInt f = fStart; f < fEnd; ++f) {
    const PetscInt *supp;
    PetscInt ns, *cl = NULL, ncl;
    PetscCall(DMPlexGetSupportSize(sp->dm, f, &ns));
    PetscCall(DMPlexGetSupport(sp->dm, f, &supp));
    if (ns != 1 || cnt[f - pStart] != 1 || sp->cell_region[supp[0] - cStart] != r) continue;
    PetscCall(DMPlexGetTransitiveClosure(sp->dm, f, PETSC_TRUE, &ncl, &cl));
    for (PetscInt k = 0; k < ncl; ++k) {
      PetscInt depth;
      const PetscInt nd = sp->point_node[cl[2 * k] - sp->pStart];
      PetscCall(DMPlexGetPointDepth(sp->dm, cl[2 * k], &depth));
      if (depth || nd < 0) continue;
      for (int d = 0; d < 3; ++d) loc[3 * nl + d] = sp->xyz[3 * nd + d];
      nl++;
    }
    PetscCall(DMPlexRestoreTransitiveClosure(sp->dm, f, PETSC_TRUE, &ncl, &cl));
  }
  PetscCall(PetscFree3(cnt, root, leaf));
  PetscCall(VfeGatherReals(comm, nl, 3, loc, n, xyz));
  PetscCall(PetscFree(loc));
  PetscFunctionReturn(0);
}

static PetscReal VfeNearest(const PetscReal *x, PetscInt n, const PetscReal *pts)
{
  PetscReal best = PETSC_MAX_REAL;
  for (PetscInt i = 0; i < n; ++i) {
    const PetscReal d = PetscSqr(x[0] - pts[3 * i]) + PetscSqr(x[1] - pts[3 * i + 1]) + PetscSqr(x[2] - pts[3 * i + 2]);
    if (d < best) best = d;
  }
  return PetscSqrtReal(best);
}

PetscErrorCode VfeProblemAddFibres(VfeProblem prob, PetscInt region, PetscInt inner, const PetscReal axis[3],
                                   PetscReal angle_deg, PetscInt nlayers, const PetscReal E[], const PetscReal phi[])
{
  VfeSpace sp   = prob->space;
  MPI_Comm comm = PetscObjectComm((PetscObject)sp->dm);
  VfeFibres f;
  PetscInt nin = 0, nout = 0, nc = 0;
  PetscReal *xin, *xout, c0[3]   = {0, 0, 0}, ax[3], len, ca, sa;

  PetscFunctionBeginUser;
  PetscCheck(!prob->K, comm, PETSC_ERR_ARG_WRONGSTATE, "fibres must be added before the first assembly");
  PetscCheck(region >= 0 && region < prob->nregions && inner >= 0 && inner < prob->nregions && inner != region, comm,
             PETSC_ERR_ARG_OUTOFRANGE, "fibres: bad region or inner region");
  PetscCheck(nlayers >= 1 && angle_deg >= -90 && angle_deg <= 90, comm, PETSC_ERR_USER_INPUT,
             "fibres: need at least one layer and an angle in [-90, 90] degrees");
  for (PetscInt l = 0; l < nlayers; ++l)
    PetscCheck(E[l] >= 0 && phi[l] >= 0 && phi[l] < 1, comm, PETSC_ERR_USER_INPUT,
               "fibres: layer %" PetscInt_FMT " needs E >= 0 and a volume fraction in [0, 1)", l);
  len = PetscSqrtReal(axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]);
  PetscCheck(len > 0, comm, PETSC_ERR_USER_INPUT, "fibres: zero axis");
  for (int d = 0; d < 3; ++d) ax[d] = axis[d] / len;
  if (!prob->fib) {
    PetscCall(PetscCalloc1(1, &prob->fib));
    prob->fib->nq = sp->order == 2 ? 4 : 1;
    PetscCall(PetscMalloc1(sp->ncells + 1, &prob->fib->cell_fc));
    for (PetscInt e = 0; e < sp->ncells; ++e) prob->fib->cell_fc[e] = -1;
  }
  f            = prob->fib;
  f->angle_deg = angle_deg;
  ca           = PetscCosReal(angle_deg * PETSC_PI / 180.0);
  sa           = PetscSinReal(angle_deg * PETSC_PI / 180.0);
  PetscCall(VfeRegionVertices(sp, inner, &nin, &xin, c0));
  PetscCall(VfeRegionOuterVertices(sp, region, &nout, &xout));
  PetscCall(PetscInfo(NULL,
                      "fibres in region %" PetscInt_FMT ": %" PetscInt_FMT " inner vertices, %" PetscInt_FMT
                      " outer-surface vertices, inner centroid (%g, %g, %g)\n",
                      region, nin, nout, (double)c0[0], (double)c0[1], (double)c0[2]));
  PetscCheck(nin > 0 && nout > 0, comm, PETSC_ERR_USER_INPUT,
             "fibres: region %" PetscInt_FMT " has no outer surface or its inner region no vertices", region);
  for (PetscInt e = 0; e < sp->ncells; ++e)
    if (sp->cell_region[e] == region) nc++;
  PetscCall(VfeFibresReserve(f, nc));
  for (PetscInt e = 0; e < sp->ncells; ++e) {
    PetscReal X[30], x[3] = {0, 0, 0}, r[3], et[3], rn, din, dout, s;
    PetscInt layer, i     = f->nfc;
    if (sp->cell_region[e] != region) continue;
    VfeSpaceCellCoordinates(sp, e, X);
    for (int a = 0; a < 4; ++a)
      for (int d = 0; d < 3; ++d) x[d] += 0.25 * X[3 * a + d];
    for (int d = 0; d < 3; ++d) r[d] = x[d] - c0[d];
    rn = r[0] * ax[0] + r[1] * ax[1] + r[2] * ax[2];
    for (int d = 0; d < 3; ++d) r[d] -= rn * ax[d];
    et[0] = ax[1] * r[2] - ax[2] * r[1];
    et[1] = ax[2] * r[0] - ax[0] * r[2];
    et[2] = ax[0] * r[1] - ax[1] * r[0];
    rn    = PetscSqrtReal(et[0] * et[0] + et[1] * et[1] + et[2] * et[2]);
    if (rn <= 0) continue; /* on the axis: no circumferential direction */
    for (int d = 0; d < 3; ++d) et[d] /= rn;
    din   = VfeNearest(x, nin, xin);
    dout  = VfeNearest(x, nout, xout);
    s     = din + dout > 0 ? din / (din + dout) : 0;        /* 0 at the inner region, 1 at the outer surface */
    layer = PetscMin(nlayers - 1, (PetscInt)(s * nlayers)); /* from inside */
    layer = nlayers - 1 - layer;                            /* tables: outer first */
    PetscCheck(f->cell_fc[e] < 0, comm, PETSC_ERR_ARG_WRONGSTATE, "fibres added twice to region %" PetscInt_FMT,
               region);
    f->cell[i]    = e;
    f->cell_fc[e] = i;
    f->k[i]       = phi[layer] * E[layer];
    for (int d = 0; d < 3; ++d) {
      f->dir[6 * i + d]     = ca * et[d] + sa * ax[d];
      f->dir[6 * i + 3 + d] = ca * et[d] - sa * ax[d];
    }
    for (PetscInt q = 0; q < 2 * f->nq; ++q) f->taut[2 * f->nq * i + q] = 1.0; /* start taut */
    f->nfc++;
  }
  PetscCall(PetscFree(xin));
  PetscCall(PetscFree(xout));
  PetscFunctionReturn(0);
}

/* Ke (3 npc x 3 npc, node-major) += the taut fibre terms of fibre cell i with coordinates X. */
static void VfeFibreCellStiffness(VfeSpace sp, VfeFibres f, PetscInt i, const PetscReal *X, PetscReal *Ke)
{
  const PetscInt npc = sp->npc, ld = 3 * npc;
  PetscReal G[4][3], V, dN[10][3];

  V = PetscAbsReal(vfe_tet_gradients(X, G)) / 6.0;
  for (PetscInt q = 0; q < f->nq; ++q) {
    PetscReal L[4], w;
    VfeFibreRule(f->nq, q, L, &w);
    vfe_shape_gradients((int)sp->order, G, L, dN);
    for (int fam = 0; fam < 2; ++fam) {
      const PetscReal *a = &f->dir[6 * i + 3 * fam], t = f->taut[2 * f->nq * i + f->nq * fam + q];
      PetscReal g[10], kk;
      if (t <= 0) continue;
      kk = t * w * V * f->k[i];
      for (PetscInt n = 0; n < npc; ++n) g[n] = a[0] * dN[n][0] + a[1] * dN[n][1] + a[2] * dN[n][2];
      for (PetscInt n = 0; n < npc; ++n)
        for (PetscInt m = 0; m < npc; ++m) {
          const PetscReal s = kk * g[n] * g[m];
          for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c) Ke[(3 * n + r) * ld + 3 * m + c] += s * a[r] * a[c];
        }
    }
  }
}

/* Ke += fibre terms of local cell c (nothing if c has no fibres) */
PetscErrorCode VfeFibresAddCell(VfeProblem prob, PetscInt c, const PetscReal *X, PetscReal *Ke)
{
  VfeFibres f = prob->fib;

  PetscFunctionBeginUser;
  if (f && f->cell_fc[c] >= 0) VfeFibreCellStiffness(prob->space, f, f->cell_fc[c], X, Ke);
  PetscFunctionReturn(0);
}

/* COO values (element pattern) += the taut fibre terms of every fibre cell. */
PetscErrorCode VfeFibresAddCOO(VfeProblem prob, PetscScalar *v)
{
  VfeFibres f        = prob->fib;
  VfeSpace d         = prob->space;
  const PetscInt npc = d->npc, ld = 3 * npc;
  PetscReal X[30], Ke[900];

  PetscFunctionBeginUser;
  if (!f) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < f->nfc; ++i) {
    const PetscInt c = f->cell[i], *cn = &d->cell_nodes[c * npc];
    VfeSpaceCellCoordinates(d, c, X);
    PetscCall(PetscArrayzero(Ke, ld * ld));
    VfeFibreCellStiffness(d, f, i, X, Ke);
    VfeCOOAddElement(prob, npc, cn, Ke, v);
  }
  PetscFunctionReturn(0);
}

/* The fibre terms as 3x3 blocks of the node-pair pattern, for the device assembly (solver/cuda/assemble.cu), which
 * keeps the element values on the GPU and adds these there: *nb = (fibre cells) x npc x npc blocks, cell by cell,
 * node pair (a, b) row-major; blk (unless NULL) receives each block's index in the pattern (fixed for the mesh), v
 * (unless NULL) its 9 values with the current taut states.  Duplicates (cells sharing a node pair) are summed by
 * the caller. */
PetscErrorCode VfeFibresCOOBlocks(VfeProblem prob, PetscCount *nb, PetscCount *blk, PetscScalar *v)
{
  VfeFibres f        = prob->fib;
  VfeSpace d         = prob->space;
  const PetscInt npc = d->npc, ld = 3 * npc;
  PetscReal X[30], Ke[900];
  PetscCount q = 0;

  PetscFunctionBeginUser;
  *nb = f ? (PetscCount)f->nfc * npc * npc : 0;
  if (!f) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < f->nfc; ++i) {
    const PetscInt c = f->cell[i], *cn = &d->cell_nodes[c * npc];
    if (v) {
      VfeSpaceCellCoordinates(d, c, X);
      PetscCall(PetscArrayzero(Ke, ld * ld));
      VfeFibreCellStiffness(d, f, i, X, Ke);
    }
    for (PetscInt a = 0; a < npc; ++a) {
      const PetscInt rs = prob->row_start[cn[a]], rl = prob->row_start[cn[a] + 1] - rs;
      for (PetscInt b = 0; b < npc; ++b, ++q) {
        if (blk) {
          const PetscInt pos = VfePatternFind(&prob->row_cols[rs], rl, cn[b]);
          PetscCheck(pos >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "fibre node pair missing from the COO pattern");
          blk[q] = rs + pos;
        }
        if (v)
          for (int r = 0; r < 3; ++r)
            for (int s = 0; s < 3; ++s) v[9 * q + 3 * r + s] = Ke[(3 * a + r) * ld + 3 * b + s];
      }
    }
  }
  PetscFunctionReturn(0);
}

/* Fibre strains from the global displacement u; taut where positive.  *changed: points that changed
 * (over all ranks). */
PetscErrorCode VfeFibresUpdate(VfeProblem prob, Vec ug, PetscInt *changed)
{
  VfeFibres f = prob->fib;
  VfeSpace d  = prob->space;
  const PetscScalar *u;
  PetscInt ch = 0;
  Vec ulocal;

  PetscFunctionBeginUser;
  *changed = 0;
  if (!f) PetscFunctionReturn(0);
  PetscCall(DMGetLocalVector(d->dm, &ulocal));
  PetscCall(VfeSpaceGlobalToLocal(d, ug, ulocal));
  PetscCall(VecGetArrayRead(ulocal, &u));
  for (PetscInt i = 0; i < f->nfc; ++i) {
    const PetscInt c = f->cell[i], *cn = &d->cell_nodes[c * d->npc];
    PetscReal X[30], G[4][3], dN[10][3];
    VfeSpaceCellCoordinates(d, c, X);
    (void)vfe_tet_gradients(X, G);
    for (PetscInt q = 0; q < f->nq; ++q) {
      PetscReal L[4], w;
      VfeFibreRule(f->nq, q, L, &w);
      vfe_shape_gradients((int)d->order, G, L, dN);
      for (int fam = 0; fam < 2; ++fam) {
        const PetscReal *a = &f->dir[6 * i + 3 * fam];
        PetscReal eps      = 0, t;
        for (PetscInt n = 0; n < d->npc; ++n) {
          const PetscReal g = a[0] * dN[n][0] + a[1] * dN[n][1] + a[2] * dN[n][2];
          for (int r = 0; r < 3; ++r) eps += g * a[r] * PetscRealPart(u[3 * cn[n] + r]);
        }
        t = eps > 0 ? 1.0 : 0.0;
        if (t != f->taut[2 * f->nq * i + f->nq * fam + q]) ch++;
        f->taut[2 * f->nq * i + f->nq * fam + q] = t;
      }
    }
  }
  PetscCall(VecRestoreArrayRead(ulocal, &u));
  PetscCall(DMRestoreLocalVector(d->dm, &ulocal));
  PetscCallMPI(MPI_Allreduce(&ch, changed, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)d->dm)));
  PetscFunctionReturn(0);
}

/* sig (xx, yy, zz, xy, yz, xz) += the fibre stress of local cell c at barycentric L (ue: its nodal
 * displacements); the state follows the strain at L. */
void VfeFibresCellStress(VfeProblem prob, PetscInt c, const PetscReal L[4], const PetscReal *ue, PetscReal sig[6])
{
  VfeFibres f = prob->fib;
  VfeSpace d  = prob->space;
  PetscInt i;
  PetscReal X[30], G[4][3], dN[10][3];

  if (!f || (i = f->cell_fc[c]) < 0) return;
  VfeSpaceCellCoordinates(d, c, X);
  (void)vfe_tet_gradients(X, G);
  vfe_shape_gradients((int)d->order, G, L, dN);
  for (int fam = 0; fam < 2; ++fam) {
    const PetscReal *a = &f->dir[6 * i + 3 * fam];
    PetscReal eps      = 0, s;
    for (PetscInt n = 0; n < d->npc; ++n) {
      const PetscReal g = a[0] * dN[n][0] + a[1] * dN[n][1] + a[2] * dN[n][2];
      for (int r = 0; r < 3; ++r) eps += g * a[r] * ue[3 * n + r];
    }
    if (eps <= 0) continue;
    s = f->k[i] * eps;
    sig[0] += s * a[0] * a[0], sig[1] += s * a[1] * a[1], sig[2] += s * a[2] * a[2];
    sig[3] += s * a[0] * a[1], sig[4] += s * a[1] * a[2], sig[5] += s * a[0] * a[2];
  }
}

/* The P1 level of the p-multigrid: the same fibre cells with one point each (the cells are the same
 * on both levels: same plex). */
PetscErrorCode VfeFibresDeriveP1(VfeProblem p2, VfeProblem p1)
{
  VfeFibres f2 = p2->fib, f1;

  PetscFunctionBeginUser;
  if (!f2 || p1->fib) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(1, &f1));
  f1->nq = 1;
  PetscCall(VfeFibresReserve(f1, f2->nfc));
  PetscCall(PetscArraycpy(f1->cell, f2->cell, f2->nfc));
  PetscCall(PetscArraycpy(f1->dir, f2->dir, 6 * f2->nfc));
  PetscCall(PetscArraycpy(f1->k, f2->k, f2->nfc));
  f1->nfc = f2->nfc;
  PetscCall(PetscMalloc1(p1->space->ncells + 1, &f1->cell_fc));
  PetscCall(PetscArraycpy(f1->cell_fc, f2->cell_fc, p1->space->ncells));
  p1->fib = f1;
  VfeFibresSyncP1(p2, p1);
  PetscFunctionReturn(0);
}

void VfeFibresSyncP1(VfeProblem p2, VfeProblem p1)
{
  VfeFibres f2 = p2->fib, f1 = p1->fib;
  if (!f2 || !f1) return;
  for (PetscInt i = 0; i < f2->nfc; ++i)
    for (int fam = 0; fam < 2; ++fam) {
      PetscReal t = 0;
      for (PetscInt q = 0; q < f2->nq; ++q) t += f2->taut[2 * f2->nq * i + f2->nq * fam + q];
      f1->taut[2 * i + fam] = t / f2->nq;
    }
}

/* taut points / all points over every rank (0 without fibres) */
PetscErrorCode VfeFibresTautFraction(VfeProblem prob, PetscReal *frac)
{
  VfeFibres f      = prob->fib;
  PetscReal loc[2] = {0, 0};

  PetscFunctionBeginUser;
  if (f)
    for (PetscInt i = 0; i < 2 * f->nq * f->nfc; ++i) loc[0] += f->taut[i], loc[1] += 1;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, loc, 2, MPIU_REAL, MPIU_SUM, PetscObjectComm((PetscObject)prob->space->dm)));
  *frac = loc[1] > 0 ? loc[0] / loc[1] : 0;
  PetscFunctionReturn(0);
}

/* prob->fib is created by the collective VfeProblemAddFibres on every rank, so this needs no reduction. */
PetscBool VfeProblemHasFibres(VfeProblem prob)
{
  return prob->fib ? PETSC_TRUE : PETSC_FALSE;
}
