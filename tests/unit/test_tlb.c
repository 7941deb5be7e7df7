// SPDX-License-Identifier: MIT
/*
 * test_tlb.c - per-CPU TLBs and walk caches, flush primitives and
 * shootdowns, replacement, mmu_gather and the TLB discipline checker.
 *
 * Entries are put into the caches directly with the internal fill
 * functions the MMU walk (test_mmu.c) uses, so each case controls exactly
 * what is cached.  Every test runs
 * on every architecture configuration and ends with the machine clean and
 * the free-frame count back at its baseline.
 */
#include <errno.h>

#include "api/machine.h"
#include "ptsim_test.h"

#define VA    0x40000000ull
#define OTHER 999 /* an ASID no address space has */

static struct ptsim_tlbs *T(struct ptsim_test_env *t)
{
	return &t->m->tlbs;
}

static uint64_t A(struct ptsim_test_env *t)
{
	return t->mm->tlb.asid;
}

static uint64_t lsz(struct ptsim_test_env *t, enum ptsim_level l)
{
	return ptsim_arch_level_size(t->a, l);
}

static uint64_t prot(struct ptsim_test_env *t)
{
	return ptsim_pgprot(t->a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0);
}

static bool is_x86(struct ptsim_test_env *t)
{
	return ptsim_arch_kind(t->a) == PTSIM_ARCH_X86_64;
}

static void fill_g(struct ptsim_test_env *t, unsigned int cpu, uint64_t asid, enum ptsim_level lvl,
		   uint64_t va, uint64_t pfn, bool global)
{
	assert_true(ptsim__tlb_fill(T(t), cpu, asid, lvl, va,
				    ptsim_mk_leaf(t->a, lvl, pfn, prot(t)), pfn, global));
}

static void fill(struct ptsim_test_env *t, unsigned int cpu, uint64_t asid, enum ptsim_level lvl,
		 uint64_t va, uint64_t pfn)
{
	fill_g(t, cpu, asid, lvl, va, pfn, false);
}

static bool has(struct ptsim_test_env *t, unsigned int cpu, uint64_t asid, enum ptsim_level lvl,
		uint64_t va)
{
	return ptsim__tlb_probe(T(t), cpu, asid, lvl, va, NULL);
}

static void fill_walk(struct ptsim_test_env *t, unsigned int cpu, uint64_t asid,
		      enum ptsim_level lvl, uint64_t va, uint64_t table_pfn)
{
	assert_true(ptsim__walk_cache_fill(T(t), cpu, asid, lvl, va,
					   ptsim_mk_table(t->a, lvl, table_pfn, false), table_pfn));
}

static bool has_walk(struct ptsim_test_env *t, unsigned int cpu, uint64_t asid,
		     enum ptsim_level lvl, uint64_t va)
{
	return ptsim__walk_cache_probe(T(t), cpu, asid, lvl, va, NULL);
}

static struct ptsim_tlb_stats stats(struct ptsim_test_env *t, unsigned int cpu)
{
	struct ptsim_tlb_stats s;

	assert_int_equal(ptsim_tlb_stats(t->m, cpu, &s), 0);
	return s;
}

static long nr_violations(struct ptsim_test_env *t)
{
	return ptsim_violations(t->m, NULL, 0);
}

static bool frame_free(struct ptsim_test_env *t, uint64_t pfn)
{
	struct ptsim_frame_info fi;

	assert_int_equal(ptsim_frame_get(t->m, pfn, &fi), 0);
	return fi.free;
}

static void env(struct ptsim_test_env *t, void **state)
{
	ptsim_test_env_init(t, *state, "ncpus=4");
}

/* Empty the caches (tests fill them with made-up frames), expect a clean machine. */
static void done(struct ptsim_test_env *t)
{
	struct ptsim_mem_stats ms;

	assert_int_equal(ptsim_flush_tlb_all(t->m), 0);
	assert_int_equal(nr_violations(t), 0);
	assert_machine_clean(t->m);
	ptsim_mem_stats(t->m, &ms);
	assert_u64_eq(ms.free_pages, t->free0);
	ptsim_test_env_fini(t);
}

/* Free the tables left below [va, va + len) (all leaves already cleared). */
static void free_tables(struct ptsim_test_env *t, uint64_t va, uint64_t len)
{
	assert_true(ptsim_unmap(t->mm, va, len, PTSIM_UNMAP_FREE_TABLES) >= 0);
}

static uint64_t map_new_page(struct ptsim_test_env *t, uint64_t va)
{
	uint64_t f;

	assert_int_equal(ptsim_alloc_pages(t->m, 0, &f), 0);
	assert_int_equal(ptsim_map(t->mm, va, t->psz, f, t->psz, prot(t), 0), 0);
	return f;
}

/* --- caches ------------------------------------------------------------------ */

static void test_lookup_fill(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_tlb_hit h;
	struct ptsim_walk_hit w;
	struct ptsim_tlb_stats s;
	uint64_t pmd;

	env(&t, state);
	pmd = lsz(&t, PTSIM_PMD);
	fill(&t, 0, A(&t), PTSIM_PTE, VA, 0x100);
	fill(&t, 0, A(&t), PTSIM_PMD, VA + pmd, 0x2000);
	fill_g(&t, 0, A(&t), PTSIM_PTE, VA + t.psz, 0x101, true);
	/* No TLB for a level that can not hold a leaf. */
	assert_false(ptsim__tlb_fill(T(&t), 0, A(&t), PTSIM_PGD, VA, 0, 0, false));
	assert_false(ptsim__tlb_fill(T(&t), 4, A(&t), PTSIM_PTE, VA, 0, 0, false));

	assert_true(ptsim__tlb_lookup(T(&t), 0, A(&t), VA + 5, &h));
	assert_int_equal(h.lvl, PTSIM_PTE);
	assert_u64_eq(h.page_pfn, 0x100);
	assert_u64_eq(h.base, VA);
	assert_true(ptsim__tlb_lookup(T(&t), 0, A(&t), VA + pmd + 3 * t.psz + 7, &h));
	assert_int_equal(h.lvl, PTSIM_PMD);
	assert_u64_eq(h.pfn, 0x2000);
	assert_u64_eq(h.page_pfn, 0x2003);
	assert_false(ptsim__tlb_lookup(T(&t), 0, OTHER, VA, &h));	 /* other ASID */
	assert_true(ptsim__tlb_lookup(T(&t), 0, OTHER, VA + t.psz, &h)); /* global */
	assert_true(h.global);
	assert_false(ptsim__tlb_lookup(T(&t), 1, A(&t), VA, &h)); /* other CPU */

	/* Walk caches: the deepest level answers. */
	fill_walk(&t, 0, A(&t), PTSIM_PUD, VA, 0x300);
	fill_walk(&t, 0, A(&t), PTSIM_PMD, VA, 0x301);
	assert_true(ptsim__walk_cache_lookup(T(&t), 0, A(&t), VA + 5 * t.psz, &w));
	assert_int_equal(w.lvl, PTSIM_PMD);
	assert_u64_eq(w.table_pfn, 0x301);
	/* Another PMD under the same PUD entry (not on arm64-64k-42, where PUD is PMD-sized). */
	if (lsz(&t, PTSIM_PUD) > pmd) {
		assert_true(ptsim__walk_cache_lookup(T(&t), 0, A(&t), VA + pmd, &w));
		assert_int_equal(w.lvl, PTSIM_PUD);
		assert_u64_eq(w.table_pfn, 0x300);
	} else {
		assert_true(ptsim__walk_cache_lookup(T(&t), 0, A(&t), VA, &w));
	}
	assert_false(ptsim__walk_cache_lookup(T(&t), 0, OTHER, VA, &w));

	s = stats(&t, 0);
	assert_u64_eq(s.hits[PTSIM_PTE], 2);
	assert_u64_eq(s.hits[PTSIM_PMD], 1);
	assert_u64_eq(s.lookup_misses, 1);
	assert_u64_eq(s.misses[PTSIM_PTE], 2);
	assert_u64_eq(s.misses[PTSIM_PMD], 1);
	assert_u64_eq(s.walk_hits[PTSIM_PMD], lsz(&t, PTSIM_PUD) > pmd ? 1 : 2);
	assert_u64_eq(s.walk_hits[PTSIM_PUD], lsz(&t, PTSIM_PUD) > pmd ? 1 : 0);
	assert_u64_eq(s.walk_misses, 1);
	assert_u64_eq(stats(&t, 1).lookup_misses, 1);
	assert_u64_eq(ptsim__tlb_nr_valid(T(&t), 0), 5);
	done(&t);
}

/* --- flushes ----------------------------------------------------------------- */

static void test_flush_page(void **state)
{
	struct ptsim_test_env t;
	uint64_t pmd;

	env(&t, state);
	pmd = lsz(&t, PTSIM_PMD);
	assert_int_equal(ptsim_switch_mm(t.mm, 0), 0);
	fill(&t, 0, A(&t), PTSIM_PTE, VA, 0x100);
	fill(&t, 0, A(&t), PTSIM_PTE, VA + t.psz, 0x101);
	fill_g(&t, 0, OTHER, PTSIM_PTE, VA + 2 * t.psz, 0x102, true);
	fill(&t, 0, OTHER + 1, PTSIM_PTE, VA + 3 * t.psz, 0x103);
	fill(&t, 0, A(&t), PTSIM_PMD, VA + 4 * pmd, 0x2000);
	fill_walk(&t, 0, A(&t), PTSIM_PMD, VA + 8 * pmd, 0x300);

	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA + 0x10), 0);
	assert_false(has(&t, 0, A(&t), PTSIM_PTE, VA));
	assert_true(has(&t, 0, A(&t), PTSIM_PTE, VA + t.psz));
	assert_true(has(&t, 0, A(&t), PTSIM_PMD, VA + 4 * pmd));
	assert_true(has(&t, 0, OTHER, PTSIM_PTE, VA + 2 * t.psz));
	/* arm64 TLBI VALE1 is last-level; x86 INVLPG drops the ASID's walk caches. */
	assert_int_equal(has_walk(&t, 0, A(&t), PTSIM_PMD, VA + 8 * pmd), !is_x86(&t));

	/* A global entry is hit by a VA flush of any ASID; another ASID's is not. */
	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA + 2 * t.psz), 0);
	assert_false(has(&t, 0, OTHER, PTSIM_PTE, VA + 2 * t.psz));
	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA + 3 * t.psz), 0);
	assert_true(has(&t, 0, OTHER + 1, PTSIM_PTE, VA + 3 * t.psz));
	/* A block is hit by a flush of any address inside it. */
	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA + 4 * pmd + 5 * t.psz), 0);
	assert_false(has(&t, 0, A(&t), PTSIM_PMD, VA + 4 * pmd));

	assert_u64_eq(stats(&t, 0).flushes[PTSIM_FLUSH_PAGE], 4);
	assert_u64_eq(stats(&t, 0).ipis, 0);
	done(&t);
}

static void test_flush_range_stride(void **state)
{
	struct ptsim_test_env t;
	uint64_t pmd;

	env(&t, state);
	pmd = lsz(&t, PTSIM_PMD);
	assert_int_equal(ptsim_switch_mm(t.mm, 0), 0);
	for (unsigned int i = 0; i < 8; i++)
		fill(&t, 0, A(&t), PTSIM_PTE, VA + i * t.psz, 0x100 + i);
	for (unsigned int k = 1; k <= 3; k++)
		fill(&t, 0, A(&t), PTSIM_PMD, VA + k * pmd, 0x1000 * k);
	fill(&t, 0, A(&t), PTSIM_PTE, VA + 2 * pmd, 0x200); /* a base page on a PMD step */
	fill_walk(&t, 0, A(&t), PTSIM_PMD, VA, 0x300);
	fill_walk(&t, 0, A(&t), PTSIM_PMD, VA + 10 * pmd, 0x301);

	/* Base-page stride: exactly the four pages. */
	assert_int_equal(ptsim_flush_tlb_range(t.mm, VA, VA + 4 * t.psz, PTSIM_PTE), 0);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(has(&t, 0, A(&t), PTSIM_PTE, VA + i * t.psz), i >= 4);
	for (unsigned int k = 1; k <= 3; k++)
		assert_true(has(&t, 0, A(&t), PTSIM_PMD, VA + k * pmd));
	assert_true(has(&t, 0, A(&t), PTSIM_PTE, VA + 2 * pmd));
	/* Not last-level: overlapping walk entries go (x86: all of the ASID's). */
	assert_false(has_walk(&t, 0, A(&t), PTSIM_PMD, VA));
	assert_int_equal(has_walk(&t, 0, A(&t), PTSIM_PMD, VA + 10 * pmd), !is_x86(&t));

	/* PMD stride: blocks in range and base pages on a step; not pages 4..7. */
	assert_int_equal(ptsim_flush_tlb_range(t.mm, VA, VA + 3 * pmd, PTSIM_PMD), 0);
	for (unsigned int i = 4; i < 8; i++)
		assert_true(has(&t, 0, A(&t), PTSIM_PTE, VA + i * t.psz));
	assert_false(has(&t, 0, A(&t), PTSIM_PTE, VA + 2 * pmd));
	assert_false(has(&t, 0, A(&t), PTSIM_PMD, VA + pmd));
	assert_false(has(&t, 0, A(&t), PTSIM_PMD, VA + 2 * pmd));
	assert_true(has(&t, 0, A(&t), PTSIM_PMD, VA + 3 * pmd));

	/* The start is rounded down to the stride. */
	assert_int_equal(ptsim_flush_tlb_range(t.mm, VA + 3 * pmd + t.psz, VA + 3 * pmd + 2 * t.psz,
					       PTSIM_PMD),
			 0);
	assert_false(has(&t, 0, A(&t), PTSIM_PMD, VA + 3 * pmd));
	assert_u64_eq(stats(&t, 0).flushes[PTSIM_FLUSH_RANGE], 3);
	done(&t);
}

static void test_flush_mm(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mm *mm2;
	uint64_t b;

	env(&t, state);
	assert_int_equal(ptsim_mm_create(t.m, &mm2), 0);
	b = mm2->tlb.asid;
	assert_int_equal(ptsim_switch_mm(t.mm, 0), 0);
	assert_int_equal(ptsim_switch_mm(mm2, 0), 0);
	fill(&t, 0, A(&t), PTSIM_PTE, VA, 0x100);
	fill(&t, 1, A(&t), PTSIM_PTE, VA, 0x100);
	fill_g(&t, 0, A(&t), PTSIM_PTE, VA + t.psz, 0x101, true);
	fill(&t, 0, b, PTSIM_PTE, VA, 0x200);
	fill_walk(&t, 0, A(&t), PTSIM_PMD, VA, 0x300);
	fill_walk(&t, 0, b, PTSIM_PMD, VA, 0x301);

	assert_int_equal(ptsim_flush_tlb_mm(t.mm), 0);
	assert_false(has(&t, 0, A(&t), PTSIM_PTE, VA));
	assert_true(has(&t, 1, A(&t), PTSIM_PTE, VA));	       /* CPU 1 is not in the mask */
	assert_true(has(&t, 0, A(&t), PTSIM_PTE, VA + t.psz)); /* global survives */
	assert_true(has(&t, 0, b, PTSIM_PTE, VA));
	assert_false(has_walk(&t, 0, A(&t), PTSIM_PMD, VA));
	assert_true(has_walk(&t, 0, b, PTSIM_PMD, VA));

	assert_int_equal(ptsim_switch_mm(t.mm, 1), 0);
	assert_int_equal(ptsim_flush_tlb_mm(t.mm), 0);
	assert_false(has(&t, 1, A(&t), PTSIM_PTE, VA));
	assert_u64_eq(stats(&t, 0).flushes[PTSIM_FLUSH_MM], 2);
	assert_u64_eq(stats(&t, 0).ipis, 1);
	ptsim_mm_destroy(mm2); /* drops the ASID's entries */
	assert_false(has(&t, 0, b, PTSIM_PTE, VA));
	assert_false(has_walk(&t, 0, b, PTSIM_PMD, VA));
	done(&t);
}

static void test_flush_all(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_tlb_stats tot;

	env(&t, state);
	for (unsigned int cpu = 0; cpu < 4; cpu++) {
		fill(&t, cpu, A(&t), PTSIM_PTE, VA, 0x100);
		fill_g(&t, cpu, OTHER, PTSIM_PMD, VA, 0x2000, true);
		fill_walk(&t, cpu, OTHER, PTSIM_PGD, VA, 0x300);
	}
	assert_int_equal(ptsim_flush_tlb_all(t.m), 0);
	for (unsigned int cpu = 0; cpu < 4; cpu++)
		assert_u64_eq(ptsim__tlb_nr_valid(T(&t), cpu), 0);
	assert_u64_eq(T(&t)->nr_valid, 0);
	assert_u64_eq(stats(&t, 0).flushes[PTSIM_FLUSH_ALL], 1);
	assert_u64_eq(stats(&t, 0).ipis, 3);
	ptsim_tlb_stats_total(t.m, &tot);
	assert_u64_eq(tot.invalidated, 12);
	assert_u64_eq(tot.ipis, 3);
	done(&t);
}

static void test_flush_kernel_range(void **state)
{
	struct ptsim_test_env t;

	env(&t, state);
	for (unsigned int cpu = 0; cpu < 4; cpu += 3) {
		fill(&t, cpu, A(&t), PTSIM_PTE, VA, 0x100);
		fill(&t, cpu, OTHER, PTSIM_PTE, VA + t.psz, 0x101);
		fill_g(&t, cpu, OTHER, PTSIM_PTE, VA + 2 * t.psz, 0x102, true);
		fill_walk(&t, cpu, OTHER, PTSIM_PMD, VA, 0x300);
	}
	assert_int_equal(ptsim_flush_tlb_kernel_range(t.m, VA, VA + 2 * t.psz), 0);
	for (unsigned int cpu = 0; cpu < 4; cpu += 3) {
		assert_false(has(&t, cpu, A(&t), PTSIM_PTE, VA));
		assert_false(has(&t, cpu, OTHER, PTSIM_PTE, VA + t.psz));
		assert_true(has(&t, cpu, OTHER, PTSIM_PTE, VA + 2 * t.psz));
		/* arm64 TLBI VAALE1 is last-level. */
		assert_int_equal(has_walk(&t, cpu, OTHER, PTSIM_PMD, VA), !is_x86(&t));
	}
	assert_u64_eq(stats(&t, 0).flushes[PTSIM_FLUSH_KERNEL_RANGE], 1);
	assert_u64_eq(stats(&t, 0).ipis, 3);
	done(&t);
}

static void test_flush_pgtable(void **state)
{
	struct ptsim_test_env t;
	uint64_t pmd;

	env(&t, state);
	pmd = lsz(&t, PTSIM_PMD);
	assert_int_equal(ptsim_switch_mm(t.mm, 2), 0);
	fill(&t, 2, A(&t), PTSIM_PTE, VA, 0x100);
	fill(&t, 2, A(&t), PTSIM_PMD, VA + pmd, 0x2000);
	fill_walk(&t, 2, A(&t), PTSIM_PMD, VA, 0x300);
	fill_walk(&t, 2, A(&t), PTSIM_PUD, VA, 0x301);
	fill_walk(&t, 2, A(&t), PTSIM_PMD, VA + 8 * pmd, 0x302);
	fill_walk(&t, 2, OTHER, PTSIM_PMD, VA, 0x303);

	assert_int_equal(ptsim_flush_tlb_pgtable(t.mm, VA, VA + t.psz), 0);
	assert_false(has_walk(&t, 2, A(&t), PTSIM_PMD, VA));
	assert_false(has_walk(&t, 2, A(&t), PTSIM_PUD, VA));
	assert_true(has_walk(&t, 2, A(&t), PTSIM_PMD, VA + 8 * pmd));
	assert_true(has_walk(&t, 2, OTHER, PTSIM_PMD, VA));
	/* Leaf entries stay. */
	assert_true(has(&t, 2, A(&t), PTSIM_PTE, VA));
	assert_true(has(&t, 2, A(&t), PTSIM_PMD, VA + pmd));
	assert_u64_eq(stats(&t, 2).flushes[PTSIM_FLUSH_PGTABLE], 1);
	done(&t);
}

static void test_ipis(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_tlb_stats tot;
	struct ptsim_mm *idle;

	env(&t, state);
	for (unsigned int cpu = 1; cpu < 4; cpu++)
		assert_int_equal(ptsim_switch_mm(t.mm, cpu), 0);
	for (unsigned int cpu = 0; cpu < 4; cpu++)
		fill(&t, cpu, A(&t), PTSIM_PTE, VA, 0x100);

	assert_int_equal(ptsim_flush_tlb_mm(t.mm), 0);
	/* The lowest CPU of the mask issues the flush and sends one IPI per other CPU. */
	assert_u64_eq(stats(&t, 1).flushes[PTSIM_FLUSH_MM], 1);
	assert_u64_eq(stats(&t, 1).ipis, 2);
	assert_u64_eq(stats(&t, 0).flushes[PTSIM_FLUSH_MM], 0);
	assert_u64_eq(stats(&t, 2).ipis, 0);
	assert_true(has(&t, 0, A(&t), PTSIM_PTE, VA)); /* never ran there: not reached */
	for (unsigned int cpu = 1; cpu < 4; cpu++)
		assert_false(has(&t, cpu, A(&t), PTSIM_PTE, VA));

	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA), 0);
	assert_int_equal(ptsim_flush_tlb_range(t.mm, VA, VA + t.psz, PTSIM_PTE), 0);
	assert_int_equal(ptsim_flush_tlb_pgtable(t.mm, VA, VA + t.psz), 0);
	assert_u64_eq(stats(&t, 1).ipis, 8);

	/* An address space that never ran: counted on CPU 0, no IPI. */
	assert_int_equal(ptsim_mm_create(t.m, &idle), 0);
	assert_int_equal(ptsim_flush_tlb_mm(idle), 0);
	assert_u64_eq(stats(&t, 0).flushes[PTSIM_FLUSH_MM], 1);
	ptsim_tlb_stats_total(t.m, &tot);
	assert_u64_eq(tot.ipis, 8);
	assert_u64_eq(tot.flushes[PTSIM_FLUSH_MM], 2);
	ptsim_mm_destroy(idle);
	done(&t);
}

/* --- replacement ------------------------------------------------------------- */

static void test_lru(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_tlb_config c;

	env(&t, state);
	ptsim_tlb_config_default(&c);
	c.entries[PTSIM_PTE] = 8;
	c.ways[PTSIM_PTE] = 2; /* 4 sets: pages 4 apart share a set */
	assert_int_equal(ptsim_tlb_configure(t.m, &c), 0);
	fill(&t, 0, A(&t), PTSIM_PTE, VA, 1);
	fill(&t, 0, A(&t), PTSIM_PTE, VA + 4 * t.psz, 2);
	assert_true(ptsim__tlb_lookup(T(&t), 0, A(&t), VA, NULL)); /* VA is now most recent */
	fill(&t, 0, A(&t), PTSIM_PTE, VA + 8 * t.psz, 3);
	assert_true(has(&t, 0, A(&t), PTSIM_PTE, VA));
	assert_false(has(&t, 0, A(&t), PTSIM_PTE, VA + 4 * t.psz));
	assert_true(has(&t, 0, A(&t), PTSIM_PTE, VA + 8 * t.psz));
	assert_u64_eq(stats(&t, 0).evictions, 1);
	/* Refilling a present tag replaces it in place. */
	fill(&t, 0, A(&t), PTSIM_PTE, VA, 9);
	assert_u64_eq(stats(&t, 0).evictions, 1);
	assert_u64_eq(ptsim__tlb_nr_valid(T(&t), 0), 2);
	done(&t);
}

struct snap_entry {
	uint64_t walk, lvl, vpn, asid, ent, pfn, stamp;
};

struct snap {
	struct snap_entry e[1024];
	unsigned int n;
};

static void snap_fn(void *ctx, bool is_walk, int lvl, const struct ptsim_tlb_entry *e)
{
	struct snap *s = ctx;

	assert_true(s->n < 1024);
	s->e[s->n++] = (struct snap_entry){is_walk, (uint64_t)lvl, e->vpn,  e->asid,
					   e->ent,  e->pfn,	   e->stamp};
}

/* A fixed pseudo-random sequence of fills and lookups on every CPU. */
static void run_sequence(struct ptsim_test_env *t, struct snap *out, struct ptsim_tlb_stats *tot)
{
	uint64_t x = 12345, pmd = lsz(t, PTSIM_PMD);

	for (unsigned int i = 0; i < 2000; i++) {
		unsigned int cpu, op;
		uint64_t va;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		cpu = (unsigned int)(x >> 60) % 4;
		op = (unsigned int)(x >> 40) % 4;
		va = VA + ((x >> 20) % 256) * t->psz;
		if (op == 0)
			fill(t, cpu, A(t), PTSIM_PTE, va, (x >> 8) & 0xfff);
		else if (op == 1)
			fill(t, cpu, A(t), PTSIM_PMD, VA + ((x >> 24) % 64) * pmd, 0x1000);
		else if (op == 2)
			fill_walk(t, cpu, A(t), PTSIM_PMD, VA + ((x >> 24) % 64) * pmd, 0x300);
		else
			(void)ptsim__tlb_lookup(T(t), cpu, A(t), va, NULL);
	}
	out->n = 0;
	for (unsigned int cpu = 0; cpu < 4; cpu++)
		ptsim__tlb_for_each(T(t), cpu, snap_fn, out);
	ptsim_tlb_stats_total(t->m, tot);
}

static void test_replacement_deterministic(void **state)
{
	static struct snap s1, s2;
	struct ptsim_tlb_stats t1, t2;
	struct ptsim_test_env t;

	env(&t, state);
	run_sequence(&t, &s1, &t1);
	done(&t);
	env(&t, state);
	run_sequence(&t, &s2, &t2);
	assert_true(s1.n > 0);
	assert_true(t1.evictions > 0);
	assert_int_equal(s1.n, s2.n);
	assert_memory_equal(s1.e, s2.e, s1.n * sizeof(s1.e[0]));
	assert_memory_equal(&t1, &t2, sizeof(t1));
	done(&t);
}

/* --- the discipline checker --------------------------------------------------- */

static void expect_one(struct ptsim_test_env *t, int kind, unsigned int cpu, uint64_t addr,
		       uint64_t pfn, struct ptsim_violation *out)
{
	struct ptsim_violation v[4];
	long n = ptsim_violations(t->m, v, 4);

	if (n != 1) {
		for (long i = 0; i < n && i < 4; i++)
			print_error("violation %s cpu %u addr 0x%llx pfn 0x%llx op %s\n",
				    ptsim_violation_kind_name(v[i].kind), v[i].cpu,
				    (unsigned long long)v[i].addr, (unsigned long long)v[i].pfn,
				    v[i].op);
		fail_msg("expected one violation, got %ld", n);
	}
	assert_int_equal(v[0].kind, kind);
	assert_int_equal(v[0].cpu, cpu);
	assert_u64_eq(v[0].addr, addr);
	assert_u64_eq(v[0].pfn, pfn);
	assert_non_null(v[0].op);
	assert_non_null(v[0].site);
	if (out)
		*out = v[0];
}

/* ptsim_check() reports exactly @n TLB_VIOLATION findings and nothing else. */
static void expect_tlb_findings(struct ptsim_test_env *t, unsigned int n)
{
	struct ptsim_check_report r;
	int got = ptsim_check(t->m, &r);

	if (got != (int)n || r.by_code[PTSIM_CHK_TLB_VIOLATION] != n) {
		ptsim_check_report_print(&r, stderr);
		fail_msg("expected %u TLB_VIOLATION findings, got %d", n, got);
	}
}

static void test_free_live_tlb(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_violation v;
	unsigned int order;
	uint64_t pfn, pmd;

	env(&t, state);
	pmd = lsz(&t, PTSIM_PMD);
	assert_int_equal(ptsim_switch_mm(t.mm, 2), 0);

	/* A base page still cached on CPU 2. */
	assert_int_equal(ptsim_folio_alloc(t.m, 0, &pfn), 0);
	fill(&t, 2, A(&t), PTSIM_PTE, VA + 3 * t.psz, pfn);
	assert_int_equal(ptsim_folio_put(t.m, pfn), 0);
	expect_one(&t, PTSIM_VIOL_FREE_LIVE_TLB, 2, VA + 3 * t.psz, pfn, &v);
	assert_string_equal(v.op, "free_pages");
	assert_string_equal(v.site, "free_pages");
	assert_int_equal(v.level, PTSIM_PTE);
	assert_u64_eq(v.asid, A(&t));
	expect_tlb_findings(&t, 2); /* the violation, and the entry still mapping a free frame */
	assert_int_equal(ptsim_flush_tlb_mm(t.mm), 0);
	ptsim_violations_clear(t.m);
	assert_machine_clean(t.m);

	/* A PMD-size folio cached as a block on CPU 2. */
	order = ptsim_arch_level_shift(t.a, PTSIM_PMD) - ptsim_arch_page_shift(t.a);
	assert_int_equal(ptsim_folio_alloc(t.m, order, &pfn), 0);
	fill(&t, 2, A(&t), PTSIM_PMD, VA + pmd, pfn);
	assert_int_equal(ptsim_folio_put(t.m, pfn), 0);
	expect_one(&t, PTSIM_VIOL_FREE_LIVE_TLB, 2, VA + pmd, pfn, &v);
	assert_int_equal(v.level, PTSIM_PMD);
	assert_int_equal(ptsim_flush_tlb_range(t.mm, VA + pmd, VA + 2 * pmd, PTSIM_PMD), 0);
	ptsim_violations_clear(t.m);

	/* A hugetlb folio going back to its pool while cached. */
	{
		uint64_t sizes[4];
		unsigned int n = ptsim_arch_hugetlb_sizes(t.a, sizes, 4);

		for (unsigned int i = 0; i < n; i++) {
			if (sizes[i] != pmd)
				continue;
			assert_int_equal(ptsim_hugetlb_set_nr(t.m, pmd, 1), 0);
			assert_int_equal(ptsim_hugetlb_alloc_folio(t.m, pmd, false, &pfn), 0);
			fill(&t, 2, A(&t), PTSIM_PMD, VA + pmd, pfn);
			assert_int_equal(ptsim_hugetlb_free_folio(t.m, pfn), 0);
			expect_one(&t, PTSIM_VIOL_FREE_LIVE_TLB, 2, VA + pmd, pfn, &v);
			assert_string_equal(v.site, "hugetlb_free");
			assert_int_equal(ptsim_flush_tlb_mm(t.mm), 0);
			assert_int_equal(ptsim_hugetlb_set_nr(t.m, pmd, 0), 0);
			ptsim_violations_clear(t.m);
		}
	}
	done(&t);
}

/* The deliberately wrong teardown: free a table before the flush. */
static void test_free_table_before_flush(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_translation tr;
	struct ptsim_violation v;
	uint64_t f, pmd;

	env(&t, state);
	pmd = lsz(&t, PTSIM_PMD);
	assert_int_equal(ptsim_switch_mm(t.mm, 1), 0);
	f = map_new_page(&t, VA);
	assert_int_equal(ptsim_translate(t.mm, VA, &tr), 0);
	/* What the MMU would have cached: the leaf, and the PMD entry -> PTE table. */
	fill(&t, 1, A(&t), PTSIM_PTE, VA, f);
	fill_walk(&t, 1, A(&t), PTSIM_PMD, VA, tr.table_pfn);

	/* Clear and free the tables at once, no flush in between. */
	assert_int_equal(ptsim_unmap(t.mm, VA, t.psz, PTSIM_UNMAP_FREE_TABLES), 1);
	expect_one(&t, PTSIM_VIOL_FREE_LIVE_WALK, 1, VA & ~(pmd - 1), tr.table_pfn, &v);
	assert_string_equal(v.site, "free_pages");
	expect_tlb_findings(&t, 2); /* the violation, and the walk entry to a non-table */

	assert_int_equal(ptsim_flush_tlb_mm(t.mm), 0);
	ptsim_violations_clear(t.m);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	done(&t);
}

/* clear -> flush -> free: no violation. */
static void test_correct_order(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_translation tr;
	uint64_t f;

	env(&t, state);
	assert_int_equal(ptsim_switch_mm(t.mm, 1), 0);
	assert_int_equal(ptsim_switch_mm(t.mm, 3), 0);
	f = map_new_page(&t, VA);
	assert_int_equal(ptsim_translate(t.mm, VA, &tr), 0);
	fill(&t, 1, A(&t), PTSIM_PTE, VA, f);
	fill(&t, 3, A(&t), PTSIM_PTE, VA, f);
	fill_walk(&t, 3, A(&t), PTSIM_PMD, VA, tr.table_pfn);

	assert_int_equal(ptsim_unmap(t.mm, VA, t.psz, 0), 1);
	assert_int_equal(ptsim_flush_tlb_range(t.mm, VA, VA + t.psz, PTSIM_PTE), 0);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	free_tables(&t, VA, t.psz);
	assert_int_equal(nr_violations(&t), 0);
	assert_u64_eq(stats(&t, 1).ipis, 1);
	done(&t);
}

static void clear_leaf(struct ptsim_test_env *t, uint64_t va, enum ptsim_level lvl)
{
	struct ptsim_slot s;

	assert_int_equal(ptsim__walk_to(&t->mm->pt, va, lvl, &s), 0);
	assert_int_equal(s.lvl, lvl);
	assert_true(ptsim_ent_leaf(t->a, lvl, *s.p));
	(void)ptsim__get_and_clear(&t->mm->pt, &s);
}

static void test_mmu_gather(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_gather tlb;
	struct ptsim_translation tr;
	struct ptsim_slot s;
	struct ptsim_frame_info fi;
	uint64_t f[4], tpfn, pmd;

	env(&t, state);
	pmd = lsz(&t, PTSIM_PMD);
	assert_int_equal(ptsim_switch_mm(t.mm, 0), 0);
	assert_int_equal(ptsim_switch_mm(t.mm, 1), 0);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(ptsim_folio_alloc(t.m, 0, &f[i]), 0);
		assert_int_equal(ptsim_map(t.mm, VA + i * t.psz, t.psz, f[i], t.psz, prot(&t), 0),
				 0);
		for (unsigned int cpu = 0; cpu < 2; cpu++)
			fill(&t, cpu, A(&t), PTSIM_PTE, VA + i * t.psz, f[i]);
	}
	assert_int_equal(ptsim_translate(t.mm, VA, &tr), 0);
	tpfn = tr.table_pfn;
	for (unsigned int cpu = 0; cpu < 2; cpu++)
		fill_walk(&t, cpu, A(&t), PTSIM_PMD, VA, tpfn);

	assert_int_equal(ptsim_tlb_gather_mmu(&tlb, t.mm), 0);
	for (unsigned int i = 0; i < 4; i++) {
		clear_leaf(&t, VA + i * t.psz, PTSIM_PTE);
		assert_int_equal(ptsim_tlb_remove_page(&tlb, f[i], VA + i * t.psz, PTSIM_PTE), 0);
	}
	/* Unhook the now empty PTE table (free_pte_range + pte_free_tlb). */
	assert_int_equal(ptsim__walk_to(&t.mm->pt, VA, PTSIM_PMD, &s), 0);
	assert_int_equal(s.lvl, PTSIM_PMD);
	assert_u64_eq(ptsim__table_detach(&t.mm->pt, &s), tpfn);
	assert_int_equal(ptsim_tlb_remove_table(&tlb, tpfn, VA, PTSIM_PTE), 0);
	assert_true(tlb.cleared_ptes && tlb.cleared_pmds && tlb.freed_tables);

	/* Nothing is freed before the flush. */
	for (unsigned int i = 0; i < 4; i++)
		assert_false(frame_free(&t, f[i]));
	assert_int_equal(ptsim_frame_get(t.m, tpfn, &fi), 0);
	assert_int_equal(fi.type, PTSIM_PGTY_table);

	ptsim_tlb_finish_mmu(&tlb);
	assert_int_equal(nr_violations(&t), 0);
	for (unsigned int i = 0; i < 4; i++)
		assert_true(frame_free(&t, f[i]));
	assert_true(frame_free(&t, tpfn));
	for (unsigned int cpu = 0; cpu < 2; cpu++)
		assert_u64_eq(ptsim__tlb_nr_valid(T(&t), cpu), 0);
	assert_u64_eq(stats(&t, 0).flushes[PTSIM_FLUSH_RANGE], 1);
	assert_u64_eq(stats(&t, 0).ipis, 1);
	free_tables(&t, VA, pmd);
	done(&t);
}

/* tlb_change_page_size(): gathering another page size flushes the batch first. */
static void test_mmu_gather_page_size(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_gather tlb;
	unsigned int order;
	uint64_t f1, f2, pmd;

	env(&t, state);
	pmd = lsz(&t, PTSIM_PMD);
	order = ptsim_arch_level_shift(t.a, PTSIM_PMD) - ptsim_arch_page_shift(t.a);
	assert_int_equal(ptsim_switch_mm(t.mm, 0), 0);
	assert_int_equal(ptsim_folio_alloc(t.m, 0, &f1), 0);
	assert_int_equal(ptsim_folio_alloc(t.m, order, &f2), 0);
	assert_int_equal(ptsim_map(t.mm, VA, t.psz, f1, t.psz, prot(&t), 0), 0);
	assert_int_equal(ptsim_map(t.mm, VA + 2 * pmd, pmd, f2, pmd, prot(&t), 0), 0);
	fill(&t, 0, A(&t), PTSIM_PTE, VA, f1);
	fill(&t, 0, A(&t), PTSIM_PMD, VA + 2 * pmd, f2);

	assert_int_equal(ptsim_tlb_gather_mmu(&tlb, t.mm), 0);
	clear_leaf(&t, VA, PTSIM_PTE);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, f1, VA, PTSIM_PTE), 0);
	clear_leaf(&t, VA + 2 * pmd, PTSIM_PMD);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, f2, VA + 2 * pmd, PTSIM_PMD), 0);
	assert_true(frame_free(&t, f1)); /* flushed and freed on the size change */
	assert_false(frame_free(&t, f2));
	assert_u64_eq(stats(&t, 0).flushes[PTSIM_FLUSH_RANGE], 1);
	ptsim_tlb_finish_mmu(&tlb);
	assert_true(frame_free(&t, f2));
	assert_u64_eq(stats(&t, 0).flushes[PTSIM_FLUSH_RANGE], 2);
	assert_int_equal(nr_violations(&t), 0);
	free_tables(&t, VA, 4 * pmd);
	done(&t);
}

/* A full batch flushes and frees on the spot. */
static void test_mmu_gather_batch_full(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mmu_gather tlb;
	const unsigned int n = PTSIM_MMU_GATHER_PAGES + 6;
	uint64_t base;

	env(&t, state);
	assert_int_equal(ptsim_switch_mm(t.mm, 3), 0);
	assert_int_equal(ptsim_alloc_pages(t.m, 7, &base), 0); /* 128 pages, refcount 1 each */
	assert_int_equal(ptsim_map(t.mm, VA, n * t.psz, base, t.psz, prot(&t), 0), 0);
	for (unsigned int i = 0; i < n; i += 3)
		fill(&t, 3, A(&t), PTSIM_PTE, VA + i * t.psz, base + i);

	assert_int_equal(ptsim_tlb_gather_mmu_fullmm(&tlb, t.mm), 0);
	for (unsigned int i = 0; i < n; i++) {
		clear_leaf(&t, VA + i * t.psz, PTSIM_PTE);
		assert_int_equal(ptsim_tlb_remove_page(&tlb, base + i, VA + i * t.psz, PTSIM_PTE),
				 0);
	}
	assert_true(frame_free(&t, base));
	assert_false(frame_free(&t, base + PTSIM_MMU_GATHER_PAGES));
	assert_u64_eq(stats(&t, 3).flushes[PTSIM_FLUSH_MM], 1); /* fullmm: by ASID */
	ptsim_tlb_finish_mmu(&tlb);
	assert_true(frame_free(&t, base + n - 1));
	assert_int_equal(nr_violations(&t), 0);
	for (unsigned int i = n; i < 128; i++)
		assert_int_equal(ptsim_free_pages(t.m, base + i, 0), 0);
	free_tables(&t, VA, n * t.psz);
	done(&t);
}

/* arm64 break-before-make; x86 has no such rule. */
static void test_bbm(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_slot s, pmds;
	struct ptsim_violation v;
	uint64_t f1, f2, old, ro;
	bool arm = false;

	env(&t, state);
	arm = !is_x86(&t);
	assert_int_equal(ptsim_switch_mm(t.mm, 0), 0);
	f1 = map_new_page(&t, VA);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f2), 0);
	assert_int_equal(ptsim__walk_to(&t.mm->pt, VA, PTSIM_PTE, &s), 0);

	/* Live -> live with another output address. */
	ptsim__set_entry(&t.mm->pt, &s, ptsim_mk_leaf(t.a, PTSIM_PTE, f2, prot(&t)));
	if (arm) {
		expect_one(&t, PTSIM_VIOL_BBM, PTSIM_VIOL_NO_CPU, VA, f2, &v);
		assert_string_equal(v.site, "set_entry");
		expect_tlb_findings(&t, 1);
		ptsim_violations_clear(t.m);
	}
	assert_int_equal(nr_violations(&t), 0);

	/* Break, flush, make: fine. */
	(void)ptsim__get_and_clear(&t.mm->pt, &s);
	assert_int_equal(ptsim_flush_tlb_page(t.mm, VA), 0);
	ptsim__set_entry(&t.mm->pt, &s, ptsim_mk_leaf(t.a, PTSIM_PTE, f1, prot(&t)));
	/* Permission changes of a live entry need no break. */
	ro = ptsim_mk_leaf(t.a, PTSIM_PTE, f1, ptsim_pgprot(t.a, PTSIM_PROT_READ, 0));
	ptsim__set_entry(&t.mm->pt, &s, ro);
	assert_int_equal(nr_violations(&t), 0);

	/* Break without the flush while CPU 0 still caches the old translation. */
	fill(&t, 0, A(&t), PTSIM_PTE, VA, f1);
	(void)ptsim__get_and_clear(&t.mm->pt, &s);
	ptsim__set_entry(&t.mm->pt, &s, ptsim_mk_leaf(t.a, PTSIM_PTE, f2, prot(&t)));
	if (arm) {
		expect_one(&t, PTSIM_VIOL_BBM, 0, VA, f2, NULL);
		ptsim_violations_clear(t.m);
	}
	assert_int_equal(nr_violations(&t), 0);
	/* The same output again after the break is no conflict. */
	(void)ptsim__get_and_clear(&t.mm->pt, &s);
	ptsim__set_entry(&t.mm->pt, &s, ptsim_mk_leaf(t.a, PTSIM_PTE, f1, prot(&t)));
	assert_int_equal(nr_violations(&t), 0);

	/* Table -> block and back, live: two type changes. */
	assert_int_equal(ptsim__walk_to(&t.mm->pt, VA, PTSIM_PMD, &pmds), 0);
	old = *pmds.p;
	ptsim__set_entry(&t.mm->pt, &pmds, ptsim_mk_leaf(t.a, PTSIM_PMD, 0, prot(&t)));
	ptsim__set_entry(&t.mm->pt, &pmds, old);
	assert_int_equal(nr_violations(&t), arm ? 2 : 0);
	ptsim_violations_clear(t.m);

	assert_int_equal(ptsim_unmap(t.mm, VA, t.psz, 0), 1);
	assert_int_equal(ptsim_flush_tlb_mm(t.mm), 0);
	free_tables(&t, VA, t.psz);
	assert_int_equal(ptsim_free_pages(t.m, f1, 0), 0);
	assert_int_equal(ptsim_free_pages(t.m, f2, 0), 0);
	done(&t);
}

/* Violations are counted past the stored cap; the checker says so. */
static void test_violation_cap(void **state)
{
	static struct ptsim_violation v[PTSIM_VIOL_MAX_STORED + 8];
	struct ptsim_test_env t;
	uint64_t pfn;
	long n;

	env(&t, state);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &pfn), 0);
	for (unsigned int cpu = 0; cpu < 4; cpu++)
		for (unsigned int i = 0; i < 16; i++)
			fill(&t, cpu, A(&t), PTSIM_PTE, VA + i * t.psz, pfn);
	for (unsigned int k = 0; k < 17; k++) /* 17 x 64 = 1088 */
		ptsim__tlb_frame_freed(T(&t), pfn, 1, "test");
	n = ptsim_violations(t.m, v, PTSIM_VIOL_MAX_STORED + 8);
	assert_int_equal(n, 17 * 64);
	assert_int_equal(v[0].kind, PTSIM_VIOL_FREE_LIVE_TLB);
	assert_string_equal(v[PTSIM_VIOL_MAX_STORED - 1].op, "test");
	expect_tlb_findings(&t, PTSIM_VIOL_MAX_STORED + 1);
	assert_int_equal(ptsim_violations(t.m, NULL, 1), -EINVAL);
	assert_int_equal(ptsim_violations(NULL, v, 1), -EINVAL);
	ptsim_violations_clear(t.m);
	assert_int_equal(nr_violations(&t), 0);
	assert_int_equal(ptsim_flush_tlb_all(t.m), 0);
	assert_int_equal(ptsim_free_pages(t.m, pfn, 0), 0);
	done(&t);
}

static void test_api_errors(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_tlb_config c;
	struct ptsim_tlb_stats s;
	struct ptsim_mmu_gather tlb;
	uint64_t f;

	env(&t, state);
	ptsim_tlb_config_default(&c);
	c.ways[PTSIM_PTE] = 5; /* 64 % 5 != 0 */
	assert_int_equal(ptsim_tlb_configure(t.m, &c), -EINVAL);
	assert_true(strstr(ptsim_errmsg(t.m), "tlb_configure") != NULL);
	c.ways[PTSIM_PTE] = 0;
	assert_int_equal(ptsim_tlb_configure(t.m, &c), -EINVAL);
	assert_int_equal(ptsim_tlb_configure(t.m, NULL), -EINVAL);
	assert_int_equal(ptsim_switch_mm(t.mm, 4), -EINVAL);
	assert_int_equal(ptsim_switch_mm(NULL, 0), -EINVAL);
	assert_int_equal(ptsim_flush_tlb_range(t.mm, VA, VA, PTSIM_PTE), -EINVAL);
	assert_int_equal(ptsim_flush_tlb_range(t.mm, VA, VA + t.psz, (enum ptsim_level)7), -EINVAL);
	assert_int_equal(ptsim_flush_tlb_kernel_range(t.m, VA + 1, VA), -EINVAL);
	assert_int_equal(ptsim_flush_tlb_pgtable(NULL, 0, 0), -EINVAL);
	assert_int_equal(ptsim_flush_tlb_page(NULL, VA), -EINVAL);
	assert_int_equal(ptsim_flush_tlb_mm(NULL), -EINVAL);
	assert_int_equal(ptsim_flush_tlb_all(NULL), -EINVAL);
	assert_int_equal(ptsim_tlb_stats(t.m, 4, &s), -EINVAL);
	assert_string_equal(ptsim_tlb_flush_kind_name(PTSIM_FLUSH_PGTABLE), "pgtable");
	assert_string_equal(ptsim_violation_kind_name(PTSIM_VIOL_BBM), "BBM");
	assert_string_equal(ptsim_violation_kind_name(42), "?");
	/* The whole address space (end 0) is a valid range. */
	assert_int_equal(ptsim_flush_tlb_kernel_range(t.m, 0, 0), 0);

	assert_int_equal(ptsim_tlb_gather_mmu(NULL, t.mm), -EINVAL);
	assert_int_equal(ptsim_tlb_gather_mmu(&tlb, t.mm), 0);
	expect_tlb_findings(&t, 1); /* a gather left open is reported */
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	assert_int_equal(ptsim_free_pages(t.m, f, 0), 0);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, f, VA, PTSIM_PTE), -EINVAL); /* free */
	assert_int_equal(ptsim_tlb_remove_page(&tlb, f, VA, PTSIM_PGD), -EINVAL);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, ptsim_zero_pfn(t.m), VA, PTSIM_PTE), -EINVAL);
	assert_int_equal(ptsim_tlb_remove_table(&tlb, f, VA, PTSIM_PTE), -EINVAL);
	assert_int_equal(ptsim_tlb_remove_table(&tlb, ptsim_mm_pgd_pfn(t.mm), VA, PTSIM_PGD),
			 -EINVAL);
	ptsim_tlb_finish_mmu(&tlb);
	assert_int_equal(ptsim_tlb_remove_page(&tlb, f, VA, PTSIM_PTE), -EINVAL); /* closed */
	ptsim_tlb_finish_mmu(&tlb);						  /* no-op */
	done(&t);
}

/* --- the frame index ---------------------------------------------------------- */

/* Every chain well linked, every valid entry in one, each part's count right. */
static void check_index(struct ptsim_tlbs *tl)
{
	uint64_t chained = 0, per_part[2 * PTSIM_NR_LEVELS] = {0};

	if (!tl->nr_cpus_stored) {
		assert_null(tl->ref_heads);
		return;
	}
	assert_non_null(tl->ref_heads);
	for (uint64_t b = 0; b < (1ull << tl->ref_bits); b++) {
		uint32_t prev = 0;

		for (uint32_t v = tl->ref_heads[b]; v;) {
			const struct ptsim_tlb_cpu *c = &tl->cpus[(v - 1) / tl->per_cpu];
			const struct ptsim_tlb_entry *e = &c->store[(v - 1) % tl->per_cpu];

			assert_non_null(c->store);
			assert_true(e->stamp != 0);
			assert_int_equal(e->ref_prev, prev);
			per_part[ptsim__tlb_part_of(tl, v - 1)]++;
			chained++;
			prev = v;
			v = e->ref_next;
		}
	}
	assert_u64_eq(chained, tl->nr_valid);
	for (unsigned int p = 0; p < tl->nr_parts; p++)
		assert_u64_eq(per_part[p], tl->part[p].nr_refs);
}

struct expect {
	struct ptsim_tlbs *tl;
	unsigned int cpu;
	uint64_t pfn, end, n;
	struct ptsim_violation v[1024];
};

/* What the checker must record for an entry, read in storage order (ptsim__tlb_for_each()). */
static void expect_entry(void *ctx, bool is_walk, int lvl, const struct ptsim_tlb_entry *e)
{
	struct expect *x = ctx;
	const struct ptsim_arch *a = x->tl->arch;
	struct ptsim_violation *v = &x->v[x->n];

	if (is_walk) {
		if (e->pfn < x->pfn || e->pfn >= x->end)
			return;
		*v = (struct ptsim_violation){.kind = PTSIM_VIOL_FREE_LIVE_WALK,
					      .pfn = e->pfn,
					      .addr = e->vpn << a->shift[lvl]};
	} else {
		uint64_t n = 1ull << (a->shift[lvl] - a->page_shift), first;

		if (e->pfn >= x->end || e->pfn + n <= x->pfn)
			return;
		first = e->pfn > x->pfn ? e->pfn : x->pfn;
		*v = (struct ptsim_violation){.kind = PTSIM_VIOL_FREE_LIVE_TLB,
					      .pfn = first,
					      .addr = (e->vpn << a->shift[lvl]) +
						      ((first - e->pfn) << a->page_shift)};
	}
	v->level = lvl;
	v->asid = e->asid;
	v->cpu = x->cpu;
	assert_true(++x->n < 1024);
}

/* A valid entry as a flush must leave it or drop it. */
struct flush_snap {
	unsigned int n;
	struct flush_entry {
		unsigned int cpu;
		bool walk;
		int lvl;
		uint64_t vpn, asid, pfn, stamp;
		bool global;
	} e[4096];
};

struct flush_ctx {
	struct flush_snap *s;
	unsigned int cpu;
};

static void flush_snap_fn(void *ctx, bool is_walk, int lvl, const struct ptsim_tlb_entry *e)
{
	struct flush_ctx *c = ctx;

	assert_true(c->s->n < 4096);
	c->s->e[c->s->n++] = (struct flush_entry){c->cpu,  is_walk, lvl,      e->vpn,
						  e->asid, e->pfn,  e->stamp, e->global};
}

static void flush_snap(struct ptsim_tlbs *tl, struct flush_snap *s)
{
	struct flush_ctx c = {.s = s};

	s->n = 0;
	for (c.cpu = 0; c.cpu < tl->ncpus; c.cpu++)
		ptsim__tlb_for_each(tl, c.cpu, flush_snap_fn, &c);
}

/* A flush as the model defines it (include/ptsim/tlb.h, docs/concepts/tlb.md). */
struct flush_ref {
	bool all_cpus;	  /* machine-wide; else the mm's cpumask */
	int match;	  /* 0: non-global of the ASID, 1: the ASID and global, 2: any */
	bool by_va, leaf; /* leaf entries dropped by VA, or by the ASID rule alone */
	uint64_t start, last, stride;
	int walk; /* 0: kept, 1: those overlapping the range, 2: all by the ASID rule */
};

static bool ref_overlaps(uint64_t base, uint64_t size, uint64_t start, uint64_t last)
{
	return base <= last && base + (size - 1) >= start;
}

static bool ref_hit(struct ptsim_test_env *t, const struct flush_ref *f,
		    const struct flush_entry *e)
{
	uint64_t size = lsz(t, (enum ptsim_level)e->lvl), base = e->vpn * size;

	if (!f->all_cpus && !((t->mm->tlb.cpumask[e->cpu / 64] >> (e->cpu % 64)) & 1))
		return false;
	if (e->walk) {
		if (f->walk == 0 || (f->match != 2 && e->asid != A(t)))
			return false;
		return f->walk == 2 || ref_overlaps(base, size, f->start, f->last);
	}
	if (!f->leaf)
		return false;
	if (f->match == 0 ? e->asid != A(t) || e->global
			  : f->match == 1 && e->asid != A(t) && !e->global)
		return false;
	return !f->by_va || (ref_overlaps(base, size, f->start, f->last) &&
			     (size >= f->stride || (base & (f->stride - 1)) == 0));
}

/*
 * One flush of a random kind and range; the entries left must be exactly
 * those it does not hit, the way the model defines the flush.
 */
static void flush_checked(struct ptsim_test_env *t, uint64_t r, uint64_t va)
{
	static struct flush_snap before, after;
	struct ptsim_tlbs *tl = T(t);
	bool x86 = ptsim_arch_kind(t->a) == PTSIM_ARCH_X86_64, last_level = (r >> 40) & 1;
	uint64_t pages = (uint64_t[]){1, 3, 64, 600}[(r >> 44) % 4], psz = t->psz;
	unsigned int stride_shift =
		ptsim_arch_level_shift(t->a, (r >> 46) & 1 ? PTSIM_PMD : PTSIM_PTE);
	struct flush_ref f = {.leaf = true, .by_va = true, .stride = psz};
	unsigned int i = 0;

	flush_snap(tl, &before);
	switch ((r >> 32) % 5) {
	case 0:
		ptsim__flush_tlb_page(tl, &t->mm->tlb, va);
		f.match = 1;
		f.start = va & ~(psz - 1);
		f.last = f.start + psz - 1;
		f.walk = x86 ? 2 : 0;
		break;
	case 1:
		ptsim__flush_tlb_range(tl, &t->mm->tlb, va, va + pages * psz - 1, stride_shift,
				       last_level);
		f.match = 1;
		f.stride = 1ull << stride_shift;
		f.start = va & ~(f.stride - 1);
		f.last = (va + pages * psz - 1) | (f.stride - 1);
		f.walk = x86 ? 2 : last_level ? 0 : 1;
		break;
	case 2:
		ptsim__flush_tlb_mm(tl, &t->mm->tlb);
		f.by_va = false;
		f.walk = 2;
		break;
	case 3:
		ptsim__flush_tlb_kernel_range(tl, va, va + pages * psz - 1);
		f.all_cpus = true;
		f.match = 2;
		f.start = va & ~(psz - 1);
		f.last = (va + pages * psz - 1) | (psz - 1);
		f.walk = x86 ? 2 : 0;
		break;
	default:
		ptsim__flush_tlb_pgtable(tl, &t->mm->tlb, va, va + pages * psz - 1);
		f.leaf = false;
		f.start = va;
		f.last = va + pages * psz - 1;
		f.stride = 1;
		f.walk = 1;
		break;
	}
	flush_snap(tl, &after);
	for (unsigned int j = 0; j < before.n; j++) {
		if (ref_hit(t, &f, &before.e[j]))
			continue;
		const struct flush_entry *a = &after.e[i++], *b = &before.e[j];

		assert_true(i <= after.n);
		assert_true(a->cpu == b->cpu && a->walk == b->walk && a->lvl == b->lvl &&
			    a->vpn == b->vpn && a->asid == b->asid && a->pfn == b->pfn &&
			    a->stamp == b->stamp && a->global == b->global);
	}
	assert_int_equal(i, after.n);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void check_walk_indexes(struct ptsim_tlbs *tl)
{
	for (unsigned int cpu = 0; cpu < tl->ncpus; cpu++)
		for (int l = 0; l < PTSIM_PTE; l++)
			assert_true(ptsim__windex_consistent(&tl->cpus[cpu].walk[l]));
}

/*
 * Random fills (leaf entries of every size with frames aligned or not,
 * walk-cache entries, several ASIDs, all CPUs), flushes of every kind and
 * CPUs giving their storage back, with frees of random ranges in between:
 * the violations recorded through the frame index are those a scan of
 * every entry of every CPU finds, in the same order, and the index stays
 * consistent; each flush leaves exactly the entries it does not hit, for
 * all that it reads only the sets and caches its range may touch.
 */
static void test_frame_index(void **state)
{
	static struct expect x;
	struct ptsim_test_env t;
	struct ptsim_tlbs *tl;
	uint64_t rng = 0x2545f4914f6cdd1dull, asids[3], found = 0, released = 0;

	env(&t, state);
	tl = T(&t);
	asids[0] = A(&t);
	asids[1] = OTHER;
	asids[2] = 5;
	for (int step = 0; step < 6000; step++) {
		uint64_t r = xorshift(&rng), va = VA + (xorshift(&rng) % 512) * t.psz;
		unsigned int cpu = (unsigned int)(r >> 8) % 4;
		uint64_t asid = asids[(r >> 16) % 3], pfn = xorshift(&rng) % 8192;
		int lvl = (int)((r >> 24) % PTSIM_NR_LEVELS);

		switch (r % 16) {
		case 0: /* a flush */
			flush_checked(&t, r, va);
			break;
		case 1: /* a CPU gives its storage back, now and then */
			if ((r >> 32) % 8 == 0) {
				released += ptsim__tlb_cpu_allocated(tl, cpu);
				ptsim__tlb_cpu_release(tl, cpu);
			}
			break;
		case 2:
		case 3:
		case 4:
		case 5: /* walk-cache entries */
			ptsim__tlb_mm_activate(&t.mm->tlb, cpu);
			if (lvl < PTSIM_PTE)
				ptsim__walk_cache_fill(
					tl, cpu, asid, lvl, va,
					ptsim_mk_table(t.a, (enum ptsim_level)lvl, pfn, false),
					pfn);
			break;
		default: /* leaf entries; huge ones mostly aligned; a few far away */
			ptsim__tlb_mm_activate(&t.mm->tlb, cpu);
			if ((r >> 56) % 16 == 0)
				va += 1ull << 40;
			if (lvl < PTSIM_PTE && (r >> 40) % 4) {
				uint64_t n = lsz(&t, (enum ptsim_level)lvl) / t.psz;

				pfn &= ~(n - 1);
				va = VA + lsz(&t, (enum ptsim_level)lvl) * ((r >> 44) % 4);
			}
			ptsim__tlb_fill(tl, cpu, asid, lvl, va, pfn << 1, pfn, (r >> 48) % 8 == 0);
			break;
		}
		if (step % 7)
			continue;
		check_index(tl);
		check_walk_indexes(tl);
		/* Free a range: one frame, a few, a block, or more than the caches hold. */
		x.tl = tl;
		x.n = 0;
		x.pfn = xorshift(&rng) % 8192;
		x.end = x.pfn + (uint64_t[]){1, 3, 512, 1ull << 20}[(r >> 52) % 4];
		for (x.cpu = 0; x.cpu < 4; x.cpu++)
			ptsim__tlb_for_each(tl, x.cpu, expect_entry, &x);
		ptsim__tlb_violations_clear(tl);
		ptsim__tlb_frame_freed(tl, x.pfn, x.end - x.pfn, "test");
		assert_u64_eq(tl->nr_viol, x.n);
		assert_int_equal(tl->nr_viol_stored, x.n);
		found += x.n;
		for (unsigned int i = 0; i < x.n; i++) {
			const struct ptsim_violation *v = &tl->viol[i];

			assert_int_equal(v->kind, x.v[i].kind);
			assert_int_equal(v->level, x.v[i].level);
			assert_u64_eq(v->pfn, x.v[i].pfn);
			assert_u64_eq(v->addr, x.v[i].addr);
			assert_u64_eq(v->asid, x.v[i].asid);
			assert_int_equal(v->cpu, x.v[i].cpu);
			assert_string_equal(v->site, "test");
		}
	}
	check_index(tl);
	/* Not a vacuous comparison: entries were found, and CPUs came and went. */
	assert_true(found > 1000);
	assert_true(released > 10);
	ptsim__tlb_violations_clear(tl);
	done(&t);
}

/* The walk-cache entry of (asid, vpn) by a scan of every way, as before the index. */
static const struct ptsim_tlb_entry *linear_find(const struct ptsim_tlb_cache *k, uint64_t asid,
						 uint64_t vpn)
{
	for (unsigned int w = 0; w < k->nsets * k->ways; w++)
		if (k->e[w].stamp && k->e[w].vpn == vpn && k->e[w].asid == asid)
			return &k->e[w];
	return NULL;
}

/* Where a fill goes by the scan: the same tag, else the first invalid way, else the LRU. */
static const struct ptsim_tlb_entry *linear_victim(const struct ptsim_tlb_cache *k, uint64_t asid,
						   uint64_t vpn)
{
	const struct ptsim_tlb_entry *victim = NULL;

	for (unsigned int w = 0; w < k->ways; w++) {
		const struct ptsim_tlb_entry *e = &k->e[w];

		if (e->stamp && e->vpn == vpn && e->asid == asid)
			return e;
		if (!victim || (victim->stamp && e->stamp < victim->stamp))
			victim = e;
	}
	return victim;
}

/*
 * The walk caches' index against the scan it replaces, over random fills,
 * lookups, flushes and CPUs giving their storage back, with walk caches of
 * 1, 5, 32 and 200 entries: every fill lands where the scan would put it,
 * every lookup finds what the scan finds (and refreshes the same stamp),
 * and the index describes the entries exactly after every step.
 */
static void test_walk_index(void **state)
{
	static const unsigned int sizes[] = {1, 5, 32, 200};
	struct ptsim_test_env t;
	struct ptsim_tlbs *tl;
	uint64_t rng = 0x9e3779b97f4a7c15ull, asids[3], hits = 0, evicted = 0;

	env(&t, state);
	tl = T(&t);
	asids[0] = A(&t);
	asids[1] = OTHER;
	asids[2] = 5;
	for (unsigned int z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		struct ptsim_tlb_config cfg;

		ptsim_tlb_config_default(&cfg);
		cfg.walk_cache_entries = sizes[z];
		assert_int_equal(ptsim_tlb_configure(t.m, &cfg), 0);
		for (int step = 0; step < 3000; step++) {
			uint64_t r = xorshift(&rng);
			/* Few distinct tags per cache size: hits, refills and evictions. */
			uint64_t va =
				VA + (xorshift(&rng) % (3 * sizes[z] + 2)) * lsz(&t, PTSIM_PMD);
			unsigned int cpu = (unsigned int)(r >> 8) % 2;
			uint64_t asid = asids[(r >> 16) % 3], pfn = xorshift(&rng) % 8192;
			int lvl = (int)((r >> 24) % PTSIM_PTE);
			struct ptsim_tlb_cache *k = &tl->cpus[cpu].walk[lvl];
			uint64_t vpn = va >> ptsim_arch_level_shift(t.a, (enum ptsim_level)lvl);

			switch (r % 8) {
			case 0: /* a flush now and then, a CPU's storage given back rarely */
				if ((r >> 32) % 4 == 0)
					flush_checked(&t, r, va);
				else if ((r >> 32) % 64 == 1)
					ptsim__tlb_cpu_release(tl, cpu);
				break;
			case 1:
			case 2:
			case 3: { /* a lookup: the deepest hit, as the scan finds it */
				struct ptsim_walk_hit w;
				const struct ptsim_tlb_entry *want = NULL;
				int want_lvl = -1;
				bool hit;

				for (int l = PTSIM_PMD; l >= PTSIM_PGD && !want; l--) {
					want = linear_find(&tl->cpus[cpu].walk[l], asid,
							   va >> ptsim_arch_level_shift(
									 t.a, (enum ptsim_level)l));
					want_lvl = l;
				}
				hit = ptsim__walk_cache_lookup(tl, cpu, asid, va, &w);
				assert_int_equal(hit, want != NULL);
				if (want) {
					assert_int_equal(w.lvl, want_lvl);
					assert_u64_eq(w.table_pfn, want->pfn);
					assert_u64_eq(w.ent, want->ent);
					assert_u64_eq(want->stamp, tl->cpus[cpu].clock);
					hits++;
				}
				break;
			}
			default: { /* a fill: where the scan would put it */
				const struct ptsim_tlb_entry *want = NULL;
				bool was_valid = false;

				ptsim__tlb_mm_activate(&t.mm->tlb, cpu);
				if (ptsim__tlb_cpu_allocated(tl, cpu)) {
					want = linear_victim(k, asid, vpn);
					was_valid = want->stamp &&
						    (want->vpn != vpn || want->asid != asid);
				}
				assert_true(ptsim__walk_cache_fill(
					tl, cpu, asid, lvl, va,
					ptsim_mk_table(t.a, (enum ptsim_level)lvl, pfn, false),
					pfn));
				k = &tl->cpus[cpu].walk[lvl];
				if (want)
					assert_ptr_equal(linear_find(k, asid, vpn), want);
				assert_non_null(linear_find(k, asid, vpn));
				evicted += was_valid;
				break;
			}
			}
			check_walk_indexes(tl);
		}
	}
	/* Not a vacuous comparison: lookups hit, and full caches evicted. */
	assert_true(hits > 500);
	assert_true(evicted > 500);
	done(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_lookup_fill),
		PTSIM_ARCH_TESTS(test_flush_page),
		PTSIM_ARCH_TESTS(test_flush_range_stride),
		PTSIM_ARCH_TESTS(test_flush_mm),
		PTSIM_ARCH_TESTS(test_flush_all),
		PTSIM_ARCH_TESTS(test_flush_kernel_range),
		PTSIM_ARCH_TESTS(test_flush_pgtable),
		PTSIM_ARCH_TESTS(test_ipis),
		PTSIM_ARCH_TESTS(test_lru),
		PTSIM_ARCH_TESTS(test_replacement_deterministic),
		PTSIM_ARCH_TESTS(test_free_live_tlb),
		PTSIM_ARCH_TESTS(test_free_table_before_flush),
		PTSIM_ARCH_TESTS(test_correct_order),
		PTSIM_ARCH_TESTS(test_mmu_gather),
		PTSIM_ARCH_TESTS(test_mmu_gather_page_size),
		PTSIM_ARCH_TESTS(test_mmu_gather_batch_full),
		PTSIM_ARCH_TESTS(test_bbm),
		PTSIM_ARCH_TESTS(test_violation_cap),
		PTSIM_ARCH_TESTS(test_frame_index),
		PTSIM_ARCH_TESTS(test_walk_index),
		PTSIM_ARCH_TESTS(test_api_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
