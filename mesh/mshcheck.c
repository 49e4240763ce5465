/*
 * mshcheck.c - structural check of an MSH file before PETSc's Gmsh reader sees it.
 *
 * PETSc's reader (DMPlexCreateGmshFromFile) trusts the counts and tags in the file: a corrupted or
 * truncated binary file makes it allocate from garbage counts or index arrays with garbage tags,
 * and it dies with a signal instead of an error.  VfeMshCheck() walks the file once, on rank 0,
 * the way that reader will, and accepts it only if
 *   - it starts with $MeshFormat, version 2.2 or 4.1, ASCII or binary with 8-byte data and this
 *     machine's byte order;
 *   - every section it reads ($PhysicalNames, $Entities, $Nodes, $Elements) has its end marker,
 *     and every count fits in the bytes that are left (a truncated file fails here, before any
 *     allocation);
 *   - physical names are quoted, 1..VFE_NAME_LEN-1 characters, of dimension 0..3;
 *   - node tags are positive, unique and (4.1) inside the declared range, which itself is bounded
 *     by the node count; coordinates are finite;
 *   - element types are ones Gmsh defines (their node count is known), every element node is a
 *     node of the file, and (4.1) every node and element block names an entity of $Entities of
 *     the block's dimension;
 *   - $Periodic and $PartitionedEntities are absent (vfe meshes are neither); other sections
 *     ($NodeData, ...) are skipped to their end marker.
 * It is a check, not a reader: it keeps the sorted node tags and the entity table, and, when asked
 * (VfeMshRead with contents), the physical names and the corner coordinates of every surface triangle
 * with its physical tag, which VfeMeshLoad needs because it reads the tetrahedra uninterpolated (PETSc's
 * reader then makes no faces) and labels the boundary faces itself after the parallel interpolation.
 * Every failure is one PETSc error (PETSC_ERR_FILE_UNEXPECTED: bad input, exit 1) naming the file,
 * the section and the byte offset.
 */
#define _GNU_SOURCE /* memmem */
#include "vfemesh.h"
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
  long long tag;
  double xyz[3];
} MshNode; /* a node with its coordinates (kept only when the contents are asked for) */

typedef struct {
  long long tag, phys;
} MshEnt; /* a 4.1 surface entity and its (first) physical tag, 0 if none */

typedef struct {
  const char *path;
  char *buf;  /* whole file, NUL-terminated */
  size_t len; /* bytes in the file */
  size_t pos; /* read cursor */
  PetscBool binary;
  int version;           /* 22 or 41 */
  const char *section;   /* for messages */
  long long *nodes;      /* sorted node tags */
  size_t nnodes;         /* number of node tags */
  PetscBool entities;    /* 4.1: $Entities was read */
  long long *ent[4];     /* 4.1: entity tags per dimension, sorted */
  size_t nent[4];        /* 4.1: number of entities per dimension */
  PetscBool names_seen;  /* $PhysicalNames was read */
  VfeMshContents *out;   /* NULL: check only */
  MshNode *xyz;          /* out: nodes with coordinates, sorted by tag */
  MshEnt *ent2;          /* out, 4.1: surface entities with their physical tag, sorted by tag */
  size_t nent2, cap_tri; /* entries of ent2; triangles allocated in out */
} Msh;

#define MSH_FAIL(m, ...)                                                                                               \
  do {                                                                                                                 \
    char _what[256];                                                                                                   \
    PetscCall(PetscSNPrintf(_what, sizeof _what, __VA_ARGS__));                                                        \
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,                                                                \
            "mesh file '%s' is corrupt or truncated: %s%s%s (at byte %zu of %zu)", (m)->path,                          \
            (m)->section ? (m)->section : "", (m)->section ? ": " : "", _what, (m)->pos, (m)->len);                    \
  } while (0)

/* Gmsh element types 1..19: number of nodes and dimension (0: unknown type) */
static const int msh_type_nodes[20] = {0, 2, 3, 4, 4, 8, 6, 5, 3, 6, 9, 10, 27, 18, 14, 1, 8, 20, 15, 13};
static const int msh_type_dim[20]   = {0, 1, 2, 2, 3, 3, 3, 3, 1, 2, 2, 3, 3, 3, 3, 0, 2, 3, 3, 3};

static int MshCompare(const void *a, const void *b)
{
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

static int MshNodeCompare(const void *a, const void *b)
{
  return MshCompare(&((const MshNode *)a)->tag, &((const MshNode *)b)->tag);
}

static int MshEntCompare(const void *a, const void *b)
{
  return MshCompare(&((const MshEnt *)a)->tag, &((const MshEnt *)b)->tag);
}

static PetscBool MshHas(const long long *v, size_t n, long long t)
{
  return n && bsearch(&t, v, n, sizeof *v, MshCompare) ? PETSC_TRUE : PETSC_FALSE;
}

static size_t MshLeft(const Msh *m)
{
  return m->len - m->pos;
}

static PetscBool MshSpace(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One text line (without its '\n' or '\r') into line[n]; too long or at the end of the file fails. */
static PetscErrorCode MshLine(Msh *m, char *line, size_t n, const char *what)
{
  size_t k = 0;

  PetscFunctionBeginUser;
  while (m->pos < m->len && MshSpace(m->buf[m->pos])) ++m->pos; /* rest of the line before, blank lines */
  if (m->pos >= m->len) MSH_FAIL(m, "the file ends where %s was expected", what);
  while (m->pos < m->len && m->buf[m->pos] != '\n') {
    if (!m->buf[m->pos]) MSH_FAIL(m, "a NUL byte where %s was expected", what);
    if (k + 1 >= n) MSH_FAIL(m, "a line longer than %d characters where %s was expected", (int)n - 1, what);
    line[k++] = m->buf[m->pos++];
  }
  if (m->pos < m->len) ++m->pos;
  while (k && (line[k - 1] == '\r' || line[k - 1] == ' ')) --k;
  line[k] = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode MshExpect(Msh *m, const char *marker)
{
  char line[64];

  PetscFunctionBeginUser;
  PetscCall(MshLine(m, line, sizeof line, marker));
  if (strcmp(line, marker)) MSH_FAIL(m, "'%s' expected, found '%.32s'", marker, line);
  PetscFunctionReturn(0);
}

/* numbers: ASCII tokens or raw binary of the given size */
static PetscErrorCode MshAsciiInt(Msh *m, long long *v, const char *what)
{
  char *end;

  PetscFunctionBeginUser;
  while (m->pos < m->len && MshSpace(m->buf[m->pos])) ++m->pos;
  if (m->pos >= m->len) MSH_FAIL(m, "the file ends where %s was expected", what);
  errno = 0;
  *v    = strtoll(m->buf + m->pos, &end, 10);
  if (end == m->buf + m->pos || errno == ERANGE || (end < m->buf + m->len && !MshSpace(*end)))
    MSH_FAIL(m, "%s is not an integer", what);
  m->pos = (size_t)(end - m->buf);
  PetscFunctionReturn(0);
}

static PetscErrorCode MshInt(Msh *m, long long *v, const char *what) /* 4-byte int in binary */
{
  int32_t i;

  PetscFunctionBeginUser;
  if (!m->binary)
    PetscCall(MshAsciiInt(m, v, what));
  else {
    if (MshLeft(m) < 4) MSH_FAIL(m, "the file ends where %s was expected", what);
    memcpy(&i, m->buf + m->pos, 4);
    m->pos += 4;
    *v = i;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MshSize(Msh *m, long long *v, const char *what) /* size_t in 4.1 binary */
{
  uint64_t u;

  PetscFunctionBeginUser;
  if (!m->binary || m->version == 22)
    PetscCall(MshInt(m, v, what));
  else {
    if (MshLeft(m) < 8) MSH_FAIL(m, "the file ends where %s was expected", what);
    memcpy(&u, m->buf + m->pos, 8);
    m->pos += 8;
    if (u > (uint64_t)INT64_MAX) MSH_FAIL(m, "%s = %llu is out of range", what, (unsigned long long)u);
    *v = (long long)u;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode MshReal(Msh *m, double *v, const char *what)
{
  char *end;

  PetscFunctionBeginUser;
  if (m->binary) {
    if (MshLeft(m) < 8) MSH_FAIL(m, "the file ends where %s was expected", what);
    memcpy(v, m->buf + m->pos, 8);
    m->pos += 8;
  } else {
    while (m->pos < m->len && MshSpace(m->buf[m->pos])) ++m->pos;
    if (m->pos >= m->len) MSH_FAIL(m, "the file ends where %s was expected", what);
    *v = strtod(m->buf + m->pos, &end);
    if (end == m->buf + m->pos || (end < m->buf + m->len && !MshSpace(*end))) MSH_FAIL(m, "%s is not a number", what);
    m->pos = (size_t)(end - m->buf);
  }
  if (!isfinite(*v)) MSH_FAIL(m, "%s is not finite", what);
  PetscFunctionReturn(0);
}

/* a count of items of at least `min` bytes each: positive-or-zero and fits in the rest of the file */
static PetscErrorCode MshCount(Msh *m, long long *n, size_t min, const char *what)
{
  PetscFunctionBeginUser;
  if (m->version == 22) { /* MSH 2.2 counts are a text line, in binary files too */
    char line[32], *end;
    PetscCall(MshLine(m, line, sizeof line, what));
    errno = 0;
    *n    = strtoll(line, &end, 10);
    if (end == line || *end || errno == ERANGE) MSH_FAIL(m, "%s '%s' is not an integer", what, line);
  } else
    PetscCall(MshSize(m, n, what));
  if (*n < 0 || (unsigned long long)*n > MshLeft(m) / (m->binary ? min : 2))
    MSH_FAIL(m, "%s = %lld does not fit in the %zu bytes left", what, *n, MshLeft(m));
  PetscFunctionReturn(0);
}

static PetscErrorCode MshFormat(Msh *m)
{
  char line[64], end;
  double version;
  int ft, ds;

  PetscFunctionBeginUser;
  m->section = "$MeshFormat";
  PetscCall(MshExpect(m, "$MeshFormat"));
  PetscCall(MshLine(m, line, sizeof line, "the version line"));
  if (sscanf(line, "%lf %d %d %c", &version, &ft, &ds, &end) != 3) MSH_FAIL(m, "bad version line '%.32s'", line);
  if (version == 2.2)
    m->version = 22;
  else if (version == 4.1)
    m->version = 41;
  else
    MSH_FAIL(m, "MSH version %g is not supported (vfe reads 2.2 and 4.1)", version);
  if ((ft != 0 && ft != 1) || ds != 8) MSH_FAIL(m, "file type %d and data size %d (allowed: 0 or 1, and 8)", ft, ds);
  m->binary = ft ? PETSC_TRUE : PETSC_FALSE;
  if (m->binary) {
    int32_t one;
    if (MshLeft(m) < 4) MSH_FAIL(m, "the file ends in the byte-order mark");
    memcpy(&one, m->buf + m->pos, 4);
    m->pos += 4;
    if (one != 1) MSH_FAIL(m, "the byte-order mark is %d, not 1 (another byte order or a corrupt file)", (int)one);
  }
  PetscCall(MshExpect(m, "$EndMeshFormat"));
  PetscFunctionReturn(0);
}

static PetscErrorCode MshPhysicalNames(Msh *m)
{
  long long n;
  char line[256];

  PetscFunctionBeginUser;
  if (m->names_seen) MSH_FAIL(m, "a second $PhysicalNames section");
  m->names_seen = PETSC_TRUE;
  PetscCall(MshLine(m, line, sizeof line, "the number of physical names"));
  if (sscanf(line, "%lld", &n) != 1 || n < 0 || (unsigned long long)n > MshLeft(m) / 6)
    MSH_FAIL(m, "bad number of physical names '%.32s'", line);
  for (long long i = 0; i < n; ++i) {
    int dim, tag, off = 0;
    char *q0, *q1;
    PetscCall(MshLine(m, line, sizeof line, "a physical name"));
    if (sscanf(line, "%d %d %n", &dim, &tag, &off) != 2 || dim < 0 || dim > 3 || tag <= 0)
      MSH_FAIL(m, "bad physical name line '%.40s'", line);
    q0 = strchr(line + off, '"');
    q1 = q0 ? strchr(q0 + 1, '"') : NULL;
    if (!q0 || !q1 || q1[1]) MSH_FAIL(m, "physical name '%.40s' is not one quoted name", line + off);
    if (q1 - q0 - 1 < 1 || q1 - q0 - 1 >= VFE_NAME_LEN)
      MSH_FAIL(m, "physical name %.40s has %d characters (allowed 1..%d)", q0, (int)(q1 - q0 - 1), VFE_NAME_LEN - 1);
    if (m->out) {
      VfeGroup *g;
      if (!m->out->names) PetscCall(PetscCalloc1(n + 1, &m->out->names));
      g = &m->out->names[m->out->nnames++];
      PetscCall(PetscStrncpy(g->name, q0 + 1, (size_t)(q1 - q0)));
      g->tag = tag;
      g->dim = dim;
    }
  }
  PetscCall(MshExpect(m, "$EndPhysicalNames"));
  PetscFunctionReturn(0);
}

static PetscErrorCode MshEntities(Msh *m)
{
  long long num[4], tag, n, t;
  double x;

  PetscFunctionBeginUser;
  if (m->entities) MSH_FAIL(m, "a second $Entities section");
  m->entities = PETSC_TRUE;
  for (int d = 0; d < 4; ++d) PetscCall(MshCount(m, &num[d], 4 + 24 + 8, "number of entities"));
  for (int d = 0; d < 4; ++d) {
    PetscCall(PetscMalloc1(num[d] + 1, &m->ent[d]));
    m->nent[d] = (size_t)num[d];
    for (long long i = 0; i < num[d]; ++i) {
      PetscCall(MshInt(m, &tag, "entity tag"));
      if (tag <= 0) MSH_FAIL(m, "entity tag %lld of dimension %d is not positive", tag, d);
      m->ent[d][i] = tag;
      for (int k = 0; k < (d ? 6 : 3); ++k) PetscCall(MshReal(m, &x, "entity coordinate"));
      PetscCall(MshCount(m, &n, 4, "number of physical tags"));
      if (d == 2 && m->out && !i) PetscCall(PetscMalloc1(num[2] + 1, &m->ent2));
      if (d == 2 && m->out) m->ent2[m->nent2] = (MshEnt){tag, 0};
      for (long long k = 0; k < n; ++k) {
        PetscCall(MshInt(m, &t, "physical tag"));
        if (d == 2 && m->out && !k) m->ent2[m->nent2].phys = t; /* PETSc's reader uses the first */
      }
      if (d == 2 && m->out) m->nent2++;
      if (d) {
        PetscCall(MshCount(m, &n, 4, "number of bounding entities"));
        for (long long k = 0; k < n; ++k) PetscCall(MshInt(m, &t, "bounding entity"));
      }
    }
    qsort(m->ent[d], m->nent[d], sizeof(long long), MshCompare);
  }
  if (m->ent2) qsort(m->ent2, m->nent2, sizeof(MshEnt), MshEntCompare);
  PetscCall(MshExpect(m, "$EndEntities"));
  PetscFunctionReturn(0);
}

/* sort the node tags, reject duplicates and a sparse range PETSc would allocate for */
static PetscErrorCode MshNodeTagsDone(Msh *m)
{
  PetscFunctionBeginUser;
  qsort(m->nodes, m->nnodes, sizeof(long long), MshCompare);
  if (m->xyz) qsort(m->xyz, m->nnodes, sizeof(MshNode), MshNodeCompare);
  for (size_t i = 1; i < m->nnodes; ++i)
    if (m->nodes[i] == m->nodes[i - 1]) MSH_FAIL(m, "node tag %lld appears twice", m->nodes[i]);
  if (m->nnodes && m->nodes[m->nnodes - 1] > 16 * (long long)m->nnodes + 1024)
    MSH_FAIL(m, "largest node tag %lld is far above the %zu nodes", m->nodes[m->nnodes - 1], m->nnodes);
  PetscFunctionReturn(0);
}

static PetscErrorCode MshNodes22(Msh *m)
{
  long long n, tag;
  double x;

  PetscFunctionBeginUser;
  PetscCall(MshCount(m, &n, 4 + 24, "number of nodes"));
  PetscCall(PetscMalloc1(n + 1, &m->nodes));
  if (m->out) PetscCall(PetscMalloc1(n + 1, &m->xyz));
  m->nnodes = (size_t)n;
  for (long long i = 0; i < n; ++i) {
    PetscCall(MshInt(m, &tag, "node tag"));
    if (tag <= 0) MSH_FAIL(m, "node tag %lld is not positive", tag);
    m->nodes[i] = tag;
    if (m->xyz) m->xyz[i].tag = tag;
    for (int k = 0; k < 3; ++k) {
      PetscCall(MshReal(m, &x, "node coordinate"));
      if (m->xyz) m->xyz[i].xyz[k] = x;
    }
  }
  PetscCall(MshNodeTagsDone(m));
  PetscCall(MshExpect(m, "$EndNodes"));
  PetscFunctionReturn(0);
}

static PetscErrorCode MshNodes41(Msh *m)
{
  long long nb, n, tmin, tmax, dim, etag, param, nin, tag;
  size_t k = 0;
  double x;

  PetscFunctionBeginUser;
  if (!m->entities) MSH_FAIL(m, "no $Entities section before $Nodes");
  PetscCall(MshCount(m, &nb, 20, "number of node blocks"));
  PetscCall(MshCount(m, &n, 8 + 24, "number of nodes"));
  PetscCall(MshSize(m, &tmin, "smallest node tag"));
  PetscCall(MshSize(m, &tmax, "largest node tag"));
  if (n && (tmin < 1 || tmax < tmin || tmax - tmin >= 16 * n + 1024))
    MSH_FAIL(m, "node tag range %lld..%lld does not suit %lld nodes", tmin, tmax, n);
  PetscCall(PetscMalloc1(n + 1, &m->nodes));
  if (m->out) PetscCall(PetscMalloc1(n + 1, &m->xyz));
  for (long long b = 0; b < nb; ++b) {
    PetscCall(MshInt(m, &dim, "node block dimension"));
    PetscCall(MshInt(m, &etag, "node block entity"));
    PetscCall(MshInt(m, &param, "node block parametric flag"));
    PetscCall(MshCount(m, &nin, 8 + 24, "nodes in a block"));
    if (dim < 0 || dim > 3 || !MshHas(m->ent[dim], m->nent[dim], etag))
      MSH_FAIL(m, "node block %lld names entity (%lld, %lld), which $Entities does not have", b + 1, dim, etag);
    if (param != 0 && param != 1) MSH_FAIL(m, "node block %lld: parametric flag %lld", b + 1, param);
    if (nin > n - (long long)k) MSH_FAIL(m, "node blocks hold more than the %lld nodes declared", n);
    for (long long i = 0; i < nin; ++i) {
      PetscCall(MshSize(m, &tag, "node tag"));
      if (tag < tmin || tag > tmax) MSH_FAIL(m, "node tag %lld is outside the declared %lld..%lld", tag, tmin, tmax);
      m->nodes[k + (size_t)i] = tag;
      if (m->xyz) m->xyz[k + (size_t)i].tag = tag;
    }
    for (long long i = 0; i < nin; ++i)
      for (int j = 0; j < 3 + (param ? (int)dim : 0); ++j) {
        PetscCall(MshReal(m, &x, "node coordinate"));
        if (m->xyz && j < 3) m->xyz[k + (size_t)i].xyz[j] = x;
      }
    k += (size_t)nin;
  }
  if ((long long)k != n) MSH_FAIL(m, "node blocks hold %zu nodes, the header says %lld", k, n);
  m->nnodes = k;
  PetscCall(MshNodeTagsDone(m));
  PetscCall(MshExpect(m, "$EndNodes"));
  PetscFunctionReturn(0);
}

static PetscErrorCode MshElementNode(Msh *m, long long elem, PetscBool size_t_tags, long long *t)
{
  PetscFunctionBeginUser;
  if (size_t_tags)
    PetscCall(MshSize(m, t, "element node"));
  else
    PetscCall(MshInt(m, t, "element node"));
  if (!MshHas(m->nodes, m->nnodes, *t))
    MSH_FAIL(m, "element %lld uses node %lld, which $Nodes does not have", elem, *t);
  PetscFunctionReturn(0);
}

/* Read the nodes of an element of `type`; a surface triangle (linear or quadratic) with a physical tag
 * goes into the contents with the coordinates of its three corners. */
static PetscErrorCode MshElementNodes(Msh *m, long long elem, long long type, long long phys, PetscBool size_t_tags)
{
  long long t;
  PetscBool keep    = m->out && phys > 0 && (type == 2 || type == 9) ? PETSC_TRUE : PETSC_FALSE;
  VfeMshContents *c = m->out;

  PetscFunctionBeginUser;
  if (keep && (size_t)c->ntri == m->cap_tri) {
    m->cap_tri = 2 * m->cap_tri + 1024;
    PetscCall(PetscRealloc(9 * m->cap_tri * sizeof(PetscReal), &c->tri_xyz));
    PetscCall(PetscRealloc(m->cap_tri * sizeof(PetscInt), &c->tri_tag));
  }
  for (int k = 0; k < msh_type_nodes[type]; ++k) {
    PetscCall(MshElementNode(m, elem, size_t_tags, &t));
    if (keep && k < 3) {
      MshNode key       = {t, {0, 0, 0}};
      const MshNode *nd = (const MshNode *)bsearch(&key, m->xyz, m->nnodes, sizeof(MshNode), MshNodeCompare);
      for (int j = 0; j < 3; ++j) c->tri_xyz[9 * c->ntri + 3 * k + j] = nd->xyz[j];
    }
  }
  if (keep) c->tri_tag[c->ntri++] = (PetscInt)phys;
  PetscFunctionReturn(0);
}

static PetscErrorCode MshType(Msh *m, long long type, long long elem)
{
  PetscFunctionBeginUser;
  if (type < 1 || type > 19 || !msh_type_nodes[type]) MSH_FAIL(m, "element %lld has unknown type %lld", elem, type);
  PetscFunctionReturn(0);
}

static PetscErrorCode MshElements22(Msh *m)
{
  long long n, id, type, ntags, t, phys, blk = 0;

  PetscFunctionBeginUser;
  if (!m->nodes) MSH_FAIL(m, "no $Nodes section before $Elements");
  PetscCall(MshCount(m, &n, 4 * 5, "number of elements"));
  for (long long i = 0; i < n;) {
    if (m->binary && !blk) { /* binary: blocks of one type and tag count */
      PetscCall(MshInt(m, &type, "element block type"));
      PetscCall(MshInt(m, &blk, "elements in a block"));
      PetscCall(MshInt(m, &ntags, "element block tag count"));
      PetscCall(MshType(m, type, i + 1));
      if (blk < 1 || blk > n - i || ntags < 0 || ntags > 64)
        MSH_FAIL(m, "element block of %lld elements with %lld tags (after %lld of %lld elements)", blk, ntags, i, n);
    }
    PetscCall(MshInt(m, &id, "element tag"));
    if (!m->binary) {
      PetscCall(MshAsciiInt(m, &type, "element type"));
      PetscCall(MshType(m, type, id));
      PetscCall(MshAsciiInt(m, &ntags, "element tag count"));
      if (ntags < 0 || ntags > 64) MSH_FAIL(m, "element %lld has %lld tags", id, ntags);
    }
    phys = 0;
    for (long long k = 0; k < ntags; ++k) {
      PetscCall(MshInt(m, &t, "element tag"));
      if (!k) phys = t; /* the physical tag */
    }
    PetscCall(MshElementNodes(m, id, type, phys, PETSC_FALSE));
    ++i;
    if (m->binary) --blk;
  }
  PetscCall(MshExpect(m, "$EndElements"));
  PetscFunctionReturn(0);
}

static PetscErrorCode MshElements41(Msh *m)
{
  long long nb, n, tmin, tmax, dim, etag, type, nin, id, phys, k = 0;

  PetscFunctionBeginUser;
  if (!m->nodes) MSH_FAIL(m, "no $Nodes section before $Elements");
  PetscCall(MshCount(m, &nb, 20, "number of element blocks"));
  PetscCall(MshCount(m, &n, 16, "number of elements"));
  PetscCall(MshSize(m, &tmin, "smallest element tag"));
  PetscCall(MshSize(m, &tmax, "largest element tag"));
  for (long long b = 0; b < nb; ++b) {
    PetscCall(MshInt(m, &dim, "element block dimension"));
    PetscCall(MshInt(m, &etag, "element block entity"));
    PetscCall(MshInt(m, &type, "element block type"));
    PetscCall(MshCount(m, &nin, 16, "elements in a block"));
    PetscCall(MshType(m, type, k + 1));
    if (dim < 0 || dim > 3 || dim != msh_type_dim[type] || !MshHas(m->ent[dim], m->nent[dim], etag))
      MSH_FAIL(m, "element block %lld (type %lld) names entity (%lld, %lld), which $Entities does not have", b + 1,
               type, dim, etag);
    if (nin > n - k) MSH_FAIL(m, "element blocks hold more than the %lld elements declared", n);
    phys = 0;
    if (dim == 2 && m->ent2) {
      MshEnt key = {etag, 0}, *e = (MshEnt *)bsearch(&key, m->ent2, m->nent2, sizeof(MshEnt), MshEntCompare);
      if (e) phys = e->phys;
    }
    for (long long i = 0; i < nin; ++i) {
      PetscCall(MshSize(m, &id, "element tag"));
      if (id < tmin || id > tmax) MSH_FAIL(m, "element tag %lld is outside the declared %lld..%lld", id, tmin, tmax);
      PetscCall(MshElementNodes(m, id, type, phys, PETSC_TRUE));
    }
    k += nin;
  }
  if (k != n) MSH_FAIL(m, "element blocks hold %lld elements, the header says %lld", k, n);
  PetscCall(MshExpect(m, "$EndElements"));
  PetscFunctionReturn(0);
}

/* skip a section vfe does not read to its end marker */
static PetscErrorCode MshSkip(Msh *m, const char *name)
{
  char marker[80];
  const char *p;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(marker, sizeof marker, "\n$End%s", name + 1));
  p = m->pos ? memmem(m->buf + m->pos - 1, m->len - m->pos + 1, marker, strlen(marker)) : NULL;
  if (!p) MSH_FAIL(m, "no end marker $End%s", name + 1);
  m->pos = (size_t)(p - m->buf) + 1;
  PetscCall(MshExpect(m, marker + 1));
  PetscFunctionReturn(0);
}

static PetscErrorCode MshWalk(Msh *m)
{
  char line[80];
  PetscBool nodes = PETSC_FALSE, elements = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (!m->len) MSH_FAIL(m, "the file is empty");
  PetscCall(MshFormat(m));
  for (;;) {
    while (m->pos < m->len && MshSpace(m->buf[m->pos])) ++m->pos;
    if (m->pos >= m->len) break;
    m->section = NULL;
    PetscCall(MshLine(m, line, sizeof line, "a section"));
    if (line[0] != '$') MSH_FAIL(m, "'%.32s' where a section ($Nodes, ...) was expected", line);
    m->section = line;
    if (!strcmp(line, "$PhysicalNames"))
      PetscCall(MshPhysicalNames(m));
    else if (!strcmp(line, "$Entities") && m->version == 41)
      PetscCall(MshEntities(m));
    else if (!strcmp(line, "$Nodes") && !nodes) {
      PetscCall(m->version == 41 ? MshNodes41(m) : MshNodes22(m));
      nodes = PETSC_TRUE;
    } else if (!strcmp(line, "$Elements") && !elements) {
      PetscCall(m->version == 41 ? MshElements41(m) : MshElements22(m));
      elements = PETSC_TRUE;
    } else if (!strcmp(line, "$Periodic") || !strcmp(line, "$PartitionedEntities") || !strcmp(line, "$GhostElements") ||
               !strcmp(line, "$Nodes") || !strcmp(line, "$Elements") || !strcmp(line, "$MeshFormat") ||
               !strcmp(line, "$Entities"))
      MSH_FAIL(m, "this section is not allowed here (vfe meshes have one $Nodes and one $Elements, no periodic or "
                  "partitioned data)");
    else if (!strncmp(line, "$End", 4))
      MSH_FAIL(m, "an end marker without its section");
    else
      PetscCall(MshSkip(m, line));
  }
  m->section = NULL;
  if (!nodes || !elements) MSH_FAIL(m, "the file has no %s section", nodes ? "$Elements" : "$Nodes");
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMshCheck(const char *path)
{
  PetscFunctionBeginUser;
  PetscCall(VfeMshRead(path, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMshContentsDestroy(VfeMshContents *c)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(c->names));
  PetscCall(PetscFree(c->tri_xyz));
  PetscCall(PetscFree(c->tri_tag));
  PetscCall(PetscMemzero(c, sizeof *c));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeMshRead(const char *path, VfeMshContents *contents)
{
  Msh m;
  FILE *f;
  long size;
  struct stat st;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&m, sizeof m));
  m.path = path;
  m.out  = contents;
  if (contents) PetscCall(PetscMemzero(contents, sizeof *contents));
  f = fopen(path, "rb");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "mesh file '%s' cannot be opened: %s", path, strerror(errno));
  if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
    fclose(f);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "mesh file '%s' is not a regular file", path);
  }
  if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
    int e = errno;
    fclose(f);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "mesh file '%s' cannot be read: %s", path, strerror(e));
  }
  m.len = (size_t)size;
  ierr  = PetscMalloc1(m.len + 1, &m.buf);
  if (!ierr && m.len && fread(m.buf, 1, m.len, f) != m.len) {
    int e = ferror(f) ? errno : 0;
    fclose(f);
    PetscCall(PetscFree(m.buf));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "mesh file '%s' cannot be read: %s", path,
            e ? strerror(e) : "it changed while being read");
  }
  fclose(f);
  PetscCheck(!ierr, PETSC_COMM_SELF, PETSC_ERR_MEM, "mesh file '%s' (%zu bytes) does not fit in memory", path, m.len);
  m.buf[m.len] = 0;
  ierr         = MshWalk(&m);
  PetscCall(PetscFree(m.buf));
  PetscCall(PetscFree(m.nodes));
  PetscCall(PetscFree(m.xyz));
  PetscCall(PetscFree(m.ent2));
  if (ierr && contents) PetscCall(VfeMshContentsDestroy(contents));
  for (int d = 0; d < 4; ++d) PetscCall(PetscFree(m.ent[d]));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
