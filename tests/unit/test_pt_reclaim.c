// SPDX-License-Identifier: MIT
/*
 * test_pt_reclaim.c - pt_reclaim (MADV_DONTNEED frees the PTE tables it
 * empties whole: zap_pte_range() with reclaim_pt, try_get_and_clear_pmd(),
 * try_to_free_pte()) and RCU table freeing with lockless walkers (pt_free).
 */
#include <errno.h>

#include "mm_helpers.h"

/* A VMA of @tables PTE-table spans, aligned to a span, @pages written in each. */
static uint64_t setup(struct ptsim_test_env *t, unsigned int tables, uint64_t pages)
{
	uint64_t span = ptsim_arch_level_size(t->a, PTSIM_PMD);
	uint64_t base = span >= BASE ? span : BASE;

	mm_map(t->mm, base, tables * span, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	for (unsigned int i = 0; i < tables; i++)
		for (uint64_t p = 0; p < pages; p++)
			mm_ok(t->mm, 0, base + i * span + p * t->psz, W);
	assert_u64_eq(ptsim_mm_nr_tables(t->mm, PTSIM_PTE), tables);
	return base;
}

static uint64_t ev(struct ptsim_test_env *t, enum ptsim_vm_event e)
{
	return ptsim_vm_event(t->m, e);
}

/* The rule on every configuration: whole span emptied -> freed; anything less -> kept. */
static void test_rule(void **state)
{
	struct ptsim_test_env t;
	uint64_t span, base, vmpte, swp, pm;
	ptsim_pte_t guard;
	struct ptsim_softleaf sl = {.type = PTSIM_SOFTLEAF_SWAP, .swp_type = 0, .offset = 7};

	ptsim_test_env_init(&t, *state, NULL);
	span = ptsim_arch_level_size(t.a, PTSIM_PMD);
	base = setup(&t, 4, 3);
	vmpte = ptsim_mm_pgtables_bytes(t.mm);

	/* One page short: not a candidate. */
	assert_int_equal(ptsim_madvise(t.mm, base, span - t.psz, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 4);
	assert_u64_eq(ev(&t, PTSIM_VM_PT_RECLAIM_SCAN), 0);
	/* The whole span (one entry left from before is zapped now): freed, fast path. */
	assert_int_equal(ptsim_madvise(t.mm, base, span, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 3);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t.mm), vmpte - t.psz);
	assert_u64_eq(ev(&t, PTSIM_VM_PT_RECLAIM_FAST), 1);
	assert_u64_eq(ev(&t, PTSIM_VM_PT_RECLAIM_BYTES), t.psz);
	assert_machine_clean(t.m);

	/* A swap entry is zapped by MADV_DONTNEED (even_cows): the table goes. */
	assert_int_equal(ptsim_softleaf_mk(t.m, PTSIM_PTE, &sl, &swp), 0);
	ptsim_test_install_pte(&t, base + span + 5 * t.psz, swp);
	assert_int_equal(ptsim_madvise(t.mm, base + span, span, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 2);
	assert_u64_eq(ev(&t, PTSIM_VM_PT_RECLAIM_FAST), 2);

	/* A guard marker is not zapped (only munmap drops markers): the table stays. */
	assert_int_equal(ptsim_mk_pte_marker(t.m, PTSIM_PTE_MARKER_GUARD, &guard), 0);
	ptsim_test_install_pte(&t, base + 2 * span + 5 * t.psz, guard.val);
	assert_int_equal(ptsim_madvise(t.mm, base + 2 * span, span, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 2);
	assert_u64_eq(ev(&t, PTSIM_VM_PT_RECLAIM_KEPT), 1);
	assert_int_equal(ptsim_pagemap(t.mm, base + 2 * span + 5 * t.psz, &pm), 0);
	assert_true(pm & PTSIM_PM_GUARD_REGION);

	/* Off: nothing is freed (kernels before 6.14). */
	assert_int_equal(ptsim_knob_set(t.m, "pt_reclaim", "off"), 0);
	assert_int_equal(ptsim_madvise(t.mm, base + 3 * span, span, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 2);
	assert_u64_eq(ev(&t, PTSIM_VM_PT_RECLAIM_SCAN), 3);
	assert_machine_clean(t.m);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	mm_finish(&t);
}

/*
 * The slow path: the gather's batch fills after 9,678 pages with 4K pages
 * (8,187 with 16K, 8,196 with 64K); the table being zapped then is freed by
 * rechecking every entry.
 */
static void test_slow_path(void **state)
{
	struct ptsim_test_env t;
	uint64_t span, base, per, cap, max, slow_table;
	unsigned int tables;

	ptsim_test_env_init(&t, *state, "phys=2G");
	span = ptsim_arch_level_size(t.a, PTSIM_PMD);
	per = span / t.psz;
	max = (t.psz - 16) / 8;
	cap = 7 + (10000 / max) * (max - 1);
	slow_table = (cap - 1) / per; /* 0-based: the table whose page fills the batch */
	tables = (unsigned int)slow_table + 2;
	if ((uint64_t)tables * span > 1ull << 30) {
		/* 64K pages: 512M spans; the batch fills in the second table. */
		tables = 2;
	}
	base = setup(&t, tables, per);
	assert_int_equal(ptsim_madvise(t.mm, base, tables * span, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 0);
	assert_u64_eq(ev(&t, PTSIM_VM_PT_RECLAIM_SLOW), 1);
	assert_u64_eq(ev(&t, PTSIM_VM_PT_RECLAIM_FAST), tables - 1);
	assert_u64_eq(ev(&t, PTSIM_VM_PT_RECLAIM_BYTES), tables * t.psz);
	assert_machine_clean(t.m);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	mm_finish(&t);
}

/* A walker to the PTE of @va: every step until the PTE is read. */
static struct ptsim_lockless *walk_to_pte(struct ptsim_test_env *t, uint64_t va)
{
	struct ptsim_lockless *w;
	struct ptsim_lockless_step st = {0};
	int r;

	assert_int_equal(ptsim_lockless_begin(t->mm, va, &w), 0);
	while ((r = ptsim_lockless_step(w, &st)) == 1)
		;
	assert_int_equal(r, 0);
	assert_int_equal(st.level, PTSIM_PTE);
	assert_true(ptsim_ent_present(t->a, PTSIM_PTE, st.entry));
	return w;
}

static uint64_t nr_kind(struct ptsim_test_env *t, int kind)
{
	struct ptsim_violation v[8];
	long n = ptsim_violations(t->m, v, 8);
	uint64_t k = 0;

	assert_true(n >= 0 && n <= 8);
	for (long i = 0; i < n; i++)
		k += v[i].kind == kind;
	return k;
}

/* pt_free=rcu: the table outlives the reclaim until the walker ends; a recheck sees the PMD go. */
static void test_rcu_walker(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mem_stats ms0, ms1;
	struct ptsim_lockless *w, *w2;
	uint64_t span, base;

	ptsim_test_env_init(&t, *state, NULL);
	span = ptsim_arch_level_size(t.a, PTSIM_PMD);
	base = setup(&t, 1, 2);
	w = walk_to_pte(&t, base);
	assert_int_equal(ptsim_lockless_recheck(w), 0);
	ptsim_mem_stats(t.m, &ms0);
	assert_int_equal(ptsim_madvise(t.mm, base, span, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 0);
	/* Unhooked and flushed, not freed: only the two pages came back. */
	ptsim_mem_stats(t.m, &ms1);
	assert_u64_eq(ms1.free_pages, ms0.free_pages + 2);
	assert_int_equal(ptsim_lockless_recheck(w), -EAGAIN);
	assert_machine_clean(t.m);
	/* The buggy walker writes anyway: the update is lost, and flagged. */
	assert_int_equal(ptsim_lockless_write(w, 0), 0);
	assert_u64_eq(nr_kind(&t, PTSIM_VIOL_STALE_TABLE), 1);
	ptsim_lockless_end(w);
	ptsim_mem_stats(t.m, &ms1);
	assert_u64_eq(ms1.free_pages, ms0.free_pages + 3);
	ptsim_violations_clear(t.m);
	assert_machine_clean(t.m);

	/* A write through a live table is an ordinary one. */
	mm_ok(t.mm, 0, base, W);
	w2 = walk_to_pte(&t, base);
	assert_int_equal(ptsim_lockless_recheck(w2), 0);
	assert_int_equal(ptsim_lockless_write(w2, mm_pte(t.mm, base).entry), 0);
	ptsim_lockless_end(w2);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	mm_finish(&t);
}

/* pt_free=immediate: the same walker touches a freed table page. */
static void test_immediate_walker(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_lockless *w, *w2;
	struct ptsim_lockless_step st;
	uint64_t span, base;

	ptsim_test_env_init(&t, *state, "pt_free=immediate");
	span = ptsim_arch_level_size(t.a, PTSIM_PMD);
	base = setup(&t, 1, 2);
	w = walk_to_pte(&t, base);
	/* A second walker stopped inside the PTE table, before reading the PTE. */
	assert_int_equal(ptsim_lockless_begin(t.mm, base + t.psz, &w2), 0);
	while (ptsim_lockless_step(w2, &st) == 1 && st.level < PTSIM_PMD)
		;
	assert_int_equal(st.level, PTSIM_PMD);
	assert_int_equal(ptsim_madvise(t.mm, base, span, PTSIM_MADV_DONTNEED), 0);
	assert_int_equal(ptsim_lockless_recheck(w), -EAGAIN); /* the PMD table is still there */
	assert_int_equal(ptsim_lockless_write(w, 0), -ESTALE);
	assert_int_equal(ptsim_lockless_step(w2, &st), -ESTALE);
	assert_u64_eq(nr_kind(&t, PTSIM_VIOL_FREED_TABLE), 2);
	ptsim_lockless_end(w);
	ptsim_lockless_end(w2);
	ptsim_violations_clear(t.m);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

/* Walkers outlive their address space (-ESRCH) and the machine ends them. */
static void test_walker_lifetime(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_lockless *w, *w2;
	struct ptsim_lockless_step st;
	struct ptsim_mem_stats ms;
	struct ptsim_mm *mm2;
	uint64_t base;

	ptsim_test_env_init(&t, *state, NULL);
	base = setup(&t, 1, 1);
	assert_int_equal(ptsim_mm_create(t.m, &mm2), 0);
	mm_map(mm2, base, t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(mm2, 0, base, W);
	assert_int_equal(ptsim_lockless_begin(mm2, base, &w), 0);
	assert_int_equal(ptsim_lockless_step(w, &st), 1);
	ptsim_mm_destroy(mm2); /* its tables wait for the walker */
	assert_int_equal(ptsim_lockless_step(w, &st), -ESRCH);
	assert_int_equal(ptsim_lockless_recheck(w), -ESRCH);
	assert_machine_clean(t.m);
	ptsim_lockless_end(w);
	assert_machine_clean(t.m);
	/*
	 * Left open over a munmap: the tables wait, the checker accepts them,
	 * and ptsim_machine_destroy() ends the walker (the leak check would say
	 * otherwise).
	 */
	assert_int_equal(ptsim_lockless_begin(t.mm, base, &w2), 0);
	mm_unmap_all(t.mm);
	ptsim_mem_stats(t.m, &ms);
	assert_true(ms.free_pages < t.free0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

#define SWAPBACKED (1ull << PTSIM_PG_swapbacked)

/* MADV_FREE: clean and old, lazyfree, swap dropped, shared folios, no table freed. */
static void test_madv_free(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_softleaf sl = {.type = PTSIM_SOFTLEAF_SWAP, .swp_type = 0, .offset = 9};
	struct ptsim_translation tr;
	struct ptsim_file *f;
	struct ptsim_mm *child;
	uint64_t span, base, swp, pa, fva;

	ptsim_test_env_init(&t, *state, NULL);
	span = ptsim_arch_level_size(t.a, PTSIM_PMD);
	base = setup(&t, 1, 4);
	pa = mm_pte(t.mm, base).pa;
	assert_true(mm_frame(t.m, pa >> ptsim_arch_page_shift(t.a)).folio_flags & SWAPBACKED);
	assert_int_equal(ptsim_softleaf_mk(t.m, PTSIM_PTE, &sl, &swp), 0);
	ptsim_test_install_pte(&t, base + 6 * t.psz, swp);
	/* The whole span: every page stays, the swap entry goes, the table stays. */
	assert_int_equal(ptsim_madvise(t.mm, base, span, PTSIM_MADV_FREE), 0);
	tr = mm_pte(t.mm, base);
	assert_u64_eq(tr.pa, pa);
	assert_false(ptsim_ent_dirty(t.a, PTSIM_PTE, tr.entry));
	assert_int_equal(ptsim_translate(t.mm, base + 6 * t.psz, &tr), -ENOENT);
	assert_true(ptsim_ent_none(t.a, PTSIM_PTE, tr.entry));
	assert_false(mm_frame(t.m, pa >> ptsim_arch_page_shift(t.a)).folio_flags & SWAPBACKED);
	assert_u64_eq(ev(&t, PTSIM_VM_PGLAZYFREE), 4);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 1);
	assert_u64_eq(mm_counters(t.mm).rss_anon, 4);
	assert_machine_clean(t.m);
	/* A write dirties it again; after fork the clean shared page is still freed lazily. */
	mm_ok(t.mm, 0, base + t.psz, W);
	assert_int_equal(ptsim_fork(t.mm, &child), 0);
	assert_int_equal(ptsim_madvise(t.mm, base + t.psz, t.psz, PTSIM_MADV_FREE), 0);
	assert_u64_eq(ev(&t, PTSIM_VM_PGLAZYFREE), 4); /* already lazyfree: not counted again */
	ptsim_mm_destroy(child);
	/* Not anonymous private memory: EINVAL, nothing changed. */
	assert_int_equal(ptsim_memfd_create(t.m, t.psz, &f), 0);
	fva = mm_map(t.mm, 0, t.psz, RW, PTSIM_MAP_SHARED, f, 0);
	mm_ok(t.mm, 0, fva, W);
	assert_int_equal(ptsim_madvise(t.mm, fva, t.psz, PTSIM_MADV_FREE), -EINVAL);
	assert_true(ptsim_ent_dirty(t.a, PTSIM_PTE, mm_pte(t.mm, fva).entry));
	ptsim_file_close(f);
	assert_int_equal(ptsim_madvise(t.mm, base, t.psz, 3), -EINVAL);
	assert_machine_clean(t.m);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	mm_finish(&t);
}

static int op_begin(struct ptsim_test_env *t, void *arg)
{
	struct ptsim_lockless **w = arg;

	return ptsim_lockless_begin(t->mm, BASE, w);
}

/* The walker's only allocation fails cleanly; a DONTNEED allocates nothing. */
static void test_sweep(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_lockless *w = NULL;

	ptsim_test_env_init(&t, *state, NULL);
	(void)setup(&t, 1, 1);
	assert_int_equal(ptsim_test_sweep(&t, op_begin, &w, 4), 1);
	assert_non_null(w);
	ptsim_lockless_end(w);
	mm_finish(&t);
}

/* The knobs: names, values, errors. */
static void test_knobs(void **state)
{
	struct ptsim_test_env t;
	char buf[32];

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_knob_get(t.m, "pt_reclaim", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "on");
	assert_int_equal(ptsim_knob_get(t.m, "pt_free", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "rcu");
	assert_int_equal(ptsim_knob_set(t.m, "pt_free", "later"), -EINVAL);
	assert_int_equal(ptsim_knob_get(t.m, "pt_free", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "rcu");
	assert_int_equal(ptsim_knob_set(t.m, "pt_free", "immediate"), 0);
	assert_int_equal(ptsim_knob_get(t.m, "pt_free", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "immediate");
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_rule),
		cmocka_unit_test_prestate(test_slow_path, (void *)"x86_64-4l"),
		cmocka_unit_test_prestate(test_slow_path, (void *)"arm64-4k-48"),
		cmocka_unit_test_prestate(test_slow_path, (void *)"arm64-16k-47"),
		cmocka_unit_test_prestate(test_slow_path, (void *)"arm64-64k-48"),
		PTSIM_ARCH_TESTS(test_rcu_walker),
		PTSIM_ARCH_TESTS(test_immediate_walker),
		cmocka_unit_test_prestate(test_walker_lifetime, (void *)"x86_64-4l"),
		cmocka_unit_test_prestate(test_walker_lifetime, (void *)"arm64-64k-42"),
		cmocka_unit_test_prestate(test_sweep, (void *)"x86_64-4l"),
		PTSIM_ARCH_TESTS(test_madv_free),
		cmocka_unit_test_prestate(test_knobs, (void *)"arm64-4k-48"),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
