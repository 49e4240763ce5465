/* Parallel ParaView output: VTKHDF 1.0 UnstructuredGrid written with parallel HDF5.

   File layout (one file for all ranks, each rank is one "piece"; P = number of ranks,
   N = sum of local points, C = sum of local cells, K = nodes per cell):

     /VTKHDF                         group, attributes:
                                       Version = int64[2] {1, 0}
                                       Type    = ASCII string "UnstructuredGrid", fixed length of exactly 16
                                                 bytes (no NUL stored). ParaView 5.11 compares all stored bytes:
                                                 a 17-byte NUL-terminated, padded or variable-length string makes
                                                 it report "No reader found" for the file.
       NumberOfPoints                int64[P]      points of each piece
       NumberOfCells                 int64[P]      cells of each piece
       NumberOfConnectivityIds       int64[P]      K * cells of each piece
       Points                        float64[N][3] pieces concatenated in rank order
       Connectivity                  int64[K*C]    piece-local point ids, pieces concatenated
       Offsets                       int64[C+P]    ncells+1 piece-local offsets per piece (each starts at 0)
       Types                         uint8[C]      10 = VTK_TETRA, 24 = VTK_QUADRATIC_TETRA
       PointData/<name>              float64[N] or float64[N][ncomp]
       CellData/<name>               float64[C] or float64[C][ncomp]

   Parallel write scheme: every rank computes its row offset into each concatenated dataset with
   one MPI_Exscan over (points, cells, connectivity ids, offsets entries) and the global sizes with
   one MPI_Allreduce. The file is opened with the MPI-IO driver (H5Pset_fapl_mpio); all metadata
   operations (groups, attributes, dataset creation) are executed by all ranks with identical
   arguments, and each dataset is filled with a single collective H5Dwrite (H5FD_MPIO_COLLECTIVE)
   in which every rank selects its own hyperslab (an empty selection when it has no rows). Memory
   and file types agree (native int64/double/uint8 on little-endian hosts), so HDF5 performs no
   type conversion and keeps the transfer collective. The per-piece count datasets are written the
   same way, each rank writing its single entry at index = rank.

   The file is created as <path>.part; after the collective H5Fclose rank 0 renames it to <path>,
   so an interrupted run never leaves a complete-looking file. Input is validated collectively
   before the file is created, so bad arguments on one rank raise an error on all ranks instead of
   deadlocking the collective HDF5 calls.

   Long paths: Open MPI 4.1's sharedfp/lockedfile component formats the name given to MPI_File_open
   into a 256-byte buffer with sprintf, and a longer name aborts the process (glibc's buffer-overflow
   check, exit 134). So every rank enters the file's directory (chdir) for the time between H5Fcreate
   and H5Fclose, HDF5 opens the file by its short name there, and every rank goes back to its working
   directory (fchdir to a descriptor kept open) before anything else runs, also after an error.
   HDF5's own error stack printing is off meanwhile: a failure is one PETSc error naming the file.

   Full disk: before HDF5 opens the file, rank 0 reserves an upper bound of its size (the raw data
   plus a generous allowance for metadata) with posix_fallocate in a scratch file beside it, and
   releases it again. Too little space (ENOSPC, EDQUOT) or a file size limit (EFBIG) thus ends in
   one clean error before HDF5 writes anything. That matters beyond the message: HDF5 1.10 cannot
   close a file whose size it failed to set (a file size limit), and crashes at MPI_Finalize when it
   tries again. A disk that fills up meanwhile still gives an HDF5 write error (exit 3), as a
   plain full disk did in testing. */
#define _GNU_SOURCE /* O_PATH */
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <stdint.h>
#include <hdf5.h>
#include "vfeoutput.h"
#include "vfefile.h"

#define VFE_VTK_TETRA 10
#define VFE_VTK_QUADRATIC_TETRA 24

typedef struct {
  const char *path; /* final file name, for error messages (the data go to <path>.part) */
  hid_t file;
  hid_t dxpl;
  PetscMPIInt rank, size;
} H5Writer;

/* Wrap a raw HDF5 call (or assignment from one): a negative result raises PETSC_ERR_FILE_WRITE naming the call and
   the file. */
#define VFE_H5CALL(w, call)                                                                                            \
  do {                                                                                                                 \
    if ((call) < 0)                                                                                                    \
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "HDF5 call %s failed writing %s.part (for %s)", #call, (w)->path, \
              (w)->path);                                                                                              \
  } while (0)

/* Create dataset `name` in `loc` with global shape gn (ncomp == 1) or gn x ncomp, and collectively write this rank's
   rows [off, off + n) from buf. Ranks with n == 0 take part with empty selections. */
static PetscErrorCode WriteRows(H5Writer *w, hid_t loc, const char *name, hid_t ftype, hid_t mtype, hsize_t gn,
                                hsize_t ncomp, hsize_t off, hsize_t n, const void *buf)
{
  static const double dummy = 0; /* H5Dwrite rejects a NULL buffer */
  int ndims                 = ncomp > 1 ? 2 : 1;
  hsize_t gdims[2] = {gn, ncomp}, start[2] = {off, 0}, count[2] = {n, ncomp};
  hid_t fspace, mspace, dset;

  PetscFunctionBeginUser;
  VFE_H5CALL(w, fspace = H5Screate_simple(ndims, gdims, NULL));
  VFE_H5CALL(w, dset = H5Dcreate2(loc, name, ftype, fspace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  VFE_H5CALL(w, mspace = H5Screate_simple(ndims, count, NULL));
  if (n) {
    VFE_H5CALL(w, H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL));
  } else {
    VFE_H5CALL(w, H5Sselect_none(fspace));
    VFE_H5CALL(w, H5Sselect_none(mspace));
  }
  VFE_H5CALL(w, H5Dwrite(dset, mtype, mspace, fspace, w->dxpl, n && buf ? buf : (const void *)&dummy));
  VFE_H5CALL(w, H5Sclose(mspace));
  VFE_H5CALL(w, H5Dclose(dset));
  VFE_H5CALL(w, H5Sclose(fspace));
  PetscFunctionReturn(0);
}

/* PetscReal data as double: a cast when PetscReal is double, otherwise a converted copy to free with PetscFree. */
static PetscErrorCode RealsAsDouble(PetscInt n, const PetscReal *x, const double **d, double **copy)
{
  PetscFunctionBeginUser;
  *copy = NULL;
#if defined(PETSC_USE_REAL_DOUBLE)
  *d = (const double *)x;
  (void)n;
#else
  PetscCall(PetscMalloc1(n, copy));
  for (PetscInt i = 0; i < n; i++) (*copy)[i] = (double)x[i];
  *d = *copy;
#endif
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFields(H5Writer *w, const char *group, PetscInt nfields, const VfeField *fields, hsize_t gn,
                                  hsize_t off, PetscInt n)
{
  hid_t g;

  PetscFunctionBeginUser;
  VFE_H5CALL(w, g = H5Gcreate2(w->file, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  for (PetscInt f = 0; f < nfields; f++) {
    const double *d;
    double *copy;

    PetscCall(RealsAsDouble(n * fields[f].ncomp, fields[f].data, &d, &copy));
    PetscCall(WriteRows(w, g, fields[f].name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, gn, (hsize_t)fields[f].ncomp, off,
                        (hsize_t)n, d));
    PetscCall(PetscFree(copy));
  }
  VFE_H5CALL(w, H5Gclose(g));
  PetscFunctionReturn(0);
}

/* Everything between H5Fcreate and H5Fclose. loc/off/tot: points, cells, connectivity ids, offsets entries. */
static PetscErrorCode WriteContents(H5Writer *w, const PetscInt64 loc[4], const PetscInt64 off[4],
                                    const PetscInt64 tot[4], const PetscReal *xyz, PetscInt nodes_per_cell,
                                    const PetscInt *conn, PetscInt npointfields, const VfeField *pointfields,
                                    PetscInt ncellfields, const VfeField *cellfields)
{
  static const char type_name[] = "UnstructuredGrid";
  const int version[2]          = {1, 0};
  const hsize_t two = 2, size = (hsize_t)w->size, rank = (hsize_t)w->rank;
  const PetscInt ncells = (PetscInt)loc[1], nconn = (PetscInt)loc[2];
  PetscInt64 *conn64, *offsets;
  unsigned char *types;
  const double *pts;
  double *ptscopy;
  hid_t root, space, strtype, attr;
  static const char *counts[3] = {"NumberOfPoints", "NumberOfCells", "NumberOfConnectivityIds"};

  PetscFunctionBeginUser;
  VFE_H5CALL(w, root = H5Gcreate2(w->file, "VTKHDF", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));

  VFE_H5CALL(w, space = H5Screate_simple(1, &two, NULL));
  VFE_H5CALL(w, attr = H5Acreate2(root, "Version", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT));
  VFE_H5CALL(w, H5Awrite(attr, H5T_NATIVE_INT, version));
  VFE_H5CALL(w, H5Aclose(attr));
  VFE_H5CALL(w, H5Sclose(space));

  /* Fixed-length string of exactly strlen("UnstructuredGrid") bytes, NUL-padded type but no NUL stored */
  VFE_H5CALL(w, strtype = H5Tcopy(H5T_C_S1));
  VFE_H5CALL(w, H5Tset_size(strtype, sizeof(type_name) - 1));
  VFE_H5CALL(w, H5Tset_strpad(strtype, H5T_STR_NULLPAD));
  VFE_H5CALL(w, H5Tset_cset(strtype, H5T_CSET_ASCII));
  VFE_H5CALL(w, space = H5Screate(H5S_SCALAR));
  VFE_H5CALL(w, attr = H5Acreate2(root, "Type", strtype, space, H5P_DEFAULT, H5P_DEFAULT));
  VFE_H5CALL(w, H5Awrite(attr, strtype, type_name));
  VFE_H5CALL(w, H5Aclose(attr));
  VFE_H5CALL(w, H5Sclose(space));
  VFE_H5CALL(w, H5Tclose(strtype));

  for (int k = 0; k < 3; k++)
    PetscCall(WriteRows(w, root, counts[k], H5T_STD_I64LE, H5T_NATIVE_INT64, size, 1, rank, 1, &loc[k]));

  PetscCall(RealsAsDouble(3 * (PetscInt)loc[0], xyz, &pts, &ptscopy));
  PetscCall(WriteRows(w, root, "Points", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (hsize_t)tot[0], 3, (hsize_t)off[0],
                      (hsize_t)loc[0], pts));
  PetscCall(PetscFree(ptscopy));

  PetscCall(PetscMalloc3(nconn, &conn64, ncells + 1, &offsets, ncells, &types));
  for (PetscInt i = 0; i < nconn; i++) conn64[i] = conn[i];
  for (PetscInt c = 0; c <= ncells; c++) offsets[c] = (PetscInt64)c * nodes_per_cell;
  for (PetscInt c = 0; c < ncells; c++) types[c] = nodes_per_cell == 4 ? VFE_VTK_TETRA : VFE_VTK_QUADRATIC_TETRA;
  PetscCall(WriteRows(w, root, "Connectivity", H5T_STD_I64LE, H5T_NATIVE_INT64, (hsize_t)tot[2], 1, (hsize_t)off[2],
                      (hsize_t)loc[2], conn64));
  PetscCall(WriteRows(w, root, "Offsets", H5T_STD_I64LE, H5T_NATIVE_INT64, (hsize_t)tot[3], 1, (hsize_t)off[3],
                      (hsize_t)loc[3], offsets));
  PetscCall(WriteRows(w, root, "Types", H5T_STD_U8LE, H5T_NATIVE_UINT8, (hsize_t)tot[1], 1, (hsize_t)off[1],
                      (hsize_t)loc[1], types));
  PetscCall(PetscFree3(conn64, offsets, types));

  PetscCall(WriteFields(w, "/VTKHDF/PointData", npointfields, pointfields, (hsize_t)tot[0], (hsize_t)off[0],
                        (PetscInt)loc[0]));
  PetscCall(WriteFields(w, "/VTKHDF/CellData", ncellfields, cellfields, (hsize_t)tot[1], (hsize_t)off[1], ncells));
  VFE_H5CALL(w, H5Gclose(root));
  PetscFunctionReturn(0);
}

/* Local argument checks; on failure writes a message into msg and sets *bad. */
static PetscErrorCode CheckFields(const char *kind, PetscInt n, PetscInt nfields, const VfeField *fields, char *msg,
                                  size_t len, PetscBool *bad)
{
  PetscFunctionBeginUser;
  if (nfields > 0 && !fields) {
    PetscCall(PetscSNPrintf(msg, len, "%s fields array is NULL", kind));
    *bad = PETSC_TRUE;
  }
  for (PetscInt f = 0; f < nfields && !*bad; f++) {
    const char *name = fields[f].name;
    size_t nlen      = 0;

    if (name) PetscCall(PetscStrlen(name, &nlen));
    if (!nlen || strchr(name, '/')) {
      PetscCall(PetscSNPrintf(msg, len, "%s field %" PetscInt_FMT " has an empty name or one containing '/'", kind, f));
      *bad = PETSC_TRUE;
    } else if (fields[f].ncomp < 1) {
      PetscCall(PetscSNPrintf(msg, len, "%s field %s has %" PetscInt_FMT " components", kind, name, fields[f].ncomp));
      *bad = PETSC_TRUE;
    } else if (n > 0 && !fields[f].data) {
      PetscCall(PetscSNPrintf(msg, len, "%s field %s has NULL data", kind, name));
      *bad = PETSC_TRUE;
    }
  }
  PetscFunctionReturn(0);
}

/* Append "name:ncomp;" for each field to sig (grown as needed). */
static PetscErrorCode AppendSignature(char **sig, size_t *len, size_t *cap, const char *tag, PetscInt nfields,
                                      const VfeField *fields)
{
  PetscFunctionBeginUser;
  for (PetscInt f = -1; f < nfields; f++) {
    char item[64];
    size_t nname = 0, nitem;

    if (f < 0)
      PetscCall(PetscSNPrintf(item, sizeof(item), "%s%" PetscInt_FMT "|", tag, nfields));
    else
      PetscCall(PetscSNPrintf(item, sizeof(item), ":%" PetscInt_FMT ";", fields[f].ncomp));
    if (f >= 0) PetscCall(PetscStrlen(fields[f].name, &nname));
    PetscCall(PetscStrlen(item, &nitem));
    if (*len + nname + nitem + 1 > *cap) {
      *cap = 2 * (*len + nname + nitem + 1);
      PetscCall(PetscRealloc(*cap, sig));
    }
    if (nname) PetscCall(PetscMemcpy(*sig + *len, fields[f].name, nname));
    PetscCall(PetscMemcpy(*sig + *len + nname, item, nitem));
    *len += nname + nitem;
    (*sig)[*len] = 0;
  }
  PetscFunctionReturn(0);
}

/* Collective validation: every rank raises the error if any rank has bad arguments, and all ranks must describe the
   same fields (names, component counts, order) as rank 0, because HDF5 metadata calls must be identical everywhere. */
static PetscErrorCode CheckInput(MPI_Comm comm, PetscInt npoints, const PetscReal *xyz, PetscInt ncells,
                                 PetscInt nodes_per_cell, const PetscInt *conn, PetscInt npointfields,
                                 const VfeField *pointfields, PetscInt ncellfields, const VfeField *cellfields)
{
  char msg[256] = "";
  PetscBool bad = PETSC_FALSE;
  PetscMPIInt lbad, gbad, rank, siglen;
  char *sig  = NULL, *sig0;
  size_t len = 0, cap = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (nodes_per_cell != 4 && nodes_per_cell != 10) {
    PetscCall(PetscSNPrintf(msg, sizeof(msg), "nodes_per_cell %" PetscInt_FMT " is not 4 or 10", nodes_per_cell));
    bad = PETSC_TRUE;
  } else if (npoints < 0 || ncells < 0 || npointfields < 0 || ncellfields < 0) {
    PetscCall(PetscSNPrintf(msg, sizeof(msg), "negative point, cell or field count"));
    bad = PETSC_TRUE;
  } else if ((npoints > 0 && !xyz) || (ncells > 0 && !conn)) {
    PetscCall(PetscSNPrintf(msg, sizeof(msg), "NULL coordinates or connectivity"));
    bad = PETSC_TRUE;
  }
  for (PetscInt i = 0; !bad && i < ncells * nodes_per_cell; i++) {
    if (conn[i] < 0 || conn[i] >= npoints) {
      PetscCall(PetscSNPrintf(msg, sizeof(msg),
                              "cell %" PetscInt_FMT " refers to point %" PetscInt_FMT " outside [0, %" PetscInt_FMT ")",
                              i / nodes_per_cell, conn[i], npoints));
      bad = PETSC_TRUE;
    }
  }
  if (!bad) PetscCall(CheckFields("point", npoints, npointfields, pointfields, msg, sizeof(msg), &bad));
  if (!bad) PetscCall(CheckFields("cell", ncells, ncellfields, cellfields, msg, sizeof(msg), &bad));
  lbad = bad ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(&lbad, &gbad, 1, MPI_INT, MPI_MAX, comm));
  PetscCheck(!lbad, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "VfeWriteVTKHDF on rank %d: %s", rank, msg);
  PetscCheck(!gbad, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "VfeWriteVTKHDF: invalid arguments on another rank");

  PetscCall(AppendSignature(&sig, &len, &cap, "P", npointfields, pointfields));
  PetscCall(AppendSignature(&sig, &len, &cap, "C", ncellfields, cellfields));
  siglen = (PetscMPIInt)len;
  PetscCallMPI(MPI_Bcast(&siglen, 1, MPI_INT, 0, comm));
  PetscCall(PetscMalloc1(siglen + 1, &sig0));
  if (!rank) PetscCall(PetscMemcpy(sig0, sig, (size_t)siglen + 1));
  PetscCallMPI(MPI_Bcast(sig0, siglen + 1, MPI_CHAR, 0, comm));
  lbad = ((size_t)siglen != len || memcmp(sig, sig0, len)) ? 1 : 0;
  PetscCall(PetscFree(sig));
  PetscCall(PetscFree(sig0));
  PetscCallMPI(MPI_Allreduce(&lbad, &gbad, 1, MPI_INT, MPI_MAX, comm));
  PetscCheck(!gbad, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "VfeWriteVTKHDF: ranks disagree on the point/cell field names or component counts");
  PetscFunctionReturn(0);
}

/* Rank 0: reserve bytes for the file part and release them again (see the file-top comment): 0 or the
   errno.  Only a lack of space (ENOSPC, EDQUOT) or the file size limit (EFBIG) counts: a file system
   that cannot preallocate at all is not checked.  A stale scratch file (a killed run's) is replaced,
   never a link. */
static int ReserveSpace(const char *part, PetscInt64 bytes)
{
  char res[PETSC_MAX_PATH_LEN];
  int fd, err;

  if ((size_t)snprintf(res, sizeof res, "%s.reserve", part) >= sizeof res) return ENAMETOOLONG;
  if ((err = VfeFilePartClaim(res))) return err;
  if ((fd = open(res, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    err = errno ? errno : EIO;
  else {
    err = posix_fallocate(fd, 0, (off_t)bytes);
    if (err != ENOSPC && err != EDQUOT && err != EFBIG) err = 0;
    if (close(fd) && !err && (errno == ENOSPC || errno == EDQUOT)) err = errno;
  }
  (void)unlink(res);
  return err;
}

/* An upper bound of the file's size: the raw data of every dataset (tot: points, cells, connectivity
   ids, offsets entries) plus 64 KiB and 4 KiB per dataset for superblock, groups, headers and
   attributes. */
static PetscInt64 FileSizeBound(const PetscInt64 tot[4], PetscMPIInt size, PetscInt npointfields,
                                const VfeField *pointfields, PetscInt ncellfields, const VfeField *cellfields)
{
  PetscInt64 b = 8 * (3 * tot[0] + tot[2] + tot[3] + 3 * (PetscInt64)size) + tot[1];
  for (PetscInt f = 0; f < npointfields; f++) b += 8 * tot[0] * pointfields[f].ncomp;
  for (PetscInt f = 0; f < ncellfields; f++) b += 8 * tot[1] * cellfields[f].ncomp;
  return b + 65536 + 4096 * (8 + npointfields + ncellfields);
}

/* Every rank enters the directory of path; *cwd is a descriptor of the working directory to come back
   to (-1: path has no directory part), *base the file name in path.  Collective: an error on all ranks
   when any rank could not enter, none of them then inside. */
static PetscErrorCode EnterFileDir(MPI_Comm comm, const char *path, int *cwd, const char **base)
{
  char dir[PETSC_MAX_PATH_LEN];
  const char *slash = strrchr(path, '/');
  int err           = 0, any;

  PetscFunctionBeginUser;
  *cwd  = -1;
  *base = slash ? slash + 1 : path;
  if (slash) {
    PetscCall(PetscSNPrintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path));
    if ((*cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
      err = errno ? errno : EIO;
    else if (chdir(dir)) {
      err = errno ? errno : EIO;
      close(*cwd);
      *cwd = -1;
    }
  }
  PetscCallMPI(MPI_Allreduce(&err, &any, 1, MPI_INT, MPI_MAX, comm));
  if (any && *cwd >= 0) { /* another rank could not: come back */
    if (fchdir(*cwd)) err = errno;
    close(*cwd);
    *cwd = -1;
  }
  PetscCheck(!any, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot enter the directory of %s: %s", path,
             strerror(err ? err : any));
  PetscFunctionReturn(0);
}

/* Back to the working directory EnterFileDir left: 0 or the errno. */
static int LeaveFileDir(int *cwd)
{
  int err = 0;
  if (*cwd < 0) return 0;
  if (fchdir(*cwd)) err = errno ? errno : EIO;
  close(*cwd);
  *cwd = -1;
  return err;
}

/* H5Fcreate of name (in the working directory) to H5Fclose. */
static PetscErrorCode WriteFile(H5Writer *w, MPI_Comm comm, const char *name, const PetscInt64 loc[4],
                                const PetscInt64 off[4], const PetscInt64 tot[4], const PetscReal *xyz,
                                PetscInt nodes_per_cell, const PetscInt *conn, PetscInt npointfields,
                                const VfeField *pointfields, PetscInt ncellfields, const VfeField *cellfields)
{
  hid_t fapl;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  VFE_H5CALL(w, fapl = H5Pcreate(H5P_FILE_ACCESS));
  VFE_H5CALL(w, H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
  VFE_H5CALL(w, H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)); /* on error, H5Fclose also closes open objects */
  w->file = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  VFE_H5CALL(w, H5Pclose(fapl));
  PetscCheck(w->file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot create VTKHDF file %s.part (for %s)", w->path,
             w->path);
  w->dxpl = H5Pcreate(H5P_DATASET_XFER);
  if (w->dxpl < 0 || H5Pset_dxpl_mpio(w->dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
    (void)H5Fclose(w->file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "HDF5 transfer property list failed writing %s.part", w->path);
  }
  ierr = WriteContents(w, loc, off, tot, xyz, nodes_per_cell, conn, npointfields, pointfields, ncellfields, cellfields);
  if (ierr) { /* best effort: release the file, leave the incomplete .part behind */
    (void)H5Pclose(w->dxpl);
    (void)H5Fclose(w->file);
    PetscCall(ierr);
  }
  if (H5Pclose(w->dxpl) < 0) {
    (void)H5Fclose(w->file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "HDF5 call H5Pclose failed writing %s.part", w->path);
  }
  VFE_H5CALL(w, H5Fclose(w->file)); /* flushes the metadata: a full disk can show here */
  PetscFunctionReturn(0);
}

PetscErrorCode VfeWriteVTKHDF(MPI_Comm comm, const char *path, PetscInt npoints, const PetscReal *xyz, PetscInt ncells,
                              PetscInt nodes_per_cell, const PetscInt *conn, PetscInt npointfields,
                              const VfeField *pointfields, PetscInt ncellfields, const VfeField *cellfields)
{
  char part[PETSC_MAX_PATH_LEN];
  const char *base;
  H5Writer w;
  PetscInt64 loc[4], off[4] = {0, 0, 0, 0}, tot[4];
  PetscErrorCode ierr;
  H5E_auto2_t efunc = NULL;
  void *edata       = NULL;
  int rc            = 0, cwd;

  PetscFunctionBeginUser;
  PetscCheck(path && path[0], comm, PETSC_ERR_ARG_NULL, "VfeWriteVTKHDF: no output path");
  PetscCall(
      CheckInput(comm, npoints, xyz, ncells, nodes_per_cell, conn, npointfields, pointfields, ncellfields, cellfields));
  PetscCall(VfeFilePartName(path, NULL, part, sizeof(part)));
  PetscCallMPI(MPI_Comm_rank(comm, &w.rank));
  PetscCallMPI(MPI_Comm_size(comm, &w.size));
  w.path = path;
  /* the .part is created on rank 0 exclusively (never through a planted link); HDF5 then opens it */
  if (!w.rank) rc = VfeFilePartClaim(part);
  PetscCallMPI(MPI_Bcast(&rc, 1, MPI_INT, 0, comm));
  PetscCheck(!rc, comm, PETSC_ERR_FILE_WRITE, "cannot write '%s': %s%s", part, strerror(rc),
             rc == EEXIST ? " (not a regular file: a link or directory there is never written through)" : "");

  loc[0] = npoints;
  loc[1] = ncells;
  loc[2] = (PetscInt64)ncells * nodes_per_cell;
  loc[3] = (PetscInt64)ncells + 1;
  PetscCallMPI(MPI_Exscan(loc, off, 4, MPIU_INT64, MPI_SUM, comm));
  if (!w.rank) off[0] = off[1] = off[2] = off[3] = 0; /* MPI_Exscan leaves rank 0's result undefined */
  PetscCallMPI(MPI_Allreduce(loc, tot, 4, MPIU_INT64, MPI_SUM, comm));

  if (!w.rank) rc = ReserveSpace(part, FileSizeBound(tot, w.size, npointfields, pointfields, ncellfields, cellfields));
  PetscCallMPI(MPI_Bcast(&rc, 1, MPI_INT, 0, comm));
  if (rc && !w.rank) (void)unlink(part);
  PetscCheck(!rc, comm, PETSC_ERR_FILE_WRITE, "cannot write '%s' (%.3g MB): %s", path,
             (double)FileSizeBound(tot, w.size, npointfields, pointfields, ncellfields, cellfields) / 1e6,
             strerror(rc));

  PetscCall(EnterFileDir(comm, part, &cwd, &base));
  (void)H5Eget_auto2(H5E_DEFAULT, &efunc, &edata);
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  ierr = WriteFile(&w, comm, base, loc, off, tot, xyz, nodes_per_cell, conn, npointfields, pointfields, ncellfields,
                   cellfields);
  (void)H5Eset_auto2(H5E_DEFAULT, efunc, edata);
  rc = LeaveFileDir(&cwd);
  PetscCall(ierr);
  PetscCheck(!rc, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot return to the working directory after writing %s: %s",
             path, strerror(rc));

  /* Every rank has closed the file (H5Fclose is collective); publish it under its final name. */
  PetscCallMPI(MPI_Barrier(comm));
  if (!w.rank) rc = VfeFileRename(part, path);
  PetscCallMPI(MPI_Bcast(&rc, 1, MPI_INT, 0, comm));
  PetscCheck(!rc, comm, PETSC_ERR_FILE_WRITE, "Cannot rename %s to %s: %s", part, path, strerror(rc > 0 ? rc : EIO));
  PetscFunctionReturn(0);
}
