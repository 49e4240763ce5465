/*
 * msh_convert.c - rewrite an MSH file in another MSH version and encoding with the Gmsh SDK, for
 * the bad-input corpus (tests/badinput_corpus.py corrupts every variant).
 *   msh_convert IN.msh OUT.msh VERSION BINARY [ORDER]   e.g. msh_convert mesh.msh m22a.msh 2.2 0
 * ORDER 2 writes second-order (10-node) tetrahedra (tests/mesh_file_p2.sh).
 */
#include <gmshc.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
  int ierr = 0;

  if (argc != 5 && argc != 6) {
    fprintf(stderr, "usage: msh_convert IN.msh OUT.msh VERSION BINARY [ORDER]\n");
    return 1;
  }
  gmshInitialize(0, NULL, 0, &ierr);
  if (!ierr) gmshOptionSetNumber("General.Terminal", 0, &ierr);
  if (!ierr) gmshOpen(argv[1], &ierr);
  if (!ierr && argc == 6) gmshModelMeshSetOrder(atoi(argv[5]), &ierr);
  if (!ierr) gmshOptionSetNumber("Mesh.MshFileVersion", atof(argv[3]), &ierr);
  if (!ierr) gmshOptionSetNumber("Mesh.Binary", atof(argv[4]), &ierr);
  if (!ierr) gmshOptionSetNumber("Mesh.SaveAll", 0, &ierr);
  if (!ierr) gmshWrite(argv[2], &ierr);
  if (ierr) fprintf(stderr, "msh_convert: Gmsh failed on %s -> %s\n", argv[1], argv[2]);
  gmshFinalize(NULL);
  return ierr ? 1 : 0;
}
