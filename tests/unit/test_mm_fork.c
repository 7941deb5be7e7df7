// SPDX-License-Identifier: MIT
/*
 * test_mm_fork.c - fork(): which page tables are copied and which are left
 * to fault (vma_needs_copy()), what copied entries become, counts,
 * allocation failure, exit.
 */
#include <errno.h>

#include "mm_helpers.h"

static bool mapped(struct ptsim_mm *mm, uint64_t va)
{
	struct ptsim_translation tr;

	return ptsim_translate(mm, va, &tr) == 0;
}

static void test_fork_copies_like_the_kernel(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_file *mf, *f;
	struct ptsim_mm *child;
	struct ptsim_vma_info v;
	struct ptsim_mm_counters c;
	uint64_t anon_w, anon_r, shm, filep, pfn;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_memfd_create(t.m, 4 * t.psz, &mf), 0);
	assert_int_equal(ptsim_file_create(t.m, 4 * t.psz, &f), 0);
	anon_w = mm_map(t.mm, BASE, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	anon_r = mm_map(t.mm, BASE + 16 * t.psz, 2 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	shm = mm_map(t.mm, 0, 2 * t.psz, RW, PTSIM_MAP_SHARED, mf, 0);
	filep = mm_map(t.mm, 0, 2 * t.psz, PTSIM_PROT_READ, PTSIM_MAP_PRIVATE, f, 0);
	mm_ok(t.mm, 0, anon_w, W); /* anon_vma: copied */
	mm_ok(t.mm, 0, anon_r, R); /* zero page only, no anon_vma: left to fault */
	mm_ok(t.mm, 0, shm, W);	   /* shared shmem: left to fault */
	mm_ok(t.mm, 0, filep, R);  /* private file, never written: left to fault */
	pfn = mm_pte(t.mm, anon_w).pfn;
	assert_int_equal(ptsim_fork(t.mm, &child), 0);
	assert_machine_clean(t.m);
	assert_u64_eq(ptsim_mm_nr_vmas(child), ptsim_mm_nr_vmas(t.mm));
	assert_int_equal(ptsim_vma_info(child, anon_w, &v), 0);
	assert_true(v.has_anon_vma);
	assert_true(mapped(child, anon_w));
	assert_false(mapped(child, anon_r));
	assert_false(mapped(child, shm));
	assert_false(mapped(child, filep));
	/* The copied entry: read-only in both, old in the child, same page. */
	assert_false(mm_pte(t.mm, anon_w).attrs.write);
	assert_false(mm_pte(child, anon_w).attrs.write);
	assert_false(mm_pte(child, anon_w).attrs.young);
	assert_u64_eq(mm_pte(child, anon_w).pfn, pfn);
	c = mm_counters(child);
	assert_u64_eq(c.rss_anon, 1);
	assert_u64_eq(c.pgfault, 0);
	/* The child reads the shared memory through its own fault: the same page. */
	mm_ok(child, 1, shm, R);
	assert_u64_eq(mm_pte(child, shm).pfn, mm_pte(t.mm, shm).pfn);
	assert_true(mm_pte(child, shm).attrs.write);
	/* Exit of the child: everything it held is dropped. */
	ptsim_mm_destroy(child);
	assert_int_equal(mm_frame(t.m, pfn).mapcount, 1);
	assert_int_equal(mm_frame(t.m, pfn).refcount, 1);
	/* ... and the parent's next write reuses the page (refcount 1). */
	assert_int_equal(mm_acc(t.mm, 0, anon_w, W).nr_faults, 1);
	assert_u64_eq(mm_pte(t.mm, anon_w).pfn, pfn);
	assert_u64_eq(mm_counters(t.mm).wp_reuse, 1);
	assert_u64_eq(mm_nr_violations(t.m), 0);
	assert_machine_clean(t.m);
	ptsim_file_close(mf);
	ptsim_file_close(f);
	mm_finish(&t);
}

/* The child's page tables mirror the parent's under copied VMAs. */
static void test_fork_tables(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mm *child;
	uint64_t pmd = ptsim_arch_level_size(ptsim_arch_lookup(*state), PTSIM_PMD), a;

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, 4 * pmd, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	for (int i = 0; i < 4; i++)
		mm_ok(t.mm, 0, a + i * pmd, W);
	/* DONTNEED empties a PTE table; fork still gives the child one (copy_pte_range()). */
	assert_int_equal(ptsim_madvise(t.mm, a + pmd, t.psz, PTSIM_MADV_DONTNEED), 0);
	assert_int_equal(ptsim_fork(t.mm, &child), 0);
	assert_u64_eq(ptsim_mm_pgtables_bytes(child), ptsim_mm_pgtables_bytes(t.mm));
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		assert_u64_eq(ptsim_mm_nr_tables(child, (enum ptsim_level)l),
			      ptsim_mm_nr_tables(t.mm, (enum ptsim_level)l));
	assert_u64_eq(mm_counters(child).rss_anon, 3);
	assert_machine_clean(t.m);
	ptsim_mm_destroy(child);
	mm_finish(&t);
}

static void test_fork_fails_cleanly(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mm *child = NULL;
	unsigned int fails = 0;
	uint64_t a;

	ptsim_test_env_init(&t, *state, NULL);
	a = mm_map(t.mm, BASE, 4 * t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, a, W);
	mm_ok(t.mm, 0, a + 3 * t.psz, W);
	for (uint64_t nth = 1;; nth++) {
		struct ptsim_test_snap s;
		int err;

		ptsim_test_snap_take(&t, &s);
		ptsim_fault_inject(t.m, nth, false);
		err = ptsim_fork(t.mm, &child);
		ptsim_fault_inject(t.m, 0, false);
		if (!err) {
			ptsim_test_snap_free(&s);
			break;
		}
		assert_int_equal(err, -ENOMEM);
		/* The parent is untouched: still writable, still exclusive. */
		ptsim_test_snap_assert_same(&t, &s);
		ptsim_test_snap_free(&s);
		assert_true(mm_pte(t.mm, a).attrs.write);
		assert_machine_clean(t.m);
		fails++;
		assert_true(nth < 100);
	}
	assert_true(fails >= 4); /* VMA array, VMA, tables, child mm, its root table */
	assert_false(mm_pte(t.mm, a).attrs.write);
	assert_machine_clean(t.m);
	ptsim_mm_destroy(child);
	mm_finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_fork_copies_like_the_kernel),
		PTSIM_ARCH_TESTS(test_fork_tables),
		PTSIM_ARCH_TESTS(test_fork_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
