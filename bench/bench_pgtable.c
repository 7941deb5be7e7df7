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
 * Then, on a machine of its own with 262,144 physically consecutive frames,
 * the map_range case (bench/README.md): one ptsim_map() call of a 512-entry
 * range and one of a 262,144-entry range, against the raw-store limit of
 * writing the same entries into recycled table buffers.
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
static bool run_range = true, run_pages = true;
static uint64_t only_range;  /* --range: one map_range size (0: 512 and 262,144) */
static int only_tables = -1; /* --tables: 0 new, 1 kept (-1: both) */

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

/* --- map_range: one ptsim_map() call per range --------------------------------- */

#define RANGE_SMALL 512ull
#define RANGE_LARGE 262144ull

struct range_bench {
	struct bench b;	  /* machine, mm, frames: RANGE_LARGE consecutive from pfn0 */
	uint64_t pfn0;	  /* first frame of the run */
	uint64_t per;	  /* entries per PTE table */
	uint64_t ntables; /* baseline tables: RANGE_LARGE / per */
	uint64_t **tables;
	uint64_t *counts;  /* the baseline's per-table entry counts */
	uint64_t e0, step; /* entry i = e0 + i * step */
	bool keep;	   /* unmap keeps the tables: the next map writes into them */
};

/* One timed ptsim_map() of @n entries; the unmap after it is not timed. */
static NOINLINE int run_map_range(struct range_bench *r, uint64_t n, uint64_t *ns)
{
	struct bench *b = &r->b;
	struct ptsim_translation t;
	uint64_t t0, len = n << b->shift;
	long cleared;
	int err;

	t0 = now_ns();
	err = ptsim_map(b->mm, VA_BASE, len, r->pfn0, b->page_size, b->prot, 0);
	*ns = now_ns() - t0;
	if (err)
		return fail(b, "map (range)", err);
	/* What it built: the last page's frame, one PTE table per `per` entries. */
	err = ptsim_translate(b->mm, VA_BASE + len - b->page_size, &t);
	if (err)
		return fail(b, "translate (range)", err);
	if (t.pfn != r->pfn0 + n - 1 ||
	    ptsim_mm_nr_tables(b->mm, PTSIM_PTE) != (n + r->per - 1) / r->per) {
		fprintf(stderr, "%s: %s: map of %" PRIu64 " entries built the wrong tables\n", prog,
			b->name, n);
		return -1;
	}
	cleared = ptsim_unmap(b->mm, VA_BASE, len, r->keep ? 0 : PTSIM_UNMAP_FREE_TABLES);
	if (cleared != (long)n)
		return fail(b, "unmap (range)", cleared < 0 ? cleared : -EINVAL);
	if (!r->keep && ptsim_mm_pgtables_bytes(b->mm) != 0) {
		fprintf(stderr, "%s: %s: tables left after unmapping the range\n", prog, b->name);
		return -1;
	}
	return 0;
}

/*
 * The raw-store limit: the same @n entries written into recycled,
 * already-allocated table buffers - per table a planning step (how many
 * entries go there), a tight fill (frame advancing, attributes constant,
 * every store made), then the table's count updated once.
 */
static NOINLINE uint64_t base_map_range(struct range_bench *r, uint64_t n)
{
	uint64_t t0 = now_ns(), e = r->e0, done = 0;

	for (uint64_t t = 0; done < n; t++) {
		volatile uint64_t *tbl = r->tables[t];
		uint64_t nr = n - done < r->per ? n - done : r->per;

		for (uint64_t i = 0; i < nr; i++, e += r->step)
			tbl[i] = e;
		r->counts[t] += nr;
		done += nr;
	}
	return now_ns() - t0;
}

/*
 * Warm-up, once per size: afterwards the library's tables come from its pool
 * of recycled buffers and the baseline's buffers are faulted in.  Calls
 * ptsim_map() itself, so that callgrind's caller tree tells the warm-up from
 * the timed calls (bench/README.md).
 */
static NOINLINE int warm_range(struct range_bench *r, uint64_t n)
{
	struct bench *b = &r->b;
	long cleared;
	int err;

	err = ptsim_map(b->mm, VA_BASE, n << b->shift, r->pfn0, b->page_size, b->prot, 0);
	if (err)
		return fail(b, "map (range)", err);
	cleared = ptsim_unmap(b->mm, VA_BASE, n << b->shift, r->keep ? 0 : PTSIM_UNMAP_FREE_TABLES);
	if (cleared != (long)n)
		return fail(b, "unmap (range)", cleared < 0 ? cleared : -EINVAL);
	base_map_range(r, n);
	return 0;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Median of NR_REPS values (sorts them). */
static uint64_t median(uint64_t *v)
{
	qsort(v, NR_REPS, sizeof(*v), cmp_u64);
	return v[NR_REPS / 2];
}

/*
 * @calls ptsim_map() calls of @n entries per repetition (each timed on its
 * own, unmapped untimed), then as many baseline fills; NR_REPS repetitions
 * after one warm-up of each.
 */
static int range_case(struct range_bench *r, uint64_t n, uint64_t calls)
{
	struct bench *b = &r->b;
	uint64_t lib[NR_REPS], base[NR_REPS], t, lmin, bmin, lmed, bmed;
	double per, bper, med, bmedper, entries = (double)(n * calls);

	if (warm_range(r, n))
		return -1;
	for (int rep = 0; rep < NR_REPS; rep++) {
		lib[rep] = base[rep] = 0;
		for (uint64_t c = 0; c < calls; c++) {
			if (run_map_range(r, n, &t))
				return -1;
			lib[rep] += t;
		}
		for (uint64_t c = 0; c < calls; c++)
			base[rep] += base_map_range(r, n);
	}
	lmin = bmin = UINT64_MAX;
	for (int rep = 0; rep < NR_REPS; rep++) {
		bench_keep_min(&lmin, lib[rep]);
		bench_keep_min(&bmin, base[rep]);
	}
	lmed = median(lib);
	bmed = median(base);
	per = (double)lmin / entries;
	bper = (double)bmin / entries;
	med = (double)lmed / entries;
	bmedper = (double)bmed / entries;
	printf("{\"bench\":\"map_range\",\"arch\":\"%s\",\"tables\":\"%s\",\"n\":%" PRIu64
	       ",\"calls\":%" PRIu64
	       ",\"ns_per_op\":%.3f,\"baseline_ns_per_op\":%.3f,\"ratio\":%.2f"
	       ",\"median_ns_per_op\":%.3f,\"median_baseline_ns_per_op\":%.3f"
	       ",\"median_ratio\":%.2f,\"goal\":4}\n",
	       b->name, r->keep ? "kept" : "new", n, calls, per, bper, bper > 0 ? per / bper : 0.0,
	       med, bmedper, bmedper > 0 ? med / bmedper : 0.0);
	return 0;
}

static void range_teardown(struct range_bench *r)
{
	if (r->tables) {
		for (uint64_t t = 0; t < r->ntables; t++)
			free(r->tables[t]);
	}
	free(r->tables);
	free(r->counts);
	teardown(&r->b);
}

static int bench_range(struct range_bench *r)
{
	struct bench *b = &r->b;
	uint64_t run = 0, need;

	if (setup(b))
		return -1;
	/* One block more than N: the run of N consecutive frames may start after the first. */
	free(b->blocks);
	b->nr_blocks++;
	b->blocks = calloc(b->nr_blocks, sizeof(*b->blocks));
	if (!b->blocks) {
		fprintf(stderr, "%s: %s: out of host memory\n", prog, b->name);
		return -1;
	}
	if (alloc_frames(b))
		return -1;
	need = b->n >> b->order;
	for (uint64_t i = 0; i < b->nr_blocks && run < need; i++) {
		if (run && b->blocks[i] != b->blocks[i - 1] + (1ull << b->order))
			run = 0;
		if (!run++)
			r->pfn0 = b->blocks[i];
	}
	if (run < need) {
		fprintf(stderr, "%s: %s: no %" PRIu64 " consecutive frames\n", prog, b->name, b->n);
		return -1;
	}
	r->per = ptsim_arch_ptrs_per(b->arch, PTSIM_PTE);
	r->ntables = (b->n + r->per - 1) / r->per;
	r->tables = calloc(r->ntables, sizeof(*r->tables));
	r->counts = calloc(r->ntables, sizeof(*r->counts));
	if (!r->tables || !r->counts) {
		fprintf(stderr, "%s: %s: out of host memory\n", prog, b->name);
		return -1;
	}
	for (uint64_t t = 0; t < r->ntables; t++) {
		r->tables[t] = aligned_alloc(b->page_size, r->per * sizeof(uint64_t));
		if (!r->tables[t]) {
			fprintf(stderr, "%s: %s: out of host memory\n", prog, b->name);
			return -1;
		}
	}
	r->e0 = ptsim_mk_leaf(b->arch, PTSIM_PTE, r->pfn0, b->prot);
	r->step = ptsim_mk_leaf(b->arch, PTSIM_PTE, r->pfn0 + 1, b->prot) - r->e0;

	/* First with tables allocated by each map (freed by the unmap), then kept. */
	for (int keep = 0; keep < 2; keep++) {
		if (only_tables >= 0 && keep != only_tables)
			continue;
		r->keep = keep;
		if (only_range) {
			if (range_case(r, only_range, RANGE_LARGE / only_range))
				return -1;
		} else if (range_case(r, RANGE_SMALL, RANGE_LARGE / RANGE_SMALL) ||
			   range_case(r, RANGE_LARGE, 1)) {
			return -1;
		}
		/* Leave no tables behind for the next round. */
		if (ptsim_unmap(b->mm, VA_BASE, b->n << b->shift, PTSIM_UNMAP_FREE_TABLES) != 0 ||
		    ptsim_mm_pgtables_bytes(b->mm) != 0) {
			fprintf(stderr, "%s: %s: tables left after map_range\n", prog, b->name);
			return -1;
		}
	}
	if (fflush(stdout)) {
		fprintf(stderr, "%s: writing stdout: %s\n", prog, strerror(errno));
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--arch NAME] [--n PAGES] [--case LIST] [--verbose]\n"
		"  --arch NAME  only this configuration (default: all; see `ptsim list`)\n"
		"  --n PAGES    base pages per case (default %llu, at most %llu)\n"
		"  --case LIST  pages (map, translate, unmap, host bytes) and/or map_range,\n"
		"               comma-separated (default: both)\n"
		"  --range N    map_range: only ranges of N entries (1..%llu)\n"
		"  --tables new|kept  map_range: only with tables allocated by each map,\n"
		"               or only with tables kept from the previous map\n"
		"  --verbose    host-memory breakdown per configuration on stderr\n"
		"Prints one JSON object per case on stdout.\n",
		prog, (unsigned long long)DEFAULT_N, (unsigned long long)MAX_N,
		(unsigned long long)RANGE_LARGE);
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
		} else if (!strcmp(argv[i], "--range") && i + 1 < argc) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(argv[++i], &end, 0);
			if (errno || end == argv[i] || *end || v == 0 || v > RANGE_LARGE) {
				fprintf(stderr, "%s: --range wants 1..%llu entries, not \"%s\"\n",
					prog, (unsigned long long)RANGE_LARGE, argv[i]);
				return 1;
			}
			only_range = v;
		} else if (!strcmp(argv[i], "--tables") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "new")) {
				only_tables = 0;
			} else if (!strcmp(argv[i], "kept")) {
				only_tables = 1;
			} else {
				fprintf(stderr, "%s: --tables wants new or kept, not \"%s\"\n",
					prog, argv[i]);
				return 1;
			}
		} else if (!strcmp(argv[i], "--case") && i + 1 < argc) {
			const char *c = argv[++i];

			run_pages = run_range = false;
			while (*c) {
				size_t l = strcspn(c, ",");

				if (l == 5 && !strncmp(c, "pages", 5)) {
					run_pages = true;
				} else if (l == 9 && !strncmp(c, "map_range", 9)) {
					run_range = true;
				} else {
					fprintf(stderr,
						"%s: --case wants pages,map_range, not \"%s\"\n",
						prog, argv[i]);
					return 1;
				}
				c += l + (c[l] == ',');
			}
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
		if (run_pages) {
			b.n = n;
			err = bench_arch(&b);
			teardown(&b);
			if (err)
				return 1;
		}
		if (run_range) {
			struct range_bench r;

			memset(&r, 0, sizeof(r));
			r.b.arch = b.arch;
			r.b.name = b.name;
			r.b.n = RANGE_LARGE;
			err = bench_range(&r);
			range_teardown(&r);
			if (err)
				return 1;
		}
		ran++;
	}
	if (!ran) {
		fprintf(stderr, "%s: no configuration ran\n", prog);
		return 1;
	}
	return 0;
}
