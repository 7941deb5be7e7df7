#!/bin/sh
# SPDX-License-Identifier: MIT
# trace_golden.sh PTSIM SRCDIR - `ptsim trace` prints exactly the reports of
# tests/golden/trace_*.txt: the real lackey trace of bench/trace (a whole run
# of a small sorting program) and the examples, on several configurations and
# TLB geometries, in text and JSON, with the model checker on.  A change to
# the replay that is meant to change a report is reviewed as a diff: rerun
# with PTSIM_UPDATE_GOLDEN=1 to rewrite the files.
set -u
P=$1
SRC=$2
fails=0
cd "$SRC" || exit 1

# NAME ARGS...: the report of `ptsim trace --quiet --check ARGS...`.
check() {
	name=$1
	shift
	want=tests/golden/trace_$name.txt
	got=$("$P" trace --quiet --check "$@" 2>&1) || {
		echo "FAIL: $name: ptsim trace $*: $got"
		fails=$((fails + 1))
		return
	}
	if [ -n "${PTSIM_UPDATE_GOLDEN:-}" ]; then
		printf '%s\n' "$got" >"$want"
		return
	fi
	if ! printf '%s\n' "$got" | diff -u "$want" - >/dev/null; then
		echo "FAIL: $name: ptsim trace $* differs from $want:"
		printf '%s\n' "$got" | diff -u "$want" - | head -40
		fails=$((fails + 1))
	fi
}

check sort_x86_64-4l bench/trace/sort.lackey
check sort_arm64-4k-48 --arch arm64-4k-48 bench/trace/sort.lackey
check sort_x86_64-4l_json --json bench/trace/sort.lackey
check sort_arm64-4k-48_json --arch arm64-4k-48 --json bench/trace/sort.lackey
check sort_small_tlb --arch x86_64-5l --tlb pte=16/4,pmd=0,walk=2 --cpus 2 --json \
	bench/trace/sort.lackey
check sort_arm64-64k-42 --arch arm64-64k-42 --fold --json bench/trace/sort.lackey
check ls_arm64-16k-47 --arch arm64-16k-47 --fold --json examples/traces/ls-start.lackey
check loop_arm64-4k-39 --arch arm64-4k-39 --tlb pte=4,walk=0 --fold examples/traces/loop.trace

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "trace_golden: all reports as expected"
