/* Test of VfeWriteVTKHDF: every rank meshes its own z-slab of the unit cube (n^3 sub-cubes, 6 tetrahedra each),
   writes point field "displacement" (= 0.001 * coordinates) and cell fields "von_mises" (= x+y+z of the centroid)
   and "region" (= 1 + layer % 2), then rank 0 reads the file back with serial HDF5 and checks the layout and values.
   Options: -n <cubes per edge> (4), -order <1|2> (1: VTK_TETRA, 2: VTK_QUADRATIC_TETRA), -o <file.hdf>.
   A rank without layers (more ranks than layers) writes an empty piece. Exit status non-zero on any mismatch. */
#include <stdio.h>
#include <string.h>
#include <hdf5.h>
#include "vfeoutput.h"

#define H5CHK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) < 0) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "HDF5 call %s failed", #call);                             \
  } while (0)

/* expected[k] vs got[k]; counts failures */
#define EXPECT(cond, ...)                                                                                              \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "FAIL: " __VA_ARGS__));                                                   \
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "\n"));                                                                   \
      (*nfail)++;                                                                                                      \
    }                                                                                                                  \
  } while (0)

typedef struct {
  PetscInt npoints, ncells, npc;
  PetscReal *xyz, *disp, *vm, *region;
  PetscInt *conn;
} Slab;

/* Layers [k0, k1) of an n^3 grid of cubes; linear tets share the slab's grid points, quadratic tets get 10 points of
   their own (vertices followed by edge midpoints in VTK order 01 12 20 03 13 23). */
static PetscErrorCode BuildSlab(PetscInt n, PetscInt k0, PetscInt k1, PetscInt order, Slab *s)
{
  const PetscInt nx = n + 1, nl = k1 - k0, nc = n * n * nl * 6;
  const PetscInt perm[6][3]  = {{1, 2, 4}, {1, 4, 2}, {2, 1, 4}, {2, 4, 1}, {4, 1, 2}, {4, 2, 1}};
  const PetscReal h          = 1.0 / n;
  const PetscInt edges[6][2] = {{0, 1}, {1, 2}, {2, 0}, {0, 3}, {1, 3}, {2, 3}};
  PetscInt c                 = 0;

  PetscFunctionBeginUser;
  s->npc     = order == 1 ? 4 : 10;
  s->ncells  = nl > 0 ? nc : 0;
  s->npoints = nl > 0 ? (order == 1 ? nx * nx * (nl + 1) : 10 * nc) : 0;
  PetscCall(PetscMalloc1(3 * s->npoints, &s->xyz));
  PetscCall(PetscMalloc1(3 * s->npoints, &s->disp));
  PetscCall(PetscMalloc1(s->ncells * s->npc, &s->conn));
  PetscCall(PetscMalloc1(s->ncells, &s->vm));
  PetscCall(PetscMalloc1(s->ncells, &s->region));
  if (order == 1) {
    for (PetscInt k = 0; k <= nl && nl > 0; k++)
      for (PetscInt j = 0; j < nx; j++)
        for (PetscInt i = 0; i < nx; i++) {
          PetscInt p        = (k * nx + j) * nx + i;
          s->xyz[3 * p + 0] = i * h;
          s->xyz[3 * p + 1] = j * h;
          s->xyz[3 * p + 2] = (k0 + k) * h;
        }
  }
  for (PetscInt k = 0; k < nl; k++)
    for (PetscInt j = 0; j < n; j++)
      for (PetscInt i = 0; i < n; i++)
        for (PetscInt t = 0; t < 6; t++, c++) {
          PetscInt corner[4] = {0, perm[t][0], perm[t][0] + perm[t][1], 7}, v[4];
          PetscReal x[4][3], cen[3] = {0, 0, 0}, a[3], b[3], d[3], vol;

          for (PetscInt q = 0; q < 4; q++) {
            PetscInt ci = i + (corner[q] & 1), cj = j + ((corner[q] >> 1) & 1), ck = k + ((corner[q] >> 2) & 1);
            v[q]    = (ck * nx + cj) * nx + ci;
            x[q][0] = ci * h;
            x[q][1] = cj * h;
            x[q][2] = (k0 + ck) * h;
          }
          for (PetscInt q = 0; q < 3; q++) {
            a[q] = x[1][q] - x[0][q];
            b[q] = x[2][q] - x[0][q];
            d[q] = x[3][q] - x[0][q];
          }
          vol = a[0] * (b[1] * d[2] - b[2] * d[1]) - a[1] * (b[0] * d[2] - b[2] * d[0]) +
                a[2] * (b[0] * d[1] - b[1] * d[0]);
          if (vol < 0) { /* positive orientation: swap vertices 1 and 2 */
            PetscInt tv = v[1];
            PetscReal tx[3];
            v[1] = v[2];
            v[2] = tv;
            for (PetscInt q = 0; q < 3; q++) {
              tx[q]   = x[1][q];
              x[1][q] = x[2][q];
              x[2][q] = tx[q];
            }
          }
          for (PetscInt q = 0; q < 4; q++)
            for (PetscInt e = 0; e < 3; e++) cen[e] += 0.25 * x[q][e];
          if (order == 1) {
            for (PetscInt q = 0; q < 4; q++) s->conn[4 * c + q] = v[q];
          } else {
            for (PetscInt q = 0; q < 10; q++) {
              PetscInt p = 10 * c + q;
              for (PetscInt e = 0; e < 3; e++)
                s->xyz[3 * p + e] = q < 4 ? x[q][e] : 0.5 * (x[edges[q - 4][0]][e] + x[edges[q - 4][1]][e]);
              s->conn[p] = p;
            }
          }
          s->vm[c]     = cen[0] + cen[1] + cen[2];
          s->region[c] = 1 + (k0 + k) % 2;
        }
  for (PetscInt p = 0; p < 3 * s->npoints; p++) s->disp[p] = 0.001 * s->xyz[p];
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeSlab(Slab *s)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(s->xyz));
  PetscCall(PetscFree(s->disp));
  PetscCall(PetscFree(s->conn));
  PetscCall(PetscFree(s->vm));
  PetscCall(PetscFree(s->region));
  PetscFunctionReturn(0);
}

/* Read a whole dataset converted to memtype; returns its dims (up to 2; dims[1] = 1 for 1-D). */
static PetscErrorCode ReadAll(hid_t file, const char *name, hid_t memtype, size_t elsize, hsize_t dims[2], void **buf)
{
  hid_t dset, space;
  int nd;

  PetscFunctionBeginUser;
  dims[0] = 0;
  dims[1] = 1;
  H5CHK(dset = H5Dopen2(file, name, H5P_DEFAULT));
  H5CHK(space = H5Dget_space(dset));
  H5CHK(nd = H5Sget_simple_extent_ndims(space));
  PetscCheck(nd >= 1 && nd <= 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s has %d dimensions", name, nd);
  H5CHK(H5Sget_simple_extent_dims(space, dims, NULL));
  PetscCall(PetscMalloc(elsize * (dims[0] * dims[1] + 1), buf));
  if (dims[0] > 0 && dims[1] > 0) H5CHK(H5Dread(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *buf));
  H5CHK(H5Sclose(space));
  H5CHK(H5Dclose(dset));
  PetscFunctionReturn(0);
}

/* Rank 0: check the file against the slabs of all ranks (regenerated locally). */
static PetscErrorCode CheckFile(const char *path, PetscInt n, PetscInt order, PetscMPIInt size, PetscInt *nfail)
{
  hid_t file, attr, atype;
  int version[2] = {0, 0};
  char tname[64] = "";
  hsize_t d[2], tsz;
  PetscInt64 *npts, *ncel, *ncon, *conn, *offs;
  double *pts, *disp, *vm, *reg;
  unsigned char *types;
  PetscInt64 P = 0, C = 0, off_p = 0, off_c = 0, off_k = 0, off_o = 0;
  Slab *s;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(size, &s));
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscInt k0 = (n * r) / size, k1 = (n * (r + 1)) / size;
    PetscCall(BuildSlab(n, k0, k1, order, &s[r]));
    P += s[r].npoints;
    C += s[r].ncells;
  }
  H5CHK(file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT));
  H5CHK(attr = H5Aopen_by_name(file, "VTKHDF", "Version", H5P_DEFAULT, H5P_DEFAULT));
  H5CHK(H5Aread(attr, H5T_NATIVE_INT, version));
  H5CHK(H5Aclose(attr));
  EXPECT(version[0] == 1 && version[1] == 0, "Version %d.%d", version[0], version[1]);
  H5CHK(attr = H5Aopen_by_name(file, "VTKHDF", "Type", H5P_DEFAULT, H5P_DEFAULT));
  H5CHK(atype = H5Aget_type(attr));
  tsz = H5Tget_size(atype);
  EXPECT(H5Tget_class(atype) == H5T_STRING && tsz == 16, "Type attribute class/size %zu", (size_t)tsz);
  if (tsz < sizeof(tname)) H5CHK(H5Aread(attr, atype, tname));
  EXPECT(!strcmp(tname, "UnstructuredGrid"), "Type attribute '%s'", tname);
  H5CHK(H5Tclose(atype));
  H5CHK(H5Aclose(attr));

  PetscCall(ReadAll(file, "/VTKHDF/NumberOfPoints", H5T_NATIVE_INT64, 8, d, (void **)&npts));
  EXPECT(d[0] == (hsize_t)size && d[1] == 1, "NumberOfPoints has %zu entries", (size_t)d[0]);
  PetscCall(ReadAll(file, "/VTKHDF/NumberOfCells", H5T_NATIVE_INT64, 8, d, (void **)&ncel));
  EXPECT(d[0] == (hsize_t)size, "NumberOfCells has %zu entries", (size_t)d[0]);
  PetscCall(ReadAll(file, "/VTKHDF/NumberOfConnectivityIds", H5T_NATIVE_INT64, 8, d, (void **)&ncon));
  EXPECT(d[0] == (hsize_t)size, "NumberOfConnectivityIds has %zu entries", (size_t)d[0]);
  PetscCall(ReadAll(file, "/VTKHDF/Points", H5T_NATIVE_DOUBLE, 8, d, (void **)&pts));
  EXPECT(d[0] == (hsize_t)P && d[1] == 3, "Points is %zu x %zu, expected %" PetscInt64_FMT " x 3", (size_t)d[0],
         (size_t)d[1], P);
  PetscCall(ReadAll(file, "/VTKHDF/PointData/displacement", H5T_NATIVE_DOUBLE, 8, d, (void **)&disp));
  EXPECT(d[0] == (hsize_t)P && d[1] == 3, "displacement is %zu x %zu", (size_t)d[0], (size_t)d[1]);
  PetscCall(ReadAll(file, "/VTKHDF/Connectivity", H5T_NATIVE_INT64, 8, d, (void **)&conn));
  EXPECT(d[0] == (hsize_t)(C * s[0].npc) && d[1] == 1, "Connectivity has %zu entries", (size_t)d[0]);
  PetscCall(ReadAll(file, "/VTKHDF/Offsets", H5T_NATIVE_INT64, 8, d, (void **)&offs));
  EXPECT(d[0] == (hsize_t)(C + size), "Offsets has %zu entries, expected %" PetscInt64_FMT, (size_t)d[0], C + size);
  PetscCall(ReadAll(file, "/VTKHDF/Types", H5T_NATIVE_UINT8, 1, d, (void **)&types));
  EXPECT(d[0] == (hsize_t)C, "Types has %zu entries", (size_t)d[0]);
  PetscCall(ReadAll(file, "/VTKHDF/CellData/von_mises", H5T_NATIVE_DOUBLE, 8, d, (void **)&vm));
  EXPECT(d[0] == (hsize_t)C && d[1] == 1, "von_mises is %zu x %zu", (size_t)d[0], (size_t)d[1]);
  PetscCall(ReadAll(file, "/VTKHDF/CellData/region", H5T_NATIVE_DOUBLE, 8, d, (void **)&reg));
  EXPECT(d[0] == (hsize_t)C && d[1] == 1, "region is %zu x %zu", (size_t)d[0], (size_t)d[1]);
  H5CHK(H5Fclose(file));

  if (!*nfail) { /* sizes are right: compare contents piece by piece */
    for (PetscMPIInt r = 0; r < size; r++) {
      Slab *sr = &s[r];
      EXPECT(npts[r] == sr->npoints && ncel[r] == sr->ncells && ncon[r] == sr->ncells * sr->npc,
             "piece %d counts %" PetscInt64_FMT " %" PetscInt64_FMT " %" PetscInt64_FMT, r, npts[r], ncel[r], ncon[r]);
      for (PetscInt i = 0; i < 3 * sr->npoints; i++) {
        if (pts[3 * off_p + i] != sr->xyz[i] || PetscAbsReal(disp[3 * off_p + i] - 0.001 * sr->xyz[i]) > 1e-15) {
          EXPECT(0, "piece %d point value %" PetscInt_FMT, r, i);
          break;
        }
      }
      for (PetscInt i = 0; i < sr->ncells * sr->npc; i++) {
        if (conn[off_k + i] != sr->conn[i]) {
          EXPECT(0, "piece %d connectivity %" PetscInt_FMT ": %" PetscInt64_FMT " != %" PetscInt_FMT, r, i,
                 conn[off_k + i], sr->conn[i]);
          break;
        }
      }
      for (PetscInt c = 0; c <= sr->ncells; c++) {
        if (offs[off_o + c] != c * sr->npc) {
          EXPECT(0, "piece %d offset %" PetscInt_FMT ": %" PetscInt64_FMT, r, c, offs[off_o + c]);
          break;
        }
      }
      for (PetscInt c = 0; c < sr->ncells; c++) {
        if (types[off_c + c] != (sr->npc == 4 ? 10 : 24) || vm[off_c + c] != sr->vm[c] ||
            reg[off_c + c] != sr->region[c]) {
          EXPECT(0, "piece %d cell %" PetscInt_FMT ": type %d von_mises %g region %g", r, c, types[off_c + c],
                 vm[off_c + c], reg[off_c + c]);
          break;
        }
      }
      off_p += sr->npoints;
      off_c += sr->ncells;
      off_k += sr->ncells * sr->npc;
      off_o += sr->ncells + 1;
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "%s: %d pieces, %" PetscInt64_FMT " points, %" PetscInt64_FMT
                        " cells, Type '%s', Version %d.%d\n",
                        path, size, P, C, tname, version[0], version[1]));
  PetscCall(PetscFree(npts));
  PetscCall(PetscFree(ncel));
  PetscCall(PetscFree(ncon));
  PetscCall(PetscFree(pts));
  PetscCall(PetscFree(disp));
  PetscCall(PetscFree(conn));
  PetscCall(PetscFree(offs));
  PetscCall(PetscFree(types));
  PetscCall(PetscFree(vm));
  PetscCall(PetscFree(reg));
  for (PetscMPIInt r = 0; r < size; r++) PetscCall(FreeSlab(&s[r]));
  PetscCall(PetscFree(s));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscMPIInt rank, size;
  PetscInt n = 4, order = 1, nfailv = 0, *nfail = &nfailv;
  char path[PETSC_MAX_PATH_LEN] = "vtkhdf_test.hdf", part[PETSC_MAX_PATH_LEN], bad[PETSC_MAX_PATH_LEN];
  Slab s;
  VfeField pf[1], cf[2];
  PetscErrorCode ierr;
  FILE *fp;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "VTKHDF writer test"));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n", &n, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-order", &order, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-o", path, sizeof(path), NULL));
  PetscCheck(n > 0 && (order == 1 || order == 2), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "need -n > 0, -order 1|2");

  PetscCall(BuildSlab(n, (n * rank) / size, (n * (rank + 1)) / size, order, &s));
  pf[0] = (VfeField){"displacement", 3, s.disp};
  cf[0] = (VfeField){"von_mises", 1, s.vm};
  cf[1] = (VfeField){"region", 1, s.region};
  PetscCall(VfeWriteVTKHDF(PETSC_COMM_WORLD, path, s.npoints, s.xyz, s.ncells, s.npc, s.conn, 1, pf, 2, cf));

  if (!rank) {
    PetscCall(PetscSNPrintf(part, sizeof(part), "%s.part", path));
    fp = fopen(part, "r");
    EXPECT(!fp, "%s still exists after the rename", part);
    if (fp) fclose(fp);
    PetscCall(CheckFile(path, n, order, size, nfail));
  }

  /* An unwritable path must raise PETSC_ERR_FILE_WRITE on every rank, naming the path */
  PetscCall(PetscSNPrintf(bad, sizeof(bad), "%s.no-such-dir/out.hdf", path));
  H5CHK(H5Eset_auto2(H5E_DEFAULT, NULL, NULL));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = VfeWriteVTKHDF(PETSC_COMM_WORLD, bad, s.npoints, s.xyz, s.ncells, s.npc, s.conn, 1, pf, 2, cf);
  PetscCall(PetscPopErrorHandler());
  EXPECT(ierr == PETSC_ERR_FILE_WRITE, "unwritable path gave error %d, expected PETSC_ERR_FILE_WRITE", (int)ierr);

  PetscCall(FreeSlab(&s));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, nfail, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "test_vtkhdf: %s (%" PetscInt_FMT " failures)\n", *nfail ? "FAILED" : "OK",
                        *nfail));
  PetscCall(PetscFinalize());
  return nfailv ? 1 : 0;
}
