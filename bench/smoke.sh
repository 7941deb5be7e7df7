#!/bin/sh
# SPDX-License-Identifier: MIT
# smoke.sh BENCH ARGS... - the benchmark exits 0 and prints at least one line
# on stdout, every one a JSON object of the form {"bench":...}.
set -u
out=$("$@") || { echo "FAIL: $* exited $?"; exit 1; }
[ -n "$out" ] || { echo "FAIL: $* printed nothing"; exit 1; }
bad=$(printf '%s\n' "$out" | grep -v '^{"bench":".*}$')
[ -z "$bad" ] || { echo "FAIL: $* printed lines that are not JSON results:"; echo "$bad"; exit 1; }
printf '%s\n' "$out"
