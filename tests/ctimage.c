/*
 * ctimage.c - synthetic CT images for the tests of the CT route (NIfTI, written with libnifti2).
 *
 *   ctimage OUTDIR KIND [--voxel 1|2] [--qform | --sform] [--rotate DEG] [--scaled] [--nifti2] [--leak]
 *           [--touch] [--nan]
 *
 * Writes OUTDIR/image.nii.gz (density, mg/cm^3; float32, or int16 with --scaled), OUTDIR/mask.nii.gz
 * (uint8 labels) and for KIND sphere OUTDIR/postop.nii.gz (HU) and OUTDIR/mask_cement.nii.gz.
 *
 * Geometry, in world mm (NIfTI RAS), relative to the centre C = (10, -20, 30); q = x - C:
 *   cylinder  body (label 1): q_x^2 + q_y^2 <= 10^2, -15 < q_z < 15 (axis along world z, S-I);
 *             density 200 inside, 0 outside.
 *   layers    the same cylinder, density 100 where q_z < 0 and 300 where q_z >= 0.
 *   sphere    body (label 1): q_x^2 + q_y^2 <= 15^2, -15 < q_z < 15, density 200 inside, 0 outside;
 *             post-op image: 3000 HU in the cement sphere |q - (4, 0, 0)| <= 6 (with --touch centred at
 *             (4, 0, 10): it reaches the superior endplate and is cut by it), 200 HU in the rest of the
 *             body, -1000 outside; --leak adds a leak sphere |q - (17.5, 0, 0)| <= 2 at 3000 HU (outside
 *             the body, 0.5 mm from it).  mask_cement.nii.gz: label 1 body, 3 the cement voxels.
 * Voxels take the value at their centre.  The grid: 40^3 voxels of 1 mm (centres at q = m + 0.5,
 * m = -20..19, along each image axis) or 21^3 of 2 mm (centres at q = 2m, m = -10..10), so every
 * cylinder end and (1 mm) the layer interface lie on voxel faces; with 2 mm the layer interface lies at
 * q_z = -1 (the voxel row centred at q_z = 0 takes 300).
 * Image axes to world: default qform (code 1) without rotation: i, j, k = x, y, z.
 *   --qform  qform (code 1) with R = Rz(180) Rx(90): i -> -x, j -> z, k -> y (the S-I axis is j).
 *   --sform  sform (code 1) with the mirror i -> y, j -> z, k -> -x (determinant -1), and a qform
 *            (code 1) with another offset that readers must ignore.
 *   --rotate DEG  a further rotation of the grid by DEG degrees about world z (through C).
 * With no rotation the voxel centres of every variant fall on the same world points, so volumes and
 * centroids agree exactly between the variants of one voxel size.
 *   --scaled  int16 storage with scl_slope 0.5, scl_inter -100 (the values are unchanged)
 *   --nifti2  NIfTI-2 files instead of NIfTI-1
 *   --nan     image.nii.gz gets one NaN voxel inside the body (float32 only)
 * Exit 0, or 1 with a message on stderr.
 */
#include <nifti2_io.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
  const char *dir, *kind;
  double s, rot;
  int form, scaled, nifti2, leak, touch, nan; /* form 0 default, 1 qform, 2 sform */
} Opts;

static const double C[3] = {10, -20, 30};

static int usage(const char *msg)
{
  fprintf(stderr,
          "ctimage: %s\nusage: ctimage OUTDIR cylinder|layers|sphere [--voxel 1|2] [--qform|--sform] "
          "[--rotate DEG] [--scaled] [--nifti2] [--leak] [--touch] [--nan]\n",
          msg);
  return 1;
}

/* write one volume; vals are the world values, stored as float32, int16 (scaled) or uint8 (labels) */
static int write_volume(const Opts *o, const char *name, const double A[3][4], int n, const double *vals, int labels)
{
  int64_t dims[8]  = {3, n, n, n, 1, 1, 1, 1};
  int dt           = labels ? NIFTI_TYPE_UINT8 : o->scaled ? NIFTI_TYPE_INT16 : NIFTI_TYPE_FLOAT32;
  nifti_image *nim = nifti_make_new_nim(dims, dt, 1);
  char path[4096];
  size_t nvox = (size_t)n * n * n;
  nifti_dmat44 M;
  struct stat st;

  if (!nim) return usage("cannot allocate a NIfTI image");
  for (size_t j = 0; j < nvox; ++j) {
    if (labels)
      ((unsigned char *)nim->data)[j] = (unsigned char)vals[j];
    else if (o->scaled)
      ((int16_t *)nim->data)[j] = (int16_t)lround((vals[j] + 100) / 0.5);
    else
      ((float *)nim->data)[j] = (float)vals[j];
  }
  if (o->scaled && !labels) nim->scl_slope = 0.5, nim->scl_inter = -100;
  memset(&M, 0, sizeof M);
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) M.m[r][c] = A[r][c];
  M.m[3][3]      = 1;
  nim->xyz_units = NIFTI_UNITS_MM;
  nim->dx = nim->pixdim[1] = o->s;
  nim->dy = nim->pixdim[2] = o->s;
  nim->dz = nim->pixdim[3] = o->s;
  if (o->form == 2) {
    /* the sform wins; the qform below (identity, wrong offset) must be ignored */
    nim->sform_code = NIFTI_XFORM_SCANNER_ANAT;
    nim->sto_xyz    = M;
    nim->sto_ijk    = nifti_dmat44_inverse(M);
    nim->qform_code = NIFTI_XFORM_SCANNER_ANAT;
    nim->quatern_b = nim->quatern_c = nim->quatern_d = 0;
    nim->qoffset_x = nim->qoffset_y = nim->qoffset_z = 500;
    nim->qfac                                        = 1;
  } else {
    double dx, dy, dz;
    nim->qform_code = NIFTI_XFORM_SCANNER_ANAT;
    nifti_dmat44_to_quatern(M, &nim->quatern_b, &nim->quatern_c, &nim->quatern_d, &nim->qoffset_x, &nim->qoffset_y,
                            &nim->qoffset_z, &dx, &dy, &dz, &nim->qfac);
  }
  nim->nifti_type = o->nifti2 ? NIFTI_FTYPE_NIFTI2_1 : NIFTI_FTYPE_NIFTI1_1;
  snprintf(path, sizeof path, "%s/%s", o->dir, name);
  if (nifti_set_filenames(nim, path, 0, 1)) {
    nifti_image_free(nim);
    return usage("cannot name the output file");
  }
  nifti_image_write(nim);
  nifti_image_free(nim);
  if (stat(path, &st) || st.st_size == 0) {
    fprintf(stderr, "ctimage: could not write %s\n", path);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  Opts o = {0};
  double R[3][3], A[3][4], *img, *mask, *post = NULL, *mcem = NULL, c0;
  int n;

  if (argc < 3) return usage("missing arguments");
  o.dir = argv[1], o.kind = argv[2], o.s = 1;
  if (strcmp(o.kind, "cylinder") && strcmp(o.kind, "layers") && strcmp(o.kind, "sphere"))
    return usage("KIND must be cylinder, layers or sphere");
  for (int a = 3; a < argc; ++a) {
    if (!strcmp(argv[a], "--voxel") && a + 1 < argc) {
      o.s = atof(argv[++a]);
      if (o.s != 1 && o.s != 2) return usage("--voxel must be 1 or 2");
    } else if (!strcmp(argv[a], "--qform"))
      o.form = 1;
    else if (!strcmp(argv[a], "--sform"))
      o.form = 2;
    else if (!strcmp(argv[a], "--rotate") && a + 1 < argc)
      o.rot = atof(argv[++a]);
    else if (!strcmp(argv[a], "--scaled"))
      o.scaled = 1;
    else if (!strcmp(argv[a], "--nifti2"))
      o.nifti2 = 1;
    else if (!strcmp(argv[a], "--leak"))
      o.leak = 1;
    else if (!strcmp(argv[a], "--touch"))
      o.touch = 1;
    else if (!strcmp(argv[a], "--nan"))
      o.nan = 1;
    else
      return usage("unknown option");
  }
  if (o.nan && o.scaled) return usage("--nan needs float storage (not --scaled)");
  mkdir(o.dir, 0777);

  /* image axes to world directions */
  {
    static const double Rq[3][3] = {{-1, 0, 0}, {0, 0, 1}, {0, 1, 0}};
    static const double Rs[3][3] = {{0, 0, -1}, {1, 0, 0}, {0, 1, 0}};
    const double cr = cos(o.rot * M_PI / 180), sr = sin(o.rot * M_PI / 180);
    const double Rz[3][3] = {{cr, -sr, 0}, {sr, cr, 0}, {0, 0, 1}};
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) {
        double v = 0;
        for (int k = 0; k < 3; ++k) v += Rz[r][k] * (o.form == 1 ? Rq[k][c] : o.form == 2 ? Rs[k][c] : (k == c));
        R[r][c] = v;
      }
  }
  n  = o.s == 1 ? 40 : 21;
  c0 = o.s == 1 ? 19.5 : 10;
  for (int r = 0; r < 3; ++r) {
    A[r][3] = C[r];
    for (int c = 0; c < 3; ++c) A[r][c] = R[r][c] * o.s, A[r][3] -= R[r][c] * o.s * c0;
  }

  img  = malloc(sizeof(double) * n * n * n);
  mask = malloc(sizeof(double) * n * n * n);
  if (!strcmp(o.kind, "sphere")) post = malloc(sizeof(double) * n * n * n), mcem = malloc(sizeof(double) * n * n * n);
  if (!img || !mask || (!strcmp(o.kind, "sphere") && (!post || !mcem))) return usage("out of memory");
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        const size_t w = (size_t)i + (size_t)n * ((size_t)j + (size_t)n * k);
        double q[3];
        for (int r = 0; r < 3; ++r) q[r] = A[r][0] * i + A[r][1] * j + A[r][2] * k + A[r][3] - C[r];
        if (strcmp(o.kind, "sphere")) {
          const int in = q[0] * q[0] + q[1] * q[1] <= 100 && q[2] > -15 && q[2] < 15;
          mask[w]      = in;
          img[w]       = !in ? 0 : !strcmp(o.kind, "layers") ? (q[2] < 0 ? 100 : 300) : 200;
        } else {
          const int in    = q[0] * q[0] + q[1] * q[1] <= 225 && q[2] > -15 && q[2] < 15;
          const double zc = o.touch ? 10 : 0;
          const int cem   = in && (q[0] - 4) * (q[0] - 4) + q[1] * q[1] + (q[2] - zc) * (q[2] - zc) <= 36;
          const int leak  = o.leak && (q[0] - 17.5) * (q[0] - 17.5) + q[1] * q[1] + q[2] * q[2] <= 4;
          mask[w]         = in;
          mcem[w]         = cem ? 3 : in;
          img[w]          = in ? 200 : 0;
          post[w]         = cem || leak ? 3000 : in ? 200 : -1000;
        }
      }
  if (o.nan) {
    const size_t w = (size_t)(n / 2) + (size_t)n * ((size_t)(n / 2) + (size_t)n * (n / 2));
    img[w]         = NAN;
  }
  if (write_volume(&o, "image.nii.gz", A, n, img, 0) || write_volume(&o, "mask.nii.gz", A, n, mask, 1)) return 1;
  if (post &&
      (write_volume(&o, "postop.nii.gz", A, n, post, 0) || write_volume(&o, "mask_cement.nii.gz", A, n, mcem, 1)))
    return 1;
  free(img), free(mask), free(post), free(mcem);
  return 0;
}
