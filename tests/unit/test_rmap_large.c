// SPDX-License-Identifier: MIT
/*
 * test_rmap_large.c - mapcounts and refcounts of large folios (encodings.md
 * §6.2): a folio mapped by PTEs counts each PTE in _large_mapcount and in the
 * page's own _mapcount, with _nr_pages_mapped = pages mapped; a folio mapped
 * by one PMD leaf counts one entire mapping (_entire_mapcount, and
 * ENTIRELY_MAPPED in _nr_pages_mapped).  Neither fault path creates large
 * folios yet (that is THP's job), so the mappings are installed here through
 * the rmap helpers the fault path uses; fork and munmap then have to keep
 * every count right, as the checker verifies.
 */
#include <errno.h>

#include "api/machine.h"
#include "mm/internal.h"
#include "mm_helpers.h"

#define ENTIRELY_MAPPED 0x800000

struct large_env {
	struct ptsim_test_env t;
	struct ptsim_mm_ctx *ctx;
	struct ptsim_vma *vma;
	uint64_t va, pmd, nr, prot;
	unsigned int order;
};

static void setup(struct large_env *e, const char *arch)
{
	ptsim_test_env_init(&e->t, arch, "phys=8G");
	e->ctx = ptsim__mmctx(e->t.m);
	e->pmd = ptsim_arch_level_size(e->t.a, PTSIM_PMD);
	e->nr = e->pmd / e->t.psz;
	while ((1ull << e->order) < e->nr)
		e->order++;
	e->va = 4 * e->pmd;
	e->prot = ptsim_pgprot(e->t.a, RW, 0);
	assert_int_equal(
		ptsim_mmap(e->t.mm, e->va, 2 * e->pmd, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &e->va),
		0);
	/* A first write gives the VMA its anon_vma and builds the tables of region 0. */
	mm_ok(e->t.mm, 0, e->va, W);
	assert_int_equal(ptsim_madvise(e->t.mm, e->va, e->t.psz, PTSIM_MADV_DONTNEED), 0);
	e->vma = ptsim__vma_lookup(&e->t.mm->vm.vmas, e->va);
	assert_non_null(e->vma);
	assert_non_null(e->vma->anon_vma);
	assert_machine_clean(e->t.m);
}

static void folio_info(struct large_env *e, uint64_t pfn, struct ptsim_frame_info *fi)
{
	assert_int_equal(ptsim_frame_get(e->t.m, pfn, fi), 0);
}

/* Region 0: a large folio mapped page by page. */
static uint64_t map_by_ptes(struct large_env *e)
{
	struct ptsim_frame_info fi;
	uint64_t head;

	assert_int_equal(ptsim_folio_alloc(e->t.m, e->order, &head), 0);
	for (uint64_t i = 0; i < e->nr; i++) {
		struct ptsim_slot s;

		assert_int_equal(ptsim__walk_to(&e->t.mm->pt, e->va + i * e->t.psz, PTSIM_PTE, &s),
				 0);
		assert_int_equal(s.lvl, PTSIM_PTE);
		ptsim__set_entry(&e->t.mm->pt, &s,
				 ptsim_mk_leaf(e->t.a, PTSIM_PTE, head + i, e->prot));
	}
	ptsim__folio_add_new_anon_rmap(&e->t.mm->vm, head, e->vma, e->va);
	for (uint64_t i = 1; i < e->nr; i++) /* one reference per PTE */
		ptsim__folio_get(&e->t.m->mem, head);
	ptsim__rss_add(&e->t.mm->vm, PTSIM_RSS_ANON, (int64_t)e->nr);
	assert_machine_clean(e->t.m);
	folio_info(e, head + 3, &fi);
	assert_int_equal(fi.order, e->order);
	assert_int_equal(fi.mapcount, 1);
	assert_int_equal(fi.folio_mapcount, (int)e->nr);
	assert_int_equal(fi.entire_mapcount, 0);
	assert_int_equal(fi.nr_pages_mapped, (int)e->nr);
	assert_int_equal(fi.refcount, (int)e->nr);
	return head;
}

/* Region 1: a large folio mapped by one PMD leaf. */
static uint64_t map_by_pmd(struct large_env *e)
{
	struct ptsim_frame_info fi;
	struct ptsim_slot s;
	uint64_t head, va = e->va + e->pmd;

	assert_int_equal(ptsim_folio_alloc(e->t.m, e->order, &head), 0);
	assert_int_equal(ptsim__walk_to(&e->t.mm->pt, va, PTSIM_PMD, &s), 0);
	assert_int_equal(s.lvl, PTSIM_PMD);
	assert_u64_eq(*s.p, 0);
	ptsim__set_entry(&e->t.mm->pt, &s, ptsim_mk_leaf(e->t.a, PTSIM_PMD, head, e->prot));
	ptsim__folio_add_new_anon_rmap(&e->t.mm->vm, head, e->vma, va);
	/* add_new_anon_rmap maps PTE-wise; redo it as the entire (PMD) mapping it is. */
	ptsim__folio_remove_rmap(e->ctx, head, (unsigned int)e->nr, PTSIM_PTE);
	ptsim__folio_add_rmap(e->ctx, head, (unsigned int)e->nr, PTSIM_PMD);
	ptsim__rss_add(&e->t.mm->vm, PTSIM_RSS_ANON, (int64_t)e->nr);
	assert_machine_clean(e->t.m);
	folio_info(e, head + 5, &fi);
	assert_int_equal(fi.mapcount, 1); /* page_mapcount: the entire mapping */
	assert_int_equal(fi.folio_mapcount, 1);
	assert_int_equal(fi.entire_mapcount, 1);
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
