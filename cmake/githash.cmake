# Writes OUT (a header with VFE_GIT_HASH) from `git rev-parse` in SRC, only when it changes, so
# that every build records the commit it was built from (run by the vfe_githash target).
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SRC} OUTPUT_VARIABLE h
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${SRC} OUTPUT_VARIABLE dirty
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT h)
  set(h unknown)
elseif(dirty)
  set(h "${h}-dirty")
endif()
set(text "/* Generated at build time by cmake/githash.cmake. */\n#pragma once\n#define VFE_GIT_HASH \"${h}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUT} "${text}")
endif()
