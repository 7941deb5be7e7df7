// SPDX-License-Identifier: MIT
/*
 * test_pgslot.c - the public entry-slot API (include/ptsim/pgtable.h):
 * lookup with and without allocation, get/set/get_and_clear,
 * modify_prot_start/commit, table alloc/populate/free, stale slots, the
 * mmu_gather protocol completed with public calls, the VMA accounting rule,
 * walker callbacks that write through their slot and ask for AGAIN.
 */
#include <errno.h>

#include "mm_helpers.h"

#define VA 0x40000000ull

static uint64_t prot_rw(struct ptsim_test_env *t)
{
	return ptsim_pgprot(t->a, RW, 0);
}

/* Real levels strictly between the root and the PTE tables, plus the PTE table. */
static unsigned int tables_below_root(const struct ptsim_arch *a)
{
	unsigned int n = 0;

	for (int l = PTSIM_P4D; l < PTSIM_NR_LEVELS; l++)
		n += !ptsim_arch_level_folded(a, (enum ptsim_level)l);
	return n;
}

static void test_lookup(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_pgslot s, s2;
	ptsim_ent_t e;
	uint64_t tables = 0;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	/* Nothing below the root yet: the walk stops at a none entry. */
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PTE, 0, &s), -ENOENT);
	assert_true(s.level < PTSIM_PTE);
	assert_u64_eq(s.table_pfn, ptsim_mm_pgd_pfn(t.mm));
	assert_string_not_equal(ptsim_errmsg(t.m), "");
	assert_int_equal(ptsim_pgslot_get(t.mm, &s, &e), 0);
	assert_u64_eq(e, 0);
	/* pte_alloc(): every table down to the PTE table, counted. */
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PTE, PTSIM_PGSLOT_ALLOC, &s), 0);
	assert_int_equal(s.level, PTSIM_PTE);
	assert_u64_eq(s.addr, VA);
	assert_int_equal(s.index, (VA >> ptsim_arch_page_shift(t.a)) &
					  (ptsim_arch_ptrs_per(t.a, PTSIM_PTE) - 1));
	for (int l = PTSIM_P4D; l < PTSIM_NR_LEVELS; l++)
		tables += ptsim_mm_nr_tables(t.mm, (enum ptsim_level)l);
	assert_u64_eq(tables, tables_below_root(t.a));
	assert_true(ptsim_mm_pgtables_bytes(t.mm) > 0);
	/* Found again without allocating; the same slot. */
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PTE, 0, &s2), 0);
	assert_int_equal(s.level, s2.level);
	assert_u64_eq(s.table_pfn, s2.table_pfn);
	assert_int_equal(s.index, s2.index);
	/* Upper levels too: a PMD slot is in the PMD table (or the table it folds into). */
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PMD, 0, &s2), 0);
	assert_int_equal(s2.level, PTSIM_PMD);
	assert_int_equal(ptsim_pgslot_get(t.mm, &s2, &e), 0);
	assert_true(ptsim_ent_table(t.a, PTSIM_PMD, e));
	assert_u64_eq(ptsim_ent_pfn(t.a, PTSIM_PMD, e), s.table_pfn);
	/* Bad input. */
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, (enum ptsim_level)7, 0, &s2), -EINVAL);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PTE, 0x80, &s2), -EINVAL);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PTE, 0, NULL), -EINVAL);
	assert_int_equal(ptsim_pgslot_lookup(NULL, VA, PTSIM_PTE, 0, &s2), -EINVAL);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, 1ull << 62, PTSIM_PTE, 0, &s2), -EINVAL);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* A huge leaf above the level asked for: -EEXIST and its slot. */
static void test_lookup_huge(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_pgslot s;
	uint64_t pmd, pfn;
	unsigned int order = 0;

	ptsim_test_env_init(&t, (const char *)*state, "phys=2G");
	pmd = ptsim_arch_level_size(t.a, PTSIM_PMD);
	while ((t.psz << order) < pmd)
		order++;
	if (order > ptsim_arch_max_order(t.a)) {
		ptsim_test_env_fini(&t);
		skip();
	}
	assert_int_equal(ptsim_folio_alloc(t.m, order, &pfn), 0);
	assert_int_equal(ptsim_map(t.mm, VA & ~(pmd - 1), pmd, pfn, pmd, prot_rw(&t), 0), 0);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, (VA & ~(pmd - 1)) + t.psz, PTSIM_PTE,
					     PTSIM_PGSLOT_ALLOC, &s),
			 -EEXIST);
	assert_int_equal(s.level, PTSIM_PMD);
	assert_true(ptsim_unmap(t.mm, VA & ~(pmd - 1), pmd, PTSIM_UNMAP_FREE_TABLES) > 0);
	assert_int_equal(ptsim_folio_put(t.m, pfn), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* The mmu_gather protocol with public calls only: clear -> gather -> flush -> free. */
static void test_gather_protocol(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_gather tlb;
	struct ptsim_access_result r;
	struct ptsim_pgslot pte, pmd;
	struct ptsim_mem_stats ms;
	ptsim_ent_t old, tbl;
	uint64_t pfn, vmpte;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	assert_int_equal(ptsim_folio_alloc(t.m, 0, &pfn), 0);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PTE, PTSIM_PGSLOT_ALLOC, &pte), 0);
	assert_int_equal(
		ptsim_pgslot_set(t.mm, &pte, ptsim_mk_leaf(t.a, PTSIM_PTE, pfn, prot_rw(&t))), 0);
	/* A CPU uses the mapping: its TLB and walk caches now hold it. */
	assert_int_equal(ptsim_access(t.mm, 1, VA + 8, PTSIM_ACCESS_READ, &r), 0);
	assert_int_equal(r.signal, 0);
	assert_u64_eq(r.pa, (pfn << ptsim_arch_page_shift(t.a)) + 8);
	vmpte = ptsim_mm_pgtables_bytes(t.mm);

	assert_int_equal(ptsim_tlb_gather_mmu(&tlb, t.mm), 0);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &pte, &old), 0);
	assert_u64_eq(ptsim_ent_pfn(t.a, PTSIM_PTE, old), pfn);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, pfn, VA, PTSIM_PTE), 0);
	/* The PTE table is empty: unhook it from its parent and gather it. */
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PMD, 0, &pmd), 0);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &pmd, &tbl), 0);
	assert_u64_eq(ptsim_ent_pfn(t.a, PTSIM_PMD, tbl), pte.table_pfn);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm),
		      vmpte - ptsim_arch_ptrs_per(t.a, PTSIM_PTE) * 8ull);
	/* The old PTE slot is stale now that its table is no longer linked. */
	assert_int_equal(ptsim_pgslot_get(t.mm, &pte, &old), -ESTALE);
	assert_int_equal(ptsim_tlb_remove_table(&tlb, pte.table_pfn, VA, PTSIM_PTE), 0);
	ptsim_tlb_finish_mmu(&tlb);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	assert_machine_clean(t.m);
	/* The page's only reference went with the flush; the table went too. */
	ptsim_mem_stats(t.m, &ms);
	assert_true(ms.free_pages > t.free0 - tables_below_root(t.a));
	assert_int_equal(ptsim_frame_get(t.m, pfn, &(struct ptsim_frame_info){0}), 0);
	assert_true(mm_frame(t.m, pfn).free);
	ptsim_test_env_fini(&t);
}

/* Freeing a table without the flush is caught, and misuse is refused. */
static void test_free_without_flush(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_access_result r;
	struct ptsim_pgslot pte, pmd;
	struct ptsim_violation v;
	ptsim_ent_t tbl;
	uint64_t pfn, tpfn;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	assert_int_equal(ptsim_folio_alloc(t.m, 0, &pfn), 0);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PTE, PTSIM_PGSLOT_ALLOC, &pte), 0);
	assert_int_equal(
		ptsim_pgslot_set(t.mm, &pte, ptsim_mk_leaf(t.a, PTSIM_PTE, pfn, prot_rw(&t))), 0);
	assert_int_equal(ptsim_access(t.mm, 0, VA, PTSIM_ACCESS_READ, &r), 0);
	assert_int_equal(ptsim_pgtable_free(t.mm, pte.table_pfn), -EBUSY); /* still linked */
	assert_non_null(strstr(ptsim_errmsg(t.m), "linked"));
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PMD, 0, &pmd), 0);
	assert_int_equal(ptsim_pgslot_set(t.mm, &pmd, 0), -EBUSY); /* would orphan the table */
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &pmd, &tbl), 0);
	tpfn = ptsim_ent_pfn(t.a, PTSIM_PMD, tbl);
	assert_int_equal(ptsim_pgtable_free(t.mm, tpfn), -EBUSY); /* not empty */
	assert_non_null(strstr(ptsim_errmsg(t.m), "entries"));
	/* Relink it, empty it, unhook it, and free it at once: the walk cache still points there.
	 */
	assert_int_equal(ptsim_pgslot_populate(t.mm, &pmd, tpfn), 0);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PTE, 0, &pte), 0);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &pte, NULL), 0);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &pmd, NULL), 0);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	assert_int_equal(ptsim_pgtable_free(t.mm, tpfn), 0);
	assert_true(mm_nr_violations(t.m) >= 1);
	assert_true(ptsim_violations(t.m, &v, 1) >= 1);
	assert_int_equal(v.kind, PTSIM_VIOL_FREE_LIVE_WALK);
	assert_u64_eq(v.pfn, tpfn);
	/* ...and the TLB still maps the page freed next: caught too. */
	assert_int_equal(ptsim_folio_put(t.m, pfn), 0);
	{
		struct ptsim_check_report rep;

		assert_true(ptsim_check(t.m, &rep) > 0);
		assert_true(rep.by_code[PTSIM_CHK_TLB_VIOLATION] >= 2);
	}
	ptsim_test_env_fini(&t);
}

/* Writes are checked: table entries, leaves of the wrong kind, stale slots. */
static void test_set_checks(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_pgslot pte, pmd;
	ptsim_ent_t e;
	uint64_t pfn, tpfn, max_pfn;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	max_pfn = 1ull << (ptsim_arch_pa_bits(t.a) - ptsim_arch_page_shift(t.a));
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PTE, PTSIM_PGSLOT_ALLOC, &pte), 0);
	assert_int_equal(ptsim_pgslot_lookup(t.mm, VA, PTSIM_PMD, 0, &pmd), 0);
	/* A table entry goes through populate, never set. */
	assert_int_equal(ptsim_pgslot_set(t.mm, &pmd, ptsim_mk_table(t.a, PTSIM_PMD, 5, false)),
			 -EINVAL);
	/* A page-table frame is not a page. */
	assert_int_equal(
		ptsim_pgslot_set(t.mm, &pte,
				 ptsim_mk_leaf(t.a, PTSIM_PTE, pte.table_pfn, prot_rw(&t))),
		-EBUSY);
	/* Beyond the physical address bits. */
	assert_int_equal(ptsim_pgslot_set(t.mm, &pte,
					  ptsim_mk_leaf(t.a, PTSIM_PTE, max_pfn - 1, prot_rw(&t))),
			 0);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &pte, &e), 0);
	assert_u64_eq(ptsim_ent_pfn(t.a, PTSIM_PTE, e), max_pfn - 1);
	/* Non-present entries are fine. */
	{
		ptsim_pte_t marker;

		assert_int_equal(ptsim_mk_pte_marker(t.m, PTSIM_PTE_MARKER_GUARD, &marker), 0);
		assert_int_equal(ptsim_set_pte_at(t.mm, &pte, marker), 0);
		assert_int_equal(ptsim_ptep_get(t.mm, &pte, &marker), 0);
		assert_true(ptsim_ent_swp(t.a, PTSIM_PTE, marker.val));
		assert_int_equal(ptsim_ptep_get_and_clear(t.mm, &pte, &marker), 0);
		/* Typed helpers check the level. */
		assert_int_equal(ptsim_set_pte_at(t.mm, &pmd, marker), -EINVAL);
	}
	/* populate: only detached tables of the right level into none slots. */
	assert_int_equal(ptsim_pgtable_alloc(t.mm, PTSIM_PTE, &tpfn), 0);
	assert_int_equal(ptsim_pgslot_populate(t.mm, &pmd, tpfn), -EEXIST);
	assert_int_equal(ptsim_pgslot_populate(t.mm, &pte, tpfn), -EINVAL);
	assert_int_equal(ptsim_pgtable_alloc(t.mm, PTSIM_PGD, &pfn), -EINVAL);
	assert_int_equal(ptsim_pgtable_free(t.mm, tpfn), 0);
	assert_int_equal(ptsim_pgtable_free(t.mm, tpfn), -EINVAL);
	/* A slot whose table went away is stale. */
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &pmd, &e), 0);
	tpfn = ptsim_ent_pfn(t.a, PTSIM_PMD, e);
	assert_int_equal(ptsim_pgtable_free(t.mm, tpfn), 0);
	assert_int_equal(ptsim_pgslot_set(t.mm, &pte, 0), -ESTALE);
	assert_non_null(strstr(ptsim_errmsg(t.m), "not a live"));
	e = 0;
	pte.index = 1u << 20;
	assert_int_equal(ptsim_pgslot_get(t.mm, &pmd, &e), 0); /* the PMD slot itself is live */
	assert_int_equal(ptsim_pgslot_get(t.mm, &pte, &e), -ESTALE);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* Inside VMAs: attribute changes are fine, unaccounted (un)mapping is refused, zap is accounted. */
static void test_vma_rules(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_gather tlb;
	struct ptsim_pgslot pte;
	ptsim_ent_t e, old;
	uint64_t va, pfn, other;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	va = mm_map(t.mm, 0, 4 * t.psz, RW, ANP, NULL, 0);
	mm_ok(t.mm, 0, va, W);
	pfn = mm_pte(t.mm, va).pfn;
	assert_int_equal(ptsim_pgslot_lookup(t.mm, va, PTSIM_PTE, 0, &pte), 0);
	assert_int_equal(ptsim_pgslot_get(t.mm, &pte, &e), 0);
	/* Another frame in a VMA: no rmap, no refcount, so refused. */
	assert_int_equal(ptsim_folio_alloc(t.m, 0, &other), 0);
	assert_int_equal(
		ptsim_pgslot_set(t.mm, &pte, ptsim_mk_leaf(t.a, PTSIM_PTE, other, prot_rw(&t))),
		-EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "inside a VMA"));
	/* The low-level map/unmap refuse VMA ranges too, wherever they overlap. */
	assert_int_equal(ptsim_map(t.mm, va + t.psz, t.psz, other, t.psz, prot_rw(&t), 0), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(t.m), "ptsim_access()"));
	assert_int_equal(ptsim_map(t.mm, va - t.psz, 2 * t.psz, other, t.psz, prot_rw(&t), 0),
			 -EBUSY);
	assert_int_equal(ptsim_unmap(t.mm, va + 3 * t.psz, 4 * t.psz, 0), -EBUSY);
	assert_int_equal(ptsim_map(t.mm, va + 4 * t.psz, t.psz, other, t.psz, prot_rw(&t), 0), 0);
	assert_int_equal(ptsim_unmap(t.mm, va + 4 * t.psz, t.psz, PTSIM_UNMAP_FREE_TABLES), 1);
	/* Write-protect in place (a same-frame change): allowed. */
	assert_int_equal(ptsim_pgslot_set(t.mm, &pte, ptsim_ent_wrprotect(t.a, PTSIM_PTE, e)), 0);
	assert_int_equal(ptsim_flush_tlb_page(t.mm, va), 0);
	assert_false(mm_pte(t.mm, va).attrs.write);
	assert_machine_clean(t.m);
	/* ptep_modify_prot_start/commit: cleared in between, same frame after. */
	assert_int_equal(ptsim_pgslot_modify_prot_start(t.mm, &pte, &old), 0);
	assert_int_equal(ptsim_pgslot_get(t.mm, &pte, &e), 0);
	assert_u64_eq(e, 0);
	assert_int_equal(
		ptsim_pgslot_modify_prot_commit(t.mm, &pte, old,
						ptsim_mk_leaf(t.a, PTSIM_PTE, other, prot_rw(&t))),
		-EINVAL);
	assert_int_equal(ptsim_pgslot_modify_prot_commit(t.mm, &pte, old,
							 ptsim_ent_mkold(t.a, PTSIM_PTE, old)),
			 0);
	assert_int_equal(ptsim_pgslot_modify_prot_start(t.mm, &(struct ptsim_pgslot){0}, &old),
			 -ESTALE);
	assert_machine_clean(t.m);
	/* Zap through the slot: rmap and rss drop at once, the reference after the flush. */
	assert_int_equal(ptsim_tlb_gather_mmu(&tlb, t.mm), 0);
	assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &pte, &old), 0);
	assert_u64_eq(ptsim_ent_pfn(t.a, PTSIM_PTE, old), pfn);
	assert_u64_eq(mm_counters(t.mm).rss_anon, 0);
	assert_int_equal(mm_frame(t.m, pfn).mapcount, 0);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, pfn, va, PTSIM_PTE), 0);
	ptsim_tlb_finish_mmu(&tlb);
	assert_true(mm_frame(t.m, pfn).free);
	assert_int_equal(ptsim_folio_put(t.m, other), 0);
	mm_finish(&t);
}

struct wp_walk {
	unsigned int ptes, holes, populated;
};

/* pte_entry: write-protect through the slot. */
static int wp_pte(ptsim_ent_t ent, uint64_t addr, uint64_t next, struct ptsim_walk *w)
{
	const struct ptsim_arch *a = ptsim_machine_arch(ptsim_mm_machine(w->mm));
	struct wp_walk *c = w->priv;

	(void)addr;
	(void)next;
	assert_int_equal(w->slot.level, PTSIM_PTE);
	if (ptsim_ent_present(a, PTSIM_PTE, ent)) {
		c->ptes++;
		return ptsim_pgslot_set(w->mm, &w->slot, ptsim_ent_wrprotect(a, PTSIM_PTE, ent));
	}
	return 0;
}

/* A hole above the PTE level: populate a PTE table and ask to be visited AGAIN. */
static int fill_hole(uint64_t addr, uint64_t next, int depth, struct ptsim_walk *w)
{
	struct wp_walk *c = w->priv;
	uint64_t tpfn;
	int err;

	(void)next;
	c->holes++;
	if (depth != PTSIM_PMD || c->populated)
		return 0;
	assert_int_equal(w->slot.level, PTSIM_PMD);
	assert_u64_eq(w->slot.addr, addr);
	err = ptsim_pgtable_alloc(w->mm, PTSIM_PTE, &tpfn);
	if (!err)
		err = ptsim_pgslot_populate(w->mm, &w->slot, tpfn);
	c->populated++;
	w->action = PTSIM_WALK_AGAIN;
	return err;
}

static void test_walk_slots(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_walk_ops ops = {.pte_hole = fill_hole};
	struct wp_walk c = {0};
	uint64_t va, pmd;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	ops.entry[PTSIM_PTE] = wp_pte;
	va = mm_map(t.mm, 0, 4 * t.psz, RW, ANP, NULL, 0);
	mm_ok(t.mm, 0, va, W);
	mm_ok(t.mm, 0, va + 2 * t.psz, W);
	assert_int_equal(ptsim_walk_page_range(t.mm, va, va + 4 * t.psz, &ops, &c), 0);
	assert_int_equal(c.ptes, 2);
	assert_int_equal(ptsim_flush_tlb_range(t.mm, va, va + 4 * t.psz, PTSIM_PTE), 0);
	assert_false(mm_pte(t.mm, va).attrs.write);
	assert_false(mm_pte(t.mm, va + 2 * t.psz).attrs.write);
	assert_machine_clean(t.m);
	/* A PMD-level hole outside the VMAs: the callback fills it and the walk goes down. */
	pmd = ptsim_arch_level_size(t.a, PTSIM_PMD);
	if (!ptsim_arch_level_folded(t.a, PTSIM_PMD)) {
		uint64_t hole = (va & ~(pmd - 1)) - pmd;
		struct ptsim_pgslot s;

		memset(&c, 0, sizeof(c));
		if (ptsim_pgslot_lookup(t.mm, hole, PTSIM_PMD, 0, &s) == 0) {
			assert_int_equal(ptsim_walk_page_range(t.mm, hole, hole + t.psz, &ops, &c),
					 0);
			assert_int_equal(c.populated, 1);
			assert_int_equal(c.holes, 2); /* the PMD hole, then the PTE hole */
			assert_int_equal(ptsim_pgslot_lookup(t.mm, hole, PTSIM_PTE, 0, &s), 0);
			assert_machine_clean(t.m);
			/* Outside every VMA, so munmap would not free it: the walker's caller does.
			 */
			{
				struct ptsim_pgslot ps;
				ptsim_ent_t e;

				assert_int_equal(ptsim_pgslot_lookup(t.mm, hole, PTSIM_PMD, 0, &ps),
						 0);
				assert_int_equal(ptsim_pgslot_get_and_clear(t.mm, &ps, &e), 0);
				assert_int_equal(
					ptsim_pgtable_free(t.mm, ptsim_ent_pfn(t.a, PTSIM_PMD, e)),
					0);
			}
		}
	}
	mm_finish(&t);
}

static int op_lookup_alloc(struct ptsim_test_env *t, void *arg)
{
	struct ptsim_pgslot s;

	(void)arg;
	return ptsim_pgslot_lookup(t->mm, VA, PTSIM_PTE, PTSIM_PGSLOT_ALLOC, &s);
}

static void test_alloc_failure(void **state)
{
	struct ptsim_test_env t;
	uint64_t pfn;

	ptsim_test_env_init(&t, (const char *)*state, "phys=1G");
	assert_true(ptsim_test_sweep(&t, op_lookup_alloc, NULL, 64) >= 1);
	ptsim_fault_inject(t.m, 1, false);
	assert_int_equal(ptsim_pgtable_alloc(t.mm, PTSIM_PTE, &pfn), -ENOMEM);
	ptsim_fault_inject(t.m, 0, false);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_lookup),		PTSIM_ARCH_TESTS(test_lookup_huge),
		PTSIM_ARCH_TESTS(test_gather_protocol), PTSIM_ARCH_TESTS(test_free_without_flush),
		PTSIM_ARCH_TESTS(test_set_checks),	PTSIM_ARCH_TESTS(test_vma_rules),
		PTSIM_ARCH_TESTS(test_walk_slots),	PTSIM_ARCH_TESTS(test_alloc_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
