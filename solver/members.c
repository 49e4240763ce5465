/*
 * members.c - one-dimensional members with piecewise-linear force laws, solved by an active set:
 * tension-only bilinear springs (ligaments) and node-to-surface frictionless contact (facets).
 *
 * A member m measures one scalar of the displacement, linear in the nodal values,
 *
 *     e_m(u) = sum_k c_k . u(node_k) + e0_m,
 *
 * and carries a force F_m(e) whose law is linear on each branch (state s):
 *
 *   spring (tension only, bilinear: Shirazi-Adl's ligament model)
 *       s = 0  e <= 0          F = 0   (slack; see VFE_MEMBER_SLACK)
 *       s = 1  0 < e <= e_t    F = k1 e              toe region
 *       s = 2  e > e_t         F = k2 e + (k1-k2) e_t
 *     e is the change of length between the mean displacements of two node sets (each the nodes of
 *     a region set within a radius of an attachment point: a distributing coupling), projected on
 *     the unit vector from the first set's centroid to the second's (the line of action of the two end
 *     forces, so that they have no moment); k = E A / L0, e_t = strain_t L0, L0 the points' distance.
 *   contact (penalty, frictionless, node to surface)
 *       s = 0  e >= 0  F = 0 (open);   s = 1  e < 0  F = k1 e
 *     e is the gap of a slave node to its closest point on the master surface along the master's
 *     outward normal n: e = n . (x_s + u_s - sum_i N_i (x_i + u_i)), N_i the master face's shape
 *     functions (P1 or P2) at the projection; k1 = penalty x the slave node's tributary area.  A slave
 *     node whose closest point lies on the master's rim, off its normal, is not paired (it faces nothing).
 *
 * The energy sum_m int F_m de adds K_m = k_s c c^T to the stiffness and -(k_s e0 + F0_s) c to the
 * right-hand side, F = k_s e + F0_s on branch s.  The active-set loop (a semismooth Newton method
 * for this piecewise-linear problem) solves with the current branches, recomputes every e, sets the
 * branches from it, and stops when no member changes branch: then the solution is exact for the
 * piecewise-linear laws (no tolerance on the forces).  The sparsity pattern holds every member from
 * the start (inactive ones carry zeros), so the matrix pattern and the preconditioner hierarchy
 * (GAMG's aggregates and interpolations, the p-multigrid levels) are built once and reused by
 * every iteration, as for a new set of materials.  Once a tenth of the contact pairs have left the
 * branch they had when GAMG's hierarchy was built (most open after the closed start), VfeProblemSolve
 * builds it anew, at most twice per solve (VfeMembersContactDrift).
 *
 * Parallel: members and their terms (global node, coefficient) are known on every rank (they are
 * few); member m is "held" by rank m % size, which adds its matrix entries and forces (off-process
 * COO entries and VecSetValues are routed by PETSc) and evaluates e through a scatter of the dofs
 * it needs.  Contact pairs and spring node sets are computed from surface and node data gathered on
 * every rank, so 1, 2 and 4 ranks build the same members.
 */
#include "vfesolverimpl.h"
#include <string.h>
#include <stdlib.h>

#define VFE_MEMBER_SPRING 0
#define VFE_MEMBER_CONTACT 1

typedef struct {
  char name[VFE_MEMBER_NAME_LEN];
  PetscInt kind;
  PetscInt first, n; /* members [first, first + n) */
} VfeMemberGroup;

struct _n_VfeMembers {
  PetscInt ngroups, gcap;
  VfeMemberGroup *groups;
  PetscInt nm, mcap;                 /* members (identical on every rank) */
  PetscInt *grp, *state;             /* group and branch of each member */
  PetscReal *k1, *k2, *et, *e0, *L0; /* law and offset; L0: reference length (springs), area (contact) */
  PetscReal *e;                      /* measure after the last solve */
  PetscInt *tstart;                  /* nm + 1 */
  PetscInt nt, tcap;
  PetscInt *tgid;   /* global node of each term */
  PetscReal *tcoef; /* 3 per term */
  /* evaluation of the held members' measures */
  VecScatter sc;
  Vec useq;
  PetscBool noslack; /* the inactive branches carry nothing (after the active set settled) */
  PetscInt *built;   /* the branches when the preconditioner hierarchy was last built (VfeMembersMarkBuilt) */
};

/* ------------------------------------------------------------------ storage ------------------- */

PetscErrorCode VfeMembersDestroy(VfeMembers *mp)
{
  VfeMembers m = *mp;

  PetscFunctionBeginUser;
  if (!m) PetscFunctionReturn(0);
  PetscCall(PetscFree(m->groups));
  PetscCall(PetscFree3(m->grp, m->state, m->tstart));
  PetscCall(PetscFree6(m->k1, m->k2, m->et, m->e0, m->L0, m->e));
  PetscCall(PetscFree2(m->tgid, m->tcoef));
  PetscCall(PetscFree(m->built));
  PetscCall(VecScatterDestroy(&m->sc));
  PetscCall(VecDestroy(&m->useq));
  PetscCall(PetscFree(m));
  *mp = NULL;
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeMembersReserve(VfeMembers m, PetscInt nm_add, PetscInt nt_add)
{
  PetscFunctionBeginUser;
  if (m->nm + nm_add > m->mcap) {
    PetscInt cap = PetscMax(2 * m->mcap, m->nm + nm_add + 16);
    PetscInt *grp, *state, *tstart;
    PetscReal *k1, *k2, *et, *e0, *L0, *e;
    PetscCall(PetscMalloc3(cap, &grp, cap, &state, cap + 1, &tstart));
    PetscCall(PetscMalloc6(cap, &k1, cap, &k2, cap, &et, cap, &e0, cap, &L0, cap, &e));
    if (m->mcap) {
      PetscCall(PetscArraycpy(grp, m->grp, m->nm));
      PetscCall(PetscArraycpy(state, m->state, m->nm));
      PetscCall(PetscArraycpy(tstart, m->tstart, m->nm + 1));
      PetscCall(PetscArraycpy(k1, m->k1, m->nm));
      PetscCall(PetscArraycpy(k2, m->k2, m->nm));
      PetscCall(PetscArraycpy(et, m->et, m->nm));
      PetscCall(PetscArraycpy(e0, m->e0, m->nm));
      PetscCall(PetscArraycpy(L0, m->L0, m->nm));
      PetscCall(PetscArraycpy(e, m->e, m->nm));
    } else
      tstart[0] = 0;
    PetscCall(PetscFree3(m->grp, m->state, m->tstart));
    PetscCall(PetscFree6(m->k1, m->k2, m->et, m->e0, m->L0, m->e));
    m->grp = grp, m->state = state, m->tstart = tstart;
    m->k1 = k1, m->k2 = k2, m->et = et, m->e0 = e0, m->L0 = L0, m->e = e;
    m->mcap = cap;
  }
  if (m->nt + nt_add > m->tcap) {
    PetscInt cap = PetscMax(2 * m->tcap, m->nt + nt_add + 64);
    PetscInt *tgid;
    PetscReal *tcoef;
    PetscCall(PetscMalloc2(cap, &tgid, 3 * cap, &tcoef));
    if (m->nt) {
      PetscCall(PetscArraycpy(tgid, m->tgid, m->nt));
      PetscCall(PetscArraycpy(tcoef, m->tcoef, 3 * m->nt));
    }
    PetscCall(PetscFree2(m->tgid, m->tcoef));
    m->tgid = tgid, m->tcoef = tcoef, m->tcap = cap;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeMembersGet(VfeProblem prob, VfeMembers *mp)
{
  PetscFunctionBeginUser;
  PetscCheck(!prob->K, PetscObjectComm((PetscObject)prob->space->dm), PETSC_ERR_ARG_WRONGSTATE,
             "members (springs, contact) must be added before the first assembly");
  if (!prob->mem) PetscCall(PetscCalloc1(1, &prob->mem));
  *mp = prob->mem;
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeMembersAddGroup(VfeMembers m, const char *name, PetscInt kind)
{
  PetscFunctionBeginUser;
  if (m->ngroups == m->gcap) {
    VfeMemberGroup *g;
    m->gcap = PetscMax(8, 2 * m->gcap);
    PetscCall(PetscCalloc1(m->gcap, &g));
    if (m->ngroups) PetscCall(PetscArraycpy(g, m->groups, m->ngroups));
    PetscCall(PetscFree(m->groups));
    m->groups = g;
  }
  PetscCall(PetscStrncpy(m->groups[m->ngroups].name, name, VFE_MEMBER_NAME_LEN));
  m->groups[m->ngroups].kind  = kind;
  m->groups[m->ngroups].first = m->nm;
  m->groups[m->ngroups].n     = 0;
  m->ngroups++;
  PetscFunctionReturn(0);
}

/* Append one member with nt terms to the last group. */
static PetscErrorCode VfeMembersAppend(VfeMembers m, PetscInt nt, const PetscInt *gid, const PetscReal *coef,
                                       PetscReal k1, PetscReal k2, PetscReal et, PetscReal e0, PetscReal L0,
                                       PetscInt state)
{
  const PetscInt i = m->nm;

  PetscFunctionBeginUser;
  PetscCall(VfeMembersReserve(m, 1, nt));
  m->grp[i]   = m->ngroups - 1;
  m->state[i] = state;
  m->k1[i] = k1, m->k2[i] = k2, m->et[i] = et, m->e0[i] = e0, m->L0[i] = L0, m->e[i] = 0;
  PetscCall(PetscArraycpy(&m->tgid[m->nt], gid, nt));
  PetscCall(PetscArraycpy(&m->tcoef[3 * m->nt], coef, 3 * nt));
  m->nt += nt;
  m->tstart[i + 1] = m->nt;
  m->nm++;
  m->groups[m->ngroups - 1].n++;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ laws ---------------------- */

/* While the active set is searched, the inactive branch keeps VFE_MEMBER_SLACK k1, so that a body
 * held only by members that all open in one iteration (a punch pulled off its base before its
 * spring takes over) is not singular.  Once the branches settle, VfeMembersSlackForce says how much
 * force that regularisation carries; when it is not negligible the loop switches it off
 * (VfeMembersSetSlack) and solves again, so the converged answer has no slack force. */
#define VFE_MEMBER_SLACK 1e-8
static void VfeMemberLaw(VfeMembers m, PetscInt i, PetscInt s, PetscReal *k, PetscReal *F0)
{
  *k = m->noslack ? 0 : VFE_MEMBER_SLACK * m->k1[i], *F0 = 0;
  if (s == 1) *k = m->k1[i];
  if (s == 2) *k = m->k2[i], *F0 = (m->k1[i] - m->k2[i]) * m->et[i];
}

static PetscInt VfeMemberBranch(VfeMembers m, PetscInt i, PetscReal e)
{
  if (m->groups[m->grp[i]].kind == VFE_MEMBER_CONTACT) return e < 0 ? 1 : 0;
  if (e <= 0) return 0;
  return e <= m->et[i] ? 1 : 2;
}

static PetscReal VfeMemberForce(VfeMembers m, PetscInt i, PetscReal e)
{
  PetscReal k, F0;
  VfeMemberLaw(m, i, VfeMemberBranch(m, i, e), &k, &F0);
  return k * e + F0;
}

/* ------------------------------------------------------------------ gathering ----------------- */

/* Allgatherv of n items of `width` reals each (the same width on every rank). */
PetscErrorCode VfeGatherReals(MPI_Comm comm, PetscInt n, PetscInt width, const PetscReal *in, PetscInt *ntot,
                              PetscReal **out)
{
  PetscMPIInt size, *cnt, *dsp, mine = (PetscMPIInt)(n * width);

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMalloc2(size, &cnt, size, &dsp));
  PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, comm));
  dsp[0] = 0;
  for (PetscMPIInt r = 1; r < size; ++r) dsp[r] = dsp[r - 1] + cnt[r - 1];
  *ntot = (dsp[size - 1] + cnt[size - 1]) / width;
  PetscCall(PetscMalloc1(*ntot * width + 1, out));
  PetscCallMPI(MPI_Allgatherv(in, mine, MPIU_REAL, *out, cnt, dsp, MPIU_REAL, comm));
  PetscCall(PetscFree2(cnt, dsp));
  PetscFunctionReturn(0);
}

/* Marker of the owned nodes that belong to a cell of a region with inregion[r] (a node on a
 * partition boundary may have those cells on another rank only). */
static PetscErrorCode VfeRegionNodeMarker(VfeSpace sp, const PetscBool *inregion, PetscBool **mark)
{
  Vec l, g;
  PetscScalar *a;

  PetscFunctionBeginUser;
  PetscCall(DMGetLocalVector(sp->dm, &l));
  PetscCall(DMGetGlobalVector(sp->dm, &g));
  PetscCall(VecSet(l, 0));
  PetscCall(VecSet(g, 0));
  PetscCall(VecGetArray(l, &a));
  for (PetscInt c = 0; c < sp->ncells; ++c)
    if (inregion[sp->cell_region[c]])
      for (PetscInt k = 0; k < sp->npc; ++k) a[3 * sp->cell_nodes[c * sp->npc + k]] = 1;
  PetscCall(VecRestoreArray(l, &a));
  PetscCall(DMLocalToGlobal(sp->dm, l, ADD_VALUES, g));
  PetscCall(DMGlobalToLocal(sp->dm, g, INSERT_VALUES, l));
  PetscCall(PetscMalloc1(sp->nnodes, mark));
  PetscCall(VecGetArray(l, &a));
  for (PetscInt n = 0; n < sp->nnodes; ++n) (*mark)[n] = PetscRealPart(a[3 * n]) > 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(VecRestoreArray(l, &a));
  PetscCall(DMRestoreGlobalVector(sp->dm, &g));
  PetscCall(DMRestoreLocalVector(sp->dm, &l));
  PetscFunctionReturn(0);
}

/* Global ids of the (at most VFE_SPRING_NODES) marked nodes nearest to P within radius, gathered on
 * every rank; ties are broken by position, so every partition picks the same nodes.  Capping the
 * count keeps a spring's rank-one term (all pairs of its nodes) from filling the matrix. */
#define VFE_SPRING_NODES 16
typedef struct {
  PetscReal d, x[3], gid;
} VfeNear;

static int VfeNearCmp(const void *a, const void *b)
{
  const VfeNear *p = (const VfeNear *)a, *q = (const VfeNear *)b;
  if (p->d != q->d) return p->d < q->d ? -1 : 1;
  for (int k = 0; k < 3; ++k)
    if (p->x[k] != q->x[k]) return p->x[k] < q->x[k] ? -1 : 1;
  return 0;
}

static PetscErrorCode VfeNodesNear(VfeSpace sp, const PetscBool *mark, const PetscReal P[3], PetscReal radius,
                                   PetscInt *n, PetscInt **gids, PetscReal c[3])
{
  VfeNear *loc, *all;
  PetscInt nl = 0, nt;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(sp->nnodes + 1, &loc));
  for (PetscInt k = 0; k < sp->nnodes; ++k) {
    const PetscReal *x = &sp->xyz[3 * k];
    const PetscReal d2 = PetscSqr(x[0] - P[0]) + PetscSqr(x[1] - P[1]) + PetscSqr(x[2] - P[2]);
    if (!sp->owned[k] || !mark[k] || d2 > radius * radius) continue;
    loc[nl].d = PetscSqrtReal(d2);
    for (int j = 0; j < 3; ++j) loc[nl].x[j] = x[j];
    loc[nl].gid = (PetscReal)sp->gnode[k];
    nl++;
  }
  PetscCall(VfeGatherReals(PetscObjectComm((PetscObject)sp->dm), nl, 5, (PetscReal *)loc, &nt, (PetscReal **)&all));
  qsort(all, (size_t)nt, sizeof *all, VfeNearCmp);
  nt = PetscMin(nt, VFE_SPRING_NODES);
  PetscCall(PetscMalloc1(nt + 1, gids));
  c[0] = c[1] = c[2] = 0;
  for (PetscInt k = 0; k < nt; ++k) {
    (*gids)[k] = (PetscInt)all[k].gid;
    for (int j = 0; j < 3; ++j) c[j] += all[k].x[j] / nt;
  }
  PetscCall(PetscSortInt(nt, *gids));
  *n = nt;
  PetscCall(PetscFree(loc));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ springs ------------------- */

PetscErrorCode VfeProblemAddSpring(VfeProblem prob, const char *name, const PetscReal A[3], const PetscReal B[3],
                                   PetscReal radius, const PetscBool *regA, const PetscBool *regB,
                                   const VfeSpringLaw *law)
{
  VfeSpace sp   = prob->space;
  MPI_Comm comm = PetscObjectComm((PetscObject)sp->dm);
  VfeMembers m;
  PetscBool *markA, *markB;
  PetscInt nA, nB, *gA, *gB, *gid;
  PetscReal d[3], L0, Lc, cA[3], cB[3], *coef;

  PetscFunctionBeginUser;
  PetscCall(VfeMembersGet(prob, &m));
  L0 = PetscSqrtReal(PetscSqr(B[0] - A[0]) + PetscSqr(B[1] - A[1]) + PetscSqr(B[2] - A[2]));
  PetscCheck(L0 > 1e-6, comm, PETSC_ERR_USER_INPUT, "%s: its two attachment points coincide", name);
  PetscCheck(law->E1 > 0 && law->E2 > 0 && law->area > 0 && law->strain_t >= 0 && radius > 0, comm,
             PETSC_ERR_USER_INPUT, "%s: moduli, area and radius must be positive and the transition strain >= 0", name);
  PetscCall(VfeRegionNodeMarker(sp, regA, &markA));
  PetscCall(VfeRegionNodeMarker(sp, regB, &markB));
  PetscCall(VfeNodesNear(sp, markA, A, radius, &nA, &gA, cA));
  PetscCall(VfeNodesNear(sp, markB, B, radius, &nB, &gB, cB));
  PetscCall(PetscFree(markA));
  PetscCall(PetscFree(markB));
  PetscCheck(nA > 0 && nB > 0, comm, PETSC_ERR_USER_INPUT,
             "%s: no mesh node of its %s bone within %g mm of the attachment point (%g, %g, %g)", name,
             nA ? "second" : "first", (double)radius, (double)(nA ? B[0] : A[0]), (double)(nA ? B[1] : A[1]),
             (double)(nA ? B[2] : A[2]));
  /* the line of action joins the two node sets' centroids (each end's force is spread equally over its nodes, so
     it acts at their centroid): the pair of end forces then has no moment, and the model stays in moment
     equilibrium; the free length L0 stays the attachment points' distance */
  Lc = PetscSqrtReal(PetscSqr(cB[0] - cA[0]) + PetscSqr(cB[1] - cA[1]) + PetscSqr(cB[2] - cA[2]));
  PetscCheck(Lc > 1e-6, comm, PETSC_ERR_USER_INPUT, "%s: the bone nodes of its two ends have the same centroid", name);
  for (int k = 0; k < 3; ++k) d[k] = (cB[k] - cA[k]) / Lc;
  PetscCall(PetscMalloc2(nA + nB, &gid, 3 * (nA + nB), &coef));
  for (PetscInt k = 0; k < nA; ++k) {
    gid[k] = gA[k];
    for (int j = 0; j < 3; ++j) coef[3 * k + j] = -d[j] / nA;
  }
  for (PetscInt k = 0; k < nB; ++k) {
    gid[nA + k] = gB[k];
    for (int j = 0; j < 3; ++j) coef[3 * (nA + k) + j] = d[j] / nB;
  }
  PetscCall(VfeMembersAddGroup(m, name, VFE_MEMBER_SPRING));
  /* start taut (toe branch): a body held only by springs is not singular in the first solve */
  PetscCall(VfeMembersAppend(m, nA + nB, gid, coef, law->E1 * law->area / L0, law->E2 * law->area / L0,
                             law->strain_t * L0, 0.0, L0, 1));
  PetscCall(PetscFree2(gid, coef));
  PetscCall(PetscFree(gA));
  PetscCall(PetscFree(gB));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ contact ------------------- */

static inline PetscReal VfeDot3(const PetscReal *x, const PetscReal *y)
{
  return x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
}

/* Closest point of p on triangle (a, b, c): barycentrics L and squared distance. */
static PetscReal VfeClosestOnTriangle(const PetscReal *p, const PetscReal *a, const PetscReal *b, const PetscReal *c,
                                      PetscReal L[3])
{
  PetscReal ab[3], ac[3], ap[3], bp[3], cp[3], d1, d2, d3, d4, d5, d6, va, vb, vc, v, w, q[3], dist = 0;
  for (int k = 0; k < 3; ++k)
    ab[k] = b[k] - a[k], ac[k] = c[k] - a[k], ap[k] = p[k] - a[k], bp[k] = p[k] - b[k], cp[k] = p[k] - c[k];
  d1 = VfeDot3(ab, ap), d2 = VfeDot3(ac, ap);
  d3 = VfeDot3(ab, bp), d4 = VfeDot3(ac, bp);
  d5 = VfeDot3(ab, cp), d6 = VfeDot3(ac, cp);
  if (d1 <= 0 && d2 <= 0) {
    L[0] = 1, L[1] = 0, L[2] = 0;
    goto done;
  }
  if (d3 >= 0 && d4 <= d3) {
    L[0] = 0, L[1] = 1, L[2] = 0;
    goto done;
  }
  vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) {
    v    = d1 / (d1 - d3);
    L[0] = 1 - v, L[1] = v, L[2] = 0;
    goto done;
  }
  if (d6 >= 0 && d5 <= d6) {
    L[0] = 0, L[1] = 0, L[2] = 1;
    goto done;
  }
  vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) {
    w    = d2 / (d2 - d6);
    L[0] = 1 - w, L[1] = 0, L[2] = w;
    goto done;
  }
  va = d3 * d6 - d5 * d4;
  if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) {
    w    = (d4 - d3) / ((d4 - d3) + (d5 - d6));
    L[0] = 0, L[1] = 1 - w, L[2] = w;
    goto done;
  }
  {
    const PetscReal den = 1 / (va + vb + vc);
    v = vb * den, w = vc * den;
    L[0] = 1 - v - w, L[1] = v, L[2] = w;
  }
done:
  for (int k = 0; k < 3; ++k) {
    q[k] = L[0] * a[k] + L[1] * b[k] + L[2] * c[k];
    dist += PetscSqr(p[k] - q[k]);
  }
  return dist;
}

/* Per face of surface s on this rank: 6 node ids (-1 for P1's missing edges), 9 vertex coordinates,
 * outward normal, area: 19 reals. */
#define VFE_FACE_W 19
static PetscErrorCode VfeGatherFaces(VfeSpace sp, PetscInt s, PetscInt *nf, PetscReal **faces)
{
  PetscInt nloc, *fl;
  PetscReal *buf;

  PetscFunctionBeginUser;
  PetscCall(VfeSpaceGetBoundaryFaces(sp, s, &nloc, &fl));
  PetscCall(PetscMalloc1(VFE_FACE_W * nloc + 1, &buf));
  for (PetscInt f = 0; f < nloc; ++f) {
    PetscInt nodes[6] = {-1, -1, -1, -1, -1, -1};
    PetscReal area, n[3], *b = &buf[VFE_FACE_W * f];
    PetscCall(VfeSpaceFaceGeometry(sp, fl[f], nodes, &area, n));
    for (int k = 0; k < 6; ++k) b[k] = (k < 3 || sp->order == 2) ? (PetscReal)sp->gnode[nodes[k]] : -1;
    for (int k = 0; k < 3; ++k)
      for (int j = 0; j < 3; ++j) b[6 + 3 * k + j] = sp->xyz[3 * nodes[k] + j];
    for (int j = 0; j < 3; ++j) b[15 + j] = n[j];
    b[18] = area;
  }
  PetscCall(PetscFree(fl));
  PetscCall(VfeGatherReals(PetscObjectComm((PetscObject)sp->dm), nloc, VFE_FACE_W, buf, nf, faces));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt gid;
  PetscReal x[3], area;
} VfeSlave;

static int VfeSlaveCmp(const void *a, const void *b)
{
  const PetscInt x = ((const VfeSlave *)a)->gid, y = ((const VfeSlave *)b)->gid;
  return x < y ? -1 : x > y;
}

PetscErrorCode VfeProblemAddContact(VfeProblem prob, const char *name, PetscInt slave, PetscInt master,
                                    PetscReal penalty, PetscReal search)
{
  VfeSpace sp        = prob->space;
  MPI_Comm comm      = PetscObjectComm((PetscObject)sp->dm);
  const PetscInt nfn = sp->order == 2 ? 6 : 3;
  VfeMembers m;
  PetscInt nfs, nfm, ns = 0, npaired = 0;
  PetscReal *fs, *fm;
  VfeSlave *sl;

  PetscFunctionBeginUser;
  PetscCall(VfeMembersGet(prob, &m));
  PetscCheck(penalty > 0 && search > 0, comm, PETSC_ERR_USER_INPUT,
             "%s: the contact penalty and search distance must be positive", name);
  PetscCall(VfeGatherFaces(sp, slave, &nfs, &fs));
  PetscCall(VfeGatherFaces(sp, master, &nfm, &fm));
  PetscCheck(nfs > 0 && nfm > 0, comm, PETSC_ERR_USER_INPUT, "%s: its %s surface has no faces", name,
             nfs ? "master" : "slave");
  /* slave nodes with their tributary areas (P1: a third of each face, P2: a sixth to each of its 6 nodes) */
  PetscCall(PetscMalloc1(nfn * nfs, &sl));
  for (PetscInt f = 0; f < nfs; ++f) {
    const PetscReal *b = &fs[VFE_FACE_W * f];
    for (PetscInt k = 0; k < nfn; ++k) {
      VfeSlave *s = &sl[f * nfn + k];
      s->gid      = (PetscInt)b[k];
      s->area     = b[18] / nfn;
      for (int j = 0; j < 3; ++j)
        s->x[j] = k < 3 ? b[6 + 3 * k + j]
                        : 0.5 * (b[6 +
                                   3 * (k == 3   ? 0
                                        : k == 4 ? 1
                                                 : 0) +
                                   j] +
                                 b[6 + 3 * (k == 3 ? 1 : 2) + j]);
    }
  }
  qsort(sl, (size_t)(nfn * nfs), sizeof *sl, VfeSlaveCmp);
  for (PetscInt k = 0; k < nfn * nfs; ++k) {
    if (ns && sl[ns - 1].gid == sl[k].gid)
      sl[ns - 1].area += sl[k].area;
    else
      sl[ns++] = sl[k];
  }
  PetscCall(VfeMembersAddGroup(m, name, VFE_MEMBER_CONTACT));
  for (PetscInt k = 0; k < ns; ++k) {
    PetscReal best = PETSC_MAX_REAL, Lb[3] = {0, 0, 0}, gap, N[6], coef[21], q[3];
    PetscInt fb = -1, gid[7];
    for (PetscInt f = 0; f < nfm; ++f) {
      const PetscReal *b = &fm[VFE_FACE_W * f];
      PetscReal L[3], d2;
      d2 = VfeClosestOnTriangle(sl[k].x, &b[6], &b[9], &b[12], L);
      if (d2 < best - 1e-14) best = d2, fb = f, Lb[0] = L[0], Lb[1] = L[1], Lb[2] = L[2];
    }
    if (fb < 0 || PetscSqrtReal(best) > search) continue;
    {
      const PetscReal *b = &fm[VFE_FACE_W * fb], *n = &b[15];
      for (int j = 0; j < 3; ++j) q[j] = Lb[0] * b[6 + j] + Lb[1] * b[9 + j] + Lb[2] * b[12 + j];
      gap = n[0] * (sl[k].x[0] - q[0]) + n[1] * (sl[k].x[1] - q[1]) + n[2] * (sl[k].x[2] - q[2]);
      /* a slave node that does not lie over the master surface (its closest point is on the master's rim, off its
         normal) faces nothing: pairing it would extend the master's plane beyond its edge */
      if (PetscSqrtReal(best) > PetscAbsReal(gap) + 1e-3) continue;
      if (nfn == 3)
        for (int a = 0; a < 3; ++a) N[a] = Lb[a];
      else { /* quadratic triangle, edges (01, 12, 02) */
        for (int a = 0; a < 3; ++a) N[a] = Lb[a] * (2 * Lb[a] - 1);
        N[3] = 4 * Lb[0] * Lb[1], N[4] = 4 * Lb[1] * Lb[2], N[5] = 4 * Lb[0] * Lb[2];
      }
      gid[0] = sl[k].gid;
      for (int j = 0; j < 3; ++j) coef[j] = n[j];
      for (PetscInt a = 0; a < nfn; ++a) {
        gid[1 + a] = (PetscInt)b[a];
        for (int j = 0; j < 3; ++j) coef[3 * (1 + a) + j] = -N[a] * n[j];
      }
      PetscCheck(gid[0] != gid[1] && gid[0] != gid[2] && gid[0] != gid[3], comm, PETSC_ERR_USER_INPUT,
                 "%s: the slave and master surfaces share nodes (contact needs a gap between two separate surfaces)",
                 name);
      /* start closed: the first solve holds every pair at zero gap (a body that touches the other only
       * through the contact is not singular), the next ones release the pairs that pull.  GAMG's hierarchy is
       * built on that first matrix; when most pairs have opened, VfeProblemSolve builds it anew */
      PetscCall(VfeMembersAppend(m, 1 + nfn, gid, coef, penalty * sl[k].area, 0, 0, gap, sl[k].area, 1));
      npaired++;
    }
  }
  PetscCall(PetscInfo(
      NULL, "%s: %" PetscInt_FMT " of %" PetscInt_FMT " slave nodes paired with %" PetscInt_FMT " master faces\n", name,
      npaired, ns, nfm));
  PetscCheck(npaired > 0, comm, PETSC_ERR_USER_INPUT,
             "%s: no slave node lies within %g mm of the master surface (search distance)", name, (double)search);
  PetscCall(PetscFree(sl));
  PetscCall(PetscFree(fs));
  PetscCall(PetscFree(fm));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ assembly hooks ------------ */

static PetscBool VfeHeld(PetscInt i, PetscMPIInt rank, PetscMPIInt size)
{
  return (PetscMPIInt)(i % size) == rank ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode VfeMembersCOOCount(VfeProblem prob, PetscCount *n)
{
  VfeMembers m = prob->mem;
  PetscMPIInt rank, size;
  MPI_Comm comm = PetscObjectComm((PetscObject)prob->space->dm);

  PetscFunctionBeginUser;
  *n = 0;
  if (!m) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  for (PetscInt i = 0; i < m->nm; ++i)
    if (VfeHeld(i, rank, size)) {
      const PetscCount t = m->tstart[i + 1] - m->tstart[i];
      *n += 9 * t * t;
    }
  PetscFunctionReturn(0);
}

/* COO indices (fill = 0) or values k_s c_a c_b^T of the held members, in the same order. */
PetscErrorCode VfeMembersCOO(VfeProblem prob, PetscInt *ci, PetscInt *cj, PetscScalar *v)
{
  VfeMembers m = prob->mem;
  PetscMPIInt rank, size;
  MPI_Comm comm = PetscObjectComm((PetscObject)prob->space->dm);
  PetscCount q  = 0;

  PetscFunctionBeginUser;
  if (!m) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  for (PetscInt i = 0; i < m->nm; ++i) {
    PetscReal k, F0;
    if (!VfeHeld(i, rank, size)) continue;
    VfeMemberLaw(m, i, m->state[i], &k, &F0);
    for (PetscInt a = m->tstart[i]; a < m->tstart[i + 1]; ++a)
      for (PetscInt b = m->tstart[i]; b < m->tstart[i + 1]; ++b)
        for (int r = 0; r < 3; ++r)
          for (int c = 0; c < 3; ++c, ++q) {
            if (ci) ci[q] = 3 * m->tgid[a] + r, cj[q] = 3 * m->tgid[b] + c;
            if (v) v[q] = k * m->tcoef[3 * a + r] * m->tcoef[3 * b + c];
          }
  }
  PetscFunctionReturn(0);
}

/* add sign * (k_s e0 + F0_s) c (constants of the current branches) or sign * F(e) c (forces at the
 * last measures) of the held members to the global vector g */
static PetscErrorCode VfeMembersAddVector(VfeProblem prob, PetscBool forces, PetscReal sign, Vec g)
{
  VfeMembers m = prob->mem;
  PetscMPIInt rank, size;
  MPI_Comm comm = PetscObjectComm((PetscObject)prob->space->dm);

  PetscFunctionBeginUser;
  if (!m) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  for (PetscInt i = 0; i < m->nm; ++i) {
    PetscReal k, F0, s;
    if (!VfeHeld(i, rank, size)) continue;
    if (forces)
      s = VfeMemberForce(m, i, m->e[i]);
    else {
      VfeMemberLaw(m, i, m->state[i], &k, &F0);
      s = k * m->e0[i] + F0;
    }
    if (s == 0) continue;
    for (PetscInt a = m->tstart[i]; a < m->tstart[i + 1]; ++a)
      for (int r = 0; r < 3; ++r)
        PetscCall(VecSetValue(g, 3 * m->tgid[a] + r, sign * s * m->tcoef[3 * a + r], ADD_VALUES));
  }
  PetscCall(VecAssemblyBegin(g));
  PetscCall(VecAssemblyEnd(g));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMembersRHS(VfeProblem prob, Vec b)
{
  return VfeMembersAddVector(prob, PETSC_FALSE, -1.0, b);
}

PetscErrorCode VfeMembersAddForces(VfeProblem prob, Vec g)
{
  return VfeMembersAddVector(prob, PETSC_TRUE, 1.0, g);
}

/* e of every member from the global displacement u (all ranks get all). */
static PetscErrorCode VfeMembersMeasure(VfeProblem prob, Vec u)
{
  VfeMembers m  = prob->mem;
  MPI_Comm comm = PetscObjectComm((PetscObject)prob->space->dm);
  PetscMPIInt rank, size;
  const PetscScalar *us;
  PetscInt q = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (!m->sc) {
    PetscInt nd = 0, *idx;
    IS is;
    for (PetscInt i = 0; i < m->nm; ++i)
      if (VfeHeld(i, rank, size)) nd += 3 * (m->tstart[i + 1] - m->tstart[i]);
    PetscCall(PetscMalloc1(nd + 1, &idx));
    nd = 0;
    for (PetscInt i = 0; i < m->nm; ++i)
      if (VfeHeld(i, rank, size))
        for (PetscInt a = m->tstart[i]; a < m->tstart[i + 1]; ++a)
          for (int r = 0; r < 3; ++r) idx[nd++] = 3 * m->tgid[a] + r;
    PetscCall(ISCreateGeneral(PETSC_COMM_SELF, nd, idx, PETSC_OWN_POINTER, &is));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, nd, &m->useq));
    PetscCall(VecScatterCreate(u, is, m->useq, NULL, &m->sc));
    PetscCall(ISDestroy(&is));
  }
  PetscCall(VecScatterBegin(m->sc, u, m->useq, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(m->sc, u, m->useq, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecGetArrayRead(m->useq, &us));
  for (PetscInt i = 0; i < m->nm; ++i) {
    PetscReal e = 0;
    if (VfeHeld(i, rank, size)) {
      e = m->e0[i];
      for (PetscInt a = m->tstart[i]; a < m->tstart[i + 1]; ++a)
        for (int r = 0; r < 3; ++r) e += m->tcoef[3 * a + r] * PetscRealPart(us[q++]);
    }
    m->e[i] = e;
  }
  PetscCall(VecRestoreArrayRead(m->useq, &us));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, m->e, (PetscMPIInt)m->nm, MPIU_REAL, MPIU_SUM, comm));
  PetscFunctionReturn(0);
}

/* Measure, then set every branch from its measure; *changed: members that changed branch. */
PetscErrorCode VfeMembersUpdate(VfeProblem prob, Vec u, PetscInt *changed)
{
  VfeMembers m = prob->mem;

  PetscFunctionBeginUser;
  *changed = 0;
  if (!m) PetscFunctionReturn(0);
  PetscCall(VfeMembersMeasure(prob, u));
  for (PetscInt i = 0; i < m->nm; ++i) {
    const PetscInt s = VfeMemberBranch(m, i, m->e[i]);
    if (s != m->state[i]) (*changed)++;
    m->state[i] = s;
  }
  PetscFunctionReturn(0);
}

/* Sum over the inactive members of |force| that the slack regularisation carries, and the sum of
 * |force| of the active ones. */
void VfeMembersSlackForce(VfeProblem prob, PetscReal *slack, PetscReal *active)
{
  VfeMembers m = prob->mem;
  *slack = *active = 0;
  if (!m) return;
  for (PetscInt i = 0; i < m->nm; ++i) {
    const PetscReal F = PetscAbsReal(VfeMemberForce(m, i, m->e[i]));
    if (m->state[i])
      *active += F;
    else
      *slack += F;
  }
}

/* The preconditioner hierarchy was (re)built on the current branches. */
PetscErrorCode VfeMembersMarkBuilt(VfeProblem prob)
{
  VfeMembers m = prob->mem;

  PetscFunctionBeginUser;
  if (!m || !m->nm) PetscFunctionReturn(0);
  if (!m->built) PetscCall(PetscMalloc1(m->nm, &m->built));
  PetscCall(PetscArraycpy(m->built, m->state, m->nm));
  PetscFunctionReturn(0);
}

/* Contact members whose branch differs from the one the hierarchy was built on, and contact members in all. */
PetscInt VfeMembersContactDrift(VfeProblem prob, PetscInt *ncontact)
{
  VfeMembers m   = prob->mem;
  PetscInt drift = 0;

  *ncontact = 0;
  if (!m || !m->built) return 0;
  for (PetscInt i = 0; i < m->nm; ++i) {
    if (m->groups[m->grp[i]].kind != VFE_MEMBER_CONTACT) continue;
    (*ncontact)++;
    if (m->state[i] != m->built[i]) drift++;
  }
  return drift;
}

void VfeMembersSetSlack(VfeProblem prob, PetscBool on)
{
  if (prob->mem) prob->mem->noslack = on ? PETSC_FALSE : PETSC_TRUE;
}

PetscInt VfeMembersCount(VfeProblem prob)
{
  return prob->mem ? prob->mem->nm : 0;
}

/* ------------------------------------------------------------------ P1 level of the p-multigrid - */

/* The members of a P2 problem expressed on its P1 level (same plex): a P2 vertex node is its P1
 * vertex, an edge node half of each of its two vertices; that is c1 = P^T c2, so the P1 level's
 * member stiffness is the Galerkin product of the P2 one.  Branches are copied from the P2 members
 * (VfeMembersSyncP1) before each assembly of the P1 level. */
PetscErrorCode VfeMembersDeriveP1(VfeProblem p2, VfeProblem p1)
{
  VfeMembers m2 = p2->mem, m1;
  VfeSpace s2 = p2->space, s1 = p1->space;
  MPI_Comm comm = PetscObjectComm((PetscObject)s2->dm);
  PetscInt nu, *ug, *map, *own, *ownloc, nown = 0;

  PetscFunctionBeginUser;
  if (!m2 || p1->mem) PetscFunctionReturn(0);
  /* unique term nodes and their P1 images (two global P1 nodes; the second -1 for a vertex) */
  PetscCall(PetscMalloc1(m2->nt + 1, &ug));
  PetscCall(PetscArraycpy(ug, m2->tgid, m2->nt));
  nu = m2->nt;
  PetscCall(PetscSortRemoveDupsInt(&nu, ug));
  PetscCall(PetscMalloc1(2 * nu + 1, &map));
  for (PetscInt k = 0; k < 2 * nu; ++k) map[k] = -1;
  PetscCall(PetscMalloc2(s2->nowned + 1, &own, s2->nowned + 1, &ownloc));
  for (PetscInt n = 0; n < s2->nnodes; ++n)
    if (s2->owned[n]) own[nown] = s2->gnode[n], ownloc[nown++] = n;
  PetscCall(PetscSortIntWithArray(nown, own, ownloc));
  for (PetscInt k = 0; k < nu; ++k) {
    PetscInt pos, n, pt;
    PetscCall(PetscFindInt(ug[k], nown, own, &pos));
    if (pos < 0) continue;
    n  = ownloc[pos];
    pt = s2->node_point[n];
    if (s2->is_vertex[n])
      map[2 * k] = s1->gnode[s1->point_node[pt - s1->pStart]];
    else {
      const PetscInt *cone;
      PetscCall(DMPlexGetCone(s2->dm, pt, &cone));
      map[2 * k]     = s1->gnode[s1->point_node[cone[0] - s1->pStart]];
      map[2 * k + 1] = s1->gnode[s1->point_node[cone[1] - s1->pStart]];
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, map, (PetscMPIInt)(2 * nu), MPIU_INT, MPI_MAX, comm));
  PetscCall(PetscCalloc1(1, &m1));
  for (PetscInt g = 0; g < m2->ngroups; ++g) {
    PetscCall(VfeMembersAddGroup(m1, m2->groups[g].name, m2->groups[g].kind));
    for (PetscInt i = m2->groups[g].first; i < m2->groups[g].first + m2->groups[g].n; ++i) {
      const PetscInt t0 = m2->tstart[i], nt = m2->tstart[i + 1] - t0;
      PetscInt *gid, q                      = 0;
      PetscReal *coef;
      PetscCall(PetscMalloc2(2 * nt, &gid, 6 * nt, &coef));
      for (PetscInt a = t0; a < t0 + nt; ++a) {
        PetscInt k;
        PetscCall(PetscFindInt(m2->tgid[a], nu, ug, &k));
        PetscCheck(k >= 0 && map[2 * k] >= 0, comm, PETSC_ERR_PLIB, "member node without a P1 image");
        for (int h = 0; h < 2; ++h) {
          if (map[2 * k + h] < 0) continue;
          gid[q] = map[2 * k + h];
          for (int j = 0; j < 3; ++j) coef[3 * q + j] = m2->tcoef[3 * a + j] * (map[2 * k + 1] < 0 ? 1.0 : 0.5);
          q++;
        }
      }
      PetscCall(
          VfeMembersAppend(m1, q, gid, coef, m2->k1[i], m2->k2[i], m2->et[i], m2->e0[i], m2->L0[i], m2->state[i]));
      PetscCall(PetscFree2(gid, coef));
    }
  }
  p1->mem = m1;
  PetscCall(PetscFree(ug));
  PetscCall(PetscFree(map));
  PetscCall(PetscFree2(own, ownloc));
  PetscFunctionReturn(0);
}

void VfeMembersSyncP1(VfeProblem p2, VfeProblem p1)
{
  if (!p2->mem || !p1->mem) return;
  p1->mem->noslack = p2->mem->noslack;
  for (PetscInt i = 0; i < p2->mem->nm; ++i) p1->mem->state[i] = p2->mem->state[i];
}

/* ------------------------------------------------------------------ reporting ----------------- */

PetscErrorCode VfeProblemGetMemberGroups(VfeProblem prob, PetscInt *n, VfeMemberGroupInfo **info)
{
  VfeMembers m = prob->mem;

  PetscFunctionBeginUser;
  *n    = m ? m->ngroups : 0;
  *info = NULL;
  if (!*n) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(*n, info));
  for (PetscInt g = 0; g < m->ngroups; ++g) {
    VfeMemberGroupInfo *gi = &(*info)[g];
    PetscCall(PetscStrncpy(gi->name, m->groups[g].name, sizeof gi->name));
    gi->contact     = m->groups[g].kind == VFE_MEMBER_CONTACT ? PETSC_TRUE : PETSC_FALSE;
    gi->nmembers    = m->groups[g].n;
    gi->min_measure = PETSC_MAX_REAL;
    for (PetscInt i = m->groups[g].first; i < m->groups[g].first + m->groups[g].n; ++i) {
      const PetscReal F = VfeMemberForce(m, i, m->e[i]);
      gi->force += PetscAbsReal(F);
      if (m->state[i]) gi->nactive++;
      gi->min_measure = PetscMin(gi->min_measure, m->e[i]);
      if (!gi->contact) gi->strain = m->e[i] / m->L0[i], gi->length = m->L0[i];
    }
  }
  PetscFunctionReturn(0);
}
