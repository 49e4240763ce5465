/*
 * vfetest.h - the few helpers the C unit tests share: a check that counts, a tolerance check,
 * and the summary line / exit code.  Each test prints "ok: ..." or "FAILED: ..." per check.
 */
#pragma once
#include <math.h>
#include <stdio.h>

static int vfe_test_pass = 0, vfe_test_fail = 0;

static inline void VfeTestCheck(int ok, const char *what)
{
  printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  if (ok)
    ++vfe_test_pass;
  else
    ++vfe_test_fail;
}

/* |got - want| <= tol (relative to max(|want|, 1)); NaN wants NaN. */
static inline void VfeTestClose(double got, double want, double tol, const char *what)
{
  char line[256];
  int ok = isnan(want) ? isnan(got) : fabs(got - want) <= tol * fmax(fabs(want), 1.0);
  snprintf(line, sizeof line, "%s = %.10g (want %.10g)", what, got, want);
  VfeTestCheck(ok, line);
}

static inline int VfeTestSummary(void)
{
  printf("%d passed, %d failed\n", vfe_test_pass, vfe_test_fail);
  return vfe_test_fail ? 1 : 0;
}
