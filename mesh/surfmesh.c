/*
 * surfmesh.c - a spine segment from real surfaces (mesh_geometry surfaces): closed STL surfaces of the
 * vertebral bodies and hexahedral meshes of the discs (a folder laid out like lumbar-artisynth), with the
 * region names of the parametric segment and cement at an exact fill ratio.
 *
 * Input (surfaces_dir): stl_mm/<LVL>_vertebral_body.stl (binary or ASCII STL, closed: every edge in exactly
 * two triangles after welding equal vertices) per level of segment_levels, and discs_mm/<D>_disc_hex_mm.vtk
 * (legacy VTK, ASCII unstructured grid of hex8 cells, cell scalars `part`: 0 nucleus, 1..4 annulus rings) per
 * disc between two levels (D = L12 for L1-L2).  Units mm, axes x anterior, y left, z superior (a right-handed frame,
 * as lumbar-artisynth's).
 *
 * Frame: vfe's x lateral, y anterior, z cranial.  The files are turned by the proper rotation
 * (X, Y, Z) = (y, x, z), so that the left side stays +X (vfe's labelled frame, +x left, +y anterior, +z cranial,
 * is left-handed, so the map that keeps the anatomy swaps two axes; the quarter turn (-y, x, z) used before
 * mirrored left and right, which the symmetrized lumbar-artisynth geometry did not show).
 *
 * Pipeline on rank 0:
 *  1. rasterise everything into ONE label image on a regular grid of surfaces_voxel_mm (voxel centres):
 *     bodies by ray parity along Z (per voxel column, the crossings of the column's line with the
 *     triangles, sorted: inside between crossings 2m and 2m+1; the line is shifted by 1e-6 voxel to miss
 *     edges and vertices), then discs where no body is (point in hexahedron by Newton inversion of the
 *     trilinear map: cells that share a face share its bilinear patch, so no gap opens between cells).
 *     Bodies win where they overlap a disc.  The disc meshes end within about 0.1 mm of the body surfaces;
 *     an empty voxel with a body and a disc among its six neighbours is given to the disc (reported), so
 *     that no sheet of empty voxels separates them.
 *  2. cement (cement_pattern compact or bipedicular) in each treated body, in its principal frame: the
 *     PCA of its voxel centres gives centre c, axes e_i and variances l_i; an ellipsoid of uniform density
 *     with semi-axes r_i = sqrt(5 l_i) has the body's second moments.  compact: one ellipsoid s r_i;
 *     bipedicular: two at c +- 0.45 r_lat e_lat (or cement_offset_mm), semi-axes s (0.55, 0.85, 0.95) x
 *     (lateral, antero-posterior, cranial) r (the proportions of mesh/cement.c).  The cement is clipped to
 *     the cancellous interior: voxels deeper than max(surfaces_cortex_mm, surfaces_endplate_mm) below the
 *     body surface (Euclidean distance transform).  s is bisected until the cement voxels make the
 *     requested fraction of the body voxels.
 *  3. load plate: each voxel column that holds the top body is filled from its top body voxel up to a flat
 *     plane surfaces_plate_mm (whole voxels, at least one) above the body, unless the body ends deeper than
 *     surfaces_plate_embed_mm below its top (the plate loads the endplate, not the sides).
 *  4. CGAL Mesh_3 on the label image (mesh/cgalmesh.cpp): every interface (body-disc, body-cement,
 *     nucleus-annulus, body-plate) is conformal by construction.
 *  5. faces, layers, checks and the MSH file as mesh/ctmesh.c does (mesh/ctcore.h): per level, body faces
 *     towards the disc above (the plate for the top level) are the superior endplate, towards the disc below
 *     (for the bottom level: its mesh-boundary faces facing down, n_z <= -0.5, below mid-height) the inferior
 *     one; a body tetrahedron whose centroid lies within surfaces_endplate_mm of an endplate face is
 *     `<lvl>.endplate_sup` / `_inf`, else within surfaces_cortex_mm of any body face `<lvl>.cortical`, else
 *     `<lvl>.cancellous`.  load_top = the plate's flat top (nodes snapped onto the plane); fixed_bottom = the
 *     bottom level's inferior faces just named.
 *  6. the fill ratio on the mesh (cement / treated body, cancellous + cortical + endplates + cement): if it
 *     misses the request by more than 0.4 points, the voxel target is corrected by the miss and the cement and
 *     mesh are built again (at most 4 passes).
 *
 * Everything runs on rank 0; its error code reaches every rank, the report is broadcast as bytes.  The report
 * is the parametric segment's (VfeSegmentReport, geometry "surfaces"), so the run, the baseline, the metrics
 * and sweeps treat both alike.
 */
#include "vfemesh.h"
#include "vfekeys.h"
#include "cgalmesh.h"
#include "ctcore.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SF_MAXLEV 6
/* labels of the image and classes of the tetrahedra */
#define SF_BODY(l) (1 + (l))
#define SF_CEM(l) (7 + (l))
#define SF_NUC(j) (13 + 2 * (j))
#define SF_ANN(j) (14 + 2 * (j))
#define SF_PLATE 23
#define SF_POST(l) (24 + (l)) /* posterior elements (surfaces_posterior_elements) */
/* region slots */
enum { S_CANC, S_CORT, S_EPS, S_EPI, S_CEM, S_POST, S_PER_LEVEL };
#define SF_SLOT_DISC(j) (SF_MAXLEV * S_PER_LEVEL + 2 * (j))
#define SF_SLOT_PLATE (SF_MAXLEV * S_PER_LEVEL + 2 * (SF_MAXLEV - 1))
#define SF_NSLOT (SF_SLOT_PLATE + 1)

static const char *const sf_lvl[SF_MAXLEV]      = {"T12", "L1", "L2", "L3", "L4", "L5"};
static const char *const sf_suffix[S_PER_LEVEL] = {"cancellous",   "cortical", "endplate_sup",
                                                   "endplate_inf", "cement",   "posterior"};

typedef struct {
  char dir[PETSC_MAX_PATH_LEN];
  int g0, nl;                   /* first level (index in sf_lvl), number of levels */
  PetscBool treated[SF_MAXLEV]; /* per level of the segment */
  VfeCementSpec spec;
  PetscReal h, vox, tc, te, tp, embed;
  PetscInt order;
  PetscBool verbose;
  PetscBool posterior; /* surfaces_posterior_elements */
  PetscReal gap;       /* surfaces_facet_gap_mm, at least two voxels */
} SFOpts;

/* a triangulated closed surface, in vfe's frame */
typedef struct {
  PetscInt nt;
  PetscReal *x; /* 9 nt */
  PetscReal volume;
} SFSurf;

/* a hex8 disc mesh, in vfe's frame */
typedef struct {
  PetscInt nv, nc;
  PetscReal *x; /* 3 nv */
  PetscInt *c;  /* 8 nc, VTK_HEXAHEDRON order */
  int *part;    /* nc: 0 nucleus, 1..4 annulus */
  PetscReal volume;
} SFDisc;

/* the label image: voxel (i,j,k) has its centre at o + v (i,j,k) */
typedef struct {
  PetscInt N[3];
  PetscReal o[3], v;
  unsigned char *lab;
  unsigned char *fine; /* with posterior elements: the facet joints' zones, meshed finer (SFPlacePosterior); or NULL */
} SFGrid;

/* ---------- options ---------- */

static int SFLevelIndex(const char *s)
{
  for (int g = 0; g < SF_MAXLEV; ++g)
    if (!strcmp(s, sf_lvl[g])) return g;
  return -1;
}

static PetscErrorCode SFOptionsRead(SFOpts *o)
{
  char buf[64], *dash, *treated[SF_MAXLEV];
  PetscInt nt = SF_MAXLEV;
  PetscBool set;
  int g1;
  const char *tv;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(o, sizeof *o));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-surfaces_dir", o->dir, sizeof o->dir, &set));
  PetscCheck(set && o->dir[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh_geometry surfaces needs surfaces_dir: a folder with stl_mm/<LVL>_vertebral_body.stl and "
             "discs_mm/<L12>_disc_hex_mm.vtk");
  PetscCall(PetscStrncpy(buf, "L1-L3", sizeof buf));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-segment_levels", buf, sizeof buf, NULL));
  dash = strchr(buf, '-');
  if (dash) {
    *dash = 0;
    o->g0 = SFLevelIndex(buf);
    g1    = SFLevelIndex(dash + 1);
    *dash = '-';
  } else
    o->g0 = g1 = SFLevelIndex(buf);
  PetscCheck(o->g0 >= 0 && g1 >= 0 && o->g0 < g1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "segment_levels = '%s' is not a cranial-to-caudal range of at least two levels within T12-L5 (e.g. "
             "L1-L3) for mesh_geometry surfaces",
             buf);
  o->nl = g1 - o->g0 + 1;
  PetscCall(PetscOptionsFindPair(NULL, NULL, "-segment_treated", &tv, &set));
  PetscCheck(!set || (tv && tv[0]), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "segment_treated has an empty value: allowed one or more levels of segment_levels (e.g. L2)");
  PetscCall(PetscOptionsGetStringArray(NULL, NULL, "-segment_treated", treated, &nt, &set));
  if (!set)
    o->treated[(o->nl - 1) / 2] = PETSC_TRUE;
  else
    for (PetscInt k = 0; k < nt; ++k) {
      const int g  = SFLevelIndex(treated[k]);
      PetscBool ok = (PetscBool)(g >= o->g0 && g < o->g0 + o->nl);
      if (ok) o->treated[g - o->g0] = PETSC_TRUE;
      PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "segment_treated = '%.64s' is not one of the levels of segment_levels", treated[k]);
      PetscCall(PetscFree(treated[k]));
    }
  PetscCall(VfeCementSpecFromOptions(&o->spec));
  PetscCheck(o->spec.pattern == VFE_CEMENT_NONE || o->spec.pattern == VFE_CEMENT_COMPACT ||
                 o->spec.pattern == VFE_CEMENT_BIPEDICULAR,
             PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "cement_pattern: mesh_geometry surfaces places none, compact or bipedicular cement");
  PetscCheck(o->spec.leak == VFE_LEAK_NONE, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "cement_leak: mesh_geometry surfaces models no leak (allowed: none)");
  o->h = 2.0, o->vox = 0.5, o->tc = 0.5, o->te = 0.5, o->tp = 2.0, o->embed = 15.0, o->order = 1;
  PetscCall(VfeMeshOptionReal("mesh_size_mm", &o->h, NULL));
  PetscCheck(o->h >= 0.3 && o->h <= 20, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "mesh_size_mm = %g is out of range: allowed 0.3..20 mm with mesh_geometry surfaces", (double)o->h);
  PetscCall(VfeMeshOptionReal("surfaces_voxel_mm", &o->vox, NULL));
  PetscCall(VfeMeshOptionReal("surfaces_cortex_mm", &o->tc, NULL));
  PetscCall(VfeMeshOptionReal("surfaces_endplate_mm", &o->te, NULL));
  PetscCall(VfeMeshOptionReal("surfaces_plate_mm", &o->tp, NULL));
  PetscCall(VfeMeshOptionReal("surfaces_plate_embed_mm", &o->embed, NULL));
  PetscCall(VfeMeshOptionInt("mesh_order", &o->order, NULL));
  PetscCall(VfeMeshOptionBool("mesh_verbose", &o->verbose, NULL));
  o->gap = 1.0;
  PetscCall(VfeMeshOptionBool("surfaces_posterior_elements", &o->posterior, NULL));
  PetscCall(VfeMeshOptionReal("surfaces_facet_gap_mm", &o->gap, NULL));
  o->gap = PetscMax(o->gap, 2 * o->vox);
  PetscFunctionReturn(0);
}

/* ---------- input files ---------- */

/* the whole file in memory (NUL-terminated) */
static PetscErrorCode SFSlurp(const char *path, const char *what, char **buf, size_t *len)
{
  FILE *f = fopen(path, "rb");
  long n;

  PetscFunctionBeginUser;
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s: cannot open %s (surfaces_dir)", what, path);
  if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
    fclose(f);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read %s", what, path);
  }
  if (n > (1L << 30)) {
    fclose(f);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s is larger than 1 GiB", what, path);
  }
  if (PetscMalloc1((size_t)n + 1, buf)) {
    fclose(f);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory reading %s", path);
  }
  if (fread(*buf, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    PetscCall(PetscFree(*buf));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s: cannot read %s", what, path);
  }
  fclose(f);
  (*buf)[n] = 0;
  *len      = (size_t)n;
  PetscFunctionReturn(0);
}

/* artisynth (x anterior, y left, z superior: right-handed) to vfe (x left, y anterior, z cranial): left stays left */
static void SFToVfe(const double a[3], PetscReal X[3])
{
  X[0] = a[1], X[1] = a[0], X[2] = a[2];
}

typedef struct {
  PetscReal x[3];
  PetscInt i;
} SFVert;

static int SFCmpVert(const void *pa, const void *pb)
{
  const SFVert *a = (const SFVert *)pa, *b = (const SFVert *)pb;
  for (int k = 0; k < 3; ++k)
    if (a->x[k] != b->x[k]) return a->x[k] < b->x[k] ? -1 : 1;
  return 0;
}

static int SFCmpEdge(const void *pa, const void *pb)
{
  const PetscInt *a = (const PetscInt *)pa, *b = (const PetscInt *)pb;
  if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* closed: after welding equal vertices, every edge of a non-degenerate triangle belongs to exactly two */
static PetscErrorCode SFCheckClosed(const char *path, const SFSurf *S)
{
  SFVert *V;
  PetscInt *id, *E, ne = 0, nv = 0, bad = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(3 * S->nt, &V, 3 * S->nt, &id, 6 * S->nt, &E));
  for (PetscInt j = 0; j < 3 * S->nt; ++j) {
    for (int k = 0; k < 3; ++k) V[j].x[k] = S->x[3 * j + k];
    V[j].i = j;
  }
  qsort(V, (size_t)(3 * S->nt), sizeof V[0], SFCmpVert);
  for (PetscInt j = 0; j < 3 * S->nt; ++j) {
    if (j && SFCmpVert(&V[j], &V[j - 1])) ++nv;
    id[V[j].i] = nv;
  }
  for (PetscInt t = 0; t < S->nt; ++t) {
    const PetscInt a = id[3 * t], b = id[3 * t + 1], c = id[3 * t + 2];
    const PetscInt e[3][2] = {{a, b}, {b, c}, {c, a}};
    if (a == b || b == c || a == c) continue;
    for (int k = 0; k < 3; ++k) {
      E[2 * ne] = PetscMin(e[k][0], e[k][1]), E[2 * ne + 1] = PetscMax(e[k][0], e[k][1]);
      ++ne;
    }
  }
  qsort(E, (size_t)ne, 2 * sizeof E[0], SFCmpEdge);
  for (PetscInt i = 0; i < ne;) {
    PetscInt j = i + 1;
    while (j < ne && E[2 * j] == E[2 * i] && E[2 * j + 1] == E[2 * i + 1]) ++j;
    bad += j - i != 2;
    i = j;
  }
  PetscCall(PetscFree3(V, id, E));
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "%s: the surface is not closed (%" PetscInt_FMT
             " edges do not belong to exactly two triangles): a vertebral body must be a closed surface",
             path, bad);
  PetscFunctionReturn(0);
}

/* binary STL when its size is 84 + 50 n for the n in its header, else ASCII (solid / facet / vertex) */
static PetscErrorCode SFReadSTL(const char *path, SFSurf *S)
{
  char *buf;
  size_t len;
  PetscInt cap = 0, nv = 0;

  PetscFunctionBeginUser;
  PetscCall(SFSlurp(path, "surfaces_dir", &buf, &len));
  S->x = NULL, S->nt = 0, S->volume = 0;
  if (len >= 84) {
    uint32_t n;
    memcpy(&n, buf + 80, 4);
    if ((size_t)84 + (size_t)50 * n == len) {
      S->nt = (PetscInt)n;
      PetscCall(PetscMalloc1(9 * S->nt + 1, &S->x));
      for (PetscInt t = 0; t < S->nt; ++t)
        for (int v = 0; v < 3; ++v) {
          float f[3];
          double a[3];
          memcpy(f, buf + 84 + 50 * (size_t)t + 12 + 12 * v, 12);
          for (int k = 0; k < 3; ++k) a[k] = f[k];
          SFToVfe(a, S->x + 9 * t + 3 * v);
        }
    }
  }
  if (!S->x) {
    const char *p = buf;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') ++p;
    if (strncmp(p, "solid", 5) || memchr(buf, 0, len)) {
      PetscCall(PetscFree(buf));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
              "%s is not an STL file (binary: its size does not match its triangle count; ASCII: it does not start "
              "with 'solid')",
              path);
    }
    while ((p = strstr(p, "vertex"))) {
      double a[3];
      char *end;
      p += 6;
      for (int k = 0; k < 3; ++k) {
        a[k] = strtod(p, &end);
        if (end == p) {
          PetscCall(PetscFree(buf));
          PetscCall(PetscFree(S->x));
          SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: corrupt ASCII STL (a vertex without 3 numbers)",
                  path);
        }
        p = end;
      }
      if (nv == cap) {
        PetscReal *x2;
        cap = cap ? 2 * cap : 3072;
        PetscCall(PetscMalloc1(3 * cap, &x2));
        if (nv) PetscCall(PetscArraycpy(x2, S->x, 3 * nv));
        PetscCall(PetscFree(S->x));
        S->x = x2;
      }
      SFToVfe(a, S->x + 3 * nv++);
    }
    PetscCheck(nv % 3 == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: corrupt ASCII STL (%" PetscInt_FMT " vertices, not 3 per facet)", path, nv);
    S->nt = nv / 3;
  }
  PetscCall(PetscFree(buf));
  PetscCheck(S->nt >= 4, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: %" PetscInt_FMT " triangles: not a closed surface", path, S->nt);
  for (PetscInt j = 0; j < 9 * S->nt; ++j)
    PetscCheck(PetscIsNormalReal(S->x[j]) || S->x[j] == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: a vertex coordinate is not a finite number", path);
  PetscCall(SFCheckClosed(path, S));
  /* divergence theorem: V = sum a.(b x c) / 6 */
  for (PetscInt t = 0; t < S->nt; ++t) {
    const PetscReal *a = S->x + 9 * t, *b = a + 3, *c = a + 6;
    S->volume +=
        (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0])) /
        6;
  }
  S->volume = PetscAbsReal(S->volume);
  PetscFunctionReturn(0);
}

/* whitespace-separated tokens of a legacy VTK file */
typedef struct {
  char *p;
  const char *path;
} SFTok;

static const char *SFNext(SFTok *T)
{
  char *s;
  while (*T->p == ' ' || *T->p == '\t' || *T->p == '\r' || *T->p == '\n') ++T->p;
  if (!*T->p) return NULL;
  s = T->p;
  while (*T->p && *T->p != ' ' && *T->p != '\t' && *T->p != '\r' && *T->p != '\n') ++T->p;
  if (*T->p) *T->p++ = 0;
  return s;
}

static PetscBool SFNextIs(SFTok *T, const char *word)
{
  const char *s = SFNext(T);
  return (PetscBool)(s && !strcmp(s, word));
}

static PetscBool SFNextLong(SFTok *T, long lo, long hi, long *v)
{
  const char *s = SFNext(T);
  char *end;
  if (!s) return PETSC_FALSE;
  *v = strtol(s, &end, 10);
  return (PetscBool)(!*end && end != s && *v >= lo && *v <= hi);
}

static PetscBool SFNextReal(SFTok *T, double *v)
{
  const char *s = SFNext(T);
  char *end;
  if (!s) return PETSC_FALSE;
  *v = strtod(s, &end);
  return (PetscBool)(!*end && end != s && isfinite(*v));
}

/* trilinear shape functions of the VTK hexahedron at xi in [0,1]^3 and their derivatives */
static void SFHexShape(const PetscReal xi[3], PetscReal N[8], PetscReal dN[8][3])
{
  static const int c[8][3] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}, {0, 0, 1}, {1, 0, 1}, {1, 1, 1}, {0, 1, 1}};
  for (int a = 0; a < 8; ++a) {
    PetscReal f[3], d[3];
    for (int k = 0; k < 3; ++k) f[k] = c[a][k] ? xi[k] : 1 - xi[k], d[k] = c[a][k] ? 1 : -1;
    N[a]     = f[0] * f[1] * f[2];
    dN[a][0] = d[0] * f[1] * f[2], dN[a][1] = f[0] * d[1] * f[2], dN[a][2] = f[0] * f[1] * d[2];
  }
}

static PetscReal SFDet3(const PetscReal J[3][3])
{
  return J[0][0] * (J[1][1] * J[2][2] - J[1][2] * J[2][1]) - J[0][1] * (J[1][0] * J[2][2] - J[1][2] * J[2][0]) +
         J[0][2] * (J[1][0] * J[2][1] - J[1][1] * J[2][0]);
}

/* x(xi) and J = dx/dxi of cell c */
static void SFHexMap(const SFDisc *D, PetscInt c, const PetscReal xi[3], PetscReal x[3], PetscReal J[3][3])
{
  PetscReal N[8], dN[8][3];
  SFHexShape(xi, N, dN);
  for (int i = 0; i < 3; ++i) {
    x[i] = 0;
    for (int k = 0; k < 3; ++k) J[i][k] = 0;
  }
  for (int a = 0; a < 8; ++a) {
    const PetscReal *p = D->x + 3 * D->c[8 * c + a];
    for (int i = 0; i < 3; ++i) {
      x[i] += N[a] * p[i];
      for (int k = 0; k < 3; ++k) J[i][k] += p[i] * dN[a][k];
    }
  }
}

static PetscErrorCode SFReadVTK(const char *path, SFDisc *D)
{
  char *buf;
  size_t len;
  SFTok T;
  long n, nc, size, v;
  const char *s;
  PetscBool ok;

  PetscFunctionBeginUser;
  PetscCall(SFSlurp(path, "surfaces_dir", &buf, &len));
  PetscCall(PetscMemzero(D, sizeof *D));
#define VTKCHECK(cond, what)                                                                                           \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      PetscCall(PetscFree(buf));                                                                                       \
      PetscCall(PetscFree(D->x));                                                                                      \
      PetscCall(PetscFree2(D->c, D->part));                                                                            \
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not a legacy VTK hex8 disc mesh of vfe's kind (%s)",    \
              path, what);                                                                                             \
    }                                                                                                                  \
  } while (0)
  VTKCHECK(len > 23 && !strncmp(buf, "# vtk DataFile Version", 22) && memchr(buf, 0, len) == NULL,
           "no '# vtk DataFile Version' header");
  T.p = strchr(buf, '\n'), T.path = path;
  VTKCHECK(T.p, "header");
  T.p = strchr(T.p + 1, '\n'); /* the title line */
  VTKCHECK(T.p, "no title line");
  VTKCHECK(SFNextIs(&T, "ASCII"), "only ASCII legacy VTK is read");
  VTKCHECK(SFNextIs(&T, "DATASET") && SFNextIs(&T, "UNSTRUCTURED_GRID"), "expected DATASET UNSTRUCTURED_GRID");
  VTKCHECK(SFNextIs(&T, "POINTS") && SFNextLong(&T, 8, 100000000, &n), "expected POINTS <n>");
  s = SFNext(&T);
  VTKCHECK(s && (!strcmp(s, "double") || !strcmp(s, "float")), "POINTS must be double or float");
  D->nv = (PetscInt)n;
  PetscCall(PetscMalloc1(3 * D->nv, &D->x));
  for (PetscInt i = 0; i < D->nv; ++i) {
    double a[3];
    ok = PETSC_TRUE;
    for (int k = 0; k < 3; ++k) ok = (PetscBool)(ok && SFNextReal(&T, &a[k]));
    VTKCHECK(ok, "a point without three finite coordinates");
    SFToVfe(a, D->x + 3 * i);
  }
  VTKCHECK(SFNextIs(&T, "CELLS") && SFNextLong(&T, 1, 100000000, &nc) && SFNextLong(&T, 9 * nc, 9 * nc, &size),
           "expected CELLS <n> <9n> (hexahedra only)");
  D->nc = (PetscInt)nc;
  PetscCall(PetscMalloc2(8 * D->nc, &D->c, D->nc, &D->part));
  for (PetscInt c = 0; c < D->nc; ++c) {
    VTKCHECK(SFNextLong(&T, 8, 8, &v), "a cell that is not a hexahedron of 8 nodes");
    for (int a = 0; a < 8; ++a) {
      VTKCHECK(SFNextLong(&T, 0, n - 1, &v), "a cell node index out of range");
      D->c[8 * c + a] = (PetscInt)v;
    }
  }
  VTKCHECK(SFNextIs(&T, "CELL_TYPES") && SFNextLong(&T, nc, nc, &v), "expected CELL_TYPES <n>");
  for (PetscInt c = 0; c < D->nc; ++c) VTKCHECK(SFNextLong(&T, 12, 12, &v), "a cell type other than 12 (hexahedron)");
  VTKCHECK(SFNextIs(&T, "CELL_DATA") && SFNextLong(&T, nc, nc, &v), "expected CELL_DATA <n>");
  VTKCHECK(SFNextIs(&T, "SCALARS") && SFNextIs(&T, "part"), "expected SCALARS part");
  s = SFNext(&T);
  VTKCHECK(s && (!strcmp(s, "int") || !strcmp(s, "long") || !strcmp(s, "short") || !strcmp(s, "char") ||
                 !strcmp(s, "unsigned_char")),
           "SCALARS part must be an integer type");
  s = SFNext(&T);
  if (s && !strcmp(s, "1")) s = SFNext(&T);
  VTKCHECK(s && !strcmp(s, "LOOKUP_TABLE") && SFNext(&T), "expected LOOKUP_TABLE");
  for (PetscInt c = 0; c < D->nc; ++c) {
    VTKCHECK(SFNextLong(&T, 0, 4, &v), "a part value other than 0 (nucleus) .. 4 (outer annulus)");
    D->part[c] = (int)v;
  }
  /* volume by 2x2x2 Gauss quadrature of det J; every cell must be positive or every cell negative */
  {
    PetscReal pos = 0, neg = 0;
    const PetscReal g[2] = {0.5 - 0.5 / PetscSqrtReal(3.0), 0.5 + 0.5 / PetscSqrtReal(3.0)};
    for (PetscInt c = 0; c < D->nc; ++c) {
      PetscReal vc = 0;
      for (int q = 0; q < 8; ++q) {
        const PetscReal xi[3] = {g[q & 1], g[q >> 1 & 1], g[q >> 2 & 1]};
        PetscReal x[3], J[3][3];
        SFHexMap(D, c, xi, x, J);
        vc += SFDet3(J) / 8;
      }
      if (vc > 0)
        pos += vc;
      else
        neg -= vc;
    }
    VTKCHECK(pos == 0 || neg == 0, "inverted hexahedra: cells of both orientations");
    D->volume = pos + neg;
  }
#undef VTKCHECK
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

/* ---------- rasterisation ---------- */

typedef struct {
  PetscInt col;
  PetscReal z;
} SFHit;

static int SFCmpHit(const void *pa, const void *pb)
{
  const SFHit *a = (const SFHit *)pa, *b = (const SFHit *)pb;
  if (a->col != b->col) return a->col < b->col ? -1 : 1;
  return a->z < b->z ? -1 : a->z > b->z;
}

/* voxels of G inside the closed surface S (ray parity along Z) and still 0 get label */
static PetscErrorCode SFRasterSurface(SFGrid *G, const SFSurf *S, unsigned char label, const char *path)
{
  const PetscReal v = G->v, dx = 0.7071067e-6 * v, dy = 0.3183099e-6 * v;
  SFHit *H;
  PetscInt nh = 0, cap = 4096;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(cap, &H));
  for (PetscInt t = 0; t < S->nt; ++t) {
    const PetscReal *a = S->x + 9 * t, *b = a + 3, *c = a + 6;
    const PetscReal d = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1]);
    PetscReal xmin = PetscMin(a[0], PetscMin(b[0], c[0])), xmax = PetscMax(a[0], PetscMax(b[0], c[0]));
    PetscReal ymin = PetscMin(a[1], PetscMin(b[1], c[1])), ymax = PetscMax(a[1], PetscMax(b[1], c[1]));
    PetscInt i0, i1, j0, j1;
    if (d == 0) continue; /* parallel to the rays */
    i0 = PetscMax(0, (PetscInt)PetscCeilReal((xmin - G->o[0] - dx) / v));
    i1 = PetscMin(G->N[0] - 1, (PetscInt)PetscFloorReal((xmax - G->o[0] - dx) / v));
    j0 = PetscMax(0, (PetscInt)PetscCeilReal((ymin - G->o[1] - dy) / v));
    j1 = PetscMin(G->N[1] - 1, (PetscInt)PetscFloorReal((ymax - G->o[1] - dy) / v));
    for (PetscInt j = j0; j <= j1; ++j)
      for (PetscInt i = i0; i <= i1; ++i) {
        const PetscReal px = G->o[0] + i * v + dx, py = G->o[1] + j * v + dy;
        const PetscReal l0 = ((b[1] - c[1]) * (px - c[0]) + (c[0] - b[0]) * (py - c[1])) / d;
        const PetscReal l1 = ((c[1] - a[1]) * (px - c[0]) + (a[0] - c[0]) * (py - c[1])) / d;
        const PetscReal l2 = 1 - l0 - l1;
        if (l0 < 0 || l1 < 0 || l2 < 0) continue;
        if (nh == cap) {
          SFHit *h2;
          cap *= 2;
          PetscCall(PetscMalloc1(cap, &h2));
          PetscCall(PetscArraycpy(h2, H, nh));
          PetscCall(PetscFree(H));
          H = h2;
        }
        H[nh].col = i + G->N[0] * j, H[nh].z = l0 * a[2] + l1 * b[2] + l2 * c[2];
        ++nh;
      }
  }
  qsort(H, (size_t)nh, sizeof H[0], SFCmpHit);
  for (PetscInt s = 0; s < nh;) {
    PetscInt e = s;
    while (e < nh && H[e].col == H[s].col) ++e;
    if ((e - s) % 2) {
      PetscCall(PetscFree(H));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
              "%s: a line crosses the surface an odd number of times (self-intersecting or not closed)", path);
    }
    for (PetscInt m = s; m < e; m += 2) {
      const PetscInt k0 = PetscMax(0, (PetscInt)PetscCeilReal((H[m].z - G->o[2]) / v));
      const PetscInt k1 = PetscMin(G->N[2] - 1, (PetscInt)PetscFloorReal((H[m + 1].z - G->o[2]) / v));
      for (PetscInt k = k0; k <= k1; ++k) {
        unsigned char *L = &G->lab[H[s].col + G->N[0] * G->N[1] * k];
        if (!*L) *L = label;
      }
    }
    s = e;
  }
  PetscCall(PetscFree(H));
  PetscFunctionReturn(0);
}

/* voxels of G inside a cell of D and still 0 get the disc's nucleus or annulus label */
static void SFRasterDisc(SFGrid *G, const SFDisc *D, int j)
{
  const PetscReal v = G->v;
  for (PetscInt c = 0; c < D->nc; ++c) {
    PetscReal lo[3], hi[3];
    PetscInt a0[3], a1[3];
    for (int k = 0; k < 3; ++k) lo[k] = PETSC_MAX_REAL, hi[k] = -PETSC_MAX_REAL;
    for (int a = 0; a < 8; ++a)
      for (int k = 0; k < 3; ++k) {
        const PetscReal x = D->x[3 * D->c[8 * c + a] + k];
        lo[k] = PetscMin(lo[k], x), hi[k] = PetscMax(hi[k], x);
      }
    for (int k = 0; k < 3; ++k) {
      a0[k] = PetscMax(0, (PetscInt)PetscCeilReal((lo[k] - G->o[k]) / v));
      a1[k] = PetscMin(G->N[k] - 1, (PetscInt)PetscFloorReal((hi[k] - G->o[k]) / v));
    }
    for (PetscInt kk = a0[2]; kk <= a1[2]; ++kk)
      for (PetscInt jj = a0[1]; jj <= a1[1]; ++jj)
        for (PetscInt ii = a0[0]; ii <= a1[0]; ++ii) {
          unsigned char *L     = &G->lab[ii + G->N[0] * (jj + G->N[1] * kk)];
          const PetscReal p[3] = {G->o[0] + ii * v, G->o[1] + jj * v, G->o[2] + kk * v};
          PetscReal xi[3] = {0.5, 0.5, 0.5}, x[3], J[3][3], r[3], err = 0;
          if (*L) continue;
          /* Newton on x(xi) = p */
          for (int it = 0; it < 20; ++it) {
            PetscReal det, dxi[3], Jm[3][3];
            SFHexMap(D, c, xi, x, J);
            err = 0;
            for (int k = 0; k < 3; ++k) r[k] = p[k] - x[k], err += r[k] * r[k];
            if (err < 1e-20) break;
            det = SFDet3(J);
            if (det == 0) break;
            for (int col = 0; col < 3; ++col) {
              for (int a = 0; a < 3; ++a)
                for (int b = 0; b < 3; ++b) Jm[a][b] = b == col ? r[a] : J[a][b];
              dxi[col] = SFDet3(Jm) / det;
            }
            for (int k = 0; k < 3; ++k) xi[k] += PetscMax(-0.5, PetscMin(0.5, dxi[k]));
          }
          if (err > 1e-16) continue;
          if (xi[0] < -1e-9 || xi[0] > 1 + 1e-9 || xi[1] < -1e-9 || xi[1] > 1 + 1e-9 || xi[2] < -1e-9 ||
              xi[2] > 1 + 1e-9)
            continue;
          *L = (unsigned char)(D->part[c] == 0 ? SF_NUC(j) : SF_ANN(j));
        }
  }
}

static int SFLevelOf(int c)
{
  return c >= 1 && c <= 6 ? c - 1 : c >= 7 && c <= 12 ? c - 7 : -1;
}

static int SFDiscOf(int c)
{
  return c >= 13 && c <= 22 ? (c - 13) / 2 : -1;
}
static int SFPostOf(int c)
{
  return c >= SF_POST(0) && c < SF_POST(SF_MAXLEV) ? c - SF_POST(0) : -1;
}
/* the vertebra (level) of a bone class: body, cement or posterior elements; -1 otherwise */
static int SFVertebraOf(int c)
{
  return SFPostOf(c) >= 0 ? SFPostOf(c) : SFLevelOf(c);
}

/* ---------- cement ---------- */

/* eigenvalues and eigenvectors (columns of E) of the symmetric 3x3 A (cyclic Jacobi) */
static void SFJacobi(PetscReal A[3][3], PetscReal lam[3], PetscReal E[3][3])
{
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) E[i][j] = i == j;
  for (int sweep = 0; sweep < 50; ++sweep) {
    PetscReal off = PetscAbsReal(A[0][1]) + PetscAbsReal(A[0][2]) + PetscAbsReal(A[1][2]);
    if (off < 1e-14 * (PetscAbsReal(A[0][0]) + PetscAbsReal(A[1][1]) + PetscAbsReal(A[2][2]))) break;
    for (int p = 0; p < 2; ++p)
      for (int q = p + 1; q < 3; ++q) {
        PetscReal th, t, c, s;
        if (A[p][q] == 0) continue;
        th = (A[q][q] - A[p][p]) / (2 * A[p][q]);
        t  = (th >= 0 ? 1 : -1) / (PetscAbsReal(th) + PetscSqrtReal(th * th + 1));
        c = 1 / PetscSqrtReal(t * t + 1), s = t * c;
        for (int k = 0; k < 3; ++k) { /* A <- A G */
          const PetscReal akp = A[k][p], akq = A[k][q];
          A[k][p] = c * akp - s * akq, A[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 3; ++k) { /* A <- G^T A */
          const PetscReal apk = A[p][k], aqk = A[q][k];
          A[p][k] = c * apk - s * aqk, A[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 3; ++k) {
          const PetscReal ekp = E[k][p], ekq = E[k][q];
          E[k][p] = c * ekp - s * ekq, E[k][q] = s * ekp + c * ekq;
        }
      }
  }
  for (int i = 0; i < 3; ++i) lam[i] = A[i][i];
}

/* the ellipsoids of the pattern in the body's principal frame, scaled by s */
typedef struct {
  PetscInt n;
  PetscReal c[2][3], r[2][3], e[3][3]; /* centres, semi-axes along the principal axes e[.][i] (columns) */
} SFShape;

static PetscBool SFInShape(const SFShape *sh, PetscReal s, const PetscReal p[3])
{
  for (PetscInt b = 0; b < sh->n; ++b) {
    PetscReal q = 0;
    for (int i = 0; i < 3; ++i) {
      PetscReal u = 0;
      for (int k = 0; k < 3; ++k) u += (p[k] - sh->c[b][k]) * sh->e[k][i];
      u /= s * sh->r[b][i];
      q += u * u;
    }
    if (q <= 1) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

/* cement voxels of level l (labels SF_BODY(l) -> SF_CEM(l)) for a voxel fill target; *fill_vox what it made */
static PetscErrorCode SFPlaceCement(const SFOpts *o, SFGrid *G, int l, PetscReal target, PetscReal *fill_vox)
{
  const size_t nvox = (size_t)G->N[0] * G->N[1] * G->N[2];
  const PetscReal v = G->v, depth = PetscMax(o->tc, o->te);
  double *g;
  PetscInt *idx, nb = 0, ni = 0, want, n_hi = 0;
  PetscReal c[3] = {0, 0, 0}, C[3][3] = {{0}}, lam[3], r[3], s_lo = 0, s_hi = 1;
  SFShape sh;
  int lat = 0, up = 0;

  PetscFunctionBeginUser;
  for (size_t w = 0; w < nvox; ++w)
    if (G->lab[w] == SF_CEM(l)) G->lab[w] = (unsigned char)SF_BODY(l);
  PetscCall(PetscMalloc1(nvox, &g));
  for (size_t w = 0; w < nvox; ++w) g[w] = G->lab[w] == SF_BODY(l) ? 1e20 : 0, nb += G->lab[w] == SF_BODY(l);
  {
    const PetscReal sp[3] = {v, v, v};
    PetscCall(VfeCTEdt(G->N, sp, g));
  }
  PetscCall(PetscMalloc1(nb, &idx));
  for (size_t w = 0; w < nvox; ++w)
    if (G->lab[w] == SF_BODY(l) && PetscSqrtReal(g[w]) - 0.5 * v >= depth) idx[ni++] = (PetscInt)w;
  /* PCA of all the body's voxel centres */
  for (size_t w = 0; w < nvox; ++w)
    if (G->lab[w] == SF_BODY(l)) {
      const PetscInt i = (PetscInt)(w % G->N[0]), j = (PetscInt)(w / G->N[0] % G->N[1]),
                     k     = (PetscInt)(w / ((size_t)G->N[0] * G->N[1]));
      const PetscReal p[3] = {G->o[0] + i * v, G->o[1] + j * v, G->o[2] + k * v};
      for (int a = 0; a < 3; ++a) {
        c[a] += p[a];
        for (int b = 0; b < 3; ++b) C[a][b] += p[a] * p[b];
      }
    }
  PetscCall(PetscFree(g));
  for (int a = 0; a < 3; ++a) c[a] /= nb;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) C[a][b] = C[a][b] / nb - c[a] * c[b];
  SFJacobi(C, lam, sh.e);
  for (int i = 0; i < 3; ++i) {
    r[i] = PetscSqrtReal(5 * PetscMax(lam[i], 0));
    if (PetscAbsReal(sh.e[0][i]) > PetscAbsReal(sh.e[0][lat])) lat = i;
    if (PetscAbsReal(sh.e[2][i]) > PetscAbsReal(sh.e[2][up])) up = i;
  }
  if (up == lat) up = (lat + 1) % 3;
  if (o->spec.pattern == VFE_CEMENT_COMPACT) {
    sh.n = 1;
    for (int i = 0; i < 3; ++i) sh.c[0][i] = c[i], sh.r[0][i] = r[i];
  } else {
    const PetscReal off = o->spec.offset >= 0 ? o->spec.offset : 0.45 * r[lat];
    sh.n                = 2;
    for (int b = 0; b < 2; ++b)
      for (int i = 0; i < 3; ++i) {
        sh.c[b][i] = c[i] + (b ? -off : off) * sh.e[i][lat];
        sh.r[b][i] = (i == lat ? 0.55 : i == up ? 0.95 : 0.85) * r[i];
      }
  }
  want = (PetscInt)PetscFloorReal(target * nb + 0.5);
  PetscCheck(want >= 1 && want <= ni, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "cement_fill_ratio = %g cannot be met in %s: its cancellous interior (deeper than %g mm) holds %.3f of "
             "the body at %g mm voxels",
             (double)o->spec.fill, sf_lvl[o->g0 + l], (double)depth, (double)ni / nb, (double)v);
  /* smallest s whose shape holds at least want interior voxels */
  for (;;) {
    n_hi = 0;
    for (PetscInt m = 0; m < ni; ++m) {
      const PetscInt w = idx[m], i = w % G->N[0], j = w / G->N[0] % G->N[1], k = w / (G->N[0] * G->N[1]);
      const PetscReal p[3] = {G->o[0] + i * v, G->o[1] + j * v, G->o[2] + k * v};
      n_hi += SFInShape(&sh, s_hi, p);
    }
    if (n_hi >= want) break;
    s_lo = s_hi, s_hi *= 2;
    PetscCheck(s_hi < 1e3, PETSC_COMM_SELF, PETSC_ERR_LIB, "cement placement did not converge");
  }
  for (int it = 0; it < 60 && s_hi - s_lo > 1e-9 * s_hi; ++it) {
    const PetscReal s = 0.5 * (s_lo + s_hi);
    PetscInt n        = 0;
    for (PetscInt m = 0; m < ni; ++m) {
      const PetscInt w = idx[m], i = w % G->N[0], j = w / G->N[0] % G->N[1], k = w / (G->N[0] * G->N[1]);
      const PetscReal p[3] = {G->o[0] + i * v, G->o[1] + j * v, G->o[2] + k * v};
      n += SFInShape(&sh, s, p);
    }
    if (n >= want)
      s_hi = s, n_hi = n;
    else
      s_lo = s;
  }
  for (PetscInt m = 0; m < ni; ++m) {
    const PetscInt w = idx[m], i = w % G->N[0], j = w / G->N[0] % G->N[1], k = w / (G->N[0] * G->N[1]);
    const PetscReal p[3] = {G->o[0] + i * v, G->o[1] + j * v, G->o[2] + k * v};
    if (SFInShape(&sh, s_hi, p)) G->lab[w] = (unsigned char)SF_CEM(l);
  }
  *fill_vox = (PetscReal)n_hi / nb;
  PetscCall(PetscFree(idx));
  PetscFunctionReturn(0);
}

/* ---------- the build on rank 0 ---------- */

static int SFCmpReal(const void *a, const void *b)
{
  const PetscReal x = *(const PetscReal *)a, y = *(const PetscReal *)b;
  return x < y ? -1 : x > y;
}

static void SFDiscName(int g, char *file, size_t flen, char *region, size_t rlen)
{
  /* artisynth's file names: L12 for L1-L2; T12-L1 would be T12L1 */
  if (g == 0)
    snprintf(file, flen, "T12L1");
  else
    snprintf(file, flen, "L%d%d", g, g + 1);
  snprintf(region, rlen, "%s%s", sf_lvl[g], sf_lvl[g + 1]);
}

/* the mid-sagittal plane of level l's body: the x of its centroid, and a band of 10 % of its width (at least 2.5 mm) */
static void SFLevelMidline(const CTMesh *M, int l, PetscReal *xc, PetscReal *band)
{
  PetscReal vol = 0, xlo = PETSC_MAX_REAL, xhi = -PETSC_MAX_REAL;
  *xc = 0;
  for (PetscInt t = 0; t < M->nt; ++t) {
    PetscReal qq, V, x = 0;
    if (SFLevelOf(M->cl[t]) != l) continue;
    V = VfeCTTetVolQ(M, t, &qq);
    for (int a = 0; a < 4; ++a) {
      const PetscReal xa = M->x[3 * M->t[4 * t + a]];
      x += 0.25 * xa, xlo = PetscMin(xlo, xa), xhi = PetscMax(xhi, xa);
    }
    *xc += V * x, vol += V;
  }
  *xc /= vol;
  *band = PetscMax(2.5, 0.1 * (xhi - xlo));
}

/* Facet joints (surfaces_posterior_elements): per disc D between levels U and L, the free faces of U's posterior
   elements that lie within sd of L's (and L's within sd of U's; not on them), on either side of U's mid-sagittal plane:
   groups 4 j + 2 side + w (side 0 left, +x; w 0: U's faces, <D>.facet_<side>_upper; 1: L's, _lower) */
static PetscErrorCode SFFacetFaces(const SFOpts *o, const CTMesh *M, const CTSurf *PF, const int *pflev, PetscInt npf,
                                   PetscReal sd, CTSurf **FF, int **fgrp, PetscInt *nff)
{
  CTSurf *sub;
  unsigned char *zero;

  PetscFunctionBeginUser;
  *nff = 0;
  PetscCall(PetscMalloc2(2 * npf + 1, FF, 2 * npf + 1, fgrp));
  PetscCall(PetscMalloc1(npf + 1, &sub));
  PetscCall(PetscCalloc1(npf + 1, &zero));
  for (int j = 0; j + 1 < o->nl; ++j) {
    PetscReal xc, band;
    SFLevelMidline(M, j, &xc, &band);
    for (int w = 0; w < 2; ++w) {
      const int me = j + w, other = j + 1 - w;
      PetscInt nsub = 0;
      CTBins B;
      for (PetscInt i = 0; i < npf; ++i)
        if (pflev[i] == other) sub[nsub++] = PF[i];
      if (!nsub) continue;
      PetscCall(VfeCTBinsBuild(M, sub, nsub, sd, &B));
      for (PetscInt i = 0; i < npf; ++i) {
        PetscReal d2[3];
        if (pflev[i] != me) continue;
        VfeCTBinsDist2(&B, M, sub, zero, PF[i].c, d2);
        /* a face that coincides with one of the other level's (split nodes, SFSplitLevels) stays out: the mesh reader
           finds faces by their corners' coordinates and could not tell the two apart */
        if (d2[0] > sd * sd || d2[0] < 1e-12) continue;
        (*FF)[*nff] = PF[i], (*fgrp)[(*nff)++] = 4 * j + 2 * (PF[i].c[0] > xc ? 0 : 1) + w;
      }
      PetscCall(VfeCTBinsDestroy(&B));
    }
  }
  PetscCall(PetscFree(sub));
  PetscCall(PetscFree(zero));
  PetscFunctionReturn(0);
}

/* the node of level l's posterior free faces with the largest sg * x[axis] among those inside the box [lo, hi]; or
   (axis < 0) the one nearest to tgt; -1 if none */
static PetscInt SFPostNode(const CTMesh *M, const CTSurf *PF, const int *pflev, PetscInt npf, int l,
                           const PetscReal lo[3], const PetscReal hi[3], int axis, PetscReal sg, const PetscReal tgt[3])
{
  PetscInt best = -1;
  PetscReal bv  = -PETSC_MAX_REAL;
  for (PetscInt i = 0; i < npf; ++i) {
    if (pflev[i] != l) continue;
    for (int a = 0; a < 3; ++a) {
      const PetscReal *x = M->x + 3 * PF[i].v[a];
      PetscReal v;
      if (x[0] < lo[0] || x[0] > hi[0] || x[1] < lo[1] || x[1] > hi[1] || x[2] < lo[2] || x[2] > hi[2]) continue;
      v = axis >= 0 ? sg * x[axis] : -(PetscSqr(x[0] - tgt[0]) + PetscSqr(x[1] - tgt[1]) + PetscSqr(x[2] - tgt[2]));
      if (v > bv) bv = v, best = PF[i].v[a];
    }
  }
  return best;
}

/* The posterior ligaments' attachment points of disc D (index j, between levels U = j and L = j + 1) on the posterior
   elements from the whole-vertebra surfaces, by landmarks of each level's posterior free surface, in the level's
   mid-sagittal band (SFLevelMidline) unless said:
     SSL: the spinous process's tip (the most posterior node);
     LF: the lamina, the last 5 mm in front of the most anterior posterior-element node that lies 3 mm or more behind
   the body's posterior wall: U's lowest node there, L's highest; ISL: the spinous process between its tip and half-way
   to that lamina front: U's lowest node, L's highest; ITL_left / _right: the transverse processes' tips (the most
   lateral nodes); CL_left / _right: the node nearest to 3 mm beyond the centroid of the level's facet faces of that
   side (above for U, below for L); left out where the joint has no facet faces. Each name as on the parametric segment:
   <D>.<LIG>_upper on U, _lower on L. */
static PetscErrorCode SFPosteriorLigamentPoints(const CTMesh *M, const CTSurf *S, const int *slev, PetscInt ns,
                                                const CTSurf *PF, const int *pflev, PetscInt npf, const CTSurf *FF,
                                                const int *fgrp, PetscInt nff, int j, const char *disc, int *npt,
                                                char name[][VFE_NAME_LEN], PetscInt node[])
{
  static const char *const side[2] = {"left", "right"};
  const PetscReal big              = PETSC_MAX_REAL;

  PetscFunctionBeginUser;
  for (int w = 0; w < 2; ++w) {
    const int l = j + w;
    PetscReal xc, band, yb = big, ytip, ylam, lo[3], hi[3];
    PetscInt nd[7], lam;
    const char *lig[7] = {"SSL", "LF", "ISL", "ITL_left", "ITL_right", "CL_left", "CL_right"};
    SFLevelMidline(M, l, &xc, &band);
    for (PetscInt i = 0; i < ns; ++i)
      if (slev[i] == l)
        for (int a = 0; a < 3; ++a) {
          const PetscReal *x = M->x + 3 * S[i].v[a];
          if (PetscAbsReal(x[0] - xc) <= band) yb = PetscMin(yb, x[1]);
        }
    lo[0] = xc - band, hi[0] = xc + band, lo[1] = lo[2] = -big, hi[1] = hi[2] = big;
    nd[0] = SFPostNode(M, PF, pflev, npf, l, lo, hi, 1, -1, NULL);
    hi[1] = yb - 3;
    lam   = SFPostNode(M, PF, pflev, npf, l, lo, hi, 1, 1, NULL);
    PetscCheck(nd[0] >= 0 && lam >= 0 && yb < big, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "surfaces_posterior_elements: %s has no posterior elements in its mid-sagittal plane behind the body "
               "(no spinous process or lamina)",
               disc);
    ytip = M->x[3 * nd[0] + 1], ylam = M->x[3 * lam + 1];
    lo[1] = ylam - 5, hi[1] = ylam;
    nd[1] = SFPostNode(M, PF, pflev, npf, l, lo, hi, 2, w ? 1 : -1, NULL);
    lo[1] = ytip, hi[1] = 0.5 * (ytip + ylam);
    nd[2] = SFPostNode(M, PF, pflev, npf, l, lo, hi, 2, w ? 1 : -1, NULL);
    lo[0] = lo[1] = lo[2] = -big, hi[0] = hi[1] = hi[2] = big;
    nd[3] = SFPostNode(M, PF, pflev, npf, l, lo, hi, 0, 1, NULL);
    nd[4] = SFPostNode(M, PF, pflev, npf, l, lo, hi, 0, -1, NULL);
    for (int sd = 0; sd < 2; ++sd) {
      PetscReal c[3] = {0, 0, 0}, a = 0;
      for (PetscInt i = 0; i < nff; ++i)
        if (fgrp[i] == 4 * j + 2 * sd + w)
          for (int k = 0; k < 3; ++k) c[k] += FF[i].area * FF[i].c[k], a += k ? 0 : FF[i].area;
      nd[5 + sd] = -1;
      if (a <= 0) {
        PetscCall(PetscInfo(NULL, "surfaces: %s has no %s facet faces: no CL there\n", disc, side[sd]));
        continue;
      }
      for (int k = 0; k < 3; ++k) c[k] /= a;
      c[2] += w ? -3 : 3;
      nd[5 + sd] = SFPostNode(M, PF, pflev, npf, l, lo, hi, -1, 0, c);
    }
    for (int k = 0; k < 7; ++k) {
      if (nd[k] < 0) continue;
      PetscCheck(*npt < 18 * (SF_MAXLEV - 1), PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many attachment points");
      PetscCall(PetscSNPrintf(name[*npt], VFE_NAME_LEN, "%s.%s_%s", disc, lig[k], w ? "lower" : "upper"));
      PetscCall(PetscInfo(NULL, "surfaces: %s at node %" PetscInt_FMT " (%g, %g, %g)\n", name[*npt], nd[k],
                          (double)M->x[3 * nd[k]], (double)M->x[3 * nd[k] + 1], (double)M->x[3 * nd[k] + 2]));
      node[(*npt)++] = nd[k];
    }
  }
  PetscFunctionReturn(0);
}

/* ALL and PLL attachment points, `<disc>.ALL_upper` / `_lower` and `<disc>.PLL_upper` / `_lower` (app/structures.c
   joins each pair by a tension-only ligament): per disc, on the upper body VFE_LIG_ATTACH_OFF_MM above the rim of its
   inferior endplate and on the lower body as far below the rim of its superior endplate (the parametric segment's
   rule, mesh/posterior.c), in the body's mid-sagittal plane (its centroid's x, within a band of 10 % of its width, at
   least 2.5 mm), at the anterior (ALL) or posterior (PLL) edge of the endplate faces that touch the disc.  Each point
   is the node of the body's exterior surface nearest to that spot (the ligament's end spreads over the body's nodes
   around it, app/structures.c).  With posterior elements (npf > 0) the other seven follow
   (SFPosteriorLigamentPoints). */
static PetscErrorCode SFLigamentPoints(const SFOpts *o, const CTMesh *M, const CTSurf *S, const unsigned char *flag,
                                       const int *slev, PetscInt ns, const CTSurf *PF, const int *pflev, PetscInt npf,
                                       const CTSurf *FF, const int *fgrp, PetscInt nff, int *npt,
                                       char name[][VFE_NAME_LEN], PetscInt node[])
{
  PetscFunctionBeginUser;
  *npt = 0;
  for (int j = 0; j < o->nl - 1; ++j) {
    char file[16], disc[16];
    SFDiscName(o->g0 + j, file, sizeof file, disc, sizeof disc);
    for (int w = 0; w < 2; ++w) { /* 0: the upper body (level j), its inferior endplate; 1: the lower, its superior */
      const int l            = j + w;
      const unsigned char ep = w ? 2 : 4;
      PetscReal xc, band;
      SFLevelMidline(M, l, &xc, &band);
      for (int k = 0; k < 2; ++k) { /* 0: ALL, the anterior (+y) edge; 1: PLL, the posterior */
        const PetscReal sg = k ? -1 : 1;
        PetscReal edge = -PETSC_MAX_REAL, zr = 0, tgt[3], dmin = PETSC_MAX_REAL;
        PetscInt best = -1;
        for (PetscInt i = 0; i < ns; ++i) {
          if (slev[i] != l || !(flag[i] & ep)) continue;
          for (int a = 0; a < 3; ++a) {
            const PetscReal *x = M->x + 3 * S[i].v[a];
            if (PetscAbsReal(x[0] - xc) <= band && sg * x[1] > edge) edge = sg * x[1], zr = x[2];
          }
        }
        PetscCheck(edge > -PETSC_MAX_REAL, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                   "the surfaces mesh: %s's endplate towards %s has no face in its mid-sagittal plane",
                   sf_lvl[o->g0 + l], disc);
        tgt[0] = xc, tgt[1] = sg * edge, tgt[2] = zr + (w ? -1 : 1) * VFE_LIG_ATTACH_OFF_MM;
        for (PetscInt i = 0; i < ns; ++i) {
          if (slev[i] != l || S[i].other != 0 || (flag[i] & 64)) continue; /* the body's free surface */
          for (int a = 0; a < 3; ++a) {
            const PetscReal *x = M->x + 3 * S[i].v[a];
            const PetscReal d2 = PetscSqr(x[0] - tgt[0]) + PetscSqr(x[1] - tgt[1]) + PetscSqr(x[2] - tgt[2]);
            if (d2 < dmin) dmin = d2, best = S[i].v[a];
          }
        }
        PetscCheck(best >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "the surfaces mesh: %s has no free surface",
                   sf_lvl[o->g0 + l]);
        PetscCall(PetscSNPrintf(name[*npt], VFE_NAME_LEN, "%s.%s_%s", disc, k ? "PLL" : "ALL", w ? "lower" : "upper"));
        PetscCall(PetscInfo(NULL, "surfaces: %s at node %" PetscInt_FMT " (%g, %g, %g), %g mm from (%g, %g, %g)\n",
                            name[*npt], best, (double)M->x[3 * best], (double)M->x[3 * best + 1],
                            (double)M->x[3 * best + 2], (double)PetscSqrtReal(dmin), (double)tgt[0], (double)tgt[1],
                            (double)tgt[2]));
        node[(*npt)++] = best;
      }
    }
    if (npf)
      PetscCall(SFPosteriorLigamentPoints(M, S, slev, ns, PF, pflev, npf, FF, fgrp, nff, j, disc, npt, name, node));
  }
  PetscFunctionReturn(0);
}

/* The mesher resolves a gap only down to about its surface tolerance (a quarter of mesh_size_mm): where a facet gap is
   narrower, two vertebrae's bones (body, cement, posterior elements) can share a node.  Each such node is split, one
   copy per level, so that the joint stays two surfaces in contact (with no gap there), not a bond.  nsplit: the copies
   made. */
static PetscErrorCode SFSplitLevels(CTMesh *M, PetscInt *nsplit)
{
  int *own, *own2;
  PetscInt *copy, nextra = 0;
  PetscReal *x;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(M->nv, &own, M->nv, &own2, M->nv, &copy));
  for (PetscInt v = 0; v < M->nv; ++v) own[v] = own2[v] = -1, copy[v] = -1;
  for (PetscInt t = 0; t < M->nt; ++t) {
    const int l = SFVertebraOf(M->cl[t]);
    if (l < 0) continue;
    for (int a = 0; a < 4; ++a) {
      const PetscInt v = M->t[4 * t + a];
      if (own[v] < 0)
        own[v] = l;
      else if (own[v] != l && own2[v] < 0)
        own2[v] = l, copy[v] = M->nv + nextra++;
      PetscCheck(own[v] == l || own2[v] == l, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "the surfaces mesh joins three vertebrae at one node: lower mesh_size_mm or raise "
                 "surfaces_facet_gap_mm");
    }
  }
  *nsplit = nextra;
  if (nextra) {
    PetscCall(PetscMalloc1(3 * (M->nv + nextra), &x));
    PetscCall(PetscArraycpy(x, M->x, 3 * M->nv));
    for (PetscInt v = 0; v < M->nv; ++v)
      if (copy[v] >= 0)
        for (int k = 0; k < 3; ++k) x[3 * copy[v] + k] = M->x[3 * v + k];
    PetscCall(PetscFree(M->x));
    M->x = x;
    for (PetscInt t = 0; t < M->nt; ++t) {
      const int l = SFVertebraOf(M->cl[t]);
      if (l < 0) continue;
      for (int a = 0; a < 4; ++a)
        if (own2[M->t[4 * t + a]] == l) M->t[4 * t + a] = copy[M->t[4 * t + a]];
    }
    M->nv += nextra;
  }
  PetscCall(PetscFree3(own, own2, copy));
  PetscFunctionReturn(0);
}

/* one mesh of the label image with its regions, faces and measures; fills rep (regions, volumes, cement) */
static PetscErrorCode SFMeshAndMeasure(const SFOpts *o, const SFGrid *G, PetscInt plane, int treated, const char *path,
                                       PetscBool write, VfeSegmentReport rep, PetscReal *fill_mesh)
{
  VfeCgalMesh cm;
  CTMesh M;
  CTPair *pairs = NULL;
  CTSurf *S = NULL, *PF = NULL;
  int *pflev          = NULL;
  PetscInt npf        = 0;
  unsigned char *flag = NULL, *mark = NULL;
  int *slev = NULL, slot_of[SF_NSLOT], slot[SF_NSLOT], nreg = 0;
  PetscInt npairs, ns = 0;
  PetscReal *q, zlo, zhi, mid, vbody = 0, cen[3] = {0, 0, 0}, side[2] = {0, 0};
  char names[SF_NSLOT][VFE_NAME_LEN], err[256] = "";
  long n[3]             = {(long)G->N[0], (long)G->N[1], (long)G->N[2]};
  const PetscReal sp[3] = {G->v, G->v, G->v};
  const int nl = o->nl, bottom = nl - 1;
  uint64_t hash = 1469598103934665603ULL;
  PetscLogDouble t0, t1;
  int rc;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&M, sizeof M));
  PetscCall(PetscMemzero(rep->surf_contact, sizeof rep->surf_contact));
  PetscCall(PetscTime(&t0));
  rc = VfeCgalMeshLabelsFine(G->lab, n, sp, o->h, 0.25 * o->h, o->h, 3.0, 1, o->verbose, G->fine,
                             G->fine ? o->h / PetscMin(o->h, 0.75 * o->gap) : 1, &cm, err, sizeof err);
  PetscCheck(rc != 2, PETSC_COMM_SELF, PETSC_ERR_MEM, "surfaces mesher (CGAL): %s (mesh_size_mm = %g)", err,
             (double)o->h);
  PetscCheck(!rc, PETSC_COMM_SELF, PETSC_ERR_LIB, "surfaces mesher (CGAL) failed: %s", err);
  PetscCall(PetscTime(&t1));
  rep->t_volume += t1 - t0;
  M.nv = (PetscInt)cm.nv, M.nt = (PetscInt)cm.nt;
  PetscCall(PetscMalloc1(3 * M.nv, &M.x));
  PetscCall(PetscMalloc3(4 * M.nt, &M.t, M.nt, &M.cl, M.nt, &M.reg));
  for (PetscInt j = 0; j < 3 * M.nv; ++j) M.x[j] = cm.xyz[j];
  for (PetscInt j = 0; j < 4 * M.nt; ++j) M.t[j] = (PetscInt)cm.tet[j];
  for (PetscInt t = 0; t < M.nt; ++t) M.cl[t] = (unsigned char)cm.label[t];
  VfeCgalMeshFree(&cm);
  PetscCheck(M.nt > 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "the surfaces mesher made no tetrahedra");
  if (o->posterior) PetscCall(SFSplitLevels(&M, &rep->surf_split_nodes));

  /* faces between classes; the plate's top plane snapped flat (index coordinates), then world mm.  CGAL places
     surface vertices by bisection to a relative error of the domain's size (about a quarter voxel here): a boundary
     face of the plate with every node within 0.45 voxel of the plane is on it */
  PetscCall(VfeCTFacePairs(&M, &pairs, &npairs));
  PetscCall(PetscCalloc1(npairs, &flag));
  for (PetscInt i = 0; i < npairs; ++i) {
    const CTPair *p = &pairs[i];
    PetscBool on    = PETSC_TRUE;
    if (p->t2 >= 0 || M.cl[p->t1] != SF_PLATE) continue;
    for (int k = 0; k < 3; ++k) on = (PetscBool)(on && PetscAbsReal(M.x[3 * p->a[k] + 2] - (plane + 0.5)) < 0.45);
    if (!on) continue;
    flag[i] |= 8 | 32;
    for (int k = 0; k < 3; ++k) M.x[3 * p->a[k] + 2] = plane + 0.5;
  }
  for (PetscInt j = 0; j < M.nv; ++j)
    for (int k = 0; k < 3; ++k) M.x[3 * j + k] = G->o[k] + G->v * M.x[3 * j + k];
  PetscCall(PetscMalloc1(M.nt, &q));
  for (PetscInt t = 0; t < M.nt; ++t) {
    PetscReal V = VfeCTTetVolQ(&M, t, &q[t]);
    if (V < 0) {
      const PetscInt tmp = M.t[4 * t + 2];
      M.t[4 * t + 2] = M.t[4 * t + 3], M.t[4 * t + 3] = tmp;
      V = VfeCTTetVolQ(&M, t, &q[t]);
    }
    PetscCheck(q[t] > 1e-8, PETSC_COMM_SELF, PETSC_ERR_LIB,
               "degenerate tetrahedron %" PetscInt_FMT " (quality %g) in the surfaces mesh: try another mesh_size_mm",
               t, (double)q[t]);
  }
  /* the bottom body's height range (its inferior surface is fixed_bottom) */
  zlo = PETSC_MAX_REAL, zhi = -PETSC_MAX_REAL;
  for (PetscInt t = 0; t < M.nt; ++t)
    if (SFLevelOf(M.cl[t]) == bottom)
      for (int a = 0; a < 4; ++a)
        zlo = PetscMin(zlo, M.x[3 * M.t[4 * t + a] + 2]), zhi = PetscMax(zhi, M.x[3 * M.t[4 * t + a] + 2]);
  mid = 0.5 * (zlo + zhi);

  /* body faces: flag bit 1 any, 2 superior endplate, 4 inferior endplate, 8 plate plane, 32 load_top, 64
     fixed_bottom; slev the level whose face it is (-1: the plate's top) */
  PetscCall(PetscMalloc2(2 * npairs, &S, 2 * npairs, &slev));
  {
    unsigned char *f2;
    PetscCall(PetscMalloc1(2 * npairs, &f2));
    for (PetscInt i = 0; i < npairs; ++i) {
      const CTPair *p      = &pairs[i];
      const int c[2]       = {M.cl[p->t1], p->t2 >= 0 ? M.cl[p->t2] : 0};
      const PetscInt tt[2] = {p->t1, p->t2};
      PetscBool any        = PETSC_FALSE;
      for (int sd = 0; sd < 2; ++sd) {
        const int l = SFLevelOf(c[sd]), lo = SFLevelOf(c[1 - sd]), other = c[1 - sd];
        unsigned char f = 1;
        if (l < 0 || l == lo) continue;
        VfeCTSurfMake(&M, p, tt[sd], other, &S[ns]);
        if ((l == 0 && other == SF_PLATE) || (l > 0 && SFDiscOf(other) == l - 1)) f |= 2;
        if (l < bottom && SFDiscOf(other) == l) f |= 4;
        if (l == bottom && other == 0 && S[ns].n[2] <= -0.5 && S[ns].c[2] <= mid) f |= 4 | 64;
        /* disc contact areas: with the body above (0) and below (1) */
        if (SFDiscOf(other) == l - 1) rep->surf_contact[l - 1][1] += S[ns].area;
        if (SFDiscOf(other) == l) rep->surf_contact[l][0] += S[ns].area;
        slev[ns] = l, f2[ns++] = f, any = PETSC_TRUE;
      }
      if (!any && (flag[i] & 8)) {
        VfeCTSurfMake(&M, p, p->t1, 0, &S[ns]);
        slev[ns] = -1, f2[ns++] = flag[i];
      }
    }
    PetscCall(PetscFree(flag));
    flag = f2;
  }
  if (o->posterior) { /* the posterior elements' free faces (facet joints, ligament landmarks) */
    for (PetscInt i = 0; i < npairs; ++i) npf += pairs[i].t2 < 0 && SFPostOf(M.cl[pairs[i].t1]) >= 0;
    PetscCall(PetscMalloc2(npf + 1, &PF, npf + 1, &pflev));
    npf = 0;
    for (PetscInt i = 0; i < npairs; ++i) {
      if (pairs[i].t2 >= 0 || SFPostOf(M.cl[pairs[i].t1]) < 0) continue;
      VfeCTSurfMake(&M, &pairs[i], pairs[i].t1, 0, &PF[npf]);
      pflev[npf++] = SFPostOf(M.cl[pairs[i].t1]);
    }
  }
  PetscCall(PetscFree(pairs));

  /* region slots */
  for (int k = 0; k < SF_NSLOT; ++k) slot[k] = -1;
  for (int l = 0; l < nl; ++l)
    for (int s = 0; s < S_PER_LEVEL; ++s) {
      if (s == S_CEM && (!o->treated[l] || o->spec.pattern == VFE_CEMENT_NONE)) continue;
      if (s == S_POST && !o->posterior) continue;
      slot[l * S_PER_LEVEL + s] = nreg, slot_of[nreg] = l * S_PER_LEVEL + s;
      PetscCall(PetscSNPrintf(names[nreg++], VFE_NAME_LEN, "%s.%s", sf_lvl[o->g0 + l], sf_suffix[s]));
    }
  for (int j = 0; j < nl - 1; ++j) {
    char file[16], region[16];
    SFDiscName(o->g0 + j, file, sizeof file, region, sizeof region);
    for (int s = 0; s < 2; ++s) {
      slot[SF_SLOT_DISC(j) + s] = nreg, slot_of[nreg] = SF_SLOT_DISC(j) + s;
      PetscCall(PetscSNPrintf(names[nreg++], VFE_NAME_LEN, "%s.%s", region, s ? "annulus" : "nucleus"));
    }
  }
  slot[SF_SLOT_PLATE] = nreg, slot_of[nreg] = SF_SLOT_PLATE;
  PetscCall(PetscStrncpy(names[nreg++], "load_plate", VFE_NAME_LEN));

  /* layers, level by level */
  {
    const PetscReal r = PetscMax(o->tc, o->te), te2 = o->te * o->te * (1 + 1e-6), tc2 = o->tc * o->tc * (1 + 1e-6);
    CTSurf *bs;
    unsigned char *bf;
    PetscCall(PetscMalloc2(ns + 1, &bs, ns + 1, &bf));
    for (PetscInt t = 0; t < M.nt; ++t) {
      const int c = M.cl[t];
      if (c == SF_PLATE)
        M.reg[t] = SF_SLOT_PLATE;
      else if (SFDiscOf(c) >= 0)
        M.reg[t] = SF_SLOT_DISC(SFDiscOf(c)) + (c == SF_ANN(SFDiscOf(c)));
      else if (c >= 7 && c <= 12)
        M.reg[t] = (c - 7) * S_PER_LEVEL + S_CEM;
      else if (SFPostOf(c) >= 0)
        M.reg[t] = SFPostOf(c) * S_PER_LEVEL + S_POST;
      else
        M.reg[t] = -1;
    }
    for (int l = 0; l < nl; ++l) {
      CTBins B;
      PetscInt nb = 0;
      for (PetscInt i = 0; i < ns; ++i)
        if (slev[i] == l) bs[nb] = S[i], bf[nb++] = flag[i];
      PetscCheck(nb > 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "the surfaces mesh has no surface of %s", sf_lvl[o->g0 + l]);
      PetscCall(VfeCTBinsBuild(&M, bs, nb, r, &B));
      for (PetscInt t = 0; t < M.nt; ++t) {
        PetscReal cc[3] = {0, 0, 0}, d2[3];
        if (M.cl[t] != SF_BODY(l)) continue;
        for (int a = 0; a < 4; ++a)
          for (int k = 0; k < 3; ++k) cc[k] += 0.25 * M.x[3 * M.t[4 * t + a] + k];
        VfeCTBinsDist2(&B, &M, bs, bf, cc, d2);
        if (d2[1] <= te2 || d2[2] <= te2)
          M.reg[t] = l * S_PER_LEVEL + (d2[1] <= d2[2] ? S_EPS : S_EPI);
        else if (d2[0] <= tc2)
          M.reg[t] = l * S_PER_LEVEL + S_CORT;
        else
          M.reg[t] = l * S_PER_LEVEL + S_CANC;
      }
      PetscCall(VfeCTBinsDestroy(&B));
    }
    PetscCall(PetscFree2(bs, bf));
  }

  /* measures */
  rep->nregions = nreg;
  for (int k = 0; k < nreg; ++k) {
    PetscCall(PetscStrncpy(rep->region[k], names[k], VFE_NAME_LEN));
    rep->region_tets[k] = 0, rep->region_volume[k] = 0;
  }
  for (int p = 0; p < rep->surf_nparts; ++p) rep->surf_mesh_volume[p] = 0;
  PetscCall(PetscCalloc1(M.nv, &mark));
  for (PetscInt t = 0; t < M.nt; ++t) {
    const int k = M.reg[t] >= 0 ? slot[M.reg[t]] : -1, c = M.cl[t];
    PetscReal qq, V = VfeCTTetVolQ(&M, t, &qq), xc[3] = {0, 0, 0};
    PetscCheck(k >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "tetrahedron %" PetscInt_FMT " (class %d) has no region", t, c);
    rep->region_tets[k]++, rep->region_volume[k] += V;
    if (SFLevelOf(c) >= 0) rep->surf_mesh_volume[SFLevelOf(c)] += V;
    if (SFDiscOf(c) >= 0) rep->surf_mesh_volume[nl + SFDiscOf(c)] += V;
    for (int a = 0; a < 4; ++a)
      for (int d = 0; d < 3; ++d) xc[d] += 0.25 * M.x[3 * M.t[4 * t + a] + d];
    if (treated >= 0 && SFLevelOf(c) == treated) {
      vbody += V;
      for (int d = 0; d < 3; ++d) cen[d] += V * xc[d];
    }
    if (treated >= 0 && c == SF_CEM(treated))
      for (int a = 0; a < 4; ++a) mark[M.t[4 * t + a]] = 1;
  }
  for (int k = 0; k < nreg; ++k) {
    const int s = slot_of[k] < SF_MAXLEV * S_PER_LEVEL ? slot_of[k] % S_PER_LEVEL : -1;
    PetscCheck(rep->region_tets[k] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "the surfaces mesh has no tetrahedron in %s at mesh_size_mm = %g%s", names[k], (double)o->h,
               s == S_CORT                ? ": raise surfaces_cortex_mm or lower mesh_size_mm"
               : s == S_EPS || s == S_EPI ? ": raise surfaces_endplate_mm or lower mesh_size_mm"
               : s == S_CANC              ? ": the body is thinner than its layers"
               : s == S_CEM               ? ": the cement is smaller than the mesh (lower mesh_size_mm)"
                                          : ": lower mesh_size_mm or surfaces_voxel_mm");
  }
  *fill_mesh = 0;
  if (treated >= 0) {
    for (int d = 0; d < 3; ++d) cen[d] /= vbody;
    rep->body_volume          = vbody;
    rep->touches_endplate_sup = rep->touches_endplate_inf = PETSC_FALSE;
    rep->cement_volume                                    = 0;
    for (PetscInt t = 0; t < M.nt; ++t) {
      PetscReal qq, V, xc = 0;
      if (M.cl[t] != SF_CEM(treated)) continue;
      V = VfeCTTetVolQ(&M, t, &qq);
      for (int a = 0; a < 4; ++a) xc += 0.25 * M.x[3 * M.t[4 * t + a]];
      rep->cement_volume += V;
      side[xc > cen[0]] += V;
    }
    rep->cement_region_volume = rep->cement_volume;
    rep->fill_ratio           = rep->cement_volume / vbody;
    rep->larger_side_ratio    = PetscMax(side[0], side[1]) / vbody;
    for (PetscInt t = 0; t < M.nt; ++t)
      for (int a = 0; a < 4; ++a)
        if (mark[M.t[4 * t + a]]) {
          if (M.reg[t] == treated * S_PER_LEVEL + S_EPS) rep->touches_endplate_sup = PETSC_TRUE;
          if (M.reg[t] == treated * S_PER_LEVEL + S_EPI) rep->touches_endplate_inf = PETSC_TRUE;
        }
    *fill_mesh = rep->fill_ratio;
  } else {
    PetscReal vb = 0;
    for (PetscInt t = 0; t < M.nt; ++t)
      if (SFLevelOf(M.cl[t]) == (nl - 1) / 2) {
        PetscReal qq;
        vb += VfeCTTetVolQ(&M, t, &qq);
      }
    rep->body_volume = vb;
  }
  PetscCall(PetscFree(mark));
  rep->load_top_area = rep->fixed_bottom_area = 0;
  for (PetscInt i = 0; i < ns; ++i) {
    if (flag[i] & 32) rep->load_top_area += S[i].area;
    if (flag[i] & 64) rep->fixed_bottom_area += S[i].area;
  }
  PetscCheck(rep->load_top_area > 0 && rep->fixed_bottom_area > 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "the surfaces mesh has no %s faces", rep->load_top_area > 0 ? "fixed_bottom" : "load_top");
  qsort(q, (size_t)M.nt, sizeof q[0], SFCmpReal);
  rep->quality_min = q[0];
  rep->quality_p01 = q[(size_t)(0.01 * M.nt)];
  PetscCall(PetscFree(q));
  rep->nnodes = M.nv, rep->ntets = M.nt;
  for (PetscInt j = 0; j < 3 * M.nv; ++j) {
    const long long r = llround(M.x[j] * 1e9);
    hash              = VfeCTFnv(hash, &r, sizeof r);
  }
  for (int k = 0; k < nreg; ++k) {
    hash = VfeCTFnv(hash, &k, sizeof k);
    for (PetscInt t = 0; t < M.nt; ++t)
      if (M.reg[t] == slot_of[k]) hash = VfeCTFnv(hash, M.t + 4 * t, 4 * sizeof(PetscInt));
  }
  rep->hash = hash;
  if (write) {
    char ptname[18 * (SF_MAXLEV - 1)][VFE_NAME_LEN], fgname[4 * (SF_MAXLEV - 1)][VFE_NAME_LEN];
    PetscInt ptnode[18 * (SF_MAXLEV - 1)], nff = 0;
    CTSurf *FF = NULL;
    int npt, *fgrp = NULL;
    if (o->posterior) {
      PetscCall(SFFacetFaces(o, &M, PF, pflev, npf, o->gap + 1.5, &FF, &fgrp, &nff));
      for (int j = 0; j + 1 < o->nl; ++j) {
        char file[16], disc[16];
        SFDiscName(o->g0 + j, file, sizeof file, disc, sizeof disc);
        for (int k = 0; k < 4; ++k)
          PetscCall(PetscSNPrintf(fgname[4 * j + k], VFE_NAME_LEN, "%s.facet_%s_%s", disc, k / 2 ? "right" : "left",
                                  k % 2 ? "lower" : "upper"));
      }
    }
    PetscCall(SFLigamentPoints(o, &M, S, flag, slev, ns, PF, pflev, npf, FF, fgrp, nff, &npt, ptname, ptnode));
    PetscCall(VfeCTWriteMsh(path, &M, nreg, slot_of, (const char(*)[VFE_NAME_LEN])names, S, flag, ns, nff, FF, fgrp,
                            o->posterior ? 4 * (o->nl - 1) : 0, (const char(*)[VFE_NAME_LEN])fgname, npt,
                            (const char(*)[VFE_NAME_LEN])ptname, ptnode));
    PetscCall(PetscFree2(FF, fgrp));
  }
  PetscCall(PetscFree2(PF, pflev));
  PetscCall(PetscFree(flag));
  PetscCall(PetscFree2(S, slev));
  PetscCall(VfeCTMeshDestroy(&M));
  PetscFunctionReturn(0);
}

/* the six face neighbours of voxel w that lie inside the box n (strides st): their indices in nb; returns how many */
static int SFNeighbours6(size_t w, const PetscInt n[3], const PetscInt st[3], size_t nb[6])
{
  const PetscInt ijk[3] = {(PetscInt)(w % (size_t)st[1]), (PetscInt)(w / (size_t)st[1] % (size_t)n[1]),
                           (PetscInt)(w / (size_t)st[2])};
  int m                 = 0;
  for (int k = 0; k < 3; ++k)
    for (int sg = -1; sg <= 1; sg += 2)
      if (ijk[k] + sg >= 0 && ijk[k] + sg < n[k]) nb[m++] = (size_t)((PetscInt)w + sg * st[k]);
  return m;
}

/* Posterior elements (surfaces_posterior_elements) from the whole-vertebra surfaces W[l], on the label image that
   holds the bodies, discs and plate:
   1. each surface is rasterised into its own mask; where two neighbouring vertebrae's masks overlap (the shrink-wrapped
      facet joints of lumbar-artisynth interpenetrate), a voxel stays with the vertebra it lies deeper in (distance to
      the mask's outside), so that the joint surface runs through the middle of the overlap;
   2. the posterior elements of level l are its mask's voxels that nothing else holds;
   3. a gap is cut: voxels of l's posterior elements within gap/2 of another level's posterior elements (both sides cut:
      the facet gap), or within gap of another level's body, any disc or the plate, are removed;
   4. an opening of radius max(0.75 mm, one voxel) removes sheets thinner than about two voxels (the wrap lies slightly
      outside the body surface, so "vertebra less body" leaves a skin around the body);
   5. what is not connected (6-neighbours) to the level's own body is removed, so that nothing floats.
   post_vol[l]: the posterior voxels' volume per level. */
static PetscErrorCode SFPlacePosterior(const SFOpts *o, SFGrid *G, const SFSurf W[], PetscReal post_vol[])
{
  const size_t nv     = (size_t)G->N[0] * G->N[1] * G->N[2];
  const PetscInt n[3] = {G->N[0], G->N[1], G->N[2]}, st[3] = {1, G->N[0], G->N[0] * G->N[1]};
  const PetscReal sp[3] = {G->v, G->v, G->v}, g = o->gap, ro = PetscMax(0.75, G->v);
  const PetscReal tol = 1 + 1e-9, half2 = 0.25 * g * g * tol, g2 = g * g * tol, r2 = ro * ro * tol;
  const int nl = o->nl;
  unsigned char *wm, *pl, *cut;
  double *d, *e;
  size_t *queue;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc3(nv, &wm, nv, &pl, nv, &cut));
  PetscCall(PetscMalloc3(nv, &d, nv, &e, nv, &queue));
  for (int l = 0; l < nl; ++l) { /* 1: the masks (bit l) */
    SFGrid T = *G;
    char file[PETSC_MAX_PATH_LEN];
    PetscCall(PetscSNPrintf(file, sizeof file, "%s/stl_mm/%s_vertebra.stl", o->dir, sf_lvl[o->g0 + l]));
    PetscCall(PetscCalloc1(nv, &T.lab));
    PetscCall(SFRasterSurface(&T, &W[l], 1, file));
    for (size_t w = 0; w < nv; ++w)
      if (T.lab[w]) wm[w] |= (unsigned char)(1 << l);
    PetscCall(PetscFree(T.lab));
  }
  for (int l = 0; l + 1 < nl; ++l) { /* 1: overlaps of neighbours */
    const unsigned char a = (unsigned char)(1 << l), b = (unsigned char)(1 << (l + 1));
    size_t nov = 0;
    for (size_t w = 0; w < nv; ++w) nov += (wm[w] & a) && (wm[w] & b);
    if (!nov) continue;
    for (size_t w = 0; w < nv; ++w) d[w] = (wm[w] & a) ? 1e20 : 0, e[w] = (wm[w] & b) ? 1e20 : 0;
    PetscCall(VfeCTEdt(n, sp, d));
    PetscCall(VfeCTEdt(n, sp, e));
    for (size_t w = 0; w < nv; ++w)
      if ((wm[w] & a) && (wm[w] & b)) wm[w] &= (unsigned char)~(d[w] >= e[w] ? b : a);
  }
  for (size_t w = 0; w < nv; ++w) /* 2 */
    if (!G->lab[w])
      for (int l = 0; l < nl; ++l)
        if (wm[w] & (1 << l)) {
          pl[w] = (unsigned char)(l + 1);
          break;
        }
  for (int l = 0; l < nl; ++l) { /* 3: distances before any cut, so that both sides of a joint lose gap/2 */
    for (size_t w = 0; w < nv; ++w) {
      const int c = G->lab[w];
      d[w]        = (pl[w] && pl[w] != l + 1) ? 0 : 1e20;
      e[w]        = ((SFLevelOf(c) >= 0 && SFLevelOf(c) != l) || SFDiscOf(c) >= 0 || c == SF_PLATE) ? 0 : 1e20;
    }
    PetscCall(VfeCTEdt(n, sp, d));
    PetscCall(VfeCTEdt(n, sp, e));
    for (size_t w = 0; w < nv; ++w)
      if (pl[w] == l + 1 && (d[w] <= half2 || e[w] <= g2)) cut[w] = 1;
  }
  for (size_t w = 0; w < nv; ++w)
    if (cut[w]) pl[w] = 0;
  for (int l = 0; l < nl; ++l) {
    size_t head = 0, tail = 0, cnt = 0;
    for (size_t w = 0; w < nv; ++w) d[w] = pl[w] == l + 1 ? 1e20 : 0; /* 4: opening */
    PetscCall(VfeCTEdt(n, sp, d));
    for (size_t w = 0; w < nv; ++w) e[w] = (pl[w] == l + 1 && d[w] > r2) ? 0 : 1e20;
    PetscCall(VfeCTEdt(n, sp, e));
    for (size_t w = 0; w < nv; ++w)
      if (pl[w] == l + 1 && e[w] > r2) pl[w] = 0;
    /* 5: connected to the body (cut[] marks the voxels reached) */
    PetscCall(PetscArrayzero(cut, nv));
    for (size_t w = 0; w < nv; ++w) {
      size_t nb[6];
      const int m = pl[w] == l + 1 ? SFNeighbours6(w, n, st, nb) : 0;
      for (int i = 0; i < m; ++i)
        if (G->lab[nb[i]] == SF_BODY(l)) {
          cut[w] = 1, queue[tail++] = w;
          break;
        }
    }
    while (head < tail) {
      size_t nb[6];
      const int m = SFNeighbours6(queue[head++], n, st, nb);
      for (int i = 0; i < m; ++i)
        if (pl[nb[i]] == l + 1 && !cut[nb[i]]) cut[nb[i]] = 1, queue[tail++] = nb[i];
    }
    for (size_t w = 0; w < nv; ++w)
      if (pl[w] == l + 1) {
        if (cut[w])
          G->lab[w] = (unsigned char)SF_POST(l), cnt++;
        else
          pl[w] = 0;
      }
    post_vol[l] = (PetscReal)cnt * G->v * G->v * G->v;
    PetscCheck(cnt > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "surfaces_posterior_elements: %s_vertebra.stl leaves no posterior elements attached to the body (is it "
               "the body alone?)",
               sf_lvl[o->g0 + l]);
  }
  /* 6: the joints' zones, meshed at min(h, 0.75 gap) so that no tetrahedron spans the gap (the mesher gives a cell the
     label at its circumcentre, and a coarser cell of one side can reach the other side's surface): the voxels within
     gap + 1.5 mm of both neighbours' posterior elements */
  PetscCall(PetscCalloc1(nv, &G->fine));
  for (int l = 0; l + 1 < nl; ++l) {
    const PetscReal rf = PetscSqr(g + 1.5) * tol;
    for (size_t w = 0; w < nv; ++w)
      d[w] = G->lab[w] == SF_POST(l) ? 0 : 1e20, e[w] = G->lab[w] == SF_POST(l + 1) ? 0 : 1e20;
    PetscCall(VfeCTEdt(n, sp, d));
    PetscCall(VfeCTEdt(n, sp, e));
    for (size_t w = 0; w < nv; ++w)
      if (d[w] <= rf && e[w] <= rf) G->fine[w] = 1;
  }
  PetscCall(PetscFree3(wm, pl, cut));
  PetscCall(PetscFree3(d, e, queue));
  PetscFunctionReturn(0);
}

static PetscErrorCode SFBuildRank0(const char *path, VfeSegmentReport rep)
{
  SFOpts o;
  SFSurf B[SF_MAXLEV], W[SF_MAXLEV];
  SFDisc D[SF_MAXLEV - 1];
  SFGrid G;
  PetscReal lo[3], hi[3], fill_vox = 0, fill_mesh = 0, target;
  PetscInt np, tmin = PETSC_MAX_INT, tmax = -1, plane, pad = 3;
  PetscLogDouble t0, t1;
  size_t nvox;
  int treated = -1;
  char file[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(PetscTime(&t0));
  PetscCall(SFOptionsRead(&o));
  for (int l = 0; l < o.nl; ++l)
    if (o.treated[l] && treated < 0 && o.spec.pattern != VFE_CEMENT_NONE) treated = l;
  PetscCall(PetscStrncpy(rep->geometry, "surfaces", sizeof rep->geometry));
  PetscCall(PetscStrncpy(rep->surf_dir, o.dir, sizeof rep->surf_dir));
  PetscCall(PetscSNPrintf(rep->levels, sizeof rep->levels, "%s-%s", sf_lvl[o.g0], sf_lvl[o.g0 + o.nl - 1]));
  for (int l = 0; l < o.nl; ++l)
    if (o.treated[l]) {
      PetscCall(PetscStrncpy(rep->treated, sf_lvl[o.g0 + l], sizeof rep->treated));
      break;
    }
  {
    static const char *const pn[] = {"none", "compact", "bipedicular"};
    PetscCall(PetscStrncpy(rep->pattern,
                           pn[o.spec.pattern == VFE_CEMENT_NONE      ? 0
                              : o.spec.pattern == VFE_CEMENT_COMPACT ? 1
                                                                     : 2],
                           sizeof rep->pattern));
  }
  PetscCall(PetscStrncpy(rep->leak, "none", sizeof rep->leak));
  rep->fill_requested   = o.spec.pattern == VFE_CEMENT_NONE ? 0 : o.spec.fill;
  rep->diffuse_fraction = 1;
  rep->size_mm = o.h, rep->order = o.order, rep->mesh_threads = 1;
  rep->surf_voxel_mm = o.vox, rep->surf_cortex_mm = o.tc, rep->surf_endplate_mm = o.te;
  PetscCall(PetscStrncpy(rep->volume_mesher, "cgal (labelled image)", sizeof rep->volume_mesher));

  /* read: bodies, then discs */
  for (int k = 0; k < 3; ++k) lo[k] = PETSC_MAX_REAL, hi[k] = -PETSC_MAX_REAL;
  for (int l = 0; l < o.nl; ++l) {
    PetscCall(PetscSNPrintf(file, sizeof file, "%s/stl_mm/%s_vertebral_body.stl", o.dir, sf_lvl[o.g0 + l]));
    PetscCall(SFReadSTL(file, &B[l]));
    for (PetscInt j = 0; j < 3 * B[l].nt; ++j)
      for (int k = 0; k < 3; ++k)
        lo[k] = PetscMin(lo[k], B[l].x[3 * j + k]), hi[k] = PetscMax(hi[k], B[l].x[3 * j + k]);
    PetscCall(PetscStrncpy(rep->surf_part[l], sf_lvl[o.g0 + l], sizeof rep->surf_part[l]));
    rep->surf_source_volume[l] = B[l].volume;
    if (!o.posterior) continue;
    PetscCall(PetscSNPrintf(file, sizeof file, "%s/stl_mm/%s_vertebra.stl", o.dir, sf_lvl[o.g0 + l]));
    PetscCall(SFReadSTL(file, &W[l]));
    for (PetscInt j = 0; j < 3 * W[l].nt; ++j)
      for (int k = 0; k < 3; ++k)
        lo[k] = PetscMin(lo[k], W[l].x[3 * j + k]), hi[k] = PetscMax(hi[k], W[l].x[3 * j + k]);
  }
  for (int j = 0; j < o.nl - 1; ++j) {
    char dn[16], rn[16];
    SFDiscName(o.g0 + j, dn, sizeof dn, rn, sizeof rn);
    PetscCall(PetscSNPrintf(file, sizeof file, "%s/discs_mm/%s_disc_hex_mm.vtk", o.dir, dn));
    PetscCall(SFReadVTK(file, &D[j]));
    for (PetscInt i = 0; i < D[j].nv; ++i)
      for (int k = 0; k < 3; ++k)
        lo[k] = PetscMin(lo[k], D[j].x[3 * i + k]), hi[k] = PetscMax(hi[k], D[j].x[3 * i + k]);
    PetscCall(PetscStrncpy(rep->surf_part[o.nl + j], rn, sizeof rep->surf_part[0]));
    rep->surf_source_volume[o.nl + j] = D[j].volume;
  }
  rep->surf_nparts = 2 * o.nl - 1;

  /* the grid: the box of everything, padded, with room for the plate on top */
  np     = PetscMax(1, (PetscInt)PetscFloorReal(o.tp / o.vox + 0.5));
  G.v    = o.vox;
  G.fine = NULL;
  for (int k = 0; k < 3; ++k) {
    const PetscInt extra = k == 2 ? np : 0;
    G.o[k]               = lo[k] - pad * o.vox;
    G.N[k]               = (PetscInt)PetscCeilReal((hi[k] - lo[k]) / o.vox) + 1 + 2 * pad + extra;
  }
  nvox = (size_t)G.N[0] * G.N[1] * G.N[2];
  PetscCheck(nvox <= 300000000, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "surfaces_voxel_mm = %g makes %.3g voxels (more than 3e8): use a larger surfaces_voxel_mm", (double)o.vox,
             (double)nvox);
  for (int k = 0; k < 3; ++k) rep->surf_grid[k] = G.N[k];
  PetscCall(PetscCalloc1(nvox, &G.lab));
  for (int l = 0; l < o.nl; ++l) {
    PetscCall(PetscSNPrintf(file, sizeof file, "%s/stl_mm/%s_vertebral_body.stl", o.dir, sf_lvl[o.g0 + l]));
    PetscCall(SFRasterSurface(&G, &B[l], (unsigned char)SF_BODY(l), file));
    PetscCall(PetscFree(B[l].x));
  }
  for (int j = 0; j < o.nl - 1; ++j) {
    SFRasterDisc(&G, &D[j], j);
    PetscCall(PetscFree(D[j].x));
    PetscCall(PetscFree2(D[j].c, D[j].part));
  }
  /* close sub-voxel gaps between a body and a disc */
  {
    unsigned char *c2;
    const PetscInt st[3] = {1, G.N[0], G.N[0] * G.N[1]};
    PetscCall(PetscMalloc1(nvox, &c2));
    PetscCall(PetscArraycpy(c2, G.lab, nvox));
    for (PetscInt k = 1; k < G.N[2] - 1; ++k)
      for (PetscInt j = 1; j < G.N[1] - 1; ++j)
        for (PetscInt i = 1; i < G.N[0] - 1; ++i) {
          const PetscInt w = i + st[1] * j + st[2] * k;
          int disc = 0, body = 0;
          if (c2[w]) continue;
          for (int d = 0; d < 3; ++d)
            for (int sg = -1; sg <= 1; sg += 2) {
              const int c = c2[w + sg * st[d]];
              if (SFDiscOf(c) >= 0) disc = c;
              if (SFLevelOf(c) >= 0) body = 1;
            }
          if (disc && body) G.lab[w] = (unsigned char)disc, rep->surf_gap_voxels++;
        }
    PetscCall(PetscFree(c2));
  }
  /* every disc touches both its bodies; every part has voxels */
  {
    PetscInt touch[SF_MAXLEV - 1][2] = {{0}}, count[2 * SF_MAXLEV] = {0};
    PetscReal csum[2 * SF_MAXLEV][3] = {{0}};
    const PetscInt st[3]             = {1, G.N[0], G.N[0] * G.N[1]};
    for (size_t w = 0; w + (size_t)st[2] < nvox; ++w) {
      const int c = G.lab[w];
      const int p = SFLevelOf(c) >= 0 ? SFLevelOf(c) : SFDiscOf(c) >= 0 ? (int)o.nl + SFDiscOf(c) : -1;
      if (p >= 0) {
        const PetscInt ijk[3] = {(PetscInt)(w % (size_t)st[1]), (PetscInt)(w / (size_t)st[1] % (size_t)G.N[1]),
                                 (PetscInt)(w / (size_t)st[2])};
        count[p]++;
        for (int d = 0; d < 3; ++d) csum[p][d] += G.o[d] + G.v * ijk[d];
      }
      for (int d = 0; d < 3; ++d) {
        const int e = G.lab[w + st[d]];
        int a = SFDiscOf(c) >= 0 ? SFDiscOf(c) : SFDiscOf(e), b = SFDiscOf(c) >= 0 ? SFLevelOf(e) : SFLevelOf(c);
        if (a < 0 || b < 0) continue;
        if (b == a) touch[a][0]++;
        if (b == a + 1) touch[a][1]++;
      }
    }
    for (int p = 0; p < 2 * o.nl - 1; ++p) {
      rep->surf_voxel_volume[p] = count[p] * o.vox * o.vox * o.vox;
      for (int d = 0; d < 3; ++d) rep->surf_voxel_centroid[p][d] = count[p] ? csum[p][d] / count[p] : 0;
      PetscCheck(count[p] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "%s has no voxel at surfaces_voxel_mm = %g: is it smaller than a voxel?", rep->surf_part[p],
                 (double)o.vox);
    }
    for (int j = 0; j < o.nl - 1; ++j)
      PetscCheck(touch[j][0] > 0 && touch[j][1] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "disc %s does not touch %s in %s: the disc and body files are not of one segment",
                 rep->surf_part[o.nl + j], touch[j][0] ? sf_lvl[o.g0 + j + 1] : sf_lvl[o.g0 + j], o.dir);
  }
  /* load plate on the top body */
  {
    const PetscInt st2 = G.N[0] * G.N[1];
    for (PetscInt k = 0; k < G.N[2]; ++k)
      for (PetscInt w = 0; w < st2; ++w)
        if (G.lab[w + st2 * k] == SF_BODY(0)) tmin = PetscMin(tmin, k), tmax = PetscMax(tmax, k);
    plane = tmax + np;
    PetscCheck(plane < G.N[2], PETSC_COMM_SELF, PETSC_ERR_LIB, "no room for the load plate");
    for (PetscInt w = 0; w < st2; ++w) {
      PetscInt cmax = -1;
      for (PetscInt k = 0; k < G.N[2]; ++k)
        if (G.lab[w + st2 * k] == SF_BODY(0)) cmax = k;
      if (cmax < 0 || (tmax - cmax) * o.vox > o.embed + 1e-9) continue;
      for (PetscInt k = cmax + 1; k <= plane; ++k)
        if (!G.lab[w + st2 * k]) G.lab[w + st2 * k] = SF_PLATE;
    }
  }
  rep->surf_posterior = o.posterior, rep->surf_facet_gap_mm = o.posterior ? o.gap : 0;
  if (o.posterior) {
    PetscCall(SFPlacePosterior(&o, &G, W, rep->surf_posterior_volume));
    for (int l = 0; l < o.nl; ++l) PetscCall(PetscFree(W[l].x));
  }
  {
    size_t nin = 0;
    for (size_t w = 0; w < nvox; ++w) nin += G.lab[w] != 0;
    PetscCall(VfeMeshCheckElementCount(nin * o.vox * o.vox * o.vox * 1.3, o.h, 5, "surfaces"));
  }
  PetscCall(PetscTime(&t1));
  rep->t_geometry = t1 - t0;

  /* cement, mesh, and the fill correction */
  target = o.spec.fill;
  for (int pass = 1; pass <= 4; ++pass) {
    const PetscBool last = (PetscBool)(pass == 4);
    for (int l = 0; l < o.nl; ++l)
      if (o.treated[l] && o.spec.pattern != VFE_CEMENT_NONE) {
        PetscReal fv = 0;
        PetscCall(SFPlaceCement(&o, &G, l, target, &fv));
        if (l == treated) fill_vox = fv;
      }
    rep->remesh_passes = pass;
    PetscCall(
        SFMeshAndMeasure(&o, &G, plane, treated, path, PETSC_TRUE, rep, &fill_mesh)); /* the last pass's file stays */
    if (treated < 0 || PetscAbsReal(fill_mesh - o.spec.fill) <= 0.004 || last) break;
    target += o.spec.fill - fill_mesh;
  }
  PetscCheck(treated < 0 || PetscAbsReal(fill_mesh - o.spec.fill) <= 0.005, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "cement_fill_ratio = %g: the mesh holds %.4f after %" PetscInt_FMT " passes: lower mesh_size_mm",
             (double)o.spec.fill, (double)fill_mesh, rep->remesh_passes);
  rep->surf_fill_ratio_voxels = fill_vox;
  PetscCall(PetscFree(G.lab));
  PetscCall(PetscFree(G.fine));
  PetscCall(PetscTime(&t1));
  rep->t_rest       = t1 - t0 - rep->t_geometry - rep->t_volume;
  rep->mesh_seconds = t1 - t0;
  PetscFunctionReturn(0);
}

static PetscErrorCode SFBuild(const char *path, void *rep)
{
  return SFBuildRank0(path, (VfeSegmentReport)rep);
}

PetscErrorCode VfeSurfacesMesh(MPI_Comm comm, const char *msh_path, VfeSegmentReport *rep)
{
  PetscFunctionBeginUser;
  PetscCall(VfeMeshCheckGeometryKeys(comm, "surfaces"));
  PetscCall(VfeMeshBuildOnRank0(comm, "surfaces", SFBuild, msh_path, sizeof **rep, (void **)rep));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSurfacesReportView(VfeSegmentReport r, PetscViewer v)
{
  PetscFunctionBeginUser;
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "surfaces segment %s from %s, treated %s, cement %s, voxels %g mm (%" PetscInt_FMT
                                   " x %" PetscInt_FMT " x %" PetscInt_FMT "), mesh %g mm (order %" PetscInt_FMT ")\n",
                                   r->levels, r->surf_dir, r->treated, r->pattern, (double)r->surf_voxel_mm,
                                   r->surf_grid[0], r->surf_grid[1], r->surf_grid[2], (double)r->size_mm, r->order));
  for (PetscInt p = 0; p < r->surf_nparts; ++p)
    PetscCall(PetscViewerASCIIPrintf(v, "  %-6s source %9.1f mm3, voxels %9.1f (%+.2f %%), mesh %9.1f (%+.2f %%)\n",
                                     r->surf_part[p], (double)r->surf_source_volume[p], (double)r->surf_voxel_volume[p],
                                     (double)(100 * (r->surf_voxel_volume[p] / r->surf_source_volume[p] - 1)),
                                     (double)r->surf_mesh_volume[p],
                                     (double)(100 * (r->surf_mesh_volume[p] / r->surf_source_volume[p] - 1))));
  PetscCall(PetscViewerASCIIPrintf(v, "  disc contact (mesh faces shared with the body above / below):"));
  for (PetscInt j = 0; j < r->surf_nparts / 2; ++j)
    PetscCall(PetscViewerASCIIPrintf(v, " %s %.0f / %.0f mm2", r->surf_part[(r->surf_nparts + 1) / 2 + j],
                                     (double)r->surf_contact[j][0], (double)r->surf_contact[j][1]));
  PetscCall(PetscViewerASCIIPrintf(v, "; %" PetscInt_FMT " gap voxels given to the discs\n", r->surf_gap_voxels));
  if (r->surf_posterior) {
    PetscCall(PetscViewerASCIIPrintf(v, "  posterior elements (whole-vertebra surfaces, voxels):"));
    for (PetscInt l = 0; l < (r->surf_nparts + 1) / 2; ++l)
      PetscCall(PetscViewerASCIIPrintf(v, " %s %.0f mm3", r->surf_part[l], (double)r->surf_posterior_volume[l]));
    PetscCall(PetscViewerASCIIPrintf(v, "; gap between vertebrae %g mm; %" PetscInt_FMT " nodes split between them\n",
                                     (double)r->surf_facet_gap_mm, r->surf_split_nodes));
  }
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "  body %.1f mm3, cement %.1f mm3, fill ratio %.4f (requested %.4f, voxels %.4f), "
                                   "larger side %.4f, touches endplate: superior %s, inferior %s\n",
                                   (double)r->body_volume, (double)r->cement_volume, (double)r->fill_ratio,
                                   (double)r->fill_requested, (double)r->surf_fill_ratio_voxels,
                                   (double)r->larger_side_ratio, r->touches_endplate_sup ? "yes" : "no",
                                   r->touches_endplate_inf ? "yes" : "no"));
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "  load_top %.1f mm2, fixed_bottom %.1f mm2; %" PetscInt_FMT " nodes, %" PetscInt_FMT
                                   " tetrahedra, quality min %.3f, 1%% %.3f, %" PetscInt_FMT
                                   " pass(es), %.2f s (rasterising %.2f s, CGAL %.2f s), hash %016llx\n",
                                   (double)r->load_top_area, (double)r->fixed_bottom_area, r->nnodes, r->ntets,
                                   (double)r->quality_min, (double)r->quality_p01, r->remesh_passes,
                                   (double)r->mesh_seconds, (double)r->t_geometry, (double)r->t_volume, r->hash));
  for (PetscInt i = 0; i < r->nregions; i++)
    PetscCall(PetscViewerASCIIPrintf(v, "  %-22s %8" PetscInt_FMT " tets %10.1f mm3\n", r->region[i], r->region_tets[i],
                                     (double)r->region_volume[i]));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSurfacesReportWriteJSON(VfeSegmentReport r, FILE *f)
{
  PetscFunctionBeginUser;
  fprintf(f,
          "\"geometry\": \"surfaces\", \"surfaces\": {\"voxel_mm\": %.6g, \"grid\": [%d, %d, %d], \"cortex_mm\": %.6g, "
          "\"endplate_mm\": %.6g, \"fill_ratio_voxels\": %.6g, \"gap_voxels\": %d, \"load_top_area_mm2\": %.6g, "
          "\"fixed_bottom_area_mm2\": %.6g, \"parts\": {",
          (double)r->surf_voxel_mm, (int)r->surf_grid[0], (int)r->surf_grid[1], (int)r->surf_grid[2],
          (double)r->surf_cortex_mm, (double)r->surf_endplate_mm, (double)r->surf_fill_ratio_voxels,
          (int)r->surf_gap_voxels, (double)r->load_top_area, (double)r->fixed_bottom_area);
  for (PetscInt p = 0; p < r->surf_nparts; ++p) {
    const PetscInt j = p - (r->surf_nparts + 1) / 2;
    fprintf(f,
            "%s\"%s\": {\"source_volume_mm3\": %.6g, \"voxel_volume_mm3\": %.6g, \"mesh_volume_mm3\": %.6g, "
            "\"voxel_centroid_mm\": [%.6g, %.6g, %.6g]",
            p ? ", " : "", r->surf_part[p], (double)r->surf_source_volume[p], (double)r->surf_voxel_volume[p],
            (double)r->surf_mesh_volume[p], (double)r->surf_voxel_centroid[p][0], (double)r->surf_voxel_centroid[p][1],
            (double)r->surf_voxel_centroid[p][2]);
    if (j >= 0)
      fprintf(f, ", \"contact_above_mm2\": %.6g, \"contact_below_mm2\": %.6g", (double)r->surf_contact[j][0],
              (double)r->surf_contact[j][1]);
    fprintf(f, "}");
  }
  fprintf(f, "}, \"posterior_elements\": ");
  if (r->surf_posterior) {
    fprintf(f, "{\"facet_gap_mm\": %.6g, \"split_nodes\": %d, \"voxel_volume_mm3\": {", (double)r->surf_facet_gap_mm,
            (int)r->surf_split_nodes);
    for (PetscInt l = 0; l < (r->surf_nparts + 1) / 2; ++l)
      fprintf(f, "%s\"%s\": %.6g", l ? ", " : "", r->surf_part[l], (double)r->surf_posterior_volume[l]);
    fprintf(f, "}}");
  } else
    fprintf(f, "null");
  fprintf(f, "}, ");
  PetscFunctionReturn(0);
}
