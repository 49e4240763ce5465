/*
 * segment.c - parametric multi-level spine segment, meshed with Gmsh (OpenCASCADE + HXT).
 *
 * Frame: x lateral, y antero-posterior (anterior +y), z cranial; the bottom level's inferior rim
 * is z = 0.  Levels are stacked bottom-up: body, disc, body, ..., body, load plate (5 mm).
 *
 * Anatomy of one level (all mm): the body cross-section is a "D": an ellipse of semi-axes
 * a = W/2 and b = D/1.75, cut by a flat posterior wall at y = -D/2, so that the section spans
 * y in [-D/2, D/2].  The cortical shell is the ring between that section and the inner one
 * (ellipse a-t, b-t, wall at -D/2+t).  The bony endplates are layers of thickness te inside the
 * inner section, each the union of a slab and a half-ellipsoid bulging into the body, minus the
 * concavity: a half-ellipsoid "dome" of depth c (superior 0.7, inferior 1.5 by default; Wang et
 * al. 2012) that belongs to the adjacent disc's nucleus.  Dome footprints are the nucleus
 * ellipse + 2 mm, so the layer is te thick everywhere and no two surfaces nearly coincide.
 * Discs: the section extruded between the rims, nucleus = central elliptic cylinder with
 * nucleus_fraction of the disc section area (plus both domes), annulus = the rest.  Where two
 * adjacent levels differ in width or depth the disc takes the smaller section less 1 mm a side.
 * The load plate also fills the top level's superior dome; the bottom level's inferior dome is
 * empty and `fixed_bottom` is its surface plus the inferior rim.
 *
 * Conformity: every tool solid (outer and inner prisms, endplate layers, domes, discs, nuclei,
 * plate, cement, leak) goes into ONE OCC fragment; each output piece is classified by the set of
 * tools containing it (gmsh's fragment map), with precedence cement > leak > domes > cortex >
 * endplates > cancellous; pieces in no region are dropped.  So every tetrahedron is in exactly
 * one volume group, and shared faces are meshed once.  Cement comes unclipped from cement.c
 * (its size solved on clipped copies; only the endplate_bridging column comes clipped, see
 * cement.c); only its pieces inside the cancellous core (in the inner prism, in no endplate or
 * dome) are classified cement, so it is carved out of the core only.  Leaks (cement_leak) are
 * a sphere of cement_leak_volume_ml, region `<lvl>.cement_leak` (not counted in the fill ratio): intradiscal at the
 * superior dome (inferior if the treated level is the top one), anterior just outside the anterior cortex at
 * mid-height, replacing whatever bone it overlaps.
 *
 * Posterior elements (segment_posterior_elements, mesh/posterior.c): per level one more tool (the fused posterior
 * bone less the level's outer prism, so it shares a face with the cortical shell) and per facet joint and side two
 * cartilage tools; they come last in Classify (anything of a body, disc or plate wins).  The facing cartilage
 * faces become surface groups <D>.facet_<left|right>_<upper|lower> (physical tags from 3), and the ligament
 * attachment points go into the fragment as OCC points (imprinted on their face: a mesh node there; Gmsh 4.8's
 * gmshModelMeshEmbed of points added after the fragment gave duplicate nodes and flat tetrahedra on small faces),
 * each checked to lie on an exterior face of its level's bone and made a point group <D>.<LIG>_<upper|lower>.
 * With the key false none of this runs: the model, the mesh and its hash are those of before.
 *
 * Per-level keys: segment_<LVL>_<key> with LVL in T12, L1..L5; disc_height and nucleus_fraction
 * belong to the disc BELOW the level (segment_L1_disc_height is the L1L2 disc).
 * endplate_concavity sets both endplates, endplate_concavity_sup / _inf each one.
 *
 * Fracture wedge: applied to the meshed nodes, not to the CAD: in the treated body a point at
 * height fraction tau = (z - z0)/H moves to (1-tau) p0 + tau R(p1), p0 and p1 its projections on
 * the inferior and superior rim planes and R the rotation about the posterior superior edge that
 * lowers the anterior rim by wedge*H; everything above moves by R.  The map is continuous, so the
 * mesh stays conformal; the fill ratio is measured after it.
 *
 * Fill ratio: measured on the final mesh (tetrahedron volumes per group); if it misses the
 * request by more than 0.4 points the cement target is scaled by requested/measured and the
 * model rebuilt (at most 4 passes).  Quality: q = 6 sqrt(2) V / l_rms^3 per tetrahedron (1 for a
 * regular one); q <= 1e-8 (inverted or degenerate) is an error.  Hash: FNV-1a 64 over node
 * coordinates (rounded to 1e-9 mm) and each region's connectivity.
 * Determinism (Gmsh 4.8.4): the geometry (also with OCC's parallel booleans) and the 1D and 2D
 * meshes on one thread are the same in every run; surfaces meshed in parallel are not, so they
 * always use one thread.  The 3D step goes through mesh/hxt.c, which gives HXT the surface nodes in
 * tag order: Gmsh 4.8's own glue orders them by memory address, so its HXT meshes differ between
 * runs.  HXT's result depends on its thread count, so mesh_threads (default 2: OCC booleans and
 * HXT) is part of the case: same case, same mesh_threads, same mesh, whatever the load (for one
 * build and CPU type).
 * All Gmsh work happens on rank 0; its error code is broadcast so every rank fails together.
 */
#include "vfemesh.h"
#include <math.h>
#include <stdint.h>

#define GC(expr, what) PetscCall(VfeGmshCall((expr, ierr), what))
#define MAXLEV 6
#define PLATE_T 5.0

static const char *const lvl_names[MAXLEV] = {"T12", "L1", "L2", "L3", "L4", "L5"};
static const double disc_default[MAXLEV]   = {8, 9, 11, 13, 13, 13}; /* disc below the level */
typedef struct {
  PetscReal a, be, ye, yflat; /* ellipse semi-axes, centre y, flat wall */
} Section;

typedef struct {
  char name[8];
  PetscReal W, D, H, disc_h, nuc, t, te, cs, ci;
  PetscReal z0, z1;
  PetscBool treated;
  Section out, in;
  PetscReal dsa, dsb, dia, dib; /* dome footprints (sup, inf) */
} Level;

typedef struct {
  PetscInt nl;
  Level L[MAXLEV]; /* top first */
  VfeCementSpec cem;
  PetscReal wedge, h;
  PetscInt order, threads;
  PetscBool verbose;  /* mesh_verbose: print Gmsh's own messages */
  PetscBool delaunay; /* mesh_volume_mesher: delaunay (Gmsh's Delaunay 3D instead of HXT) */
  PetscBool any_treated;
  PetscBool posterior; /* segment_posterior_elements */
  VfePosterior Q;      /* its geometry (mesh/posterior.c) */
} Segment;

/* ---------------- options ---------------- */

static int LevelIndex(const char *s)
{
  for (int i = 0; i < MAXLEV; i++)
    if (!strcmp(s, lvl_names[i])) return i;
  return -1;
}

static void SectionSet(Section *s, PetscReal W, PetscReal D, PetscReal t)
{
  PetscReal be = D / 1.75;
  s->a         = W / 2 - t;
  s->be        = be - t;
  s->ye        = D / 2 - be;
  s->yflat     = -D / 2 + t;
}

static PetscReal SectionArea(PetscReal W, PetscReal D)
{
  PetscReal h = 0.75;
  return 0.5 * W * (D / 1.75) * (PETSC_PI - PetscAcosReal(h) + h * PetscSqrtReal(1 - h * h));
}

static PetscBool EllipseInside(const Section *s, PetscReal ra, PetscReal rb, PetscReal m)
{
  for (int j = 0; j < 360; j++) {
    PetscReal x = ra * PetscCosReal(j * PETSC_PI / 180), y = rb * PetscSinReal(j * PETSC_PI / 180);
    if (PetscSqr(x / (s->a - m)) + PetscSqr((y - s->ye) / (s->be - m)) > 1 || y < s->yflat + m) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* segment_<lvl>_<key>, read through the mesh key table (its range there; the ranges that depend on
 * other keys are checked in SegmentFromOptions, where those are known) */
static PetscErrorCode GetLevelReal(const char *lvl, const char *key, PetscReal *v, PetscBool *set)
{
  char opt[96];
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opt, sizeof opt, "segment_%s_%s", lvl, key));
  PetscCall(VfeMeshOptionReal(opt, v, set));
  PetscFunctionReturn(0);
}

/* nucleus semi-axes of a disc of outer size W x D */
static void NucleusRadii(PetscReal W, PetscReal D, PetscReal frac, PetscReal *rx, PetscReal *ry)
{
  PetscReal A = SectionArea(W, D);
  *ry         = PetscSqrtReal(frac * A / PETSC_PI * (D / 2) / (W / 2));
  *rx         = *ry * (W / 2) / (D / 2);
}

static void DiscSize(const Level *up, const Level *lo, PetscReal *W, PetscReal *D)
{
  if (up->W == lo->W && up->D == lo->D)
    *W = up->W, *D = up->D;
  else
    *W = PetscMin(up->W, lo->W) - 2, *D = PetscMin(up->D, lo->D) - 2;
}

/* segment_levels: a cranial-to-caudal range of level indices (one level or LVL-LVL) */
static PetscErrorCode ReadLevelRange(int *i0, int *i1)
{
  char buf[64], *dash;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(buf, "L1-L3", sizeof buf));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-segment_levels", buf, sizeof buf, NULL));
  dash = strchr(buf, '-');
  if (dash) {
    *dash = 0;
    *i0   = LevelIndex(buf);
    *i1   = LevelIndex(dash + 1);
    *dash = '-';
  } else
    *i0 = *i1 = LevelIndex(buf);
  PetscCheck(*i0 >= 0 && *i1 >= 0 && *i0 <= *i1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "segment_levels = '%s' is not a cranial-to-caudal range within T12-L5 (e.g. L1-L3, T12-L2, L4-L5)", buf);
  PetscFunctionReturn(0);
}

/* level g (index in lvl_names): defaults, its segment_<LVL>_* keys and their checks, its sections */
static PetscErrorCode ReadLevel(int g, Level *L)
{
  PetscReal c = -1;
  PetscBool set;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(L->name, lvl_names[g], sizeof L->name));
  L->W = 42, L->D = 33.5, L->H = 25, L->disc_h = disc_default[g], L->nuc = 0.45, L->t = 0.8, L->te = 0.8;
  L->cs = 0.7, L->ci = 1.5;
  PetscCall(GetLevelReal(L->name, "body_width", &L->W, NULL));
  PetscCall(GetLevelReal(L->name, "body_depth", &L->D, NULL));
  PetscCall(GetLevelReal(L->name, "body_height", &L->H, NULL));
  PetscCall(GetLevelReal(L->name, "disc_height", &L->disc_h, NULL));
  PetscCall(GetLevelReal(L->name, "nucleus_fraction", &L->nuc, NULL));
  PetscCall(GetLevelReal(L->name, "shell_thickness", &L->t, NULL));
  PetscCall(GetLevelReal(L->name, "endplate_thickness", &L->te, NULL));
  PetscCall(GetLevelReal(L->name, "endplate_concavity", &c, &set));
  if (set) L->cs = L->ci = c;
  PetscCall(GetLevelReal(L->name, "endplate_concavity_sup", &L->cs, NULL));
  PetscCall(GetLevelReal(L->name, "endplate_concavity_inf", &L->ci, NULL));
#define CHK(cond, key, val, allowed)                                                                                   \
  PetscCheck(cond, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "segment_%s_%s = %g is invalid: %s", L->name, key,           \
             (double)(val), allowed)
  CHK(L->D >= 10 && L->D <= 80, "body_depth", L->D, "allowed 10..80 mm");
  CHK(L->W > 1.15 * L->D && L->W <= 100, "body_width", L->W,
      "must exceed 1.15 x body_depth (D-shaped section) and be <= 100 mm");
  CHK(L->H >= 8 && L->H <= 60, "body_height", L->H, "allowed 8..60 mm");
  CHK(L->disc_h >= 2 && L->disc_h <= 30, "disc_height", L->disc_h, "allowed 2..30 mm");
  CHK(L->nuc >= 0.1 && L->nuc <= 0.7, "nucleus_fraction", L->nuc, "allowed 0.1..0.7 of the disc area");
  CHK(L->t >= 0.2 && L->t <= 0.15 * L->D, "shell_thickness", L->t, "allowed 0.2 mm .. 0.15 x body_depth");
  CHK(L->cs >= 0.2 && L->cs <= 0.2 * L->H, "endplate_concavity_sup", L->cs, "allowed 0.2 mm .. 0.2 x body_height");
  CHK(L->ci >= 0.2 && L->ci <= 0.2 * L->H, "endplate_concavity_inf", L->ci, "allowed 0.2 mm .. 0.2 x body_height");
  CHK(L->te >= 0.2 && 2 * L->te + L->cs + L->ci + 4 <= L->H, "endplate_thickness", L->te,
      "must be >= 0.2 mm and leave >= 4 mm of cancellous core (2 x thickness + both concavities + 4 <= body_height)");
#undef CHK
  SectionSet(&L->out, L->W, L->D, 0);
  SectionSet(&L->in, L->W, L->D, L->t);
  PetscFunctionReturn(0);
}

/* domes: nucleus ellipse of the adjacent disc + 2 mm; endplate layer must fit in the inner section */
static PetscErrorCode SetDomeFootprints(Segment *S)
{
  PetscFunctionBeginUser;
  for (int i = 0; i < S->nl; i++) {
    Level *L = &S->L[i];
    PetscReal W, D, rx, ry;
    if (i > 0)
      DiscSize(&S->L[i - 1], L, &W, &D), NucleusRadii(W, D, S->L[i - 1].nuc, &rx, &ry);
    else
      NucleusRadii(L->W, L->D, L->nuc, &rx, &ry);
    L->dsa = rx + 2, L->dsb = ry + 2;
    if (i < S->nl - 1)
      DiscSize(L, &S->L[i + 1], &W, &D), NucleusRadii(W, D, L->nuc, &rx, &ry);
    else
      NucleusRadii(L->W, L->D, L->nuc, &rx, &ry);
    L->dia = rx + 2, L->dib = ry + 2;
    PetscCheck(EllipseInside(&L->in, L->dsa + L->te, L->dsb + L->te, 0.5) &&
                   EllipseInside(&L->in, L->dia + L->te, L->dib + L->te, 0.5),
               PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "segment_%s_nucleus_fraction (or that of the level above) is too large for the body of %s: the endplate "
               "concavity (nucleus + 2 mm + endplate_thickness) must stay 0.5 mm inside the cortical shell",
               L->name, L->name);
  }
  PetscFunctionReturn(0);
}

/* z0, z1 of each level, stacked bottom-up from z = 0 with the disc heights between */
static void StackLevels(Segment *S)
{
  PetscReal z = 0;
  for (int i = (int)S->nl - 1; i >= 0; i--) {
    S->L[i].z0 = z;
    S->L[i].z1 = z + S->L[i].H;
    z          = S->L[i].z1 + (i > 0 ? S->L[i - 1].disc_h : 0);
  }
}

/* segment_treated: levels of segment_levels (default: the middle one) */
static PetscErrorCode ReadTreatedLevels(Segment *S)
{
  char *treated[MAXLEV];
  PetscInt nt = MAXLEV;
  PetscBool set;

  PetscFunctionBeginUser;
  {
    const char *tv;
    PetscCall(PetscOptionsFindPair(NULL, NULL, "-segment_treated", &tv, &set));
    PetscCheck(!set || (tv && tv[0]), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "segment_treated has an empty value: allowed one or more levels of segment_levels (e.g. L2)");
  }
  PetscCall(PetscOptionsGetStringArray(NULL, NULL, "-segment_treated", treated, &nt, &set));
  if (!set) {
    S->L[(S->nl - 1) / 2].treated = PETSC_TRUE;
  } else {
    for (PetscInt k = 0; k < nt; k++) {
      int found = -1;
      for (int i = 0; i < S->nl; i++)
        if (!strcmp(treated[k], S->L[i].name)) found = i;
      PetscCheck(found >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "segment_treated = '%.64s' is not one of the levels of segment_levels", treated[k]);
      S->L[found].treated = PETSC_TRUE;
      PetscCall(PetscFree(treated[k]));
    }
  }
  PetscFunctionReturn(0);
}

/* segment_posterior_elements with the posterior morphometry and facet keys (mesh/posterior.c), fracture_wedge */
static PetscErrorCode ReadModelOptions(Segment *S)
{
  PetscFunctionBeginUser;
  S->posterior = PETSC_FALSE;
  PetscCall(VfeMeshOptionBool("segment_posterior_elements", &S->posterior, NULL));
  if (S->posterior) {
    PetscReal disc_h[MAXLEV];
    S->Q.nl = S->nl;
    for (int i = 0; i < S->nl; i++) {
      const Level *L  = &S->L[i];
      VfePostLevel *P = &S->Q.L[i];
      PetscCall(PetscStrncpy(P->name, L->name, sizeof P->name));
      P->D = L->D, P->H = L->H, P->t = L->t, P->te = L->te, P->cs = L->cs, P->ci = L->ci, P->z0 = L->z0, P->z1 = L->z1;
      P->in_a = L->in.a, P->in_be = L->in.be, P->in_ye = L->in.ye;
      PetscCall(VfePosteriorReadLevel(LevelIndex(L->name), P));
      disc_h[i] = L->disc_h;
    }
    PetscCall(VfePosteriorReadOptions(&S->Q));
    PetscCall(VfePosteriorSetUp(&S->Q, disc_h));
  }
  PetscCall(VfeMeshOptionReal("fracture_wedge", &S->wedge, NULL));
  PetscCheck(S->wedge >= 0 && S->wedge <= 0.5, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "fracture_wedge = %g is invalid: the anterior height loss must be in [0, 0.5]", (double)S->wedge);
  PetscFunctionReturn(0);
}

/* refuse a mesh_size_mm that would give too many tetrahedra */
static PetscErrorCode CheckElementCount(const Segment *S)
{
  /* bodies and discs as prisms of their D-shaped sections; the cement sizing field refines the
     treated level, so Gmsh makes about 10 V / h^3 tetrahedra here (1.06M at h = 1.02, L1-L3) */
  PetscReal V = 0;

  PetscFunctionBeginUser;
  for (int i = 0; i < S->nl; i++) {
    PetscReal W = S->L[i].W, D = S->L[i].D;
    V += SectionArea(S->L[i].W, S->L[i].D) * S->L[i].H;
    if (i < S->nl - 1) DiscSize(&S->L[i], &S->L[i + 1], &W, &D), V += SectionArea(W, D) * S->L[i].disc_h;
  }
  if (S->posterior) V += VfePosteriorVolumeEstimate(&S->Q);
  PetscCall(VfeMeshCheckElementCount(V, S->h, 10.0, "segment"));
  PetscFunctionReturn(0);
}

/* mesh_size_mm, mesh_order, mesh_threads, mesh_verbose, mesh_volume_mesher */
static PetscErrorCode ReadMeshOptions(Segment *S)
{
  PetscFunctionBeginUser;
  S->h = 1.5;
  PetscCall(VfeMeshOptionReal("mesh_size_mm", &S->h, NULL));
  PetscCheck(S->h >= 0.3 && S->h <= 10, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh_size_mm = %g is invalid: allowed 0.3..10 mm", (double)S->h);
  PetscCall(CheckElementCount(S));
  S->order = 1;
  PetscCall(VfeMeshOptionInt("mesh_order", &S->order, NULL));
  PetscCheck(S->order == 1 || S->order == 2, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh_order = %" PetscInt_FMT " is invalid: allowed 1 or 2", S->order);
  S->threads = 2;
  PetscCall(VfeMeshOptionInt("mesh_threads", &S->threads, NULL));
  PetscCall(VfeMeshOptionBool("mesh_verbose", &S->verbose, NULL));
  {
    char vm[32] = "hxt";
    PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh_volume_mesher", vm, sizeof vm, NULL));
    PetscCheck(!strcmp(vm, "hxt") || !strcmp(vm, "delaunay"), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "mesh_volume_mesher = '%s' is invalid: allowed hxt, delaunay", vm);
    S->delaunay = (PetscBool)!strcmp(vm, "delaunay");
  }
  PetscCheck(S->threads >= 1 && S->threads <= 256, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh_threads = %" PetscInt_FMT " is invalid: allowed 1..256", S->threads);
  PetscFunctionReturn(0);
}

static PetscErrorCode SegmentFromOptions(Segment *S)
{
  int i0 = -1, i1 = -1; /* set by ReadLevelRange (initialized for the compiler) */

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(S, sizeof *S));
  PetscCall(ReadLevelRange(&i0, &i1));
  S->nl = i1 - i0 + 1;
  for (int i = 0; i < S->nl; i++) PetscCall(ReadLevel(i0 + i, &S->L[i]));
  PetscCall(SetDomeFootprints(S));
  StackLevels(S);
  PetscCall(ReadTreatedLevels(S));
  PetscCall(ReadModelOptions(S));
  PetscCall(ReadMeshOptions(S));
  PetscCall(VfeCementSpecFromOptions(&S->cem));
  for (int i = 0; i < S->nl; i++) S->any_treated = (PetscBool)(S->any_treated || S->L[i].treated);
  PetscFunctionReturn(0);
}

/* ---------------- OCC construction ---------------- */

/* D-section prism of section s from z to z+h */
static PetscErrorCode AddPrism(const Section *s, PetscReal z, PetscReal h, int *vol)
{
  int ierr, arc, p0, p1, line, loop, surf, c[2], dt[2];
  int *out      = NULL;
  size_t nout   = 0;
  PetscReal phi = PetscAsinReal((s->yflat - s->ye) / s->be), xr = s->a * PetscCosReal(phi);

  PetscFunctionBeginUser;
  GC(arc = gmshModelOccAddEllipse(0, s->ye, z, s->a, s->be, -1, phi, PETSC_PI - phi, &ierr), "section arc");
  GC(p0 = gmshModelOccAddPoint(-xr, s->yflat, z, 0, -1, &ierr), "section point");
  GC(p1 = gmshModelOccAddPoint(xr, s->yflat, z, 0, -1, &ierr), "section point");
  GC(line = gmshModelOccAddLine(p0, p1, -1, &ierr), "section wall");
  c[0] = arc, c[1] = line;
  GC(loop = gmshModelOccAddCurveLoop(c, 2, -1, &ierr), "section loop");
  GC(surf = gmshModelOccAddPlaneSurface(&loop, 1, -1, &ierr), "section surface");
  dt[0] = 2, dt[1] = surf;
  GC(gmshModelOccExtrude(dt, 2, 0, 0, h, &out, &nout, NULL, 0, NULL, 0, 0, &ierr), "section extrude");
  *vol = -1;
  for (size_t i = 0; i < nout; i += 2)
    if (out[i] == 3) *vol = out[i + 1];
  gmshFree(out);
  PetscCheck(*vol > 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "section extrusion gave no volume");
  PetscFunctionReturn(0);
}

/* half ellipsoid, flat face in the plane z, bulging down (dir<0) or up (dir>0), from a dilated unit
   half sphere.  rimpole: from the y >= 0 half turned a quarter about x, so that the sphere's poles and
   seam lie on the rim and none inside the curved face.  Used for the bony endplates' inner faces,
   which cement may touch: Gmsh 4.8's surface mesher fails where a cement edge crosses a seam near a
   pole.  The concavities (domes) keep the pole at the bottom: on the rim the poles give worse
   triangles there. */
static PetscErrorCode AddHalfEllipsoid(PetscReal z, PetscReal ra, PetscReal rb, PetscReal c, int dir, PetscBool rimpole,
                                       int *vol)
{
  int ierr, dt[2];
  PetscFunctionBeginUser;
  if (rimpole) {
    GC(*vol = gmshModelOccAddSphere(0, 0, 0, 1, -1, -PETSC_PI / 2, PETSC_PI / 2, PETSC_PI, &ierr), "half sphere");
    dt[0] = 3, dt[1] = *vol;
    GC(gmshModelOccRotate(dt, 2, 0, 0, 0, 1, 0, 0, dir < 0 ? -PETSC_PI / 2 : PETSC_PI / 2, &ierr), "turn half sphere");
  } else {
    GC(*vol = gmshModelOccAddSphere(0, 0, 0, 1, -1, dir < 0 ? -PETSC_PI / 2 : 0, dir < 0 ? 0 : PETSC_PI / 2,
                                    2 * PETSC_PI, &ierr),
       "half sphere");
    dt[0] = 3, dt[1] = *vol;
  }
  GC(gmshModelOccDilate(dt, 2, 0, 0, 0, ra, rb, c, &ierr), "dilate dome");
  GC(gmshModelOccTranslate(dt, 2, 0, 0, z, &ierr), "translate dome");
  PetscFunctionReturn(0);
}

static PetscErrorCode FuseTwo(int a, int b, int *out_tag)
{
  int ierr, o[2] = {3, a}, t[2] = {3, b};
  int *out = NULL, **map = NULL;
  size_t nout = 0, *nmap = NULL, nnmap = 0;
  PetscFunctionBeginUser;
  GC(gmshModelOccFuse(o, 2, t, 2, &out, &nout, &map, &nmap, &nnmap, -1, 1, 1, &ierr), "fuse endplate");
  PetscCheck(nout == 2 && out[0] == 3, PETSC_COMM_SELF, PETSC_ERR_LIB, "endplate fuse did not give one volume");
  *out_tag = out[1];
  gmshFree(out);
  for (size_t i = 0; i < nnmap; i++) gmshFree(map[i]);
  gmshFree(map);
  gmshFree(nmap);
  PetscFunctionReturn(0);
}

static PetscErrorCode Copy1(int tag, int *copy)
{
  int ierr, dt[2] = {3, tag}, *out = NULL;
  size_t nout = 0;
  PetscFunctionBeginUser;
  GC(gmshModelOccCopy(dt, 2, &out, &nout, &ierr), "copy");
  *copy = out[1];
  gmshFree(out);
  PetscFunctionReturn(0);
}

enum { R_O, R_I, R_EPS, R_EPI, R_DS, R_DI, R_DISC, R_NUC, R_PLATE, R_CEM, R_LEAK, R_POST, R_FSUP, R_FINF, R_N };

typedef struct {
  int tag, role, idx;
} Tool;

/* region indices: per level 9 slots (cortical, cancellous, ep_sup, ep_inf, cement, leak, posterior, facet
   cartilage sup / inf), then discs, plate */
enum { K_CORT, K_CANC, K_EPS, K_EPI, K_CEM, K_LEAK, K_POST, K_FSUP, K_FINF, K_PER };

#define MAXPTS (VFE_NLIG * 2 * (MAXLEV - 1)) /* ligament attachment points */

typedef struct {
  PetscInt nreg;
  char name[VFE_SEG_MAX_REGIONS][VFE_NAME_LEN];
  int slot_of[MAXLEV * K_PER + 2 * MAXLEV + 1]; /* slot -> region index or -1 */
  PetscReal body_volume[MAXLEV], cement_target[MAXLEV], cement_occ[MAXLEV];
  PetscReal ztop;
  int npts, pt_tag[MAXPTS]; /* attachment points (posterior elements): OCC point tags */
  VfeAttach att[MAXPTS];
} Built;

static int SlotLevel(int l, int k)
{
  return l * K_PER + k;
}
static int SlotDisc(int d, int nuc)
{
  return MAXLEV * K_PER + 2 * d + (nuc ? 0 : 1);
}
static int SlotPlate(void)
{
  return MAXLEV * K_PER + 2 * MAXLEV;
}

static int Classify(const Segment *S, const unsigned *m)
{
  for (int l = 0; l < S->nl; l++) /* cement only inside the cancellous core (cement.c passes the unclipped shape) */
    if ((m[R_CEM] >> l & 1) && (m[R_I] >> l & 1) && !(m[R_EPS] >> l & 1) && !(m[R_EPI] >> l & 1) &&
        !(m[R_DS] >> l & 1) && !(m[R_DI] >> l & 1))
      return SlotLevel(l, K_CEM);
  for (int l = 0; l < S->nl; l++)
    if (m[R_LEAK] >> l & 1) return SlotLevel(l, K_LEAK);
  for (int l = 0; l < S->nl; l++) {
    if (m[R_DS] >> l & 1) return l == 0 ? SlotPlate() : SlotDisc(l - 1, 1);
    if (m[R_DI] >> l & 1) return l == S->nl - 1 ? -1 : SlotDisc(l, 1);
  }
  for (int l = 0; l < S->nl; l++) {
    if (!(m[R_O] >> l & 1)) continue;
    if (!(m[R_I] >> l & 1)) return SlotLevel(l, K_CORT);
    if (m[R_EPS] >> l & 1) return SlotLevel(l, K_EPS);
    if (m[R_EPI] >> l & 1) return SlotLevel(l, K_EPI);
    return SlotLevel(l, K_CANC);
  }
  for (int d = 0; d < S->nl - 1; d++)
    if (m[R_DISC] >> d & 1) return SlotDisc(d, (int)(m[R_NUC] >> d & 1));
  if (m[R_PLATE]) return SlotPlate();
  for (int l = 0; l < S->nl; l++) { /* posterior elements: only where no body, disc or plate is */
    if (m[R_FSUP] >> l & 1) return SlotLevel(l, K_FSUP);
    if (m[R_FINF] >> l & 1) return SlotLevel(l, K_FINF);
    if (m[R_POST] >> l & 1) return SlotLevel(l, K_POST);
  }
  return -1;
}

/* level l's body tools: outer and inner prisms, endplate layers (slab + half ellipsoid), domes;
   its body volume (outer prism less both domes) into B */
static PetscErrorCode AddBodyTools(const Level *L, int l, Built *B, Tool *T, int *nt, int *in, int *eps, int *epi)
{
  int ierr, o = 0, slab = 0, e2 = 0, ds = 0, di = 0;
  PetscReal m1, m2, m3;

  PetscFunctionBeginUser;
  PetscCall(AddPrism(&L->out, L->z0, L->H, &o));
  PetscCall(AddPrism(&L->in, L->z0, L->H, in));
  PetscCall(AddPrism(&L->in, L->z1 - L->te, L->te, &slab));
  PetscCall(AddHalfEllipsoid(L->z1, L->dsa + L->te, L->dsb + L->te, L->cs + L->te, -1, PETSC_TRUE, &e2));
  PetscCall(FuseTwo(slab, e2, eps));
  PetscCall(AddPrism(&L->in, L->z0, L->te, &slab));
  PetscCall(AddHalfEllipsoid(L->z0, L->dia + L->te, L->dib + L->te, L->ci + L->te, 1, PETSC_TRUE, &e2));
  PetscCall(FuseTwo(slab, e2, epi));
  PetscCall(AddHalfEllipsoid(L->z1, L->dsa, L->dsb, L->cs, -1, PETSC_FALSE, &ds));
  PetscCall(AddHalfEllipsoid(L->z0, L->dia, L->dib, L->ci, 1, PETSC_FALSE, &di));
  T[(*nt)++] = (Tool){o, R_O, l};
  T[(*nt)++] = (Tool){*in, R_I, l};
  T[(*nt)++] = (Tool){*eps, R_EPS, l};
  T[(*nt)++] = (Tool){*epi, R_EPI, l};
  T[(*nt)++] = (Tool){ds, R_DS, l};
  T[(*nt)++] = (Tool){di, R_DI, l};
  GC(gmshModelOccGetMass(3, o, &m1, &ierr), "mass");
  GC(gmshModelOccGetMass(3, ds, &m2, &ierr), "mass");
  GC(gmshModelOccGetMass(3, di, &m3, &ierr), "mass");
  B->body_volume[l] = m1 - m2 - m3;
  PetscFunctionReturn(0);
}

/* the cancellous core of level L: a copy of the inner prism less copies of both endplate layers */
static PetscErrorCode CutCancellousCore(const Level *L, int in, int eps, int epi, int *core)
{
  int ierr, ce = 0, ci2 = 0, od[2], td[4];
  int *cout = NULL, **cmap = NULL;
  size_t ncout = 0, *cnmap = NULL, cnn = 0;

  PetscFunctionBeginUser;
  PetscCall(Copy1(in, core));
  PetscCall(Copy1(eps, &ce));
  PetscCall(Copy1(epi, &ci2));
  od[0] = 3, od[1] = *core, td[0] = 3, td[1] = ce, td[2] = 3, td[3] = ci2;
  GC(gmshModelOccCut(od, 2, td, 4, &cout, &ncout, &cmap, &cnmap, &cnn, -1, 1, 1, &ierr), "cancellous core");
  PetscCheck(ncout == 2, PETSC_COMM_SELF, PETSC_ERR_LIB, "cancellous core of %s is not one volume", L->name);
  *core = cout[1];
  gmshFree(cout);
  for (size_t i = 0; i < cnn; i++) gmshFree(cmap[i]);
  gmshFree(cmap);
  gmshFree(cnmap);
  PetscFunctionReturn(0);
}

/* cement of treated level l, sized for cement_fill_ratio x corr[l] of its body volume (cement.c) */
static PetscErrorCode AddCementTools(const Segment *S, int l, const PetscReal *corr, int in, int eps, int epi, Built *B,
                                     Tool *T, int *nt)
{
  const Level *L = &S->L[l];
  VfeCementBody body;
  int core = 0, ctags[16], nc = 0;
  PetscReal frac = S->cem.pattern == VFE_CEMENT_DIFFUSE ? S->cem.diffuse_fraction : 1.0;

  PetscFunctionBeginUser;
  PetscCall(CutCancellousCore(L, in, eps, epi, &core));
  body.a = L->in.a, body.be = L->in.be, body.ye = L->in.ye, body.yflat = L->in.yflat;
  body.z0 = L->z0, body.z1 = L->z1, body.te = L->te;
  body.Ras = L->dsa + L->te, body.Rbs = L->dsb + L->te, body.cs = L->cs + L->te;
  body.Rai = L->dia + L->te, body.Rbi = L->dib + L->te, body.ci = L->ci + L->te;
  body.core           = core;
  B->cement_target[l] = S->cem.fill * B->body_volume[l] / frac * corr[l];
  PetscCall(VfeCementPlace(&S->cem, &body, B->cement_target[l], B->body_volume[l], &nc, ctags, &B->cement_occ[l]));
  for (int k = 0; k < nc; k++) T[(*nt)++] = (Tool){ctags[k], R_CEM, l};
  PetscFunctionReturn(0);
}

/* cement leak of treated level l: a sphere of cement_leak_volume_ml, intradiscal or anterior */
static PetscErrorCode AddLeakTool(const Segment *S, int l, Tool *T, int *nt)
{
  const Level *L = &S->L[l];
  PetscReal r = PetscCbrtReal(3 * S->cem.leak_volume / (4 * PETSC_PI)), x = 0, y, z;
  int ierr, sp;

  PetscFunctionBeginUser;
  if (S->cem.leak == VFE_LEAK_ANTERIOR)
    y = L->D / 2 + 0.6 * r, z = 0.5 * (L->z0 + L->z1);
  else if (l > 0 || S->nl == 1)
    y = 0, z = L->z1 - L->cs;
  else
    y = 0, z = L->z0 + L->ci;
  GC(sp = gmshModelOccAddSphere(x, y, z, r, -1, -PETSC_PI / 2, PETSC_PI / 2, 2 * PETSC_PI, &ierr), "leak");
  T[(*nt)++] = (Tool){sp, R_LEAK, l};
  PetscFunctionReturn(0);
}

/* disc d (between levels d and d+1): its prism and its nucleus, an extruded elliptic disk */
static PetscErrorCode AddDiscTools(const Segment *S, int d, Tool *T, int *nt)
{
  const Level *up = &S->L[d], *lo = &S->L[d + 1];
  PetscReal W, D, rx, ry;
  Section sec;
  int ierr, disc, disk, nuc, dt[2];
  int *eo    = NULL;
  size_t neo = 0;

  PetscFunctionBeginUser;
  DiscSize(up, lo, &W, &D);
  SectionSet(&sec, W, D, 0);
  PetscCall(AddPrism(&sec, lo->z1, up->z0 - lo->z1, &disc));
  NucleusRadii(W, D, up->nuc, &rx, &ry);
  GC(disk = gmshModelOccAddDisk(0, 0, lo->z1, rx, ry, -1, &ierr), "nucleus disk");
  dt[0] = 2, dt[1] = disk;
  GC(gmshModelOccExtrude(dt, 2, 0, 0, up->z0 - lo->z1, &eo, &neo, NULL, 0, NULL, 0, 0, &ierr), "nucleus");
  nuc = -1;
  for (size_t i = 0; i < neo; i += 2)
    if (eo[i] == 3) nuc = eo[i + 1];
  gmshFree(eo);
  T[(*nt)++] = (Tool){disc, R_DISC, d};
  T[(*nt)++] = (Tool){nuc, R_NUC, d};
  PetscFunctionReturn(0);
}

/* one fragment of all nt tools; each output volume classified (Classify) by the tools that contain it */
/* The ligament attachment points B->pt_tag (posterior elements; none otherwise) go into the fragment after the
   last tool: OCC imprints each on the face it lies on (an internal vertex of that face, which Gmsh meshes as an
   embedded node), and B->pt_tag receives their new tags. */
static PetscErrorCode FragmentAndClassify(const Segment *S, const Tool *T, int nt, Built *B, int **vol_region,
                                          int *nvol, int **vols)
{
  int ierr, *obj, *out = NULL, **map = NULL;
  size_t nout = 0, *nmap = NULL, nnmap = 0;
  PetscLogDouble tf0, tf1;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&tf0));
  PetscCall(PetscMalloc1(2 * (nt + B->npts), &obj));
  for (int i = 0; i < nt; i++) obj[2 * i] = 3, obj[2 * i + 1] = T[i].tag;
  for (int i = 0; i < B->npts; i++) obj[2 * (nt + i)] = 0, obj[2 * (nt + i) + 1] = B->pt_tag[i];
  GC(gmshModelOccFragment(obj, 2 * (nt - 1), obj + 2 * (nt - 1), 2 * (1 + B->npts), &out, &nout, &map, &nmap, &nnmap,
                          -1, 1, 1, &ierr),
     "fragment");
  PetscCall(PetscFree(obj));
  PetscCall(PetscTime(&tf1));
  PetscCall(PetscInfo(NULL, "segment: %d tools, fragment %.2f s\n", nt, tf1 - tf0));
  PetscCheck((int)nnmap == nt + B->npts, PETSC_COMM_SELF, PETSC_ERR_LIB, "fragment map has %zu entries for %d tools",
             nnmap, nt + B->npts);
  for (int i = 0; i < B->npts; i++) {
    PetscCheck(nmap[nt + i] == 2 && map[nt + i][0] == 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
               "attachment point %s did not come out of the fragment as one point", B->att[i].name);
    B->pt_tag[i] = map[nt + i][1];
  }
  {
    int nv = 0, maxtag = 0;
    unsigned(*mask)[R_N];
    for (size_t i = 0; i < nout; i += 2)
      if (out[i] == 3) nv++, maxtag = PetscMax(maxtag, out[i + 1]);
    PetscCall(PetscCalloc1(maxtag + 1, &mask));
    for (int i = 0; i < nt; i++)
      for (size_t j = 0; j < nmap[i]; j += 2)
        if (map[i][j] == 3) mask[map[i][j + 1]][T[i].role] |= 1u << T[i].idx;
    PetscCall(PetscMalloc1(nv, vols));
    PetscCall(PetscMalloc1(nv, vol_region));
    *nvol = 0;
    for (size_t i = 0; i < nout; i += 2)
      if (out[i] == 3) {
        (*vols)[*nvol]       = out[i + 1];
        (*vol_region)[*nvol] = Classify(S, mask[out[i + 1]]);
        (*nvol)++;
      }
    PetscCall(PetscFree(mask));
  }
  gmshFree(out);
  for (size_t i = 0; i < nnmap; i++) gmshFree(map[i]);
  gmshFree(map);
  gmshFree(nmap);
  PetscFunctionReturn(0);
}

/* posterior elements (mesh/posterior.c): per level one fused bone solid, per facet joint and side two cartilage
   layers */
static PetscErrorCode AddPosteriorTools(const Segment *S, Tool *T, int *nt)
{
  PetscFunctionBeginUser;
  for (int l = 0; l < S->nl; l++) {
    int bone, body;
    PetscCall(AddPrism(&S->L[l].out, S->L[l].z0, S->L[l].H, &body));
    PetscCall(VfePosteriorAddBone(&S->Q, l, body, &bone));
    T[(*nt)++] = (Tool){bone, R_POST, l};
  }
  for (int j = 0; j < S->nl - 1; j++)
    for (int s = 0; s < 2; s++) {
      int ci, cs;
      PetscCall(VfePosteriorAddCartilage(&S->Q, j, s, &ci, &cs));
      T[(*nt)++] = (Tool){ci, R_FINF, j};
      T[(*nt)++] = (Tool){cs, R_FSUP, j + 1};
    }
  PetscFunctionReturn(0);
}

/* the ligament attachment points (OCC points; the fragment imprints them on their bone surface) */
static PetscErrorCode AddAttachmentPoints(const Segment *S, Built *B)
{
  int ierr;

  PetscFunctionBeginUser;
  for (int j = 0; j < S->nl - 1; j++) {
    PetscCall(VfePosteriorAttachments(&S->Q, j, B->att + B->npts));
    for (int k = 0; k < 2 * VFE_NLIG; k++, B->npts++) {
      const PetscReal *x = B->att[B->npts].xyz;
      GC(B->pt_tag[B->npts] = gmshModelOccAddPoint(x[0], x[1], x[2], 0, -1, &ierr), "attachment point");
    }
  }
  PetscFunctionReturn(0);
}

/* Build the whole model (rank 0): tools, cement, fragment, classification (the physical groups: GroupRegions). */
static PetscErrorCode BuildModel(const Segment *S, const PetscReal *corr, Built *B, int **vol_region, int *nvol,
                                 int **vols)
{
  Tool *T;
  int nt = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(16 * MAXLEV + 64, &T));
  for (int l = 0; l < S->nl; l++) {
    const Level *L = &S->L[l];
    int in = 0, eps = 0, epi = 0;
    PetscCall(AddBodyTools(L, l, B, T, &nt, &in, &eps, &epi));
    if (L->treated && S->cem.pattern != VFE_CEMENT_NONE) PetscCall(AddCementTools(S, l, corr, in, eps, epi, B, T, &nt));
    if (L->treated && S->cem.leak != VFE_LEAK_NONE) PetscCall(AddLeakTool(S, l, T, &nt));
  }
  for (int d = 0; d < S->nl - 1; d++) PetscCall(AddDiscTools(S, d, T, &nt));
  {
    int plate;
    PetscCall(AddPrism(&S->L[0].out, S->L[0].z1, PLATE_T, &plate));
    T[nt++] = (Tool){plate, R_PLATE, 0};
    B->ztop = S->L[0].z1 + PLATE_T;
  }
  B->npts = 0;
  if (S->posterior) PetscCall(AddPosteriorTools(S, T, &nt));
  if (S->posterior) PetscCall(AddAttachmentPoints(S, B));
  PetscCall(FragmentAndClassify(S, T, nt, B, vol_region, nvol, vols));
  PetscCall(PetscFree(T));
  PetscFunctionReturn(0);
}

/* region table in a fixed order */
static PetscErrorCode RegionTable(const Segment *S, Built *B)
{
  static const char *const kn[K_PER] = {"cortical",    "cancellous", "endplate_sup", "endplate_inf", "cement",
                                        "cement_leak", "posterior",  "facet_sup",    "facet_inf"};
  PetscFunctionBeginUser;
  for (size_t i = 0; i < sizeof B->slot_of / sizeof B->slot_of[0]; i++) B->slot_of[i] = -1;
  B->nreg = 0;
  for (int l = 0; l < S->nl; l++)
    for (int k = 0; k < K_PER; k++) {
      if (k == K_CEM && !(S->L[l].treated && S->cem.pattern != VFE_CEMENT_NONE)) continue;
      if (k == K_LEAK && !(S->L[l].treated && S->cem.leak != VFE_LEAK_NONE)) continue;
      if (k == K_POST && !S->posterior) continue;
      if (k == K_FSUP && !(S->posterior && l > 0)) continue;
      if (k == K_FINF && !(S->posterior && l < S->nl - 1)) continue;
      B->slot_of[SlotLevel(l, k)] = (int)B->nreg;
      PetscCall(PetscSNPrintf(B->name[B->nreg++], VFE_NAME_LEN, "%s.%s", S->L[l].name, kn[k]));
    }
  for (int d = 0; d < S->nl - 1; d++)
    for (int k = 1; k >= 0; k--) {
      B->slot_of[SlotDisc(d, k)] = (int)B->nreg;
      PetscCall(PetscSNPrintf(B->name[B->nreg++], VFE_NAME_LEN, "%s%s.%s", S->L[d].name, S->L[d + 1].name,
                              k ? "nucleus" : "annulus"));
    }
  B->slot_of[SlotPlate()] = (int)B->nreg;
  PetscCall(PetscStrncpy(B->name[B->nreg++], "load_plate", VFE_NAME_LEN));
  PetscFunctionReturn(0);
}

/* wedge map of one treated level (see file-top comment) */
static void WedgeMap(const Level *L, PetscReal w, PetscReal *p)
{
  PetscReal s = w * L->H / L->D, c = PetscSqrtReal(1 - s * s), yp = -L->D / 2, tau, y1, z1;
  if (p[2] <= L->z0) return;
  /* rotation about the axis (y = yp, z = z1), anterior (+y) goes down */
  y1 = yp + (p[1] - yp) * c + (PetscMax(p[2], L->z1) - L->z1) * s;
  z1 = L->z1 - (p[1] - yp) * s + (PetscMax(p[2], L->z1) - L->z1) * c;
  if (p[2] >= L->z1) {
    p[1] = y1, p[2] = z1;
    return;
  }
  tau  = (p[2] - L->z0) / L->H;
  p[1] = (1 - tau) * p[1] + tau * y1;
  p[2] = (1 - tau) * L->z0 + tau * z1;
}

static uint64_t Fnv(uint64_t h, const void *data, size_t n)
{
  const unsigned char *c = (const unsigned char *)data;
  for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 1099511628211ULL;
  return h;
}

static PetscReal TetVolQ(const double *a, const double *b, const double *c, const double *d, PetscReal *q)
{
  PetscReal u[3], v[3], w[3], vol, l2 = 0;
  const double *P[4] = {a, b, c, d};
  for (int k = 0; k < 3; k++) u[k] = b[k] - a[k], v[k] = c[k] - a[k], w[k] = d[k] - a[k];
  vol = (u[0] * (v[1] * w[2] - v[2] * w[1]) - u[1] * (v[0] * w[2] - v[2] * w[0]) + u[2] * (v[0] * w[1] - v[1] * w[0])) /
        6.0;
  for (int i = 0; i < 4; i++)
    for (int j = i + 1; j < 4; j++)
      l2 += PetscSqr(P[i][0] - P[j][0]) + PetscSqr(P[i][1] - P[j][1]) + PetscSqr(P[i][2] - P[j][2]);
  l2 /= 6;
  *q = 6 * PETSC_SQRT2 * vol / (l2 * PetscSqrtReal(l2));
  return vol;
}

static int CmpReal(const void *a, const void *b)
{
  PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return x < y ? -1 : x > y;
}

static PetscErrorCode SetMeshOptions(const Segment *S)
{
  int ierr;
  PetscFunctionBeginUser;
  GC(gmshOptionSetNumber("General.Terminal", S->verbose ? 1 : 0, &ierr), "option");
  /* surfaces on one thread (Gmsh 4.8 meshes them differently from run to run when in parallel);
   * OCC booleans in parallel (same shapes, same tags); HXT with mesh_threads (mesh/hxt.c) */
  GC(gmshOptionSetNumber("General.NumThreads", 1, &ierr), "option");
  GC(gmshOptionSetNumber("Geometry.OCCParallel", S->threads > 1, &ierr), "option");
  GC(gmshOptionSetNumber("Mesh.Algorithm", 6, &ierr), "option");
  GC(gmshOptionSetNumber("Mesh.Algorithm3D", 10, &ierr), "option");
  GC(gmshOptionSetNumber("Mesh.MeshSizeMax", 1.3 * S->h, &ierr), "option");
  GC(gmshOptionSetNumber("Mesh.MeshSizeMin", 0.2 * S->h, &ierr), "option");
  GC(gmshOptionSetNumber("Mesh.ElementOrder", 1, &ierr), "option");
  GC(gmshOptionSetNumber("Mesh.Optimize", 1, &ierr), "option");
  GC(gmshOptionSetNumber("Mesh.RandomSeed", 1, &ierr), "option");
  PetscFunctionReturn(0);
}

/* one pass's model, mesh and node table (MeshPass) */
typedef struct {
  Built B;
  int *vreg, nv, *vols;                                       /* BuildModel's volumes and their slots */
  int *ents[VFE_SEG_MAX_REGIONS], nents[VFE_SEG_MAX_REGIONS]; /* volumes per region */
  size_t *ntag, nn, nxyz, npar, maxnode;                      /* nodes (Gmsh) */
  double *xyz, *par;
  PetscInt *idx;               /* node tag -> position in ntag */
  char *mark;                  /* by node tag: a node of the cement (MeasureCementSides) */
  uint64_t hash;               /* FNV-1a 64 of node coordinates and region connectivity (the mesh hash) */
  PetscReal qworst, qwhere[3]; /* the worst tetrahedron's quality and centroid, its region */
  int qregion;
} Pass;

/* drop the unclassified pieces, one physical volume per region (tag = region index + 1) */
static PetscErrorCode GroupRegions(Pass *P)
{
  Built *B = &P->B;
  int ierr;

  PetscFunctionBeginUser;
  for (int r = 0; r < B->nreg; r++) {
    P->nents[r] = 0;
    PetscCall(PetscMalloc1(P->nv, &P->ents[r]));
  }
  for (int i = 0; i < P->nv; i++) {
    int reg = P->vreg[i] < 0 ? -1 : B->slot_of[P->vreg[i]];
    if (reg < 0) {
      int dt[2] = {3, P->vols[i]};
      GC(gmshModelOccRemove(dt, 2, 0, &ierr), "remove void piece");
    } else
      P->ents[reg][P->nents[reg]++] = P->vols[i];
  }
  GC(gmshModelOccSynchronize(&ierr), "synchronize");
  for (int r = 0; r < B->nreg; r++) {
    PetscCheck(P->nents[r] > 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "region %s came out empty from the geometry booleans",
               B->name[r]);
    GC(gmshModelAddPhysicalGroup(3, P->ents[r], P->nents[r], r + 1, &ierr), "physical group");
    GC(gmshModelSetPhysicalName(3, r + 1, B->name[r], &ierr), "physical name");
  }
  PetscFunctionReturn(0);
}

/* boundary surfaces: load_top (the plate's top face) and fixed_bottom (up to the bottom level's inferior dome) */
static PetscErrorCode AddBoundaryGroups(const Segment *S, const Pass *P)
{
  int ierr, *all, *bnd = NULL, ntop = 0, nbot = 0, *top, *bot, nall = 0;
  size_t nb = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(2 * P->nv, &all));
  for (int r = 0; r < P->B.nreg; r++)
    for (int k = 0; k < P->nents[r]; k++) all[2 * nall] = 3, all[2 * nall + 1] = P->ents[r][k], nall++;
  GC(gmshModelGetBoundary(all, 2 * nall, &bnd, &nb, 1, 0, 0, &ierr), "boundary");
  PetscCall(PetscMalloc2(nb, &top, nb, &bot));
  for (size_t i = 0; i < nb; i += 2) {
    double x0, y0, z0, x1, y1, z1;
    int tag = PetscAbsInt(bnd[i + 1]);
    GC(gmshModelGetBoundingBox(2, tag, &x0, &y0, &z0, &x1, &y1, &z1, &ierr), "bbox");
    if (PetscAbsReal(z0 - P->B.ztop) < 1e-6 && PetscAbsReal(z1 - P->B.ztop) < 1e-6) top[ntop++] = tag;
    if (z1 <= S->L[S->nl - 1].z0 + S->L[S->nl - 1].ci + 1e-6) bot[nbot++] = tag;
  }
  PetscCheck(ntop > 0 && nbot > 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "load_top or fixed_bottom surface not found");
  GC(gmshModelAddPhysicalGroup(2, top, ntop, 1, &ierr), "physical surface");
  GC(gmshModelSetPhysicalName(2, 1, "load_top", &ierr), "physical name");
  GC(gmshModelAddPhysicalGroup(2, bot, nbot, 2, &ierr), "physical surface");
  GC(gmshModelSetPhysicalName(2, 2, "fixed_bottom", &ierr), "physical name");
  gmshFree(bnd);
  PetscCall(PetscFree2(top, bot));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* the faces of region r's volumes (not combined: also those shared with other regions) */
static PetscErrorCode RegionFaces(const Pass *P, int r, int **faces, size_t *nf)
{
  int ierr, *dt;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(2 * P->nents[r], &dt));
  for (int k = 0; k < P->nents[r]; k++) dt[2 * k] = 3, dt[2 * k + 1] = P->ents[r][k];
  GC(gmshModelGetBoundary(dt, 2 * P->nents[r], faces, nf, 0, 0, 0, &ierr), "region faces");
  PetscCall(PetscFree(dt));
  PetscFunctionReturn(0);
}

/* the tip gaps under the inferior articular processes: per joint the tips' faces <D>.facet_tip_<left|right>_upper
   and the lower level's lamina top <D>.facet_tip_lower (exterior faces of the posterior bone, horizontal) */
static PetscErrorCode AddTipGroups(const Segment *S, const Pass *P, int ptag)
{
  static const char *const side[2] = {"left", "right"};
  int ierr, tip[MAXLEV][2], *top[MAXLEV], ntop[MAXLEV];

  PetscFunctionBeginUser;
  for (int j = 0; j < S->nl - 1; j++) tip[j][0] = tip[j][1] = 0, ntop[j] = 0, top[j] = NULL;
  for (int l = 0; l < S->nl; l++) {
    int r = P->B.slot_of[SlotLevel(l, K_POST)], *f = NULL;
    size_t nf = 0;
    if (r < 0) continue;
    PetscCall(RegionFaces(P, r, &f, &nf));
    for (size_t i = 0; i < nf; i += 2) {
      double lo[3], hi[3];
      int j, sd, up, tag = PetscAbsInt(f[i + 1]);
      GC(gmshModelGetBoundingBox(2, tag, &lo[0], &lo[1], &lo[2], &hi[0], &hi[1], &hi[2], &ierr), "face box");
      if (!VfePosteriorTipFace(&S->Q, l, lo, hi, &j, &sd, &up)) continue;
      if (up) {
        PetscCheck(!tip[j][sd], PETSC_COMM_SELF, PETSC_ERR_LIB, "facet tip surface found twice");
        tip[j][sd] = tag;
      } else {
        if (!top[j]) PetscCall(PetscMalloc1(nf / 2, &top[j]));
        top[j][ntop[j]++] = tag;
      }
    }
    gmshFree(f);
  }
  for (int j = 0; j < S->nl - 1; j++) {
    char name[VFE_NAME_LEN];
    for (int sd = 0; sd < 2; sd++) {
      PetscCall(PetscSNPrintf(name, sizeof name, "%s%s.facet_tip_%s_upper", S->L[j].name, S->L[j + 1].name, side[sd]));
      PetscCheck(tip[j][sd], PETSC_COMM_SELF, PETSC_ERR_LIB, "facet surface %s not found", name);
      PetscCall(VfeGmshNamedGroup(2, &tip[j][sd], 1, ptag++, name));
    }
    PetscCall(PetscSNPrintf(name, sizeof name, "%s%s.facet_tip_lower", S->L[j].name, S->L[j + 1].name));
    PetscCheck(ntop[j], PETSC_COMM_SELF, PETSC_ERR_LIB, "facet surface %s not found", name);
    PetscCall(VfeGmshNamedGroup(2, top[j], (size_t)ntop[j], ptag++, name));
    PetscCall(PetscFree(top[j]));
  }
  PetscFunctionReturn(0);
}

/* the facing cartilage surfaces of each facet joint: surface groups <D>.facet_<left|right>_<upper|lower> */
static PetscErrorCode AddFacetGroups(const Segment *S, const Pass *P)
{
  static const char *const side[2] = {"left", "right"};
  int ierr, found[MAXLEV][2][2], ptag = 3;

  PetscFunctionBeginUser;
  for (int j = 0; j < S->nl - 1; j++)
    for (int sd = 0; sd < 2; sd++) found[j][sd][0] = found[j][sd][1] = 0;
  for (int l = 0; l < S->nl; l++)
    for (int k = K_FSUP; k <= K_FINF; k++) {
      int r = P->B.slot_of[SlotLevel(l, k)], *f = NULL;
      size_t nf = 0;
      if (r < 0) continue;
      PetscCall(RegionFaces(P, r, &f, &nf));
      for (size_t i = 0; i < nf; i += 2) {
        double com[3];
        int j, sd, up;
        GC(gmshModelOccGetCenterOfMass(2, PetscAbsInt(f[i + 1]), &com[0], &com[1], &com[2], &ierr), "face centre");
        if (!VfePosteriorFacetFace(&S->Q, com, &j, &sd, &up)) continue;
        PetscCheck(!found[j][sd][up], PETSC_COMM_SELF, PETSC_ERR_LIB, "facet surface found twice");
        found[j][sd][up] = PetscAbsInt(f[i + 1]);
      }
      gmshFree(f);
    }
  for (int j = 0; j < S->nl - 1; j++)
    for (int sd = 0; sd < 2; sd++)
      for (int up = 1; up >= 0; up--) {
        char name[VFE_NAME_LEN];
        PetscCall(PetscSNPrintf(name, sizeof name, "%s%s.facet_%s_%s", S->L[j].name, S->L[j + 1].name, side[sd],
                                up ? "upper" : "lower"));
        PetscCheck(found[j][sd][up], PETSC_COMM_SELF, PETSC_ERR_LIB, "facet surface %s not found", name);
        PetscCall(VfeGmshNamedGroup(2, &found[j][sd][up], 1, ptag++, name));
      }
  PetscCall(AddTipGroups(S, P, ptag));
  PetscFunctionReturn(0);
}

/* the exterior face of region r that holds point x: closest-point distance < 1e-6 mm and x in the face's bounding
   box (OCC projects onto the untrimmed surface, and Gmsh 4.8's IsInside misses some periodic faces, so a face
   that IsInside also accepts is preferred among several) */
static PetscErrorCode FindSurfaceAt(const Pass *P, int r, const PetscReal *x, const char *what, int *face)
{
  int ierr, *f = NULL, best = -1;
  size_t nf = 0;

  PetscFunctionBeginUser;
  *face = -1;
  PetscCall(RegionFaces(P, r, &f, &nf));
  for (size_t i = 0; i < nf; i += 2) {
    int tag = PetscAbsInt(f[i + 1]), *up = NULL, *down = NULL, inside, score;
    size_t nup = 0, ndown = 0, ncc = 0, npc = 0;
    double xx[3] = {x[0], x[1], x[2]}, *cc = NULL, *pc = NULL, d, lo[3], hi[3];
    PetscBool inbox = PETSC_TRUE;
    GC(gmshModelGetBoundingBox(2, tag, &lo[0], &lo[1], &lo[2], &hi[0], &hi[1], &hi[2], &ierr), "bbox");
    for (int k = 0; k < 3; k++) inbox = (PetscBool)(inbox && x[k] >= lo[k] - 1e-6 && x[k] <= hi[k] + 1e-6);
    if (!inbox) continue;
    GC(gmshModelGetClosestPoint(2, tag, xx, 3, &cc, &ncc, &pc, &npc, &ierr), "closest point");
    d = PetscSqrtReal(PetscSqr(cc[0] - x[0]) + PetscSqr(cc[1] - x[1]) + PetscSqr(cc[2] - x[2]));
    GC(inside = gmshModelIsInside(2, tag, pc, npc, &ierr), "inside face");
    GC(gmshModelGetAdjacencies(2, tag, &up, &nup, &down, &ndown, &ierr), "face adjacencies");
    score = d < 1e-6 && nup == 1 ? 1 + (inside != 0) : 0;
    if (score > best && score > 0) best = score, *face = tag;
    gmshFree(cc);
    gmshFree(pc);
    gmshFree(up);
    gmshFree(down);
  }
  gmshFree(f);
  PetscCheck(*face > 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "attachment point %s (%g, %g, %g) is on no exterior face of %s",
             what, (double)x[0], (double)x[1], (double)x[2], P->B.name[r]);
  PetscFunctionReturn(0);
}

/* posterior elements: the facet surface groups; each attachment point checked to lie on an exterior face of its
   level's bone (cortical shell for ALL and PLL, posterior elements for the others) and a point group of its own */
static PetscErrorCode AddPosteriorGroups(const Segment *S, const Pass *P)
{
  int ierr;

  PetscFunctionBeginUser;
  PetscCall(AddFacetGroups(S, P));
  for (int i = 0; i < P->B.npts; i++) {
    const VfeAttach *a = &P->B.att[i];
    int face, r = P->B.slot_of[SlotLevel(a->level, a->body ? K_CORT : K_POST)], pt = P->B.pt_tag[i];
    PetscCall(FindSurfaceAt(P, r, a->xyz, a->name, &face));
    GC(gmshModelAddPhysicalGroup(0, &pt, 1, i + 1, &ierr), "physical point");
    GC(gmshModelSetPhysicalName(0, i + 1, a->name, &ierr), "physical name");
  }
  PetscFunctionReturn(0);
}

/* mesh size: 0.75 h at the corners of endplates and cement, 1.3 h elsewhere, interpolated along curves
   and extended from the boundary into the volumes (a distance field costs more than the whole 3D mesh) */
static PetscErrorCode SetMeshSizes(const Segment *S, const Pass *P)
{
  const Built *B = &P->B;
  int ierr, *sel, nsel = 0, *pts = NULL;
  size_t nfb = 0, npts = 0;
  int *fb = NULL;

  PetscFunctionBeginUser;
  for (int r = 0; r < B->nreg; r++) {
    if (!strstr(B->name[r], "endplate") && !strstr(B->name[r], ".cement")) continue;
    nsel += P->nents[r];
  }
  PetscCall(PetscMalloc1(2 * nsel + 2, &sel));
  nsel = 0;
  for (int r = 0; r < B->nreg; r++) {
    if (!strstr(B->name[r], "endplate") && !strstr(B->name[r], ".cement")) continue;
    for (int k = 0; k < P->nents[r]; k++) sel[2 * nsel] = 3, sel[2 * nsel + 1] = P->ents[r][k], nsel++;
  }
  GC(gmshModelGetBoundary(sel, 2 * nsel, &fb, &nfb, 1, 0, 1, &ierr), "points of endplates and cement");
  GC(gmshModelGetEntities(&pts, &npts, 0, &ierr), "points");
  GC(gmshModelMeshSetSize(pts, npts, 1.3 * S->h, &ierr), "point sizes");
  GC(gmshModelMeshSetSize(fb, nfb, 0.75 * S->h, &ierr), "point sizes near endplates and cement");
  gmshFree(pts);
  gmshFree(fb);
  PetscCall(PetscFree(sel));
  if (S->posterior) { /* facet cartilage: about 1.5 layers of elements across its thickness */
    for (int l = 0; l < S->nl; l++)
      for (int k = K_FSUP; k <= K_FINF; k++) {
        int r = B->slot_of[SlotLevel(l, k)], *dt;
        if (r < 0) continue;
        PetscCall(PetscMalloc1(2 * P->nents[r], &dt));
        for (int e = 0; e < P->nents[r]; e++) dt[2 * e] = 3, dt[2 * e + 1] = P->ents[r][e];
        GC(gmshModelGetBoundary(dt, 2 * P->nents[r], &fb, &nfb, 1, 0, 1, &ierr), "points of the cartilage");
        GC(gmshModelMeshSetSize(fb, nfb, PetscMin(0.75 * S->h, 1.5 * S->Q.tc), &ierr), "cartilage point sizes");
        gmshFree(fb);
        PetscCall(PetscFree(dt));
      }
    for (int i = 0; i < B->npts; i++) { /* attachment points: finer, so that a small face (a process tip) holding
                                           one at its centre is not meshed as its corners and the point alone */
      int dt[2] = {0, B->pt_tag[i]};
      GC(gmshModelMeshSetSize(dt, 2, 0.4 * S->h, &ierr), "attachment point size");
    }
  }
  PetscFunctionReturn(0);
}

/* 1D/2D mesh, then the volumes (HXT through mesh/hxt.c, or Delaunay); the times into rep */
static PetscErrorCode MeshSurfacesAndVolumes(const Segment *S, VfeSegmentReport rep, PetscLogDouble tb0,
                                             PetscLogDouble tb1)
{
  PetscLogDouble tb2, tb3, tb4;

  /* the surface algorithms tried in turn: Frontal-Delaunay (6), then Delaunay (5) and MeshAdapt (1) where a coarse
     surface mesh crosses itself between close surfaces (a PLC error of the volume mesher, e.g. 40 % bipedicular
     cement at 5 mm); the same sequence on every run, so the mesh stays reproducible */
  static const int alg2d[3]              = {6, 5, 1};
  static const char *const alg2d_name[3] = {"", ", surfaces: Delaunay 2D", ", surfaces: MeshAdapt"};
  PetscErrorCode perr                    = 0;
  int ierr, a;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&tb2));
  tb3 = tb2;
  for (a = 0; a < 3; a++) {
    if (a) {
      PetscCall(PetscInfo(NULL, "segment pass: volume mesh failed; surfaces again with Mesh.Algorithm %d\n", alg2d[a]));
      GC(gmshModelMeshClear(NULL, 0, &ierr), "clear mesh");
      GC(gmshOptionSetNumber("Mesh.Algorithm", alg2d[a], &ierr), "option");
    }
    perr = VfeGmshGenerate(2, "mesh generate (1D/2D)");
    PetscCall(PetscTime(&tb3));
    if (!perr) {
      if (S->delaunay) {
        perr = VfeDelaunayMeshVolumes();
        if (!perr) PetscCall(PetscSNPrintf(rep->volume_mesher, sizeof rep->volume_mesher, "delaunay (requested)"));
      } else
        perr = VfeHxtMeshVolumes((int)S->threads, rep->volume_mesher, sizeof rep->volume_mesher);
    }
    if (perr != PETSC_ERR_LIB) break; /* done, or an error that another surface mesh would not mend */
  }
  GC(gmshOptionSetNumber("Mesh.Algorithm", alg2d[0], &ierr), "option"); /* the next pass starts as this one did */
  PetscCall(perr);
  if (a > 0) PetscCall(PetscStrlcat(rep->volume_mesher, alg2d_name[a], sizeof rep->volume_mesher));
  PetscCall(PetscTime(&tb4));
  PetscCall(PetscInfo(NULL,
                      "segment pass: geometry %.2f s, groups/sizes %.2f s, surfaces %.2f s, volumes %.2f s (%s)\n",
                      tb1 - tb0, tb2 - tb1, tb3 - tb2, tb4 - tb3, rep->volume_mesher));
  rep->t_geometry += tb2 - tb0;
  rep->t_surface += tb3 - tb2;
  rep->t_volume += tb4 - tb3;
  PetscFunctionReturn(0);
}

/* the mesh nodes, with a dense index by tag (P->idx) and an empty cement mark (P->mark) */
static PetscErrorCode IndexNodes(Pass *P)
{
  int ierr;

  PetscFunctionBeginUser;
  GC(gmshModelMeshGetNodes(&P->ntag, &P->nn, &P->xyz, &P->nxyz, &P->par, &P->npar, -1, -1, 0, 0, &ierr), "get nodes");
  for (size_t i = 0; i < P->nn; i++) P->maxnode = PetscMax(P->maxnode, P->ntag[i]);
  PetscCall(PetscMalloc1(P->maxnode + 1, &P->idx));
  PetscCall(PetscCalloc1(P->maxnode + 1, &P->mark));
  for (size_t i = 0; i <= P->maxnode; i++) P->idx[i] = -1;
  for (size_t i = 0; i < P->nn; i++) P->idx[P->ntag[i]] = (PetscInt)i;
  PetscFunctionReturn(0);
}

/* fracture_wedge: move the nodes by WedgeMap of each treated level, in the copy and in Gmsh's mesh */
static PetscErrorCode ApplyFractureWedge(const Segment *S, Pass *P)
{
  int ierr;

  PetscFunctionBeginUser;
  if (S->wedge > 0) {
    for (int l = 0; l < S->nl; l++) { /* top first: see WedgeMap */
      if (!S->L[l].treated) continue;
      for (size_t i = 0; i < P->nn; i++) WedgeMap(&S->L[l], S->wedge, P->xyz + 3 * i);
    }
    for (size_t i = 0; i < P->nn; i++)
      GC(gmshModelMeshSetNode(P->ntag[i], P->xyz + 3 * i, 3, NULL, 0, &ierr), "set node");
  }
  PetscFunctionReturn(0);
}

/* node tags and coordinates (rounded to 1e-9 mm) into the mesh hash */
static void HashNodes(Pass *P)
{
  for (size_t i = 0; i < P->nn; i++) {
    long long r[3];
    for (int k = 0; k < 3; k++) r[k] = llround(P->xyz[3 * i + k] * 1e9);
    P->hash = Fnv(P->hash, &P->ntag[i], sizeof P->ntag[i]);
    P->hash = Fnv(P->hash, r, sizeof r);
  }
}

/* volume and quality of the tetrahedron with node tags t[0..3] */
static PetscReal TetVolQByTags(const Pass *P, const size_t *t, PetscReal *q)
{
  const double *x = P->xyz;
  return TetVolQ(x + 3 * P->idx[t[0]], x + 3 * P->idx[t[1]], x + 3 * P->idx[t[2]], x + 3 * P->idx[t[3]], q);
}

/* region r's tetrahedra: count, volume, qualities appended to (*q, *qcount, capacity *cap), connectivity hashed;
   an inverted or degenerate one is an error */
static PetscErrorCode MeasureRegion(Pass *P, int r, VfeSegmentReport rep, PetscReal **q, PetscReal *qcount, size_t *cap,
                                    size_t *ntet_total)
{
  int ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(rep->region[r], P->B.name[r], VFE_NAME_LEN));
  rep->region_volume[r] = 0;
  for (int k = 0; k < P->nents[r]; k++) {
    size_t *et = NULL, net = 0, *en = NULL, nen = 0;
    GC(gmshModelMeshGetElementsByType(4, &et, &net, &en, &nen, P->ents[r][k], 0, 1, &ierr), "get tetrahedra");
    if (*cap < (size_t)*qcount + net) {
      PetscReal *q2;
      *cap = 2 * ((size_t)*qcount + net);
      PetscCall(PetscMalloc1(*cap, &q2));
      PetscCall(PetscArraycpy(q2, *q, (size_t)*qcount));
      PetscCall(PetscFree(*q));
      *q = q2;
    }
    P->hash = Fnv(P->hash, &r, sizeof r);
    P->hash = Fnv(P->hash, en, nen * sizeof en[0]);
    for (size_t e = 0; e < net; e++) {
      PetscReal qq, v;
      v = TetVolQByTags(P, en + 4 * e, &qq);
      if (!(qq > 1e-8) || qq < P->qworst) { /* the worst element and where it is (-info; an error if degenerate) */
        const double *x = P->xyz;
        P->qworst       = qq;
        P->qregion      = r;
        for (int k = 0; k < 3; k++)
          P->qwhere[k] = 0.25 * (x[3 * P->idx[en[4 * e]] + k] + x[3 * P->idx[en[4 * e + 1]] + k] +
                                 x[3 * P->idx[en[4 * e + 2]] + k] + x[3 * P->idx[en[4 * e + 3]] + k]);
        PetscCheck(
            qq > 1e-8, PETSC_COMM_SELF, PETSC_ERR_LIB,
            "inverted or degenerate tetrahedron %zu in region %s at (%.2f, %.2f, %.2f) (quality %g); try another "
            "mesh_size_mm",
            et[e], P->B.name[r], (double)P->qwhere[0], (double)P->qwhere[1], (double)P->qwhere[2], (double)qq);
      }
      (*q)[(size_t)(*qcount)++] = qq;
      rep->region_volume[r] += v;
    }
    rep->region_tets[r] += (PetscInt)net;
    *ntet_total += net;
    gmshFree(et);
    gmshFree(en);
  }
  PetscFunctionReturn(0);
}

/* every tetrahedron of the mesh must lie in a region */
static PetscErrorCode CheckAllTetsInRegions(size_t ntet_total)
{
  int ierr;
  size_t *et = NULL, net = 0, *en = NULL, nen = 0;

  PetscFunctionBeginUser;
  GC(gmshModelMeshGetElementsByType(4, &et, &net, &en, &nen, -1, 0, 1, &ierr), "get all tetrahedra");
  PetscCheck(net == ntet_total, PETSC_COMM_SELF, PETSC_ERR_LIB, "%zu tetrahedra in the mesh but %zu in regions", net,
             ntet_total);
  gmshFree(et);
  gmshFree(en);
  PetscFunctionReturn(0);
}

/* tetrahedra per region, their volumes and quality (min, 1st percentile), the mesh hash, into rep */
static PetscErrorCode MeasureRegions(Pass *P, VfeSegmentReport rep)
{
  PetscReal *q, qcount = 0;
  size_t cap = 0, ntet_total = 0;

  PetscFunctionBeginUser;
  rep->nregions = P->B.nreg;
  for (int r = 0; r < P->B.nreg; r++) rep->region_tets[r] = 0;
  PetscCall(PetscMalloc1(1, &q));
  for (int r = 0; r < P->B.nreg; r++) PetscCall(MeasureRegion(P, r, rep, &q, &qcount, &cap, &ntet_total));
  PetscCall(CheckAllTetsInRegions(ntet_total));
  qsort(q, (size_t)qcount, sizeof q[0], CmpReal);
  rep->quality_min = q[0];
  PetscCall(PetscInfo(NULL, "segment: worst tetrahedron q = %g in %s at (%.2f, %.2f, %.2f)\n", (double)P->qworst,
                      P->B.name[P->qregion], (double)P->qwhere[0], (double)P->qwhere[1], (double)P->qwhere[2]));
  rep->quality_p01 = q[(size_t)(0.01 * qcount)];
  rep->ntets       = (PetscInt)ntet_total;
  rep->nnodes      = (PetscInt)P->nn;
  rep->hash        = P->hash;
  PetscCall(PetscFree(q));
  PetscFunctionReturn(0);
}

/* cement region rc: its volume on either side of x = 0 (side[0]: x <= 0); marks its nodes in P->mark */
static PetscErrorCode MeasureCementSides(Pass *P, int rc, PetscReal side[2])
{
  int ierr;

  PetscFunctionBeginUser;
  for (int k = 0; k < P->nents[rc]; k++) {
    size_t *et = NULL, net = 0, *en = NULL, nen = 0;
    GC(gmshModelMeshGetElementsByType(4, &et, &net, &en, &nen, P->ents[rc][k], 0, 1, &ierr), "get cement");
    for (size_t e = 0; e < net; e++) {
      PetscReal qq, v, xc = 0;
      for (int j = 0; j < 4; j++) xc += P->xyz[3 * P->idx[en[4 * e + j]]], P->mark[en[4 * e + j]] = 1;
      v = TetVolQByTags(P, en + 4 * e, &qq);
      side[xc > 0] += v;
    }
    gmshFree(et);
    gmshFree(en);
  }
  PetscFunctionReturn(0);
}

/* whether region re (an endplate) has a node marked by MeasureCementSides */
static PetscErrorCode RegionTouchesCement(const Pass *P, int re, PetscBool *touch)
{
  int ierr;

  PetscFunctionBeginUser;
  *touch = PETSC_FALSE;
  for (int k = 0; k < P->nents[re] && !*touch; k++) {
    size_t *et = NULL, net = 0, *en = NULL, nen = 0;
    GC(gmshModelMeshGetElementsByType(4, &et, &net, &en, &nen, P->ents[re][k], 0, 1, &ierr), "get endplate");
    for (size_t j = 0; j < nen && !*touch; j++) *touch = (PetscBool)P->mark[en[j]];
    gmshFree(et);
    gmshFree(en);
  }
  PetscFunctionReturn(0);
}

/* fill ratio per treated level into fill_lvl; the first treated level's cement numbers into rep */
static PetscErrorCode MeasureFill(const Segment *S, Pass *P, VfeSegmentReport rep, PetscReal *fill_lvl)
{
  const Built *B = &P->B;

  PetscFunctionBeginUser;
  for (int l = 0; l < S->nl; l++) {
    const Level *L = &S->L[l];
    PetscReal body = 0, cem = 0, side[2] = {0, 0},
              frac = S->cem.pattern == VFE_CEMENT_DIFFUSE ? S->cem.diffuse_fraction : 1;
    int rc;
    fill_lvl[l] = 0;
    if (!L->treated || S->cem.pattern == VFE_CEMENT_NONE) continue;
    for (int k = 0; k <= K_CEM; k++) body += rep->region_volume[B->slot_of[SlotLevel(l, k)]];
    rc          = B->slot_of[SlotLevel(l, K_CEM)];
    cem         = rep->region_volume[rc];
    fill_lvl[l] = frac * cem / body;
    if (l != 0 && S->L[l - 1].treated) continue;
    /* report numbers for the first treated level */
    rep->body_volume          = body;
    rep->cement_region_volume = cem;
    rep->cement_volume        = frac * cem;
    rep->diffuse_fraction     = frac;
    rep->fill_ratio           = fill_lvl[l];
    rep->leak_volume          = S->cem.leak != VFE_LEAK_NONE ? rep->region_volume[B->slot_of[SlotLevel(l, K_LEAK)]] : 0;
    PetscCall(PetscStrncpy(rep->treated, L->name, sizeof rep->treated));
    PetscCall(MeasureCementSides(P, rc, side));
    rep->larger_side_ratio = frac * PetscMax(side[0], side[1]) / body;
    PetscCall(RegionTouchesCement(P, B->slot_of[SlotLevel(l, K_EPS)], &rep->touches_endplate_sup));
    PetscCall(RegionTouchesCement(P, B->slot_of[SlotLevel(l, K_EPI)], &rep->touches_endplate_inf));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PassDestroy(Pass *P)
{
  PetscFunctionBeginUser;
  for (int r = 0; r < P->B.nreg; r++) PetscCall(PetscFree(P->ents[r]));
  PetscCall(PetscFree(P->idx));
  PetscCall(PetscFree(P->mark));
  PetscCall(PetscFree(P->vreg));
  PetscCall(PetscFree(P->vols));
  gmshFree(P->ntag);
  gmshFree(P->xyz);
  gmshFree(P->par);
  PetscFunctionReturn(0);
}

/* one build + mesh + measurement pass on rank 0 */
static PetscErrorCode MeshPass(const Segment *S, const PetscReal *corr, VfeSegmentReport rep, PetscReal *fill_lvl)
{
  Pass P;
  int ierr;
  PetscLogDouble tb0, tb1;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&P, sizeof P));
  P.hash   = 1469598103934665603ULL;
  P.qworst = PETSC_MAX_REAL;
  GC(gmshOptionSetNumber("General.Terminal", S->verbose ? 1 : 0, &ierr), "option");
  GC(gmshClear(&ierr), "clear");
  PetscCall(SetMeshOptions(S));
  PetscCall(RegionTable(S, &P.B));
  PetscCall(PetscTime(&tb0));
  PetscCall(BuildModel(S, corr, &P.B, &P.vreg, &P.nv, &P.vols));
  PetscCall(PetscTime(&tb1));
  PetscCall(GroupRegions(&P));
  PetscCall(AddBoundaryGroups(S, &P));
  if (S->posterior) PetscCall(AddPosteriorGroups(S, &P));
  PetscCall(SetMeshSizes(S, &P));
  PetscCall(MeshSurfacesAndVolumes(S, rep, tb0, tb1));
  PetscCall(IndexNodes(&P));
  PetscCall(ApplyFractureWedge(S, &P));
  HashNodes(&P);
  PetscCall(MeasureRegions(&P, rep));
  PetscCall(MeasureFill(S, &P, rep, fill_lvl));
  PetscCall(PassDestroy(&P));
  PetscFunctionReturn(0);
}

static PetscErrorCode SegmentMeshRank0(const char *path, VfeSegmentReport rep)
{
  Segment S;
  PetscReal corr[MAXLEV], fill[MAXLEV], t0, t1;
  PetscBool ok = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCall(SegmentFromOptions(&S));
  for (int l = 0; l < MAXLEV; l++) corr[l] = 1;
  for (int pass = 0; pass < 4 && !ok; pass++) {
    PetscCall(MeshPass(&S, corr, rep, fill));
    rep->remesh_passes = pass + 1;
    ok                 = PETSC_TRUE;
    for (int l = 0; l < S.nl; l++) {
      if (!S.L[l].treated || S.cem.pattern == VFE_CEMENT_NONE) continue;
      if (PetscAbsReal(fill[l] - S.cem.fill) > 0.004) {
        ok = PETSC_FALSE;
        corr[l] *= S.cem.fill / fill[l];
      }
    }
  }
  for (int l = 0; l < S.nl; l++)
    PetscCheck(!S.L[l].treated || S.cem.pattern == VFE_CEMENT_NONE || PetscAbsReal(fill[l] - S.cem.fill) <= 0.005,
               PETSC_COMM_SELF, PETSC_ERR_LIB,
               "cement_fill_ratio = %g: the mesh of %s gives %.4f after %" PetscInt_FMT
               " passes; try a smaller mesh_size_mm",
               (double)S.cem.fill, S.L[l].name, (double)fill[l], rep->remesh_passes);
  PetscCall(VfeGmshWriteMesh(path));
  PetscCall(PetscTime(&t1));
  PetscCall(PetscSNPrintf(rep->levels, sizeof rep->levels, "%s-%s", S.L[0].name, S.L[S.nl - 1].name));
  PetscCall(PetscStrncpy(
      rep->pattern,
      (const char *[]){"none", "compact", "bipedicular", "unipedicular", "endplate_bridging", "diffuse"}[S.cem.pattern],
      sizeof rep->pattern));
  PetscCall(PetscStrncpy(rep->leak, (const char *[]){"none", "intradiscal", "anterior"}[S.cem.leak], sizeof rep->leak));
  rep->fill_requested = S.cem.pattern == VFE_CEMENT_NONE ? 0 : S.cem.fill;
  rep->wedge          = S.wedge;
  rep->size_mm        = S.h;
  rep->order          = S.order;
  rep->mesh_seconds   = t1 - t0;
  rep->t_rest         = rep->mesh_seconds - rep->t_geometry - rep->t_surface - rep->t_volume;
  rep->mesh_threads   = S.threads;
  PetscFunctionReturn(0);
}

static PetscErrorCode SegmentBuild(const char *path, void *rep)
{
  return SegmentMeshRank0(path, (VfeSegmentReport)rep);
}

PetscErrorCode VfeSegmentMesh(MPI_Comm comm, const char *msh_path, VfeSegmentReport *rep)
{
  PetscFunctionBeginUser;
  PetscCall(VfeMeshCheckGeometryKeys(comm, "segment"));
  PetscCall(VfeMeshBuildOnRank0(comm, "segment", SegmentBuild, msh_path, sizeof **rep, (void **)rep));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSegmentReportDestroy(VfeSegmentReport *rep)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(*rep));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSegmentReportView(VfeSegmentReport r, PetscViewer v)
{
  PetscFunctionBeginUser;
  if (!strcmp(r->geometry, "surfaces")) {
    PetscCall(VfeSurfacesReportView(r, v));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscViewerASCIIPrintf(
      v, "segment %s, treated %s, cement %s (leak %s), wedge %g, mesh %g mm (order %" PetscInt_FMT ")\n", r->levels,
      r->treated, r->pattern, r->leak, (double)r->wedge, (double)r->size_mm, r->order));
  PetscCall(PetscViewerASCIIPrintf(v, "  body volume %.1f mm3, cement %.1f mm3 (region %.1f, cement fraction %.2f)\n",
                                   (double)r->body_volume, (double)r->cement_volume, (double)r->cement_region_volume,
                                   (double)r->diffuse_fraction));
  PetscCall(PetscViewerASCIIPrintf(v, "  fill ratio %.4f (requested %.4f), larger side %.4f, leak %.1f mm3\n",
                                   (double)r->fill_ratio, (double)r->fill_requested, (double)r->larger_side_ratio,
                                   (double)r->leak_volume));
  PetscCall(PetscViewerASCIIPrintf(v, "  cement touches endplate: superior %s, inferior %s\n",
                                   r->touches_endplate_sup ? "yes" : "no", r->touches_endplate_inf ? "yes" : "no"));
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "  %" PetscInt_FMT " nodes, %" PetscInt_FMT
                                   " tetrahedra, quality min %.3f, 1%% %.3f, %" PetscInt_FMT
                                   " pass(es), %.2f s, hash %016llx\n",
                                   r->nnodes, r->ntets, (double)r->quality_min, (double)r->quality_p01,
                                   r->remesh_passes, (double)r->mesh_seconds, r->hash));
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "  mesher time: geometry %.2f s, surfaces %.2f s, volumes %.2f s, measuring and "
                                   "writing %.2f s (%" PetscInt_FMT " threads, volumes: %s)\n",
                                   (double)r->t_geometry, (double)r->t_surface, (double)r->t_volume, (double)r->t_rest,
                                   r->mesh_threads, r->volume_mesher));
  for (PetscInt i = 0; i < r->nregions; i++)
    PetscCall(PetscViewerASCIIPrintf(v, "  %-22s %8" PetscInt_FMT " tets %10.1f mm3\n", r->region[i], r->region_tets[i],
                                     (double)r->region_volume[i]));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSegmentReportWriteJSON(VfeSegmentReport r, FILE *f)
{
  PetscFunctionBeginUser;
  fprintf(f, "{");
  if (!strcmp(r->geometry, "surfaces")) PetscCall(VfeSurfacesReportWriteJSON(r, f));
  fprintf(f,
          "\"levels\": \"%s\", \"treated\": \"%s\", \"pattern\": \"%s\", \"leak\": \"%s\", \"wedge\": %.6g, "
          "\"mesh_size_mm\": %.6g, \"mesh_order\": %d, \"fill_requested\": %.6g, \"body_volume_mm3\": %.6g, "
          "\"cement_volume_mm3\": %.6g, \"cement_region_volume_mm3\": %.6g, \"cement_fraction\": %.6g, "
          "\"fill_ratio\": %.6g, \"larger_side_ratio\": %.6g, \"leak_volume_mm3\": %.6g, "
          "\"touches_endplate_sup\": %s, \"touches_endplate_inf\": %s, \"nodes\": %d, \"tetrahedra\": %d, "
          "\"quality_min\": %.6g, \"quality_p01\": %.6g, \"passes\": %d, \"mesh_seconds\": %.4g, "
          "\"mesh_seconds_split\": {\"geometry\": %.4g, \"surfaces\": %.4g, \"volumes\": %.4g, \"rest\": %.4g}, "
          "\"mesh_threads\": %d, \"volume_mesher\": \"%s\", "
          "\"mesh_hash\": \"%016llx\", \"regions\": {",
          r->levels, r->treated, r->pattern, r->leak, (double)r->wedge, (double)r->size_mm, (int)r->order,
          (double)r->fill_requested, (double)r->body_volume, (double)r->cement_volume, (double)r->cement_region_volume,
          (double)r->diffuse_fraction, (double)r->fill_ratio, (double)r->larger_side_ratio, (double)r->leak_volume,
          r->touches_endplate_sup ? "true" : "false", r->touches_endplate_inf ? "true" : "false", (int)r->nnodes,
          (int)r->ntets, (double)r->quality_min, (double)r->quality_p01, (int)r->remesh_passes, (double)r->mesh_seconds,
          (double)r->t_geometry, (double)r->t_surface, (double)r->t_volume, (double)r->t_rest, (int)r->mesh_threads,
          r->volume_mesher, r->hash);
  for (PetscInt i = 0; i < r->nregions; i++)
    fprintf(f, "%s\"%s\": {\"tetrahedra\": %d, \"volume_mm3\": %.6g}", i ? ", " : "", r->region[i],
            (int)r->region_tets[i], (double)r->region_volume[i]);
  fprintf(f, "}}");
  PetscFunctionReturn(0);
}
