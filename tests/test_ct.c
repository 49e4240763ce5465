/*
 * test_ct.c - the CT route's image reader and mesher (mesh/image.c, mesh/ctmesh.c) on the synthetic images
 * of tests/ctimage.c and on the shared L2.  Every check asserts a number against a tolerance and prints it.
 *
 *   test_ct -test_part header -test_dir D     header variants under D (written by ctimage, see ct.cmake): the
 *                                             same world geometry (volume, centroid) and values
 *   test_ct -test_part cylinder -test_dir D [-ct_mesher voxel] [-ct_plates false]
 *                                             the cylinder's mesh: volumes, layers, plates, boundaries, the MSH
 *                                             file loads; also on the qform / sform (mirror) variants
 *   test_ct -test_part sphere -test_dir D     the cement distribution rate against the exact one
 *   test_ct -test_part l2 -test_shared S      the shared L2 at 1 mm on both meshers (77: data missing)
 */
#include "vfemesh.h"
#include <math.h>

static int nfail = 0;

#define CHECK(cond, ...)                                                                                               \
  do {                                                                                                                 \
    PetscBool ok_ = (PetscBool)(cond);                                                                                 \
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: ", ok_ ? "ok" : "FAILED"));                                           \
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, __VA_ARGS__));                                                             \
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n"));                                                                    \
    if (!ok_) ++nfail;                                                                                                 \
  } while (0)

static const PetscReal Cw[3] = {10, -20, 30}; /* ctimage's centre */

/* volume (mm^3), world centroid and mean image value of the mask's nonzero voxels */
static PetscErrorCode MaskStats(const VfeImage *m, const VfeImage *img, PetscReal *vol, PetscReal cen[3],
                                PetscReal *mean, PetscReal *mean_lo, PetscReal *mean_hi)
{
  PetscInt n = 0, nlo = 0, nhi = 0;
  PetscReal s = 0, slo = 0, shi = 0;

  PetscFunctionBeginUser;
  cen[0] = cen[1] = cen[2] = 0;
  for (PetscInt k = 0; k < m->n[2]; ++k)
    for (PetscInt j = 0; j < m->n[1]; ++j)
      for (PetscInt i = 0; i < m->n[0]; ++i) {
        const PetscInt w = VfeImageIndex(m, i, j, k);
        PetscReal x[3];
        if (m->v[w] == 0) continue;
        for (int r = 0; r < 3; ++r) x[r] = m->A[r][0] * i + m->A[r][1] * j + m->A[r][2] * k + m->A[r][3];
        for (int r = 0; r < 3; ++r) cen[r] += x[r];
        ++n;
        s += img->v[w];
        if (x[2] < Cw[2])
          slo += img->v[w], ++nlo;
        else
          shi += img->v[w], ++nhi;
      }
  for (int r = 0; r < 3; ++r) cen[r] /= n;
  *vol  = n * m->spacing[0] * m->spacing[1] * m->spacing[2];
  *mean = s / n, *mean_lo = slo / nlo, *mean_hi = shi / nhi;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadPair(const char *dir, const char *sub, VfeImage *m, VfeImage *img)
{
  char p[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(p, sizeof p, "%s/%s/mask.nii.gz", dir, sub));
  PetscCall(VfeImageRead(p, m));
  PetscCall(PetscSNPrintf(p, sizeof p, "%s/%s/image.nii.gz", dir, sub));
  PetscCall(VfeImageRead(p, img));
  PetscCall(VfeImageSameGrid(m, img));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestHeader(const char *dir)
{
  /* variant, voxel size; tolerance on volume (relative) and centroid (mm) against cyl1 */
  const struct {
    const char *sub;
    PetscReal tv, tc;
  } var[]      = {{"cyl1", 0, 1e-9},   {"cyl1q", 0, 1e-9},  {"cyl1s", 0, 1e-9},   {"cyl1x", 0, 1e-9},
                  {"cyl1n2", 0, 1e-9}, {"cyl2", 0.03, 0.3}, {"cyl1r", 0.015, 0.2}};
  PetscReal v0 = 0, c0[3] = {0, 0, 0};
  VfeImage m, img;

  PetscFunctionBeginUser;
  for (size_t a = 0; a < sizeof var / sizeof var[0]; ++a) {
    PetscReal vol, cen[3], mean, mlo, mhi, dc = 0;
    PetscCall(ReadPair(dir, var[a].sub, &m, &img));
    PetscCall(MaskStats(&m, &img, &vol, cen, &mean, &mlo, &mhi));
    if (!a) {
      v0 = vol;
      for (int r = 0; r < 3; ++r) c0[r] = cen[r];
      CHECK(PetscAbsReal(vol / (PETSC_PI * 100 * 30) - 1) < 0.01, "%s: volume %.1f mm3, exact cylinder %.1f",
            var[a].sub, (double)vol, (double)(PETSC_PI * 100 * 30));
    }
    for (int r = 0; r < 3; ++r) dc = PetscMax(dc, PetscAbsReal(cen[r] - c0[r]));
    CHECK(PetscAbsReal(vol / v0 - 1) <= var[a].tv + 1e-12, "%s: volume %.1f mm3 (cyl1 %.1f)", var[a].sub, (double)vol,
          (double)v0);
    CHECK(dc <= var[a].tc, "%s: centroid (%.3f, %.3f, %.3f), %.2g mm from cyl1's; ctimage's centre (10, -20, 30)",
          var[a].sub, (double)cen[0], (double)cen[1], (double)cen[2], (double)dc);
    CHECK(PetscAbsReal(mean - 200) < 1e-4, "%s: mean density %.4f (200)", var[a].sub, (double)mean);
    PetscCall(VfeImageDestroy(&m));
    PetscCall(VfeImageDestroy(&img));
  }
  /* a NaN voxel (libnifti's own loader would turn it into 0) */
  {
    char path[PETSC_MAX_PATH_LEN];
    PetscErrorCode err;
    VfeImage b;

    PetscCall(PetscSNPrintf(path, sizeof path, "%s/cylnan/image.nii.gz", dir));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    err = VfeImageRead(path, &b);
    PetscCall(PetscPopErrorHandler());
    CHECK(err == PETSC_ERR_FILE_UNEXPECTED, "an image with a NaN voxel is refused (error %d)", (int)err);
  }
  /* VfeImageBcast: rank 0's image on every rank (the others read nothing) */
  {
    char path[PETSC_MAX_PATH_LEN];
    PetscMPIInt rank;
    double sum = 0, sum0, smin;
    VfeImage b;

    PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
    PetscCall(PetscSNPrintf(path, sizeof path, "%s/layers1/image.nii.gz", dir));
    PetscCall(PetscMemzero(&b, sizeof b));
    if (!rank) PetscCall(VfeImageRead(path, &b));
    PetscCall(VfeImageBcast(PETSC_COMM_WORLD, &b));
    for (PetscInt j = 0; j < b.n[0] * b.n[1] * b.n[2]; ++j) sum += b.v[j] * (1 + j % 7);
    sum0 = smin = sum;
    PetscCallMPI(MPI_Bcast(&sum0, 1, MPI_DOUBLE, 0, PETSC_COMM_WORLD));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &smin, 1, MPI_DOUBLE, MPI_MIN, PETSC_COMM_WORLD));
    CHECK(sum == sum0 && smin == sum0 && b.n[0] == 40 && b.A[2][2] == 1 && !strcmp(b.path, path),
          "VfeImageBcast: %d x %d x %d voxels, the same values on every rank", (int)b.n[0], (int)b.n[1], (int)b.n[2]);
    PetscCall(VfeImageDestroy(&b));
  }
  /* layers: lower and upper halves, on 1 and 2 mm (2 mm: the interface row, centred at z = 0, is upper) */
  for (int s = 0; s < 2; ++s) {
    PetscReal vol, cen[3], mean, mlo, mhi;
    PetscCall(ReadPair(dir, s ? "layers2" : "layers1", &m, &img));
    PetscCall(MaskStats(&m, &img, &vol, cen, &mean, &mlo, &mhi));
    CHECK(PetscAbsReal(mlo - 100) < 1e-4 && PetscAbsReal(mhi - 300) < 1e-4,
          "layers %d mm: mean density below z = 30: %.3f (100), above: %.3f (300)", s + 1, (double)mlo, (double)mhi);
    PetscCall(VfeImageDestroy(&m));
    PetscCall(VfeImageDestroy(&img));
  }
  PetscFunctionReturn(0);
}

static PetscInt FindRegion(VfeCTReport r, const char *name)
{
  for (PetscInt i = 0; i < r->nregions; ++i)
    if (!strcmp(r->region[i], name)) return i;
  return -1;
}

/* mesh the case set in the options into path, view the report, load the file back */
static PetscErrorCode MeshAndLoad(const char *path, VfeCTReport *rep)
{
  DM dm;
  VfeMeshInfo info;
  PetscInt c0, c1, nc;

  PetscFunctionBeginUser;
  PetscCall(VfeCTMesh(PETSC_COMM_WORLD, path, rep));
  PetscCall(VfeCTReportView(*rep, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(VfeMeshLoad(PETSC_COMM_WORLD, path, &dm, &info));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &c0, &c1));
  nc = c1 - c0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &nc, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD));
  CHECK(nc == (*rep)->ntets && info.nregions == (*rep)->nregions && info.nsurfaces == 2 &&
            VfeMeshInfoFindSurface(&info, "load_top") >= 0 && VfeMeshInfoFindSurface(&info, "fixed_bottom") >= 0,
        "%s loads: %" PetscInt_FMT " tetrahedra, %" PetscInt_FMT " regions, %" PetscInt_FMT
        " boundaries (load_top, fixed_bottom)",
        path, nc, info.nregions, info.nsurfaces);
  PetscCall(VfeMeshInfoDestroy(&info));
  PetscCall(DMDestroy(&dm));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestCylinder(const char *dir)
{
  char mask[PETSC_MAX_PATH_LEN], image[PETSC_MAX_PATH_LEN], mesher[16] = "cgal";
  const char *subs[] = {"cyl1", "cyl1q", "cyl1s"};
  PetscBool plates   = PETSC_TRUE;
  PetscReal v0 = 0, area = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-ct_mesher", mesher, sizeof mesher, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-ct_plates", &plates, NULL));
  for (int a = 0; a < 3; ++a) {
    VfeCTReport r;
    const PetscBool vox = (PetscBool)!strcmp(mesher, "voxel");
    /* CGAL follows the smooth cylinder more closely than the voxels do (exact 9424.8, voxels 9480 mm3) */
    PetscReal vvox, bodyv = 0, tol = vox ? 1e-9 : 0.01;
    const char *need[] = {"L2.cancellous",   "L2.cortical", "L2.endplate_sup",
                          "L2.endplate_inf", "load_plate",  "base_plate"};
    PetscBool all      = PETSC_TRUE;

    PetscCall(PetscSNPrintf(mask, sizeof mask, "%s/%s/mask.nii.gz", dir, subs[a]));
    PetscCall(PetscSNPrintf(image, sizeof image, "%s/%s/image.nii.gz", dir, subs[a]));
    PetscCall(PetscOptionsSetValue(NULL, "-ct_mask", mask));
    PetscCall(PetscOptionsSetValue(NULL, "-ct_image", image));
    PetscCall(PetscOptionsSetValue(NULL, "-ct_labels_body", "1"));
    PetscCall(MeshAndLoad("test_ct_cylinder.msh", &r));
    vvox = r->body_voxel_volume;
    for (int k = 0; k < (plates ? 6 : 4); ++k)
      all = all && FindRegion(r, need[k]) >= 0 && r->region_tets[FindRegion(r, need[k])] > 0;
    CHECK(all && r->nregions == (plates ? 6 : 4), "%s: %" PetscInt_FMT " regions, each with tetrahedra", subs[a],
          r->nregions);
    for (int k = 0; k < 4; ++k) bodyv += r->region_volume[FindRegion(r, need[k])];
    CHECK(PetscAbsReal(bodyv - r->body_volume) < 1e-6 * bodyv && PetscAbsReal(r->body_volume / vvox - 1) <= tol,
          "%s: body on the mesh %.1f mm3, on the voxels %.1f mm3 (%+.3f %%, allowed %g %%)", subs[a],
          (double)r->body_volume, (double)vvox, (double)(100 * (r->body_volume / vvox - 1)), (double)(100 * tol));
    CHECK(PetscAbsReal(r->body_volume / (PETSC_PI * 100 * 30) - 1) < (vox ? 0.01 : 0.005),
          "%s: body %.1f mm3, exact cylinder %.1f", subs[a], (double)r->body_volume, (double)(PETSC_PI * 100 * 30));
    CHECK(PetscAbsReal(r->body_centroid[0] - Cw[0]) < 0.05 && PetscAbsReal(r->body_centroid[1] - Cw[1]) < 0.05 &&
              PetscAbsReal(r->body_centroid[2] - Cw[2]) < 0.05,
          "%s: body centroid (%.3f, %.3f, %.3f), ctimage's centre (10, -20, 30)", subs[a], (double)r->body_centroid[0],
          (double)r->body_centroid[1], (double)r->body_centroid[2]);
    CHECK(r->si_axis == (a ? 1 : 2) && r->si_sign == 1 && PetscAbsReal(r->body_height_mm - 30) < 1e-9,
          "%s: S-I axis %" PetscInt_FMT " (sign %+d), body height %.1f mm (30)", subs[a], r->si_axis, (int)r->si_sign,
          (double)r->body_height_mm);
    if (plates)
      CHECK(PetscAbsReal(r->plate_distance_mm - 34) < 1e-9 && PetscAbsReal(r->plate_mm - 2) < 1e-9,
            "%s: plates %.1f mm beyond the body, planes %.2f mm apart (34)", subs[a], (double)r->plate_mm,
            (double)r->plate_distance_mm);
    /* the plates are flat and cover the footprint: load_top = the body's cross-section (the voxel disc: 316 mm2), with
       CGAL less the plate's rounded rim (about 1 mm at 1 mm: no sharp-edge protection); without plates the body's
       upward faces */
    CHECK((vox ? PetscAbsReal(r->load_top_area / 316 - 1) < 1e-9
               : r->load_top_area > 0.7 * 316 && r->load_top_area < 1.02 * 316) &&
              PetscAbsReal(r->fixed_bottom_area / r->load_top_area - 1) < 0.05,
          "%s: load_top %.1f mm2, fixed_bottom %.1f mm2 (voxel disc 316 mm2)", subs[a], (double)r->load_top_area,
          (double)r->fixed_bottom_area);
    /* layers: the cortex and endplates are thin shells of about the body's surface times a fraction of h */
    {
      const PetscReal cort = r->region_volume[FindRegion(r, "L2.cortical")],
                      eps  = r->region_volume[FindRegion(r, "L2.endplate_sup")],
                      epi  = r->region_volume[FindRegion(r, "L2.endplate_inf")];
      CHECK(cort > 0.2 * 0.5 * 2 * PETSC_PI * 10 * 30 && cort < 2.5 * 2 * PETSC_PI * 10 * 30 && eps > 0.2 * 0.5 * 314 &&
                eps < 2.5 * 314 && PetscAbsReal(eps / epi - 1) < 0.25,
            "%s: cortical %.1f mm3 (lateral surface 1885 mm2), endplates %.1f / %.1f mm3 (314 mm2 each)", subs[a],
            (double)cort, (double)eps, (double)epi);
    }
    CHECK(r->quality_min > (vox ? 0.6 : 0.02), "%s: quality min %.3f, 1%% %.3f", subs[a], (double)r->quality_min,
          (double)r->quality_p01);
    if (!a) {
      /* the same case again: the same mesh (hash) */
      VfeCTReport r2;
      PetscCall(VfeCTMesh(PETSC_COMM_WORLD, "test_ct_cylinder.msh", &r2));
      CHECK(r2->hash == r->hash && r2->ntets == r->ntets, "%s: meshed twice, hash %016llx and %016llx", subs[a],
            r->hash, r2->hash);
      PetscCall(VfeCTReportDestroy(&r2));
      v0 = r->body_volume, area = r->load_top_area;
    } else
      CHECK(PetscAbsReal(r->body_volume / v0 - 1) < 0.005 && PetscAbsReal(r->load_top_area / area - 1) < 0.05,
            "%s: body %.1f mm3, load_top %.1f mm2 as cyl1 (%.1f, %.1f)", subs[a], (double)r->body_volume,
            (double)r->load_top_area, (double)v0, (double)area);
    PetscCall(VfeCTReportDestroy(&r));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode TestSphere(const char *dir)
{
  const PetscReal body = PETSC_PI * 225 * 30, sph = 4.0 / 3.0 * PETSC_PI * 216;
  /* cap of the sphere (radius 6, centre 4 mm from the plane x = 0) on the near side: height 2 */
  const PetscReal cap = PETSC_PI * 4 * (3 * 6 - 2) / 3.0;
  char p[PETSC_MAX_PATH_LEN];
  VfeCTReport r, rl;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(p, sizeof p, "%s/sphere1/mask.nii.gz", dir));
  PetscCall(PetscOptionsSetValue(NULL, "-ct_mask", p));
  PetscCall(PetscSNPrintf(p, sizeof p, "%s/sphere1/postop.nii.gz", dir));
  PetscCall(PetscOptionsSetValue(NULL, "-ct_cement_image", p));
  PetscCall(PetscOptionsSetValue(NULL, "-ct_labels_body", "1"));
  PetscCall(MeshAndLoad("test_ct_sphere.msh", &r));
  CHECK(FindRegion(r, "L2.cement") >= 0, "the mesh has L2.cement");
  CHECK(PetscAbsReal(r->fill_ratio_voxels - sph / body) < 0.003,
        "rate on the voxels %.4f, exact %.4f (sphere %.1f / cylinder %.1f mm3)", (double)r->fill_ratio_voxels,
        (double)(sph / body), (double)sph, (double)body);
  CHECK(PetscAbsReal(r->fill_ratio - r->fill_ratio_voxels) < 0.005, "rate on the mesh %.4f, on the voxels %.4f",
        (double)r->fill_ratio, (double)r->fill_ratio_voxels);
  CHECK(PetscAbsReal(r->larger_side_ratio - (sph - cap) / body) < 0.003 &&
            PetscAbsReal(r->larger_side_ratio_voxels - (sph - cap) / body) < 0.003,
        "larger side %.4f (mesh), %.4f (voxels), exact %.4f", (double)r->larger_side_ratio,
        (double)r->larger_side_ratio_voxels, (double)((sph - cap) / body));
  CHECK(r->threshold > 200 && r->threshold < 3000 && r->fill_ratio_thr_minus == r->fill_ratio_voxels &&
            r->fill_ratio_thr_plus == r->fill_ratio_voxels && !strcmp(r->threshold_method, "otsu"),
        "otsu threshold %.1f HU; rate %.4f at -200, %.4f at +200", (double)r->threshold,
        (double)r->fill_ratio_thr_minus, (double)r->fill_ratio_thr_plus);
  CHECK(!r->touches_endplate_sup && !r->touches_endplate_inf && r->leak_volume == 0,
        "central sphere: touches no endplate (sup %d, inf %d), leakage %.1f mm3", (int)r->touches_endplate_sup,
        (int)r->touches_endplate_inf, (double)r->leak_volume);

  /* the same cement as labels of the mask: the same voxels */
  PetscCall(PetscOptionsClearValue(NULL, "-ct_cement_image"));
  PetscCall(PetscSNPrintf(p, sizeof p, "%s/sphere1/mask_cement.nii.gz", dir));
  PetscCall(PetscOptionsSetValue(NULL, "-ct_mask", p));
  PetscCall(PetscOptionsSetValue(NULL, "-ct_labels_cement", "3"));
  PetscCall(MeshAndLoad("test_ct_sphere_labels.msh", &rl));
  CHECK(rl->fill_ratio_voxels == r->fill_ratio_voxels && PetscAbsReal(rl->fill_ratio - r->fill_ratio) < 1e-9 &&
            !strcmp(rl->cement_source, "labels"),
        "cement from ct_labels_cement: rate %.4f (voxels), %.4f (mesh), as from the post-op image",
        (double)rl->fill_ratio_voxels, (double)rl->fill_ratio);
  PetscCall(VfeCTReportDestroy(&rl));
  PetscCall(PetscOptionsClearValue(NULL, "-ct_labels_cement"));

  /* touching the superior endplate, with a leak; half-maximum and numeric thresholds */
  PetscCall(PetscSNPrintf(p, sizeof p, "%s/sphere1t/mask.nii.gz", dir));
  PetscCall(PetscOptionsSetValue(NULL, "-ct_mask", p));
  PetscCall(PetscSNPrintf(p, sizeof p, "%s/sphere1t/postop.nii.gz", dir));
  PetscCall(PetscOptionsSetValue(NULL, "-ct_cement_image", p));
  for (int t = 0; t < 2; ++t) {
    VfeCTReport rt;
    PetscCall(PetscOptionsSetValue(NULL, "-ct_cement_threshold", t ? "1500" : "halfmax"));
    PetscCall(MeshAndLoad("test_ct_sphere_touch.msh", &rt));
    CHECK(rt->touches_endplate_sup && !rt->touches_endplate_inf,
          "threshold %s (%g): sphere at z + 10 touches the superior endplate only (sup %d, inf %d)",
          t ? "1500" : "halfmax", (double)rt->threshold, (int)rt->touches_endplate_sup, (int)rt->touches_endplate_inf);
    /* leak sphere radius 2 (33.5 mm3 exactly; 33 voxels of 1 mm) */
    CHECK(PetscAbsReal(rt->leak_volume - 4.0 / 3.0 * PETSC_PI * 8) < 6, "leakage %.1f mm3 (sphere 33.5 mm3)",
          (double)rt->leak_volume);
    CHECK(rt->threshold == (t ? 1500 : 0.5 * (200 + 3000)), "threshold %s = %g", t ? "value" : "halfmax",
          (double)rt->threshold);
    PetscCall(VfeCTReportDestroy(&rt));
  }
  PetscCall(PetscOptionsClearValue(NULL, "-ct_cement_threshold"));
  PetscCall(VfeCTReportDestroy(&r));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestL2(const char *shared, PetscBool *missing)
{
  char mask[PETSC_MAX_PATH_LEN], image[PETSC_MAX_PATH_LEN];
  PetscBool e1, e2;

  PetscFunctionBeginUser;
  PetscCall(
      PetscSNPrintf(mask, sizeof mask, "%s/data/anatomy/verse-l2-ct/sub-verse004_0000_vertebra_21_seg.nii.gz", shared));
  PetscCall(PetscSNPrintf(image, sizeof image, "%s/data/anatomy/verse-l2-ct/sub-verse004_0000_vertebra_21_im.nii.gz",
                          shared));
  PetscCall(PetscTestFile(mask, 'r', &e1));
  PetscCall(PetscTestFile(image, 'r', &e2));
  *missing = (PetscBool)(!e1 || !e2);
  if (*missing) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "skipped: the shared L2 is not at %s\n", mask));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscOptionsSetValue(NULL, "-ct_mask", mask));
  PetscCall(PetscOptionsSetValue(NULL, "-ct_image", image));
  PetscCall(PetscOptionsSetValue(NULL, "-ct_labels_body", "1,2"));
  PetscCall(PetscOptionsSetValue(NULL, "-ct_labels_posterior", "3,4"));
  PetscCall(PetscOptionsSetValue(NULL, "-mesh_size_mm", "1"));
  for (int v = 0; v < 2; ++v) {
    VfeCTReport r;
    PetscCall(PetscOptionsSetValue(NULL, "-ct_mesher", v ? "voxel" : "cgal"));
    PetscCall(MeshAndLoad("test_ct_l2.msh", &r));
    CHECK(r->nregions == 7 && FindRegion(r, "L2.posterior") >= 0, "%s: %" PetscInt_FMT " regions with L2.posterior",
          r->mesher, r->nregions);
    /* labels 1 and 2: 22553 + 11093 voxels of 1 mm^3 */
    CHECK(r->body_voxel_volume == 33646, "%s: body voxels %.0f mm3 (33646)", r->mesher, (double)r->body_voxel_volume);
    CHECK(PetscAbsReal(r->body_volume / r->body_voxel_volume - 1) < (v ? 1e-9 : 0.005),
          "%s: body on the mesh %.1f mm3 (%+.2f %%)", r->mesher, (double)r->body_volume,
          (double)(100 * (r->body_volume / r->body_voxel_volume - 1)));
    CHECK(v || (r->ntets > 150000 && r->ntets < 450000), "%s: %" PetscInt_FMT " tetrahedra, quality min %.3f",
          r->mesher, r->ntets, (double)r->quality_min);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "timing: %s at 1 mm: %.2f s (mesher %.2f s)\n", r->mesher,
                          (double)r->mesh_seconds, (double)r->t_mesher));
    PetscCall(VfeCTReportDestroy(&r));
  }
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char part[32] = "", dir[PETSC_MAX_PATH_LEN] = ".", shared[PETSC_MAX_PATH_LEN] = "../shared";
  PetscBool missing = PETSC_FALSE;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test_part", part, sizeof part, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test_dir", dir, sizeof dir, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test_shared", shared, sizeof shared, NULL));
  if (!strcmp(part, "header"))
    PetscCall(TestHeader(dir));
  else if (!strcmp(part, "cylinder"))
    PetscCall(TestCylinder(dir));
  else if (!strcmp(part, "sphere"))
    PetscCall(TestSphere(dir));
  else if (!strcmp(part, "l2"))
    PetscCall(TestL2(shared, &missing));
  else
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-test_part: header, cylinder, sphere or l2");
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", nfail));
  PetscCall(PetscFinalize());
  return nfail ? 1 : missing ? 77 : 0;
}
