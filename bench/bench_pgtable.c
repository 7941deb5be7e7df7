// SPDX-License-Identifier: MIT
/*
 * bench_pgtable.c - map / translate / unmap throughput and host bytes per
 * mapped page, for every architecture configuration.
 *
 * For each configuration (or the one named by --arch) the program:
 *  - creates a machine large enough for N base pages and their tables, and
 *    an address space, and notes the host bytes live at that point;
 *  - takes the N data frames from ptsim_alloc_pages() blocks (the largest
 *    order dividing N, capped at MAX_PAGE_ORDER);
 *  - three times: maps the N pages one ptsim_map() call per page at
 *    consecutive addresses from 0x40000000 (tables are allocated along the
 *    way), translates them in a fixed-seed random order, and unmaps them one
 *    ptsim_unmap() call per page with PTSIM_UNMAP_FREE_TABLES (so the next
 *    repetition allocates its tables again);
 *  - after the first map, reads the host bytes live again: (after - before)
 *    / N is host_bytes_per_page (frame records + table buffers + whatever
 *    else the model allocates for the mapping).
 *
 * Each throughput case has a same-process baseline, a "flat page table":
 * the same N entries stored into (map), loaded at the same random indices
 * from (translate), and cleared in (unmap) a plain uint64_t array through a
 * volatile pointer, so every access is really made, one at a time.  The
 * baseline is warmed up once before timing.  Every figure is the best of 3
 * repetitions, timed with CLOCK_MONOTONIC.
 *
 * stdout carries only JSON lines (one per case, see bench/README.md);
 * messages go to stderr.  Any error ends the program with status 1.
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

#define VA_BASE		 0x40000000ull
#define NR_REPS		 3
#define SEED		 0x2545f4914f6cdd1dull
#define DEFAULT_N	 (1ull << 20)
#define MAX_N		 (1ull << 24)
#define KERNEL_REF_BYTES 72 /* 64-byte struct page + 8-byte PTE */
#define TARGET_BYTES	 80

/* Kept out of line so callgrind reports each case as its own function. */
#define NOINLINE __attribute__((noinline))

static const char *prog = "bench_pgtable";
static bool verbose;

struct bench {
	const struct ptsim_arch *arch;
	const char *name;
	uint64_t n;	    /* base pages */
	unsigned int shift; /* page shift */
	uint64_t page_size;
	unsigned int order; /* order of the frame blocks */
	uint64_t nr_blocks;
	uint64_t *blocks; /* first PFN of each block */
	uint32_t *perm;	  /* translate order: a permutation of 0..n-1 */
	uint64_t *flat;	  /* the baseline's flat table */
	uint64_t pfn_xor; /* XOR of the N frames: what translate must find */
	uint64_t prot;
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
};

/* Best (smallest) time of each case over the repetitions, in ns. */
struct timings {
	uint64_t map, translate, unmap;
	uint64_t base_map, base_translate, base_unmap;
};

static uint64_t now_ns(void)
{
	return bench_now_ns(prog);
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Report a failed library call: what, the errno name and the machine's text. */
static int fail(const struct bench *b, const char *what, long err)
{
	fprintf(stderr, "%s: %s: %s: %s (%s)\n", prog, b->name, what, ptsim_strerror((int)err),
		b->m ? ptsim_errmsg(b->m) : "");
	return -1;
}

static inline uint64_t frame_of(const struct bench *b, uint64_t i)
{
	return b->blocks[i >> b->order] + (i & ((1ull << b->order) - 1));
}

/* Machine with the whole N pages, their tables and some slack, in whole sections. */
static int setup(struct bench *b)
{
	const struct ptsim_arch *a = b->arch;
	struct ptsim_config cfg;
	uint64_t sec_pages, pages, sections, va_end;
	unsigned int max = ptsim_arch_max_order(a);
	int err;

	b->shift = ptsim_arch_page_shift(a);
	b->page_size = 1ull << b->shift;
	va_end = VA_BASE + (b->n << b->shift);
	if (b->n > (UINT64_C(1) << (ptsim_arch_va_bits(a) - b->shift)) ||
	    va_end > (1ull << ptsim_arch_va_bits(a))) {
		fprintf(stderr, "%s: %s: --n %" PRIu64 " pages do not fit in a %u-bit VA\n", prog,
			b->name, b->n, ptsim_arch_va_bits(a));
		return -1;
	}
	/* The largest block order dividing N, so exactly N frames are taken. */
	b->order = (unsigned int)__builtin_ctzll(b->n);
	if (b->order > max)
		b->order = max;
	b->nr_blocks = (b->n + (1ull << b->order) - 1) >> b->order;

	sec_pages = 1ull << (ptsim_arch_section_bits(a) - b->shift);
	/* Data blocks, PTE tables (at least 512 per table on every arch), upper tables. */
	pages = (b->nr_blocks << b->order) + b->n / 512 + 64;
	sections = (pages + sec_pages - 1) / sec_pages + 2;
	if (sections > ((1ull << ptsim_arch_pa_bits(a)) >> ptsim_arch_section_bits(a)) / 4) {
		fprintf(stderr, "%s: %s: --n %" PRIu64 " pages exceed the physical address space\n",
			prog, b->name, b->n);
		return -1;
	}

	err = ptsim_config_init(&cfg, b->name);
	if (err)
		return fail(b, "config_init", err);
	cfg.phys_bytes = sections << ptsim_arch_section_bits(a);
	err = ptsim_machine_create(&cfg, &b->m);
	if (err)
		return fail(b, "machine_create", err);
	err = ptsim_mm_create(b->m, &b->mm);
	if (err)
		return fail(b, "mm_create", err);
	b->prot = ptsim_pgprot(a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);

	b->blocks = calloc(b->nr_blocks, sizeof(*b->blocks));
	b->perm = malloc(b->n * sizeof(*b->perm));
	b->flat = malloc(b->n * sizeof(*b->flat));
	if (!b->blocks || !b->perm || !b->flat) {
		fprintf(stderr, "%s: %s: out of host memory for %" PRIu64 " pages\n", prog, b->name,
			b->n);
		return -1;
	}
	/* Fisher-Yates with a fixed-seed xorshift: every page once, random order. */
	{
		uint64_t s = SEED;

		for (uint64_t i = 0; i < b->n; i++)
			b->perm[i] = (uint32_t)i;
		for (uint64_t i = b->n - 1; i > 0; i--) {
			uint64_t j = xorshift64(&s) % (i + 1);
			uint32_t t = b->perm[i];

			b->perm[i] = b->perm[j];
			b->perm[j] = t;
		}
	}
	return 0;
}

static int alloc_frames(struct bench *b)
{
	for (uint64_t i = 0; i < b->nr_blocks; i++) {
		int err = ptsim_alloc_pages(b->m, b->order, &b->blocks[i]);

		if (err) {
			b->nr_blocks = i; /* free only what was allocated */
			return fail(b, "alloc_pages", err);
		}
	}
	for (uint64_t i = 0; i < b->n; i++)
		b->pfn_xor ^= frame_of(b, i);
	return 0;
}

static void teardown(struct bench *b)
{
	if (b->m) {
		for (uint64_t i = 0; i < b->nr_blocks; i++) {
			int err = ptsim_free_pages(b->m, b->blocks[i], b->order);

			if (err)
				fail(b, "free_pages", err);
		}
	}
	ptsim_machine_destroy(b->m); /* also the mm and its tables */
	b->m = NULL;
	b->mm = NULL;
	free(b->blocks);
	free(b->perm);
	free(b->flat);
	b->blocks = NULL;
	b->perm = NULL;
	b->flat = NULL;
}

static NOINLINE int run_map(struct bench *b, uint64_t *ns)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < b->n; i++) {
		int err = ptsim_map(b->mm, VA_BASE + (i << b->shift), b->page_size, frame_of(b, i),
				    b->page_size, b->prot, 0);

		if (err)
			return fail(b, "map", err);
	}
	*ns = now_ns() - t0;
	return 0;
}

static NOINLINE int run_translate(struct bench *b, uint64_t *ns)
{
	struct ptsim_translation t;
	uint64_t acc = 0, t0;

	t0 = now_ns();
	for (uint64_t i = 0; i < b->n; i++) {
		int err = ptsim_translate(b->mm, VA_BASE + ((uint64_t)b->perm[i] << b->shift), &t);

		if (err)
			return fail(b, "translate", err);
		acc ^= t.pfn;
	}
	*ns = now_ns() - t0;
	if (acc != b->pfn_xor) {
		fprintf(stderr, "%s: %s: translate returned wrong frames\n", prog, b->name);
		return -1;
	}
	return 0;
}

static NOINLINE int run_unmap(struct bench *b, uint64_t *ns)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < b->n; i++) {
		long r = ptsim_unmap(b->mm, VA_BASE + (i << b->shift), b->page_size,
				     PTSIM_UNMAP_FREE_TABLES);

		if (r != 1)
			return fail(b, "unmap", r < 0 ? r : -EINVAL);
	}
	*ns = now_ns() - t0;
	if (ptsim_mm_pgtables_bytes(b->mm) != 0) {
		fprintf(stderr, "%s: %s: tables left after unmapping everything\n", prog, b->name);
		return -1;
	}
	return 0;
}

/* The flat page table: one store, load or clear per entry, none elided. */
static NOINLINE uint64_t base_map(struct bench *b)
{
	volatile uint64_t *flat = b->flat;
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < b->n; i++)
		flat[i] = (frame_of(b, i) << b->shift) | b->prot;
	return now_ns() - t0;
}

static NOINLINE uint64_t base_translate(struct bench *b, uint64_t *sink)
{
	volatile uint64_t *flat = b->flat;
	uint64_t acc = 0, t0 = now_ns();

	for (uint64_t i = 0; i < b->n; i++)
		acc ^= flat[b->perm[i]];
	*sink ^= acc;
	return now_ns() - t0;
}

static NOINLINE uint64_t base_unmap(struct bench *b)
{
	volatile uint64_t *flat = b->flat;
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < b->n; i++)
		flat[i] = 0;
	return now_ns() - t0;
}

static void print_case(const struct bench *b, const char *what, uint64_t ns, uint64_t base_ns)
{
	double per = (double)ns / (double)b->n, base = (double)base_ns / (double)b->n;

	printf("{\"bench\":\"%s\",\"arch\":\"%s\",\"n\":%" PRIu64
	       ",\"ns_per_op\":%.2f,\"baseline_ns_per_op\":%.3f,\"ratio\":%.1f}\n",
	       what, b->name, b->n, per, base, base > 0 ? per / base : 0.0);
}

static int bench_arch(struct bench *b)
{
	struct timings best;
	struct ptsim_host_stats hs0, hs1;
	struct ptsim_mem_stats ms0, ms1;
	uint64_t sink = 0, nr_tables = 0, t;
	double per_page;

	if (setup(b))
		return -1;
	ptsim_host_stats(b->m, &hs0);
	ptsim_mem_stats(b->m, &ms0);
	if (alloc_frames(b))
		return -1;

	/* Warm-up of the baseline: fault the flat array in, train the caches. */
	base_map(b);
	base_translate(b, &sink);
	base_unmap(b);

	memset(&best, 0xff, sizeof(best));
	for (int rep = 0; rep < NR_REPS; rep++) {
		if (run_map(b, &t))
			return -1;
		bench_keep_min(&best.map, t);
		if (rep == 0) {
			ptsim_host_stats(b->m, &hs1);
			ptsim_mem_stats(b->m, &ms1);
			for (int lvl = PTSIM_P4D; lvl < PTSIM_NR_LEVELS; lvl++)
				nr_tables += ptsim_mm_nr_tables(b->mm, (enum ptsim_level)lvl);
		}
		bench_keep_min(&best.base_map, base_map(b));
		if (run_translate(b, &t))
			return -1;
		bench_keep_min(&best.translate, t);
		bench_keep_min(&best.base_translate, base_translate(b, &sink));
		if (run_unmap(b, &t))
			return -1;
		bench_keep_min(&best.unmap, t);
		bench_keep_min(&best.base_unmap, base_unmap(b));
	}

	print_case(b, "map", best.map, best.base_map);
	print_case(b, "translate", best.translate, best.base_translate);
	print_case(b, "unmap", best.unmap, best.base_unmap);
	per_page = (double)(hs1.bytes_live - hs0.bytes_live) / (double)b->n;
	printf("{\"bench\":\"host_bytes_per_page\",\"arch\":\"%s\",\"n\":%" PRIu64
	       ",\"value\":%.2f,\"kernel_ref\":%d,\"target\":%d}\n",
	       b->name, b->n, per_page, KERNEL_REF_BYTES, TARGET_BYTES);
	if (fflush(stdout)) {
		fprintf(stderr, "%s: writing stdout: %s\n", prog, strerror(errno));
		return -1;
	}
	if (verbose || per_page > TARGET_BYTES) {
		uint64_t secs = ms1.nr_sections_initialised - ms0.nr_sections_initialised;
		uint64_t frame_bytes = secs * (ms1.section_bytes >> b->shift) * 64;
		uint64_t table_bytes = nr_tables * b->page_size;

		fprintf(stderr,
			"%s: %s: %.2f host B/page = %.2f frame records (%" PRIu64
			" sections initialised) + %.2f table buffers (%" PRIu64
			" tables) + %.2f other (%" PRIu64 " allocations in all)\n",
			prog, b->name, per_page, (double)frame_bytes / (double)b->n, secs,
			(double)table_bytes / (double)b->n, nr_tables,
			((double)(hs1.bytes_live - hs0.bytes_live) - (double)frame_bytes -
			 (double)table_bytes) /
				(double)b->n,
			hs1.nr_live - hs0.nr_live);
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--arch NAME] [--n PAGES] [--verbose]\n"
		"  --arch NAME  only this configuration (default: all; see `ptsim list`)\n"
		"  --n PAGES    base pages per case (default %llu, at most %llu)\n"
		"  --verbose    host-memory breakdown per configuration on stderr\n"
		"Prints one JSON object per case on stdout.\n",
		prog, (unsigned long long)DEFAULT_N, (unsigned long long)MAX_N);
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	uint64_t n = DEFAULT_N;
	unsigned int ran = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--arch") && i + 1 < argc) {
			only = argv[++i];
			if (!ptsim_arch_lookup(only)) {
				fprintf(stderr, "%s: unknown architecture \"%s\"\n", prog, only);
				return 1;
			}
		} else if (!strcmp(argv[i], "--n") && i + 1 < argc) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(argv[++i], &end, 0);
			if (errno || end == argv[i] || *end || v == 0 || v > MAX_N) {
				fprintf(stderr, "%s: --n wants 1..%llu pages, not \"%s\"\n", prog,
					(unsigned long long)MAX_N, argv[i]);
				return 1;
			}
			n = v;
		} else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "%s: bad argument \"%s\"\n", prog, argv[i]);
			usage(stderr);
			return 1;
		}
	}

	for (unsigned int i = 0; ptsim_arch_at(i); i++) {
		struct bench b;
		int err;

		memset(&b, 0, sizeof(b));
		b.arch = ptsim_arch_at(i);
		b.name = ptsim_arch_name(b.arch);
		if (only && strcmp(only, b.name))
			continue;
		b.n = n;
		err = bench_arch(&b);
		teardown(&b);
		if (err)
			return 1;
		ran++;
	}
	if (!ran) {
		fprintf(stderr, "%s: no configuration ran\n", prog);
		return 1;
	}
	return 0;
}
