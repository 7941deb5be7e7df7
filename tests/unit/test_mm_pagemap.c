// SPDX-License-Identifier: MIT
/*
 * test_mm_pagemap.c - /proc/PID/pagemap words (whole 64-bit values) and
 * clear_refs 4; non-present entries (hwpoison, markers) through the fault
 * handler and pagemap.
 */
#include <errno.h>

#include "mm_helpers.h"

static uint64_t pm(struct ptsim_mm *mm, uint64_t va)
{
	uint64_t w;

	assert_int_equal(ptsim_pagemap(mm, va, &w), 0);
	return w;
}

static void test_pagemap_words(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_file *f;
	struct ptsim_mm *child;
	bool x86 = strncmp(*state, "x86", 3) == 0;
	uint64_t sd = x86 ? PTSIM_PM_SOFT_DIRTY : 0; /* VM_SOFTDIRTY / pte soft-dirty: x86 only */
	uint64_t a, fa, pfn, words[4];

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	/* Outside a VMA: 0; a hole inside one: only VM_SOFTDIRTY. */
	assert_u64_eq(pm(t.mm, BASE - t.psz), 0);
	assert_u64_eq(pm(t.mm, a), sd);
	/* The zero page: present, its PFN, neither file nor exclusive. */
	mm_ok(t.mm, 0, a, R);
	assert_u64_eq(pm(t.mm, a + 5), PTSIM_PM_PRESENT | sd | ptsim_zero_pfn(t.m));
	/* A private page mapped once: exclusive. */
	mm_ok(t.mm, 0, a + t.psz, W);
	pfn = mm_pte(t.mm, a + t.psz).pfn;
	assert_u64_eq(pm(t.mm, a + t.psz), PTSIM_PM_PRESENT | PTSIM_PM_MMAP_EXCLUSIVE | sd | pfn);
	/* Shared with a child: no longer exclusive. */
	assert_int_equal(ptsim_fork(t.mm, &child), 0);
	assert_u64_eq(pm(t.mm, a + t.psz), PTSIM_PM_PRESENT | sd | pfn);
	assert_u64_eq(pm(child, a + t.psz), PTSIM_PM_PRESENT | sd | pfn);
	ptsim_mm_destroy(child);
	assert_u64_eq(pm(t.mm, a + t.psz), PTSIM_PM_PRESENT | PTSIM_PM_MMAP_EXCLUSIVE | sd | pfn);
	/* A file page: bit 61. */
	assert_int_equal(ptsim_file_create(t.m, t.psz, &f), 0);
	fa = mm_map(t.mm, 0, t.psz, PTSIM_PROT_READ, PTSIM_MAP_SHARED, f, 0);
	mm_ok(t.mm, 0, fa, R);
	assert_u64_eq(pm(t.mm, fa), PTSIM_PM_PRESENT | PTSIM_PM_FILE | PTSIM_PM_MMAP_EXCLUSIVE |
					    sd | mm_pte(t.mm, fa).pfn);
	/* The range call gives the same words. */
	assert_int_equal(ptsim_pagemap_range(t.mm, a, a + 4 * t.psz, words, 4), 4);
	assert_u64_eq(words[1], pm(t.mm, a + t.psz));
	assert_u64_eq(words[3], sd);
	assert_int_equal(ptsim_pagemap_range(t.mm, a + 1, a + t.psz, words, 4), -EINVAL);
	assert_int_equal(ptsim_pagemap(t.mm, 1ull << 63 | 0x1000, &words[0]), -EINVAL);
	assert_machine_clean(t.m);
	ptsim_file_close(f);
	mm_finish(&t);
}

static void test_clear_refs_soft_dirty(void **state)
{
	struct ptsim_test_env t;
	bool x86 = strncmp(*state, "x86", 3) == 0;
	struct ptsim_access_result r;
	struct ptsim_vma_info v;
	uint64_t a, pfn;

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, a, W);
	pfn = mm_pte(t.mm, a).pfn;
	assert_int_equal(ptsim_clear_refs(t.mm, 1), -EINVAL);
	assert_int_equal(ptsim_clear_refs(t.mm, PTSIM_CLEAR_REFS_SOFT_DIRTY), 0);
	assert_int_equal(ptsim_vma_info(t.mm, a, &v), 0);
	assert_false(v.flags & PTSIM_VM_SOFTDIRTY);
	if (!x86) {
		/* arm64 has no soft-dirty tracking: nothing changed. */
		assert_true(mm_pte(t.mm, a).attrs.write);
		assert_u64_eq(pm(t.mm, a), PTSIM_PM_PRESENT | PTSIM_PM_MMAP_EXCLUSIVE | pfn);
		mm_finish(&t);
		return;
	}
	/* Clean and write-protected; the untouched page is no longer soft-dirty either. */
	assert_u64_eq(pm(t.mm, a), PTSIM_PM_PRESENT | PTSIM_PM_MMAP_EXCLUSIVE | pfn);
	assert_u64_eq(pm(t.mm, a + t.psz), 0);
	assert_false(mm_pte(t.mm, a).attrs.write);
	/* A read does not make it soft-dirty; a write faults and does (page reused). */
	assert_int_equal(mm_acc(t.mm, 0, a, R).nr_faults, 0);
	assert_u64_eq(pm(t.mm, a), PTSIM_PM_PRESENT | PTSIM_PM_MMAP_EXCLUSIVE | pfn);
	r = mm_acc(t.mm, 0, a, W);
	assert_int_equal(r.nr_faults, 1);
	assert_u64_eq(mm_pte(t.mm, a).pfn, pfn);
	assert_u64_eq(pm(t.mm, a),
		      PTSIM_PM_PRESENT | PTSIM_PM_MMAP_EXCLUSIVE | PTSIM_PM_SOFT_DIRTY | pfn);
	/* mprotect does not make a clean entry writable while soft-dirty tracking is on. */
	assert_int_equal(ptsim_clear_refs(t.mm, PTSIM_CLEAR_REFS_SOFT_DIRTY), 0);
	assert_int_equal(ptsim_mprotect(t.mm, a, t.psz, PTSIM_PROT_READ), 0);
	assert_int_equal(ptsim_mprotect(t.mm, a, t.psz, RW), 0);
	assert_false(mm_pte(t.mm, a).attrs.write);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

static void test_nonpresent_entries(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_access_result r;
	ptsim_pte_t e;
	bool x86 = strncmp(*state, "x86", 3) == 0;
	uint64_t sd = x86 ? PTSIM_PM_SOFT_DIRTY : 0;
	uint64_t a, pfn, hwp, mk;

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, a + 3 * t.psz, W); /* the PTE table */
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &pfn), 0);
	/* A hwpoison entry: SIGBUS BUS_MCEERR_AR with fault_addr_lsb = PAGE_SHIFT. */
	assert_int_equal(ptsim_mk_hwpoison_entry(t.m, pfn, &e), 0);
	ptsim_test_install_pte(&t, a, e.val);
	r = mm_acc(t.mm, 0, a + 12, R);
	assert_int_equal(r.signal, PTSIM_SIGBUS);
	assert_int_equal(r.si_code, PTSIM_BUS_MCEERR_AR);
	assert_u64_eq(r.fault_addr, a + 12);
	assert_int_equal(r.fault_addr_lsb, ptsim_arch_page_shift(t.a));
	assert_true(r.fault & PTSIM_VM_FAULT_HWPOISON);
	hwp = (uint64_t)ptsim_swp_type_code(t.m, PTSIM_SOFTLEAF_HWPOISON);
	assert_u64_eq(pm(t.mm, a), PTSIM_PM_SWAP | sd | hwp | pfn << 5);
	/* A guard marker: SIGSEGV. */
	assert_int_equal(ptsim_mk_pte_marker(t.m, PTSIM_PTE_MARKER_GUARD, &e), 0);
	ptsim_test_install_pte(&t, a + t.psz, e.val);
	mm_sig(t.mm, 0, a + t.psz, R, PTSIM_SIGSEGV, PTSIM_SEGV_MAPERR);
	mk = (uint64_t)ptsim_swp_type_code(t.m, PTSIM_SOFTLEAF_MARKER);
	assert_u64_eq(pm(t.mm, a + t.psz), PTSIM_PM_SWAP | PTSIM_PM_GUARD_REGION | sd | mk |
						   PTSIM_PTE_MARKER_GUARD << 5);
	/* A uffd-wp marker in a VMA that is not uffd-wp registered: dropped, page faulted in. */
	assert_int_equal(ptsim_mk_pte_marker(t.m, PTSIM_PTE_MARKER_UFFD_WP, &e), 0);
	ptsim_test_install_pte(&t, a + 2 * t.psz, e.val);
	assert_u64_eq(pm(t.mm, a + 2 * t.psz),
		      PTSIM_PM_SWAP | PTSIM_PM_UFFD_WP | sd | mk | PTSIM_PTE_MARKER_UFFD_WP << 5);
	mm_ok(t.mm, 0, a + 2 * t.psz, W);
	assert_true(mm_pte(t.mm, a + 2 * t.psz).attrs.write);
	assert_machine_clean(t.m);
	/* munmap drops markers and hwpoison entries with the rest. */
	mm_unmap_all(t.mm);
	assert_int_equal(ptsim_free_pages(t.m, pfn, 0), 0);
	mm_finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_pagemap_words),
		PTSIM_ARCH_TESTS(test_clear_refs_soft_dirty),
		PTSIM_ARCH_TESTS(test_nonpresent_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
