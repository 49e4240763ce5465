/*
 * sweep.c - `vfe sweep STUDY.yaml` (docs/sweeps.md).
 *
 * A study names a base case, lists of values for any case keys (vary: every combination runs, the
 * first key slowest, the last fastest, in the order the file lists them) and fixed overrides
 * (set:).  The study is read with libyaml (nested maps join with '_' as in case files) and checked
 * completely before any case runs.  Each case runs in-process through the application's
 * VfeRunCaseFn (app/run.c) on every rank, with the global options database rebuilt as
 *   base case YAML < set overrides < the original command line < the varied values < -output_dir,
 * into <output.dir>/cases/<key1>=<v1>_<key2>=<v2>...  A case whose summary.json exists (written last
 * by a run) is not run again (resume).  A failing case is recorded and the sweep goes on.
 *
 * Each case's metrics row comes back from the runner in memory (a resumed case's from the "table"
 * of its summary.json); no CSV is read back.  Afterwards rank 0 hands every case (varied values,
 * status, case_dir, metrics) to the sweep table (postproc/sweeptable.c), which writes
 * <output.dir>/sweep.csv, the fill-ratio window report (windows.md, windows.csv) and the plots.
 */
#include "vfeapp.h"
#include "vfesweeptable.h"
#include "vfefile.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define VFE_SWEEP_MAX_VALUES 4096

typedef struct {
  char *key;   /* case key without '-', e.g. cement_fill_ratio */
  PetscInt n;  /* number of values */
  char **vals; /* values as written in the study */
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

/* characters that may appear in a case directory name; others become '-' */
static void VfeSanitise(char *s)
{
  for (; *s; ++s)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' ||
          *s == '+' || *s == '=' || *s == '_'))
      *s = '-';
}

/* ---------------------------------------------------------------- reading the study (libyaml) */

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

/* The study file's bytes, read on rank 0 and broadcast (every rank parses the same text). */
static PetscErrorCode VfeStudyLoadText(MPI_Comm comm, const char *file, char **text, PetscInt *len)
{
  PetscMPIInt rank;
  long n = -1;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  *text = NULL;
  if (!rank) {
    FILE *f = fopen(file, "rb");
    if (f && !fseek(f, 0, SEEK_END)) n = ftell(f);
    if (f && n >= 0 && n <= (1L << 24)) {
      PetscCall(PetscMalloc1(n + 1, text));
      rewind(f);
      if (fread(*text, 1, (size_t)n, f) != (size_t)n) n = -1;
    } else
      n = -1;
    if (f) fclose(f);
  }
  PetscCallMPI(MPI_Bcast(&n, 1, MPI_LONG, 0, comm));
  PetscCheck(n >= 0, comm, PETSC_ERR_USER_INPUT, "study file '%s' cannot be read (or is larger than 16 MB)", file);
  if (rank) PetscCall(PetscMalloc1(n + 1, text));
  PetscCallMPI(MPI_Bcast(*text, (PetscMPIInt)n, MPI_CHAR, 0, comm));
  (*text)[n] = 0;
  *len       = (PetscInt)n;
  PetscFunctionReturn(0);
}

/* What the walk of the YAML document found besides vary and set. */
typedef struct {
  PetscBool hasversion, hasbase;
  PetscInt version;
  char base[PETSC_MAX_PATH_LEN];
} VfeStudyHead;

static const char *VfeScalar(yaml_node_t *n)
{
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* One flattened entry of the study: key (nested maps joined with '_', as in case files) and its
 * values (a scalar is one value; a list gives its items; nvals 0 with vals NULL: an empty map). */
static PetscErrorCode VfeStudyEntry(MPI_Comm comm, VfeStudy *s, VfeStudyHead *h, const char *k, PetscInt nv,
                                    const char *const vals[], PetscBool list)
{
  const char *file = s->file, *v = nv ? vals[0] : NULL;

  PetscFunctionBeginUser;
  if (!strcmp(k, "study_version")) {
    char *end;
    h->hasversion = PETSC_TRUE;
    h->version    = v && v[0] && !list ? strtol(v, &end, 10) : -1;
    if (v && v[0] && *end) h->version = -1;
  } else if (!strcmp(k, "base")) {
    PetscCheck(v && v[0] && !list, comm, PETSC_ERR_USER_INPUT,
               "study file '%s': base is empty (the base case file, relative to the study file)", file);
    PetscCall(PetscStrncpy(h->base, v, sizeof h->base));
    h->hasbase = PETSC_TRUE;
  } else if (!strcmp(k, "threshold")) {
    double x = list ? NAN : VfeSweepParseNumber(v);
    PetscCheck(x > 0, comm, PETSC_ERR_USER_INPUT,
               "study file '%s': threshold = '%s' must be a number > 0 (default 1.10)", file, v ? v : "");
    s->threshold = x;
  } else if (!strcmp(k, "output_dir")) {
    PetscCheck(v && v[0] && !list, comm, PETSC_ERR_USER_INPUT, "study file '%s': output.dir is empty", file);
    PetscCall(PetscStrncpy(s->outdir, v, sizeof s->outdir));
  } else if (!strcmp(k, "vary") || !strcmp(k, "set")) {
    PetscCheck(!nv || !v || !v[0], comm, PETSC_ERR_USER_INPUT, "study file '%s': %s must be a map of key: value%s",
               file, k, k[0] == 'v' ? " list" : "");
  } else if (!strncmp(k, "vary_", 5)) {
    VfeVary *w = &s->vary[s->nvary];
    PetscCheck(VfeKnownKey(k + 5), comm, PETSC_ERR_USER_INPUT,
               "study file '%s': vary key '%s' is not a key vfe knows (case keys: vfe help, docs/user-guide.md)", file,
               k + 5);
    PetscCheck(strcmp(k + 5, "output_dir"), comm, PETSC_ERR_USER_INPUT,
               "study file '%s': output_dir cannot be varied (the sweep sets it per case)", file);
    for (PetscInt a = 0; a < nv; ++a)
      PetscCheck(!VfeFileOptionKey(k + 5, vals[a]), comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': vary key '%s' names a file or viewer; PETSc output and file options are allowed "
                 "only on the command line",
                 file, k + 5);
    PetscCheck(nv > 0 && v && v[0], comm, PETSC_ERR_USER_INPUT,
               "study file '%s': vary key '%s' has an empty list (give at least one value)", file, k + 5);
    PetscCheck(nv <= VFE_SWEEP_MAX_VALUES, comm, PETSC_ERR_USER_INPUT,
               "study file '%s': vary key '%s' has %" PetscInt_FMT " values (at most %d)", file, k + 5, nv,
               VFE_SWEEP_MAX_VALUES);
    PetscCall(PetscStrallocpy(k + 5, &w->key));
    PetscCall(PetscCalloc1(nv, &w->vals));
    w->n = nv;
    s->nvary++;
    for (PetscInt a = 0; a < nv; ++a) {
      PetscCheck(vals[a] && vals[a][0], comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': vary key '%s' has an empty value (entry %" PetscInt_FMT ")", file, k + 5, a + 1);
      for (PetscInt b = 0; b < a; ++b)
        PetscCheck(strcmp(vals[a], vals[b]), comm, PETSC_ERR_USER_INPUT,
                   "study file '%s': vary key '%s' lists '%s' twice", file, k + 5, vals[a]);
      PetscCall(PetscStrallocpy(vals[a], &w->vals[a]));
    }
  } else if (!strncmp(k, "set_", 4)) {
    char joined[4096] = "";
    PetscCheck(VfeKnownKey(k + 4), comm, PETSC_ERR_USER_INPUT,
               "study file '%s': set key '%s' is not a key vfe knows (case keys: vfe help, docs/user-guide.md)", file,
               k + 4);
    PetscCheck(strcmp(k + 4, "output_dir"), comm, PETSC_ERR_USER_INPUT,
               "study file '%s': set key output_dir is not allowed (the sweep writes each case into output.dir/cases/)",
               file);
    for (PetscInt a = 0; a < nv; ++a) { /* a list becomes PETSc's comma-separated array */
      if (a) PetscCall(PetscStrlcat(joined, ",", sizeof joined));
      PetscCall(PetscStrlcat(joined, vals[a] ? vals[a] : "", sizeof joined));
    }
    PetscCheck(!VfeFileOptionKey(k + 4, joined), comm, PETSC_ERR_USER_INPUT,
               "study file '%s': set key '%s' names a file or viewer; PETSc output and file options are allowed only "
               "on the command line",
               file, k + 4);
    PetscCall(PetscStrallocpy(k + 4, &s->setkeys[s->nset]));
    PetscCall(PetscStrallocpy(joined[0] ? joined : NULL, &s->setvals[s->nset]));
    s->nset++;
  } else {
    SETERRQ(comm, PETSC_ERR_USER_INPUT,
            "study file '%s': unknown key '%s' (allowed: study_version, base, vary, set, threshold, output.dir; see "
            "docs/sweeps.md)",
            file, k);
  }
  PetscFunctionReturn(0);
}

/* Walk a mapping in file order, flattening nested maps into prefix_key. */
static PetscErrorCode VfeStudyWalk(MPI_Comm comm, VfeStudy *s, VfeStudyHead *h, yaml_document_t *d, yaml_node_t *map,
                                   const char *prefix, int depth)
{
  PetscFunctionBeginUser;
  PetscCheck(depth < 8, comm, PETSC_ERR_USER_INPUT, "study file '%s': maps nested deeper than 8 levels", s->file);
  for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; ++pr) {
    yaml_node_t *kn = yaml_document_get_node(d, pr->key), *vn = yaml_document_get_node(d, pr->value);
    const char *k = VfeScalar(kn);
    char key[512];

    PetscCheck(k && vn, comm, PETSC_ERR_USER_INPUT, "study file '%s': a key that is not text", s->file);
    PetscCall(PetscSNPrintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "_" : "", k));
    if (vn->type == YAML_MAPPING_NODE) {
      if (vn->data.mapping.pairs.start == vn->data.mapping.pairs.top)
        PetscCall(VfeStudyEntry(comm, s, h, key, 0, NULL, PETSC_FALSE));
      else
        PetscCall(VfeStudyWalk(comm, s, h, d, vn, key, depth + 1));
    } else if (vn->type == YAML_SEQUENCE_NODE) {
      PetscInt n = (PetscInt)(vn->data.sequence.items.top - vn->data.sequence.items.start);
      const char **vals;
      PetscCall(PetscMalloc1(n + 1, &vals));
      for (PetscInt i = 0; i < n; ++i) {
        vals[i] = VfeScalar(yaml_document_get_node(d, vn->data.sequence.items.start[i]));
        PetscCheck(vals[i], comm, PETSC_ERR_USER_INPUT, "study file '%s': %s: list entries must be plain values",
                   s->file, key);
      }
      PetscCall(VfeStudyEntry(comm, s, h, key, n, vals, PETSC_TRUE));
      PetscCall(PetscFree(vals));
    } else {
      const char *v = VfeScalar(vn);
      PetscCall(VfeStudyEntry(comm, s, h, key, 1, &v, PETSC_FALSE));
    }
  }
  PetscFunctionReturn(0);
}

/* Parse the study text with libyaml into s (vary keys in file order). */
static PetscErrorCode VfeStudyParse(MPI_Comm comm, VfeStudy *s, VfeStudyHead *h, const char *text, PetscInt len)
{
  yaml_parser_t parser;
  yaml_document_t doc;
  yaml_node_t *root;
  PetscInt nnodes;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(yaml_parser_initialize(&parser), comm, PETSC_ERR_MEM, "libyaml: cannot create a parser");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, (size_t)len);
  if (!yaml_parser_load(&parser, &doc)) {
    char msg[256];
    PetscCall(PetscSNPrintf(msg, sizeof msg, "line %d: %s", (int)parser.problem_mark.line + 1,
                            parser.problem ? parser.problem : "syntax error"));
    yaml_parser_delete(&parser);
    SETERRQ(comm, PETSC_ERR_USER_INPUT, "study file '%s' is not valid YAML (%s)", s->file, msg);
  }
  yaml_parser_delete(&parser);
  root = yaml_document_get_root_node(&doc);
  if (!root || root->type != YAML_MAPPING_NODE) {
    yaml_document_delete(&doc);
    SETERRQ(comm, PETSC_ERR_USER_INPUT, "study file '%s' is not valid YAML (or not a map of keys to values)", s->file);
  }
  nnodes = (PetscInt)(doc.nodes.top - doc.nodes.start); /* bounds the number of entries */
  PetscCall(PetscCalloc1(nnodes, &s->vary));
  PetscCall(PetscCalloc2(nnodes, &s->setkeys, nnodes, &s->setvals));
  ierr = VfeStudyWalk(comm, s, h, &doc, root, "", 0);
  yaml_document_delete(&doc);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* The checks that need the whole study. */
static PetscErrorCode VfeStudyCheck(MPI_Comm comm, const VfeStudy *s, const VfeStudyHead *h)
{
  const char *file = s->file;

  PetscFunctionBeginUser;
  PetscCheck(h->hasversion, comm, PETSC_ERR_USER_INPUT,
             "study file '%s' has no study_version key (this vfe reads study_version: 1)", file);
  PetscCheck(h->version == 1, comm, PETSC_ERR_USER_INPUT,
             "study file '%s': study_version is not supported (this vfe reads study_version: 1)", file);
  PetscCheck(h->hasbase, comm, PETSC_ERR_USER_INPUT,
             "study file '%s' has no base key (the base case file, relative to the study file's directory)", file);
  PetscCheck(s->nvary > 0, comm, PETSC_ERR_USER_INPUT,
             "study file '%s' varies no keys (add vary: {key: [value, ...]}; see docs/sweeps.md)", file);
  for (PetscInt i = 0; i < s->nvary; ++i)
    for (PetscInt j = 0; j < s->nset; ++j)
      PetscCheck(strcmp(s->vary[i].key, s->setkeys[j]), comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': key '%s' is both varied and set", file, s->setkeys[j]);
  for (PetscInt i = 0; i < s->nvary; ++i)
    for (PetscInt j = 0; j < i; ++j)
      PetscCheck(strcmp(s->vary[i].key, s->vary[j].key), comm, PETSC_ERR_USER_INPUT,
                 "study file '%s': vary key '%s' is given twice", file, s->vary[i].key);
  PetscFunctionReturn(0);
}

/* The base case, relative to the study file's directory; it must open, be valid YAML and name no
 * file or viewer (VfeFileOptionKey). */
static PetscErrorCode VfeStudyResolveBase(MPI_Comm comm, VfeStudy *s, const char *base)
{
  PetscOptions opts;
  PetscErrorCode ierr;
  PetscBool ok;
  const char *file = s->file;
  char bad[256]    = "";

  PetscFunctionBeginUser;
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
  if (!ierr) {
    PetscInt n;
    char **names, **values;
    PetscCall(PetscOptionsLeftGet(opts, &n, &names, &values));
    for (PetscInt i = 0; i < n && !bad[0]; ++i)
      if (VfeFileOptionKey(names[i], values[i])) PetscCall(PetscStrncpy(bad, names[i], sizeof bad));
    PetscCall(PetscOptionsLeftRestore(opts, &n, &names, &values));
  }
  PetscCall(PetscOptionsDestroy(&opts));
  PetscCheck(!ierr, comm, PETSC_ERR_USER_INPUT, "study file '%s': base case '%s' is not valid YAML", file, s->base);
  PetscCheck(!bad[0], comm, PETSC_ERR_USER_INPUT,
             "study file '%s': base case '%s': key '%s' names a file or viewer; PETSc output and file options are "
             "allowed only on the command line",
             file, s->base, bad);
  PetscFunctionReturn(0);
}

/* Output directory: command line -output_dir, else output.dir, else out/<study name>. */
static PetscErrorCode VfeStudyOutputDir(VfeStudy *s, const char *cmdline_outdir)
{
  size_t l;

  PetscFunctionBeginUser;
  if (cmdline_outdir && cmdline_outdir[0]) PetscCall(PetscStrncpy(s->outdir, cmdline_outdir, sizeof s->outdir));
  if (!s->outdir[0]) {
    const char *b   = strrchr(s->file, '/') ? strrchr(s->file, '/') + 1 : s->file;
    const char *dot = strrchr(b, '.');
    PetscCall(
        PetscSNPrintf(s->outdir, sizeof s->outdir, "out/%.*s", (int)(dot && dot > b ? dot - b : (long)strlen(b)), b));
  }
  l = strlen(s->outdir);
  while (l > 1 && s->outdir[l - 1] == '/') s->outdir[--l] = 0;
  PetscFunctionReturn(0);
}

/* Read and check the study; nothing is written.  cmdline_outdir (may be empty) overrides output.dir. */
static PetscErrorCode VfeStudyRead(MPI_Comm comm, const char *file, const char *cmdline_outdir, VfeStudy *s)
{
  VfeStudyHead h;
  PetscBool ok;
  char *text   = NULL;
  PetscInt len = 0;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(s, sizeof *s));
  PetscCall(PetscMemzero(&h, sizeof h));
  s->threshold = 1.10;
  h.version    = -1;
  PetscCheck(file && file[0], comm, PETSC_ERR_USER_INPUT,
             "vfe sweep needs a study file: vfe sweep STUDY.yaml (format: docs/sweeps.md)");
  PetscCall(PetscStrncpy(s->file, file, sizeof s->file));
  PetscCall(VfeSweepReadable(comm, file, &ok));
  PetscCheck(ok, comm, PETSC_ERR_USER_INPUT, "study file '%s' cannot be opened: %s", file, strerror(ENOENT));
  PetscCall(VfeStudyLoadText(comm, file, &text, &len));
  ierr = VfeStudyParse(comm, s, &h, text, len);
  PetscCall(PetscFree(text));
  PetscCall(ierr);
  PetscCall(VfeStudyCheck(comm, s, &h));
  PetscCall(VfeStudyResolveBase(comm, s, h.base));
  PetscCall(VfeStudyOutputDir(s, cmdline_outdir));
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

static struct {
  int argc, firstopt;
  char **argv;
} vfe_sweep_cmdline;

void VfeSweepSetCommandLine(int argc, char **argv, int firstopt)
{
  vfe_sweep_cmdline.argc = argc, vfe_sweep_cmdline.argv = argv, vfe_sweep_cmdline.firstopt = firstopt;
}

/* The command line into the options database: its argument vector when main gave it, else the
 * text of the database as it was on entry. */
static PetscErrorCode VfeSweepInsertCommandLine(MPI_Comm comm, const char *orig)
{
  PetscFunctionBeginUser;
  if (vfe_sweep_cmdline.argv)
    PetscCall(VfeInsertCommandLine(comm, vfe_sweep_cmdline.argc, vfe_sweep_cmdline.argv, vfe_sweep_cmdline.firstopt));
  else
    PetscCall(PetscOptionsInsertString(NULL, orig));
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
  PetscCall(VfeSweepInsertCommandLine(comm, orig));
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

/* ---------------------------------------------------------------- handing the cases to the table (rank 0) */

/* Everything after the cases: rank 0 only; errors are returned, not raised collectively. */
static PetscErrorCode VfeSweepReport(const VfeStudy *s, const int status[], const PetscErrorCode codes[],
                                     const VfeMetricsRow rows[])
{
  VfeSweepTable t;
  PetscInt *idx;
  const char **keys, **vals;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(s->nvary, &idx, s->nvary, &keys, s->nvary, &vals));
  for (PetscInt i = 0; i < s->nvary; ++i) keys[i] = s->vary[i].key;
  PetscCall(VfeSweepTableCreate(s->file, s->threshold, s->nvary, keys, s->ncases, &t));
  for (PetscInt k = 0; k < s->ncases; ++k) {
    char name[PETSC_MAX_PATH_LEN], rel[PETSC_MAX_PATH_LEN], st[64];
    VfeCaseIndex(s, k, idx);
    PetscCall(VfeCaseName(s, idx, name, sizeof name));
    PetscCall(PetscSNPrintf(rel, sizeof rel, "cases/%s", name));
    if (status[k] != VFE_CASE_FAILED && !rows[k].n)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "sweep: warning: case %s has no metrics (summary.json without a table)\n",
                            name));
    if (status[k] == VFE_CASE_FAILED)
      PetscCall(PetscSNPrintf(st, sizeof st, "failed:%d", (int)codes[k]));
    else
      PetscCall(PetscStrncpy(st, status[k] == VFE_CASE_OK ? "ok" : "resumed", sizeof st));
    for (PetscInt i = 0; i < s->nvary; ++i) vals[i] = s->vary[i].vals[idx[i]];
    PetscCall(VfeSweepTableAddRow(t, vals, st, rel, rows[k].n, (const char *const *)rows[k].names,
                                  (const char *const *)rows[k].values));
  }
  PetscCall(VfeSweepTableWrite(t, s->outdir));
  PetscCall(VfeSweepTableDestroy(&t));
  PetscCall(PetscFree3(idx, keys, vals));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- the entry point */

PetscErrorCode VfeSweep(MPI_Comm comm, const char *studyfile, VfeRunCaseFn run)
{
  VfeStudy s;
  char *orig = NULL, cmdout[PETSC_MAX_PATH_LEN] = "";
  PetscMPIInt rank;
  PetscInt *idx, nran = 0, nresumed = 0, nfailed = 0, firstfail = -1;
  int *status, err = 0, lock        = -1;
  PetscErrorCode *codes, ierr, rerr = 0;
  VfeMetricsRow *rows; /* each case's metrics, in memory (rank 0 uses them) */

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-output_dir", cmdout, sizeof cmdout, NULL));
  PetscCall(VfeStudyRead(comm, studyfile, cmdout, &s));
  PetscCall(PetscOptionsGetAll(NULL, &orig));
  PetscCall(PetscMalloc3(s.nvary, &idx, s.ncases, &status, s.ncases, &codes));
  PetscCall(PetscCalloc1(s.ncases, &rows));

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
    err = VfeMkdirP(cases);
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "output directory '%s/cases' cannot be created: %s", s.outdir,
             strerror(err));
  /* one sweep at a time in an output directory (each case's run locks its own directory too); on an
   * error return below the lock goes with the process */
  PetscCall(VfeDirLock(comm, s.outdir, &lock));
  { /* posterior elements by default in one case (a moment, a wedge fracture): in every case that leaves the key
       unset, so that the study compares one model on one mesh */
    VfePosteriorChoice c, study;
    PetscCall(PetscMemzero(&study, sizeof study));
    VfePosteriorSetStudy(NULL);
    for (PetscInt k = 0; k < s.ncases && !study.on; ++k) {
      char name[PETSC_MAX_PATH_LEN];
      VfeCaseIndex(&s, k, idx);
      PetscCall(VfeCaseName(&s, idx, name, sizeof name));
      PetscCall(VfeCaseOptions(comm, &s, idx, orig, s.outdir));
      PetscCall(VfePosteriorDefault(&c));
      if (c.applies && c.on) {
        study.on = study.applies = PETSC_TRUE;
        PetscCall(PetscSNPrintf(study.why, sizeof study.why, "case %s of the study: %s", name, c.why));
      }
    }
    if (study.on) {
      VfePosteriorSetStudy(&study);
      PetscCall(PetscPrintf(comm, "sweep: posterior elements on by default in every case that does not set them (%s)\n",
                            study.why));
    }
  }

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
      if (!rank) PetscCall(VfeMetricsRowFromSummary(dir, &rows[k]));
      continue;
    }
    PetscCall(
        PetscPrintf(comm, "sweep: case %" PetscInt_FMT "/%" PetscInt_FMT " %s: running\n", k + 1, s.ncases, name));
    PetscCall(VfeCaseOptions(comm, &s, idx, orig, dir));
    ierr = run(comm, s.base, dir, &rows[k]);
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

  VfePosteriorSetStudy(NULL);
  /* give the database back as it came */
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(VfeSweepInsertCommandLine(comm, orig));
  PetscCall(PetscFree(orig));

  if (!rank) rerr = VfeSweepReport(&s, status, codes, rows);
  VfeDirUnlock(&lock);
  for (PetscInt k = 0; k < s.ncases; ++k) PetscCall(VfeMetricsRowDestroy(&rows[k]));
  PetscCall(PetscFree(rows));
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
