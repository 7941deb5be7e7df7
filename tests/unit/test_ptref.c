// SPDX-License-Identifier: MIT
/*
 * test_ptref.c - EXPERIMENTAL, never merged: the 2022 RFC "Try to free
 * empty and zero user PTE page table pages" (knob pt_reclaim.rfc,
 * include/ptsim/ptref.h) on every configuration: the pte_refcount word
 * after map, fault, zap, fork and split; the recount of ptsim_check()
 * (PTREF); empty and zero table detection; the ranking; reclaim, largest
 * first until a target; bad input; allocation failures.
 */
#include <errno.h>

#include "api/machine.h"
#include "ptsim_test.h"

#define RW  (PTSIM_PROT_READ | PTSIM_PROT_WRITE)
#define ANP (PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS)

struct env {
	struct ptsim_test_env t;
	uint64_t span;	 /* bytes one PTE table maps */
	uint64_t tbytes; /* bytes of one PTE table */
	unsigned int ptrs;
};

static void setup(struct env *e, const char *arch, const char *opts)
{
	ptsim_test_env_init(&e->t, arch, opts ? opts : "phys=8G,pt_reclaim.rfc=on");
	e->ptrs = ptsim_arch_ptrs_per(e->t.a, PTSIM_PTE);
	e->span = (uint64_t)e->ptrs * e->t.psz;
	e->tbytes = (uint64_t)e->ptrs * 8;
}

/* An anonymous private VMA of @n whole PTE-table spans, aligned to the span. */
static uint64_t map_spans(struct env *e, struct ptsim_mm *mm, unsigned int n)
{
	uint64_t va, a;

	assert_int_equal(ptsim_mmap(mm, 0, (n + 1) * e->span, RW, ANP, NULL, 0, &va), 0);
	a = (va + e->span - 1) & ~(e->span - 1);
	if (a > va)
		assert_int_equal(ptsim_munmap(mm, va, a - va), 0);
	if (va + (n + 1) * e->span > a + n * e->span)
		assert_int_equal(ptsim_munmap(mm, a + n * e->span,
					      va + (n + 1) * e->span - (a + n * e->span)),
				 0);
	return a;
}

static void touch(struct env *e, struct ptsim_mm *mm, uint64_t va, unsigned int access)
{
	struct ptsim_access_result r;

	(void)e;
	assert_int_equal(ptsim_access(mm, 0, va, access, &r), 0);
	assert_int_equal(r.signal, 0);
}

/* Read every page of [va, va + len): the balloon read back after migration. */
static void read_all(struct env *e, struct ptsim_mm *mm, uint64_t va, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += e->t.psz)
		touch(e, mm, va + off, PTSIM_ACCESS_READ);
}

static struct ptsim_ptref_mm_info info(struct ptsim_mm *mm)
{
	struct ptsim_ptref_mm_info i;

	assert_int_equal(ptsim_ptref_mm_info(mm, &i), 0);
	return i;
}

static struct ptsim_ptref_table table(struct ptsim_mm *mm, uint64_t va)
{
	struct ptsim_ptref_table t;

	assert_int_equal(ptsim_ptref_table(mm, va, &t), 0);
	return t;
}

static void expect_only(struct ptsim_machine *m, enum ptsim_check_code code)
{
	struct ptsim_check_report r;
	int n = ptsim_check(m, &r);

	if (n <= 0 || r.by_code[code] != (unsigned int)n) {
		ptsim_check_report_print(&r, stderr);
		fail_msg("expected only %s findings, got %d", ptsim_check_code_name(code), n);
	}
}

/* The word after a write fault, a read fault (zero page), a zap, fork and munmap. */
static void test_counters(void **state)
{
	struct env e;
	struct ptsim_mm *child;
	struct ptsim_ptref_table tb;
	struct ptsim_ptref_mm_info i;
	uint64_t va;

	setup(&e, *state, NULL);
	va = map_spans(&e, e.t.mm, 3);
	i = info(e.t.mm);
	assert_int_equal(i.pte_tables, 0);
	assert_int_equal(i.reclaimable_bytes, 0);
	assert_int_equal(i.rank, 0);
	touch(&e, e.t.mm, va, PTSIM_ACCESS_WRITE);
	touch(&e, e.t.mm, va + e.t.psz, PTSIM_ACCESS_READ);
	tb = table(e.t.mm, va);
	assert_int_equal(tb.mapped, 2);
	assert_int_equal(tb.zero, 1);
	assert_int_equal(tb.entries, e.ptrs);
	assert_int_equal(tb.field_bits, e.ptrs <= 1023 ? 10 : 16);
	assert_int_equal(tb.word, 2 | (1u << tb.field_bits));
	assert_false(tb.empty);
	assert_false(tb.zero_table);
	assert_machine_clean(e.t.m);

	/* A whole span read: a zero table. */
	read_all(&e, e.t.mm, va + e.span, e.span);
	tb = table(e.t.mm, va + e.span);
	assert_int_equal(tb.mapped, e.ptrs);
	assert_int_equal(tb.zero, e.ptrs);
	assert_true(tb.zero_table);
	i = info(e.t.mm);
	assert_int_equal(i.pte_tables, 2);
	assert_int_equal(i.zero_tables, 1);
	assert_int_equal(i.empty_tables, 0);
	assert_int_equal(i.reclaimable_bytes, e.tbytes);
	assert_int_equal(i.rank, 1);
	assert_machine_clean(e.t.m);

	/* A zap of the two pages (shorter than the span: the table stays): an empty table. */
	assert_int_equal(ptsim_madvise(e.t.mm, va, 2 * e.t.psz, PTSIM_MADV_DONTNEED), 0);
	tb = table(e.t.mm, va);
	assert_int_equal(tb.word, 0);
	assert_true(tb.empty);
	i = info(e.t.mm);
	assert_int_equal(i.empty_tables, 1);
	assert_int_equal(i.zero_tables, 1);
	assert_int_equal(i.reclaimable_bytes, 2 * e.tbytes);
	assert_machine_clean(e.t.m);

	/* One write in the zero table: neither kind any more. */
	touch(&e, e.t.mm, va + e.span + 3 * e.t.psz, PTSIM_ACCESS_WRITE);
	tb = table(e.t.mm, va + e.span);
	assert_int_equal(tb.mapped, e.ptrs);
	assert_int_equal(tb.zero, e.ptrs - 1);
	assert_int_equal(info(e.t.mm).reclaimable_bytes, e.tbytes);
	assert_machine_clean(e.t.m);

	/* fork: the child's tables are counted as they are filled. */
	assert_int_equal(ptsim_fork(e.t.mm, &child), 0);
	assert_machine_clean(e.t.m);
	tb = table(child, va + e.span);
	assert_int_equal(tb.zero, e.ptrs - 1);
	ptsim_mm_destroy(child);
	assert_machine_clean(e.t.m);

	/* munmap frees the tables: the view follows. */
	assert_int_equal(ptsim_munmap(e.t.mm, va, 3 * e.span), 0);
	i = info(e.t.mm);
	assert_int_equal(i.pte_tables, 0);
	assert_int_equal(i.reclaimable_bytes, 0);
	assert_int_equal(i.rank, 0);
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

/* The huge zero folio split into PTEs of the small zero page: a zero table. */
static void test_thp_zero_split(void **state)
{
	struct env e;
	uint64_t va;

	setup(&e, *state, "phys=8G,pt_reclaim.rfc=on,thp.enabled=always");
	if (ptsim_arch_level_size(e.t.a, PTSIM_PMD) != e.span) {
		ptsim_test_env_fini(&e.t);
		skip();
	}
	va = map_spans(&e, e.t.mm, 2);
	touch(&e, e.t.mm, va, PTSIM_ACCESS_READ);
	/* The deposited table counts in nr_ptes, never as reclaimable. */
	assert_int_equal(info(e.t.mm).pte_tables, 1);
	assert_int_equal(info(e.t.mm).reclaimable_bytes, 0);
	assert_machine_clean(e.t.m);
	assert_int_equal(ptsim_split_huge_pmd(e.t.mm, va, 0), 0);
	assert_true(table(e.t.mm, va).zero_table);
	assert_int_equal(info(e.t.mm).zero_tables, 1);
	assert_machine_clean(e.t.m);
	assert_int_equal(ptsim_ptref_reclaim_mm(e.t.mm, 0), (long)e.tbytes);
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

/*
 * The bulk writers outside VMAs: ptsim_map()'s fill, ptsim_split_leaf()'s
 * table fill, ptsim_collapse_leaf() (with and without break-before-make) and
 * ptsim_unmap(); and a raw mapping of the zero page.
 */
static void test_raw_bulk(void **state)
{
	struct env e;
	uint64_t pmd = 0, order = 0, pfn, va = 0x80000000ull;
	uint64_t prot;

	setup(&e, *state, NULL);
	pmd = ptsim_arch_level_size(e.t.a, PTSIM_PMD);
	prot = ptsim_pgprot(e.t.a, PTSIM_PROT_READ, 0);
	if (pmd != e.span || !ptsim_arch_leaf_ok(e.t.a, PTSIM_PMD)) {
		ptsim_test_env_fini(&e.t);
		skip();
	}
	while ((e.t.psz << order) < pmd)
		order++;
	assert_int_equal(ptsim_folio_alloc(e.t.m, (unsigned int)order, &pfn), 0);
	/* Small pages, then the zero page, in one table. */
	assert_int_equal(ptsim_map(e.t.mm, va, 4 * e.t.psz, pfn, e.t.psz, prot, 0), 0);
	assert_int_equal(ptsim_map(e.t.mm, va + 8 * e.t.psz, e.t.psz, ptsim_zero_pfn(e.t.m),
				   e.t.psz, prot, 0),
			 0);
	assert_int_equal(table(e.t.mm, va).mapped, 5);
	assert_int_equal(table(e.t.mm, va).zero, 1);
	assert_machine_clean(e.t.m);
	assert_true(ptsim_unmap(e.t.mm, va, 9 * e.t.psz, 0) == 5);
	assert_true(table(e.t.mm, va).empty);
	assert_int_equal(info(e.t.mm).empty_tables, 1);
	assert_machine_clean(e.t.m);
	assert_true(ptsim_unmap(e.t.mm, va, e.span, PTSIM_UNMAP_FREE_TABLES) >= 0);
	assert_int_equal(info(e.t.mm).empty_tables, 0);
	/* A PMD leaf split into a full table, collapsed back, twice. */
	assert_int_equal(ptsim_map(e.t.mm, va, pmd, pfn, pmd, prot, 0), 0);
	for (unsigned int flags = 0; flags <= PTSIM_SPLIT_NO_BBM; flags += PTSIM_SPLIT_NO_BBM) {
		assert_int_equal(ptsim_split_leaf(e.t.mm, va, PTSIM_PMD, 0), 0);
		assert_int_equal(table(e.t.mm, va).mapped, e.ptrs);
		assert_int_equal(table(e.t.mm, va).zero, 0);
		assert_int_equal(info(e.t.mm).reclaimable_bytes, 0);
		assert_machine_clean(e.t.m);
		assert_int_equal(ptsim_collapse_leaf(e.t.mm, va, PTSIM_PMD, flags), 0);
		assert_int_equal(info(e.t.mm).pte_tables, 0);
		ptsim_violations_clear(e.t.m); /* NO_BBM on arm64 is reported, on purpose */
		assert_machine_clean(e.t.m);
	}
	assert_true(ptsim_unmap(e.t.mm, va, pmd, PTSIM_UNMAP_FREE_TABLES) > 0);
	assert_int_equal(ptsim_flush_tlb_mm(e.t.mm), 0);
	assert_int_equal(ptsim_folio_put(e.t.m, pfn), 0);
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

/* A protection change between start and commit holds its PTE lock: reclaim waits. */
static void test_busy(void **state)
{
	struct env e;
	struct ptsim_pgslot slot;
	ptsim_ent_t old;
	uint64_t va;

	setup(&e, *state, NULL);
	va = map_spans(&e, e.t.mm, 2);
	read_all(&e, e.t.mm, va, e.span);
	touch(&e, e.t.mm, va + e.span, PTSIM_ACCESS_READ);
	assert_int_equal(ptsim_pgslot_lookup(e.t.mm, va + e.span, PTSIM_PTE, 0, &slot), 0);
	assert_int_equal(ptsim_pgslot_modify_prot_start(e.t.mm, &slot, &old), 0);
	/* The cleared entry leaves its table empty for now. */
	assert_int_equal(info(e.t.mm).empty_tables, 1);
	assert_int_equal(ptsim_ptref_reclaim_mm(e.t.mm, 0), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(e.t.m), "in progress"));
	assert_int_equal(ptsim_ptref_reclaim(e.t.m, 0), 0);
	assert_int_equal(info(e.t.mm).reclaimable_bytes, 2 * e.tbytes);
	assert_int_equal(ptsim_pgslot_modify_prot_commit(e.t.mm, &slot, old, old), 0);
	assert_int_equal(info(e.t.mm).empty_tables, 0);
	assert_int_equal(ptsim_ptref_reclaim(e.t.m, 0), (long)e.tbytes);
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

/* A non-present entry left behind (a poison marker) counts as mapped: the table stays. */
static void test_marker_keeps(void **state)
{
	struct env e;
	uint64_t va;

	setup(&e, *state, NULL);
	va = map_spans(&e, e.t.mm, 1);
	touch(&e, e.t.mm, va, PTSIM_ACCESS_READ);
	assert_int_equal(
		ptsim_uffd_register(e.t.mm, va, e.span, PTSIM_UFFDIO_REGISTER_MODE_MISSING), 0);
	assert_int_equal(ptsim_uffdio_poison(e.t.mm, va + e.t.psz, e.t.psz, 0), 0);
	assert_int_equal(ptsim_madvise(e.t.mm, va, e.t.psz, PTSIM_MADV_DONTNEED), 0);
	assert_int_equal(table(e.t.mm, va).mapped, 1);
	assert_int_equal(table(e.t.mm, va).zero, 0);
	assert_false(table(e.t.mm, va).empty);
	assert_int_equal(info(e.t.mm).reclaimable_bytes, 0);
	assert_int_equal(ptsim_ptref_reclaim_mm(e.t.mm, 0), 0);
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

/* Switching the knob on at runtime recounts what was written while it was off. */
static void test_knob_runtime(void **state)
{
	struct env e;
	struct ptsim_ptref_mm_info i;
	uint64_t va;

	setup(&e, *state, "phys=8G");
	va = map_spans(&e, e.t.mm, 2);
	read_all(&e, e.t.mm, va, e.span);
	touch(&e, e.t.mm, va + e.span, PTSIM_ACCESS_WRITE);
	assert_int_equal(ptsim_ptref_mm_info(e.t.mm, &i), -EOPNOTSUPP);
	assert_non_null(strstr(ptsim_errmsg(e.t.m), "pt_reclaim.rfc"));
	assert_int_equal(ptsim_knob_set(e.t.m, "pt_reclaim.rfc", "on"), 0);
	i = info(e.t.mm);
	assert_int_equal(i.zero_tables, 1);
	assert_int_equal(i.empty_tables, 0);
	assert_int_equal(table(e.t.mm, va + e.span).mapped, 1);
	assert_machine_clean(e.t.m);
	/* Off: the view goes; changes made now are not tracked... */
	assert_int_equal(ptsim_knob_set(e.t.m, "pt_reclaim.rfc", "off"), 0);
	assert_machine_clean(e.t.m);
	assert_int_equal(ptsim_madvise(e.t.mm, va + e.span, e.t.psz, PTSIM_MADV_DONTNEED), 0);
	touch(&e, e.t.mm, va, PTSIM_ACCESS_WRITE);
	/* ...and are found by the recount when it comes back on. */
	assert_int_equal(ptsim_knob_set(e.t.m, "pt_reclaim.rfc", "on"), 0);
	i = info(e.t.mm);
	assert_int_equal(i.zero_tables, 0);
	assert_int_equal(i.empty_tables, 1);
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

/* Reclaim: VmPTE drops by one table each, zero pages refault, no TLB violation. */
static void test_reclaim(void **state)
{
	struct env e;
	struct ptsim_ptref_stats st;
	struct ptsim_mm_counters c0, c1;
	uint64_t va, vmpte;

	setup(&e, *state, NULL);
	va = map_spans(&e, e.t.mm, 3);
	read_all(&e, e.t.mm, va, e.span);			/* zero table */
	touch(&e, e.t.mm, va + e.span, PTSIM_ACCESS_WRITE);	/* in use */
	touch(&e, e.t.mm, va + 2 * e.span, PTSIM_ACCESS_WRITE); /* emptied below */
	assert_int_equal(ptsim_madvise(e.t.mm, va + 2 * e.span, e.t.psz, PTSIM_MADV_DONTNEED), 0);
	vmpte = ptsim_mm_pgtables_bytes(e.t.mm);
	assert_int_equal(info(e.t.mm).reclaimable_bytes, 2 * e.tbytes);
	assert_int_equal(ptsim_ptref_reclaim_mm(e.t.mm, 0), (long)(2 * e.tbytes));
	assert_int_equal(ptsim_mm_pgtables_bytes(e.t.mm), vmpte - 2 * e.tbytes);
	assert_int_equal(info(e.t.mm).pte_tables, 1);
	assert_int_equal(info(e.t.mm).reclaimable_bytes, 0);
	assert_int_equal(ptsim_ptref_stats(e.t.m, &st), 0);
	assert_int_equal(st.reclaimed_zero, 1);
	assert_int_equal(st.reclaimed_empty, 1);
	assert_int_equal(st.zero_ptes_dropped, e.ptrs);
	assert_int_equal(st.bytes_freed, 2 * e.tbytes);
	assert_int_equal(st.scanned, 3);
	assert_int_equal(st.nr_ranked, 0);
	assert_machine_clean(e.t.m);
	/* A read refaults and maps the zero page again. */
	ptsim_mm_counters(e.t.mm, &c0);
	touch(&e, e.t.mm, va + e.t.psz, PTSIM_ACCESS_READ);
	ptsim_mm_counters(e.t.mm, &c1);
	assert_int_equal(c1.zero_page, c0.zero_page + 1);
	assert_int_equal(table(e.t.mm, va).zero, 1);
	/* Nothing left to reclaim: 0. */
	assert_int_equal(ptsim_ptref_reclaim_mm(e.t.mm, 0), 0);
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

/* The ranking, and the machine-wide reclaim largest first until the target. */
static void test_rank(void **state)
{
	struct env e;
	struct ptsim_mm *mm[3];
	struct ptsim_ptref_rank_entry r[4];
	const unsigned int zero_tables[3] = {1, 3, 2};

	setup(&e, *state, NULL);
	mm[0] = e.t.mm;
	for (int k = 1; k < 3; k++)
		assert_int_equal(ptsim_mm_create(e.t.m, &mm[k]), 0);
	for (int k = 0; k < 3; k++) {
		uint64_t va = map_spans(&e, mm[k], zero_tables[k]);

		/* One zero PTE per table, zapped: empty tables (a zap shorter than the span). */
		for (unsigned int j = 0; j < zero_tables[k]; j++) {
			touch(&e, mm[k], va + j * e.span, PTSIM_ACCESS_READ);
			assert_int_equal(
				ptsim_madvise(mm[k], va + j * e.span, e.t.psz, PTSIM_MADV_DONTNEED),
				0);
		}
	}
	assert_machine_clean(e.t.m);
	assert_int_equal(ptsim_ptref_rank(e.t.m, NULL, 0), 3);
	assert_int_equal(ptsim_ptref_rank(e.t.m, r, 4), 3);
	assert_ptr_equal(r[0].mm, mm[1]);
	assert_ptr_equal(r[1].mm, mm[2]);
	assert_ptr_equal(r[2].mm, mm[0]);
	assert_int_equal(r[0].reclaimable_bytes, 3 * e.tbytes);
	assert_int_equal(r[0].empty_tables, 3);
	assert_int_equal(info(mm[2]).rank, 2);
	/* Two tables: both from the largest. */
	assert_int_equal(ptsim_ptref_reclaim(e.t.m, (int64_t)(2 * e.tbytes)), (long)(2 * e.tbytes));
	assert_int_equal(info(mm[1]).reclaimable_bytes, e.tbytes);
	assert_int_equal(info(mm[2]).reclaimable_bytes, 2 * e.tbytes);
	assert_int_equal(info(mm[2]).rank, 1);
	assert_machine_clean(e.t.m);
	/* Three more: mm 2's two (now the largest), then one of the tied rest. */
	assert_int_equal(ptsim_ptref_reclaim(e.t.m, (int64_t)(3 * e.tbytes)), (long)(3 * e.tbytes));
	assert_int_equal(info(mm[2]).reclaimable_bytes, 0);
	assert_int_equal(ptsim_ptref_rank(e.t.m, r, 4), 1);
	assert_machine_clean(e.t.m);
	/* Everything; a target beyond what is reclaimable frees what there is. */
	assert_int_equal(ptsim_ptref_reclaim(e.t.m, (int64_t)(10 * e.tbytes)), (long)e.tbytes);
	assert_int_equal(ptsim_ptref_rank(e.t.m, r, 4), 0);
	assert_int_equal(ptsim_ptref_reclaim(e.t.m, 0), 0);
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

/* Bad input: clear errors, a message, nothing changed. */
static void test_bad_input(void **state)
{
	struct env e;
	struct ptsim_test_snap snap;
	uint64_t va;

	setup(&e, *state, NULL);
	va = map_spans(&e, e.t.mm, 1);
	read_all(&e, e.t.mm, va, e.span);
	ptsim_test_snap_take(&e.t, &snap);
	assert_int_equal(ptsim_ptref_reclaim_mm(e.t.mm, -1), -EINVAL);
	assert_non_null(strstr(ptsim_errmsg(e.t.m), "negative target"));
	assert_int_equal(ptsim_ptref_reclaim(e.t.m, -1), -EINVAL);
	assert_int_equal(ptsim_ptref_reclaim_mm(e.t.mm, INT64_MAX), -ERANGE);
	assert_non_null(strstr(ptsim_errmsg(e.t.m), "can hold"));
	assert_int_equal(ptsim_ptref_reclaim(e.t.m, INT64_MAX), -ERANGE);
	assert_int_equal(ptsim_ptref_reclaim_mm(NULL, 0), -EINVAL);
	assert_int_equal(ptsim_ptref_reclaim(NULL, 0), -EINVAL);
	assert_int_equal(ptsim_ptref_table(e.t.mm, va, NULL), -EINVAL);
	assert_int_equal(ptsim_ptref_rank(e.t.m, NULL, 1), -EINVAL);
	assert_int_equal(ptsim_knob_set(e.t.m, "pt_reclaim.rfc", "maybe"), -EINVAL);
	assert_non_null(strstr(ptsim_errmsg(e.t.m), "pt_reclaim.rfc"));
	assert_int_equal(ptsim_knob_set(e.t.m, "pt_reclaim.rfc", "off"), 0);
	assert_int_equal(ptsim_ptref_reclaim_mm(e.t.mm, 0), -EOPNOTSUPP);
	assert_int_equal(ptsim_ptref_reclaim(e.t.m, 0), -EOPNOTSUPP);
	assert_int_equal(ptsim_ptref_rank(e.t.m, NULL, 0), -EOPNOTSUPP);
	assert_non_null(strstr(ptsim_errmsg(e.t.m), "never merged"));
	ptsim_test_snap_assert_same(&e.t, &snap);
	ptsim_test_snap_free(&snap);
	assert_int_equal(ptsim_knob_set(e.t.m, "pt_reclaim.rfc", "on"), 0);
	assert_int_equal(info(e.t.mm).zero_tables, 1);
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

/*
 * Allocation failures: reclaim and the knob switch allocate nothing (armed
 * injection never fires); a fork failing at each point leaves the counters
 * as they were (the snapshot and PTREF agree).
 */
static void test_alloc_sweep(void **state)
{
	struct env e;
	struct ptsim_mm *child;
	uint64_t va, points, injected, failures = 0;

	setup(&e, *state, NULL);
	va = map_spans(&e, e.t.mm, 3);
	read_all(&e, e.t.mm, va, e.span);
	touch(&e, e.t.mm, va + e.span, PTSIM_ACCESS_WRITE);
	for (uint64_t nth = 1;; nth++) {
		struct ptsim_test_snap snap;
		int err;

		assert_true(nth < 10000);
		ptsim_test_snap_take(&e.t, &snap);
		ptsim_fault_inject(e.t.m, nth, false);
		err = ptsim_fork(e.t.mm, &child);
		ptsim_fault_inject(e.t.m, 0, false);
		if (!err) {
			ptsim_test_snap_free(&snap);
			break;
		}
		assert_int_equal(err, -ENOMEM);
		ptsim_test_snap_assert_same(&e.t, &snap);
		ptsim_test_snap_free(&snap);
		assert_machine_clean(e.t.m);
		failures++;
	}
	assert_true(failures >= 2);
	assert_int_equal(info(child).zero_tables, 1);
	assert_machine_clean(e.t.m);
	points = ptsim_alloc_points(e.t.m);
	injected = ptsim_fault_injected(e.t.m);
	ptsim_fault_inject(e.t.m, 1, true);
	assert_int_equal(ptsim_knob_set(e.t.m, "pt_reclaim.rfc", "off"), 0);
	assert_int_equal(ptsim_knob_set(e.t.m, "pt_reclaim.rfc", "on"), 0);
	assert_int_equal(ptsim_ptref_reclaim(e.t.m, 0), (long)(2 * e.tbytes));
	ptsim_fault_inject(e.t.m, 0, false);
	assert_int_equal(ptsim_alloc_points(e.t.m), points);
	assert_int_equal(ptsim_fault_injected(e.t.m), injected);
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

/* The checker recounts: a wrong word, a wrong per-mm byte count. */
static void test_check_corrupt(void **state)
{
	struct env e;
	struct ptsim_frame *f;
	struct ptsim_ptref_table tb;
	uint64_t va;

	setup(&e, *state, NULL);
	va = map_spans(&e, e.t.mm, 1);
	touch(&e, e.t.mm, va, PTSIM_ACCESS_READ);
	tb = table(e.t.mm, va);
	f = ptsim__pfn_to_frame_noinit(&e.t.m->mem, tb.table_pfn);
	f->flags += 1ull << PTSIM_PTREF_SHIFT;
	expect_only(e.t.m, PTSIM_CHK_PTREF);
	f->flags -= 1ull << PTSIM_PTREF_SHIFT;
	assert_machine_clean(e.t.m);
	e.t.mm->pt.ptref_empty++;
	expect_only(e.t.m, PTSIM_CHK_PTREF);
	e.t.mm->pt.ptref_empty--;
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_counters),     PTSIM_ARCH_TESTS(test_thp_zero_split),
		PTSIM_ARCH_TESTS(test_knob_runtime), PTSIM_ARCH_TESTS(test_reclaim),
		PTSIM_ARCH_TESTS(test_rank),	     PTSIM_ARCH_TESTS(test_bad_input),
		PTSIM_ARCH_TESTS(test_alloc_sweep),  PTSIM_ARCH_TESTS(test_check_corrupt),
		PTSIM_ARCH_TESTS(test_raw_bulk),     PTSIM_ARCH_TESTS(test_busy),
		PTSIM_ARCH_TESTS(test_marker_keeps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
