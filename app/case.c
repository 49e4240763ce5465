/*
 * case.c - a case into the options database.
 *
 * Configuration is the PETSc options database only: the case file (YAML, read by PETSc's libyaml
 * reader, nested maps joined with '_') goes in first, then the command-line options again, so that
 * the command line wins.  Before any work, every key is checked against the key registry (keys.c);
 * an unknown key is an error naming it.
 *
 * A case file cannot write or read outside the run: PETSc options that name a file or a viewer
 * (-log_view, -ksp_view, -ksp_monitor ascii:FILE, -options_file, ...; VfeFileOptionKey) are refused
 * in it, and allowed only on the command line.  An -options_file on the command line is read here,
 * not by PetscInitialize, so that a file that is not a PETSc options file gives one error line that
 * names it and does not quote it (PETSc's own message shows the offending line).
 */
#include "vfeapp.h"
#include "vfemesh.h"
#include <strings.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define VFE_CASE_MAX_BYTES (1 << 20) /* a case file is a few hundred bytes; more is not a case file */
#define VFE_VALUE_MAX 4000   /* longest value (paths included; output_dir's limit is the output transaction's) */
#define VFE_CASE_MAX_DEPTH 8 /* nesting of maps and lists (vfe's keys need 2) */

extern const char VfeDefaultCaseYAML[]; /* cases/default.yaml, compiled in (app/CMakeLists.txt) */

/* No option in opts (a case file's) may name a file or a viewer. */
static PetscErrorCode VfeCheckFileOptions(MPI_Comm comm, PetscOptions opts, const char *file)
{
  PetscInt n;
  char **names, **values;
  const char *bad = NULL;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsLeftGet(opts, &n, &names, &values));
  for (PetscInt i = 0; i < n && !bad; ++i)
    if (VfeFileOptionKey(names[i], values[i])) bad = names[i];
  if (bad) {
    char key[256];
    PetscCall(PetscStrncpy(key, bad, sizeof key));
    PetscCall(PetscOptionsLeftRestore(opts, &n, &names, &values));
    SETERRQ(comm, PETSC_ERR_USER_INPUT,
            "case file '%s': key '%s' names a file or viewer; PETSc output and file options (views, monitors with a "
            "file, log_view, options_file, ...) are allowed only on the command line",
            file, key);
  }
  PetscCall(PetscOptionsLeftRestore(opts, &n, &names, &values));
  PetscFunctionReturn(0);
}

/* The structural checks of a YAML case (or options) file that PETSc's reader does not make: no NUL
 * byte (it would silently end the file), at most VFE_CASE_MAX_BYTES, nesting at most
 * VFE_CASE_MAX_DEPTH (PETSc's reader recurses), and no key given twice once nested maps are joined
 * with '_' as PETSc joins them (mesh: {size_mm: 5} and mesh_size_mm: 6 are the same key; options are
 * case-insensitive).  Runs on one process; msg receives the one-line reason, empty when the file passes. */
typedef struct {
  int ismap, expectkey;
  size_t pathlen; /* length of the key path of this node */
  long index;     /* next item of a list */
} VfeYAMLFrame;

static int VfeYAMLSeen(char ***keys, int *n, int *cap, const char *key)
{
  for (int i = 0; i < *n; ++i)
    if (!strcmp((*keys)[i], key)) return 1;
  if (*n == *cap) {
    int c       = *cap ? 2 * *cap : 32;
    char **more = (char **)realloc(*keys, (size_t)c * sizeof *more);
    if (!more) return -1;
    *keys = more, *cap = c;
  }
  if (!((*keys)[*n] = strdup(key))) return -1;
  ++*n;
  return 0;
}

/* The file's bytes (at most VFE_CASE_MAX_BYTES, no NUL), or NULL with msg set. */
static unsigned char *VfeCaseFileRead(const char *file, const char *what, size_t *n, char *msg, size_t len)
{
  FILE *f;
  unsigned char *buf;
  const unsigned char *nul;

  if (!(f = fopen(file, "rb"))) {
    snprintf(msg, len, "%s '%s' cannot be opened: %s", what, file, strerror(errno));
    return NULL;
  }
  buf = (unsigned char *)malloc(VFE_CASE_MAX_BYTES + 1);
  *n  = buf ? fread(buf, 1, VFE_CASE_MAX_BYTES + 1, f) : 0;
  if (!buf || ferror(f))
    snprintf(msg, len, "%s '%s' cannot be read", what, file);
  else if (*n > VFE_CASE_MAX_BYTES)
    snprintf(msg, len, "%s '%s' is larger than %d bytes: not a case file", what, file, VFE_CASE_MAX_BYTES);
  else if ((nul = (const unsigned char *)memchr(buf, 0, *n)))
    snprintf(msg, len, "%s '%s' holds a NUL byte (at byte %ld): not a text file", what, file, (long)(nul - buf));
  fclose(f);
  if (msg[0]) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* The walk over the YAML events: nesting depth and keys given twice (see VfeCaseFileScan). */
typedef struct {
  VfeYAMLFrame stack[VFE_CASE_MAX_DEPTH + 2];
  int depth, nkeys, capkeys;
  char path[1024], **keys;
} VfeYAMLWalk;

/* One event; msg set on a problem. */
static void VfeYAMLWalkEvent(VfeYAMLWalk *w, const yaml_event_t *ev, const char *file, const char *what, char *msg,
                             size_t len)
{
  int line          = (int)ev->start_mark.line + 1;
  VfeYAMLFrame *top = w->depth ? &w->stack[w->depth - 1] : NULL;
  char *path        = w->path;

  switch (ev->type) {
  case YAML_MAPPING_START_EVENT:
  case YAML_SEQUENCE_START_EVENT:
    if (w->depth >= VFE_CASE_MAX_DEPTH) {
      snprintf(msg, len, "%s '%s' nests maps and lists deeper than %d levels (line %d)", what, file, VFE_CASE_MAX_DEPTH,
               line);
      return;
    }
    if (top && !top->ismap) { /* an item of a list: its keys are the list's, numbered */
      size_t l = strlen(path);
      snprintf(path + l, sizeof w->path - l, "[%ld]", top->index++);
    }
    w->stack[w->depth].ismap     = ev->type == YAML_MAPPING_START_EVENT;
    w->stack[w->depth].expectkey = 1;
    w->stack[w->depth].pathlen   = strlen(path);
    w->stack[w->depth].index     = 0;
    ++w->depth;
    return;
  case YAML_MAPPING_END_EVENT:
  case YAML_SEQUENCE_END_EVENT:
    --w->depth;
    top = w->depth ? &w->stack[w->depth - 1] : NULL;
    if (top) {
      path[top->pathlen] = 0;
      if (top->ismap) top->expectkey = 1;
    }
    return;
  case YAML_SCALAR_EVENT:
  case YAML_ALIAS_EVENT:
    if (top && top->ismap && top->expectkey) {
      size_t l = strlen(path);
      if (ev->type == YAML_ALIAS_EVENT) {
        snprintf(msg, len, "%s '%s': an alias as a key (line %d) is not supported", what, file, line);
        return;
      }
      if (l + 1 + ev->data.scalar.length + 1 > sizeof w->path) {
        snprintf(msg, len, "%s '%s': a key longer than %d characters (line %d)", what, file, (int)sizeof w->path - 1,
                 line);
        return;
      }
      snprintf(path + l, sizeof w->path - l, "%s%s", l ? "_" : "", (const char *)ev->data.scalar.value);
      for (char *c = path + l; *c; ++c) *c = (char)tolower((unsigned char)*c);
      top->expectkey = 0;
    } else if (top && top->ismap) { /* a value: the key is complete */
      int seen = VfeYAMLSeen(&w->keys, &w->nkeys, &w->capkeys, path);
      if (seen < 0)
        snprintf(msg, len, "%s '%s': out of memory", what, file);
      else if (seen)
        snprintf(msg, len, "%s '%s': key '%s' is given twice (line %d); give each key once", what, file, path, line);
      path[top->pathlen] = 0;
      top->expectkey     = 1;
    } else if (top)
      top->index++;
    return;
  default:
    return;
  }
}

static void VfeCaseFileScan(const char *file, const char *what, char *msg, size_t len)
{
  unsigned char *buf;
  size_t nread;
  yaml_parser_t parser;
  yaml_event_t ev;
  VfeYAMLWalk w;
  int done = 0;

  msg[0] = 0;
  if (!(buf = VfeCaseFileRead(file, what, &nread, msg, len))) return;
  if (!yaml_parser_initialize(&parser)) {
    snprintf(msg, len, "%s '%s': cannot create a YAML parser", what, file);
    free(buf);
    return;
  }
  memset(&w, 0, sizeof w);
  yaml_parser_set_input_string(&parser, buf, nread);
  while (!done && !msg[0]) {
    if (!yaml_parser_parse(&parser, &ev)) {
      snprintf(msg, len, "%s '%s' is not valid YAML (line %d: %s)", what, file, (int)parser.problem_mark.line + 1,
               parser.problem ? parser.problem : "syntax error");
      break;
    }
    if (ev.type == YAML_STREAM_END_EVENT)
      done = 1;
    else
      VfeYAMLWalkEvent(&w, &ev, file, what, msg, len);
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  for (int i = 0; i < w.nkeys; ++i) free(w.keys[i]);
  free(w.keys);
  free(buf);
}

/* VfeCaseFileScan on rank 0, the verdict on every rank: an error (exit 1) with its one line. */
static PetscErrorCode VfeCaseFileCheck(MPI_Comm comm, const char *file, const char *what)
{
  char msg[PETSC_MAX_PATH_LEN + 512];
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) VfeCaseFileScan(file, what, msg, sizeof msg);
  PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)sizeof msg, MPI_CHAR, 0, comm));
  PetscCheck(!msg[0], comm, PETSC_ERR_USER_INPUT, "%s", msg);
  PetscFunctionReturn(0);
}

PetscBool VfeOptionsFileArg(const char *arg)
{
  return !strcmp(arg, "-options_file") || !strcmp(arg, "-options_file_yaml") ? PETSC_TRUE : PETSC_FALSE;
}

/* -options_file(_yaml) F: tried on rank 0 into a scratch database first, so that a bad file is one
 * error that does not quote it (and no rank waits on a rank that failed), then read for real. */
static PetscErrorCode VfeInsertOptionsFile(MPI_Comm comm, const char *opt, const char *file)
{
  PetscMPIInt rank;
  int ok         = 1;
  PetscBool yaml = strstr(opt, "yaml") ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBeginUser;
  if (yaml) PetscCall(VfeCaseFileCheck(comm, file, "options file"));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    PetscOptions scratch;
    PetscErrorCode ierr;
    PetscCall(PetscOptionsCreate(&scratch));
    ierr = yaml ? PetscOptionsInsertFileYAML(PETSC_COMM_SELF, scratch, file, PETSC_TRUE)
                : PetscOptionsInsertFile(PETSC_COMM_SELF, scratch, file, PETSC_TRUE);
    PetscCall(PetscOptionsDestroy(&scratch));
    ok = !ierr;
  }
  PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
  PetscCheck(ok, comm, PETSC_ERR_USER_INPUT, "options file '%s' (%s) cannot be read as %s (contents not shown)", file,
             opt, yaml ? "a YAML map of PETSc options" : "PETSc options (lines of -key value)");
  if (yaml)
    PetscCall(PetscOptionsInsertFileYAML(comm, NULL, file, PETSC_TRUE));
  else
    PetscCall(PetscOptionsInsertFile(comm, NULL, file, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* argv[firstopt..argc-1] into the options database as PETSc's own argument parser does (a key, then
 * its value unless the next argument is a key), one argument at a time: a value with spaces stays one
 * value.  An argument that is neither a key nor a key's value is an error naming it. */
PetscErrorCode VfeInsertCommandLine(MPI_Comm comm, int argc, char **argv, int firstopt)
{
  PetscFunctionBeginUser;
  for (int i = firstopt; i < argc; ++i)
    if (VfeOptionsFileArg(argv[i])) {
      PetscCheck(i + 1 < argc && argv[i + 1][0], comm, PETSC_ERR_USER_INPUT, "%s needs a file name", argv[i]);
      PetscCall(VfeInsertOptionsFile(comm, argv[i], argv[i + 1]));
      ++i;
    }
  for (int i = firstopt; i < argc; ++i) {
    PetscBool key, nextkey = PETSC_TRUE;

    if (VfeOptionsFileArg(argv[i])) {
      ++i;
      continue;
    }
    PetscCall(PetscOptionsValidKey(argv[i], &key));
    PetscCheck(key, comm, PETSC_ERR_USER_INPUT,
               "unexpected argument '%.200s'%s (usage: vfe run [CASE.yaml] [-key value ...]; a value follows its key)",
               argv[i], strlen(argv[i]) > 200 ? "..." : "");
    if (i + 1 < argc) PetscCall(PetscOptionsValidKey(argv[i + 1], &nextkey));
    PetscCall(PetscOptionsSetValue(NULL, argv[i], nextkey ? NULL : argv[i + 1]));
    if (!nextkey) ++i;
  }
  PetscFunctionReturn(0);
}

/* The built-in default case describes the anatomical segment.  When the command line switches it to
 * mesh_geometry simple or ct, its segment and cement keys that the geometry does not read are
 * dropped (the user did not write them); the same keys given on the command line still get the
 * "does not apply" error of VfeMeshCheckGeometryKeys. */
static PetscErrorCode VfeDefaultCaseFitGeometry(int argc, char **argv, int firstopt)
{
  char geom[64] = "segment";
  PetscOptions builtin;
  PetscInt n;
  char **names, **values;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh_geometry", geom, sizeof geom, NULL));
  if (!strcmp(geom, "segment")) PetscFunctionReturn(0);
  PetscCall(PetscOptionsCreate(&builtin));
  PetscCall(PetscOptionsInsertStringYAML(builtin, VfeDefaultCaseYAML));
  PetscCall(PetscOptionsLeftGet(builtin, &n, &names, &values));
  for (PetscInt i = 0; i < n; ++i) {
    PetscBool oncmdline = PETSC_FALSE;
    if (VfeMeshKeyAppliesTo(names[i], geom)) continue;
    for (int a = firstopt; a < argc && !oncmdline; ++a)
      if (argv[a][0] == '-' && !strcasecmp(argv[a] + 1, names[i])) oncmdline = PETSC_TRUE;
    if (!oncmdline) {
      char opt[300];
      PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s", names[i]));
      PetscCall(PetscOptionsClearValue(NULL, opt));
    }
  }
  PetscCall(PetscOptionsLeftRestore(builtin, &n, &names, &values));
  PetscCall(PetscOptionsDestroy(&builtin));
  PetscFunctionReturn(0);
}

/* Read the case file into the options database, then re-insert the command line so it wins. */
PetscErrorCode VfeLoadCase(MPI_Comm comm, const char *casefile, int argc, char **argv, int firstopt)
{
  PetscOptions scratch;
  PetscErrorCode ierr;
  char version[32] = "";
  PetscBool set;

  PetscFunctionBeginUser;
  if (casefile) PetscCall(VfeCaseFileCheck(comm, casefile, "case file"));
  /* validate into a scratch database first: a YAML syntax error names the file */
  PetscCall(PetscOptionsCreate(&scratch));
  ierr = casefile ? PetscOptionsInsertFileYAML(comm, scratch, casefile, PETSC_TRUE)
                  : PetscOptionsInsertStringYAML(scratch, VfeDefaultCaseYAML);
  if (ierr) PetscCall(PetscOptionsDestroy(&scratch));
  PetscCheck(!ierr, comm, PETSC_ERR_USER_INPUT, "case file '%s' is not valid YAML (or not a map of keys to values)",
             casefile ? casefile : "built-in");
  ierr = VfeCheckFileOptions(comm, scratch, casefile ? casefile : "built-in");
  PetscCall(PetscOptionsDestroy(&scratch));
  PetscCall(ierr);
  if (casefile)
    PetscCall(PetscOptionsInsertFileYAML(comm, NULL, casefile, PETSC_TRUE));
  else
    PetscCall(PetscOptionsInsertStringYAML(NULL, VfeDefaultCaseYAML));
  PetscCall(VfeInsertCommandLine(comm, argc, argv, firstopt));
  if (!casefile) PetscCall(VfeDefaultCaseFitGeometry(argc, argv, firstopt));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-case_version", version, sizeof version, &set));
  PetscCheck(set, comm, PETSC_ERR_USER_INPUT, "case file '%s' has no case_version key (this vfe reads case_version: 1)",
             casefile);
  PetscCheck(!strcmp(version, "1"), comm, PETSC_ERR_USER_INPUT,
             "case file '%s': case_version '%s' is not supported (this vfe reads case_version: 1)", casefile, version);
  PetscFunctionReturn(0);
}

/* Every option must be one some part of vfe or PETSc reads. Returns the material_* keys for the
 * check against the mesh's regions. */
PetscErrorCode VfeCheckKeys(MPI_Comm comm, PetscInt *nmat, char ***matkeys)
{
  PetscInt n;
  char **names, **values;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  PetscCall(PetscMalloc1(n + 1, matkeys));
  *nmat = 0;
  /* first every name, then every value: an unknown key is reported before a bad value */
  for (PetscInt i = 0; i < n; ++i)
    PetscCheck(VfeKnownKey(names[i]), comm, PETSC_ERR_USER_INPUT,
               "unknown key '%s' (case-file keys are listed by vfe help and in docs/user-guide.md; PETSc solver "
               "options start with ksp_, pc_, mg_, dm_, mat_)",
               names[i]);
  for (PetscInt i = 0; i < n; ++i) {
    size_t len = values[i] ? strlen(values[i]) : 0;
    PetscCheck(len < VFE_VALUE_MAX || !strcmp(names[i], "output_dir"), comm, PETSC_ERR_USER_INPUT,
               "the value of %s is %zu characters long (at most %d): no vfe value or path is that long", names[i], len,
               VFE_VALUE_MAX - 1);
    PetscCall(VfeKeysCheckValue(names[i], values[i]));
    if (!strncmp(names[i], "material_", 9) || !strncmp(names[i], "ligament_", 9))
      PetscCall(PetscStrallocpy(names[i], &(*matkeys)[(*nmat)++]));
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  {
    /* keys that the chosen geometry does not read, an empty mesh_file, the predicted element count;
       a mesh read from a file reads no geometry key */
    char geom[64] = "segment";
    const char *mfile;
    PetscBool hasfile;
    PetscCall(PetscOptionsFindPair(NULL, NULL, "-mesh_file", &mfile, &hasfile));
    PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh_geometry", geom, sizeof geom, NULL));
    if (!hasfile || !mfile || !mfile[0]) PetscCall(VfeMeshCheckGeometryKeys(comm, geom));
  }
  PetscFunctionReturn(0);
}

int VfeExitCode(PetscErrorCode ierr)
{
  switch (ierr) {
  case 0:
    return 0;
  case PETSC_ERR_NOT_CONVERGED:
    return 2;
  case PETSC_ERR_FILE_WRITE:
    return 3; /* a malformed input file (FILE_UNEXPECTED) is bad input: 1 */
  default:
    return 1;
  }
}
