/*
 * sweeptable.c - the table of a sweep (sweep.csv), the fill-ratio window report (windows.md,
 * windows.csv) and the plots (plots/: .dat + .gp, PNG when gnuplot is installed).
 *
 * The application (app/sweep.c) runs the cases and hands each case's varied values, status and
 * metrics to this table in case order.  Columns: the varied keys in study order, status, case_dir,
 * then the union of the cases' metric columns, first seen first (a metric column named like a
 * varied key is that key).  Rows are grouped by cement material / pattern (and any other varied key
 * except the fill ratio) and sorted by fill ratio for the windows and the plots.
 *
 * Rank 0 only.  Every file is written as <name>.part and renamed when complete.
 *
 * Plots: gnuplot is started with an argument vector (fork, execvp), never through a shell, and
 * every user string in a .gp script is an inert escaped literal (VfeGnuplotString); the
 * output directory is never written into a script.
 */
#include "vfesweeptable.h"
#include "vfefile.h"
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* one case as handed over, before the columns are known */
typedef struct {
  char **vals; /* nvary varied values */
  char *status, *casedir;
  PetscInt nm;
  char **mnames, **mvals;
} VfeSweepRow;

struct _n_VfeSweepTable {
  char *study;         /* study file (for the report) */
  PetscReal threshold; /* adjacent relative-risk threshold of the windows */
  PetscInt nvary;      /* the first nvary columns are the varied keys */
  char **keys;
  PetscInt nadded, cap;
  VfeSweepRow *rows;
  /* built from rows by VfeTableBuild */
  PetscBool built;
  PetscInt ncol, nrow;
  char **col;   /* column names */
  char ***cell; /* cell[r][c], NULL = empty */
};
typedef struct _n_VfeSweepTable VfeTable;

double VfeSweepParseNumber(const char *s)
{
  char *end;
  double v;
  if (!s) return NAN;
  while (*s == ' ') ++s;
  if (!*s) return NAN;
  v = strtod(s, &end);
  while (*end == ' ' || *end == '\r') ++end;
  return *end ? NAN : v;
}

static PetscInt VfeTableCol(const VfeTable *t, const char *name)
{
  for (PetscInt c = 0; c < t->ncol; ++c)
    if (!strcmp(t->col[c], name)) return c;
  return -1;
}

static const char *VfeTableGet(const VfeTable *t, PetscInt r, const char *name)
{
  PetscInt c = VfeTableCol(t, name);
  return c < 0 || !t->cell[r][c] ? "" : t->cell[r][c];
}

static double VfeTableNum(const VfeTable *t, PetscInt r, const char *name)
{
  return VfeSweepParseNumber(VfeTableGet(t, r, name));
}

PetscErrorCode VfeMetricsRowDestroy(VfeMetricsRow *row)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < row->n; ++i) {
    PetscCall(PetscFree(row->names[i]));
    PetscCall(PetscFree(row->values[i]));
  }
  if (row->names || row->values) PetscCall(PetscFree2(row->names, row->values));
  PetscCall(PetscMemzero(row, sizeof *row));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMetricsRowFromSummary(const char *dir, VfeMetricsRow *row)
{
  char path[PETSC_MAX_PATH_LEN];
  json_t *root, *table, *value;
  const char *key;
  PetscInt n;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(row, sizeof *row));
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/summary.json", dir));
  root  = json_load_file(path, 0, NULL);
  table = root ? json_object_get(root, "table") : NULL;
  if (!json_is_object(table)) {
    json_decref(root);
    PetscFunctionReturn(0);
  }
  n = (PetscInt)json_object_size(table);
  PetscCall(PetscCalloc2(n, &row->names, n, &row->values));
  json_object_foreach(table, key, value)
  {
    PetscCall(PetscStrallocpy(key, &row->names[row->n]));
    PetscCall(PetscStrallocpy(json_is_string(value) ? json_string_value(value) : "", &row->values[row->n]));
    row->n++;
  }
  json_decref(root);
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSweepTableCreate(const char *study, PetscReal threshold, PetscInt nvary, const char *const keys[],
                                   PetscInt nrows, VfeSweepTable *table)
{
  VfeTable *t;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&t));
  PetscCall(PetscStrallocpy(study, &t->study));
  t->threshold = threshold;
  t->nvary     = nvary;
  t->cap       = nrows;
  PetscCall(PetscMalloc1(nvary, &t->keys));
  for (PetscInt i = 0; i < nvary; ++i) PetscCall(PetscStrallocpy(keys[i], &t->keys[i]));
  PetscCall(PetscCalloc1(nrows, &t->rows));
  *table = t;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSweepTableAddRow(VfeSweepTable t, const char *const vals[], const char *status, const char *casedir,
                                   PetscInt nm, const char *const names[], const char *const values[])
{
  VfeSweepRow *row;

  PetscFunctionBeginUser;
  PetscCheck(!t->built && t->nadded < t->cap, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "sweep table: more rows than the %" PetscInt_FMT " declared, or rows added after writing", t->cap);
  row = &t->rows[t->nadded++];
  PetscCall(PetscMalloc1(t->nvary, &row->vals));
  for (PetscInt i = 0; i < t->nvary; ++i) PetscCall(PetscStrallocpy(vals[i], &row->vals[i]));
  PetscCall(PetscStrallocpy(status, &row->status));
  PetscCall(PetscStrallocpy(casedir, &row->casedir));
  row->nm = nm;
  PetscCall(PetscMalloc2(nm, &row->mnames, nm, &row->mvals));
  for (PetscInt j = 0; j < nm; ++j) {
    PetscCall(PetscStrallocpy(names[j], &row->mnames[j]));
    PetscCall(PetscStrallocpy(values[j], &row->mvals[j]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeRowDestroy(VfeSweepRow *row, PetscInt nvary)
{
  PetscFunctionBeginUser;
  if (row->vals)
    for (PetscInt i = 0; i < nvary; ++i) PetscCall(PetscFree(row->vals[i]));
  for (PetscInt j = 0; j < row->nm; ++j) {
    PetscCall(PetscFree(row->mnames[j]));
    PetscCall(PetscFree(row->mvals[j]));
  }
  if (row->mnames) PetscCall(PetscFree2(row->mnames, row->mvals));
  PetscCall(PetscFree(row->vals));
  PetscCall(PetscFree(row->status));
  PetscCall(PetscFree(row->casedir));
  PetscFunctionReturn(0);
}

/* Columns and cells from the rows handed over. */
static PetscErrorCode VfeTableBuild(VfeTable *t)
{
  PetscInt cap;

  PetscFunctionBeginUser;
  if (t->built) PetscFunctionReturn(0);
  cap = t->nvary + 2;
  for (PetscInt k = 0; k < t->nadded; ++k) cap += t->rows[k].nm;
  PetscCall(PetscMalloc1(cap, &t->col));
  for (PetscInt i = 0; i < t->nvary; ++i) PetscCall(PetscStrallocpy(t->keys[i], &t->col[t->ncol++]));
  PetscCall(PetscStrallocpy("status", &t->col[t->ncol++]));
  PetscCall(PetscStrallocpy("case_dir", &t->col[t->ncol++]));
  /* union of metrics columns, first seen first; a metrics column named like a varied key is that key */
  for (PetscInt k = 0; k < t->nadded; ++k)
    for (PetscInt j = 0; j < t->rows[k].nm; ++j)
      if (t->rows[k].mnames[j][0] && VfeTableCol(t, t->rows[k].mnames[j]) < 0)
        PetscCall(PetscStrallocpy(t->rows[k].mnames[j], &t->col[t->ncol++]));
  t->nrow = t->nadded;
  PetscCall(PetscMalloc1(t->nrow, &t->cell));
  for (PetscInt k = 0; k < t->nrow; ++k) {
    const VfeSweepRow *row = &t->rows[k];
    PetscCall(PetscCalloc1(t->ncol, &t->cell[k]));
    for (PetscInt j = 0; j < row->nm; ++j) {
      PetscInt c = VfeTableCol(t, row->mnames[j]);
      if (c >= t->nvary + 2) PetscCall(PetscStrallocpy(row->mvals[j], &t->cell[k][c]));
    }
    for (PetscInt i = 0; i < t->nvary; ++i) PetscCall(PetscStrallocpy(row->vals[i], &t->cell[k][i]));
    PetscCall(PetscStrallocpy(row->status, &t->cell[k][t->nvary]));
    PetscCall(PetscStrallocpy(row->casedir, &t->cell[k][t->nvary + 1]));
  }
  t->built = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSweepTableDestroy(VfeSweepTable *table)
{
  VfeTable *t = *table;

  PetscFunctionBeginUser;
  if (!t) PetscFunctionReturn(0);
  for (PetscInt r = 0; r < t->nrow; ++r) {
    for (PetscInt c = 0; c < t->ncol; ++c) PetscCall(PetscFree(t->cell[r][c]));
    PetscCall(PetscFree(t->cell[r]));
  }
  for (PetscInt c = 0; c < t->ncol; ++c) PetscCall(PetscFree(t->col[c]));
  PetscCall(PetscFree(t->cell));
  PetscCall(PetscFree(t->col));
  for (PetscInt k = 0; k < t->nadded; ++k) PetscCall(VfeRowDestroy(&t->rows[k], t->nvary));
  PetscCall(PetscFree(t->rows));
  for (PetscInt i = 0; i < t->nvary; ++i) PetscCall(PetscFree(t->keys[i]));
  PetscCall(PetscFree(t->keys));
  PetscCall(PetscFree(t->study));
  PetscCall(PetscFree(*table));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeTableWrite(const VfeTable *t, const char *path)
{
  VfeAtomicFile af;
  FILE *f;

  PetscFunctionBeginUser;
  PetscCall(VfeAtomicOpen(path, &af));
  f = af.f;
  for (PetscInt c = 0; c < t->ncol; ++c) {
    if (c) fputc(',', f);
    VfeCSVField(f, t->col[c]);
  }
  fputc('\n', f);
  for (PetscInt r = 0; r < t->nrow; ++r) {
    for (PetscInt c = 0; c < t->ncol; ++c) {
      if (c) fputc(',', f);
      VfeCSVField(f, t->cell[r][c]);
    }
    fputc('\n', f);
  }
  PetscCall(VfeAtomicCommit(&af));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- groups, windows, plots (rank 0) */

/* keys that are the x axis or the material / pattern of a group */
static PetscBool VfeIsGroupAxis(const char *key)
{
  return !strcmp(key, "cement_fill_ratio") || !strcmp(key, "cement_material") || !strcmp(key, "cement_pattern")
             ? PETSC_TRUE
             : PETSC_FALSE;
}

/* x of row r: the measured fill ratio, else the requested one, else the varied value */
static double VfeRowFill(const VfeTable *t, PetscInt r)
{
  const char *cols[] = {"fill_ratio", "fill_ratio_requested", "cement_fill_ratio"};
  for (int i = 0; i < 3; ++i) {
    double x = VfeTableNum(t, r, cols[i]);
    if (!isnan(x)) return x;
  }
  return NAN;
}

static PetscBool VfeRowOk(const VfeTable *t, PetscInt r)
{
  const char *st = VfeTableGet(t, r, "status");
  return !strcmp(st, "ok") || !strcmp(st, "resumed") ? PETSC_TRUE : PETSC_FALSE;
}

/* group label of row r: material / pattern, then any other varied key except the fill ratio */
static PetscErrorCode VfeRowGroup(const VfeTable *t, PetscInt r, char *label, size_t len)
{
  const char *mat = VfeTableGet(t, r, "cement_material"), *pat = VfeTableGet(t, r, "cement_pattern");

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(label, len, "%s / %s", mat[0] ? mat : "-", pat[0] ? pat : "-"));
  for (PetscInt i = 0; i < t->nvary; ++i) {
    char part[512];
    if (VfeIsGroupAxis(t->col[i])) continue;
    PetscCall(PetscSNPrintf(part, sizeof part, ", %s=%s", t->col[i], VfeTableGet(t, r, t->col[i])));
    PetscCall(PetscStrlcat(label, part, len));
  }
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt ngroup;
  char **label;
  PetscInt *n;    /* rows per group (usable: status ok, x known) */
  PetscInt **row; /* rows sorted by x */
} VfeGroups;

static PetscErrorCode VfeGroupsBuild(const VfeTable *t, VfeGroups *g)
{
  char label[1024];

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(g, sizeof *g));
  PetscCall(PetscMalloc3(t->nrow, &g->label, t->nrow, &g->n, t->nrow, &g->row));
  for (PetscInt r = 0; r < t->nrow; ++r) {
    PetscInt k;
    PetscCall(VfeRowGroup(t, r, label, sizeof label));
    for (k = 0; k < g->ngroup; ++k)
      if (!strcmp(g->label[k], label)) break;
    if (k == g->ngroup) {
      PetscCall(PetscStrallocpy(label, &g->label[k]));
      PetscCall(PetscMalloc1(t->nrow, &g->row[k]));
      g->n[k] = 0;
      g->ngroup++;
    }
    if (VfeRowOk(t, r) && !isnan(VfeRowFill(t, r))) {
      PetscInt j = g->n[k]++;
      double x   = VfeRowFill(t, r);
      while (j > 0 && VfeRowFill(t, g->row[k][j - 1]) > x) {
        g->row[k][j] = g->row[k][j - 1];
        --j;
      }
      g->row[k][j] = r;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeGroupsDestroy(VfeGroups *g)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < g->ngroup; ++k) {
    PetscCall(PetscFree(g->label[k]));
    PetscCall(PetscFree(g->row[k]));
  }
  PetscCall(PetscFree3(g->label, g->n, g->row));
  PetscFunctionReturn(0);
}

static const char *VfeFillColumn(const VfeTable *t)
{
  if (VfeTableCol(t, "fill_ratio") >= 0) return "fill_ratio (measured)";
  if (VfeTableCol(t, "fill_ratio_requested") >= 0) return "fill_ratio_requested";
  if (VfeTableCol(t, "cement_fill_ratio") >= 0) return "cement_fill_ratio (varied)";
  return NULL;
}

static void VfeAppend(char *buf, size_t len, const char *fmt, double a, double b)
{
  size_t l = strlen(buf);
  if (l + 1 < len) snprintf(buf + l, len - l, fmt, a, b);
}

/* Window report: per group, the fill ratios where treated_relative_risk <= 1 and both adjacent
 * relative risks < threshold; contiguous runs of such samples are the windows. */
static PetscErrorCode VfeWindows(const VfeTable *t, const VfeGroups *g, const char *outdir)
{
  const char *rr[3]   = {"treated_relative_risk", "adj_above_relative_risk", "adj_below_relative_risk"};
  const char *fillcol = VfeFillColumn(t);
  char path[PETSC_MAX_PATH_LEN], cpath[PETSC_MAX_PATH_LEN];
  VfeAtomicFile amd, acsv;
  FILE *md, *csv;
  PetscBool havecols = PETSC_TRUE;

  PetscFunctionBeginUser;
  for (int i = 0; i < 3; ++i) havecols = havecols && VfeTableCol(t, rr[i]) >= 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/windows.md", outdir));
  PetscCall(PetscSNPrintf(cpath, sizeof cpath, "%s/windows.csv", outdir));
  PetscCall(VfeAtomicOpen(path, &amd));
  PetscCall(VfeAtomicOpen(cpath, &acsv));
  md = amd.f, csv = acsv.f;
  fprintf(md, "# Fill-ratio windows: %s\n\n", t->study);
  fprintf(md,
          "A window is a range of sampled fill ratios in which the treated vertebra's relative risk is <= 1 and the\n"
          "relative risk of both adjacent levels is < %g (the study's threshold). Fill ratio: %s.\n"
          "The true edges lie between a window's end samples and their neighbours. These are comparative\n"
          "engineering indices, not clinical predictions.\n\n",
          (double)t->threshold, fillcol ? fillcol : "none");
  fprintf(md, "| material / pattern | samples | window | detail |\n| --- | --- | --- | --- |\n");
  fprintf(csv, "group,n_samples,fill_min,fill_max,window_lo,window_hi,windows,detail\n");
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "sweep: fill-ratio windows (treated relative risk <= 1, adjacent relative risk < %g):\n",
                        (double)t->threshold));
  for (PetscInt k = 0; k < g->ngroup; ++k) {
    char windows[1024] = "", detail[2048] = "", fail[3][1024] = {"", "", ""}, missing[1024] = "";
    double lo = NAN, hi = NAN, xmin = NAN, xmax = NAN, best = -1;
    PetscInt n = g->n[k], nwin = 0;

    if (n) xmin = VfeRowFill(t, g->row[k][0]), xmax = VfeRowFill(t, g->row[k][n - 1]);
    if (!fillcol)
      PetscCall(PetscStrncpy(detail,
                             "no fill-ratio column (fill_ratio, fill_ratio_requested or a varied cement_fill_ratio)",
                             sizeof detail));
    else if (!havecols)
      PetscCall(PetscStrncpy(
          detail, "no relative-risk columns in metrics.csv (needs a vfe run with the intact baseline: -baseline true)",
          sizeof detail));
    else if (!n)
      PetscCall(PetscStrncpy(detail, "no finished case", sizeof detail));
    else {
      PetscInt start;
      for (PetscInt j = 0; j < n; ++j) {
        {
          PetscInt r = g->row[k][j];
          double x   = VfeRowFill(t, r), v[3];
          for (int i = 0; i < 3; ++i) v[i] = VfeTableNum(t, r, rr[i]);
          if (isnan(v[0]) || isnan(v[1]) || isnan(v[2]))
            VfeAppend(missing, sizeof missing, " %g", x, 0);
          else {
            if (!(v[0] <= 1)) VfeAppend(fail[0], sizeof fail[0], " %g (%.3g)", x, v[0]);
            for (int i = 1; i < 3; ++i)
              if (!(v[i] < t->threshold)) VfeAppend(fail[i], sizeof fail[i], " %g (%.3g)", x, v[i]);
          }
        }
      }
      /* the windows: contiguous runs of acceptable samples */
      start = -1;
      for (PetscInt j = 0; j <= n; ++j) {
        PetscBool good = PETSC_FALSE;
        if (j < n) {
          PetscInt r = g->row[k][j];
          double v0 = VfeTableNum(t, r, rr[0]), v1 = VfeTableNum(t, r, rr[1]), v2 = VfeTableNum(t, r, rr[2]);
          good = v0 <= 1 && v1 < t->threshold && v2 < t->threshold ? PETSC_TRUE : PETSC_FALSE;
        }
        if (good && start < 0) start = j;
        if (!good && start >= 0) {
          double a = VfeRowFill(t, g->row[k][start]), b = VfeRowFill(t, g->row[k][j - 1]);
          char one[128];
          if (a == b)
            snprintf(one, sizeof one, "%s%g", nwin ? "; " : "", a);
          else
            snprintf(one, sizeof one, "%s[%g, %g]", nwin ? "; " : "", a, b);
          PetscCall(PetscStrlcat(windows, one, sizeof windows));
          if (b - a > best) best = b - a, lo = a, hi = b;
          ++nwin;
          start = -1;
        }
      }
      {
        /* which condition failed where (inside a window nothing failed) */
        const char *what[3] = {"treated relative risk > 1 at", "adjacent-above relative risk >= threshold at",
                               "adjacent-below relative risk >= threshold at"};
        if (nwin && (fail[0][0] || fail[1][0] || fail[2][0]))
          PetscCall(PetscStrncpy(detail, "outside the window: ", sizeof detail));
        for (int i = 0, m = 0; i < 3; ++i)
          if (fail[i][0]) {
            if (m++) PetscCall(PetscStrlcat(detail, "; ", sizeof detail));
            PetscCall(PetscStrlcat(detail, what[i], sizeof detail));
            PetscCall(PetscStrlcat(detail, fail[i], sizeof detail));
          }
      }
      if (missing[0]) {
        if (detail[0]) PetscCall(PetscStrlcat(detail, "; ", sizeof detail));
        PetscCall(PetscStrlcat(detail, "relative risk unavailable at", sizeof detail));
        PetscCall(PetscStrlcat(detail, missing, sizeof detail));
      }
    }
    {
      const char *win = windows[0] ? windows : "no window";
      char num[4][64];
      double nums[4] = {xmin, xmax, lo, hi};
      for (int i = 0; i < 4; ++i) {
        if (isnan(nums[i]))
          num[i][0] = 0;
        else
          snprintf(num[i], sizeof num[i], "%g", nums[i]);
      }
      fprintf(md, "| %s | %" PetscInt_FMT " | %s | %s |\n", g->label[k], n, win, detail);
      VfeCSVField(csv, g->label[k]);
      fprintf(csv, ",%" PetscInt_FMT ",%s,%s,%s,%s,", n, num[0], num[1], num[2], num[3]);
      VfeCSVField(csv, windows);
      fputc(',', csv);
      VfeCSVField(csv, detail);
      fputc('\n', csv);
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %s: %s%s%s\n", g->label[k], win, detail[0] ? " -- " : "", detail));
    }
  }
  PetscCall(VfeAtomicCommit(&amd));
  PetscCall(VfeAtomicCommit(&acsv));
  PetscFunctionReturn(0);
}

/* A user string (a group label: material, pattern, varied values) as a gnuplot string literal.
 * gnuplot runs backquoted commands anywhere on a line except inside '...', and a newline would end
 * the command and start another (e.g. a "!shell" line); single quotes are no way out either, as
 * gnuplot 5.4 misreads a doubled quote at the start of a literal.  So: a double-quoted literal in
 * which every byte but letters, digits, space, bytes >= 0x80 and a few inert punctuation marks is an
 * octal escape (\140 for a backquote, \042 for a quote: no backquote, quote, backslash, '@' or '$'
 * appears raw), and control characters become '?'.  The literal is one line of inert text. */
static void VfeGnuplotString(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7f)
      fputc('?', f);
    else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80 ||
             strchr(" .,:;/-_+=()%", c))
      fputc(c, f);
    else
      fprintf(f, "\\%03o", c);
  }
  fputc('"', f);
}

/* A user string on a comment line of a .dat file: control characters become '?' (one line). */
static void VfeDatComment(FILE *f, const char *s)
{
  fputs("# ", f);
  for (; *s; ++s) fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
  fputc('\n', f);
}

/* pipe() with both ends close-on-exec (rank 0 of a single-threaded program: no race) */
static int VfePipeCloexec(int fds[2])
{
  if (pipe(fds)) return -1;
  if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) || fcntl(fds[1], F_SETFD, FD_CLOEXEC)) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  return 0;
}

/* Start gnuplot with the argument vector argv (argv[0] "gnuplot", found by execvp in PATH; no
 * shell), stdin from /dev/null, stdout and stderr to the descriptor out, in the directory dir
 * (NULL: the current one).  *pid is the child (-1: not started).  Returns 0, or the errno of the
 * failing step, ENOENT when gnuplot is not installed: the child reports a failed chdir or exec
 * through a close-on-exec pipe, which reads empty when exec succeeded. */
static int VfeGnuplotStart(char *const argv[], const char *dir, int out, pid_t *pid)
{
  int rep[2], err = 0;
  ssize_t n;

  *pid = -1;
  if (VfePipeCloexec(rep)) return errno;
  fflush(NULL); /* nothing buffered twice */
  *pid = fork();
  if (*pid < 0) {
    err = errno;
    close(rep[0]);
    close(rep[1]);
    return err;
  }
  if (!*pid) { /* child: only async-signal-safe calls until exec */
    int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 || (dir && chdir(dir)))
      err = errno;
    else {
      execvp(argv[0], argv);
      err = errno;
    }
    if (write(rep[1], &err, sizeof err) < 0) _exit(126);
    _exit(127);
  }
  close(rep[1]);
  do n = read(rep[0], &err, sizeof err);
  while (n < 0 && errno == EINTR);
  close(rep[0]);
  if (n == (ssize_t)sizeof err && err) {
    int status;
    while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {}
    *pid = -1;
    return err;
  }
  return 0;
}

/* Wait for a started gnuplot: its exit status, or -1 when it did not exit normally. */
static int VfeGnuplotWait(pid_t pid)
{
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* which PNG terminal gnuplot has: "pngcairo", "png", or "" (no gnuplot) */
static void VfeGnuplotTerminal(char *term, size_t len)
{
  char *argv[] = {(char *)"gnuplot", (char *)"-e", (char *)"set terminal", NULL};
  char line[512];
  int cairo = 0, png = 0, io[2];
  pid_t pid;
  FILE *p;

  term[0] = 0;
  if (VfePipeCloexec(io)) return;
  if (VfeGnuplotStart(argv, NULL, io[1], &pid)) {
    close(io[0]);
    close(io[1]);
    return;
  }
  close(io[1]);
  p = fdopen(io[0], "r");
  if (!p) {
    close(io[0]);
    VfeGnuplotWait(pid);
    return;
  }
  while (fgets(line, sizeof line, p)) {
    char w[64];
    if (sscanf(line, " %63s", w) == 1) {
      if (!strcmp(w, "pngcairo")) cairo = 1;
      if (!strcmp(w, "png")) png = 1;
    }
  }
  fclose(p);
  if (VfeGnuplotWait(pid)) return;
  snprintf(term, len, "%s", cairo ? "pngcairo" : png ? "png" : "");
}

/* Draw plots/<name>.png from <name>.gp: gnuplot runs in the plots directory, its output goes to
 * <name>.log there.  Returns 0 when gnuplot exited 0. */
static int VfeGnuplotRun(const char *dir, const char *name)
{
  char script[PETSC_MAX_PATH_LEN], log[PETSC_MAX_PATH_LEN];
  char *argv[] = {(char *)"gnuplot", script, NULL};
  pid_t pid;
  int fd, rc;

  if (snprintf(script, sizeof script, "%s.gp", name) >= (int)sizeof script) return -1;
  if (snprintf(log, sizeof log, "%s/%s.log", dir, name) >= (int)sizeof log) return -1;
  fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) return -1;
  rc = VfeGnuplotStart(argv, dir, fd, &pid);
  close(fd);
  return rc ? -1 : VfeGnuplotWait(pid);
}

typedef struct {
  const char *name, *title, *ylabel;
  const char *col[2], *suffix[2];
  double ref; /* a horizontal reference line (0: none) */
  const char *reftitle;
} VfePlot;

static PetscErrorCode VfePlots(const VfeTable *t, const VfeGroups *g, const char *outdir)
{
  char dir[PETSC_MAX_PATH_LEN], term[32], thr[64];
  VfePlot plots[3];
  int made = 0;

  PetscFunctionBeginUser;
  snprintf(thr, sizeof thr, "threshold %g", (double)t->threshold);
  plots[0] = (VfePlot){"adjacent_endplate_vm",
                       "Adjacent endplate stress",
                       "mean von Mises stress (MPa)",
                       {"adj_above_endplate_vm_mean", "adj_below_endplate_vm_mean"},
                       {"above", "below"},
                       0,
                       NULL};
  plots[1] = (VfePlot){"adjacent_relative_risk",
                       "Adjacent-level relative risk (vs intact)",
                       "relative risk",
                       {"adj_above_relative_risk", "adj_below_relative_risk"},
                       {"above", "below"},
                       t->threshold,
                       thr};
  plots[2] = (VfePlot){"treated_relative_risk",
                       "Treated-vertebra relative risk (vs intact)",
                       "relative risk",
                       {"treated_relative_risk", NULL},
                       {"", NULL},
                       1.0,
                       "intact (1)"};
  if (!VfeFillColumn(t)) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: plots skipped: no fill-ratio column (fill_ratio, "
                                           "fill_ratio_requested or a varied cement_fill_ratio)\n"));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscSNPrintf(dir, sizeof dir, "%s/plots", outdir));
  {
    int err = VfeMkdirP(dir);
    PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create '%s': %s", dir, strerror(err));
  }
  VfeGnuplotTerminal(term, sizeof term);
  for (int p = 0; p < 3; ++p) {
    const VfePlot *pl = &plots[p];
    char dat[PETSC_MAX_PATH_LEN], gp[PETSC_MAX_PATH_LEN], png[PETSC_MAX_PATH_LEN];
    VfeAtomicFile afd, afg;
    FILE *fd, *fg;
    int ncol = pl->col[1] ? 2 : 1, nblock = 0, first = 1;
    PetscBool have = PETSC_FALSE;

    for (int c = 0; c < ncol; ++c) have = have || VfeTableCol(t, pl->col[c]) >= 0 ? PETSC_TRUE : PETSC_FALSE;
    if (!have) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: plot %s skipped: metrics.csv has no column %s%s%s\n", pl->name,
                            pl->col[0], ncol > 1 ? " or " : "", ncol > 1 ? pl->col[1] : ""));
      continue;
    }
    PetscCall(PetscSNPrintf(dat, sizeof dat, "%s/%s.dat", dir, pl->name));
    PetscCall(PetscSNPrintf(gp, sizeof gp, "%s/%s.gp", dir, pl->name));
    PetscCall(PetscSNPrintf(png, sizeof png, "%s/%s.png", dir, pl->name));
    PetscCall(VfeAtomicOpen(dat, &afd));
    PetscCall(VfeAtomicOpen(gp, &afg));
    fd = afd.f, fg = afg.f;
    /* user strings only as escaped literals (VfeGnuplotString); the output dir not at all */
    fprintf(fg, "# %s: generated by vfe sweep from ../sweep.csv; run from this directory: gnuplot %s.gp\n", pl->name,
            pl->name);
    fprintf(fg, "set terminal %s size 1000,650\nset termoption noenhanced\nset output \"%s.png.part\"\n",
            term[0] ? term : "pngcairo", pl->name);
    fprintf(fg, "set datafile missing \"?\"\nset key below\nset grid\n");
    fprintf(fg, "set title ");
    VfeGnuplotString(fg, pl->title);
    fprintf(fg, "\nset xlabel \"fill ratio (cement volume / vertebral body volume)\"\nset ylabel ");
    VfeGnuplotString(fg, pl->ylabel);
    fprintf(fg, "\nset offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\nplot \\\n");
    for (PetscInt k = 0; k < g->ngroup; ++k) {
      int rows = 0;
      for (PetscInt j = 0; j < g->n[k]; ++j) {
        PetscInt r = g->row[k][j];
        int any    = 0;
        for (int c = 0; c < ncol; ++c) any = any || !isnan(VfeTableNum(t, r, pl->col[c]));
        if (!any) continue;
        if (!rows) {
          if (nblock) fputs("\n\n", fd);
          VfeDatComment(fd, g->label[k]);
        }
        fprintf(fd, "%.10g", VfeRowFill(t, r));
        for (int c = 0; c < ncol; ++c) {
          double v = VfeTableNum(t, r, pl->col[c]);
          if (isnan(v))
            fprintf(fd, " ?");
          else
            fprintf(fd, " %.10g", v);
        }
        fputc('\n', fd);
        ++rows;
      }
      if (!rows) continue;
      for (int c = 0; c < ncol; ++c) {
        char title[1100];
        snprintf(title, sizeof title, "%s%s%s", g->label[k], pl->suffix[c][0] ? ": " : "", pl->suffix[c]);
        fprintf(fg, "%s  \"%s.dat\" index %d using 1:%d with linespoints lc %d dt %d pt %d title ",
                first ? "" : ", \\\n", pl->name, nblock, c + 2, nblock % 8 + 1, c + 1, c ? 6 : 7);
        VfeGnuplotString(fg, title);
        first = 0;
      }
      ++nblock;
    }
    if (pl->ref > 0 && !first) {
      fprintf(fg, ", \\\n  %g with lines lc rgb \"gray40\" dt 3 title ", pl->ref);
      VfeGnuplotString(fg, pl->reftitle);
    }
    fprintf(fg, "\nunset output\n");
    PetscCall(VfeAtomicCommit(&afd));
    PetscCall(VfeAtomicCommit(&afg));
    if (first) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: plot %s skipped: no finished case has a value for %s\n", pl->name,
                            pl->col[0]));
      continue;
    }
    if (!term[0]) {
      PetscCall(PetscPrintf(PETSC_COMM_SELF,
                            "sweep: plot %s skipped: gnuplot (with a png or pngcairo terminal) not found; script %s\n",
                            pl->name, gp));
      continue;
    }
    {
      char pngpart[PETSC_MAX_PATH_LEN];
      PetscCall(VfeFilePartName(png, NULL, pngpart, sizeof pngpart));
      int err = VfeFilePartClaim(pngpart); /* gnuplot writes into it, never through a planted link */
      if (err) {
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: plot %s failed: cannot write '%s': %s\n", pl->name, pngpart,
                              strerror(err)));
        continue;
      }
      if (VfeGnuplotRun(dir, pl->name) || !VfeFileReadable(pngpart)) {
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: plot %s failed: gnuplot reported an error (see %s/%s.log)\n",
                              pl->name, dir, pl->name));
        remove(pngpart);
        continue;
      }
      PetscCall(VfeFilePublish(pngpart, png));
      PetscCall(PetscSNPrintf(pngpart, sizeof pngpart, "%s/%s.log", dir, pl->name));
      remove(pngpart);
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: plot %s\n", png));
      ++made;
    }
  }
  (void)made;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeSweepTableWrite(VfeSweepTable t, const char *outdir)
{
  VfeGroups g;
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(VfeTableBuild(t));
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/sweep.csv", outdir));
  PetscCall(VfeTableWrite(t, path));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: table %s (%" PetscInt_FMT " cases, %" PetscInt_FMT " columns)\n", path,
                        t->nrow, t->ncol));
  PetscCall(VfeGroupsBuild(t, &g));
  PetscCall(VfePlots(t, &g, outdir));
  PetscCall(VfeWindows(t, &g, outdir));
  PetscCall(VfeGroupsDestroy(&g));
  PetscFunctionReturn(0);
}
