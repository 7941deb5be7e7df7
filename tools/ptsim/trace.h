/* SPDX-License-Identifier: MIT */
/*
 * trace.h - replaying memory-access traces (`ptsim trace`).
 *
 * Two input formats, detected per line (they may be mixed):
 *  - valgrind lackey --trace-mem=yes:  "I  0400d7d4,8", " L 04010c58,8",
 *    " S 7ff000398,8", " M 0421c7f0,4" (instruction fetch, load, store,
 *    modify = load then store); valgrind's "==pid==" and "--pid--" banner
 *    lines are skipped;
 *  - plain: "R 0x7f001000", "W 7f001000,8", "X 0x400000" (hex, 0x
 *    optional, optional ",size" in decimal, default 1), with '#' comments
 *    (whole lines, or after the access and a blank) and blank lines skipped.
 *
 * Grammar of an access line (leading blanks and trailing white space are
 * ignored; a blank is a space or a tab):
 *
 *   KIND blank+ ["0x"|"0X"] HEX{1,16 significant} ["," DEC] [blank+ ["#" ...]]
 *
 * KIND is one of I L S M (lackey) or R W X (plain), upper case only.  The
 * size is 1 .. PTS_TRACE_MAX_SIZE and the access may not wrap past 2^64.
 * Anything else is an error with a message saying what was expected; the
 * parser never reads outside the line, whatever bytes it holds.
 *
 * Replay: one machine, one address space, every access made with
 * ptsim_access() on CPU 0.  Memory appears on demand: an access outside
 * every VMA first maps an anonymous private read/write/exec region - the
 * naturally aligned PMD-size block containing the address (2 MiB with 4K
 * pages), trimmed to the VMAs around it and to the user address space -
 * then is made.  An access that straddles a page boundary is made once per
 * page it touches.  Addresses beyond the user address space of the
 * configuration (TASK_SIZE: 2^47 - 4K on x86_64-4l, 2^56 - 4K on 5l,
 * 2^VA_BITS on arm64) are an error unless folding is on, which keeps only
 * the low 47 / 56 / VA_BITS bits of each address.
 */
#ifndef PTSIM_TOOL_TRACE_H
#define PTSIM_TOOL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ptsim/ptsim.h"

/* Largest access size a line may give (bytes). */
#define PTS_TRACE_MAX_SIZE 65536u
/* Longest line accepted, newline excluded (longer is an error). */
#define PTS_TRACE_MAX_LINE 4096u

/* One access of a trace: PTSIM_ACCESS_* kind, address and size in bytes. */
struct pts_trace_ref {
	unsigned int access;
	uint64_t addr;
	unsigned int size;
};

/**
 * pts_trace_parse_line() - parse one line of a trace.
 * @line: the text (need not be NUL-terminated; any bytes; a trailing
 *        newline or CR LF is ignored).  @len: its length.
 * @refs: receives up to 2 accesses (lackey "M" is a load and a store).
 * @err, @errlen: receive a message on a malformed line (may be NULL / 0).
 *
 * A pure function: no state, no allocation.  Lines of the usual shape
 * ("I  0400d7d4,8", "W 0x7f001000") take a fast path; every other line,
 * and every error, goes to pts_trace_parse_line_ref(), so the two always
 * agree.
 *
 * Return: number of accesses (0 for a line to skip), or -EINVAL.
 */
int pts_trace_parse_line(const char *line, size_t len, struct pts_trace_ref refs[2], char *err,
			 size_t errlen);

/*
 * pts_trace_parse_line_ref() - the general parser alone, without the fast
 * path: the same contract and results as pts_trace_parse_line(), byte by
 * byte as the grammar above reads.  The reference the tests compare the
 * fast path with.
 */
int pts_trace_parse_line_ref(const char *line, size_t len, struct pts_trace_ref refs[2], char *err,
			     size_t errlen);

/**
 * pts_trace_parse_tlb() - parse a --tlb geometry on top of @cfg.
 * @spec: "pte=64/4,pmd=32/4,pud=4/4,walk=32": leaf TLB entries/ways per page
 *        size (pte, pmd, pud; "N" alone is fully associative, 0 disables)
 *        and walk-cache entries per upper level.  Keys left out keep @cfg.
 * @cfg: geometry to change (unchanged on error).
 * @err, @errlen: receive a message naming the bad token.
 * Return: 0 or -EINVAL.
 */
int pts_trace_parse_tlb(const char *spec, struct ptsim_tlb_config *cfg, char *err, size_t errlen);

/*
 * struct pts_trace_opts - how to replay.
 * @arch: configuration name (NULL: "x86_64-4l").
 * @machine: extra ptsim_config_set() options ("phys=16G,seed=2"), or NULL.
 * @ncpus: CPUs of the machine (0: the configuration's default).
 * @tlb: TLB geometry (NULL: the default one).
 * @fold: mask addresses into the user address space instead of failing.
 * @check: run ptsim_check() at the end; findings are an error.
 * @progress: draw a progress bar on @progress_out (NULL: no bar).
 * @size_hint: bytes of input, for the bar (0: unknown, lines only).
 */
struct pts_trace_opts {
	const char *arch;
	const char *machine;
	unsigned int ncpus;
	const struct ptsim_tlb_config *tlb;
	bool fold;
	bool check;
	FILE *progress_out;
	uint64_t size_hint;
};

/*
 * struct pts_trace_result - what a replay did (all counts exact).
 * @arch: the configuration replayed on.
 * @lines, @skipped: lines read, and those with no access (blank, comment,
 *                   banner).
 * @refs: accesses by kind: [0] read (L, R, and the load of M), [1] write
 *        (S, W, and the store of M), [2] exec (I, X).  @modify: M lines.
 * @page_accesses: ptsim_access() calls (an access per page touched).
 * @straddles: accesses that touched more than one page.
 * @folded: accesses whose address --fold changed.
 * @regions: anonymous regions mapped on demand (ptsim_mmap() calls).
 * @nr_vmas: VMAs at the end (adjacent regions merge).
 * @sigsegv, @sigbus: accesses that ended in a signal.
 * @tlb: TLB counters summed over the CPUs.  @mm: fault and rss counters.
 * @pgtables_bytes: VmPTE at the end.  @nr_tables: live tables per level.
 */
struct pts_trace_result {
	const struct ptsim_arch *arch;
	uint64_t lines, skipped;
	uint64_t refs[3];
	uint64_t modify;
	uint64_t page_accesses, straddles, folded;
	uint64_t regions, nr_vmas;
	uint64_t sigsegv, sigbus;
	struct ptsim_tlb_stats tlb;
	struct ptsim_mm_counters mm;
	uint64_t pgtables_bytes;
	uint64_t nr_tables[PTSIM_NR_LEVELS];
};

/**
 * pts_trace_replay() - replay a whole trace.
 * @in: the trace.  @name: its name for messages.  @opts: options.
 * @res: receives the counts (also filled, up to the failing line, on error).
 * @err, @errlen: receive "NAME:LINE: message" (or "NAME: message") on error.
 *
 * Deterministic: the same trace and options give the same counts.  Every
 * byte allocated is freed before returning.
 *
 * Return: 0; -EINVAL (malformed line, address out of range, bad option),
 * -ENOMEM (the simulated memory is full), -EIO (read error), or another
 * -errno from the library.
 */
int pts_trace_replay(FILE *in, const char *name, const struct pts_trace_opts *opts,
		     struct pts_trace_result *res, char *err, size_t errlen);

/**
 * pts_trace_report() - print a result.
 * @res: result.  @name: trace name.  @json: one JSON object (and a newline)
 * instead of the human-readable table.  @f: output stream.
 */
void pts_trace_report(const struct pts_trace_result *res, const char *name, bool json, FILE *f);

/**
 * pts_trace_main() - the `ptsim trace` sub-command.
 * @argc, @argv: arguments after "trace" (argv[0] is the first option, not
 *               the program name):
 *   [--arch CONFIG] [--machine OPTS] [--tlb SPEC] [--cpus N] [--fold]
 *   [--check] [--json] [-q | --quiet] [-h | --help] FILE   ("-" reads
 *   standard input), parsed with getopt_long() (cli.h)
 *
 * Prints the report on stdout; errors as "ptsim trace: FILE:LINE: message"
 * on stderr.  A progress bar is drawn on stderr when it is a terminal,
 * unless --quiet.
 *
 * Return: process exit status (0 success, 1 replay error, 2 usage error).
 */
int pts_trace_main(int argc, char **argv);

#endif /* PTSIM_TOOL_TRACE_H */
