#!/bin/sh
# SPDX-License-Identifier: MIT
# readme_test.sh PTSIM SRCDIR WORKDIR - the README's `ptsim` examples work as
# written: every line of the sh block under "## The `ptsim` command" that
# starts with "ptsim " runs from the repository root, with the leading
# "ptsim" replaced by the built binary and standard input empty, and must
# exit with status 0.  Output goes to WORKDIR (shown for a failing line).
set -u
P=$1
SRC=$2
W=$3
case $P in /*) ;; *) P=$(pwd)/$P ;; esac # the lines run from SRCDIR
rm -rf "$W"
mkdir -p "$W" || exit 1

awk '
	/^## The `ptsim` command/ { sect = 1; next }
	/^## / { sect = 0 }
	sect && /^```sh[ \t]*$/ && !done { inblk = 1; next }
	inblk && /^```/ { inblk = 0; done = 1; next }
	inblk && /^ptsim / { print }
' "$SRC/README.md" >"$W/lines"

total=0
bad=0
while IFS= read -r line; do
	total=$((total + 1))
	cmd="\"\$P\" ${line#ptsim }"
	(cd "$SRC" && P=$P sh -c "$cmd" </dev/null >"$W/out.$total" 2>&1)
	st=$?
	if [ "$st" -ne 0 ]; then
		bad=$((bad + 1))
		echo "FAIL (status $st): $line"
		tail -n 5 "$W/out.$total"
	fi
done <"$W/lines"
echo "$total README lines, $bad failed"
[ "$total" -ge 5 ] && [ "$bad" -eq 0 ]
