/*
 * test_meshkeys.c - VfeMeshCheckGeometryKeys(), the pre-meshing check a driver runs (issue 8,
 * B.2): each case sets options, runs the check for a geometry and asserts that it passes, or fails
 * with exit-1 class error (PETSC_ERR_USER_INPUT) whose message contains the expected text.
 */
#include "vfemesh.h"

static int nfail = 0;

static PetscErrorCode Case(const char *options, const char *geometry, const char *want)
{
  PetscErrorCode err;
  const char *text;
  char *msg = NULL;
  PetscBool ok;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, options));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  err = VfeMeshCheckGeometryKeys(PETSC_COMM_WORLD, geometry);
  PetscCall(PetscPopErrorHandler());
  if (err) PetscCall(PetscErrorMessage(err, &text, &msg));
  ok = want ? (PetscBool)(err == PETSC_ERR_USER_INPUT && msg && strstr(msg, want)) : (PetscBool)!err;
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: %s [%s]: %s\n", ok ? "ok" : "FAILED", geometry, options,
                        err ? (msg ? msg : text) : "accepted"));
  if (!ok) ++nfail;
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(Case("-mesh_size_mm 5", "simple", NULL));
  PetscCall(Case("-mesh_size_mm 5 -segment_treated L2 -cement_pattern diffuse -cement_diffuse_fraction 0.5 "
                 "-cement_material cpc",
                 "simple", NULL));
  PetscCall(Case("-mesh_size_mm 5 -segment_L2_body_width 45", "simple", "segment_L2_body_width"));
  PetscCall(Case("-mesh_size_mm 5 -cement_offset_mm inf -fracture_wedge 0.1", "simple",
                 "cement_offset_mm, fracture_wedge: do not apply"));
  PetscCall(Case("-mesh_size_mm 1e-3", "simple", "would make about"));
  PetscCall(Case("-mesh_size_mm 0.4", "simple", "mesh_max_elements"));
  PetscCall(Case("-mesh_size_mm 0.4 -mesh_max_elements 1e7", "simple", NULL));
  PetscCall(Case("-mesh_size_mm", "simple", "mesh_size_mm = (no value) is not allowed"));
  PetscCall(Case("-mesh_size_mm nan", "simple", "mesh_size_mm = nan is not allowed"));
  PetscCall(Case("-mesh_size_mm 60", "simple", "mesh_size_mm = 60"));
  PetscCall(Case("-mesh_file", "simple", "mesh_file has an empty value"));
  PetscCall(Case("-mesh_file", "segment", "mesh_file has an empty value"));
  PetscCall(Case("-segment_L2_body_width 45", "segment", NULL));
  PetscCall(Case("", "cube", "mesh_geometry: unknown value 'cube'"));
  PetscCall(
      Case("-ct_mask m.nii.gz -ct_labels_body 1 -mesh_size_mm 0.8 -cement_material cpc -mesh_verbose", "ct", NULL));
  PetscCall(Case("-ct_image i.nii.gz", "ct", "needs ct_mask"));
  PetscCall(Case("-ct_mask m.nii.gz -segment_levels L1-L3 -cement_fill_ratio 0.2", "ct",
                 "do not apply with mesh_geometry ct"));
  PetscCall(Case("-ct_mask m.nii.gz -mesh_threads 4", "ct", "mesh_threads: does not apply"));
  PetscCall(Case("-ct_mask m.nii.gz -mesh_size_mm 51", "ct", "mesh_size_mm = 51"));
  PetscCall(Case("-ct_mask m.nii.gz", "segment", "ct_mask: does not apply with mesh_geometry segment"));
  PetscCall(Case("-mesh_size_mm 5 -ct_plates false", "simple", "ct_plates: does not apply"));
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%d failed\n", nfail));
  PetscCall(PetscFinalize());
  return nfail ? 1 : 0;
}
