// SPDX-License-Identifier: MIT
/*
 * test_fork_cow.c - scenario: a process writes its memory, forks, and the
 * parent (CPU 0) and the child (CPU 1) share it copy-on-write.  Each side
 * keeps seeing its own pages through its own TLB; the fork's
 * write-protection is flushed from every CPU the parent ran on; nothing is
 * freed while cached; the counts are right all along.
 */
#include <errno.h>

#include "mm_helpers.h"

#define NPAGES 8

static void test_fork_cow_two_cpus(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mm *child;
	struct ptsim_tlb_stats before, after;
	uint64_t a, pa[NPAGES];

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, NPAGES * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	/* The parent ran on CPUs 0 and 1 and wrote every page: writable entries cached on both. */
	for (int i = 0; i < NPAGES; i++) {
		pa[i] = mm_ok(t.mm, 0, a + i * t.psz, W);
		assert_u64_eq(mm_ok(t.mm, 1, a + i * t.psz, W), pa[i]);
	}
	ptsim_tlb_stats_total(t.m, &before);
	assert_int_equal(ptsim_fork(t.mm, &child), 0);
	ptsim_tlb_stats_total(t.m, &after);
	/* flush_tlb_mm(parent) reached CPU 1 by IPI. */
	assert_u64_eq(after.flushes[PTSIM_FLUSH_MM] - before.flushes[PTSIM_FLUSH_MM], 1);
	assert_u64_eq(after.ipis - before.ipis, 1);
	assert_machine_clean(t.m);
	/* Parent on CPU 1: the stale writable entry is gone, a write faults. */
	assert_int_equal(mm_acc(t.mm, 1, a, W).nr_faults, 1);
	/* That page had two mappings: the parent got a copy. */
	assert_true(mm_pte(t.mm, a).pfn * t.psz != pa[0]);
	/* The child, on CPU 1 too (another ASID), reads the original pages. */
	for (int i = 0; i < NPAGES; i++)
		assert_u64_eq(mm_ok(child, 1, a + i * t.psz, R), pa[i]);
	/* The child writes pages 1..3 on CPU 1: copies; the parent still sees the originals. */
	for (int i = 1; i < 4; i++) {
		assert_true(mm_ok(child, 1, a + i * t.psz, W) != pa[i]);
		assert_u64_eq(mm_ok(t.mm, 0, a + i * t.psz, R), pa[i]);
	}
	assert_u64_eq(mm_counters(child).cow, 3);
	/* The parent writes pages 1..3: now only its own, reused without copying. */
	for (int i = 1; i < 4; i++)
		assert_u64_eq(mm_ok(t.mm, 0, a + i * t.psz, W), pa[i]);
	assert_u64_eq(mm_counters(t.mm).wp_reuse, 3);
	assert_u64_eq(mm_counters(t.mm).cow, 1);
	/* Pages 4..7 are still shared: mapcount 2. */
	for (int i = 4; i < NPAGES; i++)
		assert_int_equal(mm_frame(t.m, pa[i] / t.psz).mapcount, 2);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	assert_machine_clean(t.m);
	/* The parent exits first; the child keeps every page it maps. */
	mm_unmap_all(t.mm);
	for (int i = 4; i < NPAGES; i++)
		assert_u64_eq(mm_ok(child, 1, a + i * t.psz, R), pa[i]);
	assert_u64_eq(mm_ok(child, 1, a, R), pa[0]);
	ptsim_mm_destroy(child);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	mm_finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_fork_cow_two_cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
