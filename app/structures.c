/*
 * structures.c - the osteoligamentous structures of a model, added to the problem from the mesh's
 * names: annulus fibres in every `<disc>.annulus` that has a `<disc>.nucleus` (model_fibres);
 * ligaments between the attachment points `<disc>.<LIG>_upper` / `_lower` of the mesh
 * (model_ligaments); frictionless contact across every facet joint `<disc>.facet_<side>_upper` /
 * `_lower` (model_facet_contact).  Each is added where the mesh has what it needs: the parametric segment
 * with posterior elements gets all three, the surfaces route the fibres and ALL and PLL (mesh/surfmesh.c writes
 * their attachment points), other body-and-disc meshes only the fibres; each can be switched off to reproduce
 * body-and-disc models.
 */
#include "vfeapp.h"
#include "vfematerials.h"
#include "vfekeys.h"
#include "vfekernels.h"
#include <stdlib.h>
#include <string.h>

static PetscErrorCode VfeAddFibres(VfeProblem prob, const VfeMeshInfo *info, PetscInt *nadded)
{
  const PetscReal axis[3] = {0, 0, 1};
  VfeFibreLaw law;

  PetscFunctionBeginUser;
  *nadded = 0;
  PetscCall(VfeMaterialsFibres(&law));
  for (PetscInt r = 0; r < info->nregions; ++r) {
    const char *name = info->regions[r].name, *dot = strrchr(name, '.');
    char inner[VFE_NAME_LEN];
    PetscInt ri;
    if (!dot || strcmp(dot, ".annulus")) continue;
    PetscCall(PetscSNPrintf(inner, sizeof inner, "%.*s.nucleus", (int)(dot - name), name));
    ri = VfeMeshInfoFindRegion(info, inner);
    if (ri < 0) continue;
    PetscCall(VfeProblemAddFibres(prob, r, ri, axis, law.angle_deg, law.nlayers, law.E, law.phi));
    (*nadded)++;
  }
  PetscFunctionReturn(0);
}

/* The two levels of a disc name: "L1L2" -> "L1", "L2"; "T12L1" -> "T12", "L1". */
static PetscBool VfeDiscLevels(const char *disc, size_t n, char *up, char *lo, size_t len)
{
  for (size_t i = 1; i < n; ++i)
    if (disc[i] == 'L' || disc[i] == 'T' || disc[i] == 'S') {
      if (i >= len || n - i >= len) return PETSC_FALSE;
      memcpy(up, disc, i), up[i]             = 0;
      memcpy(lo, disc + i, n - i), lo[n - i] = 0;
      return PETSC_TRUE;
    }
  return PETSC_FALSE;
}

/* The volume of each region (mm^3, summed over the ranks). */
static PetscErrorCode VfeRegionVolumes(VfeProblem prob, PetscInt nregions, PetscReal *vol)
{
  VfeSpace sp = VfeProblemGetSpace(prob);
  PetscReal X[30], G[4][3];

  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(vol, nregions));
  for (PetscInt c = 0; c < sp->ncells; ++c) {
    VfeSpaceCellCoordinates(sp, c, X);
    vol[sp->cell_region[c]] += PetscAbsReal(vfe_tet_gradients(X, G)) / 6;
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, vol, (PetscMPIInt)nregions, MPIU_REAL, MPI_SUM,
                           PetscObjectComm((PetscObject)sp->dm)));
  PetscFunctionReturn(0);
}

/* Region flags of the bone that a ligament of level lvl pulls on: its cortex, endplates and posterior elements where
 * the mesh resolves the body's shell (cortex and endplates hold at least 5 % of the body's volume: the parametric
 * segment's 0.8 mm solid shell, about 14 %); else its cancellous bone too (the surfaces route: there the cortex and
 * endplates are 0.5 mm distance layers that a 3 mm mesh resolves with a few tetrahedra, about 1 % of the volume, and
 * the body's surface nodes next to an attachment point may belong to cancellous ones only, docs/theory.md).  vol: the
 * regions' volumes (VfeRegionVolumes). */
static void VfeLevelBone(const VfeMeshInfo *info, const PetscReal *vol, const char *lvl, PetscBool *flag)
{
  static const char *const tissue[] = {"cortical", "endplate_sup", "endplate_inf", "posterior", "cancellous", "cement"};
  PetscReal shell = 0, body = 0;

  for (PetscInt r = 0; r < info->nregions; ++r) {
    const char *name = info->regions[r].name, *dot = strrchr(name, '.');
    flag[r] = PETSC_FALSE;
    if (!dot || (size_t)(dot - name) != strlen(lvl) || strncmp(name, lvl, strlen(lvl))) continue;
    for (size_t t = 0; t < sizeof tissue / sizeof tissue[0]; ++t)
      if (!strcmp(dot + 1, tissue[t])) {
        flag[r] = (PetscBool)(t < 4); /* cortex, endplates, posterior elements */
        if (t < 3) shell += vol[r];
        if (t != 3) body += vol[r];
      }
  }
  if (shell < 0.05 * body) /* the shell is not resolved: the cancellous bone carries the ends too */
    for (PetscInt r = 0; r < info->nregions; ++r) {
      const char *name = info->regions[r].name, *dot = strrchr(name, '.');
      if (dot && (size_t)(dot - name) == strlen(lvl) && !strncmp(name, lvl, strlen(lvl)) &&
          !strcmp(dot + 1, "cancellous"))
        flag[r] = PETSC_TRUE;
    }
}

/* One spring per ligament whose two attachment points `<disc>.<LIG>[_side]_upper` / `_lower` the mesh
 * has, from the upper level's bone to the lower level's. */
static PetscErrorCode VfeAddLigaments(VfeProblem prob, const VfeMeshInfo *info, PetscInt *nadded)
{
  MPI_Comm comm    = PetscObjectComm((PetscObject)VfeProblemGetSpace(prob)->dm);
  PetscReal radius = 3.0, h = 0;
  PetscBool *regA, *regB;
  PetscReal *vol;

  PetscFunctionBeginUser;
  *nadded = 0;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-mesh_size_mm", &h, NULL));
  radius = PetscMax(3.0, 1.2 * h);
  PetscCall(VfeAppKeyGetReal("model_ligament_radius_mm", &radius, NULL));
  PetscCall(PetscMalloc3(info->nregions, &regA, info->nregions, &regB, info->nregions, &vol));
  if (info->npoints) PetscCall(VfeRegionVolumes(prob, info->nregions, vol));
  for (PetscInt p = 0; p < info->npoints; ++p) {
    const char *name = info->points[p].name, *dot = strchr(name, '.');
    char other[VFE_NAME_LEN], lig[VFE_NAME_LEN], law_name[16], up[16], lo[16], gname[VFE_MEMBER_NAME_LEN], *u;
    size_t ln;
    PetscInt q;
    VfeLigamentLaw ll;
    VfeSpringLaw law;
    if (!dot || strlen(name) < 7 || strcmp(name + strlen(name) - 6, "_upper")) continue;
    PetscCall(PetscStrncpy(other, name, sizeof other));
    PetscCall(PetscStrcpy(other + strlen(other) - 6, "_lower"));
    for (q = 0; q < info->npoints; ++q)
      if (!strcmp(info->points[q].name, other)) break;
    if (q == info->npoints) continue;
    ln = strlen(name) - 6 - (size_t)(dot + 1 - name); /* "<LIG>[_side]" */
    PetscCheck(ln < sizeof lig, comm, PETSC_ERR_USER_INPUT, "ligament point '%s': name too long", name);
    memcpy(lig, dot + 1, ln), lig[ln] = 0;
    PetscCall(PetscStrncpy(law_name, lig, sizeof law_name));
    if ((u = strchr(law_name, '_'))) *u = 0; /* CL_left -> CL */
    if (!VfeMaterialsIsLigament(law_name)) continue;
    PetscCheck(VfeDiscLevels(name, (size_t)(dot - name), up, lo, sizeof up), comm, PETSC_ERR_USER_INPUT,
               "ligament point '%s': '%.*s' is not a disc name such as L1L2", name, (int)(dot - name), name);
    VfeLevelBone(info, vol, up, regA);
    VfeLevelBone(info, vol, lo, regB);
    PetscCall(VfeMaterialsLigament(law_name, &ll));
    law.E1 = ll.E1, law.E2 = ll.E2, law.strain_t = ll.strain_t, law.area = ll.area;
    PetscCall(PetscSNPrintf(gname, sizeof gname, "%.*s.%s", (int)(dot - name), name, lig));
    PetscCall(VfeProblemAddSpring(prob, gname, info->points[p].xyz, info->points[q].xyz, radius, regA, regB, &law));
    (*nadded)++;
  }
  PetscCall(PetscFree3(regA, regB, vol));
  PetscFunctionReturn(0);
}

/* Frictionless contact across each facet joint whose two facing surfaces `<disc>.facet_<side>_upper`
 * (slave) and `_lower` (master) the mesh has, and across each tip gap between an inferior articular
 * process's tip `<disc>.facet_tip_<side>_upper` (slave) and the lamina below, `<disc>.facet_tip_lower`
 * (master, shared by both sides; the tip nodes that do not lie over it are left out). */
static PetscErrorCode VfeAddFacetContact(VfeProblem prob, const VfeMeshInfo *info, PetscInt *nadded, PetscInt *ntips)
{
  PetscReal penalty = 1000.0;

  PetscFunctionBeginUser;
  *nadded = 0, *ntips = 0;
  PetscCall(VfeAppKeyGetReal("model_facet_penalty", &penalty, NULL));
  for (PetscInt s = 0; s < info->nsurfaces; ++s) {
    const char *name = info->surfaces[s].name;
    const char *tip  = strstr(name, ".facet_tip_");
    char other[VFE_NAME_LEN], gname[VFE_MEMBER_NAME_LEN];
    PetscInt m;
    if (!strstr(name, ".facet_") || strlen(name) < 7 || strcmp(name + strlen(name) - 6, "_upper")) continue;
    PetscCall(PetscStrncpy(other, name, sizeof other));
    PetscCall(PetscStrcpy(other + strlen(other) - 6, "_lower"));
    m = VfeMeshInfoFindSurface(info, other);
    if (m < 0 && tip) { /* <disc>.facet_tip_<side>_upper against <disc>.facet_tip_lower */
      PetscCall(PetscSNPrintf(other, sizeof other, "%.*s.facet_tip_lower", (int)(tip - name), name));
      m = VfeMeshInfoFindSurface(info, other);
    }
    if (m < 0) continue;
    PetscCall(PetscSNPrintf(gname, sizeof gname, "%.*s", (int)(strlen(name) - 6), name));
    /* search: the tip gap may reach 5 mm (segment_facet_tip_gap_mm) */
    PetscCall(VfeProblemAddContact(prob, gname, s, m, penalty, tip ? 8.0 : 3.0));
    if (tip)
      (*ntips)++;
    else
      (*nadded)++;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode VfeModelAddStructures(VfeProblem prob, const VfeMeshInfo *info)
{
  MPI_Comm comm    = PetscObjectComm((PetscObject)VfeProblemGetSpace(prob)->dm);
  PetscBool fibres = PETSC_TRUE, ligaments = PETSC_TRUE, facets = PETSC_TRUE;
  PetscInt nf = 0, nl = 0, nc = 0, nt = 0;

  PetscFunctionBeginUser;
  PetscCall(VfeAppKeyGetBool("model_fibres", &fibres, NULL));
  PetscCall(VfeAppKeyGetBool("model_ligaments", &ligaments, NULL));
  PetscCall(VfeAppKeyGetBool("model_facet_contact", &facets, NULL));
  if (fibres) PetscCall(VfeAddFibres(prob, info, &nf));
  if (ligaments) PetscCall(VfeAddLigaments(prob, info, &nl));
  if (facets) PetscCall(VfeAddFacetContact(prob, info, &nc, &nt));
  if (nf || nl || nc)
    PetscCall(PetscPrintf(comm,
                          "vfe: structures: annulus fibres in %" PetscInt_FMT " discs, %" PetscInt_FMT
                          " ligaments, %" PetscInt_FMT " facet joints with contact, %" PetscInt_FMT
                          " articular process tips with contact\n",
                          nf, nl, nc, nt));
  PetscFunctionReturn(0);
}

/* A number from the options database without raising an error: NaN when absent or not a number (the run's own
 * reading reports a bad value). */
static PetscReal VfeOptionNumber(const char *opt)
{
  const char *v;
  char *end;
  PetscBool set = PETSC_FALSE;
  double x;

  if (PetscOptionsFindPair(NULL, NULL, opt, &v, &set) || !set || !v || !v[0]) return (PetscReal)NAN;
  x = strtod(v, &end);
  return *end ? (PetscReal)NAN : (PetscReal)x;
}

/* a sweep's choice for all its cases (VfePosteriorSetStudy) */
static VfePosteriorChoice vfe_study_posterior;
static PetscBool vfe_study_posterior_set = PETSC_FALSE;

void VfePosteriorSetStudy(const VfePosteriorChoice *c)
{
  vfe_study_posterior_set = (PetscBool)(c != NULL);
  if (c) vfe_study_posterior = *c;
}

PetscErrorCode VfePosteriorDefault(VfePosteriorChoice *c)
{
  char geom[64] = "segment", preset[64] = "none", mode[64] = "none";
  const char *mfile = NULL;
  PetscBool hasfile = PETSC_FALSE, set = PETSC_FALSE;
  PetscReal Nm, wedge;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(c, sizeof *c));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mesh_geometry", geom, sizeof geom, NULL));
  PetscCall(PetscOptionsFindPair(NULL, NULL, "-mesh_file", &mfile, &hasfile));
  if (strcmp(geom, "segment") || (hasfile && mfile && mfile[0])) PetscFunctionReturn(0); /* vfe builds no segment */
  PetscCall(PetscOptionsHasName(NULL, NULL, "-segment_posterior_elements", &set));
  if (set) PetscFunctionReturn(0); /* the case chose */
  c->applies = PETSC_TRUE;
  if (vfe_study_posterior_set && vfe_study_posterior.on) { /* one model (and one mesh) for every case of a sweep */
    c->on = PETSC_TRUE;
    PetscCall(PetscStrncpy(c->why, vfe_study_posterior.why, sizeof c->why));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscOptionsGetString(NULL, NULL, "-load_case", preset, sizeof preset, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-load_mode", mode, sizeof mode, NULL));
  Nm    = VfeOptionNumber("-load_moment_Nm");
  wedge = VfeOptionNumber("-fracture_wedge");
  if (PetscIsNanReal(Nm)) /* the presets other than standing carry 7.5 N m */
    Nm = (strcmp(preset, "none") && strcmp(preset, "standing")) ? 7.5 : 0;
  if (Nm > 0 && (strcmp(mode, "none") || (strcmp(preset, "none") && strcmp(preset, "standing")))) {
    c->on = PETSC_TRUE;
    snprintf(c->why, sizeof c->why, "the load has a %g N m moment", (double)Nm);
  } else if (wedge > 0) {
    c->on = PETSC_TRUE;
    snprintf(c->why, sizeof c->why, "the treated level has a wedge fracture (fracture_wedge %g)", (double)wedge);
  } else
    PetscCall(PetscStrncpy(c->why, "no moment in the load and no wedge fracture", sizeof c->why));
  PetscFunctionReturn(0);
}
