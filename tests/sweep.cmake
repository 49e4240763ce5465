# vfe sweep (app/sweep.c, postproc/sweeptable.c): the sweep logic behind a fake case runner (fast, 1 and 2 ranks), and a
# real 2 x 2 study on the simple geometry.
add_executable(test_sweep ${CMAKE_CURRENT_SOURCE_DIR}/test_sweep.c)
target_link_libraries(test_sweep PRIVATE vfe_app)

add_test(NAME sweep_logic COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_sweep.sh $<TARGET_FILE:test_sweep>
                                  ${CMAKE_CURRENT_BINARY_DIR}/sweep_logic fake)
set_tests_properties(sweep_logic PROPERTIES LABELS unit ENVIRONMENT "${VFE_TEST_ENV}" TIMEOUT 120)

add_test(NAME sweep_logic_mpi COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_sweep.sh $<TARGET_FILE:test_sweep>
                                      ${CMAKE_CURRENT_BINARY_DIR}/sweep_logic_mpi fake)
set_tests_properties(sweep_logic_mpi PROPERTIES LABELS "unit;mpi" PROCESSORS 2 TIMEOUT 180
                     ENVIRONMENT "${VFE_TEST_ENV};SWEEP_LAUNCH=${MPIEXEC_EXECUTABLE} --oversubscribe -n 2")

add_test(NAME sweep_regression COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_sweep.sh $<TARGET_FILE:vfe>
                                       ${CMAKE_CURRENT_BINARY_DIR}/sweep_regression)
set_tests_properties(sweep_regression PROPERTIES LABELS regression ENVIRONMENT "${VFE_TEST_ENV}" TIMEOUT 90 SKIP_RETURN_CODE 77)

# plots without a shell (issue 8, B.5): hostile vary values and output dir run no command and inject no script line
add_test(NAME sweep_hostile_plots COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sweep_hostile.sh $<TARGET_FILE:test_sweep>
                                          ${CMAKE_CURRENT_BINARY_DIR}/sweep_hostile_plots)
set_tests_properties(sweep_hostile_plots PROPERTIES LABELS "unit;badinput" ENVIRONMENT "${VFE_TEST_ENV}" TIMEOUT 120)

# sweep cases on one mesh reuse the first case's hierarchy; the answers equal a fresh run's
add_test(NAME sweep_reuse COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sweep_reuse.sh $<TARGET_FILE:vfe>
                                  ${CMAKE_CURRENT_BINARY_DIR}/sweep_reuse)
set_tests_properties(sweep_reuse PROPERTIES LABELS "verify;regression" ENVIRONMENT "${VFE_TEST_ENV}")
