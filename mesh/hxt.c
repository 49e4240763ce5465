/*
 * hxt.c - reproducible HXT volume meshing with the HXT mesher that ships inside libgmsh 4.8.
 *
 * Why not gmshModelMeshGenerate(3) with Mesh.Algorithm3D = 10: Gmsh 4.8's glue (Gmsh2Hxt in
 * Mesh/meshGRegionHxt.cpp) collects the surface nodes in a std::set<MVertex *> ordered by memory
 * address, so HXT receives them in an order that depends on the heap layout: with address-space
 * randomisation, on a loaded machine (MPI's threads) or on a second mesh in the same process the
 * tetrahedra differ by a few tens of nodes.  HXT itself is reproducible when it gets the same
 * points in the same order and the same thread count (HXTTetMeshOptions.reproducible).  Gmsh fixed
 * its glue in 4.12 (commit 3e13525, issue 2255: the set is ordered by node number); Debian 12
 * ships 4.8.4.  So with Gmsh 4.8 vfe hands HXT the surface mesh itself, nodes in ascending tag
 * order, and adds the tetrahedra back through the Gmsh API; with any other Gmsh version it calls
 * gmshModelMeshGenerate(3), whose glue is reproducible there.
 *
 * The HXT entry points (hxtMeshCreate, hxtTetMesh, hxtMeshDelete) are exported by libgmsh.so but
 * their headers are not installed; the two structs below restate the Gmsh 4.8.4 layouts of
 * contrib/hxt/core/include/hxt_mesh.h and contrib/hxt/tetMesh/include/hxt_tetMesh.h (HXT is built
 * without HXT_ALIGN_ALLOCATIONS, so its arrays are plain malloc/free blocks).  The options are the
 * ones Gmsh 4.8 passes (refine, optimise above Mesh.OptimizeThreshold, mesh size interpolated from
 * the surface mesh and capped by Mesh.MeshSizeMax, as Gmsh's nodalSizesCallBack does without size
 * fields).
 */
#include "vfemesh.h"
#include <stdint.h>
#include <float.h>

typedef int HXTStatus; /* enum in HXT; 0 = HXT_STATUS_OK, negative = error */

typedef struct {
  struct {
    double *coord; /* x, y, z, size per vertex */
    uint32_t num, size;
  } vertices;
  struct {
    uint32_t *node;
    uint64_t *neigh;
    uint32_t *color;
    uint16_t *flag;
    uint64_t num, size;
  } tetrahedra;
  struct {
    uint32_t *node, *color;
    uint64_t num, size;
  } triangles;
  struct {
    uint32_t *node, *color;
    uint64_t num, size;
  } lines;
  struct {
    uint32_t *node, *color;
    uint32_t num, size;
  } points;
  struct {
    uint32_t numVolumes, *numSurfacesPerVolume, *surfacesPerVolume;
    uint32_t numSurfaces, *numCurvesPerSurface, *curvesPerSurface;
    uint32_t numCurves, *endPointsOfCurves;
    uint32_t numPoints, *points;
  } brep;
} HXTMesh;

typedef struct {
  int defaultThreads, delaunayThreads, improveThreads, reproducible, verbosity, stat, refine, optimize;
  struct {
    double (*callback)(double *, double *, double *, double *, void *);
    void *userData;
    double min;
  } quality;
  struct {
    HXTStatus (*callback)(double *coord, uint32_t *volume, size_t n, void *userData);
    void *userData;
    double min, max, factor;
  } nodalSizes;
} HXTTetMeshOptions;

typedef struct {
  const char *string, *func, *file, *line;
  int threadId, numThreads;
  int level; /* 0 info, 1 debug, 2 warning, 3 error, 4 trace */
} HXTMessage;

extern HXTStatus hxtSetMessageCallback(HXTStatus (*cb)(HXTMessage *msg));
extern HXTStatus hxtMeshCreate(HXTMesh **mesh);
extern HXTStatus hxtMeshDelete(HXTMesh **mesh);
extern HXTStatus hxtTetMesh(HXTMesh *mesh, HXTTetMeshOptions *options);

/* size of a new interior point: interpolated from the surface mesh (coord[3] > 0), capped by lcmax */
static HXTStatus SizeCallback(double *pts, uint32_t *volume, size_t n, void *ctx)
{
  double lc = *(const double *)ctx;
  (void)volume;
  for (size_t i = 0; i < n; i++) pts[4 * i + 3] = pts[4 * i + 3] > 0 ? PetscMin(pts[4 * i + 3], lc) : lc;
  return 0;
}

static char hxt_error[256];

/* HXT's messages: errors kept for the report, the rest to -info */
static HXTStatus MessageCallback(HXTMessage *msg)
{
  if (!msg || !msg->string) return 0;
  if (msg->level >= 3 && !hxt_error[0]) {
    (void)PetscSNPrintf(hxt_error, sizeof hxt_error, "%s", msg->string);
    for (char *c = hxt_error; *c; c++) /* it goes into JSON and one-line reports */
      if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) *c = ' ';
  }
  (void)PetscInfo(NULL, "HXT: %s\n", msg->string);
  return 0;
}

/* the fallback: Gmsh's own Delaunay 3D (deterministic, about 5x slower than HXT) */
PetscErrorCode VfeDelaunayMeshVolumes(void)
{
  int ierr;
  PetscFunctionBeginUser;
  PetscCall(VfeGmshCall((gmshOptionSetNumber("Mesh.Algorithm3D", 1, &ierr), ierr), "option"));
  PetscCall(VfeGmshGenerate(3, "mesh generate (3D, Delaunay)"));
  PetscCall(VfeGmshCall((gmshOptionSetNumber("Mesh.Algorithm3D", 10, &ierr), ierr), "option"));
  PetscFunctionReturn(0);
}

static int CmpSizeT(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

static PetscBool GmshIs48(void)
{
  char *v  = NULL;
  int ierr = 0;
  PetscBool is48;
  gmshOptionGetString("General.Version", &v, &ierr);
  is48 = (PetscBool)(!ierr && v && !strncmp(v, "4.8.", 4));
  if (v) gmshFree(v);
  return is48;
}

/* The surfaces of every volume: per-volume counts nsv and the concatenated lists (HXT's BRep). */
static PetscErrorCode HxtVolumeSurfaces(int nvol, const int *vt, size_t *nsv, size_t *nsurf, size_t **surf)
{
  size_t cap = 64;
  int ierr;

  PetscFunctionBeginUser;
  *nsurf = 0;
  PetscCall(PetscMalloc1(cap, surf));
  for (int v = 0; v < nvol; v++) {
    int *up = NULL, *down = NULL;
    size_t nup = 0, ndown = 0;
    PetscCall(VfeGmshCall((gmshModelGetAdjacencies(3, vt[2 * v + 1], &up, &nup, &down, &ndown, &ierr), ierr),
                          "volume faces"));
    nsv[v] = ndown;
    if (*nsurf + ndown > cap) {
      size_t *s2;
      cap = 2 * (*nsurf + ndown);
      PetscCall(PetscMalloc1(cap, &s2));
      PetscCall(PetscArraycpy(s2, *surf, *nsurf));
      PetscCall(PetscFree(*surf));
      *surf = s2;
    }
    for (size_t k = 0; k < ndown; k++) (*surf)[(*nsurf)++] = (size_t)PetscAbsInt(down[k]);
    gmshFree(up);
    gmshFree(down);
  }
  PetscFunctionReturn(0);
}

/* Hand HXT the BRep (surfaces per volume), then reduce surf to the sorted set of surfaces. */
static PetscErrorCode HxtSetBRep(HXTMesh *m, int nvol, const size_t *nsv, size_t *nsurf, size_t *surf)
{
  size_t u = 0;

  PetscFunctionBeginUser;
  m->brep.numVolumes           = (uint32_t)nvol;
  m->brep.numSurfacesPerVolume = malloc(nvol * sizeof(uint32_t));
  m->brep.surfacesPerVolume    = malloc(*nsurf * sizeof(uint32_t));
  PetscCheck(m->brep.numSurfacesPerVolume && m->brep.surfacesPerVolume, PETSC_COMM_SELF, PETSC_ERR_MEM, "HXT BRep");
  for (int v = 0; v < nvol; v++) m->brep.numSurfacesPerVolume[v] = (uint32_t)nsv[v];
  for (size_t k = 0; k < *nsurf; k++) m->brep.surfacesPerVolume[k] = (uint32_t)surf[k];
  qsort(surf, *nsurf, sizeof surf[0], CmpSizeT);
  for (size_t k = 0; k < *nsurf; k++)
    if (!u || surf[k] != surf[u - 1]) surf[u++] = surf[k];
  *nsurf = u;
  PetscFunctionReturn(0);
}

/* HXT's input: the triangles of the surfaces and their nodes, numbered in ascending Gmsh tag order
 * (what makes the result independent of heap layout).  Returns the number of surface nodes nv0
 * and triangles ntri, the largest node tag and the map tag -> HXT vertex (UINT32_MAX: not used). */
static PetscErrorCode HxtSetSurfaceMesh(HXTMesh *m, size_t nsurf, const size_t *surf, size_t *nv0, size_t *ntri,
                                        size_t *maxtag, uint32_t **index_of_tag)
{
  size_t **tri_nodes, *tri_n, nnode = 0, nxyz = 0, npar = 0, *ntag = NULL;
  double *xyz = NULL, *par = NULL;
  int ierr;

  PetscFunctionBeginUser;
  *ntri = 0, *maxtag = 0, *nv0 = 0;
  PetscCall(PetscMalloc2(nsurf, &tri_nodes, nsurf, &tri_n));
  for (size_t s = 0; s < nsurf; s++) {
    size_t *et = NULL, net = 0;
    PetscCall(VfeGmshCall(
        (gmshModelMeshGetElementsByType(2, &et, &net, &tri_nodes[s], &tri_n[s], (int)surf[s], 0, 1, &ierr), ierr),
        "surface triangles"));
    gmshFree(et);
    *ntri += tri_n[s] / 3;
  }
  PetscCall(VfeGmshCall((gmshModelMeshGetNodes(&ntag, &nnode, &xyz, &nxyz, &par, &npar, -1, -1, 0, 0, &ierr), ierr),
                        "nodes"));
  for (size_t i = 0; i < nnode; i++) *maxtag = PetscMax(*maxtag, ntag[i]);
  PetscCall(PetscMalloc1(*maxtag + 1, index_of_tag));
  for (size_t i = 0; i <= *maxtag; i++) (*index_of_tag)[i] = UINT32_MAX;
  for (size_t s = 0; s < nsurf; s++)
    for (size_t k = 0; k < tri_n[s]; k++) (*index_of_tag)[tri_nodes[s][k]] = 0;
  for (size_t t = 1; t <= *maxtag; t++)
    if (!(*index_of_tag)[t]) (*index_of_tag)[t] = (uint32_t)(*nv0)++;
  m->vertices.num = m->vertices.size = (uint32_t)*nv0;
  m->vertices.coord                  = malloc(4 * *nv0 * sizeof(double));
  m->triangles.num = m->triangles.size = *ntri;
  m->triangles.node                    = malloc(3 * *ntri * sizeof(uint32_t));
  m->triangles.color                   = malloc(*ntri * sizeof(uint32_t));
  PetscCheck(m->vertices.coord && m->triangles.node && m->triangles.color, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "HXT input mesh");
  for (size_t i = 0; i < nnode; i++) {
    uint32_t j = (*index_of_tag)[ntag[i]];
    if (j == UINT32_MAX) continue;
    for (int d = 0; d < 3; d++) m->vertices.coord[4 * j + d] = xyz[3 * i + d];
    m->vertices.coord[4 * j + 3] = 0;
  }
  {
    size_t t = 0;
    for (size_t s = 0; s < nsurf; s++) {
      for (size_t k = 0; k < tri_n[s] / 3; k++, t++) {
        for (int d = 0; d < 3; d++) m->triangles.node[3 * t + d] = (*index_of_tag)[tri_nodes[s][3 * k + d]];
        m->triangles.color[t] = (uint32_t)surf[s];
      }
      gmshFree(tri_nodes[s]);
    }
  }
  PetscCall(PetscFree2(tri_nodes, tri_n));
  gmshFree(xyz);
  gmshFree(par);
  gmshFree(ntag);
  PetscFunctionReturn(0);
}

/* Run HXT with Gmsh's size and quality options, reproducibly, on nthreads; Gmsh's own thread
 * count is put back afterwards.  lcmax must outlive the call (the size callback reads it). */
static PetscErrorCode HxtRun(HXTMesh *m, int nthreads, double *lcmax, HXTStatus *st)
{
  HXTTetMeshOptions opt;
  double lcmin = 0, factor = 1, qmin = 0.3, nt = 1;
  int ierr;

  PetscFunctionBeginUser;
  PetscCall(VfeGmshCall((gmshOptionGetNumber("Mesh.MeshSizeMax", lcmax, &ierr), ierr), "option"));
  PetscCall(VfeGmshCall((gmshOptionGetNumber("Mesh.MeshSizeMin", &lcmin, &ierr), ierr), "option"));
  PetscCall(VfeGmshCall((gmshOptionGetNumber("Mesh.MeshSizeFactor", &factor, &ierr), ierr), "option"));
  PetscCall(VfeGmshCall((gmshOptionGetNumber("Mesh.OptimizeThreshold", &qmin, &ierr), ierr), "option"));
  PetscCall(PetscMemzero(&opt, sizeof opt));
  opt.defaultThreads      = nthreads;
  opt.reproducible        = 1;
  opt.refine              = 1;
  opt.optimize            = 1;
  opt.quality.min         = qmin;
  opt.nodalSizes.callback = SizeCallback;
  opt.nodalSizes.userData = lcmax;
  opt.nodalSizes.min      = lcmin;
  opt.nodalSizes.max      = *lcmax;
  opt.nodalSizes.factor   = factor;
  PetscCall(VfeGmshCall((gmshOptionGetNumber("General.NumThreads", &nt, &ierr), ierr), "option"));
  *st = hxtTetMesh(m, &opt);
  /* HXT leaves omp_set_num_threads(nthreads) behind; Gmsh's option setter puts Gmsh's own back */
  PetscCall(VfeGmshCall((gmshOptionSetNumber("General.NumThreads", nt, &ierr), ierr), "option"));
  PetscFunctionReturn(0);
}

/* Hand HXT's tetrahedra to Gmsh: new nodes get tags maxtag+1+(i-nv0) and are classified on the
 * volume of the first tetrahedron that uses them; tetrahedra are oriented positively. */
static PetscErrorCode HxtAddToGmsh(const HXTMesh *m, int nvol, const int *vt, size_t nv0, size_t maxtag,
                                   const uint32_t *index_of_tag)
{
  size_t nnew = m->vertices.num - nv0, *cnt, *nnv, **vtags, **vnodes, *tag_of_new;
  double **vxyz;
  int *owner, ierr;
  uint32_t *tag_of_index;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nnew, &tag_of_new));
  PetscCall(PetscMalloc1(nnew, &owner));
  PetscCall(PetscMalloc1(nv0, &tag_of_index));
  for (size_t t = 1; t <= maxtag; t++)
    if (index_of_tag[t] != UINT32_MAX) tag_of_index[index_of_tag[t]] = (uint32_t)t;
  for (size_t i = 0; i < nnew; i++) owner[i] = -1, tag_of_new[i] = maxtag + 1 + i;
  PetscCall(PetscCalloc2(nvol, &cnt, nvol, &nnv));
  for (uint64_t e = 0; e < m->tetrahedra.num; e++) {
    uint32_t c = m->tetrahedra.color[e], *n = m->tetrahedra.node + 4 * e;
    if (c >= (uint32_t)nvol || n[3] == UINT32_MAX) continue;
    cnt[c]++;
    for (int j = 0; j < 4; j++)
      if (n[j] >= nv0 && owner[n[j] - nv0] < 0) owner[n[j] - nv0] = (int)c, nnv[c]++;
  }
  PetscCall(PetscMalloc3(nvol, &vtags, nvol, &vnodes, nvol, &vxyz));
  for (int v = 0; v < nvol; v++) {
    PetscCall(PetscMalloc1(nnv[v], &vtags[v]));
    PetscCall(PetscMalloc1(3 * nnv[v], &vxyz[v]));
    PetscCall(PetscMalloc1(4 * cnt[v], &vnodes[v]));
    nnv[v] = cnt[v] = 0;
  }
  for (size_t i = 0; i < nnew; i++) {
    int v = owner[i];
    if (v < 0) continue; /* a Steiner point used by no kept tetrahedron */
    vtags[v][nnv[v]] = tag_of_new[i];
    for (int d = 0; d < 3; d++) vxyz[v][3 * nnv[v] + d] = m->vertices.coord[4 * (nv0 + i) + d];
    nnv[v]++;
  }
  for (uint64_t e = 0; e < m->tetrahedra.num; e++) {
    uint32_t c = m->tetrahedra.color[e], *n = m->tetrahedra.node + 4 * e;
    size_t *o;
    const double *p[4];
    double a[3], b[3], d3[3], vol;
    if (c >= (uint32_t)nvol || n[3] == UINT32_MAX) continue;
    o = vnodes[c] + 4 * cnt[c]++;
    for (int j = 0; j < 4; j++) {
      o[j] = n[j] < nv0 ? tag_of_index[n[j]] : tag_of_new[n[j] - nv0];
      p[j] = m->vertices.coord + 4 * n[j];
    }
    for (int d = 0; d < 3; d++) a[d] = p[1][d] - p[0][d], b[d] = p[2][d] - p[0][d], d3[d] = p[3][d] - p[0][d];
    vol = a[0] * (b[1] * d3[2] - b[2] * d3[1]) - a[1] * (b[0] * d3[2] - b[2] * d3[0]) +
          a[2] * (b[0] * d3[1] - b[1] * d3[0]);
    if (vol < 0) {
      size_t tmp = o[2];
      o[2]       = o[3];
      o[3]       = tmp;
    }
  }
  for (int v = 0; v < nvol; v++) {
    PetscCheck(cnt[v] > 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "HXT produced no tetrahedron in volume %d", vt[2 * v + 1]);
    if (nnv[v])
      PetscCall(VfeGmshCall(
          (gmshModelMeshAddNodes(3, vt[2 * v + 1], vtags[v], nnv[v], vxyz[v], 3 * nnv[v], NULL, 0, &ierr), ierr),
          "add volume nodes"));
    PetscCall(
        VfeGmshCall((gmshModelMeshAddElementsByType(vt[2 * v + 1], 4, NULL, 0, vnodes[v], 4 * cnt[v], &ierr), ierr),
                    "add tetrahedra"));
    PetscCall(PetscFree(vtags[v]));
    PetscCall(PetscFree(vxyz[v]));
    PetscCall(PetscFree(vnodes[v]));
  }
  PetscCall(PetscFree3(vtags, vnodes, vxyz));
  PetscCall(PetscFree2(cnt, nnv));
  PetscCall(PetscFree(owner));
  PetscCall(PetscFree(tag_of_index));
  PetscCall(PetscFree(tag_of_new));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeHxtMeshVolumes(int nthreads, char *method, size_t len)
{
  int ierr, *vt = NULL, nvol;
  size_t nvt = 0, nsurf = 0, *surf = NULL, ntri = 0, maxtag = 0, *nsv, nv0;
  double lcmax = 0;
  uint32_t *index_of_tag;
  HXTMesh *m   = NULL;
  HXTStatus st = -1; /* set by HxtRun */
  PetscBool same;

  PetscFunctionBeginUser;
  if (!GmshIs48()) {
    PetscCall(VfeGmshGenerate(3, "mesh generate (3D)"));
    PetscCall(PetscSNPrintf(method, len, "gmsh"));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscSNPrintf(method, len, "hxt"));
  hxt_error[0] = 0;
  hxtSetMessageCallback(MessageCallback);
  PetscCall(VfeGmshCall((gmshModelGetEntities(&vt, &nvt, 3, &ierr), ierr), "volumes"));
  nvol = (int)(nvt / 2);
  PetscCheck(nvol > 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "no volume to mesh");
  PetscCall(PetscMalloc1(nvol, &nsv));
  PetscCall(HxtVolumeSurfaces(nvol, vt, nsv, &nsurf, &surf));
  PetscCheck(hxtMeshCreate(&m) == 0, PETSC_COMM_SELF, PETSC_ERR_MEM, "HXT mesh");
  PetscCall(HxtSetBRep(m, nvol, nsv, &nsurf, surf));
  PetscCall(HxtSetSurfaceMesh(m, nsurf, surf, &nv0, &ntri, &maxtag, &index_of_tag));
  PetscCall(HxtRun(m, nthreads, &lcmax, &st));
  /* failed, or boundary recovery split surface triangles (Steiner points): Gmsh's Delaunay instead */
  same = (PetscBool)(st == 0 && m->triangles.num == ntri);
  for (size_t t = 0; same && t < 3 * m->triangles.num; t++) same = (PetscBool)(m->triangles.node[t] < nv0);
  if (!same) {
    PetscCall(PetscInfo(NULL, "HXT %s; meshing the volumes with Gmsh's Delaunay 3D\n",
                        st ? hxt_error : "changed the surface mesh"));
    PetscCall(PetscSNPrintf(method, len, "delaunay (HXT: %s)", st ? hxt_error : "surface changed"));
  } else
    PetscCall(HxtAddToGmsh(m, nvol, vt, nv0, maxtag, index_of_tag));
  hxtMeshDelete(&m);
  PetscCall(PetscFree(index_of_tag));
  PetscCall(PetscFree(surf));
  PetscCall(PetscFree(nsv));
  gmshFree(vt);
  if (!same) PetscCall(VfeDelaunayMeshVolumes());
  PetscFunctionReturn(0);
}
