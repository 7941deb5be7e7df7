// SPDX-License-Identifier: MIT
/*
 * test_fault.c - allocation-failure injection: every allocation point of an
 * operation fails in turn, and after each failure the model is exactly as
 * before (ptdump text, VmPTE, table counts, free frames, host bytes and
 * allocation count) and the checker is clean.
 */
#include <errno.h>

#include "ptsim_test.h"

static unsigned int sweep(struct ptsim_test_env *t, ptsim_test_op_fn op, void *arg)
{
	return ptsim_test_sweep(t, op, arg, 1000);
}

struct map_arg {
	uint64_t va, len, pfn, size;
};

static int do_map(struct ptsim_test_env *t, void *p)
{
	struct map_arg *a = p;

	return ptsim_map(t->mm, a->va, a->len, a->pfn, a->size,
			 ptsim_pgprot(t->a, PTSIM_PROT_READ | PTSIM_PROT_WRITE, 0), 0);
}

static void test_map_each_allocation_fails(void **state)
{
	struct ptsim_test_env t;
	struct map_arg a;
	uint64_t f;
	unsigned int n, real = 0;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_alloc_pages(t.m, 4, &f), 0);
	/* One base page into an empty address space: every table level is allocated. */
	a = (struct map_arg){.va = 0x40000000, .len = t.psz, .pfn = f, .size = t.psz};
	n = sweep(&t, do_map, &a);
	for (int l = PTSIM_P4D; l < PTSIM_NR_LEVELS; l++)
		real += !ptsim_arch_level_folded(t.a, (enum ptsim_level)l);
	/* Each new table is at least one allocation point (frame; storage when fresh). */
	assert_true(n >= real);
	assert_u64_eq(ptsim_mm_nr_tables(t.mm, PTSIM_PTE), 1);
	assert_machine_clean(t.m);

	/* A multi-page map spanning two PTE tables in a fresh region of the same tables. */
	a = (struct map_arg){.va = 0x40000000 + ptsim_arch_level_size(t.a, PTSIM_PMD) * 3 - t.psz,
			     .len = 2 * t.psz,
			     .pfn = f + 2,
			     .size = t.psz};
	n = sweep(&t, do_map, &a);
	assert_true(n >= 2);
	assert_machine_clean(t.m);

	/* Tear down; recycled table storage is reused by the next sweep (no fresh buffers). */
	assert_true(ptsim_unmap(t.mm, 0x40000000, ptsim_arch_level_size(t.a, PTSIM_PMD) * 4,
				PTSIM_UNMAP_FREE_TABLES) == 3);
	a = (struct map_arg){.va = 0x40000000, .len = t.psz, .pfn = f, .size = t.psz};
	n = sweep(&t, do_map, &a);
	assert_true(n >= real);
	assert_int_equal(ptsim_unmap(t.mm, 0x40000000, t.psz, PTSIM_UNMAP_FREE_TABLES), 1);
	assert_int_equal(ptsim_free_pages(t.m, f, 4), 0);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

static int do_mm_create(struct ptsim_test_env *t, void *p)
{
	struct ptsim_mm **out = p;

	return ptsim_mm_create(t->m, out);
}

static void test_mm_create_fails_cleanly(void **state)
{
	struct ptsim_test_env t;
	struct ptsim_mm *mm2 = NULL;

	ptsim_test_env_init(&t, *state, NULL);
	assert_true(sweep(&t, do_mm_create, &mm2) >= 2); /* the mm struct, then its root table */
	assert_non_null(mm2);
	ptsim_mm_destroy(mm2);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

/* Random failures with a seeded probability: whatever fails leaves no trace. */
static void test_random_failures(void **state)
{
	struct ptsim_test_env t;
	uint64_t f, rng = 12345;
	unsigned int ok = 0, failed = 0;

	ptsim_test_env_init(&t, *state, NULL);
	assert_int_equal(ptsim_alloc_pages(t.m, 0, &f), 0);
	ptsim_fault_inject_prob(t.m, 200000, 99); /* 20% of allocation points fail */
	for (int i = 0; i < 100; i++) {
		struct ptsim_test_snap s;
		uint64_t va;
		int err;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		va = 0x40000000 + ((rng >> 33) % 4096) * ptsim_arch_level_size(t.a, PTSIM_PMD) / 8;
		va &= ~(t.psz - 1);
		ptsim_test_snap_take(&t, &s);
		err = ptsim_map(t.mm, va, t.psz, f, t.psz, ptsim_pgprot(t.a, PTSIM_PROT_READ, 0),
				0);
		if (err == -ENOMEM) {
			ptsim_test_snap_assert_same(&t, &s);
			failed++;
		} else {
			assert_true(err == 0 || err == -EEXIST);
			ok += err == 0;
		}
		ptsim_test_snap_free(&s);
	}
	ptsim_fault_inject_prob(t.m, 0, 0);
	assert_true(ok > 0 && failed > 0);
	assert_true(ptsim_fault_injected(t.m) >= failed);
	assert_machine_clean(t.m);
	ptsim_test_env_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PTSIM_ARCH_TESTS(test_map_each_allocation_fails),
		PTSIM_ARCH_TESTS(test_mm_create_fails_cleanly),
		PTSIM_ARCH_TESTS(test_random_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
