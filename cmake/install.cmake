# Install rules, the package config files, duet.pc and the Debian package.
include(CMakePackageConfigHelpers)

set(duet_config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/duet)
set(duet_libnode_dir ${CMAKE_INSTALL_LIBDIR}/duet)

# libnode108 from a system lib dir is Debian's and stays there; an unpacked
# copy (third_party/libnode, V8_ROOT) is installed beside libduet, where the
# installed binaries and duetConfig.cmake look for it first.
get_filename_component(duet_libnode_source_dir "${DUET_LIBNODE_LIBRARY}" DIRECTORY)
if(duet_libnode_source_dir MATCHES
   "^(/usr)?/lib(/${CMAKE_LIBRARY_ARCHITECTURE})?$")
  set(duet_bundle_libnode_default OFF)
else()
  set(duet_bundle_libnode_default ON)
endif()
option(DUET_INSTALL_LIBNODE "Install libnode.so.108 beside libduet"
       ${duet_bundle_libnode_default})
if(DUET_INSTALL_LIBNODE)
  file(REAL_PATH "${DUET_LIBNODE_LIBRARY}" duet_libnode_file)
  install(FILES "${duet_libnode_file}" DESTINATION ${duet_libnode_dir}
          RENAME libnode.so.108 COMPONENT libnode)
endif()

# Installed programs find the bundled libnode (and a shared libduet)
# relative to themselves, never in the source or build tree.
set_target_properties(duet PROPERTIES INSTALL_RPATH "$ORIGIN/duet")
install(TARGETS duet EXPORT duetTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY host/include/duet DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT development FILES_MATCHING PATTERN "*.h")
if(TARGET duet_cli)
  file(RELATIVE_PATH duet_bin_to_lib "/${CMAKE_INSTALL_BINDIR}"
       "/${CMAKE_INSTALL_LIBDIR}")
  set_target_properties(duet_cli PROPERTIES INSTALL_RPATH
    "$ORIGIN/${duet_bin_to_lib}/duet;$ORIGIN/${duet_bin_to_lib}")
  install(TARGETS duet_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          COMPONENT runtime)
endif()

install(EXPORT duetTargets NAMESPACE duet:: DESTINATION ${duet_config_dir}
        COMPONENT development)
set(DUET_CONFIG_NEEDS_LIBNODE 1)
configure_package_config_file(cmake/duetConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/cmake/install/duetConfig.cmake
  INSTALL_DESTINATION ${duet_config_dir})
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/cmake/duetConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/cmake/install/duetConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/cmake/duetConfigVersion.cmake
        DESTINATION ${duet_config_dir} COMPONENT development)

# The build tree as a package too (duet_DIR=<build>): it links libnode where
# this build found it.
export(EXPORT duetTargets NAMESPACE duet::
       FILE ${CMAKE_CURRENT_BINARY_DIR}/duetTargets.cmake)
set(DUET_CONFIG_NEEDS_LIBNODE 0)
configure_package_config_file(cmake/duetConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/duetConfig.cmake
  INSTALL_DESTINATION ${CMAKE_CURRENT_BINARY_DIR}
  INSTALL_PREFIX ${CMAKE_CURRENT_BINARY_DIR})
configure_file(${CMAKE_CURRENT_BINARY_DIR}/cmake/duetConfigVersion.cmake
               ${CMAKE_CURRENT_BINARY_DIR}/duetConfigVersion.cmake COPYONLY)

# duet.pc, relocatable: the prefix is found from the file's own place.
file(RELATIVE_PATH DUET_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" DUET_PC_TO_PREFIX "${DUET_PC_TO_PREFIX}")
# libduet.a needs every library its objects use on the link line, so they
# are all in Requires (not Requires.private, which plain --libs ignores).
set(DUET_PC_REQUIRES "absl_status absl_statusor absl_span absl_strings \
absl_time absl_synchronization absl_flat_hash_map absl_str_format \
absl_inlined_vector tomlplusplus libcrypto")
configure_file(cmake/duet.pc.in ${CMAKE_CURRENT_BINARY_DIR}/duet.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/duet.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)

# `make package`: a .deb of everything above except the libnode copy; it
# depends on Debian's libnode108 instead.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME duet)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "duet maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Python and JavaScript plugins behind one C++17 API")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL runtime development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libnode108, libpython3.11, libabsl-dev, libtomlplusplus-dev, libssl-dev, libedit2")
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
# A parent project's packaging is its own.
if(PROJECT_IS_TOP_LEVEL)
  include(CPack)
endif()
