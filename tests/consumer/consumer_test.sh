#!/usr/bin/env bash
# Builds and runs tests/consumer/app the ways an application uses duet:
#   consumer_test.sh install    SOURCE BUILD SCRATCH  find_package(duet) on an
#                                                     installed prefix, moved
#   consumer_test.sh pkgconfig  SOURCE BUILD SCRATCH  a Makefile + pkg-config
#   consumer_test.sh subproject SOURCE BUILD SCRATCH  add_subdirectory(duet)
#   consumer_test.sh fetchcontent SOURCE BUILD SCRATCH  FetchContent of a
#                                                     file:// clone at HEAD
#   consumer_test.sh deb        SOURCE BUILD SCRATCH  the .deb, unpacked
#   consumer_test.sh buildtree  SOURCE BUILD SCRATCH  find_package(duet) on
#                                                     the build tree (export())
# Fails (exit 1) with the reason on stderr.
set -euo pipefail

mode="$1"
source_dir="$(cd "$2" && pwd)"
build_dir="$(cd "$3" && pwd)"
scratch="$4"
app_dir="${source_dir}/tests/consumer/app"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# The builds that compile duet again (subproject, fetchcontent) do it as a
# unity build: the same sources in a few compile units, so the engines'
# heavy headers are parsed a few times rather than once per file (cold, on
# two cores shared with other builds: 76 s alone, 139 s inside `make test`,
# instead of 314 s). The main build compiles them file by file.
unity=(-DCMAKE_UNITY_BUILD=ON)

fail() {
  echo "consumer_test ${mode}: $*" >&2
  exit 1
}

# The app's output: one greeting per language and the version line.
check_app_output() {
  local output
  output="$("$1")" || fail "$1 exited with $?"
  echo "${output}"
  grep -qx "hello consumer from python 3" <<<"${output}" ||
    fail "no Python greeting from $1"
  grep -qx "hello consumer from javascript object" <<<"${output}" ||
    fail "no JavaScript greeting from $1"
  grep -q "^duet [0-9]" <<<"${output}" || fail "no version line from $1"
}

# libnode.so.108 of `binary` resolves under `dir` (not the source tree).
check_libnode_from() {
  local binary="$1" dir="$2" resolved
  resolved="$(ldd "${binary}" | awk '$1 == "libnode.so.108" { print $3 }')"
  case "${resolved}" in
    "${dir}"/*) ;;
    *) fail "${binary} loads libnode.so.108 from '${resolved}', not ${dir}" ;;
  esac
}

# Installs the build, then moves the prefix: whatever still works after the
# move found its files relative to itself.
install_moved_prefix() {
  rm -rf "${scratch}"
  mkdir -p "${scratch}"
  cmake --install "${build_dir}" --prefix "${scratch}/staged" >/dev/null
  mv "${scratch}/staged" "${scratch}/prefix"
  prefix="${scratch}/prefix"
  # No installed text file names the source or build tree; no installed
  # binary has a RUNPATH into either.
  local leaks
  leaks="$(grep -rlI -e "${source_dir}" -e "${build_dir}" "${prefix}" || true)"
  [ -z "${leaks}" ] || fail "installed files name the source or build tree: ${leaks}"
  local binary
  for binary in "${prefix}"/bin/* "${prefix}"/lib*/libduet.so*; do
    [ -f "${binary}" ] || continue
    if readelf -d "${binary}" | grep -E "R(UN)?PATH" |
       grep -q -e "${source_dir}" -e "${build_dir}"; then
      fail "${binary} has a RUNPATH into the source or build tree"
    fi
  done
}

case "${mode}" in
  install)
    install_moved_prefix
    [ -f "${prefix}/include/duet/duet.h" ] || fail "no include/duet/duet.h"
    "${prefix}/bin/duet" --version || fail "installed duet --version failed"
    check_libnode_from "${prefix}/bin/duet" "${prefix}"
    cmake -S "${app_dir}" -B "${scratch}/app-build" -G Ninja "${launcher[@]}" \
      -DCMAKE_PREFIX_PATH="${prefix}"
    cmake --build "${scratch}/app-build"
    check_libnode_from "${scratch}/app-build/consumer_app" "${prefix}"
    check_app_output "${scratch}/app-build/consumer_app"
    ;;
  pkgconfig)
    install_moved_prefix
    pc_dir="$(dirname "$(find "${prefix}" -name duet.pc)")"
    mkdir -p "${scratch}/make-build"
    cp "${app_dir}/main.cc" "${app_dir}/Makefile" "${scratch}/make-build/"
    PKG_CONFIG_PATH="${pc_dir}" make -C "${scratch}/make-build"
    check_libnode_from "${scratch}/make-build/consumer_app" "${prefix}"
    check_app_output "${scratch}/make-build/consumer_app"
    ;;
  subproject)
    rm -rf "${scratch}"
    start=$(date +%s)
    cmake -S "${source_dir}/tests/consumer/subproject" -B "${scratch}" -G Ninja \
      "${launcher[@]}" "${unity[@]}" -DDUET_SOURCE_DIR="${source_dir}" \
      -DPython_EXECUTABLE=/usr/bin/python3
    # Only the library and the app: no tests, benchmarks, CLI or npm.
    if grep -q -e "npm ci" -e gtest -e libedit "${scratch}/build.ninja"; then
      fail "the subproject build includes tests, npm or libedit"
    fi
    cmake --build "${scratch}"
    check_app_output "${scratch}/consumer_app"
    echo "subproject configure and build: $(($(date +%s) - start)) s"
    ;;
  fetchcontent)
    rm -rf "${scratch}"
    head="$(git -C "${source_dir}" rev-parse HEAD)" ||
      fail "${source_dir} is not a git checkout"
    # A clone has no third_party/libnode (bootstrap.sh unpacks it, git
    # ignores it): point V8_ROOT at this checkout's, as the README says.
    v8_root=()
    if [ -d "${source_dir}/third_party/libnode/usr" ]; then
      v8_root=(-DV8_ROOT="${source_dir}/third_party/libnode/usr")
    fi
    start=$(date +%s)
    cmake -S "${source_dir}/tests/consumer/fetchcontent" -B "${scratch}" \
      -G Ninja "${launcher[@]}" "${unity[@]}" "${v8_root[@]}" \
      -DDUET_GIT_URL="file://${source_dir}" -DDUET_GIT_TAG="${head}" \
      -DPython_EXECUTABLE=/usr/bin/python3
    [ -f "${scratch}/_deps/duet-src/CMakeLists.txt" ] ||
      fail "FetchContent did not clone duet into _deps/duet-src"
    if grep -q -e "npm ci" -e gtest -e libedit "${scratch}/build.ninja"; then
      fail "the FetchContent build includes tests, npm or libedit"
    fi
    cmake --build "${scratch}"
    check_app_output "${scratch}/consumer_app"
    echo "FetchContent configure and build: $(($(date +%s) - start)) s"
    ;;
  deb)
    rm -rf "${scratch}"
    mkdir -p "${scratch}"
    (cd "${build_dir}" && cpack -G DEB -B "${scratch}/package" >/dev/null)
    deb="$(ls "${scratch}"/package/duet_*.deb)"
    depends="$(dpkg-deb -f "${deb}" Depends)"
    grep -q "libnode108" <<<"${depends}" || fail "Depends lacks libnode108: ${depends}"
    grep -q "libpython3.11" <<<"${depends}" || fail "Depends lacks libpython3.11"
    if dpkg-deb -c "${deb}" | grep -q "libnode.so"; then
      fail "${deb} carries its own libnode"
    fi
    root="${scratch}/root"
    dpkg -x "${deb}" "${root}"
    [ -x "${root}/usr/bin/duet" ] || fail "the package has no usr/bin/duet"
    # Stands in for Debian's libnode108 in the same root (it is not installed
    # on this machine): the unpacked libnode108 that the build used.
    libnode=""
    for candidate in "${source_dir}"/third_party/libnode/usr/lib/*/libnode.so.108 \
                     /usr/lib/*/libnode.so.108; do
      if [ -f "${candidate}" ]; then
        libnode="${candidate}"
        break
      fi
    done
    [ -n "${libnode}" ] || fail "no libnode.so.108 to stand in for libnode108"
    arch_dir="${root}/usr/lib/$(basename "$(dirname "${libnode}")")"
    mkdir -p "${arch_dir}"
    cp "${libnode}" "${arch_dir}/"
    cmake -S "${app_dir}" -B "${scratch}/app-build" -G Ninja "${launcher[@]}" \
      -DCMAKE_PREFIX_PATH="${root}/usr"
    cmake --build "${scratch}/app-build"
    check_libnode_from "${scratch}/app-build/consumer_app" "${root}"
    check_app_output "${scratch}/app-build/consumer_app"
    ;;
  buildtree)
    rm -rf "${scratch}"
    cmake -S "${app_dir}" -B "${scratch}" -G Ninja "${launcher[@]}" \
      -Dduet_DIR="${build_dir}"
    cmake --build "${scratch}"
    check_app_output "${scratch}/consumer_app"
    ;;
  *)
    fail "unknown mode (install, pkgconfig, deb, buildtree, subproject, fetchcontent)"
    ;;
esac
# Passed: what it installed, packaged and built (up to 700 MB a mode) goes.
# A failure leaves it in place to look at.
rm -rf "${scratch}"
echo "consumer_test ${mode}: ok"
