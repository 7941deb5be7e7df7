// SPDX-License-Identifier: MIT
/*
 * bench_thp.c - what splitting a transparent huge page costs, against
 * same-process baselines, on x86-64 and arm64 (4K pages) by default.
 *
 * Cases (bench/README.md has the JSON fields):
 *  - split_huge_pmd: K THPs are faulted in (not timed), then each is split
 *    with ptsim_split_huge_pmd() (timed).  Baseline: what a split cannot do
 *    without - writing the same number of consecutive-PFN entries into a
 *    recycled table and updating as many 64-byte frame records (a
 *    reference and a map count each), with no allocation, since the
 *    deposited table is reused.  The goal is a ratio of at most 2.
 *  - split_huge_pmd_cost: the cost ledger of one split (entries written,
 *    frame records touched, tables allocated, flushes, IPIs).
 *  - mprotect_one_page: mprotect(PROT_READ) of one page inside a THP (a
 *    split, then one PTE changed) against the same call on one page of a
 *    range mapped by small pages (no split); both split the VMA.  Time and
 *    ledger of each.
 *  - split_scaling: 1000 THPs in one address space split one by one,
 *    against splitting one THP in an otherwise empty address space: the
 *    per-split time must not grow with the address space (ratio near 1).
 *
 * Every timed figure is the best of 3 repetitions (CLOCK_MONOTONIC), after a
 * warm-up.  stdout carries only JSON lines; messages go to stderr; any
 * failed call ends the program with status 1.
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

#define VA_BASE	       0x40000000ull
#define NR_REPS	       3
#define DEFAULT_K      64	     /* THPs per split_huge_pmd repetition */
#define SCALING_THPS   1000	     /* THPs of the big address space in split_scaling */
#define SINGLE_ROUNDS  16	     /* one-THP address spaces per split_scaling repetition */
#define EVICT_BYTES    (64ull << 20) /* written between them: colder than any last-level cache */
#define MPROTECT_ROUND 64	     /* mprotect calls per repetition */
#define GOAL_RATIO     2

#define NOINLINE __attribute__((noinline))

static const char *prog = "bench_thp";

/* A 64-byte frame record, as the baseline updates it. */
struct record {
	uint64_t w[8];
};

struct bench {
	const char *name;
	const struct ptsim_arch *arch;
	uint64_t psz, thp, nr; /* page size, THP size, pages per THP */
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
	uint64_t *table;	/* the baseline's recycled table */
	struct record *records; /* the baseline's frame records: k * nr, one per page split */
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

/* A machine with @thps THPs' worth of memory and slack, THP always on. */
static void machine_new(struct bench *b, uint64_t thps)
{
	struct ptsim_config cfg;
	char opts[96];
	uint64_t bytes = (thps + 8) * b->thp * 2;

	check(b, "config", ptsim_config_init(&cfg, b->name));
	bytes = (bytes + (1ull << 30) - 1) & ~((1ull << 30) - 1);
	snprintf(opts, sizeof(opts), "phys=%lluG,thp.enabled=always",
		 (unsigned long long)(bytes >> 30));
	check(b, "config", ptsim_config_set(&cfg, opts, NULL, 0));
	check(b, "machine", ptsim_machine_create(&cfg, &b->m));
	b->mm = NULL;
}

static void machine_free(struct bench *b)
{
	ptsim_machine_destroy(b->m);
	b->m = NULL;
	b->mm = NULL;
}

/* A fresh address space with @thps THPs (or their first pages, THP off) faulted in at VA_BASE. */
static void populate(struct bench *b, uint64_t thps, bool huge)
{
	struct ptsim_access_result r;
	struct ptsim_translation t;
	uint64_t va;

	if (b->mm)
		ptsim_mm_destroy(b->mm);
	check(b, "mm", ptsim_mm_create(b->m, &b->mm));
	check(b, "mmap",
	      ptsim_mmap(b->mm, VA_BASE, thps * b->thp, PTSIM_PROT_READ | PTSIM_PROT_WRITE,
			 PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0, &va));
	for (uint64_t i = 0; i < thps; i++) {
		check(b, "access",
		      ptsim_access(b->mm, 0, VA_BASE + i * b->thp, PTSIM_ACCESS_WRITE, &r));
		check(b, "translate", ptsim_translate(b->mm, VA_BASE + i * b->thp, &t));
		if ((t.level == PTSIM_PMD) != huge) {
			fprintf(stderr, "%s: %s: the fault did not map what thp.enabled says\n",
				prog, b->name);
			exit(1);
		}
	}
}

/* Split THPs [first, first + n) one by one; returns the time. */
static NOINLINE uint64_t run_splits(struct bench *b, uint64_t first, uint64_t n)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = first; i < first + n; i++)
		check(b, "split_huge_pmd", ptsim_split_huge_pmd(b->mm, VA_BASE + i * b->thp, 0));
	return now_ns() - t0;
}

/*
 * The baseline of @n splits: per split, @b->nr consecutive-PFN entries into
 * the same recycled table and the @b->nr frame records of that split's
 * pages updated (a reference and a map count) - distinct records for each
 * split, as the model's are, so both touch as much memory - through
 * volatile pointers so every store is made.
 */
static NOINLINE uint64_t base_splits(struct bench *b, uint64_t n)
{
	volatile uint64_t *tbl = b->table;
	volatile struct record *rec = b->records;
	uint64_t t0 = now_ns();

	for (uint64_t s = 0; s < n; s++) {
		uint64_t pfn = 0x1000 + s * b->nr;
		volatile struct record *r = rec + s * b->nr;

		for (uint64_t i = 0; i < b->nr; i++) {
			tbl[i] = ((pfn + i) << 12) | 0x867;
			r[i].w[0] = r[i].w[0] + 1; /* the reference */
			r[i].w[1] = r[i].w[1] + 1; /* the map count */
		}
	}
	return now_ns() - t0;
}

/*
 * Touch the baseline's records as populate() touched the model's (the fault
 * prepares every page of the folio), so both are timed from the same cache
 * state.
 */
static NOINLINE uint64_t base_warm(struct bench *b, uint64_t n)
{
	volatile struct record *rec = b->records;
	uint64_t sum = 0;

	for (uint64_t i = 0; i < n * b->nr; i++)
		sum += rec[i].w[0];
	return sum;
}

static void print_cost(const char *prefix, const struct ptsim_cost *c, uint64_t n)
{
	uint64_t flushes = 0;

	for (int k = 0; k < PTSIM_FLUSH_NR_KINDS; k++)
		flushes += c->tlb_flushes[k];
	printf("\"%sentries_written_pmd\":%.1f,\"%sentries_written_pte\":%.1f,"
	       "\"%sframes_touched\":%.1f,\"%stables_alloc\":%.1f,\"%stlb_flushes\":%.1f,"
	       "\"%sipis\":%.1f",
	       prefix, (double)c->entries_written[PTSIM_PMD] / (double)n, prefix,
	       (double)c->entries_written[PTSIM_PTE] / (double)n, prefix,
	       (double)c->frames_touched / (double)n, prefix, (double)c->tables_alloc / (double)n,
	       prefix, (double)flushes / (double)n, prefix, (double)c->ipis / (double)n);
}

static void bench_split(struct bench *b, uint64_t k)
{
	uint64_t best = UINT64_MAX, best_base = UINT64_MAX, sink = 0;
	struct ptsim_cost_scope scope;
	struct ptsim_cost c;

	machine_new(b, k);
	(void)base_splits(b, k); /* warm-up: faults the baseline's arrays in */
	for (int rep = 0; rep < NR_REPS; rep++) {
		populate(b, k, true);
		if (rep == 0)
			ptsim_cost_begin(b->m, &scope);
		bench_keep_min(&best, run_splits(b, 0, k));
		if (rep == 0)
			ptsim_cost_end(b->m, &scope, &c);
		sink += base_warm(b, k);
		bench_keep_min(&best_base, base_splits(b, k));
	}
	if (ptsim_vm_event(b->m, PTSIM_VM_THP_SPLIT_PMD) != NR_REPS * k || sink == UINT64_MAX) {
		fprintf(stderr, "%s: %s: thp_split_pmd does not count the splits\n", prog, b->name);
		exit(1);
	}
	printf("{\"bench\":\"split_huge_pmd\",\"arch\":\"%s\",\"thps\":%" PRIu64
	       ",\"ptes_per_split\":%" PRIu64 ",\"ns_per_op\":%.1f,\"baseline_ns_per_op\":%.1f,"
	       "\"ratio\":%.2f,\"goal\":%d}\n",
	       b->name, k, b->nr, (double)best / (double)k, (double)best_base / (double)k,
	       (double)best / (double)best_base, GOAL_RATIO);
	printf("{\"bench\":\"split_huge_pmd_cost\",\"arch\":\"%s\",", b->name);
	print_cost("", &c, k);
	printf("}\n");
	machine_free(b);
}

/*
 * mprotect(PROT_READ) of one page, @n times: in the middle of THP i (split)
 * or of the i-th PMD-sized stretch of a range of small pages (no split).
 */
static NOINLINE uint64_t run_mprotect(struct bench *b, uint64_t n)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < n; i++)
		check(b, "mprotect",
		      ptsim_mprotect(b->mm, VA_BASE + i * b->thp + b->thp / 2, b->psz,
				     PTSIM_PROT_READ));
	return now_ns() - t0;
}

static void bench_mprotect(struct bench *b)
{
	uint64_t best[2] = {UINT64_MAX, UINT64_MAX};
	struct ptsim_cost c[2];
	const uint64_t n = MPROTECT_ROUND;

	machine_new(b, n);
	for (int rep = 0; rep < NR_REPS + 1; rep++) {
		for (int split = 1; split >= 0; split--) {
			struct ptsim_cost_scope scope;
			uint64_t t;

			check(b, "knob",
			      ptsim_knob_set(b->m, "thp.enabled", split ? "always" : "never"));
			populate(b, n, split);
			if (!split) {
				/* Every page of each stretch mapped, as in the THP case. */
				struct ptsim_access_result r;

				for (uint64_t va = VA_BASE; va < VA_BASE + n * b->thp; va += b->psz)
					check(b, "access",
					      ptsim_access(b->mm, 0, va, PTSIM_ACCESS_WRITE, &r));
			}
			ptsim_cost_begin(b->m, &scope);
			t = run_mprotect(b, n);
			ptsim_cost_end(b->m, &scope, &c[split]);
			if (rep) /* rep 0 is the warm-up */
				bench_keep_min(&best[split], t);
		}
	}
	printf("{\"bench\":\"mprotect_one_page\",\"arch\":\"%s\",\"calls\":%" PRIu64
	       ",\"split_ns_per_op\":%.1f,\"nosplit_ns_per_op\":%.1f,\"ratio\":%.2f,",
	       b->name, n, (double)best[1] / (double)n, (double)best[0] / (double)n,
	       (double)best[1] / (double)best[0]);
	print_cost("split_", &c[1], n);
	printf(",");
	print_cost("nosplit_", &c[0], n);
	printf("}\n");
	machine_free(b);
}

/*
 * Read the frame records of THP @i (ptsim_frame_get() on each page), so its
 * split finds them in cache whatever the address space's size.
 */
static void warm_thp(struct bench *b, uint64_t i)
{
	struct ptsim_translation t;
	struct ptsim_frame_info fi;

	check(b, "translate", ptsim_translate(b->mm, VA_BASE + i * b->thp, &t));
	for (uint64_t p = 0; p < b->nr; p++)
		check(b, "frame_info", ptsim_frame_get(b->m, t.pfn + p, &fi));
}

/* Split THPs [0, n) one by one, each after warm_thp(); returns the time of the splits. */
static NOINLINE uint64_t run_warm_splits(struct bench *b, uint64_t n)
{
	uint64_t total = 0;

	for (uint64_t i = 0; i < n; i++) {
		warm_thp(b, i);
		total += run_splits(b, i, 1);
	}
	return total;
}

/*
 * The big address space's THPs were faulted long before their split, a
 * lone THP just before: each split is timed after its THP's frame records
 * were read again (warm_thp()), so the ratio shows what grows with the
 * address space, not the cache.
 */
static void bench_scaling(struct bench *b)
{
	uint64_t best_big = UINT64_MAX, best_one = UINT64_MAX;
	struct ptsim_cost c_one, c_big;
	struct ptsim_cost_scope scope;

	machine_new(b, SCALING_THPS);
	for (int rep = 0; rep < NR_REPS + 1; rep++) {
		uint64_t one = 0, big;

		for (int i = 0; i < SINGLE_ROUNDS; i++) {
			populate(b, 1, true);
			ptsim_cost_begin(b->m, &scope);
			one += run_warm_splits(b, 1);
			ptsim_cost_end(b->m, &scope, &c_one);
		}
		populate(b, SCALING_THPS, true);
		ptsim_cost_begin(b->m, &scope);
		big = run_warm_splits(b, SCALING_THPS);
		ptsim_cost_end(b->m, &scope, &c_big);
		if (rep) { /* rep 0 is the warm-up */
			bench_keep_min(&best_one, one);
			bench_keep_min(&best_big, big);
		}
	}
	printf("{\"bench\":\"split_scaling\",\"arch\":\"%s\",\"thps\":%d,\"ns_per_split\":%.1f,"
	       "\"baseline_ns_per_op\":%.1f,\"ratio\":%.2f,",
	       b->name, SCALING_THPS, (double)best_big / SCALING_THPS,
	       (double)best_one / SINGLE_ROUNDS,
	       ((double)best_big / SCALING_THPS) / ((double)best_one / SINGLE_ROUNDS));
	/* The ledger of a split (the warm-up reads are not in it): the same at both sizes. */
	print_cost("big_", &c_big, SCALING_THPS);
	printf(",");
	print_cost("one_", &c_one, 1);
	printf("}\n");
	machine_free(b);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--arch NAME] [--k THPS] [--case NAME[,NAME...]]\n"
		"  --arch NAME  one configuration (default: x86_64-4l and arm64-4k-48)\n"
		"  --k THPS     THPs per split_huge_pmd repetition (default %d)\n"
		"  --case NAME  split_huge_pmd, mprotect_one_page, split_scaling (default: all)\n",
		prog, DEFAULT_K);
}

int main(int argc, char **argv)
{
	const char *only = NULL, *defaults[] = {"x86_64-4l", "arm64-4k-48"}, *cases = NULL;
	uint64_t k = DEFAULT_K;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--arch") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--k") && i + 1 < argc) {
			char *end;

			k = strtoull(argv[++i], &end, 0);
			if (*end || !k || k > 4096) {
				fprintf(stderr, "%s: --k takes 1..4096\n", prog);
				return 1;
			}
		} else if (!strcmp(argv[i], "--case") && i + 1 < argc) {
			cases = argv[++i];
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

		b.arch = ptsim_arch_lookup(b.name);
		if (!b.arch) {
			fprintf(stderr, "%s: unknown configuration \"%s\" (see ptsim list)\n", prog,
				b.name);
			return 1;
		}
		b.psz = 1ull << ptsim_arch_page_shift(b.arch);
		b.thp = ptsim_arch_level_size(b.arch, PTSIM_PMD);
		b.nr = b.thp / b.psz;
		b.table = calloc(b.nr, sizeof(*b.table));
		b.records = calloc(k * b.nr, sizeof(*b.records));
		if (!b.table || !b.records) {
			fprintf(stderr, "%s: out of memory\n", prog);
			return 1;
		}
		if (!cases || strstr(cases, "split_huge_pmd"))
			bench_split(&b, k);
		if (!cases || strstr(cases, "mprotect_one_page"))
			bench_mprotect(&b);
		if (!cases || strstr(cases, "split_scaling"))
			bench_scaling(&b);
		free(b.table);
		free(b.records);
	}
	return 0;
}
