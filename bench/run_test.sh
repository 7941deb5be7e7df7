#!/bin/sh
# SPDX-License-Identifier: MIT
# run_test.sh RUN BUILD - bench/run --quick exits 0, and its table has one
# row per JSON line the benchmarks printed, each naming its benchmark case.
set -u
run=$1 build=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
sh "$run" --build "$build" --quick --json "$tmp/all.json" >"$tmp/table" 2>"$tmp/err" ||
	{ echo "FAIL: bench/run exited $?"; cat "$tmp/err"; exit 1; }
lines=$(wc -l <"$tmp/all.json")
rows=$(($(wc -l <"$tmp/table") - 1))
[ "$lines" -gt 0 ] || { echo "FAIL: no JSON line"; exit 1; }
[ "$rows" -eq "$lines" ] || { echo "FAIL: $lines JSON lines but $rows table rows"; cat "$tmp/table"; exit 1; }
for b in $(sed 's/^{"bench":"\([^"]*\)".*/\1/' "$tmp/all.json" | sort -u); do
	grep -q "^$b " "$tmp/table" || { echo "FAIL: no row for $b"; cat "$tmp/table"; exit 1; }
done
grep -q '^ratio\|ratio$' "$tmp/table" || { echo "FAIL: no ratio column"; exit 1; }
cat "$tmp/table"
