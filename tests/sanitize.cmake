# The sanitizer build (issue 8, B.9): a second tree in build/asan with -DVFE_SANITIZE=ON, running
# the unit, verify and bad-input tests there (tests/sanitize.sh).  Not inside a sanitized tree.
# Label slow: the second build and the instrumented tests take ~9 min on 2 cores, which would take
# the default test run past its 15-minute budget.
if(NOT VFE_SANITIZE)
  add_test(NAME sanitize_build COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sanitize.sh ${CMAKE_SOURCE_DIR}
                                       ${CMAKE_BINARY_DIR}/asan)
  set_tests_properties(sanitize_build PROPERTIES LABELS "sanitize;slow" ENVIRONMENT "${VFE_TEST_ENV}" PROCESSORS 2
                                                 TIMEOUT 1200)
  # the quick subset in the default test run: unit tests and the bad-input corpus under the sanitizers
  add_test(NAME sanitize_quick COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sanitize.sh ${CMAKE_SOURCE_DIR}
                                       ${CMAKE_BINARY_DIR}/asan-quick --quick)
  set_tests_properties(sanitize_quick PROPERTIES LABELS "sanitize" ENVIRONMENT "${VFE_TEST_ENV}" PROCESSORS 2
                                                 TIMEOUT 1200)
endif()
