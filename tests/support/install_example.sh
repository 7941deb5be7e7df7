#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the built library to a temporary prefix, check the installed
# headers and documentation (share/doc/ptsim: LICENSE, CHANGELOG.md, docs/),
# then build and run examples/ against it through find_package (shared and
# static) and through pkg-config, so the packaging cannot rot.
#   install_example.sh CMAKE BUILD_DIR SOURCE_DIR WORK_DIR [FLAGS]
# FLAGS are added to the examples' compile and link lines: the -fsanitize=
# options of a sanitizer build, whose libraries need the sanitizer runtimes.
set -eu
cmake=$1 build=$2 src=$3 work=$4 flags=${5:-}
examples=$src/examples
rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$work/prefix" >/dev/null
# The generated version header is installed beside the others, as generated.
cmp "$build/include/ptsim/version.h" "$work/prefix/include/ptsim/version.h"
if find "$work/prefix/include" -name '*.in' | grep .; then
	echo "install_example: a header template was installed"
	exit 1
fi
# The licence, the changelog and docs/, as in the source tree.
doc=$work/prefix/share/doc/ptsim
cmp "$src/LICENSE" "$doc/LICENSE"
cmp "$src/CHANGELOG.md" "$doc/CHANGELOG.md"
diff -r "$src/docs" "$doc/docs"
"$cmake" -S "$examples" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
	-DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
"$cmake" --build "$work/build" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib64:${LD_LIBRARY_PATH:-}" "$work/build/map_translate" | grep -q "pa 0x401234"
"$work/build/map_translate_static" | grep -q "pa 0x401234"
pcdir=$(dirname "$(find "$work/prefix" -name ptsim.pc | head -n 1)")
cflags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags ptsim)
libs=$(PKG_CONFIG_PATH="$pcdir" pkg-config --libs ptsim)
# shellcheck disable=SC2086 # word lists from pkg-config and the caller
cc $flags $cflags "$examples/map_translate.c" -o "$work/pc_example" $libs
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib64:${LD_LIBRARY_PATH:-}" "$work/pc_example" | grep -q "pa 0x401234"
echo "install_example: headers, docs, find_package (shared, static) and pkg-config ok"
