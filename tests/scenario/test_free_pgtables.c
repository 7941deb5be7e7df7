// SPDX-License-Identifier: MIT
/*
 * test_free_pgtables.c - scenario: partial munmaps free exactly the page
 * tables the kernel's floor/ceiling rule frees - a table goes only when no
 * remaining VMA overlaps the span it translates - and no others.
 */
#include <errno.h>

#include "mm_helpers.h"

#define B (1ull << 36) /* aligned to every configuration's upper-table spans used here */

static uint64_t nr(struct ptsim_test_env *t, enum ptsim_level l)
{
	return ptsim_mm_nr_tables(t->mm, l);
}

static void snap_tables(struct ptsim_test_env *t, uint64_t *out)
{
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		out[l] = nr(t, (enum ptsim_level)l);
}

/* Every table above the PTE level is as in @want; the PTE tables number @ptes. */
static void expect_tables(struct ptsim_test_env *t, const uint64_t *want, uint64_t ptes)
{
	for (int l = 0; l < PTSIM_PTE; l++)
		assert_u64_eq(nr(t, (enum ptsim_level)l), want[l]);
	assert_u64_eq(nr(t, PTSIM_PTE), ptes);
	assert_machine_clean(t->m);
}

/* Only the root is left. */
static void expect_empty(struct ptsim_test_env *t)
{
	for (int l = PTSIM_P4D; l < PTSIM_NR_LEVELS; l++)
		assert_u64_eq(nr(t, (enum ptsim_level)l), 0);
	assert_u64_eq(nr(t, PTSIM_PGD), 1);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t->mm), 0);
}

/* Two VMAs in one PTE table: unmapping one frees nothing, the second everything. */
static void test_shared_pte_table(void **state)
{
	struct ptsim_test_env t;
	uint64_t upper[PTSIM_NR_LEVELS];

	ptsim_test_env_init(&t, *state, NULL);
	mm_map(t.mm, B, t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_map(t.mm, B + 2 * t.psz, t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, B, W);
	mm_ok(t.mm, 0, B + 2 * t.psz, W);
	snap_tables(&t, upper);
	assert_u64_eq(upper[PTSIM_PTE], 1);
	assert_int_equal(ptsim_munmap(t.mm, B + 2 * t.psz, t.psz), 0);
	expect_tables(&t, upper, 1); /* floor = B + psz lies inside the PTE table's span */
	assert_int_equal(ptsim_munmap(t.mm, B, t.psz), 0);
	expect_empty(&t);
	/* The other order: the ceiling keeps the table. */
	mm_map(t.mm, B, t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_map(t.mm, B + 2 * t.psz, t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, B, W);
	mm_ok(t.mm, 0, B + 2 * t.psz, W);
	assert_int_equal(ptsim_munmap(t.mm, B, t.psz), 0);
	expect_tables(&t, upper, 1);
	assert_int_equal(ptsim_munmap(t.mm, B + 2 * t.psz, t.psz), 0);
	expect_empty(&t);
	mm_finish(&t);
}

/* Neighbouring PTE tables under one PMD table. */
static void test_neighbour_pte_tables(void **state)
{
	struct ptsim_test_env t;
	uint64_t pmd = ptsim_arch_level_size(ptsim_arch_lookup(*state), PTSIM_PMD);
	uint64_t upper[PTSIM_NR_LEVELS];

	ptsim_test_env_init(&t, *state, NULL);
	mm_map(t.mm, B, t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_map(t.mm, B + pmd, t.psz, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, B, W);
	mm_ok(t.mm, 0, B + pmd, W);
	snap_tables(&t, upper);
	assert_u64_eq(upper[PTSIM_PTE], 2);
	/* The second PTE table's span holds no other VMA: freed; the upper tables stay. */
	assert_int_equal(ptsim_munmap(t.mm, B + pmd, t.psz), 0);
	expect_tables(&t, upper, 1);
	assert_int_equal(ptsim_munmap(t.mm, B, t.psz), 0);
	expect_empty(&t);
	mm_finish(&t);
}

/* Partial munmaps of one big VMA populated in every PMD span. */
static void test_partial_munmaps(void **state)
{
	struct ptsim_test_env t;
	uint64_t pmd = ptsim_arch_level_size(ptsim_arch_lookup(*state), PTSIM_PMD);
	uint64_t upper[PTSIM_NR_LEVELS];

	ptsim_test_env_init(&t, *state, NULL);
	mm_map(t.mm, B, 4 * pmd, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);
	for (int i = 0; i < 4; i++)
		mm_ok(t.mm, 0, B + i * pmd, W);
	snap_tables(&t, upper);
	assert_u64_eq(upper[PTSIM_PTE], 4);
	/*
	 * [B + pmd + psz, B + 3 pmd): span 1 keeps its table (the VMA left below
	 * ends inside it), span 2 loses its table, span 3 is not in the range.
	 */
	assert_int_equal(ptsim_munmap(t.mm, B + pmd + t.psz, 2 * pmd - t.psz), 0);
	assert_u64_eq(ptsim_mm_nr_vmas(t.mm), 2);
	expect_tables(&t, upper, 3);
	/* The page still mapped in span 1 is still there. */
	mm_ok(t.mm, 0, B + pmd, R);
	/* [B, B + pmd + psz): spans 0 and 1 are now free of VMAs below the ceiling B + 3 pmd. */
	assert_int_equal(ptsim_munmap(t.mm, B, pmd + t.psz), 0);
	expect_tables(&t, upper, 1);
	/* An unmap that ends exactly at a span boundary frees that span's table. */
	mm_map(t.mm, B + 2 * pmd, pmd, PTSIM_PROT_READ, ANP | PTSIM_MAP_FIXED, NULL, 0);
	mm_ok(t.mm, 0, B + 2 * pmd, R);
	expect_tables(&t, upper, 2);
	assert_int_equal(ptsim_munmap(t.mm, B + 2 * pmd, pmd), 0);
	expect_tables(&t, upper, 1);
	/* A range with holes: only the VMA left goes, and with it everything. */
	assert_int_equal(ptsim_munmap(t.mm, B, 8 * pmd), 0);
	expect_empty(&t);
	mm_finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_shared_pte_table),
		PTSIM_ARCH_TESTS(test_neighbour_pte_tables),
		PTSIM_ARCH_TESTS(test_partial_munmaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
