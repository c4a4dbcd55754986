# FindV8: V8 10.2 as shipped by Debian's libnode-dev / libnode108 (Node 18).
#
# Looks in third_party/libnode (unpacked by third_party/bootstrap.sh) and then in
# a system libnode-dev. /usr/include/node from a NodeSource nodejs carries other
# V8 headers (Node 20 / V8 11) that compile but crash against V8 10.2, so the
# headers are checked against the version the library reports.
#
# Result: imported target V8::V8, V8_VERSION, V8_LIBRARY_DIR.

set(_v8_roots "${CMAKE_CURRENT_LIST_DIR}/libnode/usr")
if(NOT V8_ROOT)
  list(APPEND _v8_roots "/usr")
else()
  set(_v8_roots "${V8_ROOT}")
endif()

foreach(_root IN LISTS _v8_roots)
  set(_inc "${_root}/include/node")
  set(_lib "${_root}/lib/${CMAKE_LIBRARY_ARCHITECTURE}/libnode.so.108")
  if(EXISTS "${_inc}/v8-version.h" AND EXISTS "${_lib}")
    set(V8_INCLUDE_DIR "${_inc}")
    set(V8_LIBRARY "${_lib}")
    break()
  endif()
endforeach()

if(V8_INCLUDE_DIR)
  file(STRINGS "${V8_INCLUDE_DIR}/v8-version.h" _v8_defs
       REGEX "^#define V8_(MAJOR|MINOR|BUILD)_(VERSION|NUMBER) ")
  foreach(_part MAJOR_VERSION MINOR_VERSION BUILD_NUMBER)
    string(REGEX REPLACE ".*V8_${_part} ([0-9]+).*" "\\1" _v8_${_part} "${_v8_defs}")
  endforeach()
  set(V8_VERSION "${_v8_MAJOR_VERSION}.${_v8_MINOR_VERSION}.${_v8_BUILD_NUMBER}")
  # libnode.so.108 is Node 18, built with V8 10.2; any other header set is a
  # mismatch that would crash at run time instead of failing here.
  if(NOT V8_VERSION MATCHES "^10\\.2\\.")
    message(FATAL_ERROR
      "V8 headers in ${V8_INCLUDE_DIR} are version ${V8_VERSION}, but "
      "${V8_LIBRARY} (libnode108) contains V8 10.2. Run third_party/bootstrap.sh "
      "or point V8_ROOT at a libnode-dev for libnode108.")
  endif()
  get_filename_component(V8_LIBRARY_DIR "${V8_LIBRARY}" DIRECTORY)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(V8
  REQUIRED_VARS V8_LIBRARY V8_INCLUDE_DIR
  VERSION_VAR V8_VERSION)

if(V8_FOUND AND NOT TARGET V8::V8)
  add_library(V8::V8 SHARED IMPORTED)
  set_target_properties(V8::V8 PROPERTIES
    IMPORTED_LOCATION "${V8_LIBRARY}"
    IMPORTED_NO_SONAME FALSE
    # Node 18 builds V8 without pointer compression or the sandbox, which is
    # what these headers assume when no V8_COMPRESS_POINTERS is defined.
    INTERFACE_INCLUDE_DIRECTORIES "${V8_INCLUDE_DIR}")
endif()

# libuv, for Node's embedding API (bindings/javascript/node_environment.cc
# turns a trusted plugin's loop): libnode108 links Debian's libuv1 and its
# node.h takes uv_loop_t*, so the headers come from libuv1-dev (the same
# libuv 1.44 libnode was built against). Result: imported target LibUV::LibUV.
if(NOT TARGET LibUV::LibUV)
  find_path(LIBUV_INCLUDE_DIR uv.h)
  find_library(LIBUV_LIBRARY NAMES uv)
  if(NOT LIBUV_INCLUDE_DIR OR NOT LIBUV_LIBRARY)
    message(FATAL_ERROR
      "libuv headers not found: trusted JavaScript plugins (Node.js) need "
      "Debian's libuv1-dev. Run third_party/bootstrap.sh.")
  endif()
  add_library(LibUV::LibUV SHARED IMPORTED)
  set_target_properties(LibUV::LibUV PROPERTIES
    IMPORTED_LOCATION "${LIBUV_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBUV_INCLUDE_DIR}")
endif()
