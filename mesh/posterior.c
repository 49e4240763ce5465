/*
 * posterior.c - parametric posterior elements and facet joints of the segment (segment.c builds the
 * bodies and discs; this file gives it, per level, the posterior bone as one fused OCC solid, the facet
 * cartilage layers, the facet frames and the ligament attachment points).
 *
 * Frame as in segment.c: x lateral (x > 0 is left), y antero-posterior (anterior +y), z cranial; the
 * body of a level spans z0..z1 and its posterior wall is the plane y = -D/2.  Levels are top first.
 *
 * One level (all mm; the per-level keys segment_<LVL>_*, defaults in the table below):
 *   canal        cw wide (x) and cd deep (y), from the posterior wall y = -D/2 to the lamina y = -D/2 - cd;
 *   pedicles     elliptic cylinders along y, semi-axes pw/2 (x) and ph/2 (z), axis at x = +-(cw/2 + pw/2),
 *                from the lamina's mid-plane y = -D/2 - cd - LAM_T/2 forward to the body, cut by the body's
 *                outer prism (so they touch the cortical shell on a shared face and do not split the body's
 *                regions; the uncut rod would end where the cancellous section is 1 mm wider than the
 *                pedicle's lateral wall, so the shared face is the whole footprint; a pedicle whose apex or
 *                side line passes within 1 mm of the corner of the body's D-section is refused: slivers);
 *                their top is LAM_M under the lamina's, which is ptop below the superior rim (ptop = max(3, FACET_H/2 -
 * disc_above/2 + CLR), so that the inferior articular process of the level above clears everything of this level but
 * its superior process, which it meets only across the facet gap); lamina       a box y in [-D/2 - cd - LAM_T, -D/2 -
 * cd], reaching LAM_M beyond the pedicles in x and z (no face of the lamina is tangent to a pedicle); spinous      a
 * box SP_T wide, sh = min(10, ph) high, centred on the lamina's mid-height, spl long behind the lamina; transverse
 * circular rods along x (radius TP_R) at the pedicle-lamina junction (y = -D/2 - cd, pedicle mid-height), from the
 * pedicle axis to x = +-tps/2; articular    boxes of FACET_T thickness at each facet joint (below). Everything but the
 * articular processes of a level stays between the lamina's top z1 - ptop and bottom. Choices that keep the mesh clean:
 * no face of one part is tangent to or within ~1 mm of a parallel face of another (elliptic pedicles inside the
 * lamina's band, circular transverse processes, processes ending mid-band); the transverse-process and spinous tips
 * carry attachment points, which Gmsh 4.8 meshes badly when they are embedded after the fragment (so segment.c imprints
 * them in it).
 *
 * Facet joint between level U and the level L below it, on each side s (+1 left, -1 right): centre C
 * at x = s (xc_U + xc_L)/2, y = the mean of the two laminae's mid-planes, z = the disc's mid-height.
 * The joint's unit normal m = (s cos a, sin a, 0), a = segment_<U>_facet_angle_deg (the facet plane is
 * the sagittal plane turned about z by a; m points from U's inferior process, medial and posterior,
 * to L's superior process, lateral and anterior).  In the joint's coordinates (n along m, u along
 * z x m, z) with gap g and cartilage thickness c:
 *   U's inferior cartilage  n in [-g/2 - c, -g/2]          u in +-FACET_W/2, z in zf +- FACET_H/2
 *   U's inferior process    n in [-g/2 - c - FACET_T, -g/2 - c], z from its tip ztip up to LAM_M/2 into U's lamina
 *   L's superior cartilage  n in [g/2, g/2 + c]            same u and z as U's cartilage
 *   L's superior process    n in [g/2 + c, g/2 + c + FACET_T], z from LAM_M/2 inside L's lamina up to zf + FACET_H/2
 * so the two cartilage layers face each other across the planes n = -g/2 (U's, surface group
 * <D>.facet_<side>_upper) and n = +g/2 (L's, <D>.facet_<side>_lower).  The top level has no superior and
 * the bottom level no inferior articular processes (no partner in the model).  The inferior process reaches
 * below its cartilage to its tip, ztip = (top of L's lamina) + the tip gap (segment_facet_tip_gap_mm; by default
 * 1.5 mm, less where the disc is so thin that the step under the cartilage would be under 0.5 mm), so that in
 * extension the tip bears on L's lamina as Adams & Hutton 1980 observed: the tip's face is the surface group
 * <D>.facet_tip_<side>_upper, the top of L's lamina <D>.facet_tip_lower (both sides' tips against it).
 *
 * Checks (one-line errors naming the key): a pedicle that misses the body (canal_width/2 + pedicle_width
 * + 1 mm beyond the inner section) or runs into an endplate, a level too short for its pedicles and the
 * facet joint above it, a transverse process shorter than its pedicle, processes or cartilage that reach
 * the bodies or cross the midline; segment.c also refuses a level whose posterior parts do not fuse into
 * one solid.
 */
#include "vfemesh.h"
#include <math.h>

#define GC(expr, what) PetscCall(VfeGmshCall((expr, ierr), what))

#define LAM_T 6.0    /* lamina thickness (y) */
#define SP_T 5.0     /* spinous process thickness (x) */
#define TP_R 3.5     /* transverse process radius */
#define FACET_H 10.0 /* articular surface height (z) */
#define FACET_W 12.0 /* articular surface width (u) */
#define FACET_T 6.0  /* articular process thickness (n) */
#define CLR 1.5      /* vertical clearance between the posterior parts of adjacent levels */
/* the lamina reaches LAM_M beyond the pedicles (x, z); the articular processes reach LAM_M/2 into its top or bottom
   band, LAM_M/2 short of the pedicles */
#define LAM_M 2.0
/* the inferior articular process reaches below its cartilage to TIP gap above the lamina below (Adams & Hutton 1980:
   the tips bear on the laminae in extension); the default gap, and the least step from the cartilage's bottom */
#define TIP_DEF 1.5
#define TIP_MIN 0.5

/* per-level defaults, T12..L5: rounded from Panjabi 1991/1992 and Zhou 2000 (docs/theory.md), pedicle
   width capped at 8 mm so that the pedicles fit the default 42 mm body */
static const double def_pw[6]  = {7.5, 8, 8, 8, 8, 8};
static const double def_ph[6]  = {15.5, 15, 15, 14.5, 14, 14};
static const double def_cw[6]  = {18, 22, 22, 22, 22, 22};
static const double def_cd[6]  = {17, 17, 16.5, 16, 16.5, 17};
static const double def_tps[6] = {60, 70, 78, 88, 82, 88};
static const double def_spl[6] = {28, 30, 30, 30, 28, 25};
static const double def_fa[6]  = {20, 25, 30, 37, 45, 50};

static PetscErrorCode LevelReal(const char *lvl, const char *key, PetscReal *v)
{
  char opt[96];
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opt, sizeof opt, "segment_%s_%s", lvl, key));
  PetscCall(VfeMeshOptionReal(opt, v, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode VfePosteriorReadLevel(int g, VfePostLevel *P)
{
  PetscFunctionBeginUser;
  P->pw = def_pw[g], P->ph = def_ph[g], P->cw = def_cw[g], P->cd = def_cd[g];
  P->tps = def_tps[g], P->spl = def_spl[g], P->facet_deg = def_fa[g];
  PetscCall(LevelReal(P->name, "pedicle_width", &P->pw));
  PetscCall(LevelReal(P->name, "pedicle_height", &P->ph));
  PetscCall(LevelReal(P->name, "canal_width", &P->cw));
  PetscCall(LevelReal(P->name, "canal_depth", &P->cd));
  PetscCall(LevelReal(P->name, "transverse_span", &P->tps));
  PetscCall(LevelReal(P->name, "spinous_length", &P->spl));
  PetscCall(LevelReal(P->name, "facet_angle_deg", &P->facet_deg));
  PetscFunctionReturn(0);
}

PetscErrorCode VfePosteriorReadOptions(VfePosterior *Q)
{
  PetscFunctionBeginUser;
  Q->gap = 0.5, Q->tc = 1.0, Q->tip = 0;
  PetscCall(VfeMeshOptionReal("segment_facet_gap_mm", &Q->gap, NULL));
  PetscCall(VfeMeshOptionReal("segment_facet_cartilage_mm", &Q->tc, NULL));
  PetscCall(VfeMeshOptionReal("segment_facet_tip_gap_mm", &Q->tip, NULL));
  PetscFunctionReturn(0);
}

/* point at joint coordinates (n, u, z) of frame F */
static void FramePoint(const VfeFacetFrame *F, PetscReal n, PetscReal u, PetscReal z, PetscReal p[3])
{
  p[0] = F->C[0] + n * F->m[0] + u * F->u[0];
  p[1] = F->C[1] + n * F->m[1] + u * F->u[1];
  p[2] = z;
}

/* the derived dimensions of a level; disc_below / disc_above: heights of the discs below and above it (0: none) */
static PetscErrorCode SetUpLevel(VfePostLevel *P, PetscReal disc_below, PetscReal disc_above)
{
  PetscReal xlat = P->cw / 2 + P->pw, s;

  PetscFunctionBeginUser;
  P->xc = P->cw / 2 + P->pw / 2;
  PetscCheck(xlat + 1 < P->in_a, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "segment_%s_pedicle_width = %g is invalid: the pedicles miss the body (canal_width/2 + pedicle_width "
             "+ 1 = %g mm exceeds the cancellous half-width %g mm; narrow them or widen the body)",
             P->name, (double)P->pw, (double)(xlat + 1), (double)P->in_a);
  {
    PetscReal b = P->in_be + P->t, sp = (-P->D / 2 - P->in_ye) / b, xr = (P->in_a + P->t) * PetscSqrtReal(1 - sp * sp),
              dx = PetscAbsReal(xr - P->xc);
    PetscCheck(dx >= 1 && PetscAbsReal(dx - P->pw / 2) >= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "segment_%s_canal_width = %g / segment_%s_pedicle_width = %g put the pedicles' %s within 1 mm of the "
               "corner of the body's section (x = +-%.1f mm), which would give slivers there: move the pedicle axis "
               "(canal_width/2 + pedicle_width/2 = %g) by 1 mm",
               P->name, (double)P->cw, P->name, (double)P->pw, dx < 1 ? "apex" : "side", (double)xr, (double)P->xc);
  }
  s      = 1 - PetscSqr((xlat + 1) / P->in_a);
  P->ys  = P->in_ye - P->in_be * PetscSqrtReal(s);
  P->ylf = -P->D / 2 - P->cd, P->ylm = P->ylf - LAM_T / 2, P->ylb = P->ylf - LAM_T;
  P->ptop = disc_above > 0 ? PetscMax(3.0, FACET_H / 2 - disc_above / 2 + CLR) : 3.0;
  P->zp1 = P->z1 - P->ptop, P->zp0 = P->zp1 - P->ph - 2 * LAM_M, P->zpc = 0.5 * (P->zp0 + P->zp1);
  P->sh = PetscMin(10.0, P->ph);
  PetscCheck(P->zp1 - LAM_M <= P->z1 - P->te - P->cs - 1.5, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "segment_%s_endplate_concavity_sup = %g is invalid with posterior elements: the pedicles (top %g mm under "
             "the superior rim) reach the superior endplate",
             P->name, (double)P->cs, (double)P->ptop);
  PetscCheck(P->zp0 + LAM_M >= P->z0 + P->te + P->ci + 1.5, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "segment_%s_pedicle_height = %g is invalid: the pedicles and lamina (top %g mm under "
             "the superior rim) reach the inferior endplate of a %g mm body",
             P->name, (double)P->ph, (double)P->ptop, (double)P->H);
  PetscCheck(disc_below <= 0 || P->zp0 >= P->z0 - disc_below / 2 + FACET_H / 2 + CLR - 1e-9, PETSC_COMM_SELF,
             PETSC_ERR_USER_INPUT,
             "segment_%s_pedicle_height = %g is invalid: the level is too short for its pedicles (top %g mm under "
             "the rim) and the facet joint below it (%g mm articular surface at the disc's mid-height, %g mm "
             "clearance): pedicle_height <= %g",
             P->name, (double)P->ph, (double)P->ptop, FACET_H, CLR,
             (double)(P->H - P->ptop + disc_below / 2 - FACET_H / 2 - CLR - 2 * LAM_M));
  PetscCheck(P->tps / 2 >= xlat + 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "segment_%s_transverse_span = %g is invalid: the tips must reach 3 mm beyond the pedicles (>= %g mm)",
             P->name, (double)P->tps, (double)(2 * (xlat + 3)));
  PetscFunctionReturn(0);
}

/* the joint frames and the checks that the processes and cartilage stay behind the bodies and on their side */
static PetscErrorCode SetUpJoint(VfePosterior *Q, int j)
{
  const VfePostLevel *U = &Q->L[j], *L = &Q->L[j + 1];
  PetscReal a = U->facet_deg * PETSC_PI / 180, g = Q->gap, c = Q->tc, ymax = -PetscMin(U->D, L->D) / 2 - 1;
  PetscReal nr[2][2] = {{-g / 2 - c - FACET_T, -g / 2}, {g / 2, g / 2 + c + FACET_T}};

  PetscFunctionBeginUser;
  { /* the tip of U's inferior process: tip gap above L's lamina and at least TIP_MIN under the cartilage's bottom
       (the clearance is >= CLR = 1.5 mm by the choice of ptop, so the default is >= 1 mm) */
    PetscReal clear = 0.5 * (L->z1 + U->z0) - FACET_H / 2 - L->zp1,
              tip   = Q->tip > 0 ? Q->tip : PetscMin(TIP_DEF, clear - TIP_MIN);
    PetscCheck(
        tip > 0 && tip <= clear - TIP_MIN + 1e-9, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
        "segment_facet_tip_gap_mm = %g is invalid for the %s%s facet joints: the articular surface ends %g mm above "
        "the lamina of %s, so the tip gap must be at most %g mm (or change segment_%s_disc_height)",
        (double)tip, U->name, L->name, (double)clear, L->name, (double)(clear - TIP_MIN), U->name);
    Q->F[j][0].ztip = Q->F[j][1].ztip = L->zp1 + tip;
  }
  for (int s = 0; s < 2; s++) {
    VfeFacetFrame *F = &Q->F[j][s];
    PetscReal sg     = s == 0 ? 1 : -1;
    F->C[0]          = sg * 0.5 * (U->xc + L->xc);
    F->C[1]          = 0.5 * (U->ylm + L->ylm);
    F->zf            = 0.5 * (L->z1 + U->z0);
    F->m[0] = sg * PetscCosReal(a), F->m[1] = PetscSinReal(a);
    F->u[0] = -F->m[1], F->u[1] = F->m[0];
    F->phi = s == 0 ? a : PETSC_PI - a;
    for (int k = 0; k < 2; k++)
      for (int e = 0; e < 2; e++)
        for (int f = 0; f < 2; f++) {
          PetscReal p[3];
          FramePoint(F, nr[k][e], (f ? 0.5 : -0.5) * FACET_W, F->zf, p);
          PetscCheck(p[1] <= ymax, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                     "segment_facet_gap_mm = %g / segment_facet_cartilage_mm = %g (facet angle %g deg of %s) are "
                     "invalid: the articular processes of the %s%s facet joint reach the vertebral bodies",
                     (double)g, (double)c, (double)U->facet_deg, U->name, U->name, L->name);
          PetscCheck(sg * p[0] >= SP_T / 2 + 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                     "segment_facet_gap_mm = %g / segment_facet_cartilage_mm = %g (facet angle %g deg of %s) are "
                     "invalid: the articular processes of the %s%s facet joint cross the midline",
                     (double)g, (double)c, (double)U->facet_deg, U->name, U->name, L->name);
        }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode VfePosteriorSetUp(VfePosterior *Q, const PetscReal *disc_h)
{
  PetscFunctionBeginUser;
  for (int l = 0; l < Q->nl; l++)
    PetscCall(SetUpLevel(&Q->L[l], l < Q->nl - 1 ? disc_h[l] : 0, l > 0 ? disc_h[l - 1] : 0));
  for (int j = 0; j < Q->nl - 1; j++) PetscCall(SetUpJoint(Q, j));
  PetscFunctionReturn(0);
}

/* a box of joint coordinates n in [n0, n1], u in +-FACET_W/2, z in [z0, z1], turned into frame F */
static PetscErrorCode FrameBox(const VfeFacetFrame *F, PetscReal n0, PetscReal n1, PetscReal z0, PetscReal z1, int *tag)
{
  int ierr, dt[2];
  PetscFunctionBeginUser;
  GC(*tag = gmshModelOccAddBox(F->C[0] + n0, F->C[1] - FACET_W / 2, z0, n1 - n0, FACET_W, z1 - z0, -1, &ierr),
     "facet box");
  dt[0] = 3, dt[1] = *tag;
  GC(gmshModelOccRotate(dt, 2, F->C[0], F->C[1], 0, 0, 0, 1, F->phi, &ierr), "turn facet box");
  PetscFunctionReturn(0);
}

/* elliptic cylinder from p along d (length |d|), semi-axes ra, rb in the two directions e1, e2 (unit axes
   among x, y, z: a unit cylinder dilated about its axis) */
static PetscErrorCode EllipticRod(const PetscReal p[3], const PetscReal d[3], PetscReal sx, PetscReal sy, PetscReal sz,
                                  int *tag)
{
  int ierr, dt[2];
  PetscFunctionBeginUser;
  GC(*tag = gmshModelOccAddCylinder(p[0], p[1], p[2], d[0], d[1], d[2], 1.0, -1, 2 * PETSC_PI, &ierr), "rod");
  dt[0] = 3, dt[1] = *tag;
  GC(gmshModelOccDilate(dt, 2, p[0], p[1], p[2], sx, sy, sz, &ierr), "rod section");
  PetscFunctionReturn(0);
}

/* fuse (op 0) or cut (op 1) the tools from obj; the result must be one volume */
static PetscErrorCode BooleanOne(const VfePostLevel *P, int op, int obj, const int *tools, int nt, int *result)
{
  int ierr, o[2] = {3, obj}, *tl, *out = NULL, **map = NULL;
  size_t nout = 0, *nmap = NULL, nnmap = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(2 * nt, &tl));
  for (int i = 0; i < nt; i++) tl[2 * i] = 3, tl[2 * i + 1] = tools[i];
  if (op == 0)
    GC(gmshModelOccFuse(o, 2, tl, 2 * nt, &out, &nout, &map, &nmap, &nnmap, -1, 1, 1, &ierr),
       "fuse posterior elements");
  else
    GC(gmshModelOccCut(o, 2, tl, 2 * nt, &out, &nout, &map, &nmap, &nnmap, -1, 1, 1, &ierr), "posterior minus body");
  PetscCall(PetscFree(tl));
  PetscCheck(nout == 2 && out[0] == 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "the posterior elements of %s are not one connected solid (%zu pieces): check its segment_%s_* "
             "morphometry keys, segment_facet_gap_mm and segment_facet_cartilage_mm",
             P->name, nout / 2, P->name);
  *result = out[1];
  gmshFree(out);
  for (size_t i = 0; i < nnmap; i++) gmshFree(map[i]);
  gmshFree(map);
  gmshFree(nmap);
  PetscFunctionReturn(0);
}

PetscErrorCode VfePosteriorAddBone(const VfePosterior *Q, int l, int body, int *bone)
{
  const VfePostLevel *P = &Q->L[l];
  int ierr, parts[16], np = 0, fused = -1;

  PetscFunctionBeginUser;
  for (int s = 0; s < 2; s++) {
    PetscReal sg = s == 0 ? 1 : -1, p[3], d[3];
    p[0] = sg * P->xc, p[1] = P->ylm, p[2] = P->zpc, d[0] = 0, d[1] = P->ys - P->ylm, d[2] = 0;
    PetscCall(EllipticRod(p, d, P->pw / 2, 1, P->ph / 2, &parts[np++])); /* pedicle */
    p[0] = sg * P->xc, p[1] = P->ylf, d[0] = sg * (P->tps / 2 - P->xc), d[1] = 0;
    GC(parts[np++] = gmshModelOccAddCylinder(p[0], p[1], p[2], d[0], d[1], d[2], TP_R, -1, 2 * PETSC_PI, &ierr),
       "transverse process");
    if (l > 0) /* superior articular process (joint above) */
      PetscCall(FrameBox(&Q->F[l - 1][s], Q->gap / 2 + Q->tc, Q->gap / 2 + Q->tc + FACET_T, P->zp1 - LAM_M / 2,
                         Q->F[l - 1][s].zf + FACET_H / 2, &parts[np++]));
    if (l < Q->nl - 1) /* inferior articular process (joint below) */
      PetscCall(FrameBox(&Q->F[l][s], -Q->gap / 2 - Q->tc - FACET_T, -Q->gap / 2 - Q->tc, Q->F[l][s].ztip,
                         P->zp0 + LAM_M / 2, &parts[np++]));
  }
  GC(parts[np++] = gmshModelOccAddBox(-(P->xc + 0.5 * P->pw + LAM_M), P->ylb, P->zp0, 2 * (P->xc + 0.5 * P->pw + LAM_M),
                                      LAM_T, P->zp1 - P->zp0, -1, &ierr),
     "lamina");
  GC(parts[np++] =
         gmshModelOccAddBox(-SP_T / 2, P->ylb - P->spl, P->zpc - P->sh / 2, SP_T, P->spl + LAM_T / 3, P->sh, -1, &ierr),
     "spinous process");
  PetscCall(BooleanOne(P, 0, parts[0], parts + 1, np - 1, &fused));
  PetscCall(BooleanOne(P, 1, fused, &body, 1, bone));
  PetscFunctionReturn(0);
}

PetscErrorCode VfePosteriorAddCartilage(const VfePosterior *Q, int j, int s, int *inf_upper, int *sup_lower)
{
  const VfeFacetFrame *F = &Q->F[j][s];
  PetscFunctionBeginUser;
  PetscCall(FrameBox(F, -Q->gap / 2 - Q->tc, -Q->gap / 2, F->zf - FACET_H / 2, F->zf + FACET_H / 2, inf_upper));
  PetscCall(FrameBox(F, Q->gap / 2, Q->gap / 2 + Q->tc, F->zf - FACET_H / 2, F->zf + FACET_H / 2, sup_lower));
  PetscFunctionReturn(0);
}

PetscBool VfePosteriorFacetFace(const VfePosterior *Q, const double com[3], int *j, int *s, int *upper)
{
  for (int jj = 0; jj < Q->nl - 1; jj++)
    for (int ss = 0; ss < 2; ss++) {
      const VfeFacetFrame *F = &Q->F[jj][ss];
      PetscReal dx = com[0] - F->C[0], dy = com[1] - F->C[1], n = dx * F->m[0] + dy * F->m[1],
                u = dx * F->u[0] + dy * F->u[1];
      if (PetscAbsReal(u) > FACET_W / 2 || PetscAbsReal(com[2] - F->zf) > FACET_H / 2) continue;
      for (int k = 0; k < 2; k++)
        if (PetscAbsReal(n - (k ? Q->gap / 2 : -Q->gap / 2)) < 1e-6) {
          *j = jj, *s = ss, *upper = !k;
          return PETSC_TRUE;
        }
    }
  return PETSC_FALSE;
}

PetscBool VfePosteriorTipFace(const VfePosterior *Q, int l, const double lo[3], const double hi[3], int *j, int *s,
                              int *upper)
{
  if (hi[2] - lo[2] > 1e-6) return PETSC_FALSE;
  if (l > 0 && PetscAbsReal(lo[2] - Q->L[l].zp1) < 1e-6) { /* the lamina's top: the tips of the level above */
    *j = l - 1, *s = -1, *upper = 0;
    return PETSC_TRUE;
  }
  if (l < Q->nl - 1 && PetscAbsReal(lo[2] - Q->F[l][0].ztip) < 1e-6)
    for (int ss = 0; ss < 2; ss++) {
      const VfeFacetFrame *F = &Q->F[l][ss];
      PetscReal c[2]         = {0.5 * (lo[0] + hi[0]) - F->C[0], 0.5 * (lo[1] + hi[1]) - F->C[1]};
      PetscReal n = c[0] * F->m[0] + c[1] * F->m[1], u = c[0] * F->u[0] + c[1] * F->u[1];
      if (PetscAbsReal(n + Q->gap / 2 + Q->tc + FACET_T / 2) < 1e-3 && PetscAbsReal(u) < 1e-3) {
        *j = l, *s = ss, *upper = 1;
        return PETSC_TRUE;
      }
    }
  return PETSC_FALSE;
}

PetscErrorCode VfePosteriorAttachments(const VfePosterior *Q, int j, VfeAttach A[])
{
  static const char *const lig[VFE_NLIG] = {"ALL",     "PLL",      "LF",       "ISL",      "SSL",
                                            "CL_left", "CL_right", "ITL_left", "ITL_right"};
  const VfePostLevel *U = &Q->L[j], *L = &Q->L[j + 1];

  PetscFunctionBeginUser;
  for (int k = 0; k < VFE_NLIG; k++)
    for (int w = 0; w < 2; w++) {
      VfeAttach *a           = &A[2 * k + w];
      const VfePostLevel *P  = w ? L : U;
      PetscReal zr           = w ? L->z1 - VFE_LIG_ATTACH_OFF_MM : U->z0 + VFE_LIG_ATTACH_OFF_MM; /* next to the disc */
      PetscReal sg           = (k == 5 || k == 7) ? 1 : -1;
      const VfeFacetFrame *F = &Q->F[j][k == 5 ? 0 : 1];
      PetscCall(PetscSNPrintf(a->name, sizeof a->name, "%s%s.%s_%s", U->name, L->name, lig[k], w ? "lower" : "upper"));
      a->level = j + w;
      a->body  = (PetscBool)(k < 2);
      switch (k) {
      case 0: /* ALL: anterior midline of the body */
        a->xyz[0] = 0, a->xyz[1] = P->D / 2, a->xyz[2] = zr;
        break;
      case 1: /* PLL: posterior wall, midline */
        a->xyz[0] = 0, a->xyz[1] = -P->D / 2, a->xyz[2] = zr;
        break;
      case 2: /* LF: U's lamina inferior face, L's lamina superior face, midline */
        a->xyz[0] = 0, a->xyz[1] = P->ylm, a->xyz[2] = w ? P->zp1 : P->zp0;
        break;
      case 3: /* ISL: U's spinous inferior face, L's spinous superior face, half-way along */
        a->xyz[0] = 0, a->xyz[1] = P->ylb - P->spl / 2, a->xyz[2] = P->zpc + (w ? 0.5 : -0.5) * P->sh;
        break;
      case 4: /* SSL: spinous tips */
        a->xyz[0] = 0, a->xyz[1] = P->ylb - P->spl, a->xyz[2] = P->zpc;
        break;
      case 5:
      case 6: /* CL: articular faces 1 mm beyond the cartilage (U: above it, L: below it) */
        if (w)
          FramePoint(F, Q->gap / 2 + Q->tc, 0, F->zf - FACET_H / 2 - 1, a->xyz);
        else
          FramePoint(F, -Q->gap / 2 - Q->tc, 0, F->zf + FACET_H / 2 + 1, a->xyz);
        break;
      default: /* ITL: transverse process tips */
        a->xyz[0] = sg * P->tps / 2, a->xyz[1] = P->ylf, a->xyz[2] = P->zpc;
        break;
      }
    }
  PetscFunctionReturn(0);
}

PetscReal VfePosteriorVolumeEstimate(const VfePosterior *Q)
{
  PetscReal V = 0;
  for (int l = 0; l < Q->nl; l++) {
    const VfePostLevel *P = &Q->L[l];
    V += 2 * PETSC_PI * P->pw / 2 * P->ph / 2 * (P->ys - P->ylm) + (P->cw + 2 * P->pw) * LAM_T * P->ph +
         SP_T * P->sh * P->spl + 2 * PETSC_PI * TP_R * TP_R * (P->tps / 2 - P->xc) +
         4 * FACET_W * (FACET_T + Q->tc) * (FACET_H + P->ph) +
         (l < Q->nl - 1 ? 2 * FACET_W * FACET_T * (Q->F[l][0].zf - FACET_H / 2 - Q->F[l][0].ztip) : 0);
  }
  return V;
}
