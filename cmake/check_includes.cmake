# Layering: every project include ("dir/file.h") of the sources under DIR must match ALLOWED
# (a regex of path prefixes). Used at configure time (ebatch_check_includes) and as a test:
#   cmake -DDIR=runtime -DALLOWED="hw/contract/|common/|runtime/" -P cmake/check_includes.cmake
function(ebatch_scan_includes dir allowed)
  file(GLOB_RECURSE sources "${dir}/*.h" "${dir}/*.cpp")
  set(bad "")
  foreach(source IN LISTS sources)
    file(STRINGS "${source}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*" "\\1" header "${line}")
      if(header MATCHES "/" AND NOT header MATCHES "^(${allowed})")
        list(APPEND bad "${source}: ${header}")
      endif()
    endforeach()
  endforeach()
  if(bad)
    list(JOIN bad "\n  " text)
    message(FATAL_ERROR "layering: ${dir} may include only ${allowed}; found:\n  ${text}")
  endif()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE)
  ebatch_scan_includes("${DIR}" "${ALLOWED}")
endif()
