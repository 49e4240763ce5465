# Unit tests (label unit): one component at a time, C executables linked against its library, no
# mesh generation or solve unless the unit is the solve.  Each asserts numbers or messages.
#   unit_keys       the key registry: patterns, type / choice / range checks, agreement with mesh/
#   docs_keys       docs/user-guide.md's key table equals `vfe help --markdown`
#   unit_risk       postproc/risk.c and the region statistics on a constructed stress field, every
#                   index against a hand-computed value
#   unit_materials  materials/: region -> material, library, bone quality, overrides, composite
#   unit_loads      solver/loads.c: presets, traction per moment direction, moment vector, bad input
#   structure_layers  the layering: solver/ headers, library symbols only from below, no private key list
#   unit_mesh_interp  mesh/interp.c: VfeMeshInterpolate = DMPlexInterpolate point by point on two small Gmsh meshes
#                     (_mpi2, _mpi4: distributed, with the point SF)
add_executable(test_keys ${CMAKE_CURRENT_SOURCE_DIR}/test_keys.c)
target_link_libraries(test_keys PRIVATE vfe_app)
add_test(NAME unit_keys COMMAND test_keys)
add_test(NAME docs_keys COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/docs_keys.sh $<TARGET_FILE:vfe> ${CMAKE_SOURCE_DIR}/docs/user-guide.md)
set_tests_properties(unit_keys docs_keys PROPERTIES LABELS unit ENVIRONMENT "${VFE_TEST_ENV}")

add_executable(test_risk ${CMAKE_CURRENT_SOURCE_DIR}/test_risk.c)
target_link_libraries(test_risk PRIVATE vfe_postproc)
add_test(NAME unit_risk COMMAND test_risk)
set_tests_properties(unit_risk PROPERTIES LABELS unit ENVIRONMENT "${VFE_TEST_ENV}")

add_executable(test_materials ${CMAKE_CURRENT_SOURCE_DIR}/test_materials.c)
target_link_libraries(test_materials PRIVATE vfe_materials)
add_executable(test_loads ${CMAKE_CURRENT_SOURCE_DIR}/test_loads.c)
target_link_libraries(test_loads PRIVATE vfe_solver)
add_test(NAME unit_materials COMMAND test_materials)
add_test(NAME unit_loads COMMAND test_loads)
set_tests_properties(unit_materials unit_loads PROPERTIES LABELS unit ENVIRONMENT "${VFE_TEST_ENV}")

# the layering: solver/ without mesh, materials or Gmsh headers; library symbols only from below
add_test(NAME structure_layers COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/structure.sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
set_tests_properties(structure_layers PROPERTIES LABELS unit)

# util/file.c (issue 8, B.1): exclusive .part files that never follow a planted link, the output directory's lock
add_executable(test_file ${CMAKE_CURRENT_SOURCE_DIR}/test_file.c)
target_link_libraries(test_file PRIVATE vfe_util)
add_test(NAME unit_file COMMAND test_file ${CMAKE_CURRENT_BINARY_DIR}/unit_file)
set_tests_properties(unit_file PROPERTIES LABELS "unit;badinput" ENVIRONMENT "${VFE_TEST_ENV}")

# postproc/motion.c's rigid-body fit (a known rigid motion per level recovered to 1e-10, signs, ROM) and the follower
# path of solver/loads.c, on the simple segment; 1 and 2 ranks
add_executable(test_motion ${CMAKE_CURRENT_SOURCE_DIR}/test_motion.c)
target_link_libraries(test_motion PRIVATE vfe_postproc)
add_test(NAME unit_motion COMMAND test_motion)
add_test(NAME unit_motion_mpi COMMAND ${VFE_MPIEXEC} -n 2 $<TARGET_FILE:test_motion> -order 2)
set_tests_properties(unit_motion PROPERTIES LABELS unit ENVIRONMENT "${VFE_TEST_ENV}")
set_tests_properties(unit_motion_mpi PROPERTIES LABELS "unit;mpi" PROCESSORS 2 ENVIRONMENT "${VFE_TEST_ENV}")
foreach(t unit_motion unit_motion_mpi)
  set_tests_properties(${t} PROPERTIES WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${t})
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${t})
endforeach()

# mesh/interp.c: VfeMeshInterpolate builds the same interpolated DMPlex as DMPlexInterpolate (cones, orientations,
# closures, cell types, labels, coordinates) on a distorted box and the two blocks; one process, and distributed on
# 2 and 4 ranks (also the point SF and the interface orientation)
add_executable(test_interp ${CMAKE_CURRENT_SOURCE_DIR}/test_interp.c)
target_link_libraries(test_interp PRIVATE vfe_mesh)
add_test(NAME unit_mesh_interp COMMAND test_interp)
add_test(NAME unit_mesh_interp_mpi2 COMMAND ${VFE_MPIEXEC} -n 2 $<TARGET_FILE:test_interp>)
add_test(NAME unit_mesh_interp_mpi4 COMMAND ${VFE_MPIEXEC} -n 4 $<TARGET_FILE:test_interp>)
set_tests_properties(unit_mesh_interp PROPERTIES LABELS unit ENVIRONMENT "${VFE_TEST_ENV}")
set_tests_properties(unit_mesh_interp_mpi2 PROPERTIES LABELS "unit;mpi" PROCESSORS 2 ENVIRONMENT "${VFE_TEST_ENV}")
set_tests_properties(unit_mesh_interp_mpi4 PROPERTIES LABELS "unit;mpi" PROCESSORS 4 ENVIRONMENT "${VFE_TEST_ENV}")
# a failed collective PETSc check can leave the ranks out of step: fail by time rather than hang
set_tests_properties(unit_mesh_interp_mpi2 unit_mesh_interp_mpi4 PROPERTIES TIMEOUT 300)
foreach(t unit_mesh_interp unit_mesh_interp_mpi2 unit_mesh_interp_mpi4)
  set_tests_properties(${t} PROPERTIES WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${t})
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${t})
endforeach()
