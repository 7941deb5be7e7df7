#!/bin/sh
# SPDX-License-Identifier: MIT
# make_trace.sh [N [OUT]] - build sort_prog.c with SORT_N=N (default 200) and
# record its valgrind lackey trace into OUT (default sort.lackey next to this
# script): the trace bench_trace replays.  Needs cc and valgrind; the program
# is built in a fresh directory under $TMPDIR (default /tmp), which must allow
# executing files.  The addresses depend on the C library, the compiler and
# valgrind, so a trace recorded elsewhere differs in its numbers.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
n=${1:-200}
out=${2:-$dir/sort.lackey}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ptsim-sort.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -O2 -DSORT_N="$n" -o "$tmp/sort_prog" "$dir/sort_prog.c"
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
# Run from the build directory so the trace names ./sort_prog, not a path of this machine.
(cd "$tmp" && valgrind --tool=lackey --trace-mem=yes --log-file="$out" ./sort_prog >/dev/null)
echo "$out: $(wc -l <"$out") lines"
