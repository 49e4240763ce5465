/*
 * vfekernels.h - element kernels for small-strain isotropic linear elasticity on P1 (4-node) and
 * P2 (10-node) tetrahedra.  Pure, allocation-free, inline functions of the element coordinates and
 * the material constants, compiled for the CPU assembly loop and (with VFE_HD = __host__ __device__)
 * for the CUDA kernel.  Node order: 4 vertices, then for P2 the edges in VTK order
 * (01, 12, 02, 03, 13, 23).  DOF order: node-major, (ux, uy, uz) per node, so the element matrix is
 * a grid of 3x3 node blocks, ready for blocked (bs = 3) insertion.
 *
 *   a(u, v) = int_K  lambda div u div v + 2 mu eps(u) : eps(v)  dx,
 *   lambda = E nu / ((1 + nu)(1 - 2 nu)),  mu = E / (2 (1 + nu)),
 *   K[3a+i][3b+j] = int_K lambda dNa/dx_i dNb/dx_j + mu dNa/dx_j dNb/dx_i + mu delta_ij grad Na . grad Nb.
 *
 * P1 gradients are constant (one-point rule exact).  P2 gradients are linear, so the stiffness
 * integrand is quadratic and the 4-point rule (a, b, b, b), a = 0.5854..., b = 0.1382..., weights
 * 1/4, is exact.  Orientation does not matter: |det J| is used.
 *
 * Nearly incompressible regions (nu >= VFE_BBAR_NU) use, on P2, the mean-dilatation (B-bar)
 * form: the deviatoric part 2 mu dev eps(u) : dev eps(v) is integrated fully and the volumetric
 * part kappa (tr eps) is replaced by its element mean, kappa = lambda + 2 mu / 3:
 *   K = int mu (...) - 2 mu / 3 dNa/dx_i dNb/dx_j  +  kappa V dbar_a,i dbar_b,j,
 *   dbar_a,i = (1/V) int dNa/dx_i.
 * One volumetric constraint per element instead of four keeps the nucleus (nu = 0.4999) from
 * locking and gives an element-wise constant pressure free of the oscillations of pure P2.
 */
#pragma once
#include <math.h>

#ifdef __CUDACC__
#  define VFE_HD __host__ __device__
#else
#  define VFE_HD
#endif

#define VFE_BBAR_NU 0.45
#define VFE_QP2_A 0.5854101966249685
#define VFE_QP2_B 0.1381966011250105

/* VTK edge order of the 10-node tetrahedron (a macro so that device code gets its own copy) */
#define VFE_TET_EDGES                                                                                                  \
  {                                                                                                                    \
    {0, 1}, {1, 2}, {0, 2}, {0, 3}, {1, 3},                                                                            \
    {                                                                                                                  \
      2, 3                                                                                                             \
    }                                                                                                                  \
  }
static const int VfeTetEdges[6][2] = VFE_TET_EDGES;

/* Lame constants from E and nu. */
VFE_HD static inline void vfe_lame(double E, double nu, double *lam, double *mu)
{
  *lam = E * nu / ((1.0 + nu) * (1.0 - 2.0 * nu));
  *mu  = E / (2.0 * (1.0 + nu));
}

/* Gradients of the barycentric coordinates G[i] = grad lambda_i of the tetrahedron with vertices
 * X[0..11]; returns the signed 6 x volume (det of [x1-x0, x2-x0, x3-x0]). */
VFE_HD static inline double vfe_tet_gradients(const double *X, double G[4][3])
{
  double a[3][3], det, id;
  for (int i = 0; i < 3; ++i)
    for (int d = 0; d < 3; ++d) a[i][d] = X[3 * (i + 1) + d] - X[d]; /* row i = x_{i+1} - x_0 */
  det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
        a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  id = 1.0 / det;
  /* grad lambda_{i+1} = column i of a^{-T}, i.e. the rows of inv(a)^T: cofactors / det */
  G[1][0] = (a[1][1] * a[2][2] - a[1][2] * a[2][1]) * id;
  G[1][1] = (a[1][2] * a[2][0] - a[1][0] * a[2][2]) * id;
  G[1][2] = (a[1][0] * a[2][1] - a[1][1] * a[2][0]) * id;
  G[2][0] = (a[0][2] * a[2][1] - a[0][1] * a[2][2]) * id;
  G[2][1] = (a[0][0] * a[2][2] - a[0][2] * a[2][0]) * id;
  G[2][2] = (a[0][1] * a[2][0] - a[0][0] * a[2][1]) * id;
  G[3][0] = (a[0][1] * a[1][2] - a[0][2] * a[1][1]) * id;
  G[3][1] = (a[0][2] * a[1][0] - a[0][0] * a[1][2]) * id;
  G[3][2] = (a[0][0] * a[1][1] - a[0][1] * a[1][0]) * id;
  for (int d = 0; d < 3; ++d) G[0][d] = -(G[1][d] + G[2][d] + G[3][d]);
  return det;
}

/* Shape-function gradients dN[a][d] at barycentric point L for order 1 (4 nodes) or 2 (10 nodes). */
VFE_HD static inline void vfe_shape_gradients(int order, const double G[4][3], const double L[4], double dN[][3])
{
  if (order == 1) {
    for (int a = 0; a < 4; ++a)
      for (int d = 0; d < 3; ++d) dN[a][d] = G[a][d];
    return;
  }
  for (int a = 0; a < 4; ++a)
    for (int d = 0; d < 3; ++d) dN[a][d] = (4.0 * L[a] - 1.0) * G[a][d];
  const int edges[6][2] = VFE_TET_EDGES;
  for (int e = 0; e < 6; ++e) {
    const int i = edges[e][0], j = edges[e][1];
    for (int d = 0; d < 3; ++d) dN[4 + e][d] = 4.0 * (L[i] * G[j][d] + L[j] * G[i][d]);
  }
}

/* Shape-function values N[a] at barycentric point L. */
VFE_HD static inline void vfe_shape_values(int order, const double L[4], double *N)
{
  if (order == 1) {
    for (int a = 0; a < 4; ++a) N[a] = L[a];
    return;
  }
  for (int a = 0; a < 4; ++a) N[a] = L[a] * (2.0 * L[a] - 1.0);
  const int edges[6][2] = VFE_TET_EDGES;
  for (int e = 0; e < 6; ++e) N[4 + e] = 4.0 * L[edges[e][0]] * L[edges[e][1]];
}

/* Add w * (stiffness integrand) for gradients dN of n nodes into Ke (3n x 3n, row-major). */
VFE_HD static inline void vfe_add_stiffness(int n, const double dN[][3], double lam, double mu, double w, double *Ke)
{
  const int ld = 3 * n;
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) {
      const double g = dN[a][0] * dN[b][0] + dN[a][1] * dN[b][1] + dN[a][2] * dN[b][2];
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
          Ke[(3 * a + i) * ld + 3 * b + j] +=
              w * (lam * dN[a][i] * dN[b][j] + mu * dN[a][j] * dN[b][i] + (i == j ? mu * g : 0.0));
    }
}

/* Element formulations (per region):
 *   VFE_FORM_FULL   pure displacement: the whole energy lambda (tr eps)^2 + 2 mu eps:eps;
 *   VFE_FORM_BBAR   P2 mean dilatation (B-bar), see the file head;
 *   VFE_FORM_DEV    the displacement block of the mixed u-p form: only the deviatoric energy
 *                   2 mu dev eps : dev eps (lambda replaced by -2 mu / 3); the volumetric part is
 *                   carried by the pressure unknowns (vfe_element_mixed). */
#define VFE_FORM_FULL 0
#define VFE_FORM_BBAR 1
#define VFE_FORM_DEV 2

/* Element stiffness matrix of a P1 (order 1, X: 4 nodes, Ke 12x12) or P2 (order 2, X: 10 nodes,
 * Ke 30x30) tetrahedron in formulation `form`; only the vertices X[0..11] define the
 * (straight-sided) geometry.  Returns the element volume. */
VFE_HD static inline double vfe_element_stiffness_form(int order, int form, const double *X, double E, double nu,
                                                       double *Ke)
{
  double G[4][3], lam, mu, vol, dN[10][3];
  const int n = order == 1 ? 4 : 10;

  vfe_lame(E, nu, &lam, &mu);
  if (form == VFE_FORM_DEV) lam = -2.0 * mu / 3.0;
  vol = fabs(vfe_tet_gradients(X, G)) / 6.0;
  for (int k = 0; k < 9 * n * n; ++k) Ke[k] = 0.0;
  if (order == 1) {
    const double L[4] = {0.25, 0.25, 0.25, 0.25};
    vfe_shape_gradients(1, G, L, dN);
    vfe_add_stiffness(4, dN, lam, mu, vol, Ke);
  } else {
    const int bbar   = form == VFE_FORM_BBAR;
    double db[10][3] = {{0}};
    for (int q = 0; q < 4; ++q) {
      double L[4];
      for (int a = 0; a < 4; ++a) L[a] = a == q ? VFE_QP2_A : VFE_QP2_B;
      vfe_shape_gradients(2, G, L, dN);
      vfe_add_stiffness(10, dN, bbar ? -2.0 * mu / 3.0 : lam, mu, 0.25 * vol, Ke);
      for (int a = 0; a < 10; ++a)
        for (int d = 0; d < 3; ++d) db[a][d] += 0.25 * dN[a][d];
    }
    if (bbar) {
      const double kappa = lam + 2.0 * mu / 3.0;
      for (int a = 0; a < 10; ++a)
        for (int b = 0; b < 10; ++b)
          for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) Ke[(3 * a + i) * 30 + 3 * b + j] += kappa * vol * db[a][i] * db[b][j];
    }
  }
  return vol;
}

/* The formulation vfe chose before the mixed form existed: B-bar for P2 at nu >= VFE_BBAR_NU,
 * pure displacement otherwise (the CUDA backend and -vfe_formulation bbar). */
VFE_HD static inline double vfe_element_stiffness(int order, const double *X, double E, double nu, double *Ke)
{
  return vfe_element_stiffness_form(order, order == 2 && nu >= VFE_BBAR_NU ? VFE_FORM_BBAR : VFE_FORM_FULL, X, E, nu,
                                    Ke);
}

/* Coupling and pressure blocks of the Taylor-Hood P2/P1 mixed element (nearly incompressible
 * regions).  With p the pressure (positive in compression), sigma = 2 mu dev eps(u) - p I and the
 * constraint div u + p / kappa = 0, kappa = lambda + 2 mu / 3:
 *   Bt[3a+i][b] = - int dN_a/dx_i  L_b dx      (30 x 4: u dofs x vertex pressures)
 *   C[a][b]     =   int L_a L_b / kappa dx = V (1 + delta_ab) / (20 kappa)
 *   Mw[a][b]    =   int L_a L_b (1/kappa + 1/mu) dx   (the scaled pressure mass matrix that
 *                                                     approximates the Schur complement)
 * The integrands are quadratic: the 4-point rule is exact.  Returns the element volume. */
VFE_HD static inline double vfe_element_mixed(const double *X, double E, double nu, double *Bt, double *C, double *Mw)
{
  double G[4][3], lam, mu, kappa, vol, dN[10][3];

  vfe_lame(E, nu, &lam, &mu);
  kappa = lam + 2.0 * mu / 3.0;
  vol   = fabs(vfe_tet_gradients(X, G)) / 6.0;
  for (int k = 0; k < 120; ++k) Bt[k] = 0.0;
  for (int q = 0; q < 4; ++q) {
    double L[4];
    for (int a = 0; a < 4; ++a) L[a] = a == q ? VFE_QP2_A : VFE_QP2_B;
    vfe_shape_gradients(2, G, L, dN);
    for (int a = 0; a < 10; ++a)
      for (int i = 0; i < 3; ++i)
        for (int b = 0; b < 4; ++b) Bt[(3 * a + i) * 4 + b] -= 0.25 * vol * dN[a][i] * L[b];
  }
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) {
      const double m = vol * (a == b ? 2.0 : 1.0) / 20.0;
      C[4 * a + b]   = m / kappa;
      Mw[4 * a + b]  = m * (1.0 / kappa + 1.0 / mu);
    }
  return vol;
}

/* Element-mean volumetric strain (1/V) int div u of a P2 element: with the 4-point rule. */
VFE_HD static inline double vfe_mean_dilatation(const double G[4][3], const double *u)
{
  double dN[10][3], tr = 0.0;
  for (int q = 0; q < 4; ++q) {
    double L[4];
    for (int a = 0; a < 4; ++a) L[a] = a == q ? VFE_QP2_A : VFE_QP2_B;
    vfe_shape_gradients(2, G, L, dN);
    for (int a = 0; a < 10; ++a)
      for (int d = 0; d < 3; ++d) tr += 0.25 * u[3 * a + d] * dN[a][d];
  }
  return tr;
}

/* Strain (Voigt: xx, yy, zz, 2xy, 2yz, 2xz... stored as tensor components eps_xy etc.) and stress at
 * barycentric point L from nodal displacements u (3 per node).  eps and sig in the order
 * xx, yy, zz, xy, yz, xz (tensor components, not engineering shear). */
VFE_HD static inline void vfe_strain_stress(int order, const double G[4][3], const double L[4], const double *u,
                                            double lam, double mu, double eps[6], double sig[6])
{
  double dN[10][3], gu[3][3] = {{0}};
  const int n = order == 1 ? 4 : 10;
  vfe_shape_gradients(order, G, L, dN);
  for (int a = 0; a < n; ++a)
    for (int i = 0; i < 3; ++i)
      for (int d = 0; d < 3; ++d) gu[i][d] += u[3 * a + i] * dN[a][d];
  eps[0] = gu[0][0], eps[1] = gu[1][1], eps[2] = gu[2][2];
  eps[3] = 0.5 * (gu[0][1] + gu[1][0]), eps[4] = 0.5 * (gu[1][2] + gu[2][1]), eps[5] = 0.5 * (gu[0][2] + gu[2][0]);
  {
    const double tr = eps[0] + eps[1] + eps[2];
    for (int k = 0; k < 3; ++k) sig[k] = lam * tr + 2.0 * mu * eps[k];
    for (int k = 3; k < 6; ++k) sig[k] = 2.0 * mu * eps[k];
  }
}

/* Stress at L consistent with the element matrix: for B-bar elements (order 2, nu >= VFE_BBAR_NU)
 * sigma = 2 mu dev eps + kappa mean(tr eps) I. */
VFE_HD static inline void vfe_element_stress(int order, const double G[4][3], const double L[4], const double *u,
                                             double E, double nu, double eps[6], double sig[6])
{
  double lam, mu;
  vfe_lame(E, nu, &lam, &mu);
  vfe_strain_stress(order, G, L, u, lam, mu, eps, sig);
  if (order == 2 && nu >= VFE_BBAR_NU) {
    const double tr = eps[0] + eps[1] + eps[2], trbar = vfe_mean_dilatation(G, u), kappa = lam + 2.0 * mu / 3.0;
    for (int k = 0; k < 3; ++k) sig[k] = 2.0 * mu * (eps[k] - tr / 3.0) + kappa * trbar;
  }
}

/* Stress of the mixed form at L: sigma = 2 mu dev eps(u) - p I, p the pressure there. */
VFE_HD static inline void vfe_element_stress_mixed(const double G[4][3], const double L[4], const double *u, double E,
                                                   double nu, double p, double eps[6], double sig[6])
{
  double lam, mu;
  vfe_lame(E, nu, &lam, &mu);
  vfe_strain_stress(2, G, L, u, lam, mu, eps, sig);
  {
    const double tr = eps[0] + eps[1] + eps[2];
    for (int k = 0; k < 3; ++k) sig[k] = 2.0 * mu * (eps[k] - tr / 3.0) - p;
  }
}

/* von Mises stress of a symmetric tensor (xx, yy, zz, xy, yz, xz). */
VFE_HD static inline double vfe_von_mises(const double s[6])
{
  const double a = s[0] - s[1], b = s[1] - s[2], c = s[2] - s[0];
  return sqrt(0.5 * (a * a + b * b + c * c) + 3.0 * (s[3] * s[3] + s[4] * s[4] + s[5] * s[5]));
}

/* Principal stresses (descending) of a symmetric tensor: trigonometric solution of the
 * characteristic cubic (Smith 1961). */
VFE_HD static inline void vfe_principal(const double s[6], double p[3])
{
  const double q  = (s[0] + s[1] + s[2]) / 3.0;
  const double p1 = s[3] * s[3] + s[4] * s[4] + s[5] * s[5];
  const double p2 = (s[0] - q) * (s[0] - q) + (s[1] - q) * (s[1] - q) + (s[2] - q) * (s[2] - q) + 2.0 * p1;
  const double pp = sqrt(p2 / 6.0);
  if (pp < 1e-300) {
    p[0] = p[1] = p[2] = q;
    return;
  }
  {
    const double b0 = (s[0] - q) / pp, b1 = (s[1] - q) / pp, b2 = (s[2] - q) / pp;
    const double b3 = s[3] / pp, b4 = s[4] / pp, b5 = s[5] / pp;
    /* det(B)/2 with B = (S - qI)/pp; symmetric, xy = b3, yz = b4, xz = b5 */
    double r = 0.5 * (b0 * (b1 * b2 - b4 * b4) - b3 * (b3 * b2 - b4 * b5) + b5 * (b3 * b4 - b1 * b5));
    double phi;
    r    = r < -1.0 ? -1.0 : (r > 1.0 ? 1.0 : r);
    phi  = acos(r) / 3.0;
    p[0] = q + 2.0 * pp * cos(phi);
    p[2] = q + 2.0 * pp * cos(phi + 2.0943951023931955);
    p[1] = 3.0 * q - p[0] - p[2];
  }
}
