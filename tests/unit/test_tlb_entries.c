// SPDX-License-Identifier: MIT
/*
 * test_tlb_entries.c - what a CPU's TLBs and walk caches hold, through the
 * public enumeration ptsim_tlb_entries(), with literal expectations on
 * x86_64-4l and arm64-4k-48; the storage of each CPU's caches: allocated on
 * the CPU's first use, given back when that first use fails, and capped
 * over all CPUs (PTSIM_TLB_MAX_BYTES).
 */
#include <errno.h>

#include "ptsim_test.h"

#define VA 0x40000000ull

#define MAX_SEEN 16

struct seen {
	unsigned int n;
	struct ptsim_tlb_entry_info e[MAX_SEEN];
	int stop_after; /* return 7 after this many entries; 0: never */
};

static int collect(const struct ptsim_tlb_entry_info *e, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < MAX_SEEN);
	s->e[s->n++] = *e;
	return s->stop_after && s->n == (unsigned int)s->stop_after ? 7 : 0;
}

static uint64_t prot_rw(void)
{
	return PTSIM_PROT_READ | PTSIM_PROT_WRITE;
}

/* A fresh machine whose address space wrote one page at VA from @cpu. */
static void write_one(struct ptsim_test_env *t, const char *arch, unsigned int cpu)
{
	struct ptsim_access_result r;
	uint64_t va;

	ptsim_test_env_init(t, arch, "ncpus=4");
	assert_int_equal(ptsim_mmap(t->mm, VA, 4 * t->psz, prot_rw(),
				    PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED, NULL,
				    0, &va),
			 0);
	assert_u64_eq(va, VA);
	assert_int_equal(ptsim_access(t->mm, cpu, VA + 0x123, PTSIM_ACCESS_WRITE, &r), 0);
	assert_int_equal(r.signal, 0);
}

static void expect_walk(const struct ptsim_tlb_entry_info *e, const struct ptsim_test_env *t,
			enum ptsim_level level, uint64_t size, uint64_t va, uint64_t table_pfn)
{
	assert_true(e->walk);
	assert_int_equal(e->level, level);
	assert_u64_eq(e->size, size);
	assert_u64_eq(e->va, va);
	assert_u64_eq(e->pfn, table_pfn);
	assert_u64_eq(e->pa, table_pfn * t->psz);
	assert_true(e->attrs.table);
	assert_u64_eq(e->attrs.pfn, table_pfn);
	assert_ptr_equal(e->mm, t->mm);
	assert_int_equal(e->set, 0);
	assert_int_equal(e->way, 0);
	assert_false(e->global);
}

static void test_entries_x86_64_4l(void **state)
{
	struct ptsim_test_env t;
	struct seen s = {0};

	(void)state;
	write_one(&t, "x86_64-4l", 1);
	/* Nothing on the CPUs that never ran the address space. */
	assert_int_equal(ptsim_tlb_entries(t.m, 0, collect, &s), 0);
	assert_int_equal(s.n, 0);

	assert_int_equal(ptsim_tlb_entries(t.m, 1, collect, &s), 0);
	/*
	 * The leaf, then the walk caches from PMD up.  P4D is folded into the
	 * PGD: the top table's entry is cached at the lowest logical level
	 * sharing its slot, P4D, and spans 512 GiB.
	 */
	assert_int_equal(s.n, 4);
	assert_false(s.e[0].walk);
	assert_int_equal(s.e[0].level, PTSIM_PTE);
	assert_u64_eq(s.e[0].size, 0x1000);
	assert_u64_eq(s.e[0].va, VA);
	assert_u64_eq(s.e[0].pfn, 0x5);
	assert_u64_eq(s.e[0].pa, 0x5000);
	assert_u64_eq(s.e[0].entry, 0x8000000000005867ull);
	assert_true(s.e[0].attrs.leaf && s.e[0].attrs.user && s.e[0].attrs.write &&
		    s.e[0].attrs.dirty && s.e[0].attrs.young);
	assert_false(s.e[0].attrs.exec);
	assert_false(s.e[0].global);
	assert_ptr_equal(s.e[0].mm, t.mm);
	assert_u64_eq(s.e[0].asid, s.e[1].asid);
	/* 64 entries, 4 ways: 16 sets; VPN 0x40000 is in set 0, the first way. */
	assert_int_equal(s.e[0].set, 0);
	assert_int_equal(s.e[0].way, 0);
	assert_true(s.e[0].stamp > 0);

	expect_walk(&s.e[1], &t, PTSIM_PMD, 0x200000, VA, 0x4);
	expect_walk(&s.e[2], &t, PTSIM_PUD, 0x40000000, VA, 0x3);
	expect_walk(&s.e[3], &t, PTSIM_P4D, 0x8000000000ull, 0, 0x2);
	assert_u64_eq(s.e[1].entry, 0x0000000000004067ull);
	assert_u64_eq(s.e[3].entry, 0x0000000000002067ull);

	/* A non-zero return stops the enumeration and is returned. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	assert_int_equal(ptsim_tlb_entries(t.m, 1, collect, &s), 7);
	assert_int_equal(s.n, 2);

	/* The entries stay after the address space's tables change: a TLB is a cache. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA), 0);
	assert_int_equal(ptsim_tlb_entries(t.m, 1, collect, &s), 0);
	assert_int_equal(s.n, 0); /* INVLPG also dropped the walk caches of the ASID */
	ptsim_test_env_fini(&t);
}

static void test_entries_arm64_4k_48(void **state)
{
	struct ptsim_test_env t;
	struct seen s = {0};

	(void)state;
	write_one(&t, "arm64-4k-48", 2);
	assert_int_equal(ptsim_tlb_entries(t.m, 2, collect, &s), 0);
	assert_int_equal(s.n, 4);
	assert_false(s.e[0].walk);
	assert_int_equal(s.e[0].level, PTSIM_PTE);
	assert_u64_eq(s.e[0].va, VA);
	assert_u64_eq(s.e[0].pfn, 0x5);
	assert_u64_eq(s.e[0].pa, 0x5000);
	assert_u64_eq(s.e[0].entry, 0x00e8000000005f43ull);
	assert_true(s.e[0].attrs.leaf && s.e[0].attrs.user && s.e[0].attrs.write &&
		    s.e[0].attrs.hw_write && s.e[0].attrs.dirty && s.e[0].attrs.young);
	assert_false(s.e[0].attrs.exec);
	assert_false(s.e[0].global); /* user pages are nG */
	assert_int_equal(s.e[0].set, 0);
	assert_int_equal(s.e[0].way, 0);
	expect_walk(&s.e[1], &t, PTSIM_PMD, 0x200000, VA, 0x4);
	expect_walk(&s.e[2], &t, PTSIM_PUD, 0x40000000, VA, 0x3);
	expect_walk(&s.e[3], &t, PTSIM_P4D, 0x8000000000ull, 0, 0x2); /* level 0, folded P4D */
	assert_u64_eq(s.e[1].entry, 0x0800000000004403ull);

	/* A last-level flush (TLBI VALE1) keeps the walk caches. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA), 0);
	assert_int_equal(ptsim_tlb_entries(t.m, 2, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_true(s.e[0].walk);
	assert_int_equal(s.e[0].level, PTSIM_PMD);
	ptsim_test_env_fini(&t);
}

static int never(const struct ptsim_tlb_entry_info *e, void *arg)
{
	(void)e;
	(void)arg;
	fail_msg("called for an entry that should not exist");
	return 0;
}

static void test_entries_errors(void **state)
{
	struct ptsim_test_env t;

	(void)state;
	write_one(&t, "x86_64-4l", 0);
	assert_int_equal(ptsim_tlb_entries(NULL, 0, never, NULL), -EINVAL);
	assert_int_equal(ptsim_tlb_entries(t.m, 0, NULL, NULL), -EINVAL);
	assert_string_equal(ptsim_errmsg(t.m), "tlb_entries: no callback");
	assert_int_equal(ptsim_tlb_entries(t.m, 4, never, NULL), -EINVAL);
	assert_string_equal(ptsim_errmsg(t.m), "tlb_entries: cpu 4 of 4");
	assert_int_equal(ptsim_tlb_entries(t.m, 3, never, NULL), 0);
	/* After the address space is gone its entries are too. */
	ptsim_mm_destroy(t.mm);
	t.mm = NULL;
	assert_int_equal(ptsim_tlb_entries(t.m, 0, never, NULL), 0);
	ptsim_test_env_fini(&t);
}

/* --- storage ------------------------------------------------------------------ */

static uint64_t host_bytes(struct ptsim_machine *m)
{
	struct ptsim_host_stats hs;

	ptsim_host_stats(m, &hs);
	return hs.bytes_live;
}

static int write_page1_cpu2(struct ptsim_test_env *t, void *arg)
{
	struct ptsim_access_result r;

	(void)arg;
	return ptsim_access(t->mm, 2, VA + t->psz, PTSIM_ACCESS_WRITE, &r);
}

/*
 * CPU 2's first access walks the upper tables CPU 0's fault built (caching
 * them in CPU 2's walk caches), then faults; when the fault runs out of
 * memory, CPU 2's storage goes again and host memory is as it was.
 */
static void test_first_use_failure(void **state)
{
	const char *arch = *state;
	struct ptsim_test_env t;
	struct seen s = {0};
	uint64_t before;

	write_one(&t, arch, 0);
	before = host_bytes(t.m);
	ptsim_fault_inject(t.m, 1, false);
	assert_int_equal(write_page1_cpu2(&t, NULL), -ENOMEM);
	ptsim_fault_inject(t.m, 0, false);
	assert_u64_eq(host_bytes(t.m), before);
	assert_int_equal(ptsim_tlb_entries(t.m, 2, collect, &s), 0);
	assert_int_equal(s.n, 0);
	assert_machine_clean(t.m);

	/* Every allocation point of that access, failed in turn, leaves nothing behind. */
	assert_true(ptsim_test_sweep(&t, write_page1_cpu2, NULL, 64) >= 1);
	assert_true(host_bytes(t.m) > before); /* the page, and CPU 2's caches */
	assert_int_equal(ptsim_tlb_entries(t.m, 2, collect, &s), 0);
	assert_true(s.n >= 1);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* The caches of every CPU together stay within PTSIM_TLB_MAX_BYTES. */
static void test_storage_cap(void **state)
{
	struct ptsim_tlb_config big;
	struct ptsim_test_env t;
	uint64_t before;

	(void)state;
	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		big.entries[l] = PTSIM_TLB_MAX_CACHE_ENTRIES;
		big.ways[l] = 4;
	}
	big.walk_cache_entries = PTSIM_TLB_MAX_CACHE_ENTRIES;

	/* 3 leaf TLBs and 4 walk caches of 65536 entries: 22 MiB a CPU; 4 CPUs fit. */
	ptsim_test_env_init(&t, "x86_64-4l", "ncpus=4");
	before = host_bytes(t.m);
	assert_int_equal(ptsim_tlb_configure(t.m, &big), 0);
	assert_u64_eq(host_bytes(t.m), before); /* nothing allocated before a first use */
	ptsim_test_env_fini(&t);

	/* 16 CPUs do not. */
	ptsim_test_env_init(&t, "x86_64-4l", "ncpus=16");
	assert_int_equal(ptsim_tlb_configure(t.m, &big), -EINVAL);
	assert_string_equal(ptsim_errmsg(t.m),
			    "tlb_configure: 22020096 bytes of TLB storage per CPU for 16 CPUs "
			    "exceed the limit of 256 MiB for all CPUs (PTSIM_TLB_MAX_BYTES)");
	ptsim_test_env_fini(&t);

	/* The default geometry fits the largest machine, and costs nothing up front. */
	ptsim_test_env_init(&t, "x86_64-4l", "ncpus=4096");
	assert_true(host_bytes(t.m) < (4ull << 20));
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_x86_64_4l),
		cmocka_unit_test(test_entries_arm64_4k_48),
		cmocka_unit_test(test_entries_errors),
		PTSIM_ARCH_TESTS(test_first_use_failure),
		cmocka_unit_test(test_storage_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
