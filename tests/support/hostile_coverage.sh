#!/bin/sh
# SPDX-License-Identifier: MIT
# Every exported function has an entry in the hostile-input table of
# tests/unit/test_api_hostile.c, and every entry is an exported function.
#   hostile_coverage.sh TEST_API_HOSTILE LIBPTSIM.so INCLUDE_DIR CC [NM [GENERATED_INCLUDE_DIR]]
# GENERATED_INCLUDE_DIR holds the headers the build generates (ptsim/version.h).
# The exported functions come from `nm -D --defined-only` on the shared
# library; when it is not there (or nm is missing) from the PTSIM_API
# declarations of the public headers, as the compiler sees them (X-macros
# expanded).  When both are available they must agree, so the fallback
# stays right.
set -eu
bin=$1 lib=$2 inc=$3 cc=${4:-cc} nm=${5:-nm} gen=${6:-$3/..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" --list | sort > "$tmp/table"
[ -s "$tmp/table" ] || { echo "hostile_coverage: $bin --list printed nothing"; exit 1; }
dups=$(uniq -d "$tmp/table")
[ -z "$dups" ] || { echo "hostile_coverage: entries listed twice:"; echo "$dups"; exit 1; }

# From the headers: each declaration carrying the export attribute, up to
# its first '(' once the other attributes are gone.
"$cc" -E -DPTSIM_BUILDING_LIBRARY -I"$inc/.." -I"$gen" "$inc/ptsim.h" | tr '\n' ' ' | tr ';' '\n' |
	grep 'visibility *( *"default" *)' |
	sed -E 's/__attribute__ *\(\( *(warn_unused_result|format *\([^)]*\)) *\)\)//g' |
	sed -nE 's/.*visibility *\( *"default" *\) *\)\)[^(]*[^A-Za-z0-9_](ptsim_[A-Za-z0-9_]+) *\(.*/\1/p' |
	sort -u > "$tmp/headers"
[ -s "$tmp/headers" ] || { echo "hostile_coverage: no PTSIM_API declaration found in $inc"; exit 1; }

src=headers
if [ -f "$lib" ] && "$nm" -D --defined-only "$lib" > "$tmp/nm" 2>/dev/null; then
	awk '$2 ~ /^[TW]$/ && $3 ~ /^ptsim_/ {print $3}' "$tmp/nm" | sort -u > "$tmp/exported"
	if ! cmp -s "$tmp/exported" "$tmp/headers"; then
		echo "hostile_coverage: the headers' PTSIM_API declarations and $lib disagree:"
		diff "$tmp/headers" "$tmp/exported" || true
		exit 1
	fi
	src=$lib
else
	cp "$tmp/headers" "$tmp/exported"
fi

bad=0
missing=$(comm -23 "$tmp/exported" "$tmp/table")
if [ -n "$missing" ]; then
	echo "hostile_coverage: exported functions without an entry in tests/unit/test_api_hostile.c:"
	echo "$missing" | sed 's/^/  /'
	bad=1
fi
extra=$(comm -13 "$tmp/exported" "$tmp/table")
if [ -n "$extra" ]; then
	echo "hostile_coverage: entries for functions that are not exported:"
	echo "$extra" | sed 's/^/  /'
	bad=1
fi
[ $bad = 0 ] && echo "hostile_coverage: $(wc -l < "$tmp/table") exported functions (from $src), each with an entry"
exit $bad
