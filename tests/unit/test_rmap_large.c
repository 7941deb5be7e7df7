// SPDX-License-Identifier: MIT
/*
 * test_rmap_large.c - mapcounts and refcounts of large folios: a folio
 * mapped by PTEs counts each PTE in _large_mapcount and in the page's own
 * _mapcount, with _nr_pages_mapped = pages mapped; a folio mapped by one PMD
 * leaf counts one entire mapping (_entire_mapcount, and ENTIRELY_MAPPED in
 * _nr_pages_mapped).  Both come from real THP faults (MADV_HUGEPAGE), the
 * PTE-mapped one through split_huge_pmd(); fork and munmap then have to keep
 * every count right, as the checker verifies.
 */
#include <errno.h>

#include "mm_helpers.h"

struct large_env {
	struct ptsim_test_env t;
	uint64_t va, pmd, nr;
};

static void setup(struct large_env *e, const char *arch)
{
	ptsim_test_env_init(&e->t, arch, "phys=8G");
	e->pmd = ptsim_arch_level_size(e->t.a, PTSIM_PMD);
	e->nr = e->pmd / e->t.psz;
	e->va = 4 * e->pmd;
	assert_int_equal(
		ptsim_mmap(e->t.mm, e->va, 2 * e->pmd, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &e->va),
		0);
	assert_int_equal(ptsim_madvise(e->t.mm, e->va, 2 * e->pmd, PTSIM_MADV_HUGEPAGE), 0);
	assert_machine_clean(e->t.m);
}

static void folio_info(struct large_env *e, uint64_t pfn, struct ptsim_frame_info *fi)
{
	assert_int_equal(ptsim_frame_get(e->t.m, pfn, fi), 0);
}

/* Region 0: a THP, then its PMD split - a large folio mapped page by page. */
static uint64_t map_by_ptes(struct large_env *e)
{
	struct ptsim_frame_info fi;
	uint64_t head;

	mm_ok(e->t.mm, 0, e->va, W);
	assert_int_equal(mm_pte(e->t.mm, e->va).level, PTSIM_PMD);
	head = mm_pte(e->t.mm, e->va).pfn;
	assert_int_equal(ptsim_split_huge_pmd(e->t.mm, e->va, 0), 0);
	assert_int_equal(mm_pte(e->t.mm, e->va + 3 * e->t.psz).level, PTSIM_PTE);
	assert_machine_clean(e->t.m);
	folio_info(e, head + 3, &fi);
	assert_int_equal(fi.order,
			 ptsim_arch_level_shift(e->t.a, PTSIM_PMD) - ptsim_arch_page_shift(e->t.a));
	assert_int_equal(fi.mapcount, 1);
	assert_int_equal(fi.folio_mapcount, (int)e->nr);
	assert_int_equal(fi.entire_mapcount, 0);
	assert_int_equal(fi.nr_pages_mapped, (int)e->nr);
	assert_int_equal(fi.refcount, (int)e->nr);
	assert_true(fi.flags & (1ull << PTSIM_PG_anon_exclusive));
	return head;
}

/* Region 1: a THP mapped by one PMD leaf. */
static uint64_t map_by_pmd(struct large_env *e)
{
	struct ptsim_frame_info fi;
	uint64_t head, va = e->va + e->pmd;

	mm_ok(e->t.mm, 0, va + e->t.psz, W);
	assert_int_equal(mm_pte(e->t.mm, va).level, PTSIM_PMD);
	head = mm_pte(e->t.mm, va).pfn;
	assert_machine_clean(e->t.m);
	folio_info(e, head + 5, &fi);
	assert_int_equal(fi.mapcount, 1); /* page_mapcount: the entire mapping */
	assert_int_equal(fi.folio_mapcount, 1);
	assert_int_equal(fi.entire_mapcount, 1);
	assert_int_equal(fi.nr_pages_mapped, 0x800000);
	assert_int_equal(fi.refcount, 1);
	return head;
}

static void test_large_folio_counts(void **state)
{
	struct large_env e = {0};
	struct ptsim_frame_info fi;
	struct ptsim_mm *child;
	struct ptsim_mem_stats ms;
	uint64_t a, b;

	setup(&e, *state);
	a = map_by_ptes(&e);
	b = map_by_pmd(&e);
	/* The MMU reads through both kinds of mapping. */
	assert_u64_eq(mm_ok(e.t.mm, 0, e.va + 7 * e.t.psz + 9, R), (a + 7) * e.t.psz + 9);
	assert_u64_eq(mm_ok(e.t.mm, 1, e.va + e.pmd + 7 * e.t.psz, R), (b + 7) * e.t.psz);

	/* fork copies both mappings: every count doubles, exclusivity is gone. */
	assert_int_equal(ptsim_fork(e.t.mm, &child), 0);
	assert_machine_clean(e.t.m);
	folio_info(&e, a + 3, &fi);
	assert_int_equal(fi.mapcount, 2);
	assert_int_equal(fi.folio_mapcount, 2 * (int)e.nr);
	assert_int_equal(fi.refcount, 2 * (int)e.nr);
	assert_false(fi.flags & (1ull << PTSIM_PG_anon_exclusive));
	folio_info(&e, b, &fi);
	assert_false(fi.flags & (1ull << PTSIM_PG_anon_exclusive));
	assert_int_equal(fi.entire_mapcount, 2);
	assert_int_equal(fi.folio_mapcount, 2);
	assert_int_equal(fi.refcount, 2);

	/* munmap in the child, then exit of the parent: everything returns. */
	assert_int_equal(ptsim_munmap(child, e.va, 2 * e.pmd), 0);
	assert_machine_clean(e.t.m);
	folio_info(&e, b, &fi);
	assert_int_equal(fi.entire_mapcount, 1);
	assert_int_equal(fi.refcount, 1);
	ptsim_mm_destroy(child);
	assert_int_equal(ptsim_munmap(e.t.mm, e.va, 2 * e.pmd), 0);
	assert_machine_clean(e.t.m);
	ptsim_mem_stats(e.t.m, &ms);
	assert_u64_eq(ms.free_pages, e.t.free0);
	assert_u64_eq(ptsim_violations(e.t.m, NULL, 0), 0);
	ptsim_test_env_fini(&e.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {PTSIM_ARCH_TESTS(test_large_folio_counts)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
