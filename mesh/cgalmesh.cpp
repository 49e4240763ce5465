/*
 * cgalmesh.cpp - the labelled-image mesher of the CT route: CGAL Mesh_3 (Debian libcgal-dev 5.5,
 * header-only) on a Labeled_mesh_domain_3 built from a CGAL::Image_3 of the label buffer.
 *
 * This is vfe's only C++ file, kept to one translation unit (it needs about 3 GB to compile) behind
 * the C interface of cgalmesh.h.  CGAL meshes in the frame (i, j, k) * spacing (mm, image axes); the
 * caller maps back to continuous voxel indices (we return those) and then to world coordinates with
 * the image's affine.  Each subdomain index is the label of the voxels it comes from (CGAL decides a
 * point's label by labellised trilinear interpolation, so interfaces lie half-way between voxel
 * centres, as the voxel faces do).
 *
 * Determinism: CGAL's default generator is reseeded with 0 (as make_mesh_3 does) and the domain gets
 * its own Random(0); the mesher runs sequentially, the exuder without a time limit.  The same labels and criteria give
 * the same mesh. Initial points: initialize_triangulation_from_labeled_image puts points on every connected component
 * of every label, so no thin or small component is missed by the default ray shooting. No C++ exception crosses into C:
 * everything is caught and returned as text.
 */
#include "cgalmesh.h"

#include <CGAL/Exact_predicates_inexact_constructions_kernel.h>
#include <CGAL/Image_3.h>
#include <CGAL/Labeled_mesh_domain_3.h>
#include <CGAL/Mesh_3/initialize_triangulation_from_labeled_image.h>
#include <CGAL/Mesh_complex_3_in_triangulation_3.h>
#include <CGAL/Mesh_criteria_3.h>
#include <CGAL/Mesh_triangulation_3.h>
#include <CGAL/make_mesh_3.h>
#include <CGAL/refine_mesh_3.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <sstream>
#include <new>
#include <unordered_map>

namespace {
typedef CGAL::Exact_predicates_inexact_constructions_kernel K;
typedef CGAL::Labeled_mesh_domain_3<K> Domain;
typedef CGAL::Mesh_triangulation_3<Domain, CGAL::Default, CGAL::Sequential_tag>::type Tr;
typedef CGAL::Mesh_complex_3_in_triangulation_3<Tr> C3t3;
typedef CGAL::Mesh_criteria_3<Tr> Criteria;

void set_error(char *err, size_t len, const char *what)
{
  if (err && len) std::snprintf(err, len, "%s", what);
}

/* std::cout silenced while alive (CGAL's labelled-image initialisation prints unconditionally) */
struct Quiet {
  std::streambuf *old;
  std::ostringstream sink;
  explicit Quiet(bool on) : old(on ? std::cout.rdbuf(sink.rdbuf()) : nullptr) {}
  ~Quiet()
  {
    if (old) std::cout.rdbuf(old);
  }
};

/* a size that is `scale` times smaller where fine[] (one byte per voxel of the image) is set */
struct FineField {
  typedef K::FT FT;
  const unsigned char *fine;
  long n[3];
  double sp[3], coarse, scale;
  template <typename Point, typename Index> FT operator()(const Point &p, const int, const Index &) const
  {
    long ijk[3];
    const double x[3] = {CGAL::to_double(p.x()), CGAL::to_double(p.y()), CGAL::to_double(p.z())};
    for (int d = 0; d < 3; ++d) {
      ijk[d] = std::lround(x[d] / sp[d]);
      ijk[d] = ijk[d] < 0 ? 0 : ijk[d] >= n[d] ? n[d] - 1 : ijk[d];
    }
    return fine[ijk[0] + n[0] * (ijk[1] + n[1] * ijk[2])] ? coarse / scale : coarse;
  }
};

template <typename C>
void run_mesher(C3t3 &c3t3, const Domain &domain, CGAL::Image_3 &image, const C &criteria, int exude, int verbose)
{
  namespace params = CGAL::parameters;
  Quiet quiet(!verbose);
  CGAL::get_default_random() = CGAL::Random(0);
  initialize_triangulation_from_labeled_image(c3t3, domain, image, criteria, (unsigned char)0);
  CGAL::refine_mesh_3(c3t3, domain, criteria, params::no_perturb(), params::no_exude());
  if (exude) CGAL::exude_mesh_3(c3t3, params::sliver_bound = 10);
}

int mesh(const unsigned char *labels, const long n[3], const double sp[3], double fsize, double fdist, double csize,
         double ratio, int exude, int verbose, const unsigned char *fine, double fscale, VfeCgalMesh *out)
{
  namespace params  = CGAL::parameters;
  const size_t nvox = (size_t)n[0] * (size_t)n[1] * (size_t)n[2];
  _image *im        = _createImage(n[0], n[1], n[2], 1, sp[0], sp[1], sp[2], 1, WK_FIXED, SGN_UNSIGNED);
  if (!im) throw std::bad_alloc();
  std::memcpy(im->data, labels, nvox);
  CGAL::Image_3 image(im);
  Domain domain = Domain::create_labeled_image_mesh_domain(image, params::relative_error_bound = 1e-6);
  C3t3 c3t3;
  if (!fine) {
    Criteria criteria(params::facet_angle = 30, params::facet_size = fsize, params::facet_distance = fdist,
                      params::cell_radius_edge_ratio = ratio, params::cell_size = csize);
    run_mesher(c3t3, domain, image, criteria, exude, verbose);
  } else {
    const FineField fs{fine, {n[0], n[1], n[2]}, {sp[0], sp[1], sp[2]}, fsize, fscale};
    const FineField fd{fine, {n[0], n[1], n[2]}, {sp[0], sp[1], sp[2]}, fdist, fscale};
    const FineField cs{fine, {n[0], n[1], n[2]}, {sp[0], sp[1], sp[2]}, csize, fscale};
    Criteria criteria(params::facet_angle = 30, params::facet_size = fs, params::facet_distance = fd,
                      params::cell_radius_edge_ratio = ratio, params::cell_size = cs);
    run_mesher(c3t3, domain, image, criteria, exude, verbose);
  }

  const Tr &tr = c3t3.triangulation();
  std::unordered_map<Tr::Vertex_handle, long> index;
  long nt    = (long)c3t3.number_of_cells_in_complex();
  out->nt    = nt;
  out->tet   = (long *)std::malloc(sizeof(long) * 4 * (size_t)(nt ? nt : 1));
  out->label = (int *)std::malloc(sizeof(int) * (size_t)(nt ? nt : 1));
  if (!out->tet || !out->label) throw std::bad_alloc();
  long t = 0;
  for (C3t3::Cells_in_complex_iterator c = c3t3.cells_in_complex_begin(); c != c3t3.cells_in_complex_end(); ++c) {
    for (int v = 0; v < 4; ++v) {
      auto it = index.find(c->vertex(v));
      long id;
      if (it == index.end()) {
        id = (long)index.size();
        index.emplace(c->vertex(v), id);
      } else
        id = it->second;
      out->tet[4 * t + v] = id;
    }
    out->label[t++] = (int)c3t3.subdomain_index(c);
  }
  out->nv  = (long)index.size();
  out->xyz = (double *)std::malloc(sizeof(double) * 3 * (size_t)(out->nv ? out->nv : 1));
  if (!out->xyz) throw std::bad_alloc();
  for (const auto &kv : index) {
    const auto p                = tr.geom_traits().construct_point_3_object()(tr.point(kv.first));
    out->xyz[3 * kv.second + 0] = CGAL::to_double(p.x()) / sp[0];
    out->xyz[3 * kv.second + 1] = CGAL::to_double(p.y()) / sp[1];
    out->xyz[3 * kv.second + 2] = CGAL::to_double(p.z()) / sp[2];
  }
  return 0;
}
} // namespace

extern "C" int VfeCgalMeshLabels(const unsigned char *labels, const long n[3], const double spacing[3],
                                 double facet_size, double facet_distance, double cell_size, double radius_edge,
                                 int exude, int verbose, VfeCgalMesh *out, char *err, size_t errlen)
{
  return VfeCgalMeshLabelsFine(labels, n, spacing, facet_size, facet_distance, cell_size, radius_edge, exude, verbose,
                               NULL, 1, out, err, errlen);
}

extern "C" int VfeCgalMeshLabelsFine(const unsigned char *labels, const long n[3], const double spacing[3],
                                     double facet_size, double facet_distance, double cell_size, double radius_edge,
                                     int exude, int verbose, const unsigned char *fine, double fine_scale,
                                     VfeCgalMesh *out, char *err, size_t errlen)
{
  std::memset(out, 0, sizeof *out);
  try {
    return mesh(labels, n, spacing, facet_size, facet_distance, cell_size, radius_edge, exude, verbose, fine,
                fine_scale, out);
  } catch (const std::bad_alloc &) {
    VfeCgalMeshFree(out);
    set_error(err, errlen, "out of memory in CGAL Mesh_3");
    return 2;
  } catch (const std::exception &e) {
    VfeCgalMeshFree(out);
    set_error(err, errlen, e.what());
    return 1;
  } catch (...) {
    VfeCgalMeshFree(out);
    set_error(err, errlen, "CGAL Mesh_3 failed (unknown exception)");
    return 1;
  }
}

extern "C" void VfeCgalMeshFree(VfeCgalMesh *m)
{
  std::free(m->xyz);
  std::free(m->tet);
  std::free(m->label);
  std::memset(m, 0, sizeof *m);
}
