# The sanitizer build (issue 8, B.9): a second tree in build/asan with -DVFE_SANITIZE=ON, running
# the unit, verify and bad-input tests there (tests/sanitize.sh).  Not inside a sanitized tree.
if(NOT VFE_SANITIZE)
  add_test(NAME sanitize_build COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sanitize.sh ${CMAKE_SOURCE_DIR}
                                       ${CMAKE_BINARY_DIR}/asan)
  set_tests_properties(sanitize_build PROPERTIES LABELS sanitize ENVIRONMENT "${VFE_TEST_ENV}" PROCESSORS 2
                                                 TIMEOUT 1200)
endif()
