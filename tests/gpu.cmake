# The device path against the CPU (issue 12), label gpu: only in CUDA builds (-DVFE_ENABLE_CUDA=ON against a PETSc with
# CUDA).  Without a CUDA device each test is reported as skipped (exit 77 from tests/gpu_agree.sh, with the reason),
# never as passed.
if(VFE_ENABLE_CUDA AND VFE_PETSC_HAVE_CUDA)
  foreach(mode verify simple segment)
    add_test(NAME gpu_agree_${mode} COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/gpu_agree.sh ${mode} $<TARGET_FILE:vfe>
                                            $<TARGET_FILE:test_verify> ${CMAKE_CURRENT_BINARY_DIR}/gpu_agree_${mode})
    set_tests_properties(gpu_agree_${mode} PROPERTIES LABELS gpu SKIP_RETURN_CODE 77 ENVIRONMENT "${VFE_TEST_ENV}" TIMEOUT 900)
  endforeach()
endif()
