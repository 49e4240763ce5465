/*
 * shapes.c - built-in geometries meshed with the Gmsh SDK (OpenCASCADE kernel): the verification
 * shapes (box, two-layer column, thick-walled sphere octant) and the simple three-level segment used
 * before the anatomical mesher.  Each builds the model, fragments it so that all regions are
 * conformal, names the physical groups, meshes with the HXT algorithm and writes MSH 4.1.
 * Boundary surfaces are found geometrically (bounding boxes), so the groups do not depend on
 * OpenCASCADE's entity numbering.
 */
#include "vfemesh.h"
#include <math.h>

#define GC(call, what)                                                                                                 \
  do {                                                                                                                 \
    int ierr_ = 0;                                                                                                     \
    call;                                                                                                              \
    PetscCall(VfeGmshCall(ierr_, what));                                                                               \
  } while (0)

static PetscErrorCode VfeGmshStart(const char *name, PetscReal h)
{
  PetscFunctionBeginUser;
  GC(gmshInitialize(0, NULL, 0, &ierr_), "initialize");
  GC(gmshOptionSetNumber("General.Terminal", 0, &ierr_), "option");
  GC(gmshOptionSetNumber("General.Verbosity", 1, &ierr_), "option");
  GC(gmshModelAdd(name, &ierr_), "model add");
  GC(gmshOptionSetNumber("Mesh.CharacteristicLengthMax", h, &ierr_), "option");
  GC(gmshOptionSetNumber("Mesh.CharacteristicLengthMin", 0.0, &ierr_), "option");
  GC(gmshOptionSetNumber("Mesh.CharacteristicLengthFromCurvature", 0, &ierr_), "option");
  GC(gmshOptionSetNumber("Mesh.CharacteristicLengthFromPoints", 0, &ierr_), "option"); /* else a default size caps h */
  GC(gmshOptionSetNumber("Mesh.Algorithm3D", 10, &ierr_), "option");
  GC(gmshOptionSetNumber("General.NumThreads", 1, &ierr_), "option");
  PetscFunctionReturn(0);
}

/* surfaces, then the volumes through vfe's reproducible HXT path (mesh/hxt.c), one thread */
static PetscErrorCode VfeGmshMesh3D(void)
{
  char method[96];
  PetscFunctionBeginUser;
  PetscCall(VfeGmshGenerate(2, "mesh generate (surfaces)"));
  PetscCall(VfeHxtMeshVolumes(1, method, sizeof method));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeGmshFinish(const char *path)
{
  PetscFunctionBeginUser;
  PetscCall(VfeGmshMesh3D());
  PetscCall(VfeGmshWriteMesh(path));
  GC(gmshFinalize(&ierr_), "finalize");
  PetscFunctionReturn(0);
}

/* Tags of the entities of dimension dim entirely inside the box [lo, hi] (with tolerance). */
static PetscErrorCode VfeEntitiesInBox(int dim, const double lo[3], const double hi[3], int **tags, size_t *n)
{
  int *dt  = NULL;
  size_t m = 0;
  double e = 1e-6;

  PetscFunctionBeginUser;
  GC(gmshModelGetEntitiesInBoundingBox(lo[0] - e, lo[1] - e, lo[2] - e, hi[0] + e, hi[1] + e, hi[2] + e, &dt, &m, dim,
                                       &ierr_),
     "entities in box");
  PetscCall(PetscMalloc1(m / 2 + 1, tags));
  for (size_t i = 0; i < m / 2; ++i) (*tags)[i] = dt[2 * i + 1];
  *n = m / 2;
  gmshFree(dt);
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeGroupVolumes(const int *tags, size_t n, int tag, const char *name)
{
  return VfeGmshNamedGroup(3, tags, n, tag, name);
}

/* Surfaces inside the box [lo, hi], named as one physical group. */
static PetscErrorCode VfeGroupSurfacesInBox(const double lo[3], const double hi[3], int tag, const char *name)
{
  int *tags;
  size_t n;

  PetscFunctionBeginUser;
  PetscCall(VfeEntitiesInBox(2, lo, hi, &tags, &n));
  PetscCall(VfeGmshNamedGroup(2, tags, n, tag, name));
  PetscCall(PetscFree(tags));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeShapeBox(const char *path, PetscReal lx, PetscReal ly, PetscReal lz, PetscReal zsplit, PetscReal h,
                           PetscReal distort)
{
  int b1, b2, *out = NULL, **map = NULL;
  size_t nout = 0, *nmap = NULL, nn = 0;

  PetscFunctionBeginUser;
  PetscCall(VfeGmshStart("box", h));
  if (zsplit > 0 && zsplit < lz) {
    int obj[2], tool[2];
    GC(b1 = gmshModelOccAddBox(0, 0, 0, lx, ly, zsplit, -1, &ierr_), "box");
    GC(b2 = gmshModelOccAddBox(0, 0, zsplit, lx, ly, lz - zsplit, -1, &ierr_), "box");
    obj[0] = 3, obj[1] = b1, tool[0] = 3, tool[1] = b2;
    GC(gmshModelOccFragment(obj, 2, tool, 2, &out, &nout, &map, &nmap, &nn, -1, 1, 1, &ierr_), "fragment");
    GC(gmshModelOccSynchronize(&ierr_), "synchronize");
    {
      double lo[3] = {0, 0, 0}, hi[3] = {lx, ly, zsplit}, lo2[3] = {0, 0, zsplit}, hi2[3] = {lx, ly, lz};
      int *t;
      size_t n;
      PetscCall(VfeEntitiesInBox(3, lo, hi, &t, &n));
      PetscCall(VfeGroupVolumes(t, n, 1, "lower"));
      PetscCall(PetscFree(t));
      PetscCall(VfeEntitiesInBox(3, lo2, hi2, &t, &n));
      PetscCall(VfeGroupVolumes(t, n, 2, "upper"));
      PetscCall(PetscFree(t));
    }
    gmshFree(out);
    for (size_t i = 0; i < nn; ++i) gmshFree(map[i]);
    gmshFree(map);
    gmshFree(nmap);
  } else {
    GC(b1 = gmshModelOccAddBox(0, 0, 0, lx, ly, lz, -1, &ierr_), "box");
    GC(gmshModelOccSynchronize(&ierr_), "synchronize");
    PetscCall(VfeGroupVolumes(&b1, 1, 1, "body"));
  }
  {
    const char *names[6] = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"};
    double L[3]          = {lx, ly, lz};
    for (int f = 0; f < 6; ++f) {
      double lo[3] = {0, 0, 0}, hi[3] = {lx, ly, lz};
      int d = f / 2;
      if (f % 2)
        lo[d] = L[d];
      else
        hi[d] = 0;
      PetscCall(VfeGroupSurfacesInBox(lo, hi, 101 + f, names[f]));
    }
  }
  PetscCall(VfeGmshMesh3D());
  if (distort > 0) {
    size_t *ntags = NULL, nt = 0, nc = 0, np = 0;
    double *xyz = NULL, *par = NULL;
    unsigned long seed = 12345;
    GC(gmshModelMeshGetNodes(&ntags, &nt, &xyz, &nc, &par, &np, 3, -1, 0, 0, &ierr_), "get nodes");
    for (size_t i = 0; i < nt; ++i) {
      double x[3];
      for (int d = 0; d < 3; ++d) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        x[d] = xyz[3 * i + d] + distort * h * (2.0 * ((seed >> 11) * (1.0 / 9007199254740992.0)) - 1.0);
      }
      GC(gmshModelMeshSetNode(ntags[i], x, 3, NULL, 0, &ierr_), "set node");
    }
    gmshFree(ntags);
    gmshFree(xyz);
    gmshFree(par);
  }
  PetscCall(VfeGmshWriteMesh(path));
  GC(gmshFinalize(&ierr_), "finalize");
  PetscFunctionReturn(0);
}

/* Two separate blocks for contact and spring checks: a base [0,L]^2 x [0,H] and a punch
 * [L/4,3L/4]^2 x [H+gap, 2H+gap] above it (the punch's mesh is its own, so the facing surfaces do
 * not match).  Regions "lower", "upper"; boundaries "lower_bottom", "lower_top" (z = H, the whole
 * top face), "upper_bottom", "upper_top", "upper_sides". */
PetscErrorCode VfeShapeTwoBlocks(const char *path, PetscReal L, PetscReal H, PetscReal gap, PetscReal h)
{
  int b1, b2;
  const double q = 0.25 * L, z1 = H + gap, z2 = 2 * H + gap;

  PetscFunctionBeginUser;
  PetscCheck(L > 0 && H > 0 && gap > 0 && h > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "two blocks need L, H, gap, h > 0");
  PetscCall(VfeGmshStart("two_blocks", h));
  GC(b1 = gmshModelOccAddBox(0, 0, 0, L, L, H, -1, &ierr_), "box");
  GC(b2 = gmshModelOccAddBox(q, q, z1, L - 2 * q, L - 2 * q, H, -1, &ierr_), "box");
  GC(gmshModelOccSynchronize(&ierr_), "synchronize");
  PetscCall(VfeGroupVolumes(&b1, 1, 1, "lower"));
  PetscCall(VfeGroupVolumes(&b2, 1, 2, "upper"));
  {
    const double lo0[3] = {0, 0, 0}, hi0[3] = {L, L, 0}, lo1[3] = {0, 0, H}, hi1[3] = {L, L, H};
    const double lo2[3] = {q, q, z1}, hi2[3] = {L - q, L - q, z1}, lo3[3] = {q, q, z2}, hi3[3] = {L - q, L - q, z2};
    PetscCall(VfeGroupSurfacesInBox(lo0, hi0, 101, "lower_bottom"));
    PetscCall(VfeGroupSurfacesInBox(lo1, hi1, 102, "lower_top"));
    PetscCall(VfeGroupSurfacesInBox(lo2, hi2, 103, "upper_bottom"));
    PetscCall(VfeGroupSurfacesInBox(lo3, hi3, 104, "upper_top"));
    { /* the punch's four side faces */
      int *all, *side;
      size_t na, ns = 0;
      const double lo4[3] = {q, q, z1}, hi4[3] = {L - q, L - q, z2};
      PetscCall(VfeEntitiesInBox(2, lo4, hi4, &all, &na));
      PetscCall(PetscMalloc1(na + 1, &side));
      for (size_t i = 0; i < na; ++i) {
        double x0, y0, zlo, x1, y1, zhi;
        GC(gmshModelGetBoundingBox(2, all[i], &x0, &y0, &zlo, &x1, &y1, &zhi, &ierr_), "bounding box");
        if (zhi - zlo > 1e-6) side[ns++] = all[i];
      }
      PetscCall(VfeGmshNamedGroup(2, side, ns, 105, "upper_sides"));
      PetscCall(PetscFree(all));
      PetscCall(PetscFree(side));
    }
  }
  PetscCall(VfeGmshFinish(path));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeShapeSphereOctant(const char *path, PetscReal a, PetscReal b, PetscReal h)
{
  int so, si, bx, obj[2], tool[2], *out = NULL, **map = NULL, *out2 = NULL, **map2 = NULL;
  size_t nout = 0, *nmap = NULL, nn = 0, nout2 = 0, *nmap2 = NULL, nn2 = 0;

  PetscFunctionBeginUser;
  PetscCheck(a > 0 && b > a, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "sphere octant needs 0 < a < b (a=%g, b=%g)",
             (double)a, (double)b);
  PetscCall(VfeGmshStart("sphere_octant", h));
  GC(so = gmshModelOccAddSphere(0, 0, 0, b, -1, -M_PI / 2, M_PI / 2, 2 * M_PI, &ierr_), "sphere");
  GC(si = gmshModelOccAddSphere(0, 0, 0, a, -1, -M_PI / 2, M_PI / 2, 2 * M_PI, &ierr_), "sphere");
  obj[0] = 3, obj[1] = so, tool[0] = 3, tool[1] = si;
  GC(gmshModelOccCut(obj, 2, tool, 2, &out, &nout, &map, &nmap, &nn, -1, 1, 1, &ierr_), "cut");
  GC(bx = gmshModelOccAddBox(0, 0, 0, 2 * b, 2 * b, 2 * b, -1, &ierr_), "box");
  tool[1] = bx;
  GC(gmshModelOccIntersect(out, nout, tool, 2, &out2, &nout2, &map2, &nmap2, &nn2, -1, 1, 1, &ierr_), "intersect");
  GC(gmshModelOccSynchronize(&ierr_), "synchronize");
  {
    int vol = out2[1];
    PetscCall(VfeGroupVolumes(&vol, 1, 1, "shell"));
  }
  {
    double lo[3] = {0, 0, 0}, hi[3] = {a, a, a};
    double px[2][3] = {{0, 0, 0}, {0, b, b}}, py[2][3] = {{0, 0, 0}, {b, 0, b}}, pz[2][3] = {{0, 0, 0}, {b, b, 0}};
    int *dt  = NULL, *tags;
    size_t n = 0, k = 0;
    PetscCall(VfeGroupSurfacesInBox(lo, hi, 101, "inner"));
    PetscCall(VfeGroupSurfacesInBox(px[0], px[1], 103, "sym_x"));
    PetscCall(VfeGroupSurfacesInBox(py[0], py[1], 104, "sym_y"));
    PetscCall(VfeGroupSurfacesInBox(pz[0], pz[1], 105, "sym_z"));
    /* outer: the surface that is none of the above = the one reaching beyond radius a on all axes */
    GC(gmshModelGetEntities(&dt, &n, 2, &ierr_), "entities");
    PetscCall(PetscMalloc1(n / 2, &tags));
    for (size_t i = 0; i < n / 2; ++i) {
      double x0, y0, z0, x1, y1, z1;
      GC(gmshModelGetBoundingBox(2, dt[2 * i + 1], &x0, &y0, &z0, &x1, &y1, &z1, &ierr_), "bbox");
      const double e  = 1e-6 * b;
      PetscBool plane = (fabs(x1 - x0) < e || fabs(y1 - y0) < e || fabs(z1 - z0) < e) ? PETSC_TRUE : PETSC_FALSE;
      if (!plane && fmax(fmax(x1, y1), z1) > a + e) tags[k++] = dt[2 * i + 1];
    }
    PetscCheck(k == 1, PETSC_COMM_SELF, PETSC_ERR_PLIB, "sphere octant: found %zu outer surfaces", k);
    GC(gmshModelAddPhysicalGroup(2, tags, k, 102, &ierr_), "physical group");
    GC(gmshModelSetPhysicalName(2, 102, "outer", &ierr_), "physical name");
    PetscCall(PetscFree(tags));
    gmshFree(dt);
  }
  gmshFree(out);
  gmshFree(out2);
  for (size_t i = 0; i < nn; ++i) gmshFree(map[i]);
  for (size_t i = 0; i < nn2; ++i) gmshFree(map2[i]);
  gmshFree(map);
  gmshFree(nmap);
  gmshFree(map2);
  gmshFree(nmap2);
  PetscCall(VfeGmshFinish(path));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeShapeSimpleSegment(const char *path, PetscReal h)
{
  const double rx = 22.5, ry = 17.0, hvb = 26.0, hd = 10.0;
  const double heights[5] = {hvb, hd, hvb, hd, hvb};
  const char *names[5]    = {"L3.body", "L2L3.disc", "L2.body", "L1L2.disc", "L1.body"};
  int slabs[10], ell, tool[2], *out = NULL, **map = NULL;
  size_t nout = 0, *nmap = NULL, nn = 0;
  double z = 0, zc = hvb + hd + hvb / 2;

  PetscFunctionBeginUser;
  PetscCall(VfeGmshStart("simple_segment", h));
  for (int i = 0; i < 5; ++i) {
    int disk, dt[2], *ext = NULL;
    size_t next = 0;
    GC(disk = gmshModelOccAddDisk(0, 0, z, rx, ry, -1, &ierr_), "disk");
    dt[0] = 2, dt[1] = disk;
    GC(gmshModelOccExtrude(dt, 2, 0, 0, heights[i], &ext, &next, NULL, 0, NULL, 0, 0, &ierr_), "extrude");
    for (size_t k = 0; k < next / 2; ++k)
      if (ext[2 * k] == 3) slabs[2 * i] = 3, slabs[2 * i + 1] = ext[2 * k + 1];
    gmshFree(ext);
    z += heights[i];
  }
  GC(ell = gmshModelOccAddSphere(0, 3, zc, 1.0, -1, -M_PI / 2, M_PI / 2, 2 * M_PI, &ierr_), "sphere");
  tool[0] = 3, tool[1] = ell;
  GC(gmshModelOccDilate(tool, 2, 0, 3, zc, 12, 9, 9, &ierr_), "dilate");
  GC(gmshModelOccFragment(slabs, 10, tool, 2, &out, &nout, &map, &nmap, &nn, -1, 1, 1, &ierr_), "fragment");
  GC(gmshModelOccSynchronize(&ierr_), "synchronize");
  {
    /* map[i] = children of input i (the 5 slabs, then the ellipsoid) */
    int *cement = map[5];
    size_t ncem = nmap[5] / 2;
    for (int i = 0; i < 5; ++i) {
      int *t;
      size_t k = 0;
      PetscCall(PetscMalloc1(nmap[i] / 2 + 1, &t));
      for (size_t j = 0; j < nmap[i] / 2; ++j) {
        PetscBool isc = PETSC_FALSE;
        for (size_t c = 0; c < ncem; ++c)
          if (cement[2 * c + 1] == map[i][2 * j + 1]) isc = PETSC_TRUE;
        if (!isc) t[k++] = map[i][2 * j + 1];
      }
      PetscCall(VfeGroupVolumes(t, k, 1 + i, names[i]));
      PetscCall(PetscFree(t));
    }
    {
      int t[8];
      for (size_t c = 0; c < ncem; ++c) t[c] = cement[2 * c + 1];
      PetscCall(VfeGroupVolumes(t, ncem, 6, "L2.cement"));
    }
  }
  {
    double lo[3] = {-rx, -ry, 0}, hi[3] = {rx, ry, 0}, lo2[3] = {-rx, -ry, z}, hi2[3] = {rx, ry, z};
    PetscCall(VfeGroupSurfacesInBox(lo, hi, 101, "fixed_bottom"));
    PetscCall(VfeGroupSurfacesInBox(lo2, hi2, 102, "load_top"));
  }
  gmshFree(out);
  for (size_t i = 0; i < nn; ++i) gmshFree(map[i]);
  gmshFree(map);
  gmshFree(nmap);
  PetscCall(VfeGmshFinish(path));
  PetscFunctionReturn(0);
}
