# DUET_STATIC_ABSL: this build's programs (the `duet` command, the tests and
# benchmarks) link abseil's static archives instead of its shared objects.
#
# Why: Debian ships each abseil piece as its own shared object, about 35 of
# them in a process running `duet`, and every dynamic symbol lookup (libnode
# binds ~56,000 at start) walks all of them; a cold `duet call` spent ~7 ms
# more in the loader and ~7 ms more in the kernel than a program starting
# only the engines. With the archives abseil is resolved at link time.
#
# Only the locations of the imported absl:: targets change, in this build.
# libduet's exported interface still names absl::status and the others, which
# a consumer resolves with its own find_package(absl) or pkg-config, as
# before; the installed libduet.a holds no abseil code either way.
#
# Off by default when libduet is shared (its abseil would then be a second
# copy beside the consumer's) and when duet is a subproject (the parent's
# abseil targets are the parent's to choose); on when every archive exists.

# The archive beside a shared abseil library (libabsl_x.so.N -> libabsl_x.a),
# or "" when there is none.
function(duet_abseil_archive_of shared_path out_var)
  string(REGEX REPLACE "\\.so(\\.[0-9.]+)?$" ".a" archive "${shared_path}")
  if(archive STREQUAL shared_path OR NOT EXISTS "${archive}")
    set(archive "")
  endif()
  set(${out_var} "${archive}" PARENT_SCOPE)
endfunction()

# absl:: targets defined as imported shared libraries in this directory.
function(duet_shared_abseil_targets out_var)
  get_directory_property(imported IMPORTED_TARGETS)
  set(shared)
  foreach(target IN LISTS imported)
    if(target MATCHES "^absl::")
      get_target_property(type ${target} TYPE)
      if(type STREQUAL "SHARED_LIBRARY")
        list(APPEND shared ${target})
      endif()
    endif()
  endforeach()
  set(${out_var} "${shared}" PARENT_SCOPE)
endfunction()

# The imported locations of `target` as "PROPERTY=path" pairs, one for each
# configuration it was exported with (and the configuration-free one).
function(duet_imported_locations target out_var)
  get_target_property(configs ${target} IMPORTED_CONFIGURATIONS)
  set(pairs)
  foreach(config IN LISTS configs ITEMS "")
    if(config STREQUAL "")
      set(property IMPORTED_LOCATION)
    else()
      string(TOUPPER "${config}" config)
      set(property IMPORTED_LOCATION_${config})
    endif()
    get_target_property(location ${target} ${property})
    if(location)
      list(APPEND pairs "${property}=${location}")
    endif()
  endforeach()
  set(${out_var} "${pairs}" PARENT_SCOPE)
endfunction()

duet_shared_abseil_targets(duet_shared_abseil)
set(duet_static_absl_default OFF)
if(PROJECT_IS_TOP_LEVEL AND NOT BUILD_SHARED_LIBS AND duet_shared_abseil)
  set(duet_static_absl_default ON)
  foreach(target IN LISTS duet_shared_abseil)
    duet_imported_locations(${target} pairs)
    foreach(pair IN LISTS pairs)
      string(REGEX REPLACE "^[^=]*=" "" location "${pair}")
      duet_abseil_archive_of("${location}" archive)
      if(NOT archive)
        set(duet_static_absl_default OFF)
      endif()
    endforeach()
  endforeach()
endif()
option(DUET_STATIC_ABSL
  "Link abseil's static archives into this build's programs (faster start)"
  ${duet_static_absl_default})

if(DUET_STATIC_ABSL AND BUILD_SHARED_LIBS)
  message(FATAL_ERROR "DUET_STATIC_ABSL needs BUILD_SHARED_LIBS=OFF: a shared "
          "libduet would carry its own copy of abseil beside the application's")
endif()
if(DUET_STATIC_ABSL)
  set(duet_missing_archives)
  foreach(target IN LISTS duet_shared_abseil)
    duet_imported_locations(${target} pairs)
    foreach(pair IN LISTS pairs)
      string(REGEX MATCH "^[^=]*" property "${pair}")
      string(REGEX REPLACE "^[^=]*=" "" location "${pair}")
      duet_abseil_archive_of("${location}" archive)
      if(archive)
        set_target_properties(${target} PROPERTIES ${property} "${archive}")
      else()
        list(APPEND duet_missing_archives "${location}")
      endif()
    endforeach()
  endforeach()
  if(duet_missing_archives)
    message(FATAL_ERROR "DUET_STATIC_ABSL: no static archive beside "
            "${duet_missing_archives}; install abseil's .a files or set "
            "DUET_STATIC_ABSL=OFF")
  endif()
  message(STATUS "duet links abseil's static archives (DUET_STATIC_ABSL)")
endif()
unset(duet_shared_abseil)
unset(duet_static_absl_default)
