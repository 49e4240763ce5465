/*
 * sweep.c - `vfe sweep STUDY.yaml` (docs/sweeps.md).
 *
 * A study names a base case, lists of values for any case keys (vary: every combination runs, the
 * first key slowest, the last fastest) and fixed overrides (set:).  The study is read into a scratch
 * PETSc options database and checked completely before any case runs.  Each case runs in-process
 * through the driver's VfeRunCaseFn on every rank, with the global options database rebuilt as
 *   base case YAML < set overrides < the original command line < the varied values < -output_dir,
 * into <output.dir>/cases/<key1>=<v1>_<key2>=<v2>...  A case whose summary.json exists (written last
 * by a run) is not run again (resume).  A failing case is recorded and the sweep goes on.
 *
 * Afterwards rank 0 writes <output.dir>/sweep.csv (one row per case: varied values, status, case_dir,
 * then the union of the cases' metrics.csv columns), the fill-ratio window report (windows.md,
 * windows.csv) and plots made by gnuplot (plots/: .dat + .gp, PNG when gnuplot is installed).
 * Every file is written as <name>.part and renamed when complete.
 */
#include "vfesweep.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VFE_SWEEP_MAX_VALUES 4096

typedef struct {
  char *key;     /* case key without '-', e.g. cement_fill_ratio */
  PetscInt n;    /* number of values */
  char **vals;   /* values as written in the study */
  long long pos; /* where the key appears in the study file (ordering) */
} VfeVary;

typedef struct {
  char file[PETSC_MAX_PATH_LEN], base[PETSC_MAX_PATH_LEN], outdir[PETSC_MAX_PATH_LEN];
  PetscReal threshold;
  PetscInt nvary, nset, ncases;
  VfeVary *vary;
  char **setkeys, **setvals; /* setvals[i] may be NULL (a flag) */
} VfeStudy;

enum { VFE_CASE_OK, VFE_CASE_RESUMED, VFE_CASE_FAILED };

/* ---------------------------------------------------------------- small helpers (any rank) */

static PetscBool VfeFileReadable(const char *path)
{
  FILE *f = fopen(path, "r");
  if (!f) return PETSC_FALSE;
  fclose(f);
  return PETSC_TRUE;
}

/* Collective: whether path can be read on rank 0. */
static PetscErrorCode VfeSweepReadable(MPI_Comm comm, const char *path, PetscBool *ok)
{
  PetscMPIInt rank;
  int r = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) r = VfeFileReadable(path) ? 1 : 0;
  PetscCallMPI(MPI_Bcast(&r, 1, MPI_INT, 0, comm));
  *ok = r ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* mkdir -p on the calling rank; returns errno or 0 */
static int VfeMkdirs(const char *dir)
{
  char tmp[PETSC_MAX_PATH_LEN];
  if (strlen(dir) >= sizeof tmp) return ENAMETOOLONG;
  strcpy(tmp, dir);
  for (char *p = tmp + 1; *p; ++p)
    if (*p == '/') {
      *p = 0;
      if (mkdir(tmp, 0777) && errno != EEXIST) return errno;
      *p = '/';
    }
  if (mkdir(tmp, 0777) && errno != EEXIST) return errno;
  return 0;
}

/* characters that may appear in a case directory name; others become '-' */
static void VfeSanitise(char *s)
{
  for (; *s; ++s)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' ||
          *s == '+' || *s == '=' || *s == '_'))
      *s = '-';
}

static double VfeNum(const char *s)
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

/* ---------------------------------------------------------------- reading the study */

/* Blank out YAML comments ('#' at line start or after white space) so that key positions are found in data only. */
static void VfeStripComments(char *t)
{
  for (char *p = t; *p; ++p)
    if (*p == '#' && (p == t || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n'))
      while (*p && *p != '\n') *p++ = ' ';
}

/* Position of "name:" (name preceded by a non-key character) at or after from; -1 if absent. */
static long long VfeFindKey(const char *t, size_t from, const char *name)
{
  size_t len    = strlen(name);
  const char *p = t + from;
  while ((p = strstr(p, name))) {
    const char *q = p + len;
    char b        = p > t ? p[-1] : ' ';
    while (*q == ' ' || *q == '\t') ++q;
    if (*q == ':' && !(b == '_' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')))
      return (long long)(p - t);
    p += len;
  }
  return -1;
}

/* PETSc's YAML reader hands the keys over sorted by name; recover the order written in the file
 * (nested maps such as vary: {cement: {material: [...]}} are found by the key's tail). */
static void VfeVaryPositions(const char *text, PetscInt n, VfeVary *v)
{
  char *t = strdup(text);
  long long at;
  if (!t) return;
  VfeStripComments(t);
  at = VfeFindKey(t, 0, "vary");
  for (PetscInt i = 0; i < n; ++i) {
    const char *k = v[i].key;
    v[i].pos      = -1;
    if (at < 0) continue;
    while (k && v[i].pos < 0) {
      v[i].pos = VfeFindKey(t, (size_t)at, k);
      k        = strchr(k, '_');
      if (k) ++k;
    }
  }
  free(t);
}

static PetscErrorCode VfeStudyOrderVary(MPI_Comm comm, VfeStudy *s)
{
  PetscMPIInt rank;
  long long *pos;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc1(s->nvary, &pos));
  if (!rank) {
    FILE *f = fopen(s->file, "rb");
    char *text;
    size_t len = 0;
    for (PetscInt i = 0; i < s->nvary; ++i) pos[i] = -1;
    if (f) {
      fseek(f, 0, SEEK_END);
      len = (size_t)ftell(f);
      fseek(f, 0, SEEK_SET);
      text = (char *)malloc(len + 1);
      if (text) {
        len       = fread(text, 1, len, f);
        text[len] = 0;
        VfeVaryPositions(text, s->nvary, s->vary);
        for (PetscInt i = 0; i < s->nvary; ++i) pos[i] = s->vary[i].pos;
        free(text);
      }
      fclose(f);
    }
  }
  PetscCallMPI(MPI_Bcast(pos, (PetscMPIInt)s->nvary, MPI_LONG_LONG, 0, comm));
  for (PetscInt i = 0; i < s->nvary; ++i) s->vary[i].pos = pos[i] < 0 ? (long long)1 << 60 : pos[i];
  PetscCall(PetscFree(pos));
  /* stable insertion sort by position (keys PETSc gave in name order break ties) */
  for (PetscInt i = 1; i < s->nvary; ++i) {
    VfeVary x  = s->vary[i];
    PetscInt j = i - 1;
    while (j >= 0 && s->vary[j].pos > x.pos) {
      s->vary[j + 1] = s->vary[j];
      --j;
    }
    s->vary[j + 1] = x;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeStudyDestroy(VfeStudy *s)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < s->nvary; ++i) {
    for (PetscInt j = 0; j < s->vary[i].n; ++j) PetscCall(PetscFree(s->vary[i].vals[j]));
    PetscCall(PetscFree(s->vary[i].vals));
    PetscCall(PetscFree(s->vary[i].key));
  }
  for (PetscInt i = 0; i < s->nset; ++i) {
    PetscCall(PetscFree(s->setkeys[i]));
    PetscCall(PetscFree(s->setvals[i]));
  }
  PetscCall(PetscFree(s->vary));
  PetscCall(PetscFree2(s->setkeys, s->setvals));
  PetscFunctionReturn(0);
}

/* Read and check the study; nothing is written.  cmdline_outdir (may be empty) overrides output.dir. */
static PetscErrorCode VfeStudyRead(MPI_Comm comm, const char *file, const char *cmdline_outdir, VfeStudy *s)
{
  PetscOptions opts;
  PetscErrorCode ierr;
  PetscInt n, version = -1;
  char **names, **values;
  PetscBool ok, hasversion = PETSC_FALSE, hasbase = PETSC_FALSE;
  char base[PETSC_MAX_PATH_LEN] = "";

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(s, sizeof *s));
  s->threshold = 1.10;
  PetscCheck(file && file[0], comm, PETSC_ERR_USER_INPUT,
             "vfe sweep needs a study file: vfe sweep STUDY.yaml (format: docs/sweeps.md)");
  PetscCall(PetscStrncpy(s->file, file, sizeof s->file));
  PetscCall(VfeSweepReadable(comm, file, &ok));
  PetscCheck(ok, comm, PETSC_ERR_USER_INPUT, "study file '%s' cannot be opened: %s", file, strerror(ENOENT));
  PetscCall(PetscOptionsCreate(&opts));
  ierr = PetscOptionsInsertFileYAML(comm, opts, file, PETSC_TRUE);
  if (ierr) PetscCall(PetscOptionsDestroy(&opts));
  PetscCheck(!ierr, comm, PETSC_ERR_USER_INPUT, "study file '%s' is not valid YAML (or not a map of keys to values)",
             file);
  PetscCall(PetscOptionsLeftGet(opts, &n, &names, &values));
  PetscCall(PetscMalloc1(n, &s->vary));
  PetscCall(PetscMalloc2(n, &s->setkeys, n, &s->setvals));
  for (PetscInt i = 0; i < n; ++i) {
    const char *k = names[i], *v = values[i];
    if (!strcmp(k, "study_version")) {
      char *end;
      hasversion = PETSC_TRUE;
      version    = v ? strtol(v, &end, 10) : -1;
      if (!v || *end) version = -1;
    } else if (!strcmp(k, "base")) {
      PetscCheck(v && v[0], comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': base is empty (the base case file, relative to the study file)", file);
      PetscCall(PetscStrncpy(base, v, sizeof base));
      hasbase = PETSC_TRUE;
    } else if (!strcmp(k, "threshold")) {
      double t = VfeNum(v);
      PetscCheck(t > 0, comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': threshold = '%s' must be a number > 0 (default 1.10)", file, v ? v : "");
      s->threshold = t;
    } else if (!strcmp(k, "output_dir")) {
      PetscCheck(v && v[0], comm, PETSC_ERR_USER_INPUT, "study file '%s': output.dir is empty", file);
      PetscCall(PetscStrncpy(s->outdir, v, sizeof s->outdir));
    } else if (!strcmp(k, "vary") || !strcmp(k, "set")) {
      PetscCheck(!v || !v[0], comm, PETSC_ERR_USER_INPUT, "study file '%s': %s must be a map of key: value%s", file, k,
                 k[0] == 'v' ? " list" : "");
    } else if (!strncmp(k, "vary_", 5)) {
      VfeVary *w = &s->vary[s->nvary];
      PetscInt m;
      PetscCheck(VfeKnownKey(k + 5), comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': vary key '%s' is not a key vfe knows (case keys: docs/user-guide.md)", file, k + 5);
      PetscCheck(strcmp(k + 5, "output_dir"), comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': output_dir cannot be varied (the sweep sets it per case)", file);
      PetscCheck(v && v[0], comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': vary key '%s' has an empty list (give at least one value)", file, k + 5);
      m = 1;
      for (const char *c = v; *c; ++c) m += *c == ',';
      PetscCheck(m <= VFE_SWEEP_MAX_VALUES, comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': vary key '%s' has %" PetscInt_FMT " values (at most %d)", file, k + 5, m,
                 VFE_SWEEP_MAX_VALUES);
      PetscCall(PetscMalloc1(m, &w->vals));
      w->n = m;
      {
        char opt[512];
        PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s", k));
        PetscCall(PetscOptionsGetStringArray(opts, NULL, opt, w->vals, &w->n, &ok));
      }
      PetscCall(PetscStrallocpy(k + 5, &w->key));
      s->nvary++;
      PetscCheck(ok && w->n > 0, comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': vary key '%s' has an empty list (give at least one value)", file, k + 5);
      for (PetscInt a = 0; a < w->n; ++a) {
        PetscCheck(w->vals[a] && w->vals[a][0], comm, PETSC_ERR_USER_INPUT,
                   "study file '%s': vary key '%s' has an empty value (entry %" PetscInt_FMT ")", file, k + 5, a + 1);
        for (PetscInt b = 0; b < a; ++b)
          PetscCheck(strcmp(w->vals[a], w->vals[b]), comm, PETSC_ERR_USER_INPUT,
                     "study file '%s': vary key '%s' lists '%s' twice", file, k + 5, w->vals[a]);
      }
    } else if (!strncmp(k, "set_", 4)) {
      PetscCheck(VfeKnownKey(k + 4), comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': set key '%s' is not a key vfe knows (case keys: docs/user-guide.md)", file, k + 4);
      PetscCheck(
          strcmp(k + 4, "output_dir"), comm, PETSC_ERR_USER_INPUT,
          "study file '%s': set key output_dir is not allowed (the sweep writes each case into output.dir/cases/)",
          file);
      PetscCall(PetscStrallocpy(k + 4, &s->setkeys[s->nset]));
      PetscCall(PetscStrallocpy(v, &s->setvals[s->nset]));
      s->nset++;
    } else {
      SETERRQ(comm, PETSC_ERR_USER_INPUT,
              "study file '%s': unknown key '%s' (allowed: study_version, base, vary, set, threshold, output.dir; see "
              "docs/sweeps.md)",
              file, k);
    }
  }
  PetscCall(PetscOptionsLeftRestore(opts, &n, &names, &values));
  PetscCall(PetscOptionsDestroy(&opts));

  PetscCheck(hasversion, comm, PETSC_ERR_USER_INPUT,
             "study file '%s' has no study_version key (this vfe reads study_version: 1)", file);
  PetscCheck(version == 1, comm, PETSC_ERR_USER_INPUT,
             "study file '%s': study_version is not supported (this vfe reads study_version: 1)", file);
  PetscCheck(hasbase, comm, PETSC_ERR_USER_INPUT,
             "study file '%s' has no base key (the base case file, relative to the study file's directory)", file);
  PetscCheck(s->nvary > 0, comm, PETSC_ERR_USER_INPUT,
             "study file '%s' varies no keys (add vary: {key: [value, ...]}; see docs/sweeps.md)", file);
  for (PetscInt i = 0; i < s->nvary; ++i)
    for (PetscInt j = 0; j < s->nset; ++j)
      PetscCheck(strcmp(s->vary[i].key, s->setkeys[j]), comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': key '%s' is both varied and set", file, s->setkeys[j]);

  /* base case: relative to the study file's directory */
  if (base[0] == '/')
    PetscCall(PetscStrncpy(s->base, base, sizeof s->base));
  else {
    const char *slash = strrchr(file, '/');
    if (slash)
      PetscCall(PetscSNPrintf(s->base, sizeof s->base, "%.*s/%s", (int)(slash - file), file, base));
    else
      PetscCall(PetscStrncpy(s->base, base, sizeof s->base));
  }
  PetscCall(VfeSweepReadable(comm, s->base, &ok));
  PetscCheck(ok, comm, PETSC_ERR_USER_INPUT, "study file '%s': base case '%s' (resolved to '%s') cannot be opened",
             file, base, s->base);
  PetscCall(PetscOptionsCreate(&opts));
  ierr = PetscOptionsInsertFileYAML(comm, opts, s->base, PETSC_TRUE);
  PetscCall(PetscOptionsDestroy(&opts));
  PetscCheck(!ierr, comm, PETSC_ERR_USER_INPUT, "study file '%s': base case '%s' is not valid YAML", file, s->base);

  /* output directory: command line -output_dir, else output.dir, else out/<study name> */
  if (cmdline_outdir && cmdline_outdir[0]) PetscCall(PetscStrncpy(s->outdir, cmdline_outdir, sizeof s->outdir));
  if (!s->outdir[0]) {
    const char *b   = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    const char *dot = strrchr(b, '.');
    PetscCall(
        PetscSNPrintf(s->outdir, sizeof s->outdir, "out/%.*s", (int)(dot && dot > b ? dot - b : (long)strlen(b)), b));
  }
  {
    size_t l = strlen(s->outdir);
    while (l > 1 && s->outdir[l - 1] == '/') s->outdir[--l] = 0;
  }

  PetscCall(VfeStudyOrderVary(comm, s));
  s->ncases = 1;
  for (PetscInt i = 0; i < s->nvary; ++i) {
    PetscCheck(s->ncases <= 1000000 / s->vary[i].n, comm, PETSC_ERR_USER_INPUT,
               "study file '%s': more than 10^6 combinations", file);
    s->ncases *= s->vary[i].n;
  }
  PetscFunctionReturn(0);
}

/* value index of each vary key for case k (last key fastest) */
static void VfeCaseIndex(const VfeStudy *s, PetscInt k, PetscInt idx[])
{
  for (PetscInt i = s->nvary - 1; i >= 0; --i) {
    idx[i] = k % s->vary[i].n;
    k /= s->vary[i].n;
  }
}

static PetscErrorCode VfeCaseName(const VfeStudy *s, const PetscInt idx[], char *name, size_t len)
{
  PetscFunctionBeginUser;
  name[0] = 0;
  for (PetscInt i = 0; i < s->nvary; ++i) {
    char part[PETSC_MAX_PATH_LEN];
    PetscCall(PetscSNPrintf(part, sizeof part, "%s%s=%s", i ? "_" : "", s->vary[i].key, s->vary[i].vals[idx[i]]));
    PetscCall(PetscStrlcat(name, part, len));
  }
  VfeSanitise(name);
  PetscFunctionReturn(0);
}

/* Rebuild the global options database for one case. */
static PetscErrorCode VfeCaseOptions(MPI_Comm comm, const VfeStudy *s, const PetscInt idx[], const char *orig,
                                     const char *casedir)
{
  char opt[512];
  PetscBool has = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertFileYAML(comm, NULL, s->base, PETSC_TRUE));
  for (PetscInt i = 0; i < s->nset; ++i) {
    PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s", s->setkeys[i]));
    PetscCall(PetscOptionsSetValue(NULL, opt, s->setvals[i]));
  }
  PetscCall(PetscOptionsInsertString(NULL, orig));
  for (PetscInt i = 0; i < s->nvary; ++i) {
    PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s", s->vary[i].key));
    PetscCall(PetscOptionsSetValue(NULL, opt, s->vary[i].vals[idx[i]]));
  }
  PetscCall(PetscOptionsSetValue(NULL, "-output_dir", casedir));
  /* relative indices need the intact baseline: on unless the study or the command line says otherwise */
  PetscCall(PetscOptionsHasName(NULL, NULL, "-baseline", &has));
  if (!has && VfeKnownKey("baseline")) PetscCall(PetscOptionsSetValue(NULL, "-baseline", "true"));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- the table (rank 0) */

typedef struct {
  PetscInt ncol, nrow;
  char **col;   /* column names */
  char ***cell; /* cell[r][c], NULL = empty */
} VfeTable;

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
  return VfeNum(VfeTableGet(t, r, name));
}

/* Split one CSV line (RFC 4180 quotes) into at most max fields; returns the count. */
static PetscErrorCode VfeCSVSplit(const char *line, PetscInt max, char **fields, PetscInt *n)
{
  const char *p = line;

  PetscFunctionBeginUser;
  *n = 0;
  while (*n < max) {
    char *buf;
    size_t len = 0;
    PetscCall(PetscMalloc1(strlen(p) + 1, &buf));
    if (*p == '"') {
      ++p;
      while (*p && !(*p == '"' && p[1] != '"')) {
        if (*p == '"') ++p;
        buf[len++] = *p++;
      }
      if (*p == '"') ++p;
      while (*p && *p != ',') ++p;
    } else
      while (*p && *p != ',' && *p != '\n' && *p != '\r') buf[len++] = *p++;
    buf[len]       = 0;
    fields[(*n)++] = buf;
    if (*p != ',') break;
    ++p;
  }
  PetscFunctionReturn(0);
}

static void VfeCSVWriteField(FILE *f, const char *s)
{
  if (!s) return;
  if (strpbrk(s, ",\"\n")) {
    fputc('"', f);
    for (; *s; ++s) {
      if (*s == '"') fputc('"', f);
      fputc(*s, f);
    }
    fputc('"', f);
  } else
    fputs(s, f);
}

/* Read <dir>/metrics.csv: header and the first data row.  *n = 0 if absent or unreadable. */
static PetscErrorCode VfeReadMetrics(const char *dir, PetscInt *n, char ***names, char ***vals)
{
  char path[PETSC_MAX_PATH_LEN];
  FILE *f;
  char *line[2] = {NULL, NULL};
  int got       = 0;

  PetscFunctionBeginUser;
  *n = 0, *names = NULL, *vals = NULL;
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/metrics.csv", dir));
  f = fopen(path, "r");
  if (!f) PetscFunctionReturn(0);
  {
    char *buf  = NULL;
    size_t cap = 0;
    while (got < 2 && getline(&buf, &cap, f) > 0) {
      size_t l = strlen(buf);
      while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r')) buf[--l] = 0;
      if (!l) continue;
      line[got++] = strdup(buf);
    }
    free(buf);
  }
  fclose(f);
  if (got == 2) {
    PetscInt nh, nv, max = 1;
    for (const char *c = line[0]; *c; ++c) max += *c == ',';
    PetscCall(PetscCalloc2(max, names, max, vals));
    PetscCall(VfeCSVSplit(line[0], max, *names, &nh));
    PetscCall(VfeCSVSplit(line[1], max, *vals, &nv));
    for (PetscInt i = nv; i < nh; ++i) PetscCall(PetscStrallocpy("", &(*vals)[i]));
    for (PetscInt i = nh; i < nv; ++i) PetscCall(PetscFree((*vals)[i]));
    *n = nh;
  }
  free(line[0]);
  free(line[1]);
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeRenamePart(const char *part, const char *path)
{
  PetscFunctionBeginUser;
  PetscCheck(!rename(part, path), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename '%s' to '%s': %s", part, path,
             strerror(errno));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeOpenPart(const char *path, char *part, size_t len, FILE **f)
{
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(part, len, "%s.part", path));
  *f = fopen(part, "w");
  PetscCheck(*f, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write '%s': %s", part, strerror(errno));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeClosePart(FILE *f, const char *part, const char *path)
{
  int bad = ferror(f);
  PetscFunctionBeginUser;
  bad = fclose(f) || bad;
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "write error on '%s'", part);
  PetscCall(VfeRenamePart(part, path));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeTableBuild(const VfeStudy *s, const int status[], const PetscErrorCode codes[], VfeTable *t)
{
  PetscInt cap, *nm;
  char ***mn, ***mv;
  PetscInt *idx;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(t, sizeof *t));
  PetscCall(PetscMalloc4(s->ncases, &nm, s->ncases, &mn, s->ncases, &mv, s->nvary, &idx));
  cap = s->nvary + 2;
  for (PetscInt k = 0; k < s->ncases; ++k) {
    char dir[PETSC_MAX_PATH_LEN], name[PETSC_MAX_PATH_LEN];
    VfeCaseIndex(s, k, idx);
    PetscCall(VfeCaseName(s, idx, name, sizeof name));
    PetscCall(PetscSNPrintf(dir, sizeof dir, "%s/cases/%s", s->outdir, name));
    nm[k] = 0, mn[k] = mv[k] = NULL;
    if (status[k] != VFE_CASE_FAILED) PetscCall(VfeReadMetrics(dir, &nm[k], &mn[k], &mv[k]));
    if (status[k] != VFE_CASE_FAILED && !nm[k])
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: warning: case %s has no readable metrics.csv\n", name));
    cap += nm[k];
  }
  PetscCall(PetscMalloc1(cap, &t->col));
  for (PetscInt i = 0; i < s->nvary; ++i) PetscCall(PetscStrallocpy(s->vary[i].key, &t->col[t->ncol++]));
  PetscCall(PetscStrallocpy("status", &t->col[t->ncol++]));
  PetscCall(PetscStrallocpy("case_dir", &t->col[t->ncol++]));
  /* union of metrics columns, first seen first; a metrics column named like a varied key is that key */
  for (PetscInt k = 0; k < s->ncases; ++k)
    for (PetscInt j = 0; j < nm[k]; ++j)
      if (mn[k][j][0] && VfeTableCol(t, mn[k][j]) < 0) PetscCall(PetscStrallocpy(mn[k][j], &t->col[t->ncol++]));
  t->nrow = s->ncases;
  PetscCall(PetscMalloc1(t->nrow, &t->cell));
  for (PetscInt k = 0; k < s->ncases; ++k) {
    char name[PETSC_MAX_PATH_LEN], st[64];
    PetscCall(PetscCalloc1(t->ncol, &t->cell[k]));
    VfeCaseIndex(s, k, idx);
    for (PetscInt j = 0; j < nm[k]; ++j) {
      PetscInt c = VfeTableCol(t, mn[k][j]);
      if (c >= s->nvary + 2) PetscCall(PetscStrallocpy(mv[k][j], &t->cell[k][c]));
    }
    for (PetscInt i = 0; i < s->nvary; ++i) PetscCall(PetscStrallocpy(s->vary[i].vals[idx[i]], &t->cell[k][i]));
    if (status[k] == VFE_CASE_FAILED)
      PetscCall(PetscSNPrintf(st, sizeof st, "failed:%d", (int)codes[k]));
    else
      PetscCall(PetscStrncpy(st, status[k] == VFE_CASE_OK ? "ok" : "resumed", sizeof st));
    PetscCall(PetscStrallocpy(st, &t->cell[k][s->nvary]));
    PetscCall(VfeCaseName(s, idx, name, sizeof name));
    {
      char rel[PETSC_MAX_PATH_LEN];
      PetscCall(PetscSNPrintf(rel, sizeof rel, "cases/%s", name));
      PetscCall(PetscStrallocpy(rel, &t->cell[k][s->nvary + 1]));
    }
    for (PetscInt j = 0; j < nm[k]; ++j) {
      PetscCall(PetscFree(mn[k][j]));
      PetscCall(PetscFree(mv[k][j]));
    }
    PetscCall(PetscFree2(mn[k], mv[k]));
  }
  PetscCall(PetscFree4(nm, mn, mv, idx));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeTableDestroy(VfeTable *t)
{
  PetscFunctionBeginUser;
  for (PetscInt r = 0; r < t->nrow; ++r) {
    for (PetscInt c = 0; c < t->ncol; ++c) PetscCall(PetscFree(t->cell[r][c]));
    PetscCall(PetscFree(t->cell[r]));
  }
  for (PetscInt c = 0; c < t->ncol; ++c) PetscCall(PetscFree(t->col[c]));
  PetscCall(PetscFree(t->cell));
  PetscCall(PetscFree(t->col));
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeTableWrite(const VfeTable *t, const char *path)
{
  char part[PETSC_MAX_PATH_LEN];
  FILE *f;

  PetscFunctionBeginUser;
  PetscCall(VfeOpenPart(path, part, sizeof part, &f));
  for (PetscInt c = 0; c < t->ncol; ++c) {
    if (c) fputc(',', f);
    VfeCSVWriteField(f, t->col[c]);
  }
  fputc('\n', f);
  for (PetscInt r = 0; r < t->nrow; ++r) {
    for (PetscInt c = 0; c < t->ncol; ++c) {
      if (c) fputc(',', f);
      VfeCSVWriteField(f, t->cell[r][c]);
    }
    fputc('\n', f);
  }
  PetscCall(VfeClosePart(f, part, path));
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
static PetscErrorCode VfeRowGroup(const VfeStudy *s, const VfeTable *t, PetscInt r, char *label, size_t len)
{
  const char *mat = VfeTableGet(t, r, "cement_material"), *pat = VfeTableGet(t, r, "cement_pattern");

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(label, len, "%s / %s", mat[0] ? mat : "-", pat[0] ? pat : "-"));
  for (PetscInt i = 0; i < s->nvary; ++i) {
    char part[512];
    if (VfeIsGroupAxis(s->vary[i].key)) continue;
    PetscCall(PetscSNPrintf(part, sizeof part, ", %s=%s", s->vary[i].key, VfeTableGet(t, r, s->vary[i].key)));
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

static PetscErrorCode VfeGroupsBuild(const VfeStudy *s, const VfeTable *t, VfeGroups *g)
{
  char label[1024];

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(g, sizeof *g));
  PetscCall(PetscMalloc3(t->nrow, &g->label, t->nrow, &g->n, t->nrow, &g->row));
  for (PetscInt r = 0; r < t->nrow; ++r) {
    PetscInt k;
    PetscCall(VfeRowGroup(s, t, r, label, sizeof label));
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
static PetscErrorCode VfeWindows(const VfeStudy *s, const VfeTable *t, const VfeGroups *g, const char *outdir)
{
  const char *rr[3]   = {"treated_relative_risk", "adj_above_relative_risk", "adj_below_relative_risk"};
  const char *fillcol = VfeFillColumn(t);
  char path[PETSC_MAX_PATH_LEN], part[PETSC_MAX_PATH_LEN], cpath[PETSC_MAX_PATH_LEN], cpart[PETSC_MAX_PATH_LEN];
  FILE *md, *csv;
  PetscBool havecols = PETSC_TRUE;

  PetscFunctionBeginUser;
  for (int i = 0; i < 3; ++i) havecols = havecols && VfeTableCol(t, rr[i]) >= 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/windows.md", outdir));
  PetscCall(PetscSNPrintf(cpath, sizeof cpath, "%s/windows.csv", outdir));
  PetscCall(VfeOpenPart(path, part, sizeof part, &md));
  PetscCall(VfeOpenPart(cpath, cpart, sizeof cpart, &csv));
  fprintf(md, "# Fill-ratio windows: %s\n\n", s->file);
  fprintf(md,
          "A window is a range of sampled fill ratios in which the treated vertebra's relative risk is <= 1 and the\n"
          "relative risk of both adjacent levels is < %g (the study's threshold). Fill ratio: %s.\n"
          "The true edges lie between a window's end samples and their neighbours. These are comparative\n"
          "engineering indices, not clinical predictions.\n\n",
          (double)s->threshold, fillcol ? fillcol : "none");
  fprintf(md, "| material / pattern | samples | window | detail |\n| --- | --- | --- | --- |\n");
  fprintf(csv, "group,n_samples,fill_min,fill_max,window_lo,window_hi,windows,detail\n");
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "sweep: fill-ratio windows (treated relative risk <= 1, adjacent relative risk < %g):\n",
                        (double)s->threshold));
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
              if (!(v[i] < s->threshold)) VfeAppend(fail[i], sizeof fail[i], " %g (%.3g)", x, v[i]);
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
          good = v0 <= 1 && v1 < s->threshold && v2 < s->threshold ? PETSC_TRUE : PETSC_FALSE;
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
      VfeCSVWriteField(csv, g->label[k]);
      fprintf(csv, ",%" PetscInt_FMT ",%s,%s,%s,%s,", n, num[0], num[1], num[2], num[3]);
      VfeCSVWriteField(csv, windows);
      fputc(',', csv);
      VfeCSVWriteField(csv, detail);
      fputc('\n', csv);
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %s: %s%s%s\n", g->label[k], win, detail[0] ? " -- " : "", detail));
    }
  }
  PetscCall(VfeClosePart(md, part, path));
  PetscCall(VfeClosePart(csv, cpart, cpath));
  PetscFunctionReturn(0);
}

/* shell single-quoting */
static void VfeShellQuote(const char *s, char *out, size_t len)
{
  size_t o = 0;
  if (len < 3) return;
  out[o++] = '\'';
  for (; *s && o + 5 < len; ++s) {
    if (*s == '\'') {
      memcpy(out + o, "'\\''", 4);
      o += 4;
    } else
      out[o++] = *s;
  }
  out[o++] = '\'';
  out[o]   = 0;
}

static void VfeGnuplotString(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; ++s) {
    if (*s == '"' || *s == '\\') fputc('\\', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

/* which PNG terminal gnuplot has: "pngcairo", "png", or "" (no gnuplot) */
static void VfeGnuplotTerminal(char *term, size_t len)
{
  FILE *p;
  char line[512];
  int cairo = 0, png = 0;
  term[0] = 0;
  if (system("command -v gnuplot >/dev/null 2>&1")) return;
  p = popen("gnuplot -e 'set terminal' 2>&1 </dev/null", "r");
  if (!p) return;
  while (fgets(line, sizeof line, p)) {
    char w[64];
    if (sscanf(line, " %63s", w) == 1) {
      if (!strcmp(w, "pngcairo")) cairo = 1;
      if (!strcmp(w, "png")) png = 1;
    }
  }
  pclose(p);
  snprintf(term, len, "%s", cairo ? "pngcairo" : png ? "png" : "");
}

typedef struct {
  const char *name, *title, *ylabel;
  const char *col[2], *suffix[2];
  double ref; /* a horizontal reference line (0: none) */
  const char *reftitle;
} VfePlot;

static PetscErrorCode VfePlots(const VfeStudy *s, const VfeTable *t, const VfeGroups *g, const char *outdir)
{
  char dir[PETSC_MAX_PATH_LEN], term[32], thr[64];
  VfePlot plots[3];
  int made = 0;

  PetscFunctionBeginUser;
  snprintf(thr, sizeof thr, "threshold %g", (double)s->threshold);
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
                       s->threshold,
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
  PetscCheck(!VfeMkdirs(dir), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot create '%s': %s", dir, strerror(errno));
  VfeGnuplotTerminal(term, sizeof term);
  for (int p = 0; p < 3; ++p) {
    const VfePlot *pl = &plots[p];
    char dat[PETSC_MAX_PATH_LEN], gp[PETSC_MAX_PATH_LEN], png[PETSC_MAX_PATH_LEN], part[PETSC_MAX_PATH_LEN],
        gpart[PETSC_MAX_PATH_LEN];
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
    PetscCall(VfeOpenPart(dat, part, sizeof part, &fd));
    PetscCall(VfeOpenPart(gp, gpart, sizeof gpart, &fg));
    fprintf(fg, "# %s: generated by vfe sweep from %s/sweep.csv; run from this directory: gnuplot %s.gp\n", pl->name,
            outdir, pl->name);
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
        if (!rows) fprintf(fd, "%s# %s\n", nblock ? "\n\n" : "", g->label[k]);
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
    PetscCall(VfeClosePart(fd, part, dat));
    PetscCall(VfeClosePart(fg, gpart, gp));
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
      char qdir[2 * PETSC_MAX_PATH_LEN + 8], cmd[4 * PETSC_MAX_PATH_LEN], pngpart[PETSC_MAX_PATH_LEN];
      VfeShellQuote(dir, qdir, sizeof qdir);
      snprintf(cmd, sizeof cmd, "cd %s && gnuplot %s.gp >%s.log 2>&1", qdir, pl->name, pl->name);
      PetscCall(PetscSNPrintf(pngpart, sizeof pngpart, "%s.part", png));
      if (system(cmd) || !VfeFileReadable(pngpart)) {
        PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: plot %s failed: gnuplot reported an error (see %s/%s.log)\n",
                              pl->name, dir, pl->name));
        remove(pngpart);
        continue;
      }
      PetscCall(VfeRenamePart(pngpart, png));
      PetscCall(PetscSNPrintf(pngpart, sizeof pngpart, "%s/%s.log", dir, pl->name));
      remove(pngpart);
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: plot %s\n", png));
      ++made;
    }
  }
  (void)made;
  PetscFunctionReturn(0);
}

/* Everything after the cases: rank 0 only; errors are returned, not raised collectively. */
static PetscErrorCode VfeSweepReport(const VfeStudy *s, const int status[], const PetscErrorCode codes[])
{
  VfeTable t;
  VfeGroups g;
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(VfeTableBuild(s, status, codes, &t));
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/sweep.csv", s->outdir));
  PetscCall(VfeTableWrite(&t, path));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: table %s (%" PetscInt_FMT " cases, %" PetscInt_FMT " columns)\n", path,
                        t.nrow, t.ncol));
  PetscCall(VfeGroupsBuild(s, &t, &g));
  PetscCall(VfePlots(s, &t, &g, s->outdir));
  PetscCall(VfeWindows(s, &t, &g, s->outdir));
  PetscCall(VfeGroupsDestroy(&g));
  PetscCall(VfeTableDestroy(&t));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- the driver entry point */

PetscErrorCode VfeSweep(MPI_Comm comm, const char *studyfile, VfeRunCaseFn run)
{
  VfeStudy s;
  char *orig = NULL, cmdout[PETSC_MAX_PATH_LEN] = "";
  PetscMPIInt rank;
  PetscInt *idx, nran = 0, nresumed = 0, nfailed = 0, firstfail = -1;
  int *status, err = 0;
  PetscErrorCode *codes, ierr, rerr = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-output_dir", cmdout, sizeof cmdout, NULL));
  PetscCall(VfeStudyRead(comm, studyfile, cmdout, &s));
  PetscCall(PetscOptionsGetAll(NULL, &orig));
  PetscCall(PetscMalloc3(s.nvary, &idx, s.ncases, &status, s.ncases, &codes));

  {
    char plan[1024] = "";
    for (PetscInt i = 0; i < s.nvary; ++i) {
      char part[256];
      PetscCall(
          PetscSNPrintf(part, sizeof part, "%s%s (%" PetscInt_FMT ")", i ? " x " : "", s.vary[i].key, s.vary[i].n));
      PetscCall(PetscStrlcat(plan, part, sizeof plan));
    }
    PetscCall(PetscPrintf(comm, "sweep: study %s: base %s, %" PetscInt_FMT " cases = %s, output %s\n", s.file, s.base,
                          s.ncases, plan, s.outdir));
  }
  if (!rank) {
    char cases[PETSC_MAX_PATH_LEN];
    PetscCall(PetscSNPrintf(cases, sizeof cases, "%s/cases", s.outdir));
    err = VfeMkdirs(cases);
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "output directory '%s/cases' cannot be created: %s", s.outdir,
             strerror(err));

  for (PetscInt k = 0; k < s.ncases; ++k) {
    char name[PETSC_MAX_PATH_LEN], dir[PETSC_MAX_PATH_LEN], summary[PETSC_MAX_PATH_LEN];
    int done = 0;

    VfeCaseIndex(&s, k, idx);
    PetscCall(VfeCaseName(&s, idx, name, sizeof name));
    for (PetscInt j = 0; j < k; ++j) { /* two value lists that sanitise to the same directory */
      char other[PETSC_MAX_PATH_LEN];
      PetscInt jdx[64];
      if (s.nvary > 64) break;
      VfeCaseIndex(&s, j, jdx);
      PetscCall(VfeCaseName(&s, jdx, other, sizeof other));
      PetscCheck(strcmp(name, other), comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': two cases map to the same directory name '%s' (values differ only in characters "
                 "outside [A-Za-z0-9._+-])",
                 s.file, name);
    }
    PetscCall(PetscSNPrintf(dir, sizeof dir, "%s/cases/%s", s.outdir, name));
    PetscCall(PetscSNPrintf(summary, sizeof summary, "%s/summary.json", dir));
    if (!rank) done = VfeFileReadable(summary) ? 1 : 0;
    PetscCallMPI(MPI_Bcast(&done, 1, MPI_INT, 0, comm));
    if (done) {
      PetscCall(PetscPrintf(comm, "sweep: resume: case %" PetscInt_FMT "/%" PetscInt_FMT " %s already done\n", k + 1,
                            s.ncases, name));
      status[k] = VFE_CASE_RESUMED, codes[k] = 0, ++nresumed;
      continue;
    }
    PetscCall(
        PetscPrintf(comm, "sweep: case %" PetscInt_FMT "/%" PetscInt_FMT " %s: running\n", k + 1, s.ncases, name));
    PetscCall(VfeCaseOptions(comm, &s, idx, orig, dir));
    ierr = run(comm, s.base, dir);
    {
      int mine = (int)ierr, any = 0;
      PetscCallMPI(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm));
      if (!ierr && any) ierr = (PetscErrorCode)any;
    }
    if (ierr) {
      const char *text = NULL;
      char *msg        = NULL;
      PetscErrorMessage(ierr, &text, &msg);
      PetscCall(PetscPrintf(comm, "sweep: case %s FAILED (error %d): %s\n", name, (int)ierr,
                            msg && msg[0] ? msg : (text ? text : "unknown error")));
      status[k] = VFE_CASE_FAILED, codes[k] = ierr, ++nfailed;
      if (firstfail < 0) firstfail = k;
    } else {
      status[k] = VFE_CASE_OK, codes[k] = 0, ++nran;
      PetscCall(PetscPrintf(comm, "sweep: case %s done\n", name));
    }
  }

  /* give the database back as it came */
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, orig));
  PetscCall(PetscFree(orig));

  if (!rank) rerr = VfeSweepReport(&s, status, codes);
  {
    int e = (int)rerr;
    PetscCallMPI(MPI_Bcast(&e, 1, MPI_INT, 0, comm));
    if (!rank) PetscCall(rerr);
    PetscCheck(!e, comm, (PetscErrorCode)e, "writing the sweep table on rank 0 failed");
  }
  PetscCall(PetscPrintf(comm,
                        "sweep: %" PetscInt_FMT " cases: %" PetscInt_FMT " ran, %" PetscInt_FMT
                        " resumed, %" PetscInt_FMT " failed; table %s/sweep.csv\n",
                        s.ncases, nran, nresumed, nfailed, s.outdir));
  {
    PetscErrorCode first = firstfail >= 0 ? codes[firstfail] : 0;
    PetscInt ncases      = s.ncases;
    PetscCall(PetscFree3(idx, status, codes));
    PetscCall(VfeStudyDestroy(&s));
    PetscCheck(!first, comm, first,
               "%" PetscInt_FMT " of %" PetscInt_FMT
               " sweep cases failed (the first with error %d); see the status column of sweep.csv",
               nfailed, ncases, (int)first);
  }
  PetscFunctionReturn(0);
}
