// SPDX-License-Identifier: MIT
/*
 * test_vmpte_patterns.c - scenario: VmPTE (page-table bytes) after the
 * characteristic access patterns equals what the kernel counts: PTE, PMD
 * and PUD tables of real (not folded) levels, one granule each; not the
 * top level, not P4D tables.  Literal values for x86_64-4l; the geometry
 * formula for every configuration.
 */
#include <errno.h>

#include "mm_helpers.h"

#define GIB (1ull << 30)
#define MIB (1ull << 20)

/* Distinct tables of level @l that translate the touched addresses. */
static uint64_t tables_for(const struct ptsim_arch *a, enum ptsim_level l, uint64_t start,
			   uint64_t len, uint64_t step)
{
	uint64_t span = ptsim_arch_level_size(a, l) * ptsim_arch_ptrs_per(a, l);
	uint64_t first = start / span, last = (start + len - step) / span;

	return step >= span ? len / step : last - first + 1;
}

static uint64_t expected_vmpte(const struct ptsim_arch *a, uint64_t start, uint64_t len,
			       uint64_t step)
{
	uint64_t bytes = 0;

	for (int l = PTSIM_PUD; l <= PTSIM_PTE; l++)
		if (!ptsim_arch_level_folded(a, (enum ptsim_level)l))
			bytes += tables_for(a, (enum ptsim_level)l, start, len, step) *
				 ptsim_arch_ptrs_per(a, (enum ptsim_level)l) * 8;
	return bytes;
}

static void run_pattern(struct ptsim_test_env *t, uint64_t start, uint64_t len, uint64_t step,
			uint64_t x86_4l_bytes)
{
	uint64_t a = mm_map(t->mm, start, len, RW, ANP | PTSIM_MAP_FIXED, NULL, 0);

	for (uint64_t off = 0; off < len; off += step)
		mm_ok(t->mm, 0, a + off, W);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t->mm), expected_vmpte(t->a, start, len, step));
	if (!strcmp(ptsim_arch_name(t->a), "x86_64-4l"))
		assert_u64_eq(ptsim_mm_pgtables_bytes(t->mm), x86_4l_bytes);
	assert_machine_clean(t->m);
	assert_int_equal(ptsim_munmap(t->mm, a, len), 0);
	assert_u64_eq(ptsim_mm_pgtables_bytes(t->mm), 0);
}

/* One page touched per 2 MiB over 1 GiB: 512 PTE tables + 1 PMD + 1 PUD on x86. */
static void test_one_page_per_2m(void **state)
{
	struct ptsim_test_env t;

	ptsim_test_env_init(&t, *state, NULL);
	run_pattern(&t, 64 * GIB, GIB, 2 * MIB, 512 * 4096 + 4096 + 4096);
	mm_finish(&t);
}

/* Every page of 64 MiB: 32 PTE tables + 1 PMD + 1 PUD on x86. */
static void test_every_page_64m(void **state)
{
	struct ptsim_test_env t;

	ptsim_test_env_init(&t, *state, NULL);
	run_pattern(&t, 64 * GIB, 64 * MIB, t.psz, 34 * 4096);
	mm_finish(&t);
}

/* One page per GiB over 64 GiB: 64 PTE tables + 64 PMD + 1 PUD on x86. */
static void test_one_page_per_gib(void **state)
{
	struct ptsim_test_env t;

	ptsim_test_env_init(&t, *state, NULL);
	run_pattern(&t, 128 * GIB, 64 * GIB, GIB, 129 * 4096);
	mm_finish(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_one_page_per_2m),
		PTSIM_ARCH_TESTS(test_every_page_64m),
		PTSIM_ARCH_TESTS(test_one_page_per_gib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
