/*
 * cement.c - cement patterns of the segment mesher, solved for size to meet a fill ratio.
 *
 * Every pattern is a one-parameter family of OpenCASCADE solids C(s), s a size scale, built in
 * the untilted frame of the treated body (x lateral, y antero-posterior with anterior +y, z
 * cranial) and clipped to the cancellous core K of that body:  cement = C(s) ∩ K.  The core is
 * the inner (cortex-free) section minus both bony endplates, so clipped cement touches the
 * endplates and the shell exactly on their faces and never overlaps another region.
 *
 *   compact            one central ellipsoid, semi-axes s*(a, ry, hz) of the core; kept inside K
 *                      with a 0.5 mm margin (never touches shell or endplates), so its largest
 *                      fill is that of the largest contained ellipsoid;
 *   bipedicular        two ellipsoids at x = +-offset (default 0.45 a), semi-axes
 *                      s*(0.55a, 0.85ry, 0.95hz); they merge at the midline when large;
 *                      cement_fused adds a central bridge (an H);
 *   unipedicular       one ellipsoid centred at x = offset (default 0.2 a), semi-axes
 *                      s*(0.75a, 0.9ry, 0.95hz): off-centre, crossing the midline;
 *   endplate_bridging  an elliptic column of radii s*(0.55a, 0.55ry) whose height is NOT scaled:
 *                      it runs from te/2 above the inferior rim to te/2 below the superior one
 *                      (inside both bony endplates), so once clipped by K it touches both
 *                      endplates at every size; it is clipped here, not in segment.c's fragment,
 *                      where its end planes would slice the endplates and concavities into thin
 *                      lenses;
 *   diffuse            an ellipsoid of semi-axes s*(0.8a, 0.8ry, hz) (narrower than the core, so
 *                      that it never grazes the shell all round its equator) allowed to grow and be
 *                      clipped, as a cement-bone composite region whose cement volume is cement_diffuse_fraction times
 * its volume (default 0.8: the pore fraction osteoporotic trabecular bone offers).
 *
 * Solve: V(s) = vol(C(s) ∩ K) is increasing.  The analytic volume of the unclipped shape gives the
 * first guess; then secant steps in log-log space (V ~ s^p, p re-estimated from the last two
 * points, bracketed by the feasible interval) on the OCC volume (gmshModelOccGetMass) until V is
 * within 1e-4 of the target.  Each evaluation works on a fresh copy of K, so K is never touched
 * until the final intersection consumes it.  A target above V(s_max) is an error that states the
 * largest fill ratio the pattern allows.  The mesh-level check (and any re-mesh with a corrected
 * target) is done by segment.c, which measures the ratio on the final tetrahedra.
 */
#include "vfemesh.h"
#include "vfekeys.h"
#include <string.h>
#include <math.h>

#define GC(expr, what) PetscCall(VfeGmshCall((expr, ierr), what))

static const char *const cement_pattern_names[] = {"none",         "compact",           "bipedicular",
                                                   "unipedicular", "endplate_bridging", "diffuse"};
static const char *const cement_leak_names[]    = {"none", "intradiscal", "anterior"};

PetscErrorCode VfeCementSpecFromOptions(VfeCementSpec *spec)
{
  char buf[64];
  PetscBool set;
  PetscInt i;
  PetscReal ml = 0.3;

  PetscFunctionBeginUser;
  spec->pattern          = VFE_CEMENT_BIPEDICULAR;
  spec->leak             = VFE_LEAK_NONE;
  spec->fill             = 0.25;
  spec->offset           = -1;
  spec->fused            = PETSC_FALSE;
  spec->diffuse_fraction = 0.8;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-cement_pattern", buf, sizeof buf, &set));
  if (set) {
    for (i = 0; i < 6; i++)
      if (!strcmp(buf, cement_pattern_names[i])) break;
    PetscCheck(i < 6, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "cement_pattern: unknown value '%s'; allowed: compact, bipedicular, unipedicular, endplate_bridging, "
               "diffuse, none",
               buf);
    spec->pattern = (VfeCementPattern)i;
  }
  PetscCall(PetscOptionsGetString(NULL, NULL, "-cement_leak", buf, sizeof buf, &set));
  if (set) {
    for (i = 0; i < 3; i++)
      if (!strcmp(buf, cement_leak_names[i])) break;
    PetscCheck(i < 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "cement_leak: unknown value '%s'; allowed: none, intradiscal, anterior", buf);
    spec->leak = (VfeCementLeak)i;
  }
  PetscCall(VfeMeshOptionReal("cement_fill_ratio", &spec->fill, NULL));
  PetscCheck(spec->fill > 0 && spec->fill < 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "cement_fill_ratio = %g is outside (0, 1): it is cement volume / vertebral body volume",
             (double)spec->fill);
  PetscCall(VfeMeshOptionReal("cement_offset_mm", &spec->offset, &set));
  PetscCheck(!set || (spec->offset >= 0 && spec->offset <= 50), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "cement_offset_mm = %g is out of range: allowed 0..50 mm (lateral distance of a bolus centre from the "
             "midline)",
             (double)spec->offset);
  if (!set) spec->offset = -1;
  PetscCall(VfeMeshOptionBool("cement_fused", &spec->fused, NULL));
  PetscCall(VfeMeshOptionReal("cement_diffuse_fraction", &spec->diffuse_fraction, NULL));
  PetscCheck(spec->diffuse_fraction > 0 && spec->diffuse_fraction <= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "cement_diffuse_fraction = %g must be in (0, 1]", (double)spec->diffuse_fraction);
  PetscCall(VfeMeshOptionReal("cement_leak_volume_ml", &ml, NULL));
  PetscCheck(ml > 0 && ml <= 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "cement_leak_volume_ml = %g must be in (0, 3] mL", (double)ml);
  spec->leak_volume = 1000.0 * ml;
  PetscFunctionReturn(0);
}

/* ---- shapes ---- */

typedef struct {
  int n;                /* number of primitives */
  PetscBool column;     /* elliptic column instead of ellipsoids */
  PetscReal c[3][3];    /* centres */
  PetscReal r[3][3];    /* semi-axes at s = 1 (bridge of the H: r[2] not scaled in x) */
  PetscBool fixed_x[3]; /* x semi-axis not scaled (H bridge) */
  PetscReal smax;       /* largest scale */
  PetscBool inside;     /* must stay inside K (compact) */
} Shape;

static PetscReal BodyYc(const VfeCementBody *b)
{
  return 0.5 * (b->yflat + b->ye + b->be);
}

static PetscReal BodyRy(const VfeCementBody *b)
{
  return 0.5 * (b->ye + b->be - b->yflat);
}

/* core half height and centre at the axis (the endplate surfaces dip deepest there) */
static void BodyZ(const VfeCementBody *b, PetscReal *zc, PetscReal *hz)
{
  PetscReal lo = b->z0 + PetscMax(b->ci, b->te), hi = b->z1 - PetscMax(b->cs, b->te);
  *hz = 0.5 * (hi - lo);
  *zc = 0.5 * (hi + lo);
}

/* Is (x,y,z) inside the core with margin m?  (analytic description of K) */
static PetscBool InsideCore(const VfeCementBody *b, PetscReal x, PetscReal y, PetscReal z, PetscReal m)
{
  PetscReal ex = x / (b->a - m), ey = (y - b->ye) / (b->be - m), top = b->z1 - b->te, bot = b->z0 + b->te, q;

  if (ex * ex + ey * ey > 1 || y < b->yflat + m) return PETSC_FALSE;
  q = 1 - PetscSqr(x / b->Ras) - PetscSqr(y / b->Rbs);
  if (q > 0) top = PetscMin(top, b->z1 - b->cs * PetscSqrtReal(q));
  q = 1 - PetscSqr(x / b->Rai) - PetscSqr(y / b->Rbi);
  if (q > 0) bot = PetscMax(bot, b->z0 + b->ci * PetscSqrtReal(q));
  return (PetscBool)(z <= top - m && z >= bot + m);
}

static void ShapeDefine(const VfeCementSpec *spec, const VfeCementBody *b, Shape *sh)
{
  PetscReal yc = BodyYc(b), ry = BodyRy(b), zc, hz, off;

  BodyZ(b, &zc, &hz);
  PetscMemzero(sh, sizeof *sh);
  sh->smax = 1.8;
  switch (spec->pattern) {
  case VFE_CEMENT_COMPACT:
  case VFE_CEMENT_DIFFUSE:
    sh->n       = 1;
    sh->c[0][0] = 0, sh->c[0][1] = yc, sh->c[0][2] = zc;
    sh->r[0][0] = b->a, sh->r[0][1] = ry, sh->r[0][2] = hz;
    /* diffuse grows past the core: narrower than the section so that it never grazes the shell
       along its whole equator (at s = 1 the compact proportions would be tangent to it all round) */
    if (spec->pattern == VFE_CEMENT_DIFFUSE) sh->r[0][0] = 0.8 * b->a, sh->r[0][1] = 0.8 * ry;
    sh->inside = (PetscBool)(spec->pattern == VFE_CEMENT_COMPACT);
    sh->smax   = spec->pattern == VFE_CEMENT_COMPACT ? 1.0 : 1.6;
    break;
  case VFE_CEMENT_BIPEDICULAR:
    off   = spec->offset >= 0 ? spec->offset : 0.45 * b->a;
    sh->n = spec->fused ? 3 : 2;
    for (int k = 0; k < 2; k++) {
      sh->c[k][0] = k ? -off : off, sh->c[k][1] = yc, sh->c[k][2] = zc;
      sh->r[k][0] = 0.55 * b->a, sh->r[k][1] = 0.85 * ry, sh->r[k][2] = 0.95 * hz;
    }
    if (spec->fused) {
      sh->c[2][0] = 0, sh->c[2][1] = yc, sh->c[2][2] = zc;
      sh->r[2][0] = PetscMax(off, 1.0), sh->r[2][1] = 0.35 * ry, sh->r[2][2] = 0.45 * hz;
      sh->fixed_x[2] = PETSC_TRUE;
    }
    break;
  case VFE_CEMENT_UNIPEDICULAR:
    off         = spec->offset >= 0 ? spec->offset : 0.2 * b->a;
    sh->n       = 1;
    sh->c[0][0] = off, sh->c[0][1] = yc, sh->c[0][2] = zc;
    sh->r[0][0] = 0.75 * b->a, sh->r[0][1] = 0.9 * ry, sh->r[0][2] = 0.95 * hz;
    break;
  case VFE_CEMENT_BRIDGING:
    sh->n       = 1;
    sh->column  = PETSC_TRUE;
    sh->c[0][0] = 0, sh->c[0][1] = 0, sh->c[0][2] = b->z0 + 0.5 * b->te;
    sh->r[0][0] = 0.55 * b->a, sh->r[0][1] = 0.55 * ry, sh->r[0][2] = b->z1 - b->z0 - b->te;
    sh->smax = 1.7;
    break;
  default:
    break;
  }
}

/* analytic volume of the unclipped shape (overlaps counted twice): first guess only */
static PetscReal ShapeAnalyticVolume(const Shape *sh, PetscReal s)
{
  PetscReal v = 0;
  for (int k = 0; k < sh->n; k++) {
    PetscReal rx = sh->fixed_x[k] ? sh->r[k][0] : s * sh->r[k][0];
    if (sh->column)
      v += PETSC_PI * s * s * sh->r[k][0] * sh->r[k][1] * sh->r[k][2];
    else
      v += 4.0 / 3.0 * PETSC_PI * rx * s * sh->r[k][1] * s * sh->r[k][2];
  }
  return v;
}

/* largest scale of a shape that must stay inside the core (0.5 mm margin), by bisection */
static PetscReal ShapeInsideScale(const Shape *sh, const VfeCementBody *b)
{
  PetscReal lo = 0, hi = sh->smax;
  for (int it = 0; it < 40; it++) {
    PetscReal s  = 0.5 * (lo + hi);
    PetscBool ok = PETSC_TRUE;
    for (int k = 0; k < sh->n && ok; k++)
      for (int i = 0; i <= 24 && ok; i++) {
        PetscReal th = PETSC_PI * i / 24;
        for (int j = 0; j < 48 && ok; j++) {
          PetscReal ph = 2 * PETSC_PI * j / 48;
          PetscReal x  = sh->c[k][0] + s * sh->r[k][0] * PetscSinReal(th) * PetscCosReal(ph);
          PetscReal y  = sh->c[k][1] + s * sh->r[k][1] * PetscSinReal(th) * PetscSinReal(ph);
          PetscReal z  = sh->c[k][2] + s * sh->r[k][2] * PetscCosReal(th);
          ok           = InsideCore(b, x, y, z, 0.5);
        }
      }
    if (ok)
      lo = s;
    else
      hi = s;
  }
  return lo;
}

/* Build C(s) as OCC volumes (fused when several); tags out */
static PetscErrorCode ShapeBuild(const Shape *sh, PetscReal s, int *n, int tags[])
{
  int ierr, t[3] = {0, 0, 0};

  PetscFunctionBeginUser;
  for (int k = 0; k < sh->n; k++) {
    PetscReal rx = sh->fixed_x[k] ? sh->r[k][0] : s * sh->r[k][0], ry = s * sh->r[k][1];
    PetscReal rz = sh->column ? sh->r[k][2] : s * sh->r[k][2]; /* a column always spans the whole body */
    int dt[2];
    if (sh->column) {
      int disk;
      int *out    = NULL;
      size_t nout = 0;
      GC(disk =
             gmshModelOccAddDisk(sh->c[k][0], sh->c[k][1], sh->c[k][2], PetscMax(rx, ry), PetscMin(rx, ry), -1, &ierr),
         "cement column disk");
      dt[0] = 2, dt[1] = disk;
      GC(gmshModelOccExtrude(dt, 2, 0, 0, rz, &out, &nout, NULL, 0, NULL, 0, 0, &ierr), "cement column extrude");
      t[k] = -1;
      for (size_t i = 0; i < nout; i += 2)
        if (out[i] == 3) t[k] = out[i + 1];
      gmshFree(out);
      PetscCheck(t[k] > 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "cement column: extrusion gave no volume");
    } else {
      GC(t[k] = gmshModelOccAddSphere(0, 0, 0, 1, -1, -PETSC_PI / 2, PETSC_PI / 2, 2 * PETSC_PI, &ierr),
         "cement sphere");
      dt[0] = 3, dt[1] = t[k];
      GC(gmshModelOccDilate(dt, 2, 0, 0, 0, rx, ry, rz, &ierr), "cement dilate");
      GC(gmshModelOccTranslate(dt, 2, sh->c[k][0], sh->c[k][1], sh->c[k][2], &ierr), "cement translate");
    }
  }
  if (sh->n == 1) {
    *n      = 1;
    tags[0] = t[0];
  } else {
    int obj[2] = {3, t[0]}, tool[4];
    int *out = NULL, **map = NULL;
    size_t nout = 0, *nmap = NULL, nnmap = 0;
    for (int k = 1; k < sh->n; k++) tool[2 * (k - 1)] = 3, tool[2 * (k - 1) + 1] = t[k];
    GC(gmshModelOccFuse(obj, 2, tool, 2 * (sh->n - 1), &out, &nout, &map, &nmap, &nnmap, -1, 1, 1, &ierr),
       "cement fuse");
    *n = 0;
    for (size_t i = 0; i < nout; i += 2)
      if (out[i] == 3) tags[(*n)++] = out[i + 1];
    gmshFree(out);
    for (size_t i = 0; i < nnmap; i++) gmshFree(map[i]);
    gmshFree(map);
    gmshFree(nmap);
  }
  PetscFunctionReturn(0);
}

/* C(s) ∩ K.  keep: the result stays in the model (K consumed); else a copy of K is used and the
 * result is removed after measuring. */
static PetscErrorCode ShapeClip(const Shape *sh, const VfeCementBody *b, PetscReal s, PetscBool keep, int *n,
                                int tags[], PetscReal *vol)
{
  int ierr, nc, ct[3], *obj, tool[2] = {3, b->core};
  int *out = NULL, *cp = NULL, **map = NULL;
  size_t nout = 0, ncp = 0, *nmap = NULL, nnmap = 0;

  PetscFunctionBeginUser;
  PetscCall(ShapeBuild(sh, s, &nc, ct));
  if (!keep) {
    GC(gmshModelOccCopy(tool, 2, &cp, &ncp, &ierr), "copy core");
    tool[1] = cp[1];
    gmshFree(cp);
  }
  PetscCall(PetscMalloc1(2 * nc, &obj));
  for (int k = 0; k < nc; k++) obj[2 * k] = 3, obj[2 * k + 1] = ct[k];
  GC(gmshModelOccIntersect(obj, 2 * nc, tool, 2, &out, &nout, &map, &nmap, &nnmap, -1, 1, 1, &ierr),
     "cement clip (intersect with cancellous core)");
  PetscCall(PetscFree(obj));
  *vol = 0;
  *n   = 0;
  for (size_t i = 0; i < nout; i += 2) {
    PetscReal m;
    if (out[i] != 3) continue;
    GC(gmshModelOccGetMass(3, out[i + 1], &m, &ierr), "cement mass");
    *vol += m;
    if (keep) {
      PetscCheck(*n < 16, PETSC_COMM_SELF, PETSC_ERR_LIB, "cement: too many pieces after clipping");
      tags[(*n)++] = out[i + 1];
    }
  }
  if (!keep && nout) GC(gmshModelOccRemove(out, nout, 1, &ierr), "remove trial cement");
  gmshFree(out);
  for (size_t i = 0; i < nnmap; i++) gmshFree(map[i]);
  gmshFree(map);
  gmshFree(nmap);
  PetscFunctionReturn(0);
}

PetscErrorCode VfeCementPlace(const VfeCementSpec *spec, const VfeCementBody *b, PetscReal target,
                              PetscReal body_volume, int *ntags, int tags[], PetscReal *volume)
{
  Shape sh;
  PetscReal s, v, s_prev = 0, v_prev = 0, lo = 0, hi, vhi = -1, p = 3;
  int n, dummy[16], ierr;
  PetscReal frac = spec->pattern == VFE_CEMENT_DIFFUSE ? spec->diffuse_fraction : 1.0;

  PetscFunctionBeginUser;
  ShapeDefine(spec, b, &sh);
  if (sh.inside) {
    /* contained shape: the OCC volume is the analytic one */
    PetscReal smax = ShapeInsideScale(&sh, b), vmax = ShapeAnalyticVolume(&sh, smax);
    PetscCheck(
        target <= vmax, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
        "cement_fill_ratio = %g cannot be met by cement_pattern %s: the largest bolus inside the cancellous core "
        "(0.5 mm clear of shell and endplates) gives %.3f",
        (double)spec->fill, cement_pattern_names[spec->pattern], (double)(vmax / body_volume));
    s = PetscCbrtReal(target / ShapeAnalyticVolume(&sh, 1.0));
    PetscCall(ShapeBuild(&sh, s, ntags, tags));
    *volume = 0;
    for (int k = 0; k < *ntags; k++) {
      GC(gmshModelOccGetMass(3, tags[k], &v, &ierr), "cement mass");
      *volume += v;
    }
    {
      int dt[2] = {3, b->core};
      GC(gmshModelOccRemove(dt, 2, 1, &ierr), "remove core");
    }
    PetscFunctionReturn(0);
  }
  hi = sh.smax;
  s  = sh.column ? PetscSqrtReal(target / ShapeAnalyticVolume(&sh, 1.0))
                 : PetscCbrtReal(target / ShapeAnalyticVolume(&sh, 1.0));
  if (sh.column) p = 2;
  if (s > hi) s = hi;
  for (int it = 0; it < 40; it++) {
    PetscCall(ShapeClip(&sh, b, s, PETSC_FALSE, &n, dummy, &v));
    if (PetscAbsReal(v - target) <= 1e-4 * target) break;
    if (v < target)
      lo = s;
    else
      hi = s, vhi = v;
    if (v < target && s >= sh.smax) {
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
              "cement_fill_ratio = %g cannot be met by cement_pattern %s in this body: the largest ratio it allows is "
              "%.3f",
              (double)spec->fill, cement_pattern_names[spec->pattern],
              (double)(v / (frac > 0 ? 1 : 1) * frac / body_volume));
    }
    if (it > 0 && v_prev > 0 && v > 0 && PetscAbsReal(s - s_prev) > 1e-12 && PetscAbsReal(v - v_prev) > 0) {
      p = PetscLogReal(v / v_prev) / PetscLogReal(s / s_prev);
      p = PetscMin(PetscMax(p, 0.3), 3.5);
    }
    s_prev = s, v_prev = v;
    s = v > 0 ? s * PetscPowReal(target / v, 1.0 / p) : 0.5 * (lo + hi);
    if (s <= lo || s >= hi) s = (vhi < 0 && hi == sh.smax) ? PetscMin(sh.smax, PetscMax(s, lo)) : 0.5 * (lo + hi);
    if (s >= sh.smax) s = sh.smax;
  }
  if (sh.column) {
    /* the column is clipped here: unclipped, its end planes (inside the bony endplates) would slice
       the endplate layers and the concavities into sub-millimetre lenses and wedges (slivers) */
    PetscCall(ShapeClip(&sh, b, s, PETSC_TRUE, ntags, tags, volume));
    PetscFunctionReturn(0);
  }
  if (PetscAbsReal(v - target) > 1e-4 * target) PetscCall(ShapeClip(&sh, b, s, PETSC_FALSE, &n, dummy, &v));
  /* the unclipped C(s) goes into segment.c's single fragment, which classifies as cement only the
     pieces inside the core: the clip happens there (one boolean fewer, faces shared by construction) */
  PetscCall(ShapeBuild(&sh, s, ntags, tags));
  *volume = v;
  {
    int dt[2] = {3, b->core};
    GC(gmshModelOccRemove(dt, 2, 1, &ierr), "remove core");
  }
  PetscFunctionReturn(0);
}
