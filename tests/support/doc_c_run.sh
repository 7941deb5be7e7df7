#!/bin/sh
# SPDX-License-Identifier: MIT
# doc_c_run.sh PROGRAM [EXPECTED] - run a documentation example; it must
# exit 0 and, when the page shows its output, print exactly that.  An
# expected output made of "$ /tmp/example ARGS" lines, each followed by what
# that run prints, is a transcript: the program runs once per such line.
set -u
prog=$1
exp=${2:-}
[ -n "$exp" ] || { "$prog" >/dev/null || { echo "FAIL: $prog exited $?"; exit 1; }; exit 0; }
tmp=${TMPDIR:-/tmp}/doc_c_run.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
if grep -q '^\$ ' "$exp"; then
	# One expected file and one argument line per run.
	awk -v dir="$tmp" '
		/^\$ / { n++; sub(/^\$ [^ ]*[ ]?/, ""); print > (dir "/args" n); close(dir "/args" n); next }
		n { print > (dir "/exp" n) }
	' "$exp"
else
	: > "$tmp/args1"
	cp "$exp" "$tmp/exp1"
fi
status=0
n=1
while [ -f "$tmp/args$n" ]; do
	[ -f "$tmp/exp$n" ] || : > "$tmp/exp$n"
	# shellcheck disable=SC2046 # the arguments are words of the page
	if ! "$prog" $(cat "$tmp/args$n") > "$tmp/out$n"; then
		echo "FAIL: $prog $(cat "$tmp/args$n") exited non-zero"
		status=1
	elif ! cmp -s "$tmp/out$n" "$tmp/exp$n"; then
		echo "FAIL: $prog $(cat "$tmp/args$n") printed something else than $exp says:"
		diff "$tmp/exp$n" "$tmp/out$n"
		status=1
	fi
	n=$((n + 1))
done
exit $status
