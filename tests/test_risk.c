/*
 * test_risk.c - postproc/risk.c (and the region statistics of postproc/fields.c it reads) on a
 * constructed stress field, every index against a hand-computed value.
 *
 * Three levels L1-L3 with two discs.  Every region has N = 30 cells of volume 1 under uniaxial
 * compression sigma_zz = -b k (k = 1..N, b per region), strain eps_zz = -g k.  Then per region:
 *   von Mises = b k: mean 15.5 b, 95th percentile 29 b (the first k with k >= 0.95 N = 28.5), max 30 b;
 *   pressure -tr(sigma)/3 = b k / 3: mean 15.5 b / 3;
 *   yield fraction = #{k : g k > yield strain} / N.
 * Factor of risk of a level = max over cortical, cancellous, endplates of p95 / strength; the
 * cement is not bone (its ratio, 29, would win if it counted).
 */
#include "vfepost.h"
#include <petscdmshell.h>
#include "vfetest.h"
#include <string.h>

#define N 30

typedef struct {
  const char *name;
  double b, g, strength, yield;
} Region;

static const Region R[] = {
    {"L1.cancellous", 0.1, 0, 4, 0},            /* risk 2.9 / 4 = 0.725 */
    {"L1.endplate_sup", 0.05, 0, 4, 0},         /* 1.45 / 4 = 0.3625 */
    {"L1.endplate_inf", 0.2, 0.001, 4, 0.008},  /* p95 5.8 -> 1.45 (L1's risk); mean 3.1; yield 22/30 */
    {"L1L2.nucleus", 0.3, 0, 0, 0},             /* pressure 1.55 */
    {"L1L2.annulus", 0.5, 0, 0, 0},             /* no strength: no ratio */
    {"L2.cancellous", 0.1, 0, 1, 0},            /* 2.9 / 1 = 2.9: the treated level's risk */
    {"L2.cement", 1.0, 0, 1, 0},                /* 29 / 1 = 29, but cement is not bone */
    {"L2.endplate_sup", 0.1, 0.0005, 4, 0.008}, /* yield 14/30 */
    {"L2.endplate_inf", 0.1, 0.001, 4, 0.008},  /* yield 22/30: the treated yield (the larger) */
    {"L2L3.nucleus", 0.6, 0, 0, 0},             /* pressure 3.1 */
    {"L3.cancellous", 0.05, 0, 1, 0},           /* 1.45 */
    {"L3.endplate_sup", 0.3, 0.0002, 5, 0.008}, /* p95 8.7 -> 1.74 (L3's risk); mean 4.65; yield 0 */
    {"L3.endplate_inf", 0.01, 0, 5, 0},         /* 0.058 */
};
#define NR ((PetscInt)(sizeof R / sizeof R[0]))

int main(int argc, char **argv)
{
  struct _n_VfeSpace sp;
  VfeCellFields cf;
  VfeMeshInfo info;
  VfeMaterial mats[NR];
  VfeRegionStats st[NR];
  PetscReal ys[NR];
  VfeIndices ix;
  PetscInt nc = NR * N;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  /* the stress field */
  PetscCall(PetscMemzero(&sp, sizeof sp));
  PetscCall(PetscMemzero(&cf, sizeof cf));
  PetscCall(DMShellCreate(PETSC_COMM_WORLD, &sp.dm));
  sp.ncells = nc;
  PetscCall(PetscMalloc1(nc, &sp.cell_region));
  PetscCall(PetscCalloc6(6 * nc, &cf.stress, nc, &cf.vm, nc, &cf.minp, nc, &cf.sed, 6 * nc, &cf.strain, nc, &cf.vol));
  cf.ncells = nc;
  for (PetscInt r = 0, c = 0; r < NR; ++r)
    for (int k = 1; k <= N; ++k, ++c) {
      sp.cell_region[c]    = r;
      cf.stress[6 * c + 2] = -R[r].b * k;
      cf.vm[c]             = R[r].b * k; /* von Mises of uniaxial stress */
      cf.minp[c]           = -R[r].b * k;
      cf.strain[6 * c + 2] = -R[r].g * k;
      cf.vol[c]            = 1;
    }
  /* regions and materials */
  PetscCall(PetscMemzero(&info, sizeof info));
  info.nregions = NR;
  PetscCall(PetscCalloc1(NR, &info.regions));
  for (PetscInt r = 0; r < NR; ++r) {
    PetscCall(PetscStrncpy(info.regions[r].name, R[r].name, sizeof info.regions[r].name));
    info.regions[r].dim = 3;
    PetscCall(PetscMemzero(&mats[r], sizeof mats[r]));
    mats[r].E = 100, mats[r].nu = 0.3, mats[r].strength = R[r].strength, mats[r].yield_strain = R[r].yield;
    ys[r] = R[r].yield;
  }
  PetscCall(VfeRegionStatistics(&sp, &cf, NR, ys, st));
  VfeTestClose(st[2].vm_mean, 3.1, 1e-12, "L1.endplate_inf von Mises mean");
  VfeTestClose(st[2].vm_p95, 5.8, 1e-12, "L1.endplate_inf von Mises p95");
  VfeTestClose(st[2].vm_max, 6.0, 1e-12, "L1.endplate_inf von Mises max");
  VfeTestClose(st[3].pressure_mean, 1.55, 1e-12, "L1L2.nucleus mean pressure");
  VfeTestClose(st[2].yield_fraction, 22.0 / 30, 1e-12, "L1.endplate_inf yield fraction");
  VfeTestClose(st[0].volume, 30, 1e-12, "L1.cancellous volume");

  /* treated level from the cement */
  PetscCall(VfeComputeIndices(&info, mats, st, NULL, &ix));
  VfeTestCheck(!strcmp(ix.treated, "L2") && !strcmp(ix.above, "L1") && !strcmp(ix.below, "L3"),
               "levels: treated L2 (holds the cement), above L1, below L3");
  VfeTestClose(ix.adj_above_vm_mean, 3.1, 1e-12, "adjacent-above endplate (L1 inferior) von Mises mean");
  VfeTestClose(ix.adj_above_vm_p95, 5.8, 1e-12, "adjacent-above endplate von Mises p95");
  VfeTestClose(ix.adj_below_vm_mean, 4.65, 1e-12, "adjacent-below endplate (L3 superior) von Mises mean");
  VfeTestClose(ix.adj_below_vm_p95, 8.7, 1e-12, "adjacent-below endplate von Mises p95");
  VfeTestClose(ix.treated_risk, 2.9, 1e-12, "treated factor of risk (cement excluded)");
  VfeTestClose(ix.adj_above_risk, 1.45, 1e-12, "adjacent-above factor of risk");
  VfeTestClose(ix.adj_below_risk, 1.74, 1e-12, "adjacent-below factor of risk");
  VfeTestClose(ix.treated_yield, 22.0 / 30, 1e-12, "treated yield fraction (larger endplate)");
  VfeTestClose(ix.adj_above_yield, 22.0 / 30, 1e-12, "adjacent-above yield fraction");
  VfeTestClose(ix.adj_below_yield, 0.0, 1e-12, "adjacent-below yield fraction");
  VfeTestCheck(ix.ndiscs == 2 && !strcmp(ix.disc[0], "L1L2") && !strcmp(ix.disc[1], "L2L3"),
               "two discs, L1L2 and L2L3");
  VfeTestClose(ix.idp[0], 1.55, 1e-12, "intradiscal pressure L1L2");
  VfeTestClose(ix.idp[1], 3.1, 1e-12, "intradiscal pressure L2L3");

  /* treated level named by the caller: L3 has no level below in this mesh */
  PetscCall(VfeComputeIndices(&info, mats, st, "L3", &ix));
  VfeTestCheck(!strcmp(ix.treated, "L3") && !strcmp(ix.above, "L2") && !ix.below[0], "treated L3: above L2, no below");
  VfeTestClose(ix.treated_risk, 1.74, 1e-12, "treated L3 factor of risk");
  VfeTestClose(ix.adj_above_risk, 2.9, 1e-12, "adjacent-above (L2) factor of risk");
  VfeTestClose(ix.adj_above_vm_mean, 1.55, 1e-12, "adjacent-above endplate (L2 inferior) von Mises mean");
  VfeTestClose(ix.adj_below_vm_mean, NAN, 0, "adjacent-below endplate: none (NaN)");
  VfeTestClose(ix.adj_below_risk, NAN, 0, "adjacent-below risk: none (NaN)");

  PetscCall(PetscFree(info.regions));
  PetscCall(PetscFree6(cf.stress, cf.vm, cf.minp, cf.sed, cf.strain, cf.vol));
  PetscCall(PetscFree(sp.cell_region));
  PetscCall(DMDestroy(&sp.dm));
  {
    int code = VfeTestSummary();
    PetscCall(PetscFinalize());
    return code;
  }
}
