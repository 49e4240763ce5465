/*
 * ctmap.c - Bonemat-style density-mapped bone: a Young's modulus per element from a calibrated CT.
 *
 * Every voxel's value becomes a density (materials/density.c: mg/cm^3 as given, or HU through the phantom
 * calibration; negative densities clamped to 0) and then a modulus by the density-modulus law.  An element's
 * modulus is the mean of that voxel modulus over the element: sampled at the centroids of the n^3-lattice's
 * upward sub-tetrahedra (n(n+1)(n+2)/6 points, equally weighted, exact for linear fields), n from the element's
 * longest edge over half the smallest voxel spacing (2..12), each sample the trilinear interpolation of the
 * eight surrounding voxel moduli.  With a label mask (ct_mask) only voxels of bone labels (ct_labels_body,
 * ct_labels_posterior) take part, their weights renormalised: the soft tissue or the zeros of a masked image
 * around the bone do not dilute the surface elements (partial-volume effect), and the cement that the CT mesher
 * meshes (ct_labels_cement, or the voxels above ct_cement_threshold in ct_cement_image) is left out, so a
 * post-operative ct_image does not stiffen the bone next to the cement.  An element with no bone voxel
 * around any sample takes the nearest bone voxel within 3 voxels of its centroid, else the least modulus.
 * The element's density is averaged the same way (cell data `density`).
 *
 * Mapped: the bone regions (<lvl>.cancellous, cortical, endplate_sup, endplate_inf, posterior).  Cement, plates
 * and discs keep their materials.  Each rank maps its own cells; the image is read on rank 0 and broadcast.
 */
#include "vfeapp.h"
#include "vfematerials.h"
#include "vferegion.h"
#include "vfekernels.h"
#include <math.h>
#include <string.h>

/* Volume of the tetrahedron of the first four nodes of X (the kernels' signed 6 x volume). */
static PetscReal vfe_tet_volume(const PetscReal *X)
{
  double G[4][3];
  return PetscAbsReal(vfe_tet_gradients(X, G)) / 6;
}

static PetscBool VfeCTBoneTissue(const char *region)
{
  const char *t = VfeRegionTissue(region);
  return !strcmp(t, "cancellous") || !strcmp(t, "cortical") || !strcmp(t, "endplate_sup") ||
                 !strcmp(t, "endplate_inf") || !strcmp(t, "posterior")
             ? PETSC_TRUE
             : PETSC_FALSE;
}

/* The voxels that take part: the mask's bone voxels as the CT mesher classifies them, cement left out (all voxels
 * without a mask). */
static PetscErrorCode VfeCTMapVoxels(MPI_Comm comm, const VfeImage *img, const VfeImage *mask, char **bone)
{
  const PetscInt nv = img->n[0] * img->n[1] * img->n[2];

  PetscFunctionBeginUser;
  if (mask) {
    PetscCall(VfeCTBoneVoxels(comm, mask, bone));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(nv, bone));
  for (PetscInt q = 0; q < nv; ++q) (*bone)[q] = 1;
  PetscFunctionReturn(0);
}

/* Trilinear interpolation of the bone voxels' E and rho at world point x; returns the weight found (0: none). */
static PetscReal VfeCTSample(const VfeImage *img, const char *bone, const float *Ev, const float *rv,
                             const PetscReal x[3], PetscReal *E, PetscReal *rho)
{
  PetscReal q[3], f[3], wsum = 0;
  PetscInt i0[3];

  *E = *rho = 0;
  for (int a = 0; a < 3; ++a) {
    q[a]  = img->Ainv[a][0] * x[0] + img->Ainv[a][1] * x[1] + img->Ainv[a][2] * x[2] + img->Ainv[a][3];
    i0[a] = (PetscInt)floor(q[a]);
    f[a]  = q[a] - (PetscReal)i0[a];
  }
  for (int c = 0; c < 8; ++c) {
    const PetscInt i = i0[0] + (c & 1), j = i0[1] + ((c >> 1) & 1), k = i0[2] + ((c >> 2) & 1);
    PetscReal w;
    PetscInt idx;
    if (i < 0 || j < 0 || k < 0 || i >= img->n[0] || j >= img->n[1] || k >= img->n[2]) continue;
    idx = VfeImageIndex(img, i, j, k);
    if (!bone[idx]) continue;
    w = ((c & 1) ? f[0] : 1 - f[0]) * (((c >> 1) & 1) ? f[1] : 1 - f[1]) * (((c >> 2) & 1) ? f[2] : 1 - f[2]);
    wsum += w;
    *E += w * Ev[idx];
    *rho += w * rv[idx];
  }
  if (wsum > 0) *E /= wsum, *rho /= wsum;
  return wsum;
}

/* The nearest bone voxel within 3 voxels of x (its E and rho), PETSC_FALSE if none. */
static PetscBool VfeCTNearest(const VfeImage *img, const char *bone, const float *Ev, const float *rv,
                              const PetscReal x[3], PetscReal *E, PetscReal *rho)
{
  PetscReal q[3], best = PETSC_MAX_REAL;
  PetscInt c[3];
  PetscBool found = PETSC_FALSE;

  for (int a = 0; a < 3; ++a) {
    q[a] = img->Ainv[a][0] * x[0] + img->Ainv[a][1] * x[1] + img->Ainv[a][2] * x[2] + img->Ainv[a][3];
    c[a] = (PetscInt)floor(q[a] + 0.5);
  }
  for (PetscInt k = c[2] - 3; k <= c[2] + 3; ++k)
    for (PetscInt j = c[1] - 3; j <= c[1] + 3; ++j)
      for (PetscInt i = c[0] - 3; i <= c[0] + 3; ++i) {
        PetscReal d2;
        PetscInt idx;
        if (i < 0 || j < 0 || k < 0 || i >= img->n[0] || j >= img->n[1] || k >= img->n[2]) continue;
        idx = VfeImageIndex(img, i, j, k);
        if (!bone[idx]) continue;
        d2 = (i - q[0]) * (i - q[0]) + (j - q[1]) * (j - q[1]) + (k - q[2]) * (k - q[2]);
        if (d2 < best) best = d2, *E = Ev[idx], *rho = rv[idx], found = PETSC_TRUE;
      }
  return found;
}

PetscErrorCode VfeCTMapCreate(MPI_Comm comm, VfeSpace sp, const VfeMeshInfo *info, VfeCTMap *map)
{
  char path[PETSC_MAX_PATH_LEN] = "", mpath[PETSC_MAX_PATH_LEN] = "";
  PetscBool set, mset, *mapped;
  PetscMPIInt rank;
  VfeImage img, mask;
  char *bone;
  float *Ev, *rv;
  PetscInt nv, nclamped = 0;
  PetscLogDouble t0, t1;
  PetscReal loc[8], glob[8], minsp;
  VfeDensityMapInfo *mi = &map->info;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(map, sizeof *map));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-ct_image", path, sizeof path, &set));
  if (!set) PetscFunctionReturn(0);
  PetscCheck(path[0], comm, PETSC_ERR_USER_INPUT, "ct_image has an empty value: name the CT image (NIfTI)");
  PetscCall(PetscTime(&t0));
  PetscCall(VfeMaterialsDensityLaw(&map->law));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-ct_mask", mpath, sizeof mpath, &mset));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMemzero(&img, sizeof img));
  PetscCall(PetscMemzero(&mask, sizeof mask));
  if (!rank) {
    PetscCall(VfeImageRead(path, &img));
    if (mset && mpath[0]) {
      PetscCall(VfeImageRead(mpath, &mask));
      PetscCall(VfeImageSameGrid(&img, &mask));
    }
  }
  PetscCall(VfeImageBcast(comm, &img));
  if (mset && mpath[0]) PetscCall(VfeImageBcast(comm, &mask));
  PetscCall(VfeCTMapVoxels(comm, &img, mset && mpath[0] ? &mask : NULL, &bone));
  nv = img.n[0] * img.n[1] * img.n[2];
  PetscCall(PetscMalloc2(nv, &Ev, nv, &rv));
  for (PetscInt q = 0; q < nv; ++q) {
    PetscBool cl;
    const PetscReal rho = VfeDensityOf(&map->law, img.v[q], &cl);
    if (cl && bone[q]) nclamped++;
    rv[q] = (float)rho;
    Ev[q] = (float)VfeDensityModulus(&map->law, rho);
  }
  minsp = PetscMin(img.spacing[0], PetscMin(img.spacing[1], img.spacing[2]));
  PetscCall(PetscCalloc2(sp->ncells, &map->E, sp->ncells, &map->rho));
  PetscCall(PetscCalloc1(info->nregions, &mapped));
  for (PetscInt r = 0; r < info->nregions; ++r) mapped[r] = VfeCTBoneTissue(info->regions[r].name);
  for (int a = 0; a < 8; ++a) loc[a] = 0;
  loc[4] = PETSC_MAX_REAL, loc[5] = 0;
  for (PetscInt c = 0; c < sp->ncells; ++c) {
    PetscReal X[30], lmax = 0, Es = 0, rs = 0, vol, ctr[3];
    PetscInt n, npts = 0;
    if (!mapped[sp->cell_region[c]]) continue;
    VfeSpaceCellCoordinates(sp, c, X);
    for (int a = 0; a < 4; ++a)
      for (int b = a + 1; b < 4; ++b) {
        PetscReal l2 = 0;
        for (int d = 0; d < 3; ++d) l2 += (X[3 * a + d] - X[3 * b + d]) * (X[3 * a + d] - X[3 * b + d]);
        lmax = PetscMax(lmax, PetscSqrtReal(l2));
      }
    n = (PetscInt)PetscCeilReal(2 * lmax / minsp);
    n = PetscMin(PetscMax(n, 2), 12);
    for (PetscInt i = 0; i < n; ++i)
      for (PetscInt j = 0; i + j < n; ++j)
        for (PetscInt k = 0; i + j + k < n; ++k) {
          const PetscInt l     = n - 1 - i - j - k;
          const PetscReal L[4] = {(i + 0.25) / n, (j + 0.25) / n, (k + 0.25) / n, (l + 0.25) / n};
          PetscReal x[3], E, rho;
          for (int d = 0; d < 3; ++d) x[d] = L[0] * X[d] + L[1] * X[3 + d] + L[2] * X[6 + d] + L[3] * X[9 + d];
          if (VfeCTSample(&img, bone, Ev, rv, x, &E, &rho) > 0) Es += E, rs += rho, npts++;
        }
    for (int d = 0; d < 3; ++d) ctr[d] = 0.25 * (X[d] + X[3 + d] + X[6 + d] + X[9 + d]);
    if (npts) {
      map->E[c] = Es / npts, map->rho[c] = rs / npts;
    } else if (VfeCTNearest(&img, bone, Ev, rv, ctr, &map->E[c], &map->rho[c])) {
      loc[6] += 1;
    } else {
      map->E[c] = map->law.Emin, map->rho[c] = 0;
      loc[7] += 1;
    }
    vol = vfe_tet_volume(X);
    loc[0] += vol, loc[1] += vol * map->rho[c], loc[2] += vol * map->E[c], loc[3] += 1;
    loc[4] = PetscMin(loc[4], map->E[c]), loc[5] = PetscMax(loc[5], map->E[c]);
  }
  glob[4] = loc[4], glob[5] = loc[5];
  PetscCallMPI(MPI_Allreduce(loc, glob, 4, MPIU_REAL, MPIU_SUM, comm));
  PetscCallMPI(MPI_Allreduce(&loc[4], &glob[4], 1, MPIU_REAL, MPIU_MIN, comm));
  PetscCallMPI(MPI_Allreduce(&loc[5], &glob[5], 1, MPIU_REAL, MPIU_MAX, comm));
  PetscCallMPI(MPI_Allreduce(&loc[6], &glob[6], 2, MPIU_REAL, MPIU_SUM, comm));
  mi->on       = PETSC_TRUE;
  mi->ncells   = (PetscInt)glob[3];
  mi->volume   = glob[0];
  mi->rho_mean = glob[0] > 0 ? glob[1] / glob[0] : 0;
  mi->E_mean   = glob[0] > 0 ? glob[2] / glob[0] : 0;
  mi->E_min    = glob[3] > 0 ? glob[4] : 0;
  mi->E_max    = glob[5];
  mi->nnearest = (PetscInt)glob[6];
  mi->noutside = (PetscInt)glob[7];
  mi->nclamped = nclamped;
  mi->hu = map->law.hu, mi->a = map->law.a, mi->b = map->law.b, mi->c = map->law.c, mi->Emin = map->law.Emin;
  PetscCall(PetscStrncpy(mi->image, path, sizeof mi->image));
  PetscCall(PetscStrncpy(mi->law, map->law.law, sizeof mi->law));
  PetscCall(PetscStrncpy(mi->law_species, map->law.law_species, sizeof mi->law_species));
  PetscCall(PetscStrncpy(mi->species, map->law.species, sizeof mi->species));
  PetscCall(PetscFree(mapped));
  PetscCall(PetscFree2(Ev, rv));
  PetscCall(PetscFree(bone));
  PetscCall(VfeImageDestroy(&img));
  if (mset && mpath[0]) PetscCall(VfeImageDestroy(&mask));
  PetscCall(PetscTime(&t1));
  mi->t_map = (PetscReal)(t1 - t0);
  PetscFunctionReturn(0);
}

/* Moduli of the intact baseline: the cement cells of a level take the mean modulus of that level's mapped cancellous
 * bone (the bone the cement displaced is not in a post-operative image). */
PetscErrorCode VfeCTMapBaseline(MPI_Comm comm, VfeSpace sp, const VfeMeshInfo *info, const VfeCTMap *map,
                                PetscReal **bE)
{
  PetscReal *sum;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(sp->ncells, bE));
  PetscCall(PetscArraycpy(*bE, map->E, sp->ncells));
  PetscCall(PetscCalloc1(2 * info->nregions, &sum)); /* per region: volume, volume x E of the mapped cells */
  for (PetscInt c = 0; c < sp->ncells; ++c) {
    PetscReal X[30], v;
    if (map->E[c] <= 0) continue;
    VfeSpaceCellCoordinates(sp, c, X);
    v = vfe_tet_volume(X);
    sum[2 * sp->cell_region[c]] += v, sum[2 * sp->cell_region[c] + 1] += v * map->E[c];
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sum, 2 * (PetscMPIInt)info->nregions, MPIU_REAL, MPIU_SUM, comm));
  for (PetscInt c = 0; c < sp->ncells; ++c) {
    const char *name = info->regions[sp->cell_region[c]].name, *tissue;
    char lvl[VFE_NAME_LEN], bone[VFE_NAME_LEN];
    PetscInt b;
    if (!VfeRegionSplit(name, lvl, sizeof lvl, &tissue) || strncmp(tissue, "cement", 6)) continue;
    PetscCall(VfeRegionFormat(bone, sizeof bone, lvl, "cancellous"));
    b = VfeMeshInfoFindRegion(info, bone);
    if (b >= 0 && sum[2 * b] > 0) (*bE)[c] = sum[2 * b + 1] / sum[2 * b];
  }
  PetscCall(PetscFree(sum));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeCTMapView(MPI_Comm comm, const VfeCTMap *map)
{
  const VfeDensityMapInfo *m = &map->info;

  PetscFunctionBeginUser;
  if (!m->on) PetscFunctionReturn(0);
  PetscCall(
      PetscPrintf(comm,
                  "vfe: CT density mapping (%s, %s; law %s: E = %g + %g rho^%g MPa, rho in g/cm^3): %" PetscInt_FMT
                  " bone elements, %.1f mm^3, mean density %.1f mg/cm^3 %s, E mean %.1f, min %.3g, max %.4g "
                  "MPa; %.2f s\n",
                  m->image, m->hu ? "HU calibrated" : "mg/cm^3", m->law, (double)m->a, (double)m->b, (double)m->c,
                  m->ncells, (double)m->volume, (double)m->rho_mean, m->species, (double)m->E_mean, (double)m->E_min,
                  (double)m->E_max, (double)m->t_map));
  if (m->nclamped)
    PetscCall(PetscPrintf(
        comm, "vfe: CT density mapping: %" PetscInt_FMT " bone voxels had a negative density and were clamped to 0\n",
        m->nclamped));
  if (m->nnearest || m->noutside)
    PetscCall(PetscPrintf(comm,
                          "vfe: CT density mapping: %" PetscInt_FMT
                          " elements took the nearest bone voxel, %" PetscInt_FMT
                          " found none within 3 voxels (least modulus %g MPa)\n",
                          m->nnearest, m->noutside, (double)m->Emin));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeCTMapDestroy(VfeCTMap *map)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(map->E, map->rho));
  PetscCall(PetscMemzero(map, sizeof *map));
  PetscFunctionReturn(0);
}
