/*
 * test_sweep.c - VfeSweep (app/sweep.c, with the real key registry) behind a stand-in for `vfe sweep`, with a fake case
 * runner instead of the solver, so that the sweep's logic (study checks, combinations, option layering, resume,
 * failures, table, windows, plots) is tested in seconds and on any rank count.
 *
 *   test_sweep sweep STUDY.yaml [-key value ...]      (same command line and exit codes as vfe)
 *
 * The fake run hands its metrics row back in memory and writes summary.json (with the row as
 * "table", which a resumed sweep reads) like vfe run, from closed-form numbers:
 * stiffness = 10 E (1 + f), plate_uz = F / stiffness, and relative risks that give known windows
 * (pmma [0.10, 0.20], pmma_low_modulus [0.20, 0.40] at threshold 1.10, cpc none).
 */
#include "vfeapp.h"
#include "vfefile.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static PetscErrorCode FakeRun(MPI_Comm comm, const char *casefile, const char *outdir, VfeMetricsRow *row)
{
  PetscReal E = 100, F = 500, f = 0.25, k, tr, adj;
  char mat[64] = "pmma", pat[64] = "bipedicular", path[PETSC_MAX_PATH_LEN], od[PETSC_MAX_PATH_LEN] = "";
  PetscBool baseline = PETSC_FALSE, set;
  PetscInt version   = 0;
  PetscMPIInt rank;
  char v[16][64];
  const char *names[16] = {"case",
                           "cement_material",
                           "cement_pattern",
                           "fill_ratio_requested",
                           "fill_ratio",
                           "dofs",
                           "iterations",
                           "force_N",
                           "plate_uz_mm",
                           "stiffness_N_per_mm",
                           "adj_above_endplate_vm_mean",
                           "adj_below_endplate_vm_mean",
                           "treated_relative_risk",
                           "adj_above_relative_risk",
                           "adj_below_relative_risk",
                           "note"};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-case_version", &version, NULL));
  PetscCheck(version == 1, comm, PETSC_ERR_USER_INPUT,
             "fake run: the base case (case_version) is not in the options database");
  PetscCall(PetscOptionsGetString(NULL, NULL, "-output_dir", od, sizeof od, NULL));
  PetscCheck(!strcmp(od, outdir), comm, PETSC_ERR_PLIB, "fake run: -output_dir '%s' is not the case directory '%s'", od,
             outdir);
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-baseline", &baseline, &set));
  PetscCheck(set && baseline, comm, PETSC_ERR_PLIB, "fake run: -baseline true is not set");
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-material_cancellous_E", &E, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-load_axial_N", &F, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-cement_fill_ratio", &f, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-cement_material", mat, sizeof mat, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-cement_pattern", pat, sizeof pat, NULL));
  PetscCheck(E > 0, comm, PETSC_ERR_USER_INPUT, "material_cancellous_E = %g must be > 0", (double)E);
  PetscCall(PetscPrintf(comm, "fake run: %s -> %s (E %g, F %g, fill %g, %s, %s)\n", casefile, outdir, (double)E,
                        (double)F, (double)f, mat, pat));
  k   = 10 * E * (1 + f);
  tr  = !strcmp(mat, "pmma") ? 1.2 - 2 * f : !strcmp(mat, "pmma_low_modulus") ? 1.2 - 1.5 * f : 1.5;
  adj = !strcmp(mat, "pmma") ? 1 + 0.4 * f : 1 + 0.15 * f;
  snprintf(v[0], sizeof v[0], "%s", casefile);
  snprintf(v[1], sizeof v[1], "%s", mat);
  snprintf(v[2], sizeof v[2], "%s", pat);
  snprintf(v[3], sizeof v[3], "%g", (double)f);
  snprintf(v[4], sizeof v[4], "%.6f", (double)(f + 0.001));
  snprintf(v[5], sizeof v[5], "1234");
  snprintf(v[6], sizeof v[6], "17");
  snprintf(v[7], sizeof v[7], "%.17g", (double)F);
  snprintf(v[8], sizeof v[8], "%.17g", (double)(F / k));
  snprintf(v[9], sizeof v[9], "%.17g", (double)k);
  snprintf(v[10], sizeof v[10], "%g", (double)(0.5 + f));
  snprintf(v[11], sizeof v[11], "%g", (double)(0.4 + f));
  snprintf(v[12], sizeof v[12], "%.6f", (double)tr);
  snprintf(v[13], sizeof v[13], "%.6f", (double)adj);
  snprintf(v[14], sizeof v[14], "%.6f", (double)(adj - 0.01));
  snprintf(v[15], sizeof v[15], "a, quoted\"cell");
  if (row) { /* in memory, like vfe run */
    row->n = 16;
    PetscCall(PetscMalloc2(16, &row->names, 16, &row->values));
    for (int i = 0; i < 16; ++i) {
      PetscCall(PetscStrallocpy(names[i], &row->names[i]));
      PetscCall(PetscStrallocpy(v[i], &row->values[i]));
    }
  }
  if (!rank) { /* like vfe run: the directory, then summary.json (with the row as "table") last */
    json_t *root = json_object(), *table = json_object();
    int err = VfeMkdirP(outdir);
    PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create %s", outdir);
    for (int i = 0; i < 16; ++i) json_object_set_new(table, names[i], json_string(v[i]));
    json_object_set_new(root, "fake", json_true());
    json_object_set_new(root, "table", table);
    PetscCall(PetscSNPrintf(path, sizeof path, "%s/summary.json", outdir));
    err = json_dump_file(root, path, JSON_INDENT(2));
    json_decref(root);
    PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", path);
  }
  PetscCallMPI(MPI_Barrier(comm));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscErrorCode ierr;
  int code;

  if (argc < 3 || strcmp(argv[1], "sweep")) {
    fprintf(stderr, "usage: test_sweep sweep STUDY.yaml [-key value ...]\n");
    return 1;
  }
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  ierr = VfeSweep(PETSC_COMM_WORLD, argv[2][0] == '-' ? NULL : argv[2], FakeRun);
  code = VfeExitCode(ierr);
  if (ierr) {
    const char *text = NULL;
    char *msg        = NULL;
    PetscErrorMessage(ierr, &text, &msg);
    fprintf(stderr, "vfe: error: %s\n", msg && msg[0] ? msg : (text ? text : "unknown error"));
  }
  PetscPopErrorHandler();
  PetscFinalize();
  return code;
}
