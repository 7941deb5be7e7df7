#!/bin/sh
# SPDX-License-Identifier: MIT
# doc_knobs.sh PTSIM DOC - the knob table of docs/knobs.md is what the
# registry prints (`ptsim knobs --markdown`), so the docs cannot drift.
set -u
P=$1
DOC=$2
want=$(mktemp) && have=$(mktemp) || exit 1
trap 'rm -f "$want" "$have"' EXIT
"$P" knobs --markdown >"$want" || exit 1
sed -n '/<!-- knobs:begin -->/,/<!-- knobs:end -->/p' "$DOC" | sed '1d;$d' >"$have"
if ! cmp -s "$want" "$have"; then
	echo "docs/knobs.md is stale; regenerate its table with: ptsim knobs --markdown"
	diff "$have" "$want"
	exit 1
fi
echo "knob table ok ($(wc -l <"$want") lines)"
