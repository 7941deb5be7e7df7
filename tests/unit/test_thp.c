// SPDX-License-Identifier: MIT
/*
 * test_thp.c - anonymous transparent huge pages on every configuration:
 * the policy knobs and MADV_HUGEPAGE, the THP fault and the huge zero folio,
 * the fallback when no huge page can be had, the write-protect fault on a
 * huge PMD, split_huge_pmd() with the bits it carries (and the pre-6.1
 * knob), break-before-make, range operations that cut a THP, fork, the
 * folio split with pins, counters, and the allocation-failure sweep.
 */
#include <errno.h>

#include "mm_helpers.h"

struct thp_env {
	struct ptsim_test_env t;
	uint64_t size, nr, va; /* THP size, pages in it, an aligned address in the VMA */
};

/*
 * A private anonymous VMA of exactly 4 aligned THPs (mapped over-sized, the
 * unaligned head and tail unmapped), the first 2 madvised, on a machine
 * with room.
 */
static void setup(struct thp_env *e, const char *arch, const char *opts)
{
	uint64_t va;

	ptsim_test_env_init(&e->t, arch, opts ? opts : "phys=8G");
	e->size = ptsim_arch_level_size(e->t.a, PTSIM_PMD);
	e->nr = e->size / e->t.psz;
	va = mm_map(e->t.mm, 0, 5 * e->size, RW, ANP, NULL, 0);
	e->va = (va + e->size - 1) & ~(e->size - 1);
	if (e->va > va)
		assert_int_equal(ptsim_munmap(e->t.mm, va, e->va - va), 0);
	if (va + 5 * e->size > e->va + 4 * e->size)
		assert_int_equal(ptsim_munmap(e->t.mm, e->va + 4 * e->size,
					      va + 5 * e->size - (e->va + 4 * e->size)),
				 0);
	assert_int_equal(ptsim_madvise(e->t.mm, e->va, 2 * e->size, PTSIM_MADV_HUGEPAGE), 0);
}

static uint64_t kb(struct thp_env *e, uint64_t pages)
{
	return pages * (e->t.psz >> 10);
}

static uint64_t ev(struct thp_env *e, enum ptsim_vm_event v)
{
	return ptsim_vm_event(e->t.m, v);
}

/* thp.enabled and the VMA flags decide; the range must hold a whole aligned PMD. */
static void test_policy(void **state)
{
	struct thp_env e;
	struct ptsim_vma_info vi;
	uint64_t va2;

	setup(&e, (const char *)*state, NULL);
	/* madvise splits the VMA around the advised range and sets VM_HUGEPAGE there only. */
	assert_int_equal(ptsim_vma_info(e.t.mm, e.va, &vi), 0);
	assert_true(vi.flags & PTSIM_VM_HUGEPAGE);
	assert_u64_eq(vi.start, e.va);
	assert_u64_eq(vi.end, e.va + 2 * e.size);
	assert_int_equal(ptsim_vma_info(e.t.mm, e.va + 2 * e.size, &vi), 0);
	assert_false(vi.flags & PTSIM_VM_HUGEPAGE);
	/* Before any fault (no anon_vma yet) equal advice merges the VMAs again. */
	assert_int_equal(ptsim_madvise(e.t.mm, e.va, 2 * e.size, PTSIM_MADV_NOHUGEPAGE), 0);
	assert_int_equal(
		ptsim_madvise(e.t.mm, e.va + 2 * e.size, 2 * e.size, PTSIM_MADV_NOHUGEPAGE), 0);
	assert_int_equal(ptsim_vma_info(e.t.mm, e.va + e.size, &vi), 0);
	assert_u64_eq(vi.start, e.va);
	assert_u64_eq(vi.end, e.va + 4 * e.size);
	assert_true(vi.flags & PTSIM_VM_NOHUGEPAGE);
	/* MADV_HUGEPAGE clears VM_NOHUGEPAGE and splits the VMA again. */
	assert_int_equal(ptsim_madvise(e.t.mm, e.va, 2 * e.size, PTSIM_MADV_HUGEPAGE), 0);
	assert_int_equal(ptsim_vma_info(e.t.mm, e.va, &vi), 0);
	assert_true(vi.flags & PTSIM_VM_HUGEPAGE);
	assert_false(vi.flags & PTSIM_VM_NOHUGEPAGE);
	assert_u64_eq(vi.end, e.va + 2 * e.size);
	/* madvise (the default): THP where advised, small pages elsewhere. */
	mm_ok(e.t.mm, 0, e.va, W);
	assert_int_equal(mm_pte(e.t.mm, e.va).level, PTSIM_PMD);
	mm_ok(e.t.mm, 0, e.va + 2 * e.size, W);
	assert_int_equal(mm_pte(e.t.mm, e.va + 2 * e.size).level, PTSIM_PTE);
	/* never: no THP even where advised. */
	assert_int_equal(ptsim_knob_set(e.t.m, "thp.enabled", "never"), 0);
	mm_ok(e.t.mm, 0, e.va + e.size, W);
	assert_int_equal(mm_pte(e.t.mm, e.va + e.size).level, PTSIM_PTE);
	/* always: everywhere eligible, but VM_NOHUGEPAGE wins. */
	assert_int_equal(ptsim_knob_set(e.t.m, "thp.enabled", "always"), 0);
	assert_int_equal(ptsim_madvise(e.t.mm, e.va + 3 * e.size, e.size, PTSIM_MADV_NOHUGEPAGE),
			 0);
	assert_int_equal(ptsim_vma_info(e.t.mm, e.va + 3 * e.size, &vi), 0);
	assert_true(vi.flags & PTSIM_VM_NOHUGEPAGE);
	assert_false(vi.flags & PTSIM_VM_HUGEPAGE);
	mm_ok(e.t.mm, 0, e.va + 3 * e.size, W);
	assert_int_equal(mm_pte(e.t.mm, e.va + 3 * e.size).level, PTSIM_PTE);
	/* A VMA smaller than a PMD, and a shared one, never get a THP. */
	va2 = mm_map(e.t.mm, 0, e.size, RW, ANP, NULL, 0);
	if (va2 & (e.size - 1)) {
		mm_ok(e.t.mm, 0, va2, W);
		assert_int_equal(mm_pte(e.t.mm, va2).level, PTSIM_PTE);
	}
	va2 = mm_map(e.t.mm, 0, 2 * e.size, RW, PTSIM_MAP_SHARED | PTSIM_MAP_ANONYMOUS, NULL, 0);
	mm_ok(e.t.mm, 0, ((va2 + e.size - 1) & ~(e.size - 1)), W);
	assert_int_equal(mm_pte(e.t.mm, (va2 + e.size - 1) & ~(e.size - 1)).level, PTSIM_PTE);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_FAULT_ALLOC), 1);
	/*
	 * After the faults each part has its own anon_vma (is_mergeable_anon_vma()):
	 * equal advice no longer merges them.
	 */
	assert_int_equal(ptsim_knob_set(e.t.m, "thp.enabled", "madvise"), 0);
	assert_int_equal(ptsim_madvise(e.t.mm, e.va, 2 * e.size, PTSIM_MADV_NOHUGEPAGE), 0);
	assert_int_equal(ptsim_vma_info(e.t.mm, e.va, &vi), 0);
	assert_true(vi.flags & PTSIM_VM_NOHUGEPAGE);
	assert_u64_eq(vi.end, e.va + 2 * e.size);
	assert_int_equal(ptsim_vma_info(e.t.mm, e.va + 2 * e.size, &vi), 0);
	assert_true(vi.flags & PTSIM_VM_NOHUGEPAGE);
	assert_u64_eq(vi.end, e.va + 4 * e.size);
	assert_int_equal(ptsim_madvise(e.t.mm, e.va, e.size, 99), -EINVAL);
	mm_finish(&e.t);
}

/* The fault: one PMD, one deposited table counted at once, the counters. */
static void test_fault(void **state)
{
	struct thp_env e;
	struct ptsim_translation tr;
	struct ptsim_frame_info fi;
	struct ptsim_mem_stats ms;
	struct ptsim_mm *child;
	uint64_t vmpte, ptes;

	setup(&e, (const char *)*state, NULL);
	mm_ok(e.t.mm, 0, e.va + 3 * e.t.psz + 5, W);
	tr = mm_pte(e.t.mm, e.va + 3 * e.t.psz + 5);
	assert_int_equal(tr.level, PTSIM_PMD);
	assert_true(tr.attrs.write && tr.attrs.dirty && tr.attrs.young);
	fi = mm_frame(e.t.m, tr.pfn);
	assert_int_equal(fi.order,
			 ptsim_arch_level_shift(e.t.a, PTSIM_PMD) - ptsim_arch_page_shift(e.t.a));
	assert_int_equal(fi.entire_mapcount, 1);
	assert_true(mm_frame(e.t.m, fi.head_pfn).flags & (1ull << PTSIM_PG_anon_exclusive));
	/* The deposit: one PTE table, counted in VmPTE, linked nowhere. */
	ptes = ptsim_mm_nr_tables(e.t.mm, PTSIM_PTE);
	assert_u64_eq(ptes, 1);
	vmpte = ptsim_mm_pgtables_bytes(e.t.mm);
	assert_true(vmpte >= ptsim_arch_ptrs_per(e.t.a, PTSIM_PTE) * 8ull);
	assert_u64_eq(mm_counters(e.t.mm).rss_anon, e.nr);
	assert_u64_eq(ptsim_meminfo(e.t.m, PTSIM_MEMINFO_ANONHUGEPAGES), kb(&e, e.nr));
	assert_u64_eq(ptsim_meminfo(e.t.m, PTSIM_MEMINFO_ANONPAGES), kb(&e, e.nr));
	assert_u64_eq(ev(&e, PTSIM_VM_THP_FAULT_ALLOC), 1);
	assert_machine_clean(e.t.m);
	/* A read of the other advised PMD: the huge zero folio, read-only and special. */
	mm_ok(e.t.mm, 1, e.va + e.size + 7, R);
	tr = mm_pte(e.t.mm, e.va + e.size);
	assert_int_equal(tr.level, PTSIM_PMD);
	assert_false(tr.attrs.write);
	assert_true(tr.attrs.special);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_ZERO_PAGE_ALLOC), 1);
	assert_u64_eq(ptsim_mm_nr_tables(e.t.mm, PTSIM_PTE), 2);
	assert_u64_eq(mm_counters(e.t.mm).rss_anon, e.nr);
	assert_machine_clean(e.t.m);
	/* A write there: the zero PMD is split and one small page copied. */
	mm_ok(e.t.mm, 1, e.va + e.size + 7, W);
	tr = mm_pte(e.t.mm, e.va + e.size);
	assert_int_equal(tr.level, PTSIM_PTE);
	assert_true(tr.attrs.write);
	tr = mm_pte(e.t.mm, e.va + e.size + e.t.psz);
	assert_u64_eq(tr.pfn, ptsim_zero_pfn(e.t.m));
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 1);
	assert_u64_eq(ptsim_mm_nr_tables(e.t.mm, PTSIM_PTE), 2); /* the deposit went in */
	assert_machine_clean(e.t.m);
	/* thp.use_zero_page=off: a read fault maps a THP of its own, writable and dirty. */
	assert_int_equal(ptsim_knob_set(e.t.m, "thp.use_zero_page", "off"), 0);
	assert_int_equal(ptsim_knob_set(e.t.m, "thp.enabled", "always"), 0);
	mm_ok(e.t.mm, 0, e.va + 2 * e.size, R);
	tr = mm_pte(e.t.mm, e.va + 2 * e.size);
	assert_int_equal(tr.level, PTSIM_PMD);
	assert_true(tr.attrs.write && tr.attrs.dirty);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_FAULT_ALLOC), 2);
	/* munmap of whole THPs frees folio and deposit: no split. */
	assert_int_equal(ptsim_munmap(e.t.mm, e.va + 2 * e.size, e.size), 0);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 1);
	/*
	 * The huge zero folio outlives its mappings while an mm that used it
	 * lives (MMF_HUGE_ZERO_PAGE); a forked child that maps it holds it
	 * too; it is freed when the last such mm exits.
	 */
	assert_int_equal(ptsim_knob_set(e.t.m, "thp.use_zero_page", "on"), 0);
	mm_ok(e.t.mm, 0, e.va + 3 * e.size, R);
	tr = mm_pte(e.t.mm, e.va + 3 * e.size);
	assert_int_equal(tr.level, PTSIM_PMD);
	assert_true(tr.attrs.special);
	assert_int_equal(ptsim_fork(e.t.mm, &child), 0);
	assert_u64_eq(mm_pte(child, e.va + 3 * e.size).pfn, tr.pfn);
	assert_machine_clean(e.t.m);
	mm_unmap_all(child);
	mm_unmap_all(e.t.mm);
	assert_machine_clean(e.t.m);
	assert_false(mm_frame(e.t.m, tr.pfn).free);
	ptsim_mm_destroy(e.t.mm);
	assert_false(mm_frame(e.t.m, tr.pfn).free);
	ptsim_mm_destroy(child);
	assert_true(mm_frame(e.t.m, tr.pfn).free);
	ptsim_mem_stats(e.t.m, &ms);
	assert_true(ms.free_pages > e.t.free0); /* the parent's top table too */
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

/* No huge page to be had: a small page, counted as thp_fault_fallback. */
static void test_fallback(void **state)
{
	bool seen = false;

	for (uint64_t nth = 1; nth < 16 && !seen; nth++) {
		struct thp_env e;
		struct ptsim_access_result r;
		int err;

		setup(&e, (const char *)*state, NULL);
		ptsim_fault_inject(e.t.m, nth, false);
		err = ptsim_access(e.t.mm, 0, e.va, W, &r);
		ptsim_fault_inject(e.t.m, 0, false);
		if (!err && ev(&e, PTSIM_VM_THP_FAULT_FALLBACK)) {
			assert_int_equal(r.signal, 0);
			assert_int_equal(mm_pte(e.t.mm, e.va).level, PTSIM_PTE);
			assert_u64_eq(ev(&e, PTSIM_VM_THP_FAULT_ALLOC), 0);
			assert_u64_eq(ptsim_meminfo(e.t.m, PTSIM_MEMINFO_ANONHUGEPAGES), 0);
			seen = true;
		}
		assert_machine_clean(e.t.m);
		mm_finish(&e.t);
	}
	assert_true(seen);
}

/* Write faults on a read-only huge PMD: reuse when exclusive, else split and CoW small. */
static void test_wp(void **state)
{
	struct thp_env e;
	struct ptsim_mm *child;
	uint64_t head, pa;

	setup(&e, (const char *)*state, NULL);
	mm_ok(e.t.mm, 0, e.va, W);
	head = mm_pte(e.t.mm, e.va).pfn;
	assert_int_equal(ptsim_fork(e.t.mm, &child), 0);
	assert_int_equal(mm_pte(child, e.va).level, PTSIM_PMD);
	assert_false(mm_pte(e.t.mm, e.va).attrs.write);
	assert_int_equal(mm_frame(e.t.m, head).entire_mapcount, 2);
	assert_machine_clean(e.t.m);
	/* Shared after fork: the parent's PMD is split, one page copied. */
	pa = mm_ok(e.t.mm, 0, e.va + 2 * e.t.psz, W);
	assert_true(pa >> ptsim_arch_page_shift(e.t.a) != head + 2);
	assert_int_equal(mm_pte(e.t.mm, e.va).level, PTSIM_PTE);
	assert_u64_eq(mm_pte(e.t.mm, e.va + e.t.psz).pfn, head + 1);
	assert_int_equal(mm_pte(child, e.va).level, PTSIM_PMD);
	assert_u64_eq(mm_counters(e.t.mm).cow, 1);
	assert_machine_clean(e.t.m);
	/* The child alone now: its write reuses the THP in place. */
	assert_int_equal(ptsim_munmap(e.t.mm, e.va, e.size), 0);
	mm_ok(child, 1, e.va + 5 * e.t.psz, W);
	assert_int_equal(mm_pte(child, e.va).level, PTSIM_PMD);
	assert_true(mm_pte(child, e.va).attrs.write);
	assert_u64_eq(mm_pte(child, e.va).pfn, head);
	assert_u64_eq(mm_counters(child).wp_reuse, 1);
	assert_machine_clean(e.t.m);
	ptsim_mm_destroy(child);
	mm_finish(&e.t);
}

/* split_huge_pmd(): every PTE carries the PMD's bits; counts move from entire to per page. */
static void check_split(struct thp_env *e, uint64_t head, bool dirty_ptes)
{
	struct ptsim_frame_info fi;

	for (uint64_t i = 0; i < e->nr; i += (e->nr > 64 ? 37 : 1)) {
		struct ptsim_translation tr = mm_pte(e->t.mm, e->va + i * e->t.psz);

		assert_int_equal(tr.level, PTSIM_PTE);
		assert_u64_eq(tr.pfn, head + i);
		assert_true(tr.attrs.write && tr.attrs.young);
		assert_int_equal(tr.attrs.dirty, dirty_ptes);
		assert_true(mm_frame(e->t.m, head + i).flags & (1ull << PTSIM_PG_anon_exclusive));
	}
	fi = mm_frame(e->t.m, head);
	assert_int_equal(fi.entire_mapcount, 0);
	assert_int_equal(fi.folio_mapcount, (int)e->nr);
	assert_int_equal(fi.refcount, (int)e->nr);
	assert_true(fi.folio_flags & (1ull << PTSIM_PG_dirty));
	assert_u64_eq(ptsim_meminfo(e->t.m, PTSIM_MEMINFO_ANONHUGEPAGES), 0);
	assert_u64_eq(ptsim_meminfo(e->t.m, PTSIM_MEMINFO_ANONPAGES), kb(e, e->nr));
}

static void test_split_pmd(void **state)
{
	struct thp_env e;
	uint64_t head, vmpte, ptes;

	setup(&e, (const char *)*state, NULL);
	mm_ok(e.t.mm, 0, e.va, W);
	head = mm_pte(e.t.mm, e.va).pfn;
	vmpte = ptsim_mm_pgtables_bytes(e.t.mm);
	ptes = ptsim_mm_nr_tables(e.t.mm, PTSIM_PTE);
	assert_int_equal(ptsim_split_huge_pmd(e.t.mm, e.va + 9 * e.t.psz, 0), 0);
	check_split(&e, head, true);
	/* The deposit became the PTE table: nothing allocated, VmPTE unchanged. */
	assert_u64_eq(ptsim_mm_pgtables_bytes(e.t.mm), vmpte);
	assert_u64_eq(ptsim_mm_nr_tables(e.t.mm, PTSIM_PTE), ptes);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 1);
	assert_u64_eq(mm_nr_violations(e.t.m), 0);
	assert_machine_clean(e.t.m);
	/* Errors: nothing huge there any more, not even a VMA, a bad flag. */
	assert_int_equal(ptsim_split_huge_pmd(e.t.mm, e.va, 0), -ENOENT);
	assert_non_null(strstr(ptsim_errmsg(e.t.m), "no THP"));
	assert_int_equal(ptsim_split_huge_pmd(e.t.mm, 0x10000, 0), -ENOENT);
	assert_int_equal(ptsim_split_huge_pmd(e.t.mm, e.va, 0x80), -EINVAL);
	assert_int_equal(ptsim_split_huge_pmd(NULL, e.va, 0), -EINVAL);
	mm_finish(&e.t);

	/* Before 0ccf7f168e17: clean PTEs, the folio alone remembers it was dirty. */
	setup(&e, (const char *)*state, "phys=8G,compat.thp_split_dirty=pre-6.1");
	mm_ok(e.t.mm, 0, e.va, W);
	head = mm_pte(e.t.mm, e.va).pfn;
	assert_int_equal(ptsim_split_huge_pmd(e.t.mm, e.va, 0), 0);
	check_split(&e, head, false);
	assert_machine_clean(e.t.m);
	mm_finish(&e.t);
}

/* The split invalidates the PMD first; skipping that is break-before-make broken on arm64. */
static void test_split_bbm(void **state)
{
	struct thp_env e;
	bool arm64;

	setup(&e, (const char *)*state, NULL);
	arm64 = ptsim_arch_kind(e.t.a) == PTSIM_ARCH_ARM64;
	mm_ok(e.t.mm, 0, e.va, W);
	mm_ok(e.t.mm, 1, e.va + e.size, W);
	mm_ok(e.t.mm, 2, e.va + 3, R);
	mm_ok(e.t.mm, 3, e.va + e.size + 3, R);
	assert_int_equal(ptsim_split_huge_pmd(e.t.mm, e.va, 0), 0);
	assert_u64_eq(mm_nr_violations(e.t.m), 0);
	assert_int_equal(ptsim_split_huge_pmd(e.t.mm, e.va + e.size, PTSIM_SPLIT_NO_BBM), 0);
	if (arm64) {
		struct ptsim_violation v;

		assert_true(ptsim_violations(e.t.m, &v, 1) >= 1);
		assert_int_equal(v.kind, PTSIM_VIOL_BBM);
		assert_int_equal(v.level, PTSIM_PMD);
		assert_string_equal(v.op, "split_huge_pmd");
		ptsim_violations_clear(e.t.m);
	} else {
		assert_u64_eq(mm_nr_violations(e.t.m), 0);
	}
	mm_finish(&e.t);
}

/* What cuts a THP splits it; what covers it acts on it whole. */
static void test_range_ops(void **state)
{
	struct thp_env e;
	uint64_t ptes;

	setup(&e, (const char *)*state, NULL);
	mm_ok(e.t.mm, 0, e.va, W);
	mm_ok(e.t.mm, 0, e.va + e.size, W);
	/* munmap of one page: split, the rest stays mapped. */
	assert_int_equal(ptsim_munmap(e.t.mm, e.va + 3 * e.t.psz, e.t.psz), 0);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 1);
	assert_u64_eq(mm_counters(e.t.mm).rss_anon, 2 * e.nr - 1);
	assert_int_equal(mm_pte(e.t.mm, e.va + 4 * e.t.psz).level, PTSIM_PTE);
	mm_sig(e.t.mm, 0, e.va + 3 * e.t.psz, R, PTSIM_SIGSEGV, PTSIM_SEGV_MAPERR);
	assert_machine_clean(e.t.m);
	/* mprotect of the whole second THP: no split, the PMD itself is read-only. */
	assert_int_equal(ptsim_mprotect(e.t.mm, e.va + e.size, e.size, PTSIM_PROT_READ), 0);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 1);
	assert_int_equal(mm_pte(e.t.mm, e.va + e.size).level, PTSIM_PMD);
	assert_false(mm_pte(e.t.mm, e.va + e.size).attrs.write);
	/* ...and back: the exclusive THP is made writable at once (change_huge_pmd()). */
	assert_int_equal(ptsim_mprotect(e.t.mm, e.va + e.size, e.size, RW), 0);
	assert_true(mm_pte(e.t.mm, e.va + e.size).attrs.write);
	assert_machine_clean(e.t.m);
	/* madvise(DONTNEED) of a whole THP frees it and its deposit without a split. */
	ptes = ptsim_mm_nr_tables(e.t.mm, PTSIM_PTE);
	assert_int_equal(ptsim_madvise(e.t.mm, e.va + e.size, e.size, PTSIM_MADV_DONTNEED), 0);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 1);
	assert_u64_eq(ptsim_mm_nr_tables(e.t.mm, PTSIM_PTE), ptes - 1);
	assert_u64_eq(mm_counters(e.t.mm).rss_anon, e.nr - 1);
	assert_machine_clean(e.t.m);
	/* mprotect of one page of a new THP: the VMA split cuts it. */
	mm_ok(e.t.mm, 0, e.va + e.size, W);
	assert_int_equal(mm_pte(e.t.mm, e.va + e.size).level, PTSIM_PMD);
	assert_int_equal(ptsim_mprotect(e.t.mm, e.va + e.size + e.t.psz, e.t.psz, PTSIM_PROT_READ),
			 0);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 2);
	assert_false(mm_pte(e.t.mm, e.va + e.size + e.t.psz).attrs.write);
	assert_true(mm_pte(e.t.mm, e.va + e.size).attrs.write);
	/* madvise(DONTNEED) of part of another THP splits it too. */
	assert_int_equal(
		ptsim_madvise(e.t.mm, e.va + e.size + 2 * e.t.psz, e.t.psz, PTSIM_MADV_DONTNEED),
		0);
	assert_machine_clean(e.t.m);
	mm_finish(&e.t);
}

/*
 * userfaultfd over THPs: write-protecting part of a THP splits it (the
 * change_protection() edges), a whole one gets the uffd-wp bit on the PMD
 * and a write traps to user space; unregistering part of a VMA splits the
 * THP the new boundary cuts (vma_adjust_trans_huge()).
 */
static void test_uffd_edges(void **state)
{
	struct thp_env e;
	struct ptsim_access_result r;
	struct ptsim_uffd_msg msg;
	struct ptsim_translation tr;

	setup(&e, (const char *)*state, NULL);
	assert_int_equal(ptsim_knob_set(e.t.m, "thp.enabled", "always"), 0);
	for (int i = 0; i < 3; i++)
		mm_ok(e.t.mm, 0, e.va + (uint64_t)i * e.size, W);
	assert_int_equal(mm_pte(e.t.mm, e.va + 2 * e.size).level, PTSIM_PMD);
	/* Registering every whole THP splits nothing. */
	assert_int_equal(
		ptsim_uffd_register(e.t.mm, e.va, 4 * e.size, PTSIM_UFFDIO_REGISTER_MODE_WP), 0);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 0);
	/* Part of THP 0 write-protected: split, the uffd-wp bit on that page only. */
	assert_int_equal(ptsim_uffdio_writeprotect(e.t.mm, e.va + e.t.psz, e.t.psz,
						   PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
			 0);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 1);
	tr = mm_pte(e.t.mm, e.va + e.t.psz);
	assert_int_equal(tr.level, PTSIM_PTE);
	assert_true(tr.attrs.uffd_wp && !tr.attrs.write);
	tr = mm_pte(e.t.mm, e.va);
	assert_true(!tr.attrs.uffd_wp && tr.attrs.write);
	assert_machine_clean(e.t.m);
	/* All of THP 1: the PMD itself carries uffd-wp; a write waits for user space. */
	assert_int_equal(ptsim_uffdio_writeprotect(e.t.mm, e.va + e.size, e.size,
						   PTSIM_UFFDIO_WRITEPROTECT_MODE_WP),
			 0);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 1);
	tr = mm_pte(e.t.mm, e.va + e.size);
	assert_int_equal(tr.level, PTSIM_PMD);
	assert_true(tr.attrs.uffd_wp && !tr.attrs.write);
	assert_int_equal(ptsim_access(e.t.mm, 0, e.va + e.size + 5 * e.t.psz, W, &r), 0);
	assert_true(r.userfault_pending);
	assert_int_equal(ptsim_uffd_read(e.t.mm, &msg), 0);
	assert_u64_eq(msg.flags, PTSIM_UFFD_PAGEFAULT_FLAG_WRITE | PTSIM_UFFD_PAGEFAULT_FLAG_WP);
	assert_u64_eq(msg.address, e.va + e.size + 5 * e.t.psz);
	/* Unprotected whole: writable again in place, still one PMD. */
	assert_int_equal(ptsim_uffdio_writeprotect(e.t.mm, e.va + e.size, e.size, 0), 0);
	mm_ok(e.t.mm, 0, e.va + e.size + 5 * e.t.psz, W);
	tr = mm_pte(e.t.mm, e.va + e.size);
	assert_int_equal(tr.level, PTSIM_PMD);
	assert_true(!tr.attrs.uffd_wp && tr.attrs.write);
	assert_machine_clean(e.t.m);
	/* Unregistering from the middle of THP 2 splits it at the VMA boundary. */
	assert_int_equal(
		ptsim_uffd_unregister(e.t.mm, e.va + 2 * e.size + e.size / 2, e.size / 2 + e.size),
		0);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 2);
	assert_int_equal(mm_pte(e.t.mm, e.va + 2 * e.size).level, PTSIM_PTE);
	assert_machine_clean(e.t.m);
	mm_finish(&e.t);
}

/* split_huge_page(): small folios (or smaller large ones), PG_dirty on each; pins refuse. */
static void test_split_page(void **state)
{
	struct thp_env e;
	struct ptsim_test_snap snap;
	struct ptsim_frame_info fi;
	uint64_t head, pin;

	setup(&e, (const char *)*state, NULL);
	mm_ok(e.t.mm, 0, e.va, W);
	head = mm_pte(e.t.mm, e.va).pfn;
	/* Bad requests. */
	assert_int_equal(ptsim_split_huge_page(e.t.mm, e.va, 1), -EINVAL);
	assert_int_equal(ptsim_split_huge_page(e.t.mm, e.va, 30), -EINVAL);
	assert_int_equal(ptsim_split_huge_page(e.t.mm, e.va + 3 * e.size, 0), -ENOENT);
	/* A pin refuses the split; nothing changes. */
	assert_int_equal(ptsim_pin_user_page(e.t.mm, e.va + 3 * e.t.psz, &pin), 0);
	assert_u64_eq(pin, head + 3);
	assert_machine_clean(e.t.m);
	ptsim_test_snap_take(&e.t, &snap);
	assert_int_equal(ptsim_split_huge_page(e.t.mm, e.va, 0), -EBUSY);
	assert_non_null(strstr(ptsim_errmsg(e.t.m), "pinned"));
	ptsim_test_snap_assert_same(&e.t, &snap);
	ptsim_test_snap_free(&snap);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PAGE_FAILED), 1);
	assert_int_equal(mm_pte(e.t.mm, e.va).level, PTSIM_PMD);
	assert_int_equal(ptsim_unpin_user_page(e.t.m, pin), 0);
	assert_int_equal(ptsim_unpin_user_page(e.t.m, pin), -EINVAL);
	/* Another THP to a smaller large order, where there is one: every part that order. */
	if (e.nr >= 8) {
		uint64_t head2;

		mm_ok(e.t.mm, 0, e.va + e.size, W);
		head2 = mm_pte(e.t.mm, e.va + e.size).pfn;
		assert_int_equal(ptsim_split_huge_page(e.t.mm, e.va + e.size + 5 * e.t.psz, 2), 0);
		fi = mm_frame(e.t.m, head2 + 5);
		assert_int_equal(fi.order, 2);
		assert_u64_eq(fi.head_pfn, head2 + 4);
		assert_int_equal(fi.refcount, 4);
		assert_int_equal(fi.folio_mapcount, 4);
		assert_true(fi.folio_flags & (1ull << PTSIM_PG_dirty));
		fi = mm_frame(e.t.m, head2 + e.nr - 1);
		assert_int_equal(fi.order, 2);
		assert_u64_eq(fi.head_pfn, head2 + e.nr - 4);
		assert_int_equal(mm_pte(e.t.mm, e.va + e.size).level, PTSIM_PTE);
		assert_machine_clean(e.t.m);
		/* An order-2 folio splits on to small ones; its neighbours stay. */
		assert_int_equal(ptsim_split_huge_page(e.t.mm, e.va + e.size + 5 * e.t.psz, 0), 0);
		assert_int_equal(mm_frame(e.t.m, head2 + 5).order, 0);
		assert_int_equal(mm_frame(e.t.m, head2 + 9).order, 2);
		assert_machine_clean(e.t.m);
	}
	/* Then to small pages: each its own folio, dirty, mapped once. */
	assert_int_equal(ptsim_split_huge_page(e.t.mm, e.va, 0), 0);
	for (uint64_t i = 0; i < e.nr; i += (e.nr > 64 ? 41 : 1)) {
		fi = mm_frame(e.t.m, head + i);
		assert_int_equal(fi.order, 0);
		assert_u64_eq(fi.head_pfn, head + i);
		assert_int_equal(fi.refcount, 1);
		assert_int_equal(fi.mapcount, 1);
		assert_true(fi.folio_flags & (1ull << PTSIM_PG_dirty));
	}
	assert_int_equal(ptsim_split_huge_page(e.t.mm, e.va, 0), -EINVAL); /* not large now */
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PAGE), e.nr >= 8 ? 3 : 1);
	assert_machine_clean(e.t.m);
	/* A small page can be pinned and unpinned too (GUP_PIN_COUNTING_BIAS). */
	assert_int_equal(ptsim_pin_user_page(e.t.mm, e.va, &pin), 0);
	assert_int_equal(mm_frame(e.t.m, pin).refcount, 1025);
	assert_machine_clean(e.t.m);
	assert_int_equal(ptsim_unpin_user_page(e.t.m, pin), 0);
	assert_int_equal(ptsim_pin_user_page(e.t.mm, e.va + 3 * e.size, &pin), -EFAULT);
	mm_finish(&e.t);
}

/* The folio split reaches every PMD mapping, in every address space. */
static void test_split_page_shared(void **state)
{
	struct thp_env e;
	struct ptsim_mm *child;
	uint64_t head;

	setup(&e, (const char *)*state, NULL);
	mm_ok(e.t.mm, 0, e.va, W);
	head = mm_pte(e.t.mm, e.va).pfn;
	assert_int_equal(ptsim_fork(e.t.mm, &child), 0);
	assert_int_equal(ptsim_split_huge_page(child, e.va, 0), 0);
	assert_int_equal(mm_pte(e.t.mm, e.va).level, PTSIM_PTE);
	assert_int_equal(mm_pte(child, e.va).level, PTSIM_PTE);
	assert_int_equal(mm_frame(e.t.m, head + 7).refcount, 2);
	assert_int_equal(mm_frame(e.t.m, head + 7).mapcount, 2);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 2);
	assert_machine_clean(e.t.m);
	ptsim_mm_destroy(child);
	mm_finish(&e.t);
}

/* The kernel's mkdirty selftest (tools/testing/selftests/mm/mkdirty.c, PTE-mapped THP case). */
static void mkdirty_case(const char *arch, const char *opts, bool bug)
{
	struct thp_env e;
	unsigned int writable = 0;
	char knob[16];
	bool dirty;

	setup(&e, arch, opts);
	mm_ok(e.t.mm, 0, e.va, W); /* a dirty THP */
	assert_int_equal(mm_pte(e.t.mm, e.va).level, PTSIM_PMD);
	assert_int_equal(ptsim_mprotect(e.t.mm, e.va, e.size, PTSIM_PROT_READ), 0);
	/*
	 * Still dirty, except on x86 with compat.x86_pmd_modify_drops_dirty (the
	 * default): its pmd_modify() masks the D bit out, so there is nothing to
	 * carry and no bug to show.
	 */
	dirty = mm_pte(e.t.mm, e.va).attrs.dirty;
	assert_int_equal(
		ptsim_knob_get(e.t.m, "compat.x86_pmd_modify_drops_dirty", knob, sizeof(knob)), 0);
	assert_true(dirty == (strncmp(arch, "x86", 3) != 0 || !strcmp(knob, "off")));
	bug = bug && dirty;
	/* PTE-map it by making only its last subpage writable. */
	assert_int_equal(ptsim_mprotect(e.t.mm, e.va + e.size - e.t.psz, e.t.psz, RW), 0);
	for (uint64_t i = 0; i < e.nr; i++)
		writable += mm_pte(e.t.mm, e.va + i * e.t.psz).attrs.write;
	if (bug) {
		/* pte_mkdirty() granted write: every PTE writable, the write goes through. */
		assert_int_equal(writable, e.nr);
		mm_ok(e.t.mm, 0, e.va, W);
	} else {
		assert_int_equal(writable, 1);
		mm_sig(e.t.mm, 0, e.va, W, PTSIM_SIGSEGV, PTSIM_SEGV_ACCERR);
	}
	mm_ok(e.t.mm, 0, e.va + e.size - e.t.psz, W);
	assert_machine_clean(e.t.m);
	mm_finish(&e.t);
}

static void test_mkdirty(void **state)
{
	mkdirty_case((const char *)*state, NULL, false);
	mkdirty_case((const char *)*state, "phys=8G,compat.thp_split_dirty=pre-6.1", false);
	/*
	 * sparc64's pte_mkdirty() also set write: with the carry every PTE of
	 * the split became writable (the regression the selftest catches);
	 * before the carry the PTEs were never dirtied, so no harm.
	 */
	mkdirty_case((const char *)*state, "phys=8G,compat.mkdirty_sets_write=on", true);
	mkdirty_case((const char *)*state,
		     "phys=8G,compat.thp_split_dirty=pre-6.1,compat.mkdirty_sets_write=on", false);
	/* x86 with f7491d7c81db keeps the PMD dirty: the regression shows there too. */
	mkdirty_case((const char *)*state,
		     "phys=8G,compat.x86_pmd_modify_drops_dirty=off,compat.mkdirty_sets_write=on",
		     true);
	mkdirty_case((const char *)*state, "phys=8G,compat.x86_pmd_modify_drops_dirty=off", false);
}

/*
 * Every allocation point of a first THP fault (tables on the way, the
 * deposit, the folio, the anon_vma), failed in turn on a fresh machine:
 * each failure is either VM_FAULT_OOM with nothing changed or, where the
 * huge folio itself is what failed, a small page (thp_fault_fallback).
 */
static void test_fault_every_point(void **state)
{
	unsigned int ooms = 0, fallbacks = 0;

	for (uint64_t nth = 1;; nth++) {
		struct thp_env e;
		struct ptsim_test_snap snap;
		struct ptsim_access_result r;
		uint64_t injected;
		int err;

		assert_true(nth < 64);
		setup(&e, (const char *)*state, NULL);
		ptsim_test_snap_take(&e.t, &snap);
		injected = ptsim_fault_injected(e.t.m);
		ptsim_fault_inject(e.t.m, nth, false);
		err = ptsim_access(e.t.mm, 0, e.va, W, &r);
		ptsim_fault_inject(e.t.m, 0, false);
		if (ptsim_fault_injected(e.t.m) == injected) {
			/* Past the last point: the THP. */
			assert_int_equal(err, 0);
			assert_int_equal(mm_pte(e.t.mm, e.va).level, PTSIM_PMD);
			ptsim_test_snap_free(&snap);
			mm_finish(&e.t);
			break;
		}
		if (err) {
			assert_int_equal(err, -ENOMEM);
			assert_true(r.fault & PTSIM_VM_FAULT_OOM);
			ptsim_test_snap_assert_same(&e.t, &snap);
			ooms++;
		} else {
			assert_int_equal(r.signal, 0);
			assert_u64_eq(ev(&e, PTSIM_VM_THP_FAULT_FALLBACK), 1);
			assert_int_equal(mm_pte(e.t.mm, e.va).level, PTSIM_PTE);
			fallbacks++;
		}
		assert_machine_clean(e.t.m);
		ptsim_test_snap_free(&snap);
		mm_finish(&e.t);
	}
	/* The folio's own points (its frames, and where it is the first user of a section, the
	 * section's records) each give a fallback. */
	assert_true(ooms >= 1);
	assert_true(fallbacks >= 1 && fallbacks <= 2);
}

/* The splits allocate nothing: the deposit is the PTE table, the folio split is in place. */
static void test_split_no_alloc(void **state)
{
	struct thp_env e;
	uint64_t points;

	setup(&e, (const char *)*state, NULL);
	mm_ok(e.t.mm, 0, e.va, W);
	mm_ok(e.t.mm, 0, e.va + e.size, R); /* the huge zero folio */
	points = ptsim_alloc_points(e.t.m);
	ptsim_fault_inject(e.t.m, 1, true); /* any allocation would fail */
	assert_int_equal(ptsim_split_huge_pmd(e.t.mm, e.va + e.size, 0), 0);
	assert_int_equal(ptsim_split_huge_page(e.t.mm, e.va, 0), 0);
	ptsim_fault_inject(e.t.m, 0, false);
	assert_u64_eq(ptsim_alloc_points(e.t.m), points);
	assert_u64_eq(ev(&e, PTSIM_VM_THP_SPLIT_PMD), 2);
	assert_machine_clean(e.t.m);
	/* (not mm_finish(): the address space still holds the huge zero folio) */
	mm_unmap_all(e.t.mm);
	assert_machine_clean(e.t.m);
	ptsim_test_env_fini(&e.t);
}

static int op_thp_fault(struct ptsim_test_env *t, void *arg)
{
	struct thp_env *e = arg;
	struct ptsim_access_result r;

	(void)t;
	return ptsim_access(e->t.mm, 0, e->va + e->size + 7, W, &r);
}

static int op_fork_thp(struct ptsim_test_env *t, void *arg)
{
	struct ptsim_mm **child = arg;

	return ptsim_fork(t->mm, child);
}

static void test_failure_sweep(void **state)
{
	struct thp_env e;
	struct ptsim_mm *child = NULL;

	setup(&e, (const char *)*state, NULL);
	mm_ok(e.t.mm, 0, e.va, W);
	/* The THP fault: each failure is OOM with nothing changed, or a small-page fallback. */
	(void)ptsim_test_sweep(&e.t, op_thp_fault, &e, 32);
	assert_machine_clean(e.t.m);
	assert_true(ptsim_test_sweep(&e.t, op_fork_thp, &child, 64) >= 1);
	assert_non_null(child);
	assert_machine_clean(e.t.m);
	ptsim_mm_destroy(child);
	mm_finish(&e.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_policy),
		PTSIM_ARCH_TESTS(test_fault),
		PTSIM_ARCH_TESTS(test_fallback),
		PTSIM_ARCH_TESTS(test_wp),
		PTSIM_ARCH_TESTS(test_split_pmd),
		PTSIM_ARCH_TESTS(test_split_bbm),
		PTSIM_ARCH_TESTS(test_range_ops),
		PTSIM_ARCH_TESTS(test_uffd_edges),
		PTSIM_ARCH_TESTS(test_fault_every_point),
		PTSIM_ARCH_TESTS(test_split_no_alloc),
		PTSIM_ARCH_TESTS(test_split_page),
		PTSIM_ARCH_TESTS(test_split_page_shared),
		PTSIM_ARCH_TESTS(test_mkdirty),
		PTSIM_ARCH_TESTS(test_failure_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
