/*
 * ctmesh.c - a vertebra from CT: tetrahedral mesh of a label image (mesh_geometry ct), with the
 * region names of the parametric mesher, loading plates, and the cement distribution rate.
 *
 * Input (ct_* keys): a label mask (NIfTI), optionally the CT image (only its grid is checked here:
 * the density mapping is app/materials business) and a post-operative image for the cement.  All
 * images must share the mask's grid (VfeImageSameGrid).
 *
 * Pipeline on rank 0, in the mask's voxel grid cropped to the labelled voxels and padded:
 *  1. classes per voxel: body (ct_labels_body), posterior (ct_labels_posterior), cement
 *     (ct_labels_cement, and post-operative voxels above the threshold inside the body mask);
 *     other labels are background.
 *  2. plates (ct_plates): along the image axis closest to world S-I, each voxel column that holds
 *     body is filled from its extreme body voxel to a flat plane ct_plate_mm (whole voxels, at least
 *     one) beyond the extreme body voxel of the whole body: `load_plate` superiorly, `base_plate`
 *     inferiorly.  They conform to the endplates as a PMMA embedding does.
 *  3. mesh: `cgal` (CGAL Mesh_3 labelled-image domain, mesh/cgalmesh.cpp) or `voxel` (each voxel
 *     six tetrahedra of the Kuhn split around its main diagonal: the same diagonal in every voxel
 *     makes the split conforming).  Node coordinates are continuous voxel indices until the plate
 *     planes are snapped exactly flat, then they go to world mm through the image's affine.
 *  4. faces: every tetrahedron face, sorted by its node triple, pairs the two tetrahedra sharing it.
 *     Body surface = faces between body or cement and anything else (background, posterior, plates).
 *     Superior endplate faces: with plates, those shared with the load plate; without, mesh-boundary
 *     body faces whose outward normal makes at most 60 degrees with superior (n.s >= 0.5) and whose
 *     centroid lies in the upper half of the body's S-I extent.  Inferior likewise.
 *  5. layers (clinical CT does not resolve the 0.2-0.5 mm shell): a body tetrahedron whose centroid
 *     lies within ct_endplate_mm of a superior (inferior) endplate face is `<lvl>.endplate_sup`
 *     (`_inf`; the nearer when both); else within ct_cortex_mm of any body surface face
 *     `<lvl>.cortical`; else `<lvl>.cancellous`.  Cement and posterior tetrahedra keep their class.
 *     Distances are exact point-triangle distances in world mm (faces binned in a uniform grid).
 *  6. boundaries: `load_top` = the load plate's faces on its flat top plane (without plates: the
 *     superior endplate faces), `fixed_bottom` = the base plate's bottom plane (the inferior ones).
 *  7. checks and measures: positive volume (orientation fixed if the affine mirrors), quality
 *     q = 6 sqrt(2) V / l_rms^3, every region non-empty; volumes; cement rate, larger side, contact.
 *  8. the MSH 4.1 file through Gmsh's API (discrete entities, physical groups) and VfeGmshWriteMesh.
 *
 * Cement distribution rate: cement voxels / body voxels (body = body + cement labels), and the same
 * on the mesh (cement / (cancellous + cortical + endplates + cement)); larger side = cement on the
 * fuller side of the mid-sagittal plane (world x = the body centroid's x; NIfTI world is RAS) / body;
 * threshold `otsu` (Otsu 1979 on the post-op values inside the body mask, 1024 bins), `halfmax`
 * ((median + maximum) / 2 inside the body mask) or a number in the image's units; the rate is also
 * given at threshold -200 and +200.  Leakage: above-threshold voxels outside the body mask within
 * ct_leak_mm of it (exact Euclidean distance transform), reported, not meshed.
 *
 * Everything runs on rank 0; its error code is broadcast so every rank fails together, and the
 * report is broadcast as bytes.
 */
#include "vfemesh.h"
#include "vfekeys.h"
#include "cgalmesh.h"
#include "ctcore.h"
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GC(expr, what) PetscCall(VfeGmshCall((expr, ierr), what))
#define CT_MAXLAB 64
#define CT_SWAP(a, b)                                                                                                  \
  do {                                                                                                                 \
    const PetscInt tmp_ = (a);                                                                                         \
    (a)                 = (b);                                                                                         \
    (b)                 = tmp_;                                                                                        \
  } while (0)

enum { C_OUT = 0, C_BODY = 1, C_POST = 2, C_CEM = 3, C_LOAD = 4, C_BASE = 5, C_N = 6 };
/* region slots (a region exists when it has tetrahedra or is required) */
enum { R_CANC, R_CORT, R_EPS, R_EPI, R_POST, R_CEM, R_LOAD, R_BASE, R_N };

typedef struct {
  char mask[PETSC_MAX_PATH_LEN], image[PETSC_MAX_PATH_LEN], cement_image[PETSC_MAX_PATH_LEN];
  char level[8], mesher[8], thr[64];
  PetscInt body[CT_MAXLAB], nbody, post[CT_MAXLAB], npost, cem[CT_MAXLAB], ncem;
  PetscReal h, tc, te, tp, embed, leak_mm;
  PetscBool plates, verbose;
} CTOpts;

/* the working grid: the mask cropped to its labelled voxels, padded; index w = original - off */
typedef struct {
  PetscInt N[3], off[3];
  unsigned char *c;              /* class per voxel */
  int d, sgn;                    /* S-I axis and direction (+1: index grows superiorly) */
  PetscInt plane_sup, plane_inf; /* the plates' last voxel layers (working index along d) */
} CTGrid;

static const char *const region_suffix[R_N] = {"cancellous", "cortical", "endplate_sup", "endplate_inf",
                                               "posterior",  "cement",   "load_plate",   "base_plate"};

/* ---------- options ---------- */

static PetscErrorCode CTString(const char *key, char *buf, size_t len, PetscBool *set)
{
  char opt[64];
  PetscBool s;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s", key));
  PetscCall(PetscOptionsGetString(NULL, NULL, opt, buf, len, &s));
  PetscCheck(!s || buf[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s has an empty value", key);
  if (set) *set = s;
  PetscFunctionReturn(0);
}

/* a comma list of positive integer labels; unset keeps *n */
static PetscErrorCode CTLabels(const char *key, PetscInt lab[], PetscInt *n)
{
  char buf[1024], *p, *end;
  PetscBool set;

  PetscFunctionBeginUser;
  PetscCall(CTString(key, buf, sizeof buf, &set));
  if (!set) PetscFunctionReturn(0);
  *n = 0;
  for (p = buf; *p;) {
    long v;
    while (*p == ' ' || *p == '[') ++p;
    v = strtol(p, &end, 10);
    PetscCheck(end != p && v >= 1 && v <= 1000000, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "%s = %s: not a list of labels (allowed: positive integers, e.g. 1,2)", key, buf);
    PetscCheck(*n < CT_MAXLAB, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: more than %d labels", key, CT_MAXLAB);
    lab[(*n)++] = (PetscInt)v;
    p           = end;
    while (*p == ' ' || *p == ']') ++p;
    PetscCheck(*p == ',' || !*p, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "%s = %s: not a list of labels (allowed: positive integers, e.g. 1,2)", key, buf);
    if (*p) ++p;
  }
  PetscCheck(*n > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s is empty", key);
  PetscFunctionReturn(0);
}

static PetscErrorCode CTOptionsRead(CTOpts *o)
{
  PetscBool set;
  const char *levels[] = {"T12", "L1", "L2", "L3", "L4", "L5"};
  PetscBool ok         = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(o, sizeof *o));
  PetscCall(CTString("ct_mask", o->mask, sizeof o->mask, &set));
  PetscCheck(set, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh_geometry ct needs ct_mask: the label image (NIfTI) of the vertebra");
  PetscCall(CTString("ct_image", o->image, sizeof o->image, NULL));
  PetscCall(CTString("ct_cement_image", o->cement_image, sizeof o->cement_image, NULL));
  PetscCall(PetscStrncpy(o->level, "L2", sizeof o->level));
  PetscCall(CTString("ct_level", o->level, sizeof o->level, NULL));
  for (int l = 0; l < 6; ++l) ok = ok || !strcmp(o->level, levels[l]);
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "ct_level = %s: allowed T12, L1, L2, L3, L4, L5", o->level);
  PetscCall(PetscStrncpy(o->mesher, "cgal", sizeof o->mesher));
  PetscCall(CTString("ct_mesher", o->mesher, sizeof o->mesher, NULL));
  PetscCheck(!strcmp(o->mesher, "cgal") || !strcmp(o->mesher, "voxel"), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "ct_mesher = %s: allowed cgal, voxel", o->mesher);
  PetscCall(PetscStrncpy(o->thr, "otsu", sizeof o->thr));
  PetscCall(CTString("ct_cement_threshold", o->thr, sizeof o->thr, NULL));
  o->body[0] = 1, o->body[1] = 2, o->nbody = 2;
  PetscCall(CTLabels("ct_labels_body", o->body, &o->nbody));
  PetscCall(CTLabels("ct_labels_posterior", o->post, &o->npost));
  PetscCall(CTLabels("ct_labels_cement", o->cem, &o->ncem));
  for (PetscInt a = 0; a < o->nbody + o->npost + o->ncem; ++a)
    for (PetscInt b = a + 1; b < o->nbody + o->npost + o->ncem; ++b) {
      PetscInt la = a < o->nbody              ? o->body[a]
                    : a < o->nbody + o->npost ? o->post[a - o->nbody]
                                              : o->cem[a - o->nbody - o->npost];
      PetscInt lb = b < o->nbody              ? o->body[b]
                    : b < o->nbody + o->npost ? o->post[b - o->nbody]
                                              : o->cem[b - o->nbody - o->npost];
      PetscCheck(la != lb, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "label %" PetscInt_FMT " is listed twice in ct_labels_body / ct_labels_posterior / ct_labels_cement",
                 la);
    }
  o->h = 1.0;
  PetscCall(VfeMeshOptionReal("mesh_size_mm", &o->h, NULL));
  PetscCheck(o->h > 0 && o->h <= 50, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh_size_mm = %g is out of range: allowed (0, 50] mm", (double)o->h);
  o->tc = 0.5, o->te = 0.5, o->tp = 2.0, o->leak_mm = 5.0, o->plates = PETSC_TRUE;
  PetscCall(VfeMeshOptionReal("ct_cortex_mm", &o->tc, NULL));
  PetscCall(VfeMeshOptionReal("ct_endplate_mm", &o->te, NULL));
  PetscCall(VfeMeshOptionReal("ct_plate_mm", &o->tp, NULL));
  o->embed = 5.0;
  PetscCall(VfeMeshOptionReal("ct_plate_embed_mm", &o->embed, NULL));
  PetscCall(VfeMeshOptionReal("ct_leak_mm", &o->leak_mm, NULL));
  PetscCall(VfeMeshOptionBool("ct_plates", &o->plates, NULL));
  PetscCall(VfeMeshOptionBool("mesh_verbose", &o->verbose, NULL));
  if (!o->cement_image[0]) {
    PetscBool t, l;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-ct_cement_threshold", &t));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-ct_leak_mm", &l));
    PetscCheck(!t && !l, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "%s needs ct_cement_image (the post-operative image it applies to)",
               t ? "ct_cement_threshold" : "ct_leak_mm");
  }
  PetscFunctionReturn(0);
}

/* ---------- voxel classes ---------- */

static PetscBool CTInList(PetscInt v, const PetscInt *l, PetscInt n)
{
  for (PetscInt i = 0; i < n; ++i)
    if (l[i] == v) return PETSC_TRUE;
  return PETSC_FALSE;
}

static int CTCmpInt(const void *a, const void *b)
{
  const PetscInt x = *(const PetscInt *)a, y = *(const PetscInt *)b;
  return x < y ? -1 : x > y;
}

static int CTCmpFloat(const void *a, const void *b)
{
  const float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

static int CTCmpReal(const void *a, const void *b)
{
  const PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return x < y ? -1 : x > y;
}

static void CTListText(const PetscInt *l, PetscInt n, char *buf, size_t len)
{
  size_t o = 0;
  buf[0]   = 0;
  for (PetscInt i = 0; i < n && o + 16 < len; ++i)
    o += (size_t)snprintf(buf + o, len - o, "%s%d", i ? ", " : "", (int)l[i]);
}

/* class of every mask voxel (original grid); errors for non-integer values, an empty mask, absent labels */
static PetscErrorCode CTClassify(const CTOpts *o, const VfeImage *m, unsigned char *cls)
{
  const size_t nvox = (size_t)m->n[0] * m->n[1] * m->n[2];
  PetscInt present[256], npresent = 0, more = 0;
  size_t nonzero = 0;

  PetscFunctionBeginUser;
  for (size_t j = 0; j < nvox; ++j) {
    const float f = m->v[j];
    PetscInt v;
    if (f == 0) {
      cls[j] = C_OUT;
      continue;
    }
    PetscCheck(f == floorf(f) && f > 0 && f <= 1e6, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "ct_mask: %s holds the value %g, not a label (labels are positive integers, 0 is background): is it the "
               "CT image?",
               m->path, (double)f);
    v = (PetscInt)f;
    ++nonzero;
    if (!CTInList(v, present, npresent)) {
      if (npresent < 256)
        present[npresent++] = v;
      else
        more = 1;
    }
    cls[j] = CTInList(v, o->body, o->nbody)   ? C_BODY
             : CTInList(v, o->cem, o->ncem)   ? C_CEM
             : CTInList(v, o->post, o->npost) ? C_POST
                                              : C_OUT;
  }
  PetscCheck(nonzero, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "ct_mask: %s is empty (every voxel is 0)", m->path);
  for (int list = 0; list < 3; ++list) {
    const PetscInt *l = list == 0 ? o->body : list == 1 ? o->post : o->cem;
    PetscInt n        = list == 0 ? o->nbody : list == 1 ? o->npost : o->ncem;
    for (PetscInt i = 0; i < n; ++i)
      if (!CTInList(l[i], present, npresent)) {
        char have[200];
        qsort(present, (size_t)npresent, sizeof present[0], CTCmpInt);
        CTListText(present, npresent, have, sizeof have);
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                "%s: label %" PetscInt_FMT " is absent from %s (labels present: %s%s)",
                list == 0   ? "ct_labels_body"
                : list == 1 ? "ct_labels_posterior"
                            : "ct_labels_cement",
                l[i], m->path, have, more ? ", ..." : "");
      }
  }
  PetscFunctionReturn(0);
}

/* ---------- cement from the post-operative image ---------- */

/* Otsu's threshold (maximum between-class variance, 1024 bins) of n values; where several bin edges give the same
   maximum (two clean classes: every edge between them) the middle of that plateau */
static PetscReal CTOtsu(const float *v, size_t n)
{
  enum { NB = 1024 };
  double hist[NB] = {0}, lo = v[0], hi = v[0], sum = 0, sumb = 0, wb = 0, best = -1;
  int first = NB - 1, last = NB - 1;

  for (size_t j = 0; j < n; ++j) lo = PetscMin(lo, v[j]), hi = PetscMax(hi, v[j]);
  if (hi <= lo) return hi;
  for (size_t j = 0; j < n; ++j) {
    int b = (int)((v[j] - lo) / (hi - lo) * NB);
    hist[PetscMin(b, NB - 1)] += 1;
  }
  for (int b = 0; b < NB; ++b) sum += b * hist[b];
  for (int b = 0; b < NB - 1; ++b) {
    double wf, mb, mf, between;
    wb += hist[b];
    sumb += b * hist[b];
    wf = (double)n - wb;
    if (wb == 0 || wf == 0) continue;
    mb      = sumb / wb;
    mf      = (sum - sumb) / wf;
    between = wb * wf * (mb - mf) * (mb - mf);
    if (between > best * (1 + 1e-12))
      best = between, first = last = b;
    else if (between >= best * (1 - 1e-12))
      last = b;
  }
  return lo + (0.5 * (first + last) + 1) * (hi - lo) / NB;
}

/* squared Euclidean distance transform along one line (Felzenszwalb & Huttenlocher 2012), positions q*sp */
static void CTEdt1D(const double *f, PetscInt n, double sp, double *d, PetscInt *v, double *z)
{
  PetscInt k = 0;

  v[0] = 0, z[0] = -PETSC_INFINITY, z[1] = PETSC_INFINITY;
  for (PetscInt q = 1; q < n; ++q) {
    double s;
    for (;;) {
      const double pq = q * sp, pv = v[k] * sp;
      s = ((f[q] + pq * pq) - (f[v[k]] + pv * pv)) / (2 * (pq - pv));
      if (s > z[k]) break;
      --k;
    }
    ++k;
    v[k] = q, z[k] = s, z[k + 1] = PETSC_INFINITY;
  }
  k = 0;
  for (PetscInt q = 0; q < n; ++q) {
    while (z[k + 1] < q * sp) ++k;
    d[q] = (q - v[k]) * sp * (q - v[k]) * sp + f[v[k]];
  }
}

/* squared distance (mm^2) to the nearest voxel with in[] set, on an n[0] x n[1] x n[2] box, in place in g */
PetscErrorCode VfeCTEdt(const PetscInt n[3], const PetscReal sp[3], double *g)
{
  PetscInt nmax = PetscMax(n[0], PetscMax(n[1], n[2])), *v;
  double *f, *d, *z;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc4(nmax, &f, nmax, &d, nmax + 1, &z, nmax, &v));
  for (int ax = 0; ax < 3; ++ax) {
    const PetscInt e1 = (ax + 1) % 3, e2 = (ax + 2) % 3;
    const PetscInt st[3] = {1, n[0], n[0] * n[1]};
    for (PetscInt a = 0; a < n[e1]; ++a)
      for (PetscInt b = 0; b < n[e2]; ++b) {
        const PetscInt base = a * st[e1] + b * st[e2];
        for (PetscInt q = 0; q < n[ax]; ++q) f[q] = g[base + q * st[ax]];
        CTEdt1D(f, n[ax], sp[ax], d, v, z);
        for (PetscInt q = 0; q < n[ax]; ++q) g[base + q * st[ax]] = d[q];
      }
  }
  PetscCall(PetscFree4(f, d, z, v));
  PetscFunctionReturn(0);
}

/* world x of voxel (i, j, k) */
static PetscReal CTVoxelX(const VfeImage *m, PetscInt i, PetscInt j, PetscInt k)
{
  return m->A[0][0] * i + m->A[0][1] * j + m->A[0][2] * k + m->A[0][3];
}

/* The one owner of the cement voxels: with a post-operative image p, the body voxels above the threshold (Otsu,
   half-maximum or a value) become C_CEM in cls, next to the cement labels that CTClassify marked; the threshold, its
   method and the rate at threshold -200 / +200 go into rep.  The mesher (CTCement) and the density mapping
   (VfeCTBoneVoxels) both classify through here, so the mapping never samples a cement voxel as bone. */
static PetscErrorCode CTCementMark(const CTOpts *o, const VfeImage *m, const VfeImage *p, unsigned char *cls,
                                   VfeCTReport rep, size_t *nbody)
{
  const size_t nvox = (size_t)m->n[0] * m->n[1] * m->n[2];
  size_t nb         = 0;
  PetscReal thr     = PETSC_MAX_REAL;

  PetscFunctionBeginUser;
  for (size_t j = 0; j < nvox; ++j) nb += cls[j] == C_BODY || cls[j] == C_CEM;
  PetscCheck(nb, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "ct_labels_body: no voxel of %s is body", m->path);
  *nbody         = nb;
  rep->threshold = thr;
  if (p) {
    float *val;
    size_t k = 0;
    char *end;
    double t;

    PetscCall(PetscMalloc1(nb, &val));
    for (size_t j = 0; j < nvox; ++j)
      if (cls[j] == C_BODY || cls[j] == C_CEM) val[k++] = p->v[j];
    if (!strcmp(o->thr, "otsu")) {
      thr = CTOtsu(val, nb);
      PetscCall(PetscStrncpy(rep->threshold_method, "otsu", sizeof rep->threshold_method));
    } else if (!strcmp(o->thr, "halfmax")) {
      qsort(val, nb, sizeof val[0], CTCmpFloat);
      thr = 0.5 * ((PetscReal)val[nb / 2] + (PetscReal)val[nb - 1]);
      PetscCall(PetscStrncpy(rep->threshold_method, "halfmax", sizeof rep->threshold_method));
    } else {
      t = strtod(o->thr, &end);
      PetscCheck(end != o->thr && !*end && !PetscIsInfOrNanReal(t), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "ct_cement_threshold = %s: allowed otsu, halfmax, or a finite number in the image's units", o->thr);
      thr = t;
      PetscCall(PetscStrncpy(rep->threshold_method, "value", sizeof rep->threshold_method));
    }
    PetscCall(PetscFree(val));
    rep->threshold = thr;
    /* the rate's sensitivity to the threshold */
    for (int s = 0; s < 2; ++s) {
      const PetscReal t2 = thr + (s ? 200 : -200);
      size_t c           = 0;
      for (size_t j = 0; j < nvox; ++j) c += cls[j] == C_CEM || (cls[j] == C_BODY && p->v[j] > t2);
      if (s)
        rep->fill_ratio_thr_plus = (PetscReal)c / nb;
      else
        rep->fill_ratio_thr_minus = (PetscReal)c / nb;
    }
    for (size_t j = 0; j < nvox; ++j)
      if (cls[j] == C_BODY && p->v[j] > thr) cls[j] = C_CEM;
  }
  PetscFunctionReturn(0);
}

/* cement voxels (CTCementMark), then the rates, larger side and leakage on the voxels into rep */
static PetscErrorCode CTCement(const CTOpts *o, const VfeImage *m, const VfeImage *p, unsigned char *cls,
                               VfeCTReport rep)
{
  const PetscReal vv = m->spacing[0] * m->spacing[1] * m->spacing[2];
  size_t nb = 0, ncem = 0;
  PetscReal thr, xc = 0, side[2] = {0, 0};

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(rep->cement_source, o->ncem ? (p ? "image+labels" : "labels") : (p ? "image" : "none"),
                         sizeof rep->cement_source));
  PetscCall(CTCementMark(o, m, p, cls, rep, &nb));
  thr = rep->threshold;
  /* body centroid's x and the cement on either side of it */
  for (PetscInt k = 0; k < m->n[2]; ++k)
    for (PetscInt j = 0; j < m->n[1]; ++j)
      for (PetscInt i = 0; i < m->n[0]; ++i) {
        const unsigned char c = cls[VfeImageIndex(m, i, j, k)];
        if (c == C_BODY || c == C_CEM) xc += CTVoxelX(m, i, j, k);
      }
  xc /= nb;
  for (PetscInt k = 0; k < m->n[2]; ++k)
    for (PetscInt j = 0; j < m->n[1]; ++j)
      for (PetscInt i = 0; i < m->n[0]; ++i)
        if (cls[VfeImageIndex(m, i, j, k)] == C_CEM) ++ncem, side[CTVoxelX(m, i, j, k) > xc] += 1;
  rep->body_voxel_volume        = nb * vv;
  rep->cement_voxel_volume      = ncem * vv;
  rep->fill_ratio_voxels        = (PetscReal)ncem / nb;
  rep->larger_side_ratio_voxels = PetscMax(side[0], side[1]) / nb;
  if (!p) rep->fill_ratio_thr_minus = rep->fill_ratio_thr_plus = rep->fill_ratio_voxels;
  rep->leak_mm = o->leak_mm;
  if (p) {
    /* leakage: above threshold, outside the body mask, within leak_mm of it (EDT on the body's box + leak_mm) */
    PetscInt lo[3], hi[3], nb3[3], r[3];
    double *g;
    size_t nleak = 0;

    for (int d = 0; d < 3; ++d)
      lo[d] = m->n[d], hi[d] = -1, r[d] = (PetscInt)PetscCeilReal(o->leak_mm / m->spacing[d]) + 1;
    for (PetscInt k = 0; k < m->n[2]; ++k)
      for (PetscInt j = 0; j < m->n[1]; ++j)
        for (PetscInt i = 0; i < m->n[0]; ++i) {
          const unsigned char c = cls[VfeImageIndex(m, i, j, k)];
          const PetscInt ijk[3] = {i, j, k};
          if (c != C_BODY && c != C_CEM) continue;
          for (int d = 0; d < 3; ++d) lo[d] = PetscMin(lo[d], ijk[d]), hi[d] = PetscMax(hi[d], ijk[d]);
        }
    for (int d = 0; d < 3; ++d)
      lo[d] = PetscMax(0, lo[d] - r[d]), hi[d] = PetscMin(m->n[d] - 1, hi[d] + r[d]), nb3[d] = hi[d] - lo[d] + 1;
    PetscCall(PetscMalloc1((size_t)nb3[0] * nb3[1] * nb3[2], &g));
    for (PetscInt k = 0; k < nb3[2]; ++k)
      for (PetscInt j = 0; j < nb3[1]; ++j)
        for (PetscInt i = 0; i < nb3[0]; ++i) {
          const unsigned char c            = cls[VfeImageIndex(m, i + lo[0], j + lo[1], k + lo[2])];
          g[i + nb3[0] * (j + nb3[1] * k)] = (c == C_BODY || c == C_CEM) ? 0 : 1e20;
        }
    PetscCall(VfeCTEdt(nb3, m->spacing, g));
    for (PetscInt k = 0; k < nb3[2]; ++k)
      for (PetscInt j = 0; j < nb3[1]; ++j)
        for (PetscInt i = 0; i < nb3[0]; ++i) {
          const PetscInt w = VfeImageIndex(m, i + lo[0], j + lo[1], k + lo[2]);
          const double d2  = g[i + nb3[0] * (j + nb3[1] * k)];
          if (d2 > 0 && d2 <= o->leak_mm * o->leak_mm && p->v[w] > thr) ++nleak;
        }
    PetscCall(PetscFree(g));
    rep->leak_volume = nleak * vv;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode VfeCTBoneVoxels(MPI_Comm comm, const VfeImage *mask, char **bone)
{
  const size_t nv = (size_t)mask->n[0] * mask->n[1] * mask->n[2];
  CTOpts o;
  unsigned char *cls;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCall(CTOptionsRead(&o));
  PetscCall(PetscMalloc1(nv, &cls));
  PetscCall(CTClassify(&o, mask, cls));
  if (o.cement_image[0]) { /* the cement the mesher meshes is not bone, even where ct_image is the post-op image */
    VfeImage post;
    struct _n_VfeCTReport scratch;
    size_t nb;

    PetscCall(PetscMemzero(&post, sizeof post));
    PetscCall(PetscMemzero(&scratch, sizeof scratch));
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    if (!rank) {
      PetscCall(VfeImageRead(o.cement_image, &post));
      PetscCall(VfeImageSameGrid(mask, &post));
    }
    PetscCall(VfeImageBcast(comm, &post));
    PetscCall(CTCementMark(&o, mask, &post, cls, &scratch, &nb));
    PetscCall(VfeImageDestroy(&post));
  }
  PetscCall(PetscMalloc1(nv, bone));
  for (size_t j = 0; j < nv; ++j) (*bone)[j] = cls[j] == C_BODY || cls[j] == C_POST;
  PetscCall(PetscFree(cls));
  PetscFunctionReturn(0);
}

/* ---------- the working grid and the plates ---------- */

static PetscErrorCode CTGridBuild(const CTOpts *o, const VfeImage *m, const unsigned char *cls, CTGrid *G,
                                  VfeCTReport rep)
{
  PetscInt lo[3], hi[3], np = 0, st[3], e1, e2, d;
  PetscReal best   = -1;
  const PetscInt P = 2;

  PetscFunctionBeginUser;
  /* the image axis closest to world S-I (NIfTI world z) */
  for (int a = 0; a < 3; ++a) {
    const PetscReal c = PetscAbsReal(m->A[2][a]) / m->spacing[a];
    if (c > best) best = c, G->d = a;
  }
  d      = G->d;
  G->sgn = m->A[2][d] > 0 ? 1 : -1;
  for (int a = 0; a < 3; ++a) lo[a] = m->n[a], hi[a] = -1;
  for (PetscInt k = 0; k < m->n[2]; ++k)
    for (PetscInt j = 0; j < m->n[1]; ++j)
      for (PetscInt i = 0; i < m->n[0]; ++i)
        if (cls[VfeImageIndex(m, i, j, k)] != C_OUT) {
          const PetscInt ijk[3] = {i, j, k};
          for (int a = 0; a < 3; ++a) lo[a] = PetscMin(lo[a], ijk[a]), hi[a] = PetscMax(hi[a], ijk[a]);
        }
  if (o->plates) np = PetscMax(1, (PetscInt)PetscFloorReal(o->tp / m->spacing[d] + 0.5));
  for (int a = 0; a < 3; ++a) {
    const PetscInt pad = P + (a == d ? np : 0);
    G->off[a]          = lo[a] - pad;
    G->N[a]            = hi[a] - lo[a] + 1 + 2 * pad;
  }
  PetscCall(PetscCalloc1((size_t)G->N[0] * G->N[1] * G->N[2], &G->c));
  for (PetscInt k = lo[2]; k <= hi[2]; ++k)
    for (PetscInt j = lo[1]; j <= hi[1]; ++j)
      for (PetscInt i = lo[0]; i <= hi[0]; ++i)
        G->c[(i - G->off[0]) + G->N[0] * ((j - G->off[1]) + G->N[1] * (k - G->off[2]))] =
            cls[VfeImageIndex(m, i, j, k)];

  /* body extent along d and the plates */
  st[0] = 1, st[1] = G->N[0], st[2] = G->N[0] * G->N[1];
  e1 = (d + 1) % 3, e2 = (d + 2) % 3;
  {
    PetscInt tmin = PETSC_MAX_INT, tmax = -1;
    for (PetscInt a = 0; a < G->N[e1]; ++a)
      for (PetscInt b = 0; b < G->N[e2]; ++b)
        for (PetscInt t = 0; t < G->N[d]; ++t) {
          const unsigned char c = G->c[a * st[e1] + b * st[e2] + t * st[d]];
          if (c == C_BODY || c == C_CEM) tmin = PetscMin(tmin, t), tmax = PetscMax(tmax, t);
        }
    rep->body_height_mm = (tmax - tmin + 1) * m->spacing[d];
    G->plane_sup        = G->sgn > 0 ? tmax + np : tmin - np;
    G->plane_inf        = G->sgn > 0 ? tmin - np : tmax + np;
    rep->plate_mm       = np * m->spacing[d];
    if (!o->plates) PetscFunctionReturn(0);
    for (PetscInt a = 0; a < G->N[e1]; ++a)
      for (PetscInt b = 0; b < G->N[e2]; ++b) {
        const PetscInt base = a * st[e1] + b * st[e2];
        PetscInt cmin = PETSC_MAX_INT, cmax = -1;
        for (PetscInt t = 0; t < G->N[d]; ++t) {
          const unsigned char c = G->c[base + t * st[d]];
          if (c == C_BODY || c == C_CEM) cmin = PetscMin(cmin, t), cmax = PetscMax(cmax, t);
        }
        if (cmax < 0) continue;
        /* a plate embeds the body's end to ct_plate_embed_mm: a column whose body ends deeper (the waist, a
           lateral wall below the rim) gets none, so that no plate reaches down the sides towards the other */
        if ((tmax - cmax) * m->spacing[d] <= o->embed + 1e-9)
          for (PetscInt t = cmax + 1; t <= tmax + np; ++t)
            if (G->c[base + t * st[d]] == C_OUT) G->c[base + t * st[d]] = G->sgn > 0 ? C_LOAD : C_BASE;
        if ((cmin - tmin) * m->spacing[d] <= o->embed + 1e-9)
          for (PetscInt t = tmin - np; t < cmin; ++t)
            if (G->c[base + t * st[d]] == C_OUT) G->c[base + t * st[d]] = G->sgn > 0 ? C_BASE : C_LOAD;
      }
  }
  PetscFunctionReturn(0);
}

/* ---------- meshers: nodes in working index coordinates ---------- */

static PetscErrorCode CTMeshVoxel(const CTGrid *G, CTMesh *M)
{
  const PetscInt L0 = G->N[0] + 1, L1 = G->N[1] + 1, L2 = G->N[2] + 1;
  /* Kuhn split: corners as bits (x=1, y=2, z=4); tetrahedron p walks 0 -> +e_a -> +e_b -> 7 */
  static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  PetscInt *id, nvox = 0;

  PetscFunctionBeginUser;
  for (PetscInt w = 0; w < G->N[0] * G->N[1] * G->N[2]; ++w) nvox += G->c[w] != C_OUT;
  PetscCall(PetscMalloc1((size_t)L0 * L1 * L2, &id));
  for (PetscInt j = 0; j < L0 * L1 * L2; ++j) id[j] = -1;
  PetscCall(PetscMalloc3(24 * nvox, &M->t, 6 * nvox, &M->cl, 6 * nvox, &M->reg));
  M->nv = M->nt = 0;
  for (PetscInt k = 0; k < G->N[2]; ++k)
    for (PetscInt j = 0; j < G->N[1]; ++j)
      for (PetscInt i = 0; i < G->N[0]; ++i) {
        const unsigned char c = G->c[i + G->N[0] * (j + G->N[1] * k)];
        PetscInt corner[8];
        if (c == C_OUT) continue;
        for (int b = 0; b < 8; ++b) {
          const PetscInt L = (i + (b & 1)) + L0 * ((j + (b >> 1 & 1)) + L1 * (k + (b >> 2 & 1)));
          if (id[L] < 0) id[L] = M->nv++;
          corner[b] = id[L];
        }
        for (int p = 0; p < 6; ++p) {
          const int b1 = 1 << perm[p][0], b2 = b1 | 1 << perm[p][1];
          PetscInt *t = M->t + 4 * M->nt;
          t[0] = corner[0], t[1] = corner[b1], t[2] = corner[b2], t[3] = corner[7];
          M->cl[M->nt++] = c;
        }
      }
  PetscCall(PetscMalloc1(3 * M->nv, &M->x));
  for (PetscInt kk = 0; kk < L2; ++kk)
    for (PetscInt jj = 0; jj < L1; ++jj)
      for (PetscInt ii = 0; ii < L0; ++ii) {
        const PetscInt v = id[ii + L0 * (jj + L1 * kk)];
        if (v < 0) continue;
        M->x[3 * v] = ii - 0.5, M->x[3 * v + 1] = jj - 0.5, M->x[3 * v + 2] = kk - 0.5;
      }
  PetscCall(PetscFree(id));
  PetscFunctionReturn(0);
}

static PetscErrorCode CTMeshCgal(const CTOpts *o, const CTGrid *G, const VfeImage *m, CTMesh *M)
{
  VfeCgalMesh cm;
  char err[256] = "";
  long n[3]     = {(long)G->N[0], (long)G->N[1], (long)G->N[2]};
  int rc;

  PetscFunctionBeginUser;
  rc = VfeCgalMeshLabels(G->c, n, m->spacing, o->h, 0.25 * o->h, o->h, 3.0, 1, o->verbose, &cm, err, sizeof err);
  PetscCheck(rc != 2, PETSC_COMM_SELF, PETSC_ERR_MEM, "ct_mesher cgal: %s (mesh_size_mm = %g)", err, (double)o->h);
  PetscCheck(!rc, PETSC_COMM_SELF, PETSC_ERR_LIB, "ct_mesher cgal failed: %s", err);
  M->nv = (PetscInt)cm.nv, M->nt = (PetscInt)cm.nt;
  PetscCall(PetscMalloc1(3 * M->nv, &M->x));
  PetscCall(PetscMalloc3(4 * M->nt, &M->t, M->nt, &M->cl, M->nt, &M->reg));
  for (PetscInt j = 0; j < 3 * M->nv; ++j) M->x[j] = cm.xyz[j];
  for (PetscInt j = 0; j < 4 * M->nt; ++j) M->t[j] = (PetscInt)cm.tet[j];
  for (PetscInt t = 0; t < M->nt; ++t) {
    if (cm.label[t] <= C_OUT || cm.label[t] >= C_N) {
      VfeCgalMeshFree(&cm);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "ct_mesher cgal returned the unknown subdomain %d", cm.label[t]);
    }
    M->cl[t] = (unsigned char)cm.label[t];
  }
  VfeCgalMeshFree(&cm);
  PetscFunctionReturn(0);
}

PetscErrorCode VfeCTMeshDestroy(CTMesh *M)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(M->x));
  PetscCall(PetscFree3(M->t, M->cl, M->reg));
  PetscFunctionReturn(0);
}

/* ---------- faces ---------- */

static int CTCmpFace(const void *pa, const void *pb)
{
  const CTFace *a = (const CTFace *)pa, *b = (const CTFace *)pb;
  for (int k = 0; k < 3; ++k)
    if (a->a[k] != b->a[k]) return a->a[k] < b->a[k] ? -1 : 1;
  return a->t < b->t ? -1 : a->t > b->t;
}

/* face f (opposite local vertex f) of tetrahedron t, as a sorted triple */
static void CTFaceOf(const CTMesh *M, PetscInt t, int f, CTFace *F)
{
  PetscInt k = 0, a[3];
  for (int v = 0; v < 4; ++v)
    if (v != f) a[k++] = M->t[4 * t + v];
  if (a[0] > a[1]) CT_SWAP(a[0], a[1]);
  if (a[1] > a[2]) CT_SWAP(a[1], a[2]);
  if (a[0] > a[1]) CT_SWAP(a[0], a[1]);
  F->a[0] = a[0], F->a[1] = a[1], F->a[2] = a[2], F->t = t;
}

/* every face of interest: between two classes (or on the boundary) */
PetscErrorCode VfeCTFacePairs(const CTMesh *M, CTPair **pairs, PetscInt *npairs)
{
  CTFace *F;
  PetscInt nf = 4 * M->nt, n = 0, cap = 1024;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nf, &F));
  for (PetscInt t = 0; t < M->nt; ++t)
    for (int f = 0; f < 4; ++f) CTFaceOf(M, t, f, &F[4 * t + f]);
  qsort(F, (size_t)nf, sizeof F[0], CTCmpFace);
  PetscCall(PetscMalloc1(cap, pairs));
  for (PetscInt i = 0; i < nf;) {
    PetscInt j = i + 1, t2;
    while (j < nf && F[j].a[0] == F[i].a[0] && F[j].a[1] == F[i].a[1] && F[j].a[2] == F[i].a[2]) ++j;
    PetscCheck(j - i <= 2, PETSC_COMM_SELF, PETSC_ERR_LIB,
               "the CT mesh is not conforming: a face is shared by %" PetscInt_FMT " tetrahedra", j - i);
    t2 = j - i == 2 ? F[i + 1].t : -1;
    if (t2 < 0 || M->cl[F[i].t] != M->cl[t2]) {
      if (n == cap) {
        CTPair *p2;
        cap *= 2;
        PetscCall(PetscMalloc1(cap, &p2));
        PetscCall(PetscArraycpy(p2, *pairs, n));
        PetscCall(PetscFree(*pairs));
        *pairs = p2;
      }
      (*pairs)[n].t1 = F[i].t, (*pairs)[n].t2 = t2;
      for (int k = 0; k < 3; ++k) (*pairs)[n].a[k] = F[i].a[k];
      ++n;
    }
    i = j;
  }
  PetscCall(PetscFree(F));
  *npairs = n;
  PetscFunctionReturn(0);
}

/* the face's geometry, oriented out of tetrahedron t (world coordinates in M->x) */
void VfeCTSurfMake(const CTMesh *M, const CTPair *p, PetscInt t, int other, CTSurf *S)
{
  const PetscReal *x = M->x;
  PetscReal e1[3], e2[3], n[3], len, xo[3] = {0, 0, 0}, dot = 0;
  PetscInt opp = -1;

  for (int v = 0; v < 4; ++v) {
    const PetscInt q = M->t[4 * t + v];
    if (q != p->a[0] && q != p->a[1] && q != p->a[2]) opp = q;
  }
  for (int k = 0; k < 3; ++k) {
    S->c[k] = (x[3 * p->a[0] + k] + x[3 * p->a[1] + k] + x[3 * p->a[2] + k]) / 3;
    e1[k]   = x[3 * p->a[1] + k] - x[3 * p->a[0] + k];
    e2[k]   = x[3 * p->a[2] + k] - x[3 * p->a[0] + k];
    xo[k]   = x[3 * opp + k] - S->c[k];
  }
  n[0] = e1[1] * e2[2] - e1[2] * e2[1];
  n[1] = e1[2] * e2[0] - e1[0] * e2[2];
  n[2] = e1[0] * e2[1] - e1[1] * e2[0];
  len  = PetscSqrtReal(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  for (int k = 0; k < 3; ++k) dot += n[k] * xo[k];
  S->v[0] = p->a[0], S->v[1] = p->a[1], S->v[2] = p->a[2];
  if (dot > 0) { /* points into t: flip */
    for (int k = 0; k < 3; ++k) n[k] = -n[k];
    S->v[1] = p->a[2], S->v[2] = p->a[1];
  }
  for (int k = 0; k < 3; ++k) S->n[k] = len > 0 ? n[k] / len : 0;
  S->area  = 0.5 * len;
  S->t     = t;
  S->other = other;
}

/* ---------- point-triangle distance (Ericson, Real-Time Collision Detection, 5.1.5) ---------- */

static PetscReal CTDist2PointTri(const PetscReal p[3], const PetscReal a[3], const PetscReal b[3], const PetscReal c[3])
{
  PetscReal ab[3], ac[3], ap[3], bp[3], cp[3], q[3], d1 = 0, d2 = 0, d3 = 0, d4 = 0, d5 = 0, d6 = 0, va, vb, vc, v, w,
                                                     denom, r = 0;
  for (int k = 0; k < 3; ++k) {
    ab[k] = b[k] - a[k], ac[k] = c[k] - a[k], ap[k] = p[k] - a[k], bp[k] = p[k] - b[k], cp[k] = p[k] - c[k];
    d1 += ab[k] * ap[k], d2 += ac[k] * ap[k], d3 += ab[k] * bp[k], d4 += ac[k] * bp[k], d5 += ab[k] * cp[k],
        d6 += ac[k] * cp[k];
  }
  if (d1 <= 0 && d2 <= 0) {
    for (int k = 0; k < 3; ++k) q[k] = a[k];
  } else if (d3 >= 0 && d4 <= d3) {
    for (int k = 0; k < 3; ++k) q[k] = b[k];
  } else if ((vc = d1 * d4 - d3 * d2) <= 0 && d1 >= 0 && d3 <= 0) {
    v = d1 / (d1 - d3);
    for (int k = 0; k < 3; ++k) q[k] = a[k] + v * ab[k];
  } else if (d6 >= 0 && d5 <= d6) {
    for (int k = 0; k < 3; ++k) q[k] = c[k];
  } else if ((vb = d5 * d2 - d1 * d6) <= 0 && d2 >= 0 && d6 <= 0) {
    w = d2 / (d2 - d6);
    for (int k = 0; k < 3; ++k) q[k] = a[k] + w * ac[k];
  } else if ((va = d3 * d6 - d5 * d4) <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) {
    w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
    for (int k = 0; k < 3; ++k) q[k] = b[k] + w * (c[k] - b[k]);
  } else {
    denom = 1 / (va + vb + vc);
    v     = vb * denom;
    w     = vc * denom;
    for (int k = 0; k < 3; ++k) q[k] = a[k] + ab[k] * v + ac[k] * w;
  }
  for (int k = 0; k < 3; ++k) r += (p[k] - q[k]) * (p[k] - q[k]);
  return r;
}

PetscErrorCode VfeCTBinsBuild(const CTMesh *M, const CTSurf *S, PetscInt ns, PetscReal r, CTBins *B)
{
  PetscReal hi[3];
  PetscInt *cnt;

  PetscFunctionBeginUser;
  B->g = PetscMax(r, 1.0);
  for (int k = 0; k < 3; ++k) B->lo[k] = PETSC_MAX_REAL, hi[k] = -PETSC_MAX_REAL;
  for (PetscInt s = 0; s < ns; ++s)
    for (int v = 0; v < 3; ++v)
      for (int k = 0; k < 3; ++k)
        B->lo[k] = PetscMin(B->lo[k], M->x[3 * S[s].v[v] + k]), hi[k] = PetscMax(hi[k], M->x[3 * S[s].v[v] + k]);
  for (int k = 0; k < 3; ++k) {
    B->lo[k] -= r + B->g;
    B->n[k] = (PetscInt)((hi[k] + r + B->g - B->lo[k]) / B->g) + 1;
  }
  PetscCall(PetscCalloc1(B->n[0] * B->n[1] * B->n[2] + 1, &B->start));
  PetscCall(PetscCalloc1(B->n[0] * B->n[1] * B->n[2] + 1, &cnt));
  for (int pass = 0; pass < 2; ++pass) {
    for (PetscInt s = 0; s < ns; ++s) {
      PetscInt c0[3], c1[3];
      for (int k = 0; k < 3; ++k) {
        PetscReal a = PETSC_MAX_REAL, b = -PETSC_MAX_REAL;
        for (int v = 0; v < 3; ++v) a = PetscMin(a, M->x[3 * S[s].v[v] + k]), b = PetscMax(b, M->x[3 * S[s].v[v] + k]);
        c0[k] = (PetscInt)((a - r - B->lo[k]) / B->g), c1[k] = (PetscInt)((b + r - B->lo[k]) / B->g);
      }
      for (PetscInt i = c0[0]; i <= c1[0]; ++i)
        for (PetscInt j = c0[1]; j <= c1[1]; ++j)
          for (PetscInt k = c0[2]; k <= c1[2]; ++k) {
            const PetscInt c = i + B->n[0] * (j + B->n[1] * k);
            if (!pass)
              ++B->start[c + 1];
            else
              B->item[B->start[c] + cnt[c]++] = s;
          }
    }
    if (!pass) {
      for (PetscInt c = 0; c < B->n[0] * B->n[1] * B->n[2]; ++c) B->start[c + 1] += B->start[c];
      PetscCall(PetscMalloc1(B->start[B->n[0] * B->n[1] * B->n[2]] + 1, &B->item));
    }
  }
  PetscCall(PetscFree(cnt));
  PetscFunctionReturn(0);
}

/* squared distances from p to the nearest face of the bins: d2[0] any face, d2[b] (b = 1, 2) faces whose flag has
   bit b; exact for faces within the bins' r, otherwise > r^2 or PETSC_MAX_REAL */
void VfeCTBinsDist2(const CTBins *B, const CTMesh *M, const CTSurf *S, const unsigned char *flag, const PetscReal p[3],
                    PetscReal d2[3])
{
  PetscInt c[3], cell;

  d2[0] = d2[1] = d2[2] = PETSC_MAX_REAL;
  for (int k = 0; k < 3; ++k) {
    c[k] = (PetscInt)PetscFloorReal((p[k] - B->lo[k]) / B->g);
    if (c[k] < 0 || c[k] >= B->n[k]) return;
  }
  cell = c[0] + B->n[0] * (c[1] + B->n[1] * c[2]);
  for (PetscInt i = B->start[cell]; i < B->start[cell + 1]; ++i) {
    const CTSurf *s   = &S[B->item[i]];
    const PetscReal e = CTDist2PointTri(p, M->x + 3 * s->v[0], M->x + 3 * s->v[1], M->x + 3 * s->v[2]);
    d2[0]             = PetscMin(d2[0], e);
    for (int b = 1; b < 3; ++b)
      if (flag[B->item[i]] & (1 << b)) d2[b] = PetscMin(d2[b], e);
  }
}

PetscErrorCode VfeCTBinsDestroy(CTBins *B)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(B->start));
  PetscCall(PetscFree(B->item));
  PetscFunctionReturn(0);
}

/* ---------- the whole build on rank 0 ---------- */

uint64_t VfeCTFnv(uint64_t h, const void *data, size_t n)
{
  const unsigned char *p = (const unsigned char *)data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

/* volume and quality q = 6 sqrt(2) V / l_rms^3 of tetrahedron t */
PetscReal VfeCTTetVolQ(const CTMesh *M, PetscInt t, PetscReal *q)
{
  const PetscReal *p[4];
  PetscReal e[6][3], V, l2 = 0;
  static const int ed[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};

  for (int v = 0; v < 4; ++v) p[v] = M->x + 3 * M->t[4 * t + v];
  for (int k = 0; k < 6; ++k)
    for (int c = 0; c < 3; ++c) e[k][c] = p[ed[k][1]][c] - p[ed[k][0]][c], l2 += e[k][c] * e[k][c];
  V = (e[0][0] * (e[1][1] * e[2][2] - e[1][2] * e[2][1]) - e[0][1] * (e[1][0] * e[2][2] - e[1][2] * e[2][0]) +
       e[0][2] * (e[1][0] * e[2][1] - e[1][1] * e[2][0])) /
      6;
  l2 /= 6;
  *q = l2 > 0 ? 6 * PETSC_SQRT2 * V / (l2 * PetscSqrtReal(l2)) : 0;
  return V;
}

/* the plates' flat faces: boundary faces of plate tetrahedra with every node on the plane (working index
   coordinates along d within 0.05 voxel); their nodes are put exactly on the plane */
static void CTPlateFaces(CTMesh *M, const CTGrid *G, CTPair *pairs, PetscInt np, unsigned char *flag)
{
  const PetscReal psup = G->plane_sup + 0.5 * G->sgn, pinf = G->plane_inf - 0.5 * G->sgn;

  for (PetscInt i = 0; i < np; ++i) {
    const CTPair *p       = &pairs[i];
    const unsigned char c = M->cl[p->t1];
    PetscReal plane;
    PetscBool on = PETSC_TRUE;
    if (p->t2 >= 0 || (c != C_LOAD && c != C_BASE)) continue;
    plane = c == C_LOAD ? psup : pinf;
    for (int k = 0; k < 3; ++k) on = on && PetscAbsReal(M->x[3 * p->a[k] + G->d] - plane) < 0.05;
    if (!on) continue;
    flag[i] |= c == C_LOAD ? 8 : 16;
    for (int k = 0; k < 3; ++k) M->x[3 * p->a[k] + G->d] = plane;
  }
}

typedef struct {
  int slot[R_N]; /* output index of each slot, -1 if absent */
  int nreg;
  int slot_of[R_N];
} CTRegions;

/* One named triangle group of the MSH file: the faces s of S with sflag[s] & bit (sflag given) or grp[s] == g, as
   discrete surface entity tag in physical group ptag; element tags continue from *ne.  tags, nodes: room for 3 ns. */
static PetscErrorCode CTWriteTriangles(int tag, int ptag, const char *name, const CTSurf *S, PetscInt ns,
                                       const unsigned char *sflag, unsigned char bit, const int *grp, int g,
                                       PetscBool empty, size_t *tags, size_t *nodes, size_t *ne)
{
  size_t n = 0;
  int ierr;

  PetscFunctionBeginUser;
  for (PetscInt s = 0; s < ns; ++s) {
    if (sflag ? !(sflag[s] & bit) : grp[s] != g) continue;
    tags[n] = ++*ne;
    for (int k = 0; k < 3; ++k) nodes[3 * n + k] = (size_t)S[s].v[k] + 1;
    ++n;
  }
  if (!n && !empty) PetscFunctionReturn(0);
  GC(gmshModelAddDiscreteEntity(2, tag, NULL, 0, &ierr), "surface entity");
  GC(gmshModelMeshAddElementsByType(tag, 2, tags, n, nodes, 3 * n, &ierr), "triangles");
  GC(gmshModelAddPhysicalGroup(2, &tag, 1, ptag, &ierr), "physical group");
  GC(gmshModelSetPhysicalName(2, ptag, name, &ierr), "physical name");
  PetscFunctionReturn(0);
}

PetscErrorCode VfeCTWriteMsh(const char *path, const CTMesh *M, int nreg, const int slot_of[],
                             const char names[][VFE_NAME_LEN], const CTSurf *S, const unsigned char *sflag, PetscInt ns,
                             PetscInt nf, const CTSurf *F, const int *fgrp, int nfg, const char fg_name[][VFE_NAME_LEN],
                             int npt, const char pt_name[][VFE_NAME_LEN], const PetscInt pt_node[])
{
  int ierr;
  size_t *tags, *nodes, ne = 0;
  const char *bname[2] = {"load_top", "fixed_bottom"};

  PetscFunctionBeginUser;
  GC(gmshModelAdd("ct", &ierr), "model");
  for (int r = 0; r < nreg; ++r) GC(gmshModelAddDiscreteEntity(3, r + 1, NULL, 0, &ierr), "volume entity");
  PetscCall(PetscMalloc2(PetscMax(PetscMax(M->nv, 4 * M->nt), 3 * nf), &tags, PetscMax(4 * M->nt, 3 * nf), &nodes));
  for (PetscInt v = 0; v < M->nv; ++v) tags[v] = (size_t)v + 1;
  GC(gmshModelMeshAddNodes(3, 1, tags, (size_t)M->nv, M->x, 3 * (size_t)M->nv, NULL, 0, &ierr), "nodes");
  for (int r = 0; r < nreg; ++r) {
    size_t n = 0;
    for (PetscInt t = 0; t < M->nt; ++t) {
      if (M->reg[t] != slot_of[r]) continue;
      tags[n] = ++ne;
      for (int k = 0; k < 4; ++k) nodes[4 * n + k] = (size_t)M->t[4 * t + k] + 1;
      ++n;
    }
    GC(gmshModelMeshAddElementsByType(r + 1, 4, tags, n, nodes, 4 * n, &ierr), "tetrahedra");
    {
      int tag = r + 1;
      GC(gmshModelAddPhysicalGroup(3, &tag, 1, r + 1, &ierr), "physical group");
      GC(gmshModelSetPhysicalName(3, r + 1, names[r], &ierr), "physical name");
    }
  }
  for (int b = 0; b < 2; ++b) /* load_top, fixed_bottom: written even when empty */
    PetscCall(
        CTWriteTriangles(b + 1, b + 1, bname[b], S, ns, sflag, b ? 64 : 32, NULL, 0, PETSC_TRUE, tags, nodes, &ne));
  for (int g = 0; g < nfg; ++g) /* named surfaces (facet joints): left out when empty */
    PetscCall(CTWriteTriangles(3 + g, 1000 + g, fg_name[g], F, nf, NULL, 0, fgrp, g, PETSC_FALSE, tags, nodes, &ne));
  for (int p = 0; p < npt; ++p) { /* one point element on an existing node */
    size_t et = ++ne, nd = (size_t)pt_node[p] + 1;
    int tag = p + 1, ptag = nreg + 3 + p;
    GC(gmshModelAddDiscreteEntity(0, tag, NULL, 0, &ierr), "point entity");
    GC(gmshModelMeshAddElementsByType(tag, 15, &et, 1, &nd, 1, &ierr), "point element");
    GC(gmshModelAddPhysicalGroup(0, &tag, 1, ptag, &ierr), "physical group");
    GC(gmshModelSetPhysicalName(0, ptag, pt_name[p], &ierr), "physical name");
  }
  PetscCall(PetscFree2(tags, nodes));
  PetscCall(VfeGmshWriteMesh(path));
  PetscFunctionReturn(0);
}

static PetscErrorCode CTBuildRank0(const char *path, VfeCTReport rep)
{
  CTOpts o;
  VfeImage m, img, post;
  unsigned char *cls = NULL, *flag = NULL;
  CTGrid G;
  CTMesh M;
  CTPair *pairs = NULL;
  CTSurf *S     = NULL;
  CTBins B;
  CTRegions R;
  PetscInt npairs, ns  = 0;
  PetscReal s[3], slen = 0, smin = PETSC_MAX_REAL, smax = -PETSC_MAX_REAL, mid, *q, vv, vbody = 0, cen[3] = {0, 0, 0},
                  side[2] = {0, 0};
  PetscLogDouble t0, t1, t2, t3;
  char names[VFE_CT_MAX_REGIONS][VFE_NAME_LEN];
  PetscBool has_cement;
  PetscInt nest = 0;
  uint64_t hash = 1469598103934665603ULL;
  unsigned char *mark;

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscMemzero(&M, sizeof M));
  PetscCall(PetscMemzero(&G, sizeof G));
  PetscCall(CTOptionsRead(&o));
  PetscCall(VfeImageRead(o.mask, &m));
  if (o.image[0]) {
    PetscCall(VfeImageRead(o.image, &img));
    PetscCall(VfeImageSameGrid(&m, &img));
    PetscCall(VfeImageDestroy(&img));
  }
  if (o.cement_image[0]) {
    PetscCall(VfeImageRead(o.cement_image, &post));
    PetscCall(VfeImageSameGrid(&m, &post));
  }
  PetscCall(PetscTime(&t1));
  rep->t_read = t1 - t0;
  PetscCall(PetscStrncpy(rep->level, o.level, sizeof rep->level));
  PetscCall(PetscStrncpy(rep->mesher, o.mesher, sizeof rep->mesher));
  PetscCall(PetscStrncpy(rep->mask, o.mask, sizeof rep->mask));
  PetscCall(PetscStrncpy(rep->image, o.image, sizeof rep->image));
  PetscCall(PetscStrncpy(rep->cement_image, o.cement_image, sizeof rep->cement_image));
  for (int d = 0; d < 3; ++d) rep->n[d] = m.n[d], rep->spacing[d] = m.spacing[d];
  rep->size_mm = o.h, rep->cortex_mm = o.tc, rep->endplate_mm = o.te, rep->plates = o.plates;

  /* classes, cement, element-count guard, grid and plates */
  PetscCall(PetscMalloc1((size_t)m.n[0] * m.n[1] * m.n[2], &cls));
  PetscCall(CTClassify(&o, &m, cls));
  PetscCall(CTCement(&o, &m, o.cement_image[0] ? &post : NULL, cls, rep));
  if (o.cement_image[0]) PetscCall(VfeImageDestroy(&post));
  has_cement = (PetscBool)(o.ncem > 0 || o.cement_image[0]);
  PetscCheck(!has_cement || rep->cement_voxel_volume > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "ct_cement_threshold: no voxel of the body in %s is above the threshold %g (%s)", o.cement_image,
             (double)rep->threshold, o.thr);
  vv = m.spacing[0] * m.spacing[1] * m.spacing[2];
  for (size_t j = 0; j < (size_t)m.n[0] * m.n[1] * m.n[2]; ++j) nest += cls[j] != C_OUT;
  if (!strcmp(o.mesher, "voxel"))
    PetscCall(VfeMeshCheckElementCount(nest * vv * 1.3, PetscCbrtReal(vv), 6, "ct (voxel)"));
  else
    PetscCall(VfeMeshCheckElementCount(nest * vv * 1.3, o.h, 5, "ct"));
  PetscCall(CTGridBuild(&o, &m, cls, &G, rep));
  PetscCall(PetscFree(cls));

  /* mesh */
  PetscCall(PetscTime(&t2));
  if (!strcmp(o.mesher, "voxel"))
    PetscCall(CTMeshVoxel(&G, &M));
  else
    PetscCall(CTMeshCgal(&o, &G, &m, &M));
  PetscCall(PetscTime(&t3));
  rep->t_mesher = t3 - t2;
  PetscCheck(M.nt > 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "ct_mesher %s made no tetrahedra", o.mesher);

  /* faces between classes; plate planes snapped; world coordinates; orientation */
  PetscCall(VfeCTFacePairs(&M, &pairs, &npairs));
  PetscCall(PetscCalloc1(npairs, &flag));
  if (o.plates) CTPlateFaces(&M, &G, pairs, npairs, flag);
  for (PetscInt v = 0; v < M.nv; ++v) {
    PetscReal w[3], *x = M.x + 3 * v;
    for (int k = 0; k < 3; ++k) w[k] = x[k] + G.off[k];
    for (int r = 0; r < 3; ++r) x[r] = m.A[r][0] * w[0] + m.A[r][1] * w[1] + m.A[r][2] * w[2] + m.A[r][3];
  }
  PetscCall(PetscMalloc1(M.nt, &q));
  for (PetscInt t = 0; t < M.nt; ++t) {
    PetscReal V = VfeCTTetVolQ(&M, t, &q[t]);
    if (V < 0) {
      CT_SWAP(M.t[4 * t + 2], M.t[4 * t + 3]);
      V = VfeCTTetVolQ(&M, t, &q[t]);
    }
    PetscCheck(q[t] > 1e-8, PETSC_COMM_SELF, PETSC_ERR_LIB,
               "degenerate tetrahedron %" PetscInt_FMT " (quality %g) in the CT mesh: try another mesh_size_mm", t,
               (double)q[t]);
  }

  /* body surface faces: flag bit 1 any, 2 superior endplate, 4 inferior endplate; 8/16 plate planes; 32/64 the
     load_top / fixed_bottom groups */
  for (int k = 0; k < 3; ++k) s[k] = G.sgn * m.A[k][G.d], slen += s[k] * s[k];
  for (int k = 0; k < 3; ++k) s[k] /= PetscSqrtReal(slen);
  for (PetscInt t = 0; t < M.nt; ++t)
    if (M.cl[t] == C_BODY || M.cl[t] == C_CEM)
      for (int v = 0; v < 4; ++v) {
        const PetscReal *x = M.x + 3 * M.t[4 * t + v], h = x[0] * s[0] + x[1] * s[1] + x[2] * s[2];
        smin = PetscMin(smin, h), smax = PetscMax(smax, h);
      }
  mid = 0.5 * (smin + smax);
  PetscCall(PetscMalloc1(npairs, &S));
  for (PetscInt i = 0; i < npairs; ++i) {
    const CTPair *p = &pairs[i];
    const int c1 = M.cl[p->t1], c2 = p->t2 >= 0 ? M.cl[p->t2] : C_OUT;
    const PetscBool b1 = (PetscBool)(c1 == C_BODY || c1 == C_CEM), b2 = (PetscBool)(c2 == C_BODY || c2 == C_CEM);
    unsigned char f = flag[i];
    CTSurf *sf      = &S[ns];
    PetscReal ns_, cs_;
    if (b1 == b2 && !(f & 24)) continue;
    if (b1 != b2) {
      VfeCTSurfMake(&M, p, b1 ? p->t1 : p->t2, b1 ? c2 : c1, sf);
      ns_ = sf->n[0] * s[0] + sf->n[1] * s[1] + sf->n[2] * s[2];
      cs_ = sf->c[0] * s[0] + sf->c[1] * s[1] + sf->c[2] * s[2];
      f |= 1;
      if (o.plates ? sf->other == C_LOAD : (sf->other == C_OUT && ns_ >= 0.5 && cs_ >= mid)) f |= 2;
      if (o.plates ? sf->other == C_BASE : (sf->other == C_OUT && ns_ <= -0.5 && cs_ <= mid)) f |= 4;
      if (!o.plates && (f & 2)) f |= 32;
      if (!o.plates && (f & 4)) f |= 64;
    } else
      VfeCTSurfMake(&M, p, p->t1, C_OUT, sf);
    if (f & 8) f |= 32;
    if (f & 16) f |= 64;
    flag[ns++] = f; /* ns <= i: flag is compacted in place */
  }
  PetscCall(PetscFree(pairs));

  /* layers: distance of each body tetrahedron's centroid to the faces */
  {
    const PetscReal r = PetscMax(o.tc, o.te), te2 = o.te * o.te * (1 + 1e-6), tc2 = o.tc * o.tc * (1 + 1e-6);
    CTSurf *bs;
    unsigned char *bf;
    PetscInt nb = 0;
    PetscCall(PetscMalloc2(ns, &bs, ns, &bf));
    for (PetscInt i = 0; i < ns; ++i)
      if (flag[i] & 1) bs[nb] = S[i], bf[nb++] = flag[i];
    PetscCheck(nb > 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "the CT mesh has no body surface");
    PetscCall(VfeCTBinsBuild(&M, bs, nb, r, &B));
    for (PetscInt t = 0; t < M.nt; ++t) {
      PetscReal c[3] = {0, 0, 0}, d2[3];
      switch (M.cl[t]) {
      case C_CEM:
        M.reg[t] = R_CEM;
        continue;
      case C_POST:
        M.reg[t] = R_POST;
        continue;
      case C_LOAD:
        M.reg[t] = R_LOAD;
        continue;
      case C_BASE:
        M.reg[t] = R_BASE;
        continue;
      default:
        break;
      }
      for (int v = 0; v < 4; ++v)
        for (int k = 0; k < 3; ++k) c[k] += 0.25 * M.x[3 * M.t[4 * t + v] + k];
      VfeCTBinsDist2(&B, &M, bs, bf, c, d2);
      /* ties (voxel meshes put centroids at exactly 0.25, 0.5, 0.75 voxel) count as inside, whatever the rounding */
      if (d2[1] <= te2 || d2[2] <= te2)
        M.reg[t] = d2[1] <= d2[2] ? R_EPS : R_EPI;
      else if (d2[0] <= tc2)
        M.reg[t] = R_CORT;
      else
        M.reg[t] = R_CANC;
    }
    PetscCall(VfeCTBinsDestroy(&B));
    PetscCall(PetscFree2(bs, bf));
  }

  /* the regions of the file, each required one non-empty */
  R.nreg = 0;
  for (int k = 0; k < R_N; ++k) {
    const PetscBool want = (PetscBool)(k <= R_EPI || (k == R_POST && o.npost) || (k == R_CEM && has_cement) ||
                                       ((k == R_LOAD || k == R_BASE) && o.plates));
    R.slot[k]            = -1;
    if (!want) continue;
    R.slot[k] = R.nreg, R.slot_of[R.nreg] = k;
    if (k < R_LOAD)
      PetscCall(PetscSNPrintf(names[R.nreg], VFE_NAME_LEN, "%s.%s", o.level, region_suffix[k]));
    else
      PetscCall(PetscStrncpy(names[R.nreg], region_suffix[k], VFE_NAME_LEN));
    R.nreg++;
  }
  rep->nregions = R.nreg;
  for (int r = 0; r < R.nreg; ++r) {
    PetscCall(PetscStrncpy(rep->region[r], names[r], VFE_NAME_LEN));
    rep->region_tets[r] = 0, rep->region_volume[r] = 0;
  }
  mark = NULL;
  PetscCall(PetscCalloc1(M.nv, &mark));
  for (PetscInt t = 0; t < M.nt; ++t) {
    const int r = R.slot[M.reg[t]];
    PetscReal qq, V = VfeCTTetVolQ(&M, t, &qq), xc[3] = {0, 0, 0};
    PetscCheck(r >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "tetrahedron %" PetscInt_FMT " has no region", t);
    rep->region_tets[r]++;
    rep->region_volume[r] += V;
    for (int v = 0; v < 4; ++v)
      for (int k = 0; k < 3; ++k) xc[k] += 0.25 * M.x[3 * M.t[4 * t + v] + k];
    if (M.reg[t] <= R_EPI || M.reg[t] == R_CEM) {
      vbody += V;
      for (int k = 0; k < 3; ++k) cen[k] += V * xc[k];
    }
    if (M.reg[t] == R_CEM)
      for (int v = 0; v < 4; ++v) mark[M.t[4 * t + v]] = 1;
  }
  for (int k = 0; k < 3; ++k) rep->body_centroid[k] = cen[k] / vbody;
  for (int r = 0; r < R.nreg; ++r) {
    const int k = R.slot_of[r];
    PetscCheck(rep->region_tets[r] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "the CT mesh has no tetrahedron in %s at mesh_size_mm = %g%s", names[r], (double)o.h,
               k == R_CORT  ? ": raise ct_cortex_mm or lower mesh_size_mm"
               : k <= R_EPI ? k == R_CANC ? ": the body is thinner than its layers (lower ct_cortex_mm, ct_endplate_mm)"
                                          : ": raise ct_endplate_mm or lower mesh_size_mm"
               : k == R_CEM ? ": the cement is smaller than the mesh (lower mesh_size_mm or use ct_mesher voxel)"
               : k == R_POST ? ": the posterior labels are smaller than the mesh"
                             : "");
  }
  /* cement measures on the mesh */
  rep->body_volume = vbody;
  if (has_cement) {
    PetscInt rc        = R.slot[R_CEM];
    rep->cement_volume = rep->region_volume[rc];
    rep->fill_ratio    = rep->cement_volume / vbody;
    for (PetscInt t = 0; t < M.nt; ++t) {
      PetscReal qq, V, xc = 0;
      if (M.reg[t] != R_CEM) continue;
      V = VfeCTTetVolQ(&M, t, &qq);
      for (int v = 0; v < 4; ++v) xc += 0.25 * M.x[3 * M.t[4 * t + v]];
      side[xc > rep->body_centroid[0]] += V;
    }
    rep->larger_side_ratio = PetscMax(side[0], side[1]) / vbody;
    for (PetscInt t = 0; t < M.nt; ++t)
      for (int v = 0; v < 4; ++v)
        if (mark[M.t[4 * t + v]]) {
          if (M.reg[t] == R_EPS) rep->touches_endplate_sup = PETSC_TRUE;
          if (M.reg[t] == R_EPI) rep->touches_endplate_inf = PETSC_TRUE;
        }
  }
  PetscCall(PetscFree(mark));
  for (PetscInt i = 0; i < ns; ++i) {
    if (flag[i] & 32) rep->load_top_area += S[i].area;
    if (flag[i] & 64) rep->fixed_bottom_area += S[i].area;
  }
  PetscCheck(rep->load_top_area > 0 && rep->fixed_bottom_area > 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "the CT mesh has no %s faces", rep->load_top_area > 0 ? "fixed_bottom" : "load_top");
  if (o.plates) rep->plate_distance_mm = PetscAbsReal((PetscReal)(G.plane_sup - G.plane_inf) + G.sgn) * m.spacing[G.d];
  rep->si_axis = G.d, rep->si_sign = G.sgn;

  /* quality, counts, hash */
  qsort(q, (size_t)M.nt, sizeof q[0], CTCmpReal);
  rep->quality_min = q[0];
  rep->quality_p01 = q[(size_t)(0.01 * M.nt)];
  PetscCall(PetscFree(q));
  rep->nnodes = M.nv, rep->ntets = M.nt;
  for (PetscInt v = 0; v < 3 * M.nv; ++v) {
    const long long r = llround(M.x[v] * 1e9);
    hash              = VfeCTFnv(hash, &r, sizeof r);
  }
  for (int r = 0; r < R.nreg; ++r) {
    hash = VfeCTFnv(hash, &r, sizeof r);
    for (PetscInt t = 0; t < M.nt; ++t)
      if (M.reg[t] == R.slot_of[r]) hash = VfeCTFnv(hash, M.t + 4 * t, 4 * sizeof(PetscInt));
  }
  rep->hash = hash;

  PetscCall(VfeCTWriteMsh(path, &M, R.nreg, R.slot_of, (const char(*)[VFE_NAME_LEN])names, S, flag, ns, 0, NULL, NULL,
                          0, NULL, 0, NULL, NULL));
  PetscCall(PetscFree(S));
  PetscCall(PetscFree(flag));
  PetscCall(VfeCTMeshDestroy(&M));
  PetscCall(PetscFree(G.c));
  PetscCall(VfeImageDestroy(&m));
  PetscCall(PetscTime(&t1));
  rep->mesh_seconds = t1 - t0;
  PetscFunctionReturn(0);
}

static PetscErrorCode CTBuild(const char *path, void *rep)
{
  return CTBuildRank0(path, (VfeCTReport)rep);
}

PetscErrorCode VfeCTMesh(MPI_Comm comm, const char *msh_path, VfeCTReport *rep)
{
  PetscFunctionBeginUser;
  PetscCall(VfeMeshCheckGeometryKeys(comm, "ct"));
  PetscCall(VfeMeshBuildOnRank0(comm, "CT", CTBuild, msh_path, sizeof **rep, (void **)rep));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeCTReportDestroy(VfeCTReport *rep)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(*rep));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeCTReportView(VfeCTReport r, PetscViewer v)
{
  PetscFunctionBeginUser;
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "ct %s from %s (%" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT
                                   " voxels of %.3g x %.3g x %.3g mm), mesher %s, mesh %g mm\n",
                                   r->level, r->mask, r->n[0], r->n[1], r->n[2], (double)r->spacing[0],
                                   (double)r->spacing[1], (double)r->spacing[2], r->mesher, (double)r->size_mm));
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "  body %.1f mm3 on the voxels, %.1f mm3 on the mesh (%+.2f %%), height %.1f mm; "
                                   "cortex %g mm, endplates %g mm",
                                   (double)r->body_voxel_volume, (double)r->body_volume,
                                   (double)(100 * (r->body_volume / r->body_voxel_volume - 1)),
                                   (double)r->body_height_mm, (double)r->cortex_mm, (double)r->endplate_mm));
  if (r->plates)
    PetscCall(PetscViewerASCIIPrintf(v, "; plates %g mm beyond the body, %.1f mm apart\n", (double)r->plate_mm,
                                     (double)r->plate_distance_mm));
  else
    PetscCall(PetscViewerASCIIPrintf(v, "; no plates\n"));
  PetscCall(PetscViewerASCIIPrintf(v, "  load_top %.1f mm2, fixed_bottom %.1f mm2\n", (double)r->load_top_area,
                                   (double)r->fixed_bottom_area));
  if (strcmp(r->cement_source, "none")) {
    if (r->cement_image[0])
      PetscCall(PetscViewerASCIIPrintf(v, "  cement from %s, threshold %g (%s); ", r->cement_image,
                                       (double)r->threshold, r->threshold_method));
    else
      PetscCall(PetscViewerASCIIPrintf(v, "  cement from the labels; "));
    PetscCall(PetscViewerASCIIPrintf(v,
                                     "distribution rate %.4f on the voxels (%.4f at threshold -200, %.4f at +200), "
                                     "%.4f on the mesh\n",
                                     (double)r->fill_ratio_voxels, (double)r->fill_ratio_thr_minus,
                                     (double)r->fill_ratio_thr_plus, (double)r->fill_ratio));
    PetscCall(PetscViewerASCIIPrintf(v,
                                     "  cement %.1f mm3 (voxels %.1f), larger side %.4f (voxels %.4f), touches "
                                     "endplate: superior %s, inferior %s; leakage %.1f mm3 within %g mm of the body\n",
                                     (double)r->cement_volume, (double)r->cement_voxel_volume,
                                     (double)r->larger_side_ratio, (double)r->larger_side_ratio_voxels,
                                     r->touches_endplate_sup ? "yes" : "no", r->touches_endplate_inf ? "yes" : "no",
                                     (double)r->leak_volume, (double)r->leak_mm));
  }
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "  %" PetscInt_FMT " nodes, %" PetscInt_FMT
                                   " tetrahedra, quality min %.3f, 1%% %.3f, %.2f s (reading %.2f s, mesher %.2f s), "
                                   "hash %016llx\n",
                                   r->nnodes, r->ntets, (double)r->quality_min, (double)r->quality_p01,
                                   (double)r->mesh_seconds, (double)r->t_read, (double)r->t_mesher, r->hash));
  for (PetscInt i = 0; i < r->nregions; i++)
    PetscCall(PetscViewerASCIIPrintf(v, "  %-22s %8" PetscInt_FMT " tets %10.1f mm3\n", r->region[i], r->region_tets[i],
                                     (double)r->region_volume[i]));
  PetscFunctionReturn(0);
}

static json_t *CTNum(PetscReal x)
{
  return json_real(PetscIsInfOrNanReal(x) ? 0 : (double)x);
}

PetscErrorCode VfeCTReportWriteJSON(VfeCTReport r, FILE *f)
{
  json_t *o = json_object(), *regions = json_object(), *cem = json_object();
  char hash[17];
  int err;

  PetscFunctionBeginUser;
  PetscCheck(o && regions && cem, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory");
  snprintf(hash, sizeof hash, "%016llx", r->hash);
  json_object_set_new(o, "level", json_string(r->level));
  json_object_set_new(o, "mesher", json_string(r->mesher));
  json_object_set_new(o, "mask", json_string(r->mask));
  json_object_set_new(o, "image", json_string(r->image));
  json_object_set_new(o, "voxels",
                      json_pack("[I, I, I]", (json_int_t)r->n[0], (json_int_t)r->n[1], (json_int_t)r->n[2]));
  json_object_set_new(o, "spacing_mm",
                      json_pack("[f, f, f]", (double)r->spacing[0], (double)r->spacing[1], (double)r->spacing[2]));
  json_object_set_new(o, "si_axis", json_integer(r->si_axis));
  json_object_set_new(o, "si_sign", json_integer(r->si_sign));
  json_object_set_new(o, "mesh_size_mm", CTNum(r->size_mm));
  json_object_set_new(o, "cortex_mm", CTNum(r->cortex_mm));
  json_object_set_new(o, "endplate_mm", CTNum(r->endplate_mm));
  json_object_set_new(o, "plates", json_boolean(r->plates));
  json_object_set_new(o, "plate_mm", CTNum(r->plate_mm));
  json_object_set_new(o, "plate_distance_mm", CTNum(r->plate_distance_mm));
  json_object_set_new(o, "body_height_mm", CTNum(r->body_height_mm));
  json_object_set_new(o, "load_top_area_mm2", CTNum(r->load_top_area));
  json_object_set_new(o, "fixed_bottom_area_mm2", CTNum(r->fixed_bottom_area));
  json_object_set_new(o, "body_voxel_volume_mm3", CTNum(r->body_voxel_volume));
  json_object_set_new(o, "body_volume_mm3", CTNum(r->body_volume));
  json_object_set_new(
      o, "body_centroid_mm",
      json_pack("[f, f, f]", (double)r->body_centroid[0], (double)r->body_centroid[1], (double)r->body_centroid[2]));
  json_object_set_new(cem, "source", json_string(r->cement_source));
  json_object_set_new(cem, "image", json_string(r->cement_image));
  json_object_set_new(cem, "threshold_method", json_string(r->threshold_method));
  json_object_set_new(cem, "threshold", CTNum(r->threshold));
  json_object_set_new(cem, "voxel_volume_mm3", CTNum(r->cement_voxel_volume));
  json_object_set_new(cem, "volume_mm3", CTNum(r->cement_volume));
  json_object_set_new(cem, "fill_ratio_voxels", CTNum(r->fill_ratio_voxels));
  json_object_set_new(cem, "fill_ratio", CTNum(r->fill_ratio));
  json_object_set_new(cem, "fill_ratio_threshold_minus_200", CTNum(r->fill_ratio_thr_minus));
  json_object_set_new(cem, "fill_ratio_threshold_plus_200", CTNum(r->fill_ratio_thr_plus));
  json_object_set_new(cem, "larger_side_ratio_voxels", CTNum(r->larger_side_ratio_voxels));
  json_object_set_new(cem, "larger_side_ratio", CTNum(r->larger_side_ratio));
  json_object_set_new(cem, "touches_endplate_sup", json_boolean(r->touches_endplate_sup));
  json_object_set_new(cem, "touches_endplate_inf", json_boolean(r->touches_endplate_inf));
  json_object_set_new(cem, "leak_mm", CTNum(r->leak_mm));
  json_object_set_new(cem, "leak_volume_mm3", CTNum(r->leak_volume));
  json_object_set_new(o, "cement", cem);
  json_object_set_new(o, "nodes", json_integer(r->nnodes));
  json_object_set_new(o, "tetrahedra", json_integer(r->ntets));
  json_object_set_new(o, "quality_min", CTNum(r->quality_min));
  json_object_set_new(o, "quality_p01", CTNum(r->quality_p01));
  json_object_set_new(o, "mesh_seconds", CTNum(r->mesh_seconds));
  json_object_set_new(o, "read_seconds", CTNum(r->t_read));
  json_object_set_new(o, "mesher_seconds", CTNum(r->t_mesher));
  json_object_set_new(o, "mesh_hash", json_string(hash));
  for (PetscInt i = 0; i < r->nregions; i++)
    json_object_set_new(
        regions, r->region[i],
        json_pack("{s:I, s:o}", "tetrahedra", (json_int_t)r->region_tets[i], "volume_mm3", CTNum(r->region_volume[i])));
  json_object_set_new(o, "regions", regions);
  err = json_dumpf(o, f, JSON_PRESERVE_ORDER | JSON_COMPACT);
  json_decref(o);
  PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write the CT mesh report");
  PetscFunctionReturn(0);
}
