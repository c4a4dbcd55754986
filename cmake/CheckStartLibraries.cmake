# cmake -DBINARY=<program> -DSTATIC_ABSL=ON|OFF -P CheckStartLibraries.cmake
#
# Checks the shared libraries a program asks the loader for (DT_NEEDED), the
# order in which the loader searches every symbol: libnode.so.108 and then
# libpython come first, and with DUET_STATIC_ABSL no abseil shared object is
# needed at all. Both keep a cold `duet call` close to a program that only
# starts the engines.
find_program(READELF readelf REQUIRED)
execute_process(COMMAND ${READELF} -d "${BINARY}"
  OUTPUT_VARIABLE dynamic RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "readelf -d ${BINARY} failed (${result})")
endif()
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*\\[[^]\n]*\\]" entries "${dynamic}")
set(needed)
foreach(entry IN LISTS entries)
  string(REGEX REPLACE ".*\\[([^]]*)\\]$" "\\1" library "${entry}")
  # A sanitizer's runtime must come first of all (DUET_SANITIZE builds).
  if(NOT library MATCHES "^lib(asan|ubsan|tsan|lsan)\\.so")
    list(APPEND needed "${library}")
  endif()
endforeach()
list(JOIN needed " " needed_text)
message(STATUS "${BINARY} needs: ${needed_text}")
list(LENGTH needed count)
if(count LESS 2)
  message(FATAL_ERROR "${BINARY} needs fewer than two libraries")
endif()
list(GET needed 0 first)
list(GET needed 1 second)
if(NOT first STREQUAL "libnode.so.108" OR NOT second MATCHES "^libpython")
  message(FATAL_ERROR "${BINARY} needs ${first} and ${second} first, not "
          "libnode.so.108 and libpython")
endif()
if(STATIC_ABSL AND needed_text MATCHES "libabsl_")
  message(FATAL_ERROR "${BINARY} needs abseil shared objects although "
          "DUET_STATIC_ABSL is on")
endif()
