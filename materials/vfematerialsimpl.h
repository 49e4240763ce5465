/*
 * vfematerialsimpl.h - private to materials/: what its files share.
 */
#pragma once
#include <petscsys.h>

/* The compiled-in library (library.yaml) as a private options database: `pmma: {E: 3000}` is -pmma_E. */
PETSC_INTERN PetscErrorCode VfeLibraryGet(PetscOptions *lib);
