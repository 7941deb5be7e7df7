#!/bin/sh
# SPDX-License-Identifier: MIT
# Every #include "<layer>/..." in src/<layer>/ must name the layer itself or one
# below it (DESIGN.md "Layers").  Order, bottom first:
#   util arch mem pgtable tlb mm api
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
		for inc in $(sed -n 's/^#include "\([a-z_]*\)\/.*"/\1/p' "$f"); do
			[ "$inc" = ptsim ] && continue
			ir=$(rank "$inc")
			if [ "$ir" -lt 0 ] || [ "$ir" -gt "$lr" ]; then
				echo "layering: $f includes $inc/ (above $layer)"; bad=1
			fi
		done
	done
done
[ $bad = 0 ] && echo "layering ok"
exit $bad
