#!/bin/sh
# SPDX-License-Identifier: MIT
# cli_test.sh PTSIM SRCDIR WORKDIR - the ptsim command end to end: --help and
# --version, exit statuses (0 ok, 1 failure, 2 usage), the demo on every
# configuration, run's FILE:LINE messages (several files, bounded lines, NUL
# bytes, the sweep's size limit), the REPL going on after an error, info,
# trace, and the dot command writing a picture.
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

# --help on stdout with status 0, for the command and every sub-command.
for c in "" demo run repl trace info knobs list; do
	"$P" $c --help >help.out 2>help.err || fail "ptsim $c --help: status $?"
	grep -q "^usage: ptsim $c" help.out || fail "ptsim $c --help: no usage on stdout"
	[ -s help.err ] && fail "ptsim $c --help wrote to stderr: $(cat help.err)"
	"$P" $c -h >help.out 2>&1 || fail "ptsim $c -h: status $?"
	grep -q "Exit status: 0 success; 1 " help.out || fail "ptsim $c -h: no exit statuses"
	if [ -n "$c" ]; then
		"$P" $c --no-such-option >/dev/null 2>err.txt
		[ $? -eq 2 ] || fail "ptsim $c --no-such-option: status not 2"
		grep -q 'unknown option "--no-such-option"' err.txt ||
			fail "ptsim $c --no-such-option: $(cat err.txt)"
	fi
done
"$P" --version >version.out || fail "ptsim --version"
grep -Eq '^ptsim [0-9]+\.[0-9]+\.[0-9]+$' version.out || fail "--version: $(cat version.out)"
"$P" >/dev/null 2>err.txt
[ $? -eq 2 ] || fail "ptsim alone: status not 2"
grep -q "^usage: ptsim" err.txt || fail "ptsim alone: no usage on stderr"
"$P" bogus >/dev/null 2>err.txt
[ $? -eq 2 ] || fail "ptsim bogus: status not 2"
grep -q 'unknown command "bogus"' err.txt || fail "ptsim bogus: $(cat err.txt)"
"$P" run >/dev/null 2>&1
[ $? -eq 2 ] || fail "run without a file: status not 2"
"$P" info >/dev/null 2>&1
[ $? -eq 2 ] || fail "info without a configuration: status not 2"
"$P" list extra >/dev/null 2>&1
[ $? -eq 2 ] || fail "list extra: status not 2"

# The demo runs (and ends with a clean check) on every configuration.
for c in $("$P" list); do
	"$P" demo "$c" >demo.out 2>&1 || fail "demo $c: $(tail -n 3 demo.out)"
	grep -q "check: clean" demo.out || fail "demo $c: no clean check"
done
"$P" demo no-such-config >/dev/null 2>&1
[ $? -eq 2 ] || fail "demo of an unknown configuration: status not 2"

# run: success is 0; a failing line gives status 1 and FILE:LINE on stderr.
printf 'machine x86_64-4l\nmm a\nmmap b 4K rw- private anon\nwrite b\nexpect stat rss.anon == 1\n' >ok.pts
"$P" run ok.pts >/dev/null 2>&1 || fail "run ok.pts"
printf 'machine x86_64-4l\nmm a\n\n# comment\nmunmap 0x1001 4K\nmm never\n' >bad.pts
"$P" run bad.pts >/dev/null 2>err.txt
[ $? -eq 1 ] || fail "run bad.pts: exit status not 1"
grep -q "^ptsim: bad.pts:5: munmap: EINVAL" err.txt || fail "run bad.pts: message: $(cat err.txt)"
"$P" run missing.pts >/dev/null 2>err.txt && fail "run of a missing file succeeded"
grep -q "missing.pts" err.txt || fail "run missing.pts: message does not name the file"
"$P" run --bogus ok.pts >/dev/null 2>&1
[ $? -eq 2 ] || fail "run --bogus: status not 2"

# Several files: each runs, even after one failed; a line per failing file.
printf 'machine x86_64-4l\nmm a\nmmap b 4K rw- private anon\nprint 7\n' >prints.pts
"$P" run bad.pts prints.pts missing.pts ok.pts >multi.out 2>err.txt
[ $? -eq 1 ] || fail "run of several files, two failing: status not 1"
grep -q "^7 = 0x7" multi.out || fail "run: the file after a failing one did not run"
grep -q "^ptsim: bad.pts:5: " err.txt || fail "run of several files: no line for bad.pts"
grep -q "^ptsim: missing.pts: cannot open" err.txt || fail "run of several files: no line for missing.pts"
grep -q "^ptsim run: 2 of 4 scripts failed" err.txt || fail "run of several files: $(cat err.txt)"
"$P" run ok.pts prints.pts >/dev/null 2>&1 || fail "run of two passing files"

# Lines are read one at a time and bounded: an endless line, a NUL byte.
"$P" run /dev/zero >/dev/null 2>err.txt
[ $? -eq 1 ] || fail "run /dev/zero: status not 1"
grep -q "^ptsim: /dev/zero:1: NUL byte in the line" err.txt || fail "run /dev/zero: $(cat err.txt)"
printf 'machine x86_64-4l\nmm a\000b\n' >nul.pts
"$P" run nul.pts >/dev/null 2>err.txt
grep -q "^ptsim: nul.pts:2: NUL byte in the line" err.txt || fail "run nul.pts: $(cat err.txt)"
{
	echo "machine x86_64-4l"
	awk 'BEGIN { s = "#"; while (length(s) < 4095) s = s "x"; print s; print s "x" }'
} >long.pts
"$P" run long.pts >/dev/null 2>err.txt
[ $? -eq 1 ] || fail "run long.pts: status not 1"
grep -q "^ptsim: long.pts:3: line longer than 4095 characters" err.txt ||
	fail "run long.pts: $(cat err.txt)"
# The sweep holds a script in memory: at most 1 MiB.
"$P" run --sweep /dev/zero >/dev/null 2>err.txt
[ $? -eq 1 ] || fail "run --sweep /dev/zero: status not 1"
grep -q "/dev/zero: larger than 1 MiB" err.txt || fail "run --sweep /dev/zero: $(cat err.txt)"
"$P" run --sweep=4 ok.pts prints.pts >sweep.out 2>&1 || fail "run --sweep=4: $(cat sweep.out)"
[ "$(grep -c '0 problems$' sweep.out)" -eq 2 ] || fail "run --sweep of two files: $(cat sweep.out)"

# The REPL goes on after an error; piped, it exits 1 if a line failed.
printf 'mm a\nbogus\nmmap b 4K rw- private anon\nwrite b\ntranslate b\nhelp expect\nquit\n' |
	"$P" repl x86_64-4l >repl.out 2>repl.err
[ $? -eq 1 ] || fail "repl: exit status after a failed line is not 1"
grep -q '<repl>:2: unknown command "bogus"' repl.err || fail "repl: error message: $(cat repl.err)"
grep -q "via pte entry" repl.out || fail "repl: did not go on after the error"
grep -q "expect translate ADDR" repl.out || fail "repl: help expect"
grep -q "write 0x" repl.out && fail "repl: piped, it printed what an access did"
printf 'mm a\nmmap b 4K rw- private anon\necho on\nwrite b\n' | "$P" repl x86_64-4l >repl.out 2>&1 ||
	fail "repl with echo on: $(cat repl.out)"
grep -q "write 0x.* 1 fault: new anonymous page" repl.out || fail "repl: echo on: $(cat repl.out)"
"$P" repl no-such-config </dev/null >/dev/null 2>&1
[ $? -eq 2 ] || fail "repl of an unknown configuration: status not 2"

# info: geometry and the entry layout.
"$P" info arm64-4k-52 >info.out || fail "info"
grep -q "PFN field" info.out || fail "info: no entry layout"
"$P" info nope >/dev/null 2>&1
[ $? -eq 2 ] || fail "info of an unknown configuration: status not 2"

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
