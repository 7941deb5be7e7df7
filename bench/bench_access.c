// SPDX-License-Identifier: MIT
/*
 * bench_access.c - the hot paths of one address: ptsim_translate() of a
 * mapped page, ptsim_access() of a page whose translation is in the CPU's
 * TLB, and a first-touch fault.
 *
 * Cases (bench/README.md has the JSON fields and the baselines):
 *  - translate: N anonymous pages (thp.enabled=never, one CPU) are written
 *    once through ptsim_access() (not timed); then OPS calls
 *    ptsim_translate() over them, the pages in a fixed-seed random order.
 *    Baseline: a plain 4-level radix tree (arrays of pointers, the
 *    configuration's page size and 8-byte slots) holding the same pages'
 *    frames, walked inline over the same addresses.
 *  - access_tlb_hit: OPS calls ptsim_access(PTSIM_ACCESS_READ) on pages of a
 *    hot set as large as the base-page TLB (64 pages by default), each
 *    resident in CPU 0's TLB, in a fixed-seed random order.  Baseline: an
 *    inline software TLB, a direct-mapped array of (VPN, PFN) pairs as
 *    large as the hot set, looked up over the same addresses.
 *  - fault: N first-touch write faults on a fresh anonymous mapping, one
 *    ptsim_access() per page in address order (the mapping is unmapped
 *    after each repetition, not timed).  Baseline: the same faults on a
 *    machine without walk caches (walk_cache_entries = 0); fault_wc4096 is
 *    the same case with 4096-entry walk caches, which a fault must not
 *    scan.
 *
 * Every library result is checked: the frames translate finds, the
 * physical addresses and TLB counters of access_tlb_hit (every access a
 * hit, no miss), the absence of signals.  Each figure is the best (min) and
 * the median of 3 repetitions, CLOCK_MONOTONIC; each baseline runs once as
 * a warm-up and once after each library repetition.  stdout carries only
 * JSON lines; messages go to stderr; any error ends the program with
 * status 1.
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

#define VA_BASE	    0x40000000ull
#define NR_REPS	    3
#define SEED	    0x2545f4914f6cdd1dull
#define DEFAULT_N   4096ull
#define DEFAULT_OPS (1ull << 20)
#define RADIX_LVLS  4

/* Kept out of line so callgrind reports each case as its own function. */
#define NOINLINE __attribute__((noinline))

static const char *prog = "bench_access";

struct bench {
	const char *name;
	const struct ptsim_arch *arch;
	unsigned int shift;
	uint64_t psz;
	uint64_t n;   /* pages of translate and fault */
	uint64_t ops; /* calls per repetition of translate and access_tlb_hit */
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
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

static void bad(const struct bench *b, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, b->name, what);
	exit(1);
}

static void *xmalloc(size_t sz)
{
	void *p = calloc(1, sz);

	if (!p) {
		fprintf(stderr, "%s: out of host memory\n", prog);
		exit(1);
	}
	return p;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A machine with one CPU, THP off, @wc walk-cache entries per level (-1: the default). */
static void machine_new(struct bench *b, int wc)
{
	struct ptsim_config cfg;

	check(b, "config", ptsim_config_init(&cfg, b->name));
	check(b, "config", ptsim_config_set(&cfg, "phys=1G,thp.enabled=never,ncpus=1", NULL, 0));
	check(b, "machine", ptsim_machine_create(&cfg, &b->m));
	if (wc >= 0) {
		struct ptsim_tlb_config tc;

		ptsim_tlb_config_default(&tc);
		tc.walk_cache_entries = (unsigned int)wc;
		check(b, "tlb_configure", ptsim_tlb_configure(b->m, &tc));
	}
	check(b, "mm", ptsim_mm_create(b->m, &b->mm));
}

static void machine_free(struct bench *b)
{
	ptsim_machine_destroy(b->m);
	b->m = NULL;
	b->mm = NULL;
}

static void mmap_pages(struct bench *b, uint64_t n)
{
	uint64_t va;

	check(b, "mmap",
	      ptsim_mmap(b->mm, VA_BASE, n * b->psz, PTSIM_PROT_READ | PTSIM_PROT_WRITE,
			 PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL, 0, &va));
}

/* One access that must complete: the physical address it reached. */
static uint64_t touch(struct bench *b, uint64_t va, unsigned int access)
{
	struct ptsim_access_result r;

	check(b, "access", ptsim_access(b->mm, 0, va, access, &r));
	if (r.signal || r.userfault_pending)
		bad(b, "an access did not complete");
	return r.pa;
}

/* @ops addresses of pages 0..@n-1: whole random permutations, one after the other. */
static uint64_t *address_seq(const struct bench *b, uint64_t n, uint64_t ops)
{
	uint64_t *seq = xmalloc(ops * sizeof(*seq));
	uint32_t *perm = xmalloc(n * sizeof(*perm));
	uint64_t s = SEED;

	for (uint64_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (uint64_t done = 0; done < ops;) {
		for (uint64_t i = n - 1; i > 0; i--) {
			uint64_t j = rnd(&s) % (i + 1);
			uint32_t t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		for (uint64_t i = 0; i < n && done < ops; i++)
			seq[done++] = VA_BASE + ((uint64_t)perm[i] << b->shift);
	}
	free(perm);
	return seq;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Min and median of NR_REPS times. */
static void min_med(const uint64_t *t, uint64_t *min, uint64_t *med)
{
	uint64_t s[NR_REPS];

	memcpy(s, t, sizeof(s));
	qsort(s, NR_REPS, sizeof(s[0]), cmp_u64);
	*min = s[0];
	*med = s[NR_REPS / 2];
}

static void print_case(const struct bench *b, const char *what, uint64_t n, uint64_t ops,
		       const uint64_t *lib, const uint64_t *base)
{
	uint64_t lmin, lmed, bmin, bmed;
	double l0, l1, b0, b1;

	min_med(lib, &lmin, &lmed);
	min_med(base, &bmin, &bmed);
	l0 = (double)lmin / (double)ops;
	l1 = (double)lmed / (double)ops;
	b0 = (double)bmin / (double)ops;
	b1 = (double)bmed / (double)ops;
	printf("{\"bench\":\"%s\",\"arch\":\"%s\",\"n\":%" PRIu64 ",\"ops\":%" PRIu64
	       ",\"ns_per_op\":%.2f,\"ns_per_op_median\":%.2f,\"baseline_ns_per_op\":%.3f,"
	       "\"baseline_ns_per_op_median\":%.3f,\"ratio\":%.2f,\"ratio_median\":%.2f,"
	       "\"mops\":%.1f}\n",
	       what, b->name, n, ops, l0, l1, b0, b1, b0 > 0 ? l0 / b0 : 0.0,
	       b1 > 0 ? l1 / b1 : 0.0, l0 > 0 ? 1e3 / l0 : 0.0);
	fflush(stdout);
}

/* --- translate -------------------------------------------------------------------- */

/* The baseline's radix tree: RADIX_LVLS levels of 2^(shift - 3) slots. */
struct radix {
	void **root;
	unsigned int bits;
	unsigned int lshift[RADIX_LVLS]; /* [0]: the top level */
	uint64_t mask;
};

static void radix_init(struct radix *r, unsigned int page_shift)
{
	r->bits = page_shift - 3;
	r->mask = (1ull << r->bits) - 1;
	for (int l = 0; l < RADIX_LVLS; l++)
		r->lshift[l] = page_shift + (unsigned int)(RADIX_LVLS - 1 - l) * r->bits;
	r->root = xmalloc(sizeof(void *) << r->bits);
}

static void radix_insert(struct radix *r, uint64_t va, uint64_t pfn)
{
	void **node = r->root;

	for (int l = 0; l < RADIX_LVLS - 2; l++) {
		void **slot = &node[(va >> r->lshift[l]) & r->mask];

		if (!*slot)
			*slot = xmalloc(sizeof(void *) << r->bits);
		node = *slot;
	}
	{
		void **slot = &node[(va >> r->lshift[RADIX_LVLS - 2]) & r->mask];

		if (!*slot)
			*slot = xmalloc(sizeof(uint64_t) << r->bits);
		((uint64_t *)*slot)[(va >> r->lshift[RADIX_LVLS - 1]) & r->mask] = pfn;
	}
}

static void radix_free_node(void **node, unsigned int bits, int depth)
{
	if (depth < RADIX_LVLS - 1)
		for (uint64_t i = 0; i < (1ull << bits); i++)
			if (node[i])
				radix_free_node(node[i], bits, depth + 1);
	free(node);
}

static NOINLINE uint64_t run_translate(struct bench *b, const uint64_t *seq, uint64_t *sum)
{
	struct ptsim_translation t;
	uint64_t acc = 0, t0 = now_ns();

	for (uint64_t i = 0; i < b->ops; i++) {
		int err = ptsim_translate(b->mm, seq[i], &t);

		if (err)
			die(b, "translate", err);
		acc += t.pfn;
	}
	*sum = acc;
	return now_ns() - t0;
}

static NOINLINE uint64_t base_translate(struct bench *b, const struct radix *r, const uint64_t *seq,
					uint64_t *sum)
{
	const unsigned int s0 = r->lshift[0], s1 = r->lshift[1], s2 = r->lshift[2],
			   s3 = r->lshift[3];
	const uint64_t mask = r->mask;
	uint64_t acc = 0, t0 = now_ns();

	for (uint64_t i = 0; i < b->ops; i++) {
		uint64_t va = seq[i];
		void *const *n1 = r->root[(va >> s0) & mask];
		void *const *n2 = ((void *const *)n1)[(va >> s1) & mask];
		const uint64_t *pte = ((void *const *)n2)[(va >> s2) & mask];

		acc += pte[(va >> s3) & mask];
	}
	*sum = acc;
	return now_ns() - t0;
}

static void case_translate(struct bench *b)
{
	uint64_t lib[NR_REPS], base[NR_REPS], want = 0, sum;
	struct radix r;
	uint64_t *pfns, *seq;

	machine_new(b, -1);
	mmap_pages(b, b->n);
	pfns = xmalloc(b->n * sizeof(*pfns));
	radix_init(&r, b->shift);
	for (uint64_t i = 0; i < b->n; i++) {
		uint64_t va = VA_BASE + (i << b->shift);

		pfns[i] = touch(b, va, PTSIM_ACCESS_WRITE) >> b->shift;
		radix_insert(&r, va, pfns[i]);
	}
	seq = address_seq(b, b->n, b->ops);
	for (uint64_t i = 0; i < b->ops; i++)
		want += pfns[(seq[i] - VA_BASE) >> b->shift];

	base_translate(b, &r, seq, &sum); /* warm-up */
	for (int rep = 0; rep < NR_REPS; rep++) {
		lib[rep] = run_translate(b, seq, &sum);
		if (sum != want)
			bad(b, "translate returned wrong frames");
		base[rep] = base_translate(b, &r, seq, &sum);
		if (sum != want)
			bad(b, "the radix baseline returned wrong frames");
	}
	print_case(b, "translate", b->n, b->ops, lib, base);
	radix_free_node(r.root, r.bits, 0);
	free(seq);
	free(pfns);
	machine_free(b);
}

/* --- access_tlb_hit ----------------------------------------------------------------- */

struct soft_tlb_entry {
	uint64_t vpn, pfn;
};

static NOINLINE uint64_t run_access(struct bench *b, const uint64_t *seq, uint64_t *sum)
{
	struct ptsim_access_result r;
	uint64_t acc = 0, t0 = now_ns();

	for (uint64_t i = 0; i < b->ops; i++) {
		int err = ptsim_access(b->mm, 0, seq[i], PTSIM_ACCESS_READ, &r);

		if (err)
			die(b, "access", err);
		acc += r.pa;
	}
	*sum = acc;
	return now_ns() - t0;
}

/* The inline software TLB: direct-mapped, @mask + 1 entries, a miss is counted. */
static NOINLINE uint64_t base_access(struct bench *b, const struct soft_tlb_entry *tlb,
				     uint64_t mask, const uint64_t *seq, uint64_t *sum,
				     uint64_t *misses)
{
	const unsigned int shift = b->shift;
	const uint64_t off = b->psz - 1;
	uint64_t acc = 0, miss = 0, t0 = now_ns();

	for (uint64_t i = 0; i < b->ops; i++) {
		uint64_t va = seq[i], vpn = va >> shift;
		const struct soft_tlb_entry *e = &tlb[vpn & mask];

		if (e->vpn != vpn) {
			miss++;
			continue;
		}
		acc += (e->pfn << shift) | (va & off);
	}
	*sum = acc;
	*misses = miss;
	return now_ns() - t0;
}

static void case_access_tlb_hit(struct bench *b)
{
	uint64_t lib[NR_REPS], base[NR_REPS], want = 0, sum, misses;
	struct ptsim_tlb_config tc;
	struct ptsim_tlb_stats s0, s1;
	struct soft_tlb_entry *tlb;
	uint64_t *pas, *seq, hot, mask;

	ptsim_tlb_config_default(&tc);
	hot = tc.entries[PTSIM_PTE];
	if (!hot || (hot & (hot - 1)))
		bad(b, "the base-page TLB size is not a power of two");
	mask = hot - 1;
	machine_new(b, -1);
	mmap_pages(b, hot);
	pas = xmalloc(hot * sizeof(*pas));
	tlb = xmalloc(hot * sizeof(*tlb));
	/* Write every page (dirty: reads and writes both hit), then read each into the TLB. */
	for (uint64_t i = 0; i < hot; i++)
		touch(b, VA_BASE + (i << b->shift), PTSIM_ACCESS_WRITE);
	for (uint64_t i = 0; i < hot; i++) {
		uint64_t va = VA_BASE + (i << b->shift);

		pas[i] = touch(b, va, PTSIM_ACCESS_READ);
		tlb[(va >> b->shift) & mask] =
			(struct soft_tlb_entry){.vpn = va >> b->shift, .pfn = pas[i] >> b->shift};
	}
	seq = address_seq(b, hot, b->ops);
	for (uint64_t i = 0; i < b->ops; i++)
		want += pas[(seq[i] - VA_BASE) >> b->shift];

	base_access(b, tlb, mask, seq, &sum, &misses); /* warm-up */
	for (int rep = 0; rep < NR_REPS; rep++) {
		check(b, "tlb_stats", ptsim_tlb_stats(b->m, 0, &s0));
		lib[rep] = run_access(b, seq, &sum);
		check(b, "tlb_stats", ptsim_tlb_stats(b->m, 0, &s1));
		if (sum != want)
			bad(b, "access returned wrong physical addresses");
		if (s1.hits[PTSIM_PTE] - s0.hits[PTSIM_PTE] != b->ops ||
		    s1.lookup_misses != s0.lookup_misses)
			bad(b, "an access of the hot set missed the TLB");
		base[rep] = base_access(b, tlb, mask, seq, &sum, &misses);
		if (sum != want || misses)
			bad(b, "the software TLB baseline returned wrong addresses");
	}
	print_case(b, "access_tlb_hit", hot, b->ops, lib, base);
	free(seq);
	free(tlb);
	free(pas);
	machine_free(b);
}

/* --- fault -------------------------------------------------------------------------- */

static uint64_t faults(struct bench *b)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < b->n; i++)
		touch(b, VA_BASE + (i << b->shift), PTSIM_ACCESS_WRITE);
	return now_ns() - t0;
}

/* The same loop under three names, so that callgrind tells the machines apart. */
static NOINLINE uint64_t run_fault(struct bench *b)
{
	return faults(b);
}

static NOINLINE uint64_t run_fault_wc4096(struct bench *b)
{
	return faults(b);
}

static NOINLINE uint64_t base_fault(struct bench *b)
{
	return faults(b);
}

/* Best-of-reps times of N first-touch faults with @wc walk-cache entries per level. */
static void fault_reps(struct bench *b, int wc, uint64_t (*run)(struct bench *), uint64_t *t,
		       bool warm)
{
	struct ptsim_mm_counters c;

	machine_new(b, wc);
	for (int rep = warm ? -1 : 0; rep < NR_REPS; rep++) {
		uint64_t ns;

		mmap_pages(b, b->n);
		ns = run(b);
		ptsim_mm_counters(b->mm, &c);
		if (c.anon_fault != b->n)
			bad(b, "a fault did not map an anonymous page");
		check(b, "munmap", ptsim_munmap(b->mm, VA_BASE, b->n * b->psz));
		ptsim_mm_destroy(b->mm);
		check(b, "mm", ptsim_mm_create(b->m, &b->mm));
		if (rep >= 0)
			t[rep] = ns;
	}
	machine_free(b);
}

static void case_fault(struct bench *b)
{
	uint64_t lib[NR_REPS], big[NR_REPS], base[NR_REPS];

	fault_reps(b, 0, base_fault, base, true);
	fault_reps(b, -1, run_fault, lib, false);
	fault_reps(b, 4096, run_fault_wc4096, big, false);
	print_case(b, "fault", b->n, b->n, lib, base);
	print_case(b, "fault_wc4096", b->n, b->n, big, base);
}

/* --- main ----------------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [--arch NAME] [--n PAGES] [--ops CALLS] [--case NAME[,NAME]]\n"
		"  cases: translate, access_tlb_hit, fault (default: all)\n"
		"  default archs: x86_64-4l and arm64-4k-48\n",
		prog);
	exit(2);
}

static uint64_t num_arg(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || !v)
		usage();
	return v;
}

static bool want_case(const char *cases, const char *name)
{
	const char *p = cases;
	size_t len = strlen(name);

	if (!cases)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == cases || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = {"x86_64-4l", "arm64-4k-48"};
	const char *arch = NULL, *cases = NULL;
	uint64_t n = DEFAULT_N, ops = DEFAULT_OPS;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--arch") && i + 1 < argc)
			arch = argv[++i];
		else if (!strcmp(argv[i], "--n") && i + 1 < argc)
			n = num_arg(argv[++i]);
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			ops = num_arg(argv[++i]);
		else if (!strcmp(argv[i], "--case") && i + 1 < argc)
			cases = argv[++i];
		else
			usage();
	}
	if (n > (1u << 20))
		usage();
	for (size_t k = 0; k < (arch ? 1 : sizeof(defaults) / sizeof(defaults[0])); k++) {
		struct bench b = {.name = arch ? arch : defaults[k], .n = n, .ops = ops};

		b.arch = ptsim_arch_lookup(b.name);
		if (!b.arch) {
			fprintf(stderr, "%s: unknown configuration %s\n", prog, b.name);
			return 1;
		}
		b.shift = ptsim_arch_page_shift(b.arch);
		b.psz = 1ull << b.shift;
		if (want_case(cases, "translate"))
			case_translate(&b);
		if (want_case(cases, "access_tlb_hit"))
			case_access_tlb_hit(&b);
		if (want_case(cases, "fault"))
			case_fault(&b);
	}
	return 0;
}
