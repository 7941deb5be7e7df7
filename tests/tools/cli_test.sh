#!/bin/sh
# SPDX-License-Identifier: MIT
# cli_test.sh PTSIM SRCDIR WORKDIR - the ptsim command end to end: the demo on
# every configuration, run's exit status and FILE:LINE messages, the REPL going
# on after an error, info, trace, and the dot command writing a picture.
set -u
P=$1
SRC=$2
W=$3
fails=0
mkdir -p "$W"
cd "$W" || exit 1

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# The demo runs (and ends with a clean check) on every configuration.
for c in $("$P" list); do
	"$P" demo "$c" >demo.out 2>&1 || fail "demo $c: $(tail -n 3 demo.out)"
	grep -q "check: clean" demo.out || fail "demo $c: no clean check"
done
"$P" demo no-such-config >/dev/null 2>&1 && fail "demo of an unknown configuration succeeded"

# run: success is 0; a failing line gives status 1 and FILE:LINE on stderr.
printf 'machine x86_64-4l\nmm a\nmmap b 4K rw- private anon\nwrite b\nexpect stat rss.anon == 1\n' >ok.pts
"$P" run ok.pts >/dev/null 2>&1 || fail "run ok.pts"
printf 'machine x86_64-4l\nmm a\n\n# comment\nmunmap 0x1001 4K\nmm never\n' >bad.pts
"$P" run bad.pts >/dev/null 2>err.txt
[ $? -eq 1 ] || fail "run bad.pts: exit status not 1"
grep -q "^ptsim: bad.pts:5: munmap: EINVAL" err.txt || fail "run bad.pts: message: $(cat err.txt)"
"$P" run missing.pts >/dev/null 2>err.txt && fail "run of a missing file succeeded"
grep -q "missing.pts" err.txt || fail "run missing.pts: message does not name the file"
"$P" run --bogus ok.pts >/dev/null 2>&1 && fail "run --bogus succeeded"

# The REPL goes on after an error; piped, it exits 1 if a line failed.
printf 'mm a\nbogus\nmmap b 4K rw- private anon\nwrite b\ntranslate b\nhelp expect\nquit\n' |
	"$P" repl x86_64-4l >repl.out 2>repl.err
[ $? -eq 1 ] || fail "repl: exit status after a failed line is not 1"
grep -q '<repl>:2: unknown command "bogus"' repl.err || fail "repl: error message: $(cat repl.err)"
grep -q "via pte entry" repl.out || fail "repl: did not go on after the error"
grep -q "expect translate ADDR" repl.out || fail "repl: help expect"

# info: geometry and the entry layout.
"$P" info arm64-4k-52 >info.out || fail "info"
grep -q "PFN field" info.out || fail "info: no entry layout"
"$P" info nope >/dev/null 2>&1 && fail "info of an unknown configuration succeeded"

# trace: the example replays, and a bad line names FILE:LINE.
"$P" trace --quiet "$SRC/examples/traces/loop.trace" >trace.out || fail "trace loop.trace"
grep -q "page tables" trace.out || fail "trace: no report"
printf 'R 0x1000\nQ 12\n' >bad.trace
"$P" trace --quiet bad.trace >/dev/null 2>err.txt
[ $? -eq 1 ] || fail "trace bad.trace: exit status not 1"
grep -q "bad.trace:2:" err.txt || fail "trace bad.trace: message: $(cat err.txt)"

# dot: a .dot file of the tree (rendering is tested where Graphviz is).
printf 'machine x86_64-4l\nmm a\nmmap b 64K rw- private anon\nwrite b 64K\ndot tree.dot\ndot tree.txt\n' >dot.pts
"$P" run --no-render dot.pts >/dev/null 2>err.txt
grep -q "dot.pts:6:" err.txt || fail "dot: a .txt name was not refused"
grep -q "^digraph" tree.dot || fail "dot: tree.dot is not a graph"

# The scenarios of the tree pass (each is also a ctest of its own).
for f in "$SRC"/tests/scenarios/*.pts; do
	"$P" run --no-render "$f" >/dev/null 2>err.txt || fail "$f: $(cat err.txt)"
done

[ $fails -eq 0 ] && echo "cli_test: all checks passed"
exit $fails
