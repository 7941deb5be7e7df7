#!/bin/sh
# SPDX-License-Identifier: MIT
# Every symbol the shared library exports is a public ptsim_ function declared
# in a public header, and no internal ptsim__ name leaks.
#   exported_symbols.sh LIBPTSIM.so INCLUDE_DIR CC [GENERATED_INCLUDE_DIR]
# INCLUDE_DIR is the source tree's include/ptsim; GENERATED_INCLUDE_DIR the
# build tree's include/ (where ptsim/version.h is generated).
set -eu
lib=$1 inc=$2 cc=${3:-cc} gen=${4:-}
# Declarations as the compiler sees them (X-macros expanded).
decls=$(mktemp)
trap 'rm -f "$decls"' EXIT
"$cc" -E -I"$inc/.." ${gen:+-I"$gen"} "$inc/ptsim.h" > "$decls"
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort -u)
[ -n "$syms" ] || { echo "no exported symbols in $lib"; exit 1; }
bad=0
for s in $syms; do
	case "$s" in
	ptsim__*) echo "internal symbol exported: $s"; bad=1 ;;
	ptsim_*) grep -qw "$s" "$decls" || { echo "exported but not declared in a public header: $s"; bad=1; } ;;
	_init|_fini) ;;
	*) echo "non-ptsim symbol exported: $s"; bad=1 ;;
	esac
done
n=$(echo "$syms" | wc -l)
[ $bad = 0 ] && echo "exported_symbols: $n public symbols, nothing internal"
exit $bad
