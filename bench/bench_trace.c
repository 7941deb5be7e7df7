// SPDX-License-Identifier: MIT
/*
 * bench_trace.c - what `ptsim trace` costs per access on a real valgrind
 * lackey trace, against a minimal parser of the same file.
 *
 * Case (bench/README.md has the JSON fields):
 *  - trace_replay: the trace (default bench/trace/sort.lackey, a whole run
 *    of bench/trace/sort_prog.c) is replayed with pts_trace_replay(), the
 *    function `ptsim trace` calls, with the options the command uses by
 *    default: the file is opened, read and parsed, a machine and an address
 *    space are created, every access goes through ptsim_access(), and all
 *    is freed.  Baseline: a minimal parser of the same file, opened and read
 *    in the same 64 KiB chunks, that splits the lines, parses each access's
 *    hexadecimal address and decimal size and sums them.  Both read the file
 *    through stdio from the page cache; each is timed from fopen() to
 *    fclose().
 *
 * Each figure comes from NR_REPS repetitions after a warm-up, replay and
 * baseline alternating: the minimum and the median.  The program checks that
 * the baseline found as many accesses as the replay, and that every
 * repetition of the replay gave the same counts.  stdout carries only JSON
 * lines; messages go to stderr; any failure ends the program with status 1.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ptsim/ptsim.h>

#include "bench_util.h"
#include "trace.h"

#define NR_REPS	   3
#define READ_CHUNK 65536u

#define NOINLINE __attribute__((noinline))

#ifndef PTSIM_BENCH_TRACE
#define PTSIM_BENCH_TRACE "bench/trace/sort.lackey"
#endif

static const char *prog = "bench_trace";

static uint64_t now_ns(void)
{
	return bench_now_ns(prog);
}

static FILE *open_trace(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		exit(1);
	}
	return f;
}

/* The replay exactly as `ptsim trace FILE` makes it (no progress bar). */
static NOINLINE void run_replay(const char *path, const char *arch, struct pts_trace_result *res)
{
	struct pts_trace_opts o = {.arch = arch};
	FILE *f = open_trace(path);
	char err[512];
	int ret = pts_trace_replay(f, path, &o, res, err, sizeof(err));

	fclose(f);
	if (ret) {
		fprintf(stderr, "%s: %s\n", prog, err);
		exit(1);
	}
}

static const signed char *hex_table(void)
{
	static signed char t[256];

	if (!t['1']) {
		memset(t, -1, sizeof(t));
		for (int c = '0'; c <= '9'; c++)
			t[c] = (signed char)(c - '0');
		for (int c = 'a'; c <= 'f'; c++)
			t[c] = (signed char)(c - 'a' + 10);
		for (int c = 'A'; c <= 'F'; c++)
			t[c] = (signed char)(c - 'A' + 10);
	}
	return t;
}

/*
 * The minimal parser of one line: an access is a kind letter, blanks, a hex
 * address and ",SIZE"; anything else (valgrind's banner lines) is skipped.
 * "M" counts twice, as the replay makes a load and a store of it.
 */
static void base_line(const char *p, const char *e, const signed char *hex, uint64_t *sum,
		      uint64_t *n)
{
	uint64_t addr = 0, size = 0;
	char kind;

	while (p < e && *p == ' ')
		p++;
	if (p == e || *p < 'A' || *p > 'Z')
		return;
	kind = *p++;
	while (p < e && *p == ' ')
		p++;
	for (; p < e && hex[(unsigned char)*p] >= 0; p++)
		addr = addr << 4 | (uint64_t)hex[(unsigned char)*p];
	if (p < e && *p == ',')
		for (p++; p < e && *p >= '0' && *p <= '9'; p++)
			size = size * 10 + (uint64_t)(*p - '0');
	*sum += addr + size;
	*n += kind == 'M' ? 2 : 1;
}

/* The baseline: read and split the lines as the replay does, parse, sum. */
static NOINLINE uint64_t base_parse(const char *path, uint64_t *accesses)
{
	const signed char *hex = hex_table();
	char *buf = malloc(READ_CHUNK);
	size_t start = 0, end = 0, got;
	uint64_t sum = 0, n = 0;
	FILE *f = open_trace(path);

	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	do {
		char *nl;

		memmove(buf, buf + start, end - start);
		end -= start;
		start = 0;
		got = fread(buf + end, 1, READ_CHUNK - end, f);
		end += got;
		while ((nl = memchr(buf + start, '\n', end - start))) {
			base_line(buf + start, nl, hex, &sum, &n);
			start = (size_t)(nl - buf) + 1;
		}
		if (!got && start < end) { /* a last line without a newline */
			base_line(buf + start, buf + end, hex, &sum, &n);
			start = end;
		}
	} while (got);
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: read error\n", prog, path);
		exit(1);
	}
	fclose(f);
	free(buf);
	*accesses = n;
	return sum;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t median(uint64_t t[NR_REPS])
{
	uint64_t s[NR_REPS];

	memcpy(s, t, sizeof(s));
	qsort(s, NR_REPS, sizeof(s[0]), cmp_u64);
	return s[NR_REPS / 2];
}

static uint64_t total_accesses(const struct pts_trace_result *r)
{
	return r->refs[0] + r->refs[1] + r->refs[2];
}

static void bench_arch(const char *path, const char *arch)
{
	struct pts_trace_result *first = malloc(sizeof(*first)), *res = malloc(sizeof(*res));
	uint64_t t_run[NR_REPS], t_base[NR_REPS], n_base, n, sum, t0;
	double run_min, run_med, base_min, base_med;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (!first || !res) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	/* Warm-up: the file in the page cache, the allocator's arenas. */
	run_replay(path, arch, first);
	sum = base_parse(path, &n_base);
	n = total_accesses(first);
	if (n_base != n) {
		fprintf(stderr,
			"%s: %s: the baseline found %" PRIu64 " accesses, the replay %" PRIu64 "\n",
			prog, path, n_base, n);
		exit(1);
	}
	for (int r = 0; r < NR_REPS; r++) {
		uint64_t again;

		t0 = now_ns();
		run_replay(path, arch, res);
		t_run[r] = now_ns() - t0;
		/* Same counts every time (the arch pointer is the same static one). */
		if (memcmp(res, first, sizeof(*res))) {
			fprintf(stderr, "%s: %s: %s: a repetition gave other counts\n", prog, path,
				arch);
			exit(1);
		}
		t0 = now_ns();
		if (base_parse(path, &again) != sum || again != n) {
			fprintf(stderr, "%s: %s: the baseline is not deterministic\n", prog, path);
			exit(1);
		}
		t_base[r] = now_ns() - t0;
	}
	run_min = (double)t_run[0];
	base_min = (double)t_base[0];
	for (int r = 1; r < NR_REPS; r++) {
		if (t_run[r] < run_min)
			run_min = (double)t_run[r];
		if (t_base[r] < base_min)
			base_min = (double)t_base[r];
	}
	run_med = (double)median(t_run);
	base_med = (double)median(t_base);
	printf("{\"bench\":\"trace_replay\",\"arch\":\"%s\",\"trace\":\"%s\",\"lines\":%" PRIu64
	       ",\"accesses\":%" PRIu64 ",\"page_accesses\":%" PRIu64
	       ",\"ns_per_access\":%.2f,\"ns_per_access_median\":%.2f"
	       ",\"baseline_ns_per_access\":%.2f,\"baseline_ns_per_access_median\":%.2f"
	       ",\"ratio\":%.2f,\"ratio_median\":%.2f"
	       ",\"maccess_per_s\":%.1f,\"maccess_per_s_median\":%.1f}\n",
	       arch, name, first->lines, n, first->page_accesses, run_min / (double)n,
	       run_med / (double)n, base_min / (double)n, base_med / (double)n, run_min / base_min,
	       run_med / base_med, (double)n * 1e3 / run_min, (double)n * 1e3 / run_med);
	fflush(stdout);
	free(res);
	free(first);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--arch NAME] [--trace FILE]\n"
		"  --arch NAME   one configuration (default: x86_64-4l and arm64-4k-48)\n"
		"  --trace FILE  a lackey or plain trace (default " PTSIM_BENCH_TRACE ")\n",
		prog);
}

int main(int argc, char **argv)
{
	static const char *const default_archs[] = {"x86_64-4l", "arm64-4k-48"};
	const char *arch = NULL, *path = PTSIM_BENCH_TRACE;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--arch") && i + 1 < argc) {
			arch = argv[++i];
		} else if (!strcmp(argv[i], "--trace") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 1;
		}
	}
	if (arch) {
		bench_arch(path, arch);
	} else {
		for (size_t i = 0; i < sizeof(default_archs) / sizeof(default_archs[0]); i++)
			bench_arch(path, default_archs[i]);
	}
	return 0;
}
