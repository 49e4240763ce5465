/*
 * structures.c - the osteoligamentous structures of a model, added to the problem from the mesh's
 * names: annulus fibres in every `<disc>.annulus` that has a `<disc>.nucleus` (model_fibres);
 * ligaments between the attachment points `<disc>.<LIG>_upper` / `_lower` of the mesh
 * (model_ligaments); frictionless contact across every facet joint `<disc>.facet_<side>_upper` /
 * `_lower` (model_facet_contact).  Each is added where the mesh has what it needs, so body-and-disc
 * meshes get only the fibres; each can be switched off to reproduce body-and-disc models.
 */
#include "vfeapp.h"
#include "vfematerials.h"
#include "vfekeys.h"
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

PetscErrorCode VfeModelAddStructures(VfeProblem prob, const VfeMeshInfo *info)
{
  MPI_Comm comm    = PetscObjectComm((PetscObject)VfeProblemGetSpace(prob)->dm);
  PetscBool fibres = PETSC_TRUE;
  PetscInt nf      = 0;

  PetscFunctionBeginUser;
  PetscCall(VfeAppKeyGetBool("model_fibres", &fibres, NULL));
  if (fibres) PetscCall(VfeAddFibres(prob, info, &nf));
  if (nf) PetscCall(PetscPrintf(comm, "vfe: annulus fibres in %" PetscInt_FMT " discs\n", nf));
  PetscFunctionReturn(0);
}
