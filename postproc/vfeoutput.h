/* vfe output writers: ParaView files (VTKHDF). */
#ifndef VFEOUTPUT_H
#define VFEOUTPUT_H

#include <petscsys.h>

/* One named array attached to points or cells. data: n x ncomp, row-major (n = local points or cells). */
typedef struct {
  const char *name;
  PetscInt ncomp;
  const PetscReal *data;
} VfeField;

/* Collective on comm. Each rank writes its own piece (its local points and cells) into one
   VTKHDF 1.0 UnstructuredGrid file with parallel HDF5 (MPI-IO, collective hyperslab writes).
   Cells are tetrahedra: nodes_per_cell 4 (VTK_TETRA) or 10 (VTK_QUADRATIC_TETRA, VTK node order).
   conn holds piece-local point indices. A rank may have zero points/cells.
   All ranks must pass the same field names and component counts, in the same order.
   The file is written as <path>.part and renamed to path by rank 0 after all ranks closed it,
   so an interrupted run never leaves a complete-looking file. Errors (cannot create the file,
   HDF5 failure) raise PETSC_ERR_FILE_WRITE with a message naming the path. Bad arguments on any rank
   (cell type, point ids out of range, fields differing between ranks) raise an error on all ranks
   before the file is created, and so does too little space for it (rank 0 reserves an upper bound of its
   size first).  Every rank enters the file's directory (chdir) while HDF5 has the file open and returns
   to its working directory before the call returns, also on an error: any path length works.
   ParaView 5.11 opens the file only if path ends in ".hdf". */
PETSC_EXTERN PetscErrorCode VfeWriteVTKHDF(MPI_Comm comm, const char *path, PetscInt npoints, const PetscReal *xyz,
                                           PetscInt ncells, PetscInt nodes_per_cell, const PetscInt *conn,
                                           PetscInt npointfields, const VfeField *pointfields, PetscInt ncellfields,
                                           const VfeField *cellfields);

#endif
