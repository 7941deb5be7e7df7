#!/bin/sh
# SPDX-License-Identifier: MIT
# doc_c_extract.sh DIR DOC... - write every complete C program of the given
# Markdown pages (a ```c block with a main()) to DIR/<page>_NN.c, and the
# ```text block that follows it, if any, to DIR/<page>_NN.out: the expected
# output, which the doc_c test compares (tests/CMakeLists.txt).
set -u
D=$1
shift
mkdir -p "$D" || exit 1
rm -f "$D"/*.c "$D"/*.out
for doc in "$@"; do
	base=$(basename "$doc" .md)
	awk -v dir="$D" -v base="$base" '
		/^```c[ \t]*$/ { inc = 1; buf = ""; next }
		/^```text[ \t]*$/ && want { intext = 1; next }
		/^```/ && inc {
			inc = 0
			if (buf ~ /int main\(/) {
				n++
				f = sprintf("%s/%s_%02d", dir, base, n)
				printf "%s", buf > (f ".c"); close(f ".c")
				want = 1
			}
			next
		}
		/^```/ && intext { intext = 0; want = 0; close(f ".out"); next }
		/^```/ { want = 0; next }
		inc { buf = buf $0 "\n"; next }
		intext { print > (f ".out"); next }
	' "$doc"
done
