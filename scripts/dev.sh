#!/bin/sh
# SPDX-License-Identifier: MIT
# One-command set-up for libptsim on Debian/Ubuntu.
#
#   sh scripts/dev.sh demo   install what is missing, configure, build, run `ptsim demo`
#   sh scripts/dev.sh test   install what is missing, then build and run the whole
#                            test suite twice: the ci preset (-Werror) and the
#                            ASan+UBSan preset; then build the libFuzzer targets
#                            with clang and fuzz each for 20 seconds (fuzz preset)
set -eu
cd "$(dirname "$0")/.."

need=""
command -v cmake >/dev/null 2>&1 || need="$need cmake"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v make >/dev/null 2>&1 || need="$need make"
command -v clang >/dev/null 2>&1 || need="$need clang"
# libFuzzer's runtime: only a Recommends of clang on Debian, which minimal images skip.
[ -n "$(find /usr/lib/llvm-* -name 'libclang_rt.fuzzer-*.a' 2>/dev/null | head -n 1)" ] ||
	need="$need libclang-rt-dev"
[ -f /usr/include/cmocka.h ] || need="$need libcmocka-dev"
[ -f /usr/include/jemalloc/jemalloc.h ] || need="$need libjemalloc-dev"
# Line editing in `ptsim repl` (optional to the build, installed here).
[ -f /usr/include/editline/readline.h ] || need="$need libedit-dev"
if [ -n "$need" ]; then
	echo "dev.sh: installing:$need"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need
fi

what=${1:-demo}
case "$what" in
demo)
	cmake --preset release >/dev/null
	cmake --build --preset release
	./build/release/tools/ptsim/ptsim demo
	;;
test)
	cmake --workflow --preset ci
	cmake --workflow --preset asan-ubsan
	cmake --workflow --preset fuzz
	;;
*)
	echo "usage: sh scripts/dev.sh demo|test" >&2
	exit 2
	;;
esac
