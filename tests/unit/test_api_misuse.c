// SPDX-License-Identifier: MIT
/*
 * test_api_misuse.c - misuse that would corrupt the model is refused with
 * -EBUSY and a message, on every configuration: freeing or putting a page
 * that a VMA maps, a page cache holds, a pin holds, or that is a page
 * table; releasing through an mmu_gather a page whose entry is still live,
 * or the same mapping's reference twice; a page-table frame as a leaf
 * (ptsim_map(), ptsim_pgslot_set(), ptsim_pgslot_modify_prot_commit(),
 * ptsim_split_leaf(), ptsim_collapse_leaf()); unhooking or freeing a table
 * that still holds entries.  After each refusal the model is unchanged
 * (snapshot), the checker is clean, the address space still unmaps and the
 * machine is destroyed - before these checks a refused-too-late call made
 * the next munmap or destroy hit a PTSIM_BUG_ON().
 */
#include <errno.h>

#include "mm_helpers.h"

/* @err is -EBUSY, the message says @what, and nothing changed. */
static void refused(struct ptsim_test_env *t, const struct ptsim_test_snap *s, int err,
		    const char *what)
{
	assert_int_equal(err, -EBUSY);
	if (!strstr(ptsim_errmsg(t->m), what))
		fail_msg("message \"%s\" does not say \"%s\"", ptsim_errmsg(t->m), what);
	ptsim_test_snap_assert_same(t, s);
	assert_machine_clean(t->m);
}

/* The frame a present leaf maps at @va. */
static uint64_t pfn_at(struct ptsim_test_env *t, uint64_t va)
{
	return mm_pte(t->mm, va).pfn;
}

/* The anonymous page a VMA maps: free_pages and folio_put are refused; get + put is fine. */
static void test_vma_page(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	uint64_t va, pfn;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	va = mm_map(t.mm, 0, 4 * t.psz, RW, ANP, NULL, 0);
	mm_ok(t.mm, 0, va, W);
	pfn = pfn_at(&t, va);
	ptsim_test_snap_take(&t, &s);
	refused(&t, &s, ptsim_free_pages(t.m, pfn, 0), "anonymous memory");
	refused(&t, &s, ptsim_folio_put(t.m, pfn), "held by 1 mappings");
	/* A reference of the caller's own may come and go. */
	assert_int_equal(ptsim_folio_get(t.m, pfn), 0);
	assert_int_equal(ptsim_folio_put(t.m, pfn), 0);
	ptsim_test_snap_assert_same(&t, &s);
	assert_machine_clean(t.m);
	ptsim_test_snap_free(&s);
	assert_int_equal(ptsim_munmap(t.mm, va, 4 * t.psz), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* A page-cache page nobody maps any more: the cache's reference is not the caller's. */
static void test_page_cache(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	struct ptsim_file *f;
	uint64_t va, pfn;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	assert_int_equal(ptsim_memfd_create(t.m, 4 * t.psz, &f), 0);
	va = mm_map(t.mm, 0, 4 * t.psz, RW, PTSIM_MAP_SHARED, f, 0);
	mm_ok(t.mm, 0, va + t.psz, W);
	pfn = pfn_at(&t, va + t.psz);
	assert_int_equal(ptsim_munmap(t.mm, va, 4 * t.psz), 0);
	assert_int_equal(ptsim_file_nr_cached(f), 1);
	ptsim_test_snap_take(&t, &s);
	refused(&t, &s, ptsim_free_pages(t.m, pfn, 0), "page cache");
	refused(&t, &s, ptsim_folio_put(t.m, pfn), "1 page-cache pages");
	ptsim_test_snap_free(&s);
	ptsim_file_close(f); /* drops the cache and its references */
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* A pinned page: the pin's references go only through ptsim_unpin_user_page(). */
static void test_pinned_page(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	uint64_t va, pfn;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	va = mm_map(t.mm, 0, t.psz, RW, ANP, NULL, 0);
	mm_ok(t.mm, 0, va, W);
	assert_int_equal(ptsim_pin_user_page(t.mm, va, &pfn), 0);
	assert_int_equal(ptsim_munmap(t.mm, va, t.psz), 0); /* only the pin holds it now */
	ptsim_test_snap_take(&t, &s);
	refused(&t, &s, ptsim_folio_put(t.m, pfn), "pins");
	refused(&t, &s, ptsim_free_pages(t.m, pfn, 0), "anonymous memory");
	ptsim_test_snap_free(&s);
	assert_int_equal(ptsim_unpin_user_page(t.m, pfn), 0); /* the last reference: freed */
	assert_int_equal(ptsim_unpin_user_page(t.m, pfn), -EINVAL);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* A page-table frame is freed by its owner only; no leaf may map it. */
static void test_table_frame(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	struct ptsim_pgslot slot;
	uint64_t f, tpfn, prot;
	ptsim_ent_t old;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	prot = ptsim_pgprot(t.a, RW, 0);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	assert_int_equal(ptsim_map(t.mm, BASE, t.psz, f, t.psz, prot, 0), 0);
	tpfn = mm_pte(t.mm, BASE).table_pfn;
	assert_int_equal(ptsim_pgslot_lookup(t.mm, BASE + t.psz, PTSIM_PTE, 0, &slot), 0);
	ptsim_test_snap_take(&t, &s);
	refused(&t, &s, ptsim_free_pages(t.m, tpfn, 0), "page table");
	refused(&t, &s, ptsim_folio_put(t.m, tpfn), "page table");
	refused(&t, &s, ptsim_folio_get(t.m, tpfn), "page table");
	refused(&t, &s, ptsim_map(t.mm, BASE + t.psz, t.psz, tpfn, t.psz, prot, 0), "page table");
	refused(&t, &s, ptsim_pgslot_set(t.mm, &slot, ptsim_mk_leaf(t.a, PTSIM_PTE, tpfn, prot)),
		"page table");
	/* The zero page is not freed, whatever its flags say. */
	assert_int_equal(ptsim_page_clear_flag(t.m, ptsim_zero_pfn(t.m), PTSIM_PG_reserved), 0);
	refused(&t, &s, ptsim_free_pages(t.m, ptsim_zero_pfn(t.m), 0), "zero page");
	assert_int_equal(ptsim_page_set_flag(t.m, ptsim_zero_pfn(t.m), PTSIM_PG_reserved), 0);
	/* A commit whose (forged) old entry maps the table too. */
	old = ptsim_mk_leaf(t.a, PTSIM_PTE, tpfn, prot);
	refused(&t, &s, ptsim_pgslot_modify_prot_commit(t.mm, &slot, old, old), "page table");
	ptsim_test_snap_free(&s);
	assert_int_equal(ptsim_unmap(t.mm, BASE, t.psz, PTSIM_UNMAP_FREE_TABLES), 1);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/*
 * A raw leaf takes no reference, so the frames under it may be freed and
 * handed out as page tables afterwards: splitting such a huge leaf, or
 * collapsing such base pages into one, would map a table; so would a huge
 * leaf mapped over them, or a free frame that the mapping's own new table
 * takes.
 */
static void test_leaves_over_tables(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	struct ptsim_mem_stats ms;
	uint64_t size, nr, base, prot, tables[256], free0;
	unsigned int order = 0, n = 0;
	const uint64_t va1 = BASE, va2 = BASE + 4 * 0x40000000ull, va3 = BASE + 8 * 0x40000000ull;

	ptsim_test_env_init(&t, (const char *)*state, "phys=2G");
	prot = ptsim_pgprot(t.a, RW, 0);
	size = ptsim_arch_level_size(t.a, PTSIM_PMD);
	nr = size / t.psz;
	while (1ull << order < nr)
		order++;
	if (!ptsim_arch_leaf_ok(t.a, PTSIM_PMD) || order > ptsim_arch_max_order(t.a)) {
		ptsim_test_env_fini(&t);
		skip();
	}
	/* A huge leaf and a table of base pages over one block; one page of it is freed. */
	assert_int_equal(ptsim_alloc_pages(t.m, order, &base), 0);
	assert_int_equal(ptsim_map(t.mm, va1, size, base, size, prot, 0), 0);
	assert_int_equal(ptsim_map(t.mm, va2, size, base, t.psz, prot, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, base + 5, 0), 0);
	/* Page tables are allocated until one lands there (lowest free frames first). */
	do {
		assert_true(n < sizeof(tables) / sizeof(tables[0]));
		assert_int_equal(ptsim_pgtable_alloc(t.mm, PTSIM_PTE, &tables[n]), 0);
	} while (tables[n++] != base + 5);
	ptsim_test_snap_take(&t, &s);
	assert_int_equal(ptsim_split_leaf(t.mm, va1, PTSIM_PMD, 0), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "is a page table"));
	ptsim_test_snap_assert_same(&t, &s);
	assert_int_equal(ptsim_collapse_leaf(t.mm, va2, PTSIM_PMD, 0), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "is a page table"));
	ptsim_test_snap_assert_same(&t, &s);
	assert_int_equal(ptsim_map(t.mm, va3, size, base, size, prot, 0), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "is a page table"));
	ptsim_test_snap_assert_same(&t, &s);
	ptsim_test_snap_free(&s);
	assert_int_equal(ptsim_unmap(t.mm, va1, size, PTSIM_UNMAP_FREE_TABLES), 1);
	assert_int_equal(ptsim_unmap(t.mm, va2, size, PTSIM_UNMAP_FREE_TABLES), (long)nr);
	while (n--)
		assert_int_equal(ptsim_pgtable_free(t.mm, tables[n]), 0);
	for (uint64_t i = 0; i < nr; i++)
		if (i != 5)
			assert_int_equal(ptsim_free_pages(t.m, base + i, 0), 0);
	assert_machine_clean(t.m);

	/* The lowest free frame is the next table: mapping it would map that table. */
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &free0), 0);
	assert_int_equal(ptsim_free_pages(t.m, free0, 0), 0);
	ptsim_test_snap_take(&t, &s);
	assert_int_equal(ptsim_map(t.mm, va3, t.psz, free0, t.psz, prot, 0), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "became one of the mapping's page tables"));
	ptsim_test_snap_assert_same(&t, &s);
	ptsim_test_snap_free(&s);
	assert_machine_clean(t.m);
	ptsim_mem_stats(t.m, &ms);
	assert_u64_eq(ms.free_pages, t.free0);
	ptsim_test_env_fini(&t);
}

/* The mmu_gather: the entry goes first, and a mapping's reference is released once. */
static void test_gather_release(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	struct ptsim_mmu_gather tlb;
	struct ptsim_pgslot slot;
	ptsim_ent_t old;
	uint64_t f, va, pfn, prot;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	prot = ptsim_pgprot(t.a, RW, 0);
	/* A raw mapping still in place. */
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	assert_int_equal(ptsim_map(t.mm, BASE, t.psz, f, t.psz, prot, 0), 0);
	ptsim_test_snap_take(&t, &s);
	assert_int_equal(ptsim_tlb_gather_mmu(&tlb, t.mm), 0);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, f, BASE, PTSIM_PTE), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "still mapped"));
	ptsim_tlb_finish_mmu(&tlb);
	ptsim_test_snap_assert_same(&t, &s);
	assert_machine_clean(t.m);
	ptsim_test_snap_free(&s);
	assert_int_equal(ptsim_unmap(t.mm, BASE, t.psz, PTSIM_UNMAP_FREE_TABLES), 1);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);

	/* A VMA page: cleared (zapped), then released once - not twice. */
	va = mm_map(t.mm, 0, t.psz, RW, ANP, NULL, 0);
	mm_ok(t.mm, 0, va, W);
	pfn = pfn_at(&t, va);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, va, PTSIM_PTE, 0, &slot), 0);
	assert_int_equal(ptsim_tlb_gather_mmu(&tlb, t.mm), 0);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, pfn, va, PTSIM_PTE), -EBUSY); /* live */
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &slot, &old), 0);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, pfn, va, PTSIM_PTE), 0);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, pfn, va, PTSIM_PTE), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "in use"));
	ptsim_tlb_finish_mmu(&tlb);
	assert_machine_clean(t.m);
	assert_int_equal(ptsim_munmap(t.mm, va, t.psz), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* A table that still holds entries: not unhooked inside a VMA, not freed through a gather. */
static void test_nonempty_table(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	struct ptsim_mmu_gather tlb;
	struct ptsim_pgslot pte, pmd, pud;
	uint64_t va, f, tpfn, prot;
	ptsim_ent_t tbl;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	prot = ptsim_pgprot(t.a, RW, 0);
	/* Inside a VMA: the PMD entry above a faulted page. */
	va = mm_map(t.mm, 0, t.psz, RW, ANP, NULL, 0);
	mm_ok(t.mm, 0, va, W);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, va, PTSIM_PMD, 0, &pmd), 0);
	ptsim_test_snap_take(&t, &s);
	refused(&t, &s, ptsim_pgslot_get_and_clear(t.mm, &pmd, &tbl), "inside a VMA");
	ptsim_test_snap_free(&s);
	assert_int_equal(ptsim_munmap(t.mm, va, t.psz), 0);

	/* Outside VMAs: unhooked with its leaf, the table is detached but not empty. */
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, BASE, PTSIM_PTE, PTSIM_PGSLOT_ALLOC, &pte), 0);
	assert_int_equal(ptsim_pgslot_set(t.mm, &pte, ptsim_mk_leaf(t.a, PTSIM_PTE, f, prot)), 0);
	/*
	 * The level above: its table still links the PTE table, unhook from the
	 * bottom up (arm64-64k-42 has two levels: the PMD slot is the top one).
	 */
	if (!ptsim_arch_level_folded(t.a, PTSIM_PMD)) {
		assert_int_equal(ptsim_pgslot_lookup(t.mm, BASE, PTSIM_PUD, 0, &pud), 0);
		ptsim_test_snap_take(&t, &s);
		refused(&t, &s, ptsim_pgslot_get_and_clear(t.mm, &pud, &tbl), "still links tables");
		ptsim_test_snap_free(&s);
	}
	assert_int_equal(ptsim_pgslot_lookup(t.mm, BASE, PTSIM_PMD, 0, &pmd), 0);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &pmd, &tbl), 0);
	tpfn = pte.table_pfn;
	assert_u64_eq(ptsim_ent_pfn(t.a, PTSIM_PMD, tbl), tpfn);
	ptsim_test_snap_take(&t, &s);
	assert_int_equal(ptsim_tlb_gather_mmu(&tlb, t.mm), 0);
	assert_int_equal(ptsim_tlb_remove_table(&tlb, tpfn, BASE, PTSIM_PTE), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "still holds 1 entries"));
	ptsim_tlb_finish_mmu(&tlb);
	assert_int_equal(ptsim_pgtable_free(t.mm, tpfn), -EBUSY);
	ptsim_test_snap_assert_same(&t, &s);
	ptsim_test_snap_free(&s);
	/* Not linked under a VMA, where its leaf would map a page without accounting. */
	va = mm_map(t.mm, BASE, t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	ptsim_test_snap_take(&t, &s);
	/* (The checker reports the detached table until it is linked or freed.) */
	assert_int_equal(ptsim_pgslot_populate(t.mm, &pmd, tpfn), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "inside a VMA"));
	ptsim_test_snap_assert_same(&t, &s);
	ptsim_test_snap_free(&s);
	assert_int_equal(ptsim_munmap(t.mm, va, t.psz), 0);
	/* Linked back outside VMAs (munmap freed the tables above it), it unmaps as usual. */
	assert_int_equal(ptsim_pgslot_lookup(t.mm, BASE, PTSIM_PMD, PTSIM_PGSLOT_ALLOC, &pmd), 0);
	assert_int_equal(ptsim_pgslot_populate(t.mm, &pmd, tpfn), 0);
	assert_int_equal(ptsim_unmap(t.mm, BASE, t.psz, PTSIM_UNMAP_FREE_TABLES), 1);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* THPs: the PMD-mapped folio and the huge zero folio belong to their mappings. */
static void test_thp_folios(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	uint64_t size, va, va0, pfn, zpfn;

	ptsim_test_env_init(&t, (const char *)*state, "phys=8G,thp.enabled=always");
	size = ptsim_arch_level_size(t.a, PTSIM_PMD);
	va0 = mm_map(t.mm, 0, 3 * size, RW, ANP, NULL, 0);
	va = (va0 + size - 1) & ~(size - 1);
	mm_ok(t.mm, 0, va, W);	      /* a THP */
	mm_ok(t.mm, 0, va + size, R); /* the huge zero folio */
	pfn = mm_pte(t.mm, va).pfn;
	zpfn = mm_pte(t.mm, va + size).pfn;
	if (mm_pte(t.mm, va).level != PTSIM_PMD || mm_pte(t.mm, va + size).level != PTSIM_PMD) {
		ptsim_test_env_fini(&t);
		skip(); /* no PMD-sized THP on this configuration */
	}
	ptsim_test_snap_take(&t, &s);
	refused(&t, &s, ptsim_folio_put(t.m, pfn), "1 mappings");
	refused(&t, &s, ptsim_folio_put(t.m, pfn + 3), "1 mappings");
	refused(&t, &s, ptsim_folio_put(t.m, zpfn), "1 page-cache pages");
	refused(&t, &s, ptsim_free_pages(t.m, pfn, 0), "anonymous memory");
	ptsim_test_snap_free(&s);
	assert_int_equal(ptsim_munmap(t.mm, va0, 3 * size), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/*
 * A VMA may not take over entries written outside VMAs: the frames there
 * are nobody's references, a huge leaf has no deposit (munmap then hit a
 * PTSIM_BUG_ON() withdrawing it).
 */
static void test_mmap_over_raw(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	uint64_t f, size, prot, a;
	unsigned int order = 0;

	ptsim_test_env_init(&t, (const char *)*state, "phys=2G");
	prot = ptsim_pgprot(t.a, RW, 0);
	size = ptsim_arch_level_size(t.a, PTSIM_PMD);
	while ((t.psz << order) < size)
		order++;
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	assert_int_equal(ptsim_map(t.mm, BASE + t.psz, t.psz, f, t.psz, prot, 0), 0);
	ptsim_test_snap_take(&t, &s);
	assert_int_equal(ptsim_mmap(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
			 -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "outside any VMA"));
	ptsim_test_snap_assert_same(&t, &s);
	assert_machine_clean(t.m);
	ptsim_test_snap_free(&s);
	assert_int_equal(ptsim_unmap(t.mm, BASE + t.psz, t.psz, PTSIM_UNMAP_FREE_TABLES), 1);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	a = mm_map(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	assert_int_equal(ptsim_munmap(t.mm, a, 4 * t.psz), 0);

	if (ptsim_arch_leaf_ok(t.a, PTSIM_PMD) && order <= ptsim_arch_max_order(t.a)) {
		assert_int_equal(ptsim_folio_alloc(t.m, order, &f), 0);
		assert_int_equal(ptsim_map(t.mm, BASE, size, f, size, prot, 0), 0);
		ptsim_test_snap_take(&t, &s);
		assert_int_equal(
			ptsim_mmap(t.mm, BASE, size, RW, ANP | PTSIM_MAP_FIXED, NULL, 0, &a),
			-EBUSY);
		ptsim_test_snap_assert_same(&t, &s);
		ptsim_test_snap_free(&s);
		assert_int_equal(ptsim_unmap(t.mm, BASE, size, PTSIM_UNMAP_FREE_TABLES), 1);
		assert_int_equal(ptsim_folio_put(t.m, f), 0);
	}
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* A THP's PMD cleared by hand takes its deposited table along, as zap_huge_pmd() does. */
static void test_thp_cleared_by_hand(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_gather tlb;
	struct ptsim_pgslot pmd;
	struct ptsim_translation tr;
	uint64_t size, va, va0, vmpte;
	ptsim_ent_t old;

	ptsim_test_env_init(&t, (const char *)*state, "phys=8G,thp.enabled=always");
	size = ptsim_arch_level_size(t.a, PTSIM_PMD);
	va0 = mm_map(t.mm, 0, 3 * size, RW, ANP, NULL, 0);
	va = (va0 + size - 1) & ~(size - 1);
	mm_ok(t.mm, 0, va, W);
	tr = mm_pte(t.mm, va);
	if (tr.level != PTSIM_PMD) {
		ptsim_test_env_fini(&t);
		skip();
	}
	vmpte = ptsim_mm_pgtables_bytes(t.mm);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, va, PTSIM_PMD, 0, &pmd), 0);
	assert_int_equal(ptsim_tlb_gather_mmu(&tlb, t.mm), 0);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &pmd, &old), 0);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, tr.pfn, va, PTSIM_PMD), 0);
	ptsim_tlb_finish_mmu(&tlb);
	/* The deposit went with the PMD: VmPTE dropped by one PTE table. */
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm),
		      vmpte - ptsim_arch_ptrs_per(t.a, PTSIM_PTE) * 8ull);
	assert_machine_clean(t.m);
	mm_ok(t.mm, 0, va, W); /* a new THP */
	assert_int_equal(ptsim_munmap(t.mm, va0, 3 * size), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/*
 * A protection change commits only what its start took away: inside a VMA
 * a commit without the start (a forged "old") would map a page twice with
 * one mapcount, and munmap then freed it twice into the buddy lists.
 */
static void test_forged_commit(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_test_snap s;
	struct ptsim_pgslot slot, other;
	struct ptsim_translation tr;
	struct ptsim_mmu_gather tlb;
	ptsim_ent_t old;
	uint64_t va;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	va = mm_map(t.mm, 0, 2 * t.psz, RW, ANP, NULL, 0);
	mm_ok(t.mm, 0, va, W);
	mm_ok(t.mm, 0, va + t.psz, R); /* the zero page: the PTE table is there */
	tr = mm_pte(t.mm, va);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, va, PTSIM_PTE, 0, &slot), 0);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, va + t.psz, PTSIM_PTE, 0, &other), 0);
	/*
	 * A start, then a commit of the same page elsewhere: refused.  (Between
	 * start and commit the checker sees a counted page without its entry,
	 * as the kernel's page-table lock would hide it: no checker here.)
	 */
	assert_int_equal(ptsim_pgslot_modify_prot_start(t.mm, &slot, &old), 0);
	assert_u64_eq(old, tr.entry);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &other, NULL), 0); /* the zero page */
	ptsim_test_snap_take(&t, &s);
	assert_int_equal(ptsim_pgslot_modify_prot_commit(t.mm, &other, old, old), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "no ptsim_pgslot_modify_prot_start()"));
	ptsim_test_snap_assert_same(&t, &s);
	ptsim_test_snap_free(&s);
	/* The real commit, write-protected. */
	assert_int_equal(ptsim_pgslot_modify_prot_commit(t.mm, &slot, old,
							 ptsim_ent_wrprotect(t.a, PTSIM_PTE, old)),
			 0);
	assert_false(mm_pte(t.mm, va).attrs.write);
	assert_machine_clean(t.m);
	/* Zapped and released: a commit cannot bring the freed page back. */
	assert_int_equal(ptsim_tlb_gather_mmu(&tlb, t.mm), 0);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &slot, &old), 0);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, tr.pfn, va, PTSIM_PTE), 0);
	ptsim_tlb_finish_mmu(&tlb);
	ptsim_test_snap_take(&t, &s);
	refused(&t, &s, ptsim_pgslot_modify_prot_commit(t.mm, &slot, tr.entry, tr.entry),
		"no ptsim_pgslot_modify_prot_start()");
	ptsim_test_snap_free(&s);
	assert_int_equal(ptsim_munmap(t.mm, va, 2 * t.psz), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_vma_page),
		PTSIM_ARCH_TESTS(test_page_cache),
		PTSIM_ARCH_TESTS(test_pinned_page),
		PTSIM_ARCH_TESTS(test_table_frame),
		PTSIM_ARCH_TESTS(test_leaves_over_tables),
		PTSIM_ARCH_TESTS(test_gather_release),
		PTSIM_ARCH_TESTS(test_nonempty_table),
		PTSIM_ARCH_TESTS(test_thp_folios),
		PTSIM_ARCH_TESTS(test_mmap_over_raw),
		PTSIM_ARCH_TESTS(test_thp_cleared_by_hand),
		PTSIM_ARCH_TESTS(test_forged_commit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
