#!/bin/sh
# SPDX-License-Identifier: MIT
# The layering rule at link level (docs/architecture.md, "Layers"): the
# objects of src/<layer>/ may use only functions and data defined by that
# layer or by a layer below it.  check_layers.sh reads #include lines; this
# reads what the compiler really left undefined in each object, so a call
# through a hand-written prototype, a macro or an extern declaration that
# reaches up a layer is caught as well.
#
#   check_layer_links.sh BUILD_DIR NM LAYER OBJECTS [LAYER OBJECTS ...]
#
# LAYER OBJECTS pairs come bottom layer first (CMake passes PTSIM_LAYERS in
# order); OBJECTS is the ;-separated list $<TARGET_OBJECTS:ptsim_<layer>>
# expands to, so the object files are wherever the generator put them.
# NM is CMAKE_NM (GNU nm or llvm-nm: both speak -P).  BUILD_DIR is only
# stripped from the object names printed.
#
# Each ptsim_ / ptsim__ symbol an object leaves undefined is looked up among
# the symbols the layers define.  A symbol defined by a higher layer is an
# error: layer, object, symbol and defining layer are printed.  Symbols no
# layer defines (libc, jemalloc, sanitizer runtimes) are not the layering's
# business.
set -u
if [ $# -lt 4 ] || [ $(($# % 2)) -ne 0 ]; then
	echo "usage: $0 BUILD_DIR NM LAYER OBJECTS [LAYER OBJECTS ...]" >&2
	exit 2
fi
build=${1%/}
nm=$2
shift 2

# One line per ptsim_ symbol of every object: rank layer object kind symbol,
# where kind is D (defined) or U (undefined).  nm -P prints "name type [value
# size]"; -g keeps global symbols only (file-local statics cannot cross
# layers).  The table is kept in a variable, not a temporary file: dash leaks
# the string of an EXIT trap, which valgrind (the valgrind preset runs the
# unit tests under memcheck) reports as a definite leak.
table=""
rank=0
nobj=0
while [ $# -gt 0 ]; do
	layer=$1 objs=$2
	shift 2
	oldifs=$IFS
	IFS=';'
	for obj in $objs; do
		IFS=$oldifs
		[ -n "$obj" ] || continue
		if [ ! -f "$obj" ]; then
			echo "check_layer_links: $obj missing: build the library first" >&2
			exit 2
		fi
		syms=$("$nm" -P -g "$obj") || {
			echo "check_layer_links: $nm failed on $obj" >&2
			exit 2
		}
		name=${obj#"$build"/}
		table=$table$(printf '%s\n' "$syms" | awk -v r="$rank" -v l="$layer" -v o="$name" '
			NF >= 2 && $1 ~ /^ptsim_/ {
				k = ($2 == "U" || $2 == "w" || $2 == "v") ? "U" : "D"
				print r, l, o, k, $1
			}')"
"
		nobj=$((nobj + 1))
	done
	IFS=$oldifs
	rank=$((rank + 1))
done
if [ "$nobj" -eq 0 ]; then
	echo "check_layer_links: no object files given" >&2
	exit 2
fi

# Definitions first, then every use is checked against the rank of the layer
# defining it.
printf '%s' "$table" | awk '
	NF == 5 {
		if ($4 == "D") {
			def[$5] = $2
			defrank[$5] = $1
		} else {
			n++
			urank[n] = $1; ulayer[n] = $2; uobj[n] = $3; usym[n] = $5
		}
	}
	END {
		for (i = 1; i <= n; i++) {
			s = usym[i]
			if (!(s in def))
				continue
			nuses++
			if (defrank[s] > urank[i]) {
				printf "link layering: %s: %s uses %s, defined by %s (above %s)\n",
				       ulayer[i], uobj[i], s, def[s], ulayer[i]
				bad++
			}
		}
		if (bad)
			exit 1
		printf "link layering ok (%d uses of library symbols checked)\n", nuses
	}'
