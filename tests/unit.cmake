# Unit tests (label unit): one component at a time, C executables linked against its library, no
# mesh generation or solve unless the unit is the solve.  Each asserts numbers or messages.
#   unit_keys       the key registry: patterns, type / choice / range checks, agreement with mesh/
#   docs_keys       docs/user-guide.md's key table equals `vfe help --markdown`
add_executable(test_keys ${CMAKE_CURRENT_SOURCE_DIR}/test_keys.c)
target_link_libraries(test_keys PRIVATE vfe_app)
add_test(NAME unit_keys COMMAND test_keys)
add_test(NAME docs_keys COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/docs_keys.sh $<TARGET_FILE:vfe> ${CMAKE_SOURCE_DIR}/docs/user-guide.md)
set_tests_properties(unit_keys docs_keys PROPERTIES LABELS unit ENVIRONMENT "${VFE_TEST_ENV}")
