// SPDX-License-Identifier: MIT
/*
 * test_munmap_shootdown.c - scenario: an address space running on four
 * CPUs unmaps memory every CPU has cached; the mmu_gather flushes reach
 * every CPU (IPIs counted), no frame or table is freed while cached, and no
 * CPU can still reach the pages.  Then a deliberately wrong teardown -
 * freeing a page table before the flush - is caught by the checker, and
 * the right one (through an mmu_gather) is not.
 */
#include <errno.h>

#include "mm_helpers.h"

#define NCPU 4

static void test_munmap_shootdown(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_tlb_stats before, after;
	uint64_t a, n = 8, range, pgt;

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, n * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	for (unsigned int cpu = 0; cpu < NCPU; cpu++)
		for (uint64_t i = 0; i < n; i++)
			mm_ok(t.mm, cpu, a + i * t.psz, cpu ? R : W);
	ptsim_tlb_stats_total(t.m, &before);
	assert_int_equal(ptsim_munmap(t.mm, a, n * t.psz), 0);
	ptsim_tlb_stats_total(t.m, &after);
	range = after.flushes[PTSIM_FLUSH_RANGE] - before.flushes[PTSIM_FLUSH_RANGE];
	pgt = after.flushes[PTSIM_FLUSH_PGTABLE] - before.flushes[PTSIM_FLUSH_PGTABLE];
	assert_true(range >= 1);
	/* Every flush is a shootdown to the three other CPUs. */
	assert_u64_eq(after.ipis - before.ipis, (range + pgt) * (NCPU - 1));
	assert_true(after.invalidated > before.invalidated);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), 0);
	assert_machine_clean(t.m);
	/* No CPU reaches the memory any more. */
	for (unsigned int cpu = 0; cpu < NCPU; cpu++)
		mm_sig(t.mm, cpu, a + t.psz, R, PTSIM_SIGSEGV, PTSIM_SEGV_MAPERR);
	mm_finish(&t);
}

/*
 * Leave every CPU's walk cache pointing at the (now empty) PTE table of @a:
 * the VMA's page is zapped, and a raw page mapped beside it (outside the
 * VMA, same PTE table) is accessed from every CPU and then unmapped with the
 * low-level ptsim_unmap(), which does no flush.
 */
static void cache_pte_table(struct ptsim_test_env *t, uint64_t a, uint64_t raw)
{
	mm_ok(t->mm, 0, a, W);
	assert_int_equal(ptsim_madvise(t->mm, a, t->psz, PTSIM_MADV_DONTNEED), 0);
	assert_int_equal(ptsim_map(t->mm, a + 2 * t->psz, t->psz, raw, t->psz,
				   ptsim_pgprot(t->a, PTSIM_PROT_READ, 0), 0),
			 0);
	for (unsigned int cpu = 0; cpu < NCPU; cpu++)
		assert_u64_eq(mm_ok(t->mm, cpu, a + 2 * t->psz, R), raw * t->psz);
	assert_int_equal(ptsim_unmap(t->mm, a + 2 * t->psz, t->psz, 0), 1);
	assert_machine_clean(t->m);
}

static void test_wrong_teardown_is_caught(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_check_report r;
	struct ptsim_violation v[4];
	struct ptsim_mmu_gather tlb;
	struct ptsim_pgslot s;
	ptsim_ent_t e;
	uint64_t a, tpfn, raw;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &raw), 0);
	a = mm_map(t.mm, BASE, t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	cache_pte_table(&t, a, raw);
	/* Wrong: unhook the empty PTE table and free it at once, no flush. */
	assert_int_equal(ptsim_pgslot_lookup(t.mm, a, PTSIM_PMD, 0, &s), 0);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &s, &e), 0);
	tpfn = ptsim_ent_pfn(t.a, PTSIM_PMD, e);
	assert_int_equal(ptsim_pgtable_free(t.mm, tpfn), 0);
	assert_true(ptsim_violations(t.m, v, 4) >= 1);
	assert_int_equal(v[0].kind, PTSIM_VIOL_FREE_LIVE_WALK);
	assert_u64_eq(v[0].pfn, tpfn);
	assert_true(ptsim_check(t.m, &r) > 0);
	assert_true(r.by_code[PTSIM_CHK_TLB_VIOLATION] > 0);
	/* Repair: flush the stale entries, forget the violations. */
	assert_int_equal(ptsim_flush_tlb_mm(t.mm), 0);
	ptsim_violations_clear(t.m);
	assert_machine_clean(t.m);

	/* Right: the same through an mmu_gather - unhook, flush, then free. */
	cache_pte_table(&t, a, raw);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, a, PTSIM_PMD, 0, &s), 0);
	assert_int_equal(ptsim_tlb_gather_mmu(&tlb, t.mm), 0);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &s, &e), 0);
	tpfn = ptsim_ent_pfn(t.a, PTSIM_PMD, e);
	assert_int_equal(ptsim_tlb_remove_table(&tlb, tpfn, a + 2 * t.psz, PTSIM_PTE), 0);
	ptsim_tlb_finish_mmu(&tlb);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	/* (The raw leaf was unmapped without a flush: that is the test's own debt.) */
	assert_int_equal(ptsim_flush_tlb_page(t.mm, a + 2 * t.psz), 0);
	assert_int_equal(ptsim_free_pages(t.m, raw, 0), 0);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_munmap_shootdown),
		PTSIM_ARCH_TESTS(test_wrong_teardown_is_caught),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
