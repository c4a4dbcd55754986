#!/usr/bin/env bash
# Installs what duet needs to build, and nothing when it is all there already.
#   * Debian packages (compiler, CMake, Python headers, pybind11, abseil, toml++,
#     GoogleTest, Google Benchmark, libedit, OpenSSL's libcrypto; mypy for the
#     stubs test; pip, setuptools and wheel for the Python packages test).
#   * V8 10.2 from Debian's libnode108 + libnode-dev. They conflict with a
#     NodeSource `nodejs`, so the .debs are downloaded and unpacked into
#     third_party/libnode/ instead of installed. A system libnode-dev is used when
#     present.
#   * libuv1-dev (Node's embedding API for trusted plugins takes libuv
#     loops) and the JavaScript libnode108 loads from /usr/share/nodejs at
#     start (node-acorn, node-cjs-module-lexer, node-undici: Debian's
#     Node externalises them; they install beside any nodejs).
# Safe to run repeatedly: every step checks before it acts.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
libnode_dir="${here}/libnode"

packages=(
  build-essential cmake ninja-build pkg-config
  python3 python3-dev pybind11-dev
  libabsl-dev libtomlplusplus-dev libgtest-dev libgmock-dev libbenchmark-dev
  libedit-dev libssl-dev clang-format python3-mypy
  libuv1-dev node-acorn node-cjs-module-lexer node-undici
  python3-pip python3-setuptools python3-wheel
)
# `bootstrap.sh --fuzz`: also clang and its libFuzzer/sanitizer runtimes.
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang libclang-rt-14-dev)
fi
# `bootstrap.sh --docs`: also Doxygen, for `make docs` only.
if [ "${1:-}" = "--docs" ]; then
  packages+=(doxygen)
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_update_once() {
  if [ "${apt_updated}" -eq 0 ]; then
    echo "bootstrap: apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt_update_once
  echo "bootstrap: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# V8: prefer an installed libnode-dev (Debian's, V8 10.2); otherwise unpack it.
if dpkg-query -W -f='${Status}' libnode-dev 2>/dev/null | grep -q "install ok installed"; then
  exit 0
fi
if [ -f "${libnode_dir}/.complete" ]; then
  exit 0
fi
apt_update_once
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
echo "bootstrap: fetching libnode108 and libnode-dev into ${libnode_dir}"
# apt's sandbox user cannot write into a root-owned temp dir; that is fine.
(cd "${work}" && chmod 777 . && apt-get download -qq libnode108 libnode-dev)
rm -rf "${libnode_dir}"
mkdir -p "${libnode_dir}"
for deb in "${work}"/*.deb; do
  dpkg -x "${deb}" "${libnode_dir}"
done
# libnode108's own runtime dependencies (ICU, libuv, OpenSSL, ...) are ordinary
# Debian packages that do not conflict with nodejs.
deps="$(dpkg-deb -f "${work}"/libnode108_*.deb Depends | tr ',' '\n' |
        sed -e 's/([^)]*)//g' -e 's/|.*//' -e 's/ //g' | grep -v '^node-' | grep -v '^$')"
need=()
for d in ${deps}; do
  if ! dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "install ok installed"; then
    need+=("$d")
  fi
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "bootstrap: installing libnode's dependencies ${need[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
touch "${libnode_dir}/.complete"
