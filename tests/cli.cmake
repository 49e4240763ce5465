# End-to-end tests of the vfe command: bad input, default case, rank-count agreement, ParaView.
add_test(NAME cli_bad_input COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/bad_input.sh $<TARGET_FILE:vfe> ${CMAKE_CURRENT_BINARY_DIR}/cli_bad_input)
set_tests_properties(cli_bad_input PROPERTIES LABELS unit ENVIRONMENT "${VFE_TEST_ENV}")

add_test(NAME mpi_agree_p1 COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi_agree.sh $<TARGET_FILE:vfe> ${MPIEXEC_EXECUTABLE}
                                   ${CMAKE_CURRENT_BINARY_DIR}/mpi_agree_p1 simple)
add_test(NAME mpi_agree_p2 COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi_agree.sh $<TARGET_FILE:vfe> ${MPIEXEC_EXECUTABLE}
                                   ${CMAKE_CURRENT_BINARY_DIR}/mpi_agree_p2 simple)
set_tests_properties(mpi_agree_p1 mpi_agree_p2 PROPERTIES LABELS "mpi;verify" ENVIRONMENT "${VFE_TEST_ENV}")
set_tests_properties(mpi_agree_p2 PROPERTIES ENVIRONMENT "${VFE_TEST_ENV};ORDER=2")

# the default case on 2 ranks, then ParaView opens its fields and checks names and ranges
add_test(NAME run_default_case COMMAND ${VFE_MPIEXEC} -n 2 $<TARGET_FILE:vfe> run -mesh_geometry simple -mesh_size_mm 4
                                       -output_dir ${CMAKE_CURRENT_BINARY_DIR}/run_default_case)
set_tests_properties(run_default_case PROPERTIES LABELS "regression;mpi" ENVIRONMENT "${VFE_TEST_ENV}" FIXTURES_SETUP default_run)
find_program(VFE_PVPYTHON pvpython)
if(VFE_PVPYTHON)
  add_test(NAME run_default_paraview
           COMMAND ${VFE_PVPYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/pv_check.py ${CMAKE_CURRENT_BINARY_DIR}/run_default_case/fields.hdf
                   --point displacement:3 --cell stress:6 --cell von_mises:1 --cell min_principal:1 --cell strain_energy_density:1
                   --cell strain:6 --cell region:1 --range von_mises 0.01 20 --within=min_principal:-20:5 --range region 0 5
                   --within=displacement:-3:3)
  set_tests_properties(run_default_paraview PROPERTIES LABELS regression FIXTURES_REQUIRED default_run)
endif()

# vfe mesh on 2 ranks: mesh.msh, mesh.hdf (ParaView, region ids) and mesh.json
set(_pv none)
if(VFE_PVPYTHON)
  set(_pv ${VFE_PVPYTHON})
endif()
add_test(NAME mesh_command_outputs COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mesh_outputs.sh $<TARGET_FILE:vfe>
                                           ${CMAKE_CURRENT_BINARY_DIR}/mesh_command_outputs ${_pv} ${VFE_MPIEXEC})
set_tests_properties(mesh_command_outputs PROPERTIES LABELS "regression;mpi" ENVIRONMENT "${VFE_TEST_ENV}")

# load cases: force and moment equilibrium for every moment direction and a preset
add_test(NAME loads_equilibrium COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/loads.sh $<TARGET_FILE:vfe> ${CMAKE_CURRENT_BINARY_DIR}/loads_equilibrium)
set_tests_properties(loads_equilibrium PROPERTIES LABELS verify ENVIRONMENT "${VFE_TEST_ENV}")

# materials: bone quality, QCT density law, diffuse composite, fractured level
add_test(NAME materials_quality COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/materials.sh $<TARGET_FILE:vfe> ${CMAKE_CURRENT_BINARY_DIR}/materials_quality)
set_tests_properties(materials_quality PROPERTIES LABELS unit ENVIRONMENT "${VFE_TEST_ENV}")

# the command line as an argument vector: spaces, "--", stray arguments; one error line on 2 ranks
add_test(NAME cli_args COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_args.sh $<TARGET_FILE:vfe> ${CMAKE_CURRENT_BINARY_DIR}/cli_args
                               ${VFE_MPIEXEC})
set_tests_properties(cli_args PROPERTIES LABELS "unit;mpi" ENVIRONMENT "${VFE_TEST_ENV}")

# range of motion, disc load share and the follower load (issue 10): rom in summary.json and metrics.csv, flexion and
# extension of opposite sign, 1 and 2 ranks agree, disc share ~1, follower = plain load on the straight column, sweep columns
add_test(NAME rom_load_share COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/rom.sh $<TARGET_FILE:vfe> ${CMAKE_CURRENT_BINARY_DIR}/rom_load_share
                                     ${VFE_MPIEXEC})
set_tests_properties(rom_load_share PROPERTIES LABELS "regression;mpi" PROCESSORS 2 ENVIRONMENT "${VFE_TEST_ENV}" TIMEOUT 120)

# the osteoligamentous segment's quick case (issue 10): L1-L2 with posterior elements, facets, ligaments and fibres
# at 5 mm P1, flexion and extension, the model_* switches, bad input (tests/structures.sh)
add_test(NAME structures_quick COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/structures.sh $<TARGET_FILE:vfe>
                                       ${CMAKE_CURRENT_BINARY_DIR}/structures_quick ${VFE_MPIEXEC})
set_tests_properties(structures_quick PROPERTIES LABELS "regression;mpi" PROCESSORS 2 ENVIRONMENT "${VFE_TEST_ENV}" TIMEOUT 600)

# segment_posterior_elements left unset: on under a moment or with a wedge fracture, off under a compressive load
# alone; the case's own value wins; a sweep with one moment case has them in every case (tests/posterior_default.sh)
add_test(NAME posterior_default COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/posterior_default.sh $<TARGET_FILE:vfe>
                                        ${CMAKE_CURRENT_BINARY_DIR}/posterior_default)
set_tests_properties(posterior_default PROPERTIES LABELS regression ENVIRONMENT "${VFE_TEST_ENV}" TIMEOUT 300)

# the full L1-L3 at 5 mm P2 on 2 ranks under the four moments: every load runs, GAMG's hierarchy built anew once the
# contact pairs open, at most 3x the linear solve's Krylov iterations, the same ROM as with the hierarchy kept
# (tests/structures_p2.sh; about 2 minutes on 2 cores, so slow)
add_test(NAME structures_p2_moments COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/structures_p2.sh $<TARGET_FILE:vfe>
                                            ${CMAKE_CURRENT_BINARY_DIR}/structures_p2_moments ${VFE_MPIEXEC})
set_tests_properties(structures_p2_moments PROPERTIES LABELS "verify;mpi;slow" PROCESSORS 2 ENVIRONMENT "${VFE_TEST_ENV}"
                                                      TIMEOUT 1200)
