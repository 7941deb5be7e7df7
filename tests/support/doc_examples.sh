#!/bin/sh
# SPDX-License-Identifier: MIT
# doc_examples.sh PTSIM DOC WORKDIR - every ```pts block of a Markdown page
# runs without error, so the scenario documentation cannot drift from the
# command.
set -u
P=$1
DOC=$2
W=$3
rm -rf "$W"
mkdir -p "$W" || exit 1
awk -v dir="$W" '
	/^```pts[ \t]*$/ { n++; f = sprintf("%s/ex%03d.pts", dir, n); inblk = 1; next }
	/^```/ && inblk { inblk = 0; close(f); next }
	inblk { print > f }
' "$DOC"
total=0
bad=0
for f in "$W"/ex*.pts; do
	[ -e "$f" ] || continue
	total=$((total + 1))
	if ! (cd "$W" && "$P" run --no-render "$f" >/dev/null 2>"$f.err"); then
		bad=$((bad + 1))
		echo "FAIL: example $(basename "$f") of $DOC:"
		cat "$f"
		cat "$f.err"
	fi
done
echo "$total examples, $bad failed"
[ "$total" -gt 0 ] && [ "$bad" -eq 0 ]
