// SPDX-License-Identifier: MIT
/*
 * bench_mmap.c - what mmap(addr = 0) costs when the address space already
 * holds many VMAs: the free-area search (the kernel's
 * unmapped_area_topdown()) must not grow with their number.
 *
 * Case (bench/README.md has the JSON fields):
 *  - mmap_scaling: for N = 10, 100, ... up to --max VMAs, an address space
 *    holds N one-page read-only VMAs just below the mmap base, each
 *    separated from the next by a one-page hole (the guard gaps keep them
 *    from merging, and no hole is large enough for the request).  K calls
 *    mmap(0, 2 pages, PROT_READ | PROT_WRITE) are timed; each must land
 *    right below the previous one (under all N VMAs), where the new VMAs
 *    merge into one, so the address space holds N + 1 VMAs throughout.  The
 *    range is unmapped afterwards (not timed).  Baseline: the same K calls
 *    in an empty address space of the same machine.
 *
 * Every timed figure is the best of 3 repetitions (CLOCK_MONOTONIC), after a
 * warm-up.  stdout carries only JSON lines; messages go to stderr; any
 * failed call, or an address other than the expected one, ends the program
 * with status 1.
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

#define NR_REPS	    3
#define DEFAULT_K   256	   /* mmap calls per repetition */
#define DEFAULT_MAX 100000 /* the largest number of VMAs */
#define MAX_MAX	    1000000

#define NOINLINE __attribute__((noinline))

static const char *prog = "bench_mmap";

struct bench {
	const char *name;
	uint64_t psz;
	struct ptsim_machine *m;
	struct ptsim_mm *big, *empty;
	uint64_t top; /* where top-down placement starts: the mmap base */
};

static uint64_t now_ns(void)
{
	return bench_now_ns(prog);
}

static void die(const struct bench *b, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s: %s (%s)\n", prog, b->name, what, ptsim_strerror(err),
		b->m ? ptsim_errmsg(b->m) : "");
	exit(1);
}

static void check(const struct bench *b, const char *what, int err)
{
	if (err)
		die(b, what, err);
}

static void expect(const struct bench *b, const char *what, uint64_t want, uint64_t got)
{
	if (want != got) {
		fprintf(stderr, "%s: %s: %s: expected 0x%" PRIx64 ", got 0x%" PRIx64 "\n", prog,
			b->name, what, want, got);
		exit(1);
	}
}

/*
 * @k calls mmap(0, 2 pages) in @mm, whose lowest VMA starts at @floor (the
 * mmap base if it has none); each must land right below the previous one.
 * Returns the time.
 */
static NOINLINE uint64_t run_mmaps(struct bench *b, struct ptsim_mm *mm, uint64_t floor, uint64_t k)
{
	const uint64_t len = 2 * b->psz;
	uint64_t va[2] = {0, 0}, t0 = now_ns(), t;

	for (uint64_t i = 0; i < k; i++)
		check(b, "mmap",
		      ptsim_mmap(mm, 0, len, PTSIM_PROT_READ | PTSIM_PROT_WRITE,
				 PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS, NULL, 0, &va[i & 1]));
	t = now_ns() - t0;
	expect(b, "the last mmap(0)", floor - k * len, va[(k - 1) & 1]);
	if (k > 1)
		expect(b, "the one before it", floor - (k - 1) * len, va[k & 1]);
	check(b, "munmap", ptsim_munmap(mm, floor - k * len, k * len));
	return t;
}

/* @n one-page read-only VMAs below the mmap base, one-page holes between them. */
static void populate(struct bench *b, uint64_t n)
{
	uint64_t va;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t want = b->top - (2 * i + 2) * b->psz;

		check(b, "mmap fixed",
		      ptsim_mmap(b->big, want, b->psz, PTSIM_PROT_READ,
				 PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0,
				 &va));
		expect(b, "mmap fixed", want, va);
	}
	expect(b, "VMAs", n, ptsim_mm_nr_vmas(b->big));
}

static void bench_scaling(struct bench *b, uint64_t n, uint64_t k)
{
	uint64_t best = UINT64_MAX, best_base = UINT64_MAX, va;
	struct ptsim_config cfg;

	check(b, "config", ptsim_config_init(&cfg, b->name));
	check(b, "machine", ptsim_machine_create(&cfg, &b->m));
	check(b, "mm", ptsim_mm_create(b->m, &b->big));
	check(b, "mm", ptsim_mm_create(b->m, &b->empty));
	/* The first mmap(0) of an empty address space ends at the mmap base. */
	check(b, "mmap",
	      ptsim_mmap(b->empty, 0, b->psz, PTSIM_PROT_READ,
			 PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS, NULL, 0, &va));
	check(b, "munmap", ptsim_munmap(b->empty, va, b->psz));
	b->top = va + b->psz;
	populate(b, n);
	for (int rep = 0; rep < NR_REPS + 1; rep++) {
		uint64_t t_base = run_mmaps(b, b->empty, b->top, k);
		uint64_t t = run_mmaps(b, b->big, b->top - 2 * n * b->psz, k);

		if (rep) { /* rep 0 is the warm-up */
			bench_keep_min(&best_base, t_base);
			bench_keep_min(&best, t);
		}
	}
	expect(b, "VMAs", n, ptsim_mm_nr_vmas(b->big));
	printf("{\"bench\":\"mmap_scaling\",\"arch\":\"%s\",\"vmas\":%" PRIu64 ",\"calls\":%" PRIu64
	       ",\"ns_per_op\":%.1f,\"baseline_ns_per_op\":%.1f,\"ratio\":%.2f}\n",
	       b->name, n, k, (double)best / (double)k, (double)best_base / (double)k,
	       (double)best / (double)best_base);
	fflush(stdout);
	ptsim_machine_destroy(b->m);
	b->m = NULL;
	b->big = b->empty = NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--arch NAME] [--max VMAS] [--k CALLS]\n"
		"  --arch NAME  one configuration (default: x86_64-4l and arm64-4k-48)\n"
		"  --max VMAS   VMAs of the largest address space: 10, 100, ... up to it "
		"(default %d, at most %d)\n"
		"  --k CALLS    mmap calls per repetition (default %d)\n",
		prog, DEFAULT_MAX, MAX_MAX, DEFAULT_K);
}

static int parse(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end || !*out || *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *only = NULL, *defaults[] = {"x86_64-4l", "arm64-4k-48"};
	uint64_t k = DEFAULT_K, max = DEFAULT_MAX;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--arch") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--max") && i + 1 < argc) {
			if (parse(argv[++i], MAX_MAX, &max) || max < 10) {
				fprintf(stderr, "%s: --max takes 10..%d\n", prog, MAX_MAX);
				return 1;
			}
		} else if (!strcmp(argv[i], "--k") && i + 1 < argc) {
			if (parse(argv[++i], 65536, &k)) {
				fprintf(stderr, "%s: --k takes 1..65536\n", prog);
				return 1;
			}
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 1;
		}
	}
	for (size_t i = 0; i < (only ? 1 : sizeof(defaults) / sizeof(defaults[0])); i++) {
		struct bench b = {.name = only ? only : defaults[i]};
		const struct ptsim_arch *arch = ptsim_arch_lookup(b.name);

		if (!arch) {
			fprintf(stderr, "%s: unknown configuration \"%s\" (see ptsim list)\n", prog,
				b.name);
			return 1;
		}
		b.psz = 1ull << ptsim_arch_page_shift(arch);
		for (uint64_t n = 10; n <= max; n *= 10)
			bench_scaling(&b, n, k);
	}
	return 0;
}
