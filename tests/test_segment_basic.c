/*
 * test_segment_basic.c - segment mesher: volumes against formulas, determinism, bad input.
 *
 *  1. No cement, coarse mesh: body, disc and load-plate volumes measured on the tetrahedra agree
 *     with the formulas of the construction (D-section area x height minus the two half-ellipsoid
 *     concavities; disc prism plus the adjacent concavities; plate prism plus the top concavity)
 *     within 1 % (faceting of curved surfaces), and every region is non-empty.
 *  2. The same case meshed twice gives the same mesh hash (-test_part determinism: twice in one
 *     process; -test_part hash: one mesh, printed, for the cross-process check of segment.cmake,
 *     which runs two processes at once).
 *  3. Bad input: each case must fail with a non-zero code and a message naming the key.
 * -test_part volumes|determinism|bad selects one part (one ctest each).
 */
#include "vfemesh.h"
#include <unistd.h>

static int failures = 0;

static void Check(PetscBool ok, const char *what, double got, double want, double tol)
{
  PetscCallAbort(PETSC_COMM_WORLD, PetscPrintf(PETSC_COMM_WORLD, "%s %-52s got %.6g want %.6g tol %.3g\n",
                                               ok ? "ok  " : "FAIL", what, got, want, tol));
  if (!ok) failures++;
}

static double SectionArea(double W, double D)
{
  double h = 0.75;
  return 0.5 * W * (D / 1.75) * (PETSC_PI - acos(h) + h * sqrt(1 - h * h));
}

static double HalfEllipsoid(double a, double b, double c)
{
  return 2.0 / 3.0 * PETSC_PI * a * b * c;
}

static double Region(VfeSegmentReport r, const char *name)
{
  for (PetscInt i = 0; i < r->nregions; i++)
    if (!strcmp(r->region[i], name)) return r->region_volume[i];
  return -1;
}

/* dome footprint = nucleus ellipse of area frac * A + 2 mm (as documented in segment.c) */
static void Dome(double W, double D, double frac, double *ra, double *rb)
{
  double A = SectionArea(W, D), ry = sqrt(frac * A / PETSC_PI * (D / 2) / (W / 2)), rx = ry * (W / 2) / (D / 2);
  *ra = rx + 2, *rb = ry + 2;
}

static PetscErrorCode BadCase(const char *opts, const char *key)
{
  VfeSegmentReport rep = NULL;
  PetscErrorCode ierr;
  const char *msg = NULL;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = VfeSegmentMesh(PETSC_COMM_WORLD, "test_segment_bad.msh", &rep);
  PetscCall(PetscPopErrorHandler());
  PetscCall(PetscErrorMessage(ierr, NULL, (char **)&msg));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  [%s] -> %d: %s\n", opts, (int)ierr, msg ? msg : "(none)"));
  Check((PetscBool)(ierr != 0 && msg && strstr(msg, key)), key, (double)ierr, 1, 0);
  if (!ierr) PetscCall(VfeSegmentReportDestroy(&rep));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  VfeSegmentReport r1, r2;
  double W = 42, D = 33.5, H = 25, A, ra, rb, ra2, rb2, want;

  char part[32] = "volumes";

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test_part", part, sizeof part, NULL));
  PetscCall(PetscOptionsClearValue(NULL, "-test_part"));
  if (strcmp(part, "volumes")) goto determinism;
  /* 1. volumes, no cement (L1-L2: one disc, nucleus fraction 0.45 on both levels) */
  PetscCall(PetscOptionsInsertString(NULL, "-segment_levels L1-L2 -cement_pattern none -mesh_size_mm 2"));
  PetscCall(VfeSegmentMesh(PETSC_COMM_WORLD, "test_segment_basic.msh", &r1));
  PetscCall(VfeSegmentReportView(r1, PETSC_VIEWER_STDOUT_WORLD));
  A = SectionArea(W, D);
  Dome(W, D, 0.45, &ra, &rb);
  ra2 = ra, rb2 = rb;
  {
    const char *lv[2] = {"L1", "L2"};
    for (int l = 0; l < 2; l++) {
      char n[64];
      double got           = 0;
      const char *parts[4] = {"cortical", "cancellous", "endplate_sup", "endplate_inf"};
      for (int k = 0; k < 4; k++) {
        PetscCall(PetscSNPrintf(n, sizeof n, "%s.%s", lv[l], parts[k]));
        Check((PetscBool)(Region(r1, n) > 0), n, Region(r1, n), 0, 0);
        got += Region(r1, n);
      }
      want = A * H - HalfEllipsoid(ra, rb, 0.7) - HalfEllipsoid(ra2, rb2, 1.5);
      PetscCall(PetscSNPrintf(n, sizeof n, "%s body volume (formula)", lv[l]));
      Check((PetscBool)(PetscAbsReal(got - want) < 0.01 * want), n, got, want, 0.01 * want);
    }
  }
  want = A * 9 + HalfEllipsoid(ra, rb, 1.5) + HalfEllipsoid(ra, rb, 0.7);
  Check((PetscBool)(PetscAbsReal(Region(r1, "L1L2.nucleus") + Region(r1, "L1L2.annulus") - want) < 0.01 * want),
        "L1L2 disc volume (prism + both concavities)", Region(r1, "L1L2.nucleus") + Region(r1, "L1L2.annulus"), want,
        0.01 * want);
  want = A * 5 + HalfEllipsoid(ra, rb, 0.7);
  Check((PetscBool)(PetscAbsReal(Region(r1, "load_plate") - want) < 0.01 * want), "load plate volume",
        Region(r1, "load_plate"), want, 0.01 * want);
  want = PETSC_PI * (ra - 2) * (rb - 2) * 9 + HalfEllipsoid(ra, rb, 1.5) + HalfEllipsoid(ra, rb, 0.7);
  Check((PetscBool)(PetscAbsReal(Region(r1, "L1L2.nucleus") - want) < 0.01 * want), "L1L2 nucleus volume",
        Region(r1, "L1L2.nucleus"), want, 0.01 * want);
  Check((PetscBool)(r1->quality_min > 0.02), "minimum quality", r1->quality_min, 0.02, 0);
  PetscCall(VfeSegmentReportDestroy(&r1));

  goto done;
determinism:
  if (!strcmp(part, "hash")) {
    /* one mesh per process: segment.cmake runs two of these at once and compares the lines */
    char path[64];
    PetscCall(PetscSNPrintf(path, sizeof path, "test_segment_hash_%d.msh", (int)getpid()));
    PetscCall(PetscOptionsInsertString(NULL, "-mesh_size_mm 2.5"));
    PetscCall(VfeSegmentMesh(PETSC_COMM_WORLD, path, &r1));
    (void)remove(path);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "mesh hash %016llx nodes %d tets %d\n", r1->hash, (int)r1->nnodes,
                          (int)r1->ntets));
    PetscCall(VfeSegmentReportDestroy(&r1));
    goto done;
  }
  if (strcmp(part, "determinism")) goto bad;
  /* 2. determinism (default pattern, coarse) */
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, "-mesh_size_mm 2.5"));
  PetscCall(VfeSegmentMesh(PETSC_COMM_WORLD, "test_segment_det1.msh", &r1));
  PetscCall(VfeSegmentMesh(PETSC_COMM_WORLD, "test_segment_det2.msh", &r2));
  Check((PetscBool)(r1->hash == r2->hash && r1->ntets == r2->ntets), "same case, same mesh hash",
        (double)(r1->hash == r2->hash), 1, 0);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  hashes %016llx %016llx, %d tets\n", r1->hash, r2->hash, (int)r1->ntets));
  PetscCall(VfeSegmentReportDestroy(&r1));
  PetscCall(VfeSegmentReportDestroy(&r2));

  goto done;
bad:
  /* 3. bad input */
  PetscCall(BadCase("-cement_pattern blob", "cement_pattern"));
  PetscCall(BadCase("-segment_levels T11-L2", "segment_levels"));
  PetscCall(BadCase("-segment_levels L4-S1", "segment_levels"));
  PetscCall(BadCase("-segment_levels L3-L1", "segment_levels"));
  PetscCall(BadCase("-segment_L2_shell_thickness -0.5", "segment_L2_shell_thickness"));
  PetscCall(BadCase("-segment_L1_endplate_thickness -1", "segment_L1_endplate_thickness"));
  PetscCall(BadCase("-segment_L2_endplate_thickness 13", "segment_L2_endplate_thickness"));
  PetscCall(BadCase("-cement_fill_ratio 0", "cement_fill_ratio"));
  PetscCall(BadCase("-cement_fill_ratio 1.2", "cement_fill_ratio"));
  PetscCall(BadCase("-cement_fill_ratio -0.1", "cement_fill_ratio"));
  PetscCall(BadCase("-cement_pattern compact -cement_fill_ratio 0.6 -mesh_size_mm 3", "largest"));
  PetscCall(BadCase("-segment_treated L4", "segment_treated"));
  PetscCall(BadCase("-mesh_order 3", "mesh_order"));
  PetscCall(BadCase("-mesh_volume_mesher netgen", "mesh_volume_mesher"));
  PetscCall(BadCase("-mesh_threads 0", "mesh_threads"));
  PetscCall(BadCase("-fracture_wedge 0.7", "fracture_wedge"));
  PetscCall(BadCase("-cement_leak sideways", "cement_leak"));
  /* a per-level key outside the registry's range is named */
  PetscCall(BadCase("-segment_L2_body_width 150", "segment_L2_body_width"));
  /* posterior elements: registry ranges, then impossible morphometry (fails before any geometry) */
  PetscCall(BadCase("-segment_posterior_elements true -segment_facet_gap_mm 0", "segment_facet_gap_mm"));
  PetscCall(BadCase("-segment_posterior_elements true -segment_facet_gap_mm 3.5", "segment_facet_gap_mm"));
  PetscCall(BadCase("-segment_posterior_elements true -segment_facet_cartilage_mm 0", "segment_facet_cartilage_mm"));
  PetscCall(BadCase("-segment_posterior_elements true -segment_L2_facet_angle_deg 80", "segment_L2_facet_angle_deg"));
  PetscCall(BadCase("-segment_posterior_elements true -segment_L2_pedicle_width 14", "segment_L2_pedicle_width"));
  PetscCall(BadCase("-segment_posterior_elements true -segment_L1_pedicle_height 22", "segment_L1_pedicle_height"));
  PetscCall(BadCase("-segment_posterior_elements true -segment_L3_transverse_span 40", "segment_L3_transverse_span"));
  PetscCall(BadCase("-segment_posterior_elements true -segment_L1_facet_angle_deg 0 -segment_facet_cartilage_mm 3 "
                    "-segment_facet_gap_mm 3 -segment_L1_canal_width 14 -segment_L2_canal_width 14",
                    "segment_facet_gap_mm"));
  PetscCall(BadCase("-segment_posterior_elements true -segment_L2_canal_width 21", "segment_L2_canal_width"));
done:
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", failures ? "FAILED" : "PASSED"));
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
