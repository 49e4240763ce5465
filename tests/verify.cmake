# Verification against exact answers (VALIDATION.md), label verify.
add_executable(test_verify ${CMAKE_CURRENT_SOURCE_DIR}/test_verify.c)
target_link_libraries(test_verify PRIVATE vfe_postproc)
set(VFE_TIGHT -ksp_rtol 1e-12)
add_test(NAME verify_patch_p1 COMMAND test_verify patch -order 1 ${VFE_TIGHT})
add_test(NAME verify_patch_p2 COMMAND test_verify patch -order 2 ${VFE_TIGHT})
add_test(NAME verify_mms_p1 COMMAND test_verify mms -order 1 ${VFE_TIGHT})
add_test(NAME verify_mms_p2 COMMAND test_verify mms -order 2 ${VFE_TIGHT})
add_test(NAME verify_column_p1 COMMAND test_verify column -order 1 ${VFE_TIGHT})
add_test(NAME verify_lame_nu03 COMMAND test_verify lame -nu 0.3 -ksp_rtol 1e-10)
# nu = 0.4999, the default P2 form (B-bar, CG + p-multigrid): kappa/mu = 5000 still costs iterations; rtol 1e-6 is plenty for 1 %
add_test(NAME verify_lame_nu04999 COMMAND test_verify lame -nu 0.4999 -ksp_rtol 1e-6)
# the mixed u-p form: nu = 0.3, 0.49, 0.4999, 0.49999 within 1 %, iterations at 0.49999 <= 1.5x those at 0.3
add_test(NAME verify_lame_mixed_robust COMMAND test_verify lame_robust -ksp_rtol 1e-8)
# confined compression of a nearly incompressible block: pressure = applied stress, no checkerboard
add_test(NAME verify_confined_mixed COMMAND test_verify confined -nu 0.4999 -vfe_formulation mixed -ksp_rtol 1e-10)
add_test(NAME verify_confined_bbar COMMAND test_verify confined -nu 0.4999 -ksp_rtol 1e-10)
add_test(NAME verify_patch_p2_mpi COMMAND ${VFE_MPIEXEC} -n 2 $<TARGET_FILE:test_verify> patch -order 2 ${VFE_TIGHT})
set_tests_properties(verify_patch_p1 verify_patch_p2 verify_mms_p1 verify_mms_p2 verify_column_p1 verify_lame_nu03 verify_lame_nu04999
                     verify_lame_mixed_robust verify_confined_mixed verify_confined_bbar PROPERTIES LABELS verify ENVIRONMENT "${VFE_TEST_ENV}")
set_tests_properties(verify_patch_p2_mpi PROPERTIES LABELS "verify;mpi" ENVIRONMENT "${VFE_TEST_ENV}")
foreach(t verify_patch_p1 verify_patch_p2 verify_mms_p1 verify_mms_p2 verify_column_p1 verify_lame_nu03 verify_lame_nu04999 verify_patch_p2_mpi
          verify_lame_mixed_robust verify_confined_mixed verify_confined_bbar)
  set_tests_properties(${t} PROPERTIES WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${t})
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${t})
endforeach()

# the same answer by every path: p-multigrid and plain GAMG, B-bar and mixed, baseline on the reused hierarchy
add_test(NAME verify_paths_agree COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/paths_agree.sh $<TARGET_FILE:vfe> ${CMAKE_CURRENT_BINARY_DIR}/verify_paths_agree)
set_tests_properties(verify_paths_agree PROPERTIES LABELS verify ENVIRONMENT "${VFE_TEST_ENV}")
# the P2 smoother's vertex-star patches take >= 20 % fewer iterations on the segment (4 mm, 2 ranks)
add_test(NAME verify_patch_iterations COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/patch_iterations.sh $<TARGET_FILE:vfe>
                                              ${CMAKE_CURRENT_BINARY_DIR}/verify_patch_iterations ${VFE_MPIEXEC})
set_tests_properties(verify_patch_iterations PROPERTIES LABELS "verify;mpi" ENVIRONMENT "${VFE_TEST_ENV}")

# Default segment, P2 at 5, 4 and 3 mm (the default): the stiffness of the two finest meshes differs by
# less than 2 %; the table of docs/validation.md ("Mesh convergence") comes from the same script.
add_test(NAME verify_segment_convergence
         COMMAND env VFE=$<TARGET_FILE:vfe> bash ${CMAKE_SOURCE_DIR}/bench/convergence.sh --fresh --sizes "5 4 3"
                 --work ${CMAKE_CURRENT_BINARY_DIR}/verify_segment_convergence)
set_tests_properties(verify_segment_convergence PROPERTIES LABELS "verify;slow" ENVIRONMENT "${VFE_TEST_ENV}" TIMEOUT 2400)

# springs and contact (solver/members.c): two blocks, compression and tension; annulus fibres (solver/fibres.c): a
# column, slack and taut; on 1, 2 and 4 ranks
add_executable(test_members ${CMAKE_CURRENT_SOURCE_DIR}/test_members.c)
target_link_libraries(test_members PRIVATE vfe_postproc)
add_test(NAME verify_members_p1 COMMAND test_members -order 1 ${VFE_TIGHT})
add_test(NAME verify_members_p2 COMMAND test_members -order 2 ${VFE_TIGHT})
add_test(NAME verify_members_p2_mpi2 COMMAND ${VFE_MPIEXEC} -n 2 $<TARGET_FILE:test_members> -order 2 ${VFE_TIGHT})
add_test(NAME verify_members_p1_mpi4 COMMAND ${VFE_MPIEXEC} -n 4 $<TARGET_FILE:test_members> -order 1 ${VFE_TIGHT})
set_tests_properties(verify_members_p1 verify_members_p2 PROPERTIES LABELS verify ENVIRONMENT "${VFE_TEST_ENV}")
set_tests_properties(verify_members_p2_mpi2 verify_members_p1_mpi4 PROPERTIES LABELS "verify;mpi" ENVIRONMENT "${VFE_TEST_ENV}")
foreach(t verify_members_p1 verify_members_p2 verify_members_p2_mpi2 verify_members_p1_mpi4)
  set_tests_properties(${t} PROPERTIES WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${t})
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${t})
endforeach()

# per-cell Young's modulus (the route of density-mapped CT bone): a two-layer column against the Reuss sum, P1 and
# P2 (with the p-multigrid's P1 level), 1 and 2 ranks
add_executable(test_cellmodulus ${CMAKE_CURRENT_SOURCE_DIR}/test_cellmodulus.c)
target_link_libraries(test_cellmodulus PRIVATE vfe_postproc)
add_test(NAME verify_cellmodulus_p1 COMMAND test_cellmodulus -order 1 ${VFE_TIGHT})
add_test(NAME verify_cellmodulus_p2_mpi2 COMMAND ${VFE_MPIEXEC} -n 2 $<TARGET_FILE:test_cellmodulus> -order 2 ${VFE_TIGHT})
set_tests_properties(verify_cellmodulus_p1 PROPERTIES LABELS verify ENVIRONMENT "${VFE_TEST_ENV}")
set_tests_properties(verify_cellmodulus_p2_mpi2 PROPERTIES LABELS "verify;mpi" ENVIRONMENT "${VFE_TEST_ENV}")
foreach(t verify_cellmodulus_p1 verify_cellmodulus_p2_mpi2)
  set_tests_properties(${t} PROPERTIES WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${t})
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${t})
endforeach()
