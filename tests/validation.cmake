# Validation against published behaviour (VALIDATION.md items 1-6; docs/validation.md, last section):
# 15 vfe cases on the default 3 mm P2 mesh (about 40 min on 2 cores), then tests/validation/validate.py.
# Fails if a case does not run or a structural check fails; literature disagreements are only reported.
# To refresh the docs section: VALIDATION_WRITE_DOCS=1 bash tests/validation/run_validation.sh VFE WORKDIR
add_test(NAME validation COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/validation/run_validation.sh $<TARGET_FILE:vfe>
                                 ${CMAKE_CURRENT_BINARY_DIR}/validation)
set_tests_properties(validation PROPERTIES LABELS slow ENVIRONMENT "${VFE_TEST_ENV}" TIMEOUT 5400)
