/*
 * image.c - CT images and label masks from NIfTI-1 / NIfTI-2 files (.nii, .nii.gz), read with
 * Debian's libnifti2.
 *
 * A VfeImage holds one 3-D scalar volume as float (i fastest), its voxel-to-world affine A (mm)
 * and the inverse.  The affine is the sform when sform_code > 0, else the qform (quaternion,
 * offsets, pixdim and qfac); with qform_code 0 too it is pixdim scaling only (NIfTI's "method 1",
 * which libnifti builds in qto_xyz).  Values are stored * scl_slope + scl_inter when scl_slope is
 * non-zero (NIfTI: slope 0 means "no scaling").
 *
 * Refused with one line naming the file (PETSC_ERR_FILE_UNEXPECTED; exit 1 from vfe): a file that
 * cannot be opened or is not NIfTI (ANALYZE 7.5 included), a volume that is not 3-D (a 4th
 * dimension of 1 is allowed), a datatype that is not a real scalar, a NaN or infinite value after
 * scaling, a voxel size that is zero, negative or not finite, a singular affine.  libnifti's own
 * messages are silenced (debug level 0) so the error stays one line.  The data are read here, not by
 * libnifti's loader, which silently replaces NaN and infinite floats by 0.  libnifti replaces a zero
 * pixdim by 1 when it builds the qform; the raw header is read first to catch that.
 *
 * Parallel use: rank 0 reads, VfeImageBcast() copies header and values to the other ranks
 * (values in chunks below 2^30 elements, so any image size fits MPI's int counts).
 */
#include "vfemesh.h"
#include <nifti2_io.h>
#include <math.h>
#include <string.h>

/* pixdim[1..3] and the sform code of the raw header (before libnifti replaces a zero pixdim by 1) */
static PetscErrorCode VfeNiftiRawHeader(const char *path, double pixdim[3], int *scode)
{
  int nver = 0;
  void *hdr;

  PetscFunctionBeginUser;
  hdr = nifti_read_header(path, &nver, 1);
  PetscCheck(hdr, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: cannot be read as a NIfTI image (missing, unreadable or not NIfTI-1/2)", path);
  if (nver == 1) {
    const nifti_1_header *h = (const nifti_1_header *)hdr;
    for (int d = 0; d < 3; ++d) pixdim[d] = h->pixdim[d + 1];
    *scode = h->sform_code;
  } else if (nver == 2) {
    const nifti_2_header *h = (const nifti_2_header *)hdr;
    for (int d = 0; d < 3; ++d) pixdim[d] = h->pixdim[d + 1];
    *scode = h->sform_code;
  } else {
    free(hdr);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: not a NIfTI-1 or NIfTI-2 file", path);
  }
  free(hdr);
  PetscFunctionReturn(0);
}

/* inverse of the 3x4 affine (linear part by cofactors); an error if it is singular */
static PetscErrorCode VfeAffineInvert(const char *path, const PetscReal A[3][4], PetscReal Ai[3][4])
{
  PetscReal det, scale = 0;

  PetscFunctionBeginUser;
  det = A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) - A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0]) +
        A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0]);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) scale = PetscMax(scale, PetscAbsReal(A[r][c]));
  PetscCheck(PetscIsNormalReal(det) && PetscAbsReal(det) > 1e-12 * scale * scale * scale, PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED, "%s: the voxel-to-world transform is singular (a zero voxel size)", path);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) {
      const int r1 = (c + 1) % 3, r2 = (c + 2) % 3, c1 = (r + 1) % 3, c2 = (r + 2) % 3;
      Ai[r][c] = (A[r1][c1] * A[r2][c2] - A[r1][c2] * A[r2][c1]) / det;
    }
  for (int r = 0; r < 3; ++r) Ai[r][3] = -(Ai[r][0] * A[0][3] + Ai[r][1] * A[1][3] + Ai[r][2] * A[2][3]);
  PetscFunctionReturn(0);
}

/* voxel j of the data as a double (NaN for an unsupported datatype: refused before) */
static inline double VfeNiftiValue(int datatype, const void *data, size_t j)
{
  switch (datatype) {
  case NIFTI_TYPE_UINT8:
    return ((const unsigned char *)data)[j];
  case NIFTI_TYPE_INT8:
    return ((const signed char *)data)[j];
  case NIFTI_TYPE_INT16:
    return ((const int16_t *)data)[j];
  case NIFTI_TYPE_UINT16:
    return ((const uint16_t *)data)[j];
  case NIFTI_TYPE_INT32:
    return ((const int32_t *)data)[j];
  case NIFTI_TYPE_UINT32:
    return ((const uint32_t *)data)[j];
  case NIFTI_TYPE_INT64:
    return (double)((const int64_t *)data)[j];
  case NIFTI_TYPE_UINT64:
    return (double)((const uint64_t *)data)[j];
  case NIFTI_TYPE_FLOAT32:
    return ((const float *)data)[j];
  case NIFTI_TYPE_FLOAT64:
    return ((const double *)data)[j];
  default:
    return NAN;
  }
}

static PetscBool VfeNiftiTypeSupported(int dt)
{
  switch (dt) {
  case NIFTI_TYPE_UINT8:
  case NIFTI_TYPE_INT8:
  case NIFTI_TYPE_INT16:
  case NIFTI_TYPE_UINT16:
  case NIFTI_TYPE_INT32:
  case NIFTI_TYPE_UINT32:
  case NIFTI_TYPE_INT64:
  case NIFTI_TYPE_UINT64:
  case NIFTI_TYPE_FLOAT32:
  case NIFTI_TYPE_FLOAT64:
    return PETSC_TRUE;
  default:
    return PETSC_FALSE;
  }
}

/* Fill img from nim (header checked by the caller up to the type); one error path through the caller. */
/* the image data exactly as stored, in the CPU's byte order (libnifti's own loader replaces NaN and infinite floats
   by 0 and would hide them); an error naming the file if it is shorter than the header says */
static PetscErrorCode VfeNiftiReadData(const char *path, const nifti_image *nim, void **data)
{
  const size_t nbytes = (size_t)nim->nvox * (size_t)nim->nbyper;
  znzFile fp;
  size_t got = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc(nbytes ? nbytes : 1, data));
  fp = znzopen(nim->iname, "rb", nifti_is_gzfile(nim->iname));
  if (!znz_isnull(fp)) {
    if (znzseek(fp, (znz_off_t)nim->iname_offset, SEEK_SET) >= 0) got = znzread(*data, 1, nbytes, fp);
    znzclose(fp);
  }
  if (got != nbytes) PetscCall(PetscFree(*data));
  PetscCheck(got == nbytes, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the image data is truncated or unreadable (%zu of %zu bytes)", path, got, nbytes);
  if (nim->swapsize > 1 && nim->byteorder != nifti_short_order())
    nifti_swap_Nbytes((int64_t)nim->nvox, nim->swapsize, *data);
  PetscFunctionReturn(0);
}

static PetscErrorCode VfeImageFromNifti(const char *path, const nifti_image *nim, const double pixdim[3], int scode,
                                        VfeImage *img)
{
  const nifti_dmat44 *M;
  size_t nvox;
  void *data   = NULL;
  double slope = nim->scl_slope, inter = nim->scl_inter;

  PetscFunctionBeginUser;
  PetscCheck(nim->nifti_type >= NIFTI_FTYPE_NIFTI1_1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: an ANALYZE 7.5 file, not NIfTI-1/2", path);
  PetscCheck(nim->nx >= 1 && nim->ny >= 1 && nim->nz >= 1 && nim->dim[0] >= 1, PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED, "%s: empty image (dim %lld x %lld x %lld)", path, (long long)nim->nx,
             (long long)nim->ny, (long long)nim->nz);
  for (int d = 4; d <= 7; ++d)
    PetscCheck(nim->dim[0] < d || nim->dim[d] == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: not a 3-D image (%lld dimensions, dim[%d] = %lld)", path, (long long)nim->dim[0], d,
               (long long)nim->dim[d]);
  PetscCheck(VfeNiftiTypeSupported(nim->datatype), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: unsupported datatype %s (allowed: integer or floating-point scalars)", path,
             nifti_datatype_string(nim->datatype));
  nvox = (size_t)nim->nx * (size_t)nim->ny * (size_t)nim->nz;
  PetscCheck((size_t)nim->nvox == nvox, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the image data could not be read", path);
  PetscCheck(isfinite(slope) && isfinite(inter), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: scl_slope or scl_inter is not a finite number", path);
  if (slope == 0) slope = 1, inter = 0;

  img->n[0] = nim->nx;
  img->n[1] = nim->ny;
  img->n[2] = nim->nz;
  if (scode > 0)
    M = &nim->sto_xyz;
  else {
    for (int d = 0; d < 3; ++d)
      PetscCheck(isfinite(pixdim[d]) && pixdim[d] > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: voxel size pixdim[%d] = %g mm (must be positive)", path, d + 1, pixdim[d]);
    M = &nim->qto_xyz;
  }
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) {
      img->A[r][c] = M->m[r][c];
      PetscCheck(isfinite(img->A[r][c]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: the %s holds a value that is not finite", path, scode > 0 ? "sform" : "qform");
    }
  for (int c = 0; c < 3; ++c) {
    img->spacing[c] = PetscSqrtReal(PetscSqr(img->A[0][c]) + PetscSqr(img->A[1][c]) + PetscSqr(img->A[2][c]));
    PetscCheck(img->spacing[c] > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: zero voxel size along axis %d of the %s", path, c, scode > 0 ? "sform" : "qform");
  }
  PetscCall(VfeAffineInvert(path, (const PetscReal(*)[4])img->A, img->Ainv));

  PetscCall(VfeNiftiReadData(path, nim, &data));
  PetscCall(PetscMalloc1(nvox, &img->v));
  for (size_t j = 0; j < nvox; ++j) {
    const double x = VfeNiftiValue(nim->datatype, data, j) * slope + inter;
    if (PetscUnlikely(!isfinite(x) || fabs(x) > 3.0e38)) {
      PetscCall(PetscFree(data));
      const size_t i = j % (size_t)nim->nx, jj = (j / (size_t)nim->nx) % (size_t)nim->ny,
                   k = j / ((size_t)nim->nx * (size_t)nim->ny);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
              "%s: voxel (%zu, %zu, %zu) holds %g, not a finite number (NaN or infinite values are not allowed)", path,
              i, jj, k, x);
    }
    img->v[j] = (float)x;
  }
  PetscCall(PetscFree(data));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeImageRead(const char *path, VfeImage *img)
{
  nifti_image *nim;
  double pixdim[3];
  int scode;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(img, sizeof *img));
  PetscCheck(path && path[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "empty image path");
  PetscCall(PetscStrncpy(img->path, path, sizeof img->path));
  nifti_set_debug_level(0);
  PetscCheck(is_nifti_file(path) > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: not a NIfTI-1/2 image (missing, unreadable, or another format)", path);
  PetscCall(VfeNiftiRawHeader(path, pixdim, &scode));
  nim = nifti_image_read(path, 0); /* the header; the data: VfeNiftiReadData */
  PetscCheck(nim, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: the NIfTI image could not be read", path);
  ierr = VfeImageFromNifti(path, nim, pixdim, scode, img);
  nifti_image_free(nim);
  if (ierr) {
    PetscCall(PetscFree(img->v));
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode VfeImageBcast(MPI_Comm comm, VfeImage *img)
{
  PetscMPIInt rank;
  size_t nvox;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Bcast(img->n, 3, MPIU_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(img->A, 12, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(img->Ainv, 12, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(img->spacing, 3, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(img->path, (PetscMPIInt)sizeof img->path, MPI_CHAR, 0, comm));
  nvox = (size_t)img->n[0] * (size_t)img->n[1] * (size_t)img->n[2];
  if (rank) {
    PetscCall(PetscFree(img->v));
    PetscCall(PetscMalloc1(nvox, &img->v));
  }
  for (size_t off = 0; off < nvox; off += (size_t)1 << 30) {
    const size_t cnt = PetscMin(nvox - off, (size_t)1 << 30);
    PetscCallMPI(MPI_Bcast(img->v + off, (PetscMPIInt)cnt, MPI_FLOAT, 0, comm));
  }
  PetscFunctionReturn(0);
}

/* world position of the continuous voxel index ijk (integers: voxel centres) */
static void VfeImageWorld(const VfeImage *img, const PetscReal ijk[3], PetscReal x[3])
{
  for (int r = 0; r < 3; ++r)
    x[r] = img->A[r][0] * ijk[0] + img->A[r][1] * ijk[1] + img->A[r][2] * ijk[2] + img->A[r][3];
}

PetscErrorCode VfeImageSameGrid(const VfeImage *a, const VfeImage *b)
{
  PetscReal dmax = 0;

  PetscFunctionBeginUser;
  PetscCheck(a->n[0] == b->n[0] && a->n[1] == b->n[1] && a->n[2] == b->n[2], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "%s (%" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT " voxels) and %s (%" PetscInt_FMT
             " x %" PetscInt_FMT " x %" PetscInt_FMT ") are not on the same grid",
             a->path, a->n[0], a->n[1], a->n[2], b->path, b->n[0], b->n[1], b->n[2]);
  /* the affines agree if the eight outer corners of the grid (voxel faces, not centres: one voxel thick
     grids too) agree within 1e-3 mm; the map is affine, so every point of the grid then agrees */
  for (int c = 0; c < 8; ++c) {
    PetscReal ijk[3], xa[3], xb[3];

    for (int d = 0; d < 3; ++d) ijk[d] = (c >> d & 1) ? (PetscReal)a->n[d] - 0.5 : -0.5;
    VfeImageWorld(a, ijk, xa);
    VfeImageWorld(b, ijk, xb);
    for (int d = 0; d < 3; ++d) dmax = PetscMax(dmax, PetscAbsReal(xa[d] - xb[d]));
  }
  PetscCheck(dmax <= 1e-3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "%s and %s are not on the same grid: their voxel-to-world transforms differ by up to %g mm", a->path,
             b->path, (double)dmax);
  PetscFunctionReturn(0);
}

PetscErrorCode VfeImageDestroy(VfeImage *img)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(img->v));
  PetscCall(PetscMemzero(img, sizeof *img));
  PetscFunctionReturn(0);
}
