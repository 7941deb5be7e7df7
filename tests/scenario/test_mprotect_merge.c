// SPDX-License-Identifier: MIT
/*
 * test_mprotect_merge.c - scenario: mprotect splits a populated VMA, the
 * entries change with it (and no CPU keeps using a stale writable
 * translation), then the VMAs merge back and the pages become writable
 * again without faults (they are exclusively owned).
 */
#include <errno.h>

#include "mm_helpers.h"

static void test_mprotect_split_and_remerge(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_vma_info v;
	uint64_t a, n = 8, pa[8];

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, n * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	for (uint64_t i = 0; i < n; i++) {
		pa[i] = mm_ok(t.mm, 0, a + i * t.psz, W);
		mm_ok(t.mm, 2, a + i * t.psz, W);
	}
	/* Read-only in the middle: three VMAs, read-only entries, flushed on both CPUs. */
	assert_int_equal(ptsim_mprotect(t.mm, a + 2 * t.psz, 3 * t.psz, PTSIM_PROT_READ), 0);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 3);
	assert_false(mm_pte(t.mm, a + 3 * t.psz).attrs.write);
	assert_true(mm_pte(t.mm, a + 5 * t.psz).attrs.write);
	mm_sig(t.mm, 0, a + 3 * t.psz, W, PTSIM_SIGSEGV, PTSIM_SEGV_ACCERR);
	mm_sig(t.mm, 2, a + 2 * t.psz, W, PTSIM_SIGSEGV, PTSIM_SEGV_ACCERR);
	assert_u64_eq(mm_ok(t.mm, 2, a + 4 * t.psz, R), pa[4]);
	/* PROT_NONE on one page of it: a fourth VMA, no access at all. */
	assert_int_equal(ptsim_mprotect(t.mm, a + 4 * t.psz, t.psz, PTSIM_PROT_NONE), 0);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 4);
	mm_sig(t.mm, 2, a + 4 * t.psz, R, PTSIM_SIGSEGV, PTSIM_SEGV_ACCERR);
	assert_machine_clean(t.m);
	/* Back to read-write: one VMA, the same pages, writable with no fault. */
	assert_int_equal(ptsim_mprotect(t.mm, a + 2 * t.psz, 3 * t.psz, RW), 0);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 1);
	assert_int_equal(ptsim_vma_info(t.mm, a, &v), 0);
	assert_u64_eq(v.start, a);
	assert_u64_eq(v.end, a + n * t.psz);
	for (uint64_t i = 0; i < n; i++) {
		struct ptsim_access_result r = mm_acc(t.mm, 0, a + i * t.psz, W);

		assert_int_equal(r.signal, 0);
		assert_int_equal(r.nr_faults, 0);
		assert_u64_eq(r.pa, pa[i]);
	}
	assert_u64_eq(mm_counters(t.mm).cow, 0);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	assert_machine_clean(t.m);
	mm_finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_mprotect_split_and_remerge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
