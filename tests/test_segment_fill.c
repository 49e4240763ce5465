/*
 * test_segment_fill.c - one segment mesh, checked against its request.
 *
 * Run with the case options on the command line (-cement_pattern, -cement_fill_ratio, ...).
 * Checks: fill ratio measured on the mesh within 0.5 points of the request; every tetrahedron of
 * the written MSH file in exactly one volume group (re-read with Gmsh, independent of the
 * mesher's own count); minimum quality above -test_qmin, 1st percentile above -test_q01 (0.2); the
 * endplate-contact flags given by
 * -test_touch none|both|any.  Prints one line per check, exits non-zero on any failure.
 */
#include "vfemesh.h"

static int failures = 0;

static void Check(PetscBool ok, const char *what, double got, double want, double tol)
{
  PetscCallAbort(PETSC_COMM_WORLD, PetscPrintf(PETSC_COMM_WORLD, "%s %-40s got %.5g want %.5g tol %.3g\n",
                                               ok ? "ok  " : "FAIL", what, got, want, tol));
  if (!ok) failures++;
}

/* count tetrahedra per volume physical group in the file; return total and sum over groups */
static PetscErrorCode CountFile(const char *path, size_t *total, size_t *ingroups, size_t *maxmult)
{
  int ierr, *pg = NULL;
  size_t npg = 0;
  size_t *et = NULL, net = 0, *en = NULL, nen = 0;

  PetscFunctionBeginUser;
  gmshInitialize(0, NULL, 0, &ierr);
  gmshOptionSetNumber("General.Terminal", 0, &ierr);
  PetscCall(VfeGmshCall((gmshOpen(path, &ierr), ierr), "open"));
  PetscCall(VfeGmshCall((gmshModelMeshGetElementsByType(4, &et, &net, &en, &nen, -1, 0, 1, &ierr), ierr), "tets"));
  *total    = net;
  *ingroups = 0;
  *maxmult  = 0;
  {
    size_t maxtag = 0;
    unsigned char *mult;
    for (size_t i = 0; i < net; i++) maxtag = PetscMax(maxtag, et[i]);
    PetscCall(PetscCalloc1(maxtag + 1, &mult));
    PetscCall(VfeGmshCall((gmshModelGetPhysicalGroups(&pg, &npg, 3, &ierr), ierr), "groups"));
    for (size_t g = 0; g < npg; g += 2) {
      int *ent    = NULL;
      size_t nent = 0;
      PetscCall(VfeGmshCall((gmshModelGetEntitiesForPhysicalGroup(3, pg[g + 1], &ent, &nent, &ierr), ierr), "ents"));
      for (size_t k = 0; k < nent; k++) {
        size_t *t2 = NULL, n2 = 0, *e2 = NULL, ne2 = 0;
        PetscCall(
            VfeGmshCall((gmshModelMeshGetElementsByType(4, &t2, &n2, &e2, &ne2, ent[k], 0, 1, &ierr), ierr), "t"));
        for (size_t i = 0; i < n2; i++) mult[t2[i]]++;
        *ingroups += n2;
        gmshFree(t2);
        gmshFree(e2);
      }
      gmshFree(ent);
    }
    for (size_t i = 0; i < net; i++) *maxmult = PetscMax(*maxmult, (size_t)mult[et[i]]);
    for (size_t i = 0; i < net; i++)
      if (!mult[et[i]]) *maxmult = 0; /* a tet in no group */
    PetscCall(PetscFree(mult));
  }
  gmshFree(pg);
  gmshFree(et);
  gmshFree(en);
  gmshFinalize(&ierr);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  VfeSegmentReport rep;
  char path[PETSC_MAX_PATH_LEN] = "test_segment_fill.msh", touch[16] = "";
  PetscReal qmin = 0.02, q01 = 0.2;
  size_t total = 0, ingroups = 0, mult = 0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test_msh", path, sizeof path, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-test_touch", touch, sizeof touch, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_qmin", &qmin, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-test_q01", &q01, NULL));
  PetscCall(VfeSegmentMesh(PETSC_COMM_WORLD, path, &rep));
  PetscCall(VfeSegmentReportView(rep, PETSC_VIEWER_STDOUT_WORLD));
  if (rep->fill_requested > 0)
    Check((PetscBool)(PetscAbsReal(rep->fill_ratio - rep->fill_requested) <= 0.005), "fill ratio on the mesh",
          rep->fill_ratio, rep->fill_requested, 0.005);
  Check((PetscBool)(rep->larger_side_ratio >= 0.5 * rep->fill_ratio - 1e-12 &&
                    rep->larger_side_ratio <= rep->fill_ratio + 1e-12),
        "larger-side ratio in [fill/2, fill]", rep->larger_side_ratio, rep->fill_ratio, 0);
  Check((PetscBool)(rep->quality_min > qmin), "minimum element quality", rep->quality_min, qmin, 0);
  Check((PetscBool)(rep->quality_p01 > q01), "1st-percentile element quality", rep->quality_p01, q01, 0);
  if (!strcmp(touch, "both"))
    Check((PetscBool)(rep->touches_endplate_sup && rep->touches_endplate_inf), "cement touches both endplates",
          rep->touches_endplate_sup + rep->touches_endplate_inf, 2, 0);
  if (!strcmp(touch, "none"))
    Check((PetscBool)(!rep->touches_endplate_sup && !rep->touches_endplate_inf), "cement touches no endplate",
          rep->touches_endplate_sup + rep->touches_endplate_inf, 0, 0);
  if (!strcmp(rep->leak, "none"))
    Check((PetscBool)(rep->leak_volume == 0), "no leak volume", rep->leak_volume, 0, 0);
  else
    Check((PetscBool)(rep->leak_volume > 50), "leak volume present", rep->leak_volume, 50, 0);
  PetscCall(CountFile(path, &total, &ingroups, &mult));
  Check((PetscBool)(total == (size_t)rep->ntets && ingroups == total && mult == 1),
        "file: every tetrahedron in exactly one region", (double)ingroups, (double)total, 0);
  PetscCall(VfeSegmentReportDestroy(&rep));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", failures ? "FAILED" : "PASSED"));
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
