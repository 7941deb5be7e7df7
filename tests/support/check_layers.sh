#!/bin/sh
# SPDX-License-Identifier: MIT
# Two rules of the source tree (docs/architecture.md):
#
# 1. Layering.  Every #include "<layer>/..." in src/<layer>/ must name the
#    layer itself or one below it.  Order, bottom first:
#      util arch mem pgtable tlb mm api
#
# 2. Architecture capabilities.  Only src/arch/ knows which architecture it
#    is: no other file under src/ may name one (PTSIM_ARCH_X86_64,
#    PTSIM_ARCH_ARM64) or read a ->kind field (struct ptsim_arch's kind is the
#    architecture's name; to keep this one grep, no other field reached
#    through a pointer under src/ is called kind).  Code above src/arch/ asks
#    the capability flags, data and ops of src/arch/internal.h instead.
#    Offending lines are printed.
#
# Each layer is compiled with only its own and the lower layers' folders on
# its include path (the top-level CMakeLists.txt, layer_include/), so a
# higher layer's header does not even compile; a path relative to the
# including file ("../api/machine.h") or an absolute one would walk around
# that, so rule 1 also refuses any quoted #include with ".." or a leading /.
top=${1:-.}
order="util arch mem pgtable tlb mm api"
rank() { i=0; for l in $order; do [ "$l" = "$1" ] && { echo $i; return; }; i=$((i+1)); done; echo -1; }
bad=0
for dir in "$top"/src/*/; do
	layer=$(basename "$dir")
	lr=$(rank "$layer")
	if [ "$lr" -lt 0 ]; then echo "unknown layer folder src/$layer"; bad=1; continue; fi
	for f in "$dir"*.c "$dir"*.h; do
		[ -f "$f" ] || continue
		paths=$(grep -nE '^#[[:space:]]*include[[:space:]]*"(/|([^"]*/)?\.\./)' "$f")
		if [ -n "$paths" ]; then
			echo "layering: $f includes by a relative or absolute path:"
			echo "$paths"
			bad=1
		fi
		# Only the layer name is printed, so nothing else on the line is word-split.
		for inc in $(sed -n 's/^#include "\([a-z_]*\)\/[^"]*".*/\1/p' "$f"); do
			[ "$inc" = ptsim ] && continue
			ir=$(rank "$inc")
			if [ "$ir" -lt 0 ] || [ "$ir" -gt "$lr" ]; then
				echo "layering: $f includes $inc/ (above $layer)"; bad=1
			fi
		done
	done
done
[ $bad = 0 ] && echo "layering ok"

arch_bad=0
for dir in "$top"/src/*/; do
	[ "$(basename "$dir")" = arch ] && continue
	hits=$(grep -rnE -e 'PTSIM_ARCH_X86_64|PTSIM_ARCH_ARM64|->kind' "$dir" \
		--include='*.c' --include='*.h')
	if [ -n "$hits" ]; then
		echo "architecture named outside src/arch/ (ask a PTSIM_ARCH_CAP_* or an arch op):"
		echo "$hits"
		arch_bad=1
	fi
done
[ $arch_bad = 0 ] && echo "architecture capabilities ok"
[ $bad = 0 ] && [ $arch_bad = 0 ]
