// SPDX-License-Identifier: MIT
/*
 * bench_free.c - what freeing costs per page: munmap and exit of N pages
 * faulted in a random order, and munmap of a few pages that many CPUs have
 * cached.
 *
 * Cases (bench/README.md has the JSON fields):
 *  - munmap_random, exit_random: an anonymous mapping of N base pages
 *    (thp.enabled=never, one CPU) is written page by page through
 *    ptsim_access() in the order of a fixed-seed permutation of its
 *    addresses (not timed), so that its frames are scattered over the
 *    address range; then the whole range is unmapped with ptsim_munmap()
 *    (munmap_random), or the address space is destroyed with
 *    ptsim_mm_destroy() (exit_random), timed.  N = 4096, 16384, 65536,
 *    262144, 1048576 pages (up to --max-n).  The baseline is the per-page
 *    cost of the smallest N of the same run: the ratio stays near 1 when
 *    freeing costs the same per page whatever the size.
 *  - munmap_cpus: 512 pages written by CPU 0 and then read by each of the
 *    other CPUs (not timed), so that every CPU's TLB and walk caches hold
 *    them, then unmapped (timed), on machines of 1, 4, 16, 64 and 256 CPUs
 *    (up to --max-cpus).  The baseline is the 1-CPU figure: the cost should
 *    grow as pages + CPUs, not pages x CPUs.
 *
 * Every figure is the best of --reps repetitions (default 3, CLOCK_MONOTONIC);
 * a warm-up round of the smallest case runs first.  stdout carries only JSON
 * lines; messages go to stderr; any failed call, and memory not back to free
 * after a case, ends the program with status 1.
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

#define VA_BASE	      0x40000000ull
#define SEED	      0x2545f4914f6cdd1dull
#define DEFAULT_REPS  3
#define DEFAULT_MAX_N (1ull << 20)
#define MIN_N	      4096ull
#define CPU_PAGES     512ull
#define DEFAULT_CPUS  256u

#define NOINLINE __attribute__((noinline))

static const char *prog = "bench_free";

struct bench {
	const char *name;
	const struct ptsim_arch *arch;
	uint64_t psz;
	unsigned int reps;
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
	uint64_t free0; /* free pages before the address space was populated */
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

/* A machine with room for @pages data pages and their tables, THP off, @ncpus CPUs. */
static void machine_new(struct bench *b, uint64_t pages, unsigned int ncpus)
{
	struct ptsim_config cfg;
	char opts[128];
	uint64_t bytes = pages * b->psz + pages * b->psz / 64 + (64ull << 20);

	bytes = (bytes + (1ull << 30) - 1) & ~((1ull << 30) - 1);
	check(b, "config", ptsim_config_init(&cfg, b->name));
	snprintf(opts, sizeof(opts), "phys=%lluG,thp.enabled=never,ncpus=%u",
		 (unsigned long long)(bytes >> 30), ncpus);
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

static uint64_t free_pages(const struct bench *b)
{
	struct ptsim_mem_stats ms;

	ptsim_mem_stats(b->m, &ms);
	return ms.free_pages;
}

/* A fresh address space with an anonymous read-write mapping of @n pages at VA_BASE. */
static void mm_new(struct bench *b, uint64_t n)
{
	uint64_t va;

	check(b, "mm", ptsim_mm_create(b->m, &b->mm));
	b->free0 = free_pages(b);
	check(b, "mmap",
	      ptsim_mmap(b->mm, VA_BASE, n * b->psz, PTSIM_PROT_READ | PTSIM_PROT_WRITE,
			 PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0, &va));
}

static void touch(struct bench *b, unsigned int cpu, uint64_t page, int access)
{
	struct ptsim_access_result r;

	check(b, "access", ptsim_access(b->mm, cpu, VA_BASE + page * b->psz, access, &r));
	if (r.signal) {
		fprintf(stderr, "%s: %s: access to page %" PRIu64 " signalled %d\n", prog, b->name,
			page, r.signal);
		exit(1);
	}
}

/*
 * Everything the mapping held is free again: @extra is what more than that
 * went (1 for exit, which frees the top-level table too).
 */
static void expect_freed(const struct bench *b, const char *what, uint64_t extra)
{
	uint64_t now = free_pages(b);

	if (now != b->free0 + extra) {
		fprintf(stderr, "%s: %s: %s left %" PRId64 " pages allocated\n", prog, b->name,
			what, (int64_t)(b->free0 + extra - now));
		exit(1);
	}
}

/* xorshift64 */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A Fisher-Yates permutation of 0..n-1 from the fixed seed. */
static uint32_t *permutation(uint64_t n)
{
	uint32_t *p = malloc(n * sizeof(*p));
	uint64_t s = SEED;

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	for (uint64_t i = 0; i < n; i++)
		p[i] = (uint32_t)i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = rnd(&s) % (i + 1);
		uint32_t t = p[i];

		p[i] = p[j];
		p[j] = t;
	}
	return p;
}

static void populate_random(struct bench *b, uint64_t n, const uint32_t *perm)
{
	mm_new(b, n);
	for (uint64_t i = 0; i < n; i++)
		touch(b, 0, perm[i], PTSIM_ACCESS_WRITE);
}

static NOINLINE uint64_t run_munmap(struct bench *b, uint64_t n)
{
	uint64_t t0 = now_ns();

	check(b, "munmap", ptsim_munmap(b->mm, VA_BASE, n * b->psz));
	return now_ns() - t0;
}

static NOINLINE uint64_t run_exit(struct bench *b)
{
	uint64_t t0 = now_ns();

	ptsim_mm_destroy(b->mm);
	b->mm = NULL;
	return now_ns() - t0;
}

/* Best munmap and exit times of @n randomly faulted pages. */
static void random_case(struct bench *b, uint64_t n, unsigned int reps, uint64_t *munmap_ns,
			uint64_t *exit_ns)
{
	uint32_t *perm = permutation(n);

	*munmap_ns = *exit_ns = UINT64_MAX;
	machine_new(b, n, 1);
	for (unsigned int rep = 0; rep < reps; rep++) {
		populate_random(b, n, perm);
		bench_keep_min(munmap_ns, run_munmap(b, n));
		expect_freed(b, "munmap", 0);
		ptsim_mm_destroy(b->mm);
		b->mm = NULL;

		populate_random(b, n, perm);
		bench_keep_min(exit_ns, run_exit(b));
		expect_freed(b, "exit", 1);
	}
	machine_free(b);
	free(perm);
}

static void bench_random(struct bench *b, uint64_t max_n)
{
	double base_munmap = 0, base_exit = 0;
	uint64_t mu, ex;

	random_case(b, MIN_N, 1, &mu, &ex); /* warm-up */
	for (uint64_t n = MIN_N; n <= max_n; n *= 4) {
		double pm, pe;

		random_case(b, n, b->reps, &mu, &ex);
		pm = (double)mu / (double)n;
		pe = (double)ex / (double)n;
		if (n == MIN_N) {
			base_munmap = pm;
			base_exit = pe;
		}
		printf("{\"bench\":\"munmap_random\",\"arch\":\"%s\",\"n\":%" PRIu64
		       ",\"ns_per_page\":%.1f,\"baseline_ns_per_page\":%.1f,\"ratio\":%.2f}\n",
		       b->name, n, pm, base_munmap, pm / base_munmap);
		printf("{\"bench\":\"exit_random\",\"arch\":\"%s\",\"n\":%" PRIu64
		       ",\"ns_per_page\":%.1f,\"baseline_ns_per_page\":%.1f,\"ratio\":%.2f}\n",
		       b->name, n, pe, base_exit, pe / base_exit);
		fflush(stdout);
	}
}

/* Best munmap time of CPU_PAGES pages that @ncpus CPUs have all cached; the ledger of the last. */
static uint64_t cpus_case(struct bench *b, unsigned int ncpus, unsigned int reps,
			  struct ptsim_cost *cost)
{
	uint64_t best = UINT64_MAX;
	struct ptsim_cost_scope scope;

	machine_new(b, CPU_PAGES, ncpus);
	for (unsigned int rep = 0; rep < reps; rep++) {
		mm_new(b, CPU_PAGES);
		for (uint64_t i = 0; i < CPU_PAGES; i++)
			touch(b, 0, i, PTSIM_ACCESS_WRITE);
		for (unsigned int cpu = 1; cpu < ncpus; cpu++)
			for (uint64_t i = 0; i < CPU_PAGES; i++)
				touch(b, cpu, i, PTSIM_ACCESS_READ);
		ptsim_cost_begin(b->m, &scope);
		bench_keep_min(&best, run_munmap(b, CPU_PAGES));
		ptsim_cost_end(b->m, &scope, cost);
		expect_freed(b, "munmap", 0);
		if (ptsim_violations(b->m, NULL, 0)) {
			fprintf(stderr, "%s: %s: munmap caused TLB violations\n", prog, b->name);
			exit(1);
		}
		ptsim_mm_destroy(b->mm);
		b->mm = NULL;
	}
	machine_free(b);
	return best;
}

static void bench_cpus(struct bench *b, unsigned int max_cpus)
{
	static const unsigned int counts[] = {1, 4, 16, 64, 256, 1024, 4096};
	double base = 0;
	struct ptsim_cost c;

	cpus_case(b, 1, 1, &c); /* warm-up */
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]) && counts[i] <= max_cpus; i++) {
		uint64_t t = cpus_case(b, counts[i], b->reps, &c);
		double pp = (double)t / CPU_PAGES;
		uint64_t flushes = 0;

		for (int k = 0; k < PTSIM_FLUSH_NR_KINDS; k++)
			flushes += c.tlb_flushes[k];
		if (i == 0)
			base = pp;
		printf("{\"bench\":\"munmap_cpus\",\"arch\":\"%s\",\"pages\":%llu,\"cpus\":%u,"
		       "\"ns_per_page\":%.1f,\"baseline_ns_per_page\":%.1f,\"ratio\":%.2f,"
		       "\"tlb_flushes\":%" PRIu64 ",\"ipis\":%" PRIu64 "}\n",
		       b->name, CPU_PAGES, counts[i], pp, base, pp / base, flushes, c.ipis);
		fflush(stdout);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--arch NAME] [--max-n PAGES] [--max-cpus N] [--reps R] "
		"[--case NAME[,NAME...]]\n"
		"  --arch NAME     configuration (default x86_64-4l)\n"
		"  --max-n PAGES   largest N of munmap_random / exit_random (4096..%llu, "
		"default %llu)\n"
		"  --max-cpus N    largest CPU count of munmap_cpus (1..4096, default %u)\n"
		"  --reps R        repetitions per figure (1..100, default %d)\n"
		"  --case NAME     random (munmap_random and exit_random), cpus (default: both)\n",
		prog, 1ull << 24, DEFAULT_MAX_N, DEFAULT_CPUS, DEFAULT_REPS);
}

static uint64_t number(const char *s, uint64_t lo, uint64_t hi, const char *opt)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (*end || v < lo || v > hi) {
		fprintf(stderr, "%s: %s takes %" PRIu64 "..%" PRIu64 "\n", prog, opt, lo, hi);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct bench b = {.name = "x86_64-4l", .reps = DEFAULT_REPS};
	uint64_t max_n = DEFAULT_MAX_N;
	unsigned int max_cpus = DEFAULT_CPUS;
	const char *cases = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--arch") && i + 1 < argc) {
			b.name = argv[++i];
		} else if (!strcmp(argv[i], "--max-n") && i + 1 < argc) {
			max_n = number(argv[++i], MIN_N, 1ull << 24, "--max-n");
		} else if (!strcmp(argv[i], "--max-cpus") && i + 1 < argc) {
			max_cpus = (unsigned int)number(argv[++i], 1, PTSIM_TLB_MAX_CPUS,
							"--max-cpus");
		} else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
			b.reps = (unsigned int)number(argv[++i], 1, 100, "--reps");
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
	b.arch = ptsim_arch_lookup(b.name);
	if (!b.arch) {
		fprintf(stderr, "%s: unknown configuration \"%s\" (see ptsim list)\n", prog,
			b.name);
		return 1;
	}
	b.psz = 1ull << ptsim_arch_page_shift(b.arch);
	if (!cases || strstr(cases, "random"))
		bench_random(&b, max_n);
	if (!cases || strstr(cases, "cpus"))
		bench_cpus(&b, max_cpus);
	return 0;
}
