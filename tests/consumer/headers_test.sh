#!/usr/bin/env bash
# headers_test.sh COMPILER STD INCLUDE_DIR: every public header compiles
# alone with COMPILER at -std=STD, as an application's build would see it.
set -euo pipefail
compiler="$1" std="$2" include_dir="$3"
status=0
for header in "${include_dir}"/duet/*.h; do
  name="duet/$(basename "${header}")"
  if ! echo "#include \"${name}\"" |
       "${compiler}" "-std=${std}" -fsyntax-only -Wall -Wextra -Werror \
         -I "${include_dir}" -x c++ -; then
    echo "headers_test: ${name} does not compile with ${compiler} -std=${std}" >&2
    status=1
  fi
done
exit "${status}"
