# Segment mesher (mesh/segment.c, mesh/cement.c): volumes, fill-ratio grid, contact flags,
# quality, determinism, bad input.  The variants (fused H, leaks, wedge, other level ranges) are
# labelled slow.
foreach(t segment_basic segment_fill segment_posterior)
  add_executable(test_${t} ${CMAKE_CURRENT_SOURCE_DIR}/test_${t}.c)
  target_link_libraries(test_${t} PRIVATE vfe_mesh)
endforeach()

add_test(NAME segment_volumes COMMAND test_segment_basic -test_part volumes)
add_test(NAME segment_bad_input COMMAND test_segment_basic -test_part bad)
# Determinism: the same case twice in one process (segment_determinism_inprocess) and in two fresh
# processes run at the same time, address-space randomisation on (segment_determinism): HXT gets
# the surface nodes in tag order (mesh/hxt.c), so neither heap layout nor load changes the mesh.
add_test(NAME segment_determinism
         COMMAND sh -c "\"$0\" -test_part hash > det_a.txt & \"$0\" -test_part hash > det_b.txt; wait; a=$(grep '^mesh hash' det_a.txt); b=$(grep '^mesh hash' det_b.txt); echo \"run 1: $a\"; echo \"run 2: $b\"; test -n \"$a\" && test \"$a\" = \"$b\""
                 $<TARGET_FILE:test_segment_basic>)
add_test(NAME segment_determinism_inprocess COMMAND test_segment_basic -test_part determinism)
# the Delaunay 3D path (mesh_volume_mesher delaunay; also HXT's fallback): meshes, fill, reproducible
add_test(NAME segment_delaunay
         COMMAND sh -c "\"$0\" -test_part hash -mesh_volume_mesher delaunay > del_a.txt & \"$0\" -test_part hash -mesh_volume_mesher delaunay > del_b.txt; wait; a=$(grep '^mesh hash' del_a.txt); b=$(grep '^mesh hash' del_b.txt); echo \"run 1: $a\"; echo \"run 2: $b\"; test -n \"$a\" && test \"$a\" = \"$b\""
                 $<TARGET_FILE:test_segment_basic>)
set_tests_properties(segment_volumes segment_bad_input PROPERTIES LABELS unit ENVIRONMENT "${VFE_TEST_ENV}")
set_tests_properties(segment_determinism segment_determinism_inprocess segment_delaunay PROPERTIES LABELS verify
                     ENVIRONMENT "${VFE_TEST_ENV}")

# posterior elements and facet joints (issue 10, geometry): L1-L2 at 5 mm, regions, facet surfaces and gap, the
# 18 ligament attachment points, a mesh without point groups
add_test(NAME segment_posterior COMMAND test_segment_posterior)
set_tests_properties(segment_posterior PROPERTIES LABELS unit ENVIRONMENT "${VFE_TEST_ENV}"
                     FIXTURES_SETUP segment_posterior_msh)
# the point groups and group tables are the same on every rank (the mesh of segment_posterior on 2 ranks)
add_test(NAME segment_posterior_mpi COMMAND ${VFE_MPIEXEC} -n 2 $<TARGET_FILE:test_segment_posterior>
         -test_load test_segment_posterior.msh)
set_tests_properties(segment_posterior_mpi PROPERTIES LABELS mpi ENVIRONMENT "${VFE_TEST_ENV}" PROCESSORS 2
                     FIXTURES_REQUIRED segment_posterior_msh)

# segment_posterior_elements false (the default) leaves the default case's mesh as it was before posterior elements
# existed: `vfe mesh` with the built-in case (3 mm) must report the hash recorded then.  The hash holds for one build
# and CPU type (see mesh_threads in docs/user-guide.md): on another machine re-record it from a checkout before
# issue 10 instead of reading a failure here as a regression.
add_test(NAME segment_posterior_off_hash
         COMMAND sh -c "\"$0\" mesh -segment_posterior_elements false -output_dir posterior_off_hash > posterior_off_hash.txt 2>&1; grep 'hash' posterior_off_hash.txt; grep -q 'hash b18073333e05a43a' posterior_off_hash.txt"
                 $<TARGET_FILE:vfe>)
set_tests_properties(segment_posterior_off_hash PROPERTIES LABELS verify ENVIRONMENT "${VFE_TEST_ENV}")

# default case (L1-L3, bipedicular 25 %, 1.5 mm)
add_test(NAME segment_default COMMAND test_segment_fill -test_msh segment_default.msh)
set_tests_properties(segment_default PROPERTIES LABELS verify ENVIRONMENT "${VFE_TEST_ENV}")

# full grid: every pattern x 5, 10, 20, 30, 40 % (fill within 0.5 pt, quality thresholds, contact
# flags for compact (neither endplate) and endplate_bridging (both)); about 2 minutes on 2 cores
foreach(pat compact bipedicular unipedicular endplate_bridging diffuse)
  foreach(r 0.05 0.10 0.20 0.30 0.40)
    set(touch any)
    if(pat STREQUAL "compact")
      set(touch none)
    elseif(pat STREQUAL "endplate_bridging")
      set(touch both)
    endif()
    add_test(NAME segment_grid_${pat}_${r} COMMAND test_segment_fill -cement_pattern ${pat} -cement_fill_ratio ${r}
             -mesh_size_mm 2.5 -test_touch ${touch} -test_msh segment_grid_${pat}_${r}.msh)
    set_tests_properties(segment_grid_${pat}_${r} PROPERTIES LABELS verify ENVIRONMENT "${VFE_TEST_ENV}")
  endforeach()
endforeach()

# a coarse mesh whose first surface mesh crosses itself (Gmsh 4.8, 40 % bipedicular cement at 5 mm: the volume
# mesher's PLC error "a segment and a facet intersect"): the mesher meshes the surfaces again with Gmsh's other
# surface algorithms (Delaunay 2D, MeshAdapt) and the case meshes; the 1st-percentile quality of so coarse a mesh
# is lower than the grid's
add_test(NAME segment_coarse_retry COMMAND test_segment_fill -cement_pattern bipedicular -cement_fill_ratio 0.40
         -mesh_size_mm 5 -test_touch any -test_q01 0.05 -test_msh segment_coarse_retry.msh)
set_tests_properties(segment_coarse_retry PROPERTIES LABELS verify ENVIRONMENT "${VFE_TEST_ENV}")

# variants: fused H, leaks, wedge fracture, other level ranges, posterior elements (fill, quality with them)
set(_var "h:-cement_fused|true" "leak_intradiscal:-cement_leak|intradiscal" "leak_anterior:-cement_leak|anterior"
         "wedge:-fracture_wedge|0.3" "t12l2:-segment_levels|T12-L2" "l4l5:-segment_levels|L4-L5"
         "posterior:-segment_posterior_elements|true"
         "posterior_leak_wedge:-segment_posterior_elements|true|-cement_leak|anterior|-fracture_wedge|0.3"
         "posterior_l4l5:-segment_posterior_elements|true|-segment_levels|L4-L5")
foreach(v ${_var})
  string(FIND "${v}" ":" colon)
  string(SUBSTRING "${v}" 0 ${colon} name)
  math(EXPR colon "${colon} + 1")
  string(SUBSTRING "${v}" ${colon} -1 args)
  string(REPLACE "|" ";" args "${args}")
  add_test(NAME segment_variant_${name} COMMAND test_segment_fill ${args} -mesh_size_mm 2.5
           -test_msh segment_variant_${name}.msh)
  set_tests_properties(segment_variant_${name} PROPERTIES LABELS "verify;slow" ENVIRONMENT "${VFE_TEST_ENV}")
endforeach()
